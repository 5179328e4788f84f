"""The runner: wires the pipeline stages into one call, and is the Python API.

    context → alerts → route → understand → tools (with the question's parameters) → evidence
            → analysis (verdict) → draft (backend) → self-verify → synthesis (two roles)
            → critic (high stakes) → answer

Every stage is a plain function in its own package; this class only holds the founder's
settings (context path, as-of date, backend, language) and passes results along.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from pydantic import BaseModel

from csuite.analysis.brief import brief_for, tool_options_for
from csuite.analysis.models import Brief, Situation
from csuite.answer import Answer, Evidence, Understood
from csuite.backends.base import Backend, BackendUnavailable
from csuite.backends.offline.engine import OfflineBackend, alert_note
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
from csuite.context.decision_log import DecisionLog, blocked, load_log, log_path
from csuite.context.parse import CompanyContext, load_context
from csuite.context.report import check_payload
from csuite.evidence.accounts import AccountFacts, accounts_evidence
from csuite.evidence.collect import (
    ToolRun,
    alert_evidence,
    benchmark_evidence,
    context_evidence,
    id_slug,
    index,
    question_evidence,
    tool_evidence,
    tool_statements,
)
from csuite.evidence.entities import known_entities
from csuite.evidence.plan import (
    DataFile,
    detect_files,
    is_accounts_file,
    plan,
    wanted_tools,
)
from csuite.io.access import FileAccess
from csuite.knowledge.bilingual import Lang, detect_language
from csuite.knowledge.models import load_knowledge
from csuite.knowledge.phrases import phrase
from csuite.roles import Role
from csuite.routing.router import Route, check_question, route
from csuite.tools.base import sample_source
from csuite.tools.registry import TOOLS, get_tool
from csuite.tools.schemas import confine_arguments
from csuite.understand.catalogue import DecisionEntry, load_catalogue
from csuite.understand.functions import functions_named
from csuite.understand.names import without_accounts
from csuite.understand.parse import prepare, understand

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
                 backend: Backend | None = None, decision_log: str | Path | None = None,
                 cwd: Path | None = None, home: Path | None = None, lang: Lang | None = None,
                 allow: Iterable[str | Path] = (), access: FileAccess | None = None) -> None:
        self.context_path = context
        self.as_of = as_of or date.today()
        self.backend: Backend = backend or OfflineBackend()
        self.offline = OfflineBackend()
        self.decision_log = decision_log
        self.lang = lang
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

    def understand(self, question: str, *, context: str | Path | None = None, data: Sequence[str | Path] = (),
                   lang: Lang | None = None, as_of: date | None = None) -> Understood:
        """What the question asks, with names and segments matched against the founder's files."""
        return self._understand(question, self.load_context(context, as_of), data, lang, as_of or self.as_of)

    def _understand(self, question: str, ctx: CompanyContext, data: Sequence[str | Path], lang: Lang | None,
                    as_of: date) -> Understood:
        """`understand` on a context already parsed: `ask` reads the founder's file once."""
        entities = known_entities([p for p in data if not is_accounts_file(p)] + [p for p in data if is_accounts_file(p)],
                                  ctx)
        return understand(question, as_of=as_of, names=entities.names, segments=entities.segments,
                          lang=lang or self.lang)

    def run_tool(self, name: str, source: Any = None, **options: Any) -> BaseModel:
        """Run one registry tool on a file path or inline rows; options as the CLI flags."""
        spec = get_tool(name)
        if isinstance(source, (str, Path)):
            source = self.access.check(source, field="source")
        parsed = spec.options.model_validate(confine_arguments(spec, options, self.access))
        return spec.run(source if source is not None else sample_source(spec, parsed), parsed)

    # -- the whole pipeline ----------------------------------------------------------------
    def ask(self, question: str, *, context: str | Path | None = None, data: Sequence[str | Path] = (),
            role: str | None = None, as_of: date | None = None, progress: Progress | None = None,
            lang: Lang | None = None) -> Answer:
        say = progress or (lambda _message: None)
        as_of = as_of or self.as_of
        question = check_question(question).strip()
        data = [str(self.access.check(item, field="data")) for item in data]
        ctx = self.load_context(context, as_of)
        alerts = context_alerts(ctx)
        understood = self._understand(question, ctx, data, lang, as_of)
        # Routing reads what is asked: an account's name is "the account", whatever words it is made of.
        asked = without_accounts(question, understood.accounts, understood.language or "en")
        keyword_route = self.route(asked, role)
        routed = self.backend.begin(question, ctx=ctx, data=data, route=keyword_route, forced=role is not None)
        # Who answers was settled by the founder (--role, @cro) or by the drafting model's router.
        settled = role is not None or routed.override is not None or routed.primary != keyword_route.primary
        language = lang or self.lang or understood.language or detect_language(question)
        understood = understood.model_copy(update={"language": language})
        rejected, log_skipped = self._rejected(ctx)
        if not routed.in_scope or routed.primary is None:
            return self._finish(self._referral(question, routed, ctx, alerts, language, understood))

        notes: list[str] = [phrase("notes.decision_log_skipped", language).format(log=log.path, lines=log.skipped_lines)
                            for log in log_skipped]
        entry = self._decision_entry(understood)
        if entry is not None and entry.role != routed.primary and settled:
            entry = None  # the role was chosen for this question: it answers on its own topics
        roles, refused = self._advisors(asked, routed, entry)
        notes += refused
        say("reading data files")
        options = tool_options_for(entry.id if entry else None, understood, ctx, as_of)
        wanted = list(entry.tools) if entry is not None else wanted_tools(routed.role_topics, roles)
        files, runs = self._run_tools(data, as_of, options, wanted)
        accounts = accounts_evidence(self._accounts_asked(understood, entry, ctx), data)
        evidence = self._evidence(ctx, alerts, runs, understood) + [e for facts in accounts.values()
                                                                    for e in facts.evidence]
        evidence = list(index(evidence).values())

        briefs: dict[str, Brief | None] = {}

        def draft(current: str, consulted: list[str]) -> Answer:
            say(f"drafting the {current.upper()} view")
            mine = entry if entry is not None and entry.role == current else None
            brief = briefs[current] = self._brief(question, understood, mine, current, ctx, alerts, runs, evidence,
                                                  as_of, language, accounts)
            return self._draft_role(question, current, consulted, ctx, alerts, files, runs, evidence, rejected,
                                    as_of, topics=[mine.topic] if mine else routed.role_topics.get(current),
                                    understood=understood,
                                    brief=brief, entry=mine, lang=language)

        views = [draft(roles[0], roles[1:])]
        views[0], requested = take_invocations(views[0])
        for call in requested:  # a drafting model may ask the other role: [INVOKE:role|question]
            outcome = check_invocation(call, [roles[0]])
            if outcome.allowed and call.role not in roles:
                roles.append(call.role)
                notes.append(f"The {roles[0].upper()} asked the {call.role.upper()}: {call.question}")
            elif not outcome.allowed:
                notes.append(outcome.assumption)
        for current in roles[1:]:
            views.append(take_invocations(draft(current, [roles[0]]))[0])
        answer = views[0] if len(views) == 1 else synthesise(views, evidence, ctx, rejected)

        stakes = assess_stakes(question, ctx=ctx, evidence=evidence, consulted=answer.consulted,
                               decision_text=answer.decision.recommendation if answer.decision else "")
        if entry is not None and entry.stakes == "high":
            stakes = [f"a high-stakes decision ({entry.id.replace('_', ' ')})", *stakes]
        if stakes:
            say("critic pre-screen")
            answer = self._critic(answer, stakes, ctx, evidence, rejected, briefs.get(roles[0]))
        if not ctx.found:
            notes.insert(0, phrase("notes.missing_context", language))
        elif ctx.stale:
            notes.insert(0, phrase("notes.stale_context", language).format(days=ctx.age_days))
        answer = answer.model_copy(update={"notes": answer.notes + notes, "understood": understood,
                                           "language": language})
        return self._finish(with_confidence_note(answer))

    # -- stages ------------------------------------------------------------------------------
    @staticmethod
    def _advisors(question: str, routed: Route, entry: DecisionEntry | None) -> tuple[list[Role], list[str]]:
        """Who answers (first) and who is consulted, with a note for each consult refused.

        A decision the catalogue recognised is answered by its owner, on its topic and tools; the
        other advisor joins only when the question names the other function ("sales or customer
        success"). The router's consults are keyword guesses that differ by language, so they
        decide only for questions outside the catalogue."""
        if entry is not None:
            lead = entry.role
            candidates = [r for r in functions_named(prepare(question)) if r != lead]
        else:
            lead = routed.primary
            candidates = list(routed.consult)
        roles, notes = [lead], []
        for other in candidates:
            outcome = check_invocation(Invocation(role=other, question=question), [lead])
            if outcome.allowed:
                roles.append(other)
            else:
                notes.append(outcome.assumption)
        return roles, notes

    def _finish(self, answer: Answer) -> Answer:
        """Attach the backend's token usage for this answer (every call, critic included)."""
        usage = self.backend.answer_usage()
        return answer.model_copy(update={"usage": usage}) if usage is not None and usage.calls else answer

    def _rejected(self, ctx: CompanyContext) -> tuple[list[str], list[DecisionLog]]:
        """The recommendations the founder rejected, and the log when it has unreadable lines
        (they are skipped, never fatal; the answer says which)."""
        log = load_log(log_path(ctx.path if ctx.found else None, self.decision_log))
        return blocked(log.records), [log] if log.skipped else []

    @staticmethod
    def _decision_entry(understood: Understood) -> DecisionEntry | None:
        """The catalogue entry of the decision asked, if the question asks one."""
        return load_catalogue().get(understood.decision) if understood.decision else None

    def _run_tools(self, data: Iterable[str], as_of: date, options: dict[str, dict[str, Any]],
                   wanted: list[str]) -> tuple[list[DataFile], list[ToolRun]]:
        """Every file through every tool the question wants that reads it (an opportunity export
        through both the forecast and the funnel analyzer), with the question's options."""
        data = list(data)
        accounts = next((p for p in data if is_accounts_file(p)), None)
        files: list[DataFile] = []
        runs: list[ToolRun] = []
        for item in data:
            for detected, result in detect_files(item, as_of=as_of, accounts=accounts, wanted=wanted,
                                                 options=options):
                files.append(detected)
                if detected.tool:
                    # A tool reading a second file keeps its own evidence ids (tool@file), so two
                    # runs never overwrite each other's numbers; the first run keeps the plain ids.
                    seen = sum(r.tool == detected.tool for r in runs)
                    key = detected.tool if not seen else f"{detected.tool}@{id_slug(Path(detected.path).stem)}"
                    runs.append(ToolRun(tool=detected.tool, file=detected.path, result=result,
                                        options=options.get(detected.tool, {}), key=key))
        return files, runs

    def _evidence(self, ctx: CompanyContext, alerts: list[Alert], runs: list[ToolRun],
                  understood: Understood) -> list[Evidence]:
        items = context_evidence(ctx) + alert_evidence(alerts) + benchmark_evidence() + question_evidence(understood)
        for run in runs:
            name = Path(run.file).name if run.file else None
            items += tool_evidence(run.prefix, run.result, name) + tool_statements(run.prefix, run.result, name)
        return list(index(items).values())

    @staticmethod
    def _accounts_asked(understood: Understood, entry: DecisionEntry | None, ctx: CompanyContext) -> list[str]:
        """The accounts whose own rows the answer needs: those the question names, else, for a
        save-the-account question, the largest customer the context names."""
        if understood.accounts:
            return list(understood.accounts)
        largest = getattr(ctx.metrics, "largest_customer", None) if ctx.found else None
        return [largest] if entry is not None and entry.id == "save_account" and isinstance(largest, str) else []

    def _brief(self, question: str, understood: Understood, entry: DecisionEntry | None, role: str,
               ctx: CompanyContext, alerts: list[Alert], runs: list[ToolRun], evidence: list[Evidence],
               as_of: date, lang: Lang, accounts: dict[str, AccountFacts]) -> Brief | None:
        if entry is None:
            return None
        situation = Situation(question=question, understood=understood, entry=entry, role=role, ctx=ctx,
                              alerts=alerts, runs=runs, pool=index(evidence), as_of=as_of, lang=lang,
                              accounts=accounts)
        return brief_for(situation)

    def _draft_role(self, question: str, role: str, consulted: list[str], ctx: CompanyContext,
                    alerts: list[Alert], files: list[DataFile], runs: list[ToolRun], evidence: list[Evidence],
                    rejected: list[str], as_of: date, *, topics: list[str] | None, understood: Understood,
                    brief: Brief | None, entry: DecisionEntry | None, lang: Lang) -> Answer:
        knowledge = load_knowledge(role, lang)  # type: ignore[arg-type]
        tool_plan = plan(question, knowledge, files, topics)
        wanted = {t for topic_id in tool_plan.topics for t in knowledge.topic(topic_id).tools}
        if entry is not None:
            wanted |= set(entry.tools)
        role_runs = [r for r in runs if r.tool in wanted] or [r for r in runs if TOOLS[r.tool].role == role]
        pool = [*evidence, *(brief.derived if brief else [])]
        request = DraftRequest(question=question, role=role, lang=lang, consulted=consulted, topics=tool_plan.topics,
                               ctx=ctx, alerts=[a.in_language(lang) for a in alerts], runs=role_runs, evidence=pool,
                               missing_tools=tool_plan.missing_tools, rejected=rejected, as_of=as_of,
                               understood=understood, brief=brief, entry=entry)
        draft = self._backend_draft(request, knowledge)
        checked = verify(draft, pool, ctx=ctx, rejected=rejected, brief=brief)
        if not checked.verification.passed and draft.backend == self.backend.name:
            try:
                revised = self.backend.revise(request, knowledge, checked, checked.verification.failures())
            except BackendUnavailable as exc:
                return checked.model_copy(update={"notes": checked.notes + [
                    f"The revision call failed ({exc.reason}); the first draft stands, with verification's tags."]})
            if revised is not None:
                revised.verification.revisions = 1
                checked = verify(revised, pool, ctx=ctx, rejected=rejected, brief=brief)
        return checked

    def _backend_draft(self, request: DraftRequest, knowledge) -> Answer:
        try:
            return self.backend.draft(request, knowledge)
        except BackendUnavailable as exc:
            fallback = self.offline.draft(request, knowledge)
            note = phrase("notes.fallback", request.lang).format(backend=self.backend.name, reason=exc.reason)
            return fallback.model_copy(update={"notes": [note],
                                               "backend": f"offline (fallback from {self.backend.name})"})

    def _critic(self, answer: Answer, stakes: list[str], ctx: CompanyContext, evidence: list[Evidence],
                rejected: list[str], brief: Brief | None) -> Answer:
        review = None
        if answer.backend == self.backend.name:
            try:
                review = self.backend.critique(answer, stakes)
            except BackendUnavailable:
                review = None
            if review is not None and not quote_in_draft(review, answer):
                answer = answer.model_copy(update={"notes": answer.notes + [
                    "A critic issue quoting text that is not in the draft was dropped."]})
                review = None
        pool = index([*evidence, *(brief.derived if brief else [])])
        if review is None:
            review = offline_review(answer, stakes, ctx, brief, pool)
        revised = revise(answer, review, brief, pool)
        if review.revised:
            revised = verify(revised, list(pool.values()), ctx=ctx, rejected=rejected, brief=brief)
            revised.verification.revisions = answer.verification.revisions + 1
        return revised.model_copy(update={"critic": review})

    def _referral(self, question: str, routed: Route, ctx: CompanyContext, alerts: list[Alert], lang: Lang,
                  understood: Understood) -> Answer:
        referral = routed.referral or "other"
        title = phrase(f"referrals.{referral}.title", lang)
        answer = Answer(question=question, language=lang, understood=understood, role=None, in_scope=False,
                        referral=referral, bottom_line=phrase("referrals.bottom_line_other" if referral == "other"
                                                           else "referrals.bottom_line", lang).format(title=title),
                        confidence="low", why=[phrase("referrals.why", lang)],
                        notes=[] if ctx.found else [phrase("notes.missing_context", lang)])
        high = [alert_note(a.in_language(lang), lang) for a in alerts if a.severity == "high"][:3]
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
