"""Turn a tool's result into findings that cite the evidence they rest on.

Each tool has a small adapter that picks the decision-relevant numbers from its result and
says what they mean; a generic adapter handles flags for any tool. Texts are written from the
result's own numbers, and `cite` attaches the evidence ids that hold them, so verification can
trace every figure back to the tool run.
"""

from __future__ import annotations

from typing import Any, Callable

from pydantic import BaseModel, Field

from csuite.answer import Evidence, Finding
from csuite.numbers import find_mentions, matches, numeric_values


class ToolRun(BaseModel):
    """One tool run on one founder file (or inline rows), as JSON-ready data."""

    tool: str
    file: str | None = None
    result: dict[str, Any] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)


def cite(text: str, evidence: dict[str, Evidence], prefer: str = "") -> list[str]:
    """Evidence ids whose values match the numbers in `text` (founder data first, `prefer`
    prefix first), one per number. Unmatched numbers stay unmatched for verify to report."""
    ranked = sorted(evidence.values(), key=lambda e: (
        not (prefer and e.id.startswith(prefer)), e.kind != "founder_data", len(e.id)))
    ids: list[str] = []
    for mention in find_mentions(text):
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
    for flag in flags[:3]:
        message = flag.get("message") or flag.get("detail") or flag.get("text") or str(flag.get("id", ""))
        so_what = flag.get("why") or flag.get("action") or flag.get("recommendation") or \
            f"flagged by {run.tool} on your data"
        out.append(_finding(str(message).rstrip("."), str(so_what), run, evidence))
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
