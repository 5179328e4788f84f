"""A Stripe subscriptions export turned into monthly snapshots (per customer, so a plan
switch is not churn + new), with each customer's plan and scheduled cancellations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any


from csuite.errors import InputError
from csuite.io.columns import inert
from csuite.io.tables import (
    Table,
    cell,
    resolve_columns,
)
from csuite.io.values import (
    parse_bool,
    month_end,
    parse_date,
    parse_int,
    parse_money,
)

from csuite.tools.snapshots.data import (
    MAX_ARR_CENTS,
    STRIPE_KEYS,
    STRIPE_ALIASES,
    Snapshots,
    month_of_day,
)


# ----------------------------------------------------------------------------- Stripe
if TYPE_CHECKING:  # numpy is imported where the matrix is built
    import numpy as np


def is_stripe_table(table: Table) -> bool:
    keys = table.keys
    has_start = bool(keys & {"start_utc", "start_date_utc", "created_utc", "current_period_start_utc"})
    return STRIPE_KEYS <= keys and has_start


# Statuses that never produced revenue; everything else bills while its dates say it is active.
_STRIPE_SKIP = {"incomplete", "incomplete_expired"}
_STRIPE_STATUSES = {"active", "past_due", "unpaid", "canceled", "cancelled", "trialing", "paused",
                    "incomplete", "incomplete_expired", "ended"}
_MONTHS_PER_INTERVAL = {"month": 1.0, "year": 12.0, "week": 12 / 52, "day": 12 / 365}


def _stripe_date(value: Any) -> date:
    """Dashboard exports write '2025-03-14 09:26'; API dumps write Unix seconds."""
    text = str(value).strip()
    if re.fullmatch(r"\d{9,10}", text):
        return datetime.fromtimestamp(int(text), tz=timezone.utc).date()
    return parse_date(text)


class _StripeRow:
    """One subscription row: its cells by our field names, each error located at the row."""

    def __init__(self, record: dict[str, Any], row: int, mapping: dict[str, str], file: str) -> None:
        self.record, self.row, self.mapping, self.file = record, row, mapping, file

    def get(self, name: str) -> Any:
        return cell(self.record, self.mapping, name)

    def error(self, message: str, name: str | None) -> InputError:
        return InputError(message, file=self.file, row=self.row, field=self.mapping.get(name) if name else None)

    def when(self, name: str) -> date | None:
        raw = self.get(name)
        if raw is None:
            return None
        try:
            return _stripe_date(raw)
        except InputError as exc:
            raise exc.located(file=self.file, row=self.row, field=self.mapping[name]) from None

    def parsed(self, name: str, parse: Any, default: Any) -> Any:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            return parse(raw)
        except InputError as exc:
            raise exc.located(file=self.file, row=self.row, field=self.mapping.get(name)) from None


@dataclass
class _Span:
    customer: str
    begins: date
    end: date | None
    cents: int                     # MRR in integer cents


def _status(r: _StripeRow) -> str:
    status = str(r.get("status") or "").strip().lower()
    if status not in _STRIPE_STATUSES:
        raise r.error(f"unknown subscription status '{status}' (expected one of "
                      f"{', '.join(sorted(_STRIPE_STATUSES))})", "status")
    return status


def _dates(r: _StripeRow, status: str) -> tuple[date, date | None, date | None, list[date]]:
    """(start, trial end, end, every date the row names): an end before the start is refused."""
    start = r.when("start") or r.when("created")
    if start is None:
        raise r.error("start date is empty", "start" if "start" in r.mapping else "created")
    ended, canceled = r.when("ended_at"), r.when("canceled_at")
    closed = status in ("canceled", "cancelled", "ended")
    end = ended or (canceled if closed else None)
    if closed and end is None:
        raise r.error("is canceled but has no Ended At or Canceled At date",
                      "ended_at" if "ended_at" in r.mapping else "canceled_at" if "canceled_at" in r.mapping
                      else "status")
    for label, name, day in (("Ended At", "ended_at", ended), ("Canceled At", "canceled_at", canceled)):
        if day is not None and day < start:
            raise r.error(f"{label} {day} is before the start {start}", name)
    named = [d for d in (start, ended, canceled, r.when("current_period_start")) if d is not None]
    return start, r.when("trial_end"), end, named


def _mrr_cents(r: _StripeRow) -> int:
    """MRR = Amount × Quantity ÷ (months per interval × Interval Count), in integer cents."""
    amount = r.parsed("amount", parse_money, None)
    if amount is None:
        amount = _amount_of_blank(r)
    quantity = r.parsed("quantity", parse_int, 1)
    count = r.parsed("interval_count", lambda v: parse_int(v, minimum=1), 1)
    interval = str(r.get("interval") or "").strip().lower()
    if interval not in _MONTHS_PER_INTERVAL:
        raise r.error(f"billing interval '{interval}' is not month, year, week or day", "interval")
    mrr = amount * quantity / (_MONTHS_PER_INTERVAL[interval] * count)
    if mrr * 12 * 100 > MAX_ARR_CENTS:
        raise r.error("amount × quantity is implausibly large (over $10B ARR)", "amount")
    return int(round(mrr * 100))


def _amount_of_blank(r: _StripeRow) -> float:
    """A blank Amount is refused the way parse_money refuses it, located at the row."""
    try:
        return parse_money("")
    except InputError as exc:
        raise exc.located(file=r.file, row=r.row, field=r.mapping["amount"]) from None


@dataclass
class _Export:
    spans: list[_Span] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    currencies: set[str] = field(default_factory=set)
    plans: dict[str, tuple[date, str]] = field(default_factory=dict)
    scheduled: set[str] = field(default_factory=set)
    latest: date = date.min


def _read_export(table: Table, mapping: dict[str, str]) -> _Export:
    """Every subscription that billed, as a span of MRR per customer, plus names, plans,
    currencies and scheduled cancellations."""
    export = _Export()
    for row_no, record in table:
        r = _StripeRow(record, row_no, mapping, table.file)
        customer = r.get("customer_id")
        if customer is None:
            raise r.error("customer id is empty", "customer_id")
        customer = str(customer).strip()
        status = _status(r)
        if r.get("customer_name"):
            export.names.setdefault(customer, str(r.get("customer_name")).strip())
        if r.get("currency"):
            export.currencies.add(str(r.get("currency")).strip().lower())
        start, trial_end, end, named = _dates(r, status)
        export.latest = max([export.latest, *named])
        if status in _STRIPE_SKIP or (status == "trialing" and trial_end is None):
            continue  # never produced revenue (trialing with no end date never billed yet)
        cents = _mrr_cents(r)
        begins = max(start, trial_end) if trial_end is not None else start
        export.spans.append(_Span(customer, begins, end, cents))
        if r.get("plan") and begins >= export.plans.get(customer, (date.min, ""))[0]:
            export.plans[customer] = (begins, str(inert(str(r.get("plan")).strip())))
        if end is None and r.parsed("cancel_at_period_end", parse_bool, False):
            export.scheduled.add(customer)
    return export


def _monthly_matrix(spans: list[_Span], measure_until: date, file: str) -> tuple[dict[str, int], int, "np.ndarray"]:
    """(customer → row, first month, ARR matrix in cents): a span counts in a month when it is
    active at the month's end (or at `measure_until` for that month)."""
    import numpy as np

    first = min(month_of_day(s.begins) for s in spans)
    last = month_of_day(measure_until)
    if last < first:
        raise InputError(f"as-of {measure_until} is before the first subscription starts", file=file)
    n_months = last - first + 1
    customers: dict[str, int] = {}
    for s in spans:
        customers.setdefault(s.customer, len(customers))
    matrix = np.zeros((len(customers), n_months), dtype=np.int64)
    measure_days = [min(month_end((first + j) // 12, (first + j) % 12 + 1), measure_until) for j in range(n_months)]
    for s in spans:
        i = customers[s.customer]
        for j in range(max(0, month_of_day(s.begins) - first), n_months):
            day = measure_days[j]
            if s.begins <= day and (s.end is None or s.end > day):
                matrix[i, j] += s.cents
    return customers, first, matrix * 12


def snapshots_from_stripe(table: Table, *, as_of: date | None = None) -> Snapshots:
    """Monthly ARR per Stripe customer (all its subscriptions summed, so a plan switch is not
    churn + new). A subscription counts in a month when it is active at that month's end (or
    at as-of, for the as-of month): started, past any trial, and not yet ended.

    MRR = Amount × Quantity ÷ months per billing interval (month 1, year 12, week 12/52,
    day 12/365; × Interval Count when present). Amount is in dollars as the dashboard exports it.
    """
    mapping = resolve_columns(table, STRIPE_ALIASES, required=("customer_id", "amount", "interval", "status"))
    if "start" not in mapping and "created" not in mapping:
        raise InputError("missing column Start (UTC) or Created (UTC)", file=table.file)
    export = _read_export(table, mapping)
    if len(export.currencies) > 1:
        raise InputError(f"mixes currencies ({', '.join(sorted(export.currencies))}); export one currency at a "
                         "time", file=table.file)
    if sum(s.cents for s in export.spans) * 12 >= 2 ** 62:
        raise InputError("amounts are too large to add up exactly (totals above $46 quadrillion)", file=table.file)
    if not export.spans:
        raise InputError("has no subscriptions that billed (all incomplete or trialing)", file=table.file)
    measure_until = as_of or export.latest
    customers, first, matrix = _monthly_matrix(export.spans, measure_until, table.file)
    warnings = list(table.warnings)
    if as_of is None:
        warnings.append(f"{table.file}: measured up to {measure_until}, the latest date in the export; "
                        "pass --as-of to choose the date")
    return Snapshots(accounts=tuple(customers), first=first, arr=matrix, unit="mrr", file=table.file,
                     source_kind="stripe", names=export.names, warnings=tuple(warnings),
                     segments={c: plan for c, (_, plan) in export.plans.items()},
                     cancel_scheduled=frozenset(export.scheduled),
                     currency=next(iter(export.currencies)).upper() if export.currencies else None)
