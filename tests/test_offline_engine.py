"""The offline engine answers every topic in both roles' knowledge, with and without data."""

from datetime import date

import pytest

from csuite.backends.offline.engine import draft
from csuite.backends.request import DraftRequest
from csuite.checks.verify import verify
from csuite.context.alerts import context_alerts
from csuite.context.parse import load_context
from csuite.evidence.collect import alert_evidence, benchmark_evidence, context_evidence
from csuite.knowledge.models import load_knowledge
from tests.conftest import EXAMPLES

DAY = date(2026, 11, 23)
TOPICS = [(role, topic.id) for role in ("cro", "cco") for topic in load_knowledge(role).topics]


@pytest.fixture(scope="module", params=["with context", "without context"])
def setting(request, tmp_path_factory):
    if request.param == "with context":
        ctx = load_context(EXAMPLES / "company-context.md", as_of=DAY)
    else:
        empty = tmp_path_factory.mktemp("nowhere")
        ctx = load_context(as_of=DAY, cwd=empty, home=empty)
    alerts = context_alerts(ctx)
    evidence = context_evidence(ctx) + alert_evidence(alerts) + benchmark_evidence()
    return ctx, alerts, evidence


@pytest.mark.parametrize("role, topic_id", TOPICS)
def test_every_topic_gets_a_complete_verified_answer(setting, role, topic_id):
    ctx, alerts, evidence = setting
    knowledge = load_knowledge(role)
    topic = knowledge.topic(topic_id)
    request = DraftRequest(question=topic.examples.en[0], role=role, topics=[topic_id], ctx=ctx, alerts=alerts,
                           evidence=evidence, missing_tools=list(topic.tools), as_of=DAY)
    answer = verify(draft(request, knowledge), evidence, ctx=ctx)
    report = answer.verification
    assert report.ungrounded == [] and report.contradictions == [] and report.format_issues == [], report
    assert answer.topics[0] == topic_id and answer.decision.question == topic.decision.question
    assert answer.bottom_line and answer.findings and answer.why and answer.actions
    assert all(a.owner and a.deadline > DAY.isoformat() for a in answer.actions)
    if topic.tools:
        assert answer.questions, "without data the engine asks the diagnostic questions it still needs"
    if not ctx.found:
        assert all(f.tag != "verified" for f in answer.findings)
