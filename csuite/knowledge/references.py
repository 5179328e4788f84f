"""Reference excerpts for a Claude system prompt: only the sections a question's topics need.

A role's skill references (`skills/<role folder>/references/*.md`) hold the depth behind its
knowledge: playbooks, frameworks, worked examples. Sending all of them with every question
would cost tokens on every call and dilute the prompt, so each `## ` section is scored against
the keywords of the topics the question was routed to, and the best sections are kept up to a
character cap (thresholds.yaml `claude.reference_chars`).

The choice depends only on (role, topics, cap), never on the question's wording, so repeated
questions on the same role and topic produce a byte-identical system prompt and the prompt
cache hits.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from csuite.knowledge.models import load_knowledge
from csuite.knowledge.sources import ROLE_FOLDERS
from csuite.resources import pack_path

_SKIP_HEADINGS = {"contents", "table of contents", "see also", "sources"}


def _sections(path: Path) -> list[tuple[str, str]]:
    """(heading, text including the heading line) for each `## ` section of a markdown file."""
    text = path.read_text(encoding="utf-8")
    parts = re.split(r"(?m)^(?=## )", text)
    out = []
    for part in parts:
        if not part.startswith("## "):
            continue
        heading = part.splitlines()[0][3:].strip()
        if re.sub(r"^\d+\.\s*", "", heading).lower() in _SKIP_HEADINGS:
            continue
        out.append((heading, part.strip()))
    return out


def _hit(text: str, phrase: str) -> bool:
    """Word-bounded; phrases of four letters or more also match as a prefix (forecast → forecasting)."""
    phrase = phrase.lower().strip()
    if not phrase:
        return False
    tail = r"\w*" if len(phrase) >= 4 else r"s?"
    return re.search(rf"(?<![\w]){re.escape(phrase)}{tail}(?![\w])", text) is not None


def score(heading: str, body: str, keywords: list[str]) -> float:
    head, low = heading.lower(), body.lower()
    total = 0.0
    for phrase in keywords:
        weight = 1.0 + 0.5 * phrase.count(" ")
        if _hit(head, phrase):
            total += 3.0 * weight
        elif _hit(low, phrase):
            total += weight
    return total


@lru_cache(maxsize=64)
def _select(role: str, topics: tuple[str, ...], max_chars: int) -> tuple[tuple[str, str], ...]:
    knowledge = load_knowledge(role)  # type: ignore[arg-type]
    wanted = [t for t in knowledge.topics if t.id in topics] or [knowledge.topics[0]]
    keywords: list[str] = []
    for topic in wanted:
        keywords += topic.keywords.en + [topic.title.lower()]
    keywords = list(dict.fromkeys(k.lower() for k in keywords))
    folder = pack_path("skills", ROLE_FOLDERS[role], "references")
    scored: list[tuple[float, int, str, str]] = []
    order = 0
    for path in sorted(folder.glob("*.md")):
        for heading, text in _sections(path):
            value = score(heading, text, keywords)
            if value >= 3.0:
                scored.append((value, order, f"{path.stem} § {heading}", text))
            order += 1
    scored.sort(key=lambda item: (-item[0], item[1]))
    chosen: list[tuple[int, str, str]] = []
    used = 0
    for _value, position, name, text in scored:
        if used + len(text) > max_chars:
            continue
        chosen.append((position, name, text))
        used += len(text)
    chosen.sort()  # reading order, as the references were written
    return tuple((name, text) for _p, name, text in chosen)


def select_references(role: str, topics: list[str], max_chars: int) -> list[dict[str, str]]:
    """[{name, text}] for the role prompt's `references` variable (prompts/_references.j2)."""
    return [{"name": name, "text": text} for name, text in _select(role, tuple(sorted(topics)), max_chars)]


def everything_chars() -> int:
    """Characters of every SKILL.md and every reference file: the budget's yardstick."""
    root = pack_path()
    files = [root / "SKILL.md", *sorted(root.glob("skills/*/SKILL.md")), *sorted(root.glob("skills/*/references/*.md")),
             *sorted(root.glob("references/*.md"))]
    return sum(len(p.read_text(encoding="utf-8")) for p in files if p.is_file())
