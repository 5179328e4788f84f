"""Self-verify: code, not the model, decides every tag and the answer's confidence.

Runs on every draft from every backend, over the whole answer:

- each finding's numbers are traced to the evidence it cites; its tag follows the kind of
  evidence behind it (founder data 🟢; benchmark, framework or inference 🟡; nothing 🔴);
- every number in every other field (bottom line, why, actions, risks, decision) must be held by
  some evidence or the context; a sentence with a number nothing holds is removed and reported;
- names from the founder's data (deal and account names, "AC-118") are quoted text, not claims;
- contradictions with the company context are caught wherever they are written;
- the bottom line states the verdict's figures (the target, the odds) when the analysis made one,
  is written in the answer's language, and opens with no stock sentence;
- recommendations the founder already rejected are removed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Iterable, Iterator

from csuite.analysis.models import Brief
from csuite.analysis.writer import write
from csuite.answer import Answer, Downgrade, Evidence, Finding, Tag, Verification
from csuite.context.parse import METRICS, CompanyContext, metric_unit
from csuite.evidence.collect import index
from csuite.io.numbers import Mention, find_mentions, matches, numeric_values
from csuite.knowledge.bilingual import cjk_share
from csuite.knowledge.phrases import phrase
from csuite.knowledge.thresholds import section
from csuite.routing.text import FOLD, may_hold

TAG_RANK: dict[str, int] = {"assumed": 0, "medium": 1, "verified": 2}
MAX_BULLETS: int = section("verify")["max_bullets"]
MEDIUM_KINDS = {"benchmark", "framework", "inference"}


def mask_names(text: str, names: Iterable[str]) -> str:
    """Names from the founder's data read as quoted text: "AC-118" or "Acme 2026" carry no claim."""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = text.replace(name, " " * len(name))
    return text


def mentions(text: str, names: Iterable[str] = ()) -> list[Mention]:
    return find_mentions(mask_names(text, names))


def tag_finding(finding: Finding, evidence: dict[str, Evidence]) -> tuple[Tag, list[str], list[str]]:
    """(tag, ungrounded number texts, unknown source ids) for one finding."""
    unknown = [s for s in finding.sources if s not in evidence]
    cited = [evidence[s] for s in finding.sources if s in evidence]
    found = mentions(finding.text, finding.names) + mentions(finding.so_what, finding.names)
    ungrounded: list[str] = []
    number_tags: list[Tag] = []
    for mention in found:
        # A number may also come from what a cited item is (the "25-50k" band of a benchmark).
        backing = [e for e in cited if matches(mention, numeric_values(e.value))
                   or matches(mention, [m.value for m in find_mentions(e.label)])]
        if not backing:
            ungrounded.append(mention.text)
            continue
        kinds = {e.kind for e in backing}
        if "founder_data" in kinds:
            number_tags.append("verified")
        elif kinds & MEDIUM_KINDS:
            number_tags.append("medium")
        else:
            number_tags.append("assumed")
    if unknown or ungrounded:
        # An evidence id nobody computed is a claim with nothing behind it, never 🟢.
        return "assumed", ungrounded, unknown
    if number_tags:
        return min(number_tags, key=TAG_RANK.__getitem__), [], unknown
    kinds = {e.kind for e in cited}
    if kinds == {"founder_data"}:
        return "verified", [], unknown
    if kinds & ({"founder_data"} | MEDIUM_KINDS):
        return "medium", [], unknown
    return "assumed", [], unknown


def _metric_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for key, spec in METRICS.items():
        synonyms = spec[1] if isinstance(spec, tuple) else list(getattr(spec, "synonyms", []))
        if key in {"last_pricing_review", "team_size", "runway_months", "largest_customer",
                   "largest_customer_renewal"}:
            continue
        names[key] = sorted({s for s in list(synonyms) + [key.replace("_", " ")] if len(s) >= 3}, key=len,
                            reverse=True)
    return names


_NAMES = _metric_names()


# How a metric's value can be written: a share as 83% (or 0.83), money with $ or a scale, etc.
# A bare number after a money metric's name is a count, not its value ("ARR (the plan needs 4
# hires)"): money is written with a currency sign or a scale; a share as a percentage.
_KINDS_FOR_UNIT = {"fraction": {"percent"}, "usd": {"money"}, "ratio": {"ratio", "plain"},
                   "months": {"months", "plain"}, "days": {"days", "plain"}, "count": {"plain"}}


# Words between a metric's name and its number that make it another measure ("NRR without
# Acme", "GRR excluding SMB"): thresholds.yaml verify.contradiction_qualifiers.
_QUALIFIED = re.compile("|".join(
    [rf"(?<![\w]){re.escape(w)}(?![\w])" for w in section("verify")["contradiction_qualifiers"]["en"]]
    + [re.escape(w) for w in section("verify")["contradiction_qualifiers"]["zh"]]), re.I)


def name_hits(name: str, text: str, folded: str) -> Iterator[re.Match[str]]:
    """`name` standing as a word in `text`, case aside (`folded` is `text.translate(FOLD)`).

    A metric's name is rarely in a sentence, and each name's pattern costs a compile (120 of them
    in an answer); a name whose needle the folded text lacks cannot match, so it compiles none."""
    if not may_hold(folded, name):
        return iter(())
    return re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])", text, re.I)


def contradictions(text: str, where: str, ctx: CompanyContext | None, evidence: dict[str, Evidence],
                   cited: Iterable[str] | None = None) -> list[str]:
    """A number written right after a metric's name that matches neither the context nor the
    text's own evidence contradicts what the founder wrote down. A finding's own evidence is
    what it cites; for other text (`cited=None`) it is any evidence in the metric's unit, so a
    tool's 103.9% NRR beside the context's 104% is two measurements, not a contradiction."""
    if ctx is None or not ctx.found:
        return []
    cited_values = [v for s in (cited or []) if s in evidence for v in numeric_values(evidence[s].value)]
    window = section("verify")["contradiction_window_chars"]
    folded = text.translate(FOLD)
    found: list[str] = []
    for key, names in _NAMES.items():
        value = getattr(ctx.metrics, key, None)
        if value is None or isinstance(value, str):
            continue
        context_values = numeric_values(value)
        if not context_values:
            continue
        unit = metric_unit(key)
        # other text's own evidence: gathered when a number next to the name needs it, not per metric
        own_values = cited_values if cited is not None else None
        for name in names:
            issue = None
            for hit in name_hits(name, text, folded):
                rest = text[hit.end():]
                stated = find_mentions(rest)
                if not stated or rest.find(stated[0].text) > window:
                    continue
                first = stated[0]
                if first.kind not in _KINDS_FOR_UNIT.get(unit, {first.kind}):
                    continue  # "GRR on a $4.2M base": the number is about something else
                if _QUALIFIED.search(rest[:rest.find(first.text)]):
                    continue  # "NRR without that account is 88%": another measure, not the founder's NRR
                if matches(first, context_values):
                    continue
                if own_values is None:
                    own_values = [v for e in evidence.values() if e.unit == unit and e.kind != "assumption"
                                  for v in numeric_values(e.value)]
                if matches(first, own_values):
                    continue
                said = evidence[f"ctx.{key}"].display() if f"ctx.{key}" in evidence else value
                issue = (f"{where} states {hit.group(0)} {first.text}, but {ctx.path or 'company-context.md'} "
                         f"says {ctx.metric_labels.get(key, key)} is {said}")
                break
            if issue:
                found.append(issue)
                break
    return found


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？；])")


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text) if s.strip()]


def grounded(text: str, pool_values: list[float], names: Iterable[str]) -> list[str]:
    """Number texts in `text` that no evidence value holds."""
    return [m.text for m in mentions(text, names) if not matches(m, pool_values)]


def illustration_labels() -> tuple[str, ...]:
    """The marks a sentence carries when its numbers are a rule of thumb, not the company's."""
    return tuple(phrase(f"notes.{key}", lang).strip() for key in ("benchmark_label", "illustration_label", "rule_label")
                 for lang in ("en", "zh"))


def is_labelled(sentence: str) -> bool:
    """A sentence that carries the benchmark or illustration mark claims nothing about the company."""
    return sentence.strip().rstrip("。.；;！!？?").endswith(tuple(m.rstrip("。.") for m in illustration_labels()))


def _clean_text(text: str, where: str, pool_values: list[float], names: list[str], report: Verification,
                enforce: bool) -> str:
    """Keep every sentence whose numbers some evidence holds; drop (and report) the others. A
    sentence marked as a benchmark or an illustration makes no claim about the company."""
    kept = []
    for sentence in sentences(text):
        missing = [] if is_labelled(sentence) else grounded(sentence, pool_values, names)
        if missing:
            report.ungrounded.append(f"{where}: {', '.join(missing)} not in any evidence")
            if enforce:
                report.removed.append(sentence.strip())
                continue
        kept.append(sentence.strip())
    joiner = "" if cjk_share(text) > 0.3 else " "
    return joiner.join(kept)


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


def stock_sentences() -> list[str]:
    return [_norm(s) for s in section("verify").get("stock_sentences", [])]


def _verdict_issues(answer: Answer, brief: Brief | None, pool: dict[str, Evidence]) -> list[str]:
    """The bottom line must state the figures the verdict rests on (the target, the odds)."""
    if brief is None:
        return []
    issues = []
    found = mentions(answer.bottom_line, answer.names)
    for evidence_id in brief.must_state:
        item = pool.get(evidence_id)
        if item is None:
            continue
        values = numeric_values(item.value)
        if values and not any(matches(m, values) for m in found):
            issues.append(f"the bottom line does not state {item.label} ({item.display()})")
    return issues


def _language_issue(answer: Answer) -> str | None:
    if answer.language != "zh":
        return None
    text = " ".join([answer.bottom_line, *(f.text for f in answer.findings), *answer.why])
    share = cjk_share(mask_names(text, answer.names))
    return None if share >= 0.6 else f"the answer is not in Chinese (Chinese characters {share:.0%} of letters)"


def verify(answer: Answer, evidence: Iterable[Evidence], *, ctx: CompanyContext | None = None,
           rejected: Iterable[str] = (), enforce: bool = True, brief: Brief | None = None) -> Answer:
    """Tag every finding from its evidence, check every other field, and report what failed.

    With `enforce`, what cannot stand is taken out after being reported (over-long sections
    trimmed, sentences with numbers nothing holds removed, a bottom line that lost its verdict
    given back the computed one), so the rendered answer always meets the checks even when a
    revision did not fix them.
    """
    pool = index([*evidence, *answer.evidence, *(brief.derived if brief else [])])
    names = list(answer.names) + [name for finding in answer.findings for name in finding.names]
    pool_values = _pool_values(pool)
    report = Verification(revisions=answer.verification.revisions)
    findings = [_checked_finding(number, finding, pool, ctx, report)
                for number, finding in enumerate(answer.findings)]
    answer = answer.model_copy(update={"findings": findings})
    _check_context(answer, ctx, pool, report)
    answer = _grounded_fields(answer, pool_values, names, report, enforce)

    report.verdict_issues = _verdict_issues(answer, brief, pool)
    if report.verdict_issues and enforce and brief is not None:
        # The computed verdict replaces a bottom line that does not state it (a model that lost
        # the target or the odds gets the code's sentence, never a silent pass).
        head = write(brief.headline, answer.language, pool)
        answer = answer.model_copy(update={"bottom_line": f"{head.text} {answer.bottom_line}".strip(),
                                           "names": list(dict.fromkeys(answer.names + head.names))})
    stock = [line for line in stock_sentences() if line and line in _norm(answer.bottom_line)]
    report.format_issues = _format_issues(answer) + [f"stock sentence in the bottom line: '{line}'" for line in stock]
    language = _language_issue(answer)
    if language:
        report.format_issues.append(language)
    answer = _without_rejected(answer, rejected, report)
    if enforce:
        answer = answer.model_copy(update={name: getattr(answer, name)[:MAX_BULLETS]
                                           for name in ("findings", "why", "actions", "risks")})
    report.assumed_share = (sum(finding.tag == "assumed" for finding in answer.findings) / len(answer.findings)
                            if answer.findings else 0.0)
    report.passed = not (report.ungrounded or report.contradictions or report.so_what_missing
                         or report.format_issues or report.verdict_issues)
    return answer.model_copy(update={"verification": report, "confidence": _confidence(answer, report, ctx)})


def _pool_values(pool: dict[str, Evidence]) -> list[float]:
    """Every number the evidence holds (assumptions aside), including those in what a tool said
    about the founder's file (its flags and warnings), which code computed too."""
    values = [value for item in pool.values() if item.kind != "assumption" for value in numeric_values(item.value)]
    statements = [mention for item in pool.values() if item.kind == "founder_data" and item.value is None
                  for mention in find_mentions(item.label)]
    return values + [candidate for mention in statements for candidate, _ in mention.candidates()]


def _checked_finding(number: int, finding: Finding, pool: dict[str, Evidence], ctx: CompanyContext | None,
                     report: Verification) -> Finding:
    """One finding tagged from its evidence (downgraded, with the reason, when the evidence does not
    hold it), its problems added to the report."""
    tag, ungrounded, unknown = tag_finding(finding, pool)
    for source in unknown:
        report.ungrounded.append(f"finding {number + 1} cites unknown evidence '{source}'")
    report.ungrounded += [f"finding {number + 1}: {text}" for text in ungrounded]
    found = mentions(finding.text, finding.names) + mentions(finding.so_what, finding.names)
    report.grounded_numbers += len(found) - len(ungrounded)
    issues = contradictions(finding.text, f"finding {number + 1}", ctx, pool, finding.sources)
    report.contradictions += issues
    if issues and tag != "assumed":
        tag = "assumed"
    if TAG_RANK[tag] < TAG_RANK[finding.tag]:
        reason = ("numbers not in cited evidence: " + ", ".join(ungrounded)) if ungrounded else (
            "cites evidence that does not exist" if unknown else
            "contradicts the company context" if issues else "cited evidence is not founder data")
        report.downgrades.append(Downgrade(finding=number, claimed=finding.tag, tag=tag, reason=reason))
    assumption_text = finding.assumption
    if tag == "assumed" and not assumption_text:
        assumption_text = ("Assumed: " + ", ".join(ungrounded) + " not backed by your data or a cited benchmark"
                           if ungrounded else "Assumed: no evidence cited for this claim")
    if len(finding.so_what.split()) < 3 and len(finding.so_what) < 6:
        report.so_what_missing.append(number)
    return finding.model_copy(update={
        "tag": tag, "assumption": assumption_text if tag == "assumed" else None,
        "sources": [source for source in finding.sources if source in pool]})


def _check_context(answer: Answer, ctx: CompanyContext | None, pool: dict[str, Evidence],
                   report: Verification) -> None:
    """Report every unlabelled sentence outside the findings that contradicts the company context."""
    fields = (("bottom line", answer.bottom_line),
              *((f"why {number + 1}", why) for number, why in enumerate(answer.why)),
              *((f"risk {number + 1}", risk) for number, risk in enumerate(answer.risks)),
              *((f"action {number + 1}", action.action) for number, action in enumerate(answer.actions)),
              ("recommendation", answer.decision.recommendation if answer.decision else ""))
    for field_name, text in fields:
        for sentence in sentences(text):
            if not is_labelled(sentence):
                report.contradictions += contradictions(sentence, field_name, ctx, pool)


def _grounded_fields(answer: Answer, pool_values: list[float], names: list[str], report: Verification,
                     enforce: bool) -> Answer:
    """Report numbers no evidence holds in the bottom line, why, risks, actions and decision; with
    `enforce`, the sentences, actions and options holding them are taken out."""
    bottom = _clean_text(answer.bottom_line, "bottom line", pool_values, names, report, enforce)
    why = [kept for kept in (_clean_text(why, f"why {number + 1}", pool_values, names, report, enforce)
                             for number, why in enumerate(answer.why)) if kept]
    risks = [kept for kept in (_clean_text(risk, f"risk {number + 1}", pool_values, names, report, enforce)
                               for number, risk in enumerate(answer.risks)) if kept]
    actions = []
    for action in answer.actions:
        missing = [mention for sentence in sentences(action.action) if not is_labelled(sentence)
                   for mention in grounded(sentence, pool_values, names)]
        if missing:
            report.ungrounded.append(f"action '{action.id or action.action}': {', '.join(missing)} not in any evidence")
            if enforce:
                report.removed.append(action.action)
                continue
        actions.append(action)
    decision = answer.decision
    if decision is not None:
        recommendation = _clean_text(decision.recommendation, "recommendation", pool_values, names, report, enforce)
        options = [option for option in decision.options
                   if is_labelled(option.tradeoff)
                   or not grounded(option.option + " " + option.tradeoff, pool_values, names)]
        decision = decision.model_copy(update={"recommendation": recommendation,
                                               "options": options if enforce else decision.options})
    return answer.model_copy(update={"bottom_line": bottom if enforce else answer.bottom_line,
                                     "why": why if enforce else answer.why,
                                     "risks": risks if enforce else answer.risks,
                                     "actions": actions, "decision": decision})


def _without_rejected(answer: Answer, rejected: Iterable[str], report: Verification) -> Answer:
    """Actions and a recommendation the founder already rejected are suppressed, and said to be."""
    rejected_keys = {_norm(text) for text in rejected if text.strip()}
    if not rejected_keys:
        return answer
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
            update={"recommendation": phrase("notes.rejection_stands", answer.language)})})
    return answer


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
    note = phrase("notes.low_confidence", answer.language)
    if answer.verification.assumed_share > 0.5 and note not in answer.bottom_line:
        return answer.model_copy(update={"bottom_line": f"{answer.bottom_line} {note}"})
    return answer
