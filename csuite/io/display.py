"""Text from founders' files made safe to display: shown, never obeyed.

A cell, a name or a reason is data, and it reaches two kinds of output: plain text on a terminal
(a tool's report) and markdown (an answer, also returned over MCP). Data must not act on
either. `display_safe` makes one value safe (the reader's `csuite.io.columns.inert` is another
job: it keeps a spreadsheet from running a cell as a formula when csuite writes a CSV):

- always: terminal escape sequences (ANSI colours, screen clears, OSC hyperlinks and titles) and
  control characters (C0, DEL, C1, bidirectional overrides) are removed, and every line break
  becomes a space, so a cell stays on its line and cannot start a section of its own (a tool
  report keeps the line breaks of its own notes: the reader already flattens every cell);
- for markdown, also: the characters that build links, images, HTML, table cells and emphasis
  are escaped (`\\[`, `\\]`, `\\|`, `\\*`, `\\<` before a tag, `\\_` at a word's edge: inside a
  word, as in churn_analyzer, it cannot emphasise and stays), link schemes that run code
  (`javascript:`, `vbscript:`, `data:`) lose their colon's meaning, and a marker that would
  open a heading, quote or list at the start of the text is escaped. Backslash escapes render
  as the character itself, so the founder reads their data as written.

`display_safe_strings` applies it to every string (dictionary keys included) inside a result model or
an answer, so one call covers everything a renderer reads.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from csuite.io.text import LazyPattern

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-byte ESC sequences, and their
# 8-bit forms (0x9b CSI, 0x9d OSC).
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x9c]*(?:\x07|\x9c)?")
_LINE_BREAKS = re.compile(r"[\r\n\t\x0b\x0c\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_BUT_LINES = LazyPattern(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\\[\]|*])|(?<![^\W_])(_)|(_)(?![^\W_])")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_CODE_SCHEME = re.compile(r"\b(javascript|vbscript)\s*:|\b(data):(?=[\w/])", re.I)
_BLOCK_START = re.compile(r"^(\s*)([#>+=~-]|\d+[.)](?=\s|$))")
# Characters a markdown rule above always acts on; text without them, and with no unprintable
# character, is safe as it is once its underscores and colons are checked (`_inert_underscores`,
# `_CODE_SCHEME`).
_MARKDOWN_ACTIVE = frozenset("\\[]|*<")
_BLOCK_MARKERS = frozenset("#>+=~-")


def _inert_underscores(text: str) -> bool:
    """Every '_' in `text` sits between two letters or digits (churn_analyzer, an evidence id),
    where `_MARKDOWN_PUNCTUATION` leaves it: only an underscore at a word's edge can emphasise."""
    at = text.find("_")
    while at != -1:
        if at == 0 or at + 1 == len(text) or not (text[at - 1].isalnum() and text[at + 1].isalnum()):
            return False
        at = text.find("_", at + 1)
    return True


def _already_safe(text: str, markdown: bool) -> bool:
    """True when `display_safe` would return `text` unchanged: every escape sequence, control
    character and line break is unprintable (`str.isprintable`); markdown's rules act on the
    characters of `_MARKDOWN_ACTIVE`, on an underscore at a word's edge, on a code scheme's colon
    and on a block marker at the start. Most cells and every word and evidence id of our own are
    plain: an answer has thousands, and the regexes were a quarter of its work."""
    if not text.isprintable():
        return False
    if not markdown:
        return True
    if not _MARKDOWN_ACTIVE.isdisjoint(text):
        return False
    if "_" in text and not _inert_underscores(text):
        return False
    if ":" in text and _CODE_SCHEME.search(text):
        return False
    first = text.lstrip()[:1]   # a printable text's only blank is the space
    return not first or not (first in _BLOCK_MARKERS or first.isdecimal())


def display_safe(value: Any, *, markdown: bool = False, one_line: bool = True) -> str:
    """`value` as text that only displays: no escape sequences or control characters; one line
    unless `one_line` is off (a tool report's own multi-line notes; markdown is always one
    line); and with `markdown`, no link, HTML, table or block syntax of its own."""
    text = str(value)
    if _already_safe(text, markdown):
        return text
    text = _ESCAPE_SEQUENCE.sub("", text)
    if one_line or markdown:
        text = _LINE_BREAKS.sub(" ", text)
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("", text) if one_line or markdown else _CONTROLS_BUT_LINES.sub("", text)
    if not markdown:
        return text
    text = _MARKDOWN_PUNCTUATION.sub(lambda m: "\\" + m.group(0), text)
    text = _TAG_START.sub(r"\\<", text)
    text = _CODE_SCHEME.sub(lambda m: (m.group(1) or m.group(2)) + "\\:", text)
    return _BLOCK_START.sub(r"\1\\\2", text)


def display_safe_strings(value: Any, *, markdown: bool = False, one_line: bool = True) -> Any:
    """A copy of `value` (a pydantic model, list, tuple, dict or string) with `display_safe`
    applied to every string inside it; numbers, dates and the rest are returned as they are."""
    if isinstance(value, str):
        return display_safe(value, markdown=markdown, one_line=one_line)
    if isinstance(value, BaseModel):
        return value.model_copy(update={
            name: display_safe_strings(getattr(value, name), markdown=markdown, one_line=one_line)
            for name in type(value).model_fields})
    if isinstance(value, dict):
        return {display_safe_strings(k, markdown=markdown, one_line=one_line):
                display_safe_strings(v, markdown=markdown, one_line=one_line) for k, v in value.items()}
    if isinstance(value, list):
        return [display_safe_strings(v, markdown=markdown, one_line=one_line) for v in value]
    if isinstance(value, tuple):
        return tuple(display_safe_strings(v, markdown=markdown, one_line=one_line) for v in value)
    return value
