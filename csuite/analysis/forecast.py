"""Forecast decisions: will we hit the number, how much pipeline do we need, can we trust the call.

The arithmetic a CRO does before answering "will we make it?": booked + what the open deals are
expected to bring against the target, the odds from the simulation, and the deals the quarter
rides on, by name.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from csuite.analysis.common import (
    Deriver,
    band,
    context_id,
    first_present,
    keep,
    latest,
    make_brief,
    metric,
    point,
    question_period,
    question_target,
    verdict_config,
)
from csuite.analysis.models import Brief, DecisionAnalysis, Listed, Point, Situation
from csuite.answer import Understood
from csuite.context.parse import CompanyContext
from csuite.evidence.collect import id_slug, slugs_of
from csuite.io.values import parse_period
from csuite.knowledge.bilingual import pick
from csuite.knowledge.thresholds import section

FORECAST = "revenue_forecast_model"
FUNNEL = "funnel_analyzer"


def forecast_options(understood: Understood, ctx: CompanyContext, as_of: date) -> dict[str, dict[str, Any]]:
    """The target goes to the forecast as its quota and the question's quarter as its period."""
    options: dict[str, Any] = {}
    target, _ = question_target(understood, ctx)
    if target:
        options["quota"] = target
    if understood.period:
        options["period"] = understood.period
    return {FORECAST: options}


def carrying_deals(situation: Situation, limit: int) -> list[Listed]:
    """The open deals of the period that carry most of its weighted forecast (amount × win
    probability), largest first among the period's biggest: the ones the quarter rides on. A big
    deal at 20% carries less than a smaller one at 80%."""
    run = situation.run(FORECAST)
    if run is None:
        return []
    out = []
    top = run.result.period_top_deals
    ranked = sorted(zip(top, slugs_of([d.name for d in top])), key=lambda pair: -pair[0].weighted)
    for deal, slug in ranked[:limit]:
        figure = f"{FORECAST}.period_top_deals.{slug}.amount"
        if figure in situation.pool:
            out.append(Listed(name=deal.name, figure=figure))
    return out


def signal_label(signal: str, lang: str) -> str:
    """A deal's risk signal in the founder's language (labels live with the funnel's thresholds)."""
    spec = (section(FUNNEL).get("signals") or {}).get(signal)
    return pick(spec, lang) if spec else signal.replace("_", " ")


def flagged_deal(situation: Situation, deriver: Deriver, named: list[Listed]) -> tuple[dict[str, str], dict[str, str]]:
    """(figures, names) of the first deal among those the sentence names that the funnel analyzer
    flags: the warning a CRO reads beside the deal's name ("Northwind: no recent activity for 41
    days"). Deals are matched by name and amount, since an export may call two deals the same.
    Empty when either run is missing or none of the named deals carries a signal."""
    funnel = situation.run(FUNNEL)
    if funnel is None or situation.run(FORECAST) is None:
        return {}, {}
    wanted = {(item.name, situation.value(item.figure)) for item in named}
    top = funnel.result.top_deals
    for deal, slug in zip(top, slugs_of([d.name for d in top])):
        if not deal.signals or (deal.name, deal.amount) not in wanted:
            continue
        # the account, as a founder names a deal ("Kestrelmoor"), when the export gives it
        names = {"risky": deal.account or deal.name, "signal": signal_label(deal.signals[0], situation.lang)}
        idle = f"{FUNNEL}.top_deals.{slug}.days_since_activity"
        if deal.signals[0] == "no_recent_activity" and situation.has(idle):
            return {"idle": deriver.add("risky_idle_days", f"days since {deal.name} last logged activity",
                                        float(situation.value(idle)), "count", [idle],
                                        "days since the last activity of the flagged deal")}, names
        return {}, names
    return {}, {}


def _win_rate_now(situation: Situation, deriver: Deriver) -> str | None:
    rate = latest(metric(situation.ctx, "win_rate"))
    if rate is None or rate <= 0:
        return None
    if isinstance(metric(situation.ctx, "win_rate"), list):
        return deriver.add("win_rate_now", "win rate, latest period", rate, "fraction", ["ctx.win_rate"],
                           "newest point of the win-rate series")
    return "ctx.win_rate"


def _sales_cycle(situation: Situation) -> str | None:
    """Days from a deal's creation to its close: the founder's won deals (funnel analyzer, when
    there are enough), else the capacity plan's stated cycle."""
    run = situation.run("funnel_analyzer")
    if run is not None and run.result.cycle_days.median is not None and \
            run.result.won + run.result.lost >= int(section("funnel_analyzer")["min_closed_deals"]):
        return "funnel_analyzer.cycle_days.median"
    if situation.has("sales_capacity_model.pipeline.sales_cycle_days"):
        return "sales_capacity_model.pipeline.sales_cycle_days"
    return None


def _funnel_win_rate(situation: Situation) -> str | None:
    """The win rate of the founder's closed deals, when there are enough of them to mean something
    (the funnel analyzer's own minimum); a handful of closed deals is noise, not a rate."""
    run = situation.run("funnel_analyzer")
    if run is None or run.result.win_rate is None:
        return None
    enough = int(section("funnel_analyzer")["min_closed_deals"])
    return "funnel_analyzer.win_rate" if run.result.won + run.result.lost >= enough else None


def hit_the_number(situation: Situation) -> Brief:
    config = verdict_config("hit_the_number")
    deriver = Deriver(situation, "analysis")
    target, target_id = question_target(situation.understood, situation.ctx)
    period = question_period(situation.understood, situation.as_of)
    names = {"period": period}
    run = situation.run(FORECAST)
    if run is None:
        return _hit_from_context(situation, target_id, period, deriver)
    result = run.result
    names["period"] = result.period
    booked = f"{FORECAST}.booked"
    call = deriver.add("call", f"{result.period} call: booked plus the median of open deals",
                       result.booked + result.monte_carlo.p50, "usd", [booked, f"{FORECAST}.monte_carlo.p50"],
                       "booked + P50 of open deals")
    deals = carrying_deals(situation, int(config["carry_deals"]))
    points = keep([
        point("points.forecast.booked_and_open", booked=booked, weighted=f"{FORECAST}.weighted.base",
              pipeline=f"{FORECAST}.period_pipeline", deals=f"{FORECAST}.period_deals"),
        point("points.forecast.range", p10=f"{FORECAST}.monte_carlo.p10", p50=f"{FORECAST}.monte_carlo.p50",
              p90=f"{FORECAST}.monte_carlo.p90"),
    ])
    if target_id is None:
        return make_brief(situation, "no_target", headline={"figures": {"call": call, "p10": f"{FORECAST}.monte_carlo.p10",
                                                                        "p90": f"{FORECAST}.monte_carlo.p90"},
                                                            "names": names},
                          recommendation={"figures": {"call": call}}, points=points, deriver=deriver,
                          must_state=[call], option=2)
    coverage = result.coverage
    p_hit = f"{FORECAST}.coverage.p_reach_quota"
    if result.booked >= (target or 0):
        verdict = "already_hit"
    else:
        verdict = band(coverage.p_reach_quota if coverage else 0.0, config["bands"], "out_of_reach")
    shortfall = deriver.add("shortfall", "target minus the call", max((target or 0) - result.booked
                                                                        - result.monte_carlo.p50, 0.0),
                            "usd", [target_id, call], "target − (booked + P50)")
    if coverage is not None and coverage.ratio is not None:
        # above the line the point is not "thin coverage": say what the ratio still depends on
        clear = coverage.target is not None and coverage.ratio >= coverage.target
        points.append(Point(phrase="points.forecast.coverage_clear" if clear else "points.forecast.coverage", figures={
            "ratio": f"{FORECAST}.coverage.ratio", "remaining": f"{FORECAST}.coverage.remaining_quota",
            "line": f"{FORECAST}.coverage.target"}))
    if deals:
        points.append(Point(phrase="points.forecast.carry", lists={"deals": deals}, names=names))
    categories = _category_call(situation)
    if categories is not None:
        points.insert(0, categories)   # the arithmetic a CRO does first: booked + commit + best case
    existing = _booked_from_existing(situation, deriver, config)
    if existing is not None:
        # Asked about new ARR, the founder must see first that part of "booked" is not new.
        points.insert(0 if _asks_new_business(situation.question, config) else len(points), existing)
    funnel = situation.run("funnel_analyzer")
    trend = funnel.result.trend if funnel is not None else None
    if trend is not None and trend.current_win_rate is not None and trend.trailing_win_rate is not None \
            and trend.current_win_rate < trend.trailing_win_rate:
        # The forecast's "expected rate" check: this quarter closes below the trailing win rate.
        points.insert(0, Point(phrase="points.funnel.below_trailing", against=True,
                               names={"period": trend.current_period},
                               figures={"current": "funnel_analyzer.trend.current_win_rate",
                                        "trailing": "funnel_analyzer.trend.trailing_win_rate"}))
    risky_figures, risky_names = flagged_deal(situation, deriver, deals)
    headline = {"figures": {"target": target_id, "p_hit": p_hit, "booked": booked, "call": call,
                            "weighted": f"{FORECAST}.weighted.base", "pipeline": f"{FORECAST}.period_pipeline",
                            "shortfall": shortfall, **risky_figures},
                "names": {**names, **risky_names}, "lists": {"deals": deals}}
    option = {"already_hit": 1, "on_track": 1, "likely": 1, "coin_toss": 1}.get(verdict, 2)
    return make_brief(situation, verdict, headline=headline,
                      recommendation={"figures": {"call": call, "shortfall": shortfall, "target": target_id}},
                      option=option, points=points, deriver=deriver, must_state=[target_id, p_hit])


def _category_call(situation: Situation) -> Point | None:
    """Booked plus the deals the team commits to, then best case on top: the call a sales team
    makes from its CRM's Forecast Category. None when the export has no such column or nothing
    in the period is committed or best case."""
    run = situation.run(FORECAST)
    categories = run.result.forecast_categories if run is not None else None
    if categories is None or not (categories.commit or categories.best_case):
        return None
    base = f"{FORECAST}.forecast_categories"
    return point("points.forecast.categories", booked=f"{FORECAST}.booked", commit=f"{base}.commit",
                 commit_call=f"{base}.commit_call", best_case=f"{base}.best_case",
                 best_case_call=f"{base}.best_case_call")


def _booked_from_existing(situation: Situation, deriver: Deriver, config: dict[str, Any]) -> Point | None:
    """The part of the period's bookings the export types as business with existing customers
    (Type = Existing Business, Upsell, Renewal…), and new business alone; None when the export
    has no type column or every booked deal is new."""
    run = situation.run(FORECAST)
    by_type = run.result.booked_by_type if run is not None else {}
    words = [w.lower() for w in config["existing_business_types"]]
    existing = [label for label in by_type if any(w in label.lower() for w in words)]
    if not existing:
        return None
    ids = [f"{FORECAST}.booked_by_type.{id_slug(label)}" for label in existing]
    if not all(situation.has(i) for i in ids):
        return None
    amount = sum(by_type[label] for label in existing)
    existing_id = ids[0] if len(ids) == 1 else deriver.add(
        "booked_existing", "booked from existing customers", amount, "usd", ids, " + ".join(ids))
    new_id = deriver.add("booked_new", "booked new business", run.result.booked - amount, "usd",
                         [f"{FORECAST}.booked", existing_id], " − ".join(["booked", *existing]))
    return Point(phrase="points.forecast.booked_existing",
                 figures={"existing": existing_id, "booked": f"{FORECAST}.booked", "new": new_id},
                 names={"types": " / ".join(existing)})


def _asks_new_business(question: str, config: dict[str, Any]) -> bool:
    text = question.lower()
    return any(cue.lower() in text for lang in ("en", "zh") for cue in config["new_business_cues"][lang])


def _hit_from_context(situation: Situation, target_id: str | None, period: str, deriver: Deriver) -> Brief:
    """No pipeline file: what the context allows — coverage × win rate is roughly the share of
    what is left that open pipeline converts into (an inference, 🟡), and which file settles it."""
    coverage = latest(metric(situation.ctx, "pipeline_coverage"))
    win_rate_id = _win_rate_now(situation, deriver)
    names = {"period": period}
    missing = ["pipeline"]
    if coverage is not None and win_rate_id is not None:
        rate = float(situation.value(win_rate_id) if not isinstance(situation.value(win_rate_id), list)
                     else latest(situation.value(win_rate_id)))
        share = deriver.add("pipeline_converts", "share of the remaining target open pipeline converts into",
                            coverage * rate, "fraction", ["ctx.pipeline_coverage", win_rate_id],
                            "coverage × win rate", inference=True)
        verdict = band(coverage * rate, verdict_config("hit_the_number")["context_bands"], "context_unlikely")
        figures = {"coverage": "ctx.pipeline_coverage", "win_rate": win_rate_id, "share": share}
        if target_id:
            figures["target"] = target_id
        else:
            verdict = "context_no_target"
        return make_brief(situation, verdict, headline={"figures": figures, "names": names},
                          recommendation={"figures": {}}, option=2, deriver=deriver,
                          must_state=[f for f in (target_id, share) if f], missing=missing)
    figures = {"target": target_id} if target_id else {}
    return make_brief(situation, "no_data" if target_id else "no_data_no_target",
                      headline={"figures": figures, "names": names}, recommendation={"figures": {}},
                      deriver=deriver, must_state=[target_id] if target_id else [], missing=missing)


def pipeline_needed(situation: Situation) -> Brief:
    """Pipeline needed = what is left of the target ÷ win rate; created over the weeks left."""
    deriver = Deriver(situation, "analysis")
    target, target_id = question_target(situation.understood, situation.ctx)
    run = situation.run(FORECAST)
    period = run.result.period if run is not None else question_period(situation.understood, situation.as_of)
    quarter = parse_period(period)
    weeks = max((quarter.end - situation.as_of).days, 0) / 7
    weeks_id = deriver.add("weeks_left", f"weeks left in {period}", round(weeks, 1), "count", [],
                           f"days from the as-of date to the end of {period} ÷ 7")
    win_rate_id = _funnel_win_rate(situation) or _win_rate_now(situation, deriver)
    names = {"period": period}
    if target_id is None or win_rate_id is None:
        missing = [] if run is not None else ["pipeline"]
        figures = {"target": target_id} if target_id else {}
        return make_brief(situation, "no_target" if target_id is None else "no_win_rate",
                          headline={"figures": figures, "names": names}, recommendation={"figures": {}},
                          deriver=deriver, missing=missing, must_state=[target_id] if target_id else [])
    rate = latest(situation.value(win_rate_id)) or 0.0
    booked = run.result.booked if run is not None else 0.0
    remaining = deriver.add("remaining", "target still to close", max(target - booked, 0.0), "usd",
                            [target_id] + ([f"{FORECAST}.booked"] if run else []), "target − booked")
    needed = deriver.add("pipeline_needed", "pipeline needed at the win rate", max(target - booked, 0.0) / rate,
                         "usd", [remaining, win_rate_id], "remaining ÷ win rate")
    have = first_present(situation, [f"{FORECAST}.period_pipeline"])
    have_value = float(situation.value(have)) if have else 0.0
    create = max(max(target - booked, 0.0) / rate - have_value, 0.0)
    create_id = deriver.add("pipeline_to_create", "pipeline still to create", create, "usd",
                            [needed] + ([have] if have else []), "needed − open pipeline in the period")
    weekly = deriver.add("weekly_creation", "pipeline to create per week", create / weeks if weeks >= 1 else create,
                         "usd", [create_id, weeks_id], "to create ÷ weeks left")
    cycle_id = _sales_cycle(situation)
    cycle_days = latest(situation.value(cycle_id)) if cycle_id else None
    if create <= 0:
        verdict = "covered"
    elif weeks < float(verdict_config("pipeline_needed")["min_weeks"]) or (
            cycle_days is not None and cycle_days > weeks * 7):
        verdict = "no_time"   # pipeline created now closes after the quarter ends
    else:
        verdict = "create"
    figures = {"target": target_id, "remaining": remaining, "win_rate": win_rate_id, "needed": needed,
               "create": create_id, "weekly": weekly, "weeks": weeks_id}
    if cycle_id:
        figures["cycle"] = cycle_id
    if have:
        figures["have"] = have
    elif "have" not in figures:
        verdict = {"create": "create_no_file", "covered": "create_no_file", "no_time": "no_time"}[verdict]
    return make_brief(situation, verdict, headline={"figures": figures, "names": names},
                      recommendation={"figures": figures, "names": names}, deriver=deriver,
                      option={"covered": 0, "create": 1, "create_no_file": 1, "no_time": 2}[verdict],
                      must_state=[needed, weekly] if verdict != "covered" else [needed],
                      missing=[] if have else ["pipeline"])


def forecast_accuracy(situation: Situation) -> Brief:
    """How far off the last calls were (context), and what the pipeline says now (tool)."""
    deriver = Deriver(situation, "analysis")
    accuracy = context_id(situation.ctx, "forecast_accuracy")
    line = "threshold.forecast_accuracy_low" if "threshold.forecast_accuracy_low" in situation.pool else None
    run = situation.run(FORECAST)
    figures: dict[str, str] = {}
    if accuracy:
        figures["accuracy"] = accuracy
    if run is not None:
        figures.update({"p10": f"{FORECAST}.monte_carlo.p10", "p90": f"{FORECAST}.monte_carlo.p90",
                        "p50": f"{FORECAST}.monte_carlo.p50"})
    value = latest(situation.value(accuracy)) if accuracy else None
    low = float(situation.value(line)) if line else 0.8
    if value is None:
        verdict = "no_history" if run is not None else "no_data"
    else:
        verdict = "unreliable" if value < low else "reliable"
    if line and value is not None:
        figures["line"] = line
    points = keep([point("points.forecast.calibration_missing")]) if run is not None and \
        getattr(run.result, "calibration", None) is None else []
    return make_brief(situation, verdict, headline={"figures": figures}, recommendation={"figures": figures},
                      points=points, deriver=deriver, option=0 if verdict == "unreliable" else 1,
                      must_state=[accuracy] if accuracy else [], missing=[] if run else ["pipeline"])


ANALYSES = {
    "hit_the_number": DecisionAnalysis("hit_the_number", hit_the_number, forecast_options),
    "pipeline_needed": DecisionAnalysis("pipeline_needed", pipeline_needed, forecast_options),
    "forecast_accuracy": DecisionAnalysis("forecast_accuracy", forecast_accuracy, forecast_options),
}
