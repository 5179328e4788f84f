"""Registry tools the drafting model may call, run here on the founder's machine.

The model sees the same tool definitions as any other agent (`csuite tools schema`); a call it
makes is run locally, and the numbers it produces become evidence the answer may cite. Only
the founder's own data files (by path or name) and the bundled examples may be read; results on
sample data or model-supplied rows are assumptions, never 🟢. Every argument that names a file
(`path`, `stage_map`, `history`, `accounts`) passes the same access check
(csuite.io.access), so nothing else on the machine reaches the API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from csuite.answer import Evidence
from csuite.backends.claude.client import settings
from csuite.backends.claude.messages import (
    SUBMIT_ANSWER,
    as_json,
    evidence_row,
    shallow_first,
)
from csuite.backends.privacy import Pseudonymizer
from csuite.backends.request import DraftRequest
from csuite.errors import InputError, UsageError
from csuite.evidence.collect import tool_evidence
from csuite.io.access import AccessDenied, FileAccess
from csuite.resources import examples_dir
from csuite.tools.registry import TOOLS, get_tool
from csuite.tools.schemas import (
    call_tool,
    confine_arguments,
    definitions,
    file_arguments,
)


def tool_definitions() -> list[dict[str, Any]]:
    """What a draft call offers: every registry tool, then `submit_answer`."""
    return [*definitions("anthropic"), SUBMIT_ANSWER]


def by_name(path: str, founder_files: list[str]) -> str:
    """A bare file name the model wrote ("pipeline.csv") → the founder's file of that name, or
    the bundled example of that name; any other path unchanged (the access check judges it)."""
    wanted = Path(path)
    if wanted.name != path:
        return path
    for pool in ([Path(f) for f in founder_files], [p for p in examples_dir().glob("*") if p.is_file()]):
        named = [p for p in pool if p.name == wanted.name]
        if len(named) == 1:
            return str(named[0])
    return path


def tool_access(founder_files: list[str]) -> FileAccess:
    """What the model may have read: the founder's own data files and the bundled examples."""
    return FileAccess.of(roots=[examples_dir()], files=founder_files)


def run_tool(use: Any, request: DraftRequest, pseudo: Pseudonymizer, founder_files: list[str],
             extra: list[Evidence], called: list[str]) -> dict[str, Any]:
    """Run one model-requested registry tool locally; its numbers become evidence (appended to
    `extra`, the tool's name to `called`). Returns the `tool_result` block to send back."""

    def error(message: str) -> dict[str, Any]:
        return {"type": "tool_result", "tool_use_id": use.id, "is_error": True, "content": pseudo.mask(message)}

    if use.name not in TOOLS:
        return error(f"unknown tool '{use.name}'")
    spec = get_tool(use.name)
    args = pseudo.unmask_data(dict(use.input or {}))
    for name in file_arguments(spec):
        if isinstance(args.get(name), str) and args[name].strip():
            args[name] = by_name(args[name], founder_files)
    access = tool_access(founder_files)
    try:
        args = confine_arguments(spec, args, access)
    except AccessDenied as exc:
        names = ", ".join(Path(f).name for f in founder_files) or "none"
        return error(f"{exc.field or 'path'} must be one of the founder's data files ({names}) or a bundled example")
    founder = args.get("path") in {str(p) for p in access.files}
    try:
        result = call_tool(use.name, args)
    except (InputError, UsageError) as exc:
        return error(f"{use.name}: {exc}")
    except Exception as exc:  # noqa: BLE001 - a tool bug must not lose the answer
        return error(f"{use.name} failed: {type(exc).__name__}")
    file = Path(args["path"]).name if args.get("path") else None
    existing = {e.id: e for e in [*request.evidence, *extra]}
    prefix = use.name
    items = tool_evidence(prefix, result, file)
    if any(i.id in existing and existing[i.id].value != i.value for i in items):
        prefix = f"{use.name}_run{len(called) + 1}"
        items = tool_evidence(prefix, result, file)
    if not founder:  # sample data or rows the model supplied: assumptions, never 🟢
        items = [i if i.kind == "framework" else i.model_copy(update={
            "kind": "assumption", "source": i.source + " (model-supplied or sample input)"}) for i in items]
    new = [i for i in items if i.id not in existing]
    extra.extend(new)
    called.append(use.name)
    shown = shallow_first(items, int(settings()["evidence"]["tool_result"]))
    payload = {"tool": use.name, "file": file, "evidence": [evidence_row(e, pseudo) for e in shown],
               "evidence_total": len(items)}
    return {"type": "tool_result", "tool_use_id": use.id, "content": pseudo.mask(as_json(payload))}
