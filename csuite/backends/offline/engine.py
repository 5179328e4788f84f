"""The offline advisor engine: a complete, deterministic answer with no network.

It writes findings from the founder's tool results and alerts, the why from the role
knowledge, dated actions with owners, risks, a decision with a recommendation and, where data
is missing, the diagnostic questions still to answer. It cites evidence ids; it never sets the
final tags (verification does), so it claims every finding as verified and lets code decide.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from csuite.answer import (
    Action,
    AlertNote,
    Answer,
    Decision,
    DecisionOption,
    Evidence,
    Finding,
)
from csuite.backends.offline import adapters  # noqa: F401  (registers the per-tool finding adapters)
from csuite.backends.offline.findings import cite, tool_findings, untraceable_flags
from csuite.backends.request import DraftRequest
from csuite.checks.verify import MAX_BULLETS, tag_finding
from csuite.context.alerts import Alert
from csuite.io.numbers import find_mentions
from csuite.knowledge.models import RoleKnowledge, Topic
from csuite.knowledge.thresholds import alert_rules, section

ROLE_TITLES = {"cro": "CRO", "cco": "CCO"}
MAX_FINDINGS = MAX_BULLETS
# An alert's metric whose evidence lives under another id.
_EVIDENCE_ID = {"context_age_days": "ctx.age_days"}


def alert_note(alert: Alert) -> AlertNote:
    return AlertNote(id=alert.id, role=alert.role, severity=alert.severity, message=alert.message,
                     why=alert.why, action=alert.action)


def relevant_alerts(alerts: list[Alert], role: str, topics: list[Topic]) -> list[Alert]:
    """Alerts the topic names first, then the role's own high-severity alerts: proactive means
    the founder hears about a leaking bucket even when asking about something else."""
    named = {a for t in topics for a in t.alerts}
    first = [a for a in alerts if a.id in named]
    rest = [a for a in alerts if a.id not in named and a.role == role and a.severity == "high"]
    # Whoever answers, advice built on an old context must say so.
    stale = [a for a in alerts if a.id == "context_stale" and a not in first]
    return (first + rest + stale)[:MAX_BULLETS]


def _condition_phrase(alert: Alert, evidence: dict[str, Evidence]) -> str:
    """How the value crossed the line, in words, using the threshold evidence for its number."""
    rule = alert_rules()[alert.id]
    if rule.finding:
        return rule.finding
    phrases = []
    for cond in rule.conditions:
        if cond.rule == "declining":
            count = _WORDS.get(cond.steps, "several")
            phrases.append(f"falling in each of the last {count} periods")
        elif cond.rule == "older_than_months":
            phrases.append(f"more than {_WORDS.get(int(cond.value or 0), f'{cond.value:g}')} months ago")
        elif cond is rule.conditions[0] and f"threshold.{alert.id}" in evidence:
            line = evidence[f"threshold.{alert.id}"].display()
            phrases.append(f"{'under' if cond.op in ('<', '<=') else 'over'} the {line} alert line")
    return ", ".join(phrases)


def alert_finding(alert: Alert, evidence: dict[str, Evidence]) -> Finding:
    """State the founder's number (🟢 on its own) and, where a threshold is quoted, the line it
    crossed (which makes the finding 🟡: the line is our framework, not their data)."""
    sources = [_EVIDENCE_ID.get(m, f"ctx.{m}") for m in alert.values]
    sources = [s for s in sources if s in evidence]
    parts = [f"{evidence[s].label[:1].upper()}{evidence[s].label[1:]} is {evidence[s].display()}" for s in sources]
    phrase = _condition_phrase(alert, evidence)
    text = " and ".join(parts) + (f": {phrase}" if phrase else "")
    if "alert line" in phrase:
        sources.append(f"threshold.{alert.id}")
    # The YAML's "why" may quote rule-of-thumb numbers we hold no evidence for; it goes to WHY
    # THIS MATTERS, and the finding's consequence stays number-free.
    so_what = alert.why if not find_mentions(alert.why) else _CONSEQUENCE.get(alert.role, _CONSEQUENCE["cro"])
    return Finding(text=text, so_what=so_what, sources=sources, tag="verified", topic=None)


_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 12: "twelve"}

_CONSEQUENCE = {
    "cro": "left alone, it makes next quarter's number harder to hit and the forecast harder to trust",
    "cco": "left alone, it shrinks the installed base that every growth plan assumes",
}


_BAND = re.compile(r"^(?:(?P<lo>\d+)-(?P<hi>\d+)k|<(?P<under>\d+)k|>(?P<over>\d+)k)$")


def _in_band(band: str, acv: float) -> bool:
    """'25-50k' holds 25,000 ≤ ACV < 50,000; '<12k' and '>250k' are the open ends."""
    match = _BAND.match(band.strip().lower())
    if not match:
        return False
    if match.group("under"):
        return acv < float(match.group("under")) * 1000
    if match.group("over"):
        return acv >= float(match.group("over")) * 1000
    return float(match.group("lo")) * 1000 <= acv < float(match.group("hi")) * 1000


_ACRONYMS = {"nrr", "grr", "arr", "acv", "ltv", "cac", "csm", "ae"}


def _benchmark_title(key: str) -> str:
    words = [w.upper() if w in _ACRONYMS else w for w in key.replace(".", " ").split("_")]
    text = " ".join(words)
    text = re.sub(r"^(NRR|GRR) median by ACV$", r"Median \1 by ACV band", text)
    return text[:1].upper() + text[1:]


def benchmark_findings(topics: list[Topic], evidence: dict[str, Evidence], limit: int) -> list[Finding]:
    """With no founder data on the question, the honest fallback is the benchmark itself,
    labelled as one; with the founder's ACV known, only the band that applies to them."""
    acv = evidence.get("ctx.acv")
    out: list[Finding] = []
    for topic in topics:
        for key in topic.benchmarks:
            items = [e for e in evidence.values() if e.kind == "benchmark" and
                     (e.id == f"bench.{key}" or e.id.startswith(f"bench.{key}."))]
            if not items:
                continue
            band = [e for e in items if acv is not None and isinstance(acv.value, (int, float))
                    and _in_band(e.id.rsplit(".", 1)[-1], float(acv.value))]
            if band:
                item = band[0]
                text = (f"{_benchmark_title(key)}: for an ACV of {acv.display()} "
                        f"(band {item.id.rsplit('.', 1)[-1]}) the median is {item.display()}")
                sources = [item.id, acv.id]
            elif len(items) == 1 and items[0].id == f"bench.{key}":
                text = f"Benchmark — {_benchmark_title(key)}: {items[0].display()}"
                sources = [items[0].id]
            else:
                shown = items[:6]
                text = f"{_benchmark_title(key)}: " + ", ".join(
                    f"{e.label.split(' — ')[-1]} {e.display()}" for e in shown)
                sources = [e.id for e in shown]
            out.append(Finding(text=text, so_what=f"use it as the yardstick for {topic.title.lower()} until your own "
                                                  "numbers replace it", sources=sources, tag="medium", topic=topic.id))
            if len(out) >= limit:
                return out
    return out


def _deadline(as_of: date, days: int) -> str:
    return (as_of + timedelta(days=days)).isoformat()


def _actions(req: DraftRequest, topics: list[Topic], alerts: list[Alert], role: str) -> list[Action]:
    actions: list[Action] = []
    for alert in alerts[:2]:
        if alert.role == role:
            actions.append(Action(id=f"alert.{alert.id}", action=alert.action,
                                  owner=ROLE_TITLES[alert.role],
                                  deadline=_deadline(req.as_of, section("verify")["alert_action_deadline_days"])))
    for topic in topics:
        for i, item in enumerate(topic.actions, start=1):
            actions.append(Action(id=f"{role}.{topic.id}.{i}", action=item.action, owner=item.owner,
                                  deadline=_deadline(req.as_of, item.deadline_days)))
    blocked = {b.strip().lower() for b in req.rejected}
    kept = [a for a in actions if a.id.lower() not in blocked and a.action.strip().lower() not in blocked]
    return kept[:5]


def _decision(topic: Topic) -> Decision:
    return Decision(question=topic.decision.question,
                    options=[DecisionOption(option=o.option, tradeoff=o.tradeoff) for o in topic.decision.options],
                    recommendation=topic.decision.recommendation.strip())


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    for end in (". ", "; "):
        if end in text:
            return text.split(end, 1)[0] + "."
    return text


def draft(req: DraftRequest, knowledge: RoleKnowledge) -> Answer:
    role = knowledge.role
    topics = [knowledge.topic(t) for t in req.topics if any(x.id == t for x in knowledge.topics)] \
        or [knowledge.topics[0]]
    evidence = {e.id: e for e in req.evidence}
    alerts = relevant_alerts(req.alerts, role, topics)

    findings: list[Finding] = []
    for run in req.runs:
        findings.extend(tool_findings(run, evidence))
    tool_count = len(findings)
    findings = findings[:3]
    alert_of: dict[str, Alert] = {}
    for alert in alerts:
        if len(findings) >= MAX_FINDINGS - (1 if tool_count == 0 else 0):
            break
        finding = alert_finding(alert, evidence)
        alert_of[finding.text] = alert
        findings.append(finding)
    # The yardstick: always one benchmark when the founder's own tool data is absent (the band
    # that fits their ACV when we know it), more when there is little else to say.
    if tool_count == 0:
        wanted = MAX_FINDINGS - len(findings) if len(findings) < 2 else 1
        findings.extend(benchmark_findings(topics, evidence, limit=max(0, min(wanted, MAX_FINDINGS - len(findings)))))
    if not findings:
        findings.append(Finding(text=f"No data yet on {topics[0].title.lower()}",
                                so_what="any number here would be a guess; answer the questions below first",
                                tag="assumed", topic=topics[0].id,
                                assumption="Assumed: the advisor has neither your data nor a benchmark for this"))
    findings = [f.model_copy(update={"sources": f.sources or cite(f.text + " " + f.so_what, evidence)})
                for f in findings[:MAX_FINDINGS]]
    # The engine claims the tag its own citations support; verification recomputes it anyway.
    findings = [f.model_copy(update={"tag": tag_finding(f, evidence)[0]}) for f in findings]

    why = [" ".join(t.why.split()) for t in topics[:2]]
    if alerts:
        why.append(alerts[0].why)
    actions = _actions(req, topics, alerts, role)
    risks = _risks(req, alerts, evidence)
    questions: list[str] = []
    if req.missing_tools or not req.runs:
        questions = list(topics[0].diagnostic_questions[:4])
    decision = _decision(topics[0])

    headline = findings[0]
    if headline.text in alert_of:
        # An alert headline carries its own first move; the topic's recommendation may be about
        # something else.
        bottom = f"{headline.text}. {alert_of[headline.text].action}"
    elif headline.tag == "verified":
        bottom = f"{headline.text}. {_first_sentence(decision.recommendation)}"
    else:
        # Without the founder's own numbers a recommendation would be a guess dressed as advice.
        bottom = f"{headline.text}. That is a yardstick, not a verdict on your business."
    if not req.runs and req.missing_tools:
        bottom += (f" Send your data (`--data`) for {', '.join(req.missing_tools[:2])} and answer the questions "
                   "below to test this against your own accounts.")
    return Answer(question=req.question, role=role, consulted=list(req.consulted), bottom_line=bottom,
                  findings=findings, why=why[:5], actions=actions, risks=risks[:5], decision=decision,
                  questions=questions, alerts=[alert_note(a) for a in alerts], evidence=list(req.evidence),
                  tools_run=[r.tool for r in req.runs], topics=[t.id for t in topics], backend="offline")


def _risks(req: DraftRequest, alerts: list[Alert], evidence: dict[str, Evidence]) -> list[str]:
    risks: list[str] = []
    ctx = req.ctx
    if not ctx.found:
        risks.append("No company-context.md: alerts on NRR, coverage, concentration and pricing could not run.")
    elif ctx.stale:
        risks.append(f"company-context.md is {ctx.age_days} days old; its metrics may have moved.")
    for run in req.runs:
        for warning in [*run.warnings, *untraceable_flags(run, evidence)][:2]:
            risks.append(f"{run.tool}: {warning}")
    for alert in req.alerts:
        if alert not in alerts and alert.severity == "high":
            risks.append(f"Also open: {alert.id.replace('_', ' ')} ({alert.message}).")
    if req.missing_tools:
        risks.append("Without your data for " + ", ".join(req.missing_tools[:3]) +
                     ", parts of this answer rest on benchmarks, not your numbers.")
    return risks
