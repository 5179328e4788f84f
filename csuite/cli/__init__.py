"""`csuite` command line: a thin layer over the library, one module per command group.

Start-up matters for small work (`csuite route` runs on every question an agent sees), so the
parser lists every command from `csuite.cli.commands` and imports only the module of the command
being run; `csuite --help` imports none of them.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from pathlib import Path

from csuite import __version__
from csuite.cli.commands import COMMANDS

ALL = None


def build_parser(command: str | None = ALL) -> argparse.ArgumentParser:
    """The `csuite` parser. `command`: the one command to load fully (the others are listed by
    name and help only); `ALL` (the default) loads every command, as the docs tests need."""
    parser = argparse.ArgumentParser(
        prog="csuite",
        description="CRO and CCO advisors for founders. Numbers come from code; every finding is "
                    "tagged 🟢 verified / 🟡 medium / 🔴 assumed, and the tags are checked by code.",
        epilog="Exit codes: 0 ok, 2 bad input or usage (one line on stderr), 1 unexpected error. "
               "Run `csuite COMMAND --help` for details.",
    )
    parser.add_argument("--version", action="version", version=f"csuite-advisors {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = [module for name, (module, _) in COMMANDS.items() if command is ALL or name == command]
    for module in dict.fromkeys(wanted):
        importlib.import_module(module).register(subparsers)
    for name, (module, help_text) in COMMANDS.items():
        if module not in wanted:
            subparsers.add_parser(name, help=help_text)
    return parser


def _command_in(argv: list[str]) -> str:
    """The command word in argv ('' when there is none, e.g. `csuite --help`)."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg
    return ""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command_in(argv))
    args, extra = parser.parse_known_args(argv)
    if extra:
        if getattr(args, "command", None) == "ask" and all(Path(e).is_file() for e in extra):
            parser.error("--data takes one file; give each its own: "
                         + " ".join(f"--data {e}" for e in [*args.data[-1:], *extra]))
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    from csuite.cli.common import flushed, stdout_gone

    try:
        return flushed(int(args.func(args) or 0))
    except BrokenPipeError:  # a command printing outside `guarded` (tools list) to a closed pipe
        return stdout_gone()


def run() -> int:
    """The installed `csuite` command (and `python -m csuite`): `main`, then what is still alive
    set aside for good (`gc.freeze`), because the process ends next. The interpreter's closing
    collections would otherwise rescan every object start-up made: about 70 ms, a quarter of an
    offline ask. Exit handlers and stream flushing run as before; in-process callers use `main`."""
    code = main()
    gc.freeze()
    return code


def run_script(name: str) -> None:
    """Entry point of `scripts/<name>.py`: the tool command line (`tool_script.script_main`),
    imported with the collector paused and what the imports made then set aside (`gc.freeze`):
    they leave tens of thousands of objects and no garbage, and some sixty passes rescanned
    them as they grew (a few percent of a tool run on a small file)."""
    from csuite.io.bulk import collector_paused

    with collector_paused(keep=True):
        from csuite.cli.tool_script import script_main
    script_main(name)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(run())
