"""Proactive alerts: the conditions a CRO or CCO raises without being asked.

Rules come from the thresholds YAML; this module only evaluates them against normalised
metrics. An absent metric fires nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from csuite.context.parse import CompanyContext, metric_unit
from csuite.context.vocabulary import text, vocabulary
from csuite.io.numbers import format_value
from csuite.io.values import add_months
from csuite.knowledge.bilingual import Lang
from csuite.knowledge.thresholds import (
    AlertRule,
    Condition,
    Role,
    Severity,
    alert_rules,
)


class Alert(BaseModel):
    id: str
    role: Role
    severity: Severity
    metric: str
    value: Any
    threshold: Any
    values: dict[str, Any]
    message: str
    why: str
    action: str


def _latest(value: Any) -> Any:
    return value[-1] if isinstance(value, list) and value else value


def _holds(cond: Condition, value: Any, as_of: date) -> bool:
    if value is None:
        return False
    if cond.rule == "declining":
        if not isinstance(value, list) or len(value) < cond.steps + 1:
            return False
        tail = value[-(cond.steps + 1):]
        return all(later < earlier for earlier, later in zip(tail, tail[1:]))
    if cond.rule == "older_than_months":
        return isinstance(value, date) and add_months(value, int(cond.value or 0)) < as_of
    current = _latest(value)
    if not isinstance(current, (int, float)):
        return False
    limit = float(cond.value)
    return {"<": current < limit, "<=": current <= limit, ">": current > limit, ">=": current >= limit}[cond.op]


def _fmt(metric: str, value: Any) -> str:
    """A metric value as the founder wrote it: 83%, 2.4x, 21 months, 2025-03-01."""

    if isinstance(value, date):
        return value.isoformat()
    return format_value(value, metric_unit(metric))


def _describe(cond: Condition, lang: Lang = "en") -> str:
    if cond.rule == "declining":
        return text("declining", lang, steps=cond.steps)
    if cond.rule == "older_than_months":
        return text("older_than", lang, months=f"{cond.value:g}")
    return f"{cond.op} {_fmt(cond.metric, cond.value)}"


def _metric_name(metric: str, lang: Lang) -> str:
    """The metric as an alert names it: its key in English (as it always has), its standard
    Chinese name with the English key in Chinese."""
    spec = vocabulary().metrics.get(metric)
    if lang == "en" or spec is None:
        return metric
    return f"{spec.name.get(lang)}（{metric}）"


def _message(rule: AlertRule, values: dict[str, Any], lang: Lang) -> str:
    separator = "；" if lang == "zh" else "; "
    return separator.join(f"{_metric_name(c.metric, lang)} {_fmt(c.metric, values.get(c.metric))} "
                          f"({_describe(c, lang)})" for c in rule.conditions)


def alert_message(alert: Alert, lang: Lang = "en") -> str:
    """What fired, in `lang`: each condition's metric, its value and the line it crossed."""
    rule = alert_rules().get(alert.id)
    return _message(rule, alert.values, lang) if rule is not None else alert.message


def evaluate_alerts(metrics: dict[str, Any], *, as_of: date,
                    rules: dict[str, AlertRule] | None = None) -> list[Alert]:
    """Alerts whose every condition holds, ordered high → low severity, then by id."""
    rules = rules if rules is not None else alert_rules()
    fired: list[Alert] = []
    for alert_id, rule in rules.items():
        if not all(_holds(c, metrics.get(c.metric), as_of) for c in rule.conditions):
            continue
        first = rule.conditions[0]
        values = {c.metric: metrics.get(c.metric) for c in rule.conditions}
        fired.append(Alert(
            id=alert_id, role=rule.role, severity=rule.severity, metric=first.metric,
            value=metrics.get(first.metric), threshold=first.value, values=values,
            message=_message(rule, values, "en"), why=rule.why, action=rule.action,
        ))
    order = {"high": 0, "medium": 1, "low": 2}
    return sorted(fired, key=lambda a: (order[a.severity], a.id))


def context_alerts(ctx: CompanyContext) -> list[Alert]:
    """Alerts for a parsed context: its metrics plus its age."""
    if not ctx.found:
        return []
    metrics = ctx.metrics.model_dump()
    metrics["context_age_days"] = ctx.age_days
    return evaluate_alerts(metrics, as_of=ctx.as_of)
