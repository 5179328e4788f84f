"""Critic pre-screen for high-stakes answers: weakest point, missing perspective, cost if wrong.

Stakes are judged by code from the question and the evidence (thresholds in the YAML's
`critic` section). The offline critic is rule-based; the Claude backend may supply its own
review, which is accepted only if the draft text it quotes is really in the draft.
"""

from __future__ import annotations

import re
from typing import Iterable

from csuite.analysis.models import Brief, Point
from csuite.analysis.writer import write
from csuite.answer import Answer, CriticReview, Evidence, Finding, shown_in
from csuite.checks.verify import mask_names
from csuite.context.parse import CompanyContext
from csuite.io.numbers import find_mentions, format_money, matches, numeric_values
from csuite.knowledge.phrases import has_phrase, phrase
from csuite.knowledge.thresholds import section
from csuite.understand.catalogue import load_catalogue

# A head count is a number followed (within two words) by a word for people: "hire 20 more sales
# reps", "cut 12 engineers", "招20个销售". Money, percentages and years never count as people.
PEOPLE = (
    r"(?<![\d.,$])(?P<n>\d+)(?![\d.,%])\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:people|persons?|reps?|aes?|account executives?|csms?|engineers?|sdrs?|bdrs?|heads?|hires?|"
    r"employees?|managers?|staff)\b"
    r"|(?P<zh>\d+)\s*(?:名|位|个)[\u4e00-\u9fff]{0,4}?(?:人|销售|员工|工程师|客户经理|客户成功)")


def head_counts(question: str) -> list[int]:
    """Every head count in the question. Each has a digit (the pattern's digits are the characters
    str.isdecimal accepts), and the pattern takes 2 ms to compile: a question without a digit
    compiles nothing."""
    if not any(c.isdecimal() for c in question):
        return []
    return [int(m.group("n") or m.group("zh")) for m in re.finditer(PEOPLE, question, re.I)]


def _phrase_hit(text: str, phrases: dict[str, list[str]]) -> str | None:
    lowered = text.lower()
    for term in phrases.get("en", []):
        # the term is written as is in every match: without it there is nothing to compile
        if term.lower() in lowered and re.search(rf"(?<![\w]){re.escape(term.lower())}", lowered):
            return term
    for term in phrases.get("zh", []):
        if term in text:
            return term
    return None


# revenue_metrics works in quarters: its net burn is per quarter.
_QUARTERLY_BURN = "revenue_metrics.metrics.burn_multiple.inputs.net_burn"


def _monthly_burn(evidence: Iterable[Evidence]) -> float | None:
    """Net burn per month from a revenue_metrics run on the founder's file, if there was one."""
    for item in evidence:
        if item.id == _QUARTERLY_BURN and item.kind == "founder_data" and isinstance(item.value, (int, float)):
            return float(item.value) / 3
    return None


def assess_stakes(question: str, *, ctx: CompanyContext | None, evidence: Iterable[Evidence],
                  consulted: Iterable[str] = (), decision_text: str = "") -> list[str]:
    """Reasons this answer is high stakes; empty when it is not."""
    rules = section("critic")
    evidence = list(evidence)
    reasons: list[str] = []
    team = ctx.metrics.team_size if ctx is not None and ctx.found else None
    people = head_counts(question)
    if team and people and max(people) > rules["team_share"] * team:
        reasons.append(f"changes {max(people)} roles against a team of {team} "
                       f"(more than {rules['team_share']:.0%} of headcount)")
    runway = ctx.metrics.runway_months if ctx is not None and ctx.found else None
    burn = _monthly_burn(evidence)
    spend = max((m.value for m in find_mentions(question) if m.kind == "money"), default=None)
    if spend and runway and burn:
        cash = runway * burn
        if spend > rules["spend_share_of_runway"] * cash:
            reasons.append(f"spends {format_money(spend)}, more than {rules['spend_share_of_runway']:.0%} of the "
                           f"roughly {format_money(cash)} of remaining runway")
    hit = _phrase_hit(question, rules["strategy_change"])
    if hit:
        reasons.append(f"a strategy change ('{hit}')")
    hit = _phrase_hit(question, rules["external_commitment"])
    if hit:
        reasons.append(f"an external commitment ('{hit}')")
    if list(consulted) and decision_text and (people or spend or reasons):
        reasons.append("both roles back one consequential call")
    return reasons


def _weakest(findings: list[Finding]) -> Finding | None:
    rank = {"assumed": 0, "medium": 1, "verified": 2}
    return min(findings, key=lambda f: rank[f.tag]) if findings else None


def _stated(text: str, figures: Iterable[str], pool: dict[str, Evidence], names: Iterable[str]) -> bool:
    """Whether `text` states at least one of the figures (their numbers, as written anywhere)."""
    found = find_mentions(mask_names(text, names))
    for figure_id in figures:
        item = pool.get(figure_id)
        if item is not None and any(matches(m, numeric_values(item.value)) for m in found):
            return True
    return False


def contrary_points(brief: Brief | None) -> list[Point]:
    return [p for p in (brief.points if brief else []) if p.against]


def offline_review(answer: Answer, stakes: list[str], ctx: CompanyContext | None, brief: Brief | None = None,
                   pool: dict[str, Evidence] | None = None) -> CriticReview:
    """A rule-based executive-mentor screen over a verified draft. It checks the verdict against
    the contrary evidence the run computed (hiring while the magic number is under its line): a
    bottom line that goes ahead without naming that evidence is sent back (`rethink`)."""
    lang = answer.language
    pool = shown_in(pool or {e.id: e for e in answer.evidence}, lang)
    against = contrary_points(brief)
    ignored = [p for p in against if not _stated(answer.bottom_line + " " + (answer.decision.recommendation
                                                                              if answer.decision else ""),
                                                  p.figures.values(), pool, answer.names)]
    weakest = _weakest(answer.findings)
    if ignored:
        sentence = write(ignored[0], lang, pool, suffix=".text").text
        point = phrase("critic.ignores_contrary", lang).format(evidence=sentence)
        quote = answer.bottom_line
        verdict = "rethink"
    elif weakest is not None and weakest.tag == "assumed":
        point = phrase("critic.rests_on_assumption", lang).format(text=weakest.text)
        quote, verdict = weakest.text, "address"
    elif against:
        sentence = write(against[0], lang, pool, suffix=".text").text
        point = _decision_text("contrary_named", answer.decision_id, lang).format(evidence=sentence)
        quote, verdict = answer.bottom_line, "proceed"
    else:
        point = phrase("critic.rests_on_data", lang).format(
            when=ctx.last_updated.isoformat() if ctx is not None and ctx.found and ctx.last_updated else "—")
        quote, verdict = answer.bottom_line, "proceed"
    failures = answer.verification
    if failures.assumed_share > 0.5 or failures.contradictions:
        # the point is what sends it back, so "rethink" never stands beside a point that agrees
        point = phrase("critic.contradicted", lang).format(issue=failures.contradictions[0]) \
            if failures.contradictions else phrase("critic.mostly_assumed", lang)
        verdict = "rethink"
    elif verdict == "proceed" and (ctx is None or not ctx.found or ctx.stale or not failures.passed):
        # the point says why it is not a clean go: the context, or what verification had to correct
        point = phrase("critic.no_context" if ctx is None or not ctx.found else "critic.stale_context" if ctx.stale
                       else "critic.corrected", lang)
        verdict = "address"
    return CriticReview(stakes=stakes, weakest_point=point, quote=quote, missing_perspective=_missing_perspective(
        stakes, answer), cost_if_wrong=_cost_if_wrong(stakes, answer), verdict=verdict)


def _decision_text(key: str, decision: str | None, lang: str) -> str:
    """A critic sentence in the words of the decision asked (`critic.<key>.<decision>`), else the
    general one: 'going ahead' fits a hire, not a board deck."""
    specific = f"critic.{key}.{decision}"
    return phrase(specific if decision and has_phrase(specific) else f"critic.{key}.any", lang)


def _missing_perspective(stakes: list[str], answer: Answer) -> str:
    """Whose view the answer lacks: what the stakes name (runway, headcount, a commitment), else
    the view the decision asked needs most (thresholds.yaml `critic.perspective_by_decision`),
    else the other role's."""
    text = " ".join(stakes)
    lang = answer.language
    if "runway" in text:
        return phrase("critic.perspective.cfo", lang)
    if "headcount" in text:
        return phrase("critic.perspective.hiring", lang)
    if "external commitment" in text:
        return phrase("critic.perspective.legal", lang)
    by_decision = section("critic").get("perspective_by_decision", {})
    if answer.decision_id in by_decision:
        return phrase(f"critic.perspective.{by_decision[answer.decision_id]}", lang)
    return phrase(f"critic.perspective.{answer.role or 'founder'}", lang)


def _cost_if_wrong(stakes: list[str], answer: Answer) -> str:
    """What a wrong call costs, naming the decision in the answer's language when the catalogue
    knows it (the stakes themselves are the code's English, kept in the JSON)."""
    lang = answer.language
    if not stakes:
        return phrase("critic.cost_low", lang)
    entry = next((d for d in load_catalogue().decisions if d.id == answer.decision_id), None)
    stake = phrase("critic.stake_decision", lang).format(title=entry.title.get(lang)) if entry is not None \
        and entry.stakes == "high" else stakes[0] if lang == "en" else phrase("critic.stake_other", lang)
    return phrase("critic.cost_high", lang).format(stake=stake)


def revise(answer: Answer, review: CriticReview, brief: Brief | None = None,
           pool: dict[str, Evidence] | None = None) -> Answer:
    """The one revision a critic verdict earns: a bottom line that ignored contrary evidence now
    opens with it, and a 'rethink' gates the recommendation. The weakest point is said once, in
    the critic's own block (`critic`), not repeated as a risk."""
    if review.verdict == "proceed":
        return answer
    lang = answer.language
    pool = shown_in(pool or {e.id: e for e in answer.evidence}, lang)
    update: dict = {}
    ignored = [p for p in contrary_points(brief)
               if not _stated(answer.bottom_line, p.figures.values(), pool, answer.names)]
    if review.verdict == "rethink" and ignored:
        sentence = write(ignored[0], lang, pool, suffix=".text").text
        update["bottom_line"] = phrase("critic.but", lang).format(evidence=sentence, rest=answer.bottom_line)
    if review.verdict == "rethink" and answer.decision is not None:
        update["decision"] = answer.decision.model_copy(update={"recommendation": phrase(
            "critic.gated", lang).format(perspective=review.missing_perspective,
                                         recommendation=answer.decision.recommendation)})
    review.revised = bool(update)
    return answer.model_copy(update=update) if update else answer


def quote_in_draft(review: CriticReview, answer: Answer) -> bool:
    """A critic issue must quote the draft; one that does not is about some other answer."""
    if not review.quote.strip():
        return False
    haystack = " ".join([answer.bottom_line, *(f.text for f in answer.findings), *(f.so_what for f in answer.findings),
                         *answer.why, *(a.action for a in answer.actions), *answer.risks,
                         answer.decision.recommendation if answer.decision else ""])
    normalise = lambda s: re.sub(r"\s+", " ", s).strip().lower()  # noqa: E731
    return normalise(review.quote) in normalise(haystack)
