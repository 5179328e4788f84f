"""Evidence units come from the tool result models (Amount, Share, Ratio, Count, Months, Days),
not from field names: names misled the guess (GRR-like shares, FTE and attrition came out as usd)."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from pydantic import BaseModel

from csuite.evidence.collect import guess_unit, tool_evidence
from csuite.runner import Advisor
from csuite.tools.base import Amount, Count, Headcount, Ratio, Share, ToolResult, sample_source
from csuite.tools.registry import get_tool
from tests.conftest import EXAMPLES


def _units(tool: str) -> dict[str, str]:
    spec = get_tool(tool)
    options = spec.options()
    source = sample_source(spec, options)
    result = spec.run(str(source) if source else None, options)
    return {e.id: e.unit for e in tool_evidence(tool, result, None)}


@pytest.mark.parametrize("tool, evidence_id, unit, name_guess", [
    # The name alone gets each of these wrong; the model knows better.
    ("sales_capacity_model", "sales_capacity_model.annual_attrition", "fraction", "usd"),
    ("revenue_forecast_model", "revenue_forecast_model.closed_rows.won", "count", "usd"),
    ("revenue_forecast_model", "revenue_forecast_model.monte_carlo.shock", "fraction", "usd"),
    ("revenue_forecast_model", "revenue_forecast_model.scenarios.base.win_multiplier", "ratio", "usd"),
    ("cs_coverage_calculator", "cs_coverage_calculator.incremental_run_rate_12m", "usd", "fraction"),
    ("cs_coverage_calculator", "cs_coverage_calculator.buffer", "fraction", "ratio"),
    ("cs_coverage_calculator", "cs_coverage_calculator.totals.required_fte_now", "count", "ratio"),
    # a loss reason's share is a share, whatever its name says ("product gap" read as money: $0)
    ("funnel_analyzer", "funnel_analyzer.loss_reasons.product_gap", "fraction", "usd"),
])
def test_units_come_from_the_model(tool, evidence_id, unit, name_guess):
    units = _units(tool)
    assert units[evidence_id] == unit
    assert guess_unit(evidence_id, 0.5) == name_guess  # the fallback would have been wrong


def test_lists_and_dicts_of_models_carry_units():
    units = _units("churn_analyzer")
    cohort = next(k for k in units if k.startswith("churn_analyzer.cohorts.") and k.endswith(".logos"))
    assert units[cohort] == "fraction"
    survival = next(k for k in units if k.startswith("churn_analyzer.logo_curve.") and k.endswith(".survival"))
    assert units[survival] == "fraction"
    churned = next(k for k in units if k.startswith("churn_analyzer.logo_curve.") and k.endswith(".churned"))
    assert units[churned] == "count"


def test_a_record_naming_its_own_unit_is_read_by_it():
    units = _units("revenue_metrics")
    assert units["revenue_metrics.metrics.burn_multiple.value"] == "ratio"
    assert units["revenue_metrics.metrics.cac_payback_months.value"] == "months"


def test_untyped_dict_payloads_fall_back_to_the_name():
    items = {e.id: e.unit for e in tool_evidence("x", {"grr": 0.9, "ending_arr": 5.0, "deals": 3}, None)}
    assert items == {"x.grr": "fraction", "x.ending_arr": "usd", "x.deals": "count"}


class _Row(BaseModel):
    name: str
    value: Amount
    share: Share


class _Result(ToolResult):
    rows: list[_Row]
    by_key: dict[str, Count]
    people: Headcount
    multiple: Ratio | None = None


def test_typed_model_walk_and_currency_label():
    result = _Result(rows=[_Row(name="EMEA", value=84_500.0, share=0.4)], by_key={"a": 2}, people=2.5,
                     multiple=3.0, currency="EUR")
    items = {e.id: e for e in tool_evidence("t", result, "f.csv")}
    assert items["t.rows.EMEA.value"].unit == "usd" and "(EUR)" in items["t.rows.EMEA.value"].label
    assert items["t.rows.EMEA.share"].unit == "fraction" and "(EUR)" not in items["t.rows.EMEA.share"].label
    assert items["t.by_key.a"].unit == "count" and items["t.people"].unit == "count"
    assert items["t.multiple"].unit == "ratio"


def test_a_whole_number_is_never_guessed_a_share():
    """An untyped count of 1 is one thing, not 100%: the bundled pipeline has a single lost deal,
    and the win/loss answer said '100% lost deals in the window are anecdotes'."""
    items = {e.id: e.unit for e in tool_evidence("x", {"lost": 1, "open": 0, "mystery": 1.0, "odd": 0.4}, None)}
    assert items == {"x.lost": "count", "x.open": "count", "x.mystery": "fraction", "x.odd": "fraction"}
    units = _units("funnel_analyzer")
    assert units["funnel_analyzer.loss_diagnosis.lost"] == "count"
    assert units["funnel_analyzer.loss_diagnosis.price_share"] == "fraction"


def test_too_few_losses_are_counted_in_the_answer():
    with open(EXAMPLES / "pipeline.csv", newline="", encoding="utf-8") as handle:
        lost = sum(row["stage"] == "closed_lost" for row in csv.DictReader(handle))
    advisor = Advisor(context=EXAMPLES / "company-context.md", as_of=date(2026, 11, 23))
    answer = advisor.ask("We keep losing on price. Is it price or value?", data=[str(EXAMPLES / "pipeline.csv")])
    assert (answer.decision_id, answer.verdict) == ("win_loss", "too_few_losses")
    assert f"with {lost} lost in the window" in answer.bottom_line
    assert "100%" not in answer.bottom_line
