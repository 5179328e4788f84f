"""`csuite` command line: a thin layer over the library, one module per command group."""

from __future__ import annotations

import argparse
import importlib
import sys

from csuite import __version__

# Each module defines register(subparsers); a command sets `func(args) -> int` via set_defaults.
COMMAND_MODULES = [
    "csuite.cli.ask_cmd",
    "csuite.cli.decide_cmd",
    "csuite.cli.context_cmd",
    "csuite.cli.route_cmd",
    "csuite.cli.eval_cmd",
    "csuite.cli.tools_cmd",
    "csuite.cli.mcp_cmd",
    "csuite.cli.skills_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csuite",
        description="CRO and CCO advisors for founders. Numbers come from code; every finding is "
                    "tagged 🟢 verified / 🟡 medium / 🔴 assumed, and the tags are checked by code.",
        epilog="Exit codes: 0 ok, 2 bad input or usage (one line on stderr), 1 unexpected error. "
               "Run `csuite COMMAND --help` for details.",
    )
    parser.add_argument("--version", action="version", version=f"csuite-advisors {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    from csuite.cli.common import flushed, stdout_gone

    try:
        return flushed(int(args.func(args) or 0))
    except BrokenPipeError:  # a command printing outside `guarded` (tools list) to a closed pipe
        return stdout_gone()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
