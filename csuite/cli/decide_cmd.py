"""`csuite decide`: record the founder's decision on a recommendation, so answers respect it."""

from __future__ import annotations

import argparse

from csuite.cli.commands import command_help
from csuite.cli.common import EXIT_OK, guarded, note


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "decide", help=command_help("decide"),
        description="Append a decision to the log beside company-context.md (decision-log.jsonl). "
                    "A rejected recommendation, or one marked --do-not-resurface, never comes back in an answer.",
        epilog="Example: csuite decide alert.pipeline_coverage_below_3x --status rejected --note \"Q4 is done\"")
    parser.add_argument("recommendation", help="the action's text as the answer prints it, or its id from "
                                               "`csuite ask --format json` (actions[].id, e.g. cro.pricing_packaging.1), "
                                               "which holds in either language")
    parser.add_argument("--status", choices=["approved", "modified", "rejected"], required=True)
    parser.add_argument("--do-not-resurface", action="store_true",
                        help="never propose this again, even if approved or modified (DO_NOT_RESURFACE)")
    parser.add_argument("--note", default="", help="why, in your words")
    parser.add_argument("--context", metavar="PATH", help="company-context.md whose folder holds the log")
    parser.add_argument("--log", metavar="PATH", help="decision log path (overrides --context)")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="decision date (default: today)")
    parser.set_defaults(func=_decide)


def _decide(args: argparse.Namespace) -> int:
    def body() -> int:
        from csuite.context.decision_log import DecisionRecord, load_log, log_path, record
        from csuite.context.parse import find_context_file
        from csuite.context.report import as_of_date
        from csuite.errors import UsageError

        if not args.recommendation.strip():
            raise UsageError("the recommendation is empty")
        context = find_context_file(args.context) if not args.log else None
        path = log_path(context, args.log)
        entry = DecisionRecord(recommendation=args.recommendation.strip(), status=args.status,
                               do_not_resurface=args.do_not_resurface, note=args.note,
                               decided_on=as_of_date(args.as_of))
        for warning in load_log(path).warnings:
            note(f"csuite decide: warning: {warning}")
        record(path, entry)
        flag = " (DO_NOT_RESURFACE)" if args.do_not_resurface else ""
        print(f"Recorded: {entry.recommendation} → {entry.status}{flag} in {path}")
        return EXIT_OK

    return guarded("csuite decide", body)
