"""Sales-team decisions: hire N reps, hire a sales leader, the comp plan, discounting, pricing,
a market move. Each is judged first against the efficiency lines the run can see (magic number,
burn multiple, quota attainment): hiring into a sales machine that loses money on each dollar
multiplies the loss, and the answer says so before anything else."""

from __future__ import annotations

from datetime import date

from csuite.analysis.common import (
    Deriver,
    Gate,
    alert_line,
    date_label,
    figure,
    keep,
    latest,
    make_brief,
    metric,
    months_since,
    newest,
    point,
    verdict_config,
    win_rate_ends,
)
from csuite.analysis.models import Brief, DecisionAnalysis, Situation
from csuite.io.values import parse_date
from csuite.knowledge.thresholds import alert_threshold

CAPACITY = "sales_capacity_model"
METRICS = "revenue_metrics"


def efficiency_gates(situation: Situation, deriver: Deriver) -> Gate:
    """Magic number, burn multiple and quota attainment against their lines, from a metrics run
    on the founder's file when there is one, else their context."""
    gate = Gate(situation)
    magic, _ = figure(situation, f"{METRICS}.metrics.magic_number.value", "ctx.magic_number")
    gate.below("points.gate.magic_number", magic, alert_line(situation, "magic_number_low", "magic_number"))
    burn, _ = figure(situation, f"{METRICS}.metrics.burn_multiple.value", "ctx.burn_multiple")
    gate.above("points.gate.burn_multiple", burn,
               "bench.burn_multiple.good" if situation.has("bench.burn_multiple.good") else None)
    at_quota = newest(situation, deriver, figure(situation, "ctx.reps_at_quota")[0], "reps_at_quota_now",
                      "share of reps at quota, latest")
    gate.below("points.gate.reps_at_quota", at_quota, alert_line(situation, "quota_attainment_low", "reps_at_quota"))
    return gate


def _count_asked(situation: Situation, deriver: Deriver, *nouns: str) -> str | None:
    for noun in nouns:
        if situation.understood.count_of(noun) is not None:
            return f"question.count.{noun}"
    return None


def hire_reps(situation: Situation) -> Brief:
    """Hire N AEs: efficiency first, then N against the hires the capacity plan needs."""
    deriver = Deriver(situation, "analysis")
    gate = efficiency_gates(situation, deriver)
    n = _count_asked(situation, deriver, "AE", "rep", "SDR")
    capacity = situation.run(CAPACITY)
    names: dict[str, str] = {}
    figures: dict[str, str] = {"n": n} if n else {}
    figures.update(gate.figures())
    points = list(gate.failed) + list(gate.passed)
    missing: list[str] = []
    if capacity is not None:
        result = capacity.result
        figures.update({"needed": f"{CAPACITY}.hires_needed", "gap": f"{CAPACITY}.totals.gap",
                        "target": f"{CAPACITY}.totals.target"})
        if result.hires:
            names["open_by"] = result.hires[0].open_req_by.isoformat()
    else:
        missing.append("capacity")
        ae_count, _ = figure(situation, "ctx.ae_count")
        if ae_count:
            figures["ae_count"] = ae_count
    if gate.failed:
        verdict = "not_yet" if n else ("not_yet_plan" if capacity is not None else "not_yet_any")
        option = 2
    elif capacity is not None:
        asked = situation.understood.count_of("AE") or situation.understood.count_of("rep") \
            or situation.understood.count_of("SDR")
        needed = capacity.result.hires_needed
        if asked is None:
            verdict = "how_many"
        elif asked < needed:
            verdict = "fewer_than_needed"
        elif asked == needed:
            verdict = "right_number"
        else:
            verdict = "more_than_needed"
        option = 0 if verdict in ("right_number", "how_many") else 1
    elif gate.passed:
        verdict = "needs_plan" if n else "needs_data"
        figures.update(gate.figures(passed=True))
        option = 1
    else:  # no efficiency line could be checked: never say they hold
        verdict = "unchecked" if n else "needs_data"
        option = 1
    must = [n] if n else []
    if verdict in ("fewer_than_needed", "right_number", "more_than_needed", "how_many"):
        must.append(f"{CAPACITY}.hires_needed")
    return make_brief(situation, verdict, headline={"figures": figures, "names": names},
                      recommendation={"figures": figures, "names": names}, option=option, points=points,
                      deriver=deriver, must_state=must, missing=missing)


def sales_leader(situation: Situation) -> Brief:
    """VP Sales or a first-line manager: the team's size and whether the process works yet."""
    config = verdict_config("sales_leader")
    deriver = Deriver(situation, "analysis")
    gate = efficiency_gates(situation, deriver)
    ae_count, aes = figure(situation, "ctx.ae_count")
    figures = {"ae_count": ae_count} if ae_count else {}
    figures.update(gate.figures())
    if aes is None:
        verdict = "needs_team_size"
    elif aes >= float(config["vp_from_aes"]):
        verdict = "vp_now"
    elif aes >= float(config["manager_from_aes"]):
        verdict = "manager_first"
    else:
        verdict = "founder_led"
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option={"vp_now": 0, "manager_first": 1, "founder_led": 2}.get(verdict, 1),
                      points=list(gate.failed) + list(gate.passed), deriver=deriver,
                      must_state=[ae_count] if ae_count else [], missing=[] if ae_count else ["capacity"])


def comp_plan(situation: Situation) -> Brief:
    """Comp follows attainment: when most reps miss, the quota is the problem, not the rates."""
    deriver = Deriver(situation, "analysis")
    at_quota = newest(situation, deriver, figure(situation, "ctx.reps_at_quota")[0], "reps_at_quota_now",
                      "share of reps at quota, latest")
    line = alert_line(situation, "quota_attainment_low", "reps_at_quota")
    expected, _ = figure(situation, f"{CAPACITY}.expected_share_at_quota")
    win_first, win_last = win_rate_ends(situation, deriver)
    figures = {k: v for k, v in {"at_quota": at_quota, "line": line, "expected": expected,
                                 "win_first": win_first, "win_last": win_last}.items() if v}
    if at_quota is None and expected is None:
        verdict = "no_data"
    elif latest(situation.value(at_quota or expected)) < latest(situation.value(line)):
        verdict = "fix_quota_first"
    else:
        verdict = "tune_incentives"
    points = keep([point("points.sales.win_rate_falling", against=True, first=win_first, last=win_last)])
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option={"fix_quota_first": 0, "tune_incentives": 1}.get(verdict, 2), points=points,
                      deriver=deriver, must_state=[at_quota or expected] if (at_quota or expected) else [],
                      missing=[] if (at_quota or expected) else ["capacity"])


def discounting(situation: Situation) -> Brief:
    """Discounts buy deals only when price is why you lose; a falling win rate says look first."""
    deriver = Deriver(situation, "analysis")
    win_first, win_last = win_rate_ends(situation, deriver)
    price_share, _ = figure(situation, "funnel_analyzer.loss_reasons.price")
    figures = {k: v for k, v in {"win_first": win_first, "win_last": win_last, "price_share": price_share}.items() if v}
    if price_share:
        verdict = "price_losses"
    elif win_first:
        verdict = "win_rate_falling"
    else:
        verdict = "guardrails"
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option=1, deriver=deriver, must_state=[win_last] if win_last else [],
                      missing=[] if price_share else ["opportunities"])


def pricing_change(situation: Situation) -> Brief:
    """When pricing was last reviewed, and whether the base can take a change (GRR)."""
    deriver = Deriver(situation, "analysis")
    reviewed = metric(situation.ctx, "last_pricing_review")
    gate = Gate(situation)
    grr, _ = figure(situation, "churn_analyzer.grr", "retention_decomposition_analyzer.grr", "ctx.grr")
    gate.below("points.gate.grr", grr, alert_line(situation, "grr_low", "grr"))
    names: dict[str, str] = {}
    figures: dict[str, str] = {}
    if reviewed:
        day = reviewed if isinstance(reviewed, date) else parse_date(str(reviewed))
        names["reviewed"] = date_label(day, situation.lang)
        figures["months"] = deriver.add("months_since_pricing_review", "months since the last pricing review",
                                        months_since(day, situation.as_of), "months", ["ctx.last_pricing_review"],
                                        "months from the last review to the as-of date")
        line = alert_threshold("pricing_review_overdue", "last_pricing_review") or 12
        overdue = months_since(day, situation.as_of) > line
        verdict = "overdue" if overdue else "recent"
    else:
        verdict = "unknown"
    if gate.failed and verdict == "overdue":
        verdict = "overdue_leaky"
    figures.update(gate.figures())
    return make_brief(situation, verdict, headline={"figures": figures, "names": names},
                      recommendation={"figures": figures, "names": names},
                      option={"overdue": 0, "overdue_leaky": 1, "recent": 2, "unknown": 1}[verdict],
                      points=list(gate.failed), deriver=deriver, must_state=[figures["months"]] if "months" in figures else [])


def market_move(situation: Situation) -> Brief:
    """A new segment or country is a second company to build: the core must hold first."""
    deriver = Deriver(situation, "analysis")
    gate = efficiency_gates(situation, deriver)
    grr, _ = figure(situation, "churn_analyzer.grr", "retention_decomposition_analyzer.grr", "ctx.grr")
    gate.below("points.gate.grr", grr, alert_line(situation, "grr_low", "grr"))
    coverage, _ = figure(situation, "ctx.pipeline_coverage")
    gate.below("points.gate.coverage", coverage, alert_line(situation, "pipeline_coverage_below_3x",
                                                              "pipeline_coverage"))
    figures = gate.figures()
    verdict = "fix_core_first" if gate.failed else ("go_with_gates" if gate.passed else "no_data")
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option={"fix_core_first": 2, "go_with_gates": 1, "no_data": 2}[verdict],
                      points=list(gate.failed) + list(gate.passed), deriver=deriver,
                      must_state=list(figures.values())[:1], missing=[] if gate.passed or gate.failed else ["metrics"])


ANALYSES = {
    "hire_reps": DecisionAnalysis("hire_reps", hire_reps),
    "sales_leader": DecisionAnalysis("sales_leader", sales_leader),
    "comp_plan": DecisionAnalysis("comp_plan", comp_plan),
    "discounting": DecisionAnalysis("discounting", discounting),
    "pricing_change": DecisionAnalysis("pricing_change", pricing_change),
    "market_move": DecisionAnalysis("market_move", market_move),
}
