"""Per-tool adapters: the two or three figures from each tool that a founder decides on, as
Points bound to the exact fields they come from.

An adapter reads the typed result by attribute to decide what is worth saying, and binds each
placeholder of its phrase to the evidence id of the field (`<tool>.<field path>`), so the
finding's sources are the fields themselves, never a value that happens to match.
"""

from __future__ import annotations

from typing import Callable

from csuite.analysis.models import Listed, Point
from csuite.evidence.collect import ToolRun, id_slug
from csuite.knowledge.bilingual import Lang
from csuite.tools.texts import churn_category_label, cs_role_title


def field_id(run: ToolRun, *path: str) -> str:
    """The evidence id of one field of a run's result: `<tool>.<path>`; list items by name."""
    return ".".join([run.prefix, *(id_slug(str(p)) for p in path)])


def _p(phrase: str, run: ToolRun, names: dict[str, str] | None = None, lists: dict[str, list[Listed]] | None = None,
       **fields: tuple[str, ...] | str) -> Point:
    figures = {key: field_id(run, *(path if isinstance(path, tuple) else (path,))) for key, path in fields.items()}
    return Point(phrase=phrase, figures=figures, names=names or {}, lists=lists or {})


def forecast(run: ToolRun, lang: Lang = "en") -> list[Point]:
    result = run.result
    points = [
        _p("points.forecast.booked_and_open", run, booked="booked", weighted=("weighted", "base"),
           pipeline="period_pipeline", deals="period_deals"),
        _p("points.forecast.range", run, p10=("monte_carlo", "p10"), p50=("monte_carlo", "p50"),
           p90=("monte_carlo", "p90")),
    ]
    if result.coverage is not None and result.coverage.ratio is not None:
        points.append(_p("points.forecast.coverage", run, ratio=("coverage", "ratio"),
                         remaining=("coverage", "remaining_quota"), line=("coverage", "target")))
    points.append(_p("points.forecast.scenarios", run, conservative=("weighted", "conservative"),
                     base=("weighted", "base"), upside=("weighted", "upside")))
    return points


def churn(run: ToolRun, lang: Lang = "en") -> list[Point]:
    result = run.result
    points = []
    if result.nrr is not None:
        points.append(_p("points.churn.retention", run, nrr="nrr", grr="grr", logo="logo_retention"))
    if result.waterfall is not None:
        points.append(_p("points.churn.waterfall", run, start=("waterfall", "start"), end=("waterfall", "end"),
                         new=("waterfall", "new"), expansion=("waterfall", "expansion"),
                         contraction=("waterfall", "contraction"), churned=("waterfall", "churn")))
    at_risk = result.totals.at_risk if result.totals else None
    if at_risk is not None and at_risk.accounts and result.at_risk:
        first = result.at_risk[0]
        points.append(_p("points.churn.at_risk", run, names={"account": first.name or first.account_id},
                         accounts=("totals", "at_risk", "accounts"), arr=("totals", "at_risk", "arr")))
    return points


def retention(run: ToolRun, lang: Lang = "en") -> list[Point]:
    result = run.result
    points = []
    if result.nrr is not None and result.grr is not None:
        phrase = "points.retention.leaky_bucket" if result.leaky_bucket else "points.retention.nrr_vs_grr"
        points.append(_p(phrase, run, nrr="nrr", grr="grr", logo="logo_retention"))
    if result.top_drivers and result.preventable_share is not None:
        driver = result.top_drivers[0]
        points.append(_p("points.retention.preventable", run, names={"driver": churn_category_label(driver.category, lang)},
                         share="preventable_share", arr=("top_drivers", driver.label, "arr")))
    trend = result.trend
    if trend is not None and trend.direction.get("grr") == "declining" and trend.cohorts and trend.grr:
        points.append(Point(phrase="points.retention.grr_falling",
                            names={"first": trend.cohorts[0], "last": trend.cohorts[-1]},
                            figures={"grr": field_id(run, "trend", "grr")}))
    return points


def capacity(run: ToolRun, lang: Lang = "en") -> list[Point]:
    result = run.result
    points = [_p("points.capacity.gap", run, capacity=("totals", "capacity"), target=("totals", "target"),
                 gap=("totals", "gap"))]
    if result.hires_needed and result.hires:
        points.append(Point(phrase="points.capacity.hires",
                            figures={"hires": field_id(run, "hires_needed")},
                            names={"open_by": result.hires[0].open_req_by.isoformat()}))
    if result.expected_share_at_quota is not None:
        points.append(_p("points.capacity.pipeline", run, win_rate=("pipeline", "win_rate"),
                         coverage=("pipeline", "coverage"), needed=("pipeline", "total_pipeline_needed"),
                         at_quota="expected_share_at_quota"))
    return points


def unit_economics(run: ToolRun, lang: Lang = "en") -> list[Point]:
    metrics = run.result.metrics
    points = []
    for key in ("magic_number", "cac_payback_months", "burn_multiple"):
        item = metrics.get(key)
        if item is not None and item.value is not None:
            points.append(Point(phrase=f"points.metrics.{key}", names={"quarter": run.result.quarter},
                                figures={"value": field_id(run, "metrics", key, "value")}))
    return points


def segmentation(run: ToolRun, lang: Lang = "en") -> list[Point]:
    result = run.result
    points = []
    if result.tiers:
        top = result.tiers[0]
        points.append(_p("points.segmentation.top_tier", run, names={"tier": top.label},
                         customers=("tiers", top.label, "customers"), arr=("tiers", top.label, "arr"),
                         total="total_arr"))
    if result.kill_count:
        points.append(_p("points.segmentation.kill_list", run, count="kill_count", arr="kill_arr",
                         cost="kill_cost_to_serve"))
    if result.largest_customer is not None and result.largest_customer_share:
        points.append(_p("points.segmentation.largest", run, names={"account": result.largest_customer.name},
                         share="largest_customer_share"))
    return points


def cs_coverage(run: ToolRun, lang: Lang = "en") -> list[Point]:
    result = run.result
    points = [_p("points.coverage.required", run, now=("totals", "required_csms_now"),
                 current=("totals", "current_csms"), later=("totals", "required_csms_12m"))]
    if result.incremental_cost_12m is not None and result.hires_total:
        points.append(_p("points.coverage.cost", run, hires="hires_total", cost="incremental_cost_12m"))
    return points


def next_hire(run: ToolRun, lang: Lang = "en") -> list[Point]:
    result = run.result
    if not result.next_role_title:
        return []
    return [_p("points.next_hire.role", run, names={"role": cs_role_title(result.next_role, lang)}, customers="customers",
               arr="arr")]


# An adapter writes the tool's own words in a point (a churn category, a role title) in the
# answer's language; the founder's names are never translated.
Adapter = Callable[[ToolRun, Lang], list[Point]]
ADAPTERS: dict[str, Adapter] = {
    "revenue_forecast_model": forecast,
    "churn_analyzer": churn,
    "retention_decomposition_analyzer": retention,
    "sales_capacity_model": capacity,
    "revenue_metrics": unit_economics,
    "customer_segmentation_designer": segmentation,
    "cs_coverage_calculator": cs_coverage,
    "cs_next_hire": next_hire,
}


def tool_points(run: ToolRun, lang: Lang = "en") -> list[Point]:
    adapter = ADAPTERS.get(run.tool)
    return adapter(run, lang) if adapter else []
