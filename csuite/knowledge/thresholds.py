"""Load the thresholds YAML once: the single source of truth for thresholds and benchmarks.

Alert texts are bilingual at the source (`{en, zh}`); `alert_rules(lang)` gives the rules with
their texts in one language (English by default), `bilingual_alert_rules()` with both.
"""

from __future__ import annotations

import operator
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from csuite.io.values import add_months
from csuite.knowledge.bilingual import Bilingual, Lang, in_language
from csuite.resources import load_data_yaml
from csuite.roles import Role

Severity = Literal["high", "medium", "low"]


_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


class Condition(BaseModel):
    metric: str
    op: Literal["<", "<=", ">", ">="] | None = None
    rule: Literal["declining", "older_than_months"] | None = None
    value: float | None = None
    steps: int = 2

    def holds(self, value: Any, as_of: date) -> bool:
        """Whether the metric's value (a number, a series whose last point counts, or a date)
        meets this condition on `as_of`; an absent value meets none."""
        if value is None:
            return False
        if self.rule == "declining":
            if not isinstance(value, list) or len(value) < self.steps + 1:
                return False
            tail = value[-(self.steps + 1):]
            return all(later < earlier for earlier, later in zip(tail, tail[1:]))
        if self.rule == "older_than_months":
            # a date after as-of is not old (and 9999-12-31 plus months is no date at all)
            return isinstance(value, date) and value <= as_of and add_months(value, int(self.value or 0)) < as_of
        current = value[-1] if isinstance(value, list) and value else value
        if not isinstance(current, (int, float)):
            return False
        return _COMPARE[self.op](current, float(self.value))  # type: ignore[index,arg-type]

    def number_test(self) -> Callable[[float | None], bool]:
        """`holds` for a plain number (None meets nothing) with the comparison looked up once, for
        a caller that asks about a hundred thousand numbers. A comparison condition only."""
        if self.op is None or self.rule is not None:
            raise ValueError(f"the condition on {self.metric} is not a comparison")
        compare, line = _COMPARE[self.op], float(self.value)  # type: ignore[arg-type]

        def test(value: float | None) -> bool:
            return value is not None and compare(value, line)
        return test


Text = TypeVar("Text", str, Bilingual)


class AlertRule(BaseModel, Generic[Text]):
    role: Role
    severity: Severity
    label: Text  # what the founder reads instead of the id
    conditions: list[Condition] = Field(min_length=1)
    why: Text
    action: Text
    finding: Text | None = None  # how a finding words the crossing, when the conditions alone do not say it


class AlertText(BaseModel):
    """How a fired alert's message is worded, in both languages (thresholds.yaml `alert_text`)."""

    model_config = ConfigDict(defer_build=True)  # built on first use: most runs that import it never validate one

    condition: Bilingual
    separator: Bilingual
    ops: dict[str, Bilingual]
    declining: Bilingual
    older_than_months: Bilingual
    metrics: dict[str, Bilingual]

    def metric(self, metric: str, lang: Lang) -> str:
        """A metric's name in a message; an unlisted metric is named by its identifier."""
        name = self.metrics.get(metric)
        return name.get(lang) if name else metric


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
def bilingual_alert_rules() -> dict[str, AlertRule[Bilingual]]:
    """Every alert rule with its why, action and finding in English and Chinese."""
    return {alert_id: AlertRule[Bilingual].model_validate(rule) for alert_id, rule in section("alerts").items()}


@lru_cache(maxsize=2)
def alert_rules(lang: Lang = "en") -> dict[str, AlertRule[str]]:
    """Every alert rule with its texts in `lang` (English unless the answer's language is passed)."""
    return {alert_id: AlertRule[str].model_validate(in_language(rule, lang))
            for alert_id, rule in bilingual_alert_rules().items()}


@lru_cache(maxsize=1)
def alert_text() -> AlertText:
    return AlertText.model_validate(section("alert_text"))


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
