"""Proactive alerts: the conditions a CRO or CCO raises without being asked.

Rules come from the thresholds YAML; this module only evaluates them against normalised
metrics. An absent metric fires nothing.

An alert carries its texts in both languages (`texts`: message, why, action as `Bilingual`) and
shows one of them in `message` / `why` / `action` — English as built; `alert.in_language("zh")`
is the same alert speaking Chinese, numbers unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel

from csuite.context.parse import CompanyContext, metric_unit
from csuite.io.numbers import format_value
from csuite.knowledge.bilingual import LANGS, Bilingual, Lang
from csuite.knowledge.thresholds import (
    AlertRule,
    Condition,
    Role,
    Severity,
    alert_text,
    bilingual_alert_rules,
)


class AlertTexts(BaseModel):
    """An alert's words in English and Chinese; the numbers in them are the same."""

    message: Bilingual
    why: Bilingual
    action: Bilingual


class Alert(BaseModel):
    id: str
    role: Role
    severity: Severity
    metric: str
    value: Any
    threshold: Any
    values: dict[str, Any]
    lang: Lang = "en"        # the language of message, why and action
    message: str
    why: str
    action: str
    texts: AlertTexts

    def in_language(self, lang: Lang) -> Alert:
        """This alert with message, why and action in `lang`."""
        return self.model_copy(update={"lang": lang, "message": self.texts.message.get(lang),
                                       "why": self.texts.why.get(lang), "action": self.texts.action.get(lang)})


def _fmt(metric: str, value: Any, lang: Lang) -> str:
    """A metric value as the founder wrote it: 83%, 2.4x, 21 months (21 个月), 2025-03-01."""

    if isinstance(value, date):
        return value.isoformat()
    return format_value(value, metric_unit(metric), lang)


def _describe(cond: Condition, lang: Lang) -> str:
    words = alert_text()
    if cond.rule == "declining":
        return words.declining.format(lang, steps=cond.steps)
    if cond.rule == "older_than_months":
        return words.older_than_months.format(lang, months=f"{cond.value:g}")
    return words.ops[str(cond.op)].format(lang, line=_fmt(cond.metric, cond.value, lang))


def _message(rule: AlertRule[Any], metrics: dict[str, Any], lang: Lang) -> str:
    words = alert_text()
    parts = [words.condition.format(lang, metric=words.metric(c.metric, lang),
                                    value=_fmt(c.metric, metrics.get(c.metric), lang),
                                    condition=_describe(c, lang)) for c in rule.conditions]
    return words.separator.get(lang).join(parts)


def _both(text: Bilingual | str) -> Bilingual:
    """A rule's text in both languages; a rule handed in with plain strings (a tool restating an
    alert for its own flags) says the same in both."""
    return text if isinstance(text, Bilingual) else Bilingual(en=text, zh=text)


def evaluate_alerts(metrics: dict[str, Any], *, as_of: date,
                    rules: Mapping[str, AlertRule[Any]] | None = None) -> list[Alert]:
    """Alerts whose every condition holds, ordered high → low severity, then by id; texts in
    English (`in_language` switches)."""
    rules = rules if rules is not None else bilingual_alert_rules()
    fired: list[Alert] = []
    for alert_id, rule in rules.items():
        if not all(c.holds(metrics.get(c.metric), as_of) for c in rule.conditions):
            continue
        first = rule.conditions[0]
        values = {c.metric: metrics.get(c.metric) for c in rule.conditions}
        texts = AlertTexts(message=Bilingual(**{lang: _message(rule, metrics, lang) for lang in LANGS}),
                           why=_both(rule.why), action=_both(rule.action))
        fired.append(Alert(
            id=alert_id, role=rule.role, severity=rule.severity, metric=first.metric,
            value=metrics.get(first.metric), threshold=first.value, values=values,
            message=texts.message.en, why=texts.why.en, action=texts.action.en, texts=texts,
        ))
    order = {"high": 0, "medium": 1, "low": 2}
    return sorted(fired, key=lambda a: (order[a.severity], a.id))


def context_alerts(ctx: CompanyContext, lang: Lang = "en") -> list[Alert]:
    """Alerts for a parsed context: its metrics plus its age, worded in `lang`."""
    if not ctx.found:
        return []
    metrics = ctx.metrics.model_dump()
    metrics["context_age_days"] = ctx.age_days
    return [alert.in_language(lang) for alert in evaluate_alerts(metrics, as_of=ctx.as_of)]
