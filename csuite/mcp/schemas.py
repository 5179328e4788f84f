"""Tool arguments in a shape every MCP client and every strict function-calling API accepts.

The registry tools take their input as `path` (a file) or `data` (inline). In
`csuite.tools.schemas` `data` is free-form objects, which OpenAI strict mode and the Agents SDK's
strict conversion refuse: an object that allows any key cannot be made strict. Here `data` is
typed — a table (`columns` and `rows`) or the text of a file (CSV, TSV, JSON or YAML) — and every
optional option is nullable (null means "the default"), so a strict caller can send every key.
The MCP server lists these schemas; `csuite tools schema --format openai` turns them into
Responses API function tools with `strict: true`; `call_tool` runs a call in either shape.
"""

from __future__ import annotations

import copy
import csv
import inspect
import io
import json
from typing import Annotated, Any, Literal, Optional, get_origin

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
)

from csuite.errors import UsageError, validation_message
from csuite.tools.base import ToolSpec
from csuite.tools.registry import get_tool
from csuite.tools.registry import tool_title as registry_title
from csuite.tools.schemas import all_specs, description, run_spec, tool_parameters

Cell = str | int | float | bool | None


class Table(BaseModel):
    """Rows as a CSV export would hold them: a header and one list of values per row."""

    model_config = ConfigDict(extra="forbid")

    columns: list[str] = Field(min_length=1, description="column names: the header row of the export")
    rows: list[list[Cell]] = Field(description="one list per row, values in the order of columns")


DATA_HELP = ("Inline data instead of a file: a table {columns, rows} with the headers a CSV export "
             "would have, or the whole text of a CSV, TSV, JSON or YAML file. Give either path or data.")
DETAIL_HELP = ("summary (default): a few lines of text, the whole result in structured content; "
               "full: the tool's complete report as text as well")


def _legacy_rows(value: Any) -> Any:
    """Rows sent as objects (the older, free-form shape) become a table; one object becomes JSON
    text. Callers that still send them keep working; the schema lists only the strict shapes."""
    if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
        columns = list(dict.fromkeys(key for row in value for key in row))
        return {"columns": columns, "rows": [[row.get(c) for c in columns] for row in value]}
    if isinstance(value, dict) and set(value) != {"columns", "rows"}:
        return json.dumps(value, default=str)
    return value


DataArgument = Annotated[Optional[Table | str], BeforeValidator(_legacy_rows)]


def inline_source(data: Table | str) -> list[dict[str, Any]] | dict[str, Any]:
    """What the tool reads from `data`: a list of rows, or the document a JSON/YAML text holds."""
    if isinstance(data, Table):
        width = len(data.columns)
        for number, row in enumerate(data.rows, start=1):
            if len(row) != width:
                raise UsageError(f"data: row {number} has {len(row)} values for {width} columns")
        return [dict(zip(data.columns, row)) for row in data.rows]
    text = data.lstrip("\ufeff")
    if not text.strip():
        raise UsageError("data: the text is empty")
    try:
        document = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError:
        document = None
    if isinstance(document, (list, dict)):
        return document
    header = text.splitlines()[0]
    dialect = "excel-tab" if "\t" in header else "excel"
    rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    if not rows:
        raise UsageError("data: no rows under the header (give CSV with a header row, JSON or YAML)")
    return rows


def _nullable(annotation: Any) -> Any:
    """`T` → `T | None`, keeping the Field metadata (bounds, description, parsers) on it."""
    if get_origin(annotation) is Annotated:
        return Annotated[(Optional[annotation.__origin__], *annotation.__metadata__)]
    return Optional[annotation]


def call_parameters(spec: ToolSpec) -> list[inspect.Parameter]:
    """The tool's call parameters with a typed `data` and nullable optional options."""
    params = []
    for param in tool_parameters(spec):
        if param.name == "data":
            params.append(param.replace(annotation=Annotated[DataArgument, Field(description=DATA_HELP)]))
        elif param.default is not inspect.Parameter.empty and param.name != "path":
            params.append(param.replace(annotation=_nullable(param.annotation)))
        else:
            params.append(param)
    return params


def mcp_parameters(spec: ToolSpec) -> list[inspect.Parameter]:
    """call_parameters plus `detail`, which only says how much text an MCP result carries."""
    detail = inspect.Parameter("detail", inspect.Parameter.KEYWORD_ONLY, default="summary",
                               annotation=Annotated[Literal["summary", "full"], Field(description=DETAIL_HELP)])
    return [*call_parameters(spec), detail]


def arguments_model(params: list[inspect.Parameter], name: str) -> type[BaseModel]:
    fields = {p.name: (p.annotation, ... if p.default is inspect.Parameter.empty else p.default) for p in params}
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


def parsed_arguments(spec: ToolSpec, arguments: dict[str, Any], params: list[inspect.Parameter]) -> dict[str, Any]:
    """Validated arguments as `run_spec` takes them: data made plain, nulls left out."""
    try:
        args = arguments_model(params, f"{spec.name}_arguments").model_validate(arguments)
    except ValidationError as exc:
        raise UsageError(validation_message(exc, flags=False)) from None
    supplied: dict[str, Any] = {}
    for name in args.model_fields_set:
        value = getattr(args, name)
        if name == "detail" or value is None:
            continue
        supplied[name] = inline_source(value) if name == "data" else value
    return supplied


def run(spec: ToolSpec, arguments: dict[str, Any]) -> BaseModel:
    """Run one registry tool from typed (or older free-form) arguments; errors are one line."""
    return run_spec(spec, parsed_arguments(spec, arguments, mcp_parameters(spec)))


def call_tool(name: str, arguments: dict[str, Any] | None = None) -> BaseModel:
    """Run a tool call from a model that used the strict definitions (`openai_tools()`)."""
    spec = get_tool(name)
    return run_spec(spec, parsed_arguments(spec, dict(arguments or {}), call_parameters(spec)))


# ------------------------------------------------------------------------------ strict schemas

def json_schema(params: list[inspect.Parameter], name: str) -> dict[str, Any]:
    return inline_refs(arguments_model(params, name).model_json_schema())


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every `$ref` replaced by its `$defs` entry, closed at the top.

    Some strict converters (the OpenAI Agents SDK's for MCP tools) refuse any `$ref` they cannot
    check; our argument types are not recursive, so inlining is always possible."""
    defs = schema.get("$defs", {})

    def expand(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                target = copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]])
                return expand({**target, **{k: v for k, v in node.items() if k != "$ref"}})
            return {k: expand(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [expand(v) for v in node]
        return node

    out = expand(schema)
    out.pop("title", None)
    out["additionalProperties"] = False
    return out


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy that OpenAI strict mode accepts: every object closed and every key required.

    Keys that were optional are already nullable; their default moves into the description
    (strict mode has no defaults: the model sends null and the tool uses the default)."""
    out = copy.deepcopy(schema)

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            node.pop("title", None)
            if "default" in node:
                default = node.pop("default")
                if default is not None:
                    shown = json.dumps(default, default=str, ensure_ascii=False)
                    node["description"] = f"{node.get('description', '').rstrip('. ')} (null = {shown})".lstrip()
            if node.get("type") == "object" or "properties" in node:
                node["additionalProperties"] = False
                node["required"] = list(node.get("properties", {}))
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(out)
    return out


def openai_tool(spec: ToolSpec) -> dict[str, Any]:
    """One tool in the OpenAI Responses API layout, strict."""
    return {"type": "function", "name": spec.name, "description": description(spec),
            "parameters": strict(json_schema(call_parameters(spec), f"{spec.name}_arguments")),
            "strict": True}


def openai_tools() -> list[dict[str, Any]]:
    """Every registry tool as a strict Responses API function tool (`tools=` of responses.create)."""
    return [openai_tool(spec) for spec in all_specs()]


# ------------------------------------------------------------------------------------- titles

def tool_title(name: str) -> str:
    """The short title a host shows for a tool (English: MCP titles carry one language)."""
    return registry_title(name, "en")
