"""Render a verified Answer: markdown through the prompt pack's answer templates, or JSON.

The templates (prompts/answer_single.j2, answer_synthesis.j2) own the layout: BOTTOM LINE →
WHAT → WHY THIS MATTERS → HOW TO ACT → RISKS → YOUR DECISION. This module only prepares the
view: each finding with its consequence and readable sources, tags as verified/medium/assumed.
"""

from __future__ import annotations

import json
from typing import Any

from csuite.answer import Answer, Evidence
from csuite.io.inert import inert_strings
from csuite.render.templates import render_prompt


def _sources(ids: list[str], evidence: dict[str, Evidence]) -> list[str]:
    """Readable sources, one line per source with all the values cited from it."""
    grouped: dict[str, list[str]] = {}
    for source_id in ids:
        item = evidence.get(source_id)
        if item is None:
            grouped.setdefault(source_id, [])
            continue
        values = grouped.setdefault(item.source, [])
        if item.value is not None:
            values.append(item.display())
    return [f"{source} = {', '.join(values)}" if values else source for source, values in grouped.items()]


def answer_view(answer: Answer) -> dict[str, Any]:
    """The dict the answer templates render: plain data, no models."""
    evidence = {e.id: e for e in answer.evidence}
    data = answer.model_dump(mode="json", exclude={"evidence"})
    findings = []
    for finding in answer.findings:
        text = finding.text.rstrip(". ")
        if finding.so_what:
            text += f" — {finding.so_what.rstrip('.')}."
        else:
            text += "."
        if finding.tag == "assumed" and finding.assumption:
            text += f" ({finding.assumption})"
        findings.append({"text": text, "tag": finding.tag, "sources": _sources(finding.sources, evidence)})
    data["findings"] = findings
    if answer.synthesis is not None:
        for view in data["synthesis"]["views"]:
            view["findings"] = [{"text": f["text"], "tag": f["tag"], "sources": _sources(f["sources"], evidence)}
                                for f in view["findings"]]
    data["actions"] = [{"action": f"{a.action}" + (f" [{a.id}]" if a.id else ""), "owner": a.owner,
                        "deadline": a.deadline} for a in answer.actions]
    return data


def to_markdown(answer: Answer) -> str:
    """The answer as markdown. Every string in it is made inert first (csuite.io.inert): names,
    cells and reasons from the founder's files, and anything a model wrote, display as text and
    cannot open a section, a link or a terminal escape of their own."""
    view = answer_view(inert_strings(answer, markdown=True))
    if not answer.in_scope:
        return render_prompt("answer_referral.j2", answer=view).strip() + "\n"
    template = "answer_synthesis.j2" if answer.synthesis is not None else "answer_single.j2"
    return render_prompt(template, answer=view).strip() + "\n"


def to_json(answer: Answer) -> str:
    return json.dumps(answer.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
