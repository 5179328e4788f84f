"""Render the pack's Jinja2 prompt templates (prompts/*.j2).

Templates are rendered in a sandbox with StrictUndefined: a template cannot reach Python
internals, and a variable the caller forgot is an error, not a silently empty prompt. Autoescape
is off because the output is markdown and plain text, not HTML.

Company context and tool output flow into these prompts as *data*. The role system prompts
fence the context inside a delimited DATA block and say so; `fence_safe` strips anything that
looks like our own fence markers so a context file cannot close the block early.

Each template begins with a `{# ... #}` docstring that lists its variables; `template_variables`
reads it, and a test holds it equal to what the template actually uses.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from csuite.context.report import context_report
from csuite.io.text import LazyPattern
from csuite.knowledge.alert_text import SEVERITY_GLYPH, alert_label, readable_message
from csuite.knowledge.models import load_knowledge, resolve_benchmark
from csuite.resources import cache_dir, pack_path
from csuite.tools.registry import TOOLS

# Three glyph sets that never share a glyph: 🟢🟡🔴 only ever mean evidence tags, so an alert's
# severity and a critic's verdict each have their own (a test holds the sets apart).
TAG_EMOJI = {"verified": "🟢", "medium": "🟡", "assumed": "🔴"}
SEVERITY_EMOJI = SEVERITY_GLYPH
VERDICT_EMOJI = {"proceed": "✅", "address": "🔧", "rethink": "🛑"}

# Founder archetype (company-context.md) → the CRO persona that serves that founder best.
# Technical founders trust numbers; sales-led founders need a system, not another closer.
CRO_PERSONA_BY_ARCHETYPE = {
    "technical": "analyst",
    "product": "coach",
    "sales-led": "orchestrator",
    "operator": "orchestrator",
    "domain expert": "coach",
}
CRO_PERSONAS = ("rainmaker", "coach", "analyst", "orchestrator", "wolf")
DEFAULT_CRO_PERSONA = "analyst"

# Tag-like markup (`</company_context>`, `<system>`) and BEGIN/END DATA markers: what a context
# file would need to close our data fence early. Comparisons such as "NRR > 100%" survive.
_FENCE = LazyPattern(r"(?i)(</?\s*[a-z_!][^<>\n]*>|\b(?:BEGIN|END)[ _-]?(?:OF[ _-]?)?DATA\b)")
_DOC = LazyPattern(r"\A\s*\{#(.*?)#\}", re.S)
_VAR_LINE = LazyPattern(r"^\s*-\s*([A-Za-z_][A-Za-z0-9_]*)\s*:", re.M)


def _pct(value: Any, digits: int = 1) -> str:
    """0.962 → '96.2%'. Rates are fractions everywhere in csuite."""
    if value is None:
        return "n/a"
    return f"{float(value) * 100:.{digits}f}%"


def _money(value: Any) -> str:
    """1234567 → 'USD 1,234,567' (never '$' + digit: Claude Code would treat it as an argument)."""
    if value is None:
        return "n/a"
    number = float(value)
    sign = "-" if number < 0 else ""
    return f"{sign}USD {abs(number):,.0f}"


def _tag(tag: str) -> str:
    return TAG_EMOJI[tag]


def _severity(severity: str) -> str:
    return SEVERITY_EMOJI[severity]


def _verdict(verdict: str) -> str:
    return VERDICT_EMOJI[verdict]


def _alert_message(alert: dict[str, Any], lang: str = "en") -> str:
    return readable_message(alert["id"], alert["message"], lang)  # type: ignore[arg-type]


def fence_safe(value: Any) -> str:
    """Text safe to put inside a DATA block: fence-like markers are neutralised."""
    return _FENCE.sub("[removed]", str(value))


@lru_cache(maxsize=1)
def environment():
    """The one sandboxed environment every prompt is rendered with."""
    from jinja2 import FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(pack_path("prompts"))),
        bytecode_cache=_bytecode_cache(FileSystemBytecodeCache),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(pct=_pct, money=_money, tag=_tag, severity=_severity, verdict=_verdict,
                       alert_label=alert_label, alert_message=_alert_message, fence_safe=fence_safe)
    return env


def _bytecode_cache(cache_class: Any) -> Any:
    """Compiled templates kept beside the other derived tables (jinja re-checks each source's
    checksum, so an edited template is compiled again): compiling the answer template was a
    tenth of an offline `csuite ask`. None when the folder cannot be made."""
    folder = cache_dir() / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return cache_class(str(folder))


def _template_name(name: str) -> str:
    return name if name.endswith(".j2") else f"{name}.j2"


def template_names() -> list[str]:
    """Every renderable prompt template, e.g. ['alert.j2', 'answer_single.j2', ...].

    Files starting with '_' are partials, included by the others and never rendered alone."""
    return sorted(p.name for p in pack_path("prompts").glob("*.j2") if not p.name.startswith("_"))


def render_prompt(name: str, **variables: Any) -> str:
    """Render prompts/<name>.j2 ('.j2' optional). Missing variables raise jinja2.UndefinedError."""
    text = environment().get_template(_template_name(name)).render(**variables)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def template_doc(name: str) -> str:
    """The `{# ... #}` docstring at the top of a template."""
    source = pack_path("prompts", _template_name(name)).read_text(encoding="utf-8")
    match = _DOC.match(source)
    return match.group(1).strip() if match else ""


def template_variables(name: str) -> list[str]:
    """Top-level variable names the docstring declares (lines of the form `- name: ...`)."""
    doc = template_doc(name)
    head = doc.split("Variables:", 1)[1] if "Variables:" in doc else ""
    # Only top-level entries: a line starting with '- ' at the smallest indentation.
    lines = [line for line in head.splitlines() if line.strip().startswith("- ")]
    if not lines:
        return []
    indent = min(len(line) - len(line.lstrip()) for line in lines)
    return [m.group(1) for line in lines if len(line) - len(line.lstrip()) == indent
            for m in [_VAR_LINE.match(line)] if m]


def cro_persona_for(archetype: str | None) -> str:
    """The CRO persona for a founder archetype; the Analyst when unknown."""
    key = (archetype or "").strip().lower()
    return CRO_PERSONA_BY_ARCHETYPE.get(key, DEFAULT_CRO_PERSONA)


def benchmark_values(knowledge: dict[str, Any]) -> dict[str, str]:
    """Every benchmark key the role's topics cite → its thresholds.yaml value, as compact text."""


    keys = sorted({key for topic in knowledge["topics"] for key in topic.get("benchmarks", [])})
    return {key: json.dumps(resolve_benchmark(key), ensure_ascii=False, default=str) for key in keys}


def tool_entries() -> list[dict[str, str]]:
    """[{name, role, summary}] for every registered tool (no tool module is imported)."""

    return [{"name": e.name, "role": e.role, "summary": e.summary} for e in TOOLS.values()]


def context_view(ctx: Any) -> dict[str, Any]:
    """A parsed CompanyContext as the `csuite context check --json` payload the prompts read."""

    return context_report(ctx)


def role_system_prompt(role: str, context: dict[str, Any], *, persona: str | None = None,
                       references: list[dict[str, str]] | None = None, topics: list[str] | None = None) -> str:
    """The rendered system prompt of a role, with its knowledge, benchmarks and tools filled in.

    context: the `csuite context check --json` payload (or `context_view(ctx)`).
    persona: CRO only; default from the founder archetype in the context.
    topics: keep only these knowledge topics (the first topic when none match), so a prompt
    for one question carries only what it needs."""

    knowledge = load_knowledge(role).model_dump(mode="json")  # type: ignore[arg-type]
    if topics is not None:
        knowledge["topics"] = [t for t in knowledge["topics"] if t["id"] in topics] or knowledge["topics"][:1]
    variables: dict[str, Any] = {
        "knowledge": knowledge,
        "benchmarks": benchmark_values(knowledge),
        "context": context,
        "tools": tool_entries(),
        "references": list(references or []),
    }
    if role == "cro":
        archetype = context.get("fields", {}).get("Founder archetype") if context.get("found") else None
        variables["persona"] = persona or cro_persona_for(archetype)
        return render_prompt("cro_system", **variables)
    if persona is not None:
        raise ValueError("only the CRO prompt takes a persona")
    return render_prompt("cco_system", **variables)
