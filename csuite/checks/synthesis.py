"""Two role views → one answer: each role's findings, the other role's check of them, where
they agree and disagree, with the primary role's structure and the strongest findings of both."""

from __future__ import annotations

from csuite.answer import Answer, Evidence, Finding, RoleView, Synthesis
from csuite.checks.verify import tag_finding, verify
from csuite.context.parse import CompanyContext
from csuite.evidence.collect import index


def synthesise(views: list[Answer], evidence: list[Evidence], ctx: CompanyContext, rejected: list[str]) -> Answer:
    """Two independent role answers → one: each role's view, peer checks, agreement and
    disagreement, with the primary role's structure and the strongest findings of both."""
    pool = index(evidence)
    primary, other = views[0], views[1]
    role_views = []
    for view, peer in ((primary, other), (other, primary)):
        checks = peer_review(view.findings, peer.role or "", pool)
        role_views.append(RoleView(role=view.role or "cro", bottom_line=view.bottom_line, findings=view.findings,
                                   peer_review=checks))
    shared = set(_cited(primary.findings, pool)) & set(_cited(other.findings, pool))
    agreement = [f"Both cite {pool[s].label} ({pool[s].display()})" for s in sorted(shared) if s in pool][:3]
    disagreement: list[str] = []
    if primary.decision and other.decision and primary.decision.question != other.decision.question:
        disagreement.append(f"{(primary.role or '').upper()} frames the decision as '{primary.decision.question}'; "
                            f"{(other.role or '').upper()} as '{other.decision.question}'.")
    for view in role_views:
        disagreement += [c for c in view.peer_review if c.startswith("disputes")]
    if not agreement:
        agreement.append("Both roles rest on the same context and data; neither contradicts the other's numbers.")
    findings = _merge(primary.findings, other.findings)
    actions = (primary.actions[:3] + [a for a in other.actions if a.id not in {x.id for x in primary.actions}])[:5]
    merged = primary.model_copy(update={
        "consulted": [other.role] if other.role else [],
        "findings": findings, "actions": actions,
        "risks": list(dict.fromkeys(primary.risks + other.risks))[:5],
        "why": list(dict.fromkeys(primary.why[:3] + other.why))[:5],
        "alerts": _unique_alerts(primary.alerts + other.alerts)[:5],
        "tools_run": list(dict.fromkeys(primary.tools_run + other.tools_run)),
        "topics": primary.topics + [t for t in other.topics if t not in primary.topics],
        "synthesis": Synthesis(views=role_views, agreement=agreement, disagreement=disagreement),
    })
    return verify(merged, evidence, ctx=ctx, rejected=rejected)


def peer_review(findings: list[Finding], peer_role: str, pool: dict[str, Evidence]) -> list[str]:
    """The other role re-checks each claim in its own domain against the evidence."""
    checks = []
    for finding in findings:
        tag, ungrounded, _ = tag_finding(finding, pool)
        if ungrounded:
            checks.append(f"disputes '{finding.text}': {', '.join(ungrounded)} not in the evidence "
                          f"({peer_role.upper()} peer check)")
        elif tag == "verified":
            checks.append(f"confirms '{finding.text}' ({peer_role.upper()} peer check)")
    return checks[:5]


def _cited(findings: list[Finding], pool: dict[str, Evidence]) -> list[str]:
    """Founder-data evidence the findings cite: what two roles can agree on."""
    return [s for f in findings for s in f.sources if s in pool and pool[s].kind == "founder_data"]


def _merge(first: list[Finding], second: list[Finding]) -> list[Finding]:
    out: list[Finding] = []
    seen: set[str] = set()
    for finding in [*first[:3], *second, *first[3:]]:
        if finding.text in seen:
            continue
        seen.add(finding.text)
        out.append(finding)
    return out[:5]


def _unique_alerts(alerts: list) -> list:
    seen: set[str] = set()
    out = []
    for alert in alerts:
        if alert.id not in seen:
            seen.add(alert.id)
            out.append(alert)
    return out
