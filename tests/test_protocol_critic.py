"""Invocation protocol (no self-calls, no cycles, depth ≤ 2) and critic stakes and screen."""

from datetime import date

import pytest

from csuite.answer import Answer, Decision, Finding
from csuite.checks.critic import assess_stakes, offline_review, quote_in_draft, revise
from csuite.checks.protocol import (
    Invocation,
    check_invocation,
    parse_invocations,
    strip_invocations,
)
from csuite.checks.verify import verify
from csuite.context.parse import parse_context
from tests.conftest import EXAMPLES

CTX = parse_context((EXAMPLES / "company-context.md").read_text(), as_of=date(2026, 11, 23), path="c.md")


def test_parse_and_strip_invocations():
    text = "Check this [INVOKE:cco|Is GRR below 85%?] and [INVOKE:CFO|runway?]"
    calls = parse_invocations(text)
    assert [(c.role, c.question) for c in calls] == [("cco", "Is GRR below 85%?"), ("cfo", "runway?")]
    assert strip_invocations(text) == "Check this  and"


def test_invocation_rules():
    ok = check_invocation(Invocation(role="cco", question="q"), ["cro"])
    assert ok.allowed and ok.chain == ["cro", "cco"]
    self_call = check_invocation(Invocation(role="cro", question="q"), ["cro"])
    assert not self_call.allowed and "itself" in self_call.reason
    circular = check_invocation(Invocation(role="cro", question="q"), ["cro", "cco"])
    assert not circular.allowed and "circular" in circular.reason
    outside = check_invocation(Invocation(role="cfo", question="runway?"), ["cro"])
    assert not outside.allowed and "refer" in outside.reason
    assert "Assumed without the CFO's view" in outside.assumption


def test_depth_limit():
    deep = check_invocation(Invocation(role="cco", question="q"), ["x", "cro"])
    assert not deep.allowed and "depth" in deep.reason


def test_stakes_triggers():
    assert assess_stakes("What is our win rate trend?", ctx=CTX, evidence=[]) == []
    team = assess_stakes("Should we hire 20 more reps?", ctx=CTX, evidence=[])
    assert team and "20 roles against a team of 46" in team[0]
    assert assess_stakes("Should we hire 10 more reps?", ctx=CTX, evidence=[]) == []  # 10 < 30% of 46
    assert any("strategy change" in s for s in assess_stakes("Should we pivot to enterprise?", ctx=CTX, evidence=[]))
    assert any("external commitment" in s for s in assess_stakes("Should we sign a reseller partnership?",
                                                                  ctx=CTX, evidence=[]))
    assert any("strategy change" in s for s in assess_stakes("我们要不要转型做大客户？", ctx=CTX, evidence=[]))


def _answer(*findings: Finding) -> Answer:
    return Answer(question="q", role="cro", bottom_line="Hire four AEs.", findings=list(findings),
                  decision=Decision(question="Hire now?", recommendation="Hire four AEs by February."))


def test_offline_review_verdicts_and_one_revision():
    assumed = Finding(text="Win rates will double", so_what="so capacity doubles too")
    draft = verify(_answer(assumed, Finding(text="Magic", so_what="so what indeed")), [], ctx=CTX)
    review = offline_review(draft, ["a strategy change ('pivot')"], CTX)
    assert review.verdict == "rethink" and quote_in_draft(review, draft)
    revised = revise(draft, review)
    # the weakest point is said once, in the critic's block, not again as a risk
    assert review.revised and revised.risks == draft.risks
    assert revised.decision.recommendation.startswith("Do not commit yet")


def test_quote_not_in_draft_is_rejected():
    draft = _answer(Finding(text="NRR is 104%", so_what="so the base grows"))
    review = offline_review(draft, ["x"], CTX).model_copy(update={"quote": "something the draft never said"})
    assert not quote_in_draft(review, draft)


@pytest.mark.parametrize("question", ["Should we add $50K to the marketing budget?", "What is our hiring plan for 2027?",
                                      "How do we cut churn by 10%?"])
def test_money_years_and_percentages_are_not_head_counts(question):
    small = CTX.model_copy(update={"metrics": CTX.metrics.model_copy(update={"team_size": 20})})
    assert not any("roles" in s for s in assess_stakes(question, ctx=small, evidence=[]))


def test_spend_against_runway_uses_the_quarterly_burn():
    from csuite.answer import Evidence

    burn = Evidence(id="revenue_metrics.metrics.burn_multiple.inputs.net_burn", label="net burn", value=1_190_000,
                    unit="usd", source="revenue_metrics", kind="founder_data")
    # monthly burn 1,190,000 / 3 = 396,667; runway 22 months → about 8.73M of cash; 20% of it ≈ 1.75M
    assert any("runway" in s for s in assess_stakes("Should we spend $2M on an events team?", ctx=CTX, evidence=[burn]))
    assert not any("runway" in s for s in assess_stakes("Should we spend $1.5M on it?", ctx=CTX, evidence=[burn]))


def test_a_rethink_says_what_sends_it_back():
    """A draft that states an NRR the context contradicts is sent back, and the weakest point
    names the contradiction (never "only as current as your data" beside a 🛑)."""
    draft = verify(_answer(Finding(text="NRR is 91%", so_what="so the base shrinks")), [], ctx=CTX)
    assert draft.verification.contradictions   # the example context says NRR 104%
    review = offline_review(draft, ["a strategy change ('pivot')"], CTX)
    assert review.verdict == "rethink"
    assert "contradicts" in review.weakest_point and "NRR" in review.weakest_point
