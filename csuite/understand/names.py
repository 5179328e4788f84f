"""Accounts and segments a question names, spelled the way the data spells them.

Accounts: a name from the context or the data files is found case-insensitively as whole words
("Acme" never inside "Acmeville"). A founder leaves endings off ("Acme" for "Acme Corp",
"Castellan Freight" for "Castellan Freight Group"): a leading run of a name's words counts when
it belongs to that name alone. A shortened one-word mention must be capitalised as a name is
("northwind" in lower case could be a word); the legal ending (Inc, Corp, Group, 有限公司) may
always go. A mention shared by two names ("Pembrook" for Pembrook Supply and Pembrook Foods)
names neither: we do not guess which.

Segments: words for a segment ("mid-size", "中型客户", "small business") map to a canonical
segment, and the canonical segment to the data's own name for it ("Mid-Market", "MM"). A
segment name in the data that no word list knows ("Healthcare") is found as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from csuite.routing.text import CJK_RE, FOLD, STOP_EN, alternation, folded_needle, may_hold
from csuite.understand.lexicon import lexicon


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^\w&'.]+", name.strip()) if w.strip(".'")]


def _letters(name: str) -> str:
    """The name's digits, ASCII letters and CJK characters, lower-cased: the regex
    `[^0-9a-z\\u3400-\\u9fff]` removed, without its compile (a millisecond, for a dozen names)."""
    return "".join(c for c in name.lower() if "a" <= c <= "z" or "0" <= c <= "9" or "\u3400" <= c <= "\u9fff")


def _strip_legal(words: list[str]) -> list[str]:
    suffixes = {s.lower() for s in lexicon().legal_suffixes.en}
    out = list(words)
    while len(out) > 1 and out[-1].lower().strip(".") in suffixes:
        out.pop()
    return out


def _strip_legal_zh(name: str) -> str:
    for suffix in sorted(lexicon().legal_suffixes.zh, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=512)
def _mention_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    body = r"[\s-]+".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![A-Za-z0-9&])(?:{body})(?:'s)?(?![A-Za-z0-9&])", re.IGNORECASE)


def _may_mention(words: list[str], folded: str) -> bool:
    """False only when the text (folded by `FOLD`) cannot hold the words' pattern, which needs
    every word: a question names one account of the hundreds in a pipeline export, and each
    name's pattern costs a compile."""
    return all(may_hold(folded, word) for word in words)


def _forms(name: str) -> list[tuple[str, list[str], bool]]:
    """(form key, words, needs a capital) for every way a founder may write `name`."""
    if CJK_RE.search(name):
        short = _strip_legal_zh(name)
        return [(name, [name], False)] + ([(short, [short], False)] if short != name else [])
    words = _words(name)
    if not words:
        return []
    forms = [(" ".join(words).lower(), words, False)]
    core = _strip_legal(words)
    if core != words:
        forms.append((" ".join(core).lower(), core, False))
    for size in range(len(core) - 1, 0, -1):
        prefix = core[:size]
        forms.append((" ".join(prefix).lower(), prefix, size == 1))
    return forms


def match_accounts(text: str, names: Iterable[str]) -> list[str]:
    """Names from `names` the question mentions, in the order it mentions them."""
    return list(dict.fromkeys(name for _, _, name in account_mentions(text, names)))


def without_accounts(text: str, names: Iterable[str], lang: str = "en") -> str:
    """The question with every account it names written as "the account" (这个客户): routing
    reads what is asked, not the words of a company's name ("Granite Peak Builders" is no
    question about building product)."""
    out = text
    for start, end, _ in sorted(account_mentions(text, names), reverse=True):
        out = out[:start] + lexicon().account_placeholder.get("zh" if lang == "zh" else "en") + out[end:]
    return out


def account_mentions(text: str, names: Iterable[str]) -> list[tuple[int, int, str]]:
    """(start, end, name) of each mention of a name from `names`, in the order of the text."""
    candidates: dict[str, set[str]] = {}
    shapes: dict[str, tuple[list[str], bool]] = {}
    spelled: dict[str, set[str]] = {}   # key -> the names it is the full spelling of
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        for position, (key, words, needs_capital) in enumerate(_forms(name)):
            candidates.setdefault(key, set()).add(name)
            if position == 0:
                spelled.setdefault(key, set()).add(name)
            previous = shapes.get(key)
            # A form that is some name's full spelling never needs a capital.
            shapes[key] = (words, needs_capital and (previous[1] if previous else True))
    found: list[tuple[int, int, str]] = []
    folded = text.translate(FOLD)
    for key in sorted(candidates, key=lambda k: -len(k)):
        owners = candidates[key]
        if len(owners) != 1:
            # "Harborline Construction" is one account's full name and the start of a deal's
            # ("Harborline Construction - Expansion"): the name written out in full wins.
            owners = spelled.get(key, set())
            if len(owners) != 1:
                continue
        words, needs_capital = shapes[key]
        if needs_capital and words[0].lower() in STOP_EN:
            continue
        if CJK_RE.search(key):
            if key not in text:
                continue
            pattern = re.compile(re.escape(key))
        elif _may_mention(words, folded):
            pattern = _mention_pattern(tuple(words))
        else:
            continue
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(a < end and start < b for a, b, _ in found):
                continue
            if needs_capital and not match.group()[:1].isupper():
                continue
            found.append((start, end, next(iter(owners))))
    return sorted(found)


@lru_cache(maxsize=None)
def _segment_pattern(canonical: str) -> re.Pattern[str]:
    """The pattern of one segment's word list, English words bounded, Chinese as written."""
    words = lexicon().segments[canonical]
    parts = []
    if words.en:
        parts.append(rf"(?<![A-Za-z])(?:{alternation(words.en)})(?![A-Za-z])")
    if words.zh:
        parts.append(f"(?:{alternation(words.zh)})")
    return re.compile("|".join(parts), re.IGNORECASE)


@lru_cache(maxsize=1)
def _segment_needles() -> dict[str, tuple[str, ...] | None]:
    """Per segment, the words one of which a folded question (`FOLD`) holds wherever the segment's
    pattern matches: each term's first word (`alternation` lets spaces and hyphens vary between
    words, never inside one), a Chinese term whole. None when a term has letters that case
    folding reaches from outside ASCII: that segment's pattern is always run. A question names
    a segment rarely, and each pattern costs a compile."""
    out: dict[str, tuple[str, ...] | None] = {}
    for canonical, words in lexicon().segments.items():
        terms = [w.strip() for w in [*words.en, *words.zh] if w and w.strip()]
        firsts = [term if CJK_RE.search(term) else next(p for p in re.split(r"[\s-]+", term) if p)
                  for term in terms]
        needles = [folded_needle(first) for first in firsts]
        out[canonical] = None if None in needles else tuple(dict.fromkeys(needles))  # type: ignore[arg-type]
    return out


@lru_cache(maxsize=1)
def _excluded_pattern() -> re.Pattern[str]:
    excluded = lexicon().segment_excluded
    return re.compile(
        rf"(?<![A-Za-z])(?:{alternation(excluded.en)})(?![A-Za-z])|{alternation(excluded.zh)}",
        re.IGNORECASE)


@lru_cache(maxsize=None)
def _segment_keys(canonical: str) -> frozenset[str]:
    return frozenset({_letters(k) for k in lexicon().segments[canonical].keys} | {_letters(canonical)})


def _data_name_for(canonical: str, data_segments: list[str]) -> str | None:
    keys = _segment_keys(canonical)
    for name in data_segments:
        if _letters(name) in keys:
            return name
    return None


def match_segments(text: str, data_segments: Iterable[str] = ()) -> list[str]:
    """Segments the question names, as the data names them (canonical names when the data has
    no such segment or no segments were given), in the order the question names them."""
    data = [s.strip() for s in dict.fromkeys(data_segments) if s and s.strip()]
    blocked = [m.span() for m in _excluded_pattern().finditer(text)]
    hits: list[tuple[int, int, str]] = []

    def add(start: int, end: int, label: str) -> None:
        if any(a <= start and end <= b for a, b in blocked):
            return
        if any(a < end and start < b for a, b, _ in hits):
            return
        hits.append((start, end, label))

    spans = []
    folded = text.translate(FOLD)
    for canonical, needles in _segment_needles().items():
        label = _data_name_for(canonical, data)
        if label is None:
            if lexicon().segments[canonical].data_only:
                continue
            label = canonical
        if needles is not None and not any(needle in folded for needle in needles):
            continue
        spans += [(m.start(), m.end(), label) for m in _segment_pattern(canonical).finditer(text)]
    known = {_data_name_for(c, data) for c in lexicon().segments} - {None}
    for name in data:
        if name in known:
            continue
        if CJK_RE.search(name):
            if name in text:
                spans += [(m.start(), m.end(), name) for m in re.finditer(re.escape(name), text)]
            continue
        words = _words(name) or [name]
        if _may_mention(words, folded):
            spans += [(m.start(), m.end(), name) for m in _mention_pattern(tuple(words)).finditer(text)]
    for start, end, label in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        add(start, end, label)
    return list(dict.fromkeys(label for _, _, label in sorted(hits)))
