"""`csuite context check` and `csuite context init`."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from csuite.cli.commands import command_help
from csuite.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    UsageError,
    guarded,
    note,
    print_json,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    ctx = subparsers.add_parser("context", help=command_help("context"),
                                description="Check or create the founder's company-context.md.")
    sub = ctx.add_subparsers(dest="context_command", metavar="SUBCOMMAND")
    check = sub.add_parser(
        "check", help="parse the context: fields, metrics and their lines, alerts, staleness",
        description="Parse company-context.md and report fields, normalised metrics with the line each came "
                    "from, trends, proactive alerts, staleness and missing required fields. Labelled lines, "
                    "board tables (either orientation) and plain sentences are read, in English or Chinese; "
                    "every number next to a metric word that could not be used is a warning on stderr. "
                    "Without PATH: ./company-context.md, then ~/.claude/company-context.md.",
    )
    check.add_argument("path", nargs="?", metavar="PATH", help="context file (default: discovered)")
    check.add_argument("--as-of", metavar="YYYY-MM-DD", help="date to judge staleness and reviews against (default: today)")
    check.add_argument("--json", action="store_true", help="print JSON on stdout (keys in English in every language)")
    check.add_argument("--lang", choices=("en", "zh"), default=None,
                       help="language of the human-readable text and warnings (default: the file's language)")
    check.add_argument("--with-model", action="store_true",
                       help="with ANTHROPIC_API_KEY: let a model read the lines the parser could not (only those "
                            "lines are sent); a value is kept only if its words are in the line and csuite's own "
                            "reader accepts it, and it is flagged in warnings")
    check.add_argument("--strict", action="store_true",
                       help="exit 2 when anything was not read: an unreadable or impossible value, a number "
                            "beside a metric word that no metric took, a metric stated twice with different values")
    check.set_defaults(func=_check)
    init = sub.add_parser("init", help="write the blank template", description="Write the company-context template. "
                          "Refuses to overwrite an existing file.")
    init.add_argument("path", nargs="?", default="company-context.md", metavar="PATH",
                      help="where to write it (default: ./company-context.md)")
    init.set_defaults(func=_init)
    ctx.set_defaults(func=lambda args: (ctx.print_help(), EXIT_BAD_INPUT)[1])


def _check(args: argparse.Namespace) -> int:
    def body() -> int:
        from csuite.context.report import as_of_date, check_payload, render_check
        from csuite.context.vocabulary import text
        from csuite.io.display import display_safe, display_safe_strings

        if args.with_model and not os.environ.get("ANTHROPIC_API_KEY"):
            raise UsageError("--with-model needs ANTHROPIC_API_KEY (the second reading calls the Anthropic API)")
        payload = check_payload(args.path, as_of_date(args.as_of), args.lang, with_model=args.with_model)
        lang = payload["language"]
        if args.json:
            print_json(payload)
        else:
            print(render_check(display_safe_strings(payload), lang))
        prefix = text("warning", lang)
        for warning in payload["warnings"]:
            note(f"csuite context check: {prefix}: {display_safe(warning)}")
        return EXIT_BAD_INPUT if args.strict and payload["warnings"] else EXIT_OK

    return guarded("csuite context check", body)


def _init(args: argparse.Namespace) -> int:
    def body() -> int:
        from csuite.io.files import atomic_write_text
        from csuite.resources import pack_path

        template = pack_path("references", "company-context-template.md").read_text(encoding="utf-8")
        written = atomic_write_text(Path(args.path), template, overwrite=False)
        print(f"Wrote {written}. Fill it in, then run: csuite context check {written}")
        return EXIT_OK

    return guarded("csuite context init", body)
