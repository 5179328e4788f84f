"""Customer-success organisation decisions: how many CSMs, which CS role next, onboarding, and
whether to stop serving a tier or segment. Figures come from the CS tools run on the founder's
book, team and customer files."""

from __future__ import annotations

from csuite.analysis.common import Deriver, alert_line, latest, make_brief, segment_figures
from csuite.analysis.models import Brief, DecisionAnalysis, Point, Situation
from csuite.evidence.collect import id_slug

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
    headline = dict(figures)
    if verdict == "understaffed" and totals.required_csms_12m <= totals.required_csms_now:
        del headline["later"]   # "needs 5, rising to 5" says nothing: the need is not growing
    return make_brief(situation, verdict, headline={"figures": headline}, recommendation={"figures": figures},
                      option={"understaffed": 0, "grow_later": 1, "staffed": 2}[verdict],
                      points=_tier_gap(situation, run.result), must_state=[figures["now"], figures["current"]])


def _tier_gap(situation: Situation, result) -> list[Point]:
    """Where the shortfall sits: the tier furthest under its coverage model today. The bottom line
    already gives the totals, so this is the finding that says where the first hire goes."""
    short = [t for t in result.tiers if t.gap_now > 0]
    if not short:
        return []
    tier = max(short, key=lambda t: t.gap_now)
    base = f"{COVERAGE}.tiers.{id_slug(tier.tier)}"
    figures = {"accounts": f"{base}.accounts", "arr": f"{base}.arr", "need": f"{base}.required_csms_now",
               "have": f"{base}.current_csms"}
    if not all(situation.has(f) for f in figures.values()):
        return []
    return [Point(phrase="points.coverage.tier_gap", figures=figures, names={"tier": tier.tier})]


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
    """Stop serving what costs more than it earns: the kill list's accounts, ARR and cost to serve;
    for a segment the question names, that segment's own retention and weight in ARR."""
    run = situation.run(SEGMENTS)
    segment, seg = segment_figures(situation)
    if segment and "seg_grr" in seg:
        return _segment_asked(situation, segment, seg)
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


def _segment_asked(situation: Situation, segment: str, seg: dict[str, str]) -> Brief:
    """"Stop selling to SMB?": the segment keeps its ARR (GRR against the alert line) or it does
    not, and how much of ARR it is; the kill list, when the customer file ran, is the alternative
    to cutting the whole segment."""
    deriver = Deriver(situation, "analysis")
    base = seg["seg_grr"].rsplit(".", 1)[0]
    arr_ids = [f"{base.rsplit('.', 1)[0]}.{id_slug(row.segment)}.arr"
               for row in situation.run("churn_analyzer").result.segments]
    totals = [latest(situation.value(i)) for i in arr_ids]
    figures = {"seg_grr": seg["seg_grr"]}
    if all(t is not None for t in totals) and sum(totals) > 0:
        figures["share"] = deriver.add(f"{id_slug(segment)}_arr_share", f"{segment} share of ARR",
                                       latest(situation.value(f"{base}.arr")) / sum(totals), "fraction", arr_ids,
                                       "the segment's ARR ÷ the ARR of every segment")
    line = alert_line(situation, "grr_low", "grr")
    if line:
        figures["grr_line"] = line
    leaks = line is not None and latest(situation.value(seg["seg_grr"])) < latest(situation.value(line))
    verdict = "segment_leaks" if leaks else "segment_holds"
    points = []
    run = situation.run(SEGMENTS)
    if run is not None and run.result.kill_count:
        points.append(Point(phrase="points.segmentation.kill_list", figures={
            "count": f"{SEGMENTS}.kill_count", "arr": f"{SEGMENTS}.kill_arr", "cost": f"{SEGMENTS}.kill_cost_to_serve"}))
    return make_brief(situation, verdict, headline={"figures": figures, "names": {"segment": segment}},
                      recommendation={"figures": figures, "names": {"segment": segment}},
                      option=0 if leaks else 2, points=points, deriver=deriver,
                      must_state=[seg["seg_grr"]])


ANALYSES = {
    "cs_sizing": DecisionAnalysis("cs_sizing", cs_sizing),
    "cs_leader": DecisionAnalysis("cs_leader", cs_leader),
    "onboarding": DecisionAnalysis("onboarding", onboarding),
    "segment_kill": DecisionAnalysis("segment_kill", segment_kill),
}


