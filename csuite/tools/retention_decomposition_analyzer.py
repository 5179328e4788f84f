"""Honest retention: GRR beside NRR per cohort, the churn taxonomy, preventable share, leaky bucket.

The CCO's question is "is our retention number real?". A healthy NRR can hide a leak (a few
accounts expanding while many churn), so this tool always reports GRR and logo retention next
to NRR, per cohort and overall, and classifies every churned dollar into seven categories.

Two inputs, detected by header:

1. **Cohort summaries** (CSV/JSON/YAML, one row per cohort). Cohorts are disjoint groups of
   customers (acquisition quarters, segments) measured over the same window (`--window`,
   default 12). "Overall" is the sum of the cohorts. Columns:

   - `cohort` (or `name`): a label; `2024-Q3`, `Q3 2024` or `2024-07` orders the trend by date,
     otherwise the file order is used (optional `cohort_start` date column overrides).
   - `starting_customers`, `starting_arr`: customers active at the window start and their ARR then.
   - `churned_customers`, `churned_arr`: customers gone (ARR 0) at the window end, counted at
     their **full starting ARR — before any contraction**. A customer who went $100K → $60K → $0
     is $100K of churn and $0 of contraction.
   - `contraction_arr`: ARR lost by customers **still active** at the end (starting minus ending
     ARR, per customer, where ending is lower). Never includes churned customers.
   - `expansion_arr`: ARR gained by customers still active at the end (per customer).
   - `ending_arr`: the same starting customers' ARR at the end; new logos excluded.
   - `renewed_arr` (optional, instead of `contraction_arr`): starting ARR kept = starting − churned
     − contraction, i.e. already **after** churn and contraction and before expansion. It is never
     reduced again: GRR = renewed ÷ starting.
   - `ending_customers` (optional): must equal starting − churned.
   - `churn_reasons`: `reason: count ($ARR); reason: count ($ARR)` (ARR optional), or in JSON a
     list of `{reason, customers, arr}` or a `{reason: count}` object.

   Reconciliation: starting − churned − contraction + expansion must equal ending. A gap up to
   max($1, 0.5% of starting ARR) (thresholds.yaml) is rounding: the components are used and a
   warning names the gap. A larger gap is refused (exit 2, naming the row): any NRR printed
   would be one of two contradictory numbers. One missing amount is derived from the others
   (e.g. expansion = ending − renewed); two missing is an error.

2. **Revenue snapshots** (`account_id, period, mrr|arr`) or a Stripe subscriptions export: read
   and measured by `csuite.tools.snapshots` — the same `retention_window` as churn_analyzer, so
   NRR, GRR and logo retention are identical on the same file. `--accounts FILE` adds
   `churn_reason` and `segment`. Cohorts are start quarters (`--cohort-by segment` for segments).

Definitions (window frozen at its start; new logos excluded): GRR = (start − churned −
contraction) ÷ start; NRR = (start − churned − contraction + expansion) ÷ start; logo retention =
(starting − churned customers) ÷ starting. Undefined ratios (zero start) are n/a, never 0%.

Verdicts use `retention_by_stage` (growth or scale) and the leaky-bucket rule is the
`alerts.leaky_bucket` conditions (NRR > 100% and GRR < 85%), both from thresholds.yaml. The
thresholds are annual; for a shorter or longer window the window's figures are annualised by
compounding (r ** (12 / months)) before comparison.

Churn taxonomy: csuite/data/churn_taxonomy.yaml (seven categories, keyword map, order of
precedence). Unmapped reasons are listed with their customers and ARR, never dropped.
Preventable share = (product_fit + no_value_realized + tactical_failure) ÷ classified churn, by
ARR when every reason has an ARR, else by customers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache, partial
from itertools import repeat
from operator import attrgetter
from typing import Any, Callable, Iterator, Literal, NamedTuple, Sequence

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from csuite.errors import InputError, UsageError
from csuite.fields import new_list
from csuite.io.columns import money_values
from csuite.io.numbers import pct, usd
from csuite.io.tables import (
    Source,
    Table,
    read_header,
    read_table,
    resolve_columns,
)
from csuite.io.text import keyword_pattern, normalise_words
from csuite.io.values import (
    Period,
    parse_date,
    parse_int,
    parse_money,
    parse_period,
    parse_quarter,
    quarter_period,
)
from csuite.knowledge.bilingual import LANGS, Bilingual, Lang
from csuite.knowledge.thresholds import alert_rules, section
from csuite.resources import load_data_yaml
from csuite.tools import snapshots as S
from csuite.tools.base import (
    Amount,
    Count,
    Day,
    FilePath,
    MonthCount,
    PeriodLabel,
    Share,
    ToolOptions,
    ToolResult,
    ToolSpec,
    prebuilt,
)
from csuite.tools.registry import summary_of
from csuite.tools.texts import ToolTexts, churn_category_label, pad

NAME = "retention_decomposition_analyzer"
CATEGORIES = ("product_fit", "competitor_loss", "no_value_realized", "pricing", "champion_left",
              "company_event", "tactical_failure")

# Cohort-summary columns (logical field → accepted header names, compared as canonical keys).
COLUMN_ALIASES: dict[str, list[str]] = {
    "cohort": ["name", "cohort_name", "cohort_label", "segment", "acquisition_cohort", "signup_quarter"],
    "cohort_start": ["period_start", "cohort_start_date", "start_date"],
    "starting_customers": ["start_customers", "beginning_customers", "opening_customers", "customers_start",
                           "starting_logos", "start_logos"],
    "starting_arr": ["start_arr", "beginning_arr", "opening_arr", "arr_start"],
    "churned_customers": ["churned_logos", "lost_customers", "churn_count", "churned_count", "churned_accounts"],
    "churned_arr": ["churn_arr", "lost_arr", "churned_revenue"],
    "contraction_arr": ["contraction", "downgrade_arr", "downgrades", "contracted_arr"],
    "expansion_arr": ["expansion", "upsell_arr", "expansions", "expanded_arr"],
    "ending_arr": ["end_arr", "closing_arr", "arr_end"],
    "ending_customers": ["end_customers", "closing_customers", "retained_customers", "renewed_customers"],
    "renewed_arr": ["retained_arr", "renewal_arr"],
    "churn_reasons": ["reasons", "churn_reason_counts", "churn_reason"],
}
Status = Literal["healthy", "concerning", "critical", "n/a"]
_SEVERITY = {"n/a": -1, "healthy": 0, "concerning": 1, "critical": 2}


# ----------------------------------------------------------------------------- options and results

class RetentionOptions(ToolOptions):
    stage: Literal["growth", "scale"] | None = Field(
        None, description="thresholds to judge against (retention_by_stage in thresholds.yaml); "
        "default: growth below $10M starting ARR, else scale")
    window: int = Field(12, ge=1, le=60, validation_alias=AliasChoices("window", "window_months"),
                        description="length of the measurement window in months "
                               "(cohort summaries: what the amounts cover; snapshots: the trailing window)")
    accounts: FilePath | None = Field(None, description="snapshots only: accounts file adding churn_reason and segment")
    period: PeriodLabel | None = Field(None, validation_alias=AliasChoices("period", "end"),
                                       description="snapshots only: last month of the window (YYYY-MM; "
                                    "a quarter means its last month); default: the last month in the data")
    cohort_by: Literal["start_quarter", "segment"] = Field(
        "start_quarter", description="snapshots only: group accounts by the quarter they started or by "
        "segment (needs --accounts)")
    as_of: Day | None = Field(None, description="snapshots: ignore months after this date (cohort summaries are "
                              "already measured; recorded only)")


class ReasonOut(BaseModel):
    """One churn reason of a cohort. A value (frozen): cohorts whose cells give the same reason
    share one instance."""

    model_config = ConfigDict(frozen=True)

    reason: str
    category: str | None = Field(description="taxonomy category, or None when unmapped")
    customers: Count
    arr: Amount | None


class CategoryOut(BaseModel):
    category: str
    label: str
    preventable: bool
    customers: Count
    arr: Amount | None
    share: Share | None = Field(description="of classified churn, on the basis in churn_reasons.basis")


class ChurnReasons(BaseModel):
    basis: Literal["arr", "customers"]
    categories: list[CategoryOut]
    unmapped: list[ReasonOut]
    classified_customers: Count
    classified_arr: Amount | None
    unexplained_customers: Count = Field(description="churned customers with no reason given")
    unexplained_arr: Amount | None


class Driver(BaseModel):
    category: str
    label: str
    customers: Count
    arr: Amount | None
    share: Share | None
    reasons: list[str]


class MetricVerdict(BaseModel):
    metric: str
    value: Share | None
    annualized: Share | None
    healthy_at: Share
    concerning_at: Share
    status: Status


class Verdict(BaseModel):
    stage: Literal["growth", "scale"]
    stage_basis: str
    window_months: MonthCount
    metrics: list[MetricVerdict]
    overall: Status


class CohortOut(BaseModel):
    name: str
    period: str | None
    starting_customers: Count
    churned_customers: Count
    retained_customers: Count
    starting_arr: Amount
    churned_arr: Amount
    contraction_arr: Amount
    expansion_arr: Amount
    ending_arr: Amount
    grr: Share | None
    nrr: Share | None
    logo_retention: Share | None
    churn_rate: Share | None
    contraction_rate: Share | None
    expansion_rate: Share | None
    verdict: Status
    leaky_bucket: bool
    reasons: list[ReasonOut]
    warnings: list[str]


class Trend(BaseModel):
    order: Literal["cohort date", "file order", "not ordered"]
    cohorts: list[str]
    nrr: list[float | None]
    grr: list[float | None]
    logo_retention: list[float | None]
    direction: dict[str, Literal["improving", "declining", "flat", "n/a"]]
    change: dict[str, float | None] = Field(description="least-squares change from first to last cohort")


class CurvePoint(BaseModel):
    month: MonthCount
    at_risk: Count
    churned: Count
    survival: Share


class RetentionResult(ToolResult):
    source: Literal["cohort_summaries", "snapshots"]
    file: str
    window: dict[str, Any]
    starting_customers: Count
    churned_customers: Count
    starting_arr: Amount
    churned_arr: Amount
    contraction_arr: Amount
    expansion_arr: Amount
    ending_arr: Amount
    nrr: Share | None
    grr: Share | None
    logo_retention: Share | None
    churn_rate: Share | None
    contraction_rate: Share | None
    expansion_rate: Share | None
    verdict: Status
    verdict_detail: Verdict
    leaky_bucket: bool
    leaky_bucket_rule: str
    cohorts: list[CohortOut]
    trend: Trend
    churn_reasons: ChurnReasons
    preventable_share: Share | None
    top_drivers: list[Driver]
    logo_curve: list[CurvePoint] = Field(default_factory=new_list,
                                         description="snapshots: pooled Kaplan–Meier logo survival by tenure month")


# ----------------------------------------------------------------------------- taxonomy

@lru_cache(maxsize=1)
def taxonomy() -> dict[str, Any]:
    """The churn taxonomy YAML with compiled keyword patterns (first category to match wins)."""
    data = load_data_yaml("churn_taxonomy.yaml")
    cats = data["categories"]
    if set(cats) != set(CATEGORIES):
        raise RuntimeError(f"churn_taxonomy.yaml must define exactly {CATEGORIES}")
    compiled = []
    direct: dict[str, str] = {}
    labels = {cat_id: Bilingual.model_validate(spec["label"]) for cat_id, spec in cats.items()}
    for cat_id, spec in cats.items():
        direct[normalise_words(cat_id)] = cat_id
        for lang in LANGS:   # a reason written as the label in either language is that category
            direct[normalise_words(labels[cat_id].get(lang))] = cat_id
        compiled.append((cat_id, keyword_pattern(spec["keywords"])))
    return {"compiled": compiled, "direct": direct, "labels": {c: label.en for c, label in labels.items()},
            "label_texts": labels, "preventable": tuple(data["preventable"])}


@lru_cache(maxsize=4096)
def classify_reason(text: str) -> str | None:
    """A free-text churn reason → one of the seven categories, or None (unmapped). Cached: an
    export repeats a handful of reasons across thousands of cohorts."""
    tax = taxonomy()
    norm = normalise_words(text)
    if norm in tax["direct"]:
        return tax["direct"][norm]
    for cat_id, pattern in tax["compiled"]:
        if pattern.search(norm):
            return cat_id
    return None


# ----------------------------------------------------------------------------- parsing cohort summaries

@dataclass(slots=True)
class _Reason:
    reason: str
    customers: int
    arr: float | None


@dataclass(slots=True)
class _Cohort:
    """One cohort after parsing and reconciliation; ending_arr is the reconciled figure."""

    name: str
    period: Period | None
    start_day: date | None
    row: int
    starting_customers: int
    churned_customers: int
    starting_arr: float
    churned_arr: float
    contraction_arr: float
    expansion_arr: float
    ending_arr: float
    reasons: list[_Reason]
    warnings: list[str] = field(default_factory=list)


_REASON_ITEM = re.compile(r"^(?P<reason>.+)[:=]\s*(?P<count>[^:=()]+?)\s*(?:\((?P<arr>[^()]*)\))?\s*$")


def parse_reasons(value: Any) -> list[_Reason]:
    """Churn-reason counts from a cell: 'Too expensive: 2 ($61K); Switched to FloQast: 1 ($42K)',
    a list of {reason, customers|count, arr}, or a {reason: count | {customers, arr}} mapping.
    A text cell is parsed once per distinct text (the result is shared: never mutate it)."""
    if isinstance(value, str):
        return _parse_reason_text(value)
    return _parse_reasons(value)


@lru_cache(maxsize=65536)
def _parse_reason_text(value: str) -> list[_Reason]:
    return _parse_reasons(value)


def _parse_reasons(value: Any) -> list[_Reason]:
    items: list[tuple[str, Any, Any]] = []
    if value is None:
        return []
    if isinstance(value, dict):
        for reason, v in value.items():
            if isinstance(v, dict):
                items.append((str(reason), v.get("customers", v.get("count")), v.get("arr")))
            else:
                items.append((str(reason), v, None))
    elif isinstance(value, list):
        for entry in value:
            if not isinstance(entry, dict) or "reason" not in entry:
                raise InputError("each churn reason must be an object with reason, customers and arr")
            items.append((str(entry["reason"]), entry.get("customers", entry.get("count")), entry.get("arr")))
    else:
        parts = (part.strip() for part in _REASON_SEPARATOR.split(str(value)))
        items = [_reason_part(part) for part in parts if part]
        return _merged_reasons(items, _text_figures)
    return _merged_reasons(items, _reason_figures)


_REASON_SEPARATOR = re.compile(r"[;|\n]")


@lru_cache(maxsize=4096)
def _reason_part(part: str) -> tuple[str, str, str | None]:
    """'Too expensive: 2 ($61K)' → its reason, count and ARR texts (a cell repeats a few parts)."""
    m = _REASON_ITEM.match(part)
    if not m or not m.group("reason").strip():
        raise InputError(f"churn reason '{part}' has no count; write 'reason: count ($ARR)'")
    return m.group("reason").strip(), m.group("count"), m.group("arr")


def _reason_figures(reason: str, count: Any, arr: Any) -> tuple[int, float | None, str]:
    """One reason's customer count, ARR (None when not given) and merge key, checked."""
    if not reason.strip():
        raise InputError("a churn reason is empty")
    if count is None:
        raise InputError(f"churn reason '{reason}' has no customer count")
    try:
        n = parse_int(count, minimum=0)
    except InputError as exc:
        raise InputError(f"churn reason '{reason}': count {exc.message}") from None
    amount = None
    if arr is not None and str(arr).strip():
        try:
            amount = parse_money(arr)
        except InputError as exc:
            raise InputError(f"churn reason '{reason}': ARR {exc.message}") from None
    if n == 0 and amount:
        raise InputError(f"churn reason '{reason}' has ARR but 0 customers")
    return n, amount, normalise_words(reason)


# Text cells hold the same few 'reason: count ($ARR)' parts over and over: each is read once.
_text_figures = lru_cache(maxsize=4096)(_reason_figures)


def _merged_reasons(items: list[tuple[str, Any, Any]],
                    figures: Callable[[str, Any, Any], tuple[int, float | None, str]]) -> list[_Reason]:
    """Reasons in order of first mention; the same reason written twice (any case or spacing) is one."""
    merged: dict[str, _Reason] = {}
    for reason, count, arr in items:
        n, amount, key = figures(reason, count, arr)
        if key in merged:
            old = merged[key]
            old.customers += n
            old.arr = None if old.arr is None or amount is None else old.arr + amount
        else:
            merged[key] = _Reason(reason=reason, customers=n, arr=amount)
    return list(merged.values())


_PERIOD_LIKE = re.compile(r"^\s*(?:[Qq][1-4][\s\-/]*\d{4}|\d{4}[\s\-/]*[Qq][1-4]|\d{4}-\d{2})\s*$")


def _period_of_name(name: str) -> Period | None:
    """A cohort named like a quarter (2025-Q1, Q1 2025, 2025 Q1) or a month (2025-01); else None."""
    if not _PERIOD_LIKE.match(name):
        return None
    for parse in (parse_quarter, parse_period):
        try:
            return parse(name)
        except InputError:
            continue
    return None


_MONEY_FIELDS = ("starting_arr", "churned_arr", "contraction_arr", "expansion_arr", "ending_arr", "renewed_arr")
_COUNT_FIELDS = ("starting_customers", "churned_customers", "ending_customers")


class _Row(NamedTuple):
    """One cohort row's cells, each column already parsed (None where blank or absent)."""

    number: int
    cohort: Any
    starting_customers: int | None
    churned_customers: int | None
    ending_customers: int | None
    starting_arr: float | None
    churned_arr: float | None
    contraction_arr: float | None
    expansion_arr: float | None
    ending_arr: float | None
    renewed_arr: float | None
    churn_reasons: Any
    cohort_start: Any


class _Columns:
    """A cohort table's money and count columns parsed once, a column at a time (the decimal
    separator and currency decided per column, each distinct cell converted once), so each
    cohort row is only arithmetic."""

    def __init__(self, table: Table, mapping: dict[str, str]) -> None:
        self.table, self.mapping = table, mapping
        self.parsed: dict[str, Sequence[Any]] = {}
        for name in _MONEY_FIELDS:
            if name in mapping:
                self.parsed[name] = money_values(table.values(mapping[name]), table, mapping[name], allow_blank=True)
        for name in _COUNT_FIELDS:
            if name in mapping:
                self.parsed[name] = self._counts(mapping[name])

    def _counts(self, header: str) -> list[int | None]:
        values = self.table.values(header)
        parsed: dict[Any, int | None] = dict.fromkeys(values)
        for value in parsed:  # in order of first appearance: the first bad cell is the first bad row
            if value is not None:
                try:
                    parsed[value] = parse_int(value, minimum=0)
                except InputError as exc:
                    row = self.table.row_number(values.index(value))
                    raise exc.located(file=self.table.file, row=row, field=header) from None
        return list(map(parsed.__getitem__, values))

    def cells(self) -> Iterator[tuple[Any, ...]]:
        """Every row's cells, top to bottom, as plain tuples in `_Row`'s order (its spreadsheet
        row number first)."""
        columns = [self.parsed.get(name) or (self.table.values(self.mapping[name]) if name in self.mapping
                                             else repeat(None))
                   for name in _Row._fields[1:]]
        return zip(self.table.row_numbers, *columns)

    def rows(self) -> Iterator[_Row]:
        """Every row, top to bottom, with its spreadsheet row number."""
        return map(_Row._make, self.cells())


@dataclass(frozen=True)
class _Tolerances:
    """The reconciliation slack from thresholds.yaml, read once per file rather than once per row."""

    absolute: float       # dollars: below this a gap is not even worth a warning
    relative: float       # of starting ARR: up to this a gap is rounding
    reason_arr: float     # of churned ARR: how far the reasons' ARR may be from it

    @classmethod
    def load(cls) -> _Tolerances:
        cfg = section("retention_decomposition_analyzer")
        return cls(float(cfg["reconcile_abs_tolerance"]), float(cfg["reconcile_rel_tolerance"]),
                   float(cfg["reason_arr_tolerance"]))


class _RowProblem(Exception):
    """A cohort row whose figures do not hold together; the reader adds the file, row and column.
    (Raised rather than built per row: a closure per row costs the hot path more than the check.)"""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.message, self.column = message, column


def _parse_cohort(row: _Row, table: Table, columns: dict[str, str], tolerances: _Tolerances) -> _Cohort:
    """One cohort row → a checked cohort whose ARR movements reconcile; errors name file, row, column."""
    try:
        name, starting_customers, churned_customers = _cohort_logos(row)
        starting_arr = row.starting_arr
        tolerance = max(tolerances.absolute, tolerances.relative * starting_arr)  # the slack for this row
        churned, contraction, expansion = _arr_movements(row, churned_customers, tolerance)
        ending, warnings = _check_movements(row, name, starting_customers, churned_customers, churned,
                                            contraction, expansion, tolerance, tolerances.absolute)
    except _RowProblem as problem:
        raise InputError(problem.message, file=table.file, row=row.number,
                         field=columns.get(problem.column) if problem.column else None) from None
    try:
        # parse_reasons' own dispatch, inlined: this runs once per cohort on a hundred-thousand-row file
        reasons = (_parse_reason_text(row.churn_reasons) if isinstance(row.churn_reasons, str)
                   else _parse_reasons(row.churn_reasons))
    except InputError as exc:
        raise exc.located(file=table.file, row=row.number, field=columns.get("churn_reasons")) from None
    start_day = None
    if row.cohort_start is not None:
        try:
            start_day = parse_date(row.cohort_start)
        except InputError as exc:
            raise exc.located(file=table.file, row=row.number, field=columns["cohort_start"]) from None
    period = _period_of_name(name) if _PERIOD_LIKE.match(name) else None
    return _Cohort(name=name, period=period, start_day=start_day, row=row.number,
                   starting_customers=starting_customers, churned_customers=churned_customers,
                   starting_arr=starting_arr, churned_arr=churned, contraction_arr=contraction,
                   expansion_arr=expansion, ending_arr=ending, reasons=reasons, warnings=warnings)


def _cohort_logos(row: _Row) -> tuple[str, int, int]:
    """The cohort's name, starting logos and churned logos (given, or starting − ending), checked."""
    if row.cohort is None:
        raise _RowProblem("cohort name is empty", "cohort")
    starting_customers, churned_customers, ending_customers = (row.starting_customers, row.churned_customers,
                                                                row.ending_customers)
    if starting_customers is None:
        raise _RowProblem("starting customers is empty", "starting_customers")
    if row.starting_arr is None:
        raise _RowProblem("starting ARR is empty", "starting_arr")
    if ending_customers is not None and ending_customers > starting_customers:
        raise _RowProblem(f"ending customers {ending_customers} exceed starting customers {starting_customers}: "
                          "a cohort cannot gain logos (count new customers in a later cohort)", "ending_customers")
    if churned_customers is None and ending_customers is None:
        raise _RowProblem("needs churned_customers (or ending_customers) to measure logo retention",
                          "churned_customers")
    if churned_customers is None:
        churned_customers = starting_customers - ending_customers
    if churned_customers > starting_customers:
        raise _RowProblem(f"churned customers {churned_customers} exceed starting customers {starting_customers}",
                          "churned_customers")
    if ending_customers is not None and ending_customers != starting_customers - churned_customers:
        raise _RowProblem(f"ending customers {ending_customers} ≠ starting {starting_customers} − churned "
                          f"{churned_customers} = {starting_customers - churned_customers}", "ending_customers")
    return str(row.cohort).strip(), starting_customers, churned_customers


def _arr_movements(row: _Row, churned_customers: int, tolerance: float) -> tuple[float, float, float]:
    """Churned, contraction and expansion ARR: given, or derived from renewed or ending ARR.

    renewed = start − churned − contraction (already after both); ending = renewed + expansion."""
    starting_arr, churned, contraction, expansion = (row.starting_arr, row.churned_arr, row.contraction_arr,
                                                     row.expansion_arr)
    ending, renewed = row.ending_arr, row.renewed_arr
    if churned is None:
        if churned_customers == 0:
            churned = 0.0
        else:
            raise _RowProblem("churned ARR is empty (starting ARR of the customers who left)", "churned_arr")
    if contraction is None and renewed is not None:
        contraction = starting_arr - churned - renewed
        if contraction < -tolerance:
            raise _RowProblem(f"renewed ARR {renewed:,.0f} is more than starting {starting_arr:,.0f} − churned "
                              f"{churned:,.0f}; renewed ARR must exclude expansion", "renewed_arr")
        contraction = max(contraction, 0.0)
    elif contraction is not None and renewed is not None:
        implied_renewed = starting_arr - churned - contraction
        if abs(implied_renewed - renewed) > tolerance:
            raise _RowProblem(f"renewed ARR {renewed:,.0f} ≠ starting {starting_arr:,.0f} − churned {churned:,.0f} "
                              f"− contraction {contraction:,.0f} = {implied_renewed:,.0f} (renewed ARR is already "
                              "after churn and contraction)", "renewed_arr")
    if contraction is None and expansion is not None and ending is not None:
        contraction = starting_arr - churned + expansion - ending
        if contraction < -tolerance:
            raise _RowProblem("ending ARR is higher than starting − churned + expansion; contraction would be "
                              "negative", "ending_arr")
        contraction = max(contraction, 0.0)
    if contraction is None:
        raise _RowProblem("contraction ARR is empty (give contraction_arr, or renewed_arr, or ending_arr with "
                          "expansion_arr)", "contraction_arr")
    if expansion is None:
        if ending is None:
            raise _RowProblem("needs expansion_arr or ending_arr", "expansion_arr")
        expansion = ending - (starting_arr - churned - contraction)
        if expansion < -tolerance:
            raise _RowProblem(f"ending ARR {ending:,.0f} is below starting − churned − contraction "
                              f"{starting_arr - churned - contraction:,.0f}; some loss is not in churned or "
                              "contraction", "ending_arr")
        expansion = max(expansion, 0.0)
    return churned, contraction, expansion


def _check_movements(row: _Row, name: str, starting_customers: int, churned_customers: int, churned: float,
                     contraction: float, expansion: float, tolerance: float,
                     warn_above: float) -> tuple[float, list[str]]:
    """The ending ARR the movements give, after refusing movements that cannot happen together or
    an ending ARR they do not explain; warns on a rounding gap and on churned logos with $0 ARR."""
    starting_arr, ending = row.starting_arr, row.ending_arr
    if churned + contraction > starting_arr + tolerance:
        raise _RowProblem(f"churned {churned:,.0f} + contraction {contraction:,.0f} exceed starting ARR "
                          f"{starting_arr:,.0f}", "contraction_arr")
    if starting_arr == 0 and (churned or contraction or expansion):
        raise _RowProblem("starting ARR is 0 but the row has churned, contraction or expansion ARR", "starting_arr")
    if starting_arr > 0 and starting_customers == 0:
        raise _RowProblem("starting ARR without starting customers", "starting_customers")
    if churned_customers == 0 and churned > 0:
        raise _RowProblem(f"churned ARR {churned:,.0f} but 0 churned customers", "churned_customers")
    computed_ending = starting_arr - churned - contraction + expansion
    warnings: list[str] = []
    if ending is not None:
        gap = ending - computed_ending
        if abs(gap) > tolerance:
            raise _RowProblem(f"does not reconcile: starting {starting_arr:,.0f} − churned {churned:,.0f} − "
                              f"contraction {contraction:,.0f} + expansion {expansion:,.0f} = "
                              f"{computed_ending:,.0f}, but ending ARR is {ending:,.0f} (gap {gap:+,.0f}); is a "
                              "new logo in ending ARR, or contraction counted inside churn?", "ending_arr")
        if abs(gap) > warn_above:
            warnings.append(f"{name}: ending ARR {ending:,.0f} differs from the components "
                            f"({computed_ending:,.0f}) by {gap:+,.0f}; treated as rounding, components used")
    if churned_customers > 0 and churned == 0:
        warnings.append(f"{name}: {churned_customers} churned customer(s) with $0 churned ARR (free accounts?)")
    return computed_ending, warnings


def is_cohort_table(table: Table) -> bool:
    m = resolve_columns(table, COLUMN_ALIASES)
    return "starting_arr" in m and "starting_customers" in m


def read_cohorts(table: Table) -> list[_Cohort]:
    m = resolve_columns(table, COLUMN_ALIASES, required=("cohort", "starting_customers", "starting_arr"))
    if not len(table):
        raise InputError("has a header but no data rows", file=table.file)
    tolerances = _Tolerances.load()
    cohorts: list[_Cohort] = []
    try:
        cohorts.extend(_cohorts_of(_Columns(table, m), table, m, tolerances))
    except InputError:
        _refuse_duplicates(cohorts, table.file)  # a cohort named twice above the bad row is told first
        raise
    _refuse_duplicates(cohorts, table.file)
    return cohorts


def _refuse_duplicates(cohorts: list[_Cohort], file: str) -> None:
    """The first cohort whose name an earlier row already used, refused with both rows."""
    if len(set(map(attrgetter("name"), cohorts))) == len(cohorts):
        return
    seen: dict[str, int] = {}
    for c in cohorts:
        if c.name in seen:
            raise InputError(f"rows {seen[c.name]} and {c.row} are both cohort '{c.name}'; keep one", file=file)
        seen[c.name] = c.row


def _cohorts_of(columns: _Columns, table: Table, mapping: dict[str, str],
                tolerances: _Tolerances) -> Iterator[_Cohort]:
    """Each row's cohort, top to bottom. A plain row (every count and amount given, nothing to
    derive, movements that reconcile with nothing to refuse or warn about) is read here without
    a `_Row` or a call per check; any other row goes through `_parse_cohort`, which derives,
    refuses and warns. A row is plain only where `_parse_cohort` would return the same cohort
    with no warning, so both give the same cohorts and the same errors (on 100,000 cohorts the
    per-row calls cost more than the arithmetic)."""
    absolute, relative = tolerances.absolute, tolerances.relative
    period_like, reason_text, reasons_field = _PERIOD_LIKE.match, _parse_reason_text, mapping.get("churn_reasons")
    for cells in columns.cells():
        (number, cohort, starting_customers, churned_customers, ending_customers, starting_arr, churned,
         contraction, expansion, ending, renewed, reasons, cohort_start) = cells
        if (cohort is None or starting_customers is None or churned_customers is None or starting_arr is None
                or churned is None or contraction is None or expansion is None or ending is None
                or ending_customers is not None or renewed is not None or cohort_start is not None
                or churned_customers > starting_customers):
            yield _parse_cohort(_Row._make(cells), table, mapping, tolerances)
            continue
        tolerance = max(absolute, relative * starting_arr)
        computed_ending = starting_arr - churned - contraction + expansion
        gap = abs(ending - computed_ending)  # refused above the tolerance, a warning above `absolute` (≤ it)
        if (churned + contraction > starting_arr + tolerance or gap > absolute
                or (starting_arr == 0 and (churned or contraction or expansion))
                or (starting_arr > 0 and starting_customers == 0)
                or (churned == 0) is not (churned_customers == 0)):
            yield _parse_cohort(_Row._make(cells), table, mapping, tolerances)  # refuses or warns
            continue
        try:
            parsed = reason_text(reasons) if isinstance(reasons, str) else _parse_reasons(reasons)
        except InputError as exc:
            raise exc.located(file=table.file, row=number, field=reasons_field) from None
        name = str(cohort).strip()
        yield _Cohort(name, _period_of_name(name) if period_like(name) else None, None, number,
                      starting_customers, churned_customers, starting_arr, churned, contraction, expansion,
                      computed_ending, parsed, [])


# ----------------------------------------------------------------------------- the maths on summaries

def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def _annualize(value: float | None, months: int) -> float | None:
    if value is None or months == 12:
        return value
    return value ** (12.0 / months) if value > 0 else 0.0


def _status(value: float | None, healthy: float, concerning: float) -> Status:
    if value is None:
        return "n/a"
    if value >= healthy:
        return "healthy"
    if value >= concerning:
        return "concerning"
    return "critical"


_JUDGED = ("grr", "nrr", "logo_retention")


def _verdict(nrr: float | None, grr: float | None, logo: float | None, stage: str, basis: str,
             months: int) -> Verdict:
    limits = section("retention_by_stage")[stage]
    metrics = []
    for key, value in zip(_JUDGED, (grr, nrr, logo)):
        ann = _annualize(value, months)
        healthy, concerning = limits[key]["healthy"], limits[key]["concerning"]
        metrics.append(MetricVerdict(metric=key, value=value, annualized=ann, healthy_at=healthy,
                                     concerning_at=concerning, status=_status(ann, healthy, concerning)))
    overall = max((mv.status for mv in metrics), key=lambda s: _SEVERITY[s])
    return Verdict(stage=stage, stage_basis=basis, window_months=months, metrics=metrics, overall=overall)


class _CohortJudge:
    """`_verdict(...).overall` and the leaky-bucket rule for one cohort at a time, with the stage's
    limits and the rule looked up once per run instead of once per cohort."""

    def __init__(self, stage: str, months: int) -> None:
        limits = section("retention_by_stage")[stage]
        self.months = months
        self.limits = [(limits[key]["healthy"], limits[key]["concerning"]) for key in _JUDGED]
        self.leaky_bucket = leaky_bucket_test(months)

    def status(self, grr: float | None, nrr: float | None, logo: float | None) -> Status:
        worst = -1
        for value, (healthy, concerning) in zip((grr, nrr, logo), self.limits):
            if value is None:
                continue
            if self.months != 12:
                value = _annualize(value, self.months)
            rank = 0 if value >= healthy else 1 if value >= concerning else 2  # as `_status`
            if rank > worst:
                worst = rank
        return _BY_SEVERITY[worst]


_BY_SEVERITY: dict[int, Status] = {rank: status for status, rank in _SEVERITY.items()}


def leaky_bucket_rule_text() -> str:
    rule = alert_rules()["leaky_bucket"]
    return " and ".join(f"{c.metric.upper()} {c.op} {c.value:.0%}" for c in rule.conditions)


def leaky_bucket_test(months: int = 12) -> Callable[[float | None, float | None], bool]:
    """The `leaky_bucket` alert's own conditions as a test of (NRR, GRR), on annualised figures,
    so the tool and the proactive alert cannot disagree (one rule, in thresholds.yaml). Looked up
    once: a file of cohorts asks once per cohort."""
    conditions = alert_rules()["leaky_bucket"].conditions
    checks = [(condition.metric, condition.number_test() if condition.rule is None
               else partial(condition.holds, as_of=date.min)) for condition in conditions]

    def test(nrr: float | None, grr: float | None) -> bool:
        if months != 12:
            nrr, grr = _annualize(nrr, months), _annualize(grr, months)
        for metric, holds in checks:
            if not holds(nrr if metric == "nrr" else grr if metric == "grr" else None):
                return False
        return True
    return test


def is_leaky_bucket(nrr: float | None, grr: float | None, months: int = 12) -> bool:
    return leaky_bucket_test(months)(nrr, grr)


def _trend(names: list[str], series: dict[str, list[float | None]], dated: bool, ordered: bool = True) -> Trend:
    """Each series' least-squares change from the first cohort to the last (`series`: nrr, grr
    and logo_retention, one value per cohort in `names`' order; None where undefined)."""
    cfg = section("retention_decomposition_analyzer")
    band, minimum = float(cfg["trend_flat_band"]), int(cfg["trend_min_cohorts"])
    direction: dict[str, Any] = {}
    change: dict[str, float | None] = {}
    whole_sxx: dict[int, float] = {}
    for key, values in series.items():
        if None in values:
            xs: Sequence[int] = [i for i, v in enumerate(values) if v is not None]
            ys = [v for v in values if v is not None]
        else:
            xs, ys = range(len(values)), values
        if len(xs) < minimum or not ordered:
            direction[key], change[key] = "n/a", None
            continue
        n = len(xs)
        mx = sum(xs) / n
        my = sum(ys) / n
        if isinstance(xs, range):  # no gap: sxx depends on n alone, so gapless series share it
            if n not in whole_sxx:
                whole_sxx[n] = sum([(i - mx) ** 2 for i in xs])
            sxx = whole_sxx[n]
        else:
            sxx = sum([(i - mx) ** 2 for i in xs])
        slope = sum([(i - mx) * (v - my) for i, v in zip(xs, ys)]) / sxx
        delta = slope * (xs[-1] - xs[0])
        change[key] = delta
        direction[key] = "flat" if abs(delta) < band else "improving" if delta > 0 else "declining"
    return Trend(order="cohort date" if dated else "file order" if ordered else "not ordered",
                 cohorts=names, nrr=series["nrr"], grr=series["grr"],
                 logo_retention=series["logo_retention"], direction=direction, change=change)


def _reason_out(r: _Reason) -> dict[str, Any]:
    """A ReasonOut's fields, a new dict each time."""
    return {"reason": r.reason, "category": classify_reason(r.reason), "customers": r.customers, "arr": r.arr}


def _churn_reasons(cohorts: list[_Cohort], churned_customers: int, churned_arr: float
                   ) -> tuple[ChurnReasons, float | None, list[Driver]]:
    tax = taxonomy()
    all_reasons = [r for c in cohorts for r in c.reasons]
    has_arr = bool(all_reasons) and all(r.arr is not None for r in all_reasons)
    basis: Literal["arr", "customers"] = "arr" if has_arr else "customers"
    per_cat = {c: {"customers": 0, "arr": 0.0, "reasons": {}} for c in CATEGORIES}
    unmapped: dict[str, dict[str, Any]] = {}
    for r in all_reasons:
        category = classify_reason(r.reason)
        if category is None:
            key = normalise_words(r.reason)
            if key in unmapped:
                u = unmapped[key]
                u["customers"] += r.customers
                u["arr"] = None if u["arr"] is None or r.arr is None else u["arr"] + r.arr
            else:
                unmapped[key] = _reason_out(r)
            continue
        slot = per_cat[category]
        slot["customers"] += r.customers
        slot["arr"] += r.arr or 0.0
        weight = (r.arr or 0.0) if has_arr else r.customers
        slot["reasons"][r.reason] = slot["reasons"].get(r.reason, 0) + weight
    classified_customers = sum(v["customers"] for v in per_cat.values())
    classified_arr = sum(v["arr"] for v in per_cat.values()) if has_arr else None
    denom = classified_arr if has_arr else classified_customers
    cats = []
    for cat in CATEGORIES:
        slot = per_cat[cat]
        amount = slot["arr"] if has_arr else slot["customers"]
        cats.append(CategoryOut(category=cat, label=tax["labels"][cat], preventable=cat in tax["preventable"],
                                customers=slot["customers"], arr=slot["arr"] if has_arr else None,
                                share=_ratio(amount, denom) if denom else None))
    reasons_customers = sum(r.customers for r in all_reasons)
    unexplained_customers = max(churned_customers - reasons_customers, 0)
    unexplained_arr = None
    if has_arr:
        unexplained_arr = max(churned_arr - sum(r.arr or 0.0 for r in all_reasons), 0.0)
    preventable = None
    if denom:
        prev_amount = sum((c.arr if has_arr else c.customers) or 0 for c in cats if c.preventable)
        preventable = prev_amount / denom
    ranked = sorted((c for c in cats if c.customers > 0),
                    key=lambda c: (-(c.arr or 0.0), -c.customers, CATEGORIES.index(c.category)))
    top_n = int(section("retention_decomposition_analyzer")["top_drivers"])
    drivers = []
    for c in ranked[:top_n]:
        texts = per_cat[c.category]["reasons"]
        top_texts = sorted(texts, key=lambda t: (-texts[t], t))[:3]
        drivers.append(Driver(category=c.category, label=c.label, customers=c.customers, arr=c.arr,
                              share=c.share, reasons=top_texts))
    out = ChurnReasons(basis=basis, categories=cats, unmapped=list(unmapped.values()),
                       classified_customers=classified_customers, classified_arr=classified_arr,
                       unexplained_customers=unexplained_customers, unexplained_arr=unexplained_arr)
    return out, preventable, drivers


class _Listed(NamedTuple):
    """A cohort's churn reasons as outputs, with the customers they count and their ARR when
    every reason gives one (else None): worked out once per parsed reason cell."""

    outs: list[ReasonOut]
    customers: int
    arr: float | None


def _reconcile_reasons(c: _Cohort, tolerances: _Tolerances, listed: _Listed) -> list[str]:
    """Reasons vs churned count and ARR: a mismatch is a visible warning, never silently zero."""
    notes = []
    n = listed.customers
    if c.churned_customers > 0 and not c.reasons:
        notes.append(f"{c.name}: {c.churned_customers} churned customer(s) have no churn reason")
    elif n < c.churned_customers:
        notes.append(f"{c.name}: reasons cover {n} of {c.churned_customers} churned customers")
    elif n > c.churned_customers:
        notes.append(f"{c.name}: reasons list {n} customers but only {c.churned_customers} churned")
    if c.reasons and listed.arr is not None:
        tol = tolerances.reason_arr * c.churned_arr
        if abs(listed.arr - c.churned_arr) > max(tol, tolerances.absolute):
            notes.append(f"{c.name}: reasons account for {usd(listed.arr)} of {usd(c.churned_arr)} churned ARR")
    return notes


def _cohort_out(c: _Cohort, judge: _CohortJudge, tolerances: _Tolerances, listed: _Listed) -> CohortOut:
    """A cohort's output, made without validating again: every value is of its field's type by
    construction (amounts are read as floats and counts as ints, rates are float divisions), and
    on 100,000 cohorts validation cost more than the arithmetic. Tests compare it with validation."""
    start, churned, contraction = c.starting_arr, c.churned_arr, c.contraction_arr
    if start:
        grr, nrr = (start - churned - contraction) / start, c.ending_arr / start
        churn_rate, contraction_rate, expansion_rate = churned / start, contraction / start, c.expansion_arr / start
    else:
        grr = nrr = churn_rate = contraction_rate = expansion_rate = None
    customers, lost = c.starting_customers, c.churned_customers
    logo = (customers - lost) / customers if customers else None
    warnings = list(c.warnings)
    if start == 0:
        warnings.append(f"{c.name}: starting ARR is 0, so GRR and NRR are undefined (n/a)")
    if listed.customers != lost or (listed.arr is not None and c.reasons and abs(listed.arr - churned) > max(
            tolerances.reason_arr * churned, tolerances.absolute)):  # as `_reconcile_reasons` notes nothing else
        warnings += _reconcile_reasons(c, tolerances, listed)
    return _COHORT_OUT({
        "name": c.name, "period": c.period.label if c.period else None,
        "starting_customers": customers, "churned_customers": lost, "retained_customers": customers - lost,
        "starting_arr": start, "churned_arr": churned, "contraction_arr": contraction,
        "expansion_arr": c.expansion_arr, "ending_arr": c.ending_arr, "grr": grr, "nrr": nrr, "logo_retention": logo,
        "churn_rate": churn_rate, "contraction_rate": contraction_rate, "expansion_rate": expansion_rate,
        "verdict": judge.status(grr, nrr, logo), "leaky_bucket": judge.leaky_bucket(nrr, grr),
        "reasons": list(listed.outs), "warnings": warnings,
    })


_COHORT_OUT, _REASON_OUT = prebuilt(CohortOut), prebuilt(ReasonOut)
_NO_REASONS = _Listed([], 0, 0.0)


class _CohortOuts:
    """The cohorts' outputs, with what the result collects from them gathered as each is made
    (reading 100,000 models back costs a pass over memory per field)."""

    def __init__(self, judge: _CohortJudge, tolerances: _Tolerances, warnings: list[str]) -> None:
        self.judge, self.tolerances = judge, tolerances
        self.cohorts: list[CohortOut] = []
        self.names: list[str] = []
        self.series: dict[str, list[float | None]] = {"nrr": [], "grr": [], "logo_retention": []}
        self.warnings = warnings
        # A churn-reason text is parsed once (`_parse_reason_text`), so cohorts with the same
        # cell hold the same list of _Reason objects, and share its (frozen) outputs and totals.
        self._listed: dict[int, _Listed] = {}

    def extend(self, cohorts: list[_Cohort]) -> None:
        judge, tolerances, listed, list_of = self.judge, self.tolerances, self._listed, self._list
        add, names, warnings = self.cohorts.append, self.names.append, self.warnings
        nrr, grr, logo = (self.series[key].append for key in ("nrr", "grr", "logo_retention"))
        for c in cohorts:
            reasons = c.reasons
            # every reason list lives as long as the cohorts, so ids are not reused
            made = (listed.get(id(reasons)) or list_of(reasons)) if reasons else _NO_REASONS
            out = _cohort_out(c, judge, tolerances, made)
            add(out)
            names(out.name)
            nrr(out.nrr)
            grr(out.grr)
            logo(out.logo_retention)
            if out.warnings:
                warnings += out.warnings

    def _list(self, reasons: list[_Reason]) -> _Listed:
        customers, arr = 0, 0.0
        for r in reasons:
            customers += r.customers
            arr = None if arr is None or r.arr is None else arr + r.arr
        made = self._listed[id(reasons)] = _Listed([_REASON_OUT(_reason_out(r)) for r in reasons], customers, arr)
        return made


def _stage(options: RetentionOptions, starting_arr: float) -> tuple[str, str]:
    if options.stage:
        return options.stage, "--stage"
    limit = float(section("retention_decomposition_analyzer")["scale_from_arr"])
    if starting_arr < limit:
        return "growth", f"starting ARR {usd(starting_arr)} is below {usd(limit)} (pass --stage to override)"
    return "scale", f"starting ARR {usd(starting_arr)} is at least {usd(limit)} (pass --stage to override)"


def analyze_cohorts(cohorts: list[_Cohort], options: RetentionOptions, *, file: str,
                    source: Literal["cohort_summaries", "snapshots"] = "cohort_summaries",
                    window: dict[str, Any] | None = None, extra_warnings: list[str] | None = None,
                    logo_curve: list[CurvePoint] | None = None, overall: dict[str, float] | None = None,
                    ordered: bool = True) -> RetentionResult:
    """Everything downstream of parsed cohorts (shared by both input paths)."""
    months = options.window
    dated = all(c.period is not None or c.start_day is not None for c in cohorts)
    if dated:
        cohorts = sorted(cohorts, key=lambda c: (c.start_day or c.period.start, c.name))  # type: ignore[union-attr]
    tot = {key: sum(map(attrgetter(key), cohorts)) for key in (
        "starting_customers", "churned_customers", "starting_arr", "churned_arr", "contraction_arr",
        "expansion_arr", "ending_arr")}
    s = tot["starting_arr"]
    grr = _ratio(s - tot["churned_arr"] - tot["contraction_arr"], s)
    nrr = _ratio(tot["ending_arr"], s)
    logo = _ratio(tot["starting_customers"] - tot["churned_customers"], tot["starting_customers"])
    if overall:  # snapshots: the shared retention_window's own figures, not a re-derivation
        grr, nrr, logo = overall["grr"], overall["nrr"], overall["logo_retention"]
    stage, basis = _stage(options, s)
    verdict = _verdict(nrr, grr, logo, stage, basis, months)
    judge, tolerances = _CohortJudge(stage, months), _Tolerances.load()
    outs = _CohortOuts(judge, tolerances, list(extra_warnings or []))
    outs.extend(cohorts)
    reasons, preventable, drivers = _churn_reasons(cohorts, tot["churned_customers"], tot["churned_arr"])
    warnings = outs.warnings
    if reasons.unmapped:
        listed = ", ".join(f"'{u.reason}' ({u.customers})" for u in reasons.unmapped)
        warnings.append(f"unmapped churn reasons (not in the taxonomy keyword map): {listed}")
    if s == 0:
        warnings.append("total starting ARR is 0: GRR and NRR are undefined (n/a)")
    return RetentionResult(
        source=source, file=file, window=window or {"months": months},
        **tot, nrr=nrr, grr=grr, logo_retention=logo,
        churn_rate=_ratio(tot["churned_arr"], s), contraction_rate=_ratio(tot["contraction_arr"], s),
        expansion_rate=_ratio(tot["expansion_arr"], s),
        verdict=verdict.overall, verdict_detail=verdict,
        leaky_bucket=judge.leaky_bucket(nrr, grr), leaky_bucket_rule=leaky_bucket_rule_text(),
        cohorts=outs.cohorts, trend=_trend(outs.names, outs.series, dated, ordered), churn_reasons=reasons,
        preventable_share=preventable,
        top_drivers=drivers, logo_curve=logo_curve or [], warnings=warnings,
    )


# ----------------------------------------------------------------------------- entry point

def run(source: Source, options: RetentionOptions) -> RetentionResult:
    if source is None:
        raise UsageError("INPUT is required: cohort summaries or revenue snapshots")
    list_keys = ("cohorts", "rows", "records", "data", "items")
    # The header alone decides the kind, so a million-row snapshot CSV is not parsed twice
    # (here, then by the snapshot core's fast column reader).
    head = read_header(source)
    table = head if head is not None else read_table(source, list_keys=list_keys, name="retention")
    if is_cohort_table(table):
        # --period / --cohort-by are explicit requests that cannot apply: refuse. --as-of and --accounts
        # arrive from the runner for every data file, so they are ignored (accounts with a warning).
        if options.period is not None:
            raise UsageError("--period applies to revenue snapshots, not cohort summaries")
        if options.cohort_by != "start_quarter":
            raise UsageError("--cohort-by applies to revenue snapshots, not cohort summaries")
        if head is not None:
            table = read_table(source, list_keys=list_keys, name="retention")
        cohorts = read_cohorts(table)
        notes, file = list(table.warnings), table.file
        del table, head  # every cell is parsed: free them before the result is built
        if options.accounts:
            notes.append(f"--accounts {options.accounts} ignored: cohort summaries carry their own churn reasons")
        window = {"months": options.window}
        if options.as_of:
            window["as_of"] = options.as_of.isoformat()
        return analyze_cohorts(cohorts, options, file=file, extra_warnings=notes, window=window)
    return _run_snapshots(source, table, options)


# ----------------------------------------------------------------------------- snapshots path

def _snapshots_of(source: Source, table: Table, as_of: date | None) -> Any:
    """`snapshots.read_snapshots` (the same reader as churn_analyzer), with a clearer message when
    the file is neither of this tool's two inputs."""

    try:
        return S.read_snapshots(source, as_of=as_of, name="retention")
    except InputError as exc:
        if exc.row is None and exc.message.startswith("missing column") and not S.is_stripe_table(table):
            raise InputError(
                f"is neither cohort summaries (cohort, starting_customers, starting_arr, ...) nor revenue "
                f"snapshots (account_id, period, mrr or arr); found: {', '.join(table.headers)}",
                file=exc.file or table.file) from None
        raise


def _cents(dollars_value: float) -> int:
    return int(round(dollars_value * 100))


@dataclass(frozen=True)
class _SnapshotCohorts:
    """What every snapshot cohort is cut from, computed once per file rather than once per cohort."""

    snaps: S.Snapshots
    window_end: str
    months: int
    starting_cents: Any          # each account's ARR (cents) at the window's start
    lost: Any                    # in the frozen cohort at the start, ARR 0 at the end
    names: Any                   # account ids as an object array, indexable by a mask
    accounts: dict[str, S.AccountInfo]


def _run_snapshots(source: Source, table: Table, options: RetentionOptions) -> RetentionResult:
    """Cohorts from revenue snapshots. Every retention figure is `snapshots.retention_window` on
    the cohort's accounts; this function only groups accounts and attributes churn reasons."""
    import numpy as np

    snaps = _snapshots_of(source, table, options.as_of)
    accounts = S.read_accounts(options.accounts) if options.accounts else {}
    if options.cohort_by == "segment" and not any(account.segment for account in accounts.values()):
        raise UsageError("--cohort-by segment needs --accounts with a segment column")
    end = None
    if options.period is not None:
        period = parse_period(options.period)
        end = f"{period.end.year:04d}-{period.end.month:02d}"
    window = S.retention_window(snaps, end, options.window)
    starting_cents = snaps.arr[:, snaps.period_index(window.start)]
    in_cohort = starting_cents > 0
    lost = in_cohort & (snaps.arr[:, snaps.period_index(window.end)] == 0)
    frozen = _SnapshotCohorts(snaps, window.end, options.window, starting_cents, lost,
                              np.asarray(snaps.accounts, dtype=object), accounts)
    keys, periods = _cohort_keys(snaps, accounts, options.cohort_by)
    cohorts = [_snapshot_cohort(frozen, label, in_cohort & (keys == label), periods.get(label))
               for label in dict.fromkeys(keys[in_cohort].tolist())]
    warnings = list(snaps.warnings) + _accounts_warnings(snaps, accounts, int(lost.sum()), options.accounts)
    durations, churned, _ = S.tenure(snaps, window.end)
    curve = [CurvePoint(**point.model_dump()) for point in S.kaplan_meier(durations, churned)]
    overall = {"nrr": window.nrr, "grr": window.grr, "logo_retention": window.logo_retention}
    info = {"months": options.window, "start": window.start, "end": window.end,
            "label": f"{window.start} → {window.end}", "cohort_by": options.cohort_by,
            "accounts_file": options.accounts}
    return analyze_cohorts(cohorts, options, file=snaps.file, source="snapshots", window=info,
                           extra_warnings=warnings, logo_curve=curve, overall=overall,
                           ordered=options.cohort_by != "segment")


def _cohort_keys(snaps: S.Snapshots, accounts: dict[str, S.AccountInfo],
                 cohort_by: str) -> tuple[Any, dict[str, Period | None]]:
    """Each account's cohort label (its segment, or the quarter it started) and each quarter label's period."""
    import numpy as np

    periods: dict[str, Period | None] = {}
    if cohort_by == "segment":
        keys = np.array([(accounts[account].segment if account in accounts and accounts[account].segment
                          else "(no segment)") for account in snaps.accounts], dtype=object)
        return keys, periods
    first_active = snaps.first_active()
    month_index = snaps.first + np.maximum(first_active, 0)
    years, quarters = month_index // 12, (month_index % 12) // 3 + 1
    keys = np.empty(len(snaps.accounts), dtype=object)
    labels = {(int(year), int(quarter), bool(first == 0))
              for year, quarter, first in zip(years, quarters, first_active)}
    for year, quarter, truncated in labels:
        label = f"{year:04d}-Q{quarter}" + (" or earlier" if truncated else "")
        periods[label] = quarter_period(year, quarter)
        keys[(years == year) & (quarters == quarter) & ((first_active == 0) == truncated)] = label
    return keys, periods


def _snapshot_cohort(frozen: _SnapshotCohorts, label: str, mask: Any, period: Period | None) -> _Cohort:
    """One cohort of accounts as a summary row: its retention_window figures and its churn reasons."""
    cohort_window = S.retention_window(frozen.snaps.select(mask), frozen.window_end, frozen.months)
    start_cents, capped_cents = _cents(cohort_window.start_arr), _cents(cohort_window.retained_arr_capped)
    end_cents = _cents(cohort_window.end_arr_cohort)
    cohort_lost = mask & frozen.lost
    churned_cents = int(frozen.starting_cents[cohort_lost].sum())
    churned_count = int(cohort_lost.sum())
    if churned_count != cohort_window.cohort_size - cohort_window.retained_logos:  # one definition of churn
        raise AssertionError("churned accounts disagree with retention_window")
    reasons: dict[str, list[int]] = {}
    for account, cents in zip(frozen.names[cohort_lost], frozen.starting_cents[cohort_lost]):
        info = frozen.accounts.get(account)
        if info and info.churn_reason:
            totals = reasons.setdefault(info.churn_reason, [0, 0])
            totals[0] += 1
            totals[1] += int(cents)
    # "2025-Q1 or earlier" (accounts already active in the first month of data) sorts first
    early = period.start - timedelta(days=1) if period and label.endswith("or earlier") else None
    return _Cohort(
        name=label, period=period, start_day=early, row=0,
        starting_customers=cohort_window.cohort_size, churned_customers=churned_count,
        starting_arr=start_cents / 100, churned_arr=churned_cents / 100,
        contraction_arr=(start_cents - capped_cents - churned_cents) / 100,
        expansion_arr=(end_cents - capped_cents) / 100, ending_arr=end_cents / 100,
        reasons=[_Reason(reason=text, customers=totals[0], arr=totals[1] / 100) for text, totals in reasons.items()],
    )


def _accounts_warnings(snaps: S.Snapshots, accounts: dict[str, S.AccountInfo], lost_count: int,
                       accounts_file: str | None) -> list[str]:
    """Why churn reasons may be missing: no accounts file at all, or accounts it names that the snapshots lack."""
    if lost_count and not accounts_file:
        # said the same way by the tool and in an answer, where files come in as --data
        return [f"{lost_count} churned account(s) and no accounts file (account, churn reason): why they left is unknown"]
    if accounts_file:
        known = set(snaps.accounts)
        unknown = [account for account in accounts if account not in known]
        if unknown:
            return [f"{len(unknown)} account(s) in {accounts_file} are not in the snapshots (e.g. {unknown[0]})"]
    return []


# ----------------------------------------------------------------------------- human output

def render(r: RetentionResult, lang: Lang = "en") -> str:
    T = ToolTexts(NAME, lang)
    d = r.verdict_detail
    window = r.window.get("label") or T("window", months=d.window_months)
    metrics = T("list_comma").join(T("verdict_metric", metric=T.term(f"metric.{m.metric}"), status=T.term(m.status))
                                   for m in d.metrics)
    lines = [
        T("headline", window=window, cohorts=len(r.cohorts), customers=r.starting_customers, arr=usd(r.starting_arr)),
        T("rates", grr=pct(r.grr), nrr=pct(r.nrr), logos=pct(r.logo_retention)),
        T("movements", churn_rate=pct(r.churn_rate), churn=usd(r.churned_arr), contraction_rate=pct(r.contraction_rate),
          contraction=usd(r.contraction_arr), expansion_rate=pct(r.expansion_rate), expansion=usd(r.expansion_arr)),
        T("verdict", stage=T.term(f"stage.{d.stage}"), verdict=T.term(f"verdict.{r.verdict}"), metrics=metrics),
    ]
    if d.window_months != 12:
        lines.append(T("annualised", months=d.window_months))
    if r.leaky_bucket:
        lines.append(T("leaky_bucket", rule=r.leaky_bucket_rule.replace(" and ", T("and"))))
    lines.append("")
    columns = [("col_arr", 12), ("col_grr", 8), ("col_nrr", 8), ("col_logos", 8), ("col_contraction", 8),
               ("col_expansion", 8)]
    lines.append(pad(T("col_cohort"), 20) + "".join(pad(T(key), size, right=True) for key, size in columns)
                 + "  " + T("col_verdict"))
    shown = r.cohorts if len(r.cohorts) <= 24 else r.cohorts[:12] + r.cohorts[-12:]
    for c in shown:
        lines.append(T("cohort_row", name=pad(T.say(c.name)[:19], 20), arr=usd(c.starting_arr), grr=pct(c.grr), nrr=pct(c.nrr),
                       logos=pct(c.logo_retention), contraction=pct(c.contraction_rate),
                       expansion=pct(c.expansion_rate), verdict=T.term(c.verdict),
                       leaky=T("leaky") if c.leaky_bucket else ""))
    if len(shown) < len(r.cohorts):
        lines.append(T("more_cohorts", count=len(r.cohorts) - len(shown)))
    t = r.trend
    lines.append(T("trend", order=T.term(t.order), items=T("list_comma").join(
        T("trend_item", metric=T.term(f"metric.{k}"), direction=T.term(t.direction[k]),
          change=T("trend_change", points=f"{t.change[k] * 100:+.1f}") if t.change[k] is not None else "")
        for k in ("grr", "nrr", "logo_retention"))))
    cr = r.churn_reasons
    lines.append("")
    lines.append(T("reasons", basis=T.term(f"basis.{cr.basis}"), share=pct(r.preventable_share)))
    for dvr in r.top_drivers:
        lines.append(T("driver_row", label=pad(churn_category_label(dvr.category, lang), 18), customers=dvr.customers,
                       arr=usd(dvr.arr), share=pct(dvr.share), examples=T("list_separator").join(dvr.reasons[:2])))
    if cr.unmapped:
        lines.append(T("unmapped", items=T("list_separator").join(
            T("unmapped_item", reason=u.reason, customers=u.customers) for u in cr.unmapped)))
    if cr.unexplained_customers:
        lines.append(T("unexplained", customers=cr.unexplained_customers))
    if r.logo_curve:
        marks = {p.month: p.survival for p in r.logo_curve}
        points = [T("survival_point", month=k, value=pct(marks[k])) for k in (3, 6, 12, 24) if k in marks]
        if points:
            lines.append(T("survival", points=T("list_comma").join(points)))
    if r.warnings:
        lines.append("")
        lines.append(T("warnings"))
        lines += [T("warning_item", text=T.say(w)) for w in r.warnings[:20]]
        if len(r.warnings) > 20:
            lines.append(T("more_warnings", count=len(r.warnings) - 20))
    return "\n".join(lines)


SPEC = ToolSpec(
    name=NAME,
    summary=summary_of(NAME),
    role="cco",
    input_help=("cohort summaries CSV/JSON (cohort, starting_customers, starting_arr, churned_customers, "
                "churned_arr [at full starting ARR, before contraction], contraction_arr [retained customers "
                "only] or renewed_arr [start − churned − contraction, never reduced again], expansion_arr, "
                "ending_arr, churn_reasons 'reason: count ($ARR); ...'; start − churned − contraction + "
                "expansion must equal ending within 0.5% of start, else exit 2) or revenue snapshots "
                "(account_id, period, mrr|arr) / a Stripe subscriptions export"),
    sample="retention_cohorts.csv",
    options=RetentionOptions,
    result=RetentionResult,
    run=run,
    render=render,
    reads_accounts_file=True,
    data_kinds=("retention_cohorts", "revenue_snapshots", "stripe_subscriptions"),
)
