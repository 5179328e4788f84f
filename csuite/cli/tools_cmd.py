"""`csuite tools list` and `csuite tool NAME [INPUT] ...` (the same tools as scripts/)."""

from __future__ import annotations

import argparse

from csuite.cli.commands import command_help
from csuite.cli.common import EXIT_OK, guarded, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    tools = subparsers.add_parser("tools", help=command_help("tools"), description="List the tools.")
    tools_sub = tools.add_subparsers(dest="tools_command", metavar="SUBCOMMAND")
    listing = tools_sub.add_parser("list", help="list every tool with its role and summary")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=_list)
    schema = tools_sub.add_parser(
        "schema", help="print tool definitions for the Anthropic, OpenAI or MCP APIs",
        description="Print every tool as a JSON tool definition generated from its pydantic models: "
                    "anthropic (Messages API tools: name, description, input_schema; data is inline "
                    "rows; run a call with csuite.tools.schemas.call_tool), openai (Responses API "
                    "function tools: type, name, description, parameters, strict: true; every key "
                    "required, null for a default; data is a table or a file's text; run a call with "
                    "csuite.mcp.schemas.call_tool) or mcp (the MCP server's tools/list entries: name, "
                    "title, description, inputSchema, outputSchema, annotations). Arguments: path "
                    "(a file) or data (inline), plus the tool's options.")
    schema.add_argument("--format", default="anthropic", choices=["anthropic", "openai", "mcp"],
                        help="definition shape (default: anthropic)")
    schema.add_argument("--tool", metavar="NAME", action="append",
                        help="only this tool (repeatable; default: all)")
    schema.set_defaults(func=_schema)
    tools.set_defaults(func=_list, json=False)

    tool = subparsers.add_parser(
        "tool", help=command_help("tool"), add_help=True,
        description="Run one tool. `csuite tool NAME --help` shows the tool's own options.",
    )
    tool.add_argument("name", metavar="NAME", help="tool name (see `csuite tools list`)")
    tool.add_argument("tool_args", nargs=argparse.REMAINDER, metavar="...", help="the tool's INPUT and options")
    tool.set_defaults(func=_run)


def _list(args: argparse.Namespace) -> int:
    from csuite.tools.registry import TOOLS

    if args.json:
        print_json([{"name": e.name, "role": e.role, "summary": e.summary} for e in TOOLS.values()])
    else:
        width = max(len(n) for n in TOOLS)
        for entry in TOOLS.values():
            print(f"{entry.name:<{width}}  {entry.role}  {entry.summary}")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from csuite.cli.tool_script import run_tool_cli
    from csuite.tools.registry import get_tool

    spec = None

    def load() -> int:
        nonlocal spec
        spec = get_tool(args.name)
        return EXIT_OK

    code = guarded("csuite tool", load)
    if code != EXIT_OK or spec is None:
        return code
    return run_tool_cli(spec, args.tool_args, f"csuite tool {spec.name}")


def _schema(args: argparse.Namespace) -> int:
    def body() -> int:
        from csuite.tools.registry import get_tool
        from csuite.tools.schemas import all_specs, definition

        specs = [get_tool(name) for name in args.tool] if args.tool else all_specs()
        if args.format == "openai":
            from csuite.mcp.schemas import openai_tool

            print_json([openai_tool(spec) for spec in specs])
        elif args.format == "mcp":
            from csuite.mcp.server import listed_definitions

            print_json(listed_definitions([spec.name for spec in specs]))
        else:
            print_json([definition(spec, args.format) for spec in specs])
        return EXIT_OK

    return guarded("csuite tools schema", body)
