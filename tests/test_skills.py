"""The skill pack's markdown obeys the Agent Skills spec and agrees with the thresholds YAML.

- frontmatter: only the six spec keys, name = folder, quoted description ≤ 1024 chars, no
  `<`, `>` or `---` inside values; skills-ref's validator (CLI and Python API) passes;
- bodies ≤ 500 lines, no `$` followed by a digit (Claude Code substitutes `$1`...);
- links resolve with exact case, references one level deep;
- every number in a SKILL.md table row equals csuite/data/thresholds.yaml: such rows carry the
  YAML key in their first cell (`alerts.nrr_below_100`), and the test compares in both
  directions (each number in the row exists under the key; each numeric leaf under the key is
  stated in the row).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml

from csuite.knowledge.thresholds import load_thresholds

ROOT = Path(__file__).resolve().parent.parent
ROLE_SKILLS = {
    "cro-advisor": ["sales_playbook.md", "pricing_strategy.md", "nrr_playbook.md",
                    "revenue_architecture.md", "personas.md", "funnel_analysis.md"],
    "chief-customer-officer-advisor": ["retention_decomposition.md", "customer_segmentation_strategy.md",
                                       "cs_coverage_model.md", "cs_team_org_evolution.md"],
}
SHARED_REFERENCES = ["agent-protocol.md", "quality-loop.md", "metrics.md", "company-context-template.md"]
SKILL_FILES = [ROOT / "SKILL.md"] + [ROOT / "skills" / name / "SKILL.md" for name in ROLE_SKILLS]
ALLOWED_KEYS = {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
TOOLS = ["revenue_forecast_model", "churn_analyzer", "sales_capacity_model", "revenue_metrics", "funnel_analyzer",
         "retention_decomposition_analyzer", "customer_segmentation_designer", "cs_coverage_calculator",
         "cs_next_hire"]


def split_frontmatter(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{path} must start with YAML frontmatter"
    end = text.index("\n---\n", 4)
    return text[4:end], text[end + 5:]


def all_pack_markdown() -> list[Path]:
    files = list(SKILL_FILES)
    files += sorted((ROOT / "references").glob("*.md"))
    for name in ROLE_SKILLS:
        files += sorted((ROOT / "skills" / name / "references").glob("*.md"))
    return files


# ---------------------------------------------------------------- files exist


def test_every_expected_file_exists():
    for name, refs in ROLE_SKILLS.items():
        assert (ROOT / "skills" / name / "SKILL.md").is_file()
        for ref in refs:
            assert (ROOT / "skills" / name / "references" / ref).is_file(), ref
    for ref in SHARED_REFERENCES:
        assert (ROOT / "references" / ref).is_file(), ref


# ---------------------------------------------------------------- frontmatter


@pytest.mark.parametrize("path", SKILL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_frontmatter_follows_the_spec(path: Path):
    raw, _ = split_frontmatter(path)
    meta = yaml.safe_load(raw)
    assert set(meta) <= ALLOWED_KEYS, f"unexpected keys: {set(meta) - ALLOWED_KEYS}"
    expected_name = "csuite-advisors" if path.parent == ROOT else path.parent.name
    assert meta["name"] == expected_name
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", meta["name"]) and len(meta["name"]) <= 64
    # The description is a quoted scalar: safe against ': ' and YAML surprises.
    desc_line = next(line for line in raw.splitlines() if line.startswith("description:"))
    assert desc_line.split(":", 1)[1].strip().startswith('"'), "quote the description"
    assert 1 <= len(meta["description"]) <= 1024
    assert "Use when" in meta["description"] or "Use this skill when" in meta["description"]
    assert "compatibility" not in meta or len(meta["compatibility"]) <= 500
    assert all(isinstance(v, str) for v in meta.get("metadata", {}).values())
    for line in raw.splitlines():
        value = line.split(":", 1)[1] if ":" in line else line
        assert "<" not in value and ">" not in value, f"angle bracket in frontmatter: {line}"
        assert "---" not in value, f"'---' inside frontmatter silently truncates it: {line}"


@pytest.mark.parametrize("name", list(ROLE_SKILLS))
def test_skills_ref_validator_python_api(name):
    from skills_ref import read_properties, validate

    assert validate(ROOT / "skills" / name) == []
    assert read_properties(ROOT / "skills" / name).name == name


@pytest.mark.parametrize("name", list(ROLE_SKILLS))
def test_agentskills_cli_validates_role_skill(name):
    from tests.test_packaging import agentskills_validate

    done = agentskills_validate(ROOT / "skills" / name)
    assert done.returncode == 0, done.stderr


def test_root_skill_passes_metadata_validation(tmp_path):
    from skills_ref import validate
    from skills_ref.parser import parse_frontmatter
    from skills_ref.validator import validate_metadata

    text = (ROOT / "SKILL.md").read_text(encoding="utf-8")
    assert validate_metadata(parse_frontmatter(text)[0]) == []
    # The checkout folder has another name; a correctly named copy passes the full check.
    copy = tmp_path / "csuite-advisors"
    copy.mkdir()
    (copy / "SKILL.md").write_text(text, encoding="utf-8")
    assert validate(copy) == []


# ---------------------------------------------------------------- bodies


@pytest.mark.parametrize("path", SKILL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_body_length(path: Path):
    _, body = split_frontmatter(path)
    lines = body.count("\n")
    assert lines <= 500, f"{lines} lines"
    assert lines <= 300, f"{lines} lines: keep SKILL.md bodies under 300, move depth to references"


@pytest.mark.parametrize("path", [p for p in all_pack_markdown() if p.name != "company-context-template.md"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_dollar_digit(path: Path):
    text = path.read_text(encoding="utf-8")
    bad = re.findall(r".{0,20}\$\d.{0,20}", text)
    assert not bad, f"'$' + digit is read as a positional argument by Claude Code: {bad}"


LINK = re.compile(r"\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


def _exists_exact_case(base: Path, rel: str) -> bool:
    here = base
    for part in Path(rel).parts:
        if part not in {p.name for p in here.iterdir()} if here.is_dir() else set():
            return False
        here = here / part
    return True


@pytest.mark.parametrize("path", SKILL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_resolve_one_level_deep(path: Path):
    links = _links(path)
    assert links, "a SKILL.md should link its references"
    for target in links:
        assert not target.startswith(("/", "..")), f"{target}: link inside the skill folder"
        assert _exists_exact_case(path.parent, target), f"{target} missing (or wrong case)"
        parts = Path(target).parts
        if parts[0] == "references":
            assert len(parts) == 2, f"{target}: references must be one level deep"
        else:
            # Only the pack's entry skill links elsewhere: to the role skills themselves.
            assert path.parent == ROOT and re.fullmatch(r"skills/[a-z0-9-]+/SKILL\.md", target), target


def test_role_skills_link_every_reference():
    for name, refs in ROLE_SKILLS.items():
        links = set(_links(ROOT / "skills" / name / "SKILL.md"))
        for ref in refs:
            assert f"references/{ref}" in links, f"{name} does not link {ref}"


@pytest.mark.parametrize("path", [p for p in all_pack_markdown() if p.name != "SKILL.md"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_references_do_not_chain(path: Path):
    """Reference files are leaves: an agent never has to follow a second link to get the depth."""
    assert not [t for t in _links(path) if t.endswith(".md")]


def test_root_skill_links_shared_references_and_roles():
    links = set(_links(ROOT / "SKILL.md"))
    for ref in SHARED_REFERENCES:
        assert f"references/{ref}" in links
    for name in ROLE_SKILLS:
        assert f"skills/{name}/SKILL.md" in links


# ---------------------------------------------------------------- tools sections


@pytest.mark.parametrize("path", SKILL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_skill_says_run_help_first(path: Path):
    _, body = split_frontmatter(path)
    assert "--help" in body and "csuite tool" in body
    assert "python scripts/NAME.py --help" in body


def test_every_tool_is_named_by_its_role_skill():
    from csuite.tools.registry import TOOLS as REGISTRY

    assert sorted(REGISTRY) == sorted(TOOLS)
    root = (ROOT / "SKILL.md").read_text(encoding="utf-8")
    for name, entry in REGISTRY.items():
        assert f"`{name}`" in root
        folder = "cro-advisor" if entry.role == "cro" else "chief-customer-officer-advisor"
        assert f"`csuite tool {name} " in (ROOT / "skills" / folder / "SKILL.md").read_text(encoding="utf-8")


FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]+)")
GENERIC_FLAGS = {"--help", "--json", "--context", "--data", "--as-of", "--format", "--offline", "--role",
                 "--strict"}


def _tool_flags(name: str) -> set[str]:
    from csuite.cli.tool_script import build_parser
    from csuite.tools.registry import get_tool

    parser = build_parser(get_tool(name), name)
    return {opt for action in parser._actions for opt in action.option_strings}


@pytest.mark.parametrize("path", all_pack_markdown(), ids=lambda p: str(p.relative_to(ROOT)))
def test_tool_flags_quoted_in_the_pack_exist(path: Path):
    """`csuite tool NAME --flag` / `NAME --flag` in the prose must be a real flag of that tool."""
    text = path.read_text(encoding="utf-8")
    for name in TOOLS:
        flags = _tool_flags(name)
        for match in re.finditer(rf"`(?:csuite tool |python scripts/)?{name}(?:\.py)?((?: [^`]*)?)`", text):
            for flag in FLAG.findall(match.group(1)):
                assert flag in flags | GENERIC_FLAGS, f"{path.name}: {name} has no {flag}"


# ---------------------------------------------------------------- numbers agree with the YAML

NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s?(%|x\b|×|[kK]\b|M\b)?")


# Names that contain a digit but state no threshold.
NAMES = ("Rule of 40",)


def numbers_in(text: str) -> list[float]:
    """Numbers as values: '85%' → 0.85, '3.0x' → 3.0, 'USD 150K' → 150000, '1.5M' → 1500000."""
    text = re.sub(r"`[^`]*`", " ", text)
    for name in NAMES:
        text = text.replace(name, " ")
    out = []
    for digits, unit in NUMBER.findall(text):
        value = float(digits.replace(",", ""))
        if unit == "%":
            value /= 100
        elif unit in ("k", "K"):
            value *= 1_000
        elif unit == "M":
            value *= 1_000_000
        out.append(value)
    return out


def yaml_numbers(node) -> tuple[list[float], list[float]]:
    """(numeric leaves, every number anywhere in the subtree incl. keys and strings)."""
    leaves: list[float] = []
    anywhere: list[float] = []

    def walk(item):
        if isinstance(item, bool):
            return
        if isinstance(item, (int, float)):
            leaves.append(float(item))
            anywhere.append(float(item))
        elif isinstance(item, str):
            anywhere.extend(numbers_in(item))
        elif isinstance(item, dict):
            for key, value in item.items():
                anywhere.extend(numbers_in(str(key)))
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(node)
    return leaves, anywhere


def resolve(key: str):
    """A dotted key in thresholds.yaml, or in another csuite/data/<file>.yaml named by its first part."""
    node = load_thresholds()
    parts = key.split(".")
    if parts[0] not in node:
        data_file = ROOT / "csuite" / "data" / f"{parts[0]}.yaml"
        if not data_file.is_file():
            raise KeyError(key)
        node = yaml.safe_load(data_file.read_text(encoding="utf-8"))
        parts = parts[1:]
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def table_rows(path: Path) -> list[tuple[int, list[str]]]:
    rows = []
    in_code = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("|") or re.fullmatch(r"\|[\s:|-]+\|?", line):
            continue
        rows.append((number, [c.strip() for c in line.strip().strip("|").split("|")]))
    return rows


def _same(a: float, b: float) -> bool:
    # Prose states the direction in words ("usage down 25%" for -0.25), so compare magnitudes.
    return math.isclose(abs(a), abs(b), rel_tol=1e-9, abs_tol=1e-9)


KEY_CELL = re.compile(r"`([a-z_]+(?:\.[A-Za-z0-9_]+)+)`")


def table_errors(path: Path, *, strict: bool) -> tuple[list[str], int]:
    """Disagreements between a file's tables and the YAML, and how many key-backed rows it has.

    strict: every table row with a number must be key-backed (SKILL.md files)."""
    errors: list[str] = []
    checked = 0
    for line, cells in table_rows(path):
        key = KEY_CELL.fullmatch(cells[0])
        row_numbers = [n for cell in cells[1:] for n in numbers_in(cell)]
        if key is None:
            if strict and row_numbers:
                errors.append(f"{path.name}:{line}: numbers without a thresholds.yaml key: {cells}")
            continue
        try:
            node = resolve(key.group(1))
        except KeyError:
            errors.append(f"{path.name}:{line}: no such key {key.group(1)}")
            continue
        leaves, anywhere = yaml_numbers(node)
        errors += [f"{path.name}:{line}: {n:g} is not in {key.group(1)}"
                   for n in row_numbers if not any(_same(n, v) for v in anywhere)]
        errors += [f"{path.name}:{line}: {key.group(1)} = {v:g} is not stated"
                   for v in leaves if not any(_same(n, v) for n in row_numbers)]
        checked += 1
    return errors, checked


@pytest.mark.parametrize("path", all_pack_markdown(), ids=lambda p: str(p.relative_to(ROOT)))
def test_table_numbers_equal_thresholds_yaml(path: Path):
    errors, checked = table_errors(path, strict=path.name == "SKILL.md")
    assert not errors
    if path.name == "SKILL.md" and path.parent != ROOT:
        assert checked >= 10, "role skills state their thresholds in key-backed tables"


def test_table_checker_catches_drift(tmp_path):
    page = tmp_path / "SKILL.md"
    page.write_text(
        "| key | rule |\n|---|---|\n"
        "| `alerts.nrr_below_100` | NRR < 100% |\n"          # agrees
        "| `alerts.grr_low` | GRR < 80% |\n"                  # 80% is wrong, and 85% is missing
        "| `benchmarks.magic_number` | hold below 0.75 |\n"   # 1.5 is missing
        "| `alerts.no_such_alert` | x |\n"                     # unknown key
        "| coverage | 3x |\n",                                 # a number with no key
        encoding="utf-8")
    errors, checked = table_errors(page, strict=True)
    assert checked == 3
    joined = "\n".join(errors)
    assert "0.8 is not in alerts.grr_low" in joined and "alerts.grr_low = 0.85 is not stated" in joined
    assert "benchmarks.magic_number = 1.5 is not stated" in joined
    assert "no such key alerts.no_such_alert" in joined
    assert "numbers without a thresholds.yaml key" in joined
    assert len(errors) == 5


def test_numbers_parser():
    assert numbers_in("NRR < 100%, 3.0x, USD 150K, 1.5M, 6–18 months, `p10` 12-25k") == [
        1.0, 3.0, 150_000, 1_500_000, 6, 18, 12, 25_000]


def test_every_alert_is_a_proactive_trigger_in_a_role_skill():
    text = "".join((ROOT / "skills" / n / "SKILL.md").read_text(encoding="utf-8") for n in ROLE_SKILLS)
    for alert_id, rule in load_thresholds()["alerts"].items():
        assert f"`alerts.{alert_id}`" in text, f"alert {alert_id} missing from the role skills"


# ---------------------------------------------------------------- content the issue asks for


def test_cro_formulas_are_the_correct_ones():
    body = (ROOT / "skills/cro-advisor/SKILL.md").read_text(encoding="utf-8")
    assert "magic number        = net new ARR in quarter q ÷ S&M spend in quarter q−1" in body
    assert "CAC payback, months = S&M in q−1 ÷ (net new ARR in q × gross margin) × 12" in body
    for stage in ("lead → MQL", "MQL → SQL", "SQL → opportunity", "opportunity → won"):
        assert stage in body
    # The worked example is arithmetic a reader can check.
    assert round(310 / 500, 2) == 0.62 and round(500 / (310 * 0.91) * 12, 1) == 21.3
    assert round(12 / (0.62 * 0.91), 1) == 21.3 and round(310 / 500 * 4, 2) == 2.48
    assert 21 * 4 == 84 and round(84 / 0.6) == 140 and round(140 / 0.4) == 350 and round(350 / 0.25) == 1400


def test_cco_names_the_seven_churn_categories():
    body = (ROOT / "skills/chief-customer-officer-advisor/SKILL.md").read_text(encoding="utf-8")
    for category in ("product_fit", "competitor_loss", "no_value_realized", "pricing", "champion_left",
                     "company_event", "tactical_failure"):
        assert category in body
    for role in ("CSM", "Support", "Account Manager", "Implementation", "CS Ops", "Customer Marketing"):
        assert f"| {role} |" in body


def test_personas_table_matches_prompting_defaults():
    from csuite.render.templates import CRO_PERSONA_BY_ARCHETYPE, DEFAULT_CRO_PERSONA

    text = (ROOT / "skills/cro-advisor/references/personas.md").read_text(encoding="utf-8")
    for archetype, persona in CRO_PERSONA_BY_ARCHETYPE.items():
        assert f"| {archetype} | {persona.capitalize()} |" in text
    assert f"| unknown | {DEFAULT_CRO_PERSONA.capitalize()} |" in text
    for name in ("Rainmaker", "Coach", "Analyst", "Orchestrator", "Wolf", "Closer", "System Builder", "Growth"):
        assert name in text


def test_churn_taxonomy_order_matches_the_tool():
    """The reference's precedence table lists the categories in the keyword map's order."""
    taxonomy = yaml.safe_load((ROOT / "csuite/data/churn_taxonomy.yaml").read_text(encoding="utf-8"))
    text = (ROOT / "skills/chief-customer-officer-advisor/references/retention_decomposition.md").read_text(
        encoding="utf-8")
    rows = re.findall(r"^\| (\d) \| ([a-z_]+) \|", text, re.M)
    assert [name for _, name in rows] == list(taxonomy["categories"])
    assert sorted(taxonomy["preventable"]) == ["no_value_realized", "product_fit", "tactical_failure"]


def test_cro_worked_example_is_the_revenue_metrics_sample():
    """The magic-number example in the CRO skill is what the tool computes on its own sample."""
    from csuite.tools.registry import get_tool

    spec = get_tool("revenue_metrics")
    result = spec.run(ROOT / "examples" / spec.sample, spec.options()).model_dump(mode="json")
    metrics = result["metrics"]
    assert round(metrics["magic_number"]["value"], 2) == 0.62
    assert round(metrics["cac_payback_months_net"]["value"], 1) == 21.3
    body = (ROOT / "skills/cro-advisor/SKILL.md").read_text(encoding="utf-8")
    assert "net new ARR USD 310K in Q3, Q2 S&M\nUSD 500K, gross margin 91%" in body


def test_cro_skill_states_every_funnel_line():
    """Every threshold group of funnel_analyzer has its key-backed row in the CRO skill, so the
    table check above holds each of its numbers equal to the YAML (labels, keyword lists and
    output sizes are not thresholds)."""
    body = (ROOT / "skills/cro-advisor/SKILL.md").read_text(encoding="utf-8")
    not_lines = {"loss_reasons", "signals", "verdicts", "not_recorded_label", "group_limit", "top_deals"}
    for key in load_thresholds()["funnel_analyzer"]:
        if key not in not_lines:
            assert f"| `funnel_analyzer.{key}` |" in body, key


def test_funnel_texts_are_bilingual():
    cfg = load_thresholds()["funnel_analyzer"]
    texts = [c["label"] for c in cfg["loss_reasons"].values()] + [c["meaning"] for c in cfg["loss_reasons"].values()]
    texts += [cfg["not_recorded_label"], *cfg["signals"].values(), *cfg["verdicts"].values()]
    assert all(set(t) == {"en", "zh"} and t["en"] and t["zh"] for t in texts)


# -- the root skill's "Answer the question asked" ------------------------------------------------

def _answer_section() -> str:
    return (ROOT / "SKILL.md").read_text(encoding="utf-8").split("## Answer the question asked", 1)[1].split("\n## ", 1)[0]


def test_the_contrary_evidence_lines_are_the_ones_the_code_judges_by():
    """"a magic number under 0.5 or a burn multiple over 2": the magic_number_low alert line and the
    burn-multiple 'good' band the hire verdict's gate uses."""
    from csuite.knowledge.thresholds import alert_rules, section

    text = _answer_section()
    magic = alert_rules()["magic_number_low"].conditions[0].value
    burn = section("benchmarks")["burn_multiple"]["good"]
    assert f"magic number under {magic:g}" in text and f"burn multiple over {burn:g}" in text


def test_the_examples_are_the_engines_bottom_lines():
    """Both examples (English and Chinese) quote what the offline engine answers, word for word."""
    from datetime import date

    from csuite.runner import Advisor

    quoted = re.findall(r"^> (.+)\n>\n> (.+)$", _answer_section(), re.M)
    assert len(quoted) == 2 and re.search(r"[\u4e00-\u9fff]", quoted[1][0])
    advisor = Advisor(context=ROOT / "examples" / "company-context.md", as_of=date(2026, 11, 23))
    for question, bottom_line in quoted:
        answer = advisor.ask(question, data=[str(ROOT / "examples" / "retention_cohorts.csv")])
        assert answer.bottom_line == bottom_line
