"""The words of the tools' text output, in English and Chinese (csuite/data/tool_texts.yaml).

A tool's `render(result, lang)` writes its own words through `ToolTexts` (labels: `{en, zh}`
templates filled with the same, already formatted numbers in both languages). Sentences a tool's
core wrote into its result in English (flag messages, warnings, reasons) are translated by
`ToolTexts.say`: each YAML `messages` entry is the core's English wording with `{fields}` and
its Chinese twin; the English sentence is matched, and its captured values — numbers, names,
dates — are written into the Chinese unchanged. A sentence no entry matches stays English
(never guessed), and the tool tests list the ones their samples produce.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from csuite.knowledge.alert_text import alert_message_in
from csuite.knowledge.bilingual import Bilingual, Lang, fill, template_pattern
from csuite.resources import load_data_yaml


@dataclass(frozen=True)
class Message:
    """One sentence pattern: the core's English wording and its Chinese, sharing `{fields}`.
    `{name}` captures any text, `{name|num}` one number; `{name|say}` translates the captured
    text again, `{name|each}` each item of a ", " list, `{name|term}` looks it up in `terms`,
    any other kind in the render's lookups."""

    text: Bilingual
    pattern: re.Pattern[str]
    kinds: dict[str, str]

    @classmethod
    def of(cls, text: Bilingual) -> Message:
        pattern, kinds = template_pattern(text.en)
        return cls(text, pattern, kinds)


@lru_cache(maxsize=1)
def _texts() -> dict[str, Any]:
    return load_data_yaml("tool_texts.yaml")


def _part(tool: str, part: str) -> dict[str, Any]:
    """One part (labels, terms, phrases) of the tool's texts over the common ones."""
    data = _texts()
    return {**(data["common"].get(part) or {}), **((data.get(tool) or {}).get(part) or {})}


@lru_cache(maxsize=None)
def _texts_of(tool: str, part: str) -> dict[str, Bilingual]:
    return {key: Bilingual.model_validate(text) for key, text in _part(tool, part).items()}


@lru_cache(maxsize=None)
def _messages(tool: str) -> tuple[Message, ...]:
    data = _texts()
    entries = [*((data.get(tool) or {}).get("messages") or []), *(data["common"].get("messages") or [])]
    return tuple(Message.of(Bilingual.model_validate(entry)) for entry in entries)


@lru_cache(maxsize=None)
def _phrases(tool: str) -> tuple[dict[str, Bilingual], re.Pattern[str] | None]:
    phrases = {text.en: text for text in _texts_of(tool, "phrases").values()}
    if not phrases:
        return phrases, None
    longest_first = sorted(phrases, key=len, reverse=True)
    return phrases, re.compile("|".join(re.escape(p) for p in longest_first))


def width(text: str) -> int:
    """Columns a text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int, *, right: bool = False, cut: bool = False) -> str:
    """`text` padded to `columns` terminal columns (cut to them with `cut`), so tables line up in
    both languages; for ASCII it is exactly `format(text, '<N')` / `'>N'` / `'<N.N'`."""
    if cut:
        while width(text) > columns:
            text = text[:-1]
    fill = " " * max(0, columns - width(text))
    return fill + text if right else text + fill


class ToolTexts:
    """One tool's words in one language."""

    def __init__(self, tool: str, lang: Lang = "en",
                 lookups: Mapping[str, Callable[[str], str]] | None = None) -> None:
        self.tool = tool
        self.lang = lang
        self.lookups = dict(lookups or {})

    def __call__(self, key: str, **values: Any) -> str:
        """The label `key` in this language, `{fields}` filled with `values`."""
        try:
            text = _texts_of(self.tool, "labels")[key]
        except KeyError:
            raise KeyError(f"tool_texts.yaml has no label '{key}' for {self.tool} or common") from None
        return text.format(self.lang, **values)

    def term(self, word: str) -> str:
        """A single word the core writes (a status, a scenario name) in this language; unknown
        words are data and stay as written."""
        text = _texts_of(self.tool, "terms").get(word)
        return text.get(self.lang) if text is not None else word

    def phrase(self, text: str) -> str:
        """A formula or calculation the core wrote ("net new ARR (2026-Q3) ÷ S&M spend (2026-Q2)")
        with each known phrase in this language; numbers, periods and symbols stay as written."""
        phrases, pattern = _phrases(self.tool)
        if self.lang == "en" or pattern is None:
            return text
        return pattern.sub(lambda match: phrases[match.group()].get(self.lang), text)

    def say(self, sentence: str) -> str:
        """A sentence the tool's core wrote in English (a flag, a warning, a reason), in this
        language: by the tool's message patterns, else as an alert's wording (tools restate alerts
        as flags), else unchanged. English is never rewritten."""
        if self.lang == "en" or not sentence:
            return sentence
        for message in _messages(self.tool):
            match = message.pattern.fullmatch(sentence)
            if match is None:
                continue
            values = {name: self._filtered(message.kinds.get(name, ""), value)
                      for name, value in match.groupdict().items()}
            return fill(message.text.get(self.lang), values)
        return alert_message_in(sentence, self.lang)

    def _filtered(self, kind: str, value: str) -> str:
        if kind == "say":
            return self.say(value)
        if kind == "each":   # a comma-separated list whose items are sentences of their own
            return self("list_comma").join(self.say(item) for item in value.split(", "))
        if kind == "term":
            return self.term(value)
        if kind in self.lookups:
            return self.lookups[kind](value)
        return value


def churn_category_label(category: str, lang: Lang = "en") -> str:
    """A churn category's label in `lang` ("Product fit", "产品不匹配"; churn_taxonomy.yaml). Here,
    not in the retention tool, so an answer can name a category without importing that tool."""
    return Bilingual.model_validate(load_data_yaml("churn_taxonomy.yaml")["categories"][category]["label"]).get(lang)


def cs_role_title(role: str, lang: Lang = "en") -> str:
    """A customer-success role's title in `lang` ("Implementation Manager"; cs_next_hire.yaml)."""
    return Bilingual.model_validate(load_data_yaml("cs_next_hire.yaml")["roles"][role]["title"]).get(lang)

