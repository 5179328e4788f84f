"""Evidence ids, units and kinds: what makes a number citable, and how strongly."""

from datetime import date

import pytest

from csuite.context.parse import parse_context
from csuite.evidence.collect import (
    benchmark_evidence,
    context_evidence,
    guess_unit,
    tool_evidence,
)
from tests.conftest import EXAMPLES


def test_context_metrics_are_founder_data():
    ctx = parse_context((EXAMPLES / "company-context.md").read_text(), as_of=date(2026, 11, 23), path="ctx.md")
    items = {e.id: e for e in context_evidence(ctx)}
    assert items["ctx.arr"].value == 4_200_000 and items["ctx.arr"].unit == "usd"
    assert items["ctx.win_rate"].value == [0.31, 0.28, 0.25] and items["ctx.win_rate"].unit == "fraction"
    assert items["ctx.last_pricing_review"].value == "2025-03-01"
    assert all(e.kind == "founder_data" for e in items.values())


def test_tool_results_are_addressable_and_thresholds_are_framework():
    result = {"nrr": 1.04, "coverage": {"ratio": 1.6, "target": 3.0}, "flags": [{"id": "x", "threshold": 0.75}],
              "at_risk": [{"name": "Acme", "arr": 1000}, {"name": "Beta", "arr": 2000}]}
    items = {e.id: e for e in tool_evidence("t", result, "file.csv")}
    assert items["t.nrr"].kind == "founder_data" and items["t.nrr"].unit == "fraction"
    assert items["t.coverage.target"].kind == "framework" and items["t.flags.x.threshold"].kind == "framework"
    assert items["t.at_risk.listed"].value == 2 and items["t.at_risk.Beta.arr"].value == 2000
    assert "file.csv" in items["t.nrr"].source


def test_benchmarks_are_labelled_benchmark():
    items = {e.id: e for e in benchmark_evidence(["burn_multiple", "grr_median_by_acv"])}
    assert items["bench.burn_multiple.great"].value == 1.5 and items["bench.burn_multiple.great"].unit == "ratio"
    assert items["bench.grr_median_by_acv.bands.25-50k"].value == pytest.approx(0.92)
    assert all(e.kind == "benchmark" for e in items.values())


@pytest.mark.parametrize("key, value, unit", [
    ("x.concentration.end_arr", 4_180_800, "usd"), ("x.coverage.ratio", 1.6, "ratio"), ("x.nrr", 1.04, "fraction"),
    ("x.cac_payback_months", 21, "months"), ("x.kill_count", 5, "count"), ("x.monte_carlo.p_reach_quota", 0.05, "fraction"),
    ("x.magic_number", 0.62, "ratio"), ("x.monte_carlo.p50", 586_000, "usd"),
])
def test_units_from_field_names(key, value, unit):
    assert guess_unit(key, value) == unit
