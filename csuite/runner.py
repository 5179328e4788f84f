"""The runner: wires the pipeline stages into one call, and is the Python API.

    context → alerts → route → tool plan → tools → evidence → draft (backend) → self-verify
            → critic (high stakes) → answer

Every stage is a plain function in its own module; this class only holds the founder's
settings (context path, as-of date, backend) and passes results along.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from pydantic import BaseModel

from csuite.answer import Answer, Evidence
from csuite.backends.base import BackendUnavailable
from csuite.backends.offline import engine as offline
from csuite.backends.offline.engine import alert_note
from csuite.backends.request import DraftRequest
from csuite.checks.critic import assess_stakes, offline_review, quote_in_draft, revise
from csuite.checks.protocol import (
    Invocation,
    check_invocation,
    parse_invocations,
    strip_invocations,
)
from csuite.checks.synthesis import synthesise
from csuite.checks.verify import verify, with_confidence_note
from csuite.context.alerts import Alert, context_alerts
from csuite.context.decision_log import blocked, load_log, log_path
from csuite.context.parse import MISSING_CONTEXT_NOTE, CompanyContext, load_context
from csuite.context.report import check_payload
from csuite.evidence.collect import (
    ToolRun,
    alert_evidence,
    benchmark_evidence,
    context_evidence,
    index,
    tool_evidence,
)
from csuite.evidence.plan import DataFile, detect_file, is_accounts_file, plan
from csuite.io.access import FileAccess
from csuite.knowledge.models import load_knowledge
from csuite.routing.router import Route, check_question, route
from csuite.tools.base import sample_source
from csuite.tools.registry import TOOLS, get_tool
from csuite.tools.schemas import confine_arguments

REFERRAL_TITLES = {
    "cfo": "CFO", "cto": "CTO", "chro": "CHRO / head of people", "cmo": "CMO", "ciso": "CISO / security lead",
    "legal": "legal counsel", "cpo": "CPO / head of product", "other": "a specialist outside revenue and customers",
}

Progress = Callable[[str], None]


class Advisor:
    """CRO and CCO advisors over one founder's context.

    >>> advisor = Advisor(context="examples/company-context.md", as_of=date(2026, 11, 23))
    >>> answer = advisor.ask("Is our NRR real?")          # doctest: +SKIP

    Files named in a call (`ask(context=, data=)`, `check_context`, `run_tool`) are read only
    under the allowed roots (csuite.io.access): the working directory, CSUITE_ALLOWED_DIRS,
    `allow` and the bundled examples, or `access` when given. The `context` and
    `decision_log` named here are the caller's own choice and always readable.
    """

    def __init__(self, context: str | Path | None = None, *, as_of: date | None = None,
                 backend: Any = None, decision_log: str | Path | None = None,
                 cwd: Path | None = None, home: Path | None = None,
                 allow: Iterable[str | Path] = (), access: FileAccess | None = None) -> None:
        self.context_path = context
        self.as_of = as_of or date.today()
        self.backend = backend  # None → offline engine; else an object with draft()/critique()
        self.decision_log = decision_log
        self._cwd, self._home = cwd, home
        named = [p for p in (context, decision_log) if p]
        self.access = (access or FileAccess.from_environment(allow)).extended(files=named)

    # -- single stages, usable on their own -------------------------------------------------
    def load_context(self, path: str | Path | None = None, as_of: date | None = None) -> CompanyContext:
        path = self.access.check(path, field="context") if path else self.context_path
        return load_context(path, as_of=as_of or self.as_of, cwd=self._cwd, home=self._home)

    def check_context(self, path: str | Path | None = None, as_of: date | None = None) -> dict[str, Any]:
        path = self.access.check(path, field="path") if path else self.context_path
        return check_payload(str(path) if path else None, as_of or self.as_of)

    def route(self, question: str, role: str | None = None) -> Route:

        return route(question, role_override=role)

    def run_tool(self, name: str, source: Any = None, **options: Any) -> BaseModel:
        """Run one registry tool on a file path or inline rows; options as the CLI flags."""

        spec = get_tool(name)
        if isinstance(source, (str, Path)):
            source = self.access.check(source, field="source")
        parsed = spec.options.model_validate(confine_arguments(spec, options, self.access))
        return spec.run(source if source is not None else sample_source(spec, parsed), parsed)

    # -- the whole pipeline ----------------------------------------------------------------
    def ask(self, question: str, *, context: str | Path | None = None, data: Sequence[str | Path] = (),
            role: str | None = None, as_of: date | None = None, progress: Progress | None = None) -> Answer:
        say = progress or (lambda _message: None)
        as_of = as_of or self.as_of
        question = check_question(question).strip()
        data = [self.access.check(item, field="data") for item in data]
        ctx = self.load_context(context, as_of)
        alerts = context_alerts(ctx)
        routed = self.route(question, role)
        if self.backend is not None and hasattr(self.backend, "begin"):
            # The backend prepares this answer (privacy map, usage) and may re-route a low-margin
            # question; it returns the offline route on any failure.
            data = list(data)
            routed = self.backend.begin(question, ctx=ctx, data=[str(d) for d in data], route=routed,
                                        forced=role is not None)
        rejected, log_warnings = self._rejected(ctx)
        if not routed.in_scope or routed.primary is None:
            return self._with_usage(self._referral(question, routed, ctx, alerts))

        say("reading data files")
        files, runs = self._run_tools(data, as_of)
        evidence = self._evidence(ctx, alerts, runs)
        roles = [routed.primary]
        notes: list[str] = list(log_warnings)
        for other in routed.consult:
            outcome = check_invocation(Invocation(role=other, question=question), [routed.primary])
            if outcome.allowed:
                roles.append(other)
            else:
                notes.append(outcome.assumption)

        def draft(current: str, consulted: list[str], asked: str) -> Answer:
            say(f"drafting the {current.upper()} view")
            return self._draft_role(asked, current, consulted, ctx, alerts, files, runs, evidence, rejected,
                                    as_of, topics=routed.role_topics.get(current))

        views = [draft(roles[0], roles[1:], question)]
        views[0], requested = take_invocations(views[0])
        for call in requested:  # a drafting model may ask the other role: [INVOKE:role|question]
            outcome = check_invocation(call, [roles[0]])
            if outcome.allowed and call.role not in roles:
                roles.append(call.role)
                notes.append(f"The {roles[0].upper()} asked the {call.role.upper()}: {call.question}")
            elif not outcome.allowed:
                notes.append(outcome.assumption)
        for current in roles[1:]:
            views.append(take_invocations(draft(current, [roles[0]], question))[0])
        answer = views[0]
        if len(views) > 1:
            answer = synthesise(views, evidence, ctx, rejected)

        stakes = assess_stakes(question, ctx=ctx, evidence=evidence, consulted=answer.consulted,
                               decision_text=answer.decision.recommendation if answer.decision else "")
        if stakes:
            say("critic pre-screen")
            answer = self._critic(answer, stakes, ctx, evidence, rejected)
        if not ctx.found:
            notes.insert(0, MISSING_CONTEXT_NOTE)
        elif ctx.stale:
            notes.insert(0, f"company-context.md is {ctx.age_days} days old (stale): update it before acting.")
        answer = answer.model_copy(update={"notes": answer.notes + notes})
        return self._with_usage(with_confidence_note(answer))

    # -- stages ------------------------------------------------------------------------------
    def _with_usage(self, answer: Answer) -> Answer:
        """Attach the backend's token usage for this answer (every call, critic included)."""
        if self.backend is None or not hasattr(self.backend, "answer_usage"):
            return answer
        usage = self.backend.answer_usage()
        return answer.model_copy(update={"usage": usage}) if usage.calls else answer

    def _rejected(self, ctx: CompanyContext) -> tuple[list[str], list[str]]:
        """The recommendations the founder rejected, and warnings about unreadable log lines."""
        log = load_log(log_path(ctx.path if ctx.found else None, self.decision_log))
        return blocked(log.records), log.warnings

    def _run_tools(self, data: Iterable[str | Path], as_of: date) -> tuple[list[DataFile], list[ToolRun]]:
        data = list(data)
        accounts = next((str(p) for p in data if is_accounts_file(p)), None)
        files: list[DataFile] = []
        runs: list[ToolRun] = []
        for item in data:
            detected, result = detect_file(item, as_of=as_of, accounts=accounts)
            files.append(detected)
            if detected.tool:
                payload = result.model_dump(mode="json")
                warnings = [str(w) for w in payload.get("warnings", []) if isinstance(w, str)]
                runs.append(ToolRun(tool=detected.tool, file=detected.path, result=payload, warnings=warnings))
        return files, runs

    def _evidence(self, ctx: CompanyContext, alerts: list[Alert], runs: list[ToolRun]) -> list[Evidence]:
        items = context_evidence(ctx) + alert_evidence(alerts) + benchmark_evidence()
        for run in runs:
            items += tool_evidence(run.tool, run.result, Path(run.file).name if run.file else None)
        return list(index(items).values())

    def _draft_role(self, question: str, role: str, consulted: list[str], ctx: CompanyContext,
                    alerts: list[Alert], files: list[DataFile], runs: list[ToolRun], evidence: list[Evidence],
                    rejected: list[str], as_of: date, topics: list[str] | None = None) -> Answer:
        knowledge = load_knowledge(role)  # type: ignore[arg-type]
        tool_plan = plan(question, knowledge, files, topics)
        wanted = {t for topic_id in tool_plan.topics for t in knowledge.topic(topic_id).tools}
        role_runs = [r for r in runs if r.tool in wanted] or [r for r in runs if _tool_role(r.tool) == role]
        request = DraftRequest(question=question, role=role, consulted=consulted, topics=tool_plan.topics, ctx=ctx,
                               alerts=alerts, runs=role_runs, evidence=evidence, missing_tools=tool_plan.missing_tools,
                               rejected=rejected, as_of=as_of)
        draft = self._backend_draft(request, knowledge)
        checked = verify(draft, evidence, ctx=ctx, rejected=rejected)
        if not checked.verification.passed and self.backend is not None and draft.backend == self.backend.name:

            try:
                revised = self.backend.revise(request, knowledge, checked, checked.verification.failures())
            except BackendUnavailable as exc:
                return checked.model_copy(update={"notes": checked.notes + [
                    f"The revision call failed ({exc.reason}); the first draft stands, with verification's tags."]})
            revised.verification.revisions = 1
            checked = verify(revised, evidence, ctx=ctx, rejected=rejected)
        return checked

    def _backend_draft(self, request: DraftRequest, knowledge) -> Answer:

        if self.backend is None:
            return offline.draft(request, knowledge)
        try:
            return self.backend.draft(request, knowledge)
        except BackendUnavailable as exc:
            fallback = offline.draft(request, knowledge)
            note = f"🔴 {self.backend.name} was unavailable ({exc.reason}); this is the offline answer."
            return fallback.model_copy(update={"notes": [note], "backend": f"offline (fallback from {self.backend.name})"})

    def _critic(self, answer: Answer, stakes: list[str], ctx: CompanyContext, evidence: list[Evidence],
                rejected: list[str]) -> Answer:
        review = None
        if self.backend is not None and answer.backend == self.backend.name:

            try:
                review = self.backend.critique(answer, stakes)
            except BackendUnavailable:
                review = None
            if review is not None and not quote_in_draft(review, answer):
                answer = answer.model_copy(update={"notes": answer.notes + [
                    "A critic issue quoting text that is not in the draft was dropped."]})
                review = None
        if review is None:
            review = offline_review(answer, stakes, ctx)
        revised = revise(answer, review)
        if review.revised:
            revised = verify(revised, evidence, ctx=ctx, rejected=rejected)
            revised.verification.revisions = answer.verification.revisions + 1
        return revised.model_copy(update={"critic": review})

    def _referral(self, question: str, routed: Any, ctx: CompanyContext, alerts: list[Alert]) -> Answer:
        title = REFERRAL_TITLES.get(routed.referral or "other", REFERRAL_TITLES["other"])
        bottom = (f"This is a question for your {title}, not for the CRO or CCO advisors: it is outside revenue "
                  f"and customers, so any answer from us would be a guess.")
        answer = Answer(question=question, role=None, in_scope=False, referral=routed.referral or "other",
                        bottom_line=bottom, confidence="low",
                        why=["Advice outside a role's domain sounds confident and is usually wrong; "
                             "the right expert will ask questions we cannot."],
                        notes=[] if ctx.found else [MISSING_CONTEXT_NOTE])

        high = [alert_note(a) for a in alerts if a.severity == "high"][:3]
        return verify(answer.model_copy(update={"alerts": high}), [], ctx=ctx)


def take_invocations(answer: Answer) -> tuple[Answer, list[Invocation]]:
    """Remove `[INVOKE:role|question]` requests from a draft's text and return them; the runner
    honours them with chain checks, so they never reach the founder as markup."""
    calls = parse_invocations(" ".join([answer.bottom_line, *(f.text for f in answer.findings),
                                        *(f.so_what for f in answer.findings), *answer.why, *answer.risks]))
    if not calls:
        return answer, []
    findings = [f.model_copy(update={"text": strip_invocations(f.text), "so_what": strip_invocations(f.so_what)})
                for f in answer.findings]
    return answer.model_copy(update={
        "bottom_line": strip_invocations(answer.bottom_line), "findings": findings,
        "why": [strip_invocations(w) for w in answer.why], "risks": [strip_invocations(r) for r in answer.risks],
    }), calls


def _tool_role(tool: str) -> str:

    return TOOLS[tool].role
