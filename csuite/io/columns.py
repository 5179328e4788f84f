"""Whole columns parsed at once: money, dates and labels, each decided once per file.

A CRM export writes every amount one way, so the decimal separator and the currency are decided
for the column, not cell by cell: '84.500,00 €' and '12.500 €' in one file are both thousands, and
a column mixing '1,234.56' with '1.234,56' is refused rather than half misread. Large files stay
fast: plain numbers convert in NumPy in one call, and anything else is parsed once per distinct
text (a million close dates hold a few hundred distinct days). Errors name the file, the row a
founder sees and the column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Callable, Collection, Sequence

from csuite.errors import InputError
from csuite.io.tables import Table
from csuite.io.values import (
    COMMA_DECIMAL_CURRENCIES,
    MAX_AMOUNT,
    DateOrder,
    Decimal,
    decimal_evidence,
    infer_date_order,
    money_and_currency,
    parse_date,
    split_money,
)

if TYPE_CHECKING:  # numpy is imported where a column is converted, so importing this is cheap
    import numpy as np

# Cells a spreadsheet would run as a formula when the text is pasted or written back to CSV.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class MoneyColumn:
    """A money column as numbers, with what the file said about them."""

    values: "np.ndarray"            # float64; NaN where a blank was allowed
    currency: str | None            # ISO code (or the mark as written) when the cells carry one
    decimal: Decimal                # the decimal separator the column was read with
    notes: list[str] = field(default_factory=list)


def inert(text: Any) -> Any:
    """A cell as safe text for CSV and markdown output: a leading '=', '+', '-' or '@' gets an
    apostrophe (so no spreadsheet runs it as a formula) and control characters become spaces.
    Numbers and None pass through."""
    if not isinstance(text, str) or not text:
        return text
    if not text.isprintable():
        text = "".join(c if c.isprintable() else " " for c in text)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def labels(table: Table, header: str | None) -> list[str | None]:
    """A text column (names, owners, segments) made inert, None for blanks; [None…] when absent."""
    if header is None:
        return [None] * len(table)
    out = table.values(header)
    if any(isinstance(v, str) and (v.startswith(FORMULA_START) or not v.isprintable()) for v in out):
        out = [inert(v) if isinstance(v, str) else (None if v is None else str(v)) for v in out]
    elif not table.info.text:
        out = [None if v is None else str(v) for v in out]
    return out


def _located(table: Table, header: str, index: int) -> Callable[[InputError], InputError]:
    return lambda exc: exc.located(file=table.file, row=table.row_number(index), field=header)


def column_decimal(texts: Sequence[str], table: Table, header: str,
                   currency: str | None) -> Decimal:
    """The decimal separator of a money column: proved by its amounts ('1.234,56', '12,5' or
    '1,234.56'), else the currency's convention (€ → ','), else a ';'-delimited file's (','),
    else '.'. Amounts proving both are an error: the column cannot be read with certainty."""
    proof: dict[str, str] = {}
    for text in texts:
        try:
            digits = split_money(text).digits
        except InputError:
            continue  # reported with its row when the cell is parsed
        found = decimal_evidence(digits)
        if found is not None:
            proof.setdefault(found, text)
        if len(proof) == 2:
            raise InputError("amounts use both 1,234.56 and 1.234,56 (a ',' and a '.' decimal separator); "
                             "export the column in one format", file=table.file, field=header)
    if proof:
        return next(iter(proof))  # type: ignore[return-value]
    if currency in COMMA_DECIMAL_CURRENCIES or table.info.delimiter == ";":
        return ","
    return "."


def money_column(values: Sequence[Any], table: Table, header: str, *, allow_negative: bool = False,
                 allow_blank: bool = False, currency: str | None = None) -> MoneyColumn:
    """Parse a money column (cells from `Table.values`). `currency`: the file's currency column,
    when it has one, used to decide the decimal separator and checked against the cells' marks."""
    import numpy as np

    n = len(values)
    try:
        if not _plain(values, table):
            raise TypeError("booleans are not money")
        # Plain numbers (the bulk of a CRM dump) convert in one NumPy call.
        numbers = np.array(values, dtype=np.float64) if n else np.zeros(0)
        decimal: Decimal = "."
        found_currency = None
    except (ValueError, TypeError):
        parsed, decimal, found_currency = _distinct_amounts(values, table, header, allow_negative,
                                                            allow_blank, currency)
        numbers = np.fromiter(map(parsed.__getitem__, values), np.float64, n)
    blank = np.zeros(n, dtype=bool)
    if values.count(None):
        blank = np.fromiter((v is None for v in values), bool, n)
        if not allow_blank:
            raise _located(table, header, int(np.flatnonzero(blank)[0]))(InputError("amount is empty"))
    bad = ~np.isfinite(numbers) & ~blank
    if not allow_negative:
        bad |= numbers < 0
    bad |= np.abs(np.where(blank, 0.0, numbers)) > MAX_AMOUNT
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _located(table, header, i)(_amount_problem(values[i], float(numbers[i]), allow_negative))
    code = found_currency or currency
    return MoneyColumn(values=numbers, currency=code, decimal=decimal, notes=_currency_notes(table, code))


def money_values(values: Sequence[Any], table: Table, header: str, *, allow_negative: bool = False,
                 allow_blank: bool = False, currency: str | None = None) -> list[float | None]:
    """`money_column` without NumPy, for a tool that goes row by row through thousands of rows
    (importing NumPy would cost more than the parsing): the same rules and the same errors, each
    distinct cell converted once; amounts as floats, None for an allowed blank."""
    parsed: dict[Any, float]
    try:
        if not _plain(values, table):
            raise TypeError("booleans are not money")
        distinct = dict.fromkeys(values)
        blank = None in distinct
        distinct.pop(None, None)
        parsed = dict(zip(distinct, map(float, distinct)))
    except (ValueError, TypeError):
        parsed = _distinct_amounts(values, table, header, allow_negative, allow_blank, currency)[0]
        blank = parsed.pop(None, None) is not None
    if blank and not allow_blank:
        raise _located(table, header, values.index(None))(InputError("amount is empty"))
    if not _all_sound(parsed.values(), allow_negative):
        bad = {value for value, amount in parsed.items() if _amount_is_bad(amount, allow_negative)}
        i = next(i for i, value in enumerate(values) if value in bad)
        raise _located(table, header, i)(_amount_problem(values[i], parsed[values[i]], allow_negative))
    return list(map(parsed.get, values))


_NAN = float("nan")


def _plain(values: Sequence[Any], table: Table) -> bool:
    """Cells that may convert as plain numbers: text from a CSV, or typed cells without booleans."""
    return table.info.text or not any(isinstance(v, bool) for v in values)


def _all_sound(amounts: Collection[float], allow_negative: bool) -> bool:
    """No amount is `_amount_is_bad`, asked of the whole column at C speed: a finite total has
    no NaN or infinity in it, and the extremes bound the rest."""
    if not amounts:
        return True
    low, high = min(amounts), max(amounts)
    return math.isfinite(sum(amounts)) and (allow_negative or low >= 0) and max(-low, high) <= MAX_AMOUNT


def _amount_is_bad(amount: float, allow_negative: bool) -> bool:
    return not math.isfinite(amount) or (amount < 0 and not allow_negative) or abs(amount) > MAX_AMOUNT


def _amount_problem(cell: Any, amount: float, allow_negative: bool) -> InputError:
    if not math.isfinite(amount):
        return InputError(f"'{cell}' is not a finite amount")
    if amount < 0 and not allow_negative:
        return InputError(f"amount {amount:,.2f} is negative")
    return InputError(f"amount {amount:,.0f} is implausibly large (above {MAX_AMOUNT:,.0f}); check the units")


def _currency_notes(table: Table, code: str | None) -> list[str]:
    if code and code != "USD":
        return [f"{table.file}: amounts are in {code}; figures are reported in that currency, not converted "
                "to dollars"]
    return []


def _distinct_amounts(values: Sequence[Any], table: Table, header: str, allow_negative: bool,
                      allow_blank: bool, currency: str | None) -> tuple[dict[Any, float], Decimal, str | None]:
    """Each distinct cell read as money ('$84.5K', '84.500,00 €'), the currency and decimal separator
    decided for the whole column; NaN for an allowed blank."""
    distinct = list(dict.fromkeys(values))
    texts = [v for v in distinct if isinstance(v, str)]
    marks = {split_money_currency(t) for t in texts} - {None}
    if currency is not None:
        marks.add(currency)
    if len(marks) > 1:
        raise InputError(f"amounts mix currencies ({', '.join(sorted(marks))}); convert them to one "
                         "currency first", file=table.file, field=header)
    found = next(iter(marks), None)
    decimal = column_decimal(texts, table, header, found)
    parsed: dict[Any, float] = {}
    for value in distinct:
        if value is None:
            if allow_blank:
                parsed[value] = _NAN
                continue
            raise _located(table, header, values.index(value))(InputError("amount is empty"))
        try:
            parsed[value] = money_and_currency(value, allow_negative=allow_negative, decimal=decimal)[0]
        except InputError as exc:
            raise _located(table, header, values.index(value))(exc) from None
    return parsed, decimal, found


def split_money_currency(text: str) -> str | None:
    try:
        return split_money(text).currency
    except InputError:
        return None


def _distinct_days(values: Sequence[Any], table: Table, header: str, date_order: DateOrder | None,
                   allow_blank: bool, what: str) -> dict[Any, date | None]:
    distinct = list(dict.fromkeys(values))
    order = date_order
    if order is None:
        try:
            order = infer_date_order(v for v in distinct if isinstance(v, str))
        except InputError as exc:
            raise exc.located(file=table.file, field=header) from None
    parsed: dict[Any, date | None] = {}
    for value in distinct:
        if value is None:
            if not allow_blank:
                raise _located(table, header, values.index(value))(InputError(f"{what} is empty"))
            parsed[value] = None
            continue
        try:
            parsed[value] = parse_date(value, date_order=order)
        except InputError as exc:
            raise _located(table, header, values.index(value))(exc) from None
    return parsed


def date_column(values: Sequence[Any], table: Table, header: str, *,
                date_order: DateOrder | None = None, allow_blank: bool = False,
                what: str = "date") -> list[date | None]:
    """Parse a date column once per distinct text, the dd/mm order decided for the whole column."""
    parsed = _distinct_days(values, table, header, date_order, allow_blank, what)
    return list(map(parsed.__getitem__, values))


def day_numbers(values: Sequence[Any], table: Table, header: str, *, date_order: DateOrder | None = None,
                allow_blank: bool = False, what: str = "date") -> "np.ndarray":
    """`date_column` as proleptic ordinals (int64; -1 for an allowed blank), the form vector maths
    on a million close dates wants: parsed once per distinct text, mapped back in C."""
    import numpy as np

    parsed = _distinct_days(values, table, header, date_order, allow_blank, what)
    ordinal = {v: (-1 if d is None else d.toordinal()) for v, d in parsed.items()}
    return np.fromiter(map(ordinal.__getitem__, values), np.int64, len(values))
