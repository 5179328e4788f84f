"""Deal and funnel decisions: why deals are lost (price or value?), which open deals decide the
quarter, and how fast leads must move between teams. Figures come from the funnel analyzer and
the forecast run on the founder's opportunity export."""

from __future__ import annotations

from csuite.analysis.common import Deriver, make_brief, verdict_config, win_rate_ends
from csuite.analysis.models import Brief, DecisionAnalysis, Listed, Point, Situation
from csuite.evidence.collect import id_slug

FUNNEL = "funnel_analyzer"
FORECAST = "revenue_forecast_model"


def _reason_share(reasons: dict[str, float], words: list[str]) -> tuple[str | None, float]:
    """The loss reason (as the export spells it) whose words say price or no decision, and its share."""
    best, share = None, 0.0
    for reason, value in reasons.items():
        lowered = reason.lower()
        if any(word in lowered for word in words) and value > share:
            best, share = reason, value
    return best, share


def win_loss(situation: Situation) -> Brief:
    """Price or value: the share of losses to price against the share to no decision."""
    config = verdict_config("win_loss")
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
    reasons = dict(getattr(run.result, "loss_reasons", None) or {})
    figures = {"win_rate": f"{FUNNEL}.win_rate", "lost": f"{FUNNEL}.lost"}
    names: dict[str, str] = {}
    price, price_share = _reason_share(reasons, config["price_words"])
    stall, stall_share = _reason_share(reasons, config["no_decision_words"])
    if price:
        figures["price_share"] = f"{FUNNEL}.loss_reasons.{id_slug(price)}"
        names["price_reason"] = price
    if stall:
        figures["stall_share"] = f"{FUNNEL}.loss_reasons.{id_slug(stall)}"
        names["stall_reason"] = stall
    if not reasons:
        verdict = "no_reasons"
    elif stall_share >= float(config["value_problem_no_decision_share"]) and stall_share >= price_share:
        verdict = "value"
    elif price_share >= float(config["pricing_problem_price_share"]):
        verdict = "price"
    else:
        verdict = "mixed"
    top = sorted(reasons.items(), key=lambda item: -item[1])[:3]
    points = [Point(phrase="points.funnel.loss_reasons", lists={"reasons": [
        Listed(name=reason, figure=f"{FUNNEL}.loss_reasons.{id_slug(reason)}") for reason, _ in top]})] if top else []
    return make_brief(situation, verdict, headline={"figures": figures, "names": names},
                      recommendation={"figures": figures, "names": names},
                      option={"price": 0, "value": 1, "mixed": 1}.get(verdict, 2), points=points,
                      must_state=[figures.get("stall_share") or figures.get("price_share") or figures["win_rate"]])


def top_deals(situation: Situation) -> Brief:
    """The open deals the quarter rides on, by name, with what could kill each."""
    run = situation.run(FORECAST)
    if run is None:
        return make_brief(situation, "no_data", headline={}, recommendation={}, option=1, missing=["pipeline"])
    deals = [Listed(name=d.name, figure=f"{FORECAST}.period_top_deals.{id_slug(d.name)}.amount")
             for d in run.result.period_top_deals[:3]]
    figures = {"pipeline": f"{FORECAST}.period_pipeline", "deals_count": f"{FORECAST}.period_deals"}
    names = {"period": run.result.period}
    if not deals:
        return make_brief(situation, "empty_quarter", headline={"figures": figures, "names": names},
                          recommendation={}, option=1)
    top_amount = sum(d.amount for d in run.result.period_top_deals[:3])
    share = top_amount / run.result.period_pipeline if run.result.period_pipeline else 0.0
    points = []
    if run.result.stale_count:
        points.append(Point(phrase="points.forecast.past_due", figures={"count": f"{FORECAST}.stale_count"},
                            against=True))
    verdict = "concentrated" if share >= float(verdict_config("top_deals")["concentrated_share"]) else "spread"
    return make_brief(situation, verdict, headline={"figures": figures, "names": names, "lists": {"deals": deals}},
                      recommendation={"figures": figures}, option=0, points=points,
                      must_state=[deals[0].figure])


def handoff_sla(situation: Situation) -> Brief:
    """How fast leads move from source to first stage, by source, and what the SLA should be."""
    run = situation.run(FUNNEL)
    if run is None:
        return make_brief(situation, "no_data", headline={}, recommendation={}, option=1, missing=["opportunities"])
    cycle = getattr(run.result, "cycle_days", None)
    figures = {}
    if cycle is not None and getattr(cycle, "median", None) is not None:
        figures["cycle"] = f"{FUNNEL}.cycle_days.median"
    verdict = "measure_stages" if getattr(run.result, "stage_conversion", None) in (None, {}, []) else "set_sla"
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      option=0, must_state=list(figures.values())[:1],
                      missing=["opportunities"] if verdict == "measure_stages" else [])


ANALYSES = {
    "win_loss": DecisionAnalysis("win_loss", win_loss),
    "top_deals": DecisionAnalysis("top_deals", top_deals),
    "handoff_sla": DecisionAnalysis("handoff_sla", handoff_sla),
}
