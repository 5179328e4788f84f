"""Customer segmentation for differential investment: tiers, ICP fit, transitions, kill list.

The CCO's question is where each CS dollar goes. The answer needs four things computed from
the founder's customer file, with every rule in csuite/data/thresholds.yaml
(`customer_segmentation_designer:`) rather than in this code:

* **Tiers** (strategic / key / core / long tail). `--mode thresholds` uses minimum ARR per tier;
  `--mode percentile` ranks paying customers by ARR and cuts after the top 5%, next 15% and
  next 35% (the rest, 45%, is long tail). The cut after a tier is ceil(cumulative share x paying
  customers); customers tied on ARR at a cut stay together in the higher tier, so a tier never
  depends on file order and a higher ARR never lands in a lower tier.
* **ICP fit 0-10**: the sum of the YAML weights of the seven signals that are true. Signals are
  strict booleans: "false", "no", "0" are false; "maybe" or a blank cell is an error naming the
  row and field (the string "false" is never counted as true).
* **Transitions**: up when fit is high, expansion potential is true and ARR is within reach of the
  next tier's entry ARR; down when fit is low and there is no expansion path. The top tier is never
  offered an upgrade and the bottom tier never a downgrade; the lists are disjoint from each other
  and from the kill list.
* **Kill list**: every condition of the documented rule must hold (cost to serve / ARR at or above
  the ratio, fit at or below the floor, no expansion potential, past onboarding).

Zero-ARR accounts (free, pilots, lapsed) are not tiered, not ranked, and never on the kill list:
a cost-to-serve ratio on zero revenue is undefined, not infinite. They are listed separately with
their cost to serve, so a free account that is expensive to serve is still visible.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from csuite.errors import InputError, UsageError
from csuite.fields import new_list
from csuite.io.numbers import pct, usd
from csuite.io.tables import Table, read_table, resolve_columns
from csuite.io.values import (
    MAX_AMOUNT,
    months_between,
    parse_bool,
    parse_date,
    parse_money,
    parse_months,
)
from csuite.knowledge.bilingual import Lang, pick
from csuite.knowledge.thresholds import alert_threshold, section
from csuite.tools.base import (
    Amount,
    Count,
    Day,
    Money,
    Months,
    Ratio,
    Score,
    Share,
    Source,
    ToolOptions,
    ToolResult,
    ToolSpec,
)
from csuite.tools.registry import summary_of
from csuite.tools.texts import ToolTexts, pad

NAME = "customer_segmentation_designer"

SIGNALS: tuple[str, ...] = (
    "industry_fit",
    "company_size_fit",
    "workflow_fit",
    "executive_sponsor",
    "advocacy",
    "expansion_potential",
    "low_competitive_pressure",
)

# Logical field -> accepted headers (compared as canonical keys). Descriptive CRM columns such as
# "Industry" or "Company size" are deliberately NOT aliases of the fit signals: they hold text
# ("Software"), not a yes/no judgement of fit.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("id", "record_id", "account_id", "company_id", "customer_number", "customer_no"),
    "name": ("customer", "customer_name", "account", "account_name", "company", "company_name",
             "associated_company"),
    "arr": ("annual_recurring_revenue", "current_arr", "arr_usd", "arr_value", "arr_amount"),
    "tenure_months": ("tenure", "tenure_mo", "months_as_customer", "customer_tenure",
                      "customer_tenure_months", "months_active"),
    "start_date": ("customer_since", "became_a_customer_date", "contract_start_date",
                   "first_contract_date", "start"),
    "industry_fit": ("industry_match", "icp_industry_fit", "target_industry"),
    "company_size_fit": ("size_fit", "company_size_match", "icp_size_fit", "target_size"),
    "workflow_fit": ("use_case_fit", "workflow_match", "icp_workflow_fit"),
    "executive_sponsor": ("exec_sponsor", "has_executive_sponsor", "has_exec_sponsor", "sponsor"),
    "advocacy": ("advocate", "is_advocate", "reference", "referenceable", "promoter"),
    "expansion_potential": ("expansion", "expansion_path", "can_expand", "has_expansion_potential"),
    "low_competitive_pressure": ("low_competition", "competitive_pressure_low",
                                 "low_competitive_risk", "no_active_competitor"),
    "cost_to_serve": ("annual_cost_to_serve", "cost_to_serve_usd", "annual_cost", "cts",
                      "service_cost", "annual_service_cost"),
}
REQUIRED = ("arr", "cost_to_serve", *SIGNALS)


def config() -> dict[str, Any]:
    return section(NAME)


# --------------------------------------------------------------------------------------------
# Options and result models


class SegmentationOptions(ToolOptions):
    mode: Literal["thresholds", "percentile"] = Field(
        "thresholds",
        description="thresholds: tiers by minimum ARR; percentile: top 5, next 15, next 35 percent "
                    "and the rest of paying customers by ARR (shares in thresholds.yaml)",
    )
    thresholds: list[Money] | None = Field(
        None, description="minimum ARR for strategic, key and core (e.g. 150K 60K 20K); "
                          "thresholds mode only; default from thresholds.yaml",
    )
    as_of: Day | None = Field(
        None, description="date tenure is measured to when the file has start dates instead of "
                          "tenure months (YYYY-MM-DD)",
    )
    limit: int | None = Field(
        None, ge=1, description="rows per list (transitions, kill list, zero-ARR), highest ARR (zero-ARR: "
                                "highest cost) first; counts and totals always cover every account; "
                                "default from thresholds.yaml",
    )
    include_customers: bool = Field(
        False, description="add every customer's tier and fit score to the JSON output",
    )


class CustomerRow(BaseModel):
    customer_id: str
    name: str
    row: Count
    tier: str | None = Field(description="None for zero-ARR accounts (not tiered)")
    arr: Amount
    fit_score: Score
    cost_to_serve: Amount
    cost_ratio: Ratio | None = Field(description="annual cost to serve / ARR; None when ARR is 0")
    tenure_months: Months
    expansion_potential: bool
    target_tier: str | None = None
    reasons: list[str] = Field(default_factory=new_list)


class TierSummary(BaseModel):
    tier: str
    label: str
    rank: Count = Field(description="1 = top tier")
    entry_arr: Amount | None = Field(description="ARR needed to enter the tier (thresholds mode) or "
                                                "the lowest ARR in it (percentile mode, and the "
                                                "bottom tier in both); None if empty")
    customers: Count
    customer_share: Share
    arr: Amount
    arr_share: Share
    average_arr: Amount | None
    average_fit_score: Score | None
    cost_to_serve: Amount
    cost_ratio: Ratio | None
    coverage_model: str
    engagement: str
    target_cost_ratio: Ratio
    recommended_investment: Amount = Field(description="tier ARR x target_cost_ratio, per year")
    investment_gap: Amount = Field(description="recommended investment - today's cost to serve "
                                              "(positive: under-invested)")


class KillRule(BaseModel):
    min_cost_ratio: Ratio
    max_fit_score: Score
    min_tenure_months: Months
    statement: str


class SegmentationResult(ToolResult):
    mode: Literal["thresholds", "percentile"]
    source: str
    as_of: date | None
    customers: Count
    paying_customers: Count
    zero_arr_customers: Count
    total_arr: Amount
    total_cost_to_serve: Amount
    fit_weights: dict[str, float]
    tier_rule: str
    tiers: list[TierSummary]
    largest_customer: CustomerRow | None
    largest_customer_share: Share | None
    concentration_threshold: Share
    concentration_flag: bool
    upgrade_candidates: list[CustomerRow]
    upgrade_count: Count
    upgrade_arr: Amount
    downgrade_candidates: list[CustomerRow]
    downgrade_count: Count
    downgrade_arr: Amount
    kill_rule: KillRule
    kill_list: list[CustomerRow]
    kill_count: Count
    kill_arr: Amount
    kill_cost_to_serve: Amount
    zero_arr: list[CustomerRow]
    zero_arr_cost_to_serve: Amount
    list_limit: Count
    assignments: list[CustomerRow] | None = None


# --------------------------------------------------------------------------------------------
# Reading


class _Columns:
    """Parsed customers as parallel lists (fast for 200k rows; models only for what is shown)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.names: list[str] = []
        self.rows: list[int] = []
        self.arr: list[float] = []
        self.cost: list[float] = []
        self.tenure: list[float] = []
        self.signals: list[list[bool]] = [[] for _ in SIGNALS]   # one column per signal

    @property
    def expansion(self) -> list[bool]:
        return self.signals[SIGNALS.index("expansion_potential")]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# The fast path takes a column only when every cell is a plain decimal ("12", "4500.5", ".5"):
# joined by newlines, the column has nothing but digits, dots and newlines, and no cell is empty
# or ends in a dot. float() then reads each cell exactly as parse_money / parse_months would;
# a cell float() refuses ("1.2.3", "") sends the column to the row-by-row parsers.
_PLAIN_CHARS = re.compile(r"[0-9.\n]*", re.ASCII)


def _fast_numbers(values: list[Any], maximum: float = math.inf) -> list[float] | None:
    """Floats for a column of plain non-negative decimals (or JSON numbers) up to `maximum`,
    else None. Returns exactly what parse_money / parse_months would for the same cells; money
    columns pass maximum=MAX_AMOUNT so a cell parse_money refuses as implausible is never let
    through here (the row reader then names it)."""
    if not values:
        return []
    try:
        joined = "\n".join(values)
    except TypeError:          # not all strings: JSON numbers?
        if not set(map(type, values)) <= {int, float}:
            return None
        out = list(map(float, values))
    else:
        if (_PLAIN_CHARS.fullmatch(joined) is None or ".\n" in joined or joined.endswith(".")
                or "\n\n" in joined or joined.startswith("\n") or joined.endswith("\n")):
            return None
        try:
            out = list(map(float, values))
        except ValueError:
            return None
    if min(out) < 0 or not max(out) <= maximum or max(out) == math.inf:
        return None
    return out


class _Decline(Exception):
    """The fast path cannot vouch for a cell; the row-by-row reader takes the file."""


class _Verdicts(dict):
    """parse_bool once per distinct cell, on first sight. A key is the cell itself (all-string
    columns) or (type, cell) for JSON values, so JSON 1.0 never borrows the verdict for True."""

    def __missing__(self, key: Any) -> bool:
        raw = key[1] if type(key) is tuple else key
        if type(key) is not tuple and type(key) is not str:
            raise _Decline     # a JSON value in the string pass: retry keyed by type
        if _blank(raw):
            raise _Decline
        try:
            value = self[key] = parse_bool(raw)
        except InputError:
            raise _Decline from None
        return value


def _fast_booleans(values: list[Any]) -> list[bool] | None:
    """Booleans through parse_bool once per distinct cell value; None if any is unclear."""
    try:
        # A string never equals a non-string, so the first non-string cell is a miss and
        # declines this pass; CSV columns finish here with one dict lookup per cell.
        return list(map(_Verdicts().__getitem__, values))
    except TypeError:          # an unhashable JSON value: let the row parser name it
        return None
    except _Decline:
        pass
    verdicts = _Verdicts()
    try:
        return [verdicts[(type(v), v)] for v in values]
    except (TypeError, _Decline):
        return None


def _fast_text(values: list[Any]) -> list[str] | None:
    try:
        "".join(values)
    except TypeError:
        return None
    out = list(map(str.strip, values))
    return out if all(out) else None


def _identities(table: Table, mapping: dict[str, str]) -> tuple[list[str], list[str]]:
    id_header, name_header = mapping.get("customer_id"), mapping.get("name")
    ids, names = [], []
    for line, row in zip(table.row_numbers, table.rows):
        ident_raw = row.get(id_header) if id_header else None
        name_raw = row.get(name_header) if name_header else None
        name = str(name_raw).strip() if not _blank(name_raw) else ""
        ident = str(ident_raw).strip() if not _blank(ident_raw) else (name or f"row {line}")
        ids.append(ident)
        names.append(name or ident)
    return ids, names


def _column(rows: list[dict[str, Any]], header: str) -> list[Any]:
    try:
        return list(map(operator.itemgetter(header), rows))
    except KeyError:           # JSON records without some keys
        return [r.get(header) for r in rows]


def _read_fast(table: Table, mapping: dict[str, str]) -> _Columns | None:
    """Column at a time for clean files; None sends the file to the row-by-row reader, which
    either finds the same values or raises the error naming the first bad row and field."""
    if "tenure_months" not in mapping:
        return None
    rows = table.rows
    numbers = []
    for field, maximum in (("arr", MAX_AMOUNT), ("cost_to_serve", MAX_AMOUNT), ("tenure_months", math.inf)):
        parsed = _fast_numbers(_column(rows, mapping[field]), maximum)
        if parsed is None:
            return None
        numbers.append(parsed)
    signals = []
    for signal in SIGNALS:
        flags = _fast_booleans(_column(rows, mapping[signal]))
        if flags is None:
            return None
        signals.append(flags)
    optional = [f for f in ("customer_id", "name") if f in mapping]
    text = {f: _fast_text(_column(rows, mapping[f])) for f in optional}
    if not optional or any(v is None for v in text.values()):
        ids, names = _identities(table, mapping)
    else:
        ids = text.get("customer_id") or text["name"]
        names = text.get("name") or ids
    if len(set(ids)) != len(ids):
        return None
    cols = _Columns()
    cols.ids, cols.names, cols.rows = ids, names, list(table.row_numbers)
    cols.arr, cols.cost, cols.tenure = numbers
    cols.signals = signals
    return cols


def _read_rows(table: Table, mapping: dict[str, str], options: SegmentationOptions) -> _Columns:
    """Row by row, so the first bad cell is reported with its row and field."""
    cols = _Columns()
    use_start = "tenure_months" not in mapping
    arr_h, cost_h = mapping["arr"], mapping["cost_to_serve"]
    tenure_h = mapping.get("tenure_months")
    start_h = mapping.get("start_date")
    signal_headers = [(s, mapping[s]) for s in SIGNALS]
    ids, names = _identities(table, mapping)
    seen_ids: dict[str, int] = {}
    file = table.file

    for index, (line, row) in enumerate(zip(table.row_numbers, table.rows)):
        field = "arr"
        try:
            raw = row.get(arr_h)
            if _blank(raw):
                raise InputError("ARR is blank (write 0 for a free account)")
            arr = parse_money(raw)
            field = "cost_to_serve"
            raw = row.get(cost_h)
            if _blank(raw):
                raise InputError("annual cost to serve is blank (write 0 if it costs nothing)")
            cost = parse_money(raw)
            if use_start:
                field = "start_date"
                raw = row.get(start_h)
                if _blank(raw):
                    raise InputError("start date is blank")
                started = parse_date(raw)
                assert options.as_of is not None
                if started > options.as_of:
                    raise InputError(f"start date {started} is after --as-of {options.as_of}")
                tenure = float(months_between(started, options.as_of))
            else:
                field = "tenure_months"
                raw = row.get(tenure_h)
                if _blank(raw):
                    raise InputError("tenure is blank (months as a customer)")
                tenure = parse_months(raw)
            flags: list[bool] = []
            for field, header in signal_headers:
                raw = row.get(header)
                if _blank(raw):
                    raise InputError("is blank; write true or false")
                flags.append(parse_bool(raw))
        except InputError as exc:
            raise exc.located(file=file, row=line, field=field) from None
        ident = ids[index]
        if ident in seen_ids:
            raise InputError(f"customer '{ident}' appears twice (first on row {seen_ids[ident]}); "
                             "one row per customer", file=file, row=line,
                             field="customer_id" if "customer_id" in mapping else "name")
        seen_ids[ident] = line
        cols.ids.append(ident)
        cols.names.append(names[index])
        cols.rows.append(line)
        cols.arr.append(arr)
        cols.cost.append(cost)
        cols.tenure.append(tenure)
        for column, flag in zip(cols.signals, flags):
            column.append(flag)
    return cols


def read_customers(source: Source, options: SegmentationOptions) -> tuple[_Columns, Table]:
    table = read_table(source, list_keys=("customers", "accounts", "rows", "records", "data", "items"),
                       name="customers")
    mapping = resolve_columns(table, COLUMN_ALIASES, REQUIRED)
    if "tenure_months" not in mapping and "start_date" not in mapping:
        raise InputError("missing column tenure_months (or start_date with --as-of) "
                         f"(found: {', '.join(table.headers)})", file=table.file)
    if "tenure_months" not in mapping and options.as_of is None:
        raise UsageError(f"{table.file} gives start dates, not tenure months: pass --as-of "
                         "YYYY-MM-DD to measure tenure to a fixed date")
    if not table.rows:
        raise InputError("has no customers (only a header)", file=table.file)
    cols = _read_fast(table, mapping)
    if cols is None:
        cols = _read_rows(table, mapping, options)
    return cols, table


# --------------------------------------------------------------------------------------------
# Rules


def fit_score(flags: list[bool] | tuple[bool, ...], weights: dict[str, float] | None = None) -> float:
    """ICP fit 0-10: the sum of the weights of the true signals (weights sum to 10)."""
    weights = weights or config()["fit_weights"]
    return float(sum(weights[s] for s, on in zip(SIGNALS, flags) if on))


def tier_label(tier: str, lang: Lang = "en") -> str:
    """A tier's name in `lang` ("Long tail", "长尾客户")."""
    return pick(config()["tier_labels"][tier], lang)


def tier_engagement(tier: str, lang: Lang = "en") -> str:
    """How a tier is served, in `lang` (thresholds.yaml investment.<tier>.engagement)."""
    return pick(config()["investment"][tier]["engagement"], lang)


def _validated_config() -> dict[str, Any]:
    cfg = config()
    tiers = cfg["tiers"]
    weights = cfg["fit_weights"]
    if set(weights) != set(SIGNALS) or abs(sum(weights.values()) - 10.0) > 1e-9:
        raise InputError("thresholds.yaml customer_segmentation_designer.fit_weights must give "
                         f"the seven signals weights summing to 10 (got {sum(weights.values())})")
    if len(tiers) != 4 or set(cfg["investment"]) != set(tiers):
        raise InputError("thresholds.yaml customer_segmentation_designer needs four tiers, each "
                         "with an investment entry")
    return cfg


def tier_floors_for_thresholds(cfg: dict[str, Any], override: list[float] | None) -> list[float]:
    """Entry ARR per tier, top -> bottom; the bottom tier takes every paying customer."""
    tiers = cfg["tiers"]
    if override is not None:
        if len(override) != len(tiers) - 1:
            raise UsageError(f"--thresholds takes {len(tiers) - 1} amounts (minimum ARR for "
                             f"{', '.join(tiers[:-1])}), got {len(override)}")
        floors = list(override)
    else:
        floors = [float(cfg["arr_thresholds"][t]) for t in tiers[:-1]]
    if any(b >= a for a, b in zip(floors, floors[1:])) or floors[-1] <= 0:
        raise UsageError("tier thresholds must be positive and strictly decreasing from "
                         f"{tiers[0]} down (got {', '.join(usd(v) for v in floors)})")
    return floors + [0.0]


def _threshold_tiers(np: Any, arr: Any, floors: list[float]) -> Any:
    """Tier index per ARR: the count of entry thresholds (top tiers) it falls short of."""
    tiers = np.zeros(len(arr), dtype=np.int64)
    for floor in floors[:-1]:
        tiers += arr < floor
    return tiers


def assign_thresholds(arr: list[float], floors: list[float]) -> list[int]:
    """Tier index per paying customer: the first tier (from the top) whose entry ARR it reaches."""
    import numpy as np

    return _threshold_tiers(np, np.asarray(arr, dtype=float), floors).tolist()


def percentile_cuts(sorted_desc: Any, shares: list[float]) -> list[int]:
    """End positions (exclusive) of each tier above the bottom one in an ARR list sorted high to
    low. Cut = ceil(cumulative share x n); a cut inside a run of equal ARR moves down past the run
    so ties stay together in the higher tier."""
    n = len(sorted_desc)
    cuts: list[int] = []
    cumulative = 0.0
    previous = 0
    for share in shares:
        cumulative += share
        cut = min(n, math.ceil(cumulative * n - 1e-9))
        cut = max(cut, previous)
        while 0 < cut < n and sorted_desc[cut] == sorted_desc[cut - 1]:
            cut += 1
        cuts.append(cut)
        previous = cut
    return cuts


def _percentile_tiers(np: Any, arr: Any, shares: list[float]) -> Any:
    order = np.argsort(-arr, kind="stable")
    cuts = percentile_cuts(arr[order], shares)
    tiers = np.empty(len(arr), dtype=np.int64)
    tiers[order] = np.searchsorted(np.asarray(cuts), np.arange(len(arr)), side="right")
    return tiers


def assign_percentile(arr: list[float], shares: list[float]) -> list[int]:
    import numpy as np

    return _percentile_tiers(np, np.asarray(arr, dtype=float), shares).tolist()


def kill_rule_statement(rule: dict[str, Any]) -> str:
    return (f"Listed only when ALL hold: ARR > 0; annual cost to serve >= {rule['min_cost_ratio']:.0%} "
            f"of ARR; ICP fit <= {rule['max_fit_score']:g}/10; no expansion potential; tenure >= "
            f"{rule['min_tenure_months']:g} months. Zero-ARR accounts are reported separately.")


# --------------------------------------------------------------------------------------------
# Run


def assign_tiers(np: Any, arr: Any, paying_idx: Any, options: SegmentationOptions, cfg: dict[str, Any],
                 tiers: list[str], labels: dict[str, str]) -> tuple[Any, list[float | None], str]:
    """Each paying customer's tier (-1 for zero ARR), each tier's entry ARR, and the rule in words:
    ARR floors (--mode thresholds) or shares of paying customers ranked by ARR (--mode percentile)."""
    bottom = len(tiers) - 1
    paying_arr = arr[paying_idx]
    tier_of = np.full(len(arr), -1, dtype=np.int64)
    entry: list[float | None]
    if options.mode == "thresholds":
        floors = tier_floors_for_thresholds(cfg, options.thresholds)
        tier_of[paying_idx] = _threshold_tiers(np, paying_arr, floors)
        entry = list(floors)
        in_bottom = paying_arr[tier_of[paying_idx] == bottom]
        entry[-1] = float(in_bottom.min()) if in_bottom.size else None
        rule = ("Minimum ARR to enter: " + ", ".join(
            f"{labels[t]} {usd(f)}" for t, f in zip(tiers[:-1], floors[:-1]))
            + f"; {labels[tiers[-1]]}: every other paying customer")
        return tier_of, entry, rule
    shares = [float(cfg["percentile_shares"][t]) for t in tiers[:-1]]
    if any(s <= 0 for s in shares) or sum(shares) >= 1:
        raise InputError("thresholds.yaml percentile_shares must be positive and sum below 1")
    tier_of[paying_idx] = _percentile_tiers(np, paying_arr, shares)
    entry = []
    for t in range(len(tiers)):
        members = arr[tier_of == t]
        entry.append(float(members.min()) if members.size else None)
    rest = 1 - sum(shares)
    rule = ("Paying customers ranked by ARR: " + ", ".join(
        f"{labels[t]} {'top' if k == 0 else 'next'} {s:.0%}" for k, (t, s) in
        enumerate(zip(tiers, shares))) + f", {labels[tiers[-1]]} the remaining {rest:.0%} "
        "(cut = ceil(cumulative share x paying customers); ties at a cut stay in the higher tier)")
    return tier_of, entry, rule


def tier_summaries(np: Any, arr: Any, cost: Any, fits: Any, tier_of: Any, paying_idx: Any,
                   entry: list[float | None], cfg: dict[str, Any], tiers: list[str],
                   labels: dict[str, str]) -> tuple[list[TierSummary], list[int]]:
    """Per tier: customers, ARR, cost to serve and the investment its coverage model calls for."""
    total_arr = math.fsum(arr[paying_idx].tolist())
    paying_n = int(paying_idx.size)
    paying_tiers = tier_of[paying_idx]
    counts = np.bincount(paying_tiers, minlength=len(tiers)).tolist()
    summaries = []
    for t, name in enumerate(tiers):
        members = paying_idx[paying_tiers == t]
        arr_t = math.fsum(arr[members].tolist())
        cost_t = math.fsum(cost[members].tolist())
        fit_t = math.fsum(fits[members].tolist())
        inv = cfg["investment"][name]
        target_ratio = float(inv["target_cost_ratio"])
        recommended = arr_t * target_ratio
        summaries.append(TierSummary(
            tier=name, label=labels[name], rank=t + 1, entry_arr=entry[t], customers=counts[t],
            customer_share=counts[t] / paying_n if paying_n else 0.0,
            arr=arr_t, arr_share=arr_t / total_arr if total_arr else 0.0,
            average_arr=arr_t / counts[t] if counts[t] else None,
            average_fit_score=fit_t / counts[t] if counts[t] else None,
            cost_to_serve=cost_t, cost_ratio=cost_t / arr_t if arr_t else None,
            coverage_model=inv["coverage_model"], engagement=tier_engagement(name),
            target_cost_ratio=target_ratio, recommended_investment=recommended,
            investment_gap=recommended - cost_t,
        ))
    return summaries, counts


@dataclass
class _Book:
    """The customer file as arrays (ARR, cost, fit, tier per customer), read once and shared by
    every list the tool makes."""

    cols: _Columns
    tiers: list[str]
    labels: dict[str, str]
    arr: Any
    cost: Any
    tenure: Any
    expansion: Any
    fits: Any
    paying: Any
    paying_idx: Any
    tier_of: Any                  # tier index per customer, −1 for zero ARR
    entry: list[float | None]     # each tier's entry ARR (None for an empty tier)

    def row(self, index: int, *, target: int | None = None, reasons: list[str] | None = None) -> CustomerRow:
        """One customer as a result row, optionally with the tier it should move to and why."""
        cols, tier = self.cols, int(self.tier_of[index])
        return CustomerRow(
            customer_id=cols.ids[index], name=cols.names[index], row=cols.rows[index],
            tier=self.tiers[tier] if tier >= 0 else None, arr=cols.arr[index], fit_score=float(self.fits[index]),
            cost_to_serve=cols.cost[index],
            cost_ratio=cols.cost[index] / cols.arr[index] if cols.arr[index] > 0 else None,
            tenure_months=cols.tenure[index], expansion_potential=bool(self.expansion[index]),
            target_tier=self.tiers[target] if target is not None else None, reasons=reasons or [],
        )


def _book(np: Any, cols: _Columns, options: SegmentationOptions, cfg: dict[str, Any],
          weights: dict[str, float]) -> tuple[_Book, str]:
    """The columns as NumPy arrays, each customer's fit score summed from its signals and its tier
    assigned; with the tier rule in words."""
    tiers: list[str] = list(cfg["tiers"])
    labels = {tier: tier_label(tier) for tier in tiers}
    arr = np.asarray(cols.arr, dtype=float)
    fits = np.zeros(len(cols.ids))
    for name, column in zip(SIGNALS, cols.signals):   # signal order, as fit_score() adds them
        fits += weights[name] * np.asarray(column, dtype=bool)
    paying = arr > 0
    paying_idx = np.flatnonzero(paying)
    tier_of, entry, tier_rule = assign_tiers(np, arr, paying_idx, options, cfg, tiers, labels)
    book = _Book(cols=cols, tiers=tiers, labels=labels, arr=arr, cost=np.asarray(cols.cost, dtype=float),
                 tenure=np.asarray(cols.tenure, dtype=float), expansion=np.asarray(cols.expansion, dtype=bool),
                 fits=fits, paying=paying, paying_idx=paying_idx, tier_of=tier_of, entry=entry)
    return book, tier_rule


def _largest_first(np: Any, mask: Any, values: Any) -> list[int]:
    """Indices where mask holds, largest value first; ties keep file order (stable sort)."""
    index = np.flatnonzero(mask)
    return index[np.argsort(-values[index], kind="stable")].tolist()


def _movers(np: Any, book: _Book, transitions: dict[str, Any], rule: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Masks of the accounts to kill, upgrade and downgrade. The kill list comes first: the transition
    lists exclude its accounts so no account gets two verdicts."""
    arr, fits, expansion, tier_of = book.arr, book.fits, book.expansion, book.tier_of
    kill = (book.paying & (book.cost >= float(rule["min_cost_ratio"]) * arr)
            & (fits <= float(rule["max_fit_score"])) & ~expansion
            & (book.tenure >= float(rule["min_tenure_months"])))
    # Entry ARR of the tier above each customer's tier (inf where there is none: top tier,
    # zero-ARR accounts, or an empty tier above).
    above = np.array([math.inf] + [math.inf if entry is None else entry for entry in book.entry[:-1]]
                     + [math.inf])
    next_entry = above[np.where(tier_of >= 0, tier_of, len(book.tiers))]
    upgrade = (book.paying & ~kill & (tier_of > 0) & expansion & (fits >= float(transitions["upgrade_min_fit"]))
               & (arr >= float(transitions["upgrade_reach"]) * next_entry))
    downgrade = (book.paying & ~kill & (tier_of < len(book.tiers) - 1) & ~expansion
                 & (fits <= float(transitions["downgrade_max_fit"])))
    return kill, upgrade, downgrade


def _listed_rows(book: _Book, upgrades: list[int], downgrades: list[int], kills: list[int], zero: list[int],
                 limit: int, transitions: dict[str, Any], rule: dict[str, Any]) -> list[list[CustomerRow]]:
    """The upgrade, downgrade, kill and zero-ARR lists (the first `limit` of each), every row with its reasons."""
    cols, fits, tiers = book.cols, book.fits, book.tiers
    up_fit, reach = float(transitions["upgrade_min_fit"]), float(transitions["upgrade_reach"])
    down_fit = float(transitions["downgrade_max_fit"])
    min_ratio, max_fit = float(rule["min_cost_ratio"]), float(rule["max_fit_score"])
    min_tenure = float(rule["min_tenure_months"])
    upgrade_rows = []
    for i in upgrades[:limit]:
        target = int(book.tier_of[i]) - 1
        upgrade_rows.append(book.row(i, target=target, reasons=[
            f"fit {fits[i]:g}/10 >= {up_fit:g}", "expansion potential",
            f"ARR {usd(cols.arr[i])} >= {reach:.0%} of {book.labels[tiers[target]]} entry {usd(book.entry[target])}",
        ]))
    downgrade_rows = [book.row(i, target=int(book.tier_of[i]) + 1, reasons=[
        f"fit {fits[i]:g}/10 <= {down_fit:g}", "no expansion potential",
    ]) for i in downgrades[:limit]]
    kill_rows = [book.row(i, reasons=[
        f"cost to serve {cols.cost[i] / cols.arr[i]:.0%} of ARR >= {min_ratio:.0%}",
        f"fit {fits[i]:g}/10 <= {max_fit:g}", "no expansion potential",
        f"tenure {cols.tenure[i]:g} months >= {min_tenure:g}",
    ]) for i in kills[:limit]]
    zero_rows = [book.row(i, reasons=[
        f"no revenue, costs {usd(cols.cost[i])} a year: convert to paid or sunset"
        if cols.cost[i] > 0 else "no revenue and no cost to serve: leave on self-serve"
    ]) for i in zero[:limit]]
    return [upgrade_rows, downgrade_rows, kill_rows, zero_rows]


def _book_warnings(book: _Book, table: Table, counts: list[int], paying_count: int, largest: int | None,
                   largest_share: float | None, concentration: float) -> list[str]:
    """The reader's warnings, then a customer too large for any tier, no paying customers, or an empty tier."""
    warnings = list(table.warnings)
    if largest is not None and largest_share is not None and largest_share > concentration:
        warnings.append(f"{book.cols.names[largest]} is {largest_share:.1%} of ARR (above "
                        f"{concentration:.0%}): give it an executive sponsor whatever its tier")
    if not paying_count:
        warnings.append("no paying customers: nothing to tier; only the zero-ARR list applies")
    for tier, name in enumerate(book.tiers):
        if paying_count and counts[tier] == 0:
            warnings.append(f"tier {book.labels[name]} is empty with these thresholds")
    return warnings


def _total(values: Any, indices: list[int]) -> float:
    """An exact sum of the listed customers' values."""
    return math.fsum(values[i] for i in indices)


def run(source: Source, options: SegmentationOptions | None = None) -> SegmentationResult:
    """Tiers by ARR, fit scores, who moves up or down a tier, the kill list and the zero-ARR list."""
    import numpy as np  # lazy: keeps `csuite --help` fast

    options = options or SegmentationOptions()
    cfg = _validated_config()
    if options.mode == "percentile" and options.thresholds is not None:
        raise UsageError("--thresholds applies to --mode thresholds only")
    cols, table = read_customers(source, options)
    weights: dict[str, float] = {name: float(weight) for name, weight in cfg["fit_weights"].items()}
    rule = cfg["kill_rule"]
    limit = options.limit or int(cfg["list_limit"])
    book, tier_rule = _book(np, cols, options, cfg, weights)
    paying_idx = book.paying_idx
    kill, upgrade, downgrade = _movers(np, book, cfg["transitions"], rule)
    kills, upgrades, downgrades = (_largest_first(np, mask, book.arr) for mask in (kill, upgrade, downgrade))
    zero = _largest_first(np, ~book.paying, book.cost)
    listed = _listed_rows(book, upgrades, downgrades, kills, zero, limit, cfg["transitions"], rule)
    upgrade_rows, downgrade_rows, kill_rows, zero_rows = listed
    total_arr = math.fsum(book.arr[paying_idx].tolist())
    paying_n = int(paying_idx.size)
    summaries, counts = tier_summaries(np, book.arr, book.cost, book.fits, book.tier_of, paying_idx, book.entry,
                                       cfg, book.tiers, book.labels)
    # The alert's own line, so this warning and the customer_concentration alert never disagree.
    concentration = float(alert_threshold("customer_concentration", "largest_customer_share"))
    largest = int(np.argmax(book.arr)) if paying_n else None      # first of the largest
    largest_share = cols.arr[largest] / total_arr if largest is not None and total_arr else None
    warnings = _book_warnings(book, table, counts, paying_n, largest, largest_share, concentration)
    assignments = [book.row(i) for i in range(len(cols.ids))] if options.include_customers else None
    return SegmentationResult(
        mode=options.mode, source=table.file, as_of=options.as_of, customers=len(cols.ids),
        paying_customers=paying_n, zero_arr_customers=len(zero), total_arr=total_arr,
        total_cost_to_serve=math.fsum(cols.cost), fit_weights=weights, tier_rule=tier_rule,
        tiers=summaries, largest_customer=book.row(largest) if largest is not None else None,
        largest_customer_share=largest_share, concentration_threshold=concentration,
        concentration_flag=bool(largest_share is not None and largest_share > concentration),
        upgrade_candidates=upgrade_rows, upgrade_count=len(upgrades), upgrade_arr=_total(cols.arr, upgrades),
        downgrade_candidates=downgrade_rows, downgrade_count=len(downgrades),
        downgrade_arr=_total(cols.arr, downgrades),
        kill_rule=KillRule(min_cost_ratio=float(rule["min_cost_ratio"]), max_fit_score=float(rule["max_fit_score"]),
                           min_tenure_months=float(rule["min_tenure_months"]),
                           statement=kill_rule_statement(rule)),
        kill_list=kill_rows, kill_count=len(kills), kill_arr=_total(cols.arr, kills),
        kill_cost_to_serve=_total(cols.cost, kills),
        zero_arr=zero_rows, zero_arr_cost_to_serve=_total(cols.cost, zero),
        list_limit=limit, assignments=assignments, warnings=warnings,
    )


# --------------------------------------------------------------------------------------------
# Render


def render(result: SegmentationResult, lang: Lang = "en") -> str:  # type: ignore[override]
    tiers = [t.tier for t in result.tiers]
    in_lang = {tier_label(tier): tier_label(tier, lang) for tier in tiers}
    T = ToolTexts(NAME, lang, lookups={"tier": lambda label: in_lang.get(label, label)})
    labels = {tier: tier_label(tier, lang) for tier in tiers}

    def coverage(model: str) -> str:
        """A coverage model as the table names it: its id in English (as in --json), its name in Chinese."""
        return model if lang == "en" else pick(section("cs_coverage_calculator")["models"][model]["label"], lang)

    zero = T("zero_arr_count", count=result.zero_arr_customers) if result.zero_arr_customers else ""
    columns = [("col_tier", 10, False), ("col_entry", 11, True), ("col_customers", 5, True), ("col_arr", 12, True),
               ("col_arr_share", 6, True), ("col_fit", 7, True), ("col_cost", 8, True), ("col_target", 6, True),
               ("col_gap", 11, True)]
    lines = [
        T("headline", mode=T.term(result.mode), paying=result.paying_customers, arr=usd(result.total_arr), zero=zero),
        T("tier_rule", rule=T.say(result.tier_rule)),
        "",
        " ".join(pad(T(key), size, right=right) for key, size, right in columns) + "  " + T("col_coverage"),
    ]
    for t in result.tiers:
        fit = T("n_a") if t.average_fit_score is None else f"{t.average_fit_score:.1f}"
        lines.append(T("tier_row", tier=pad(labels[t.tier], 10), entry=usd(t.entry_arr), customers=t.customers,
                       arr=usd(t.arr), share=pct(t.arr_share), fit=fit, cost=pct(t.cost_ratio),
                       target=t.target_cost_ratio, gap=usd(t.investment_gap), coverage=coverage(t.coverage_model)))
    if result.largest_customer is not None:
        lines += ["", T("largest", name=result.largest_customer.name, arr=usd(result.largest_customer.arr),
                        share=pct(result.largest_customer_share))]

    def block(title: str, rows: list[CustomerRow], count: int, arr: float | None, show_target: bool,
              note: str | None = None) -> None:
        head = T("block", title=title, count=count)
        if arr is not None:
            head += T("block_arr", arr=usd(arr))
        lines.extend(["", head])
        if note:
            lines.append(T("rule", rule=T.say(note)))
        for r in rows:
            target = T("target", tier=labels[r.target_tier]) if show_target and r.target_tier else ""
            tier = labels[r.tier] if r.tier else T("untiered")
            cost = T("n_a") if r.cost_ratio is None else f"{r.cost_ratio:.0%}"
            lines.append(T("customer_row", name=pad(r.name, 28, cut=True), arr=usd(r.arr), tier=tier, target=target,
                           fit=f"{r.fit_score:g}", cost=cost))
        if count > len(rows):
            lines.append(T("more_rows", count=count - len(rows)))

    block(T("upgrades"), result.upgrade_candidates, result.upgrade_count, result.upgrade_arr, True)
    block(T("downgrades"), result.downgrade_candidates, result.downgrade_count, result.downgrade_arr, True)
    block(T("kill_list"), result.kill_list, result.kill_count, result.kill_arr, False, result.kill_rule.statement)
    if result.zero_arr_customers:
        lines.extend(["", T("zero_arr", count=result.zero_arr_customers, cost=usd(result.zero_arr_cost_to_serve))])
        for r in result.zero_arr:
            lines.append(T("zero_row", name=pad(r.name, 28, cut=True), reason=T.say(r.reasons[0])))
        if result.zero_arr_customers > len(result.zero_arr):
            lines.append(T("more_zero", count=result.zero_arr_customers - len(result.zero_arr)))
    for w in result.warnings:
        lines.append(T("warning", text=T.say(w)))
    return "\n".join(lines)


SPEC = ToolSpec(
    name=NAME,
    summary=summary_of(NAME),
    role="cco",
    input_help="customers CSV/JSON: id or name, ARR, tenure months (or start date + --as-of), the "
               "seven ICP signals as true/false (industry_fit, company_size_fit, workflow_fit, "
               "executive_sponsor, advocacy, expansion_potential, low_competitive_pressure), "
               "annual cost to serve",
    sample="customers.csv",
    options=SegmentationOptions,
    result=SegmentationResult,
    run=run,
    render=render,  # type: ignore[arg-type]
    data_kinds=("customers",),
)
