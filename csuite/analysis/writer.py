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
_OPTIONAL = re.compile(r"\[\[((?:(?!\]\]).)*?)\]\]", re.S)
_GROUP = re.compile(r"\(\((.*?)\)\)", re.S)
_GROUP_SEP = {"en": "; ", "zh": "；"}


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
    literals (already-formatted text such as a date or a count word) as given.

    [[clause]] is optional: dropped when a placeholder inside it has nothing to show.
    ((a ;; b ;; c)) is a group of optional items: those with something to show are joined as a
    list ("a; c"), and an empty group counts as a missing placeholder (its clause drops).
    A required placeholder with nothing to show raises. A dropped clause cites nothing."""

    def value_of(key: str, cited: list[str], quoted: list[str]) -> str | None:
        if key in figures:
            item = pool.get(figures[key])
            if item is None or item.value is None:
                return None
            cited.append(item.id)
            return item.display()
        if key in names:
            quoted.append(names[key])
            return names[key]
        if key in lists:
            return _list_text(lists[key], pool, lang, cited, quoted) or None
        if key in literals:
            return literals[key]
        return None

    def render(text: str) -> tuple[str | None, list[str], list[str], list[str]]:
        """(text or None, cited, quoted, missing placeholders)."""
        cited: list[str] = []
        quoted: list[str] = []
        missing: list[str] = []

        def group(match: re.Match[str]) -> str:
            kept = []
            for item in match.group(1).split(";;"):
                out, item_cited, item_quoted, item_missing = render(item.strip())
                if not item_missing and out:
                    kept.append(out)
                    cited.extend(item_cited)
                    quoted.extend(item_quoted)
            if not kept:
                missing.append("(group)")
                return ""
            return _GROUP_SEP[lang].join(kept)

        def optional(match: re.Match[str]) -> str:
            out, clause_cited, clause_quoted, clause_missing = render(match.group(1))
            if clause_missing or out is None:
                return ""
            cited.extend(clause_cited)
            quoted.extend(clause_quoted)
            return out

        def replace(match: re.Match[str]) -> str:
            value = value_of(match.group(1), cited, quoted)
            if value is None:
                missing.append(match.group(1))
                return ""
            return value

        text = _OPTIONAL.sub(optional, text)
        text = _GROUP.sub(group, text)
        text = _PLACEHOLDER.sub(replace, text)
        return text, cited, quoted, missing

    body, cited, quoted, missing = render(template)
    if missing:
        raise KeyError(f"phrase placeholders without a value: {', '.join(missing)}")
    return Written(text=" ".join((body or "").split()), sources=list(dict.fromkeys(cited)),
                   names=list(dict.fromkeys(quoted)))


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
