"""Routing: which advisor answers a question, who is consulted, or who it should go to instead.

The router is offline, deterministic and cheap enough to run on every keystroke: no network, no
numpy. It scores each target (the two roles and the out-of-scope referrals) from three cues:

1. keywords: topic keywords from each role's knowledge YAML and the referral keywords in
   `csuite/data/routing.yaml`. English terms match token by token, by word prefix for tokens
   of four letters or more ("forecast" → "forecasting") and exactly (plus plural) for shorter
   ones, so "arr" never matches "arrive". Chinese terms match as substrings. When matches
   overlap, the longer one wins: "burn multiple" is a CRO term, so its "burn" does not count
   for the CFO, and "customer success" is not also a bare "customer".
2. similarity to example questions: TF-IDF cosine over English word stems and Chinese
   character bigrams, averaged over the best few examples per target. This catches questions
   that never use a keyword ("prospects love the demo and then go dark").
3. weak hints ("revenue", "customer") that only break ties.

A referral wins only when it clearly outscores both roles, so "how much runway do we have if
revenue stays flat" goes to the CFO (runway is specific, revenue is only a hint) while "should
we raise prices before the Series B" stays with the CRO. One exception: an explicit ask for
what another executive owns ("How do I hire a CTO?", "raise a Series B", "帮我找一个CTO";
routing.yaml `asks`) goes to that referral whatever role words surround it. Weights and
thresholds live in routing.yaml, not here.

4. a learned model (csuite.routing.model, weights in csuite/data/routing_model.json) arbitrates
   when the keyword decision is unsure: keyword lists overfit the questions they were written
   for, and replaying older routers on batches written after them shows the model recovering
   a share of their misses (benchmarks/eval_routing_generalisation.py --replay).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from csuite.errors import UsageError
from csuite.roles import REFERRALS, ROLES, Referral, Role  # noqa: F401  (re-exported)
from csuite.routing.index import Ask, Index, Term, Terms, build_index
from csuite.routing.model import arbitrate, features, shipped_model
from csuite.routing.text import (
    normalise,
    purpose_spans,
    similarity_features,
    token_matches,
    tokens,
    unit_vector,
)

if TYPE_CHECKING:  # an annotation only: importing it would bring pydantic into `csuite route`
    from csuite.knowledge.bilingual import Lang


# Route and Match are plain dataclasses, not pydantic models: importing pydantic alone costs more
# than everything else `csuite route` does (issue 19). `as_dict()` gives their JSON form.

@dataclass(frozen=True, kw_only=True)
class Match:
    """One piece of evidence behind a route: a keyword hit, a similar example or an override."""

    target: str
    kind: Literal["keyword", "referral", "hint", "example", "learned", "override", "both", "consult"]
    text: str
    topic: str | None = None
    weight: float


@dataclass(frozen=True, kw_only=True)
class Route:
    """Which advisor answers a question, who is consulted, or where it is referred, and why."""

    question: str
    primary: Role | None
    consult: list[Role] = field(default_factory=list)
    in_scope: bool
    referral: Referral | None = None
    referral_title: str | None = None
    referral_reason: str | None = None
    topic: str | None = None                 # the primary role's best-matching knowledge topic
    topics: list[str] = field(default_factory=list)
    # Best knowledge topics for each in-pack role (consulted or not), from the same keyword and
    # example scores: topics scoring at least half the role's best one, best first, at most 3.
    role_topics: dict[str, list[str]] = field(default_factory=dict)
    scores: dict[str, float]
    matched: list[Match] = field(default_factory=list)
    margin: float                            # (winner − runner-up) ÷ winner, 0..1
    override: Role | None = None

    def as_dict(self) -> dict[str, Any]:
        """The route as JSON-ready data (the `--json` output and the MCP structured content)."""
        return asdict(self)

_OVERRIDE = re.compile(r"(?<![\w@])@(cro|cco)\b", re.IGNORECASE)


# --- matching ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Hit:
    term: Term
    start: int
    end: int


def _keyword_hits(text: str, index: Terms, asks: tuple[Ask, ...] = (), ask_weight: float = 0.0) -> list[_Hit]:
    hits: list[_Hit] = []
    # An explicit ask for another function ("hire a CTO") is one decisive term spanning the whole
    # phrase, so it outlasts the shorter words inside it ("hire", "cto") in _longest().
    for ask in asks:
        for found in ask.finditer(text):
            term = Term(ask.referral, "referral", None, found.group(), ask_weight, zh=found.group(), ask=True)
            hits.append(_Hit(term, found.start(), found.end()))
    spans = tokens(text)
    words = [t for t, _, _ in spans]
    for i, word in enumerate(words):
        candidates: list[Term] = []
        seen_keys: set[str] = set()
        # Prefixes only as long as the longest first token: a 100,000-letter word needs a few
        # dozen lookups, not 100,000 prefixes (which once took gigabytes).
        keys = [word] + [word[:n] for n in range(4, min(len(word), index.longest_first + 1))]
        if word.endswith("es"):
            keys.append(word[:-2])
        if word.endswith("s"):
            keys.append(word[:-1])
        for key in keys:
            if key in seen_keys:
                continue
            seen_keys.add(key)
            candidates.extend(index.en_by_first.get(key, ()))
        for term in candidates:
            n = len(term.tokens)
            if i + n > len(words):
                continue
            if all(token_matches(term.tokens[k], words[i + k]) for k in range(n)):
                hits.append(_Hit(term, spans[i][1], spans[i + n - 1][2]))
    for term in index.zh_terms:
        start = text.find(term.zh)
        while start != -1:
            hits.append(_Hit(term, start, start + len(term.zh)))
            start = text.find(term.zh, start + 1)
    return _longest(hits)


def _longest(hits: list[_Hit]) -> list[_Hit]:
    """One stretch of text means one thing: drop every hit that overlaps a longer hit, and any
    second hit of the same target on text already counted for it ("renew" inside "renewal").
    Different targets matching the very same span all stand (the word is genuinely shared)."""
    hits = sorted(hits, key=lambda h: (-(h.end - h.start), -_covered(h), -h.term.weight, h.start))
    # What is already kept, per character: the longest kept hit over it and the targets counted
    # on it; and the best spelled-out length per exact span. Checking a hit then costs its own
    # length, not the number of hits kept, so the whole pass is linear in the question's length.
    longest: dict[int, int] = {}
    targets: dict[int, set[str]] = {}
    best_on_span: dict[tuple[int, int], int] = {}
    kept: list[_Hit] = []
    for hit in hits:
        length = hit.end - hit.start
        chars = range(hit.start, hit.end)
        if any(longest.get(i, 0) > length or hit.term.target in targets.get(i, ()) for i in chars):
            continue
        # On the very same span, a term spelled out in full beats one that only matches as a
        # prefix: "burnout" is the CHRO's even though "burn" is the CFO's.
        if best_on_span.get((hit.start, hit.end), -1) > _covered(hit):
            continue
        kept.append(hit)
        for i in chars:
            longest[i] = max(longest.get(i, 0), length)
            targets.setdefault(i, set()).add(hit.term.target)
        best_on_span[(hit.start, hit.end)] = max(best_on_span.get((hit.start, hit.end), -1), _covered(hit))
    return kept


def _covered(hit: _Hit) -> int:
    """How many characters of the matched text the term itself spells out."""
    return len(hit.term.zh) if hit.term.zh else sum(len(t) for t in hit.term.tokens)


def _similarities(text: str, index: Index) -> list[tuple[float, str, str | None, str]]:
    # Unseen features get the highest IDF: a rare word in the question still counts in its norm.
    query = unit_vector(similarity_features(text), index.idf, default_idf=max(index.idf.values(), default=1.0))
    if not query:
        return []
    sims = []
    for target, topic, example, vec in index.docs:
        score = sum(v * vec.get(f, 0.0) for f, v in query.items())
        if score > 0:
            sims.append((score, target, topic, example))
    sims.sort(key=lambda s: -s[0])
    return sims


def _theirs(hit: _Hit, text: str, index: Index) -> _Hit:
    """A function the customer has too, named as the customer's ("a customer's CFO", "their IT
    team", "客户的财务团队"), is the buyer or account being described, not the founder's own
    finance, IT or legal question: it counts as an ambiguous (soft) cue. Ledgerline sells to
    finance teams, so their CFOs, auditors and subsidiaries are everyday revenue talk."""
    term = hit.term
    if term.kind != "referral" or term.soft or index.party is None:
        return hit
    if normalise(term.text) not in index.functions:
        return hit
    window = int(index.weights["party_window_chars"])
    if not index.party.search(text[max(0, hit.start - window):hit.start]):
        return hit
    soft = term._replace(soft=True,
                         weight=round(term.weight * index.weights["referral_soft"] / index.weights["referral_strong"], 4))
    return _Hit(soft, hit.start, hit.end)


def _inside(hit: _Hit, spans: list[tuple[int, int]]) -> bool:
    return any(start <= hit.start and hit.end <= end for start, end in spans)


# --- the router -------------------------------------------------------------------------------

def referral_text(referral: str | None, lang: Lang = "en") -> tuple[str, str]:
    """(title, reason) of a referral in `lang`: who an out-of-scope question goes to and why.
    Read from the referral id, so it follows whichever router (offline or model) chose it."""
    text = build_index().referral_texts[referral or "other"]
    return text.title.get(lang), text.reason.get(lang)


def _margin(scores: dict[str, float], chosen: str | None) -> float:
    """(chosen − best other) ÷ chosen, 0..1: how clearly the scores back the chosen target."""
    winner = scores.get(chosen, 0.0) if chosen else 0.0
    runner = max((s for t, s in scores.items() if t != chosen), default=0.0)
    return round(max(0.0, (winner - runner) / winner), 3) if winner > 0 else 0.0


def question_limit() -> int:
    """The longest question accepted, in characters (routing.yaml `max_question_chars`)."""
    return build_index().max_question_chars


def check_question(question: str) -> str:
    """The question, when it is one a founder would ask: not empty, and at most
    `question_limit()` long. UsageError otherwise, for the CLI, the Python API and the MCP
    server alike."""
    if not isinstance(question, str) or not question.strip():
        raise UsageError("the question is empty")
    limit = question_limit()
    if len(question) > limit:
        raise UsageError(f"the question is {len(question):,} characters long; the limit is {limit:,}. Ask it in a "
                         "sentence or two, and put long material in a data file or the company context")
    return question


@dataclass
class _Tally:
    """The scores a question earns, per target and per (target, topic), and the evidence behind them."""

    scores: dict[str, float]
    topic_scores: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    matched: list[Match] = field(default_factory=list)
    both: bool = False                                      # the question asks for both roles
    specific: set[str] = field(default_factory=set)         # referrals with an unambiguous (non-soft) keyword
    mentioned: set[str] = field(default_factory=set)        # referrals with any keyword at all
    worded: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # keywords and hints alone


def route(question: str, *, role_override: str | None = None, model: Any = None) -> Route:
    """Route one question. Pure: same question, same route.

    `model` is the learned component combined with the keyword and example scores (default:
    the shipped weights, csuite/data/routing_model.json); pass `False` for keywords and
    examples alone, or another csuite.routing.model.LinearModel (the leave-one-file-out
    evaluation trains one per held-out file)."""
    check_question(question)
    index = build_index()
    override = _override(question, role_override)
    text = normalise(_OVERRIDE.sub(" ", question))
    ask_weight = round(index.weights["keyword_cap"] * index.weights["referral_decisive"], 4)
    hits = [_theirs(hit, text, index)
            for hit in sorted(_keyword_hits(text, index.terms, index.asks, ask_weight), key=lambda hit: hit.start)]
    outcome = purpose_spans(text, index.purpose)
    tally = _Tally(scores=dict.fromkeys(ROLES + REFERRALS, 0.0))
    _count_keywords(tally, hits, outcome, index)
    _count_examples(tally, text, index)
    scores = {target: round(score, 3) for target, score in tally.scores.items()}
    # An explicit ask for what another executive owns ("How do I hire a CTO?", "帮我找一个CTO")
    # is theirs however much revenue or customer talk surrounds it, unless it only states a
    # purpose ("... so we can hire a CFO later"). Neither the scores nor the learned model
    # overrule it; an @role or --role override does.
    asked_for = next((hit.term.target for hit in hits if hit.term.ask and not _inside(hit, outcome)), None)
    primary, referral, other = _decide(tally, scores, override, asked_for, index)
    # The learned model (csuite.routing.model) arbitrates when the keyword router is unsure:
    # keywords overfit the questions they were written for, the model has seen every labelled
    # question and generalises across wording. When the router's own margin is below
    # `learned_margin` and the model puts at least `learned_min` on a different target, the
    # model's target wins. A confident keyword decision is never overturned, nor is an override.
    if model is not False and not override and not asked_for and index.weights.get("learned_min", 1.0) < 1.0:
        primary, referral, other = _arbitrate(tally, scores, primary, referral, other, text, outcome, model,
                                              index.weights)
    consult = _consult(tally, scores, primary, other, text, index) if primary else []
    role_topics, ranked_by_role = _role_topics(tally.topic_scores, index.decision)
    topics = ranked_by_role[primary] if primary else []
    info = index.referral_info.get(referral or "", {})
    return Route(
        question=question,
        primary=primary,
        consult=consult,
        in_scope=primary is not None,
        referral=referral,
        referral_title=info.get("title"),
        referral_reason=info.get("reason"),
        topic=topics[0] if topics else None,
        topics=topics,
        role_topics=role_topics,
        scores=scores,
        matched=tally.matched,
        margin=_margin(scores, primary or referral),
        override=override,
    )


def _override(question: str, role_override: str | None) -> str | None:
    """The role the founder asked for, by --role (checked) or by an @cro / @cco in the question."""
    override = role_override.lower() if role_override else None
    if override is not None and override not in ROLES:
        raise UsageError(f"--role must be one of: {', '.join(ROLES)} (got '{role_override}')")
    mention = _OVERRIDE.search(question)
    if override is None and mention:
        override = mention.group(1).lower()
    return override


def _count_keywords(tally: _Tally, hits: list[_Hit], outcome: list[tuple[int, int]], index: Index) -> None:
    """Each keyword's weight, once per target and word, to its target and topic.

    Who a question is about is not what it asks. When an unambiguous out-of-scope cue stands
    in the question's main clause ("can we AFFORD it", "written CONSENT", "fully REMOTE"),
    role words that only name the people or parties involved ("the customer success team",
    "an AE", "customers") or sit in a purpose clause ("... so onboarding is faster") count
    for little: the ask belongs to the referral, the revenue or customer words are context."""
    context_scale = index.weights["context_scale"]
    counted: set[tuple[str, str]] = set()
    asked_elsewhere = any(hit.term.kind == "referral" and not hit.term.soft and not _inside(hit, outcome)
                          for hit in hits)
    for hit in hits:
        term = hit.term
        if term.kind == "both":
            tally.both = True
            tally.matched.append(Match(target="both", kind="both", text=term.text, weight=0.0))
            continue
        weight = term.weight
        if term.ask and _inside(hit, outcome):
            # "... so that we can hire a CTO next year": a purpose, not the ask.
            weight = round(weight * context_scale, 4)
        if asked_elsewhere and term.target in ROLES and (
                term.kind == "hint" or normalise(term.text) in index.subjects or _inside(hit, outcome)):
            weight = round(weight * context_scale, 4)
        if term.topic:
            tally.topic_scores[(term.target, term.topic)] += weight
        dedupe = (term.target, term.text.lower())
        if dedupe in counted:
            continue
        counted.add(dedupe)
        tally.scores[term.target] += weight
        tally.worded[term.target] += weight
        if term.kind == "referral":
            tally.mentioned.add(term.target)
            if not term.soft:
                tally.specific.add(term.target)
        tally.matched.append(Match(target=term.target, kind=term.kind, text=term.text, topic=term.topic,
                                   weight=weight))


def _count_examples(tally: _Tally, text: str, index: Index) -> None:
    """Example similarity: per target, the mean of its best `example_top` similarities; per topic,
    a smaller share so the best topic reflects both its keywords and its examples."""
    weights = index.weights
    per_target: dict[str, list[float]] = defaultdict(list)
    best_example: dict[str, tuple[str | None, str]] = {}
    for similarity, target, topic, example in _similarities(text, index):
        if len(per_target[target]) < int(weights["example_top"]):
            per_target[target].append(similarity)
            best_example.setdefault(target, (topic, example))
        if topic and similarity >= weights["example_floor"]:
            tally.topic_scores[(target, topic)] += weights["example"] * similarity * weights["topic_example_share"]
    for target, similarities in per_target.items():
        mean = sum(similarities) / len(similarities)
        if mean >= weights["example_floor"]:
            contribution = weights["example"] * mean
            tally.scores[target] += contribution
            topic, example = best_example[target]
            tally.matched.append(Match(target=target, kind="example", text=example, topic=topic,
                                       weight=round(contribution, 3)))


def _decide(tally: _Tally, scores: dict[str, float], override: str | None, asked_for: str | None,
            index: Index) -> tuple[str | None, str | None, str]:
    """(primary role or None, referral or None, the other role) from the override, an explicit ask
    or the scores."""
    thresholds = index.decision
    lead, other = sorted(ROLES, key=lambda role: (-scores[role], ROLES.index(role)))
    best_ref = sorted(REFERRALS, key=lambda ref: (-scores[ref], REFERRALS.index(ref)))[0]
    if override:
        tally.matched.insert(0, Match(target=override, kind="override", text=f"@{override}", weight=0.0))
        return override, None, "cco" if override == "cro" else "cro"
    if asked_for:
        return None, asked_for, other
    if max(scores[lead], scores[best_ref]) < thresholds["min_score"]:
        # Nothing recognisable. A question that names no other domain at all but does talk about
        # customers or selling ("客户最近投诉变多了") is still ours; otherwise the referral whose
        # own words appear, else "other".
        if not tally.mentioned and tally.worded[lead] >= index.weights["hint"] and scores[lead] >= scores[best_ref]:
            return lead, None, other
        return None, best_ref if best_ref in tally.mentioned else "other", other
    if scores[best_ref] > thresholds["referral_margin"] * scores[lead] and (
            best_ref in tally.specific or scores[lead] < thresholds["min_score"]):
        # Ambiguous words alone ("contract", "budget") never take a question away from a role
        # that recognised it; an unambiguous one ("runway", "indemnification") can.
        return None, best_ref, other
    return lead, None, other


def _arbitrate(tally: _Tally, scores: dict[str, float], primary: str | None, referral: str | None, other: str,
               text: str, outcome: list[tuple[int, int]], model: Any,
               weights: dict[str, float]) -> tuple[str | None, str | None, str]:
    """The learned model's target when the keyword router is unsure and the model is not."""
    posterior = (model or shipped_model()).posterior(features(text, outcome))
    chosen = primary or referral or "other"
    decided = arbitrate(chosen, _margin(scores, chosen), posterior,
                        min_posterior=weights["learned_min"], max_margin=weights["learned_margin"])
    if decided != chosen:
        primary, referral = (decided, None) if decided in ROLES else (None, decided)
        other = "cco" if primary == "cro" else "cro"
    tally.matched.append(Match(target=decided, kind="learned", text=f"P={posterior[decided]:.2f}",
                               weight=round(posterior[decided], 3)))
    return primary, referral, other


def _consult(tally: _Tally, scores: dict[str, float], primary: str, other: str, text: str,
             index: Index) -> list[str]:
    """Consult the other role when the question says both, when it scores close to the primary,
    or when it hits the primary role's own "consult the other role when..." cues."""
    thresholds = index.decision
    cues = [hit.term.text for hit in _keyword_hits(text, index.consult_terms)
            if hit.term.target == primary and hit.term.topic == other]
    if (tally.both
            or (scores[other] >= thresholds["consult_min"]
                and scores[other] >= thresholds["consult_ratio"] * scores[primary])
            or (cues and scores[other] >= thresholds["consult_cue_min"])):
        for cue in cues[:3]:
            tally.matched.append(Match(target=other, kind="consult", text=cue, weight=0.0))
        return [other]
    return []


def _role_topics(topic_scores: dict[tuple[str, str], float],
                 thresholds: dict[str, float]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per role, its best topics (those scoring at least `topic_keep_ratio` of its best one) and
    its top `max_topics` topics, best first."""
    role_topics: dict[str, list[str]] = {}
    ranked_by_role: dict[str, list[str]] = {}
    for role in ROLES:
        ranked = sorted(((score, topic) for (target, topic), score in topic_scores.items()
                         if target == role and score > 0), key=lambda pair: (-pair[0], pair[1]))
        top = ranked[:int(thresholds["max_topics"])]
        ranked_by_role[role] = [topic for _, topic in top]
        role_topics[role] = [topic for score, topic in top if score >= ranked[0][0] * thresholds["topic_keep_ratio"]]
    return role_topics, ranked_by_role
