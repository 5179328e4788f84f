"""The contract between the runner and a drafting backend.

A backend drafts an Answer from a DraftRequest, may revise it once given verification's exact
failures, and may critique a high-stakes answer. It never sets final tags. When it cannot
answer (network, quota, invalid output after a repair), it raises BackendUnavailable and the
runner falls back to the offline engine, saying so in the answer.

Both backends implement `Backend`; `BaseBackend` gives the no-op parts (no re-routing, no
revision, no model critic, no token usage) so an engine only writes what it really does.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from csuite.answer import Answer, CriticReview, Usage
from csuite.backends.request import DraftRequest
from csuite.knowledge.models import RoleKnowledge
from csuite.routing.router import Route


class BackendUnavailable(Exception):
    """The backend could not produce a usable draft; `reason` is shown to the founder."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@runtime_checkable
class Backend(Protocol):
    name: str

    def begin(self, question: str, *, ctx: Any, data: list[str], route: Route, forced: bool = False) -> Route:
        """Prepare one answer (privacy map, usage mark); may re-route a low-margin question."""

    def draft(self, request: DraftRequest, knowledge: RoleKnowledge) -> Answer: ...

    def revise(self, request: DraftRequest, knowledge: RoleKnowledge, draft: Answer,
               failures: list[str]) -> Answer | None:
        """A second draft that fixes verification's failures, or None when the engine cannot."""

    def critique(self, answer: Answer, stakes: list[str]) -> CriticReview | None:
        """The backend's own critic review, or None to use the rule-based one."""

    def answer_usage(self) -> Usage | None:
        """Token usage of this answer's calls, or None when nothing was called."""


class BaseBackend:
    """Defaults for the parts of `Backend` a deterministic engine does not need."""

    name = "base"

    def begin(self, question: str, *, ctx: Any, data: list[str], route: Route, forced: bool = False) -> Route:
        return route

    def draft(self, request: DraftRequest, knowledge: RoleKnowledge) -> Answer:
        raise NotImplementedError

    def revise(self, request: DraftRequest, knowledge: RoleKnowledge, draft: Answer,
               failures: list[str]) -> Answer | None:
        return None

    def critique(self, answer: Answer, stakes: list[str]) -> CriticReview | None:
        return None

    def answer_usage(self) -> Usage | None:
        return None
