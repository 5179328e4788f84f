"""Every proactive alert fires exactly at its threshold from the YAML, and never on absent data."""

from datetime import date

import pytest

from csuite.context.alerts import context_alerts, evaluate_alerts
from csuite.context.parse import parse_context
from csuite.knowledge.thresholds import alert_rules

AS_OF = date(2026, 11, 23)

ALERT_IDS = {
    "nrr_below_100", "pipeline_coverage_below_3x", "customer_concentration", "pricing_review_overdue",
    "win_rate_declining", "nrr_declining", "grr_low", "leaky_bucket", "magic_number_low",
    "cac_payback_long", "quota_attainment_low", "forecast_accuracy_low", "logo_retention_low",
    "contraction_high", "context_stale",
}

# alert id → (metrics that fire it, metrics just on the safe side of the same threshold)
CASES = {
    "nrr_below_100": ({"nrr": 0.99}, {"nrr": 1.00}),
    "pipeline_coverage_below_3x": ({"pipeline_coverage": 2.9}, {"pipeline_coverage": 3.0}),
    "customer_concentration": ({"largest_customer_share": 0.16}, {"largest_customer_share": 0.15}),
    "pricing_review_overdue": ({"last_pricing_review": date(2025, 11, 22)},
                               {"last_pricing_review": date(2025, 11, 23)}),
    "win_rate_declining": ({"win_rate": [0.31, 0.28, 0.25]}, {"win_rate": [0.31, 0.28, 0.28]}),
    "nrr_declining": ({"nrr_trend": [1.12, 1.09, 1.04]}, {"nrr_trend": [1.04, 1.09, 1.05]}),
    "grr_low": ({"grr": 0.84}, {"grr": 0.85}),
    "leaky_bucket": ({"nrr": 1.04, "grr": 0.83}, {"nrr": 1.00, "grr": 0.83}),
    "magic_number_low": ({"magic_number": 0.49}, {"magic_number": 0.5}),
    "cac_payback_long": ({"cac_payback_months": 25}, {"cac_payback_months": 24}),
    "quota_attainment_low": ({"reps_at_quota": 0.4}, {"reps_at_quota": 0.5}),
    "forecast_accuracy_low": ({"forecast_accuracy": 0.79}, {"forecast_accuracy": 0.8}),
    "logo_retention_low": ({"logo_retention": 0.84}, {"logo_retention": 0.85}),
    "contraction_high": ({"contraction": 0.051}, {"contraction": 0.05}),
    "context_stale": ({"context_age_days": 90}, {"context_age_days": 89}),
}


def ids(metrics):
    return {a.id for a in evaluate_alerts(metrics, as_of=AS_OF)}


def test_yaml_defines_exactly_the_issue_ids():
    assert set(alert_rules()) == ALERT_IDS == set(CASES)


@pytest.mark.parametrize("alert_id", sorted(CASES))
def test_fires_at_threshold(alert_id):
    firing, safe = CASES[alert_id]
    assert alert_id in ids(firing)
    assert alert_id not in ids(safe)


@pytest.mark.parametrize("alert_id", sorted(CASES))
def test_absent_metric_raises_nothing(alert_id):
    assert ids({}) == set()
    firing, _ = CASES[alert_id]
    for metric in firing:
        partial = {k: v for k, v in firing.items() if k != metric}
        assert alert_id not in ids(partial)


def test_single_value_win_rate_cannot_be_declining():
    assert "win_rate_declining" not in ids({"win_rate": 0.2})
    assert "win_rate_declining" not in ids({"win_rate": [0.3, 0.2]})  # one step is noise


def test_alert_carries_role_severity_value_and_advice():
    (alert,) = evaluate_alerts({"grr": 0.83}, as_of=AS_OF)
    assert (alert.id, alert.role, alert.severity, alert.value, alert.threshold) == ("grr_low", "cco", "high", 0.83, 0.85)
    assert "83%" in alert.message and alert.why and alert.action


def test_leaky_bucket_and_grr_low_share_the_grr_threshold():
    rules = alert_rules()
    leaky_grr = next(c for c in rules["leaky_bucket"].conditions if c.metric == "grr")
    assert leaky_grr.value == rules["grr_low"].conditions[0].value


def test_example_context_alerts():
    from tests.conftest import EXAMPLES
    ctx = parse_context((EXAMPLES / "company-context.md").read_text(), as_of=AS_OF)
    assert {a.id for a in context_alerts(ctx)} == {
        "grr_low", "leaky_bucket", "pipeline_coverage_below_3x", "contraction_high", "customer_concentration",
        "forecast_accuracy_low", "nrr_declining", "pricing_review_overdue", "quota_attainment_low",
        "win_rate_declining",
    }


def test_stale_context_alert_from_last_updated():
    ctx = parse_context("- **Last updated:** 2026-01-05\n", as_of=AS_OF)
    (alert,) = context_alerts(ctx)
    assert alert.id == "context_stale" and alert.value == 322


def test_alert_threshold_reads_the_condition_value():
    from csuite.knowledge.thresholds import alert_threshold

    # thresholds.yaml: customer_concentration is largest_customer_share > 0.15;
    # quota_attainment_low is reps_at_quota < 0.50.
    assert alert_threshold("customer_concentration") == 0.15
    assert alert_threshold("customer_concentration", "largest_customer_share") == 0.15
    assert alert_threshold("quota_attainment_low", "reps_at_quota") == 0.50
    with pytest.raises(KeyError, match="no alert"):
        alert_threshold("no_such_alert")
    with pytest.raises(KeyError, match="no condition"):
        alert_threshold("customer_concentration", "nrr")


@pytest.mark.parametrize("review", [date(2027, 3, 1), date(9999, 12, 31)])
def test_a_pricing_review_dated_after_as_of_is_not_overdue(review):
    # A future date is not old; the last day of the calendar plus 12 months must not crash.
    assert "pricing_review_overdue" not in ids({"last_pricing_review": review})
