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
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from csuite.errors import InputError
from csuite.io.numbers import usd
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
    infer_date_order,
    parse_bool,
    parse_date,
    parse_money,
    parse_number,
    parse_percent,
    parse_period,
    period_of,
)
from csuite.knowledge.thresholds import section
from csuite.tools.base import (
    Day,
    FilePath,
    Flag,
    Money,
    PeriodLabel,
    Source,
    ToolOptions,
    ToolResult,
    ToolSpec,
)
from csuite.tools.plotting import figure

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
    "owner": ("owner", "opportunity_owner", "deal_owner", "owner_name", "rep", "hubspot_owner_id"),
    "segment": ("segment", "type", "deal_type", "dealtype", "opportunity_type"),
    "created_date": ("created_date", "create_date", "createdate", "createddate", "created"),
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


class Weighted(BaseModel):
    conservative: float
    base: float
    upside: float


class MonteCarlo(BaseModel):
    scenario: Scenario
    p10: float
    p50: float
    p90: float
    mean: float
    std: float
    standard_error: float
    simulations: int
    seed: int
    shock: float
    p_reach_quota: float | None = None


class Coverage(BaseModel):
    quota: float
    booked: float
    remaining_quota: float
    pipeline: float
    ratio: float | None            # open pipeline in period ÷ remaining quota; None once quota is met
    weighted_ratio: float | None
    target: float
    p_reach_quota: float


class PeriodRow(BaseModel):
    period: str
    start: date
    end: date
    deals: int
    pipeline: float
    weighted: float                # base, Σ amount × probability of deals closing in the period
    expected: float                # the simulated scenario's expectation (includes slip in/out)
    p10: float
    p50: float
    p90: float


class FanPoint(BaseModel):
    period: str
    p10: float
    p25: float
    p50: float
    p75: float
    p90: float


class GroupRow(BaseModel):
    key: str
    deals: int
    pipeline: float
    weighted: float


class StageRow(BaseModel):
    stage: str
    deals: int
    pipeline: float
    probability: float
    weighted: float
    source: str
    early: bool


class CalibrationRow(BaseModel):
    stage: str
    closed: int
    won: int
    lost: int
    observed_rate: float | None
    prior: float
    calibrated: float
    used: Literal["calibrated", "prior"]
    reason: str


class DealRef(BaseModel):
    deal_id: str
    name: str
    stage: str
    amount: float
    close_date: date
    owner: str


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
    open_deals: int
    open_pipeline: float           # every open deal, all periods
    period_deals: int
    period_pipeline: float
    booked: float                  # closed-won rows in the file with a close date in the period
    weighted: Weighted
    monte_carlo: MonteCarlo
    coverage: Coverage | None
    by_period: list[PeriodRow]
    by_owner: list[GroupRow]
    by_segment: list[GroupRow]
    by_stage: list[StageRow]
    calibration: list[CalibrationRow] | None
    stale_deals: list[DealRef]
    stale_count: int
    period_top_deals: list[PeriodDeal] = Field(default_factory=list, description="largest open deals in the period")
    fan_chart: list[FanPoint]
    scenarios: dict[str, dict[str, float]]
    closed_rows: dict[str, int]


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
    if keys & {"opportunity_id", "opportunity_name", "opportunity_owner", "stagename", "forecast_category"}:
        return "salesforce"
    return "ours"


@dataclass(slots=True)
class Deal:
    row: int
    deal_id: str
    name: str
    stage: str
    key: str
    amount: float
    close: date
    owner: str
    segment: str
    prior: float
    source: str


@dataclass
class Parsed:
    open: list[Deal]
    won: list[Deal]
    lost: int
    warnings: list[str]


def _date_order(table: Table, mapping: dict[str, str], fieldname: str,
                given: DateOrder | None) -> DateOrder | None:
    if given or fieldname not in mapping:
        return given
    header = mapping[fieldname]
    try:
        return infer_date_order(str(r.get(header, "")) for r in table.rows)
    except InputError as exc:
        raise exc.located(file=table.file, field=header) from None


def _value(record: dict[str, Any], header: str | None) -> Any:
    """A cell's value, or None when the column is absent or the cell blank."""
    if header is None:
        return None
    value = record.get(header)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def percent_column(table: Table, header: str | None) -> bool:
    """Whether a probability column holds percents, decided once for the whole column.

    A "Probability (%)" header says so; so does any bare value above 1 (10, 20, 1 is 10%, 20%, 1%,
    not 10%, 20%, 100%). Otherwise bare values are fractions (0.1, 0.2, 1 is 10%, 20%, 100%).
    Cells written with a % sign read as percents either way."""
    if header is None:
        return False
    if "%" in header:
        return True
    for record in table.rows:
        raw = record.get(header)
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


def read_probability(raw: Any, is_percent: bool, file: str, row: int, header: str | None) -> float:
    """A deal's probability, read the way its column was decided (see percent_column)."""
    try:
        value = parse_percent(raw, fraction_max=0.0 if is_percent else 1.0)
    except InputError as exc:
        raise exc.located(file=file, row=row, field=header) from None
    if value > 1:
        raise InputError(f"probability {value:.0%} is above 100%", file=file, row=row, field=header)
    return value


def read_deals(table: Table, stages: StageTable, date_order: DateOrder | None) -> Parsed:
    """Parse and validate every row; collect unknown stages so one error names them all."""
    mapping = resolve_columns(table, COLUMN_ALIASES, REQUIRED)
    close_order = _date_order(table, mapping, "close_date", date_order)
    prob_header = mapping.get("probability")
    # Fraction or percent is decided once per column, never cell by cell.
    prob_is_percent = percent_column(table, prob_header)
    date_cache: dict[str, date] = {}
    key_cache: dict[str, str] = {}
    amount_cache: dict[str, float] = {}
    seen_ids: dict[str, int] = {}
    seen_rows: dict[tuple, int] = {}
    currencies: dict[str, int] = {}
    unknown: dict[str, int] = {}
    parsed = Parsed(open=[], won=[], lost=0, warnings=list(table.warnings))
    f = table.file
    h_id, h_stage, h_amount, h_close = (mapping.get(k) for k in ("deal_id", "stage", "amount", "close_date"))
    h_owner, h_segment, h_name, h_account, h_currency = (
        mapping.get(k) for k in ("owner", "segment", "name", "account", "currency"))
    won_keys, lost_keys, overrides = stages.won, stages.lost, stages.overrides
    for row, record in table:
        deal_id = _value(record, h_id)
        if deal_id is not None:
            deal_id = str(deal_id)
            if deal_id in seen_ids:
                raise InputError(f"deal '{deal_id}' already appears in row {seen_ids[deal_id]}; remove the duplicate",
                                 file=f, row=row, field=h_id)
            seen_ids[deal_id] = row
        else:
            signature = tuple(sorted((k, str(v)) for k, v in record.items()))
            if signature in seen_rows:
                raise InputError(f"repeats row {seen_rows[signature]} exactly; remove the duplicate", file=f, row=row)
            seen_rows[signature] = row
            deal_id = f"row {row}"
        stage = _value(record, h_stage)
        if stage is None:
            raise InputError("stage is empty", file=f, row=row, field=h_stage)
        stage = str(stage)
        key = key_cache.get(stage)
        if key is None:
            key = key_cache[stage] = stages.key(stage)
        raw_amount = _value(record, h_amount)
        if raw_amount is None:
            raise InputError("amount is empty", file=f, row=row, field=h_amount)
        # Always parse_money (its MAX_AMOUNT and digit checks matter); cache by text for speed.
        amount = amount_cache.get(raw_amount) if isinstance(raw_amount, str) else None
        if amount is None:
            try:
                amount = parse_money(raw_amount)
            except InputError as exc:
                raise exc.located(file=f, row=row, field=h_amount) from None
            if isinstance(raw_amount, str):
                amount_cache[raw_amount] = amount
        code = currency_code(raw_amount, _value(record, h_currency))
        if code:
            currencies.setdefault(code, row)
        raw_close = _value(record, h_close)
        if raw_close is None:
            raise InputError("close date is empty", file=f, row=row, field=h_close)
        text = str(raw_close)
        close = date_cache.get(text)
        if close is None:
            try:
                close = parse_date(raw_close, date_order=close_order)
            except InputError as exc:
                raise exc.located(file=f, row=row, field=h_close) from None
            date_cache[text] = close
        owner = str(_value(record, h_owner) or "(no owner)")
        segment = str(_value(record, h_segment) or "(no segment)")
        name = str(_value(record, h_name) or _value(record, h_account) or deal_id)
        if key in won_keys:
            parsed.won.append(Deal(row, deal_id, name, stage, key, amount, close, owner, segment, 1.0, "closed"))
            continue
        if key in lost_keys:
            parsed.lost += 1
            continue
        raw_prob = _value(record, prob_header)
        if key in overrides:
            prior: tuple[float, str] | None = (overrides[key], "stage map")
        elif raw_prob is not None:
            prior = (read_probability(raw_prob, prob_is_percent, f, row, prob_header), "export probability")
        else:
            prior = stages.default(key)
        if prior is None:
            unknown.setdefault(stage, row)
            continue
        parsed.open.append(Deal(row, deal_id, name, stage, key, amount, close, owner, segment, prior[0], prior[1]))
    if unknown:
        names = ", ".join(f"'{s}' (row {r})" for s, r in unknown.items())
        known = ", ".join(stages.known())
        first = next(iter(unknown.values()))
        raise InputError(
            f"unknown stage(s) {names}; {stages.fmt} stages with a default probability: {known}. "
            "Map them with --stage-map FILE (stage, probability) or add a probability column",
            file=f, row=first, field=mapping["stage"])
    if len(currencies) > 1:
        codes = ", ".join(f"{c} (row {r})" for c, r in currencies.items())
        raise InputError(f"amounts mix currencies: {codes}; convert them to one currency first",
                         file=f, field=mapping["amount"])
    if not parsed.open and not parsed.won and not parsed.lost:
        raise InputError("has a header but no deal rows", file=f)
    return parsed


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


def calibrate(deals: list[Deal], stages: StageTable, history_path: str) -> tuple[list[CalibrationRow], list[str]]:
    """Per-stage win rate from closed deals (stage at the snapshot → won or lost), shrunk toward
    the prior, used only where the stage has at least `min_sample` closed deals. Updates the
    deals' probabilities in place; returns the table shown to the founder."""
    cfg = config()["calibration"]
    min_sample, weight = int(cfg["min_sample"]), float(cfg["prior_weight"])
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
    by_stage: dict[str, list[Deal]] = defaultdict(list)
    for d in deals:
        by_stage[d.key].append(d)
    rows: list[CalibrationRow] = []
    for key, group in by_stage.items():
        w, l = won.get(key, 0), lost.get(key, 0)
        n = w + l
        stage_prior = stages.default(key)
        prior = stage_prior[0] if stage_prior else sum(d.prior for d in group) / len(group)
        if n >= min_sample:
            for d in group:
                d.prior = (w + weight * d.prior) / (n + weight)
                d.source = "calibrated"
            calibrated = (w + weight * prior) / (n + weight)
            used, reason = "calibrated", f"({w} won + {weight:g} × prior) ÷ ({n} closed + {weight:g})"
        else:
            calibrated = prior
            used = "prior"
            reason = "no closed deals in history" if n == 0 else f"only {n} closed deal(s); need {min_sample}"
        rows.append(CalibrationRow(stage=group[0].stage, closed=n, won=w, lost=l,
                                   observed_rate=(w / n) if n else None, prior=prior,
                                   calibrated=calibrated, used=used, reason=reason))
    unused = sorted(labels[k] for k in set(won) | set(lost) if k not in by_stage)
    warnings = [f"{table.file}: history stage(s) with no open deals, not used: {', '.join(unused)}"] if unused else []
    rows.sort(key=lambda r: r.prior)
    return rows, warnings


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


def run(source: Source, options: ForecastOptions) -> ForecastResult:
    import numpy as np

    cfg = config()
    flags_cfg = cfg["flags"]
    limit = int(cfg["list_limit"])
    as_of = options.as_of or date.today()
    table = read_table(source, name="pipeline")
    if not table.rows:
        raise InputError("has a header but no deal rows", file=table.file)
    fmt = detect_format(table)
    stages = load_stage_table(fmt, options.stage_map)
    parsed = read_deals(table, stages, options.date_order)
    deals = parsed.open
    warnings = parsed.warnings
    calibration = None
    if options.history:
        calibration, extra = calibrate(deals, stages, options.history)
        warnings += extra

    target = parse_period(options.period) if options.period else period_of(as_of, "quarter")
    kind = target.kind
    if target.end < as_of:
        warnings.append(f"period {target.label} ended before the as-of date {as_of}; open deals cannot close in it")
    scen = _scenario_cfg()
    slip_months = int(cfg["slip_months"])

    # Periods: every period a deal can land in (on time or slipped), plus the target; by date.
    period_cache: dict[tuple[int, int], Period] = {}

    def period_for(day: date) -> Period:
        k = (day.year, day.month)
        if k not in period_cache:
            period_cache[k] = period_of(day, kind)
        return period_cache[k]

    landing: dict[date, tuple[Period, Period]] = {}      # effective close → (period, slipped period)
    effective = [d.close if d.close > as_of else as_of for d in deals]
    for e in effective:
        if e not in landing:
            landing[e] = (period_for(e), period_for(add_months(e, slip_months)))
    periods = sorted({p for pair in landing.values() for p in pair} | {target})
    index = {p: i for i, p in enumerate(periods)}
    t_idx = index[target]
    by_date = {e: (index[a], index[b]) for e, (a, b) in landing.items()}
    pairs = np.array([by_date[e] for e in effective], dtype=np.int64).reshape(-1, 2)
    amount = np.array([d.amount for d in deals], dtype=np.float64)
    prob = np.array([d.prior for d in deals], dtype=np.float64)
    per_idx, slip_idx = pairs[:, 0].copy(), pairs[:, 1].copy()
    n_p = len(periods)

    def expected(name: str) -> Any:
        m, s = scen[name]["win_multiplier"], scen[name]["slip_probability"]
        x = np.minimum(prob * m, 1.0)
        return (np.bincount(per_idx, amount * x * (1 - s), minlength=n_p)
                + np.bincount(slip_idx, amount * x * s, minlength=n_p))

    exp = {name: expected(name) for name in SCENARIOS}
    weighted = Weighted(**{name: float(exp[name][t_idx]) for name in SCENARIOS})

    chosen = scen[options.scenario]
    sim_prob = np.minimum(prob * chosen["win_multiplier"], 1.0)
    totals = simulate(amount, sim_prob, per_idx, slip_idx, n_p, simulations=options.simulations,
                      seed=options.seed, shock=options.shock, slip=chosen["slip_probability"])
    target_runs = totals[:, t_idx]
    p10, p50, p90 = (float(v) for v in np.percentile(target_runs, [10, 50, 90]))
    std = float(target_runs.std(ddof=1))

    booked = sum(d.amount for d in parsed.won if target.contains(d.close))
    in_target = per_idx == t_idx
    period_pipeline = float(amount[in_target].sum())
    period_deals = int(in_target.sum())
    period_weighted_base = float((amount * prob)[in_target].sum())

    coverage = None
    p_quota = None
    if options.quota is not None:
        remaining = max(options.quota - booked, 0.0)
        p_quota = float((target_runs >= remaining).mean()) if remaining > 0 else 1.0
        ratio = period_pipeline / remaining if remaining > 0 else None
        coverage = Coverage(
            quota=options.quota, booked=booked, remaining_quota=remaining, pipeline=period_pipeline,
            ratio=ratio, weighted_ratio=(period_weighted_base / remaining) if remaining > 0 else None,
            target=float(section("benchmarks")["pipeline_coverage_target"]), p_reach_quota=p_quota)

    monte_carlo = MonteCarlo(
        scenario=options.scenario, p10=p10, p50=p50, p90=p90, mean=float(target_runs.mean()), std=std,
        standard_error=std / math.sqrt(options.simulations), simulations=options.simulations,
        seed=options.seed, shock=options.shock, p_reach_quota=p_quota)

    pct = np.percentile(totals, [10, 50, 90], axis=0)
    counts = np.bincount(per_idx, minlength=n_p)
    pipe = np.bincount(per_idx, amount, minlength=n_p)
    wbase = np.bincount(per_idx, amount * prob, minlength=n_p)
    by_period = [PeriodRow(period=p.label, start=p.start, end=p.end, deals=int(counts[i]), pipeline=float(pipe[i]),
                           weighted=float(wbase[i]), expected=float(exp[options.scenario][i]),
                           p10=float(pct[0, i]), p50=float(pct[1, i]), p90=float(pct[2, i]))
                 for i, p in enumerate(periods)
                 if counts[i] or i == t_idx or exp[options.scenario][i] > 0]
    cum = np.percentile(np.cumsum(totals, axis=1), [10, 25, 50, 75, 90], axis=0)
    fan = [FanPoint(period=p.label, p10=float(cum[0, i]), p25=float(cum[1, i]), p50=float(cum[2, i]),
                    p75=float(cum[3, i]), p90=float(cum[4, i])) for i, p in enumerate(periods)]

    # Tables for the target period.
    period_list = [d for d, i in zip(deals, per_idx) if i == t_idx]
    early_max = float(flags_cfg["early_stage_max_probability"])
    by_owner = _group(period_list, lambda d: d.owner)
    by_segment = _group(period_list, lambda d: d.segment)
    stage_groups: dict[str, list[Deal]] = defaultdict(list)
    for d in period_list:
        stage_groups[d.key].append(d)
    by_stage = []
    for group in stage_groups.values():
        pipe_g = sum(d.amount for d in group)
        w_g = sum(d.amount * d.prior for d in group)
        probs = {round(d.prior, 6) for d in group}
        p_show = group[0].prior if len(probs) == 1 else (w_g / pipe_g if pipe_g else sum(d.prior for d in group) / len(group))
        sources = sorted({d.source for d in group})
        by_stage.append(StageRow(stage=group[0].stage, deals=len(group), pipeline=pipe_g, probability=p_show,
                                 weighted=w_g, source=", ".join(sources), early=p_show <= early_max))
    by_stage.sort(key=lambda r: (r.probability, r.stage))

    stale = sorted((d for d in deals if d.close < as_of), key=lambda d: (-d.amount, d.close))
    stale_refs = [DealRef(deal_id=d.deal_id, name=d.name, stage=d.stage, amount=d.amount, close_date=d.close,
                          owner=d.owner) for d in stale[:limit]]

    top_deals = [PeriodDeal(deal_id=d.deal_id, name=d.name, stage=d.stage, amount=d.amount, close_date=d.close,
                            owner=d.owner, probability=d.prior, weighted=d.amount * d.prior)
                 for d in sorted(period_list, key=lambda d: (-d.amount, d.close, d.deal_id))[:limit]]
    flags = _flags(target, as_of, period_list, period_pipeline, period_weighted_base, coverage, stale,
                   flags_cfg, limit)
    return ForecastResult(
        file=table.file, format=fmt, as_of=as_of, period=target.label, period_start=target.start,
        period_end=target.end, open_deals=len(deals), open_pipeline=float(amount.sum()),
        period_deals=period_deals, period_pipeline=period_pipeline, booked=booked, weighted=weighted,
        monte_carlo=monte_carlo, coverage=coverage, by_period=by_period, by_owner=by_owner,
        by_segment=by_segment, by_stage=by_stage, calibration=calibration, stale_deals=stale_refs,
        stale_count=len(stale), period_top_deals=top_deals, flags=flags, fan_chart=fan, scenarios=scen,
        closed_rows={"won": len(parsed.won), "lost": parsed.lost}, warnings=warnings)


def _group(deals: list[Deal], key: Any) -> list[GroupRow]:
    acc: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for d in deals:
        row = acc[key(d)]
        row[0] += 1
        row[1] += d.amount
        row[2] += d.amount * d.prior
    rows = [GroupRow(key=k, deals=int(v[0]), pipeline=v[1], weighted=v[2]) for k, v in acc.items()]
    return sorted(rows, key=lambda r: (-r.weighted, r.key))


def _flags(target: Period, as_of: date, period_list: list[Deal], pipeline: float, weighted_base: float,
           coverage: Coverage | None, stale: list[Deal], cfg: dict[str, Any], limit: int) -> list[Flag]:
    flags: list[Flag] = []
    if not period_list:
        flags.append(Flag(id="empty_period", severity="high", value=0.0,
                          message=f"No open deals close in {target.label}; the forecast for it rests on new pipeline only."))
    if coverage is not None and coverage.ratio is not None and coverage.ratio < coverage.target:
        flags.append(Flag(id="coverage_below_target", severity="high", value=coverage.ratio, threshold=coverage.target,
                          message=(f"{target.label} coverage is {coverage.ratio:.1f}x the remaining quota "
                                   f"(${coverage.remaining_quota:,.0f}); target {coverage.target:.1f}x.")))
    if pipeline > 0:
        early_max = float(cfg["early_stage_max_probability"])
        early = [d for d in period_list if d.prior <= early_max]
        share = sum(d.amount for d in early) / pipeline
        limit_share = float(cfg["early_stage_share_above"])
        if share > limit_share:
            flags.append(Flag(id="early_stage_concentration", severity="medium", value=share, threshold=limit_share,
                              items=[d.deal_id for d in sorted(early, key=lambda d: -d.amount)[:limit]],
                              message=(f"{share:.0%} of {target.label} pipeline sits in stages at or below "
                                       f"{early_max:.0%} probability.")))
    if weighted_base > 0:
        top = max(period_list, key=lambda d: d.amount * d.prior)
        share = top.amount * top.prior / weighted_base
        limit_share = float(cfg["single_deal_share_above"])
        if share > limit_share:
            flags.append(Flag(id="single_deal_concentration", severity="medium", value=share, threshold=limit_share,
                              items=[top.deal_id],
                              message=(f"One deal ({top.name}, ${top.amount:,.0f}) carries {share:.0%} of the "
                                       f"weighted {target.label} forecast.")))
    if stale:
        amount = sum(d.amount for d in stale)
        flags.append(Flag(id="stale_deals", severity="medium", value=float(len(stale)),
                          items=[d.deal_id for d in stale[:limit]],
                          message=(f"{len(stale)} open deal(s) worth ${amount:,.0f} have a close date before "
                                   f"{as_of}; they are counted from {as_of} — update or close them.")))
    return flags


# ---------------------------------------------------------------------------------------------
# Output


def render(result: ForecastResult) -> str:
    mc = result.monte_carlo
    lines = [
        f"Pipeline forecast for {result.period} ({result.period_start} to {result.period_end}), as of {result.as_of}",
        f"Source: {result.file} ({result.format} format); {result.open_deals} open deals worth "
        f"{usd(result.open_pipeline)}; {result.period_deals} close in {result.period} "
        f"({usd(result.period_pipeline)}).",
    ]
    if result.booked:
        lines.append(f"Already booked in {result.period}: {usd(result.booked)}")
    lines += [
        "",
        "Weighted forecast (open deals in the period):",
        f"  conservative {usd(result.weighted.conservative)}   base {usd(result.weighted.base)}   "
        f"upside {usd(result.weighted.upside)}",
        f"Monte Carlo ({mc.scenario}, {mc.simulations:,} runs, seed {mc.seed}, shock {mc.shock:g}):",
        f"  P10 {usd(mc.p10)}   P50 {usd(mc.p50)}   P90 {usd(mc.p90)}   mean {usd(mc.mean)}",
    ]
    if result.coverage:
        c = result.coverage
        ratio = f"{c.ratio:.1f}x" if c.ratio is not None else "n/a (quota already met)"
        lines.append(f"Coverage: {usd(c.pipeline)} pipeline ÷ {usd(c.remaining_quota)} remaining quota = "
                     f"{ratio} (target {c.target:.1f}x); P(reach quota) {c.p_reach_quota:.1%}")
    lines += ["", "By period (base weighted; P10–P90 of the simulated scenario):"]
    for p in result.by_period:
        lines.append(f"  {p.period:<8} {p.deals:>4} deals  {usd(p.pipeline):>13}  weighted {usd(p.weighted):>12}"
                     f"  P10–P90 {usd(p.p10)}–{usd(p.p90)}")
    if result.by_stage:
        lines += ["", f"By stage in {result.period}:"]
        for s in result.by_stage:
            lines.append(f"  {s.stage:<24} {s.deals:>3} deals  {usd(s.pipeline):>12} × {s.probability:.0%}"
                         f" = {usd(s.weighted):>11}  ({s.source})")
    if result.by_owner:
        limit = int(config()["list_limit"])
        owners = result.by_owner[:limit]
        cut = f" (top {len(owners)} of {len(result.by_owner)})" if len(owners) < len(result.by_owner) else ""
        lines += ["", f"By owner in {result.period}{cut}:"]
        for g in owners:
            lines.append(f"  {g.key:<24} {g.deals:>3} deals  {usd(g.pipeline):>12}  weighted {usd(g.weighted)}")
    if result.calibration is not None:
        lines += ["", "Calibrated win rates (--history):"]
        for c in result.calibration:
            obs = f"{c.observed_rate:.0%}" if c.observed_rate is not None else "n/a"
            lines.append(f"  {c.stage:<24} {c.won}/{c.closed} won ({obs})  prior {c.prior:.0%} → "
                         f"{c.calibrated:.0%} [{c.used}: {c.reason}]")
    lines += ["", "Flags:" if result.flags else "Flags: none"]
    for f in result.flags:
        lines.append(f"  [{f.severity}] {f.id}: {f.message}")
    for w in result.warnings:
        lines.append(f"Warning: {w}")
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
    summary="Pipeline forecast: weighted scenarios, Monte Carlo P10/P50/P90, coverage for one period, flags",
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
