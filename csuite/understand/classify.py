"""Which catalogue decision a question asks: cues, example similarity and parsed parameters.

Each decision scores the weights of its cues found in the question (English cue words match
word by word, four letters or more also as a prefix, never across a clause; Chinese cues as
substrings, also across a count: "招3个销售" holds 招销售; where two cues overlap the longer one
wins), plus the mean cosine similarity of its closest example questions (TF-IDF over English
stems and Chinese character bigrams, the router's features), plus a small signal when a parsed
parameter points at it (a count of AEs → hiring reps, a target amount → hitting the number, a
named account → saving it). Cues inside a purpose clause ("... so reps stop discounting") count
`purpose_scale` of their weight. The best decision wins when it scores `min_score` and the
question cues it (a cue word, a count or a target); on wording alone it needs
`min_score_without_cue` (csuite/data/understanding.yaml). Otherwise nothing fits well: None.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from csuite.knowledge.sources import ROLE_FOLDERS, knowledge_path
from csuite.resources import cached_build, data_path
from csuite.routing.index import purpose_markers
from csuite.routing.text import (
    CJK_RE,
    CLAUSE_END,
    normalise,
    purpose_spans,
    similarity_features,
    token_matches,
    tokens,
    unit_vector,
)
from csuite.understand.catalogue import decisions_path, load_catalogue
from csuite.understand.lexicon import LEXICON_FILE, ClassifierWeights, lexicon


class _Cue(NamedTuple):
    """A tuple, not a dataclass: a thousand of them are read from the disk cache at every start."""

    decision: str
    text: str
    weight: float
    words: tuple[str, ...] = ()     # English cue, as tokens
    zh: str = ""                    # Chinese cue, matched as a substring


@dataclass(frozen=True)
class _Index:
    ids: tuple[str, ...]
    english: dict[str, tuple[_Cue, ...]]    # first token → cues starting with it
    chinese: tuple[_Cue, ...]
    docs: tuple[tuple[str, str], ...]                    # decision, example question
    postings: dict[str, tuple[tuple[int, float], ...]]   # feature → (doc, weight in its unit vector)
    idf: dict[str, float]


def _cue_weight(text: str, weights: ClassifierWeights) -> float:
    if CJK_RE.search(text):
        extra = max(0, len(text.replace(" ", "")) - 2) * weights.zh_char_step
    else:
        extra = max(0, len(tokens(text)) - 1) * weights.phrase_step
    return min(weights.cue_cap, weights.cue + extra)


def index_sources() -> list[Path]:
    """The files the index is built from: both roles' decisions.yaml (and knowledge.yaml, which
    the catalogue is checked against), understanding.yaml, and the code that builds it."""
    roles = list(ROLE_FOLDERS)
    here = Path(__file__)
    code = [here, here.with_name("catalogue.py"), here.with_name("lexicon.py"),
            here.parent.parent / "routing" / "text.py"]
    return ([decisions_path(role) for role in roles] + [knowledge_path(role) for role in roles]
            + [data_path(LEXICON_FILE)] + code)


@lru_cache(maxsize=1)
def _index() -> _Index:
    """Built once and kept on disk until a source changes (`cached_build`): building it means
    validating the catalogue and weighing every example question, some 15 ms of every ask."""
    return cached_build("classify_index", index_sources(), _build_index)


def _build_index() -> _Index:
    weights = lexicon().classifier
    catalogue = load_catalogue()
    english: dict[str, list[_Cue]] = defaultdict(list)
    chinese: list[_Cue] = []
    for entry in catalogue.decisions:
        for raw in list(entry.cues.en) + list(entry.cues.zh):
            text = normalise(raw).strip()
            weight = _cue_weight(text, weights)
            if CJK_RE.search(text):
                chinese.append(_Cue(entry.id, raw, weight, zh=text))
            else:
                words = tuple(t for t, _, _ in tokens(text))
                if words:
                    english[words[0]].append(_Cue(entry.id, raw, weight, words=words))
    examples = [(entry.id, q) for entry in catalogue.decisions for q in entry.example_questions()]
    bags = [similarity_features(normalise(q)) for _, q in examples]
    frequency: Counter = Counter()
    for bag in bags:
        frequency.update(bag.keys())
    count = len(bags)
    idf = {f: math.log((count + 1) / (c + 1)) + 1.0 for f, c in frequency.items()}
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for number, bag in enumerate(bags):
        for feature, weight in unit_vector(bag, idf).items():
            postings[feature].append((number, weight))
    return _Index(tuple(catalogue.ids), {k: tuple(v) for k, v in english.items()}, tuple(chinese),
                  tuple(examples), {f: tuple(p) for f, p in postings.items()}, idf)


_CHINESE_COUNT = re.compile(r"(?:\d+|[一二两三四五六七八九十几]+)\s*[个名位家笔条次份]")


def _chinese_variants(text: str) -> list[tuple[str, list[int]]]:
    """The text, and the text with Chinese counts taken out, each with the original position of
    every character it keeps."""
    variants = [(text, list(range(len(text))))]
    removed = {i for found in _CHINESE_COUNT.finditer(text) for i in range(found.start(), found.end())}
    if removed:
        kept = [i for i in range(len(text)) if i not in removed]
        variants.append(("".join(text[i] for i in kept), kept))
    return variants


def _cue_hits(text: str, index: _Index) -> list[tuple[int, int, _Cue]]:
    hits: list[tuple[int, int, _Cue]] = []
    spans = tokens(text)
    words = [t for t, _, _ in spans]
    for i, word in enumerate(words):
        keys = {word, word[:-1] if word.endswith("s") else word} | {word[:n] for n in range(4, len(word))}
        for key in keys:
            for cue in index.english.get(key, ()):
                size = len(cue.words)
                if i + size <= len(words) and all(token_matches(cue.words[k], words[i + k]) for k in range(size)):
                    start, end = spans[i][1], spans[i + size - 1][2]
                    if not CLAUSE_END.search(text, start, end):      # a phrase never spans two clauses
                        hits.append((start, end, cue))
    # Chinese cues also match across a count ("招3个销售" reads as 招销售): the count is read
    # separately, the verb and the noun still say what is asked.
    for variant, positions in _chinese_variants(text):
        for cue in index.chinese:
            start = variant.find(cue.zh)
            while start != -1:
                end = start + len(cue.zh)
                hits.append((positions[start], positions[end - 1] + 1, cue))
                start = variant.find(cue.zh, start + 1)
    # One stretch of text means one thing: a hit inside a longer hit does not count.
    kept = []
    for start, end, cue in hits:
        if any(a <= start and end <= b and (b - a) > (end - start) for a, b, _ in hits):
            continue
        kept.append((start, end, cue))
    return kept


@dataclass(frozen=True)
class Scores:
    """Every decision's score, and the decisions the question cues (a cue word, a count of reps or
    a target amount pointing at it)."""

    scores: dict[str, float]
    cued: frozenset[str]

    def best(self) -> str | None:
        """The top decision when it clears the bar (see the module docstring), else None."""
        weights = lexicon().classifier
        ids = _index().ids
        top = max(self.scores, key=lambda d: (self.scores[d], -ids.index(d)))
        bar = weights.min_score if top in self.cued else weights.min_score_without_cue
        return top if self.scores[top] >= bar else None


def score_decisions(question: str, *, count_nouns: tuple[str, ...] = (), named_account: bool = False,
                    has_target: bool = False, leave_out: str | None = None) -> Scores:
    """Every decision's score for `question` (see the module docstring). `leave_out` drops one
    example question from the similarity index (to measure the classifier on its own examples)."""
    index = _index()
    weights = lexicon().classifier
    text = normalise(question)
    scores = dict.fromkeys(index.ids, 0.0)
    counted: set[tuple[str, str]] = set()
    # What the question is for is not what it asks: "redesign the comp plan so reps stop
    # discounting" is a comp-plan question; cues inside a purpose clause count for less.
    purposes = purpose_spans(text, purpose_markers())
    for start, end, cue in sorted(_cue_hits(text, index), key=lambda hit: hit[0]):
        if (cue.decision, cue.text) not in counted:
            counted.add((cue.decision, cue.text))
            inside = any(a <= start and end <= b for a, b in purposes)
            scores[cue.decision] += cue.weight * (weights.purpose_scale if inside else 1.0)
    query = unit_vector(similarity_features(text), index.idf, default_idf=max(index.idf.values(), default=1.0))
    best: dict[str, list[float]] = defaultdict(list)
    if query:
        dots: dict[int, float] = defaultdict(float)
        for feature, value in query.items():
            for number, weight in index.postings.get(feature, ()):
                dots[number] += value * weight
        sims = sorted(((dot, index.docs[number][0]) for number, dot in dots.items()
                       if index.docs[number][1] != leave_out), reverse=True)
        for similarity, decision in sims:
            if similarity >= weights.example_floor and len(best[decision]) < weights.example_top:
                best[decision].append(similarity)
    for decision, values in best.items():
        scores[decision] += weights.example * sum(values) / weights.example_top
    signals = lexicon().signals
    for noun in dict.fromkeys(count_nouns):
        if noun in signals.counts:
            scores[signals.counts[noun]] += weights.signal
    if named_account and signals.account:
        scores[signals.account] += weights.signal
    if has_target and signals.target:
        scores[signals.target] += weights.signal
    # A count of reps or a target amount is evidence like a cue; a named account alone is not (a
    # question about any decision may name one).
    signalled = {signals.counts[n] for n in count_nouns if n in signals.counts}
    if has_target and signals.target:
        signalled.add(signals.target)
    return Scores({d: round(s, 4) for d, s in scores.items()}, frozenset({d for d, _ in counted} | signalled))


def classify(question: str, **signals) -> str | None:
    """The catalogue decision `question` asks, or None when nothing fits well."""
    return score_decisions(question, **signals).best()
