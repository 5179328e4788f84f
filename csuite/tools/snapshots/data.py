"""The snapshot data: ARR per account per month as a dense matrix, the column aliases
and the month arithmetic every part of the package shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Iterable, Literal, Sequence

from csuite.errors import InputError
from csuite.io.columns import inert, money_column
from csuite.io.tables import (
    Table,
    read_table,
    resolve_columns,
    shown_headers,
)
from csuite.io.values import (
    infer_date_order,
    parse_date,
)

if TYPE_CHECKING:  # numpy is imported lazily so `csuite --help` stays fast
    import numpy as np


Unit = Literal["mrr", "arr"]

# Logical field → accepted headers (canonical keys), for snapshot tables and the accounts file.
SNAPSHOT_ALIASES: dict[str, list[str]] = {
    "account_id": ["account", "customer_id", "customer", "account_name", "company_id", "id"],
    "period": ["month", "snapshot_month", "snapshot_date", "date", "period_start", "as_of"],
    "mrr": ["monthly_recurring_revenue", "mrr_usd", "monthly_revenue"],
    "arr": ["annual_recurring_revenue", "arr_usd", "annual_revenue"],
    "segment": ["plan", "tier", "plan_name", "customer_segment", "segment_name", "pricing_tier"],
    # a display name beside the id (ChartMogul: Customer ID, Customer Name): answers name the account
    "name": ["customer_name", "account_name", "company_name", "company"],
}
STRIPE_ALIASES: dict[str, list[str]] = {
    "subscription_id": ["id", "subscription_id"],
    "customer_id": ["customer_id", "customer"],
    "customer_name": ["customer_name"],
    "status": ["status"],
    "amount": ["amount", "plan_amount"],
    "quantity": ["quantity"],
    "interval": ["interval", "plan_interval"],
    "interval_count": ["interval_count", "plan_interval_count"],
    "currency": ["currency", "plan_currency"],
    "created": ["created_utc", "created"],
    "start": ["start_utc", "start_date_utc", "start_date", "start"],
    "current_period_start": ["current_period_start_utc", "current_period_start"],
    "trial_end": ["trial_end_utc", "trial_end"],
    "canceled_at": ["canceled_at_utc", "canceled_at", "cancelled_at_utc", "cancelled_at"],
    "ended_at": ["ended_at_utc", "ended_at"],
    "cancellation_reason": ["cancellation_reason"],
    "plan": ["plan", "plan_name", "plan_nickname", "price_nickname"],
    "cancel_at_period_end": ["cancel_at_period_end"],
}
ACCOUNT_ALIASES: dict[str, list[str]] = {
    "account_id": ["account", "customer_id", "customer", "company_id", "id"],
    "name": ["account_name", "customer_name", "company", "company_name"],
    "segment": ["tier", "plan_segment", "customer_segment"],
    "churn_reason": ["cancellation_reason", "reason", "churn_reason_text"],
    "health_score": ["health", "health_score_0_100", "customer_health"],
    "renewal_date": ["renewal", "next_renewal", "contract_end", "contract_end_date"],
    "usage_change": ["usage_trend", "usage_change_pct", "usage_delta"],
}

STRIPE_KEYS = {"customer_id", "interval", "amount"}
MAX_CELLS = 150_000_000  # dense matrix guard (~1.2 GB of int64) before we refuse the input
# $10B ARR for one account in one month: larger is a typo. Totals are also checked against
# int64 (9.2e18 cents) before any sum is taken, so no sum can overflow silently.
MAX_ARR_CENTS = 10_000_000_000 * 100


# ----------------------------------------------------------------------------- month helpers

def month_index(label: str) -> int:
    """'2026-10' → year * 12 + month − 1 (months compare and subtract as integers)."""
    m = re.match(r"^(\d{4})-(\d{2})$", str(label).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError(f"period '{label}' is not YYYY-MM (e.g. 2026-10)")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def month_label(index: int) -> str:
    year, month = divmod(int(index), 12)
    return f"{year:04d}-{month + 1:02d}"


def month_of_day(day: date) -> int:
    return day.year * 12 + day.month - 1


def dollars(cents: Any) -> float:
    """Integer cents → dollars, rounded to the cent (exact decimal in JSON)."""
    return round(int(cents) / 100, 2)


def ratio_or_none(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


# ----------------------------------------------------------------------------- the data

@dataclass(frozen=True)
class Snapshots:
    """ARR per account per month, dense: `arr[i, j]` is account `accounts[i]` in month
    `first + j`, in integer cents. Zero = no revenue that month."""

    accounts: tuple[str, ...]
    first: int                      # month index of column 0
    arr: "np.ndarray"               # int64, shape (len(accounts), n_months)
    unit: Unit = "mrr"              # what the source gave (MRR is converted to ARR × 12)
    file: str = "<snapshots>"
    source_kind: Literal["snapshots", "stripe"] = "snapshots"
    names: dict[str, str] = field(default_factory=dict)     # account → display name (Stripe)
    warnings: tuple[str, ...] = ()
    # account → segment, plan or tier from the file itself (its latest row); an accounts file wins
    segments: dict[str, str] = field(default_factory=dict)
    # Stripe: accounts with a live subscription set to cancel at period end (churn already decided)
    cancel_scheduled: frozenset[str] = frozenset()
    currency: str | None = None     # the file's currency when it names one (never converted)

    @property
    def n_months(self) -> int:
        return int(self.arr.shape[1])

    @property
    def last(self) -> int:
        return self.first + self.n_months - 1

    @property
    def periods(self) -> list[str]:
        return [month_label(self.first + j) for j in range(self.n_months)]

    def period_index(self, label: str) -> int:
        """Column of a 'YYYY-MM' label; an error when it lies outside the data."""
        idx = month_index(label)
        if not self.first <= idx <= self.last:
            raise InputError(
                f"period {label} is outside the snapshots ({month_label(self.first)} to "
                f"{month_label(self.last)})", file=self.file)
        return idx - self.first

    def total_arr(self, label: str) -> int:
        return int(self.arr[:, self.period_index(label)].sum())

    def until(self, label: str) -> "Snapshots":
        """Drop months after `label`, so nothing later leaks into an as-of analysis."""
        j = self.period_index(label)
        return _replace(self, arr=self.arr[:, : j + 1])

    def select(self, which: "Sequence[str] | np.ndarray") -> "Snapshots":
        """Only some accounts (a boolean mask or account ids), e.g. one segment or cohort."""
        import numpy as np

        if isinstance(which, np.ndarray) and which.dtype == bool:
            mask = which
        else:
            wanted = set(which)
            mask = np.fromiter((a in wanted for a in self.accounts), bool, len(self.accounts))
        accounts = tuple(a for a, keep in zip(self.accounts, mask) if keep)
        return _replace(self, accounts=accounts, arr=self.arr[mask])

    def first_active(self) -> "np.ndarray":
        """Column of each account's first month above 0 (−1 if never)."""
        import numpy as np

        active = self.arr > 0
        first = active.argmax(axis=1)
        return np.where(active.any(axis=1), first, -1)

    @classmethod
    def from_records(cls, records: Iterable[tuple[str, str, float]], *, unit: Unit = "mrr",
                     file: str = "<records>") -> "Snapshots":
        """From (account_id, 'YYYY-MM', amount) tuples; amounts in dollars of `unit`."""
        rows = [{"account_id": a, "period": p, unit: v} for a, p, v in records]
        return snapshots_from_table(read_table(rows, name=file.strip("<>")))


def _replace(s: Snapshots, **changes: Any) -> Snapshots:
    values = {f: getattr(s, f) for f in ("accounts", "first", "arr", "unit", "file", "source_kind",
                                          "names", "warnings", "segments", "cancel_scheduled", "currency")}
    values.update(changes)
    return Snapshots(**values)

# ----------------------------------------------------------------------------- reading


def _period_parser(values: Sequence[str], table: Table, header: str) -> dict[str, int]:
    """Distinct period strings → month index. Fast path for YYYY-MM[-DD]; dd/mm order inferred
    once for the whole column (a column that is ambiguous throughout is an error)."""
    distinct = set(values)
    fast = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2}(?:[T ].*)?)?$")
    out: dict[str, int] = {}
    slow: list[str] = []
    for v in distinct:
        m = fast.match(v)
        if m and 1 <= int(m.group(2)) <= 12:
            if len(v) > 7:  # a full date: let parse_date validate the day too
                slow.append(v)
            else:
                out[v] = int(m.group(1)) * 12 + int(m.group(2)) - 1
        else:
            slow.append(v)
    if slow:
        try:
            order = infer_date_order(slow)
        except InputError as exc:
            raise exc.located(file=table.file, field=header) from None
        for v in slow:
            try:
                if re.match(r"^\d{4}-[Qq]\d$", v.strip()):
                    raise InputError(f"period '{v}' is a quarter; snapshots are monthly (YYYY-MM)")
                out[v] = month_of_day(parse_date(v, date_order=order))
            except InputError as exc:
                row = table.row_number(values.index(v))
                raise exc.located(file=table.file, row=row, field=header) from None
    return out


def _amounts_to_cents(values: Sequence[Any], table: Table, header: str,
                      factor: int = 1) -> tuple["np.ndarray", str | None]:
    """Money column → int64 cents, through the one money-column reader (vectorised for plain
    numbers; every other spelling parsed once per distinct text, errors naming the row)."""
    import numpy as np

    money = money_column(values, table, header)
    arr = money.values
    cents = np.rint(arr * 100)
    # Refuse amounts no single account has before casting: they would overflow integer cents.
    over = np.flatnonzero(cents > MAX_ARR_CENTS / factor)
    if over.size:
        i = int(over[0])
        raise InputError(f"amount {values[i]} is implausibly large (over $10B ARR for one account in one month)",
                         file=table.file, row=table.row_number(i), field=header)
    return cents.astype(np.int64), money.currency


def snapshots_from_table(table: Table) -> Snapshots:
    import numpy as np

    mapping = resolve_columns(table, SNAPSHOT_ALIASES, required=("account_id", "period"))
    if "mrr" in mapping and "arr" in mapping:
        raise InputError("has both an MRR and an ARR column; keep one so the unit is unambiguous",
                         file=table.file)
    if "mrr" not in mapping and "arr" not in mapping:
        raise InputError(f"missing column mrr or arr (found: {shown_headers(table.headers)})", file=table.file)
    unit: Unit = "mrr" if "mrr" in mapping else "arr"
    h_acc, h_per, h_amt = mapping["account_id"], mapping["period"], mapping[unit]
    accounts_txt = table.texts(h_acc)
    amounts_raw = table.values(h_amt)
    n_rows = len(accounts_txt)

    # Factorise account ids at C speed: dict.fromkeys keeps first-seen order.
    acc_index: dict[str, int] = dict.fromkeys(accounts_txt, 0)
    for code, key in enumerate(acc_index):
        acc_index[key] = code
    acc_codes = np.fromiter(map(acc_index.__getitem__, accounts_txt), np.int64, n_rows)
    if "" in acc_index:
        i = accounts_txt.index("")
        raise InputError("account id is empty", file=table.file, row=table.row_number(i), field=h_acc)
    period_strings = table.texts(h_per)
    if "" in set(period_strings):
        i = period_strings.index("")
        raise InputError("period is empty", file=table.file, row=table.row_number(i), field=h_per)
    lookup = _period_parser(period_strings, table, h_per)
    months = np.fromiter(map(lookup.__getitem__, period_strings), np.int64, n_rows)
    cents, currency = _amounts_to_cents(amounts_raw, table, h_amt, 12 if unit == "mrr" else 1)
    if unit == "mrr":
        cents = cents * 12

    first, last = int(months.min()), int(months.max())
    n_months = last - first + 1
    n_acc = len(acc_index)
    if n_acc * n_months > MAX_CELLS:
        raise InputError(f"{n_acc:,} accounts over {n_months} months is too large to analyse at once; "
                         "split the file by segment or shorten the period range", file=table.file)
    if n_acc * (int(cents.max()) if cents.size else 0) >= 2 ** 62:
        raise InputError("amounts are too large to add up exactly (totals above $46 quadrillion)", file=table.file)
    cols = months - first
    present = np.bincount(cols, minlength=n_months)
    if (present == 0).any():
        gap = int(np.flatnonzero(present == 0)[0]) + first
        raise InputError(f"no rows for {month_label(gap)} between {month_label(first)} and "
                         f"{month_label(last)}; a snapshot month is missing from the export",
                         file=table.file, field=h_per)

    keys = acc_codes * n_months + cols
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    dup = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    if dup.size:
        i, j = int(order[dup[0]]), int(order[dup[0] + 1])
        account = accounts_txt[i]
        raise InputError(
            f"rows {table.row_number(i)} and {table.row_number(j)} are both account "
            f"'{str(account).strip()}' in {month_label(int(months[i]))}; keep one row per account "
            "and month", file=table.file)

    matrix = np.zeros((n_acc, n_months), dtype=np.int64)
    matrix[acc_codes, cols] = cents
    segments = _latest_texts(table, mapping.get("segment"), acc_codes, months, list(acc_index))
    name_header = mapping.get("name")
    names = _latest_texts(table, name_header, acc_codes, months, list(acc_index)) if name_header != h_acc else {}
    return Snapshots(accounts=tuple(acc_index), first=first, arr=matrix, unit=unit,
                     file=table.file, source_kind="snapshots", warnings=tuple(table.warnings), segments=segments,
                     names=names, currency=currency)


def _latest_texts(table: Table, header: str | None, acc_codes: "np.ndarray", months: "np.ndarray",
                  accounts: list[str]) -> dict[str, str]:
    """Each account's text in `header` (its segment, its name) as of its latest snapshot row;
    blank cells are skipped."""
    import numpy as np

    if header is None:
        return {}
    texts = table.texts(header)
    filled = np.fromiter((bool(t) for t in texts), bool, len(texts))
    rows = np.flatnonzero(filled)
    if not rows.size:
        return {}
    order = rows[np.lexsort((months[rows], acc_codes[rows]))]
    codes = acc_codes[order]
    last = order[np.r_[codes[1:] != codes[:-1], True]]
    return {accounts[int(acc_codes[i])]: str(inert(texts[int(i)])) for i in last}
