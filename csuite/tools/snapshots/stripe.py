"""A Stripe subscriptions export turned into monthly snapshots (per customer, so a plan
switch is not churn + new), with each customer's plan and scheduled cancellations."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any


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


def snapshots_from_stripe(table: Table, *, as_of: date | None = None) -> Snapshots:
    """Monthly ARR per Stripe customer (all its subscriptions summed, so a plan switch is not
    churn + new). A subscription counts in a month when it is active at that month's end (or
    at as-of, for the as-of month): started, past any trial, and not yet ended.

    MRR = Amount × Quantity ÷ months per billing interval (month 1, year 12, week 12/52,
    day 12/365; × Interval Count when present). Amount is in dollars as the dashboard exports it.
    """
    import numpy as np

    m = resolve_columns(table, STRIPE_ALIASES, required=("customer_id", "amount", "interval", "status"))
    if "start" not in m and "created" not in m:
        raise InputError("missing column Start (UTC) or Created (UTC)", file=table.file)
    f = table.file
    spans: list[tuple[str, date, date | None, int]] = []
    names: dict[str, str] = {}
    currencies: set[str] = set()
    plans: dict[str, tuple[date, str]] = {}
    scheduled: set[str] = set()
    latest = date.min
    for row_no, row in table:
        def get(name: str) -> Any:
            return cell(row, m, name)

        def when(name: str) -> date | None:
            raw = get(name)
            if raw is None:
                return None
            try:
                return _stripe_date(raw)
            except InputError as exc:
                raise exc.located(file=f, row=row_no, field=m[name]) from None

        customer = get("customer_id")
        if customer is None:
            raise InputError("customer id is empty", file=f, row=row_no, field=m["customer_id"])
        customer = str(customer).strip()
        status = str(get("status") or "").strip().lower()
        if status not in _STRIPE_STATUSES:
            raise InputError(f"unknown subscription status '{status}' (expected one of "
                             f"{', '.join(sorted(_STRIPE_STATUSES))})", file=f, row=row_no, field=m["status"])
        if get("customer_name"):
            names.setdefault(customer, str(get("customer_name")).strip())
        if get("currency"):
            currencies.add(str(get("currency")).strip().lower())
        start = when("start") or when("created")
        if start is None:
            field_name = m.get("start") or m.get("created")
            raise InputError("start date is empty", file=f, row=row_no, field=field_name)
        trial_end = when("trial_end")
        ended = when("ended_at")
        canceled = when("canceled_at")
        cps = when("current_period_start")
        for d in (start, ended, canceled, cps):
            if d is not None and d > latest:
                latest = d
        end = ended or (canceled if status in ("canceled", "cancelled", "ended") else None)
        if status in ("canceled", "cancelled", "ended") and end is None:
            raise InputError("is canceled but has no Ended At or Canceled At date", file=f, row=row_no,
                             field=m.get("ended_at") or m.get("canceled_at") or m["status"])
        for label, d in (("Ended At", ended), ("Canceled At", canceled)):
            if d is not None and d < start:
                raise InputError(f"{label} {d} is before the start {start}", file=f, row=row_no,
                                 field=m.get("ended_at" if label == "Ended At" else "canceled_at"))
        if status in _STRIPE_SKIP:
            continue
        try:
            amount = parse_money(get("amount") if get("amount") is not None else "")
        except InputError as exc:
            raise exc.located(file=f, row=row_no, field=m["amount"]) from None
        try:
            quantity = parse_int(get("quantity")) if get("quantity") is not None else 1
        except InputError as exc:
            raise exc.located(file=f, row=row_no, field=m.get("quantity")) from None
        try:
            count = parse_int(get("interval_count"), minimum=1) if get("interval_count") is not None else 1
        except InputError as exc:
            raise exc.located(file=f, row=row_no, field=m.get("interval_count")) from None
        interval = str(get("interval") or "").strip().lower()
        if interval not in _MONTHS_PER_INTERVAL:
            raise InputError(f"billing interval '{interval}' is not month, year, week or day",
                             file=f, row=row_no, field=m["interval"])
        mrr = amount * quantity / (_MONTHS_PER_INTERVAL[interval] * count)
        if mrr * 12 * 100 > MAX_ARR_CENTS:
            raise InputError("amount × quantity is implausibly large (over $10B ARR)", file=f, row=row_no,
                             field=m["amount"])
        begins = max(start, trial_end) if trial_end is not None else start
        if status == "trialing" and trial_end is None:
            continue  # trialing with no end date never billed yet
        spans.append((customer, begins, end, int(round(mrr * 100))))
        if get("plan") and begins >= plans.get(customer, (date.min, ""))[0]:
            plans[customer] = (begins, str(inert(str(get("plan")).strip())))
        if end is None and get("cancel_at_period_end") is not None:
            try:
                if parse_bool(get("cancel_at_period_end")):
                    scheduled.add(customer)
            except InputError as exc:
                raise exc.located(file=f, row=row_no, field=m["cancel_at_period_end"]) from None
    if len(currencies) > 1:
        raise InputError(f"mixes currencies ({', '.join(sorted(currencies))}); export one currency at a time",
                         file=f)
    if sum(c for *_, c in spans) * 12 >= 2 ** 62:
        raise InputError("amounts are too large to add up exactly (totals above $46 quadrillion)", file=f)
    measure_until = as_of or latest
    if not spans:
        raise InputError("has no subscriptions that billed (all incomplete or trialing)", file=f)
    first = min(month_of_day(b) for _, b, _, _ in spans)
    last = month_of_day(measure_until)
    if last < first:
        raise InputError(f"as-of {measure_until} is before the first subscription starts", file=f)
    n_months = last - first + 1
    customers: dict[str, int] = {}
    for c, *_ in spans:
        customers.setdefault(c, len(customers))
    matrix = np.zeros((len(customers), n_months), dtype=np.int64)
    measure_days = [min(month_end((first + j) // 12, (first + j) % 12 + 1), measure_until)
                    for j in range(n_months)]
    for customer, begins, end, cents in spans:
        i = customers[customer]
        for j in range(max(0, month_of_day(begins) - first), n_months):
            day = measure_days[j]
            if begins <= day and (end is None or end > day):
                matrix[i, j] += cents
    matrix *= 12
    warnings = list(table.warnings)
    if as_of is None:
        warnings.append(f"{f}: measured up to {measure_until}, the latest date in the export; "
                        "pass --as-of to choose the date")
    return Snapshots(accounts=tuple(customers), first=first, arr=matrix, unit="mrr", file=f,
                     source_kind="stripe", names=names, warnings=tuple(warnings),
                     segments={c: plan for c, (_, plan) in plans.items()}, cancel_scheduled=frozenset(scheduled),
                     currency=next(iter(currencies)).upper() if currencies else None)
