"""Opportunity exports as columns: the deals, their stage history, channel spend and the account
universe, read for `funnel_analyzer`.

A million-row export is held as one list per column, and each distinct cell value (a date, an
amount, a stage) is parsed once, so reading costs little beyond `read_table` itself. Every
unreadable value is an `InputError` naming the file, row and field; a duplicate deal, a mix of
currencies and day/month orders that disagree across date columns are refused, never guessed.

Public API: `OPPORTUNITY_ALIASES`, `read_deals(table, stages, date_order, fmt) -> Deals`,
`read_history(path, deals) -> History` (Salesforce Opportunity History rows, or HubSpot's
`Date entered "<stage>"` columns), `read_spend(path, window_start, as_of) -> Spend`,
`read_universe(path, export_has_ids) -> Universe`, and the cell helpers the analysis shares.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence

from csuite.errors import InputError
from csuite.io.tables import Table, canonical_key, read_table, resolve_columns
from csuite.io.text import normalise_words
from csuite.io.values import (
    DateOrder,
    infer_date_order,
    parse_date,
    parse_money,
    parse_period,
)
from csuite.tools.revenue_forecast_model import COLUMN_ALIASES as FORECAST_ALIASES
from csuite.tools.revenue_forecast_model import Format, StageTable, currency_code

# The forecast's opportunity columns plus what win/loss, channel and deal reviews need. Salesforce
# report labels, API names and HubSpot export labels / internal names, compared as canonical keys.
OPPORTUNITY_ALIASES: dict[str, tuple[str, ...]] = {
    **FORECAST_ALIASES,
    "account_id": ("account_id", "accountid", "account_id_18", "company_id", "associated_company_id"),
    "lead_source": ("lead_source", "leadsource", "opportunity_source", "deal_source", "original_source",
                    "original_source_type", "hs_analytics_source", "source", "channel", "marketing_channel"),
    "loss_reason": ("loss_reason", "closed_lost_reason", "lost_reason", "reason_lost", "loss_reason_c",
                    "reason_for_loss", "closed_lost_reason_c", "win_loss_reason"),
    "forecast_category": ("forecast_category", "forecastcategory", "forecast_category_name",
                          "hs_forecast_category"),
    "next_step": ("next_step", "nextstep", "next_steps", "hs_next_step"),
    "last_activity": ("last_activity", "last_activity_date", "lastactivitydate", "hs_last_activity_date",
                      "notes_last_updated", "last_contacted", "last_engagement_date"),
    "push_count": ("push_count", "pushcount", "close_date_push_count", "times_pushed", "pushes"),
    "economic_buyer": ("economic_buyer", "economic_buyer_identified", "economic_buyer_name", "eb",
                       "eb_identified", "meddpicc_economic_buyer", "meddic_economic_buyer"),
    "list_price": ("list_price", "list_amount", "total_list_price", "list_value", "list_price_total"),
    "discount": ("discount", "discount_pct", "discount_percent", "discount_percentage", "discount_rate"),
    "first_meeting": ("first_meeting_date", "first_meeting", "date_of_first_meeting", "meeting_booked_date",
                      "first_meeting_held"),
}
REQUIRED = ("stage", "amount", "close_date")
DATE_FIELDS = ("close_date", "created_date", "last_activity", "first_meeting")

HISTORY_ALIASES: dict[str, tuple[str, ...]] = {
    "deal_id": ("deal_id", "opportunity_id", "record_id", "opportunity_id_18", "hs_object_id", "deal_record_id",
                "id"),
    "name": ("opportunity_name", "deal_name", "name", "opportunity"),
    "stage": ("to_stage", "stage", "new_stage", "stage_name", "stagename", "deal_stage", "dealstage", "new_value"),
    "changed_at": ("stage_change_date", "edit_date", "last_modified", "last_modified_date", "lastmodifieddate",
                   "changed_at", "change_date", "date_changed", "date", "timestamp", "entered_at", "date_entered",
                   "created_date", "createddate"),
    "close_date": ("close_date", "closedate"),
}
SPEND_ALIASES: dict[str, tuple[str, ...]] = {
    "channel": ("channel", "lead_source", "source", "marketing_channel", "utm_source", "campaign_source",
                "original_source"),
    "spend": ("spend", "cost", "amount", "marketing_spend", "total_spend", "spend_usd", "budget_spent"),
    "period": ("period", "month", "quarter", "date", "spend_month", "spend_date"),
}
UNIVERSE_ALIASES: dict[str, tuple[str, ...]] = {
    "account_id": ("account_id", "accountid", "company_id", "record_id", "id"),
    "account": ("account", "account_name", "company", "company_name", "name", "organization",
                "associated_company"),
    "segment": ("segment", "tier", "market_segment", "customer_segment", "account_segment", "size_segment"),
}

OPEN, WON, LOST = 0, 1, 2           # a deal's status code
NO_SOURCE, NO_SEGMENT, NO_OWNER = "(no source)", "(no segment)", "(no owner)"

# ---------------------------------------------------------------------------------------------
# Reading the opportunity export (columns, each distinct value parsed once)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def column(table: Table, header: str | None) -> list[Any] | None:
    """One column's raw cells in row order (None when the export has no such column)."""
    if header is None:
        return None
    return [row.get(header) for row in table.rows]


def row_of(table: Table, index: int) -> int:
    return table.row_numbers[index]


def _distinct(values: Sequence[Any], table: Table, header: str) -> dict[Any, None]:
    """The column's distinct cells in first-seen order (a C-speed pass over a million cells)."""
    try:
        return dict.fromkeys(values)
    except TypeError:  # a list or object inside a JSON record
        index = next(i for i, v in enumerate(values) if isinstance(v, (list, dict)))
        raise InputError("is not a single value", file=table.file, row=row_of(table, index), field=header) from None


def parse_cells(values: Sequence[Any], parse: Callable[[Any], Any], table: Table, header: str,
                indices: Sequence[int] | None = None, blank: Any = None) -> Any:
    """parse(cell) for every cell, each distinct value parsed once; a blank cell gives `blank`.
    With `indices`, only those rows, as {index: value}. The first bad cell is an InputError
    naming its row and the column's header."""
    picked = values if indices is None else [values[i] for i in indices]
    lookup: dict[Any, Any] = {}
    for raw in _distinct(picked, table, header):
        if is_blank(raw):
            lookup[raw] = blank
            continue
        try:
            lookup[raw] = parse(raw.strip() if isinstance(raw, str) else raw)
        except InputError as exc:
            position = picked.index(raw)
            row = row_of(table, position if indices is None else indices[position])
            raise exc.located(file=table.file, row=row, field=header) from None
    if indices is None:
        return list(map(lookup.__getitem__, values))
    return {i: lookup[v] for i, v in zip(indices, picked)}


def _date_order(table: Table, columns: dict[str, list[Any]], mapping: dict[str, str],
                given: DateOrder | None) -> DateOrder | None:
    """One day/month order for every date column of the export: each column votes with the
    values only one reading allows; columns that disagree are an error naming the field."""
    if given:
        return given
    found: dict[str, str] = {}
    for name in DATE_FIELDS:
        values = columns.get(name)
        if values is None:
            continue
        distinct = {str(v).strip() for v in _distinct(values, table, mapping[name]) if not is_blank(v)}
        try:
            order = infer_date_order(distinct)
        except InputError as exc:
            raise exc.located(file=table.file, field=mapping[name]) from None
        if order:
            found[name] = order
    if len(set(found.values())) > 1:
        raise InputError(f"date columns disagree on day/month order ({', '.join(f'{mapping[k]}: {v}' for k, v in found.items())}); "
                         "pass --date-order dmy|mdy or export dates as YYYY-MM-DD", file=table.file)
    return next(iter(found.values()), None)


def date_ordinals(values: Sequence[Any], table: Table, header: str, order: DateOrder | None,
                  indices: Sequence[int] | None = None) -> Any:
    """A date column as day ordinals (0 for a blank cell): int64 array, or {index: ordinal}."""
    import numpy as np

    def parse(raw: Any) -> int:
        return parse_date(raw, date_order=order).toordinal()

    parsed = parse_cells(values, parse, table, header, indices, blank=0)
    return parsed if indices is not None else np.fromiter(parsed, np.int64, len(parsed))


@dataclass
class Groups:
    """A text column factorised: codes per deal and the label of each code."""

    codes: Any                  # int64 array
    labels: list[str]

    @classmethod
    def of(cls, values: Sequence[Any] | None, n: int, blank: str, table: Table, header: str = "") -> "Groups":
        import numpy as np

        if values is None:
            return cls(np.zeros(n, dtype=np.int64), [blank])
        index: dict[str, int] = {}
        code_of = {raw: index.setdefault(cell_text(raw) or blank, len(index))
                   for raw in _distinct(values, table, header)}
        return cls(np.fromiter(map(code_of.__getitem__, values), np.int64, n), list(index))


class Cells(Sequence[Any]):
    """A column read lazily: `cells[i]` is deal i's raw cell, so a field the analysis needs for
    fifteen deals is never copied out for a million."""

    def __init__(self, rows: list[dict[str, Any]], header: str) -> None:
        self.rows, self.header = rows, header

    def __getitem__(self, index: Any) -> Any:
        return self.rows[index].get(self.header)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Deals:
    """The opportunity export as columns, one entry per deal in file order. Columns every
    analysis needs are parsed up front; the others are read per deal when a deal needs them."""

    table: Table
    mapping: dict[str, str]
    fmt: Format
    stages: StageTable
    date_order: DateOrder | None
    n: int
    stage: list[Any]            # raw Stage cells
    status: Any                 # int8: OPEN, WON, LOST
    amount: Any                 # float64, NaN where the cell is blank
    close: Any                  # int64 day ordinals
    created: Any | None         # int64 ordinals, 0 where blank; None without the column
    segment: Groups
    owner: Groups
    source: Groups | None
    warnings: list[str] = field(default_factory=list)

    def column(self, name: str) -> "Cells | None":
        """One column's cells, read per deal on demand (None when the export has no such column)."""
        header = self.mapping.get(name)
        return Cells(self.table.rows, header) if header else None

    def text(self, name: str, i: int) -> str | None:
        header = self.mapping.get(name)
        return (cell_text(self.table.rows[i].get(header)) or None) if header else None

    def deal_id(self, i: int) -> str:
        return self.text("deal_id", i) or f"row {row_of(self.table, i)}"


def read_deals(table: Table, stages: StageTable, date_order: DateOrder | None, fmt: Format) -> Deals:
    """Parse the columns every analysis needs (stage, amount, dates, groups); optional columns
    are kept raw and parsed only for the deals that use them."""
    import numpy as np

    mapping = resolve_columns(table, OPPORTUNITY_ALIASES, REQUIRED)
    n = len(table)
    f = table.file
    needed = ("stage", "amount", "currency", "close_date", "created_date", "last_activity", "first_meeting",
              "deal_id", "segment", "owner", "lead_source")
    columns = {name: column(table, mapping[name]) for name in needed if name in mapping}
    warnings = list(table.warnings)

    stage_values = columns["stage"]
    won_keys, lost_keys = stages.won, stages.lost
    status_of: dict[Any, int] = {}
    for raw in _distinct(stage_values, table, mapping["stage"]):
        label = cell_text(raw)
        if not label:
            raise InputError("stage is empty", file=f, row=row_of(table, stage_values.index(raw)),
                             field=mapping["stage"])
        key = stages.key(label)
        status_of[raw] = WON if key in won_keys else LOST if key in lost_keys else OPEN
    status = np.fromiter(map(status_of.__getitem__, stage_values), np.int8, n)

    amount = np.fromiter(parse_cells(columns["amount"], parse_money, table, mapping["amount"], blank=math.nan),
                         np.float64, n)
    _check_currencies(columns, mapping, table)

    order = _date_order(table, columns, mapping, date_order)
    close = date_ordinals(columns["close_date"], table, mapping["close_date"], order)
    blank_close = np.flatnonzero(close == 0)
    if blank_close.size:
        raise InputError("close date is empty", file=f, row=row_of(table, int(blank_close[0])),
                         field=mapping["close_date"])
    created = None
    if "created_date" in mapping:
        created = date_ordinals(columns["created_date"], table, mapping["created_date"], order)
    _check_duplicates(table, columns, mapping)

    missing_amount = int(np.isnan(amount).sum())
    if missing_amount:
        warnings.append(f"{missing_amount} deal(s) have no amount: counted in win rates by count, left out of "
                        "every amount, value and velocity figure")
    return Deals(table=table, mapping=mapping, fmt=fmt, stages=stages, date_order=order, n=n, stage=stage_values,
                 status=status, amount=amount, close=close, created=created,
                 segment=Groups.of(columns.get("segment"), n, NO_SEGMENT, table, mapping.get("segment", "")),
                 owner=Groups.of(columns.get("owner"), n, NO_OWNER, table, mapping.get("owner", "")),
                 source=(Groups.of(columns["lead_source"], n, NO_SOURCE, table, mapping["lead_source"])
                         if "lead_source" in columns else None),
                 warnings=warnings)


def _check_currencies(columns: dict[str, list[Any]], mapping: dict[str, str], table: Table) -> None:
    """Amounts in two currencies cannot be added: refuse, naming the first row of each."""
    amounts, currency = columns["amount"], columns.get("currency")
    pairs = list(zip(amounts, currency)) if currency is not None else None
    distinct = _distinct(pairs if pairs is not None else amounts, table, mapping["amount"])
    code_of = {}
    for item in distinct:
        raw, cell = item if pairs is not None else (item, None)
        code_of[item] = currency_code(raw, None if is_blank(cell) else cell)
    codes = {c for c in code_of.values() if c}
    if len(codes) <= 1:
        return
    keys = pairs if pairs is not None else amounts
    first: dict[str, int] = {}
    for i, item in enumerate(keys):
        code = code_of[item]
        if code and code not in first:
            first[code] = row_of(table, i)
    listed = ", ".join(f"{c} (row {r})" for c, r in first.items())
    raise InputError(f"amounts mix currencies: {listed}; convert them to one currency first",
                     file=table.file, field=mapping["amount"])


def _check_duplicates(table: Table, columns: dict[str, list[Any]], mapping: dict[str, str]) -> None:
    """A deal listed twice would be counted twice: refuse it (by id, or by an identical row)."""
    ids = columns.get("deal_id")
    seen: dict[Any, int] = {}
    if ids is not None:
        distinct = _distinct(ids, table, mapping["deal_id"])
        if len(distinct) == len(ids) and "" not in distinct and None not in distinct:
            return
        for i, raw in enumerate(ids):
            key = cell_text(raw)
            if not key:
                continue
            if key in seen:
                raise InputError(f"repeats the deal in row {seen[key]}; remove the duplicate",
                                 file=table.file, row=row_of(table, i), field=mapping["deal_id"])
            seen[key] = row_of(table, i)
        return
    for i, record in enumerate(table.rows):
        signature = tuple(str(v) for v in record.values())
        if signature in seen:
            raise InputError(f"repeats row {seen[signature]} exactly; remove the duplicate",
                             file=table.file, row=row_of(table, i))
        seen[signature] = row_of(table, i)


# ---------------------------------------------------------------------------------------------
# Optional inputs: stage history, channel spend, account universe


@dataclass
class Visit:
    """One stay of a deal in one stage, from the stage history."""

    key: str
    label: str
    entered: int                 # day ordinal
    outcome: Literal["advanced", "lost", "moved_back", "open"] = "open"
    days: int | None = None
    next_label: str | None = None


@dataclass
class History:
    visits: dict[int, list[Visit]]        # deal index → its stage visits in order
    pushes: dict[int, int]                # deal index → times the close date moved later
    warnings: list[str]


def _history_rows(table: Table, order_given: DateOrder | None) -> list[tuple[Any, Any, str, int, int]]:
    """(deal id, deal name, stage label, day, close day or 0) per stage change, long or wide.

    Long: one row per change (Salesforce Opportunity History). Wide: HubSpot's one row per deal
    with a `Date entered "<stage> (<pipeline>)"` column per stage."""
    wide = [h for h in table.headers if canonical_key(h).startswith("date_entered_")]
    if wide:
        mapping = resolve_columns(table, {k: HISTORY_ALIASES[k] for k in ("deal_id", "name")})
        if not mapping:
            raise InputError("needs a deal id or name column next to its 'Date entered' columns", file=table.file)
        order = order_given or _infer(table, wide)
        out = []
        for header in wide:
            label = _wide_stage_label(header)
            days = date_ordinals(column(table, header), table, header, order)
            for i, day in enumerate(days):
                if day:
                    row = table.rows[i]
                    out.append((row.get(mapping.get("deal_id", "")), row.get(mapping.get("name", "")),
                                label, int(day), 0))
        return out
    mapping = resolve_columns(table, HISTORY_ALIASES, ("stage", "changed_at"))
    if "deal_id" not in mapping and "name" not in mapping:
        raise InputError("needs a deal id or opportunity name column to join it to the export", file=table.file)
    order = order_given or _infer(table, [mapping[k] for k in ("changed_at", "close_date") if k in mapping])
    days = date_ordinals(column(table, mapping["changed_at"]), table, mapping["changed_at"], order)
    closes = (date_ordinals(column(table, mapping["close_date"]), table, mapping["close_date"], order)
              if "close_date" in mapping else None)
    out = []
    for i, row in enumerate(table.rows):
        label = cell_text(row.get(mapping["stage"]))
        if not label:
            raise InputError("stage is empty", file=table.file, row=row_of(table, i), field=mapping["stage"])
        if not days[i]:
            raise InputError("date is empty", file=table.file, row=row_of(table, i), field=mapping["changed_at"])
        out.append((row.get(mapping.get("deal_id", "")), row.get(mapping.get("name", "")), label, int(days[i]),
                    int(closes[i]) if closes is not None else 0))
    return out


def _infer(table: Table, headers: list[str]) -> DateOrder | None:
    found = set()
    for header in headers:
        try:
            order = infer_date_order({cell_text(r.get(header)) for r in table.rows})
        except InputError as exc:
            raise exc.located(file=table.file, field=header) from None
        if order:
            found.add(order)
    if len(found) > 1:
        raise InputError("date columns disagree on day/month order; pass --date-order dmy|mdy", file=table.file)
    return next(iter(found), None)


def _wide_stage_label(header: str) -> str:
    """'Date entered "Contract Sent (Sales Pipeline)"' → 'Contract Sent'."""
    text = header.strip()
    text = text[len("date entered"):] if text.lower().startswith("date entered") else text
    text = text.strip().strip('"“”\'').strip()
    if text.endswith(")") and "(" in text:
        text = text[: text.rindex("(")].strip()
    return text


def read_history(path: str, deals: Deals) -> History:
    """Stage visits per deal of the export, joined by deal id (or by name when the history has
    no ids). Visits end in advanced / lost / moved back, or stay open."""
    table = read_table(path, name="stage history")
    if not table.rows:
        raise InputError("has a header but no stage changes", file=table.file)
    rows = _history_rows(table, deals.date_order)
    by_id: dict[str, int] = {}
    by_name: dict[str, int] = {}
    ambiguous: set[str] = set()
    ids, names = (column(deals.table, deals.mapping.get(name)) for name in ("deal_id", "name"))
    for i in range(deals.n):
        if ids is not None and cell_text(ids[i]):
            by_id[cell_text(ids[i])] = i
        if names is not None and cell_text(names[i]):
            key = normalise_words(names[i])
            if key in by_name:
                ambiguous.add(key)
            by_name[key] = i
    events: dict[int, list[tuple[int, int, str, int]]] = defaultdict(list)
    unknown = 0
    for seq, (deal_id, name, label, day, close_day) in enumerate(rows):
        index = by_id.get(cell_text(deal_id)) if cell_text(deal_id) else None
        if index is None and cell_text(name):
            key = normalise_words(name)
            index = None if key in ambiguous else by_name.get(key)
        if index is None:
            unknown += 1
            continue
        events[index].append((day, seq, label, close_day))
    warnings = []
    if unknown:
        warnings.append(f"{table.file}: {unknown} stage change(s) name deals that are not in the export; not used")
    if ambiguous:
        warnings.append(f"{table.file}: {len(ambiguous)} opportunity name(s) appear on several deals in the export; "
                        "their history is not used (export the history with Opportunity ID)")
    visits: dict[int, list[Visit]] = {}
    pushes: dict[int, int] = {}
    for index, changes in events.items():
        changes.sort()
        visits[index] = _visits(changes, deals, index)
        close_days = [c for _, _, _, c in changes if c]
        moved = sum(1 for a, b in zip(close_days, close_days[1:]) if b > a)
        if close_days:
            pushes[index] = moved
    return History(visits=visits, pushes=pushes, warnings=warnings)


def _visits(changes: list[tuple[int, int, str, int]], deals: Deals, index: int) -> list[Visit]:
    """Consecutive changes to the same stage are one visit; each visit's outcome is where the deal
    went next (a stage with a lower CRM probability is a move back). A closed deal whose history
    lacks its closing change ends its last visit at the export's close date and status."""
    stages = deals.stages
    visits: list[Visit] = []
    for day, _, label, _ in changes:
        key = stages.key(label)
        if visits and visits[-1].key == key:
            continue
        visits.append(Visit(key=key, label=label, entered=day))
    status = int(deals.status[index])
    closing = {WON: "Closed Won", LOST: "Closed Lost"}
    for i, visit in enumerate(visits):
        if is_closed(visit.key, stages):  # a closed stage is where visits end, not a visit to convert
            continue
        following = visits[i + 1] if i + 1 < len(visits) else None
        if following is None:
            if status == OPEN:
                continue
            visit.outcome = "advanced" if status == WON else "lost"
            visit.days = int(deals.close[index]) - visit.entered
            visit.next_label = closing[status]
            continue
        visit.days = following.entered - visit.entered
        visit.next_label = following.label
        if following.key in stages.lost:
            visit.outcome = "lost"
        elif following.key in stages.won:
            visit.outcome = "advanced"
        else:
            here, there = stage_rank(visit.key, stages), stage_rank(following.key, stages)
            visit.outcome = "moved_back" if here is not None and there is not None and there < here else "advanced"
    return visits


def is_closed(key: str, stages: StageTable) -> bool:
    return key in stages.won or key in stages.lost


def stage_rank(key: str, stages: StageTable) -> float | None:
    found = stages.default(key)
    return found[0] if found else None


@dataclass
class Spend:
    by_channel: dict[str, float]          # normalised channel → spend in the window
    labels: dict[str, str]                # normalised channel → as written
    rows: dict[str, int]
    warnings: list[str]


def read_spend(path: str, window_start: int, as_of: int) -> Spend:
    """Channel spend in the window. Rows with a month or quarter count when that period starts
    inside the window; without a period column the file is taken as the window's spend."""
    table = read_table(path, name="spend")
    if not table.rows:
        raise InputError("has a header but no spend rows", file=table.file)
    mapping = resolve_columns(table, SPEND_ALIASES, ("channel", "spend"))
    by_channel: dict[str, float] = defaultdict(float)
    labels: dict[str, str] = {}
    first_row: dict[tuple[str, int], int] = {}
    rows: dict[str, int] = {}
    outside = 0
    for i, row in enumerate(table.rows):
        line = row_of(table, i)
        channel = cell_text(row.get(mapping["channel"]))
        if not channel:
            raise InputError("channel is empty", file=table.file, row=line, field=mapping["channel"])
        raw = row.get(mapping["spend"])
        if is_blank(raw):
            raise InputError("spend is empty", file=table.file, row=line, field=mapping["spend"])
        try:
            amount = parse_money(raw)
        except InputError as exc:
            raise exc.located(file=table.file, row=line, field=mapping["spend"]) from None
        start = 0
        if "period" in mapping:
            start = _period_start(row.get(mapping["period"]), table, line, mapping["period"])
            if not window_start <= start <= as_of:
                outside += 1
                continue
        key = normalise_words(channel)
        if (key, start) in first_row:
            raise InputError(f"repeats the channel of row {first_row[(key, start)]} for the same period; "
                             "merge the rows or add a month column", file=table.file, row=line,
                             field=mapping["channel"])
        first_row[(key, start)] = line
        labels.setdefault(key, channel)
        rows.setdefault(key, line)
        by_channel[key] += amount
    warnings = [f"{table.file}: {outside} spend row(s) fall outside the window; not counted"] if outside else []
    return Spend(by_channel=dict(by_channel), labels=labels, rows=rows, warnings=warnings)


def _period_start(raw: Any, table: Table, line: int, header: str) -> int:
    if is_blank(raw):
        raise InputError("period is empty", file=table.file, row=line, field=header)
    try:
        return parse_period(raw).start.toordinal()
    except InputError:
        pass
    try:
        return parse_date(raw).toordinal()
    except InputError:
        raise InputError(f"'{cell_text(raw)}' is not a month (YYYY-MM), quarter (YYYY-Qn) or date",
                         file=table.file, row=line, field=header) from None


@dataclass
class Universe:
    segment_of: dict[str, str]            # account key → segment
    by_id: bool                           # keys are account ids (else normalised names)


def read_universe(path: str, export_has_ids: bool) -> Universe:
    """The accounts the company chose to sell to, each with its segment; matched to the export
    by account id when both files have one, else by account name (case and punctuation ignored)."""
    table = read_table(path, name="accounts")
    if not table.rows:
        raise InputError("has a header but no accounts", file=table.file)
    mapping = resolve_columns(table, UNIVERSE_ALIASES)
    by_id = export_has_ids and "account_id" in mapping
    key_field = "account_id" if by_id else "account"
    if key_field not in mapping:
        raise InputError("needs an account name column (or account_id when the export has Account ID)",
                         file=table.file)
    segment_of: dict[str, str] = {}
    first: dict[str, int] = {}
    for i, row in enumerate(table.rows):
        line = row_of(table, i)
        raw = cell_text(row.get(mapping[key_field]))
        if not raw:
            raise InputError(f"{key_field.replace('_', ' ')} is empty", file=table.file, row=line,
                             field=mapping[key_field])
        key = raw if by_id else normalise_words(raw)
        if key in first:
            raise InputError(f"repeats the account of row {first[key]}; list each account once",
                             file=table.file, row=line, field=mapping[key_field])
        first[key] = line
        segment_of[key] = cell_text(row.get(mapping["segment"])) if "segment" in mapping else ""
        segment_of[key] = segment_of[key] or NO_SEGMENT
    return Universe(segment_of=segment_of, by_id=by_id)
