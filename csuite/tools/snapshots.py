"""Revenue snapshots: the one implementation of NRR, GRR, logo retention and the ARR waterfall.

Both `churn_analyzer` (CRO) and `retention_decomposition_analyzer` (CCO) read revenue through
this module, so the two tools cannot disagree about a retention number on the same data.

Input: one row per account per month (`account_id, period, mrr` or `arr`), or a Stripe
subscriptions CSV export, which is turned into the same monthly snapshots.

Public API (names are stable; other tools import them):

- `read_snapshots(source, *, as_of=None) -> Snapshots` — a path or inline rows; detects a Stripe
  subscriptions export by its headers. Duplicate account+period rows, negative/NaN money, bad
  periods, a month missing from the middle of the series and (Stripe) an end before a start are
  `InputError`s naming the file, row(s) and field.
- `snapshots_from_stripe(table, *, as_of=None) -> Snapshots` — the Stripe conversion on a `Table`.
- `Snapshots.from_records(records, unit="mrr")` — build from `(account_id, "YYYY-MM", amount)`
  tuples (tests, Python API).
- `Snapshots` — a dense account × month matrix of **ARR in integer cents** (`arr`), plus
  `accounts`, `periods`, `period_index(label)`, `until(label)`, `select(mask_or_ids)`,
  `first_active()` and `total_arr(label)`.
- `retention_window(snapshots, end=None, window_months=12) -> RetentionWindow` — for the trailing
  window E − window … E (E = `end` or the last period): cohort = accounts with ARR(S) > 0;
  `nrr` = Σ ARR(E) ÷ Σ ARR(S) over the cohort; `grr` = Σ min(ARR(E), ARR(S)) ÷ Σ ARR(S) over the
  cohort; `logo_retention` = share of the cohort with ARR(E) > 0; ratios are None (n/a) when the
  cohort is empty. `cohort_churn/contraction/expansion` split the cohort's change point to point
  (start − churn − contraction + expansion = NRR numerator). Plus the ARR `waterfall` for the
  window (all accounts, month by month) and its per-month `movements`.
- `movements(snapshots, start, end) -> list[MonthMovement]` — month-over-month movements.
- `read_accounts(source) -> dict[str, AccountInfo]` — the optional accounts file (name, segment,
  churn_reason, health_score, renewal_date, usage columns).
- `cohort_matrix(snapshots, end=None)` — revenue- and logo-retention by start-month cohort.
- `tenure(snapshots, end=None)` and `kaplan_meier(durations, observed)` — the censored logo
  survival curve (pooled Kaplan–Meier), so young cohorts do not bias late months.
- `month_index(label)`, `month_label(index)`, `dollars(cents)`.

Definitions (why they are built this way):

- Money is integer cents so the waterfall reconciles *exactly*:
  start + new + reactivation + expansion − contraction − churn = end. Reported in dollars of ARR
  (MRR inputs are × 12).
- Movements are measured month to month per **account** (not per subscription, so a plan switch is
  not churn + new), and only months inside the window count: lifetime expansion can never be
  credited to a period. new = first month ever above 0; reactivation = back above 0 after a month
  at 0; expansion / contraction = change while active both months; churn = ARR that went to 0.
- NRR and GRR are point-to-point on a cohort frozen at S: new logos are excluded; a cohort account
  that churned and came back within the window counts at its ARR(E); an account that was at 0 at
  S and reactivated later is not in the cohort (it appears as reactivation in the waterfall).
- A missing row means the account had no revenue that month (0), which is how snapshot exports
  list churned accounts. A month with no rows at all inside the range is an error, not a
  company-wide churn.
"""

from __future__ import annotations

import csv
import gc
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from operator import methodcaller
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Literal, Sequence

from pydantic import BaseModel, Field

from csuite.errors import InputError
from csuite.io.tables import (
    Source,
    Table,
    canonical_key,
    cell,
    detect_format,
    header_positions,
    read_table,
    read_text,
    resolve_columns,
    shown_headers,
)
from csuite.io.values import (
    infer_date_order,
    month_end,
    parse_date,
    parse_int,
    parse_money,
    parse_number,
    parse_percent,
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

_STRIPE_KEYS = {"customer_id", "interval", "amount"}
_MAX_CELLS = 150_000_000  # dense matrix guard (~1.2 GB of int64) before we refuse the input
# $10B ARR for one account in one month: larger is a typo. Totals are also checked against
# int64 (9.2e18 cents) before any sum is taken, so no sum can overflow silently.
_MAX_ARR_CENTS = 10_000_000_000 * 100


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


def _index_of(day: date) -> int:
    return day.year * 12 + day.month - 1


def dollars(cents: Any) -> float:
    """Integer cents → dollars, rounded to the cent (exact decimal in JSON)."""
    return round(int(cents) / 100, 2)


def _ratio(num: int, den: int) -> float | None:
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
        return read_snapshots(rows, name=file.strip("<>"))


def _replace(s: Snapshots, **changes: Any) -> Snapshots:
    values = {f: getattr(s, f) for f in ("accounts", "first", "arr", "unit", "file", "source_kind",
                                          "names", "warnings")}
    values.update(changes)
    return Snapshots(**values)


# ----------------------------------------------------------------------------- reading

def is_stripe_table(table: Table) -> bool:
    keys = table.keys
    has_start = bool(keys & {"start_utc", "start_date_utc", "created_utc", "current_period_start_utc"})
    return _STRIPE_KEYS <= keys and has_start


def read_snapshots(source: Source, *, as_of: date | None = None, name: str = "snapshots") -> Snapshots:
    """Snapshots from a snapshot table or a Stripe subscriptions export (detected by headers).

    With `as_of`, months after the as-of month are dropped (Stripe: measured at as-of)."""
    fast = _fast_csv_columns(source)
    if fast is not None and not is_stripe_table(fast):
        snaps = snapshots_from_table(fast)
    else:
        table = read_table(source, name=name)
        if not table.rows:
            raise InputError("has a header but no data rows", file=table.file)
        if is_stripe_table(table):
            return snapshots_from_stripe(table, as_of=as_of)
        snaps = snapshots_from_table(table)
    if as_of is not None:
        limit = _index_of(as_of)
        if limit < snaps.first:
            raise InputError(f"--as-of {as_of} is before the first snapshot month "
                             f"{month_label(snaps.first)}", file=snaps.file)
        if limit < snaps.last:
            snaps = snaps.until(month_label(limit))
    return snaps


class _ColumnTable(Table):
    """A CSV held as columns instead of row dicts: a million rows as three lists of strings.

    `read_table` builds one dict per row, which dominates the time on large snapshot files;
    this reader keeps the same header handling and error messages but stores columns, and
    works out spreadsheet row numbers only when an error needs one."""

    def __init__(self, file: str, headers: list[str], columns: dict[str, Sequence[str]], n: int,
                 text: str, delimiter: str, simple: bool, warnings: list[str]) -> None:
        self.file, self.headers, self.columns, self.n = file, headers, columns, n
        self._text, self._delimiter, self._simple = text, delimiter, simple
        self._numbers: list[int] | None = None
        self.warnings = warnings

    def __len__(self) -> int:
        return self.n

    @property
    def rows(self) -> list[dict[str, Any]]:  # only for code that insists on rows (small files)
        return [{h: self.columns[h][i] for h in self.headers} for i in range(self.n)]

    @property
    def row_numbers(self) -> "_RowNumbers":
        return _RowNumbers(self)

    def column(self, header: str) -> Sequence[str]:
        return self.columns[header]

    def line_of(self, i: int) -> int:
        if self._simple:
            return i + 2
        if self._numbers is None:

            reader = csv.reader(io.StringIO(self._text, newline=""), delimiter=self._delimiter)
            next(reader)
            numbers = []
            for record in reader:
                if any(c.strip() for c in record):
                    numbers.append(reader.line_num)
            self._numbers = numbers
        return self._numbers[i]


class _RowNumbers:
    def __init__(self, table: _ColumnTable) -> None:
        self._table = table

    def __getitem__(self, i: int) -> int:
        return self._table.line_of(i)

    def __len__(self) -> int:
        return self._table.n


def _split_plain_csv(text: str, delimiter: str, file: str) -> _ColumnTable | None:
    """Exports without quotes and with the same number of cells on every line (the usual
    snapshot dump) split at C speed: one str.split for the whole file, then column slices.
    Anything irregular returns None and goes through the csv module."""

    if '"' in text:
        return None
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) < 2:
        return None
    headers = [h.strip() for h in lines[0].split(delimiter)]
    width = len(headers)
    if set(map(methodcaller("count", delimiter), lines)) != {width - 1}:
        return None
    if len({canonical_key(h) for h in headers}) != width or not all(headers):
        return None
    flat = delimiter.join(lines[1:]).split(delimiter)
    n = len(lines) - 1
    columns = {h: flat[i::width] for i, h in enumerate(headers)}
    return _ColumnTable(file, headers, columns, n, text, delimiter, True, [])


def _fast_csv_columns(source: Source) -> _ColumnTable | None:
    """Column-wise CSV reading for large snapshot files; None for anything else (JSON, YAML,
    inline rows), which goes through `read_table`."""


    if isinstance(source, (list, dict)) or source is None:
        return None
    path = Path(source)
    text = read_text(path)
    if detect_format(path, text) != "csv":
        return None
    file = str(path)
    if not text.strip():
        raise InputError("is empty", file=file)
    first_line = text[:4096].split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    # The cyclic collector rescans every new list while a million are created; it finds no
    # cycles here, so pausing it turns minutes of work into about a second.
    quick = _split_plain_csv(text, delimiter, file)
    if quick is not None:
        return quick
    enabled = gc.isenabled()
    gc.disable()
    try:
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            headers = [h.strip() for h in next(reader)]
            records = list(reader)
        except csv.Error as exc:
            raise InputError(f"is not valid CSV ({exc})", file=file) from None
        if not any(headers):
            raise InputError("has an empty header row", file=file)
        width = len(headers)
        physical_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        simple = physical_lines == len(records) + 1
        if set(map(len, records)) != {width}:
            keep = [r for r in records if any(c.strip() for c in r)]
            simple = simple and len(keep) == len(records)
            records = keep
            for i, r in enumerate(records):
                if len(r) > width and any(c.strip() for c in r[width:]):
                    raise InputError(f"has {len(r)} cells but the header has {width}", file=file,
                                     row=(i + 2) if simple else None)
            records = [r[:width] + [""] * (width - len(r)) for r in records]
        if not records:
            raise InputError("has a header but no data rows", file=file)
        seen, warnings = header_positions(headers, file)
        transposed = list(zip(*records))
        del records
        kept = [headers[i] for i in seen.values()]
        columns = {headers[i]: transposed[i] for i in seen.values()}
    finally:
        if enabled:
            gc.enable()
    return _ColumnTable(file, kept, columns, len(columns[kept[0]]), text, delimiter, simple, warnings)


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
                out[v] = _index_of(parse_date(v, date_order=order))
            except InputError as exc:
                row = table.row_numbers[values.index(v)]
                raise exc.located(file=table.file, row=row, field=header) from None
    return out


def _amounts_to_cents(values: Sequence[Any], table: Table, header: str, factor: int = 1) -> "np.ndarray":
    """Money column → int64 cents. Vectorised for plain numbers; anything else (or anything
    non-finite / negative) goes through parse_money so the error names the row."""
    import numpy as np

    try:
        if not isinstance(table, _ColumnTable) and any(isinstance(v, bool) for v in values):
            raise TypeError("booleans are not money")
        arr = np.fromiter(map(float, values), np.float64, len(values))
        bad = ~np.isfinite(arr) | (arr < 0)
    except (ValueError, TypeError):
        arr = None
        bad = None
    if arr is None or bad.any():
        out = np.empty(len(values), dtype=np.float64)
        for i, v in enumerate(values):
            try:
                if v is None or (isinstance(v, str) and not v.strip()):
                    raise InputError("amount is empty")
                out[i] = parse_money(v)
            except InputError as exc:
                raise exc.located(file=table.file, row=table.row_numbers[i], field=header) from None
        arr = out
    cents = np.rint(arr * 100)
    # Refuse amounts no single account has before casting: they would overflow integer cents.
    over = np.flatnonzero(cents > _MAX_ARR_CENTS / factor)
    if over.size:
        i = int(over[0])
        raise InputError(f"amount {values[i]} is implausibly large (over $10B ARR for one account in one month)",
                         file=table.file, row=table.row_numbers[i], field=header)
    return cents.astype(np.int64)


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
    if isinstance(table, _ColumnTable):
        accounts_raw, periods_raw, amounts_raw = (table.column(h) for h in (h_acc, h_per, h_amt))
    else:
        accounts_raw = [r.get(h_acc) for r in table.rows]
        periods_raw = [r.get(h_per) for r in table.rows]
        amounts_raw = [r.get(h_amt) for r in table.rows]
    n_rows = len(accounts_raw)

    def texts(values: Sequence[Any]) -> list[str]:
        if isinstance(table, _ColumnTable):  # all strings: C-level strip
            return list(map(str.strip, values))
        return ["" if v is None else (v if isinstance(v, str) else str(v)).strip() for v in values]

    # Factorise account ids at C speed: dict.fromkeys keeps first-seen order.
    accounts_txt = texts(accounts_raw)
    acc_index: dict[str, int] = dict.fromkeys(accounts_txt, 0)
    for code, key in enumerate(acc_index):
        acc_index[key] = code
    acc_codes = np.fromiter(map(acc_index.__getitem__, accounts_txt), np.int64, n_rows)
    if "" in acc_index:
        i = accounts_txt.index("")
        raise InputError("account id is empty", file=table.file, row=table.row_numbers[i], field=h_acc)
    period_strings = texts(periods_raw)
    if "" in set(period_strings):
        i = period_strings.index("")
        raise InputError("period is empty", file=table.file, row=table.row_numbers[i], field=h_per)
    lookup = _period_parser(period_strings, table, h_per)
    months = np.fromiter(map(lookup.__getitem__, period_strings), np.int64, n_rows)
    cents = _amounts_to_cents(amounts_raw, table, h_amt, 12 if unit == "mrr" else 1)
    if unit == "mrr":
        cents = cents * 12

    first, last = int(months.min()), int(months.max())
    n_months = last - first + 1
    n_acc = len(acc_index)
    if n_acc * n_months > _MAX_CELLS:
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
        account = accounts_raw[i]
        raise InputError(
            f"rows {table.row_numbers[i]} and {table.row_numbers[j]} are both account "
            f"'{str(account).strip()}' in {month_label(int(months[i]))}; keep one row per account "
            "and month", file=table.file)

    matrix = np.zeros((n_acc, n_months), dtype=np.int64)
    matrix[acc_codes, cols] = cents
    return Snapshots(accounts=tuple(acc_index), first=first, arr=matrix, unit=unit,
                     file=table.file, source_kind="snapshots", warnings=tuple(table.warnings))


# ----------------------------------------------------------------------------- Stripe

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
        if mrr * 12 * 100 > _MAX_ARR_CENTS:
            raise InputError("amount × quantity is implausibly large (over $10B ARR)", file=f, row=row_no,
                             field=m["amount"])
        begins = max(start, trial_end) if trial_end is not None else start
        if status == "trialing" and trial_end is None:
            continue  # trialing with no end date never billed yet
        spans.append((customer, begins, end, int(round(mrr * 100))))
    if len(currencies) > 1:
        raise InputError(f"mixes currencies ({', '.join(sorted(currencies))}); export one currency at a time",
                         file=f)
    if sum(c for *_, c in spans) * 12 >= 2 ** 62:
        raise InputError("amounts are too large to add up exactly (totals above $46 quadrillion)", file=f)
    measure_until = as_of or latest
    if not spans:
        raise InputError("has no subscriptions that billed (all incomplete or trialing)", file=f)
    first = min(_index_of(b) for _, b, _, _ in spans)
    last = _index_of(measure_until)
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
        for j in range(max(0, _index_of(begins) - first), n_months):
            day = measure_days[j]
            if begins <= day and (end is None or end > day):
                matrix[i, j] += cents
    matrix *= 12
    warnings = list(table.warnings)
    if as_of is None:
        warnings.append(f"{f}: measured up to {measure_until}, the latest date in the export; "
                        "pass --as-of to choose the date")
    return Snapshots(accounts=tuple(customers), first=first, arr=matrix, unit="mrr", file=f,
                     source_kind="stripe", names=names, warnings=tuple(warnings))


# ----------------------------------------------------------------------------- accounts file

class AccountInfo(BaseModel):
    account_id: str
    name: str | None = None
    segment: str | None = None
    churn_reason: str | None = None
    health_score: float | None = Field(default=None, description="0–100")
    renewal_date: date | None = None
    usage_change: float | None = Field(default=None, description="fractional change, −0.3 = −30%")
    row: int | None = None


def read_accounts(source: Source) -> dict[str, AccountInfo]:
    """The optional accounts file. Health scores are 0–100 ('72%' is 72); a column of plain
    numbers entirely within 0–1 or 0–10 is rescaled, anything above 100 is an error. Duplicate
    account ids are an error naming both rows. Values are parsed once per distinct text, so a
    file of 100,000 accounts reads in about a second."""
    table = read_table(source, name="accounts")
    if not table.rows:
        raise InputError("has a header but no data rows", file=table.file)
    m = resolve_columns(table, ACCOUNT_ALIASES, required=("account_id",))

    def column(name: str) -> list[str | None]:
        header = m.get(name)
        if header is None:
            return [None] * len(table.rows)
        out = []
        for r in table.rows:
            v = r.get(header)
            v = None if v is None else (v if isinstance(v, str) else str(v)).strip()
            out.append(v or None)
        return out

    cols = {name: column(name) for name in ACCOUNT_ALIASES}
    try:
        order = infer_date_order({d for d in cols["renewal_date"] if d is not None})
    except InputError as exc:
        raise exc.located(file=table.file, field=m.get("renewal_date")) from None

    def health(v: str) -> tuple[float, bool]:
        if v.endswith("%"):
            return parse_percent(v, fraction_max=0.0) * 100, True
        score = parse_number(v)
        if score < 0:
            raise InputError(f"health score {v} is negative")
        return score, False

    def renewal(v: str) -> date:
        try:
            return date.fromisoformat(v)
        except ValueError:
            return parse_date(v, date_order=order)

    parsers = {"health_score": health, "renewal_date": renewal,
               "usage_change": lambda v: parse_percent(v, allow_negative=True)}
    parsed: dict[str, list[Any]] = {}
    for name, parse in parsers.items():
        memo: dict[str, Any] = {}
        values: list[Any] = []
        for i, v in enumerate(cols[name]):
            if v is None:
                values.append(None)
                continue
            if v not in memo:
                try:
                    memo[v] = parse(v)
                except InputError as exc:
                    raise exc.located(file=table.file, row=table.row_numbers[i], field=m.get(name)) from None
            values.append(memo[v])
        parsed[name] = values

    plain = [(table.row_numbers[i], h[0]) for i, h in enumerate(parsed["health_score"]) if h and not h[1]]
    factor = _health_factor(plain, table, m.get("health_score"))
    out: dict[str, AccountInfo] = {}
    first_row: dict[str, int] = {}
    for i, acc in enumerate(cols["account_id"]):
        row_no = table.row_numbers[i]
        if acc is None:
            raise InputError("account id is empty", file=table.file, row=row_no, field=m["account_id"])
        if acc in out:
            raise InputError(f"rows {first_row[acc]} and {row_no} are both account '{acc}'; keep one",
                             file=table.file)
        h = parsed["health_score"][i]
        score = None if h is None else (h[0] if h[1] else h[0] * factor)
        if score is not None and score > 100:
            raise InputError(f"health score {score:g} is above 100", file=table.file, row=row_no,
                             field=m.get("health_score"))
        # Every value was validated above; skip re-validation for large files.
        out[acc] = AccountInfo.model_construct(
            account_id=acc, name=cols["name"][i], segment=cols["segment"][i],
            churn_reason=cols["churn_reason"][i], health_score=score,
            renewal_date=parsed["renewal_date"][i], usage_change=parsed["usage_change"][i], row=row_no)
        first_row[acc] = row_no
    return out


def _health_factor(values: list[tuple[int, float]], table: Table, header: str | None) -> float:
    """Scale for plain-number health scores: a column entirely within 0–1 is a fraction (× 100),
    within 0–10 with some value above 1 is a ten-point scale (× 10), else already 0–100."""
    if not values:
        return 1.0
    top = max(v for _, v in values)
    return 100.0 if top <= 1.0 else 10.0 if top <= 10.0 else 1.0


# ----------------------------------------------------------------------------- retention maths

class Waterfall(BaseModel):
    """ARR bridge in dollars: start + new + reactivation + expansion − contraction − churn = end."""

    start: float
    new: float
    reactivation: float
    expansion: float
    contraction: float
    churn: float
    end: float


class MonthMovement(Waterfall):
    period: str
    new_logos: int
    reactivated_logos: int
    churned_logos: int


class RetentionWindow(BaseModel):
    start: str
    end: str
    window_months: int
    cohort_size: int
    retained_logos: int
    start_arr: float = Field(description="Σ ARR(S) over the cohort")
    end_arr_cohort: float = Field(description="Σ ARR(E) over the cohort (numerator of NRR)")
    retained_arr_capped: float = Field(description="Σ min(ARR(E), ARR(S)) over the cohort (numerator of GRR)")
    nrr: float | None
    grr: float | None
    logo_retention: float | None
    cohort_churn: float = Field(description="Σ ARR(S) of cohort accounts at 0 in E")
    cohort_contraction: float = Field(description="Σ (ARR(S) − ARR(E)) over cohort accounts still active but lower")
    cohort_expansion: float = Field(description="Σ (ARR(E) − ARR(S)) over cohort accounts that grew")
    waterfall: Waterfall
    movements: list[MonthMovement]


def _movement_cents(snaps: Snapshots, j0: int, j1: int) -> dict[str, "np.ndarray"]:
    """Per-month movement totals (int64 cents) for the steps j0→j0+1 … j1−1→j1 (columns)."""
    import numpy as np

    a = snaps.arr
    prev = a[:, j0:j1]
    cur = a[:, j0 + 1:j1 + 1]
    first = snaps.first_active()
    cols = np.arange(j0 + 1, j1 + 1)
    both = (prev > 0) & (cur > 0)
    delta = cur - prev
    arrived = (prev == 0) & (cur > 0)
    is_new = arrived & (first[:, None] == cols[None, :])
    is_react = arrived & ~is_new
    left = (prev > 0) & (cur == 0)
    return {
        "start": prev.sum(axis=0),
        "end": cur.sum(axis=0),
        "new": np.where(is_new, cur, 0).sum(axis=0),
        "reactivation": np.where(is_react, cur, 0).sum(axis=0),
        "expansion": np.where(both & (delta > 0), delta, 0).sum(axis=0),
        "contraction": np.where(both & (delta < 0), -delta, 0).sum(axis=0),
        "churn": np.where(left, prev, 0).sum(axis=0),
        "new_logos": is_new.sum(axis=0),
        "reactivated_logos": is_react.sum(axis=0),
        "churned_logos": left.sum(axis=0),
    }


def movements(snaps: Snapshots, start: str, end: str) -> list[MonthMovement]:
    """Month-over-month ARR movements for each month after `start` up to `end` (labels)."""
    j0, j1 = snaps.period_index(start), snaps.period_index(end)
    if j1 < j0:
        raise InputError(f"end {end} is before start {start}")
    parts = _movement_cents(snaps, j0, j1)
    out = []
    for k in range(j1 - j0):
        out.append(MonthMovement(
            period=month_label(snaps.first + j0 + 1 + k),
            **{key: dollars(parts[key][k]) for key in
               ("start", "new", "reactivation", "expansion", "contraction", "churn", "end")},
            new_logos=int(parts["new_logos"][k]), reactivated_logos=int(parts["reactivated_logos"][k]),
            churned_logos=int(parts["churned_logos"][k]),
        ))
    return out


def waterfall_cents(snaps: Snapshots, j0: int, j1: int) -> dict[str, int]:
    """The window's bridge in integer cents; asserts the identity (it holds by construction)."""
    parts = _movement_cents(snaps, j0, j1)
    w = {k: int(parts[k].sum()) for k in ("new", "reactivation", "expansion", "contraction", "churn")}
    w["start"] = int(snaps.arr[:, j0].sum())
    w["end"] = int(snaps.arr[:, j1].sum())
    if w["start"] + w["new"] + w["reactivation"] + w["expansion"] - w["contraction"] - w["churn"] != w["end"]:
        raise AssertionError("ARR waterfall does not reconcile")  # impossible: movements telescope
    return w


def retention_window(snapshots: Snapshots, end: str | None = None, window_months: int = 12) -> RetentionWindow:
    """NRR, GRR, logo retention and the ARR waterfall for the window ending at `end`.

    S = E − window_months. The cohort is frozen at S (ARR(S) > 0); only months S+1…E move the
    waterfall, so nothing earlier (or later) is credited to this window."""
    import numpy as np

    if isinstance(window_months, bool) or not isinstance(window_months, int) or window_months < 1:
        raise InputError(f"window must be a whole number of months ≥ 1 (got {window_months!r})")
    e = snapshots.period_index(end) if end is not None else snapshots.n_months - 1
    s = e - window_months
    if s < 0:
        raise InputError(
            f"a {window_months}-month window ending {month_label(snapshots.first + e)} needs a snapshot "
            f"for {month_label(snapshots.first + s)}, but the data start at {month_label(snapshots.first)}; "
            "use a shorter --window or a later end", file=snapshots.file)
    a_s = snapshots.arr[:, s]
    a_e = snapshots.arr[:, e]
    cohort = a_s > 0
    start_arr = int(a_s[cohort].sum())
    end_arr = int(a_e[cohort].sum())
    capped = int(np.minimum(a_e[cohort], a_s[cohort]).sum())
    cs, ce = a_s[cohort], a_e[cohort]
    # Point-to-point per cohort account, so start − churn − contraction + expansion = Σ ARR(E)
    # and start − churn − contraction = Σ min(ARR(E), ARR(S)) exactly.
    lost = int(cs[ce == 0].sum())
    down = int((cs - ce)[(ce > 0) & (ce < cs)].sum())
    up = int((ce - cs)[ce > cs].sum())
    size = int(cohort.sum())
    retained = int((cohort & (a_e > 0)).sum())
    w = waterfall_cents(snapshots, s, e)
    return RetentionWindow(
        start=month_label(snapshots.first + s), end=month_label(snapshots.first + e),
        window_months=window_months, cohort_size=size, retained_logos=retained,
        start_arr=dollars(start_arr), end_arr_cohort=dollars(end_arr), retained_arr_capped=dollars(capped),
        nrr=_ratio(end_arr, start_arr), grr=_ratio(capped, start_arr),
        logo_retention=_ratio(retained, size),
        cohort_churn=dollars(lost), cohort_contraction=dollars(down), cohort_expansion=dollars(up),
        waterfall=Waterfall(**{k: dollars(v) for k, v in w.items()}),
        movements=movements(snapshots, month_label(snapshots.first + s), month_label(snapshots.first + e)),
    )


# ----------------------------------------------------------------------------- cohorts and survival

class CohortRow(BaseModel):
    """One start-month cohort: `revenue[k]` = cohort ARR at month k ÷ ARR at month 0 (expansion
    included, so it can exceed 1); `logos[k]` = share of the cohort active at month k. Lists stop
    at the last observed month, so young cohorts are short, never padded with zeros."""

    cohort: str
    size: int
    start_arr: float
    left_truncated: bool = Field(description="first month of a snapshot file: these accounts may have started "
                                             "earlier (a Stripe export carries real start dates)")
    revenue: list[float]
    logos: list[float]


def cohort_matrix(snaps: Snapshots, end: str | None = None) -> list[CohortRow]:
    """Cohorts by each account's own first month above 0 (month 0 is 100% by construction)."""
    import numpy as np

    if end is not None:
        snaps = snaps.until(end)
    first = snaps.first_active()
    rows: list[CohortRow] = []
    for j in np.unique(first[first >= 0]):
        j = int(j)
        members = snaps.arr[first == j]
        base = members[:, j]
        totals = members[:, j:].sum(axis=0)
        active = (members[:, j:] > 0).sum(axis=0)
        rows.append(CohortRow(
            cohort=month_label(snaps.first + j), size=int(members.shape[0]), start_arr=dollars(base.sum()),
            left_truncated=j == 0 and snaps.source_kind != "stripe",
            revenue=[float(t) / float(base.sum()) for t in totals],
            logos=[float(c) / members.shape[0] for c in active],
        ))
    return rows


def tenure(snaps: Snapshots, end: str | None = None) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """(durations in months, churned?, start column) per account that was ever active.

    Duration runs from the account's own first month above 0 to its first month back at 0 (an
    observed churn) or to the last month (censored: still active, outcome unknown)."""
    import numpy as np

    if end is not None:
        snaps = snaps.until(end)
    first = snaps.first_active()
    ever = first >= 0
    a = snaps.arr[ever]
    f = first[ever]
    n = snaps.n_months
    cols = np.arange(n)[None, :]
    zero_after = (a == 0) & (cols > f[:, None])
    churned = zero_after.any(axis=1)
    churn_col = np.where(churned, zero_after.argmax(axis=1), n - 1)
    durations = churn_col - f
    return durations.astype(np.int64), churned, f


class SurvivalPoint(BaseModel):
    month: int
    at_risk: int
    churned: int
    survival: float


def kaplan_meier(durations: "np.ndarray", observed: "np.ndarray") -> list[SurvivalPoint]:
    """Pooled Kaplan–Meier logo survival by tenure month: S(k) = Π (1 − churned_k ÷ at_risk_k).

    At risk at month k: accounts with duration ≥ k (censored ones count at their last month, as
    in lifelines). Young cohorts leave the risk set instead of counting as churned."""
    import numpy as np

    durations = np.asarray(durations, dtype=np.int64)
    observed = np.asarray(observed, dtype=bool)
    if durations.size == 0:
        return []
    top = int(durations.max())
    events = np.bincount(durations[observed], minlength=top + 1)
    leaving = np.bincount(durations, minlength=top + 1)
    at_risk = durations.size - np.concatenate(([0], np.cumsum(leaving)[:-1]))
    points: list[SurvivalPoint] = []
    s = 1.0
    for k in range(0, top + 1):  # tenure() never yields a churn at month 0; raw input may
        if at_risk[k] == 0:
            break
        s *= 1.0 - events[k] / at_risk[k]
        points.append(SurvivalPoint(month=k, at_risk=int(at_risk[k]), churned=int(events[k]), survival=s))
    return points
