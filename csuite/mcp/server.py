"""The advisors as an MCP server (`csuite mcp`, `python -m csuite.mcp`; stdio).

What a connected agent gets:
- tools: every registry tool (input as a file `path` or inline `data` — a table or a file's text —
  plus the tool's options; the same pydantic models as the CLI, so the same validation, and the
  schema `csuite tools schema --format mcp` prints), `context_check`, `route` and `ask`. Each has a
  title and annotations (read-only, closed world); each result is a short text summary plus the
  whole result as structured content (`detail: "full"` adds the tool's complete report as text);
- prompts: one per role persona and a two-role review, rendered from `prompts/`;
- resources: every skill file as `skill://<skill-name>/<path>`, and with mcp 2.x the SEP-2640
  skills extension (`skills/list`, `skills/get`: each skill's frontmatter and files with digests).

Works with the mcp SDK 1.x (>= 1.24, `FastMCP`) and 2.x (`MCPServer`); `mcp` is the optional
extra `csuite-advisors[mcp]`. A bad input comes back as a tool error carrying the CLI's one-line
message; nothing a caller sends can stop the server: a malformed line or a batch gets a JSON-RPC
error (csuite.mcp.transport). Logs go to stderr only: stdout is the protocol channel.

Files: every argument naming a file (`path`, `stage_map`, `history`, `accounts`,
`context_check.path`, `ask.context` and `ask.data`) is read only under the allowed roots
(csuite.io.access): the server's working directory, CSUITE_ALLOWED_DIRS, `--allow DIR`, the
bundled examples, and the client's roots when it offers them (asked for on each call, so a
client that changes its roots is obeyed at once).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.metadata
import inspect
import json
import logging
import mimetypes
import sys
import warnings
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import anyio
from pydantic import ConfigDict, Field, ValidationError

from csuite import __version__
from csuite.answer import Answer
from csuite.context.report import as_of_date, check_payload
from csuite.errors import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    InputError,
    UsageError,
    validation_message,
)
from csuite.io.access import ALLOW_HELP, FileAccess
from csuite.knowledge.alert_text import alert_label, readable_message
from csuite.knowledge.models import load_knowledge
from csuite.knowledge.thresholds import section
from csuite.mcp import schemas, skills
from csuite.mcp.prompts import PROMPTS, QUESTION_MAX_CHARS
from csuite.mcp.transport import serve_stdio
from csuite.pack.bundle import file_bytes, pack_skills
from csuite.render.answer import to_markdown
from csuite.roles import Role
from csuite.routing.router import Route
from csuite.runner import Advisor
from csuite.tools.schemas import all_specs, confine_arguments, description

SERVER_NAME = "csuite-advisors"
MCP_MISSING = ("the MCP server needs the mcp package: pip install 'csuite-advisors[mcp]' "
               "(or pip install 'mcp>=1.24,<3')")
INSTRUCTIONS = (
    "CRO and CCO advisors for a startup founder. Start with context_check (the founder's "
    "company-context.md: metrics, staleness, proactive alerts) and raise its alerts. Answer "
    "numbers questions by running a tool on the founder's file (path) or rows (data); every number "
    "in your answer must come from a tool result or be labelled a benchmark or an assumption. "
    "ask runs the whole advisor pipeline (route, tools, self-verify) and returns a tagged answer; "
    "route says which role owns a question. The skill:// resources hold the playbooks."
)

log = logging.getLogger("csuite.mcp")
SUMMARY_MAX_CHARS: int = section("mcp")["summary_max_chars"]
# Every tool only reads the founder's files and our own pack, and never reaches past this machine:
# `ask` drafts with the offline engine here. Hosts use these hints to skip confirmation prompts.
# Wire names: mcp 2.x reads them as aliases, 1.x as its field names.
READ_ONLY = {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False}


def server_version() -> str:
    """serverInfo.version: the installed distribution's version, else the package's own."""
    try:
        return importlib.metadata.version("csuite-advisors")
    except importlib.metadata.PackageNotFoundError:
        return __version__


class SDK:
    """The pieces of whichever mcp SDK is installed (2.x renamed FastMCP to MCPServer)."""

    def __init__(self) -> None:
        try:
            from mcp.server.mcpserver import Context
            from mcp.server.mcpserver import MCPServer as server_class
            from mcp.server.mcpserver.exceptions import ToolError
            from mcp.server.mcpserver.tools import Tool
        except ImportError:
            try:
                from mcp.server.fastmcp import Context
                from mcp.server.fastmcp import FastMCP as server_class
                from mcp.server.fastmcp.exceptions import ToolError
                from mcp.server.fastmcp.tools import Tool
            except ImportError:
                raise UsageError(MCP_MISSING) from None
        from mcp.types import ToolAnnotations

        self.server_class, self.ToolError, self.ToolAnnotations = server_class, ToolError, ToolAnnotations
        self.Context = Context
        self.Tool = _one_line_tool(Tool, ToolError)

    def server(self, tools: list[Any]) -> Any:
        extension = skills.extension()
        try:
            return self.server_class(SERVER_NAME, instructions=INSTRUCTIONS, tools=tools, version=server_version(),
                                     extensions=[extension] if extension else None)
        except TypeError:  # mcp 1.x: no `version` or `extensions`; the low-level server has the version field
            server = self.server_class(SERVER_NAME, instructions=INSTRUCTIONS, tools=tools)
            server._mcp_server.version = server_version()
            return server

    def tool(self, fn: Callable[..., Any], name: str, description: str) -> Any:
        """A Tool with a title and read-only hints, whose arguments refuse unknown keys.

        The SDK's argument model ignores extra keys, so a misspelt option would silently do
        nothing; a strict subclass rejects it, and the listed schema says so
        (`additionalProperties: false`).
        """
        title = schemas.tool_title(name)
        tool = self.Tool.from_function(fn, name=name, title=title, description=description,
                                       annotations=self.ToolAnnotations.model_validate({"title": title, **READ_ONLY}))
        loose = tool.fn_metadata.arg_model
        strict = type(loose.__name__, (loose,), {"model_config": ConfigDict(extra="forbid"),
                                                 "__module__": __name__})
        tool.fn_metadata.arg_model = strict
        tool.parameters = schemas.inline_refs(strict.model_json_schema(by_alias=True))
        return tool


def _one_line_tool(base: type, tool_error: type[Exception]) -> type:
    """The SDK's Tool, with bad arguments reported as one line instead of pydantic's
    multi-line report (which ends with a documentation URL)."""

    class OneLineTool(base):  # type: ignore[misc, valid-type]
        async def run(self, arguments: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
            try:
                self.fn_metadata.arg_model.model_validate(self.fn_metadata.pre_parse_json(arguments))
            except ValidationError as exc:
                raise tool_error(f"Error executing tool {self.name}: "
                                 f"{validation_message(exc, flags=False)}") from None
            return await super().run(arguments, *args, **kwargs)

    return OneLineTool


def error_text(exc: BaseException) -> str:
    """The message a caller sees: the CLI's one line, without the program prefix."""

    if isinstance(exc, InputError):
        return str(exc)
    if isinstance(exc, UsageError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return validation_message(exc, flags=False)
    return f"unexpected error: {type(exc).__name__}: {exc}"


def _guard(tool_error: type[Exception], name: str, body: Callable[[], Any]) -> Any:
    """Run a tool body: stray prints go to stderr, every failure becomes a tool error."""
    try:
        with contextlib.redirect_stdout(sys.stderr):
            return body()
    except (InputError, UsageError, ValidationError) as exc:
        raise tool_error(error_text(exc)) from None
    except tool_error:
        raise
    except Exception as exc:  # a bug: keep serving, log the traceback on stderr
        log.exception("tool %s failed", name)
        raise tool_error(error_text(exc)) from None


_CONTEXT = "mcp_context"  # the parameter the SDK fills with the request context (not in the schema)
ROOTS_TIMEOUT_SECONDS = 5.0


def _root_paths(uris: Iterable[str]) -> list[Path]:
    """The local folders of `file://` root URIs (other schemes are not folders we can read)."""
    out = []
    for uri in uris:
        parsed = urlparse(str(uri))
        if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
            out.append(Path(url2pathname(unquote(parsed.path))))
    return out


async def _call_access(base: FileAccess, context: Any) -> FileAccess:
    """`base` plus the client's roots, when its capabilities say it has some. A client that
    does not answer within ROOTS_TIMEOUT_SECONDS, or answers with an error, adds none."""
    capabilities = getattr(context, "client_capabilities", None)  # mcp 2.x
    if capabilities is None:  # mcp 1.x
        params = getattr(getattr(context, "session", None), "client_params", None)
        capabilities = getattr(params, "capabilities", None)
    if context is None or getattr(capabilities, "roots", None) is None:
        return base
    try:
        with anyio.move_on_after(ROOTS_TIMEOUT_SECONDS), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # roots are deprecated in the newest spec, still offered
            listed = await context.session.list_roots()
            return base.extended(roots=_root_paths(str(root.uri) for root in listed.roots))
    except Exception:  # noqa: BLE001 - a client's roots only widen access; without them the base stands
        log.warning("could not list the client's roots; using the server's allowed folders only")
    return base


def _function(sdk: SDK, access: FileAccess, name: str, doc: str, params: list[inspect.Parameter], returns: Any,
              body: Callable[..., Any]) -> Callable[..., Any]:
    """A function with an explicit signature, so the SDK builds its schema from our models.

    It asks the client for its roots, then runs `body(access=..., **arguments)` on a worker
    thread (the tools are synchronous and may take seconds)."""

    async def tool(**kwargs: Any) -> Any:
        allowed = await _call_access(access, kwargs.pop(_CONTEXT, None))
        return await anyio.to_thread.run_sync(functools.partial(body, access=allowed, **kwargs))

    context = inspect.Parameter(_CONTEXT, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=sdk.Context)
    tool.__name__ = name
    tool.__qualname__ = name
    tool.__doc__ = doc
    tool.__signature__ = inspect.Signature([*params, context], return_annotation=returns)  # type: ignore[attr-defined]
    tool.__annotations__ = {p.name: p.annotation for p in params} | {_CONTEXT: sdk.Context, "return": returns}
    return tool


# ------------------------------------------------------------------------------ registry tools

def _registry_tools(sdk: SDK, access: FileAccess) -> list[Any]:
    tools = []
    for spec in all_specs():
        def body(_spec: Any = spec, detail: str = "summary", *, access: FileAccess, **arguments: Any) -> Any:
            def run() -> Any:
                result = schemas.run(_spec, confine_arguments(_spec, arguments, access))
                return _result(tool_summary(_spec, result, detail), result.model_dump(mode="json"))
            return _guard(sdk.ToolError, _spec.name, run)

        fn = _function(sdk, access, spec.name, description(spec), schemas.mcp_parameters(spec), spec.result, body)
        tools.append(sdk.tool(fn, spec.name, description(spec)))
    return tools


def summary_text(report: str, limit: int) -> str:
    """The head of a rendered report: whole paragraphs while they fit in `limit` characters,
    and at least the first (cut at the limit when it alone is longer)."""
    kept: list[str] = []
    used = 0
    for paragraph in report.strip().split("\n\n"):
        if kept and used + len(paragraph) > limit:
            break
        kept.append(paragraph if len(paragraph) <= limit else paragraph[:limit].rstrip() + "…")
        used += len(paragraph) + 2
    return "\n\n".join(kept)


def tool_summary(spec: Any, result: Any, detail: str) -> str:
    """What a registry tool's text content says: its report's head and every flag (or the whole
    report when asked), and where the rest is."""
    report = spec.render(result).rstrip()
    if detail == "full":
        return report
    text = summary_text(report, SUMMARY_MAX_CHARS)
    flags = [f"[{flag.severity}] {flag.message}" for flag in result.flags if flag.message not in text]
    if flags:
        text += "\n\nFlags:\n" + "\n".join(f"  {line}" for line in flags)
    return (text + "\n\n(Summary. The whole result is in the structured content; call again with "
            "detail: \"full\" for the complete report as text.)")


def _result(text: str, structured: dict[str, Any]) -> Any:
    """A tool result: short text for the reader plus the full structured content."""
    from mcp.types import CallToolResult

    return CallToolResult.model_validate({"content": [{"type": "text", "text": text}],
                                          "structuredContent": structured})


# ------------------------------------------------------------------- context, route and ask

QUESTION = Annotated[str, Field(min_length=1, max_length=QUESTION_MAX_CHARS,
                                 description=f"the founder's question (at most {QUESTION_MAX_CHARS:,} characters)")]


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    """Dates and paths as strings, as the JSON on the wire has them."""
    return json.loads(json.dumps(payload, default=str))


def context_summary(payload: dict[str, Any]) -> str:
    """context_check as a few lines: where, how fresh, what is missing, and each alert."""
    if not payload["found"]:
        return payload["note"]
    lines = [f"Context {payload['path']}: last updated {payload['last_updated'] or 'unknown'}, "
             f"confidence {payload['confidence']}" + (" (stale: update it before acting)" if payload["stale"] else "")]
    if payload["missing_required"]:
        lines.append("Missing required fields: " + ", ".join(payload["missing_required"]))
    lines.append(f"{len(payload['metrics'])} metrics read; {len(payload['alerts'])} alert(s)"
                 + (":" if payload["alerts"] else "."))
    lines += [f"  [{a['severity']}] {alert_label(a['id'])} ({a['role'].upper()}): "
              f"{readable_message(a['id'], a['message'])} — do first: {a['action']}" for a in payload["alerts"]]
    lines.append("(The parsed fields and metrics are in the structured content.)")
    return "\n".join(lines)


def route_summary(routed: Route) -> str:
    if not routed.in_scope:
        who = routed.referral_title or routed.referral or "the right specialist"
        return f"Outside the CRO and CCO's lane: ask {who}." + (f" {routed.referral_reason}" if routed.referral_reason else "")
    consulted = f", consulting {', '.join(r.upper() for r in routed.consult)}" if routed.consult else ""
    titles = {t.id: t.title for t in load_knowledge(routed.primary).topics} if routed.primary else {}
    topic = f" Topic: {titles.get(routed.topic, routed.topic)}." if routed.topic else ""
    return f"{(routed.primary or 'none').upper()} answers{consulted}.{topic}"


def _advisor_tools(sdk: SDK, access: FileAccess) -> list[Any]:
    kw = inspect.Parameter.KEYWORD_ONLY
    tool_error = sdk.ToolError
    tools = []

    def context_check(path: str | None = None, as_of: date | None = None, *, access: FileAccess) -> dict[str, Any]:
        def body() -> Any:
            checked = str(access.check(path, field="path")) if path else None
            payload = check_payload(checked, as_of_date(as_of, name="as_of"))
            return _result(context_summary(payload), _jsonable(payload))
        return _guard(tool_error, "context_check", body)

    tools.append(_tool(sdk,
        _function(sdk, access, "context_check",
                  "Read the founder's company-context.md: parsed fields, normalised metrics, "
                  "proactive alerts (raise them first), staleness and missing required fields. "
                  "Without path: ./company-context.md, then ~/.claude/company-context.md.",
                  [inspect.Parameter("path", kw, default=None, annotation=Annotated[
                      str | None, Field(description="company-context.md to read (default: discovered)")]),
                   inspect.Parameter("as_of", kw, default=None, annotation=Annotated[
                      date | None, Field(description="date to judge staleness against (default: today)")])],
                  dict[str, Any], context_check)))

    def route(question: str, *, access: FileAccess) -> Route:
        def body() -> Any:
            routed = Advisor(access=access).route(question)
            return _result(route_summary(routed), routed.as_dict())
        return _guard(tool_error, "route", body)

    tools.append(_tool(sdk,
        _function(sdk, access, "route",
                  "Which advisor owns a question: primary role (cro, cco or none), roles to consult, "
                  "whether it is in scope, and the referral when it is not.",
                  [inspect.Parameter("question", kw, annotation=QUESTION)],
                  Route, route)))

    def ask(question: str, context: str | None = None, data: list[str] | None = None,
            role: str | None = None, as_of: date | None = None, *, access: FileAccess) -> Any:
        def body() -> Any:
            # An Advisor per call: it holds this call's allowed roots (the client's may change).
            answer = Advisor(access=access).ask(question, context=context, data=tuple(data or ()), role=role,
                                                as_of=as_of)
            return _with_markdown(answer)
        return _guard(tool_error, "ask", body)

    tools.append(_tool(sdk,
        _function(sdk, access, "ask",
                  "Ask the advisors a question. Runs the full pipeline on the founder's files: "
                  "context and alerts, routing, the tools that answer it, self-verification of every "
                  "number, and a critic pass when stakes are high. Returns the answer with each "
                  "finding tagged verified, medium or assumed and the evidence it cites.",
                  [inspect.Parameter("question", kw, annotation=QUESTION),
                   inspect.Parameter("context", kw, default=None, annotation=Annotated[
                       str | None, Field(description="path to company-context.md (default: discovered)")]),
                   inspect.Parameter("data", kw, default=None, annotation=Annotated[
                       list[str] | None, Field(description="paths to data files (CRM exports, "
                                               "revenue snapshots, customer lists) for the tools")]),
                   inspect.Parameter("role", kw, default=None, annotation=Annotated[
                       Role | None, Field(description="force the answering role")]),
                   inspect.Parameter("as_of", kw, default=None, annotation=Annotated[
                       date | None, Field(description="the date the answer is as of (default: today)")])],
                  Answer, ask)))
    return tools


def _with_markdown(answer: Any) -> Any:
    """The answer as the founder would read it (markdown) plus the Answer JSON as structured content."""
    return _result(to_markdown(answer), answer.model_dump(mode="json"))


def _tool(sdk: SDK, fn: Callable[..., Any]) -> Any:
    return sdk.tool(fn, fn.__name__, fn.__doc__ or "")


# ------------------------------------------------------------------------------------ resources

def _mime(path: str) -> str:
    if path.endswith(".md"):
        return "text/markdown"
    if path.endswith((".yaml", ".yml")):
        return "application/yaml"
    return mimetypes.guess_type(path)[0] or "text/plain"


def skill_resources() -> list[tuple[str, str, Callable[[], str]]]:
    """(uri, mime type, reader) for every file of every skill in the pack."""

    def reader(skill: Any, relative: str) -> Callable[[], str]:
        def read() -> str:
            return file_bytes(skill, relative).decode("utf-8", errors="replace")
        return read

    return [(f"skill://{skill.name}/{relative}", _mime(relative), reader(skill, relative))
            for skill in pack_skills() for relative in skill.files]


def _add_resources(server: Any) -> int:
    count = 0
    for uri, mime, read in skill_resources():
        name = uri.removeprefix("skill://")
        server.resource(uri, name=name, description=f"Skill file {name}", mime_type=mime)(read)
        count += 1
    return count


# -------------------------------------------------------------------------------------- prompts

def _add_prompts(server: Any) -> list[str]:

    added = []
    for prompt in PROMPTS:
        server.prompt(name=prompt.name, description=prompt.description)(_prompt_guard(prompt.function()))
        added.append(prompt.name)
    return added


INVALID_PARAMS = -32602


def _prompt_guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Bad prompt arguments reach the client as an invalid-params error with our one line.

    mcp 2.x passes an MCPError through unchanged; 1.x wraps every failure in its own message,
    which still ends with ours.
    """

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (InputError, UsageError) as exc:
            try:
                from mcp.shared.exceptions import MCPError
                error = MCPError(code=INVALID_PARAMS, message=str(exc))
            except (ImportError, TypeError):  # mcp 1.x: McpError(ErrorData) and no pass-through
                raise exc from None
            raise error from None

    return guarded


# ---------------------------------------------------------------------------------------- build

def build_server(allow: Iterable[str | Path] = (), access: FileAccess | None = None) -> Any:
    """The configured server object (FastMCP or MCPServer) with every tool, prompt and resource.

    Files are read under `access`, by default the working directory, CSUITE_ALLOWED_DIRS,
    `allow` and the bundled examples (plus each call's client roots)."""
    sdk = SDK()
    access = access or FileAccess.from_environment(allow)
    server = sdk.server(_registry_tools(sdk, access) + _advisor_tools(sdk, access))
    _add_prompts(server)
    _add_resources(server)
    return server


def listed_definitions(names: list[str]) -> list[dict[str, Any]]:
    """The registry tools as this server lists them (tools/list entries), without running it."""
    sdk = SDK()
    tools = {tool.name: tool for tool in _registry_tools(sdk, FileAccess.from_environment())}
    listed = []
    for name in names:
        tool = tools[name]
        entry = {"name": tool.name, "title": tool.title, "description": tool.description,
                 "inputSchema": tool.parameters, "outputSchema": tool.output_schema,
                 "annotations": tool.annotations.model_dump(by_alias=True, exclude_none=True)}
        listed.append(entry)
    return listed


def main(argv: list[str] | None = None) -> int:
    """Serve on stdio until the client disconnects. Exit 2 with one line when mcp is missing."""

    parser = argparse.ArgumentParser(
        prog="python -m csuite.mcp",
        description="Serve the csuite advisors over MCP on stdio (tools, prompts, skill resources).")
    parser.add_argument("--version", action="version", version=f"csuite-advisors {__version__}")
    parser.add_argument("--allow", metavar="DIR", action="append", default=[], help=ALLOW_HELP)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return serve("python -m csuite.mcp", allow=args.allow)


def serve(prog: str, allow: Iterable[str | Path] = ()) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="csuite-mcp: %(message)s")
    try:
        missing = [d for d in allow if not Path(d).expanduser().is_dir()]
        if missing:
            raise UsageError(f"--allow {missing[0]}: no such folder")
        server = build_server(allow)
    except UsageError as exc:
        sys.stderr.write(f"{prog}: error: {exc}\n")
        return EXIT_BAD_INPUT
    try:
        serve_stdio(server)
    except KeyboardInterrupt:
        pass
    return EXIT_OK
