"""Role knowledge YAML: schema, and every cross-reference (tools, alerts, benchmarks) exists."""

from __future__ import annotations

import re

import pytest

from csuite.errors import InputError
from csuite.knowledge.models import (
    ROLE_FOLDERS,
    all_knowledge,
    knowledge_path,
    load_knowledge,
    resolve_benchmark,
)
from csuite.knowledge.thresholds import section
from csuite.tools.registry import TOOLS

ROLES = ["cro", "cco"]
CJK = re.compile(r"[\u4e00-\u9fff]")

# Responsibility areas each role's topics must cover (issue 5 / the helper brief).
REQUIRED_TOPICS = {
    "cro": {"revenue_health", "pipeline_forecasting", "win_rate_sales_process", "sales_team_scaling",
            "pricing_packaging", "unit_economics", "nrr_expansion", "churn_revenue",
            "revenue_architecture", "partnerships_channel", "board_revenue_reporting"},
    "cco": {"retention_honesty", "churn_taxonomy", "health_scoring", "segmentation_icp", "cs_coverage",
            "cs_org_next_hire", "onboarding_ttv", "renewals_expansion_handoff",
            "customer_marketing_advocacy", "qbr_executive_sponsors"},
}


def topics(role):
    return load_knowledge(role).topics


@pytest.mark.parametrize("role", ROLES)
def test_schema_loads_and_covers_every_responsibility(role):
    knowledge = load_knowledge(role)
    assert knowledge.role == role
    assert knowledge.persona and knowledge.summary
    assert {t.id for t in knowledge.topics} >= REQUIRED_TOPICS[role]
    assert load_knowledge(role) is knowledge  # cached
    assert knowledge_path(role).parent.name == ROLE_FOLDERS[role]


@pytest.mark.parametrize("role", ROLES)
def test_every_tool_exists_in_the_registry(role):
    for topic in topics(role):
        for tool in topic.tools:
            assert tool in TOOLS, f"{role}.{topic.id}: unknown tool {tool}"


@pytest.mark.parametrize("role", ROLES)
def test_every_alert_id_exists(role):
    alert_ids = set(section("alerts"))
    for topic in topics(role):
        for alert in topic.alerts:
            assert alert in alert_ids, f"{role}.{topic.id}: unknown alert {alert}"


@pytest.mark.parametrize("role", ROLES)
def test_every_benchmark_key_exists(role):
    for topic in topics(role):
        for key in topic.benchmarks:
            assert resolve_benchmark(key) is not None, f"{role}.{topic.id}: {key}"


def test_unknown_benchmark_key_raises():
    with pytest.raises(KeyError):
        resolve_benchmark("no_such_benchmark")
    assert resolve_benchmark("magic_number")["hold_below"] == section("benchmarks")["magic_number"]["hold_below"]
    assert resolve_benchmark("retention_by_stage.growth.grr")["healthy"] == 0.85


@pytest.mark.parametrize("role", ROLES)
def test_each_topic_is_bilingual_and_complete(role):
    for topic in topics(role):
        assert topic.keywords.en and topic.keywords.zh, topic.id
        assert all(CJK.search(k) or k.isupper() for k in topic.keywords.zh), topic.id
        assert all(CJK.search(q) for q in topic.examples.zh), topic.id
        assert all(not CJK.search(q) for q in topic.examples.en), topic.id
        assert 3 <= len(topic.diagnostic_questions) <= 6
        assert all(a.owner and a.deadline_days > 0 for a in topic.actions)
        assert len(topic.decision.options) >= 2 and topic.decision.recommendation
        assert topic.why.count(".") <= 4, f"{topic.id}: why should be 1-3 sentences"


def test_consults_point_at_the_other_role():
    for role, knowledge in all_knowledge().items():
        assert knowledge.consults and all(c.role != role for c in knowledge.consults)


def test_unknown_role_is_an_input_error():
    with pytest.raises(InputError):
        knowledge_path("cfo")


def test_prose_numbers_agree_with_thresholds():
    """Where a topic quotes a thresholds number in prose, it is the YAML's number."""
    cco = load_knowledge("cco")
    coverage = cco.topic("cs_coverage").why
    for model in resolve_benchmark("cs_coverage_calculator.models").values():
        assert f"{model['accounts_per_csm']} " in coverage or f"{model['accounts_per_csm']} (" in coverage
        assert f"${model['arr_per_csm'] / 1e6:g}M" in coverage or f"${model['arr_per_csm'] / 1e3:g}K" in coverage
    assert f"{resolve_benchmark('cs_coverage_calculator.buffer'):.0%}" in coverage
    kill = resolve_benchmark("customer_segmentation_designer.kill_rule")
    recommendation = cco.topic("segmentation_icp").decision.recommendation
    assert f"{kill['max_fit_score']:g}/10" in recommendation
    assert f"first {kill['min_tenure_months']} months" in recommendation
    cro = load_knowledge("cro")
    assert "five months" in cro.topic("sales_team_scaling").why and resolve_benchmark("ae_ramp_months") == 5
