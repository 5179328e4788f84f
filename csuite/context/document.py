"""The shape of a company-context.md: sections, labelled lines, tables and prose, with line numbers.

Comments (`<!-- -->`) and fenced code are not content: the template's own examples live in
comments, and a pasted snippet is not a fact. Lines longer than the limit are not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from csuite.io.text import LazyPattern

_HEADING = re.compile(r"^\s{0,3}(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
_LIST = re.compile(r"^\s*(?:>\s*)*(?:[-*+•]|\d{1,3}[.)])\s+")
_QUOTE = re.compile(r"^\s*(?:>\s*)+")
_SENTENCE_END = re.compile(r"[.!?:;。！？：；]\W*$")
_MID_SENTENCE = (",", "(", "—", "–", "-", "/", "&", '"', "“", "，", "（", "、")
_BOLD = re.compile(r"^(?:\*\*|__)(?P<label>[^*_]{1,80}?)\s*[:：]?\s*(?:\*\*|__)\s*[:：]?\s*(?P<value>.*)$")
_PLAIN = LazyPattern(r"^(?P<label>[^:：|]{1,60}?)\s*[:：]\s*(?P<value>\S.*)$")
_SEPARATOR = LazyPattern(r"^\s*(?:\|\s*)?:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_PLACEHOLDER = re.compile(r"^\s*(?:\[.*\]|_+|-+|—|–|tbd|n/?a|todo|\?+|<.*>|待定|暂无|无)\s*$", re.I)
# A label holds no value: "ARR is $4.2M: up 40%" is a sentence, "ARR ($M)" and "NRR (trailing 12m)" are labels.
_VALUE_IN_LABEL = LazyPattern(r"[$€£¥]\s*\d|\d\s*[%％]|https?:|www\.", re.I)


@dataclass
class Section:
    title: str
    level: int
    line: int
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip()


@dataclass
class Labelled:
    """`- **Label:** value`, `Label: value`, a two-column table row."""

    line: int
    raw: str
    label: str
    value: str
    section: int


@dataclass
class Prose:
    """A line of running text, with the lines that continue its sentence: founders hard-wrap
    paragraphs, and "Last price change" / "was January 2025." is one statement."""

    line: int
    raw: str
    text: str
    section: int
    last_line: int = 0      # the last line the sentence runs on (0: this line only)

    def continues_with(self, number: int, raw: str, section: int) -> bool:
        """Line `number` carries on this text's unfinished sentence: the very next line, no list
        item, and it reads as the middle of a sentence (it starts in lower case, or this line ends
        on a comma, a dash or an open bracket). A line a fact of its own ("Gross churn ~ 2%/mo"
        under "Top customer = 12% of revenue") starts with a capital and stays apart."""
        if section != self.section or (self.last_line or self.line) != number - 1 or _LIST.match(raw):
            return False
        if _SENTENCE_END.search(self.text):
            return False
        start = raw.lstrip()[:1]
        return (start.isascii() and start.islower()) or self.text.rstrip().endswith(_MID_SENTENCE)


@dataclass
class Table:
    """A block of `|` rows. `header` is None when no separator row follows the first row."""

    header: list[str] | None
    header_line: int | None
    rows: list[tuple[int, str, list[str]]]  # (line, raw, cells)
    section: int


@dataclass
class Document:
    sections: list[Section]
    items: list[Labelled | Prose | Table]
    long_lines: list[int]


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.match(value))


def _cells(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        body = body[:-1]
    return [c.strip().replace("**", "").replace("__", "").strip() for c in body.split("|")]


def labelled(text: str) -> tuple[str, str] | None:
    """(label, value) when a line (list marker already removed) is a labelled field."""
    match = _BOLD.match(text)
    if match:
        label = match.group("label").strip().rstrip(":：").strip()
        return (label, match.group("value").strip()) if label else None
    match = _PLAIN.match(text)
    if not match:
        return None
    label = match.group("label").strip().strip("*_").strip()
    if not label or len(label.split()) > 8 or _VALUE_IN_LABEL.search(label) or label.endswith((".", "。")):
        return None
    return label, match.group("value").strip()


def split_document(text: str, *, max_line_chars: int) -> Document:
    sections = [Section(title="", level=0, line=1)]
    items: list[Labelled | Prose | Table] = []
    long_lines: list[int] = []
    lines = text.split("\n")
    in_code = False
    in_comment = False
    number = 0
    while number < len(lines):
        raw = lines[number]
        number += 1
        if len(raw) > max_line_chars:
            long_lines.append(number)
            continue
        stripped = raw.strip()
        if in_comment:
            if "-->" in raw:
                in_comment = False
                raw = raw.split("-->", 1)[1]
                stripped = raw.strip()
            else:
                continue
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            sections[-1].lines.append(raw)
            continue
        if in_code:
            sections[-1].lines.append(raw)
            continue
        if "<!--" in raw:
            before, _, after = raw.partition("<!--")
            if "-->" in after:
                raw = before + after.split("-->", 1)[1]
            else:
                raw = before
                in_comment = True
            stripped = raw.strip()
        heading = _HEADING.match(raw)
        if heading:
            sections.append(Section(title=heading.group("title").strip(), level=len(heading.group("hashes")),
                                    line=number))
            continue
        sections[-1].lines.append(raw)
        if not stripped:
            continue
        section = len(sections) - 1
        if "|" in stripped and (stripped.startswith("|") or
                                (number < len(lines) and _SEPARATOR.match(lines[number]) and "|" in lines[number])):
            block = [(number, raw)]
            while number < len(lines) and "|" in lines[number] and len(lines[number]) <= max_line_chars \
                    and lines[number].strip():
                number += 1
                block.append((number, lines[number - 1]))
                sections[-1].lines.append(lines[number - 1])
            items.extend(_table(block, section))
            continue
        body = _LIST.sub("", raw, count=1)
        body = _QUOTE.sub("", body).strip()
        pair = labelled(body)
        if pair and pair[1] and not is_placeholder(pair[1]) and not set(pair[0]) <= set("-: "):
            items.append(Labelled(number, raw.rstrip(), pair[0], pair[1], section))
        elif pair and (not pair[1] or is_placeholder(pair[1])):
            continue  # '- **ARR:** [$]': a template field left blank
        elif items and isinstance(items[-1], Prose) and items[-1].continues_with(number, raw, section):
            wrapped = items[-1]
            wrapped.text, wrapped.raw, wrapped.last_line = f"{wrapped.text} {body}", f"{wrapped.raw} {stripped}", number
        else:
            items.append(Prose(number, raw.rstrip(), body, section))
    return Document(sections=sections, items=items, long_lines=long_lines)


def _table(block: list[tuple[int, str]], section: int) -> list[Labelled | Table]:
    rows = [(line, raw, _cells(raw)) for line, raw in block if not _SEPARATOR.match(raw)]
    has_header = len(block) >= 2 and bool(_SEPARATOR.match(block[1][1]))
    if not rows:
        return []
    if has_header:
        header_line, _, header = rows[0]
        return [Table(header=header, header_line=header_line, rows=rows[1:], section=section)]
    return [Table(header=None, header_line=None, rows=rows, section=section)]
