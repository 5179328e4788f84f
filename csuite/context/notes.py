"""Warnings about a context file, kept as data so `context check` can print them in English or
Chinese: a messages key from `csuite/data/context.yaml`, the line it is about, and the values
its text needs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from csuite.context.vocabulary import text
from csuite.knowledge.bilingual import Lang


class Note(BaseModel):
    """One warning. `line` is 1-based (None when it is about the file as a whole)."""

    code: str
    line: int | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    def render(self, lang: Lang = "en") -> str:
        values = {key: _localise(value, lang) for key, value in self.params.items()}
        return text(self.code, lang, line=self.line, **values)


def _localise(value: Any, lang: Lang) -> Any:
    """Parameters that are themselves texts (a metric's name, a reason) are {en, zh} dicts."""
    if isinstance(value, dict) and set(value) == {"en", "zh"}:
        return value[lang]
    return value
