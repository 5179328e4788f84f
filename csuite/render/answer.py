"""Render a verified Answer: markdown through the prompt pack's answer templates, or JSON.

The templates (prompts/answer_single.j2, answer_synthesis.j2, answer_referral.j2) own the layout:
BOTTOM LINE → WHAT → WHY THIS MATTERS → HOW TO ACT → RISKS → YOUR DECISION, in the answer's
language. This module prepares the view: every heading and label in that language, each finding
with its consequence and the exact fields it cites, and the short or long form. The default form
fits one screen (about 400 words); `long=True` keeps every section and both role views.
"""

from __future__ import annotations

import json
from typing import Any

from csuite.answer import Answer, Evidence
from csuite.io.display import display_safe_strings
from csuite.knowledge.bilingual import Lang
from csuite.knowledge.phrases import phrase, phrasebook
from csuite.render.templates import render_prompt

# The short form's limits: one screen, the decision first.
SHORT_LIMITS = {"findings": 3, "actions": 3, "risks": 2, "alerts": 2, "questions": 2}
SHORT_RISK_WORDS = 28


def labels(lang: Lang) -> dict[str, str]:
    """Every heading and label the templates print, in `lang`."""
    out = {}
    for key, text in phrasebook().items():
        if key.startswith(("headings.", "labels.", "tags.")):
            out[key.split(".", 1)[1] if not key.startswith("tags.") else "tag_" + key.split(".", 1)[1]] = text.get(lang)
    return out


def _sources(ids: list[str], evidence: dict[str, Evidence], *, long: bool = True, lang: Lang = "en") -> str:
    """Where a finding's numbers come from. The long form names each file (or the context) once,
    then every field cited with its value, our own lines and benchmarks included; the short form
    names the founder's files only (the JSON answer always carries the exact fields)."""
    groups: dict[str, list[str]] = {}
    for source_id in ids:
        item = evidence.get(source_id)
        if item is None or (not long and item.kind != "founder_data"):
            continue
        where, _, field = item.source.partition(", field ")
        if not field and ": " in item.source:  # "company-context.md: 'Pipeline coverage'"
            where, _, field = item.source.partition(": ")
            field = field.strip("'")
        if not long:
            if not item.source.startswith("computed:"):  # a derived figure's inputs are cited beside it
                groups.setdefault(_file_of(item, lang), [])
            continue
        where = where.replace(" on ", " · ", 1)
        entry = f"{field or item.label} = {item.display()}" if item.value is not None else (field or item.label)
        groups.setdefault(where, [])
        if entry not in groups[where]:
            groups[where].append(entry)
    return "; ".join(f"{where}: {', '.join(fields)}" if fields else where for where, fields in groups.items())


def _file_of(item: Evidence, lang: Lang = "en") -> str:
    """The founder's file (or context file, or "your question") an evidence item was read from."""
    source = item.source
    if source == "your question":
        return phrase("labels.your_question", lang)
    if " on " in source:
        return source.split(" on ", 1)[1].split(",", 1)[0].split(":", 1)[0].strip()
    if source.startswith(("computed:", "your question")):
        return source.split(":", 1)[0]
    return source.split(":", 1)[0].rsplit("/", 1)[-1].split(",", 1)[0].strip()


def _short(text: str, words: int) -> str:
    """A tool's long message cut to its first clause for the one-screen form."""
    parts = text.split()
    if len(parts) <= words:
        return text
    return " ".join(parts[:words]).rstrip(",;:") + " …"


def _who(answer: Answer, lang: Lang) -> str:
    who = phrase(f"labels.role_{answer.role}", lang) if answer.role in ("cro", "cco") else phrase("labels.role_none", lang)
    if answer.consulted:
        roles = phrase("labels.list_sep", lang).join(phrase(f"labels.role_{r}", lang) for r in answer.consulted)
        who += " · " + phrase("labels.consulted", lang).format(roles=roles)
    return who


def answer_view(answer: Answer, *, long: bool = False) -> dict[str, Any]:
    """The dict the answer templates render: plain data, no models."""
    lang = answer.language
    evidence = {e.id: e for e in answer.evidence}
    data = answer.model_dump(mode="json", exclude={"evidence"})
    limit = (lambda name, items: items) if long else (lambda name, items: items[:SHORT_LIMITS[name]])
    findings = []
    for finding in limit("findings", answer.findings):
        text = finding.text.rstrip(". 。")
        end = "。" if lang == "zh" else "."
        if finding.so_what:
            text += (f"——{finding.so_what.rstrip('。.')}{end}" if lang == "zh" else f" — {finding.so_what.rstrip('.')}.")
        else:
            text += end
        if finding.tag == "assumed" and finding.assumption:
            text += f" ({finding.assumption})"
        findings.append({"text": text, "tag": finding.tag, "sources": _sources(finding.sources, evidence, long=long, lang=lang)})
    data["findings"] = findings
    data["actions"] = [{"action": a.action, "id": a.id, "owner": a.owner, "deadline": a.deadline}
                       for a in limit("actions", answer.actions)]
    data["risks"] = answer.risks if long else [_short(r, SHORT_RISK_WORDS) for r in limit("risks", answer.risks)]
    data["questions"] = limit("questions", answer.questions)
    data["alerts"] = limit("alerts", data["alerts"])
    listed = {a["action"] for a in data["actions"]}
    for alert in data["alerts"]:
        alert["action_listed"] = alert["action"] in listed   # said once, under HOW TO ACT
    dropped = [a["label"] or a["id"] for a in answer.model_dump(mode="json")["alerts"][len(data["alerts"]):]]
    data["more_alerts"] = dropped + list(answer.more_alerts)
    if answer.synthesis is not None:
        for view in data["synthesis"]["views"]:
            view["findings"] = [{"text": f["text"], "tag": f["tag"], "sources": _sources(f["sources"], evidence)}
                                for f in view["findings"]]
    data["bottom_line_source"] = _sources(answer.bottom_line_sources, evidence, long=long, lang=lang)
    data["labels"] = labels(lang)
    data["who"] = _who(answer, lang)
    data["confidence_label"] = phrase(f"labels.confidence_{answer.confidence}", lang)
    data["long"] = long
    # The recommendation is already the bottom line's last sentence: the short form says it once.
    data["recommendation_repeated"] = bool(answer.decision and answer.decision.recommendation
                                           and answer.decision.recommendation in answer.bottom_line)
    data["referral_title"] = phrase(f"referrals.{answer.referral}.title", lang) if answer.referral else ""
    downgrades = len(answer.verification.downgrades)
    data["downgraded"] = phrase("labels.downgraded", lang).format(count=downgrades) if downgrades else ""
    data["more_alerts_line"] = (phrase("notes.more_alerts", lang).format(
        count=len(data["more_alerts"]), labels=phrase("labels.list_sep", lang).join(data["more_alerts"]))
        if data["more_alerts"] else "")
    return data


def to_markdown(answer: Answer, *, long: bool = False) -> str:
    """The answer as markdown. Every string in it is made safe to display first
    (csuite.io.display): names, cells and reasons from the founder's files, and anything a model
    wrote, show as text and cannot open a section, a link or a terminal escape of their own."""
    view = answer_view(display_safe_strings(answer, markdown=True), long=long)
    if not answer.in_scope:
        return render_prompt("answer_referral.j2", answer=view).strip() + "\n"
    template = "answer_synthesis.j2" if answer.synthesis is not None and long else "answer_single.j2"
    return render_prompt(template, answer=view).strip() + "\n"


def to_json(answer: Answer) -> str:
    return json.dumps(answer.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
