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
from csuite.io.text import CJK_RUN, LazyPattern, cjk_count
from csuite.knowledge.alert_text import alert_label, context_evidence_id
from csuite.knowledge.bilingual import Lang
from csuite.knowledge.phrases import phrase, phrasebook
from csuite.knowledge.thresholds import alert_rules, section
from csuite.render.templates import render_prompt
from csuite.tools.registry import TOOLS, tool_title

# An alert's line is evidence `threshold.<alert id>`; a benchmark names the pack file it sits in.
_ALERT_LINE = "threshold."
_PACK_FILE = LazyPattern(r"\s*\(thresholds\.yaml[^)]*\)")

# The short form's limits: one screen, the decision first.
SHORT_LIMITS = {"findings": 3, "actions": 3, "risks": 2, "alerts": 2, "questions": 2}
SHORT_RISK_WORDS = 28
_CLAUSE_END = LazyPattern(r"[;；:：]")
_UNIT_THEN_CJK = LazyPattern(r"(\d (?:个月|天)) (?=[\u4e00-\u9fff])")


def labels(lang: Lang) -> dict[str, str]:
    """Every heading and label the templates print, in `lang`."""
    out = {}
    for key, text in phrasebook().items():
        if key.startswith(("headings.", "labels.", "tags.")):
            out[key.split(".", 1)[1] if not key.startswith("tags.") else "tag_" + key.split(".", 1)[1]] = text.get(lang)
    return out


def _sources(ids: list[str], evidence: dict[str, Evidence], lang: Lang = "en") -> str:
    """Where a finding's numbers come from, in the long form: each place once (a tool's title and
    the file it read, the context file, our alert lines, a benchmark), then every figure cited
    with its value. Plain words only: the exact fields are in the JSON answer."""
    groups: dict[str, list[str]] = {}
    for source_id in ids:
        item = evidence.get(source_id)
        if item is None:
            continue
        entries = groups.setdefault(_place(item, lang), [])
        entry = _figure(item, lang)
        if entry not in entries:
            entries.append(entry)
    return "; ".join(f"{where}: {', '.join(entries)}" for where, entries in groups.items())


def _files(ids: list[str], evidence: dict[str, Evidence], lang: Lang) -> list[str]:
    """The founder's files (and the question) a set of figures was read from, each once: what the
    one-screen form names, in one line under the findings."""
    files: list[str] = []
    for source_id in ids:
        item = evidence.get(source_id)
        if item is None or item.kind != "founder_data" or item.source.startswith("computed:"):
            continue  # a derived figure's inputs are cited beside it
        name = _file_of(item, lang)
        if name not in files:
            files.append(name)
    return files


def _file_of(item: Evidence, lang: Lang = "en") -> str:
    """The founder's file (or context file, or "your question") an evidence item was read from:
    its name, never the path it was read at."""
    source = item.source
    if source == "your question":
        return phrase("labels.your_question", lang)
    if " on " in source:
        return source.split(" on ", 1)[1].split(",", 1)[0].split(":", 1)[0].strip()
    return source.split(":", 1)[0].replace("\\", "/").rsplit("/", 1)[-1].split(",", 1)[0].strip()


def _tool_of(item: Evidence) -> str | None:
    """The tool that computed a figure ("funnel_analyzer on file.csv, field x" → funnel_analyzer)."""
    head = item.source.split(",", 1)[0].split(" on ", 1)[0].strip()
    return head if head.split("@", 1)[0] in TOOLS else None


def _place(item: Evidence, lang: Lang) -> str:
    if item.id.startswith(_ALERT_LINE):
        return phrase("labels.alert_lines", lang)
    if item.source.startswith("computed:"):
        return phrase("labels.computed", lang)
    if item.kind == "benchmark":
        return _PACK_FILE.sub("", item.source).strip()
    tool = _tool_of(item)
    if tool is not None:
        file = item.source.split(",", 1)[0].partition(" on ")[2].strip()
        return f"{tool_title(tool, lang)} · {file}" if file else tool_title(tool, lang)
    return _file_of(item, lang)


def _figure(item: Evidence, lang: Lang) -> str:
    """One cited figure: what it is, in words, and its value."""
    if item.id.startswith(_ALERT_LINE):
        label = alert_label(item.id.removeprefix(_ALERT_LINE), lang)
    else:
        label = item.label.removesuffix(" — value")
        formula = item.source.removeprefix("computed:").split(" from ", 1)[0].strip() \
            if item.source.startswith("computed:") else ""
        if formula and formula != label:
            label += f" ({formula})"
    return f"{label} = {item.display(lang)}" if item.value is not None else label


def _decision_alerts(decision: str | None) -> set[str] | None:
    """The alerts that bear on the decision asked (thresholds.yaml `verdicts.<decision>.alerts`);
    None when the question asks no catalogue decision (its alerts are the topic's)."""
    if decision is None:
        return None
    return set(section("verdicts").get(decision, {}).get("alerts", []))


def _stated(alert_id: str, cited: set[str]) -> bool:
    """Whether findings citing `cited` already state an alert: they judge its line, or quote the
    context figure of every metric it reads."""
    rule = alert_rules().get(alert_id)
    metrics = [context_evidence_id(c.metric) for c in rule.conditions] if rule else []
    return f"{_ALERT_LINE}{alert_id}" in cited or bool(metrics) and all(m in cited for m in metrics)


def _size(text: str) -> float:
    """Words a text reads as: Latin words, and two Chinese characters a word."""
    return len(CJK_RUN.sub(" ", text).split()) + cjk_count(text) / 2


def _short(text: str, words: int) -> str:
    """A tool's long sentence for the one-screen form: cut after its last clause that fits
    (`;`, `:` and their Chinese forms), else after `words` words."""
    if _size(text) <= words:
        return text
    ends = [m.end() for m in _CLAUSE_END.finditer(text) if words / 3 <= _size(text[:m.start()]) <= words]
    if ends:
        return text[:ends[-1] - 1].rstrip() + " …"
    if CJK_RUN.search(text):
        return text[:words * 2].rstrip("，；：、") + "……"
    return " ".join(text.split()[:words]).rstrip(",;:") + " …"


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
        findings.append({"text": text, "tag": finding.tag,
                         "sources": _sources(finding.sources, evidence, lang) if long else ""})
    data["findings"] = findings
    # The one-screen form names the founder's files once, under the findings, not on every line.
    cited = [*answer.bottom_line_sources, *(s for f in limit("findings", answer.findings) for s in f.sources)]
    data["sources_line"] = "" if long else phrase("labels.list_sep", lang).join(_files(cited, evidence, lang))
    data["actions"] = [{"action": a.action, "id": a.id, "owner": a.owner, "deadline": a.deadline}
                       for a in limit("actions", answer.actions)]
    data["risks"] = answer.risks if long else [_short(r, SHORT_RISK_WORDS) for r in limit("risks", answer.risks)]
    data["questions"] = limit("questions", answer.questions)
    # The one-screen form does not show again, as an alert, a line the bottom line or a finding
    # above already judged.
    shown = {*answer.bottom_line_sources, *(s for f in limit("findings", answer.findings) for s in f.sources)}
    alerts = data["alerts"] if long else [a for a in data["alerts"] if not _stated(a["id"], shown)]
    data["alerts"] = limit("alerts", alerts)
    listed = [a["action"] for a in data["actions"]]
    bearing = _decision_alerts(answer.decision_id)
    for alert in data["alerts"]:
        # its first move is said once, under HOW TO ACT (where it may carry a rule-of-thumb mark);
        # an alert that does not bear on the decision asked is one line in the short form
        alert["action_listed"] = any(a.startswith(alert["action"].rstrip(".。")) for a in listed) or (
            not long and bearing is not None and alert["id"] not in bearing)
    dropped = [a["label"] or a["id"] for a in alerts[len(data["alerts"]):]]
    data["more_alerts"] = dropped + list(answer.more_alerts)
    if answer.synthesis is not None:
        for view in data["synthesis"]["views"]:
            view["findings"] = [{"text": f["text"], "tag": f["tag"], "sources": _sources(f["sources"], evidence, lang)}
                                for f in view["findings"]]
    data["bottom_line_source"] = _sources(answer.bottom_line_sources, evidence, lang) if long else ""
    data["labels"] = labels(lang)
    # the footer names the engine in the answer's language ("offline" is 离线 in a Chinese answer)
    engine_key = f"labels.engine_{answer.backend}"
    data["backend"] = phrase(engine_key, lang) if engine_key in phrasebook() else answer.backend
    data["who"] = _who(answer, lang)
    data["confidence_label"] = phrase(f"labels.confidence_{answer.confidence}", lang)
    data["long"] = long
    # The recommendation is already the bottom line's last sentence: the short form says it once.
    data["recommendation_repeated"] = bool(answer.decision and answer.decision.recommendation
                                           and answer.decision.recommendation in answer.bottom_line)
    data["referral_title"] = phrase(f"referrals.{answer.referral}.title", lang) if answer.referral else ""
    downgrades = len(answer.verification.downgrades)
    data["downgraded"] = phrase("labels.downgraded", lang).format(count=downgrades) if downgrades else ""
    # The alerts that do not bear on the question: every label in the long form, the count in the short.
    more = data["more_alerts"]
    data["more_alerts_line"] = "" if not more else (
        phrase("notes.more_alerts", lang).format(count=len(more), labels=phrase("labels.list_sep", lang).join(more))
        if long else phrase("notes.more_alerts_count", lang).format(count=len(more)))
    return data


def to_markdown(answer: Answer, *, long: bool = False) -> str:
    """The answer as markdown. Every string in it is made safe to display first
    (csuite.io.display): names, cells and reasons from the founder's files, and anything a model
    wrote, show as text and cannot open a section, a link or a terminal escape of their own."""
    view = answer_view(display_safe_strings(answer, markdown=True), long=long)
    if not answer.in_scope:
        return render_prompt("answer_referral.j2", answer=view).strip() + "\n"
    template = "answer_synthesis.j2" if answer.synthesis is not None and long else "answer_single.j2"
    text = render_prompt(template, answer=view).strip() + "\n"
    # "24 个月 的警戒线": a Chinese unit word runs on into the words after it
    return _UNIT_THEN_CJK.sub(r"\1", text) if answer.language == "zh" else text


def to_json(answer: Answer) -> str:
    return json.dumps(answer.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
