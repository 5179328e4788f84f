"""Per-tool adapters: the two or three numbers from each tool that a founder decides on.

Texts quote only numbers the tool computed (formatted the way a founder reads them), so every
figure traces back to the tool run; consequences are written without new numbers.
"""

from __future__ import annotations

from typing import Any

from csuite.answer import Evidence, Finding
from csuite.backends.offline.findings import _finding, adapter
from csuite.evidence.collect import ToolRun
from csuite.io.numbers import format_money as money
from csuite.io.numbers import format_percent as pct


def _get(data: Any, *path: str, default: Any = None) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data or data[key] is None:
            return default
        data = data[key]
    return data


def _ratio(value: float) -> str:
    return f"{value:.1f}x"


@adapter("revenue_forecast_model")
def forecast(run: ToolRun, ev: dict[str, Evidence]) -> list[Finding]:
    r = run.result
    mc, period = r.get("monte_carlo") or {}, r.get("period") or "the period"
    out = []
    if mc:
        out.append(_finding(
            f"{period} forecast P50 is {money(mc['p50'])} (P10 {money(mc['p10'])}, P90 {money(mc['p90'])}) from "
            f"{money(r['period_pipeline'])} of open pipeline in {r['period_deals']} deals",
            "plan hiring and cash on the P10 and treat anything above the P50 as upside, not plan", run, ev))
    coverage = r.get("coverage")
    if coverage:
        out.append(_finding(
            f"Pipeline covers {_ratio(coverage['ratio'])} of the {money(coverage['remaining_quota'])} still to close; "
            f"the simulation reaches quota in {pct(coverage['p_reach_quota'])} of runs",
            "the quarter depends on pipeline you do not have yet; generation this month decides it", run, ev))
    weighted = r.get("weighted") or {}
    if weighted:
        out.append(_finding(
            f"Weighted pipeline: conservative {money(weighted['conservative'])}, base {money(weighted['base'])}, "
            f"upside {money(weighted['upside'])}",
            "the spread between conservative and upside is the range to plan cash and hiring against", run, ev))
    return out


@adapter("churn_analyzer")
def churn(run: ToolRun, ev: dict[str, Evidence]) -> list[Finding]:
    r = run.result
    out = []
    if r.get("nrr") is not None:
        out.append(_finding(
            f"Trailing NRR is {pct(r['nrr'])}, GRR {pct(r['grr'])} and logo retention {pct(r['logo_retention'])} "
            f"on your snapshots",
            "GRR is the honest number: it cannot be lifted by upsell, so it shows the real leak", run, ev))
    w = r.get("waterfall") or {}
    if w:
        out.append(_finding(
            f"ARR moved from {money(w['start'])} to {money(w['end'])}: new {money(w['new'])}, expansion "
            f"{money(w['expansion'])}, contraction {money(w['contraction'])}, churn {money(w['churn'])}",
            "the churn and contraction lines are what new bookings must refill before the business grows", run, ev))
    at_risk = r.get("at_risk") or []
    total = _get(r, "totals", "at_risk") or {}
    if at_risk and total.get("accounts"):
        # The list is capped by --limit; the totals cover every account.
        out.append(_finding(
            f"{total['accounts']} accounts holding {money(total['arr'])} of ARR are at risk, led by "
            f"{at_risk[0].get('name') or at_risk[0].get('account_id')}",
            "each needs an owner and a save plan before its renewal date", run, ev))
    return out


@adapter("retention_decomposition_analyzer")
def retention(run: ToolRun, ev: dict[str, Evidence]) -> list[Finding]:
    r = run.result
    out = []
    if r.get("nrr") is not None:
        leak = " — a leaky bucket: expansion is masking churn" if r.get("leaky_bucket") else ""
        out.append(_finding(
            f"NRR is {pct(r['nrr'])} but GRR is {pct(r['grr'])} and logo retention {pct(r['logo_retention'])}; "
            f"verdict for your stage: {r.get('verdict')}{leak}",
            "report GRR beside NRR, because diligence will recompute it from your cohorts", run, ev))
    drivers = r.get("top_drivers") or []
    if drivers and r.get("preventable_share") is not None:
        out.append(_finding(
            f"{pct(r['preventable_share'])} of churned ARR was preventable; the top driver is "
            f"{drivers[0]['label'].lower()} at {money(drivers[0]['arr'])}",
            "preventable churn is the cheapest ARR you will ever win back: fix the top driver first", run, ev))
    trend = _get(r, "trend", "direction") or {}
    if trend.get("grr") == "declining":
        cohorts = _get(r, "trend", "cohorts") or []
        grr = _get(r, "trend", "grr") or []
        if cohorts and grr:
            out.append(_finding(
                f"GRR falls across cohorts, from {pct(grr[0])} ({cohorts[0]}) to {pct(grr[-1])} ({cohorts[-1]})",
                "newer customers leave faster: look at what changed in who you sell to or how you onboard", run, ev))
    return out


@adapter("sales_capacity_model")
def capacity(run: ToolRun, ev: dict[str, Evidence]) -> list[Finding]:
    r = run.result
    totals = r.get("totals") or {}
    out = []
    if totals:
        out.append(_finding(
            f"Ramped capacity is {money(totals['capacity'])} against a {money(totals['target'])} new-ARR target: "
            f"a {money(totals['gap'])} gap before new hires",
            "the target is a hiring plan in disguise: without the hires it is not a plan", run, ev))
    if r.get("hires_needed") is not None:
        first = (r.get("hires") or [{}])[0]
        when = f", opening the first requisition by {first['open_req_by']}" if first.get("open_req_by") else ""
        out.append(_finding(f"Closing it takes {r['hires_needed']} AE hires{when}",
                            "every month a requisition opens late pushes ramped capacity a quarter out", run, ev))
    pipeline = r.get("pipeline") or {}
    if pipeline:
        out.append(_finding(
            f"At a {pct(pipeline['win_rate'])} win rate you need {_ratio(pipeline['coverage'])} coverage: "
            f"{money(pipeline['total_pipeline_needed'])} of pipeline; only {pct(r['expected_share_at_quota'])} "
            f"of reps are expected to reach quota",
            "quota and pipeline have to be set from real win rates, or the team misses together", run, ev))
    return out


@adapter("revenue_metrics")
def unit_economics(run: ToolRun, ev: dict[str, Evidence]) -> list[Finding]:
    metrics = run.result.get("metrics") or {}
    quarter = run.result.get("quarter") or ""
    out = []
    for key, fmt, so_what in (
        ("magic_number", lambda v: f"{v:.2f}",
         "below the hold line, more sales spend buys less ARR than it costs; fix conversion first"),
        ("cac_payback_months_gm_adjusted", lambda v: f"{v:.1f} months",
         "every month of payback is a month of cash the next hire has to wait for"),
        ("burn_multiple", lambda v: f"{v:.2f}x", "investors read this first: it is the price of each new ARR dollar"),
    ):
        item = metrics.get(key)
        if not item or item.get("value") is None:
            continue
        band = f" ({item['band']})" if item.get("band") and not any(c.isdigit() for c in item["band"]) else ""
        out.append(_finding(f"{item['name'][:1].upper()}{item['name'][1:]} for {quarter} is {fmt(item['value'])}{band}",
                            so_what, run, ev))
    return out


@adapter("customer_segmentation_designer")
def segmentation(run: ToolRun, ev: dict[str, Evidence]) -> list[Finding]:
    r = run.result
    out = []
    tiers = r.get("tiers") or []
    if tiers:
        top = tiers[0]
        out.append(_finding(
            f"{top['label']} tier: {top['customers']} customers hold {money(top['arr'])} of {money(r['total_arr'])} ARR",
            "coverage and executive attention belong where the ARR is, not spread evenly", run, ev))
    if r.get("kill_count"):
        out.append(_finding(
            f"{r['kill_count']} accounts ({money(r['kill_arr'])} ARR) cost {money(r['kill_cost_to_serve'])} a year "
            f"to serve and meet every kill-list criterion",
            "moving them to tech-touch or a price increase frees CSM time for accounts that can grow", run, ev))
    if r.get("largest_customer_share") and r.get("largest_customer"):
        out.append(_finding(
            f"The largest customer is {pct(r['largest_customer_share'])} of ARR",
            "one renewal decides the year: it needs an executive sponsor and a multi-threaded account plan", run, ev))
    return out


@adapter("cs_coverage_calculator")
def coverage(run: ToolRun, ev: dict[str, Evidence]) -> list[Finding]:
    t = run.result.get("totals") or {}
    out = []
    if t:
        out.append(_finding(
            f"Required CSMs: {t['required_csms_now']} now against {t['current_csms']} current CSMs on staff, and "
            f"{t['required_csms_12m']} required in twelve months (12m)",
            "the gap shows up first as slower onboarding and missed renewals in the named tiers", run, ev))
    if run.result.get("incremental_cost_12m") is not None:
        out.append(_finding(
            f"The hiring plan adds {run.result['hires_total']} people at an incremental "
            f"{money(run.result['incremental_cost_12m'])} over the next year",
            "weigh it against the ARR those tiers renew; coverage is cheaper than churn", run, ev))
    return out


@adapter("cs_next_hire")
def next_hire(run: ToolRun, ev: dict[str, Evidence]) -> list[Finding]:
    r = run.result
    if not r.get("next_role_title"):
        return []
    owns = ", ".join((r.get("owns") or [])[:2])
    finding = _finding(
        f"With {r['customers']} customers and {money(r['arr'])} ARR, the next CS hire is the "
        f"{r['next_role_title']} (rule: {r['rule']['id'].replace('_', ' ')})",
        f"this role owns {owns}" if owns else "it removes the constraint that is costing you outcomes now", run, ev)
    return [finding]
