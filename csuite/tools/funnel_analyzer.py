"""Funnel and deal intelligence: the CRO's four KPI families from one opportunity export.

Reads the same Salesforce / HubSpot / csuite opportunity exports as the forecast, but uses every
row: closed deals (won and lost) for rates, cycle, value and loss reasons; open deals for
velocity and the review of the largest deals. Optional files add what an export cannot carry:
a stage history (stage conversion, days in stage, lost-at-stage, close-date pushes), channel
spend (CAC by channel) and an account universe (penetration by segment).

Definitions (each is one small function below with its formula):
- win rate = won ÷ (won + lost) over deals CLOSED in the window (as-of − window months, as-of];
  open deals never enter the denominator; by value, won amount ÷ (won + lost amount);
- cycle days = Close Date − Created Date of won deals in the window;
- velocity per day = open deals × win rate × mean won amount ÷ mean won cycle days;
- loss reasons = lost deals in the window by category (thresholds.yaml `funnel_analyzer.
  loss_reasons`); a reason no category matches is `other` and named in a warning, never guessed;
- CAC by channel = channel spend ÷ deals won from that channel in the window;
- penetration = customers (accounts with a won deal) ÷ accounts in the universe, by segment.

Why the numbers can be trusted: every closed deal is counted once, in the quarter of its close
date; a deal with no amount still counts in the win rate by count (and is said to be missing
from the value figures); dates are read with one day/month order for the whole export; an
unreadable amount or date, a duplicate deal id or a mix of currencies stops the run with the
row and field named. The thresholds behind every flag are in thresholds.yaml.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Sequence

from pydantic import BaseModel, Field

from csuite.errors import InputError
from csuite.io.numbers import pct, usd
from csuite.io.tables import read_table
from csuite.io.text import keyword_pattern, normalise_words
from csuite.io.values import (
    add_months,
    parse_bool,
    parse_int,
    parse_money,
    parse_percent,
    period_of,
    quarter_period,
)
from csuite.knowledge.bilingual import Lang, pick
from csuite.knowledge.thresholds import alert_rules, section
from csuite.tools.base import (
    Count,
    Day,
    FilePath,
    Flag,
    Share,
    Source,
    ToolOptions,
    ToolResult,
    ToolSpec,
)
from csuite.tools.opportunities import (
    LOST,
    NO_OWNER,
    NO_SEGMENT,
    NO_SOURCE,
    OPEN,
    OPPORTUNITY_ALIASES,
    WON,
    Deals,
    Groups,
    History,
    Spend,
    cell_text,
    date_ordinals,
    is_blank,
    is_closed,
    parse_cells,
    read_deals,
    read_history,
    read_spend,
    read_universe,
    row_of,
    stage_rank,
)
from csuite.tools.plotting import figure
from csuite.tools.revenue_forecast_model import (
    Format,
    detect_format,
    load_stage_table,
    percent_column,
    read_probability,
)
from csuite.tools.texts import ToolTexts, pad

NAME = "funnel_analyzer"
# What plan.py matches headers against: the opportunity export's columns.
COLUMN_ALIASES = OPPORTUNITY_ALIASES
NOT_RECORDED = "not_recorded"
OTHER = "other"
NO_OPEN_STAGE = "(no open stage)"
# Names we write where the export has no value; the render shows them in the founder's language.
PLACEHOLDER_LABELS = frozenset({NO_SOURCE, NO_SEGMENT, NO_OWNER, NO_OPEN_STAGE})
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
Signal = Literal["close_date_pushed", "close_date_past", "no_next_step", "no_recent_activity",
                 "early_stage_near_close", "no_economic_buyer"]
Verdict = Literal["price", "value", "both", "neither", "too_few_losses", "reasons_missing"]
Direction = Literal["rising", "falling", "flat", "insufficient_data"]


def config() -> dict[str, Any]:
    return section(NAME)


_CFG = config()


# ---------------------------------------------------------------------------------------------
# Options and result models


class FunnelOptions(ToolOptions):
    as_of: Day | None = Field(None, description="today's date: the window ends here (default: today)")
    window: int = Field(_CFG["window_months"], ge=1, le=120,
                        description="trailing months of closed deals behind every rate")
    top: int = Field(_CFG["top_deals"], ge=1, le=500, description="how many of the largest open deals to review")
    stage_history: FilePath | None = Field(
        None, description="Salesforce Opportunity History or HubSpot deal-stage history export (deal, stage, "
                          "date[, close date]); adds stage_conversion, lost_at_stage and close-date pushes")
    spend: FilePath | None = Field(None, description="CSV of channel spend (Channel, Spend[, Month]); adds CAC by source")
    accounts: FilePath | None = Field(
        None, description="account universe CSV (account, segment): the market you chose; adds penetration")
    stage_map: FilePath | None = Field(
        None, description="CSV/JSON/YAML of stage → probability or status won|lost, for stages the CRM "
                          "defaults do not know")
    stale_days: int = Field(_CFG["risk"]["stale_activity_days"], ge=1, le=365,
                            description="days without logged activity that make a top deal stale")
    date_order: Literal["dmy", "mdy"] | None = Field(
        None, description="day/month order of slash dates such as 04/05/2026 when the file cannot tell")


class Rates(BaseModel):
    """Closed deals of one group in the window."""

    won: int
    lost: int
    win_rate: float | None = Field(description="won ÷ (won + lost), by count; None when nothing closed")
    win_rate_value: float | None = Field(description="won amount ÷ (won amount + lost amount)")
    won_amount: float
    lost_amount: float


class PeriodRates(Rates):
    start: date
    end: date
    complete: bool = Field(description="the whole quarter lies inside the window and has ended by as-of")
    deals_created: int | None = Field(description="deals created in the quarter (None without Created Date)")
    pipeline_created: float | None


class GroupRates(Rates):
    open: int
    open_pipeline: float


class SourceRates(GroupRates):
    deals_created: int | None = Field(description="deals from this source created in the window")
    pipeline_created: float | None = Field(description="amount of those deals (open, won and lost)")
    spend: float | None = Field(description="channel spend in the window, from --spend")
    cac: float | None = Field(description="spend ÷ deals won from this source in the window")
    cac_ratio: float | None = Field(description="spend ÷ amount won from this source (cost per won dollar)")
    cycle_days_median: float | None
    stage1_conversion: float | None = Field(
        description="share of deals leaving their first stage that moved forward (stage history)")
    stage1_days_median: float | None = Field(description="median days in the first stage (stage history)")
    first_meeting_rate: float | None = Field(
        description="share of deals created in the window with a first-meeting date")
    first_meeting_days_median: float | None = Field(description="median days from created to first meeting")


class Trend(BaseModel):
    periods_used: int = Field(description="complete quarters with enough closed deals to enter the trend")
    slope_per_quarter: float | None = Field(description="least-squares change of the quarterly win rate per quarter")
    consecutive_declines: int = Field(description="quarter-on-quarter falls ending at the latest complete quarter")
    direction: Direction
    latest_period: str | None = Field(description="the last quarter in the trend")
    latest_win_rate: float | None
    current_period: str
    current_closed: int
    current_win_rate: float | None = Field(description="win rate of the quarter containing as-of, so far")
    trailing_closed: int
    trailing_win_rate: float | None = Field(description="win rate of the window without the current quarter")
    change_vs_trailing: float | None = Field(description="current − trailing win rate")


class Spread(BaseModel):
    deals: int
    median: float | None
    mean: float | None


class CycleDays(BaseModel):
    deals: int = Field(description="won deals in the window with a usable Created Date")
    median: float | None
    mean: float | None
    lost_median: float | None = Field(description="the same for lost deals: slow losses show here")
    lost_mean: float | None
    by_segment: dict[str, Spread]


class VelocityFactors(BaseModel):
    value: float | None = Field(description="open deals × win rate × mean won amount ÷ mean won cycle days ($/day)")
    open_deals: int
    win_rate: float | None
    mean_won_amount: float | None
    mean_cycle_days: float | None


class Velocity(VelocityFactors):
    formula: str
    by_segment: dict[str, VelocityFactors]


class LossReasonRow(BaseModel):
    reason: str = Field(description="as written in the export")
    category: str
    lost: int
    share: float
    lost_amount: float


class LossDiagnosis(BaseModel):
    verdict: Verdict
    price_share: Share
    no_decision_share: Share
    unclassified_share: Share = Field(description="share of lost deals whose reason is blank or unplaceable")
    lost: Count
    price_threshold: Share
    no_decision_threshold: Share
    unclassified_threshold: Share
    min_lost_deals_threshold: Count


class StageConversion(BaseModel):
    entered: int = Field(description="visits to the stage that began in the window")
    advanced: int
    lost: int
    moved_back: int
    still_open: int
    conversion: float | None = Field(description="advanced ÷ (advanced + lost + moved back)")
    median_days: float | None = Field(description="median days in the stage, visits that ended")
    next_stage: str | None = Field(description="where deals most often went next")


class DiscountDepth(BaseModel):
    deals: int
    mean_depth: float
    median_depth: float
    weighted_depth: float = Field(description="1 − Σ amount ÷ Σ list price (or the amount-weighted discount)")
    source: Literal["list price", "discount column"]


class Value(BaseModel):
    mean_won: float | None
    median_won: float | None
    won_without_amount: int
    by_period: dict[str, Spread]
    by_segment: dict[str, Spread]
    discount: DiscountDepth | None


class Penetration(BaseModel):
    accounts: int
    customers: int
    penetration: float | None


class Volumes(BaseModel):
    customers: int | None = Field(description="distinct accounts with a won deal closed by as-of (any date)")
    customers_by_segment: dict[str, int]
    accounts: int | None = Field(description="accounts in the universe file")
    penetration: float | None = Field(description="customers in the universe ÷ accounts in the universe")
    by_segment: dict[str, Penetration]
    customers_outside_universe: int | None


class TopDeal(BaseModel):
    deal_id: str
    name: str
    account: str | None
    owner: str
    segment: str
    source: str | None
    stage: str
    amount: float
    close_date: date
    probability: float | None
    forecast_category: str | None
    days_since_activity: int | None
    pushes: int | None
    signals: list[Signal]
    reasons: list[str]


class TopDealSummary(BaseModel):
    deals: int
    amount: float
    at_risk: int = Field(description="top deals with at least one risk signal")
    at_risk_amount: float
    by_signal: dict[str, int]


class FunnelResult(ToolResult):
    file: str
    format: Format
    as_of: date
    window_months: int
    window_start: date
    window_end: date
    open: int
    open_pipeline: float
    won: int
    lost: int
    won_amount: float
    lost_amount: float
    win_rate: float | None
    win_rate_value: float | None
    by_period: dict[str, PeriodRates]
    trend: Trend
    by_segment: dict[str, GroupRates]
    by_owner: dict[str, GroupRates]
    by_source: dict[str, SourceRates]
    cycle_days: CycleDays | None
    velocity_per_day: Velocity | None
    loss_reasons: dict[str, Share] = Field(description="share of lost deals per category; no_decision always present")
    loss_value_shares: dict[str, Share] = Field(description="share of the lost amount per category")
    loss_reason_detail: list[LossReasonRow]
    loss_diagnosis: LossDiagnosis
    lost_at_stage: dict[str, Share] | None = Field(description="share of lost deals by the last stage before lost")
    lost_with_history: int | None
    stage_conversion: dict[str, StageConversion] | None
    value: Value
    volumes: Volumes
    top_deals: list[TopDeal]
    top_deals_summary: TopDealSummary
    closed_outside_window: int


# ---------------------------------------------------------------------------------------------
# The metrics: one small function each, formula in the docstring


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator ÷ denominator; None when the denominator is 0 (a rate of nothing is not 0%)."""
    return numerator / denominator if denominator else None


def win_rate(won: int, lost: int) -> float | None:
    """Win rate = won ÷ (won + lost), deals closed in the period; open deals are not in it."""
    return ratio(won, won + lost)


def win_rate_value(won_amount: float, lost_amount: float) -> float | None:
    """Win rate by value = won amount ÷ (won amount + lost amount)."""
    return ratio(won_amount, won_amount + lost_amount)


def sales_velocity(open_deals: int, rate: float | None, mean_won_amount: float | None,
                   mean_cycle_days: float | None) -> float | None:
    """Sales velocity ($ per day) = open deals × win rate × mean won amount ÷ mean won cycle days."""
    if rate is None or mean_won_amount is None or not mean_cycle_days:
        return None
    return open_deals * rate * mean_won_amount / mean_cycle_days


def cac(spend: float, won: int) -> float | None:
    """CAC of a channel = channel spend ÷ deals won from the channel (same window)."""
    return ratio(spend, won)


def cac_ratio(spend: float, won_amount: float) -> float | None:
    """Spend per won dollar = channel spend ÷ amount won from the channel."""
    return ratio(spend, won_amount)


def penetration(customers: int, accounts: int) -> float | None:
    """Penetration = customers ÷ accounts in the chosen market (the universe file)."""
    return ratio(customers, accounts)


def discount_depth(amount: float, list_price: float) -> float:
    """Discount depth = 1 − amount ÷ list price (0.2 = sold 20% under list)."""
    return 1.0 - amount / list_price


def stage_conversion_rate(advanced: int, lost: int, moved_back: int) -> float | None:
    """Stage → next-stage conversion = advanced ÷ (advanced + lost + moved back): visits that
    ended; deals still sitting in the stage are not counted either way."""
    return ratio(advanced, advanced + lost + moved_back)


def least_squares_slope(values: Sequence[float]) -> float | None:
    """Slope of values against 0, 1, 2, …: Σ(x − x̄)(y − ȳ) ÷ Σ(x − x̄)²; None for fewer than 2."""
    n = len(values)
    if n < 2:
        return None
    x_mean, y_mean = (n - 1) / 2, sum(values) / n
    return sum((x - x_mean) * (y - y_mean) for x, y in enumerate(values)) / sum((x - x_mean) ** 2 for x in range(n))


def consecutive_declines(values: Sequence[float]) -> int:
    """How many steps in a row the series fell, counted back from its last value."""
    count = 0
    for later, earlier in zip(reversed(values), list(reversed(values))[1:]):
        if later < earlier:
            count += 1
        else:
            break
    return count


def shares(counts: dict[str, float], total: float) -> dict[str, float]:
    """Each count ÷ total (0 for every key when total is 0)."""
    return {key: (value / total if total else 0.0) for key, value in counts.items()}


def price_or_value(price_share: float, no_decision_share: float, unclassified_share: float, lost: int,
                   lines: dict[str, Any]) -> Verdict:
    """The win/loss verdict from loss-reason shares of lost deals (thresholds.yaml loss_diagnosis):
    too few losses or too many unusable reasons → no verdict; else price above its line → price,
    no decision above its line → value, both → both, neither → neither."""
    if lost < int(lines["min_lost_deals"]):
        return "too_few_losses"
    if unclassified_share > float(lines["unclassified_share_above"]):
        return "reasons_missing"
    is_price = price_share > float(lines["price_share_above"])
    is_value = no_decision_share > float(lines["no_decision_share_above"])
    if is_price and is_value:
        return "both"
    return "price" if is_price else "value" if is_value else "neither"


# ---------------------------------------------------------------------------------------------
# Loss-reason categories


@lru_cache(maxsize=1)
def _loss_categories() -> tuple[dict[str, str], list[tuple[str, Any]]]:
    """(exact id/label → category, [(category, keyword pattern)] in match order) from the YAML."""
    cats = config()["loss_reasons"]
    direct: dict[str, str] = {}
    compiled = []
    for cat_id, spec in cats.items():
        direct[normalise_words(cat_id)] = cat_id
        for text in spec["label"].values():
            direct[normalise_words(text)] = cat_id
        compiled.append((cat_id, keyword_pattern(spec["keywords"])))
    return direct, compiled


def loss_categories() -> list[str]:
    """Every category id in the YAML's order, then not_recorded."""
    return [*config()["loss_reasons"], NOT_RECORDED]


def classify_loss_reason(text: str | None) -> tuple[str, bool]:
    """(category, placed): a blank reason is not_recorded; a reason that matches no category is
    `other` with placed=False, so the caller can name it instead of guessing."""
    if text is None or not str(text).strip():
        return NOT_RECORDED, True
    direct, compiled = _loss_categories()
    norm = normalise_words(text)
    if norm in direct:
        return direct[norm], True
    for cat_id, pattern in compiled:
        if pattern.search(norm):
            return cat_id, True
    return OTHER, False


# ---------------------------------------------------------------------------------------------
# Aggregation helpers (numpy)


def _sums(codes: Any, mask: Any, n_groups: int, weights: Any = None) -> Any:
    import numpy as np

    return np.bincount(codes[mask], weights=None if weights is None else weights[mask], minlength=n_groups)


def _rates(won: int, lost: int, won_amount: float, lost_amount: float) -> dict[str, Any]:
    return {"won": int(won), "lost": int(lost), "win_rate": win_rate(int(won), int(lost)),
            "win_rate_value": win_rate_value(float(won_amount), float(lost_amount)),
            "won_amount": float(won_amount), "lost_amount": float(lost_amount)}


def _spread(values: Any) -> Spread:
    import numpy as np

    values = values[~np.isnan(values)] if values.dtype.kind == "f" else values
    if not values.size:
        return Spread(deals=0, median=None, mean=None)
    return Spread(deals=int(values.size), median=float(np.median(values)), mean=float(values.mean()))


def _spread_by(codes: Any, values: Any, labels: list[str], order: list[int]) -> dict[str, Spread]:
    out = {}
    for code in order:
        out[labels[code]] = _spread(values[codes == code]) if values.size else Spread(deals=0, median=None, mean=None)
    return out


def _quarter_index(ordinals: Any) -> Any:
    """Quarter number since 1970-Q1 of each day ordinal (vectorised)."""
    import numpy as np

    months = (ordinals - _EPOCH_ORDINAL).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months // 3


def _quarter_of_index(index: int):
    return quarter_period(1970 + index // 4, index % 4 + 1)


def _top_codes(counts: Any, labels: list[str], limit: int) -> list[int]:
    """Group codes with any deal, most deals first (ties by label), at most `limit`."""
    ranked = sorted((code for code in range(len(labels)) if counts[code] > 0),
                    key=lambda code: (-int(counts[code]), labels[code]))
    return ranked[:limit]


# ---------------------------------------------------------------------------------------------
# The analysis


@dataclass
class _Window:
    start: int                  # first day ordinal inside the window
    end: int                    # as-of ordinal
    closed: Any                 # mask: closed deals in the window
    won: Any
    lost: Any
    open: Any
    amount0: Any                # amounts with blanks as 0 (for sums)


def run(source: Source, options: FunnelOptions) -> FunnelResult:
    """Every funnel figure from one CRM export plus its optional companion files."""
    cfg = config()
    as_of = options.as_of or date.today()
    table = read_table(source, name="opportunities")
    if not table.rows:
        raise InputError("has a header but no deal rows", file=table.file)
    fmt = detect_format(table)
    stages = load_stage_table(fmt, options.stage_map)
    deals = read_deals(table, stages, options.date_order, fmt)
    warnings = deals.warnings
    window, closed_outside = _closed_window(deals, as_of, options.window, table.file, warnings)
    history, spend = _companions(options, deals, window, table.file, warnings)

    won_count, lost_count = int(window.won.sum()), int(window.lost.sum())
    won_amount, lost_amount = float(window.amount0[window.won].sum()), float(window.amount0[window.lost].sum())
    if deals.created is None:
        warnings.append("no Created Date column: sales cycle, velocity and pipeline created are not computed")
    cycle, cycle_values = _cycle(deals, window, warnings)
    by_period = _by_period(deals, window, as_of)
    trend = _trend(by_period, deals, window, as_of, cfg["trend"])
    limit = int(cfg["group_limit"])
    by_segment = _by_group(deals.segment, window, limit, "segment", warnings)
    by_owner = _by_group(deals.owner, window, limit, "owner", warnings)
    by_source = _by_source(deals, window, spend, history, cycle_values, limit, warnings)
    loss_reasons, loss_value, detail, unplaced = _loss_reasons(deals, window, limit)
    if unplaced:
        listed = ", ".join(f"'{reason}'" for reason in unplaced[:limit])
        more = f" and {len(unplaced) - limit} more" if len(unplaced) > limit else ""
        warnings.append(f"loss reason(s) matching no category, counted as other: {listed}{more}")
    verdict = _loss_diagnosis(loss_reasons, lost_count, cfg["loss_diagnosis"])
    lost_at_stage, lost_with_history = _lost_at_stage(history, window) if history else (None, None)
    conversion = _stage_conversion(history, deals, window) if history else None
    rate = win_rate(won_count, lost_count)
    mean_won = _mean(deals.amount[window.won])
    velocity = _velocity(deals, window, rate, mean_won, cycle, by_segment) if cycle is not None else None
    value = _value(deals, window, mean_won, by_period)
    volumes = _volumes(deals, options.accounts, window.end, warnings)
    top, summary = _top_deals(deals, window, history, options, as_of)
    flags = _flags(cfg, options, won_count + lost_count, verdict, trend, by_source, summary, top)

    return FunnelResult(
        file=table.file, format=fmt, as_of=as_of, window_months=options.window,
        window_start=date.fromordinal(window.start), window_end=as_of,
        open=int(window.open.sum()), open_pipeline=float(window.amount0[window.open].sum()),
        won=won_count, lost=lost_count, won_amount=won_amount, lost_amount=lost_amount,
        win_rate=rate, win_rate_value=win_rate_value(won_amount, lost_amount),
        by_period=by_period, trend=trend, by_segment=by_segment, by_owner=by_owner, by_source=by_source,
        cycle_days=cycle, velocity_per_day=velocity, loss_reasons=loss_reasons, loss_value_shares=loss_value,
        loss_reason_detail=detail, loss_diagnosis=verdict, lost_at_stage=lost_at_stage,
        lost_with_history=lost_with_history, stage_conversion=conversion, value=value, volumes=volumes,
        top_deals=top, top_deals_summary=summary, closed_outside_window=closed_outside,
        flags=flags, warnings=warnings)


def _closed_window(deals: Deals, as_of: date, months: int, file: str, warnings: list[str]) -> tuple[_Window, int]:
    """The trailing window's masks and how many closed deals fall outside it; refuses a window with none."""
    import numpy as np

    end = as_of.toordinal()
    start = add_months(as_of, -months).toordinal() + 1
    status, close = deals.status, deals.close
    closed_any = status != OPEN
    closed = closed_any & (close >= start) & (close <= end)
    future = int((closed_any & (close > end)).sum())
    outside = int((closed_any & (close < start)).sum())
    if future:
        warnings.append(f"{future} closed deal(s) have a close date after as-of {as_of}; left out of every rate")
    if not closed.any():
        raise InputError(f"has no closed deals (won or lost) with a close date from {date.fromordinal(start)} to "
                         f"{as_of} ({outside + future} closed deal(s) fall outside); widen --window, set --as-of, "
                         "or check that the Stage column names Closed Won / Closed Lost",
                         file=file, field=deals.mapping["stage"])
    window = _Window(start=start, end=end, closed=closed, won=closed & (status == WON),
                     lost=closed & (status == LOST), open=status == OPEN,
                     amount0=np.nan_to_num(deals.amount, nan=0.0))
    return window, outside + future


def _companions(options: FunnelOptions, deals: Deals, window: _Window, file: str,
                warnings: list[str]) -> tuple[History | None, Spend | None]:
    """The stage history and channel spend files, when given, with their warnings."""
    history = read_history(options.stage_history, deals) if options.stage_history else None
    if history:
        warnings += history.warnings
    if options.spend and deals.source is None:
        raise InputError("has no Lead Source column, which --spend needs to match channels to deals", file=file)
    spend = read_spend(options.spend, window.start, window.end) if options.spend else None
    if spend is not None:
        warnings += spend.warnings
    return history, spend


def _loss_diagnosis(loss_reasons: dict[str, float], lost_count: int, lines: dict[str, Any]) -> LossDiagnosis:
    """Price problem, value problem or not enough known losses to say, with the lines it was judged by."""
    unclassified = loss_reasons[OTHER] + loss_reasons[NOT_RECORDED]
    return LossDiagnosis(
        verdict=price_or_value(loss_reasons["price"], loss_reasons["no_decision"], unclassified, lost_count, lines),
        price_share=loss_reasons["price"], no_decision_share=loss_reasons["no_decision"],
        unclassified_share=unclassified, lost=lost_count, price_threshold=float(lines["price_share_above"]),
        no_decision_threshold=float(lines["no_decision_share_above"]),
        unclassified_threshold=float(lines["unclassified_share_above"]),
        min_lost_deals_threshold=int(lines["min_lost_deals"]))


def _mean(values: Any) -> float | None:
    import numpy as np

    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else None


def _cycle(deals: Deals, w: _Window, warnings: list[str]) -> tuple[CycleDays | None, Any]:
    """Cycle days (close − created) of won and lost deals in the window; NaN where unusable."""
    import numpy as np

    if deals.created is None:
        return None, None
    created = deals.created
    days = (deals.close - created).astype(np.float64)
    days[created == 0] = np.nan
    backwards = w.closed & (created > 0) & (days < 0)
    if backwards.any():
        first = row_of(deals.table, int(np.flatnonzero(backwards)[0]))
        warnings.append(f"{int(backwards.sum())} closed deal(s) were created after their close date (first: row "
                        f"{first}); left out of the sales cycle")
        days[backwards] = np.nan
    no_created = int((w.closed & (created == 0)).sum())
    if no_created:
        warnings.append(f"{no_created} closed deal(s) have no Created Date; left out of the sales cycle")
    won_days, lost_days = days[w.won], days[w.lost]
    won_spread, lost_spread = _spread(won_days), _spread(lost_days)
    seg = deals.segment
    order = _top_codes(np.bincount(seg.codes[w.won], minlength=len(seg.labels)), seg.labels,
                       int(config()["group_limit"]))
    cycle = CycleDays(deals=won_spread.deals, median=won_spread.median, mean=won_spread.mean,
                      lost_median=lost_spread.median, lost_mean=lost_spread.mean,
                      by_segment=_spread_by(seg.codes[w.won], won_days, seg.labels, order))
    return cycle, days


def _by_period(deals: Deals, w: _Window, as_of: date) -> dict[str, PeriodRates]:
    import numpy as np

    first_q = int(_quarter_index(np.array([w.start]))[0])
    last_q = int(_quarter_index(np.array([w.end]))[0])
    span = last_q - first_q + 1
    quarter = _quarter_index(deals.close) - first_q
    in_range = (quarter >= 0) & (quarter < span)
    q = np.where(in_range, quarter, 0)
    won = _sums(q, w.won, span)
    lost = _sums(q, w.lost, span)
    won_amt = _sums(q, w.won, span, w.amount0)
    lost_amt = _sums(q, w.lost, span, w.amount0)
    created_n = created_amt = None
    if deals.created is not None:
        made = (deals.created >= w.start) & (deals.created <= w.end)
        cq = np.where(made, _quarter_index(np.where(deals.created > 0, deals.created, w.end)) - first_q, 0)
        created_n = _sums(cq, made, span)
        created_amt = _sums(cq, made, span, w.amount0)
    out: dict[str, PeriodRates] = {}
    for k in range(span):
        period = _quarter_of_index(first_q + k)
        out[period.label] = PeriodRates(
            **_rates(won[k], lost[k], won_amt[k], lost_amt[k]), start=period.start, end=period.end,
            complete=period.start.toordinal() >= w.start and period.end <= as_of,
            deals_created=int(created_n[k]) if created_n is not None else None,
            pipeline_created=float(created_amt[k]) if created_amt is not None else None)
    return out


def _trend(periods: dict[str, PeriodRates], deals: Deals, w: _Window, as_of: date, cfg: dict[str, Any]) -> Trend:
    """Trend over complete quarters with enough closed deals; this quarter against the trailing rate."""
    minimum = int(cfg["min_closed_per_period"])
    used = [(label, p.win_rate) for label, p in periods.items()
            if p.complete and p.won + p.lost >= minimum and p.win_rate is not None]
    rates = [rate for _, rate in used]
    slope = least_squares_slope(rates)
    declines = consecutive_declines(rates)
    steps = alert_rules()["win_rate_declining"].conditions[0].steps
    band = float(cfg["flat_band"])
    if slope is None:
        direction: Direction = "insufficient_data"
    elif declines >= steps or slope < -band:
        direction = "falling"
    elif slope > band:
        direction = "rising"
    else:
        direction = "flat"
    current = period_of(as_of, "quarter")
    in_current = w.closed & (deals.close >= current.start.toordinal())
    cur_won = int((in_current & w.won).sum())
    cur_closed = int(in_current.sum())
    trailing = w.closed & ~in_current
    tr_won, tr_closed = int((trailing & w.won).sum()), int(trailing.sum())
    cur_rate, tr_rate = ratio(cur_won, cur_closed), ratio(tr_won, tr_closed)
    return Trend(periods_used=len(rates), slope_per_quarter=slope, consecutive_declines=declines,
                 direction=direction, latest_period=used[-1][0] if used else None,
                 latest_win_rate=used[-1][1] if used else None, current_period=current.label, current_closed=cur_closed,
                 current_win_rate=cur_rate, trailing_closed=tr_closed, trailing_win_rate=tr_rate,
                 change_vs_trailing=(cur_rate - tr_rate) if cur_rate is not None and tr_rate is not None else None)


def _group_arrays(groups: Groups, w: _Window) -> dict[str, Any]:
    n = len(groups.labels)
    codes = groups.codes
    return {"won": _sums(codes, w.won, n), "lost": _sums(codes, w.lost, n),
            "won_amount": _sums(codes, w.won, n, w.amount0), "lost_amount": _sums(codes, w.lost, n, w.amount0),
            "open": _sums(codes, w.open, n), "open_pipeline": _sums(codes, w.open, n, w.amount0)}


def _by_group(groups: Groups, w: _Window, limit: int, what: str, warnings: list[str]) -> dict[str, GroupRates]:
    sums = _group_arrays(groups, w)
    activity = sums["won"] + sums["lost"] + sums["open"]
    order = _top_codes(activity, groups.labels, limit)
    listed = sum(1 for c in range(len(groups.labels)) if activity[c] > 0)
    if listed > len(order):
        warnings.append(f"{listed} {what}s have deals; the breakdown by {what} lists the {len(order)} with the most "
                        "(totals cover all)")
    return {groups.labels[c]: GroupRates(**_rates(sums["won"][c], sums["lost"][c], sums["won_amount"][c],
                                                  sums["lost_amount"][c]),
                                         open=int(sums["open"][c]), open_pipeline=float(sums["open_pipeline"][c]))
            for c in order}


def _by_source(deals: Deals, w: _Window, spend: Spend | None, history: History | None, cycle_days: Any,
               limit: int, warnings: list[str]) -> dict[str, SourceRates]:
    groups = deals.source
    if groups is None:
        warnings.append("no Lead Source column: no win rates by lead source")
        return {}
    n = len(groups.labels)
    codes = groups.codes
    sums = _group_arrays(groups, w)
    made = None
    if deals.created is not None:
        made = (deals.created >= w.start) & (deals.created <= w.end)
        created_n, created_amt = _sums(codes, made, n), _sums(codes, made, n, w.amount0)
    order = _top_codes(sums["won"] + sums["lost"] + sums["open"], groups.labels, limit)
    stage1 = _stage1_by_source(history, deals, w) if history else {}
    meetings = _first_meetings(deals, w, made)
    key_of = {normalise_words(groups.labels[c]): c for c in range(n)}
    if spend is not None:
        for key, amount in spend.by_channel.items():
            code = key_of.get(key)
            if code is None:
                warnings.append(f"spend for channel '{spend.labels[key]}' (row {spend.rows[key]}) matches no Lead "
                                f"Source in the export; its {usd(amount)} is not in any CAC")
            elif sums["won"][code] == 0:
                warnings.append(f"spend for channel '{spend.labels[key]}' ({usd(amount)}) but no deal from it was won "
                                "in the window: CAC cannot be computed")
            if code is not None and code not in order:
                order.append(code)
    out: dict[str, SourceRates] = {}
    for code in order:
        label = groups.labels[code]
        channel_spend = spend.by_channel.get(normalise_words(label)) if spend is not None else None
        won = int(sums["won"][code])
        mask_won = w.won & (codes == code)
        median_cycle = None
        if cycle_days is not None:
            median_cycle = _spread(cycle_days[mask_won]).median
        s1 = stage1.get(code, (None, None))
        fm = meetings.get(code, (None, None))
        out[label] = SourceRates(
            **_rates(won, sums["lost"][code], sums["won_amount"][code], sums["lost_amount"][code]),
            open=int(sums["open"][code]), open_pipeline=float(sums["open_pipeline"][code]),
            deals_created=int(created_n[code]) if made is not None else None,
            pipeline_created=float(created_amt[code]) if made is not None else None,
            spend=channel_spend,
            cac=cac(channel_spend, won) if channel_spend is not None else None,
            cac_ratio=cac_ratio(channel_spend, float(sums["won_amount"][code])) if channel_spend is not None else None,
            cycle_days_median=median_cycle, stage1_conversion=s1[0], stage1_days_median=s1[1],
            first_meeting_rate=fm[0], first_meeting_days_median=fm[1])
    return out


def _first_meetings(deals: Deals, w: _Window, made: Any) -> dict[int, tuple[float | None, float | None]]:
    """Per source: share of deals created in the window with a first-meeting date, and the median
    days from created to that meeting (the SDR → AE handoff speed)."""
    import numpy as np

    header = deals.mapping.get("first_meeting")
    if header is None or made is None or deals.source is None:
        return {}
    indices = np.flatnonzero(made).tolist()
    met = date_ordinals(deals.column("first_meeting"), deals.table, header, deals.date_order, indices)
    per: dict[int, list[float]] = defaultdict(list)
    created_count: Counter[int] = Counter()
    for i in indices:
        code = int(deals.source.codes[i])
        created_count[code] += 1
        if met[i] and met[i] >= deals.created[i]:
            per[code].append(float(met[i] - deals.created[i]))
    return {code: (len(per[code]) / total, float(np.median(per[code])) if per[code] else None)
            for code, total in created_count.items()}


def _stage1_by_source(history: History, deals: Deals, w: _Window) -> dict[int, tuple[float | None, float | None]]:
    """Per source: how many deals left their first stage forward, and their median days in it."""
    import numpy as np

    if deals.source is None:
        return {}
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    days: dict[int, list[int]] = defaultdict(list)
    for index, visits in history.visits.items():
        first = visits[0]
        if is_closed(first.key, deals.stages) or not w.start <= first.entered <= w.end:
            continue
        code = int(deals.source.codes[index])
        counts[code][first.outcome] += 1
        if first.days is not None and first.outcome != "open":
            days[code].append(first.days)
    return {code: (stage_conversion_rate(c["advanced"], c["lost"], c["moved_back"]),
                   float(np.median(days[code])) if days[code] else None) for code, c in counts.items()}


def _loss_reasons(deals: Deals, w: _Window, limit: int) -> tuple[dict[str, float], dict[str, float],
                                                                  list[LossReasonRow], list[str]]:
    """Lost deals in the window by category (count and amount), each distinct reason classified
    once; reasons that match no category are returned for a warning."""
    import numpy as np

    lost_idx = np.flatnonzero(w.lost).tolist()
    reasons = deals.column("loss_reason")
    texts = [cell_text(reasons[i]) for i in lost_idx] if reasons is not None else [""] * len(lost_idx)
    labels = Groups.of(texts, len(texts), "", deals.table)
    counts = np.bincount(labels.codes, minlength=len(labels.labels))
    amounts = np.bincount(labels.codes, weights=w.amount0[lost_idx], minlength=len(labels.labels))
    by_count: dict[str, float] = {c: 0.0 for c in loss_categories()}
    by_amount: dict[str, float] = {c: 0.0 for c in loss_categories()}
    rows: list[LossReasonRow] = []
    unplaced: list[str] = []
    total = float(len(lost_idx))
    for code, text in enumerate(labels.labels):
        category, placed = classify_loss_reason(text)
        if not placed:
            unplaced.append(text)
        by_count[category] += float(counts[code])
        by_amount[category] += float(amounts[code])
        rows.append(LossReasonRow(reason=text or "(blank)", category=category, lost=int(counts[code]),
                                  share=counts[code] / total, lost_amount=float(amounts[code])))
    rows.sort(key=lambda r: (-r.lost, r.reason))
    return shares(by_count, total), shares(by_amount, sum(by_amount.values())), rows[:limit], unplaced


def _lost_at_stage(history: History, w: _Window) -> tuple[dict[str, float], int]:
    """Lost deals in the window by the open stage they were lost from (the history's last open
    stage before Closed Lost); a deal whose history starts closed is '(no open stage)'."""
    counts: Counter[str] = Counter()
    for index, visits in history.visits.items():
        if not w.lost[index]:
            continue
        last = next((v for v in reversed(visits) if v.outcome == "lost" and v.next_label is not None), None)
        counts[last.label if last is not None else NO_OPEN_STAGE] += 1
    total = sum(counts.values())
    ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return shares(ordered, total), total


def _stage_conversion(history: History, deals: Deals, w: _Window) -> dict[str, StageConversion]:
    """Stage → next-stage conversion and median days, over stage visits that began in the window."""
    import numpy as np

    stats: dict[str, Counter[str]] = defaultdict(Counter)
    days: dict[str, list[int]] = defaultdict(list)
    next_stage: dict[str, Counter[str]] = defaultdict(Counter)
    labels: dict[str, str] = {}
    position: dict[str, list[int]] = defaultdict(list)
    for visits in history.visits.values():
        for step, visit in enumerate(visits):
            if is_closed(visit.key, deals.stages) or not w.start <= visit.entered <= w.end:
                continue
            labels.setdefault(visit.key, visit.label)
            position[visit.key].append(step)
            stats[visit.key][visit.outcome] += 1
            if visit.outcome != "open" and visit.days is not None:
                days[visit.key].append(visit.days)
            if visit.next_label:
                next_stage[visit.key][visit.next_label] += 1

    def order(key: str) -> tuple[float, float]:
        rank = stage_rank(key, deals.stages)
        return (rank if rank is not None else 2.0, sum(position[key]) / len(position[key]))

    out: dict[str, StageConversion] = {}
    for key in sorted(stats, key=order):
        c = stats[key]
        out[labels[key]] = StageConversion(
            entered=sum(c.values()), advanced=c["advanced"], lost=c["lost"], moved_back=c["moved_back"],
            still_open=c["open"], conversion=stage_conversion_rate(c["advanced"], c["lost"], c["moved_back"]),
            median_days=float(np.median(days[key])) if days[key] else None,
            next_stage=next_stage[key].most_common(1)[0][0] if next_stage[key] else None)
    return out


def _velocity(deals: Deals, w: _Window, rate: float | None, mean_won: float | None, cycle: CycleDays,
              by_segment: dict[str, GroupRates]) -> Velocity:
    open_n = int(w.open.sum())
    seg = deals.segment
    per_segment: dict[str, VelocityFactors] = {}
    for label, rates in by_segment.items():
        code = seg.labels.index(label)
        in_seg = seg.codes == code
        seg_mean = _mean(deals.amount[w.won & in_seg])
        seg_cycle = cycle.by_segment.get(label)
        seg_days = seg_cycle.mean if seg_cycle else None
        per_segment[label] = VelocityFactors(
            value=sales_velocity(rates.open, rates.win_rate, seg_mean, seg_days), open_deals=rates.open,
            win_rate=rates.win_rate, mean_won_amount=seg_mean, mean_cycle_days=seg_days)
    return Velocity(value=sales_velocity(open_n, rate, mean_won, cycle.mean), open_deals=open_n, win_rate=rate,
                    mean_won_amount=mean_won, mean_cycle_days=cycle.mean,
                    formula="open deals × win rate × mean won amount ÷ mean won cycle days",
                    by_segment=per_segment)


def _value(deals: Deals, w: _Window, mean_won: float | None, by_period: dict[str, PeriodRates]) -> Value:
    import numpy as np

    won_amounts = deals.amount[w.won]
    spread = _spread(won_amounts)
    first_q = int(_quarter_index(np.array([w.start]))[0])
    quarters = _quarter_index(deals.close[w.won]) - first_q
    labels = list(by_period)
    seg = deals.segment
    seg_codes = seg.codes[w.won]
    order = _top_codes(np.bincount(seg_codes, minlength=len(seg.labels)), seg.labels, int(config()["group_limit"]))
    return Value(mean_won=spread.mean, median_won=spread.median,
                 won_without_amount=int(np.isnan(won_amounts).sum()),
                 by_period=_spread_by(quarters, won_amounts, labels, list(range(len(labels)))),
                 by_segment=_spread_by(seg_codes, won_amounts, seg.labels, order),
                 discount=_discount(deals, w))


def _discount(deals: Deals, w: _Window) -> DiscountDepth | None:
    """Discount depth of won deals: from a list-price column (1 − amount ÷ list), else from a
    discount column (a percentage)."""
    import numpy as np

    indices = np.flatnonzero(w.won & ~np.isnan(deals.amount)).tolist()
    if "list_price" in deals.mapping:
        header = deals.mapping["list_price"]
        lists = parse_cells(deals.column("list_price"), parse_money, deals.table, header, indices)
        pairs = [(float(deals.amount[i]), lists[i]) for i in indices if lists[i]]
        if not pairs:
            return None
        depths = np.array([discount_depth(a, p) for a, p in pairs])
        weighted = 1.0 - sum(a for a, _ in pairs) / sum(p for _, p in pairs)
        source: Literal["list price", "discount column"] = "list price"
    elif "discount" in deals.mapping:
        header = deals.mapping["discount"]
        parsed = parse_cells(deals.column("discount"), parse_percent, deals.table, header, indices)
        pairs = [(float(deals.amount[i]), parsed[i]) for i in indices if parsed[i] is not None]
        if not pairs:
            return None
        depths = np.array([d for _, d in pairs])
        total = sum(a for a, _ in pairs)
        weighted = sum(a * d for a, d in pairs) / total if total else float(depths.mean())
        source = "discount column"
    else:
        return None
    return DiscountDepth(deals=len(pairs), mean_depth=float(depths.mean()), median_depth=float(np.median(depths)),
                         weighted_depth=float(weighted), source=source)


def _customer_keys(deals: Deals, by_id: bool, won: list[int]) -> dict[int, str] | None:
    """Who each won deal's customer is: the account id, or the account name with case and
    punctuation ignored; None when the export names no account."""
    cells = deals.column("account_id" if by_id else "account")
    if cells is None:
        return None
    key_of: dict[Any, str] = {}
    out = {}
    for i in won:
        raw = cells[i]
        if raw not in key_of:
            key_of[raw] = "" if is_blank(raw) else cell_text(raw) if by_id else normalise_words(raw)
        out[i] = key_of[raw]
    return out


def _volumes(deals: Deals, accounts_path: str | None, as_of: int, warnings: list[str]) -> Volumes:
    """Customers (accounts with a won deal by as-of) overall and by segment; with a universe file,
    penetration = customers ÷ accounts by the universe's segments."""
    import numpy as np

    has_ids = "account_id" in deals.mapping
    universe = read_universe(accounts_path, has_ids) if accounts_path else None
    by_id = universe.by_id if universe else has_ids
    won_by = np.flatnonzero((deals.status == WON) & (deals.close <= as_of)).tolist()
    keys = _customer_keys(deals, by_id, won_by)
    if keys is None:
        if universe is not None:
            raise InputError("--accounts needs an Account Name (or Account ID) column in the export to find customers",
                             file=deals.table.file)
        return Volumes(customers=None, customers_by_segment={}, accounts=None, penetration=None, by_segment={},
                       customers_outside_universe=None)
    customer_segment: dict[str, str] = {}
    for i in won_by:
        if keys[i]:
            customer_segment.setdefault(keys[i], deals.segment.labels[int(deals.segment.codes[i])])
    by_seg = Counter(customer_segment.values())
    volumes = Volumes(customers=len(customer_segment),
                      customers_by_segment=dict(sorted(by_seg.items(), key=lambda kv: (-kv[1], kv[0]))),
                      accounts=None, penetration=None, by_segment={}, customers_outside_universe=None)
    if universe is None:
        return volumes
    totals = Counter(universe.segment_of.values())
    inside = Counter(universe.segment_of[k] for k in customer_segment if k in universe.segment_of)
    outside = sum(1 for k in customer_segment if k not in universe.segment_of)
    if outside:
        warnings.append(f"{outside} customer(s) with a won deal are not in the accounts universe; left out of "
                        "penetration")
    matched = sum(inside.values())
    volumes.accounts = len(universe.segment_of)
    volumes.penetration = penetration(matched, len(universe.segment_of))
    volumes.by_segment = {seg: Penetration(accounts=count, customers=inside.get(seg, 0),
                                           penetration=penetration(inside.get(seg, 0), count))
                          for seg, count in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))}
    volumes.customers_outside_universe = outside
    return volumes


# ---------------------------------------------------------------------------------------------
# The largest open deals and their risk signals


def _top_deals(deals: Deals, w: _Window, history: History | None, options: FunnelOptions,
               as_of: date) -> tuple[list[TopDeal], TopDealSummary]:
    import numpy as np

    cfg = config()
    open_idx = np.flatnonzero(w.open & ~np.isnan(deals.amount))
    order = open_idx[np.lexsort((deals.close[open_idx], -deals.amount[open_idx]))][: options.top].tolist()
    mapping, table = deals.mapping, deals.table
    activity = (date_ordinals(deals.column("last_activity"), table, mapping["last_activity"], deals.date_order, order)
                if "last_activity" in mapping else {})
    pushes_col = (parse_cells(deals.column("push_count"), parse_int, table, mapping["push_count"], order)
                  if "push_count" in mapping else {})
    probability = _probabilities(deals, order)
    early_max = float(section("revenue_forecast_model")["flags"]["early_stage_max_probability"])
    near_days = int(cfg["risk"]["near_close_days"])
    labels = cfg["signals"]
    today = as_of.toordinal()
    top: list[TopDeal] = []
    for i in order:
        signals: list[Signal] = []
        pushes = pushes_col.get(i)
        if history is not None and i in history.pushes:
            pushes = max(pushes or 0, history.pushes[i])
        if pushes:
            signals.append("close_date_pushed")
        close = int(deals.close[i])
        if close < today:
            signals.append("close_date_past")
        if "next_step" in mapping and deals.text("next_step", i) is None:
            signals.append("no_next_step")
        since = None
        if "last_activity" in mapping:
            last = activity.get(i, 0)
            since = today - last if last else None
            if since is None or since > options.stale_days:
                signals.append("no_recent_activity")
        prob = probability.get(i)
        if prob is not None and prob <= early_max and 0 <= close - today <= near_days:
            signals.append("early_stage_near_close")
        if "economic_buyer" in mapping and not _has_buyer(deals.text("economic_buyer", i)):
            signals.append("no_economic_buyer")
        reasons = [_reason(s, labels, since, pushes, close, today) for s in signals]
        source = deals.source.labels[int(deals.source.codes[i])] if deals.source is not None else None
        top.append(TopDeal(
            deal_id=deals.deal_id(i), name=deals.text("name", i) or deals.text("account", i) or deals.deal_id(i),
            account=deals.text("account", i), owner=deals.owner.labels[int(deals.owner.codes[i])],
            segment=deals.segment.labels[int(deals.segment.codes[i])], source=source, stage=cell_text(deals.stage[i]),
            amount=float(deals.amount[i]), close_date=date.fromordinal(close), probability=prob,
            forecast_category=deals.text("forecast_category", i), days_since_activity=since, pushes=pushes,
            signals=signals, reasons=reasons))
    risky = [d for d in top if d.signals]
    summary = TopDealSummary(deals=len(top), amount=sum(d.amount for d in top), at_risk=len(risky),
                             at_risk_amount=sum(d.amount for d in risky),
                             by_signal={s: sum(1 for d in top if s in d.signals) for s in labels
                                        if any(s in d.signals for d in top)})
    return top, summary


def _probabilities(deals: Deals, indices: list[int]) -> dict[int, float | None]:
    """Win probability of the listed deals, in the forecast's order of trust: the stage map, the
    export's probability column (read as the forecast reads it), the CRM default for the stage."""
    header = deals.mapping.get("probability")
    is_percent = percent_column(deals.table, header) if header else False
    stages = deals.stages
    out: dict[int, float | None] = {}
    for i in indices:
        key = stages.key(cell_text(deals.stage[i]))
        raw = deals.column("probability")[i] if header else None
        if key in stages.overrides:
            out[i] = stages.overrides[key]
        elif header and not is_blank(raw):
            out[i] = read_probability(raw, is_percent, deals.table.file, row_of(deals.table, i), header)
        else:
            found = stages.default(key)
            out[i] = found[0] if found else None
    return out


def _has_buyer(text: str | None) -> bool:
    """An economic-buyer cell names someone or says yes; blank, 'no' or 'false' means nobody."""
    if text is None:
        return False
    try:
        return parse_bool(text)
    except InputError:
        return normalise_words(text) not in {"none", "unknown", "tbd", "n a", "na"}


def _reason(signal: str, labels: dict[str, Any], since: int | None, pushes: int | None, close: int,
            today: int) -> str:
    base = labels[signal]["en"]
    if signal == "close_date_pushed" and pushes:
        return f"{base} ({pushes} time{'s' if pushes != 1 else ''})"
    if signal == "close_date_past":
        return f"{base} ({today - close} days ago)"
    if signal == "no_recent_activity":
        return f"{base} ({since} days)" if since is not None else f"{base} (none logged)"
    if signal == "early_stage_near_close":
        return f"{base} (closes in {close - today} days)"
    return base


# ---------------------------------------------------------------------------------------------
# Flags


def _flags(cfg: dict[str, Any], options: FunnelOptions, closed: int, verdict: LossDiagnosis,
           trend: Trend, by_source: dict[str, SourceRates],
           summary: TopDealSummary, top: list[TopDeal]) -> list[Flag]:
    flags: list[Flag] = []
    window = f"the last {options.window} months"
    minimum = int(cfg["min_closed_deals"])
    if closed < minimum:
        flags.append(Flag(id="few_closed_deals", severity="medium", unit="count", value=float(closed), threshold=float(minimum),
                          metric="closed deals", message=(f"Only {closed} deals closed in {window} (fewer than "
                                                          f"{minimum}); every rate here moves a lot with one deal.")))
    lost = verdict.lost
    if lost >= verdict.min_lost_deals_threshold and verdict.unclassified_share > verdict.unclassified_threshold:
        flags.append(Flag(id="loss_reasons_missing", severity="medium", unit="fraction", value=verdict.unclassified_share,
                          threshold=verdict.unclassified_threshold, metric="loss_reasons", source="loss_diagnosis",
                          message=(f"{pct(verdict.unclassified_share)} of the {lost} lost deals have no usable loss "
                                   f"reason (line {pct(verdict.unclassified_threshold)}); no price-or-value verdict until "
                                   "loss reasons are captured.")))
    elif lost >= verdict.min_lost_deals_threshold:
        if verdict.no_decision_share > verdict.no_decision_threshold:
            flags.append(Flag(id="no_decision_losses_high", severity="high", unit="fraction", value=verdict.no_decision_share,
                              threshold=verdict.no_decision_threshold, metric="loss_reasons.no_decision",
                              message=(f"No decision ends {pct(verdict.no_decision_share)} of the {lost} lost deals "
                                       f"in {window} (line {pct(verdict.no_decision_threshold)}): buyers are not "
                                       "convinced enough to change, a value problem.")))
        if verdict.price_share > verdict.price_threshold:
            flags.append(Flag(id="price_losses_high", severity="high", unit="fraction", value=verdict.price_share,
                              threshold=verdict.price_threshold, metric="loss_reasons.price",
                              message=(f"Price is the loss reason on {pct(verdict.price_share)} of the {lost} lost "
                                       f"deals in {window} (line {pct(verdict.price_threshold)}): the price or package "
                                       "is the objection.")))
    steps = alert_rules()["win_rate_declining"].conditions[0].steps
    if trend.consecutive_declines >= steps:
        flags.append(Flag(id="win_rate_declining", severity="medium", unit="count", value=float(trend.consecutive_declines),
                          threshold=float(steps), metric="win_rate", period=trend.latest_period,
                          message=(f"Win rate fell {trend.consecutive_declines} quarters in a row, to "
                                   f"{pct(trend.latest_win_rate)} in {trend.latest_period}.")))
    trend_cfg = cfg["trend"]
    gap = float(trend_cfg["below_trailing_by"])
    if (trend.change_vs_trailing is not None and trend.current_closed >= int(trend_cfg["min_closed_per_period"])
            and trend.change_vs_trailing < -gap):
        flags.append(Flag(id="win_rate_below_trailing", severity="medium", unit="fraction", value=trend.current_win_rate,
                          threshold=gap, metric="win_rate", period=trend.current_period,
                          message=(f"{trend.current_period} win rate so far is {pct(trend.current_win_rate)} on "
                                   f"{trend.current_closed} closed deals, against {pct(trend.trailing_win_rate)} "
                                   "over the rest of the window: plan on the lower rate.")))
    flags += _channel_flags(cfg["channels"], by_source)
    if summary.at_risk:
        flags.append(Flag(id="top_deals_at_risk", unit="count", severity="medium" if summary.at_risk < summary.deals else "high",
                          value=float(summary.at_risk), metric="top_deals_summary.at_risk",
                          items=[d.deal_id for d in top if d.signals],
                          message=(f"{summary.at_risk} of the {summary.deals} largest open deals "
                                   f"({usd(summary.at_risk_amount)} of {usd(summary.amount)}) carry a risk signal.")))
    return flags


def _channel_flags(cfg: dict[str, Any], by_source: dict[str, SourceRates]) -> list[Flag]:
    flags = []
    for label, row in by_source.items():
        if row.spend and row.won == 0:
            flags.append(Flag(id="channel_without_wins", severity="medium", unit="usd", value=row.spend, metric="spend",
                              items=[label], message=f"{label}: {usd(row.spend)} spent and no deal won from it."))
    minimum = int(cfg["min_wins_for_cac"])
    comparable = [(row.cac, label) for label, row in by_source.items() if row.cac is not None and row.won >= minimum]
    if len(comparable) >= 2:
        (low, best), (high, worst) = min(comparable), max(comparable)
        spread = high / low if low else math.inf
        line = float(cfg["cac_spread_above"])
        if spread > line:
            flags.append(Flag(id="channel_cac_spread", severity="medium", unit="ratio", value=spread, threshold=line,
                              metric="by_source.cac", items=[best, worst],
                              message=(f"CAC runs from {usd(low)} ({best}) to {usd(high)} ({worst}), "
                                       f"{spread:.1f}x apart: shift budget toward {best}.")))
    return flags


# ---------------------------------------------------------------------------------------------
# Output


class _Words:
    """The text output's phrase book for one language, with the n/a-aware number formats every section uses."""

    def __init__(self, lang: Lang) -> None:
        self.cfg, self.lang = config(), lang
        self.signal_labels = {pair["en"]: pick(pair, lang) for pair in self.cfg["signals"].values()}
        self.T = ToolTexts(NAME, lang, lookups={"signal": lambda label: self.signal_labels.get(label, label)})

    def rate(self, value: float | None) -> str:
        return pct(value) if value is not None else self.T("n_a")

    def money(self, value: float | None) -> str:
        return usd(value) if value is not None else self.T("n_a")

    def days(self, value: float | None) -> str:
        return self.T("days", days=f"{value:.0f}") if value is not None else self.T("n_a")

    def ours(self, label: str) -> str:
        """A name we wrote for a missing value ('(no owner)') in this language; the founder's stay."""
        return self.T.term(label) if label in PLACEHOLDER_LABELS else label

    def category(self, key: str) -> str:
        label = self.cfg["not_recorded_label"] if key == NOT_RECORDED else self.cfg["loss_reasons"][key]["label"]
        return self.T("loss_category", id=key, label=pick(label, self.lang))

    def risk(self, reason: str) -> str:
        return self.signal_labels.get(reason) or self.T.say(reason)


def render(result: FunnelResult, lang: Lang = "en") -> str:
    """The founder-facing text: headline rates, losses, groups, speed and value, top deals, flags."""
    words = _Words(lang)
    T = words.T
    lines = [
        T("title", start=result.window_start, end=result.window_end, months=result.window_months,
          as_of=result.as_of),
        T("source", file=result.file, format=result.format, open=result.open, pipeline=usd(result.open_pipeline)),
        "",
        T("win_rate", rate=words.rate(result.win_rate), won=result.won, lost=result.lost,
          rate_value=words.rate(result.win_rate_value), won_amount=usd(result.won_amount),
          lost_amount=usd(result.lost_amount)),
    ]
    lines += _trend_lines(result, words)
    lines += _loss_lines(result, words)
    lines += _group_lines(result, words)
    lines += _speed_and_value_lines(result, words)
    if result.top_deals:
        lines += ["", T("top_deals", count=len(result.top_deals), at_risk=result.top_deals_summary.at_risk)]
        for deal in result.top_deals:
            reasons = (T("list_separator").join(words.risk(reason) for reason in deal.reasons) if deal.reasons
                       else T("no_risk"))
            lines.append(T("deal_row", name=pad(deal.name, 30, cut=True), amount=usd(deal.amount),
                           stage=pad(deal.stage, 20, cut=True), close=deal.close_date, risk=reasons))
    lines += ["", T("flags") if result.flags else T("flags_none")]
    lines += [T("flag", severity=T.term(flag.severity), id=flag.id, message=T.say(flag.message))
              for flag in result.flags]
    lines += [T("warning", text=T.say(warning)) for warning in result.warnings]
    return "\n".join(lines)


def _trend_lines(result: FunnelResult, words: _Words) -> list[str]:
    """The win-rate trend and the quarter-by-quarter rates behind it."""
    T, trend = words.T, result.trend
    slope = (T("slope", points=f"{trend.slope_per_quarter * 100:+.1f}") if trend.slope_per_quarter is not None
             else "")
    lines = [T("trend", direction=T.term(trend.direction), quarters=trend.periods_used, slope=slope,
               period=trend.current_period, current=words.rate(trend.current_win_rate),
               closed=trend.current_closed, trailing=words.rate(trend.trailing_win_rate))]
    lines += ["", T("by_period")]
    for label, rates in result.by_period.items():
        lines.append(T("period_row", period=pad(label, 8), won=rates.won, lost=rates.lost,
                       rate=pad(words.rate(rates.win_rate), 6, right=True),
                       rate_value=pad(words.rate(rates.win_rate_value), 6, right=True),
                       partial="" if rates.complete else T("partial")))
    return lines


def _loss_lines(result: FunnelResult, words: _Words) -> list[str]:
    """Why deals were lost, the price-or-value verdict, and where in the funnel they were lost."""
    T = words.T
    lines = ["", T("losses", lost=result.lost)]
    for key, share in result.loss_reasons.items():
        if share:
            lines.append(T("loss_row", category=pad(words.category(key), 14), share=pct(share),
                           value_share=pct(result.loss_value_shares[key])))
    verdict = result.loss_diagnosis.verdict
    lines.append(T("verdict", verdict=verdict, meaning=pick(words.cfg["verdicts"][verdict], words.lang)))
    if result.lost_at_stage:
        lines.append(T("lost_at_stage", items=T("list_comma").join(
            T("stage_share", stage=words.ours(stage), share=pct(share))
            for stage, share in result.lost_at_stage.items())))
    return lines


def _group_lines(result: FunnelResult, words: _Words) -> list[str]:
    """Win rates by lead source (with spend and CAC when known), by segment and by owner."""
    T = words.T
    lines: list[str] = []
    if result.by_source:
        lines += ["", T("by_source")]
        for label, source in result.by_source.items():
            spend = (T("source_spend", spend=usd(source.spend), cac=words.money(source.cac))
                     if source.spend is not None else "")
            lines.append(T("source_row", label=pad(words.ours(label), 20),
                           rate=pad(words.rate(source.win_rate), 6, right=True), won=source.won, lost=source.lost,
                           won_amount=usd(source.won_amount), spend=spend))
    for title, groups in (("by_segment", result.by_segment), ("by_owner", result.by_owner)):
        lines += ["", T(title)]
        for label, group in groups.items():
            lines.append(T("group_row", label=pad(words.ours(label), 20),
                           rate=pad(words.rate(group.win_rate), 6, right=True), won=group.won, lost=group.lost,
                           open=group.open, pipeline=usd(group.open_pipeline)))
    return lines


def _speed_and_value_lines(result: FunnelResult, words: _Words) -> list[str]:
    """Sales cycle, velocity, deal value and discount, market penetration and stage conversion."""
    T = words.T
    lines: list[str] = []
    if result.cycle_days is not None:
        cycle = result.cycle_days
        lines += ["", T("cycle", median=words.days(cycle.median), mean=words.days(cycle.mean),
                        lost_median=words.days(cycle.lost_median))]
    if result.velocity_per_day is not None and result.velocity_per_day.value is not None:
        velocity = result.velocity_per_day
        lines.append(T("velocity", open=velocity.open_deals, rate=pct(velocity.win_rate),
                       amount=usd(velocity.mean_won_amount), days=f"{velocity.mean_cycle_days:.0f}",
                       value=usd(velocity.value)))
    value = result.value
    discount = (T("discount", depth=pct(value.discount.weighted_depth), source=T.term(value.discount.source))
                if value.discount else "")
    lines.append(T("value", mean=words.money(value.mean_won), median=words.money(value.median_won),
                   discount=discount))
    if result.volumes.penetration is not None:
        lines.append(T("penetration", share=pct(result.volumes.penetration), accounts=result.volumes.accounts))
    if result.stage_conversion:
        lines += ["", T("stage_conversion")]
        for label, conversion in result.stage_conversion.items():
            lines.append(T("conversion_row", stage=pad(label, 24),
                           rate=pad(words.rate(conversion.conversion), 6, right=True),
                           days=words.days(conversion.median_days), entered=conversion.entered))
    return lines


def plot(result: FunnelResult, path: Path) -> None:
    """Four panels: win rate by quarter, loss reasons, win rate and CAC by source, cycle by segment."""
    with figure(path, nrows=2, ncols=2, figsize=(11, 7.5)) as (fig, axes):
        _plot_quarters(result, axes[0][0])
        _plot_losses(result, axes[0][1])
        _plot_sources(result, axes[1][0])
        _plot_cycle(result, axes[1][1])
        fig.suptitle(f"Funnel, {result.window_start} to {result.window_end}")


def _plot_quarters(result: FunnelResult, ax: Any) -> None:
    labels = list(result.by_period)
    xs = list(range(len(labels)))
    counts = [p.win_rate if p.win_rate is not None else float("nan") for p in result.by_period.values()]
    values = [p.win_rate_value if p.win_rate_value is not None else float("nan") for p in result.by_period.values()]
    ax.plot(xs, counts, marker="o", label="by count")
    ax.plot(xs, values, marker="s", linestyle="--", label="by value")
    ax.set_xticks(xs, labels, rotation=30)
    ax.set_ylim(0, 1)
    ax.set_title("Win rate by quarter")
    ax.legend(loc="lower left")


def _plot_losses(result: FunnelResult, ax: Any) -> None:
    items = [(k, v) for k, v in result.loss_reasons.items() if v]
    ax.barh([k for k, _ in items], [v for _, v in items], color="tab:red")
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_title(f"Loss reasons ({result.lost} lost): {result.loss_diagnosis.verdict}")


def _plot_sources(result: FunnelResult, ax: Any) -> None:
    labels = list(result.by_source)[:8]
    rates = [result.by_source[s].win_rate or 0.0 for s in labels]
    ax.bar(labels, rates, color="tab:green")
    for x, s in enumerate(labels):
        row = result.by_source[s]
        if row.cac is not None:
            ax.annotate(f"CAC {usd(row.cac)}", (x, rates[x]), ha="center", va="bottom", fontsize=8)
    ax.set_ylim(0, 1)
    ax.tick_params(axis="x", rotation=30)
    ax.set_title("Win rate by lead source")


def _plot_cycle(result: FunnelResult, ax: Any) -> None:
    if result.cycle_days is None:
        ax.set_axis_off()
        ax.set_title("Cycle: no Created Date")
        return
    items = [(k, v.median) for k, v in result.cycle_days.by_segment.items() if v.median is not None][:8]
    ax.bar([k for k, _ in items], [v for _, v in items], color="tab:purple")
    ax.tick_params(axis="x", rotation=30)
    ax.set_title("Median cycle days (won) by segment")


SPEC = ToolSpec(
    name=NAME,
    summary="Win/loss, channels, cycle, velocity, deal value and top-deal risk from the CRM opportunity export",
    role="cro",
    input_help=("opportunity export with closed and open deals: a Salesforce opportunity report or HubSpot deal "
                "export (Stage, Amount, Close Date, Created Date, Lead Source, Loss Reason, Segment, Owner, "
                "Next Step, Last Activity), or our pipeline columns"),
    sample="salesforce_funnel.csv",
    options=FunnelOptions,
    result=FunnelResult,
    run=run,
    render=render,
    data_kinds=("pipeline",),
    plot=plot,
)
