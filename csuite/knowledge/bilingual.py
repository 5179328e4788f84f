"""Texts in the founder's language: every human-readable entry in the pack's YAML carries English
and Chinese side by side (`{en: ..., zh: ...}`), one entry, two texts.

An answer is rendered in one `Lang`; numbers never change with it. `Bilingual.get(lang)` picks
the text, and `pick()` accepts either a bilingual mapping or a plain string (identifiers, names
and formulas are the same in both languages).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from csuite.io.text import LazyPattern, cjk_count

Lang = Literal["en", "zh"]
LANGS: tuple[Lang, ...] = ("en", "zh")

_FIELD = LazyPattern(r"\{(\w+)(?:\|(\w+))?\}")
# What a `{name|num}` field reads: one formatted number (93%, $1,500,000, 2.4x, 1.5M, -45%).
_NUM = r"[-+−]?\$?\d[\d,]*(?:\.\d+)?[%xKMB]?"
_LATIN = LazyPattern(r"[A-Za-z]")


class Bilingual(BaseModel):
    """One text in English and Chinese. Both are required: a missing translation is a load error,
    not an English sentence in a Chinese answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en

    def format(self, lang: Lang, **values: Any) -> str:
        """The text in `lang` with `{name}` placeholders filled; the same values in both languages."""
        return self.get(lang).format(**values)


def pick(text: Bilingual | dict[str, str] | str | None, lang: Lang) -> str:
    """The text in `lang` from a Bilingual, a `{en, zh}` mapping or a language-neutral string."""
    if text is None:
        return ""
    if isinstance(text, Bilingual):
        return text.get(lang)
    if isinstance(text, dict):
        return str(text.get(lang) or text.get("en") or "")
    return str(text)


def in_language(value: Any, lang: Lang) -> Any:
    """`value` with every text inside it (a `Bilingual`, or a raw YAML `{en, zh}` pair of strings)
    replaced by its text in `lang`: models become plain dicts and lists, ready to validate as the
    same model with `str` texts. Keyword lists (`{en: [...], zh: [...]}`) are not texts: kept."""
    if isinstance(value, Bilingual):
        return value.get(lang)
    if isinstance(value, BaseModel):
        return {name: in_language(getattr(value, name), lang) for name in type(value).model_fields}
    if isinstance(value, dict) and set(value) == set(LANGS) and all(isinstance(v, str) for v in value.values()):
        return value[lang]
    if isinstance(value, dict):
        return {key: in_language(item, lang) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [in_language(item, lang) for item in value]
    return value


def template_pattern(template: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """The regex that reads a text written from `template` back into its fields, and each
    field's kind (`{name|kind}`). A field captures as little text as it can, `{name|num}` one
    number, `{name|each}` (a list) as much as it can; a field named twice must read the same. The reverse of `str.format`, for sentences built
    in English that must be restated in Chinese with the same values."""
    parts, kinds, position = [], {}, 0
    for match in _FIELD.finditer(template):
        parts.append(re.escape(template[position:match.start()]))
        name, kind = match.group(1), match.group(2) or ""
        capture = {"num": _NUM, "each": ".+"}.get(kind, ".+?")
        parts.append(f"(?P={name})" if name in kinds else f"(?P<{name}>{capture})")
        kinds.setdefault(name, kind)
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts), re.DOTALL), kinds


def fill(template: str, values: dict[str, str]) -> str:
    """`template` with each `{name}` or `{name|kind}` replaced by its value."""
    return _FIELD.sub(lambda match: values[match.group(1)], template)


def cjk_share(text: str) -> float:
    """Chinese characters as a share of all letters (CJK + Latin): how Chinese a text reads."""
    cjk = cjk_count(text)
    latin = len(_LATIN.findall(text))
    return cjk / (cjk + latin) if cjk + latin else 0.0


def detect_language(text: str) -> Lang:
    """A question with any run of Chinese characters is Chinese (founders mix English acronyms
    such as NRR or ARR into Chinese sentences; the reverse is rare)."""
    return "zh" if cjk_count(text) >= 2 else "en"
