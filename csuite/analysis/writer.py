"""Phrases into sentences: fill a phrase's placeholders with evidence values and names from the
founder's data, and remember which evidence each sentence cites.

Every number in a written sentence comes from a placeholder bound to an evidence id, so a
finding's sources are exact by construction (no searching the pool for a value that happens to
match) and the same sentence in English and Chinese carries the same figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

from csuite.analysis.models import Listed, Point
from csuite.answer import Evidence, Finding
from csuite.knowledge.bilingual import Lang
from csuite.knowledge.phrases import has_phrase, phrase

_PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)\}")
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.S)


@dataclass
class Written:
    text: str
    sources: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def _list_text(items: list[Listed], pool: Mapping[str, Evidence], lang: Lang,
               sources: list[str], names: list[str]) -> str:
    parts = []
    for item in items:
        figure = pool.get(item.figure)
        if figure is None:
            continue
        sources.append(item.figure)
        names.append(item.name)
        parts.append(f"{item.name} ({figure.display()})" if lang == "en" else f"{item.name}（{figure.display()}）")
    if not parts:
        return ""
    if lang == "zh":
        return phrase("labels.list_sep", lang).join(parts)
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + phrase("labels.and", lang) + parts[-1]


def fill(template: str, lang: Lang, pool: Mapping[str, Evidence], *, figures: Mapping[str, str] = {},
         names: Mapping[str, str] = {}, lists: Mapping[str, list[Listed]] = {},
         literals: Mapping[str, str] = {}) -> Written:
    """`template` with each {name} replaced: figures by their evidence's display, names as they
    are (remembered, so verification reads them as names, not claims), lists as "A ($X) and B ($Y)",
    literals (already-formatted text such as a date or a count word) as given. An optional
    [[clause]] whose placeholders have nothing to show is dropped; a required one raises."""
    sources: list[str] = []
    used_names: list[str] = []

    def value_of(key: str) -> str | None:
        if key in figures:
            item = pool.get(figures[key])
            if item is None or item.value is None:
                return None
            sources.append(item.id)
            return item.display()
        if key in names:
            used_names.append(names[key])
            return names[key]
        if key in lists:
            return _list_text(lists[key], pool, lang, sources, used_names) or None
        if key in literals:
            return literals[key]
        return None

    def render(text: str, optional: bool) -> str | None:
        missing = False

        def replace(match: re.Match[str]) -> str:
            nonlocal missing
            value = value_of(match.group(1))
            if value is None:
                missing = True
                return ""
            return value

        out = _PLACEHOLDER.sub(replace, text)
        if missing:
            if optional:
                return None
            unbound = [m.group(1) for m in _PLACEHOLDER.finditer(text) if value_of(m.group(1)) is None]
            raise KeyError(f"phrase placeholders without a value: {', '.join(unbound)}")
        return out

    def optional(match: re.Match[str]) -> str:
        return render(match.group(1), True) or ""

    text = _OPTIONAL.sub(optional, template)
    body = render(text, False) or ""
    return Written(text=" ".join(body.split()), sources=list(dict.fromkeys(sources)),
                   names=list(dict.fromkeys(used_names)))


def write(point: Point, lang: Lang, pool: Mapping[str, Evidence], *, suffix: str = "") -> Written:
    """The sentence of a Point whose phrase is a plain {en, zh} text."""
    return fill(phrase(point.phrase + suffix, lang), lang, pool, figures=point.figures, names=point.names,
                lists=point.lists)


def finding(point: Point, lang: Lang, pool: Mapping[str, Evidence], topic: str | None = None) -> Finding:
    """A finding from a Point whose phrase has `text` and `so_what`; the engine claims 🟢 and
    verification decides."""
    text = write(point, lang, pool, suffix=".text")
    so_what = write(point, lang, pool, suffix=".so_what") if has_phrase(point.phrase + ".so_what") \
        else Written(text="")
    return Finding(text=text.text, so_what=so_what.text, sources=list(dict.fromkeys(text.sources + so_what.sources)),
                   names=list(dict.fromkeys(text.names + so_what.names)), tag="verified", topic=topic)
