"""Turn a tool's result into findings that cite the evidence they rest on.

Each tool has a small adapter that picks the decision-relevant numbers from its result and
says what they mean; a generic adapter handles flags for any tool. Texts are written from the
result's own numbers, and `cite` attaches the evidence ids that hold them, so verification can
trace every figure back to the tool run.
"""

from __future__ import annotations

import re
from typing import Callable

from csuite.answer import Evidence, Finding
from csuite.checks.verify import tag_finding
from csuite.evidence.collect import ToolRun
from csuite.io.numbers import find_mentions, matches, numeric_values

_UNITS_FOR = {"percent": {"fraction"}, "ratio": {"ratio"}, "money": {"usd"}, "months": {"months"},
              "days": {"days"}}


def _window(text: str, needle: str, width: int = 40) -> str:
    at = text.find(needle)
    return text[max(0, at - width):at + len(needle) + width] if at >= 0 else text


def _words(text: str) -> set[str]:
    """Lower-case word stems for matching a number's neighbours to an evidence id."""
    return {w[:6] for w in re.split(r"[^a-z]+", text.lower()) if len(w) > 2}


def cite(text: str, evidence: dict[str, Evidence], prefer: str = "") -> list[str]:
    """Evidence ids whose values match the numbers in `text`, one per number: the same tool
    first, then a unit that fits the way the number is written (3.0x is a ratio, not a count
    of three), then founder data. Unmatched numbers stay unmatched for verify to report."""
    ids: list[str] = []
    for mention in find_mentions(text):
        units = _UNITS_FOR.get(mention.kind)
        near = _words(_window(text, mention.text))
        ranked = sorted(evidence.values(), key=lambda e: (
            not (prefer and e.id.startswith(prefer)), bool(units) and e.unit not in units,
            -len(near & _words(e.id)), e.kind != "founder_data", len(e.id)))
        for item in ranked:
            if matches(mention, numeric_values(item.value)):
                if item.id not in ids:
                    ids.append(item.id)
                break
    return ids


def _finding(text: str, so_what: str, run: ToolRun, evidence: dict[str, Evidence], topic: str | None = None) -> Finding:
    return Finding(text=text, so_what=so_what, sources=cite(f"{text} {so_what}", evidence, prefer=f"{run.tool}."),
                   tag="verified", topic=topic)


def generic_findings(run: ToolRun, evidence: dict[str, Evidence]) -> list[Finding]:
    """Flags any tool raises, most severe first: each is a finding in the tool's own words."""
    flags = run.result.get("flags") or []
    order = {"high": 0, "critical": 0, "medium": 1, "warning": 1, "low": 2, "info": 3}
    flags = sorted((f for f in flags if isinstance(f, dict)), key=lambda f: order.get(str(f.get("severity")), 2))
    out: list[Finding] = []
    for flag in flags:
        message = flag.get("message") or flag.get("detail") or flag.get("text") or str(flag.get("id", ""))
        so_what = flag.get("why") or flag.get("action") or flag.get("recommendation") or \
            f"flagged by {run.tool} on your data"
        finding = _finding(str(message).rstrip("."), str(so_what), run, evidence)
        # A flag whose numbers are sums the tool did not expose cannot be traced; it stays a
        # risk (see untraceable_flags) rather than becoming a finding verify would mark assumed.
        if not tag_finding(finding, evidence)[1]:
            out.append(finding)
    return out[:3]


def untraceable_flags(run: ToolRun, evidence: dict[str, Evidence]) -> list[str]:
    """Flag messages whose numbers no evidence holds: said as risks, in the tool's words."""
    out = []
    for flag in run.result.get("flags") or []:
        if not isinstance(flag, dict):
            continue
        message = str(flag.get("message") or flag.get("detail") or flag.get("text") or flag.get("id", ""))
        if tag_finding(_finding(message, "", run, evidence), evidence)[1]:
            out.append(message)
    return out


Adapter = Callable[[ToolRun, dict[str, Evidence]], list[Finding]]
ADAPTERS: dict[str, Adapter] = {}


def adapter(name: str) -> Callable[[Adapter], Adapter]:
    def register(func: Adapter) -> Adapter:
        ADAPTERS[name] = func
        return func
    return register


def tool_findings(run: ToolRun, evidence: dict[str, Evidence]) -> list[Finding]:
    specific = ADAPTERS.get(run.tool)
    found = specific(run, evidence) if specific else []
    seen = {f.text for f in found}
    return found + [f for f in generic_findings(run, evidence) if f.text not in seen]
