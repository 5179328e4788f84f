"""The tool registry: names, one-line summaries and owning roles, importable without loading
any tool (so `csuite tools list` and `csuite --help` stay fast). The summary here is the only
one: each tool's SPEC reads it (`summary_of`)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from csuite.errors import UsageError
from csuite.knowledge.bilingual import Lang, pick
from csuite.resources import load_data_yaml
from csuite.tools.base import ToolSpec


@dataclass(frozen=True)
class ToolEntry:
    name: str
    role: str
    summary: str

    @property
    def module(self) -> str:
        return f"csuite.tools.{self.name}"


TOOLS: dict[str, ToolEntry] = {
    e.name: e
    for e in (
        ToolEntry("revenue_forecast_model", "cro",
                  "Pipeline forecast: weighted scenarios, Monte Carlo P10/P50/P90, forecast categories, coverage "
                  "for one period, stale deals, flags"),
        ToolEntry("churn_analyzer", "cro",
                  "Churn and retention from revenue snapshots: NRR, GRR, waterfall, cohorts, segments, at-risk"),
        ToolEntry("sales_capacity_model", "cro",
                  "Ramped sales capacity by quarter, gap to target, hires and latest hire dates"),
        ToolEntry("revenue_metrics", "cro",
                  "Unit economics for the board: magic number, CAC payback, burn multiple, Rule of 40, each with "
                  "its formula"),
        ToolEntry("funnel_analyzer", "cro",
                  "Win/loss, channels, cycle, velocity, deal value and top-deal risk from the CRM opportunity export"),
        ToolEntry("retention_decomposition_analyzer", "cco",
                  "Honest retention: GRR beside NRR per cohort, churn taxonomy, preventable share, leaky bucket"),
        ToolEntry("customer_segmentation_designer", "cco",
                  "Customer tiers (ARR thresholds or percentiles), ICP-fit scores 0-10, investment per tier, tier "
                  "transitions up and down, and a rule-based kill list"),
        ToolEntry("cs_coverage_calculator", "cco",
                  "CSM coverage by tier now and at 12 months (tech-touch, pooled, named, named + executive sponsor), "
                  "a month-by-month hiring plan with ramp and hire-ahead lead time, the manager rule and "
                  "incremental cost"),
        ToolEntry("cs_next_hire", "cco",
                  "Which CS role to hire next (CSM, Support, Implementation, Account Manager, CS Ops, Customer "
                  "Marketing), the rule that fired, and a month-by-month hiring sequence"),
    )
}


def summary_of(name: str) -> str:
    return TOOLS[name].summary


def tool_title(name: str, lang: Lang = "en") -> str:
    """The title a founder reads for a tool ("Pipeline forecast", 管道预测), never its id
    (csuite/data/tool_titles.yaml). A second run of a tool on another file (`tool@file`) has its
    tool's title."""
    return pick(load_data_yaml("tool_titles.yaml")[name.split("@", 1)[0]], lang)


def tool_names() -> list[str]:
    return list(TOOLS)


def get_tool(name: str) -> ToolSpec:
    """Import a tool's module and return its spec. Accepts dashes for underscores."""
    key = name.replace("-", "_").removesuffix(".py")
    if key not in TOOLS:
        raise UsageError(f"unknown tool '{name}' (available: {', '.join(TOOLS)})")
    module = importlib.import_module(TOOLS[key].module)
    return module.SPEC
