"""Every human-readable text in the pack's YAML is one entry with two texts, `{en, zh}`: no entry
lacks its Chinese, the Chinese reads as Chinese, and both texts state the same numbers. The
loaders give English by default and Chinese when asked, with the numbers unchanged."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from csuite.context.alerts import context_alerts, evaluate_alerts
from csuite.context.parse import parse_context
from csuite.knowledge.bilingual import Bilingual, in_language
from csuite.knowledge.models import load_bilingual_knowledge, load_knowledge
from csuite.knowledge.thresholds import alert_rules, alert_text, bilingual_alert_rules
from csuite.routing.router import referral_text, route
from csuite.tools import cs_coverage_calculator as cov
from csuite.tools import cs_next_hire as nh
from csuite.tools.texts import churn_category_label, cs_role_title
from csuite.tools import customer_segmentation_designer as seg
from csuite.tools import retention_decomposition_analyzer as rda
from tests.bilingual_checks import numbers, reads_as_chinese
from tests.conftest import EXAMPLES, ROOT

DATA = ROOT / "csuite" / "data"

# File → the keys whose values are prose (each a {en, zh} pair, or a list / mapping of pairs).
# A key listed here holding a plain string is an entry that lacks its Chinese text.
PROSE: dict[Path, set[str]] = {
    ROOT / "skills/cro-advisor/knowledge.yaml": {
        "title", "summary", "persona", "when", "why", "diagnostic_questions", "action", "owner",
        "question", "option", "tradeoff", "recommendation"},
    ROOT / "skills/chief-customer-officer-advisor/knowledge.yaml": {
        "title", "summary", "persona", "when", "why", "diagnostic_questions", "action", "owner",
        "question", "option", "tradeoff", "recommendation"},
    DATA / "thresholds.yaml": {"why", "action", "finding", "tier_labels", "engagement", "label", "alert_text"},
    DATA / "routing.yaml": {"title", "reason"},
    DATA / "cs_next_hire.yaml": {"title", "owns", "does_not_own", "description"},
    DATA / "churn_taxonomy.yaml": {"label", "description"},
    DATA / "tool_texts.yaml": {"labels", "terms", "phrases", "messages"},
}


def _is_pair(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("en"), str)


def _prose_values(node: Any, keys: set[str], path: str = "") -> list[tuple[str, Any]]:
    """(where, value) for every value held under a prose key, lists and mappings of pairs opened."""
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict) and not _is_pair(node):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if key in keys:
                found += _leaves(value, where)
            else:
                found += _prose_values(value, keys, where)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += _prose_values(item, keys, f"{path}[{i}]")
    return found


def _leaves(value: Any, where: str) -> list[tuple[str, Any]]:
    if _is_pair(value) or not isinstance(value, (dict, list)):
        return [(where, value)]
    items = value.items() if isinstance(value, dict) else enumerate(value)
    return [leaf for key, item in items for leaf in _leaves(item, f"{where}.{key}")]


def _pairs(node: Any, path: str = "") -> list[tuple[str, dict[str, str]]]:
    """Every {en, zh} text in a YAML tree (keyword and example lists are {en: [...]}, not texts)."""
    if _is_pair(node):
        return [(path, node)]
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _pairs(v, f"{path}.{k}" if path else str(k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _pairs(v, f"{path}[{i}]")]
    return []


@pytest.fixture(scope="module", params=sorted(PROSE, key=str), ids=lambda p: p.name if p.parent.name == "data"
                else p.parent.name)
def yaml_file(request) -> tuple[Path, Any]:
    return request.param, yaml.safe_load(request.param.read_text(encoding="utf-8"))


def test_no_entry_lacks_its_chinese_text(yaml_file):
    path, data = yaml_file
    values = _prose_values(data, PROSE[path])
    assert values, f"{path.name}: no prose found (the key list is out of date)"
    untranslated = [where for where, value in values if not _is_pair(value) or not str(value.get("zh") or "").strip()]
    assert not untranslated, f"{path.name}: entries without Chinese text: {untranslated[:10]}"


def test_every_pair_is_exactly_two_texts(yaml_file):
    path, data = yaml_file
    for where, pair in _pairs(data):
        assert set(pair) == {"en", "zh"} and isinstance(pair["zh"], str), f"{path.name} {where}: {pair}"
        Bilingual.model_validate(pair)


def test_chinese_texts_are_chinese(yaml_file):
    path, data = yaml_file
    english = [f"{where}: {pair['zh']}" for where, pair in _pairs(data) if not reads_as_chinese(pair["zh"], pair["en"])]
    assert not english, f"{path.name}: Chinese texts that do not read as Chinese: {english[:10]}"


def test_both_texts_of_an_entry_state_the_same_numbers(yaml_file):
    path, data = yaml_file
    differ = [f"{where}: en {sorted(numbers(p['en']))} zh {sorted(numbers(p['zh']))}"
              for where, p in _pairs(data) if numbers(p["en"]) != numbers(p["zh"])]
    assert not differ, f"{path.name}: numbers differ between the two texts: {differ[:10]}"


def test_the_checks_catch_what_they_are_for():
    # An English sentence passed off as Chinese, a translation that changed a number, and the
    # acronym-only owner that is legitimately the same in both languages.
    assert not reads_as_chinese("Below 100% NRR the base shrinks", "Below 100% NRR the base shrinks")
    assert reads_as_chinese("净收入留存率 NRR 低于 100%，存量客户盘每年都在缩水")
    assert reads_as_chinese("CRO", "CRO") and not reads_as_chinese("CRO", "Sales managers")
    assert reads_as_chinese("连续 {steps} 个周期下降") and reads_as_chinese("；", "; ")
    assert numbers("tier it by ARR: strategic from $150K, 1,500 accounts") == {"150", "1500"}
    assert numbers("超过 15% 的客户") != numbers("above 20% of ARR")
    plain = {"title": "Chief Revenue Officer", "topics": [{"why": {"en": "x", "zh": "某"}}]}
    assert [w for w, v in _prose_values(plain, {"title", "why"}) if not _is_pair(v)] == ["title"]


# --------------------------------------------------------------------------- loaders


@pytest.mark.parametrize("role", ["cro", "cco"])
def test_knowledge_in_either_language_with_the_same_structure(role):
    english, chinese, both = load_knowledge(role), load_knowledge(role, "zh"), load_bilingual_knowledge(role)
    assert english == load_knowledge(role, "en")
    assert english.title == both.title.en and chinese.title == both.title.zh
    for en_topic, zh_topic in zip(english.topics, chinese.topics):
        assert (en_topic.id, en_topic.keywords, en_topic.benchmarks, en_topic.alerts) == \
               (zh_topic.id, zh_topic.keywords, zh_topic.benchmarks, zh_topic.alerts)
        assert reads_as_chinese(zh_topic.why) and not reads_as_chinese(en_topic.why)
        assert [a.deadline_days for a in en_topic.actions] == [a.deadline_days for a in zh_topic.actions]
        assert numbers(en_topic.decision.recommendation) == numbers(zh_topic.decision.recommendation)


def test_a_missing_translation_is_a_load_error():
    from csuite.knowledge.models import RoleKnowledge

    raw = yaml.safe_load((ROOT / "skills/cro-advisor/knowledge.yaml").read_text(encoding="utf-8"))
    raw["topics"][0]["why"] = {"en": raw["topics"][0]["why"]["en"]}
    with pytest.raises(ValueError, match="zh"):
        RoleKnowledge[Bilingual].model_validate(raw)
    # The one-language view reads the same pairs: a half pair is no text in either language.
    with pytest.raises(ValueError, match="topics.0.why"):
        RoleKnowledge[str].model_validate(in_language(raw, "en"))


def test_alert_rules_in_either_language():
    both = bilingual_alert_rules()
    assert alert_rules() == alert_rules("en")
    for alert_id, rule in alert_rules("zh").items():
        assert rule.why == both[alert_id].why.zh and rule.conditions == both[alert_id].conditions
        assert alert_rules()[alert_id].why == both[alert_id].why.en


# Metrics that fire every alert at once (values chosen past each line in thresholds.yaml).
FIRING = {"nrr": 1.04, "grr": 0.83, "pipeline_coverage": 2.4, "largest_customer_share": 0.18,
          "last_pricing_review": date(2024, 6, 1), "win_rate": [0.31, 0.28, 0.25],
          "nrr_trend": [1.10, 1.06, 1.04], "magic_number": 0.4, "cac_payback_months": 27,
          "reps_at_quota": 0.4, "forecast_accuracy": 0.7, "logo_retention": 0.8, "contraction": 0.06,
          "context_age_days": 120}


def test_every_alert_speaks_both_languages_with_the_same_numbers():
    fired = evaluate_alerts(FIRING, as_of=date(2026, 11, 23))
    # nrr_below_100 cannot fire with NRR 104%; every other alert does.
    assert {a.id for a in fired} == set(alert_rules()) - {"nrr_below_100"}
    for alert in fired:
        chinese = alert.in_language("zh")
        assert (alert.lang, chinese.lang) == ("en", "zh")
        assert (chinese.id, chinese.value, chinese.threshold) == (alert.id, alert.value, alert.threshold)
        for field in ("message", "why", "action"):
            en_text, zh_text = getattr(alert, field), getattr(chinese, field)
            assert reads_as_chinese(zh_text), f"{alert.id}.{field}: {zh_text}"
            assert numbers(en_text) == numbers(zh_text), f"{alert.id}.{field}: {en_text} | {zh_text}"
        assert chinese.in_language("en") == alert


def test_alert_message_wording():
    (grr,) = evaluate_alerts({"grr": 0.83}, as_of=date(2026, 1, 1))
    # English is unchanged: the metric's identifier, its value, the line.
    assert grr.message == "grr 83% (< 85%)"
    assert grr.texts.message.zh == "毛收入留存率 GRR 83%（低于 85%）"
    (payback,) = evaluate_alerts({"cac_payback_months": 27}, as_of=date(2026, 1, 1))
    assert payback.message == "cac_payback_months 27 months (> 24 months)"
    assert payback.texts.message.zh == "获客成本回收期 27 个月（高于 24 个月）"
    (falling,) = evaluate_alerts({"win_rate": [0.31, 0.28, 0.25]}, as_of=date(2026, 1, 1))
    assert falling.texts.message.zh == "赢单率 31% → 28% → 25%（连续 2 个周期下降）"
    assert set(alert_text().metrics) >= {c.metric for r in alert_rules().values() for c in r.conditions}


def test_context_alerts_in_chinese():
    ctx = parse_context((EXAMPLES / "company-context.md").read_text(encoding="utf-8"), as_of=date(2026, 11, 23))
    english, chinese = context_alerts(ctx), context_alerts(ctx, "zh")
    assert [a.id for a in english] == [a.id for a in chinese]
    assert all(a.lang == "zh" and reads_as_chinese(a.message) for a in chinese)


def test_referral_texts_follow_the_referral():
    routed = route("How much runway do we have if revenue stays flat?")
    assert routed.referral == "cfo"
    assert referral_text(routed.referral) == (routed.referral_title, routed.referral_reason)
    title, reason = referral_text(routed.referral, "zh")
    assert title == "CFO / 财务" and reads_as_chinese(reason)
    assert referral_text(None, "zh")[0] == "不在两位顾问的职责范围内"


def test_cs_roles_taxonomy_tiers_and_models_in_chinese():
    assert cs_role_title("implementation_manager") == "Implementation Manager"
    assert cs_role_title("implementation_manager", "zh") == "实施经理"
    duties = nh.role_text("csm")
    assert [d.en for d in duties.owns][0] == "adoption and value realisation after go-live"
    assert churn_category_label("product_fit", "zh") == "产品不匹配"
    # A churn reason written as a category's Chinese label is that category.
    assert rda.classify_reason("输给竞品") == "competitor_loss"
    assert seg.tier_label("long_tail") == "Long tail" and seg.tier_label("long_tail", "zh") == "长尾客户"
    assert reads_as_chinese(seg.tier_engagement("strategic", "zh"))
    assert cov.model_label("named_exec", "zh") == "专属 + 高管负责人"
    # A book's coverage-model column may name the model in Chinese.
    assert cov.model_key("专属", cov.config()) == "named"
