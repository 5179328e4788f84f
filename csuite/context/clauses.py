"""Clauses and the values in them: where a clause ends, which value a metric's phrase owns,
whether a value can physically be that metric. Pure functions over the value tokens of
`csuite.context.values`; the reader in `csuite.context.extract` decides what to record.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import replace
from functools import lru_cache
from typing import Any

from csuite.context.periods import When
from csuite.context.values import Scan, Token
from csuite.context.vocabulary import (
    MetricSpec,
    Tokens,
    fold,
    vocabulary,
    word_pattern,
    word_set,
)
from csuite.io.numbers import format_value
from csuite.io.text import LazyPattern

_CLAUSE_BREAK = re.compile(r"[,，;；。|·•()（）]|\s(?:while|but|whereas|although|though|however)\s|\s[-–—]\s", re.I)
# "up 40% on last year", "vs Q2", "since 2021": a period a value is compared with, not its date
_COMPARED = re.compile(r"(?:\bvs\.?|\bversus|\bon|\bover|\bcompared\s+(?:to|with)|\bfrom|\bthan|\bsince|\byoy"
                       r"|比|较|相比|同比|环比)\s*$", re.I)
_NAME = LazyPattern(r"^[A-Z\u4e00-\u9fff][\w&.,'’\- \u4e00-\u9fff]{0,79}$")


def clauses(text: str, found: Scan) -> list[tuple[int, int]]:
    """Clause spans: split at commas, semicolons, parentheses and 'but'/'while', never inside
    a value or a date ('$4,200,000', '31%, 28%, 25%', 'Sep 14, 2026')."""
    protected = sorted([(t.start, t.end) for t in found.tokens] + [(w.start, w.end) for w in found.whens])
    spans = []
    start = 0
    cursor = 0
    for match in _CLAUSE_BREAK.finditer(text):
        position = match.start()
        while cursor < len(protected) and protected[cursor][1] <= position:
            cursor += 1
        if cursor < len(protected) and protected[cursor][0] <= position < protected[cursor][1]:
            continue
        if text[start:match.start()].strip():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def clause_parts(text: str, found: Scan, start: int, end: int) -> tuple[str, list[Token], list[When],
                                                                         list[tuple[int, int, str]]]:
    """One clause's text, and its tokens, the periods it is dated by and refused dates, with
    offsets in the clause.
    Tokens are sorted by position, so each clause finds its own by bisection (a line of a
    thousand clauses stays linear)."""
    first, last = bisect_left(found.starts, start), bisect_left(found.starts, end)
    tokens = [replace(t, start=t.start - start, end=t.end - start) for t in found.tokens[first:last]]
    whens = [w.when for w in found.whens
             if start <= w.start < end and not _COMPARED.search(text[max(0, w.start - 16):w.start])]
    bad = [(a - start, b - start, reason) for a, b, reason in found.bad_dates if start <= a < end]
    return text[start:end], tokens, whens, bad


def compatible(token: Token, spec: MetricSpec) -> bool:
    kind = spec.kind
    if token.items and kind not in ("series", "value_or_series", "retention", "percent", "money", "ratio"):
        return False
    if kind in ("percent", "retention", "value_or_series", "series"):
        return token.kind in ("percent", "fraction") or (token.kind == "number" and token.measure is None)
    if kind == "money":
        return token.kind == "money" or (token.kind == "number" and token.measure is None)
    if kind == "ratio":
        return token.kind == "ratio" or (token.kind == "number" and token.measure is None)
    if kind == "months":
        return token.kind == "months" or (token.kind == "number" and token.measure is None)
    if kind == "int":
        return token.kind == "number" and token.measure in (None, "家", "个", "名", "位", "人")
    return False


def pair_value(spec: MetricSpec, clause: str, hit: Any, before: list[Token], after: list[Token]) -> Token | None:
    """The value a phrase owns: a count sits right before its noun ('6 AEs', '112 paying
    customers', '2 still ramping'); other values follow the phrase, or precede it when none
    follows ('12% of revenue is our top customer' is rare; '97% NRR' is common)."""
    if spec.kind == "int":
        near_before = [t for t in before if len(clause[t.end:hit.start].split()) <= 2]
        if near_before:
            return near_before[-1]
        near_after = [t for t in after if len(re.sub(r"[:：=]", " ", clause[hit.end:t.start]).split()) <= 2]
        return near_after[0] if near_after else None
    if len(after) == 1:
        return after[0]
    if len(after) > 1:
        distinct = {(t.kind, t.number) for t in after}
        return after[0] if len(distinct) == 1 else None
    if len(before) == 1:
        return before[0]
    return None


def has_any(text: str, words: list[str]) -> bool:
    lowered = fold(text)
    return any(re.search(r"(?<![a-z])" + re.escape(w.lower()) + r"(?![a-z])", lowered) if w.isascii()
               else w in text for w in words)


def strip_words(text: str, words: list[str]) -> str:
    for word in sorted(words, key=len, reverse=True):
        text = re.sub((r"(?<![a-z])" + re.escape(word) + r"(?![a-z])") if word.isascii() else re.escape(word),
                      " ", text, flags=re.I)
    return re.sub(r"^\s*(?:on|in|by|at|for|is|:)\s+", "", text.strip(), flags=re.I)


def customer_name(clause: str) -> str | None:
    """A customer's name as written: capitalised (or Chinese), no digits, a few words."""
    name = clause.strip().strip("*_\"'“”").strip()
    if not name or re.search(r"\d", name) or len(name.split()) > 8 or not _NAME.match(name):
        return None
    if word_pattern("metric_like").search(fold(name)):
        return None
    return name


@lru_cache(maxsize=None)
def blocking_words(metric: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The words that keep a number from being `metric`'s current value, minus the words of
    its own phrases and extras ('target' blocks ARR, but names the quarter's target and is how
    coverage is said: "2.9x of Q4 target")."""
    spec = vocabulary().metrics[metric]
    own = set(Tokens.of(" ".join([*spec.labels.en, *spec.loose.en, *spec.extras])).words)
    blocked = (word_set("not") | set(Tokens.of(" ".join(spec.not_)).words)) - own
    own_cjk = "".join([*spec.labels.zh, *spec.loose.zh])
    return frozenset(blocked), tuple(w for w in vocabulary().words["not"].zh if w not in own_cjk)


def tidy(value: Any) -> Any:
    """Binary floating point noise removed: $4.1M is 4,100,000, not 4,099,999.9999999995."""
    if isinstance(value, list):
        return [tidy(v) for v in value]
    if isinstance(value, float):
        return float(f"{value:.15g}")
    return value


def out_of_range(spec: MetricSpec, value: Any, series: list[float] | None) -> Any:
    low, high = spec.range
    for candidate in ([value] if value is not None else []) + list(series or []):
        if not isinstance(candidate, (int, float)):
            continue
        if (low is not None and candidate < low) or (high is not None and candidate > high):
            return candidate
    return None


def limits_text(spec: MetricSpec) -> str:
    low, high = spec.range
    if low is not None and high is not None:
        return f"{format_value(low, spec.unit)}–{format_value(high, spec.unit)}"
    if low is not None:
        return f"≥ {format_value(low, spec.unit)}"
    if high is not None:
        return f"≤ {format_value(high, spec.unit)}"
    return ""
