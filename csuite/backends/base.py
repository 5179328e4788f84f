"""The contract between the runner and a drafting backend.

A backend drafts an Answer from a DraftRequest, may revise it once given verification's exact
failures, and may critique a high-stakes answer. It never sets final tags. When it cannot
answer (network, quota, invalid output after a repair), it raises BackendUnavailable and the
runner falls back to the offline engine, saying so in the answer.
"""

from __future__ import annotations

from typing import Protocol

from csuite.answer import Answer, CriticReview, Usage
from csuite.backends.request import DraftRequest
from csuite.knowledge.models import RoleKnowledge


class BackendUnavailable(Exception):
    """The backend could not produce a usable draft; `reason` is shown to the founder."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Backend(Protocol):
    name: str
    usage: Usage

    def draft(self, request: DraftRequest, knowledge: RoleKnowledge) -> Answer: ...

    def revise(self, request: DraftRequest, knowledge: RoleKnowledge, draft: Answer,
               failures: list[str]) -> Answer: ...

    def critique(self, answer: Answer, stakes: list[str]) -> CriticReview | None: ...
