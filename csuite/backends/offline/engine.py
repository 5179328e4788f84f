"""The offline advisor engine: a complete, deterministic answer with no network, in the
founder's language.

The bottom line is the verdict the analysis stage computed on the founder's decision, in the
question's terms; the findings are the figures it rests on (contrary evidence first), then the
tools' other decision-relevant figures and the alerts that bear on the question. The why,
actions and diagnostic questions come from the role's knowledge; the decision block offers the
options of *this* decision. Every sentence comes from the phrasebook with its numbers bound to
evidence; the engine claims 🟢 and verification decides.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Iterable

from csuite.analysis.models import Brief, Point
from csuite.analysis.writer import Written, fill, finding, write
from csuite.answer import (
    Action,
    AlertNote,
    Answer,
    Decision,
    DecisionOption,
    Evidence,
    Finding,
    shown_in,
)
from csuite.backends.base import BaseBackend
from csuite.backends.offline.adapters import tool_points
from csuite.backends.request import DraftRequest
from csuite.checks.verify import sentences, tag_finding
from csuite.context.alerts import Alert
from csuite.io.numbers import find_mentions, numeric_values
from csuite.knowledge.alert_text import alert_label, context_evidence_id
from csuite.knowledge.bilingual import Lang, cjk_share, pick
from csuite.knowledge.models import RoleKnowledge, Topic, load_knowledge
from csuite.knowledge.phrases import has_phrase, phrase
from csuite.knowledge.thresholds import alert_rules, section
from csuite.routing.text import STOP_EN
from csuite.tools.base import Flag
from csuite.tools.registry import tool_title
from csuite.tools.texts import ToolTexts

MAX_FINDINGS: int = section("verify")["max_bullets"]


class OfflineBackend(BaseBackend):
    """The default backend: drafts with this module, never calls a network."""

    name = "offline"

    def draft(self, request: DraftRequest, knowledge: RoleKnowledge) -> Answer:
        return draft(request, knowledge)


# -- alerts ------------------------------------------------------------------------------------

def alert_note(alert: Alert, lang: Lang = "en") -> AlertNote:
    return AlertNote(id=alert.id, role=alert.role, severity=alert.severity, message=_alert_message(alert, lang),
                     why=pick(alert.why, lang), action=pick(alert.action, lang), label=alert_label(alert.id, lang))


def _alert_message(alert: Alert, lang: Lang) -> str:
    message = getattr(alert, "message_text", None)
    return pick(message, lang) if message is not None else pick(alert.message, lang)


def relevant_alerts(alerts: list[Alert], role: str, topics: list[Topic], decision_alerts: Iterable[str] = ()) -> list[Alert]:
    """The alerts that bear on the question: the decision's own (in the decision's order), else
    the topic's; then the role's own high-severity alerts, because proactive means the founder
    hears about a leaking bucket even when asking about something else."""
    wanted = list(decision_alerts) or [a for t in topics for a in t.alerts]
    by_id = {a.id: a for a in alerts}
    first = [by_id[a] for a in dict.fromkeys(wanted) if a in by_id]
    rest = [a for a in alerts if a not in first and a.role == role and a.severity == "high"]
    stale = [a for a in alerts if a.id == "context_stale" and a not in first]
    return (first + rest + stale)[:MAX_FINDINGS]


def alert_point(alert: Alert, pool: dict[str, Evidence]) -> Point | None:
    """The founder's number and, where a threshold is quoted, the line it crossed."""
    rule = alert_rules()[alert.id]
    sources = [s for s in (context_evidence_id(m) for m in alert.values) if s in pool]
    if not sources:
        return None
    metric = alert.metric if alert.metric in alert.values else next(iter(alert.values))
    first = context_evidence_id(metric)
    if first not in pool:
        first = sources[0]
    names = {"metric": metric}
    condition = rule.conditions[0]
    line = f"threshold.{alert.id}"
    if condition.rule == "declining":
        return Point(phrase="points.alert.declining", figures={"series": first}, names=names)
    if condition.rule == "older_than_months" and line in pool:
        return Point(phrase="points.alert.older", figures={"months": line}, names={**names,
                     "date": str(pool[first].value)})
    if line in pool and condition.op is not None:
        key = "points.alert.below" if condition.op in ("<", "<=") else "points.alert.above"
        return Point(phrase=key, figures={"value": first, "line": line}, names=names)
    return Point(phrase="points.alert.stated", figures={"value": first}, names=names)


def _metric_name(metric: str, lang: Lang) -> str:
    key = f"metrics.{metric}"
    return phrase(key, lang) if has_phrase(key) else metric.replace("_", " ")


def write_alert(point: Point, alert: Alert, pool: dict[str, Evidence], lang: Lang) -> Finding:
    literals = {"metric": _metric_name(point.names.get("metric", ""), lang)}
    names = {k: v for k, v in point.names.items() if k != "metric"}
    text = fill(phrase(point.phrase, lang), lang, pool, figures=point.figures, names=names, literals=literals)
    so_what = phrase(f"consequences.{alert.role}", lang)
    return Finding(text=text.text[:1].upper() + text.text[1:], so_what=so_what, sources=text.sources,
                   names=text.names, tag="verified")


# -- findings ----------------------------------------------------------------------------------

def _usable(point: Point, pool: dict[str, Evidence]) -> bool:
    """Every figure a point needs is in the pool (an adapter never prints a blank)."""
    return all(f in pool and pool[f].value is not None for f in point.figures.values())


def _decision_points(decision: str | None) -> tuple[str, ...]:
    """The tool findings that belong to an answer on `decision` (thresholds.yaml `verdicts.<decision>.
    points`: phrase keys, or a prefix such as `points.metrics` for all of a tool's)."""
    return tuple(section("verdicts").get(decision, {}).get("points", ())) if decision else ()


def _bound(point: Point, keys: tuple[str, ...]) -> bool:
    return any(point.phrase == key or point.phrase.startswith(key + ".") for key in keys)


def _findings(req: DraftRequest, pool: dict[str, Evidence], alerts: list[Alert], lang: Lang,
              cited: set[str], decision_alerts: Iterable[str] = ()) -> list[Finding]:
    """The findings, those that bear on the decision first: the verdict's own figures (contrary
    evidence first), the tool figures the decision reads, the alerts it names; then the tools'
    other figures and the other alerts, which the one-screen form leaves out."""
    brief = req.brief
    decision = brief.decision if brief is not None else (req.entry.id if req.entry is not None else None)
    wanted = _decision_points(decision)
    out: list[Finding] = []
    phrases_used: set[str] = set()

    def add(point: Point) -> None:
        if len(out) >= MAX_FINDINGS or point.phrase in phrases_used or not _usable(point, pool):
            return
        figures = set(point.figures.values())
        if figures and len(figures & cited) * 2 >= len(figures) and not point.against:
            return  # the bottom line already states every one of its figures (contrary evidence still
            # gets its own finding: the founder should read why, not only that)
        written = finding(point, lang, pool)
        out.append(written.model_copy(update={"tag": tag_finding(written, pool)[0]}))
        phrases_used.add(point.phrase)
        cited.update(figures)

    def add_alert(alert: Alert) -> None:
        point = alert_point(alert, pool)
        if len(out) >= MAX_FINDINGS or point is None or set(point.figures.values()) <= cited \
                or f"threshold.{alert.id}" in cited:
            return  # its figures, or the line it crossed, are already said (the file's magic number
            # under the line is not repeated as the context's)
        written = write_alert(point, alert, pool, lang)
        out.append(written.model_copy(update={"tag": tag_finding(written, pool)[0]}))
        cited.update(point.figures.values())

    if brief is not None:
        for point in sorted(brief.points, key=lambda p: not p.against):
            add(point)
    points = [point for run in req.runs for point in tool_points(run, lang)]
    bound = sorted((p for p in points if _bound(p, wanted)),
                   key=lambda p: next(i for i, key in enumerate(wanted) if _bound(p, (key,))))
    for point in bound:
        add(point)
    named = set(decision_alerts)
    for alert in alerts:
        if alert.id in named:
            add_alert(alert)
    for point in points:
        if point not in bound:
            add(point)
    for alert in alerts:
        if alert.id not in named:
            add_alert(alert)
    return out


# -- why, actions, risks, decision -------------------------------------------------------------

def labelled(text: str, pool: dict[str, Evidence], lang: Lang, label: str = "notes.benchmark_label") -> str:
    """Knowledge text is the role's know-how, never this company's data: a sentence of it that
    quotes a number (a rule of thumb such as "win rates of 25–33%") is marked as such, so it is
    never read as the founder's figure, even when the number happens to equal one of theirs."""
    out = []
    for sentence in sentences(text):
        if not find_mentions(sentence):
            out.append(sentence.strip())
            continue
        body = sentence.strip()
        end = body[-1] if body[-1] in ".。!！?？；;" else ""
        mark = phrase(label, lang)
        out.append(f"{body[:-1] if end else body}{'' if lang == 'zh' else ' '}{mark}{end}")
    return ("" if lang == "zh" else " ").join(out)


def _why(req: DraftRequest, topics: list[Topic], alerts: list[Alert], pool: dict[str, Evidence], lang: Lang) -> list[str]:
    lines = [labelled(" ".join(pick(t.why, lang).split()), pool, lang) for t in topics[:1]]
    if alerts:
        lines.append(labelled(pick(alerts[0].why, lang), pool, lang))
    return list(dict.fromkeys(lines))


def _deadline(as_of: date, days: int) -> str:
    return (as_of + timedelta(days=days)).isoformat()


def _actions(req: DraftRequest, topics: list[Topic], alerts: list[Alert], role: str, lang: Lang,
             pool: dict[str, Evidence], recommendation: str, english_recommendation: str,
             decision_alerts: Iterable[str] = ()) -> list[Action]:
    """What to do on Monday: the verdict's own move first (when the analysis reached one), then
    the first moves of the alerts and the topic, each said once. Repeats are judged on the English
    texts, so a question and its Chinese twin get the same moves."""
    candidates: list[tuple[Action, str]] = []
    brief = req.brief
    if brief is not None and recommendation:
        candidates.append((Action(id=f"{brief.decision}.{brief.verdict}", action=_move(recommendation, lang),
                                  owner=phrase(f"labels.role_{role}", lang),
                                  deadline=_deadline(req.as_of, section("verify")["verdict_action_deadline_days"])),
                           _move(english_recommendation, "en")))
    # With a decision, only the alerts that bear on it lend their first move (a shrinking base is
    # no action item for "which deals do we work this week?"); without one, the topic's alerts.
    bearing = set(decision_alerts) if brief is not None else None
    for alert in alerts[:2]:
        if alert.role == role and (bearing is None or alert.id in bearing):
            candidates.append((Action(id=f"alert.{alert.id}", action=labelled(pick(alert.action, lang), pool, lang,
                                                                              "notes.rule_label"),
                                      owner=phrase(f"labels.role_{alert.role}", lang),
                                      deadline=_deadline(req.as_of, section("verify")["alert_action_deadline_days"])),
                               alert.texts.action.get("en")))
    for topic in topics:
        english = load_knowledge(role, "en").topic(topic.id).actions   # type: ignore[arg-type]
        for i, (item, in_english) in enumerate(zip(topic.actions, english), start=1):
            candidates.append((Action(id=f"{role}.{topic.id}.{i}", action=labelled(pick(item.action, lang), pool, lang,
                                                                                    "notes.rule_label"),
                                      owner=pick(item.owner, lang), deadline=_deadline(req.as_of, item.deadline_days)),
                               pick(in_english.action, "en")))
    blocked = {b.strip().lower() for b in req.rejected}
    allowed = [(a, en) for a, en in candidates if a.id.lower() not in blocked and a.action.strip().lower() not in blocked]
    return _said_once(allowed)[:3]


def _move(recommendation: str, lang: Lang) -> str:
    """The move a recommendation makes, without the reasoning after its semicolon ("Call the
    quarter at $1M now, and work the largest deals; a discount push would only pull…")."""
    head = re.split(r"；|; ", recommendation, maxsplit=1)[0].rstrip(" .。")
    return head + ("。" if lang == "zh" else ".")


def _said_once(candidates: list[tuple[Action, str]]) -> list[Action]:
    """Actions in order, without one that says what an earlier one already says: three ways of
    writing "re-weight the forecast by stage win rates" are one move to a founder. Two actions
    are one move when the shorter English text shares `verify.action_overlap` of its content
    words with the longer (thresholds.yaml)."""
    limit = section("verify")["action_overlap"]
    kept: list[tuple[Action, set[str]]] = []
    for action, english in candidates:
        words = _content_words(english)
        if not any(_overlap(words, earlier) >= limit for _, earlier in kept):
            kept.append((action, words))
    return [action for action, _ in kept]


def _content_words(text: str) -> set[str]:
    """English words of four letters or more, less the router's stop words, by their first five
    letters (forecast, forecasts). The router's stems are not used: they make short distinct
    moves ("Set a dated GRR target", "Model capacity by quarter") as alike as two rewordings."""
    return {w[:5] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in STOP_EN}


def _overlap(first: set[str], second: set[str]) -> float:
    smaller = min(len(first), len(second))
    return len(first & second) / smaller if smaller else 0.0


def flag_text(run_tool: str, flag: Flag, lang: Lang) -> str:
    """A tool flag in the answer's language: the tool's own sentence, translated by its texts
    (csuite/data/tool_texts.yaml, the one source of every tool's wording)."""
    return tool_sentence(run_tool, flag.message, lang)


def tool_sentence(tool: str, sentence: str, lang: Lang) -> str:
    """A sentence a tool wrote (a flag or a warning) in the answer's language. One the tool's
    texts cannot translate is named by the tool's title in a Chinese answer, never quoted in
    English."""
    said = ToolTexts(tool.split("@", 1)[0], lang).say(sentence)
    if lang == "zh" and said == sentence and cjk_share(sentence) < 0.5:
        return phrase("notes.tool_note_untranslated", lang).format(tool=tool_title(tool, lang))
    return said


def _flags_said(req: DraftRequest, findings: list[Finding], bottom_sources: list[str],
                pool: dict[str, Evidence]) -> set[str]:
    """Flags the answer already states: a finding (or the bottom line) cites a figure equal to the
    flag's own value ("coverage 1.27x" is the coverage flag said once, not twice)."""
    cited = [(pool[s].unit, v) for s in [*bottom_sources, *(s for f in findings for s in f.sources)] if s in pool
             for v in numeric_values(pool[s].value)]
    said = set()
    for run in req.runs:
        for flag in run.flags:
            unit = getattr(flag, "unit", None)
            if flag.value is None or unit in (None, "count"):
                continue  # a count (3 deals) matches too many figures to say which
            if any(u == unit and abs(v - flag.value) <= 1e-9 * max(1.0, abs(v)) for u, v in cited):
                said.add(flag.id)
    return said


def _one_of_each(flags: list[Flag]) -> list[Flag]:
    """Flags most severe first, one of each kind: the same flag again for the next quarter adds
    little a founder acts on (the tool's JSON keeps every one)."""
    first: dict[str, Flag] = {}
    for flag in flags:
        first.setdefault(flag.id, flag)
    return sorted(first.values(), key=lambda f: {"high": 0, "medium": 1, "low": 2}[f.severity])


def _risks(req: DraftRequest, brief: Brief | None, lang: Lang, used_flags: set[str]) -> list[str]:
    risks: list[str] = []
    ctx = req.ctx
    if not ctx.found:
        risks.append(phrase("notes.missing_context", lang))
    elif ctx.stale:
        risks.append(phrase("notes.stale_context", lang).format(days=ctx.age_days))
    decision_tools = set(req.entry.tools) if req.entry is not None else set()
    for run in sorted(req.runs, key=lambda r: r.tool not in decision_tools):   # the decision's tools first
        flags = [f for f in run.flags if f.id not in used_flags and f.id not in alert_rules()]  # alerts: own block
        risks += [flag_text(run.tool, flag, lang) for flag in _one_of_each(flags)[:2]]
        if run.warnings:
            risks.append(tool_sentence(run.tool, run.warnings[0], lang))
    missing = list(brief.missing) if brief is not None else []
    if missing:
        files = phrase("labels.list_sep", lang).join(phrase(f"data_kinds.{k}", lang) for k in missing
                                                      if has_phrase(f"data_kinds.{k}"))
        if files:
            risks.append(phrase("notes.send_data", lang).format(files=files))
    return risks[:MAX_FINDINGS]


def _decision(req: DraftRequest, topics: list[Topic], recommendation: str, lang: Lang) -> Decision:
    entry = req.entry
    if entry is not None:
        return Decision(question=pick(entry.question, lang),
                        options=[DecisionOption(option=pick(o.option, lang), tradeoff=pick(o.tradeoff, lang))
                                 for o in entry.options],
                        recommendation=recommendation)
    topic = topics[0]
    return Decision(question=pick(topic.decision.question, lang),
                    options=[DecisionOption(option=pick(o.option, lang), tradeoff=pick(o.tradeoff, lang))
                             for o in topic.decision.options],
                    recommendation=recommendation or labelled(pick(topic.decision.recommendation, lang).strip(),
                                                              {}, lang))


# -- the draft ---------------------------------------------------------------------------------

def _bottom_line(req: DraftRequest, pool: dict[str, Evidence], findings: list[Finding], topics: list[Topic],
                 lang: Lang) -> tuple[str, str, list[str], list[str]]:
    """(bottom line, recommendation, sources, names): the verdict when the analysis has one, else
    the company's most decision-relevant figure — never a benchmark — and what would settle it."""
    brief = req.brief
    if brief is not None:
        head = write(brief.headline, lang, pool)
        rec = write(brief.recommendation, lang, pool)
        return f"{head.text} {rec.text}".strip(), rec.text, head.sources + rec.sources, head.names + rec.names
    recommendation = labelled(pick(topics[0].decision.recommendation, lang).strip(), pool, lang)
    lead = next((f for f in findings if any(pool[s].kind == "founder_data" for s in f.sources if s in pool)), None)
    if lead is not None:
        first = recommendation.split(". ")[0].rstrip(".") + "." if lang == "en" else recommendation.split("。")[0] + "。"
        text = lead.text if lead.text.endswith(("。", ".")) else lead.text + ("。" if lang == "zh" else ".")
        return f"{text} {first}", recommendation, list(lead.sources), list(lead.names)
    kinds = [k for t in topics[:1] for k in t.data_kinds]
    files = phrase("labels.list_sep", lang).join(phrase(f"data_kinds.{k}", lang) for k in kinds[:2]
                                                  if has_phrase(f"data_kinds.{k}"))
    text = phrase("notes.no_numbers_yet", lang).format(topic=pick(topics[0].title, lang).lower() if lang == "en"
                                                        else pick(topics[0].title, lang), files=files or "—")
    return text, recommendation, [], []


def _english_recommendation(req: DraftRequest, evidence: dict[str, Evidence], recommendation: str, lang: Lang) -> str:
    """The verdict's move in English, the language repeats among actions are judged in."""
    if lang == "en" or req.brief is None:
        return recommendation
    return write(req.brief.recommendation, "en", shown_in(evidence, "en")).text


def draft(req: DraftRequest, knowledge: RoleKnowledge) -> Answer:
    role = knowledge.role
    lang = req.lang
    topics = [knowledge.topic(t) for t in req.topics if any(x.id == t for x in knowledge.topics)] \
        or [knowledge.topics[0]]
    evidence = {e.id: e for e in req.evidence}
    for item in (req.brief.derived if req.brief else []):
        evidence.setdefault(item.id, item)
    pool = shown_in(evidence, lang)   # sentences write a duration's unit in the answer's language
    decision_alerts = section("verdicts").get(req.brief.decision, {}).get("alerts", []) if req.brief else []
    alerts = relevant_alerts(req.alerts, role, topics, decision_alerts)

    cited: set[str] = set()
    if req.brief is not None:
        cited.update(req.brief.headline.figures.values())
    findings = _findings(req, pool, alerts, lang, cited, decision_alerts)
    if not findings:
        findings.append(Finding(text=phrase("notes.no_findings", lang), so_what=phrase("notes.no_findings_so_what", lang),
                                tag="assumed", assumption=phrase("notes.no_findings_assumption", lang)))
    bottom, recommendation, bottom_sources, names = _bottom_line(req, pool, findings, topics, lang)
    used_flags = _flags_said(req, findings, bottom_sources, pool)
    questions: list[str] = []
    if not req.runs and (req.brief is None or req.brief.verdict.startswith(("no_data", "needs"))):
        questions = [pick(q, lang) for q in topics[0].diagnostic_questions[:3]]
    alert_ids = {a.id for a in alerts}
    return Answer(
        question=req.question, language=lang, understood=req.understood, role=role, consulted=list(req.consulted),
        decision_id=req.brief.decision if req.brief else (req.entry.id if req.entry is not None else None),
        verdict=req.brief.verdict if req.brief else None,
        bottom_line=bottom, bottom_line_sources=list(dict.fromkeys(bottom_sources)), findings=findings, why=_why(req, topics, alerts, pool, lang),
        actions=_actions(req, topics, alerts, role, lang, pool, recommendation,
                         _english_recommendation(req, evidence, recommendation, lang), decision_alerts), risks=_risks(req, req.brief, lang, used_flags),
        decision=_decision(req, topics, recommendation, lang), questions=questions,
        alerts=[alert_note(a, lang) for a in alerts],
        more_alerts=[alert_label(a.id, lang) for a in req.alerts if a.id not in alert_ids],
        evidence=list(evidence.values()), tools_run=[r.tool for r in req.runs], topics=[t.id for t in topics],
        backend="offline", names=list(dict.fromkeys(names + [n for f in findings for n in f.names])))


__all__ = ["OfflineBackend", "alert_note", "draft", "relevant_alerts", "Written"]
