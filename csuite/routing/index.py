"""The routing index, built once per process from the knowledge YAML and routing.yaml: keyword
terms by target, the TF-IDF vectors of every example question, weights and referral details."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, NamedTuple

from csuite.knowledge.sources import ROLE_FOLDERS, knowledge_path, read_knowledge_yaml
from csuite.resources import cached_build, data_path, load_data_yaml
from csuite.roles import REFERRALS
from csuite.routing.text import (
    CJK_RE,
    alternation,
    normalise,
    similarity_features,
    tokens,
    unit_vector,
)


class Term(NamedTuple):
    """A tuple, not a dataclass: some 2,700 are read from the disk cache at every start, and
    unpickling them as dataclasses took twice as long."""

    target: str
    kind: str          # keyword | referral | hint | both
    topic: str | None
    text: str
    weight: float
    tokens: tuple[str, ...] = ()   # English terms
    zh: str = ""                    # Chinese terms (substring)
    soft: bool = False              # an ambiguous referral term ("contract", "budget")
    ask: bool = False               # an explicit ask for what the referral owns ("hire a CTO")


@dataclass
class Terms:
    en_by_first: dict[str, list[Term]]
    zh_terms: list[Term]
    longest_first: int = 0   # the longest first token: no longer prefix of a word can be a key

    @classmethod
    def of(cls, terms: list[Term]) -> "Terms":
        en_by_first: dict[str, list[Term]] = defaultdict(list)
        zh_terms: list[Term] = []
        for term in terms:
            if term.zh:
                zh_terms.append(term)
            else:
                en_by_first[term.tokens[0]].append(term)
        return cls(dict(en_by_first), zh_terms, max((len(k) for k in en_by_first), default=0))


@dataclass(frozen=True)
class Pair:
    """One text in English and Chinese. Like csuite.knowledge.bilingual.Bilingual, without pydantic:
    the index is read on every `csuite route`, and importing pydantic would double its start-up."""

    en: str
    zh: str

    @classmethod
    def of(cls, raw: Any, where: str) -> "Pair":
        if not isinstance(raw, dict) or set(raw) != {"en", "zh"} or not all(
                isinstance(raw[k], str) and raw[k].strip() for k in ("en", "zh")):
            raise ValueError(f"routing.yaml: {where} needs a non-empty English and Chinese text (en, zh)")
        return cls(raw["en"], raw["zh"])

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class ReferralText:
    """Who an out-of-scope question goes to and why, in English and Chinese (routing.yaml)."""

    title: Pair
    reason: Pair


@dataclass
class Index:
    terms: Terms
    consult_terms: Terms          # each role's "consult the other role when..." cues
    docs: list[tuple[str, str | None, str, dict[str, float]]]   # target, topic, text, unit vector
    idf: dict[str, float]
    weights: dict[str, float]
    decision: dict[str, float]
    referral_info: dict[str, dict[str, str]]        # referral → {title, reason} in English
    referral_texts: dict[str, ReferralText]         # the same in both languages
    subjects: frozenset[str]       # role terms that name who the question is about, not what it asks
    functions: frozenset[str]      # referral terms naming a function a customer has too ("CFO", "IT")
    party: re.Pattern[str] | None  # the customer's or prospect's side, just before such a term
    purpose: tuple[re.Pattern[str], ...]   # where a purpose or outcome clause starts ("so that ...")
    asks: tuple[Ask, ...] = ()     # explicit asks of what a referral owns ("hire a CTO")
    max_question_chars: int = 0    # the longest question accepted (routing.yaml)


def _term_weight(text: str, w: dict[str, float]) -> float:
    if CJK_RE.search(text):
        extra = max(0, len(text.replace(" ", "")) - 2) * w["zh_char_step"]
    else:
        extra = max(0, len(tokens(text)) - 1) * w["phrase_step"]
    return min(w["keyword_cap"], w["keyword"] + extra)


def _make_term(target: str, kind: str, topic: str | None, raw: str, weight: float,
               soft: bool = False) -> Term | None:
    text = normalise(str(raw)).strip()
    if not text:
        return None
    if CJK_RE.search(text):
        return Term(target, kind, topic, str(raw), weight, zh=text, soft=soft)
    words = tuple(t for t, _, _ in tokens(text))
    if not words:
        return None
    return Term(target, kind, topic, str(raw), weight, tokens=words, soft=soft)


def _load_routing_data() -> dict[str, Any]:
    return load_data_yaml("routing.yaml")


def _questions(examples: dict | None) -> list[str]:
    return [str(q) for q in ((examples or {}).get("en") or []) + ((examples or {}).get("zh") or [])]


def example_questions() -> list[tuple[str, str | None, str]]:
    """(target, topic, question) for every example question: role topics from each role's
    knowledge.yaml, referrals from routing.yaml. The router's similarity index and the learned
    model's training data both start from this list."""
    out = [(role, topic["id"], q) for role in ROLE_FOLDERS
           for topic in read_knowledge_yaml(role)["topics"] for q in _questions(topic["examples"])]
    out += [(ref, None, q) for ref, spec in _load_routing_data()["referrals"].items()
            for q in _questions(spec.get("examples"))]
    return out


# Chinese asks may name the object first: "CTO怎么招", "律师去哪找".
_ZH_ASK_BRIDGE = "(?:怎么|如何|要不要|该不该|什么时候|去哪里?|从哪里?|应该|需要|想)?"


@dataclass(frozen=True)
class Ask:
    """An explicit ask for what one referral owns ("hire a CTO", "找CTO"), as a regex source.

    Kept uncompiled: the seven patterns cost five milliseconds to compile, half of a warm
    `csuite route`, and most questions name none of their objects. `needles` are the literal
    first piece of every object; a question containing none of them cannot match, so the
    pattern is compiled (once per process, by `re`'s own cache) only when one appears."""

    referral: str
    source: str
    needles: tuple[str, ...]

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if not any(needle in text for needle in self.needles):
            return iter(())
        return re.compile(self.source).finditer(text)


def _first_piece(word: str) -> str:
    return word if CJK_RE.search(word) else re.split(r"[\s-]+", word)[0]


def _ask_patterns(data: dict[str, Any]) -> tuple[Ask, ...]:
    """One pattern per referral for an explicit ask of what it owns (routing.yaml `asks`)."""
    asks = data.get("asks") or {}

    def words(section: dict | None, lang: str) -> list[str]:
        return [normalise(str(w)).strip() for w in (section or {}).get(lang) or []]

    verbs_en, verbs_zh = words(asks.get("verbs"), "en"), words(asks.get("verbs"), "zh")
    fillers_en, fillers_zh = words(asks.get("fillers"), "en"), words(asks.get("fillers"), "zh")
    out = []
    for referral, objects in (asks.get("objects") or {}).items():
        if referral not in REFERRALS:
            raise ValueError(f"routing.yaml: asks name an unknown referral '{referral}'")
        parts = []
        if words(objects, "en"):
            parts.append(rf"(?<![a-z0-9])(?:{alternation(verbs_en)})(?:\s+(?:{alternation(fillers_en)})){{0,3}}"
                         rf"\s+(?:{alternation(words(objects, 'en'))})(?![a-z0-9])")
        if words(objects, "zh"):
            zh_objects = alternation(words(objects, "zh"))
            parts.append(rf"(?:{alternation(verbs_zh)})(?:{alternation(fillers_zh)})?(?:{zh_objects})(?![a-z0-9])")
            parts.append(rf"(?<![a-z0-9])(?:{zh_objects}){_ZH_ASK_BRIDGE}(?:{alternation(verbs_zh)})")
        needles = {_first_piece(w) for lang in ("en", "zh") for w in words(objects, lang) if w}
        out.append(Ask(referral, "|".join(parts), tuple(sorted(needles))))
    return tuple(out)


@lru_cache(maxsize=1)
def purpose_markers() -> tuple[re.Pattern[str], ...]:
    """Where a purpose or outcome clause starts ("so that ...", "为了"), from routing.yaml."""
    return tuple(re.compile(p) for p in (_load_routing_data().get("context") or {}).get("purpose") or [])


def index_sources() -> list[Path]:
    """The files the index is built from: each role's knowledge.yaml and routing.yaml, and the code
    that builds it (this module and the text normaliser), so a changed shape is never read stale."""
    code = [Path(__file__), Path(__file__).with_name("text.py")]
    return [knowledge_path(role) for role in ROLE_FOLDERS] + [data_path("routing.yaml")] + code


@lru_cache(maxsize=1)
def build_index() -> Index:
    """The routing index, built once and kept on disk (rebuilt when a source YAML changes)."""
    return cached_build("routing_index", index_sources(), _build_index)


def _build_index() -> Index:
    # Raw YAML, not the validated models: the schema is enforced by csuite.knowledge.models and its
    # tests, and skipping pydantic here keeps `csuite route` start-up short.
    knowledge = {role: read_knowledge_yaml(role) for role in ROLE_FOLDERS}
    data = _load_routing_data()
    w = {k: float(v) for k, v in data["weights"].items()}
    terms: list[Term] = []

    def add(target: str, kind: str, topic: str | None, words: dict | None, scale: float,
            soft: bool = False) -> None:
        for lang in ("en", "zh"):
            for raw in (words or {}).get(lang) or []:
                base = w["hint"] if kind == "hint" else _term_weight(normalise(str(raw)), w)
                term = _make_term(target, kind, topic, raw, round(base * scale, 4), soft)
                if term:
                    terms.append(term)

    for role, raw in knowledge.items():
        for topic in raw["topics"]:
            add(role, "keyword", topic["id"], topic["keywords"], 1.0)
    for role, words in (data.get("hints") or {}).items():
        add(role, "hint", None, words, 1.0)
    add("both", "both", None, data.get("both_roles"), 0.0)
    texts: dict[str, ReferralText] = {}
    for ref, spec in data["referrals"].items():
        if ref not in REFERRALS:
            raise ValueError(f"routing.yaml: unknown referral id '{ref}'")
        texts[ref] = ReferralText(title=Pair.of(spec.get("title"), f"referral '{ref}' title"),
                                  reason=Pair.of(spec.get("reason"), f"referral '{ref}' reason"))
    info = {ref: {"title": text.title.en, "reason": text.reason.en} for ref, text in texts.items()}
    for ref, spec in data["referrals"].items():
        add(ref, "referral", None, spec.get("keywords"), w["referral_strong"])
        add(ref, "referral", None, spec.get("soft"), w["referral_soft"], soft=True)
        add(ref, "referral", None, spec.get("decisive"), w["referral_decisive"])
    docs_raw = example_questions()

    bags = [similarity_features(normalise(text)) for _, _, text in docs_raw]
    df: Counter = Counter()
    for bag in bags:
        df.update(bag.keys())
    n = len(bags)
    idf = {f: math.log((n + 1) / (c + 1)) + 1.0 for f, c in df.items()}
    docs = [(t, topic, text, unit_vector(bag, idf)) for (t, topic, text), bag in zip(docs_raw, bags)]
    consult_terms: list[Term] = []
    for role, raw in knowledge.items():
        for consult in raw.get("consults") or []:
            for lang in ("en", "zh"):
                for word in (consult.get("keywords") or {}).get(lang) or []:
                    term = _make_term(role, "consult", consult["role"], word, 0.0)
                    if term:
                        consult_terms.append(term)
    context = data.get("context") or {}
    subjects = frozenset(normalise(str(x)).strip() for lang in ("en", "zh")
                         for x in (context.get("subjects") or {}).get(lang) or [])
    purpose = purpose_markers()
    functions = frozenset(normalise(str(x)).strip() for lang in ("en", "zh")
                          for x in (context.get("functions") or {}).get(lang) or [])
    party = re.compile(context["party"]) if context.get("party") else None
    return Index(Terms.of(terms), Terms.of(consult_terms), docs, idf, w,
                  {k: float(v) for k, v in data["decision"].items()}, info, texts,
                  subjects=subjects, functions=functions, party=party, purpose=purpose,
                  asks=_ask_patterns(data), max_question_chars=int(data["max_question_chars"]))
