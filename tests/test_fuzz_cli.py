"""Fuzzing the real command line with malformed founder files (issue 17, "Every exit path"): for
any CSV, JSON, YAML or company-context input, `csuite` exits 0 or 2, never 1, and never prints a
traceback; an exit 2 is one line on stderr.

Inputs start from the bundled examples (so they reach deep into each tool) and are mutated:
cells replaced with hostile spellings, rows and columns cut, line breaks and NULs inserted,
documents re-typed and nested, text truncated or re-encoded."""

from __future__ import annotations

import csv
import io
import json
import os
from contextlib import contextmanager

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csuite.tools.schemas import all_specs
from tests.conftest import AS_OF, EXAMPLES

SPECS = {spec.name: spec for spec in all_specs()}
CSV_TOOLS = sorted(name for name, spec in SPECS.items() if spec.sample.endswith(".csv"))
DOC_TOOLS = sorted(name for name, spec in SPECS.items() if spec.sample.endswith((".yaml", ".json")))

# Hostile spellings. Numbers stay within a million: a cs_coverage_calculator book with a
# billion accounts plans a billion hires and exhausts memory (a bound on tool inputs, reported to
# the tools' owners); this test is about malformed input, and must never take the machine down.
HOSTILE = ["", " ", "-1", "0", "1e309", "-1e309", "nan", "NaN", "inf", "$1.2M", "€12.500", "12,5%", "(30,000)",
           "1,2,3", "2026-02-30", "15/12/99", "9999-12-31", "0000-01-01", "2026-Q5", "Q4", "yes", "null", "~",
           "=HYPERLINK(\"x\")", "\u202eevil", "x\x00y", "\x1b[2J", "line\nbreak", '"', "'", "💸", "１２３",
           "0." + "1" * 40, "-" * 3, "TRUE", "[1, 2]", "{a: 1}", "& *anchor", "%"]
CELL = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=10),
                 st.floats(min_value=-1e6, max_value=1e6).map(repr), st.integers(-10**6, 10**6).map(str))
# CSUITE_FUZZ_EXAMPLES=500 runs a longer campaign; the suite's default keeps it to seconds.
EXAMPLES_PER_TEST = int(os.environ.get("CSUITE_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES_PER_TEST, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@contextmanager
def memory_cap(extra_bytes: int = 2 << 30):
    """While a case runs, the process may grow by `extra_bytes` at most: a runaway input raises
    MemoryError (an exit 1 the test reports) instead of exhausting the machine."""
    try:
        import resource

        with open("/proc/self/statm") as handle:
            current = int(handle.read().split()[0]) * resource.getpagesize()
    except (ImportError, OSError):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (current + extra_bytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def cli(run_cli, *args):
    with memory_cap():
        return run_cli(*args)


def assert_clean(result) -> None:
    assert result.code in (0, 2), (result.code, result.err[-2000:])
    assert "Traceback" not in result.err and "Traceback" not in result.out
    if result.code == 2:
        assert result.err.endswith("\n") and result.err.count("\n") == 1, result.err


def tool_args(name: str, path) -> list:
    args = ["tool", name, path, "--json"]
    return args + ["--as-of", AS_OF] if "as_of" in SPECS[name].options.model_fields else args


# ------------------------------------------------------------------------------ text mutations

@st.composite
def text_mutation(draw, text: str) -> str:
    """A raw edit of a file's text: truncate, insert junk, drop or repeat a line."""
    lines = text.split("\n")
    kind = draw(st.sampled_from(["truncate", "insert", "drop", "repeat", "none"]))
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if kind == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from(HOSTILE + ["\n", "\r", "\t", ",,,", "\x00", "\ufeff"])) + text[at:]
    if kind == "drop" and len(lines) > 1:
        del lines[draw(st.integers(0, len(lines) - 1))]
    if kind == "repeat" and lines:
        index = draw(st.integers(0, len(lines) - 1))
        lines.insert(index, lines[index])
    return "\n".join(lines)


@st.composite
def csv_case(draw) -> tuple[str, bytes]:
    tool = draw(st.sampled_from(CSV_TOOLS))
    with open(EXAMPLES / SPECS[tool].sample, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:draw(st.integers(1, 8))]
    if draw(st.booleans()) and len(header) > 1:  # lose a column
        gone = draw(st.integers(0, len(header) - 1))
        header = header[:gone] + header[gone + 1:]
        body = [r[:gone] + r[gone + 1:] for r in body]
    for _ in range(draw(st.integers(0, 6))):
        if body:
            row = draw(st.integers(0, len(body) - 1))
            if body[row]:
                body[row][draw(st.integers(0, len(body[row]) - 1))] = draw(CELL)
    out = io.StringIO()
    csv.writer(out, delimiter=draw(st.sampled_from([",", ",", ";", "\t"]))).writerows([header, *body])
    text = draw(text_mutation(out.getvalue()))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return tool, text.encode(encoding, errors="replace")


def _mutate_document(draw, node, depth: int = 0):
    if isinstance(node, dict):
        return {key: _mutate_document(draw, value, depth + 1) for key, value in node.items()
                if not draw(st.integers(0, 9)) == 0}  # now and then a key goes missing
    if isinstance(node, list):
        items = [_mutate_document(draw, value, depth + 1) for value in node]
        return items[: draw(st.integers(0, len(items)))] if items and draw(st.booleans()) else items
    if draw(st.integers(0, 5)) == 0:
        return draw(st.one_of(CELL, st.just([]), st.just({}), st.just(None), st.just(True),
                              st.recursive(st.none(), lambda inner: st.lists(inner, max_size=2), max_leaves=60)))
    return node


@st.composite
def document_case(draw) -> tuple[str, str, bytes]:
    tool = draw(st.sampled_from(DOC_TOOLS))
    with open(EXAMPLES / SPECS[tool].sample, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    mutated = _mutate_document(draw, document)
    suffix = draw(st.sampled_from([".yaml", ".json"]))
    if draw(st.integers(0, 7)) == 0:  # nesting far deeper than any parser's recursion limit
        text = "[" * 5000 + "1" + "]" * 5000
    elif suffix == ".json":
        text = json.dumps(mutated, default=str)
    else:
        text = yaml.safe_dump(mutated, allow_unicode=True, default_flow_style=draw(st.booleans()))
    return tool, suffix, draw(text_mutation(text)).encode("utf-8")


CONTEXT_LINES = (EXAMPLES / "company-context.md").read_text(encoding="utf-8").split("\n")


@st.composite
def context_case(draw) -> bytes:
    lines = list(CONTEXT_LINES)
    fields = [i for i, line in enumerate(lines) if line.startswith("- **")]
    for _ in range(draw(st.integers(0, 8))):
        index = draw(st.sampled_from(fields))
        label = lines[index].split(":**", 1)[0]
        lines[index] = f"{label}:** {draw(CELL)}"
    text = draw(text_mutation("\n".join(lines)))
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "latin-1"])), errors="replace")


# ------------------------------------------------------------------------------ the properties

@FUZZ
@given(case=csv_case())
def test_any_csv_through_its_tool_exits_0_or_2(run_cli, tmp_path, case):
    tool, data = case
    path = tmp_path / "input.csv"
    path.write_bytes(data)
    assert_clean(cli(run_cli, *tool_args(tool, path)))


@FUZZ
@given(case=document_case())
def test_any_json_or_yaml_through_its_tool_exits_0_or_2(run_cli, tmp_path, case):
    tool, suffix, data = case
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)
    assert_clean(cli(run_cli, *tool_args(tool, path)))


@FUZZ
@given(data=context_case())
def test_any_context_file_exits_0_or_2(run_cli, tmp_path, data):
    path = tmp_path / "company-context.md"
    path.write_bytes(data)
    assert_clean(cli(run_cli, "context", "check", path, "--as-of", AS_OF, "--json"))


@settings(max_examples=max(12, EXAMPLES_PER_TEST // 3), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(context=context_case(), case=csv_case())
def test_ask_on_any_context_and_data_exits_0_or_2(run_cli, tmp_path, context, case):
    context_path, data_path = tmp_path / "company-context.md", tmp_path / "input.csv"
    context_path.write_bytes(context)
    data_path.write_bytes(case[1])
    assert_clean(cli(run_cli, "ask", "Will we make the Q4 number?", "--context", context_path, "--data", data_path,
                         "--as-of", AS_OF, "--offline"))


def test_deeply_nested_json_is_exit_2(run_cli, tmp_path):
    """The issue's finding (RecursionError, exit 1), kept as its own case beside the fuzz."""
    path = tmp_path / "plan.json"
    path.write_text("[" * 5000 + "1" + "]" * 5000, encoding="utf-8")
    result = run_cli("tool", "sales_capacity_model", path)
    assert result.code == 2
    assert_clean(result)
