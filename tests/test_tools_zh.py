"""`--lang zh` on every tool: the text output reads as Chinese, states the same numbers as the
English one, translates every sentence the tool's core wrote (flags, warnings, notes), and leaves
--json untouched. Both front ends: `csuite tool NAME` and `python scripts/NAME.py`."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from csuite.knowledge.thresholds import section
from csuite.tools.funnel_analyzer import FunnelOptions
from csuite.tools.funnel_analyzer import run as run_funnel
from csuite.tools.registry import TOOLS, get_tool
from csuite.tools.texts import ToolTexts, pad, width
from tests.bilingual_checks import numbers, reads_as_chinese
from tests.conftest import AS_OF, EXAMPLES, ROOT

DATA = ROOT / "tests" / "data"
FUNNEL = EXAMPLES / "salesforce_funnel.csv"
FUNNEL_EXTRAS = {"--stage-history": EXAMPLES / "opportunity_history.csv", "--spend": EXAMPLES / "channel_spend.csv",
                 "--accounts": EXAMPLES / "target_accounts.csv"}
# A small export that reaches the funnel's warnings: a repeated column, a deal with no amount, a
# close date after as-of, created after close, no created date, unplaceable and blank loss reasons
# (the loss_reasons_missing flag), two deals with one name; its spend, history and universe files
# reach theirs (a channel with no wins, a channel not in the export, spend outside the window, a
# history row for an unknown deal, a history that starts closed, customers outside the universe).
MESSY = {"--spend": DATA / "funnel_analyzer_messy_spend.csv",
         "--stage-history": DATA / "funnel_analyzer_messy_history.csv",
         "--accounts": DATA / "funnel_analyzer_messy_accounts.csv"}


def _options(files: dict[str, Path]) -> list[str]:
    return [part for option, path in files.items() for part in (option, str(path))]


# (tool, arguments, the founder files it reads): the bundled sample, plus inputs that reach the
# tool's other sentences (calibration, converted alert lines, percentile tiers, stripe, no growth).
CASES: list[tuple[str, list[str], list[Path]]] = [
    ("churn_analyzer", [], [EXAMPLES / "revenue_snapshots.csv", EXAMPLES / "accounts.csv"]),
    ("churn_analyzer", [str(EXAMPLES / "revenue_snapshots.csv"), "--accounts", str(EXAMPLES / "accounts.csv"),
                        "--window", "3"], [EXAMPLES / "revenue_snapshots.csv", EXAMPLES / "accounts.csv"]),
    ("cs_coverage_calculator", ["--as-of", AS_OF], [EXAMPLES / "cs_book.csv"]),
    ("cs_coverage_calculator", [str(DATA / "cs_coverage_calculator_book.csv")], [DATA / "cs_coverage_calculator_book.csv"]),
    ("cs_next_hire", ["--as-of", AS_OF], [EXAMPLES / "cs_team.yaml"]),
    ("cs_next_hire", ["--customers", "30", "--arr", "600000"], []),
    ("customer_segmentation_designer", ["--as-of", AS_OF], [EXAMPLES / "customers.csv"]),
    ("customer_segmentation_designer", ["--as-of", AS_OF, "--mode", "percentile"], [EXAMPLES / "customers.csv"]),
    # funnel_analyzer: the bundled sample alone and with all four optional files; a 3-month window
    # (price_losses_high); a HubSpot export with few closed deals and no Lead Source; the messy export.
    ("funnel_analyzer", ["--as-of", AS_OF], [FUNNEL]),
    ("funnel_analyzer", [*_options(FUNNEL_EXTRAS), "--as-of", AS_OF], [FUNNEL, *FUNNEL_EXTRAS.values()]),
    ("funnel_analyzer", ["--window", "3", "--as-of", AS_OF], [FUNNEL]),
    ("funnel_analyzer", [str(EXAMPLES / "hubspot_deals.csv"), "--as-of", AS_OF], [EXAMPLES / "hubspot_deals.csv"]),
    ("funnel_analyzer", [str(DATA / "funnel_analyzer_messy.csv"), *_options(MESSY), "--as-of", AS_OF],
     [DATA / "funnel_analyzer_messy.csv", *MESSY.values()]),
    ("retention_decomposition_analyzer", [], [EXAMPLES / "retention_cohorts.csv"]),
    ("retention_decomposition_analyzer", [str(EXAMPLES / "stripe_subscriptions.csv"), "--window-months", "6"],
     [EXAMPLES / "stripe_subscriptions.csv"]),
    ("revenue_forecast_model", ["--as-of", AS_OF], [EXAMPLES / "pipeline.csv"]),
    ("revenue_forecast_model", [str(EXAMPLES / "pipeline.csv"), "--history", str(EXAMPLES / "closed_deals.csv"),
                                "--quota", "1.5M", "--as-of", AS_OF], [EXAMPLES / "pipeline.csv"]),
    ("revenue_metrics", [], [EXAMPLES / "revenue_metrics.yaml"]),
    ("revenue_metrics", [str(DATA / "revenue_metrics_quarters.csv"), "--as-of", AS_OF],
     [DATA / "revenue_metrics_quarters.csv"]),
    ("sales_capacity_model", ["--as-of", AS_OF], [EXAMPLES / "sales_capacity.yaml"]),
    ("sales_capacity_model", [str(DATA / "sales_capacity_model_plan.json"), "--as-of", AS_OF],
     [DATA / "sales_capacity_model_plan.json"]),
]
IDS = [f"{tool}-{i}" for i, (tool, _, _) in enumerate(CASES)]


def test_every_tool_has_a_chinese_case():
    assert {tool for tool, _, _ in CASES} == set(TOOLS)


def _leaves(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in _leaves(value)]
    if isinstance(node, list):
        return [leaf for value in node for leaf in _leaves(value)]
    return [str(node)] if node is not None else []


def _founder_words(files: list[Path]) -> set[str]:
    """The words of the founder's own data (names, stages, owners, reasons): cell values of a CSV,
    values of a YAML/JSON document, never its column names."""
    words: set[str] = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".csv":
            values = [cell for row in list(csv.reader(text.splitlines()))[1:] for cell in row]
        else:
            values = _leaves(yaml.safe_load(text))
        words |= {w for value in values for w in re.findall(r"[A-Za-z][A-Za-z'&.-]*", value)}
    return words


def _ours(text: str, files: list[Path]) -> str:
    """The output without what is not ours to translate: the founder's data and file paths
    (identifiers and option names are set aside by reads_as_chinese itself)."""
    text = re.sub(r"\S*/\S*", " ", text)                        # paths, ratios like 1/14 (digits only)
    founder = _founder_words(files)
    return " ".join(w for w in re.split(r"(\s+|[，。；：、（）()\[\]])", text)
                    if w.strip(" .,;:'\"") not in founder)


def _run(run_cli, tool: str, args: list[str], *extra: str):
    result = run_cli("tool", tool, *args, *extra)
    assert result.code == 0, result.err
    return result


@pytest.mark.parametrize(("tool", "args", "files"), CASES, ids=IDS)
def test_chinese_output_is_chinese_with_the_same_numbers(run_cli, tool, args, files):
    english = _run(run_cli, tool, args).out
    chinese = _run(run_cli, tool, args, "--lang", "zh").out
    assert chinese != english
    assert reads_as_chinese(_ours(chinese, files)), _ours(chinese, files)[:2000]
    assert numbers(english) == numbers(chinese), (
        f"only in English: {sorted(numbers(english) - numbers(chinese))}; "
        f"only in Chinese: {sorted(numbers(chinese) - numbers(english))}")
    # The same lines in the same order: a translation, not a different report.
    assert len(english.splitlines()) == len(chinese.splitlines())


@pytest.mark.parametrize(("tool", "args", "files"), CASES, ids=IDS)
def test_every_sentence_the_core_wrote_is_translated(run_cli, tool, args, files):
    result = json.loads(_run(run_cli, tool, args, "--json").out)
    chinese = _run(run_cli, tool, args, "--lang", "zh").out
    sentences = [f["message"] for f in result.get("flags", [])]
    sentences += [*result.get("warnings", []), *result.get("notes", []), *result.get("assumptions", [])]
    left = [s for s in sentences if re.search(r"[a-z]{3,} [a-z]{3,}", s) and s in chinese]
    assert not left, f"{tool}: sentences still in English: {left}"


@pytest.mark.parametrize(("tool", "args", "files"), CASES, ids=IDS)
def test_json_is_the_same_in_both_languages(run_cli, tool, args, files):
    english = _run(run_cli, tool, args, "--json").out
    assert _run(run_cli, tool, args, "--json", "--lang", "zh").out == english


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_script_file_speaks_chinese_too(run_cli, name):
    spec = get_tool(name)
    args = ["--as-of", AS_OF] if "as_of" in spec.options.model_fields else []
    expected = _run(run_cli, name, args, "--lang", "zh").out
    proc = subprocess.run([sys.executable, f"scripts/{name}.py", *args, "--lang", "zh"], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.replace(str(ROOT) + "/", "") == expected.replace(str(ROOT) + "/", "")
    assert "未提供输入文件" in proc.stderr          # the note about the bundled sample, in Chinese too


def test_unknown_language_is_a_usage_error(run_cli):
    result = run_cli("tool", "revenue_metrics", "--lang", "fr")
    assert result.code == 2 and "--lang" in result.err


# --------------------------------------------------------------------------- the text engine


def test_message_patterns_restate_the_captured_values():
    texts = ToolTexts("revenue_forecast_model", "zh")
    sentence = ("5 open deal(s) worth $258,000 have a close date before 2026-12-04; they are counted from "
                "2026-12-04 — update or close them.")
    assert texts.say(sentence) == "5 个在跟商机（金额 $258,000）的成交日期早于 2026-12-04，已按 2026-12-04 计入——请更新或关闭它们。"
    # The same field named twice must read the same: a different second date is not this message.
    other = sentence.replace("counted from 2026-12-04", "counted from 2026-12-05")
    assert texts.say(other) == other
    # English is never rewritten, and an unknown sentence stays as written.
    assert ToolTexts("revenue_forecast_model", "en").say(sentence) == sentence
    assert texts.say("a sentence no pattern knows") == "a sentence no pattern knows"


def test_nested_and_looked_up_fields():
    texts = ToolTexts("cs_next_hire", "zh", lookups={"role": lambda title: {"Support Engineer": "技术支持工程师"}[title]})
    assert texts.say("Support Engineer load 133% (200 customers ÷ (2 × 75))") == \
        "技术支持工程师 的负荷 133%（200 个客户 ÷（2 × 75））"
    assert ToolTexts("cs_next_hire", "zh").term("onboarding") == "客户上线"


def test_labels_fall_back_to_common_and_unknown_labels_fail():
    assert ToolTexts("churn_analyzer", "zh")("flags") == "预警："
    with pytest.raises(KeyError, match="no label"):
        ToolTexts("churn_analyzer", "zh")("no_such_label")


def test_padding_counts_chinese_characters_as_two_columns():
    assert width("实施经理") == 8 and pad("实施经理", 10) == "实施经理  "
    assert pad("Strategic account", 9, cut=True) == "Strategic" and pad("42", 5, right=True) == "   42"
    assert pad("长尾客户", 5, cut=True) == "长尾 "


# --------------------------------------------------------------------------- funnel_analyzer


def test_funnel_tables_line_up_and_name_loss_reasons_by_their_labels(run_cli):
    args = [*_options(FUNNEL_EXTRAS), "--as-of", AS_OF]
    result = json.loads(_run(run_cli, "funnel_analyzer", args, "--json").out)
    chinese = _run(run_cli, "funnel_analyzer", args, "--lang", "zh").out.splitlines()
    cfg = section("funnel_analyzer")
    labels = {key: spec["label"]["zh"] for key, spec in cfg["loss_reasons"].items()}
    labels["not_recorded"] = cfg["not_recorded_label"]["zh"]
    rows = [line for line in chinese if "占丢单数" in line]
    assert [line.split()[0] for line in rows] == [labels[key] for key, share in result["loss_reasons"].items() if share]
    # Labels two to seven characters wide (价格, 其他或无法归类): the next column starts at one place.
    assert len({width(line[:line.index("占丢单数")]) for line in rows}) == 1
    assert any(cfg["verdicts"][result["loss_diagnosis"]["verdict"]]["zh"] in line for line in chinese)
    # "不适用" (n/a) is six columns wide, like "100.0%": quarters without closed deals stay aligned.
    messy_args = [str(DATA / "funnel_analyzer_messy.csv"), *_options(MESSY), "--as-of", AS_OF]
    messy = _run(run_cli, "funnel_analyzer", messy_args, "--lang", "zh").out.splitlines()
    quarters = [line for line in messy if "按金额" in line and line.startswith("  20")]
    assert any("不适用" in line for line in quarters) and any("%" in line for line in quarters)
    assert len({width(line[:line.index("按金额")]) for line in quarters}) == 1


def test_funnel_risk_signals_read_in_chinese_with_their_details(run_cli, tmp_path):
    # Deal C: pushed twice (Push Count), no next step, no activity ever logged.
    export = tmp_path / "deals.csv"
    export.write_text("Opportunity ID,Stage,Amount,Close Date,Push Count,Next Step,Last Activity\n"
                      "A,Closed Won,$1,2026-10-01,,,\nB,Closed Lost,$1,2026-10-02,,,\n"
                      "C,Negotiation/Review,$500,2027-01-20,2,,\n", encoding="utf-8")
    signals = {key: label["zh"] for key, label in section("funnel_analyzer")["signals"].items()}
    chinese = _run(run_cli, "funnel_analyzer", [str(export), "--as-of", AS_OF], "--lang", "zh").out
    assert (f"{signals['close_date_pushed']}（2 次）；{signals['no_next_step']}；"
            f"{signals['no_recent_activity']}（从未记录）") in chinese


def test_funnel_warnings_of_wide_exports_are_translated(tmp_path):
    """More segments, owners and unplaceable loss reasons than the tool lists, no Created Date and
    no Lead Source: the warnings only exports this wide reach."""
    export = tmp_path / "wide.csv"
    export.write_text("Opportunity ID,Stage,Amount,Close Date,Segment,Opportunity Owner,Loss Reason\n" + "".join(
        f"D{i},Closed Lost,$100,2026-10-01,Segment {i},Owner {i},Odd reason {i}\n" for i in range(52)),
        encoding="utf-8")
    result = run_funnel(str(export), FunnelOptions(as_of=AS_OF))
    assert len(result.warnings) == 5, result.warnings
    texts = ToolTexts("funnel_analyzer", "zh")
    for warning in result.warnings:
        chinese = texts.say(warning)
        assert chinese != warning and numbers(chinese) == numbers(warning), chinese
        assert reads_as_chinese(re.sub(r"'[^']*'", " ", chinese)), chinese
