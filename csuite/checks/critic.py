"""Critic pre-screen for high-stakes answers: weakest point, missing perspective, cost if wrong.

Stakes are judged by code from the question and the evidence (thresholds in the YAML's
`critic` section). The offline critic is rule-based; the Claude backend may supply its own
review, which is accepted only if the draft text it quotes is really in the draft.
"""

from __future__ import annotations

import re
from typing import Iterable

from csuite.answer import Answer, CriticReview, Evidence, Finding
from csuite.context.parse import CompanyContext
from csuite.io.numbers import find_mentions, format_money
from csuite.knowledge.thresholds import section

# A head count is a number followed (within two words) by a word for people: "hire 20 more sales
# reps", "cut 12 engineers", "招20个销售". Money, percentages and years never count as people.
_PEOPLE = re.compile(
    r"(?<![\d.,$])(?P<n>\d+)(?![\d.,%])\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:people|persons?|reps?|aes?|account executives?|csms?|engineers?|sdrs?|bdrs?|heads?|hires?|"
    r"employees?|managers?|staff)\b"
    r"|(?P<zh>\d+)\s*(?:名|位|个)[\u4e00-\u9fff]{0,4}?(?:人|销售|员工|工程师|客户经理|客户成功)",
    re.I)


def _phrase_hit(text: str, phrases: dict[str, list[str]]) -> str | None:
    lowered = text.lower()
    for phrase in phrases.get("en", []):
        if re.search(rf"(?<![\w]){re.escape(phrase.lower())}", lowered):
            return phrase
    for phrase in phrases.get("zh", []):
        if phrase in text:
            return phrase
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
    people = [int(m.group("n") or m.group("zh")) for m in _PEOPLE.finditer(question)]
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


def offline_review(answer: Answer, stakes: list[str], ctx: CompanyContext | None) -> CriticReview:
    """A rule-based executive-mentor screen over a verified draft."""
    weakest = _weakest(answer.findings)
    if weakest is not None and weakest.tag != "verified":
        basis = "an assumption" if weakest.tag == "assumed" else "a benchmark or threshold rather than your data"
        point = f"'{weakest.text}' rests on {basis}, yet it shapes the recommendation"
        quote = weakest.text
    elif answer.decision and answer.decision.recommendation:
        point = "the recommendation assumes the trend in your data continues; nothing here tests that"
        quote = answer.decision.recommendation
    else:
        point, quote = "the bottom line is not tied to a decision you can act on", answer.bottom_line
    missing = _missing_perspective(stakes, answer)
    cost = _cost_if_wrong(stakes, answer)
    failures = answer.verification
    if failures.assumed_share > 0.5 or failures.contradictions:
        verdict = "rethink"
    elif (weakest is not None and weakest.tag == "assumed") or ctx is None or not ctx.found or ctx.stale \
            or not failures.passed:
        verdict = "address"
    else:
        verdict = "proceed"
    return CriticReview(stakes=stakes, weakest_point=point, quote=quote, missing_perspective=missing,
                        cost_if_wrong=cost, verdict=verdict)


def _missing_perspective(stakes: list[str], answer: Answer) -> str:
    text = " ".join(stakes)
    if "runway" in text:
        return "the CFO's view: cash, burn and what this spend displaces"
    if "headcount" in text:
        return "hiring capacity: who recruits, onboards and manages this many new people at once"
    if "external commitment" in text:
        return "legal and the CFO: terms you cannot unwind once signed"
    other = {"cro": "the CCO's view of what this does to retention and customer load",
             "cco": "the CRO's view of what this does to bookings and pipeline"}
    return other.get(answer.role or "", "the founder's own read of the team's capacity to execute")


def _cost_if_wrong(stakes: list[str], answer: Answer) -> str:
    if stakes:
        return f"This {stakes[0]}; if the premise is wrong the cost is months of runway or team morale, not a memo."
    return "Low: the recommendation can be reversed within a quarter."


def revise(answer: Answer, review: CriticReview) -> Answer:
    """The one revision a critic verdict earns: the weakest point becomes a stated risk, and a
    'rethink' turns the recommendation into a gated one."""
    if review.verdict == "proceed":
        return answer
    risks = [f"Critic: {review.weakest_point}."] + [r for r in answer.risks]
    update: dict = {"risks": risks[:5]}
    if review.verdict == "rethink" and answer.decision is not None:
        update["decision"] = answer.decision.model_copy(update={
            "recommendation": "Do not commit yet: first replace the assumptions above with your own numbers "
                              f"({review.missing_perspective}). Then: {answer.decision.recommendation}"})
    review.revised = True
    return answer.model_copy(update=update)


def quote_in_draft(review: CriticReview, answer: Answer) -> bool:
    """A critic issue must quote the draft; one that does not is about some other answer."""
    if not review.quote.strip():
        return False
    haystack = " ".join([answer.bottom_line, *(f.text for f in answer.findings), *(f.so_what for f in answer.findings),
                         *answer.why, *(a.action for a in answer.actions), *answer.risks,
                         answer.decision.recommendation if answer.decision else ""])
    normalise = lambda s: re.sub(r"\s+", " ", s).strip().lower()  # noqa: E731
    return normalise(review.quote) in normalise(haystack)
