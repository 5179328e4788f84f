"""Two role views → one answer. The primary role's verdict leads; the consulted role adds its
own first sentence; findings are merged and de-duplicated by the evidence they cite (two roles
quoting the same GRR is one finding); actions, risks and alerts are merged the same way. Each
role's full view and the other role's check of its claims stay in `synthesis` for `--long` and
JSON, so the default answer says everything once."""

from __future__ import annotations

from csuite.answer import AlertNote, Answer, Evidence, Finding, RoleView, Synthesis
from csuite.checks.verify import MAX_BULLETS, tag_finding, verify
from csuite.context.parse import CompanyContext
from csuite.evidence.collect import index
from csuite.knowledge.phrases import phrase

MAX_MERGED_ACTIONS = 3


def synthesise(views: list[Answer], evidence: list[Evidence], ctx: CompanyContext, rejected: list[str]) -> Answer:
    pool = index(evidence)
    primary, other = views[0], views[1]
    lang = primary.language
    role_views = [RoleView(role=view.role or "cro", bottom_line=view.bottom_line, findings=view.findings,
                           peer_review=peer_review(view.findings, peer.role or "", pool, lang))
                  for view, peer in ((primary, other), (other, primary))]
    shared = sorted(set(_cited(primary.findings, pool)) & set(_cited(other.findings, pool)))
    agreement = [phrase("synthesis.both_cite", lang).format(label=pool[s].label, value=pool[s].display())
                 for s in shared][:3]
    disagreement = [c for view in role_views for c in view.peer_review if c.startswith("✗")]
    if not agreement:
        agreement.append(phrase("synthesis.same_ground", lang))
    other_first = _first_sentence(other.bottom_line)
    bottom = primary.bottom_line
    if other_first and other.role and other.verdict is not None:
        bottom += " " + phrase("synthesis.adds", lang).format(role=phrase(f"labels.role_{other.role}", lang),
                                                              text=other_first)
    merged = primary.model_copy(update={
        "consulted": [other.role] if other.role else [],
        "bottom_line": bottom,
        "findings": merge_findings(primary.findings, other.findings,
                                   decision_first=primary.decision_id is not None and other.decision_id is None),
        "actions": (primary.actions[:2] + [a for a in other.actions
                                           if a.id not in {x.id for x in primary.actions}])[:MAX_MERGED_ACTIONS],
        "risks": list(dict.fromkeys(primary.risks + other.risks))[:MAX_BULLETS],
        "why": list(dict.fromkeys(primary.why[:1] + other.why[:1])),
        "alerts": _unique_alerts(primary.alerts + other.alerts),
        "more_alerts": [m for m in dict.fromkeys(primary.more_alerts + other.more_alerts)
                        if m not in {a.label for a in primary.alerts + other.alerts}],
        "tools_run": list(dict.fromkeys(primary.tools_run + other.tools_run)),
        "topics": primary.topics + [t for t in other.topics if t not in primary.topics],
        "names": list(dict.fromkeys(primary.names + other.names)),
        "evidence": list(index([*primary.evidence, *other.evidence]).values()),
        "synthesis": Synthesis(views=role_views, agreement=agreement, disagreement=disagreement),
    })
    return verify(merged, evidence, ctx=ctx, rejected=rejected)


def _first_sentence(text: str) -> str:
    for end in ("。", ". "):
        if end in text:
            return text.split(end, 1)[0] + end.strip()
    return text


def peer_review(findings: list[Finding], peer_role: str, pool: dict[str, Evidence], lang: str) -> list[str]:
    """The other role re-checks each claim against the evidence: ✓ confirmed, ✗ disputed."""
    checks = []
    role = phrase(f"labels.role_{peer_role}", lang) if peer_role in ("cro", "cco") else peer_role.upper()
    for finding in findings:
        tag, ungrounded, _ = tag_finding(finding, pool)
        if ungrounded:
            checks.append("✗ " + phrase("synthesis.disputes", lang).format(role=role, text=finding.text,
                                                                            numbers=", ".join(ungrounded)))
        elif tag == "verified":
            checks.append("✓ " + phrase("synthesis.confirms", lang).format(role=role, text=finding.text))
    return checks[:MAX_BULLETS]


def _cited(findings: list[Finding], pool: dict[str, Evidence]) -> list[str]:
    """Founder-data evidence the findings cite: what two roles can agree on."""
    return [s for f in findings for s in f.sources if s in pool and pool[s].kind == "founder_data"]


def merge_findings(first: list[Finding], second: list[Finding], *, decision_first: bool = False) -> list[Finding]:
    """The primary role's strongest findings first, then the other's; a finding whose evidence
    an earlier one already cites (or whose text repeats) is the same finding said twice. When
    only the primary answers the decision asked (`decision_first`), all its findings — the
    figures the decision rests on — come before the consulted role's topic figures."""
    out: list[Finding] = []
    cited: set[str] = set()
    texts: set[str] = set()
    order = [*first, *second] if decision_first else [*first[:3], *second[:2], *first[3:], *second[2:]]
    for finding in order:
        sources = set(finding.sources)
        if finding.text in texts or (sources and sources <= cited):
            continue
        out.append(finding)
        texts.add(finding.text)
        cited |= sources
    return out[:MAX_BULLETS]


def _unique_alerts(alerts: list[AlertNote]) -> list[AlertNote]:
    seen: set[str] = set()
    out = []
    for alert in alerts:
        if alert.id not in seen:
            seen.add(alert.id)
            out.append(alert)
    return out[:MAX_BULLETS]
