"""Load the thresholds YAML once: the single source of truth for thresholds and benchmarks."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, Field

from csuite.knowledge.bilingual import Bilingual
from csuite.resources import load_data_yaml
from csuite.roles import Role

Severity = Literal["high", "medium", "low"]


class Condition(BaseModel):
    metric: str
    op: Literal["<", "<=", ">", ">="] | None = None
    rule: Literal["declining", "older_than_months"] | None = None
    value: float | None = None
    steps: int = 2


class AlertRule(BaseModel):
    role: Role
    severity: Severity
    label: Bilingual  # what the founder reads instead of the id
    conditions: list[Condition] = Field(min_length=1)
    why: str
    action: str
    finding: str | None = None  # how a finding words the crossing, when the conditions alone do not say it


@lru_cache(maxsize=1)
def load_thresholds() -> dict[str, Any]:
    return load_data_yaml("thresholds.yaml")


def section(name: str) -> dict[str, Any]:
    """One top-level section of the thresholds file (e.g. 'benchmarks', 'forecast')."""
    data = load_thresholds()
    if name not in data:
        raise KeyError(f"thresholds.yaml has no section '{name}'")
    return data[name]


@lru_cache(maxsize=1)
def alert_rules() -> dict[str, AlertRule]:
    return {alert_id: AlertRule.model_validate(rule) for alert_id, rule in section("alerts").items()}


def alert_threshold(alert_id: str, metric: str | None = None) -> float | None:
    """The value an alert compares against: its first condition's, or the one on `metric`.

    Tools that restate an alert's line (e.g. "above 15% of ARR") read it here instead of reaching
    into `conditions[0]`. An unknown alert id or metric is a KeyError (a bug in our files, not
    founder input); a rule-style condition without a value (e.g. 'declining') gives None."""
    rule = alert_rules().get(alert_id)
    if rule is None:
        raise KeyError(f"thresholds.yaml has no alert '{alert_id}'")
    for condition in rule.conditions:
        if metric is None or condition.metric == metric:
            return condition.value
    raise KeyError(f"alert '{alert_id}' has no condition on '{metric}'")
