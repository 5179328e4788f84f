"""Deal and funnel decisions: why deals are lost (price or value?), which open deals decide the
quarter, where the next channel dollar goes, and how fast leads must move between teams. The
figures — and the price-or-value verdict itself, with its lines — come from the funnel analyzer
and the forecast run on the founder's opportunity export; this module only words the decision."""

from __future__ import annotations

import re

from csuite.analysis.common import Deriver, make_brief, verdict_config, win_rate_ends
from csuite.analysis.forecast import flagged_deal
from csuite.analysis.models import Brief, DecisionAnalysis, Listed, Point, Situation
from csuite.evidence.collect import id_slug, slugs_of
from csuite.io.text import LazyPattern
from csuite.knowledge.bilingual import pick
from csuite.knowledge.thresholds import section

FUNNEL = "funnel_analyzer"
FORECAST = "revenue_forecast_model"


def loss_label(category: str, lang: str) -> str:
    """A loss-reason category in the founder's language (labels live with the tool's thresholds)."""
    spec = (section(FUNNEL).get("loss_reasons") or {}).get(category)
    if spec is None:
        return pick(section(FUNNEL).get("not_recorded_label"), lang) if category == "not_recorded" else category
    return pick(spec["label"], lang)


def win_loss(situation: Situation) -> Brief:
    """Price or value: the funnel analyzer's verdict on the shares of lost deals, in words."""
    run = situation.run(FUNNEL)
    if run is None:
        deriver = Deriver(situation, "analysis")
        first, last = win_rate_ends(situation, deriver)
        if first:
            figures = {"win_first": first, "win_last": last}
            return make_brief(situation, "context_trend", headline={"figures": figures},
                              recommendation={"figures": figures}, option=2, deriver=deriver, must_state=[last],
                              missing=["opportunities"])
        return make_brief(situation, "no_data", headline={}, recommendation={}, option=1, missing=["opportunities"])
    diagnosis = run.result.loss_diagnosis
    base = f"{FUNNEL}.loss_diagnosis"
    figures = {"price_share": f"{base}.price_share", "price_line": f"{base}.price_threshold",
               "stall_share": f"{base}.no_decision_share", "stall_line": f"{base}.no_decision_threshold",
               "unclassified": f"{base}.unclassified_share", "lost": f"{base}.lost", "win_rate": f"{FUNNEL}.win_rate"}
    reasons = sorted(run.result.loss_reasons.items(), key=lambda item: -item[1])[:3]
    points = [Point(phrase="points.funnel.loss_reasons", lists={"reasons": [
        Listed(name=loss_label(category, situation.lang), figure=f"{FUNNEL}.loss_reasons.{id_slug(category)}")
        for category, share in reasons if share > 0]})]
    trend = run.result.trend
    if trend.current_win_rate is not None and trend.trailing_win_rate is not None and \
            trend.current_win_rate < trend.trailing_win_rate:
        points.append(Point(phrase="points.funnel.below_trailing", against=True, names={"period": trend.current_period},
                            figures={"current": f"{FUNNEL}.trend.current_win_rate",
                                     "trailing": f"{FUNNEL}.trend.trailing_win_rate"}))
    must = {"price": [figures["price_share"]], "value": [figures["stall_share"]],
            "both": [figures["price_share"], figures["stall_share"]]}.get(diagnosis.verdict, [figures["lost"]])
    return make_brief(situation, diagnosis.verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option={"price": 0, "value": 1, "both": 1, "neither": 2}.get(diagnosis.verdict, 2),
                      points=points, must_state=must)


def top_deals(situation: Situation) -> Brief:
    """The open deals that decide the quarter, by name, with the warning sign on the one at risk.
    The forecast knows which deals close in the period; the funnel analyzer knows their risk
    signals. Without a forecast run, the funnel's largest open deals (any close date) stand in."""
    run = situation.run(FORECAST)
    if run is not None:
        return _period_deals(situation, run)
    funnel = situation.run(FUNNEL)
    if funnel is not None and funnel.result.top_deals:
        deals = funnel.result.top_deals
        summary = f"{FUNNEL}.top_deals_summary"
        figures = {"count": f"{summary}.deals", "amount": f"{summary}.amount", "at_risk": f"{summary}.at_risk",
                   "at_risk_amount": f"{summary}.at_risk_amount"}
        largest = deals[0]
        names = {"largest": largest.name}
        if largest.reasons:
            names["signal"] = largest.reasons[0]
        slugs = slugs_of([d.name for d in deals])
        listed = [Listed(name=d.name, figure=f"{FUNNEL}.top_deals.{slug}.amount")
                  for d, slug in zip(deals, slugs) if d.signals][:3]
        verdict = "at_risk" if funnel.result.top_deals_summary.at_risk else "healthy"
        return make_brief(situation, verdict, headline={"figures": {**figures, "largest_amount":
                                                                     f"{FUNNEL}.top_deals.{slugs[0]}.amount"},
                                                        "names": names},
                          recommendation={"figures": figures}, option=0,
                          points=[Point(phrase="points.funnel.risky_deals", lists={"deals": listed})] if listed else [],
                          must_state=[figures["at_risk"], figures["count"]])
    return make_brief(situation, "no_data", headline={}, recommendation={}, option=1, missing=["pipeline"])


def _period_deals(situation: Situation, run) -> Brief:
    """The period's three largest open deals, their share of its pipeline, and the flagged one."""
    deriver = Deriver(situation, "analysis")
    deals = [Listed(name=d.name, figure=f"{FORECAST}.period_top_deals.{slug}.amount")
             for d, slug in zip(run.result.period_top_deals[:3], slugs_of([d.name for d in run.result.period_top_deals]))]
    figures = {"pipeline": f"{FORECAST}.period_pipeline", "deals_count": f"{FORECAST}.period_deals"}
    names = {"period": run.result.period}
    if not deals:
        return make_brief(situation, "empty_quarter", headline={"figures": figures, "names": names},
                          recommendation={}, option=1)
    top_amount = sum(d.amount for d in run.result.period_top_deals[:3])
    share = top_amount / run.result.period_pipeline if run.result.period_pipeline else 0.0
    points = []
    if run.result.past_due_count:
        points.append(Point(phrase="points.forecast.past_due", figures={"count": f"{FORECAST}.past_due_count"},
                            against=True))
    if run.result.silent_count:
        points.append(Point(phrase="points.forecast.silent", figures={"count": f"{FORECAST}.silent_count",
                                                                      "days": f"{FORECAST}.stale_days"},
                            against=True))
    funnel = situation.run(FUNNEL)
    top = funnel.result.top_deals if funnel is not None else []
    flagged = [Listed(name=d.name, figure=f"{FUNNEL}.top_deals.{slug}.amount")
               for d, slug in zip(top, slugs_of([d.name for d in top])) if d.signals][:3]
    if flagged:
        points.append(Point(phrase="points.funnel.risky_deals", lists={"deals": flagged}))
    risky_figures, risky_names = flagged_deal(situation, deriver, deals)
    verdict = "concentrated" if share >= float(verdict_config("top_deals")["concentrated_share"]) else "spread"
    return make_brief(situation, verdict, headline={"figures": {**figures, **risky_figures},
                                                    "names": {**names, **risky_names}, "lists": {"deals": deals}},
                      recommendation={"figures": figures}, option=0, points=points, deriver=deriver,
                      must_state=[deals[0].figure])


_WORD = LazyPattern(r"[a-z]+")


def sources_named(question: str, sources: list[str]) -> list[str]:
    """The lead sources the question names, by a word of four letters or more that starts the
    same way in both ("partners" names Partner Referral, "events" names Events)."""
    asked = [w for w in _WORD.findall(question.lower()) if len(w) >= 4]

    def named(source: str) -> bool:
        words = [w for w in _WORD.findall(source.lower()) if len(w) >= 4]
        return any(a.startswith(w) or w.startswith(a) for a in asked for w in words)

    return [source for source in sources if named(source)]


def channel_budget(situation: Situation) -> Brief:
    """The next dollar goes to the channel with the lowest cost per won deal; without spend, to the
    channel that wins most of what it creates."""
    run = situation.run(FUNNEL)
    if run is None:
        return make_brief(situation, "no_data", headline={}, recommendation={}, option=1, missing=["opportunities"])
    min_wins = int(section(FUNNEL)["channels"]["min_wins_for_cac"])
    rows = [(name, stats) for name, stats in run.result.by_source.items() if stats.won]
    if not rows:
        return make_brief(situation, "no_wins", headline={}, recommendation={}, option=1)
    asked = sources_named(situation.question, [name for name, _ in rows])
    if len(asked) >= 2:   # "partners, events or outbound?": the choice is among the channels named
        rows = [(name, stats) for name, stats in rows if name in asked]
    comparable = [(name, s) for name, s in rows if s.cac is not None and s.won >= min_wins]
    field = lambda name, key: f"{FUNNEL}.by_source.{id_slug(name)}.{key}"  # noqa: E731
    if len(comparable) >= 2:
        best, _ = min(comparable, key=lambda r: r[1].cac)
        worst, _ = max(comparable, key=lambda r: r[1].cac)
        figures = {"best_cac": field(best, "cac"), "worst_cac": field(worst, "cac"),
                   "best_won": field(best, "won"), "worst_won": field(worst, "won")}
        verdict = "shift_by_cac"
    elif len(rows) >= 2:
        best, _ = max(rows, key=lambda r: r[1].win_rate or 0)
        worst, _ = min(rows, key=lambda r: r[1].win_rate or 0)
        figures = {"best_rate": field(best, "win_rate"), "worst_rate": field(worst, "win_rate")}
        verdict = "shift_by_win_rate"
    else:
        best = worst = rows[0][0]
        figures = {"best_rate": field(best, "win_rate")}
        verdict = "one_source"
    names = {"best": best, "worst": worst}
    points = [Point(phrase="points.funnel.sources", lists={"sources": [
        Listed(name=name, figure=field(name, "win_rate")) for name, _ in rows[:4]]})]
    return make_brief(situation, verdict, headline={"figures": figures, "names": names},
                      recommendation={"figures": figures, "names": names}, option=0, points=points,
                      must_state=list(figures.values())[:2], missing=[] if comparable else ["metrics"])


def handoff_sla(situation: Situation) -> Brief:
    """How fast deals get past their first stage, by source, and what the SLA should be."""
    run = situation.run(FUNNEL)
    if run is None:
        return make_brief(situation, "no_data", headline={}, recommendation={}, option=1, missing=["opportunities"])
    measured = [(name, s) for name, s in run.result.by_source.items() if s.stage1_conversion is not None]
    figures: dict[str, str] = {}
    if run.result.cycle_days.median is not None:
        figures["cycle"] = f"{FUNNEL}.cycle_days.median"
    if len(measured) >= 2:
        best, _ = max(measured, key=lambda r: r[1].stage1_conversion)
        worst, worst_stats = min(measured, key=lambda r: r[1].stage1_conversion)
        field = lambda name, key: f"{FUNNEL}.by_source.{id_slug(name)}.{key}"  # noqa: E731
        figures.update({"best_rate": field(best, "stage1_conversion"), "worst_rate": field(worst, "stage1_conversion")})
        if worst_stats.stage1_days_median is not None:
            figures["worst_days"] = field(worst, "stage1_days_median")
        return make_brief(situation, "set_sla", headline={"figures": figures, "names": {"best": best, "worst": worst}},
                          recommendation={"figures": figures, "names": {"best": best, "worst": worst}}, option=0,
                          must_state=[figures["worst_rate"]])
    return make_brief(situation, "measure_stages", headline={"figures": figures}, recommendation={"figures": figures},
                      option=0, must_state=list(figures.values())[:1], missing=["opportunities"])


ANALYSES = {
    "win_loss": DecisionAnalysis("win_loss", win_loss),
    "top_deals": DecisionAnalysis("top_deals", top_deals),
    "channel_budget": DecisionAnalysis("channel_budget", channel_budget),
    "handoff_sla": DecisionAnalysis("handoff_sla", handoff_sla),
}
