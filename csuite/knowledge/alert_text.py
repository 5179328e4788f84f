"""Alerts in the founder's words: a label for each alert and its message with metric names and
comparison words instead of internal ids, in English or Chinese (thresholds.yaml `label` and
`alert_words`). Prose, the alert block and `csuite context check` all read an alert this way.
"""

from __future__ import annotations

from csuite.io.numbers import unit_word
from csuite.knowledge.bilingual import Bilingual, Lang, fill, pick, template_pattern
from csuite.knowledge.thresholds import alert_rules, alert_text, bilingual_alert_rules, section

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


def _reread(template: Bilingual, text: str, lang: Lang) -> str | None:
    """`text`, written from `template` in English, written again in `lang`; None if it was not."""
    pattern, _kinds = template_pattern(template.en)
    match = pattern.fullmatch(text)
    if match is None:
        return None
    values = {name: _unit_in(value, lang) for name, value in match.groupdict().items()}
    return fill(template.get(lang), values)


def _unit_in(value: str, lang: Lang) -> str:
    """A value an English message wrote ("21 months") with its unit word in `lang`."""
    for unit in ("months", "days"):
        for one in (False, True):
            word = unit_word(unit, one=one)
            if value.endswith(" " + word):
                return f"{value[:-len(word)]}{unit_word(unit, lang, one=one)}"
    return value


def alert_message_in(message: str, lang: Lang) -> str:
    """An alert message as built in English (`Alert.message`, or a tool flag restating an alert)
    in `lang`, with the same values; a text that is not one comes back unchanged. For the places
    that hold only the English message; an `Alert` itself carries both (`texts`)."""
    words = alert_text()
    if lang == "en":
        return message
    parts = []
    for part in message.split(words.separator.en):
        pattern, _kinds = template_pattern(words.condition.en)
        match = pattern.fullmatch(part)
        if match is None or match["metric"] not in words.metrics:
            return message
        conditions = [*words.ops.values(), words.declining, words.older_than_months]
        condition = next((c for c in (_reread(t, match["condition"], lang) for t in conditions) if c), None)
        if condition is None:
            return message
        parts.append(words.condition.format(lang, metric=words.metric(match["metric"], lang),
                                            value=_unit_in(match["value"], lang), condition=condition))
    return words.separator.get(lang).join(parts)
