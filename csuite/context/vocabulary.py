"""The words that name each metric and field in a company-context.md, in English and Chinese.

Loaded once from `csuite/data/context.yaml`. Two ways a metric is named:

- a **label** ("Share of ARR from our biggest customer", "最大客户占 ARR 的比例"): every word of one
  of the metric's phrases is present and every other word is filler, one of the metric's extras,
  or a period. Compared as singular lower-case words, Chinese as substrings.
- a **phrase inside a sentence** ("Net revenue retention ended the year at 97%"): the phrase as
  written, found by one alternation over all phrases (linear in the sentence's length), compiled
  only in the part whose words the sentence holds (`SentenceSearch`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Literal

from pydantic import BaseModel, ConfigDict, Field

from csuite.fields import new_list
from csuite.io.text import CJK_RUN
from csuite.knowledge.bilingual import Bilingual, Lang
from csuite.resources import cached_build, data_path, load_data_yaml

MetricKind = Literal["money", "percent", "retention", "ratio", "months", "int", "date", "series",
                     "value_or_series", "name"]
Per = Literal["month", "quarter", "year"]

UNITS: dict[str, str] = {
    "money": "usd", "percent": "fraction", "retention": "fraction", "ratio": "ratio", "months": "months",
    "int": "count", "date": "date", "series": "fraction", "value_or_series": "fraction", "name": "text",
}


class Words(BaseModel):
    model_config = ConfigDict(extra="forbid")

    en: list[str] = Field(default_factory=new_list)
    zh: list[str] = Field(default_factory=new_list)

    def all(self) -> list[str]:
        return [str(w) for w in [*self.en, *self.zh]]


class MetricSpec(BaseModel):
    """One metric: its kind, names, the words that qualify or disqualify it, its physical range."""

    model_config = ConfigDict(extra="forbid")

    kind: MetricKind
    name: Bilingual
    labels: Words
    loose: Words = Field(default_factory=Words)
    extras: list[str] = Field(default_factory=new_list)
    not_: list[str] = Field(default_factory=new_list, alias="not")
    after: dict[str, Words] = Field(default_factory=dict)
    cue: Words | None = None
    scaled: dict[str, dict[str, float]] = Field(default_factory=dict)
    trend: str | None = None
    per: Per | None = None
    convert: bool = False
    require: bool = False
    allow_negative: bool = False
    range: tuple[float | None, float | None] = (None, None)

    @property
    def unit(self) -> str:
        return UNITS[self.kind]


class FieldSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["identity", "plan", "meta"]
    en: list[str]
    zh: list[str] = Field(default_factory=new_list)


class ContextVocabulary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    metrics: dict[str, MetricSpec]
    fields: dict[str, FieldSpec]
    identity_labels: Words
    plan_labels: Words
    plan_headings: Words
    directive_labels: Words
    words: dict[str, Words]
    kinds: dict[str, Bilingual]
    messages: dict[str, Bilingual]
    periods: dict[str, Bilingual]
    report: dict[str, Bilingual]


@lru_cache(maxsize=1)
def vocabulary() -> ContextVocabulary:
    return ContextVocabulary.model_validate(load_data_yaml("context.yaml"))


def text(key: str, lang: Lang = "en", **values: Any) -> str:
    """A warning or report text from the YAML, in `lang`, with its placeholders filled."""
    vocab = vocabulary()
    entry = vocab.messages.get(key) or vocab.report.get(key) or vocab.kinds.get(key) or vocab.periods[key]
    return entry.format(lang, **values)


# --------------------------------------------------------------------------- words

_WORD = re.compile(r"[a-z0-9]+")
_POSSESSIVE = re.compile(r"['’]s\b")  # "this quarter's target" names the target


def singular(word: str) -> str:
    """'customers' → 'customer', 'AEs' → 'ae', 'opportunities' → 'opportunity'; 'gross', 'status'
    and 'analysis' stay."""
    if len(word) >= 5 and word.endswith("ies"):
        return word[:-3] + "y"  # opportunities → opportunity
    if len(word) >= 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def fold(text: str) -> str:
    """Lower case with every character kept in place (positions in the result are positions in
    `text`; 'İ'.lower() would add a character)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def normalise(text: str) -> str:
    """Lower case, '&' and '%' spelled out (S&M is one word), CJK kept."""
    lowered = text.lower().replace("％", "%")
    lowered = re.sub(r"\bs\s*&\s*m\b", " sm ", lowered)
    return lowered.replace("&", " and ").replace("%", " percent ")


@dataclass(frozen=True)
class Tokens:
    """A label as words (singular, lower case) and its Chinese characters."""

    words: tuple[str, ...]
    cjk: str

    @classmethod
    def of(cls, text: str) -> "Tokens":
        lowered = _POSSESSIVE.sub("", normalise(text))
        words = tuple(singular(w) for w in _WORD.findall(CJK_RUN.sub(" ", lowered)))
        return cls(words, "|".join(CJK_RUN.findall(lowered)))


@dataclass(frozen=True, eq=False)  # identity hashing: every phrase is built once
class Phrase:
    metric: str
    words: frozenset[str]
    cjk: tuple[str, ...]
    score: float
    factor: float = 1.0


@dataclass(frozen=True)
class SentenceSearch:
    """One leftmost-first alternation over every metric phrase as written, longest phrase first,
    compiled only in the part a text can match.

    The whole alternation takes about 7 ms to compile, and a clause names few phrases. Every
    match of an alternative contains each of its needles (the phrase's words and Chinese runs as
    written; the searched text is lower case, the pattern has no flags), so an alternative with a
    needle absent from a text matches nowhere in it, and the alternation of the others, in the
    same order, finds exactly the same matches. Each such part is compiled once per process;
    past `max_parts` different parts or `max_filtered` clauses (a long context) the whole
    alternation is compiled once and used from then on."""

    alternatives: tuple[str, ...]
    needles: tuple[tuple[str, ...], ...]
    max_parts: int = 32
    # Looking for the needles costs about 40 µs a clause: past this many clauses (a long context,
    # or many parsed in one process) compiling the whole alternation once is the cheaper way.
    max_filtered: int = 128
    _compiled: dict[tuple[int, ...], re.Pattern[str]] = field(default_factory=dict, compare=False, repr=False)
    _filtered: list[int] = field(default_factory=lambda: [0], compare=False, repr=False)
    _distinct: tuple[str, ...] = field(init=False, compare=False, repr=False)
    _sets: tuple[frozenset[str], ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # each needle is looked for once per text, then every alternative's set is a subset test
        object.__setattr__(self, "_distinct", tuple(dict.fromkeys(n for group in self.needles for n in group)))
        object.__setattr__(self, "_sets", tuple(frozenset(group) for group in self.needles))

    def whole(self) -> str:
        return "|".join(f"(?:{alternative})" for alternative in self.alternatives)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if len(self._compiled) > self.max_parts or self._filtered[0] >= self.max_filtered:
            return self._whole().finditer(text)
        self._filtered[0] += 1
        found = {n for n in self._distinct if n in text}
        present = tuple(i for i, needles in enumerate(self._sets) if needles <= found)
        if not present:
            return iter(())
        pattern = self._compiled.get(present)
        if pattern is None:
            if len(self._compiled) == self.max_parts:
                return self._whole().finditer(text)
            pattern = self._compiled[present] = re.compile(
                "|".join(f"(?:{self.alternatives[i]})" for i in present))
        return pattern.finditer(text)

    def _whole(self) -> re.Pattern[str]:
        """The whole alternation, compiled once, kept under the key of no part (which is why
        `len(_compiled)` then passes `max_parts`)."""
        pattern = self._compiled.get(())
        if pattern is None:
            pattern = self._compiled[()] = re.compile(self.whole())
        return pattern


@dataclass
class _Index:
    filler: frozenset[str]
    filler_cjk: tuple[str, ...]
    phrases: list[Phrase] = field(default_factory=list)
    by_word: dict[str, list[Phrase]] = field(default_factory=dict)
    cjk_phrases: list[Phrase] = field(default_factory=list)
    extras: dict[str, frozenset[str]] = field(default_factory=dict)
    # sentence search: one alternation over every phrase as written, longest first
    sentence: SentenceSearch | None = None
    sentence_keys: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


# Filler in a label, but part of a phrase's meaning: "monthly recurring revenue" is not ARR.
_PERIOD_WORDS = frozenset({"month", "monthly", "quarter", "quarterly", "year", "yearly", "annual", "annualized",
                           "annualised"})


def _phrase(metric: str, text: str, filler: frozenset[str], factor: float = 1.0) -> Phrase | None:
    tokens = Tokens.of(text)
    words = frozenset(w for w in tokens.words if w not in filler or w in _PERIOD_WORDS)
    cjk = tuple(c for c in tokens.cjk.split("|") if c)
    if not words and not cjk:
        return None
    return Phrase(metric, words, cjk, len(words) + sum(len(c) for c in cjk) / 2, factor)


_SENTENCE_PART = re.compile(r"[a-z0-9]+|[&%]|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _sentence_key(text: str) -> str:
    """A phrase as found in a sentence, made comparable: 'Net  Revenue-Retention' → 'net revenue retention'."""
    return " ".join(singular(w) for w in _SENTENCE_PART.findall(text.lower()))


def _sentence_pattern(text: str) -> tuple[str, tuple[str, ...]]:
    """A phrase's pattern, and its needles: the pieces every match writes as they are."""
    parts = _SENTENCE_PART.findall(text.lower())
    pieces = [re.escape(p) + "s?" if p.isascii() and p.isalnum() else re.escape(p) for p in parts]
    joined = r"[\s\-_/]*".join(pieces)
    starts_word, ends_word = parts[0].isascii() and parts[0].isalnum(), parts[-1].isascii() and parts[-1].isalnum()
    pattern = (r"(?<![a-z0-9])" if starts_word else "") + joined + (r"(?![a-z0-9])" if ends_word else "")
    return pattern, tuple(dict.fromkeys(sorted(parts, key=len, reverse=True)))


def index_sources() -> list[Path]:
    """The files the phrase index is built from: context.yaml and this module."""
    return [data_path("context.yaml"), Path(__file__)]


@lru_cache(maxsize=1)
def _index() -> _Index:
    """Built once and kept on disk until context.yaml or this code changes (`cached_build`):
    building it costs some 4 ms of every context read, reading it half a millisecond."""
    return cached_build("context_vocabulary_index", index_sources(), _build_index)


def _build_index() -> _Index:
    vocab = vocabulary()
    filler = frozenset(singular(w) for w in _WORD.findall(" ".join(normalise(w) for w in vocab.words["filler"].en)))
    filler_cjk = tuple(sorted(vocab.words["filler"].zh, key=len, reverse=True))
    index = _Index(filler=filler, filler_cjk=filler_cjk)
    sentence_alternatives: dict[str, tuple[str, tuple[str, ...]]] = {}
    for metric, spec in vocab.metrics.items():
        texts = [(t, 1.0) for t in [*spec.labels.all(), *spec.loose.all()]]
        for table in spec.scaled.values():
            texts += [(t, factor) for t, factor in table.items()]
        index.extras[metric] = frozenset(singular(w) for e in spec.extras for w in _WORD.findall(normalise(e)))
        for phrase_text, factor in texts:
            phrase = _phrase(metric, phrase_text, filler, factor)
            if phrase is None:
                continue
            index.phrases.append(phrase)
            # a label may repeat the metric's other names: "Net revenue retention (NRR)"
            index.extras[metric] = index.extras[metric] | phrase.words
            if phrase.words:
                for word in phrase.words:
                    index.by_word.setdefault(word, []).append(phrase)
            else:
                index.cjk_phrases.append(phrase)
            key = _sentence_key(phrase_text)
            index.sentence_keys.setdefault(key, []).append((metric, factor))
            sentence_alternatives[key] = _sentence_pattern(phrase_text)
    ordered = sorted(sentence_alternatives, key=len, reverse=True)
    index.sentence = SentenceSearch(tuple(sentence_alternatives[k][0] for k in ordered),
                                    tuple(sentence_alternatives[k][1] for k in ordered))
    return index


# --------------------------------------------------------------------------- labels

@dataclass(frozen=True)
class LabelMatch:
    metric: str
    score: float
    factor: float  # MRR names ARR × 12


def _explained_cjk(label_cjk: str, phrase: Phrase, filler_cjk: tuple[str, ...]) -> bool:
    rest = label_cjk
    for part in phrase.cjk:
        if part not in rest:
            return False
        rest = rest.replace(part, "|", 1)
    for word in filler_cjk:
        rest = rest.replace(word, "|")
    return not rest.replace("|", "")


def match_label(label: str, *, extra_words: tuple[str, ...] = ()) -> list[LabelMatch]:
    """The metrics a label names, best first (several when they share a phrase: a
    "Largest customer" label names the customer, its share and its renewal).

    `extra_words` are words the caller found in the label's periods ("Q4" → "quarter"), so a
    phrase such as "quarter target" can use them."""
    index = _index()
    tokens = Tokens.of(label)
    words = set(tokens.words) | set(extra_words)
    significant = {w for w in words if w not in index.filler and not w.isdigit()}
    digits = {w for w in tokens.words if w.isdigit()}
    candidates: set[Phrase] = set(index.cjk_phrases) if tokens.cjk else set()
    for word in words:
        candidates.update(index.by_word.get(word, ()))
    best: dict[str, LabelMatch] = {}
    for phrase in candidates:
        if not phrase.words <= words:
            continue
        if phrase.cjk and not _explained_cjk(tokens.cjk, phrase, index.filler_cjk):
            continue
        if not phrase.cjk and tokens.cjk and not _explained_cjk(tokens.cjk, phrase, index.filler_cjk):
            continue
        unexplained = significant - phrase.words - index.extras[phrase.metric]
        if unexplained or digits:
            continue
        current = best.get(phrase.metric)
        if current is None or phrase.score > current.score:
            best[phrase.metric] = LabelMatch(phrase.metric, phrase.score, phrase.factor)
    order = list(vocabulary().metrics)
    return sorted(best.values(), key=lambda m: (-m.score, order.index(m.metric)))


# --------------------------------------------------------------------------- sentences

@dataclass(frozen=True)
class PhraseHit:
    start: int
    end: int
    text: str
    metrics: tuple[tuple[str, float], ...]  # (metric, factor)


def find_phrases(text: str) -> list[PhraseHit]:
    """Every metric phrase written in a clause, left to right, longest first where they overlap."""
    index = _index()
    assert index.sentence is not None
    hits = []
    for match in index.sentence.finditer(fold(text)):
        metrics = index.sentence_keys.get(_sentence_key(match.group(0)))
        if metrics:
            hits.append(PhraseHit(match.start(), match.end(), text[match.start():match.end()], tuple(metrics)))
    return hits


@lru_cache(maxsize=None)
def word_set(name: str) -> frozenset[str]:
    """One of the YAML's word lists (`not`, `metric_like`, …) as singular lower-case words."""
    return frozenset(singular(w) for w in _WORD.findall(" ".join(normalise(w) for w in vocabulary().words[name].en)))


@lru_cache(maxsize=None)
def word_pattern(name: str) -> re.Pattern[str]:
    """One of the YAML's word lists as one regular expression: English word-bounded, Chinese as is."""
    words = vocabulary().words[name]
    parts = []
    for word in sorted(words.en, key=len, reverse=True):
        lowered = word.lower()
        parts.append((r"(?<![a-z0-9])" if lowered[0].isalnum() else "") + re.escape(lowered)
                     + (r"(?![a-z0-9])" if lowered[-1].isalnum() else ""))
    parts += [re.escape(w) for w in sorted(words.zh, key=len, reverse=True)]
    return re.compile("|".join(parts))


# --------------------------------------------------------------------------- fields

def _label_key(label: str) -> str:
    """A label compared without case, spaces, punctuation or parentheses: '12 个月目标' = '12个月目标'."""
    without = re.sub(r"\s*[(（][^)）]*[)）]", "", label)
    key = re.sub(r"[\W_]+", "", (without or label).lower())
    return key or re.sub(r"[\W_]+", "", label.lower())


@lru_cache(maxsize=1)
def _field_keys() -> tuple[dict[str, str], dict[str, str]]:
    vocab = vocabulary()
    keys: dict[str, str] = {}
    roles: dict[str, str] = {}
    for key, spec in vocab.fields.items():
        for name in [key, *spec.en, *spec.zh]:
            keys[_label_key(str(name))] = key
            roles[_label_key(str(name))] = spec.role
    for role, words in (("identity", vocab.identity_labels), ("plan", vocab.plan_labels),
                        ("directive", vocab.directive_labels)):
        for name in words.all():
            roles.setdefault(_label_key(name), role)
    return keys, roles


def field_key(label: str) -> str:
    """The runner's key for a field label ('Last updated', '最后更新' → last_updated), else the
    label's own canonical form."""
    keys, _ = _field_keys()
    found = keys.get(_label_key(label))
    if found:
        return found
    return re.sub(r"[\W_]+", "_", re.sub(r"\s*[(（][^)）]*[)）]", "", label).strip().lower()).strip("_") or \
        re.sub(r"[\W_]+", "_", label.strip().lower()).strip("_")


def label_role(label: str) -> str | None:
    """identity / plan / meta / directive for labels read as text only; None for any other."""
    _, roles = _field_keys()
    return roles.get(_label_key(label))


@lru_cache(maxsize=1)
def _plan_heading() -> re.Pattern[str]:
    words = vocabulary().plan_headings
    parts = [r"(?<![a-z0-9])" + re.escape(w) + r"(?![a-z0-9])" for w in words.en] + [re.escape(w) for w in words.zh]
    return re.compile("|".join(parts))


def is_plan_heading(title: str) -> bool:
    return bool(_plan_heading().search(title.lower()))


def field_synonyms() -> dict[str, list[str]]:
    """Field key → the labels founders use for it (English, then Chinese)."""
    return {key: [*spec.en, *spec.zh] for key, spec in vocabulary().fields.items()}


def metric_table() -> dict[str, tuple[MetricKind, list[str]]]:
    """The `METRICS` contract: metric → (kind, label vocabulary). A customer's name is not a
    number the self-verify contradiction check could compare, so it is left out."""
    return {key: (spec.kind, [str(s) for s in spec.labels.all()])
            for key, spec in vocabulary().metrics.items() if spec.kind != "name"}
