"""Alerts in the founder's words: a label for each alert and its message with metric names and
comparison words instead of internal ids, in English or Chinese (thresholds.yaml `label` and
`alert_words`). Prose, the alert block and `csuite context check` all read an alert this way.
"""

from __future__ import annotations

from csuite.knowledge.bilingual import Lang, pick
from csuite.knowledge.thresholds import alert_rules, bilingual_alert_rules, section

# An alert's severity glyph: never a tag colour (🟢🟡🔴 only ever mean evidence).
SEVERITY_GLYPH = {"high": "⛔", "medium": "⚠️", "low": "ℹ️"}
# Context metrics whose evidence is named otherwise than `ctx.<metric>`.
_CONTEXT_EVIDENCE = {"context_age_days": "ctx.age_days"}


def context_evidence_id(metric: str) -> str:
    """The evidence id of a context metric an alert reads ('nrr' → 'ctx.nrr')."""
    return _CONTEXT_EVIDENCE.get(metric, f"ctx.{metric}")


def alert_label(alert_id: str, lang: Lang = "en") -> str:
    """'pipeline_coverage_below_3x' → 'Pipeline too thin for the quarter'. An id we do not know
    (a rule from a newer file) reads as words rather than snake_case."""
    rule = bilingual_alert_rules().get(alert_id)
    if rule is None:
        return alert_id.replace("_", " ").capitalize()
    return rule.label.get(lang)


def metric_name(metric: str, lang: Lang = "en") -> str:
    names = section("alert_words")["metrics"]
    return pick(names[metric], lang) if metric in names else metric.replace("_", " ")


def readable_message(alert_id: str, message: str, lang: Lang = "en") -> str:
    """An alert message with each condition's metric named and its comparison in words:
    'nrr 104% (> 100%); grr 83% (< 85%)' → 'NRR 104% (above 100%); GRR 83% (under 85%)'."""
    rule = alert_rules().get(alert_id)
    metrics = [c.metric for c in rule.conditions] if rule else []
    words = section("alert_words")["comparisons"]
    parts = []
    for part in message.split("; "):
        for metric in metrics:
            if part.startswith(metric + " "):
                part = metric_name(metric, lang) + part[len(metric):]
                break
        for op in sorted(words, key=len, reverse=True):  # '<=' before '<'
            part = part.replace(f"({op} ", f"({pick(words[op], lang)} ")
        parts.append(part)
    return ("；" if lang == "zh" else "; ").join(parts)
