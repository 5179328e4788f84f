"""Values as founders write them in prose and tables, found inside a clause.

One scan of a clause gives its value tokens: amounts ("~$400k/month", "450 万美元", "€1.2M"),
percentages, multiples ("2.6 倍"), durations, counts, fractions ("4 of 7", "4/7", "7 名中 4 名"),
series ("118% → 109% → 101%", "31%、27%、24%"), ranges ("2-3x"), bounds ("> 24 months") and
dates. Periods ("Q3", "end of September") are masked first so their digits are never values.
Nothing is guessed: a token records what was written (currency, scale, sign, unit, period of a
flow) and `read` decides, per metric kind, whether it is a value or a reason to refuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from csuite.context.periods import When, WhenHit, find_whens, parse_when, unit_of_text
from csuite.context.vocabulary import MetricSpec, vocabulary, word_pattern
from csuite.io.text import LazyPattern
from csuite.io.values import MULTIPLIERS

TokenKind = Literal["money", "percent", "ratio", "months", "number", "fraction"]

_CURRENCIES = {
    "$": "USD", "us$": "USD", "usd": "USD", "美元": "USD", "dollars": "USD", "dollar": "USD",
    "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP", "¥": "JPY or CNY", "￥": "CNY", "rmb": "CNY", "cny": "CNY",
    "元": "CNY", "人民币": "CNY", "jpy": "JPY", "c$": "CAD", "cad": "CAD", "a$": "AUD", "aud": "AUD", "chf": "CHF",
    "inr": "INR", "sgd": "SGD", "eur ": "EUR",
}
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_PREFIX_CUR = r"(?:US\$|C\$|A\$|USD|EUR|GBP|RMB|CNY|JPY|CAD|AUD|CHF|INR|SGD|\$|€|£|¥|￥|人民币)"
_SCALE = r"(?:thousand|million|billion|mm|mn|bn|k|m(?![o])|b|万|亿)"
_SUFFIX_CUR = r"(?:美元|元|人民币|USD|EUR|dollars?)"
_UNIT = (r"(?:%|％|percent\b|pct\b|个百分点|x(?![a-z])|×|倍|times\b|months?\b|mos?\b|mths?\b|个月|years?\b|yrs?\b"
         r"|weeks?\b|days?\b|天|周|年(?!\s*\d)|家|个|名|位|人)")
_PER = (r"(?:\s*(?:/|per\s+|a\s+|an\s+|each\s+|every\s+)(?:month|mo|mth|quarter|qtr|q|year|yr|annum)\b"
        r"|\s*(?:monthly|quarterly|annually|yearly)\b|\s*(?:/月|每月|/季度|每季度|/年|每年))")

# Every optional part owns the spaces after (or before) it, so a run of spaces can be split one
# way only: no backtracking blow-up on a line of blanks.
_AMOUNT = re.compile(
    rf"(?:(?P<sign1>[-−+])\s*)?(?:(?P<cur>{_PREFIX_CUR})\s*)?(?:(?P<sign2>[-−+])\s*)?(?P<num>{_NUM})"
    rf"(?:\s*(?P<scale>{_SCALE})(?![a-z]))?(?:\s*(?P<scur>{_SUFFIX_CUR}))?(?:\s*(?P<unit>{_UNIT}))?(?P<per>{_PER})?",
    re.I,
)
_FRACTION = re.compile(r"(?<![\d.,/])(?P<part>\d+)\s*(?:of|out\s+of|/)\s*(?P<whole>\d+)(?![\d.,/%])", re.I)
_FRACTION_ZH = re.compile(r"(?P<whole>\d+)\s*(?:名|个|位|人)?[^\d，。；;,]{0,10}?中\s*(?:有)?\s*(?P<part>\d+)")
_SERIES_SEP = re.compile(r"^\s*(?:→|->|=>|⟶|,|，|、|;|；)\s*$")
_RANGE_SEP = re.compile(r"^\s*(?:-|–|—|to|至|到|~)\s*$", re.I)
_BOUND_AFTER = re.compile(r"\s*(?:以上|以下|多|\+)")
_FROM = re.compile(r"(?:\bfrom|从|由)\s*$", re.I)
_TO = LazyPattern(r"^\s*(?:to|→|->|至|到|增至|降至|升至)\s*$", re.I)
_DATE_SLASH = re.compile(r"(?<![\d/.])(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})(?![\d/.])")
_FORECAST = re.compile(
    r"(?:called|forecast(?:ed)?|committed|predicted|projected|预测|承诺)\D{0,24}?(?P<called>" + _PREFIX_CUR + r"?\s*"
    + _NUM + r"\s*" + _SCALE + r"?\s*" + _SUFFIX_CUR + r"?)"
    r".{0,40}?(?:landed|closed|came\s+in\s+at|booked|delivered|did|actual(?:ly)?|实际|落地|完成)\D{0,24}?(?P<landed>"
    + _PREFIX_CUR + r"?\s*" + _NUM + r"\s*" + _SCALE + r"?\s*" + _SUFFIX_CUR + r"?)",
    re.I,
)


@dataclass
class Token:
    """One value as written in a clause."""

    start: int
    end: int
    text: str
    kind: TokenKind
    number: float
    currency: str | None = None
    scaled: bool = False
    per: Literal["month", "quarter", "year"] | None = None
    bound: bool = False
    measure: str | None = None  # the written unit word: 'months', 'years', '个月', ...
    whole: float | None = None  # fractions: part = number, whole = whole
    items: list["Token"] = field(default_factory=list)  # a series, oldest first as written
    range_end: "Token | None" = None
    from_value: "Token | None" = None  # "from $3.1M to $4.2M": this is $4.2M
    dash_before: bool = False  # written right after another value and a dash ('2-3x')


@dataclass
class Scan:
    """What one clause holds: value tokens, dates (as values) and periods (as context)."""

    tokens: list[Token]
    whens: list[WhenHit]
    bad_dates: list[tuple[int, int, str]]  # (start, end, reason)
    starts: list[int] = field(default_factory=list)  # token starts, for finding a clause's tokens by bisection

    def __post_init__(self) -> None:
        self.starts = [t.start for t in self.tokens]


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _scale(scale: str | None) -> float:
    if not scale:
        return 1.0
    return MULTIPLIERS.get(scale, MULTIPLIERS.get(scale.lower(), 1.0))


def _kind(unit: str | None, currency: str | None, scale: str | None) -> tuple[TokenKind, str | None]:
    word = (unit or "").lower().strip()
    if word in ("%", "％", "percent", "pct", "个百分点"):
        return "percent", None
    if word in ("x", "×", "倍", "times"):
        return "ratio", None
    if word.startswith(("month", "mo", "mth", "个月")):
        return "months", "months"
    if word.startswith(("year", "yr")) or word == "年":
        return "months", "years"
    if word.startswith(("week", "day")) or word in ("天", "周"):
        return "number", word
    if currency or scale:
        return "money", None
    if word in ("家", "个", "名", "位", "人"):
        return "number", word
    return "number", None


_BOUND_BEFORE: re.Pattern[str] | None = None
# The two letters IGNORECASE reads as ASCII ones that lower() leaves as they are ('ı' is an i, 'ſ' an s).
_CASE_TWINS = str.maketrans({"\u0131": "i", "\u017f": "s"})


@lru_cache(maxsize=1)
def _bound_words() -> tuple[str, ...]:
    words = vocabulary().words["bounds"]
    return tuple(w.lower() for w in words.en) + tuple(words.zh)


def _bound_before(text: str, start: int) -> bool:
    """A bound word ("more than", "≥", "超过") right before the number at `start`. The pattern is
    compiled only for a window holding one of the words: most numbers in a context have none."""
    global _BOUND_BEFORE
    window = text[max(0, start - 16):start].lower()
    folded = window.translate(_CASE_TWINS)
    if not any(word in folded for word in _bound_words()):
        return False
    if _BOUND_BEFORE is None:
        _BOUND_BEFORE = re.compile(r"(?:" + word_pattern("bounds").pattern + r")\s*[~≈]?\s*$", re.I)
    return bool(_BOUND_BEFORE.search(window))


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each span replaced by spaces (offsets unchanged)."""
    if not spans:
        return text
    parts, last = [], 0
    for start, end in sorted(spans):
        start = max(start, last)
        parts.append(text[last:start])
        parts.append(" " * max(0, end - start))
        last = max(last, end)
    parts.append(text[last:])
    return "".join(parts)


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < b and a < end for a, b in spans)


def scan(clause: str, reference: date) -> Scan:
    """Every value token in a clause, left to right."""
    spans: list[tuple[int, int]] = []
    bad_dates: list[tuple[int, int, str]] = []
    for match in _DATE_SLASH.finditer(clause):
        year = match.group(3)
        reason = "two_digit_year" if len(year) == 2 else "ambiguous_date"
        if len(year) == 4:
            first, second = int(match.group(1)), int(match.group(2))
            if first == second or first > 12 or second > 12:
                reason = ""
        if reason:
            bad_dates.append((match.start(), match.end(), reason))
        spans.append(match.span())
    whens = find_whens(_blank(clause, spans), reference)
    text = _blank(clause, spans + [(hit.start, hit.end) for hit in whens])
    tokens: list[Token] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_FRACTION, _FRACTION_ZH):
        for match in pattern.finditer(text):
            if _overlaps(taken, match.start(), match.end()):
                continue
            part, whole = _number(match.group("part")), _number(match.group("whole"))
            tokens.append(Token(match.start(), match.end(), clause[match.start():match.end()], "fraction", part,
                                whole=whole))
            taken.append(match.span())
    for match in _AMOUNT.finditer(text):
        start, end = match.span()
        start += len(match.group(0)) - len(match.group(0).lstrip())
        end -= len(match.group(0)) - len(match.group(0).rstrip())
        if not match.group("num") or _overlaps(taken, start, end):
            continue
        before = text[start - 1] if start > 0 else " "
        num_start = match.start("num")
        if (before.isalpha() and before.isascii()) or before in "_#":
            continue  # part of a word or an id: 'Q3', 'Top10', '#1'
        if match.group("cur") is None and num_start > 0 and text[num_start - 1].isascii() \
                and text[num_start - 1].isalpha():
            continue
        currency_text = (match.group("cur") or match.group("scur") or "").strip()
        currency = _CURRENCIES.get(currency_text.lower()) if currency_text else None
        scale = match.group("scale")
        kind, measure = _kind(match.group("unit"), currency, scale)
        number = _number(match.group("num")) * (_scale(scale) if kind == "money" else 1.0)
        sign = match.group("sign1") or match.group("sign2") or ""
        dash_before = False
        if match.group("sign1") in ("-", "−") and tokens and not text[tokens[-1].end:match.start("sign1")].strip():
            dash_before, sign = True, ""  # '2-3x': a range, not minus three
        if sign in ("-", "−"):
            number = -number
        per_text = match.group("per") or ""
        tokens.append(Token(start, end, clause[start:end].strip(), kind, number, currency=currency,
                            scaled=bool(scale), per=unit_of_text(per_text) if per_text else None,
                            bound=_bound_before(text, start) or bool(_BOUND_AFTER.match(text, end)),
                            measure=measure, dash_before=dash_before))
    tokens.sort(key=lambda t: t.start)
    return Scan(_group(tokens, text), whens, bad_dates)


_MAX_SERIES = 24  # two years of months; a longer list is not a metric's history (and stays linear)


def _group(tokens: list[Token], text: str) -> list[Token]:
    """Join series ('31%, 28%, 25%'), ranges ('2-3x') and 'from X to Y' into single tokens.
    Each token starts at most one run, so a line of a thousand numbers stays linear."""
    grouped: list[Token] = []
    index = 0
    in_run_until = 0  # tokens before this index belong to a run already judged not a series
    while index < len(tokens):
        token = tokens[index]
        if index >= in_run_until:
            run = _run(tokens, index, text)
            if len(run) >= 2 and _series_allowed(run, text):
                grouped.append(Token(run[0].start, run[-1].end, text[run[0].start:run[-1].end], token.kind,
                                     run[-1].number, currency=token.currency, scaled=token.scaled, per=token.per,
                                     items=run))
                index += len(run)
                continue
            in_run_until = index + len(run)
        if index + 1 < len(tokens):
            nxt = tokens[index + 1]
            between = text[token.end:nxt.start]
            after_from = bool(_FROM.search(text[max(0, token.start - 12):token.start]))
            if (_RANGE_SEP.match(between) or nxt.dash_before) and not after_from and \
                    (nxt.kind == token.kind or token.kind == "number"):
                grouped.append(Token(token.start, nxt.end, text[token.start:nxt.end], nxt.kind, token.number,
                                     currency=nxt.currency or token.currency, range_end=nxt))
                index += 2
                continue
            if after_from and _TO.match(between) and nxt.kind in (token.kind, "number", "money"):
                nxt.from_value = token
                grouped.append(nxt)
                index += 2
                continue
        grouped.append(token)
        index += 1
    return grouped


def _run(tokens: list[Token], index: int, text: str) -> list[Token]:
    """Tokens of one kind from `index` on, separated only by list marks (→ , 、 ;)."""
    token = tokens[index]
    run = [token]
    if token.kind not in ("percent", "money", "ratio", "number"):
        return run
    while index + len(run) < len(tokens) and len(run) < _MAX_SERIES:
        nxt = tokens[index + len(run)]
        between = text[run[-1].end:nxt.start]
        if nxt.kind != token.kind or not between.strip() or not _SERIES_SEP.match(between):
            break
        run.append(nxt)
    return run


def _series_allowed(run: list[Token], text: str) -> bool:
    """A comma list of plain numbers is a series only with arrows or Chinese list marks, so
    'Headcount: 41, 6 of them AEs' stays two values."""
    if run[0].kind != "number":
        return True
    if all("." in t.text for t in run):
        return True  # 1.12, 1.09, 1.04
    return any(re.search(r"→|->|=>|、", text[a.end:b.start]) for a, b in zip(run, run[1:]))


# --------------------------------------------------------------------------- reading

@dataclass
class Reading:
    """A metric's value read from a token, or the reason it was refused (a messages key)."""

    value: Any = None
    refused: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    token: Token | None = None
    series: list[float] | None = None


def _limits(spec: MetricSpec) -> tuple[float | None, float | None]:
    low, high = spec.range
    return low, high


def _as_fraction(token: Token, spec: MetricSpec) -> float | None:
    """A percentage or share as a fraction; None when the token is not one."""
    if token.kind == "percent":
        return token.number / 100.0
    if token.kind == "fraction" and token.whole:
        return token.number / token.whole
    if token.kind == "number" and token.measure is None:
        ceiling = 3.0 if spec.kind == "retention" or spec.kind == "series" else 1.0
        return token.number if abs(token.number) <= ceiling else token.number / 100.0
    return None


def _money(token: Token) -> Reading | float:
    if token.kind not in ("money", "number") or token.measure is not None:
        return Reading(refused="unreadable")
    if token.currency and token.currency != "USD":
        return Reading(refused="currency", params={"currency": token.currency})
    if token.kind == "number" and not token.currency and abs(token.number) < 1000:
        return Reading(refused="no_unit", params={"value": token.text})
    return token.number


def read_token(token: Token, spec: MetricSpec) -> Reading:
    """One token read as a value of `spec`'s kind (range and period checks come after)."""
    if token.bound:
        return Reading(refused="bound", token=token)
    if token.range_end is not None:
        return Reading(refused="value_range", token=token)
    kind = spec.kind
    if token.items and kind in ("series", "value_or_series", "retention", "percent", "money", "ratio"):
        values: list[float] = []
        for item in token.items:
            single = read_token(item, spec.model_copy(update={"kind": "retention" if kind == "series" else kind}))
            if single.refused:
                return single
            values.append(single.value)
        if kind == "value_or_series":
            return Reading(value=values, token=token, series=values)
        return Reading(value=values[-1] if kind != "series" else values, token=token, series=values)
    if kind == "series":
        return Reading(refused="unreadable", token=token)
    if kind in ("percent", "retention", "value_or_series"):
        fraction = _as_fraction(token, spec)
        if fraction is None:
            return Reading(refused="unreadable", token=token)
        return Reading(value=fraction, token=token)
    if kind == "money":
        money = _money(token)
        if isinstance(money, Reading):
            money.token = token
            return money
        return Reading(value=money, token=token)
    if kind == "ratio":
        if token.kind not in ("ratio", "number") or token.measure is not None:
            return Reading(refused="unreadable", token=token)
        return Reading(value=token.number, token=token)
    if kind == "months":
        if token.kind == "months":
            return Reading(value=token.number * (12 if token.measure == "years" else 1), token=token)
        if token.kind == "number" and token.measure is None:
            return Reading(value=token.number, token=token)
        return Reading(refused="unreadable", token=token)
    if kind == "int":
        if token.kind != "number" or (token.measure not in (None, "家", "个", "名", "位", "人")):
            return Reading(refused="unreadable", token=token)
        if token.number != int(token.number):
            return Reading(refused="not_whole", params={"value": token.text}, token=token)
        return Reading(value=int(token.number), token=token)
    return Reading(refused="unreadable", token=token)


def read_forecast_accuracy(text: str) -> tuple[float, str] | None:
    """'we called $900k and landed $640k' → 1 − |landed − called| ÷ called (missing by 29%
    either way is 71% accurate), with the matched words."""
    match = _FORECAST.search(text)
    if not match:
        return None
    amounts = []
    for group in ("called", "landed"):
        found = _AMOUNT.search(match.group(group))
        if not found:
            return None
        scale = found.group("scale")
        amounts.append(_number(found.group("num")) * _scale(scale))
    called, landed = amounts
    if called <= 0:
        return None
    return max(0.0, 1.0 - abs(landed - called) / called), match.group(0)


def read_date(text: str, reference: date) -> tuple[When | None, str | None]:
    """A date value ('March 2025', 'Sep 14, 2026', '2023 年 11 月') → its period, or a refusal."""
    cleaned = re.sub(r"\s*[(（][^)）]*[)）]", "", text).strip()
    when = parse_when(cleaned, reference)
    if when is not None and when.start is not None and when.granularity not in ("current", "year"):
        return when, None
    bad = _DATE_SLASH.search(cleaned)
    if bad:
        first, second, year = int(bad.group(1)), int(bad.group(2)), bad.group(3)
        if len(year) == 2:
            return None, "two_digit_year"
        if first != second and first <= 12 and second <= 12:
            return None, "ambiguous_date"
        day_, month_ = (first, second) if first > 12 else (second, first)
        try:
            return parse_when(f"{year}-{month_:02d}-{day_:02d}", reference), None
        except ValueError:
            return None, "unreadable"
    for hit in find_whens(cleaned, reference):
        if hit.when.start is not None and hit.when.granularity in ("day", "month", "quarter", "year"):
            return hit.when, None
    return None, "unreadable"
