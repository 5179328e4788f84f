"""The router's learned component: a small linear model over wording, shipped as data.

Keyword lists recognise the questions they were written for; freshly worded questions often
carry no listed keyword, or carry a sales or customer word while asking a finance, people or
engineering question. This model learns from every labelled question we have (the knowledge
YAML examples, the referral examples in routing.yaml and the labelled sets in tests/data) which
words and word pairs point to which of the ten targets, so it generalises across wording in a
way hand-picked vocabularies do not.

Features generalise beyond exact phrases: English word stems and stem pairs (stop-words kept in
pairs, so "can afford" and "go remote" count), Chinese character unigrams, bigrams and trigrams,
and "purpose" cues: words inside a purpose clause ("... so onboarding is faster", "为了...") are
kept apart from the words of the main clause, because who or what a question is for is not what
it asks.

Route time is pure Python: the weights are a JSON file in csuite/data (built by
`python -m csuite.routing.train`), read once, on first use. The posterior is a softmax over the
ten targets; csuite.routing.router combines it with its keyword and example scores.
"""

from __future__ import annotations

import json
import math
import re
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from csuite.resources import cached_build, data_path
from csuite.roles import REFERRALS, ROLES
from csuite.routing.index import build_index
from csuite.routing.text import (
    CJK_RUN,
    STOP_EN,
    STOP_ZH,
    normalise,
    purpose_spans,
    stem,
    tokens,
)

MODEL_FILE = "routing_model.json"
LABELS: tuple[str, ...] = ROLES + REFERRALS

def features(text: str, spans: list[tuple[int, int]] | None = None) -> list[str]:
    """The model's features of a normalised question (see the module docstring). `spans` are
    purpose clauses; their words get a `p` prefix so the model weighs them on their own."""
    spans = spans or []

    def inside(pos: int) -> bool:
        return any(a <= pos < b for a, b in spans)

    feats: list[str] = []
    seq: list[tuple[str, bool]] = []
    for token, start, _ in tokens(text):
        word = "#" if token.isdigit() else token if token in STOP_EN else stem(token)
        purpose = inside(start)
        seq.append((word, purpose))
        if word != "#" and token not in STOP_EN and len(token) >= 2:
            feats.append(("pu:" if purpose else "u:") + word)
    for (a, pa), (b, _) in zip(seq, seq[1:]):
        if a in STOP_EN and b in STOP_EN:
            continue
        feats.append(("pb:" if pa else "b:") + a + "_" + b)
    for found in CJK_RUN.finditer(text):
        run, offset = found.group(), found.start()
        for i, char in enumerate(run):
            p = "p" if inside(offset + i) else ""
            if char not in STOP_ZH:
                feats.append(p + "c:" + char)
            pair = run[i:i + 2]
            if len(pair) == 2 and not (pair[0] in STOP_ZH and pair[1] in STOP_ZH):
                feats.append(p + "c2:" + pair)
            triple = run[i:i + 3]
            if len(triple) == 3:
                feats.append(p + "c3:" + triple)
    return feats


class WeightRows(Mapping[str, tuple[float, ...]]):
    """feature → its weights (one per label), held as one flat array of doubles and a row index.

    The shipped model has three thousand rows of ten weights: as tuples of floats they are
    34,000 objects to unpickle at each start (and for the collector to scan); as one array they
    are one. A row read back is the same floats the JSON gave."""

    __slots__ = ("_rows", "_flat", "_width")

    def __init__(self, rows: dict[str, int], flat: array, width: int) -> None:
        self._rows, self._flat, self._width = rows, flat, width

    @classmethod
    def of(cls, weights: Mapping[str, Sequence[float]], width: int) -> "WeightRows":
        rows = {feat: i for i, feat in enumerate(weights)}
        flat = array("d", [float(v) for row in weights.values() for v in row])
        if len(flat) != width * len(rows):
            raise ValueError(f"{MODEL_FILE}: every weight row must have {width} values")
        return cls(rows, flat, width)

    def get(self, feat: str, default: tuple[float, ...] | None = None) -> tuple[float, ...] | None:
        i = self._rows.get(feat)
        return default if i is None else tuple(self._flat[i * self._width:(i + 1) * self._width])

    def __getitem__(self, feat: str) -> tuple[float, ...]:
        row = self.get(feat)
        if row is None:
            raise KeyError(feat)
        return row

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __reduce__(self) -> tuple:
        return (WeightRows, (self._rows, self._flat, self._width))


@dataclass(frozen=True)
class LinearModel:
    """Softmax regression: score(label) = bias + Σ weight(feature, label) over the distinct
    features of the question; the posterior is the softmax of the scores."""

    labels: tuple[str, ...]
    bias: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]]  # a dict when trained, WeightRows when shipped

    def scores(self, feats: list[str]) -> list[float]:
        totals = list(self.bias)
        for feat in set(feats):
            row = self.weights.get(feat)
            if row:
                for i, value in enumerate(row):
                    totals[i] += value
        return totals

    def posterior(self, feats: list[str]) -> dict[str, float]:
        scores = self.scores(feats)
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {label: e / total for label, e in zip(self.labels, exps)}

    def to_json(self, meta: dict | None = None) -> str:
        """Compact and diff-friendly: one feature per line, weights rounded to 3 decimals."""
        lines = ["{", '"version": 1,', f'"meta": {json.dumps(meta or {}, ensure_ascii=False, sort_keys=True)},',
                 f'"labels": {json.dumps(list(self.labels))},',
                 f'"bias": {json.dumps([round(b, 3) for b in self.bias])},', '"weights": {']
        rows = [f"{json.dumps(feat, ensure_ascii=False)}: {json.dumps([round(v, 3) for v in row])}"
                for feat, row in sorted(self.weights.items())]
        lines.append(",\n".join(rows))
        lines.append("}}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_dict(cls, data: dict) -> "LinearModel":
        labels = tuple(data["labels"])
        if labels != LABELS:
            raise ValueError(f"{MODEL_FILE}: labels {labels} differ from {LABELS}")
        return cls(labels, tuple(float(b) for b in data["bias"]), WeightRows.of(data["weights"], len(labels)))


@lru_cache(maxsize=1)
def shipped_model() -> LinearModel:
    """The trained weights in csuite/data, read once per process and kept on disk as a pickle
    (`cached_build`): parsing the JSON into tuples was a tenth of a warm `csuite route`."""
    return cached_build("routing_model", [data_path(MODEL_FILE), Path(__file__)], _read_shipped_model)


def _read_shipped_model() -> LinearModel:
    with open(data_path(MODEL_FILE), encoding="utf-8") as handle:
        return LinearModel.from_dict(json.load(handle))


def featurise(question: str, markers: tuple[re.Pattern[str], ...] | None = None) -> list[str]:
    """The model's features of a raw question, with purpose clauses found by routing.yaml's
    markers (the same ones route() uses) unless `markers` says otherwise."""
    if markers is None:
        markers = build_index().purpose
    text = normalise(question)
    return features(text, purpose_spans(text, markers))


def posterior(question: str, model: LinearModel | None = None,
              markers: tuple[re.Pattern[str], ...] | None = None) -> dict[str, float]:
    """P(target | question) under `model` (default: the shipped one), featurised as at route time."""
    return (model or shipped_model()).posterior(featurise(question, markers))


def arbitrate(chosen: str, margin: float, posterior: dict[str, float], *,
              min_posterior: float, max_margin: float) -> str:
    """The keyword router chose `chosen` with `margin` (0..1). Keep it unless the router was
    unsure (margin < `max_margin`) and the model is confident (P ≥ `min_posterior`) of a
    different target. A pure function of the route and the posterior, so the same rule can be
    replayed over any router version's output (the generalisation benchmark does)."""
    best = max(posterior, key=lambda t: (posterior[t], -LABELS.index(t)))
    if best != chosen and margin < max_margin and posterior[best] >= min_posterior:
        return best
    return chosen
