"""Self-verify: code, not the model, decides every tag and the answer's confidence.

Runs on every draft from every backend. It traces each number in a finding to the evidence the
finding cites, tags the finding from the kind of evidence that backs it, audits assumptions,
checks contradictions with the company context, the "so what?" and the answer's format, and
removes recommendations the founder already rejected.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Iterable

from csuite.answer import Answer, Downgrade, Evidence, Finding, Tag, Verification
from csuite.context.parse import METRICS, CompanyContext
from csuite.evidence.collect import index
from csuite.io.numbers import find_mentions, matches, numeric_values
from csuite.knowledge.thresholds import section

TAG_RANK: dict[str, int] = {"assumed": 0, "medium": 1, "verified": 2}
MAX_BULLETS: int = section("verify")["max_bullets"]
LOW_CONFIDENCE_NOTE = "Confidence is low: more than half of these findings rest on assumptions, not your data."


def _values(items: Iterable[Evidence]) -> list[float]:
    out: list[float] = []
    for item in items:
        out.extend(numeric_values(item.value))
    return out


def tag_finding(finding: Finding, evidence: dict[str, Evidence]) -> tuple[Tag, list[str], list[str]]:
    """(tag, ungrounded number texts, unknown source ids) for one finding."""
    unknown = [s for s in finding.sources if s not in evidence]
    cited = [evidence[s] for s in finding.sources if s in evidence]
    mentions = find_mentions(finding.text) + find_mentions(finding.so_what)
    ungrounded: list[str] = []
    number_tags: list[Tag] = []
    for mention in mentions:
        # A number may also come from what a cited item is (the "25-50k" band of a benchmark),
        # not only from its value.
        backing = [e for e in cited if matches(mention, numeric_values(e.value))
                   or matches(mention, [m.value for m in find_mentions(e.label)])]
        if not backing:
            ungrounded.append(mention.text)
            continue
        kinds = {e.kind for e in backing}
        if "founder_data" in kinds:
            number_tags.append("verified")
        elif kinds & {"benchmark", "framework"}:
            number_tags.append("medium")
        else:
            number_tags.append("assumed")
    if ungrounded:
        return "assumed", ungrounded, unknown
    if number_tags:
        return min(number_tags, key=TAG_RANK.__getitem__), [], unknown
    kinds = {e.kind for e in cited}
    if kinds == {"founder_data"}:
        return "verified", [], unknown
    if kinds & {"founder_data", "benchmark", "framework"}:
        return "medium", [], unknown
    return "assumed", [], unknown


def _metric_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for key, (_kind, synonyms) in METRICS.items():
        if key in {"last_pricing_review", "team_size", "runway_months"}:
            continue
        names[key] = sorted({s for s in synonyms + [key.replace("_", " ")] if len(s) >= 3}, key=len, reverse=True)
    return names


_NAMES = _metric_names()


def contradictions(finding: Finding, position: int, ctx: CompanyContext | None,
                   evidence: dict[str, Evidence]) -> list[str]:
    """A number stated right after a metric's name that matches neither the context nor the
    finding's own evidence contradicts what the founder wrote down."""
    if ctx is None or not ctx.found:
        return []
    text = finding.text
    cited_values = _values(evidence[s] for s in finding.sources if s in evidence)
    window = section("verify")["contradiction_window_chars"]
    found: list[str] = []
    for key, names in _NAMES.items():
        value = getattr(ctx.metrics, key)
        if value is None:
            continue
        context_values = numeric_values(value)
        issue = None
        for name in names:
            for hit in re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])", text, re.I):
                rest = text[hit.end():]
                stated = find_mentions(rest)
                if not stated or rest.find(stated[0].text) > window:
                    continue
                first = stated[0]
                if matches(first, context_values) or matches(first, cited_values):
                    continue
                said = evidence[f"ctx.{key}"].display() if f"ctx.{key}" in evidence else value
                issue = (f"finding {position + 1} states {hit.group(0)} {first.text}, but "
                         f"{ctx.path or 'company-context.md'} says {ctx.metric_labels.get(key, key)} is {said}")
                break
            if issue:
                break
        if issue:  # one per metric, and every metric is checked
            found.append(issue)
    return found


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _format_issues(answer: Answer) -> list[str]:
    issues: list[str] = []
    if not answer.bottom_line.strip():
        issues.append("the bottom line is empty; it must come first")
    for name in ("findings", "why", "actions", "risks"):
        count = len(getattr(answer, name))
        if count > MAX_BULLETS:
            issues.append(f"{name} has {count} bullets (at most {MAX_BULLETS})")
    for i, action in enumerate(answer.actions):
        if not action.owner.strip():
            issues.append(f"action {i + 1} has no owner")
        try:
            date.fromisoformat(action.deadline)
        except ValueError:
            issues.append(f"action {i + 1} deadline '{action.deadline}' is not a date (YYYY-MM-DD)")
    if answer.in_scope and answer.role and not answer.findings:
        issues.append("no findings")
    return issues


def verify(answer: Answer, evidence: Iterable[Evidence], *, ctx: CompanyContext | None = None,
           rejected: Iterable[str] = (), enforce: bool = True) -> Answer:
    """Tag every finding from its evidence and report what failed.

    `rejected` holds action ids and recommendation texts the founder rejected; they are removed.
    With `enforce`, over-long sections are trimmed after being reported, so the rendered answer
    always meets the format even when a revision did not fix it.
    """
    pool = index([*evidence, *answer.evidence])
    report = Verification(revisions=answer.verification.revisions)
    findings: list[Finding] = []
    for i, finding in enumerate(answer.findings):
        tag, ungrounded, unknown = tag_finding(finding, pool)
        for source in unknown:
            report.ungrounded.append(f"finding {i + 1} cites unknown evidence '{source}'")
        report.ungrounded += [f"finding {i + 1}: {text}" for text in ungrounded]
        report.grounded_numbers += len(find_mentions(finding.text) + find_mentions(finding.so_what)) - len(ungrounded)
        issues = contradictions(finding, i, ctx, pool)
        report.contradictions += issues
        if issues and tag != "assumed":
            tag = "assumed"
        if TAG_RANK[tag] < TAG_RANK[finding.tag]:
            reason = ("numbers not in cited evidence: " + ", ".join(ungrounded)) if ungrounded else (
                "contradicts the company context" if issues else "cited evidence is not founder data")
            report.downgrades.append(Downgrade(finding=i, claimed=finding.tag, tag=tag, reason=reason))
        assumption_text = finding.assumption
        if tag == "assumed" and not assumption_text:
            assumption_text = ("Assumed: " + ", ".join(ungrounded) + " not backed by your data or a cited benchmark"
                               if ungrounded else "Assumed: no evidence cited for this claim")
        if len(finding.so_what.split()) < 3:
            report.so_what_missing.append(i)
        findings.append(finding.model_copy(update={
            "tag": tag, "assumption": assumption_text if tag == "assumed" else None,
            "sources": [s for s in finding.sources if s in pool]}))
    answer = answer.model_copy(update={"findings": findings})

    rejected_keys = {_norm(r) for r in rejected if r.strip()}
    if rejected_keys:
        kept = []
        for action in answer.actions:
            if _norm(action.id) in rejected_keys or _norm(action.action) in rejected_keys:
                report.suppressed.append(action.id or action.action)
            else:
                kept.append(action)
        answer = answer.model_copy(update={"actions": kept})
        if answer.decision and _norm(answer.decision.recommendation) in rejected_keys:
            report.suppressed.append(answer.decision.recommendation)
            answer = answer.model_copy(update={"decision": answer.decision.model_copy(
                update={"recommendation": "(your earlier rejection of this recommendation stands; "
                                          "choose among the options)"})})

    report.format_issues = _format_issues(answer)
    if enforce:
        answer = answer.model_copy(update={name: getattr(answer, name)[:MAX_BULLETS]
                                           for name in ("findings", "why", "actions", "risks")})
    report.assumed_share = (sum(f.tag == "assumed" for f in answer.findings) / len(answer.findings)
                            if answer.findings else 0.0)
    report.passed = not (report.ungrounded or report.contradictions or report.so_what_missing
                         or report.format_issues)
    return answer.model_copy(update={"verification": report, "confidence": _confidence(answer, report, ctx)})


def _confidence(answer: Answer, report: Verification, ctx: CompanyContext | None) -> str:
    if not answer.findings or report.assumed_share > 0.5:
        return "low"
    verified = sum(f.tag == "verified" for f in answer.findings) / len(answer.findings)
    level = "high" if verified >= 0.6 and not report.contradictions else "medium"
    if ctx is None or not ctx.found or ctx.stale:
        level = "medium" if level == "high" else level
    return level


def with_confidence_note(answer: Answer) -> Answer:
    """Say low confidence in the bottom line itself, where the founder reads first."""
    if answer.verification.assumed_share > 0.5 and LOW_CONFIDENCE_NOTE not in answer.bottom_line:
        return answer.model_copy(update={"bottom_line": f"{answer.bottom_line} {LOW_CONFIDENCE_NOTE}"})
    return answer
