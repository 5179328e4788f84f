"""Parse values the way founders and CRM exports write them.

One parser per kind of value (money, percentage, ratio, months, date, period, series, boolean),
each returning plain Python values or raising `InputError` with a message a founder can act on.
Callers add the file/row/field location with `InputError.located`.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Literal

from csuite.errors import InputError
from csuite.io.text import LazyPattern

DateOrder = Literal["dmy", "mdy"]

MULTIPLIERS = {
    "": 1.0, "k": 1e3, "K": 1e3, "thousand": 1e3,
    "m": 1e6, "M": 1e6, "mm": 1e6, "MM": 1e6, "mn": 1e6, "million": 1e6,
    "b": 1e9, "B": 1e9, "bn": 1e9, "billion": 1e9,
    "万": 1e4, "亿": 1e8,
}
# Currency marks as exports write them, before or after the amount, and the ISO code each means.
# ¥ alone is yen or yuan; it stays as written so the result says what the file said.
_CURRENCY_CODES = ("USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "JPY", "CNY", "RMB", "SGD", "HKD",
                   "INR", "SEK", "NOK", "DKK", "PLN", "CZK", "BRL", "MXN", "ZAR")
_CURRENCY_SYMBOLS = {"US$": "USD", "C$": "CAD", "A$": "AUD", "NZ$": "NZD", "HK$": "HKD", "S$": "SGD",
                     "R$": "BRL", "$": "USD", "€": "EUR", "£": "GBP", "¥": "¥", "￥": "¥", "₹": "INR",
                     "元": "CNY", "美元": "USD", "kr": "kr", "zł": "PLN", "Fr.": "CHF"}
_CODE_ALT = {"RMB": "CNY"}
_MARKS = sorted(list(_CURRENCY_SYMBOLS) + list(_CURRENCY_CODES), key=len, reverse=True)
_MARK = "|".join(re.escape(m) for m in _MARKS)
_CURRENCY = LazyPattern(rf"^(?P<mark>{_MARK})\s*", re.I)
_CURRENCY_SUFFIX = LazyPattern(rf"\s*(?P<mark>{_MARK})$", re.I)
# Currencies whose exports write 1.234,56: the tie-breaker when a money column never shows
# which separator is the decimal one (every amount like 12.500, never 12.5 or 12,50).
COMMA_DECIMAL_CURRENCIES = frozenset({"EUR", "SEK", "NOK", "DKK", "PLN", "CZK", "BRL"})
_NUMBER = LazyPattern(
    r"^(?P<sign>[-+−]?)\s*(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)\s*"
    r"(?P<unit>[kKmMbB]|mm|MM|mn|bn|thousand|million|billion|万|亿)?$"
)
# A money body: digits with '.', ',', spaces or apostrophes between them, then a scale word.
_MONEY_BODY = LazyPattern(
    r"^(?P<num>\d[\d.,'’ \u00a0\u202f]*\d|\d|[.,]\d+)\s*"
    r"(?P<unit>[kKmMbB]|mm|MM|mn|bn|thousand|million|billion|万|亿)?$")
_GROUPED = LazyPattern(r"^\d{1,3}(?:X\d{3})+$")
_SPACE_GROUPS = " '’\u00a0\u202f"
_SPACE_GROUPED = LazyPattern(r"^\d{1,3}(?:[ '’\u00a0\u202f]\d{3})+(?:[.,]\d+)?$")

Decimal = Literal[".", ","]


def _finite(value: float, text: str) -> float:
    if math.isnan(value) or math.isinf(value):
        raise InputError(f"'{text}' is not a finite number")
    return value


def parse_number(text: object) -> float:
    """A plain number: '1,234.5', '−3', 4. Rejects NaN and infinity."""
    if isinstance(text, bool):
        raise InputError(f"'{text}' is a boolean, not a number")
    if isinstance(text, (int, float)):
        return _finite(float(text), str(text))
    raw = str(text).strip()
    m = _NUMBER.match(raw)
    if not m or m.group("unit"):
        raise InputError(f"'{raw}' is not a number")
    value = float(m.group("num").replace(",", ""))
    return -value if m.group("sign") in ("-", "−") else value


MAX_AMOUNT = 1e13  # ten trillion dollars


def currency_code(mark: str) -> str:
    """'€' → 'EUR', 'usd' → 'USD', 'RMB' → 'CNY'; unknown marks come back as written."""
    upper = mark.strip().upper()
    if upper in _CURRENCY_CODES:
        return _CODE_ALT.get(upper, upper)
    for symbol, code in _CURRENCY_SYMBOLS.items():
        if symbol.lower() == mark.strip().lower():
            return code
    return mark.strip()


@dataclass(frozen=True)
class MoneyText:
    """An amount as written, taken apart: sign, currency mark, the digits with their separators."""

    raw: str
    negative: bool
    currency: str | None
    digits: str
    unit: str


def split_money(text: str) -> MoneyText:
    """'(€ 84.500,00)' → negative, EUR, '84.500,00'. Raises when no amount is there."""
    raw = text.strip()
    if not raw:
        raise InputError("amount is empty")
    body, negative, currency = raw, False, None
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1].strip()
    if body[:1] in "-−":
        negative, body = True, body[1:].strip()
    m = _CURRENCY.match(body)
    if m:
        currency, body = currency_code(m.group("mark")), body[m.end():]
    m = _CURRENCY_SUFFIX.search(body)
    if m and m.start() > 0:
        if currency is not None and currency_code(m.group("mark")) != currency:
            raise InputError(f"'{raw}' names two currencies")
        currency, body = currency_code(m.group("mark")), body[:m.start()]
    body = body.strip()
    if body[:1] in "-−":
        negative, body = True, body[1:].strip()
    m = _MONEY_BODY.match(body)
    if not m:
        if body.lower() in {"nan", "inf", "-inf", "infinity"}:
            raise InputError(f"'{raw}' is not a finite amount")
        raise InputError(f"'{raw}' is not an amount of money (write e.g. 2400000, $2.4M or $800K)")
    return MoneyText(raw=raw, negative=negative, currency=currency, digits=m.group("num"),
                     unit=m.group("unit") or "")


def decimal_evidence(digits: str) -> Decimal | None:
    """Which separator a written amount proves to be the decimal one, if any: '1.234,56' and
    '12,5' prove ',', '1,234.56', '12.50' and '1,234,567' prove '.'; '12.500' proves nothing."""
    digits = "".join(c for c in digits if c not in _SPACE_GROUPS)
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        return "," if digits.rfind(",") > digits.rfind(".") else "."
    for sep, other in ((".", ","), (",", ".")):
        count = digits.count(sep)
        if count > 1:
            return other  # a separator used twice groups thousands
        if count == 1 and len(digits) - digits.index(sep) - 1 != 3:
            return sep    # 12.5, 12.50, 0.125 is not money-like grouping: one or two decimals
    return None


def _money_digits(money: MoneyText, decimal: Decimal | None) -> float:
    digits = money.digits
    if any(c in _SPACE_GROUPS for c in digits):
        # 1 234,50 and 1'234.50 group thousands with a space or an apostrophe; '1 2' is not a number.
        if not _SPACE_GROUPED.match(digits):
            raise InputError(f"'{money.raw}' is not an amount of money (spaces must group thousands)")
        digits = "".join(c for c in digits if c not in _SPACE_GROUPS)
    if decimal is None:
        decimal = decimal_evidence(digits)
        if decimal is None:
            # Only one separator with three digits after it (12,500 or 12.500): a comma groups
            # thousands as always; a dot does when the amount is in a comma-decimal currency,
            # so '€12.500' is twelve thousand five hundred, never 12.5.
            decimal = "," if money.currency in COMMA_DECIMAL_CURRENCIES else "."
    group = "," if decimal == "." else "."
    whole, _, fraction = digits.partition(decimal) if decimal in digits else (digits, "", "")
    if decimal in fraction or group in fraction:
        raise InputError(f"'{money.raw}' is not an amount of money (its separators are out of order)")
    if group in whole and not _GROUPED.match(whole.replace(group, "X")):
        raise InputError(f"'{money.raw}' is not an amount of money ('{group}' must group thousands here)")
    number = whole.replace(group, "") + ("." + fraction if fraction else "")
    if number.startswith("."):
        number = "0" + number
    return float(number) * MULTIPLIERS[money.unit]


def parse_money(text: object, *, allow_negative: bool = False, decimal: Decimal | None = None) -> float:
    """Money: '$2.4M', '$800K', '$2,400,000', 'USD 485,000.00', '84.500,00 €', '€12.500', '120万'.

    `decimal` is the file's decimal separator when a column decided it (see
    csuite.io.columns.money_column); without it a single amount decides for itself, and an
    amount like '12.500' is 12,500 in a comma-decimal currency (€) and 12.5 otherwise.
    Accounting negatives '(1,200)' are read as negative. Negative amounts are refused unless
    the caller says they make sense (a contraction delta does; a deal amount does not).
    """
    return money_and_currency(text, allow_negative=allow_negative, decimal=decimal)[0]


def money_and_currency(text: object, *, allow_negative: bool = False,
                       decimal: Decimal | None = None) -> tuple[float, str | None]:
    """`parse_money` plus the currency the amount was written in (None when it shows none)."""
    currency = None
    if isinstance(text, bool):
        raise InputError(f"'{text}' is not an amount of money")
    if isinstance(text, (int, float)):
        value = _finite(float(text), str(text))
    else:
        money = split_money(str(text))
        currency = money.currency
        value = _money_digits(money, decimal)
        if money.negative:
            value = -value
    if value < 0 and not allow_negative:
        raise InputError(f"amount {value:,.2f} is negative")
    if not math.isfinite(value) or abs(value) > MAX_AMOUNT:
        # Larger than any company's revenue: a unit mix-up (cents, thousands) or a corrupt cell,
        # and sums of such values would overflow into infinity downstream.
        raise InputError(f"amount {value:,.0f} is implausibly large (above {MAX_AMOUNT:,.0f}); check the units")
    return value, currency


def parse_percent(text: object, *, fraction_max: float = 1.0, allow_negative: bool = False) -> float:
    """A percentage as a fraction: '96%' → 0.96; '0.96' → 0.96; '96' → 0.96.

    A bare number up to `fraction_max` is taken as a fraction already, above it as a percent.
    Retention can exceed 100%, so NRR-like callers pass fraction_max=3 (1.12 means 112%).
    """
    if isinstance(text, bool):
        raise InputError(f"'{text}' is not a percentage")
    if isinstance(text, (int, float)):
        value = _finite(float(text), str(text))
        explicit = False
    else:
        raw = str(text).strip().replace("％", "%")
        if not raw:
            raise InputError("percentage is empty")
        explicit = raw.endswith("%")
        body = raw[:-1].strip() if explicit else raw
        try:
            value = parse_number(body)
        except InputError:
            raise InputError(f"'{raw}' is not a percentage (write e.g. 96% or 0.96)") from None
    if explicit or abs(value) > fraction_max:
        value = value / 100.0
    if value < 0 and not allow_negative:
        raise InputError(f"percentage {value:.1%} is negative")
    return value


def parse_ratio(text: object) -> float:
    """A multiple: '3.1x', '3.1×', '3.1' → 3.1."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return _finite(float(text), str(text))
    raw = str(text).strip()
    body = re.sub(r"\s*[x×X]$", "", raw)
    try:
        value = parse_number(body)
    except InputError:
        raise InputError(f"'{raw}' is not a multiple (write e.g. 3.1x)") from None
    if value < 0:
        raise InputError(f"multiple {raw} is negative")
    return value


def parse_months(text: object) -> float:
    """A duration in months: '14 months', '14 mo', '14', '1.5 years' → 18."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = _finite(float(text), str(text))
    else:
        raw = str(text).strip()
        m = re.match(r"^([\d.,]+)\s*(months?|mos?|m|个月|月|years?|yrs?|y|年)?\.?$", raw, re.I)
        if not m:
            raise InputError(f"'{raw}' is not a number of months (write e.g. 14 months)")
        value = parse_number(m.group(1))
        unit = (m.group(2) or "").lower()
        if unit.startswith("y") or unit == "年":
            value *= 12
    if value < 0:
        raise InputError(f"{value} months is negative")
    return value


def parse_int(text: object, *, minimum: int | None = 0) -> int:
    """A whole count. '2.5' is refused (half a CSM is a typo, not a rounding question)."""
    if isinstance(text, bool):
        raise InputError(f"'{text}' is not a whole number")
    if isinstance(text, int):
        value = text
    else:
        number = parse_number(text)
        if number != int(number):
            raise InputError(f"'{text}' is not a whole number")
        value = int(number)
    if minimum is not None and value < minimum:
        raise InputError(f"{value} is below the minimum {minimum}")
    return value


_TRUE = {"true", "yes", "y", "1", "t", "是"}
_FALSE = {"false", "no", "n", "0", "f", "否"}


def parse_bool(text: object) -> bool:
    """Strict boolean: the string 'false' is False, and 'maybe' is an error, never truthy."""
    if isinstance(text, bool):
        return text
    if isinstance(text, int) and text in (0, 1):
        return bool(text)
    raw = str(text).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise InputError(f"'{text}' is not true or false")


_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9


_NUMERIC_DATE = LazyPattern(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})")


def infer_date_order(values: Iterable[str]) -> DateOrder | None:
    """Decide dd/mm vs mm/dd for a whole column from values where only one reading is valid.
    Dotted dates (03.11.2026) are day-first wherever they are written, so they decide too.

    Returns None when every value reads both ways (the caller must ask), and raises when the
    column contradicts itself (some values only valid as dd/mm, others only as mm/dd).
    """
    dmy = mdy = False
    for value in values:
        m = _NUMERIC_DATE.match(str(value))
        if not m:
            continue
        a, b = int(m.group(1)), int(m.group(3))
        if a > 12 >= b or (m.group(2) == "." and a <= 31 and b <= 12):
            dmy = True
        elif b > 12 >= a:
            mdy = True
    if dmy and mdy:
        raise InputError("dates mix dd/mm/yyyy and mm/dd/yyyy; export them as YYYY-MM-DD")
    if dmy:
        return "dmy"
    if mdy:
        return "mdy"
    return None


def full_year(year: int) -> int:
    """A two-digit year the way Python's %y and POSIX read it: 00–68 → 2000–2068, 69–99 →
    1969–1999. '15/12/99' is 15 December 1999, never 2099."""
    if year >= 100:
        return year
    return 2000 + year if year <= 68 else 1900 + year


def parse_date(text: object, *, date_order: DateOrder | None = None) -> date:
    """A calendar date: '2026-03-05', '2026-03-05T10:00:00Z', 'March 2026' (→ 1st), '2026-03',
    '16/10/2025' with a known or inferable day/month order. Ambiguous slash dates are refused."""
    if isinstance(text, datetime):
        return in_range(text.date())
    if isinstance(text, date):
        return in_range(text)
    raw = str(text).strip()
    if not raw:
        raise InputError("date is empty")
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|[+-]\d{2}:?\d{2})?)?$", raw)
    if m:
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), raw)
    m = re.match(r"^(\d{4})[-/](\d{1,2})$", raw)
    if m:
        return _make_date(int(m.group(1)), int(m.group(2)), 1, raw)
    m = re.match(r"^(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?$", raw)
    if m:
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1), raw)
    m = re.match(r"^([A-Za-z]+)\.?,?\s+(\d{1,2}),?\s+(\d{4})$", raw)  # March 5, 2026
    if m and m.group(1).lower() in _MONTHS:
        return _make_date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)), raw)
    m = re.match(r"^(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})$", raw)  # 5 March 2026
    if m and m.group(2).lower() in _MONTHS:
        return _make_date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)), raw)
    m = re.match(r"^([A-Za-z]+)\.?,?\s+(\d{4})$", raw)  # March 2026
    if m and m.group(1).lower() in _MONTHS:
        return _make_date(int(m.group(2)), _MONTHS[m.group(1).lower()], 1, raw)
    m = re.match(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AP]M)?)?$",
                 raw, re.I)
    if m:
        a, b, year = int(m.group(1)), int(m.group(3)), full_year(int(m.group(4)))
        order = date_order or infer_date_order([raw])
        if order is None:
            if a == b:
                order = "dmy"
            else:
                raise InputError(
                    f"date '{raw}' could be dd/mm or mm/dd; use YYYY-MM-DD or pass --date-order dmy|mdy"
                )
        day, month = (a, b) if order == "dmy" else (b, a)
        return _make_date(year, month, day, raw)
    raise InputError(f"'{raw}' is not a date (write YYYY-MM-DD)")


# Dates a founder's plan can mean. Tools add months and years to them (horizons, slips), so a
# sentinel such as 9999-12-31 is refused here rather than overflowing the calendar later.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def in_range(day: date, raw: object = None) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(f"'{raw if raw is not None else day}' is outside the years {FIRST_YEAR}–{LAST_YEAR}")
    return day


def _make_date(year: int, month: int, day: int, raw: str) -> date:
    try:
        made = date(year, month, day)
    except ValueError:
        raise InputError(f"'{raw}' is not a valid calendar date") from None
    return in_range(made, raw)


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month or quarter. Ordered by start date, never by its label."""

    start: date
    end: date
    label: str

    @property
    def kind(self) -> Literal["month", "quarter"]:
        return "quarter" if "Q" in self.label else "month"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def month_period(year: int, month: int) -> Period:
    return Period(date(year, month, 1), month_end(year, month), f"{year:04d}-{month:02d}")


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    return Period(date(year, first, 1), month_end(year, first + 2), f"{year:04d}-Q{quarter}")


def parse_period(text: object) -> Period:
    """'2026-Q4' / '2026-q4' (a quarter) or '2026-11' (a month). Anything else is an error."""
    raw = str(text).strip()
    m = re.match(r"^(\d{4})-[Qq]([1-4])$", raw)
    if m:
        return quarter_period(int(m.group(1)), int(m.group(2)))
    m = re.match(r"^(\d{4})-(\d{2})$", raw)
    if m and 1 <= int(m.group(2)) <= 12:
        return month_period(int(m.group(1)), int(m.group(2)))
    raise InputError(f"period '{raw}' is not YYYY-Qn (e.g. 2026-Q4) or YYYY-MM (e.g. 2026-11)")


def parse_quarter(value: object) -> Period:
    """'2027-Q1', '2027 Q1', 'Q1 2027', 'Q1-2027' → the quarter; months and years are refused."""
    raw = str(value).strip()
    m = re.match(r"^[Qq]([1-4])[\s\-/]*(\d{4})$", raw)
    if m:
        raw = f"{m.group(2)}-Q{m.group(1)}"
    else:
        m = re.match(r"^(\d{4})[\s\-/]*[Qq]([1-4])$", raw)
        if m:
            raw = f"{m.group(1)}-Q{m.group(2)}"
    period = parse_period(raw)
    if period.kind != "quarter":
        raise InputError(f"'{value}' is a month; give a quarter (write e.g. 2027-Q1)")
    return period


def period_of(day: date, kind: Literal["month", "quarter"]) -> Period:
    if kind == "month":
        return month_period(day.year, day.month)
    return quarter_period(day.year, (day.month - 1) // 3 + 1)


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later, clamped to the month's end (Jan 31 + 1 → Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    """Whole calendar months from start to end (2024-01-15 → 2024-06-15 is 5, not 4)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day and end != month_end(end.year, end.month):
        months -= 1
    return months


_SERIES_SPLIT = LazyPattern(r"\s*(?:→|->|=>|;|,(?!\d{3}\b)|\bthen\b|、|，|；)\s*")


def split_series(text: str) -> list[str]:
    """Split '31%, 28%, 25%' or '104% → 101% → 98%' into items, oldest first as written.
    Thousands separators ('2,400,000') are not split points."""
    parts = [p for p in _SERIES_SPLIT.split(text.strip()) if p]
    return parts
