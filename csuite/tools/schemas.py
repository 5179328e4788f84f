"""Tool definitions for other agents, generated from each tool's own pydantic models.

One function turns a registry tool into a list of call parameters — the input (`path` to a file,
or inline `data` rows) plus every field of the tool's options model — and everything else is
built from that list: the MCP server's function signatures, `csuite tools schema` in the
Anthropic, OpenAI and MCP formats, and `call_tool`, which runs a tool from a JSON arguments
object. So a flag added to a tool's options shows up everywhere at once, with the same
description, bounds and choices as its `--flag` on the command line.
"""

from __future__ import annotations

import copy
import inspect
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic_core import PydanticUndefined

from csuite.errors import InputError, UsageError, validation_message
from csuite.io.access import FILE_ARGUMENT, FileAccess
from csuite.tools.base import ToolSpec
from csuite.tools.registry import TOOLS, get_tool

Format = Literal["anthropic", "openai", "mcp"]
FORMATS: tuple[str, ...] = ("anthropic", "openai", "mcp")

# The two ways to hand a tool its data; every other argument is one of the tool's options.
INPUT_ARGUMENTS = ("path", "data")

_DATA_HELP = ("Inline data instead of a file: a list of rows (objects keyed by column name, the "
              "same headers a CSV export would have) or one object. Give either path or data.")


def _path_help(spec: ToolSpec) -> str:
    return f"Path to the input file (CSV, TSV, JSON or YAML). {spec.input_help}".strip()


def tool_parameters(spec: ToolSpec) -> list[inspect.Parameter]:
    """Keyword-only parameters for one tool: the input, then each options field.

    Each options field keeps its pydantic metadata (validators such as Money's "$2.4M" parser,
    bounds, description) so validation and schemas match the CLI flag exactly.
    """
    clash = set(INPUT_ARGUMENTS) & set(spec.options.model_fields)
    if clash:  # a tool author's mistake: say so at import time, not in a user's session
        raise RuntimeError(f"tool {spec.name}: options may not be named {', '.join(sorted(clash))}")
    kw = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("path", kw, default=None,
                          annotation=Annotated[str | None, Field(description=_path_help(spec))]),
        inspect.Parameter("data", kw, default=None,
                          annotation=Annotated[list[dict[str, Any]] | dict[str, Any] | None,
                                               Field(description=_DATA_HELP)]),
    ]
    for name, info in spec.options.model_fields.items():
        meta = copy.copy(info)
        # Defaults live on the parameter; pydantic refuses them inside Annotated.
        meta.default = PydanticUndefined
        meta.default_factory = None
        default = inspect.Parameter.empty if info.is_required() else info.get_default(call_default_factory=True)
        params.append(inspect.Parameter(name, kw, default=default, annotation=Annotated[info.annotation, meta]))
    return params


def _names_a_file(annotation: Any) -> bool:
    """Whether an option's type carries the FILE_ARGUMENT marker (`FilePath`, optional or not)."""
    if get_origin(annotation) is typing.Annotated:
        base, *metadata = get_args(annotation)
        return any(m is FILE_ARGUMENT for m in metadata) or _names_a_file(base)
    return any(_names_a_file(arg) for arg in get_args(annotation))


def file_arguments(spec: ToolSpec) -> tuple[str, ...]:
    """The arguments of a tool that name a file to read: `path`, then every `FilePath` option."""
    return ("path", *(name for name, info in spec.options.model_fields.items()
                      if _names_a_file(info.annotation) or any(m is FILE_ARGUMENT for m in info.metadata)))


def confine_arguments(spec: ToolSpec, arguments: dict[str, Any], access: FileAccess) -> dict[str, Any]:
    """The arguments with every file argument checked against `access` and replaced by its
    resolved path, so the path checked is the path read; AccessDenied for the first one outside
    the allowed roots."""
    out = dict(arguments)
    for name in file_arguments(spec):
        value = out.get(name)
        if isinstance(value, (str, Path)) and str(value).strip():
            out[name] = str(access.check(value, field=name))
    return out


def input_model(spec: ToolSpec) -> type[BaseModel]:
    """The arguments object of one tool as a pydantic model (unknown keys refused)."""
    fields: dict[str, Any] = {}
    for p in tool_parameters(spec):
        fields[p.name] = (p.annotation, ... if p.default is inspect.Parameter.empty else p.default)
    return create_model(f"{spec.name}_arguments", __config__=ConfigDict(extra="forbid"), **fields)


def description(spec: ToolSpec) -> str:
    """What a calling model reads to decide whether and how to call the tool."""
    text = f"{spec.summary}. Role: {spec.role.upper()}. Input: {spec.input_help}"
    if spec.input_required:
        text += " Pass `path` (a file the server can read) or `data` (inline rows)."
    else:
        text += " `path`/`data` are optional: the tool can run on its options alone."
    return text.rstrip()


def input_schema(spec: ToolSpec) -> dict[str, Any]:
    schema = input_model(spec).model_json_schema()
    schema.pop("title", None)
    schema["additionalProperties"] = False
    return schema


def output_schema(spec: ToolSpec) -> dict[str, Any]:
    return spec.result.model_json_schema(mode="serialization")


def definition(spec: ToolSpec, fmt: Format) -> dict[str, Any]:
    """One tool in the shape each API expects.

    anthropic: Messages API `tools` entry; openai: Chat Completions / Agents function tool;
    mcp: a `tools/list` entry (with the output schema of the structured result).
    """
    name, desc, params = spec.name, description(spec), input_schema(spec)
    if fmt == "anthropic":
        return {"name": name, "description": desc, "input_schema": params}
    if fmt == "openai":
        return {"type": "function", "function": {"name": name, "description": desc, "parameters": params}}
    if fmt == "mcp":
        return {"name": name, "description": desc, "inputSchema": params, "outputSchema": output_schema(spec)}
    raise UsageError(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})")


def all_specs() -> list[ToolSpec]:
    """Every registry tool. A module that fails to import is a bug to see, not a tool to drop."""

    return [get_tool(name) for name in TOOLS]


def definitions(fmt: Format) -> list[dict[str, Any]]:
    return [definition(spec, fmt) for spec in all_specs()]


def _validation_text(exc: ValidationError) -> str:

    return validation_message(exc, flags=False)


def call_tool(name: str, arguments: dict[str, Any] | None = None) -> BaseModel:
    """Run a registry tool from a JSON arguments object (what a model sends for a tool call).

    Raises InputError/UsageError with the CLI's one-line message; the result is the tool's
    pydantic result model (`.model_dump(mode="json")` for JSON).
    """

    spec = get_tool(name)
    return run_spec(spec, dict(arguments or {}))


def run_spec(spec: ToolSpec, arguments: dict[str, Any]) -> BaseModel:
    try:
        args = input_model(spec).model_validate(arguments)
    except ValidationError as exc:
        raise UsageError(_validation_text(exc)) from None
    path, data = args.path, args.data  # type: ignore[attr-defined]
    if path is not None and data is not None:
        raise UsageError("give either path or data, not both")
    option_values = {k: getattr(args, k) for k in spec.options.model_fields if k in args.model_fields_set}
    try:
        options = spec.options.model_validate(option_values)
    except ValidationError as exc:
        raise UsageError(_validation_text(exc)) from None
    source: Any
    if path is not None:
        source = Path(path).expanduser()
        if not source.exists():
            raise InputError("no such file", file=path)
    elif data is not None:
        source = data
    elif spec.input_required:
        hint = f" (the bundled sample is examples/{spec.sample})" if spec.sample else ""
        raise UsageError(f"{spec.name} needs its data: pass path (a CSV/JSON/YAML file) or data (inline rows){hint}")
    else:
        source = None
    try:
        return spec.run(source, options)
    except InputError as exc:
        raise exc.located(file=path) from None
