"""Pipeline forecast: weighted scenarios, Monte Carlo P10/P50/P90, coverage for one period, flags.

Reads our pipeline columns, a Salesforce opportunity report or a HubSpot deal export (detected by
header). Every open deal needs a probability from somewhere we can name: --stage-map, the
export's own probability column, or the CRM's default stage table in thresholds.yaml. A stage we
cannot place is an error listing the names, never a silent 0%.

Why the numbers can be trusted:
- `weighted.base` is Σ amount × probability over open deals closing in the period — the figure a
  founder can rebuild in a spreadsheet. Conservative and upside change the probabilities and
  the slip rate (thresholds.yaml), so each scenario moves the number.
- The Monte Carlo draws one Bernoulli per deal per run. The shared win-rate shock moves every
  deal's probability by D·p(1−p) with one D per run (D symmetric on [−1, 1], mean 0): a
  first-order log-odds shift that keeps each deal's expected win exactly p, so the simulated
  mean equals the weighted forecast while the spread reflects good and bad quarters.
- Deals past their close date are flagged and rolled to the as-of date (they can still close,
  but not in the past); periods are Period objects ordered by date, never by label.
- --history calibrates per-stage win rates only where a stage has at least `min_sample` closed
  deals, shrunk toward the prior, so two lucky deals cannot double every probability and an
  all-lost history lowers them.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from csuite.errors import InputError
from csuite.fields import new_list
from csuite.io.columns import day_numbers, inert, money_column
from csuite.io.numbers import currency_formatter
from csuite.io.tables import (
    Table,
    canonical_key,
    cell,
    load_document,
    read_table,
    resolve_columns,
)
from csuite.io.values import (
    DateOrder,
    Period,
    add_months,
    parse_bool,
    parse_number,
    parse_percent,
    parse_period,
    period_of,
)
from csuite.knowledge.bilingual import Lang
from csuite.knowledge.thresholds import section
from csuite.tools.base import (
    Amount,
    Count,
    Day,
    Days,
    FilePath,
    Flag,
    Money,
    PeriodLabel,
    Ratio,
    Share,
    Source,
    ToolOptions,
    ToolResult,
    ToolSpec,
)
from csuite.tools.plotting import figure
from csuite.tools.registry import summary_of
from csuite.tools.texts import ToolTexts, pad

if TYPE_CHECKING:  # numpy is imported where arrays are built, so `csuite --help` stays fast
    import numpy as np

NAME = "revenue_forecast_model"
Scenario = Literal["conservative", "base", "upside"]
SCENARIOS: tuple[Scenario, ...] = ("conservative", "base", "upside")
Format = Literal["ours", "salesforce", "hubspot"]

# Logical field -> accepted headers (compared as canonical keys), ours first, then Salesforce
# report labels and API names, then HubSpot export labels and internal names. Generic headers
# such as "id", "arr" or "value" are deliberately absent: customer and snapshot files have them,
# and the runner detects file kinds from these aliases.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "deal_id": ("deal_id", "opportunity_id", "record_id", "opportunity_id_18", "hs_object_id"),
    "name": ("name", "deal_name", "opportunity_name", "opportunity", "dealname"),
    "account": ("account", "account_name", "associated_company"),
    "stage": ("stage", "stagename", "stage_name", "deal_stage", "dealstage"),
    "amount": ("amount", "arr_value", "total_amount", "deal_amount", "amount_in_company_currency"),
    "probability": ("probability", "probability_pct", "deal_probability", "hs_deal_stage_probability",
                    "win_probability"),
    "close_date": ("close_date", "closedate", "expected_close_date", "close"),
    # Owner Role is the owner a Salesforce report gives when it has no Opportunity Owner column.
    "owner": ("owner", "opportunity_owner", "deal_owner", "owner_name", "rep", "hubspot_owner_id", "owner_role"),
    "segment": ("segment", "type", "deal_type", "dealtype", "opportunity_type"),
    # New Business / Existing Business (Salesforce Type, HubSpot Deal Type): what the booked
    # money is, so "new ARR" is never quietly padded with upsell.
    "deal_type": ("type", "deal_type", "dealtype", "opportunity_type"),
    "created_date": ("created_date", "create_date", "createdate", "createddate", "created"),
    "forecast_category": ("forecast_category", "forecastcategory", "forecast_category_name",
                          "hs_manual_forecast_category", "deal_forecast_category"),
    "last_activity": ("last_activity_date", "last_activity", "lastactivitydate", "notes_last_updated",
                      "hs_last_activity_date", "last_activity_at"),
    "currency": ("currency", "total_amount_currency", "amount_currency", "opportunity_currency",
                 "currencyisocode", "deal_currency_code"),
}
REQUIRED = ("stage", "amount", "close_date")

HISTORY_ALIASES: dict[str, tuple[str, ...]] = {
    "deal_id": ("deal_id", "opportunity_id", "record_id", "id"),
    "stage": ("stage_at_snapshot", "snapshot_stage", "stage", "stagename", "deal_stage"),
    "outcome": ("outcome", "result", "final_stage", "final_status", "status", "won", "is_won"),
}

STAGE_MAP_ALIASES: dict[str, tuple[str, ...]] = {
    "stage": ("stage", "stage_name", "stagename", "deal_stage", "label"),
    "probability": ("probability", "win_rate", "win_probability", "probability_pct"),
    "status": ("status", "state", "closed"),
}

# Elements (runs × deals) held per Monte Carlo chunk: bounds memory at ~15 bytes each
# whatever the pipeline size, and keeps a chunk inside the CPU caches.
_CHUNK_ELEMENTS = 2_000_000
# Above this many distinct probabilities the per-group thresholds table gets too big; the
# simulation then compares against per-deal thresholds instead (slower, same expectation).
_MAX_GROUPS = 512


def config() -> dict[str, Any]:
    return section(NAME)


_MC = config()["monte_carlo"]


# ---------------------------------------------------------------------------------------------
# Options and result models


class ForecastOptions(ToolOptions):
    period: PeriodLabel | None = Field(
        None, description="period to forecast, 2026-Q4 or 2026-11 (default: the quarter containing --as-of)")
    quota: Money | None = Field(
        None, description="bookings target for the period (e.g. 850000 or $850K); adds coverage and P(reach quota)")
    scenario: Scenario = Field(
        "base", description="scenario the Monte Carlo and fan chart simulate; all three weighted scenarios are always reported")
    simulations: int = Field(
        _MC["simulations"], ge=100, le=_MC["max_simulations"], description="Monte Carlo runs")
    seed: int = Field(_MC["seed"], ge=0, description="random seed (same file + seed = same answer)")
    shock: float = Field(
        _MC["shock_sd"], ge=0.0, lt=1.0, allow_inf_nan=False,
        description="sd of the shared per-run win-rate shock on the log-odds scale; 0 = independent deals")
    stage_map: FilePath | None = Field(
        None, description="CSV/JSON/YAML of stage → probability (optional status open|won|lost); overrides defaults and the export's probability column")
    history: FilePath | None = Field(
        None, description="CSV of closed deals: stage at snapshot and outcome won|lost; calibrates per-stage win rates")
    as_of: Day | None = Field(None, description="today's date for past-due deals and the default period (default: today)")
    date_order: Literal["dmy", "mdy"] | None = Field(
        None, description="day/month order of slash dates such as 04/05/2026 when the file cannot tell")
    stale_days: int = Field(
        30, ge=1, le=3650, description="an open deal with no activity for more than this many days is stale "
        "(needs a last-activity column, e.g. HubSpot's Last Activity Date)")


class Weighted(BaseModel):
    conservative: Amount
    base: Amount
    upside: Amount


class MonteCarlo(BaseModel):
    scenario: Scenario
    p10: Amount
    p50: Amount
    p90: Amount
    mean: Amount
    std: Amount
    standard_error: Amount
    simulations: Count
    seed: Count
    shock: Share
    p_reach_quota: Share | None = None


class Coverage(BaseModel):
    quota: Amount
    booked: Amount
    remaining_quota: Amount
    pipeline: Amount
    ratio: Ratio | None            # open pipeline in period ÷ remaining quota; None once quota is met
    weighted_ratio: Ratio | None
    target: Ratio
    p_reach_quota: Share


class PeriodRow(BaseModel):
    period: str
    start: date
    end: date
    deals: Count
    pipeline: Amount
    weighted: Amount                # base, Σ amount × probability of deals closing in the period
    expected: Amount                # the simulated scenario's expectation (includes slip in/out)
    p10: Amount
    p50: Amount
    p90: Amount


class FanPoint(BaseModel):
    period: str
    p10: Amount
    p25: Amount
    p50: Amount
    p75: Amount
    p90: Amount


class GroupRow(BaseModel):
    key: str
    deals: Count
    pipeline: Amount
    weighted: Amount


class StageRow(BaseModel):
    stage: str
    deals: Count
    pipeline: Amount
    probability: Share
    weighted: Amount
    source: str
    early: bool


class CalibrationRow(BaseModel):
    stage: str
    closed: Count
    won: Count
    lost: Count
    observed_rate: Share | None
    prior: Share
    calibrated: Share
    used: Literal["calibrated", "prior"]
    reason: str


class DealRef(BaseModel):
    deal_id: str
    name: str
    stage: str
    amount: Amount
    close_date: date
    owner: str
    last_activity: date | None = None
    days_since_activity: Days | None = None
    reasons: list[str] = Field(default_factory=new_list, description="why the deal is listed as stale")


class ForecastCategories(BaseModel):
    """The period's open pipeline by Salesforce/HubSpot Forecast Category, and the calls made from it.
    commit_call = closed + commit; best_case_call = closed + commit + best_case."""

    commit: Amount
    best_case: Amount
    pipeline: Amount
    omitted: Amount
    uncategorized: Amount = Field(description="open deals in the period with no forecast category")
    closed: Amount = Field(description="closed-won bookings in the period")
    commit_call: Amount = Field(description="closed + commit")
    best_case_call: Amount = Field(description="closed + commit + best_case")
    deals: dict[str, Count]
    open_marked_closed: Count = Field(0, description="open deals whose category says Closed (counted in commit)")


class ScenarioSettings(BaseModel):
    win_multiplier: Ratio
    slip_probability: Share


class PeriodDeal(DealRef):
    """An open deal closing in the target period: the deals the quarter rides on, largest first."""

    probability: float
    weighted: float


class ForecastResult(ToolResult):
    file: str
    format: Format
    as_of: date
    period: str
    period_start: date
    period_end: date
    open_deals: Count
    open_pipeline: Amount           # every open deal, all periods
    period_deals: Count
    period_pipeline: Amount
    booked: Amount                  # closed-won rows in the file with a close date in the period
    booked_by_type: dict[str, Amount] = Field(
        default_factory=dict, description="booked split by the export's deal type column (Type: New Business, "
                                          "Existing Business), largest first; empty without one")
    weighted: Weighted
    monte_carlo: MonteCarlo
    coverage: Coverage | None
    by_period: list[PeriodRow]
    by_owner: list[GroupRow]
    by_segment: list[GroupRow]
    by_stage: list[StageRow]
    calibration: list[CalibrationRow] | None
    forecast_categories: ForecastCategories | None = Field(
        description="None when the file has no Forecast Category column")
    stale_deals: list[DealRef] = Field(description="open deals past their close date or silent for more than "
                                       "stale_days, largest first (capped at list_limit)")
    stale_count: Count
    past_due_count: Count = Field(0, description="open deals whose close date is before as_of")
    silent_count: Count = Field(0, description="open deals with no activity for more than stale_days")
    stale_days: Days
    period_top_deals: list[PeriodDeal] = Field(default_factory=new_list, description="largest open deals in the period")
    fan_chart: list[FanPoint]
    scenarios: dict[str, ScenarioSettings]
    closed_rows: dict[str, Count]


# ---------------------------------------------------------------------------------------------
# Stage table


@dataclass
class StageTable:
    """Where each stage's probability comes from, for one export format."""

    fmt: Format
    defaults: dict[str, float]
    aliases: dict[str, str]
    overrides: dict[str, float]        # --stage-map
    won: set[str]
    lost: set[str]

    def key(self, stage: str) -> str:
        k = canonical_key(stage)
        return self.aliases.get(k, k)

    def default(self, key: str) -> tuple[float, str] | None:
        if key in self.overrides:
            return self.overrides[key], "stage map"
        if key in self.defaults:
            return self.defaults[key], f"{self.fmt} default"
        return None

    def known(self) -> list[str]:
        return sorted(set(self.defaults) | set(self.overrides))


def load_stage_table(fmt: Format, stage_map: str | None) -> StageTable:
    cfg = config()
    table = StageTable(
        fmt=fmt,
        defaults={canonical_key(k): float(v) for k, v in cfg["stage_probabilities"][fmt].items()},
        aliases={canonical_key(k): canonical_key(v) for k, v in (cfg["stage_aliases"].get(fmt) or {}).items()},
        overrides={},
        won={canonical_key(s) for s in cfg["closed_won_stages"]},
        lost={canonical_key(s) for s in cfg["closed_lost_stages"]},
    )
    if stage_map:
        _apply_stage_map(table, stage_map)
    return table


def _apply_stage_map(table: StageTable, path: str) -> None:
    """A stage map is a YAML/JSON mapping {stage: probability} or rows stage, probability[, status]."""
    entries: list[tuple[int, Any, Any, Any]]
    if Path(path).suffix.lower() in (".yaml", ".yml", ".json"):
        # One read: load_document refuses duplicate keys (a stage given twice), and the rows
        # form is built from the same document rather than by reading the file again.
        doc = load_document(path)
        if isinstance(doc, dict) and doc and all(not isinstance(v, (dict, list)) for v in doc.values()):
            entries = [(i, k, v, None) for i, (k, v) in enumerate(doc.items(), start=1)]
        else:
            rows = read_table(doc, list_keys=("stages", "rows", "records", "data", "items"), name="stage map")
            rows.file = str(path)
            entries = _stage_map_rows(rows)
    else:
        entries = _stage_map_rows(read_table(path))
    if not entries:
        raise InputError("has no stages", file=path)
    for row, stage, prob, status in entries:
        if stage is None or not str(stage).strip():
            raise InputError("stage is empty", file=path, row=row, field="stage")
        key = table.key(str(stage))
        state = canonical_key(str(status)) if status not in (None, "") else "open"
        if state in ("won", "closed_won"):
            table.won.add(key)
            continue
        if state in ("lost", "closed_lost"):
            table.lost.add(key)
            continue
        if state != "open":
            raise InputError(f"status '{status}' is not open, won or lost", file=path, row=row, field="status")
        if prob is None or (isinstance(prob, str) and not prob.strip()):
            raise InputError("probability is empty", file=path, row=row, field="probability")
        try:
            value = parse_percent(prob)
        except InputError as exc:
            raise exc.located(file=path, row=row, field="probability") from None
        if value > 1:
            raise InputError(f"probability {value:.0%} is above 100%", file=path, row=row, field="probability")
        table.overrides[key] = value
        table.won.discard(key)
        table.lost.discard(key)


def _stage_map_rows(rows: Table) -> list[tuple[int, Any, Any, Any]]:
    mapping = resolve_columns(rows, STAGE_MAP_ALIASES, ("stage",))
    if "probability" not in mapping and "status" not in mapping:
        raise InputError("needs a probability column (or a status column)", file=rows.file)
    return [(n, cell(r, mapping, "stage"), cell(r, mapping, "probability"), cell(r, mapping, "status"))
            for n, r in rows]


# ---------------------------------------------------------------------------------------------
# Reading deals


def detect_format(table: Table) -> Format:
    """HubSpot and Salesforce exports are recognised by their own header labels."""
    keys = table.keys
    if "deal_stage" in keys or "dealstage" in keys or {"record_id", "deal_name"} <= keys:
        return "hubspot"
    if keys & {"opportunity_id", "opportunity_name", "opportunity_owner", "stagename", "forecast_category",
               "owner_role"}:
        return "salesforce"
    return "ours"


# Forecast categories as Salesforce and HubSpot write them → our key. "Closed" is a closed-won
# deal's category; a closed-lost deal's is Omitted.
CATEGORY_KEYS = {"commit": "commit", "best_case": "best_case", "bestcase": "best_case", "pipeline": "pipeline",
                 "omitted": "omitted", "not_forecasted": "omitted", "closed": "closed", "closed_won": "closed"}
CATEGORIES = ("commit", "best_case", "pipeline", "omitted")
OPEN, WON, LOST = 0, 1, 2


@dataclass
class Deals:
    """Every deal of the file as columns (one entry per deal), so a million rows are read and
    weighted as arrays. `open` marks deals still to be won; `won` closed-won ones."""

    table: Table
    index: "np.ndarray"            # row index in the table
    stage: "np.ndarray"            # code into `stage_labels` / `stage_keys`
    stage_labels: list[str]
    stage_keys: list[str]
    amount: "np.ndarray"           # float64
    close: "np.ndarray"            # close date, proleptic ordinal
    prior: "np.ndarray"            # win probability (open deals)
    source: "np.ndarray"           # code into `source_names`
    source_names: list[str]
    category: "np.ndarray | None"  # code into CATEGORIES (+ "closed"), or None without the column
    activity: "np.ndarray | None"  # last activity ordinal, -1 unknown; None without the column
    ids: list[str]
    mapping: dict[str, str]
    state: "np.ndarray"            # OPEN, WON or LOST per deal
    currency: str | None
    lost: int
    warnings: list[str]

    def __len__(self) -> int:
        return int(self.index.size)

    def select(self, mask: "np.ndarray") -> "Deals":
        keep = {name: getattr(self, name)[mask] for name in ("index", "stage", "amount", "close", "prior",
                                                                "source", "state")}
        for name in ("category", "activity"):
            column = getattr(self, name)
            keep[name] = None if column is None else column[mask]
        return replace(self, **keep)

    def text(self, field: str, i: int, default: str = "") -> str:
        """A label cell (name, owner, account) of deal i, made safe to echo."""
        header = self.mapping.get(field)
        if header is None:
            return default
        value = self.table.values(header)[int(self.index[i])]
        return default if value is None else str(inert(str(value)))

    def name(self, i: int) -> str:
        return self.text("name", i) or self.text("account", i) or self.ids[int(self.index[i])]

    def ref(self, i: int, reasons: list[str], as_of: date) -> "DealRef":
        activity = None if self.activity is None or self.activity[i] < 0 else date.fromordinal(int(self.activity[i]))
        return DealRef(deal_id=self.ids[int(self.index[i])], name=self.name(i),
                       stage=self.stage_labels[int(self.stage[i])], amount=float(self.amount[i]),
                       close_date=date.fromordinal(int(self.close[i])), owner=self.text("owner", i, "(no owner)"),
                       last_activity=activity,
                       days_since_activity=None if activity is None else (as_of - activity).days,
                       reasons=reasons)


def _percent_column(values: list[Any], header: str | None) -> bool:
    """Whether a probability column holds percents, decided once for the whole column.

    A "Probability (%)" header says so; so does any bare value above 1 (10, 20, 1 is 10%, 20%, 1%,
    not 10%, 20%, 100%). Otherwise bare values are fractions (0.1, 0.2, 1 is 10%, 20%, 100%).
    Cells written with a % sign read as percents either way."""
    if header is None:
        return False
    if "%" in header:
        return True
    for raw in dict.fromkeys(values):
        if raw is None or isinstance(raw, bool):
            continue
        text = str(raw).strip().replace("％", "%")
        if not text or text.endswith("%"):
            continue
        try:
            if abs(parse_number(text)) > 1:
                return True
        except InputError:
            continue  # reported with its row when the cell is parsed
    return False


def percent_column(table: Table, header: str | None) -> bool:
    """Whether a table's probability column holds percents (see _percent_column); shared with
    funnel_analyzer, which reads the same opportunity exports."""
    return _percent_column(table.values(header), header) if header else False


def read_probability(raw: Any, is_percent: bool, file: str, row: int, header: str | None) -> float:
    """One deal's probability, read the way its column was decided (see percent_column)."""
    try:
        value = parse_percent(raw, fraction_max=0.0 if is_percent else 1.0)
    except InputError as exc:
        raise exc.located(file=file, row=row, field=header) from None
    if value > 1:
        raise InputError(f"probability {value:.0%} is above 100%", file=file, row=row, field=header)
    return value


def _probabilities(table: Table, header: str | None) -> "np.ndarray":
    """The export's probability column as fractions (NaN where blank), parsed per distinct text."""
    import numpy as np

    if header is None:
        return np.full(len(table), np.nan)
    values = table.values(header)
    percent = _percent_column(values, header)
    parsed: dict[Any, float] = {}
    for i, raw in enumerate(values):
        if raw in parsed:
            continue
        if raw is None:
            parsed[raw] = float("nan")
            continue
        try:
            value = parse_percent(raw, fraction_max=0.0 if percent else 1.0)
        except InputError as exc:
            raise exc.located(file=table.file, row=table.row_number(i), field=header) from None
        if value > 1:
            raise InputError(f"probability {value:.0%} is above 100%", file=table.file, row=table.row_number(i),
                             field=header)
        parsed[raw] = value
    return np.fromiter(map(parsed.__getitem__, values), np.float64, len(values))


def _deal_ids(table: Table, header: str | None) -> list[str]:
    """Deal ids ('row N' where the file has none), refusing duplicates: a deal listed twice would
    be forecast twice. Without an id column, a row repeated exactly is the duplicate."""
    if header is not None:
        ids = table.texts(header)
        if "" in ids:
            ids = [v or f"row {table.row_number(i)}" for i, v in enumerate(ids)]
        if len(set(ids)) < len(ids):
            seen: dict[str, int] = {}
            for i, deal_id in enumerate(ids):
                if deal_id in seen:
                    raise InputError(f"deal '{deal_id}' already appears in row {table.row_number(seen[deal_id])}; "
                                     "remove the duplicate", file=table.file, row=table.row_number(i), field=header)
                seen[deal_id] = i
        return ids
    records = list(zip(*(table.texts(h) for h in table.headers)))
    if len(set(records)) < len(records):
        first: dict[tuple, int] = {}
        for i, record in enumerate(records):
            if record in first:
                raise InputError(f"repeats row {table.row_number(first[record])} exactly; remove the duplicate",
                                 file=table.file, row=table.row_number(i))
            first[record] = i
    return [f"row {table.row_number(i)}" for i in range(len(table))]


def _file_currency(table: Table, header: str | None) -> str | None:
    """The one currency a currency column names ('USD'), or an error naming the mix."""
    if header is None:
        return None
    seen: dict[str, int] = {}
    for i, code in enumerate(table.texts(header)):
        if code:
            seen.setdefault(code.upper(), i)
    if len(seen) > 1:
        codes = ", ".join(f"{c} (row {table.row_number(i)})" for c, i in seen.items())
        raise InputError(f"amounts mix currencies: {codes}; convert them to one currency first",
                         file=table.file, field=header)
    return next(iter(seen), None)


def _stage_codes(table: Table, header: str, stages: StageTable) -> tuple["np.ndarray", list[str], list[str]]:
    import numpy as np

    texts = table.texts(header)
    code_of: dict[str, int] = dict.fromkeys(texts, 0)
    if "" in code_of:
        raise InputError("stage is empty", file=table.file, row=table.row_number(texts.index("")), field=header)
    for code, text in enumerate(code_of):
        code_of[text] = code
    labels = list(code_of)
    return np.fromiter(map(code_of.__getitem__, texts), np.int64, len(texts)), labels, [stages.key(s) for s in labels]


def _categories(table: Table, header: str | None) -> "np.ndarray | None":
    """Forecast category per deal as a code into CATEGORIES + ('closed',); -1 where blank."""
    import numpy as np

    if header is None:
        return None
    names = (*CATEGORIES, "closed")
    texts = table.texts(header)
    code_of: dict[str, int] = {}
    for i, text in enumerate(texts):
        if text in code_of:
            continue
        if not text:
            code_of[text] = -1
            continue
        key = CATEGORY_KEYS.get(canonical_key(text))
        if key is None:
            raise InputError(f"forecast category '{text}' is not Commit, Best Case, Pipeline, Omitted or Closed",
                             file=table.file, row=table.row_number(i), field=header)
        code_of[text] = names.index(key)
    return np.fromiter(map(code_of.__getitem__, texts), np.int64, len(texts))


def _priors(stage: "np.ndarray", keys: list[str], labels: list[str], probability: "np.ndarray",
            stages: StageTable, is_open: "np.ndarray", table: Table, stage_header: str,
            rows: "np.ndarray") -> tuple["np.ndarray", "np.ndarray", list[str]]:
    """Each open deal's win probability and where it came from: --stage-map, else the export's own
    probability, else the format's default table. A stage none of these places is an error listing
    every such stage, never a silent 0%."""
    import numpy as np

    names = ["stage map", "export probability", f"{stages.fmt} default"]
    override = np.array([stages.overrides.get(k, np.nan) for k in keys], dtype=np.float64)
    default = np.array([(stages.default(k) or (np.nan, ""))[0] for k in keys], dtype=np.float64)
    prior = override[stage]
    source = np.zeros(len(stage), dtype=np.int64)
    from_export = np.isnan(prior) & ~np.isnan(probability)
    prior = np.where(from_export, probability, prior)
    source[from_export] = 1
    from_default = np.isnan(prior)
    prior = np.where(from_default, default[stage], prior)
    source[from_default] = 2
    unknown = is_open & np.isnan(prior)
    if unknown.any():
        first: dict[int, int] = {}
        for i in np.flatnonzero(unknown):
            first.setdefault(int(stage[i]), int(rows[i]))
        listed = ", ".join(f"'{labels[c]}' (row {table.row_number(r)})" for c, r in first.items())
        raise InputError(
            f"unknown stage(s) {listed}; {stages.fmt} stages with a default probability: {', '.join(stages.known())}. "
            "Map them with --stage-map FILE (stage, probability) or add a probability column",
            file=table.file, row=table.row_number(next(iter(first.values()))), field=stage_header)
    return prior, source, names


def read_deals(table: Table, stages: StageTable, date_order: DateOrder | None) -> Deals:
    """Parse and validate every deal, a column at a time (a million rows in about a second)."""
    import numpy as np

    if not len(table):
        raise InputError("has a header but no deal rows", file=table.file)
    mapping = resolve_columns(table, COLUMN_ALIASES, REQUIRED)
    stage, labels, keys = _stage_codes(table, mapping["stage"], stages)
    ids = _deal_ids(table, mapping.get("deal_id"))
    currency = _file_currency(table, mapping.get("currency"))
    money = money_column(table.values(mapping["amount"]), table, mapping["amount"], currency=currency)
    close = day_numbers(table.values(mapping["close_date"]), table, mapping["close_date"], date_order=date_order,
                        what="close date")
    activity = None
    if "last_activity" in mapping:
        activity = day_numbers(table.values(mapping["last_activity"]), table, mapping["last_activity"],
                               date_order=date_order, allow_blank=True, what="last activity date")
    won_codes = np.array([k in stages.won for k in keys], dtype=bool)
    lost_codes = np.array([k in stages.lost for k in keys], dtype=bool)
    won, lost = won_codes[stage], lost_codes[stage]
    is_open = ~won & ~lost
    rows = np.arange(len(table))
    prior, source, source_names = _priors(stage, keys, labels, _probabilities(table, mapping.get("probability")),
                                          stages, is_open, table, mapping["stage"], rows)
    deals = Deals(table=table, index=rows, stage=stage, stage_labels=labels, stage_keys=keys,
                  amount=money.values, close=close, prior=np.where(won, 1.0, prior), source=source,
                  source_names=source_names, category=_categories(table, mapping.get("forecast_category")),
                  activity=activity, ids=ids, mapping=mapping, state=np.where(won, WON, np.where(lost, LOST, OPEN)),
                  currency=money.currency, lost=int(lost.sum()),
                  warnings=list(table.warnings) + money.notes)
    return deals


def currency_code(raw_amount: Any, currency_cell: Any) -> str | None:
    """The currency of one amount: the currency column's code, else the amount's own symbol or
    ISO prefix ("USD 485,000.00", "€84,000"); None when neither says (a bare number)."""
    if currency_cell is not None:
        return str(currency_cell).strip().upper()
    if isinstance(raw_amount, str) and not raw_amount[:1].isdigit():
        text = raw_amount.strip().lstrip("(-−").strip()
        for code, sym in (("USD", "$"), ("EUR", "€"), ("GBP", "£")):
            if text.startswith(sym):
                return code
        head = text[:3].upper()
        if head.isalpha() and len(text) > 3:
            return head
    return None


# ---------------------------------------------------------------------------------------------
# Calibration from history


def calibrate(deals: Deals, stages: StageTable, history_path: str) -> tuple[list[CalibrationRow], list[str]]:
    """Per-stage win rate from closed deals (stage at the snapshot → won or lost), shrunk toward
    the prior, used only where the stage has at least `min_sample` closed deals. Updates the
    open deals' probabilities in place; returns the table shown to the founder."""
    import numpy as np

    cfg = config()["calibration"]
    min_sample, weight = int(cfg["min_sample"]), float(cfg["prior_weight"])
    won, lost, labels = _history_counts(stages, history_path)
    rows: list[CalibrationRow] = []
    calibrated_source = len(deals.source_names)
    deals.source_names.append("calibrated")
    for code in np.unique(deals.stage):
        members = deals.stage == code
        key = deals.stage_keys[int(code)]
        wins, losses = won.get(key, 0), lost.get(key, 0)
        closed = wins + losses
        stage_prior = stages.default(key)
        prior = stage_prior[0] if stage_prior else float(deals.prior[members].mean())
        if closed >= min_sample:
            deals.prior[members] = (wins + weight * deals.prior[members]) / (closed + weight)
            deals.source[members] = calibrated_source
            calibrated = (wins + weight * prior) / (closed + weight)
            used, reason = "calibrated", f"({wins} won + {weight:g} × prior) ÷ ({closed} closed + {weight:g})"
        else:
            calibrated, used = prior, "prior"
            reason = "no closed deals in history" if closed == 0 else f"only {closed} closed deal(s); need {min_sample}"
        rows.append(CalibrationRow(stage=deals.stage_labels[int(code)], closed=closed, won=wins, lost=losses,
                                   observed_rate=(wins / closed) if closed else None, prior=prior,
                                   calibrated=calibrated, used=used, reason=reason))
    present = set(deals.stage_keys[int(c)] for c in np.unique(deals.stage))
    unused = sorted(labels[k] for k in set(won) | set(lost) if k not in present)
    warnings = [f"{history_path}: history stage(s) with no open deals, not used: {', '.join(unused)}"] if unused else []
    rows.sort(key=lambda r: r.prior)
    return rows, warnings


def _history_counts(stages: StageTable, history_path: str) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """Won and lost closed deals per stage key in the history file, and each key's label."""
    table = read_table(history_path, name="history")
    if not table.rows:
        raise InputError("has a header but no closed deals", file=table.file)
    mapping = resolve_columns(table, HISTORY_ALIASES, ("stage", "outcome"))
    won: dict[str, int] = defaultdict(int)
    lost: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    seen: dict[str, int] = {}
    for row, record in table:
        deal_id = cell(record, mapping, "deal_id")
        if deal_id is not None:
            if str(deal_id) in seen:
                raise InputError(f"deal '{deal_id}' already appears in row {seen[str(deal_id)]}; one row per closed deal",
                                 file=table.file, row=row, field=mapping["deal_id"])
            seen[str(deal_id)] = row
        stage = cell(record, mapping, "stage")
        if stage is None:
            raise InputError("stage is empty", file=table.file, row=row, field=mapping["stage"])
        outcome = cell(record, mapping, "outcome")
        result = _outcome(outcome, stages)
        if result is None:
            raise InputError(f"outcome '{outcome}' is not won or lost (closed deals only)",
                             file=table.file, row=row, field=mapping["outcome"])
        key = stages.key(str(stage))
        labels.setdefault(key, str(stage).strip())
        (won if result else lost)[key] += 1
    return won, lost, labels


def _outcome(value: Any, stages: StageTable) -> bool | None:
    """Won (True) or lost (False) from a closed-stage name or a yes/no flag (parse_bool's words);
    None for anything else, such as an open stage or 'pending'."""
    if value is None:
        return None
    key = canonical_key(str(value))
    if key in stages.won:
        return True
    if key in stages.lost:
        return False
    try:
        return parse_bool(value)
    except InputError:
        return None


# ---------------------------------------------------------------------------------------------
# Monte Carlo


def simulate(amount: Any, prob: Any, period_idx: Any, slip_idx: Any, n_periods: int, *,
             simulations: int, seed: int, shock: float, slip: float, threads: int | None = None) -> Any:
    """Simulated bookings per run and period: an array (simulations × n_periods).

    Deal i is won in a run when its uniform draw falls below pᵢ + D·pᵢ(1−pᵢ), D being the run's
    shared shock (mean 0), so E[won] = pᵢ exactly. A won deal slips to `slip_idx` with
    probability `slip` (the lowest slice of its winning draws: one uniform decides both).

    Speed and memory: deals are sorted into blocks of equal (period, slip period, probability),
    so each block compares 16-bit uniforms against one threshold per run (randomised rounding
    keeps the threshold exact in expectation); runs are processed in chunks of about
    `_CHUNK_ELEMENTS` draws, on a few threads, each chunk with its own seeded generator.
    """
    import numpy as np

    amount = np.asarray(amount, dtype=np.float64)
    prob = np.clip(np.asarray(prob, dtype=np.float64), 0.0, 1.0)
    period_idx = np.asarray(period_idx, dtype=np.int64)
    slip_idx = np.asarray(slip_idx, dtype=np.int64) if slip > 0 else period_idx
    n = len(amount)
    totals = np.zeros((simulations, n_periods), dtype=np.float64)
    if n == 0 or simulations == 0:
        return totals
    shared_seq, chunk_seq = np.random.SeedSequence(seed).spawn(2)
    shared = np.random.Generator(np.random.PCG64DXSM(shared_seq))
    if shock > 1e-6:                              # below that the shock changes nothing measurable
        a = (1.0 / shock**2 - 1.0) / 2.0          # 2·Beta(a, a) − 1 has sd = shock
        shocks = 2.0 * shared.beta(a, a, simulations) - 1.0
    else:
        shocks = np.zeros(simulations)

    uniq, group = np.unique(prob, return_inverse=True)
    grouped = len(uniq) <= _MAX_GROUPS
    if not grouped:
        group = np.zeros(n, dtype=np.int64)
    order = np.lexsort((group, slip_idx, period_idx))
    amt = amount[order].astype(np.float32)
    per, sl, grp = period_idx[order], slip_idx[order], group[order]
    p_sorted = prob[order]
    change = np.flatnonzero((np.diff(per) != 0) | (np.diff(sl) != 0) | (np.diff(grp) != 0)) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [n]))
    blocks = [(int(lo), int(hi), int(per[lo]), int(sl[lo]), int(grp[lo])) for lo, hi in zip(starts, ends)]

    if grouped:
        x = uniq[None, :] + shocks[:, None] * (uniq * (1.0 - uniq))[None, :]
        dither = shared.random((simulations, len(uniq)))
        win_t = np.floor(x * 65536.0 + dither)            # E[win_t] / 65536 = x exactly
        slip_t = np.floor(x * slip * 65536.0 + dither)    # ≤ win_t: slipped deals are won deals
        win_full, slip_full = win_t >= 65536, slip_t >= 65536
        win_t16 = np.minimum(win_t, 65535).astype(np.uint16)
        slip_t16 = np.minimum(slip_t, 65535).astype(np.uint16)
    else:
        q_sorted = (p_sorted * (1.0 - p_sorted)).astype(np.float32)
        p32 = p_sorted.astype(np.float32)

    chunk = max(1, min(simulations, _CHUNK_ELEMENTS // n, 4096))
    bounds = [(s, min(s + chunk, simulations)) for s in range(0, simulations, chunk)]
    seeds = chunk_seq.spawn(len(bounds))

    def run_chunk(index: int) -> None:
        lo_s, hi_s = bounds[index]
        c = hi_s - lo_s
        rng = np.random.Generator(np.random.PCG64DXSM(seeds[index]))
        if grouped:
            words = -(-c * n // 4)
            u = rng.integers(0, 2**64 - 1, size=words, dtype=np.uint64, endpoint=True)
            u = u.view(np.uint16)[: c * n].reshape(c, n)
        else:
            u = rng.random((c, n), dtype=np.float32)
        out = totals[lo_s:hi_s]
        for lo, hi, p_i, s_i, g in blocks:
            ub = u[:, lo:hi]
            if grouped:
                won = ub < win_t16[lo_s:hi_s, g][:, None]
                full = win_full[lo_s:hi_s, g]
                if full.any():
                    won |= full[:, None]
            else:
                thr = p32[None, lo:hi] + shocks[lo_s:hi_s, None].astype(np.float32) * q_sorted[None, lo:hi]
                won = ub < thr
            out[:, p_i] += won.astype(np.float32) @ amt[lo:hi]
            if s_i != p_i:
                if grouped:
                    slipped = ub < slip_t16[lo_s:hi_s, g][:, None]
                    full = slip_full[lo_s:hi_s, g]
                    if full.any():
                        slipped |= full[:, None]
                else:
                    slipped = ub < thr * np.float32(slip)
                moved = slipped.astype(np.float32) @ amt[lo:hi]
                out[:, p_i] -= moved
                out[:, s_i] += moved

    workers = threads or min(4, os.cpu_count() or 1)
    if workers > 1 and len(bounds) > 1:

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run_chunk, range(len(bounds))))
    else:
        for i in range(len(bounds)):
            run_chunk(i)
    return totals


# ---------------------------------------------------------------------------------------------
# The forecast


def _scenario_cfg() -> dict[str, dict[str, float]]:
    raw = config()["scenarios"]
    return {name: {"win_multiplier": float(raw[name]["win_multiplier"]),
                   "slip_probability": float(raw[name]["slip_probability"])} for name in SCENARIOS}


@dataclass
class Timeline:
    """The periods open deals can land in (on time or slipped), ordered by date, and each deal's."""

    periods: list[Period]
    target: int                    # index of the forecast period
    on_time: "np.ndarray"          # period index per deal (close date, past-due rolled to as-of)
    slipped: "np.ndarray"          # period index per deal if it slips


def timeline(close: "np.ndarray", target: Period, as_of: date, slip_months: int) -> Timeline:
    import numpy as np

    effective = np.maximum(close, as_of.toordinal())
    days, inverse = np.unique(effective, return_inverse=True)
    cache: dict[tuple[int, int], Period] = {}

    def period_for(day: date) -> Period:
        key = (day.year, day.month)
        if key not in cache:
            cache[key] = period_of(day, target.kind)
        return cache[key]

    pairs = []
    for ordinal in days:
        day = date.fromordinal(int(ordinal))
        pairs.append((period_for(day), period_for(add_months(day, slip_months))))
    periods = sorted({p for pair in pairs for p in pair} | {target})
    position = {p: i for i, p in enumerate(periods)}
    on_time = np.array([position[a] for a, _ in pairs], dtype=np.int64)[inverse] if pairs else np.zeros(0, np.int64)
    slipped = np.array([position[b] for _, b in pairs], dtype=np.int64)[inverse] if pairs else np.zeros(0, np.int64)
    return Timeline(periods=periods, target=position[target], on_time=on_time, slipped=slipped)


def expected_by_period(deals: Deals, line: Timeline, scenario: dict[str, float]) -> "np.ndarray":
    """E[bookings] per period for one scenario: Σ amount × min(p × multiplier, 1), the slipped share
    moved to the next period."""
    import numpy as np

    n_periods = len(line.periods)
    won = np.minimum(deals.prior * scenario["win_multiplier"], 1.0) * deals.amount
    slip = scenario["slip_probability"]
    return (np.bincount(line.on_time, won * (1 - slip), minlength=n_periods)
            + np.bincount(line.slipped, won * slip, minlength=n_periods))


def _codes(texts: list[str]) -> tuple["np.ndarray", list[str]]:
    """Factorise a text column: (code per row, distinct texts in first-seen order)."""
    import numpy as np

    code_of: dict[str, int] = dict.fromkeys(texts, 0)
    for code, text in enumerate(code_of):
        code_of[text] = code
    return np.fromiter(map(code_of.__getitem__, texts), np.int64, len(texts)), list(code_of)


def group_rows(deals: Deals, field: str, blank: str) -> list[GroupRow]:
    """Deals, pipeline and weighted pipeline per owner (or segment), largest weighted first."""
    import numpy as np

    header = deals.mapping.get(field)
    if header is None:
        codes, keys = np.zeros(len(deals), dtype=np.int64), [blank]
    else:
        # Factorise the whole column once (C speed), then pick the period's deals by index.
        all_codes, keys = _codes(deals.table.texts(header))
        codes = all_codes[deals.index]
        keys = [k or blank for k in keys]
    count = np.bincount(codes, minlength=len(keys))
    pipeline = np.bincount(codes, deals.amount, minlength=len(keys))
    weighted = np.bincount(codes, deals.amount * deals.prior, minlength=len(keys))
    merged: dict[str, list[float]] = {}
    for c in np.flatnonzero(count):
        row = merged.setdefault(str(inert(keys[c])), [0, 0.0, 0.0])   # '' and '(no owner)' are one group
        row[0] += int(count[c])
        row[1] += float(pipeline[c])
        row[2] += float(weighted[c])
    rows = [GroupRow(key=k, deals=int(v[0]), pipeline=v[1], weighted=v[2]) for k, v in merged.items()]
    return sorted(rows, key=lambda r: (-r.weighted, r.key))


def stage_rows(deals: Deals) -> list[StageRow]:
    """The period's pipeline by stage: deals, pipeline, probability (the stage's, or the
    pipeline-weighted average when deals differ) and where the probability came from."""
    import numpy as np

    early_max = float(config()["flags"]["early_stage_max_probability"])
    rows = []
    for code in np.unique(deals.stage):
        members = deals.stage == code
        amount, prior = deals.amount[members], deals.prior[members]
        pipeline, weighted = float(amount.sum()), float((amount * prior).sum())
        if np.unique(np.round(prior, 6)).size == 1:
            shown = float(prior[0])
        else:
            shown = weighted / pipeline if pipeline else float(prior.mean())
        sources = sorted({deals.source_names[int(s)] for s in np.unique(deals.source[members])})
        rows.append(StageRow(stage=deals.stage_labels[int(code)], deals=int(members.sum()), pipeline=pipeline,
                             probability=shown, weighted=weighted, source=", ".join(sources), early=shown <= early_max))
    return sorted(rows, key=lambda r: (r.probability, r.stage))


def booked_by_type(won: Deals) -> dict[str, float]:
    """Closed-won amounts of the period by deal type, largest first; {} when the export has no
    type column. A blank type is "(no type)", never folded into a named one."""
    if "deal_type" not in won.mapping:
        return {}
    totals: dict[str, float] = {}
    for i in range(len(won)):
        label = won.text("deal_type", i).strip() or "(no type)"
        totals[label] = totals.get(label, 0.0) + float(won.amount[i])
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def forecast_categories(period: Deals, booked: float) -> ForecastCategories | None:
    """Salesforce's forecast roll-up for the period: open pipeline by Forecast Category, closed-won
    bookings, and the two calls a sales leader makes from them."""
    import numpy as np

    if period.category is None:
        return None
    names = (*CATEGORIES, "closed")
    sums = {name: float(period.amount[period.category == code].sum()) for code, name in enumerate(names)}
    counts = {name: int((period.category == code).sum()) for code, name in enumerate(names)}
    blank = period.category < 0
    # An open deal marked Closed has not closed: it is forecast with the committed deals.
    commit = sums["commit"] + sums["closed"]
    return ForecastCategories(
        commit=commit, best_case=sums["best_case"], pipeline=sums["pipeline"], omitted=sums["omitted"],
        uncategorized=float(period.amount[blank].sum()), closed=booked,
        commit_call=booked + commit, best_case_call=booked + commit + sums["best_case"],
        deals={"commit": counts["commit"] + counts["closed"], "best_case": counts["best_case"],
               "pipeline": counts["pipeline"], "omitted": counts["omitted"], "uncategorized": int(np.sum(blank))},
        open_marked_closed=counts["closed"])


def top_deals(period: Deals, limit: int) -> list[PeriodDeal]:
    """The period's largest open deals (ties: earlier close, then id): the deals the quarter rides on."""
    import numpy as np

    first = np.lexsort((period.close, -period.amount))[: limit + 20]
    chosen = sorted((int(i) for i in first),
                    key=lambda i: (-period.amount[i], period.close[i], period.ids[int(period.index[i])]))[:limit]
    out = []
    for i in chosen:
        ref = period.ref(i, [], date.fromordinal(int(period.close[i])))
        out.append(PeriodDeal(deal_id=ref.deal_id, name=ref.name, stage=ref.stage, amount=ref.amount,
                              close_date=ref.close_date, owner=ref.owner, probability=float(period.prior[i]),
                              weighted=float(period.amount[i] * period.prior[i])))
    return out


def stale_masks(deals: Deals, as_of: date, stale_days: int) -> tuple["np.ndarray", "np.ndarray"]:
    """(past due, silent) per open deal: a close date before `as_of`; no activity for more than
    `stale_days` days (only where the export has a last-activity column)."""
    import numpy as np

    today = as_of.toordinal()
    silent = np.zeros(len(deals), dtype=bool)
    if deals.activity is not None:
        silent = (deals.activity >= 0) & (today - deals.activity > stale_days)
    return deals.close < today, silent


def stale_deals(deals: Deals, as_of: date, stale_days: int) -> tuple[list[int], dict[int, list[str]]]:
    """Open deals past their close date or silent for more than `stale_days`, largest first, each
    with its reasons."""
    import numpy as np

    today = as_of.toordinal()
    past_due, silent = stale_masks(deals, as_of, stale_days)
    chosen = np.flatnonzero(past_due | silent)
    chosen = chosen[np.lexsort((deals.close[chosen], -deals.amount[chosen]))]
    reasons: dict[int, list[str]] = {}
    for i in chosen:
        why = []
        if past_due[i]:
            close = date.fromordinal(int(deals.close[i]))
            why.append(f"close date {close} passed {today - int(deals.close[i])} days before {as_of}")
        if silent[i]:
            last = date.fromordinal(int(deals.activity[i]))  # type: ignore[index]
            why.append(f"no activity for {today - int(deals.activity[i])} days (last {last}; "  # type: ignore[index]
                       f"more than {stale_days})")
        reasons[int(i)] = why
    return [int(i) for i in chosen], reasons


def run(source: Source, options: ForecastOptions) -> ForecastResult:
    import numpy as np

    cfg = config()
    limit = int(cfg["list_limit"])
    as_of = options.as_of or date.today()
    table = read_table(source, name="pipeline")
    if not len(table):
        raise InputError("has a header but no deal rows", file=table.file)
    stages = load_stage_table(detect_format(table), options.stage_map)
    everything = read_deals(table, stages, options.date_order)
    state = everything.state
    deals, won = everything.select(state == OPEN), everything.select(state == WON)
    warnings = everything.warnings
    calibration = None
    if options.history:
        calibration, extra = calibrate(deals, stages, options.history)
        warnings += extra
    target = parse_period(options.period) if options.period else period_of(as_of, "quarter")
    if target.end < as_of:
        warnings.append(f"period {target.label} ended before the as-of date {as_of}; open deals cannot close in it")
    line = timeline(deals.close, target, as_of, int(cfg["slip_months"]))
    scenarios = _scenario_cfg()
    expected = {name: expected_by_period(deals, line, scenarios[name]) for name in SCENARIOS}
    chosen = scenarios[options.scenario]
    totals = simulate(deals.amount, np.minimum(deals.prior * chosen["win_multiplier"], 1.0), line.on_time,
                      line.slipped, len(line.periods), simulations=options.simulations, seed=options.seed,
                      shock=options.shock, slip=chosen["slip_probability"])
    won_in_period = won.select((won.close >= target.start.toordinal()) & (won.close <= target.end.toordinal()))
    booked = float(won_in_period.amount.sum())
    period = deals.select(line.on_time == line.target)
    monte_carlo, coverage = _simulated_call(totals[:, line.target], booked, float((period.amount * period.prior).sum()),
                                            float(period.amount.sum()), options)
    stale, reasons = stale_deals(deals, as_of, options.stale_days)
    past_due, silent = stale_masks(deals, as_of, options.stale_days)
    flags = _flags(target, as_of, period, coverage, deals, stale, reasons, options.stale_days, limit)
    return ForecastResult(
        file=table.file, format=stages.fmt, as_of=as_of, period=target.label, period_start=target.start,
        period_end=target.end, open_deals=len(deals), open_pipeline=float(deals.amount.sum()),
        period_deals=len(period), period_pipeline=float(period.amount.sum()), booked=booked,
        booked_by_type=booked_by_type(won_in_period),
        weighted=Weighted(**{name: float(expected[name][line.target]) for name in SCENARIOS}),
        monte_carlo=monte_carlo, coverage=coverage,
        by_period=_period_rows(deals, line, expected[options.scenario], totals),
        by_owner=group_rows(period, "owner", "(no owner)"), by_segment=group_rows(period, "segment", "(no segment)"),
        by_stage=stage_rows(period), calibration=calibration,
        forecast_categories=forecast_categories(period, booked),
        stale_deals=[deals.ref(i, reasons[i], as_of) for i in stale[:limit]], stale_count=len(stale),
        past_due_count=int(past_due.sum()), silent_count=int(silent.sum()),
        period_top_deals=top_deals(period, limit),
        stale_days=options.stale_days, flags=flags, fan_chart=_fan(line, totals), scenarios=scenarios,
        closed_rows={"won": len(won), "lost": everything.lost}, warnings=warnings,
        currency=everything.currency or "USD")


def _simulated_call(target_runs: "np.ndarray", booked: float, weighted_base: float, pipeline: float,
                    options: ForecastOptions) -> tuple[MonteCarlo, Coverage | None]:
    """The Monte Carlo summary for the period, and coverage of the remaining quota."""
    import numpy as np

    p10, p50, p90 = (float(v) for v in np.percentile(target_runs, [10, 50, 90]))
    std = float(target_runs.std(ddof=1))
    coverage = None
    p_quota = None
    if options.quota is not None:
        remaining = max(options.quota - booked, 0.0)
        p_quota = float((target_runs >= remaining).mean()) if remaining > 0 else 1.0
        coverage = Coverage(
            quota=options.quota, booked=booked, remaining_quota=remaining, pipeline=pipeline,
            ratio=pipeline / remaining if remaining > 0 else None,
            weighted_ratio=(weighted_base / remaining) if remaining > 0 else None,
            target=float(section("benchmarks")["pipeline_coverage_target"]), p_reach_quota=p_quota)
    monte_carlo = MonteCarlo(
        scenario=options.scenario, p10=p10, p50=p50, p90=p90, mean=float(target_runs.mean()), std=std,
        standard_error=std / math.sqrt(options.simulations), simulations=options.simulations,
        seed=options.seed, shock=options.shock, p_reach_quota=p_quota)
    return monte_carlo, coverage


def _period_rows(deals: Deals, line: Timeline, expected: "np.ndarray", totals: "np.ndarray") -> list[PeriodRow]:
    import numpy as np

    n_periods = len(line.periods)
    percentiles = np.percentile(totals, [10, 50, 90], axis=0)
    counts = np.bincount(line.on_time, minlength=n_periods)
    pipeline = np.bincount(line.on_time, deals.amount, minlength=n_periods)
    weighted = np.bincount(line.on_time, deals.amount * deals.prior, minlength=n_periods)
    return [PeriodRow(period=p.label, start=p.start, end=p.end, deals=int(counts[i]), pipeline=float(pipeline[i]),
                      weighted=float(weighted[i]), expected=float(expected[i]), p10=float(percentiles[0, i]),
                      p50=float(percentiles[1, i]), p90=float(percentiles[2, i]))
            for i, p in enumerate(line.periods) if counts[i] or i == line.target or expected[i] > 0]


def _fan(line: Timeline, totals: "np.ndarray") -> list[FanPoint]:
    import numpy as np

    cumulative = np.percentile(np.cumsum(totals, axis=1), [10, 25, 50, 75, 90], axis=0)
    return [FanPoint(period=p.label, p10=float(cumulative[0, i]), p25=float(cumulative[1, i]),
                     p50=float(cumulative[2, i]), p75=float(cumulative[3, i]), p90=float(cumulative[4, i]))
            for i, p in enumerate(line.periods)]


def _flags(target: Period, as_of: date, period: Deals, coverage: Coverage | None, deals: Deals, stale: list[int],
           reasons: dict[int, list[str]], stale_days: int, limit: int) -> list[Flag]:
    import numpy as np

    cfg = config()["flags"]
    money = currency_formatter(deals.currency)
    flags: list[Flag] = []
    pipeline = float(period.amount.sum())
    weighted = period.amount * period.prior
    if not len(period):
        flags.append(Flag(id="empty_period", severity="high", value=0.0, unit="usd", period=target.label,
                          metric="period_pipeline",
                          message=f"No open deals close in {target.label}; the forecast for it rests on new pipeline only."))
    if coverage is not None and coverage.ratio is not None and coverage.ratio < coverage.target:
        flags.append(Flag(id="coverage_below_target", severity="high", value=coverage.ratio, threshold=coverage.target,
                          unit="ratio", metric="pipeline_coverage", period=target.label,
                          message=(f"{target.label} coverage is {coverage.ratio:.1f}x the remaining quota "
                                   f"({money(coverage.remaining_quota)}); target {coverage.target:.1f}x.")))
    if pipeline > 0:
        early_max = float(cfg["early_stage_max_probability"])
        early = np.flatnonzero(period.prior <= early_max)
        share = float(period.amount[early].sum()) / pipeline
        line = float(cfg["early_stage_share_above"])
        if share > line:
            largest = early[np.argsort(-period.amount[early], kind="stable")][:limit]
            flags.append(Flag(id="early_stage_concentration", severity="medium", value=share, threshold=line,
                              unit="fraction", metric="early_stage_share", period=target.label,
                              items=[period.ids[int(period.index[i])] for i in largest],
                              message=(f"{share:.0%} of {target.label} pipeline sits in stages at or below "
                                       f"{early_max:.0%} probability.")))
    if weighted.sum() > 0:
        top = int(np.argmax(weighted))
        share = float(weighted[top] / weighted.sum())
        line = float(cfg["single_deal_share_above"])
        if share > line:
            flags.append(Flag(id="single_deal_concentration", severity="medium", value=share, threshold=line,
                              unit="fraction", metric="single_deal_share", period=target.label,
                              items=[period.ids[int(period.index[top])]],
                              message=(f"One deal ({period.name(top)}, {money(float(period.amount[top]))}) carries "
                                       f"{share:.0%} of the weighted {target.label} forecast.")))
    flags += _stale_flags(deals, stale, reasons, as_of, stale_days, limit)
    return flags


def _stale_flags(deals: Deals, stale: list[int], reasons: dict[int, list[str]], as_of: date, stale_days: int,
                 limit: int) -> list[Flag]:
    money = currency_formatter(deals.currency)
    flags = []
    past = [i for i in stale if deals.close[i] < as_of.toordinal()]
    silent = [i for i in stale if any(r.startswith("no activity") for r in reasons[i])]
    if past:
        amount = float(deals.amount[past].sum())
        flags.append(Flag(id="stale_deals", severity="medium", value=float(len(past)), unit="count",
                          metric="past_due_deals", items=[deals.ids[int(deals.index[i])] for i in past[:limit]],
                          message=(f"{len(past)} open deal(s) worth {money(amount)} have a close date before "
                                   f"{as_of}; they are counted from {as_of} — update or close them.")))
    if silent:
        amount = float(deals.amount[silent].sum())
        flags.append(Flag(id="inactive_deals", severity="medium", value=float(len(silent)), unit="count",
                          metric="days_since_activity",
                          items=[deals.ids[int(deals.index[i])] for i in silent[:limit]],
                          message=(f"{len(silent)} open deal(s) worth {money(amount)} have had no activity for more "
                                   f"than {stale_days} days; confirm they are alive before counting on them.")))
    return flags


# ---------------------------------------------------------------------------------------------
# Output


def render(result: ForecastResult, lang: Lang = "en") -> str:
    T = ToolTexts(NAME, lang)
    mc = result.monte_carlo
    money = currency_formatter(result.currency)
    lines = [
        T("title", period=result.period, start=result.period_start, end=result.period_end, as_of=result.as_of),
        T("source", file=result.file, format=result.format, open=result.open_deals, pipeline=money(result.open_pipeline),
          period_deals=result.period_deals, period=result.period, period_pipeline=money(result.period_pipeline)),
    ]
    if result.booked:
        lines.append(T("booked", period=result.period, booked=money(result.booked)))
    lines += [
        "",
        T("weighted"),
        T("scenarios", conservative=money(result.weighted.conservative), base=money(result.weighted.base),
          upside=money(result.weighted.upside)),
        T("monte_carlo", scenario=T.term(mc.scenario), runs=f"{mc.simulations:,}", seed=mc.seed, shock=f"{mc.shock:g}"),
        T("percentiles", p10=money(mc.p10), p50=money(mc.p50), p90=money(mc.p90), mean=money(mc.mean)),
    ]
    if result.coverage:
        c = result.coverage
        ratio = f"{c.ratio:.1f}x" if c.ratio is not None else T("quota_met")
        lines.append(T("coverage", pipeline=money(c.pipeline), remaining=money(c.remaining_quota), ratio=ratio,
                       target=f"{c.target:.1f}x", p=f"{c.p_reach_quota:.1%}"))
    lines += ["", T("by_period")]
    for p in result.by_period:
        lines.append(T("period_row", period=pad(p.period, 8), deals=p.deals, pipeline=money(p.pipeline),
                       weighted=money(p.weighted), p10=money(p.p10), p90=money(p.p90)))
    if result.by_stage:
        lines += ["", T("by_stage", period=result.period)]
        for s in result.by_stage:
            source = ", ".join(T.term(part) for part in s.source.split(", "))
            lines.append(T("stage_row", stage=pad(s.stage, 24), deals=s.deals, pipeline=money(s.pipeline),
                           probability=f"{s.probability:.0%}", weighted=money(s.weighted), source=source))
    if result.by_owner:
        limit = int(config()["list_limit"])
        owners = result.by_owner[:limit]
        cut = T("top_of", shown=len(owners), total=len(result.by_owner)) if len(owners) < len(result.by_owner) else ""
        lines += ["", T("by_owner", period=result.period, cut=cut)]
        for g in owners:
            lines.append(T("owner_row", owner=pad(g.key, 24), deals=g.deals, pipeline=money(g.pipeline),
                           weighted=money(g.weighted)))
    if result.forecast_categories is not None:
        fc = result.forecast_categories
        lines += ["", T("categories", period=result.period),
                  T("categories_row", closed=money(fc.closed), commit=money(fc.commit), best_case=money(fc.best_case),
                    pipeline=money(fc.pipeline), omitted=money(fc.omitted))
                  + (T("categories_blank", amount=money(fc.uncategorized)) if fc.uncategorized else ""),
                  T("categories_calls", commit_call=money(fc.commit_call), best_case_call=money(fc.best_case_call)),
                  T("categories_simulated", p50=money(result.booked + mc.p50), p10=money(result.booked + mc.p10),
                    p90=money(result.booked + mc.p90))]
    if result.stale_deals:
        cut = T("top_of", shown=len(result.stale_deals), total=result.stale_count) \
            if len(result.stale_deals) < result.stale_count else ""
        lines += ["", T("stale", cut=cut)]
        for d in result.stale_deals:
            lines.append(T("stale_row", name=d.name, amount=money(d.amount), stage=d.stage, owner=d.owner,
                           reasons=T("list_separator").join(T.say(r) for r in d.reasons)))
    if result.calibration is not None:
        lines += ["", T("calibration")]
        for c in result.calibration:
            observed = f"{c.observed_rate:.0%}" if c.observed_rate is not None else T("n_a")
            lines.append(T("calibration_row", stage=pad(c.stage, 24), won=c.won, closed=c.closed, observed=observed,
                           prior=f"{c.prior:.0%}", calibrated=f"{c.calibrated:.0%}", used=T.term(c.used),
                           reason=T.say(c.reason)))
    lines += ["", T("flags") if result.flags else T("flags_none")]
    for f in result.flags:
        lines.append(T("flag", severity=T.term(f.severity), id=f.id, message=T.say(f.message)))
    for w in result.warnings:
        lines.append(T("warning", text=T.say(w)))
    return "\n".join(lines)


def plot(result: ForecastResult, path: Path) -> None:
    """Fan chart: cumulative simulated bookings by period (P10–P90 and P25–P75 bands, median)."""
    import matplotlib.ticker


    with figure(path, figsize=(8, 4.5)) as (_fig, ax):
        _draw_fan(result, ax, matplotlib.ticker)


def _draw_fan(result: ForecastResult, ax: Any, ticker: Any) -> None:
    labels = [p.period for p in result.fan_chart]
    xs = list(range(len(labels)))
    ax.fill_between(xs, [p.p10 for p in result.fan_chart], [p.p90 for p in result.fan_chart],
                    alpha=0.25, color="tab:blue", label="P10–P90")
    ax.fill_between(xs, [p.p25 for p in result.fan_chart], [p.p75 for p in result.fan_chart],
                    alpha=0.45, color="tab:blue", label="P25–P75")
    ax.plot(xs, [p.p50 for p in result.fan_chart], color="tab:blue", marker="o", label="median")
    if result.coverage is not None and result.period in labels:
        i = labels.index(result.period)
        ax.scatter([i], [result.coverage.remaining_quota], color="tab:red", zorder=5,
                   label=f"remaining quota {result.period}")
    ax.set_xticks(xs, labels)
    ax.set_ylabel("cumulative bookings ($)")
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"${v:,.0f}"))
    ax.set_title(f"Pipeline forecast fan chart ({result.monte_carlo.scenario}, as of {result.as_of})")
    ax.legend(loc="upper left")


SPEC = ToolSpec(
    name=NAME,
    summary=summary_of(NAME),
    role="cro",
    input_help=("pipeline CSV/JSON: our columns (deal_id, name, stage, amount, close_date, owner, segment[, "
                "probability, created_date]), a Salesforce opportunity report or a HubSpot deal export"),
    sample="pipeline.csv",
    options=ForecastOptions,
    result=ForecastResult,
    run=run,
    render=render,
    data_kinds=("pipeline",),
    plot=plot,
)
