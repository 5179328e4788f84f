"""Evidence ids, units and kinds: what makes a number citable, and how strongly."""

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csuite.context.parse import parse_context
from csuite.evidence.collect import (
    _UNIT_HINTS,
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
    ("x.by_source.Web.cac", 13_333, "usd"), ("x.value.discount.mean_depth", 0.12, "fraction"),
    ("x.volumes.penetration", 0.0, "fraction"), ("x.cac_payback_months", 21, "months"),
    ("x.n_accounts", 3, "count"), ("x.flags.no_decision_losses_high.threshold", 0.3, "fraction"),
])
def test_units_from_field_names(key, value, unit):
    assert guess_unit(key, value) == unit


def _guess_unit_by_regex(key: str, value: object) -> str:
    """guess_unit as first written, one regex per fragment (the reference for the test below)."""
    def hits(text: str, fragment: str) -> bool:
        if "_" in fragment:
            return re.search(r"(?:^|[._\-\s])" + re.escape(fragment), text) is not None
        return any(word.startswith(fragment) for word in re.split(r"[._\-\s]+", text) if word)

    lowered = key.lower()
    for text in (lowered.rsplit(".", 1)[-1], lowered):
        for fragments, unit in _UNIT_HINTS:
            if any(hits(text, f) for f in fragments):
                return unit
    if isinstance(value, float) and 0 < abs(value) <= 1:
        return "fraction"
    return "count"


_FRAGMENTS = sorted({f for fragments, _ in _UNIT_HINTS for f in fragments})
_KEY_PART = st.one_of(st.sampled_from(_FRAGMENTS), st.text(alphabet="abnp_-. \t\u3000\u00a0xé", max_size=6))


@settings(max_examples=400, deadline=None)
@given(st.lists(_KEY_PART, max_size=6).map("".join), st.sampled_from([0.5, 3, 0, 1, 1.0, -1, "text"]))
def test_unit_guess_splits_a_key_once_and_finds_what_the_regexes_found(key, value):
    assert guess_unit(key, value) == _guess_unit_by_regex(key, value)


def test_unit_guess_over_every_sample_evidence_id():
    from csuite.tools.base import sample_source
    from csuite.tools.registry import TOOLS, get_tool

    for name in TOOLS:
        spec = get_tool(name)
        options = spec.options()
        source = sample_source(spec, options)
        result = spec.run(str(source) if source else None, options)
        for item in tool_evidence(name, result, None):
            assert guess_unit(item.id, 0.5) == _guess_unit_by_regex(item.id, 0.5), item.id


# ---------------------------------------------------------------- files read by several tools

def test_opportunity_export_is_read_by_the_forecast_unless_the_question_wants_more():
    from csuite.evidence.plan import detect_file, detect_files, wanted_tools
    from csuite.routing.router import route

    export = EXAMPLES / "salesforce_funnel.csv"
    # Question-blind: the forecast reads opportunity exports, as before the funnel analyzer existed
    # (the funnel analyzer matches more of this export's headers, but the kind's first tool reads it).
    assert detect_file(export, as_of="2026-11-23")[0].tool == "revenue_forecast_model"
    routed = route("We keep losing deals — is it price or value?")
    wanted = wanted_tools(routed.role_topics, [routed.primary])
    assert wanted[0] == "funnel_analyzer"
    runs = detect_files(export, as_of="2026-11-23", wanted=wanted)
    assert [f.tool for f, _ in runs] == ["funnel_analyzer", "revenue_forecast_model"]
    assert runs[0][1].loss_diagnosis.verdict == "value"


def test_a_wanted_tool_that_refuses_the_file_leaves_it_to_the_default_reader(tmp_path):
    from csuite.evidence.plan import detect_files

    open_only = tmp_path / "open.csv"
    open_only.write_text("deal_id,stage,amount,close_date\nA,proposal,1000,2026-12-01\n", encoding="utf-8")
    runs = detect_files(open_only, as_of="2026-11-23", wanted=["funnel_analyzer"])
    assert [f.tool for f, _ in runs] == ["revenue_forecast_model"]


def test_funnel_evidence_units_and_kinds():
    from csuite.tools.registry import get_tool

    spec = get_tool("funnel_analyzer")
    result = spec.run(EXAMPLES / spec.sample, spec.options(as_of="2026-11-23", spend=str(EXAMPLES / "channel_spend.csv")))
    items = {e.id: e for e in tool_evidence("funnel_analyzer", result, "export.csv")}
    assert items["funnel_analyzer.loss_reasons.no_decision"].unit == "fraction"
    assert items["funnel_analyzer.loss_diagnosis.lost"].unit == "count"
    assert items["funnel_analyzer.loss_diagnosis.no_decision_threshold"].kind == "framework"
    assert items["funnel_analyzer.by_source.Web.cac"].unit == "usd"
    assert items["funnel_analyzer.cycle_days.median"].unit == "days"
    assert items["funnel_analyzer.velocity_per_day.value"].unit == "usd"
    assert items["funnel_analyzer.value.by_segment.SMB.median"].unit == "usd"


def test_two_deals_with_one_name_keep_their_own_amounts():
    """A CRM export may hold two deals called the same: the second is "<name>-2" in evidence ids,
    and `slugs_of` names them the same way for the analysis that cites them."""
    from csuite.evidence.collect import slugs_of, tool_evidence

    payload = {"top_deals": [{"name": "Sable Creek - Platform", "amount": 150_000.0},
                             {"name": "Thornbury - Platform", "amount": 150_000.0},
                             {"name": "Sable Creek - Platform", "amount": 120_000.0}]}
    values = {e.id: e.value for e in tool_evidence("funnel_analyzer", payload, None)}
    first, second, third = slugs_of([d["name"] for d in payload["top_deals"]])
    assert (first, third) == ("Sable_Creek_-_Platform", "Sable_Creek_-_Platform-2")
    assert values[f"funnel_analyzer.top_deals.{first}.amount"] == 150_000
    assert values[f"funnel_analyzer.top_deals.{third}.amount"] == 120_000
