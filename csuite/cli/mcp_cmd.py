"""`csuite mcp`: serve the advisors over MCP on stdio."""

from __future__ import annotations

import argparse

from csuite.cli.commands import command_help
from csuite.io.access import ALLOW_HELP


def register(subparsers: argparse._SubParsersAction) -> None:
    mcp = subparsers.add_parser(
        "mcp", help=command_help("mcp"),
        description="Serve the advisors over the Model Context Protocol on stdio: every tool, "
                    "context_check, route and ask; a prompt per role persona and a two-role review; "
                    "the skill files as skill:// resources. Attach it with "
                    "`claude mcp add csuite -- csuite mcp` or any MCP client. Needs the mcp extra: "
                    "pip install 'csuite-advisors[mcp]'. Logs go to stderr; stdout is the protocol.",
        epilog="Files: tools read only under the working directory, CSUITE_ALLOWED_DIRS, --allow folders, "
               "the bundled examples and the client's roots. Exit codes: 0 when the client disconnects, 2 when "
               "mcp is not installed or an --allow folder does not exist.")
    mcp.add_argument("--allow", metavar="DIR", action="append", default=[], help=ALLOW_HELP)
    mcp.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    from csuite.mcp.server import serve

    return serve("csuite mcp", allow=args.allow)
