"""The quarter a question is about, as a fiscal `YYYY-Qn` label.

"Q4" is the current fiscal year's Q4, unless that quarter ended before the last one did: then
the coming one ("hire in Q1" asked in November is next year's Q1); "this quarter" / "本季度" the quarter holding the as-of
date; "next quarter" / "下个季度" and "last quarter" / "上个季度" one either side; "Q1 2027",
"Q1'27", "FY27 Q1", "2027-Q1", "2027年第一季度" name the year. "next year's Q1" and "明年一季度"
shift the fiscal year. The first period the question names wins.

Fiscal years are named by the calendar year they end in (a year starting in February 2026 is
FY2027), so with a January start the labels are calendar quarters. `quarter_bounds` turns a
label back into dates for a fiscal calendar.
"""

from __future__ import annotations

import re
from datetime import date

from csuite.io.values import add_months, month_end

_ORDINAL_EN = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_CN_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YEAR_SHIFT_EN = {"this year": 0, "this year's": 0, "next year": 1, "next year's": 1, "last year": -1,
                  "last year's": -1, "previous year": -1}
_YEAR_SHIFT_ZH = {"今年": 0, "本年": 0, "本财年": 0, "明年": 1, "下一年": 1, "下个财年": 1, "下财年": 1,
                  "去年": -1, "上一年": -1, "上个财年": -1, "上财年": -1}

_YEAR = r"(?P<year>(?:19|20)\d{2})"
_SHORT_YEAR = r"(?P<short>\d{2})"
_QUARTER = r"(?:q(?P<q>[1-4])|第?(?P<cnq>[一二三四1-4])\s*季度?)"
_EXPLICIT = [
    # Q1 2027, Q1-2027
    re.compile(rf"(?<![a-z0-9])q(?P<q>[1-4])\s*[-/]?\s*{_YEAR}(?![0-9%]|\.\d)"),
    # Q1 FY2027, Q1 FY27
    re.compile(rf"(?<![a-z0-9])q(?P<q>[1-4])\s*[-/]?\s*fy\s*'?\s*(?:{_YEAR}|{_SHORT_YEAR})(?![0-9%]|\.\d)"),
    # Q1'27, Q1 '27
    re.compile(r"(?<![a-z0-9])q(?P<q>[1-4])\s*'\s*(?P<short>\d{2})(?![0-9%]|\.\d)"),
    # FY27 Q1, FY2027-Q1, FY27 第一季度
    re.compile(rf"(?<![a-z0-9])fy\s*'?\s*(?:{_YEAR}|{_SHORT_YEAR})\s*[-/]?\s*{_QUARTER}(?![0-9])"),
    # 2027-Q1, 2027 Q1, 2027年Q1, 2027年第一季度
    re.compile(rf"(?<![0-9]){_YEAR}\s*(?:年度?)?\s*[-/]?\s*{_QUARTER}(?![0-9])"),
    # 27年一季度, 27年Q1
    re.compile(rf"(?<![0-9]){_SHORT_YEAR}\s*年\s*{_QUARTER}"),
]
_BARE_EN = re.compile(r"(?<![a-z0-9])q(?P<q>[1-4])(?![0-9a-z])|(?<![a-z])(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter")
_BARE_ZH = re.compile(r"(?<!个)(?<![0-9一二三四五六七八九十两])第?(?P<cnq>[一二三四1-4])\s*季度")
_RELATIVE = [
    (re.compile(r"\b(?:this|current|the current)\s+(?:fiscal\s+)?(?:quarter|qtr)\b"), 0),
    (re.compile(r"\bnext\s+(?:fiscal\s+)?(?:quarter|qtr)\b"), 1),
    (re.compile(r"\b(?:last|previous|prior)\s+(?:fiscal\s+)?(?:quarter|qtr)\b"), -1),
    (re.compile(r"本季度|这个季度|这季度|本季(?!节)|当季|当前季度|本财季"), 0),
    (re.compile(r"下个季度|下季度|下一季度|下一个季度|下财季"), 1),
    (re.compile(r"上个季度|上季度|上一季度|上一个季度|上财季"), -1),
]


def fiscal_quarter(day: date, start_month: int = 1) -> tuple[int, int]:
    """(fiscal year, quarter) holding `day`; the fiscal year is named by the year it ends in."""
    offset = (day.month - start_month) % 12
    year = day.year if start_month == 1 or day.month < start_month else day.year + 1
    return year, offset // 3 + 1


def shift_quarter(year: int, quarter: int, steps: int) -> tuple[int, int]:
    index = year * 4 + (quarter - 1) + steps
    return index // 4, index % 4 + 1


def quarter_label(year: int, quarter: int) -> str:
    return f"{year:04d}-Q{quarter}"


def quarter_bounds(label: str, start_month: int = 1) -> tuple[date, date]:
    """First and last day of fiscal quarter `label` ("2027-Q1") for a fiscal year starting in
    `start_month`: with a February start, 2027-Q1 runs from 1 February to 30 April 2026."""
    match = re.fullmatch(r"(\d{4})-Q([1-4])", label)
    if not match:
        raise ValueError(f"'{label}' is not a YYYY-Qn quarter")
    year, quarter = int(match.group(1)), int(match.group(2))
    first_calendar_year = year if start_month == 1 else year - 1
    first = add_months(date(first_calendar_year, start_month, 1), 3 * (quarter - 1))
    last_month = add_months(first, 2)
    return first, month_end(last_month.year, last_month.month)


def _year_of(match: re.Match[str]) -> int:
    groups = match.groupdict()
    if groups.get("year"):
        return int(groups["year"])
    short = groups.get("short")
    return 2000 + int(short)


def _quarter_of(match: re.Match[str]) -> int:
    groups = match.groupdict()
    if groups.get("q"):
        return int(groups["q"])
    if groups.get("cnq"):
        return _CN_QUARTER[groups["cnq"]]
    return _ORDINAL_EN[groups["ord"]]


def _year_shift_near(text: str, start: int, end: int) -> int | None:
    """'next year's Q1', 'Q1 next year', '明年一季度': the fiscal-year shift written beside a
    quarter; None when no year is written there."""
    before, after = text[max(0, start - 14):start], text[end:end + 12]
    for words, shift in sorted(_YEAR_SHIFT_EN.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{re.escape(words)}\s*$", before) or re.match(rf"\s*(?:of\s+)?{re.escape(words)}\b", after):
            return shift
    for words, shift in _YEAR_SHIFT_ZH.items():
        if re.search(rf"{words}\s*(?:的)?\s*$", before):
            return shift
    return None


def read_period(text: str, as_of: date, fiscal_year_start_month: int = 1) -> str | None:
    """The first quarter `text` names, as a fiscal `YYYY-Qn` label, or None. `text` is the
    NFKC-normalised question; case does not matter."""
    lowered = text.lower()
    current = fiscal_quarter(as_of, fiscal_year_start_month)
    found: list[tuple[int, int, int, int]] = []   # start, end, fiscal year, quarter

    def add(start: int, end: int, year: int, quarter: int) -> None:
        if not any(a < end and start < b for a, b, _, _ in found):
            found.append((start, end, year, quarter))

    for pattern in _EXPLICIT:
        for match in pattern.finditer(lowered):
            add(match.start(), match.end(), _year_of(match), _quarter_of(match))
    for pattern, steps in _RELATIVE:
        for match in pattern.finditer(lowered):
            add(match.start(), match.end(), *shift_quarter(*current, steps))
    just_ended = shift_quarter(*current, -1)
    for pattern in (_BARE_EN, _BARE_ZH):
        for match in pattern.finditer(lowered):
            shift = _year_shift_near(lowered, match.start(), match.end())
            year, quarter = current[0] + (shift or 0), _quarter_of(match)
            if shift is None and (year, quarter) < just_ended:
                year += 1   # "hire in Q1" asked in November: the coming Q1, not one long past
            add(match.start(), match.end(), year, quarter)
    if not found:
        return None
    _, _, year, quarter = min(found)
    return quarter_label(year, quarter)
