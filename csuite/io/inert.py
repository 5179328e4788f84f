"""Text from founders' files made inert before it is shown.

A cell, a name or a reason is data, and it reaches two kinds of output: plain text on a terminal
(a tool's report) and markdown (an answer, also returned over MCP). Data must not act on
either. `inert` makes one value safe:

- always: terminal escape sequences (ANSI colours, screen clears, OSC hyperlinks and titles) and
  control characters (C0, DEL, C1, bidirectional overrides) are removed, and every line break
  becomes a space, so a cell stays on its line and cannot start a section of its own;
- for markdown, also: the characters that build links, images, HTML, table cells and emphasis
  are escaped (`\\[`, `\\]`, `\\|`, `\\*`, `\\<` before a tag, `\\_` at a word's edge: inside a
  word, as in churn_analyzer, it cannot emphasise and stays), link schemes that run code
  (`javascript:`, `vbscript:`, `data:`) lose their colon's meaning, and a marker that would
  open a heading, quote or list at the start of the text is escaped. Backslash escapes render
  as the character itself, so the founder reads their data as written.

`inert_strings` applies it to every string (dictionary keys included) inside a result model or
an answer, so one call covers everything a renderer reads.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-byte ESC sequences, and their
# 8-bit forms (0x9b CSI, 0x9d OSC).
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x9c]*(?:\x07|\x9c)?")
_LINE_BREAKS = re.compile(r"[\r\n\t\x0b\x0c\x85\u2028\u2029]+")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\\[\]|*])|(?<![^\W_])(_)|(_)(?![^\W_])")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_CODE_SCHEME = re.compile(r"\b(javascript|vbscript)\s*:|\b(data):(?=[\w/])", re.I)
_BLOCK_START = re.compile(r"^(\s*)([#>+=~-]|\d+[.)](?=\s|$))")


def inert(value: Any, *, markdown: bool = False) -> str:
    """`value` as text that only displays: one line, no escape sequences or control characters,
    and with `markdown`, no link, HTML, table or block syntax of its own."""
    text = _ESCAPE_SEQUENCE.sub("", str(value))
    text = _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text))
    if not markdown:
        return text
    text = _MARKDOWN_PUNCTUATION.sub(lambda m: "\\" + m.group(0), text)
    text = _TAG_START.sub(r"\\<", text)
    text = _CODE_SCHEME.sub(lambda m: (m.group(1) or m.group(2)) + "\\:", text)
    return _BLOCK_START.sub(r"\1\\\2", text)


def inert_strings(value: Any, *, markdown: bool = False) -> Any:
    """A copy of `value` (a pydantic model, list, tuple, dict or string) with `inert` applied to
    every string inside it; numbers, dates and the rest are returned as they are."""
    if isinstance(value, str):
        return inert(value, markdown=markdown)
    if isinstance(value, BaseModel):
        return value.model_copy(update={name: inert_strings(getattr(value, name), markdown=markdown)
                                        for name in type(value).model_fields})
    if isinstance(value, dict):
        return {inert_strings(k, markdown=markdown): inert_strings(v, markdown=markdown) for k, v in value.items()}
    if isinstance(value, list):
        return [inert_strings(v, markdown=markdown) for v in value]
    if isinstance(value, tuple):
        return tuple(inert_strings(v, markdown=markdown) for v in value)
    return value
