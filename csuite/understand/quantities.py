"""Amounts, percentages and counts in a founder's question, each with where it stands.

A number is read by what stands next to it, never by its size alone: a currency sign or a
magnitude ("$2.4M", "900k", "240万美元", "1.2亿") makes money, a percent sign or 百分之 a
percentage, a noun ("4 more AEs", "两个客户成功经理") a count. Identifiers and dates ("AC-118",
"Q4", "FY27", "2026-10-01") are skipped, a year is not an amount, "12m" before NRR or after
"last" is twelve months, and an amount in another currency is left out rather than converted.
Text arrives NFKC-normalised (full-width digits and signs are ASCII), in its original case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from csuite.io.text import LazyPattern
from csuite.io.values import MULTIPLIERS
from csuite.routing.text import alternation
from csuite.understand.lexicon import lexicon, word_set
from csuite.understand.numerals import (
    CN_NUMERAL_CHARS,
    EN_NUMBER_PATTERN,
    parse_chinese_number,
    parse_english_number,
)


@dataclass(frozen=True)
class Span:
    value: float
    start: int
    end: int


@dataclass(frozen=True)
class CountSpan:
    value: int
    noun: str
    start: int
    end: int


@dataclass
class Quantities:
    amounts: list[Span] = field(default_factory=list)
    percentages: list[Span] = field(default_factory=list)
    counts: list[CountSpan] = field(default_factory=list)


_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_CN_RUN = re.compile(f"[{CN_NUMERAL_CHARS}]+")
_EN_WORD_NUMBER = re.compile(rf"(?<![A-Za-z-]){EN_NUMBER_PATTERN}(?![A-Za-z])", re.IGNORECASE)
_PERCENT_AFTER = LazyPattern(r"\s?(?:%|percent\b|per\s+cent\b|pct\b|个百分点)", re.IGNORECASE)
_RANGE_PERCENT = LazyPattern(r"\s?(?:-|–|—|~|→|->|to|至|到)\s?(\d+(?:\.\d+)?)\s?(?:%|percent\b)", re.IGNORECASE)
_UNIT = LazyPattern(
    r"(?P<space>\s?)(?P<unit>千万|百万|十万|万|千|亿|thousand\b|million\b|billion\b|mm\b|MM\b|mn\b|bn\b|"
    r"[kKmMbB](?![A-Za-z]))"
)
_RANGE_AMOUNT = LazyPattern(r"\s?(?:-|–|—|to|至|到)\s?\$?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)")
_DOLLAR_BEFORE = LazyPattern(r"(?:(?<![A-Za-z])(?:US\$|USD)|\$)\s?$", re.IGNORECASE)
_DOLLAR_AFTER = LazyPattern(r"\s?(?:美元|美金|USD\b|dollars?\b|bucks\b)", re.IGNORECASE)
_CN_UNITS = {"千": 1e3, "十万": 1e5, "百万": 1e6, "千万": 1e7}
_PERCENT_CN = re.compile(rf"百分之\s?(?:(?P<digits>\d+(?:\.\d+)?)|(?P<cn>[{CN_NUMERAL_CHARS}]+)(?:点(?P<cn_decimal>[零〇一二三四五六七八九]+))?)")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    lex = lexicon()
    nouns_en = {w: noun for noun, words in lex.count_nouns.items() for w in words.en}
    nouns_zh = {w: noun for noun, words in lex.count_nouns.items() for w in words.zh}
    mods_en = alternation(lex.count_modifiers.en)
    mods_zh = alternation(lex.count_modifiers.zh)
    # A Chinese noun that begins a longer word is not that noun: 销售额 is revenue, not a rep.
    blockers = lex.count_noun_blockers
    zh_nouns = "|".join(
        re.escape(w) + (f"(?!{alternation(blockers[w])})" if blockers.get(w) else "")
        for w in sorted(nouns_zh, key=lambda w: (-len(w), w)))
    other_prefix = "|".join(re.escape(p) for p in sorted(lex.other_currencies.prefix, key=len, reverse=True))
    return {
        "count_en": re.compile(
            rf"\+?(?:\s*|-)(?:(?:{mods_en})\s+){{0,3}}(?P<noun>{alternation(list(nouns_en))})(?![A-Za-z])",
            re.IGNORECASE),
        "count_zh": re.compile(
            rf"\+?\s?(?:[个名位家笔条次份])?(?:(?:{mods_zh})的?)?(?P<noun>{zh_nouns})", re.IGNORECASE),
        "other_before": re.compile(rf"(?:{other_prefix})\s?$", re.IGNORECASE),
        "other_after": re.compile(
            rf"\s?(?:(?:{alternation(lex.other_currencies.suffix.en)})\b|"
            rf"{alternation(lex.other_currencies.suffix.zh)})", re.IGNORECASE),
        "not_money_en": re.compile(rf"\s?(?:{alternation(lex.not_money_after.en)})\b", re.IGNORECASE),
        "not_money_zh": re.compile(rf"\s?(?:{alternation(lex.not_money_after.zh)})"),
        "money_after": re.compile(
            rf"\s?(?:(?:{alternation(lex.money_after.en)})\b|{alternation(lex.money_after.zh)})",
            re.IGNORECASE),
        "months_after": re.compile(rf"\s?(?:{alternation(lex.months_m.after)})\b", re.IGNORECASE),
    }


def _noun_of(phrase: str, zh: bool) -> str:
    lex = lexicon()
    key = re.sub(r"[\s-]+", " ", phrase.strip().lower())
    for noun, words in lex.count_nouns.items():
        pool = words.zh if zh else words.en
        if any(re.sub(r"[\s-]+", " ", w.lower()) == key for w in pool):
            return noun
    return phrase


def _is_identifier_digit(text: str, start: int, end: int) -> bool:
    """Digits inside an identifier, a date or a time: 'Q4', 'P50', 'FY27', 'AC-118', '2026-10-01',
    '15/12/2026', '10:30'."""
    before = text[start - 1] if start else ""
    if before and (before.isascii() and (before.isalpha() or before == "_")):
        return True
    if before in "-/:." and start >= 2 and text[start - 2].isascii() and text[start - 2].isalnum():
        return True
    after = text[end:end + 2]
    if len(after) == 2 and after[1].isdigit() and (
            after[0] in "/:" or (after[0] == "-" and (end - start == 4 or re.match(r"-\d+-\d", text[end:])))):
        return True
    return bool(after[:1].isascii() and after[:1].isalpha() and _letters_after(text, end) not in _ATTACHED_WORDS)


# Letters that may follow a number without a space and still leave it a number: units ("2.4M",
# "3x", "12mo"), ordinals ("4th") and the commonest counted roles ("5AEs").
_ATTACHED_WORDS = frozenset({"k", "m", "b", "mm", "mn", "bn", "x", "thousand", "million", "billion", "pct", "percent",
                         "st", "nd", "rd", "th", "mo", "mos", "wk", "wks", "yr", "yrs", "ae", "aes", "sdr", "sdrs",
                         "csm", "csms"})


def _letters_after(text: str, end: int) -> str:
    match = re.match(r"[A-Za-z]+", text[end:])
    return match.group().lower() if match else ""


def _previous_word(text: str, start: int) -> str:
    match = re.search(r"([A-Za-z]+)\W*$", text[:start])
    return match.group(1).lower() if match else ""


def _money_value(number: str, unit: str | None) -> float:
    value = float(number.replace(",", ""))
    if not unit:
        return value
    if unit in _CN_UNITS:
        return value * _CN_UNITS[unit]
    return value * MULTIPLIERS.get(unit, MULTIPLIERS.get(unit.lower(), 1.0))


def read_quantities(text: str) -> Quantities:
    """Every amount, percentage and count in `text`, in the order they appear."""
    found = Quantities()
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(a < end and start < b for a, b in taken)

    _read_chinese_percentages(text, found, taken)
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        if not free(start, end) or _is_identifier_digit(text, start, end):
            continue
        _read_number(text, match.group(), start, end, found, taken)
    _read_word_numbers(text, found, taken, free)
    found.amounts.sort(key=lambda s: s.start)
    found.percentages.sort(key=lambda s: s.start)
    found.counts.sort(key=lambda s: s.start)
    return found


def _read_chinese_percentages(text: str, found: Quantities, taken: list[tuple[int, int]]) -> None:
    for match in _PERCENT_CN.finditer(text):
        if match.group("digits"):
            value = float(match.group("digits"))
        else:
            whole = parse_chinese_number(match.group("cn"))
            if whole is None:
                continue
            value = float(whole)
            if match.group("cn_decimal"):
                digits = "".join(str(parse_chinese_number(c)) for c in match.group("cn_decimal"))
                value = float(f"{whole}.{digits}")
        found.percentages.append(Span(value / 100.0, match.start(), match.end()))
        taken.append(match.span())


def _read_number(text: str, number: str, start: int, end: int, found: Quantities,
                 taken: list[tuple[int, int]]) -> None:
    pats = _patterns()
    after = text[end:]
    percent = _PERCENT_AFTER.match(after)
    if percent:
        found.percentages.append(Span(float(number.replace(",", "")) / 100.0, start, end + percent.end()))
        taken.append((start, end + percent.end()))
        return
    ranged = _RANGE_PERCENT.match(after)
    if ranged:
        found.percentages.append(Span(float(number.replace(",", "")) / 100.0, start, end))
        found.percentages.append(Span(float(ranged.group(1)) / 100.0, end + ranged.start(1), end + ranged.end()))
        taken.append((start, end + ranged.end()))
        return
    before = text[:start]
    if pats["other_before"].search(before):
        taken.append((start, end))
        return
    dollar_sign = _DOLLAR_BEFORE.search(before)
    dollar_before = dollar_sign is not None
    second: tuple[str, int, int] | None = None
    unit_match = _UNIT.match(after)
    if not unit_match:
        # "$2-3M", "2 to 3 million": the range's unit applies to both ends.
        ranged_amount = _RANGE_AMOUNT.match(after)
        if ranged_amount:
            tail = after[ranged_amount.end():]
            tail_unit = _UNIT.match(tail)
            if tail_unit and _valid_unit(tail_unit):
                second = (ranged_amount.group(1), end + ranged_amount.start(1), end + ranged_amount.end())
                unit_match = tail_unit
                after = tail
                end = end + ranged_amount.end()
    unit = unit_match.group("unit") if unit_match and _valid_unit(unit_match) else None
    stop = end + (unit_match.end() if unit else 0)
    rest = text[stop:]
    if pats["other_after"].match(rest) and not _DOLLAR_AFTER.match(rest):
        taken.append((start, stop))
        return
    dollar_after = _DOLLAR_AFTER.match(rest)
    if dollar_after:
        stop += dollar_after.end()
        rest = text[stop:]
    if unit and not (dollar_before or dollar_after):
        if pats["not_money_en"].match(rest) or pats["not_money_zh"].match(rest):
            taken.append((start, stop))
            return
        if unit == "m" and not unit_match.group("space") and "." not in number and "," not in number \
                and int(number) < 100 and (_previous_word(text, start) in word_set(lexicon().months_m.before)
                                           or pats["months_after"].match(rest)):
            found.counts.append(CountSpan(int(number), "month", start, stop))
            taken.append((start, stop))
            return
    plain_money = (not unit and not dollar_before and not dollar_after
                   and float(number.replace(",", "")) >= 1000 and pats["money_after"].match(rest))
    if unit or dollar_before or dollar_after or plain_money:
        first_start = dollar_sign.start() if dollar_sign else start
        found.amounts.append(Span(_money_value(number, unit), first_start, stop))
        if second:
            found.amounts.append(Span(_money_value(second[0], unit), second[1], stop))
        taken.append((first_start, stop))
        return
    _read_count(text, int(float(number.replace(",", ""))) if "." not in number else None, start, end,
                found, taken)


def _valid_unit(match: re.Match[str]) -> bool:
    """A one-letter unit is written against its number ("2.4M", never "2.4 M"): a spaced
    single letter is a word ("5 m" is not money)."""
    unit = match.group("unit")
    return not (len(unit) == 1 and unit.isascii() and match.group("space"))


def _read_count(text: str, value: int | None, start: int, end: int, found: Quantities,
                taken: list[tuple[int, int]]) -> None:
    if value is None:
        return
    if text[max(0, start - 1):start] == "第":       # an ordinal: 第3周
        return
    pats = _patterns()
    english = pats["count_en"].match(text, end)
    if english:
        found.counts.append(CountSpan(value, _noun_of(english.group("noun"), zh=False), start, english.end()))
        taken.append((start, english.end()))
        return
    chinese = pats["count_zh"].match(text, end)
    if chinese:
        noun = _noun_of(chinese.group("noun"), zh=True)
        if noun == "year" and value >= 1900:         # 2027年 is a year, not 2027 years
            return
        found.counts.append(CountSpan(value, noun, start, chinese.end()))
        taken.append((start, chinese.end()))


def _read_word_numbers(text: str, found: Quantities, taken: list[tuple[int, int]], free) -> None:
    """Numbers written as words: Chinese numerals (amounts with 万/亿 or 美元, counts) and English
    number words (counts only: nobody writes "two million" where a figure matters)."""
    for match in _CN_RUN.finditer(text):
        start, end = match.span()
        run = match.group()
        if not free(start, end) or run[0] in "百千万亿" or text[max(0, start - 1):start] == "第":
            continue
        value = parse_chinese_number(run)
        if value is None:
            continue
        rest = text[end:]
        dollar_after = _DOLLAR_AFTER.match(rest)
        has_large_unit = "万" in run or "亿" in run
        if _patterns()["other_after"].match(rest) and not dollar_after:
            continue
        if dollar_after or (has_large_unit and not _patterns()["not_money_zh"].match(rest)):
            stop = end + (dollar_after.end() if dollar_after else 0)
            found.amounts.append(Span(float(value), start, stop))
            taken.append((start, stop))
            continue
        _read_count(text, value, start, end, found, taken)
    for match in _EN_WORD_NUMBER.finditer(text):
        start, end = match.span()
        if not free(start, end):
            continue
        value = parse_english_number(match.group())
        if value is not None:
            _read_count(text, value, start, end, found, taken)
