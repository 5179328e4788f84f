"""Customer decisions on the revenue the company already has: why customers leave, the NRR
bridge, saving a named account, expansion, renewals and health. Figures come from the retention
tools run on the founder's files (a segment's own GRR when the question names a segment, an
account's own rows when it names an account), else from their context."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from csuite.analysis.common import (
    Deriver,
    Gate,
    alert_line,
    figure,
    latest,
    make_brief,
    metric,
    segment_figures,
    verdict_config,
)
from csuite.analysis.models import Brief, DecisionAnalysis, Listed, Point, Situation
from csuite.answer import Understood
from csuite.context.parse import CompanyContext
from csuite.evidence.collect import id_slug, slugs_of
from csuite.io.text import LazyPattern

CHURN = "churn_analyzer"
RETENTION = "retention_decomposition_analyzer"


def _retention_figures(situation: Situation) -> dict[str, str | None]:
    nrr, _ = figure(situation, f"{CHURN}.nrr", f"{RETENTION}.nrr", "ctx.nrr")
    grr, _ = figure(situation, f"{CHURN}.grr", f"{RETENTION}.grr", "ctx.grr")
    logo, _ = figure(situation, f"{CHURN}.logo_retention", f"{RETENTION}.logo_retention", "ctx.logo_retention")
    return {"nrr": nrr, "grr": grr, "logo": logo}


def churn_options(understood: Understood, ctx: CompanyContext, as_of: date) -> dict[str, dict[str, Any]]:
    """The churn tool lists every churned account, so the reasons of all of them are tallied."""
    return {CHURN: {"limit": int(verdict_config("churn_diagnosis")["churned_list_limit"])}}


def _churned_driver(situation: Situation, deriver: Deriver, segment: str | None) -> tuple[str, str] | None:
    """(reason, evidence id of its ARR): the churn reason that lost the most ARR in the window, in
    the segment asked about when there is one, from the accounts file's reasons as the churn tool
    listed them. None when no listed account gives a reason, or the list was cut short."""
    run = situation.run(CHURN)
    if run is None or run.result.totals is None or \
            run.result.totals.churned.shown < run.result.totals.churned.accounts:
        return None
    lost: dict[str, float] = {}
    for account in run.result.churned:
        if segment and (account.segment or "").lower() != segment.lower():
            continue
        if account.reason:
            lost[account.reason] = lost.get(account.reason, 0.0) + account.arr_lost
    if not lost:
        return None
    reason, arr = max(lost.items(), key=lambda item: item[1])
    where = f" in {segment}" if segment else ""
    return reason, deriver.add("top_churn_reason_arr", f"ARR lost{where} to '{reason}' in the window", arr, "usd",
                               [f"{CHURN}.totals.churned.arr"],
                               f"sum of ARR lost by the churned accounts{where} giving this reason")


def churn_diagnosis(situation: Situation) -> Brief:
    """Where churn concentrates, how much was preventable, and the top driver."""
    deriver = Deriver(situation, "analysis")
    base = _retention_figures(situation)
    gate = Gate(situation)
    gate.below("points.gate.grr", base["grr"], alert_line(situation, "grr_low", "grr"))
    segment, seg = segment_figures(situation)
    names = {"segment": segment} if segment else {}
    figures = {k: v for k, v in {**base, **seg}.items() if v}
    retention = situation.run(RETENTION)
    points: list[Point] = []
    if retention is not None and retention.result.top_drivers and retention.result.preventable_share is not None:
        driver = retention.result.top_drivers[0]
        names["driver"] = driver.label
        figures.update({"preventable": f"{RETENTION}.preventable_share",
                        "driver_arr": f"{RETENTION}.top_drivers.{id_slug(driver.label)}.arr"})
    elif segment and (churned := _churned_driver(situation, deriver, segment)) is not None:
        # No cohort file: the reasons the accounts file gives for the segment's churned accounts.
        names["driver"], figures["driver_arr"] = churned
    if segment and "seg_grr" in figures:
        verdict = "segment_leak" if latest(situation.value(figures["seg_grr"])) < latest(situation.value(
            base["grr"])) else "segment_holds"
    elif "preventable" in figures:
        verdict = "preventable" if (retention.result.preventable_share or 0) >= 0.5 else "structural"
    elif base["grr"]:
        verdict = "needs_reasons"
    else:
        verdict = "no_data"
    if situation.understood.segments and not segment:
        points.append(Point(phrase="points.retention.segment_missing",
                            names={"asked": situation.understood.segments[0]}))
    points += list(gate.failed)
    return make_brief(situation, verdict, headline={"figures": figures, "names": names},
                      recommendation={"figures": figures, "names": names},
                      option={"segment_leak": 0, "preventable": 0, "structural": 1}.get(verdict, 2), points=points,
                      deriver=deriver,
                      must_state=[figures[k] for k in ("seg_grr", "preventable", "grr") if k in figures][:2],
                      missing=[k for k, run in (("snapshots", situation.run(CHURN)), ("cohorts", retention))
                               if run is None and not (k == "cohorts" and "driver" in names)])


def nrr_bridge(situation: Situation) -> Brief:
    """NRR x% → y%: the dollars of expansion to add and of churn and contraction to remove."""
    deriver = Deriver(situation, "analysis")
    asked = situation.understood.percentages
    current_id, current = figure(situation, f"{CHURN}.nrr", f"{RETENTION}.nrr", "ctx.nrr")
    if len(asked) >= 2:
        current_id, current = "question.percent.0", asked[0]
    target_id = f"question.percent.{len(asked) - 1}" if asked else None
    target = asked[-1] if asked else None
    if len(asked) == 1 and current is not None and abs(asked[0] - current) < 0.005:
        target_id, target = None, None  # "our 104% NRR": the founder quoting today's figure, not a goal
    # Next year's NRR is measured on today's ARR (every account now on the books), not on the base
    # the trailing NRR started from: a company that grew from $2.2M to $3.9M needs the gap on $3.9M.
    base_id, base = figure(situation, f"{CHURN}.concentration.end_arr", "ctx.arr")
    base_formula = "(target NRR − current NRR) × ARR today, the base next year's NRR is measured on"
    if base is None:
        base_id, base = figure(situation, f"{CHURN}.decomposition.start_arr", f"{RETENTION}.starting_arr")
        base_formula = "(target NRR − current NRR) × ARR at the start of the measured window"
    if target is None and current is not None:
        return _nrr_honesty(situation, deriver, current_id)
    if current is None or target is None or base is None:
        missing = [] if base else ["snapshots"]
        return make_brief(situation, "needs_target" if target is None else "no_data",
                          headline={"figures": {k: v for k, v in {"current": current_id}.items() if v}},
                          recommendation={}, option=1, deriver=deriver, missing=missing,
                          must_state=[current_id] if current_id else [])
    gap = deriver.add("nrr_gap_dollars", "dollars a year between today's NRR and the target",
                      (target - current) * base, "usd", [target_id, current_id, base_id], base_formula)
    figures = {"current": current_id, "target": target_id, "base": base_id, "gap": gap}
    churn_id, churn = figure(situation, f"{CHURN}.decomposition.churn", f"{RETENTION}.churned_arr")
    contraction_id, contraction = figure(situation, f"{CHURN}.decomposition.contraction", f"{RETENTION}.contraction_arr")
    expansion_id, expansion = figure(situation, f"{CHURN}.decomposition.expansion", f"{RETENTION}.expansion_arr")
    if churn is not None and contraction is not None and expansion is not None:
        leak = churn + contraction
        half = deriver.add("half_the_leak", "half of today's churn and contraction", leak / 2, "usd",
                           [churn_id, contraction_id], "(churn + contraction) ÷ 2")
        rest = max((target - current) * base - leak / 2, 0.0)
        more_expansion = deriver.add("expansion_still_needed", "expansion still needed after halving the leak",
                                     rest, "usd", [gap, half], "gap − half the leak")
        figures.update({"churn": churn_id, "contraction": contraction_id, "expansion": expansion_id,
                        "half": half, "more": more_expansion})
        if (target - current) <= 0:
            verdict = "already_there"
        else:
            verdict = "bridge" if rest > 0 else "bridge_by_retention"
    else:
        verdict = "bridge_context" if (target - current) > 0 else "already_there"
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option=0, deriver=deriver, must_state=[target_id, gap],
                      missing=[] if churn is not None else ["snapshots"])


# How account files name a usage trend (the churn tool's accounts aliases, as canonical keys).
USAGE_KEYS = ("usage_change", "usage_trend", "usage_change_pct", "usage_delta")


def _largest_in_data(situation: Situation) -> str | None:
    """The largest account by ARR in the founder's revenue file ("our biggest customer" when the
    context does not name it)."""
    run = situation.run(CHURN)
    largest = getattr(getattr(run.result, "concentration", None), "largest_account", None) if run else None
    return (largest.name or largest.account_id) if largest is not None else None


def _nrr_honesty(situation: Situation, deriver: Deriver, nrr_id: str) -> Brief:
    """No target named: "is our NRR real?" — the leaky-bucket test on the same figures (NRR over
    100% while GRR sits under its line means expansion is covering churn)."""
    grr_id, grr = figure(situation, f"{CHURN}.grr", f"{RETENTION}.grr", "ctx.grr")
    gate = Gate(situation)
    gate.below("points.gate.grr", grr_id, alert_line(situation, "grr_low", "grr"))
    figures = {"nrr": nrr_id, **({"grr": grr_id} if grr_id else {}), **gate.figures(), **gate.figures(passed=True)}
    nrr = latest(situation.value(nrr_id)) or 0.0
    if grr_id is None:
        verdict = "needs_grr"
    elif gate.failed and nrr > 1.0:
        verdict = "leaky"
    elif gate.failed:
        verdict = "shrinking"
    else:
        verdict = "real"
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option=2 if verdict in ("leaky", "shrinking") else 0, points=list(gate.failed),
                      deriver=deriver, must_state=[nrr_id] + ([grr_id] if grr_id else []),
                      missing=[] if situation.run(CHURN) or situation.run(RETENTION) else ["snapshots"])


def save_account(situation: Situation) -> Brief:
    """Protect a named renewal: the account's ARR and share, its renewal date, its signals."""
    deriver = Deriver(situation, "analysis")
    stated = metric(situation.ctx, "largest_customer")
    named = (situation.understood.accounts[0] if situation.understood.accounts
             else stated or named_in_question(situation.question) or _largest_in_data(situation))
    facts = situation.accounts.get(named) if named else None
    names: dict[str, str] = {"account": named} if named else {}
    figures: dict[str, str] = {}
    arr_id = f"account.{id_slug(named)}.arr" if named else None
    if arr_id and situation.has(arr_id):
        figures["arr"] = arr_id
        total_id, total = figure(situation, f"{CHURN}.concentration.end_arr", "ctx.arr")
        if total:
            figures["share"] = deriver.add("account_share", f"{named}'s share of ARR",
                                           latest(situation.value(arr_id)) / total, "fraction", [arr_id, total_id],
                                           "account ARR ÷ total ARR")
    elif named and named == _largest_in_data(situation):
        # The account's own rows were not gathered; the revenue file's largest account is it.
        figures.update({"arr": f"{CHURN}.concentration.largest_account.arr",
                        "share": f"{CHURN}.concentration.largest_account.share"})
    elif named and named == stated and metric(situation.ctx, "largest_customer_share") is not None:
        figures["share"] = "ctx.largest_customer_share"
    renewal = (facts.renewal_date if facts else None) or _context_renewal(situation)
    if renewal:
        names["renewal"] = renewal
    points: list[Point] = []
    if named:
        usage_key = next((k for k in USAGE_KEYS if situation.has(f"account.{id_slug(named)}.{k}")), "usage_change")
        for key, phrase in (("health_score", "points.account.health"), (usage_key, "points.account.usage"),
                            ("arr_change", "points.account.trend")):
            evidence_id = f"account.{id_slug(named)}.{key}"
            if situation.has(evidence_id):
                falling = key != "health_score" and (latest(situation.value(evidence_id)) or 0) < 0
                points.append(Point(phrase=phrase, figures={"value": evidence_id}, names={"account": named},
                                    against=falling))
                if falling and key == usage_key:
                    figures["usage"] = evidence_id  # contrary evidence belongs in the verdict sentence
        run = situation.run(CHURN)
        at_risk = [a for a in (getattr(run.result, "at_risk", []) if run else []) if a.name == named]
        if at_risk:
            names["signals"] = ", ".join(at_risk[0].reasons[:2])
    if "share" not in figures and metric(situation.ctx, "largest_customer_share") is not None:
        figures["largest_share"] = "ctx.largest_customer_share"   # what the context knows, said as such
    if not named:
        verdict = "largest_unnamed" if "largest_share" in figures else "which_account"
    elif "arr" in figures and "signals" in names:
        verdict = "at_risk"
    elif "arr" in figures or "share" in figures:
        verdict = "protect"
    else:
        verdict = "not_in_data"
    return make_brief(situation, verdict, headline={"figures": figures, "names": names},
                      recommendation={"figures": figures, "names": names}, option=0, points=points,
                      deriver=deriver, must_state=[figures[k] for k in ("arr", "share") if k in figures][:1],
                      missing=[] if "arr" in figures else ["snapshots"])


# A run of capitalised words, the way a founder writes an account name ("Castellan Freight Group");
# question words that start a sentence are not names.
_PROPER = LazyPattern(r"\b[A-Z][\w&'.-]*(?:\s+(?:[A-Z][\w&'.-]*|of|and|&))*\s+[A-Z][\w&'.-]*")
_NOT_NAMES = {"how", "what", "why", "should", "can", "could", "would", "will", "is", "are", "do", "does", "our",
              "we", "the", "if", "when", "which", "who", "my", "i", "q1", "q2", "q3", "q4", "ceo", "cro", "cco"}


def named_in_question(question: str) -> str | None:
    """An account the founder names that no file or context line knows yet: the first run of two
    or more capitalised words that is not a question opener or an acronym."""
    for match in _PROPER.finditer(question):
        words = match.group(0).split()
        while words and words[0].lower() in _NOT_NAMES:
            words = words[1:]
        if len(words) >= 2 and not all(w.isupper() for w in words):
            return " ".join(words)
    return None


def _context_renewal(situation: Situation) -> str | None:
    value = metric(situation.ctx, "largest_customer_renewal")
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def expansion_motion(situation: Situation) -> Brief:
    """Expansion sells best to a base that stays: GRR first, then who sells it and on what trigger."""
    base = _retention_figures(situation)
    gate = Gate(situation)
    gate.below("points.gate.grr", base["grr"], alert_line(situation, "grr_low", "grr"))
    candidates, _ = figure(situation, f"{CHURN}.totals.expansion_candidates.accounts")
    candidates_arr, _ = figure(situation, f"{CHURN}.totals.expansion_candidates.arr")
    figures = {k: v for k, v in {**base, "candidates": candidates, "candidates_arr": candidates_arr}.items() if v}
    figures.update(gate.figures())
    if not base["grr"]:
        verdict = "no_data"
    elif gate.failed:
        verdict = "retention_first"
    else:
        verdict = "build_motion"
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option={"retention_first": 1, "build_motion": 0, "no_data": 2}[verdict],
                      points=list(gate.failed), must_state=[base["grr"]] if base["grr"] else [],
                      missing=[] if situation.run(CHURN) else ["snapshots"])


def renewal_forecast(situation: Situation) -> Brief:
    """How much of the base renews: GRR applied to it, and the ARR flagged at risk, by name."""
    base = _retention_figures(situation)
    run = situation.run(CHURN)
    figures = {k: v for k, v in base.items() if v}
    points: list[Point] = []
    if run is not None and run.result.totals and run.result.totals.at_risk.accounts:
        figures.update({"risk_accounts": f"{CHURN}.totals.at_risk.accounts",
                        "risk_arr": f"{CHURN}.totals.at_risk.arr"})
        at_risk = run.result.at_risk
        top = [Listed(name=a.name, figure=f"{CHURN}.at_risk.{slug}.arr")
               for a, slug in list(zip(at_risk, slugs_of([a.name for a in at_risk])))[:3] if a.name]
        if top:
            points.append(Point(phrase="points.retention.at_risk_named", lists={"accounts": top}))
        verdict = "at_risk"
    elif base["grr"]:
        verdict = "context_only"
    else:
        verdict = "no_data"
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option=0, points=points, must_state=[figures.get("risk_arr") or base["grr"]] if figures else [],
                      missing=[] if run else ["snapshots"])


def health_score(situation: Situation) -> Brief:
    """Signals that warn early enough to act: what the run flagged, and who gets QBRs."""
    run = situation.run(CHURN)
    seg = situation.run("customer_segmentation_designer")
    figures: dict[str, str] = {}
    names: dict[str, str] = {}
    if run is not None and run.result.totals:
        figures.update({"risk_accounts": f"{CHURN}.totals.at_risk.accounts", "risk_arr": f"{CHURN}.totals.at_risk.arr"})
    if seg is not None and seg.result.tiers:
        top = seg.result.tiers[0]
        names["tier"] = top.label
        figures["tier_accounts"] = f"customer_segmentation_designer.tiers.{id_slug(top.label)}.customers"
    verdict = "signals" if "risk_accounts" in figures else ("tiers_only" if figures else "no_data")
    return make_brief(situation, verdict, headline={"figures": figures, "names": names},
                      recommendation={"figures": figures, "names": names}, option=0,
                      must_state=[figures["risk_accounts"]] if "risk_accounts" in figures else [],
                      missing=[] if run else ["snapshots"])


ANALYSES = {
    "churn_diagnosis": DecisionAnalysis("churn_diagnosis", churn_diagnosis, churn_options),
    "nrr_bridge": DecisionAnalysis("nrr_bridge", nrr_bridge),
    "save_account": DecisionAnalysis("save_account", save_account),
    "expansion_motion": DecisionAnalysis("expansion_motion", expansion_motion),
    "renewal_forecast": DecisionAnalysis("renewal_forecast", renewal_forecast),
    "health_score": DecisionAnalysis("health_score", health_score),
}
