"""When a number applies: the periods founders write beside metrics, and their order.

"Q3 2026", "2026-Q3", "Q3'26", "3Q26", "FY26 Q3", "2026 年 Q3", "2026年第三季度", "Sep 2026",
"2026-09", "Sep 30, 2026", "2026年9月", "FY2025", and, without a year, "Q3", "September",
"三季度", "9月"; relative ones ("current", "last quarter", "上季度"). A period without a year
takes the most recent year in which it had started by the reference date (the file's Last
updated, else the as-of date). A two-digit year is read as 20yy only when that is not more than
five years after the reference year ("15/12/99" never becomes 2099).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal, Sequence

from csuite.io.values import add_months, month_end

Granularity = Literal["day", "month", "quarter", "half", "year", "current"]

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


@dataclass(frozen=True)
class When:
    """A period or day a value applies to. `cycle` (month 1–12 or quarter 1–4) is set when the
    year was not written; `offset` (0 = current, -1 = the one before) for relative labels."""

    granularity: Granularity
    start: date | None = None
    end: date | None = None
    cycle: int | None = None
    offset: int | None = None
    unit: Literal["month", "quarter", "year"] | None = None

    @property
    def dated(self) -> bool:
        return self.start is not None

    @property
    def label(self) -> str:
        if self.start is None:
            if self.offset is not None:
                return "current" if self.offset == 0 else f"{self.offset} {self.unit}"
            return f"Q{self.cycle}" if self.granularity == "quarter" else calendar.month_abbr[self.cycle or 1]
        if self.granularity == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.granularity == "half":
            return f"{self.start.year}-H{1 if self.start.month == 1 else 2}"
        if self.granularity == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.granularity == "year":
            return f"{self.start.year}"
        return self.end.isoformat() if self.end else self.start.isoformat()

    @property
    def per(self) -> Literal["month", "quarter", "year"] | None:
        """The length of the period, when it is one ('Q3' → quarter), for flows such as burn."""
        if self.granularity in ("month", "quarter", "year"):
            return self.granularity  # type: ignore[return-value]
        if self.granularity == "current" and self.unit in ("month", "quarter", "year"):
            return self.unit
        return None

    def resolve(self, reference: date) -> "When":
        """Give a yearless or relative period its dates, counted back from `reference`."""
        if self.start is not None:
            return self
        if self.offset is not None:
            if self.unit is None:
                return replace(self, start=reference, end=reference)
            first = _period_start(reference, self.unit)
            step = {"month": 1, "quarter": 3, "year": 12}[self.unit]
            start = add_months(first, step * self.offset)
            return replace(self, start=start, end=add_months(start, step) - _ONE_DAY, granularity=self.unit)
        year = reference.year
        if self.granularity == "quarter":
            first_month = 3 * ((self.cycle or 1) - 1) + 1
            if date(year, first_month, 1) > reference:
                year -= 1
            return quarter(year, self.cycle or 1)
        if date(year, self.cycle or 1, 1) > reference:
            year -= 1
        return month(year, self.cycle or 1)


_ONE_DAY = date(2000, 1, 2) - date(2000, 1, 1)


def _period_start(day: date, unit: str) -> date:
    if unit == "month":
        return date(day.year, day.month, 1)
    if unit == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def quarter(year: int, number: int) -> When:
    first = 3 * (number - 1) + 1
    return When("quarter", date(year, first, 1), month_end(year, first + 2))


def month(year: int, number: int) -> When:
    return When("month", date(year, number, 1), month_end(year, number))


def day(value: date) -> When:
    return When("day", value, value)


def _year(text: str, reference: date) -> int | None:
    """A written year: four digits, or two read as 20yy when that is not far in the future."""
    digits = text.strip("'’ ")
    if len(digits) == 4:
        return int(digits)
    if len(digits) == 2:
        year = 2000 + int(digits)
        return year if year <= reference.year + 5 else None
    return None


# --------------------------------------------------------------------------- one cell

_Q = r"[Qq]\s*([1-4])"
_CELL_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^(?:fy\s*)?(\d{{4}})\s*[-/\s]?\s*{_Q}$", re.I), "y_q"),
    (re.compile(rf"^{_Q}\s*[-/\s'’]?\s*(?:fy\s*)?(\d{{4}}|\d{{2}})$", re.I), "q_y"),
    (re.compile(r"^([1-4])\s*q\s*['’]?\s*(\d{2}|\d{4})$", re.I), "q_y"),
    (re.compile(rf"^fy\s*['’]?(\d{{2}}|\d{{4}})\s*[-/\s]?\s*{_Q}$", re.I), "y_q"),
    (re.compile(rf"^{_Q}$", re.I), "q"),
    (re.compile(r"^(\d{4})\s*年\s*(?:第\s*)?([一二三四1-4])\s*季度?$"), "y_q"),
    (re.compile(r"^(\d{4})\s*年?\s*[Qq]\s*([1-4])$"), "y_q"),
    (re.compile(r"^(?:第\s*)?([一二三四1-4])\s*季度$"), "q"),
    (re.compile(r"^[Hh]\s*([12])\s*[-/\s'’]?\s*(\d{4}|\d{2})$"), "h_y"),
    (re.compile(r"^(\d{4})\s*[-/\s]?\s*[Hh]\s*([12])$"), "y_h"),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"), "ymd"),
    (re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})$"), "ym"),
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月份?$"), "ym"),
    (re.compile(rf"^({_MONTH_NAMES})\.?\s*(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})$", re.I), "mdy"),
    (re.compile(rf"^(\d{{1,2}})\s+({_MONTH_NAMES})\.?,?\s+(\d{{4}})$", re.I), "dmy"),
    # 'Sep 2026', 'Sep-26', "Sep '26"; never 'Sep 14' (a day, not 2014)
    (re.compile(rf"^({_MONTH_NAMES})\.?(?:\s*[-/'’]\s*['’]?(\d{{2}}|\d{{4}})|[\s,]+(\d{{4}}))$", re.I), "m_y"),
    (re.compile(rf"^({_MONTH_NAMES})\.?$", re.I), "m"),
    (re.compile(r"^(\d{1,2})\s*月份?$"), "m_num"),
    (re.compile(r"^(?:fy|cy)\s*['’]?(\d{4}|\d{2})$", re.I), "y"),
    (re.compile(r"^(\d{4})\s*年?$"), "y"),
]

_RELATIVE: list[tuple[re.Pattern[str], int, str | None]] = [
    (re.compile(r"^(?:current|now|today|latest|actual|actuals|this\s+quarter|current\s+quarter|qtd|本季度|当前|目前|现在|最新|本期)$", re.I), 0, None),
    (re.compile(r"^(?:this\s+month|current\s+month|mtd|本月)$", re.I), 0, "month"),
    (re.compile(r"^(?:last|previous|prior)\s+quarter$|^上季度$|^上一季度$", re.I), -1, "quarter"),
    (re.compile(r"^(?:last|previous|prior)\s+month$|^上月$|^上个月$", re.I), -1, "month"),
    (re.compile(r"^(?:last|previous|prior)\s+year$|^去年$", re.I), -1, "year"),
    (re.compile(r"^(?:this\s+year|ytd|今年)$", re.I), 0, "year"),
    (re.compile(r"^(two|2)\s+quarters\s+ago$", re.I), -2, "quarter"),
    (re.compile(r"^(three|3)\s+quarters\s+ago$", re.I), -3, "quarter"),
]


def parse_when(cell: str, reference: date) -> When | None:
    """A whole table cell or heading part read as a period, or None."""
    text = re.sub(r"\s+", " ", cell.replace("*", "").strip().strip(":：").strip())
    text = re.sub(r"\s*[(（](?:actual|actuals|act|a|e|est|estimate|qtd|mtd|ytd|to date|so far|partial|至今)[)）]$", "",
                  text, flags=re.I)
    if not text or len(text) > 40:
        return None
    for pattern, offset, unit in _RELATIVE:
        if pattern.match(text):
            if unit is None:
                return When("current", offset=0, unit="quarter" if "quarter" in text.lower() or "季度" in text else None)
            return When("current" if offset == 0 else unit, offset=offset, unit=unit)  # type: ignore[arg-type]
    for pattern, shape in _CELL_PATTERNS:
        m = pattern.match(text)
        if m:
            return _build(shape, m.groups(), reference)
    return None


def _build(shape: str, groups: Sequence[str], reference: date) -> When | None:
    try:
        if shape == "y_q":
            year = _year(groups[0], reference)
            return quarter(year, _CN_DIGIT[groups[1]]) if year else None
        if shape == "q_y":
            year = _year(groups[1], reference)
            return quarter(year, _CN_DIGIT[groups[0]]) if year else None
        if shape == "q":
            return When("quarter", cycle=_CN_DIGIT[groups[0]])
        if shape in ("h_y", "y_h"):
            half, year_text = (groups[0], groups[1]) if shape == "h_y" else (groups[1], groups[0])
            year = _year(year_text, reference)
            if not year:
                return None
            first = 1 if half == "1" else 7
            return When("half", date(year, first, 1), month_end(year, first + 5))
        if shape == "ymd":
            return day(date(int(groups[0]), int(groups[1]), int(groups[2])))
        if shape == "ym":
            return month(int(groups[0]), int(groups[1]))
        if shape == "mdy":
            return day(date(int(groups[2]), _MONTHS[groups[0].lower()], int(groups[1])))
        if shape == "dmy":
            return day(date(int(groups[2]), _MONTHS[groups[1].lower()], int(groups[0])))
        if shape == "m_y":
            year = _year(groups[1] or groups[2], reference)
            return month(year, _MONTHS[groups[0].lower()]) if year else None
        if shape == "m":
            return When("month", cycle=_MONTHS[groups[0].lower()])
        if shape == "m_num":
            number = int(groups[0])
            return When("month", cycle=number) if 1 <= number <= 12 else None
        if shape == "y":
            year = _year(groups[0], reference)
            return When("year", date(year, 1, 1), date(year, 12, 31)) if year else None
    except ValueError:  # 2026-02-30
        return None
    return None


# --------------------------------------------------------------------------- inside text

_IN_TEXT = re.compile(
    r"(?P<q>(?<![A-Za-z0-9])(?:(?:FY\s*)?\d{4}(?:\s*-)?\s*[Qq][1-4]|[Qq][1-4](?:\s*[-'’])?\s*(?:FY\s*)?(?:\d{4}|'?\d{2}(?!\d))"
    r"|[1-4]Q\s*['’]?\d{2}(?!\d)|FY\s*['’]?\d{2,4}\s*[Qq][1-4]|[Qq][1-4])(?![A-Za-z0-9]))"
    r"|(?P<cnq>\d{4}\s*年\s*(?:第\s*)?[一二三四1-4]\s*季度|\d{4}\s*年\s*[Qq][1-4]|(?:第\s*)?[一二三四]\s*季度)"
    r"|(?P<h>(?<![A-Za-z0-9])(?:[Hh][12](?:\s*['’])?\s*(?:\d{4}|\d{2})|\d{4}\s*[Hh][12])(?![A-Za-z0-9]))"
    r"|(?P<end>(?:(?:at\s+)?(?:the\s+)?end\s+of|as\s+of|through|ending)\s+(?:" + _MONTH_NAMES + r")\b\.?(?:\s+\d{4})?)"
    r"|(?P<day>(?<![A-Za-z])(?:" + _MONTH_NAMES.title() + r")\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}(?!\d)"
    r"|(?<!\d)\d{1,2}\s+(?:" + _MONTH_NAMES.title() + r")\.?,?\s+\d{4}(?!\d))"
    r"|(?P<my>(?<![A-Za-z])(?:January|February|March|April|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?(?:\s*[-/'’]\s*'?\d{2}(?!\d|[.,]\d|%)|,?\s+\d{4}(?!\d|[.,]\d|%))?"
    r"(?![A-Za-z]))"
    r"|(?P<cnm>\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|(?<![\d个])\d{1,2}\s*月(?:底|末|份)?(?!\s*\d))"
    r"|(?P<fy>(?<![A-Za-z])FY\s*['’]?(?:\d{4}|\d{2})(?![\dA-Za-z]))"
    r"|(?P<rel>(?i:\b(?:this|last|previous|prior|current)\s+(?:quarter|month|year)\b)|本季度|上季度|本月|上个?月|去年|今年)"
    r"|(?P<yr>\b(?:in|since|of|by|during|for|until|before|after|early|late|mid|end\s+of)\s+(?:19|20)\d{2}\b(?![\d%.,]))",
)


@dataclass(frozen=True)
class WhenHit:
    start: int
    end: int
    when: When


def find_whens(text: str, reference: date) -> list[WhenHit]:
    """Periods written inside a sentence ('as of end of September', 'in Q2', '(Sep 2026)')."""
    hits = []
    for match in _IN_TEXT.finditer(text):
        raw = match.group(0)
        kind = match.lastgroup
        if kind == "yr":
            raw = raw[-4:]
        if kind == "end":
            raw = re.sub(r"^(?:(?:at\s+)?(?:the\s+)?end\s+of|as\s+of|through|ending)\s+", "", raw, flags=re.I)
        when = parse_when(raw, reference)
        if when is None and kind == "cnm":
            when = parse_when(re.sub(r"(?:底|末|份)$", "", raw), reference)
        if when is None and kind == "q":
            when = parse_when(raw.replace("'", " ").replace("’", " "), reference)
        if when is not None:
            hits.append(WhenHit(match.start(), match.end(), when))
    return hits


def unit_of_text(text: str) -> Literal["month", "quarter", "year"] | None:
    """The length a flow is stated over ('monthly', 'per quarter', '/yr', '每月')."""
    lowered = text.lower()
    if re.search(r"(?:/|\bper\s+|\ba\s+|\bevery\s+|\beach\s+)(?:month|mo|mth)\b|\bmonthly\b|/月|每月|月度|月均", lowered):
        return "month"
    if re.search(r"(?:/|\bper\s+|\ba\s+|\bevery\s+|\beach\s+)(?:quarter|qtr|q)\b|\bquarterly\b|/季度|每季度|季度", lowered):
        return "quarter"
    if re.search(r"(?:/|\bper\s+|\ba\s+|\bevery\s+|\beach\s+)(?:year|yr|annum)\b|\bannual(?:ly)?\b|\byearly\b|/年|每年|年度", lowered):
        return "year"
    return None


# --------------------------------------------------------------------------- ordering

def order_periods(whens: Sequence[When], reference: date) -> list[int] | None:
    """The column (or row) indices oldest first, or None when they cannot be put in order.

    Dated periods sort by their end; relative ones are dated from `reference`; yearless
    quarters or months must run in one direction through the cycle (Q3, Q4, Q1 is oldest-left
    across a year end; Q3, Q2, Q1 newest-first) and the newest is the latest one started by
    `reference`. Without years, columns must be consecutive (Q1, Q3, Q2 is refused)."""
    if not whens:
        return []
    yearless = [w for w in whens if w.start is None and w.offset is None]
    if yearless and len(yearless) != len(whens):
        return None
    if yearless:
        resolved = _resolve_cycle(list(whens), reference)
        if resolved is None:
            return None
        whens = resolved
    else:
        whens = [w.resolve(reference) for w in whens]
    keys = [(w.end, w.start) for w in whens]
    if len(set(keys)) != len(keys):
        return None
    return sorted(range(len(whens)), key=lambda i: keys[i])


def _first_dated(whens: list[When]) -> When | None:
    return whens[0] if whens else None


def resolve_all(whens: list[When], reference: date) -> list[When]:
    """Periods given their dates: yearless ones as a cycle (see order_periods), the rest one by one."""
    yearless = [w for w in whens if w.start is None and w.offset is None]
    if yearless:
        resolved = _resolve_cycle(list(whens), reference)
        return resolved if resolved is not None else list(whens)
    return [w.resolve(reference) for w in whens]


def _resolve_cycle(whens: list[When], reference: date) -> list[When] | None:
    kinds = {w.granularity for w in whens}
    if len(kinds) != 1 or kinds - {"quarter", "month"}:
        return None
    size = 4 if "quarter" in kinds else 12
    cycles = [w.cycle or 0 for w in whens]
    if len(cycles) == 1:
        return [whens[0].resolve(reference)]
    steps = [(b - a) % size for a, b in zip(cycles, cycles[1:])]
    if len(whens) >= size + 1:
        return None  # more columns than a year has periods: the year must be written
    if all(s == 1 for s in steps):
        newest_index, direction = len(whens) - 1, -1   # oldest-left, one period at a time
    elif all(s == size - 1 for s in steps):
        newest_index, direction = 0, 1                   # newest-first
    else:
        return None
    newest = whens[newest_index].resolve(reference)
    resolved: list[When | None] = [None] * len(whens)
    resolved[newest_index] = newest
    current = newest
    index = newest_index + direction
    while 0 <= index < len(whens):
        months_back = ((cycles[index - direction] - cycles[index]) % size) * (3 if size == 4 else 1)
        start = add_months(current.start, -months_back)  # type: ignore[arg-type]
        current = quarter(start.year, (start.month - 1) // 3 + 1) if size == 4 else month(start.year, start.month)
        resolved[index] = current
        index += direction
    return [w for w in resolved if w is not None]
