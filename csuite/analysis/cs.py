"""Customer-success organisation decisions: how many CSMs, which CS role next, onboarding, and
whether to stop serving a tier or segment. Figures come from the CS tools run on the founder's
book, team and customer files."""

from __future__ import annotations

from csuite.analysis.common import make_brief
from csuite.analysis.models import Brief, DecisionAnalysis, Point, Situation

COVERAGE = "cs_coverage_calculator"
NEXT_HIRE = "cs_next_hire"
SEGMENTS = "customer_segmentation_designer"
RETENTION = "retention_decomposition_analyzer"


def cs_sizing(situation: Situation) -> Brief:
    """CSMs needed now and in twelve months against the team on staff."""
    run = situation.run(COVERAGE)
    if run is None:
        return make_brief(situation, "no_data", headline={}, recommendation={}, option=1, missing=["book"])
    totals = run.result.totals
    figures = {"now": f"{COVERAGE}.totals.required_csms_now", "current": f"{COVERAGE}.totals.current_csms",
               "later": f"{COVERAGE}.totals.required_csms_12m", "gap_now": f"{COVERAGE}.totals.gap_now",
               "gap_later": f"{COVERAGE}.totals.gap_12m"}
    if run.result.incremental_cost_12m is not None:
        figures["cost"] = f"{COVERAGE}.incremental_cost_12m"
    verdict = "understaffed" if totals.gap_now > 0 else ("grow_later" if totals.gap_12m > 0 else "staffed")
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option={"understaffed": 0, "grow_later": 1, "staffed": 2}[verdict],
                      must_state=[figures["now"], figures["current"]])


def cs_leader(situation: Situation) -> Brief:
    """The next CS hire from the rule that fired on the team and its missed outcomes."""
    run = situation.run(NEXT_HIRE)
    if run is None:
        return make_brief(situation, "no_data", headline={}, recommendation={}, option=1, missing=["book"])
    result = run.result
    names = {"role": result.next_role_title or "", "reason": result.rule.why if result.rule else ""}
    figures = {"customers": f"{NEXT_HIRE}.customers", "arr": f"{NEXT_HIRE}.arr"}
    verdict = "leader" if (result.next_role or "").endswith(("head", "leader", "vp", "director")) else "hire_role"
    return make_brief(situation, verdict, headline={"figures": figures, "names": names},
                      recommendation={"figures": figures, "names": names}, option=0,
                      must_state=[figures["customers"]])


def onboarding(situation: Situation) -> Brief:
    """Newer cohorts keeping less than older ones says onboarding changed; who owns it is the fix."""
    retention = situation.run(RETENTION)
    hire = situation.run(NEXT_HIRE)
    figures: dict[str, str] = {}
    names: dict[str, str] = {}
    if retention is not None and retention.result.trend is not None and retention.result.trend.cohorts:
        trend = retention.result.trend
        names.update({"first": trend.cohorts[0], "last": trend.cohorts[-1]})
        figures["grr_series"] = f"{RETENTION}.trend.grr"
        falling = trend.direction.get("grr") == "declining"
    else:
        falling = False
    if hire is not None and hire.result.next_role_title:
        names["role"] = hire.result.next_role_title
    if falling:
        verdict = "newer_cohorts_leave"
    elif figures:
        verdict = "cohorts_hold"
    else:
        verdict = "no_data"
    return make_brief(situation, verdict, headline={"figures": figures, "names": names},
                      recommendation={"figures": figures, "names": names}, option=0,
                      must_state=list(figures.values())[:1], missing=[] if retention else ["cohorts"])


def segment_kill(situation: Situation) -> Brief:
    """Stop serving what costs more than it earns: the kill list's accounts, ARR and cost to serve."""
    run = situation.run(SEGMENTS)
    if run is None:
        return make_brief(situation, "no_data", headline={}, recommendation={}, option=2, missing=["customers"])
    result = run.result
    figures = {"count": f"{SEGMENTS}.kill_count", "arr": f"{SEGMENTS}.kill_arr", "cost": f"{SEGMENTS}.kill_cost_to_serve",
               "total": f"{SEGMENTS}.total_arr"}
    verdict = "kill_list" if result.kill_count else "none_qualify"
    points = []
    if result.downgrade_count:
        points.append(Point(phrase="points.segmentation.downgrades", figures={
            "count": f"{SEGMENTS}.downgrade_count", "arr": f"{SEGMENTS}.downgrade_arr"}))
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option=0 if result.kill_count else 2, points=points,
                      must_state=[figures["count"], figures["arr"]] if result.kill_count else [])


ANALYSES = {
    "cs_sizing": DecisionAnalysis("cs_sizing", cs_sizing),
    "cs_leader": DecisionAnalysis("cs_leader", cs_leader),
    "onboarding": DecisionAnalysis("onboarding", onboarding),
    "segment_kill": DecisionAnalysis("segment_kill", segment_kill),
}


