"""The Claude backend: drafts, repairs, revises and critiques answers, and re-routes unsure
questions, through the Messages API.

Per answer (single role):
1. `begin`: the pseudonym map from the context and data files; optional routing (fast model,
   forced `route` tool) when the offline router's margin is low; the offline route wins on any
   error;
2. `draft` (main model): system = the role prompt trimmed to the question's topics + the
   reference sections those topics need, marked for prompt caching; user = the data block and
   rules (`messages.data_message`); structured output through the forced-choice tool
   `submit_answer`, validated with pydantic, with one repair call on invalid output. The model
   may first call the registry tools (`tool_loop`), at most `max_tool_rounds` calls in all, the
   last forcing submit_answer;
3. the runner verifies; on failure one `revise` call lists the exact failures;
4. high stakes only: `critique` (fast model, forced `submit_review`).
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from csuite.answer import Answer, CriticReview, Evidence, Usage
from csuite.backends.base import BackendUnavailable
from csuite.backends.claude.client import MessagesClient, settings
from csuite.backends.claude.messages import (
    ROUTE,
    SUBMIT_REVIEW,
    DraftAnswer,
    ReviewDraft,
    RouteDraft,
    assistant_blocks,
    data_message,
    evidence_row,
    masked_fields,
    masked_metrics,
    rules,
    select_evidence,
    to_answer,
    tool_uses,
    validate_answer,
)
from csuite.backends.claude.tool_loop import run_tool, tool_definitions
from csuite.backends.privacy import MODES, Pseudonymizer
from csuite.backends.request import DraftRequest
from csuite.knowledge.models import load_knowledge
from csuite.knowledge.references import select_references
from csuite.render.answer import answer_view
from csuite.render.templates import context_view, render_prompt, role_system_prompt
from csuite.roles import ROLES
from csuite.routing.index import build_index

CRITIC_SYSTEM = ("You are an executive mentor pre-screening a startup advisor's draft. Submit your screen through "
                 "the submit_review tool. Quote the draft's exact words; names such as 'Customer A' or 'Name B' are "
                 "pseudonyms, quote them as written.")


def system_prompt(role: str, topics: list[str], ctx: Any, pseudo: Pseudonymizer) -> str:
    """The role prompt with only the route's topics and the reference sections they need.

    Depends on (role, topics, context, privacy map) only, so it is byte-identical across
    questions on the same role and topic and the prompt cache hits."""

    view = context_view(ctx)
    view["metrics"] = masked_metrics(view["metrics"], pseudo)
    view["fields"] = masked_fields(view["fields"], ctx, pseudo)
    references = select_references(role, topics, int(settings()["reference_chars"]))
    return pseudo.mask(role_system_prompt(role, view, topics=topics, references=references))


class ClaudeBackend:
    """A drafting backend over the Messages API (see the package docstring)."""

    name = "claude"

    def __init__(self, model: str | None = None, fast_model: str | None = None, privacy: str = "standard",
                 max_retries: int | None = None, timeout: float | None = None, base_url: str | None = None,
                 *, client: Any = None) -> None:
        cfg = settings()
        self.model = model or os.environ.get("CSUITE_MODEL") or cfg["model"]
        self.fast_model = fast_model or os.environ.get("CSUITE_FAST_MODEL") or cfg["fast_model"]
        if privacy not in MODES:
            raise ValueError(f"privacy must be one of {', '.join(MODES)}")
        self.privacy = privacy
        self.messages = MessagesClient(
            max_retries=int(cfg["max_retries"] if max_retries is None else max_retries),
            timeout=float(cfg["timeout_seconds"] if timeout is None else timeout), base_url=base_url, client=client)
        self._pseudo: Pseudonymizer | None = None
        self._data_files: list[str] = []
        self._mark = 0

    @property
    def usage(self) -> Usage:
        """Every answered call this backend made, with token totals."""
        return self.messages.usage

    @property
    def max_retries(self) -> int:
        return self.messages.max_retries

    @property
    def timeout(self) -> float:
        return self.messages.timeout

    def client(self) -> Any:
        """The `anthropic.Anthropic` client (made on first use)."""
        return self.messages.sdk()

    # -- per-answer setup (called by the runner) -----------------------------------------
    def begin(self, question: str, *, ctx: Any, data: list[str], route: Any, forced: bool = False) -> Any:
        """Start one answer: build the pseudonym map from the context and data files, reset the
        per-answer usage, and route with the fast model when the offline route is unsure."""
        self._mark = self.messages.mark()
        self._data_files = [str(d) for d in data]
        self._pseudo = Pseudonymizer.build(ctx, self._data_files, mode=self.privacy,  # type: ignore[arg-type]
                                           question=question)
        if forced or getattr(route, "override", None):
            return route
        return self.route(question, route)

    def answer_usage(self) -> Usage:
        """Usage of the calls made for the current answer (since `begin`)."""
        return self.messages.since(self._mark)

    def _privacy(self, request: DraftRequest | None = None) -> Pseudonymizer:
        if self._pseudo is None:
            files = [r.file for r in request.runs if r.file] if request is not None else []
            self._pseudo = Pseudonymizer.build(request.ctx if request is not None else None, files,
                                               mode=self.privacy,  # type: ignore[arg-type]
                                               question=request.question if request is not None else None)
        return self._pseudo

    def _known_files(self, request: DraftRequest) -> list[str]:
        files = list(self._data_files) or [r.file for r in request.runs if r.file]
        return list(dict.fromkeys(files))

    # -- draft -----------------------------------------------------------------------------
    def system_blocks(self, request: DraftRequest, knowledge: Any) -> list[dict[str, Any]]:
        text = system_prompt(request.role, request.topics, request.ctx, self._privacy(request))
        return [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]

    def tools(self) -> list[dict[str, Any]]:
        return tool_definitions()

    def draft(self, request: DraftRequest, knowledge: Any) -> Answer:
        pseudo = self._privacy(request)
        cfg = settings()
        system = self.system_blocks(request, knowledge)
        tools = self.tools()
        files = self._known_files(request)
        messages: list[dict[str, Any]] = [{"role": "user", "content": data_message(request, pseudo, files)}]
        extra: list[Evidence] = []
        called: list[str] = []
        rounds = max(1, int(cfg["max_tool_rounds"]))
        for round_ in range(rounds):
            last = round_ == rounds - 1
            choice = {"type": "tool", "name": "submit_answer"} if last else {"type": "any"}
            response = self.messages.call("draft" if round_ == 0 else "draft (tool round)", self.model,
                                          int(cfg["max_tokens"]["draft"]), messages, tools, choice, system)
            uses = tool_uses(response)
            if any(u.name == "submit_answer" for u in uses) or not uses or last:
                parsed = self._submitted(response, messages, tools, system)
                return self._to_answer(parsed, request, extra, called)
            messages.append({"role": "assistant", "content": assistant_blocks(response)})
            messages.append({"role": "user", "content": [run_tool(u, request, pseudo, files, extra, called)
                                                         for u in uses]})
        raise BackendUnavailable("no answer after the tool rounds")  # unreachable: the last round is forced

    def _submitted(self, response: Any, messages: list[dict[str, Any]], tools: list[dict[str, Any]],
                   system: Any) -> DraftAnswer:
        """The validated submit_answer input; one repair call when it is missing or invalid."""
        problem = validate_answer(response)
        if isinstance(problem, DraftAnswer):
            return problem
        uses = tool_uses(response)
        followup: list[dict[str, Any]] = []
        for use in uses:
            text = problem if use.name == "submit_answer" else "Not run: submit_answer must come alone."
            followup.append({"type": "tool_result", "tool_use_id": use.id, "is_error": True, "content": text})
        if not uses:
            followup.append({"type": "text", "text": problem})
        repair = messages + [{"role": "assistant",
                              "content": assistant_blocks(response) or [{"type": "text", "text": "…"}]},
                             {"role": "user", "content": followup}]
        again = self.messages.call("repair", self.model, int(settings()["max_tokens"]["draft"]), repair, tools,
                                   {"type": "tool", "name": "submit_answer"}, system)
        fixed = validate_answer(again)
        if isinstance(fixed, DraftAnswer):
            return fixed
        raise BackendUnavailable("invalid structured output after one repair")

    def _to_answer(self, parsed: DraftAnswer, request: DraftRequest, extra: list[Evidence],
                   called: list[str], base: Answer | None = None) -> Answer:
        return to_answer(parsed, request, self._privacy(request), extra=extra, called=called, backend=self.name,
                         usage=self.answer_usage(), base=base)

    # -- revise ----------------------------------------------------------------------------
    def revise(self, request: DraftRequest, knowledge: Any, draft: Answer, failures: list[str]) -> Answer:
        pseudo = self._privacy(request)
        known = {e.id for e in request.evidence}
        extra = [e for e in draft.evidence if e.id not in known]
        rows = [evidence_row(e, pseudo) for e in select_evidence(request, extra)]
        view = draft.model_dump(mode="json", include={"bottom_line", "confidence", "findings", "why", "actions",
                                                      "risks", "decision"})
        prompt = render_prompt("self_verify_repair", question=request.question, answer=view, failures=failures,
                               evidence=rows)
        prompt += "\n" + rules(pseudo, request)
        messages = [{"role": "user", "content": pseudo.mask(prompt)}]
        tools = self.tools()
        system = self.system_blocks(request, knowledge)
        response = self.messages.call("revise", self.model, int(settings()["max_tokens"]["draft"]), messages, tools,
                                      {"type": "tool", "name": "submit_answer"}, system)
        parsed = self._submitted(response, messages, tools, system)
        return self._to_answer(parsed, request, extra, [], base=draft)

    # -- critic ----------------------------------------------------------------------------
    def critique(self, answer: Answer, stakes: list[str]) -> CriticReview | None:
        pseudo = self._pseudo or Pseudonymizer(self.privacy)  # type: ignore[arg-type]
        prompt = render_prompt("critic", question=answer.question, stakes=stakes, answer=answer_view(answer))
        messages = [{"role": "user", "content": pseudo.mask(prompt)}]
        response = self.messages.call("critic", self.fast_model, int(settings()["max_tokens"]["critic"]), messages,
                                      [SUBMIT_REVIEW], {"type": "tool", "name": "submit_review"}, CRITIC_SYSTEM)
        use = next((u for u in tool_uses(response) if u.name == "submit_review"), None)
        if use is None:
            return None
        try:
            review = ReviewDraft.model_validate(use.input)
        except ValidationError:
            return None  # the runner falls back to the rule-based critic
        data = pseudo.unmask_data(review.model_dump())
        return CriticReview(stakes=list(stakes), backend=self.name, **data)

    # -- routing ---------------------------------------------------------------------------
    def route(self, question: str, offline: Any) -> Any:
        """The fast model's route when the offline margin is below the threshold; else, and on
        any failure, the offline route."""
        if float(getattr(offline, "margin", 1.0)) >= float(settings()["route_margin_below"]):
            return offline
        try:
            return self._llm_route(question, offline)
        except Exception:  # noqa: BLE001 - routing is an optional refinement; the offline route stands
            return offline

    def _llm_route(self, question: str, offline: Any) -> Any:
        pseudo = self._pseudo or Pseudonymizer(self.privacy)  # type: ignore[arg-type]
        roles = []
        for role in ROLES:
            k = load_knowledge(role)  # type: ignore[arg-type]
            roles.append({"id": role, "title": k.title, "summary": k.summary, "topics": [t.title for t in k.topics]})
        info = build_index().referral_info
        referrals = [{"id": r, "title": v.get("title", r), "reason": v.get("reason", "")} for r, v in info.items()]
        prompt = render_prompt("router", question=pseudo.mask(question), roles=roles, referrals=referrals)
        response = self.messages.call("route", self.fast_model, int(settings()["max_tokens"]["route"]),
                                      [{"role": "user", "content": prompt}], [ROUTE],
                                      {"type": "tool", "name": "route"})
        use = next((u for u in tool_uses(response) if u.name == "route"), None)
        if use is None:
            return offline
        picked = RouteDraft.model_validate(use.input)
        if picked.in_scope and picked.primary is None:
            return offline
        if not picked.in_scope:
            referral = picked.referral or "other"
            details = info.get(referral, {})
            return replace(offline, primary=None, consult=[], in_scope=False, referral=referral,
                           referral_title=details.get("title"), referral_reason=details.get("reason"))
        consult = [r for r in dict.fromkeys(picked.consult) if r != picked.primary][:1]
        return replace(offline, primary=picked.primary, consult=consult, in_scope=True,
                       referral=None, referral_title=None, referral_reason=None)
