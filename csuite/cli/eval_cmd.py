"""`csuite eval routing FILE.jsonl`: accuracy of the router on a labelled question set."""

from __future__ import annotations

import argparse
from pathlib import Path

from csuite.cli.commands import command_help
from csuite.cli.common import EXIT_BAD_INPUT, EXIT_OK, guarded, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    cmd = subparsers.add_parser("eval", help=command_help("eval"),
                                description="Evaluate a pipeline stage against labelled examples.")
    sub = cmd.add_subparsers(dest="eval_command", metavar="SUBCOMMAND")
    routing = sub.add_parser(
        "routing", help="router accuracy, confusion table and misses",
        description="Score `csuite route` on a JSONL file, one object per line: "
                    '{"question": "...", "primary": "cro"|"cco"|null, "referral": "cfo"|...|null, '
                    '"consult": [...] (optional)}. A question is right when the predicted label '
                    "(primary role, or the referral when out of scope) equals the expected one. "
                    "Prints accuracy, a confusion table (rows expected, columns predicted) and every miss. "
                    "Exit 0 whatever the accuracy; exit 2 on a malformed line.",
    )
    routing.add_argument("file", metavar="FILE.jsonl", help="labelled questions")
    routing.add_argument("--json", action="store_true",
                         help="print JSON: total, correct, accuracy, by_label, confusion, consult, misses")
    routing.set_defaults(func=_routing)
    cmd.set_defaults(func=lambda args: (cmd.print_help(), EXIT_BAD_INPUT)[1])


def _routing(args: argparse.Namespace) -> int:
    def body() -> int:
        from csuite.routing.evaluate import evaluate_routing, load_routing_cases

        report = evaluate_routing(load_routing_cases(Path(args.file)))
        if args.json:
            print_json(report)
        else:
            print(render_report(report))
        return EXIT_OK

    return guarded("csuite eval routing", body)


def render_report(report) -> str:
    labels = report.labels
    lines = [f"accuracy: {report.accuracy:.1%} ({report.correct}/{report.total})"]
    if report.consult_total:
        lines.append(f"consult agreement: {report.consult_correct}/{report.consult_total}")
    width = max(len(x) for x in labels + ["expected"])
    lines.append("")
    lines.append("confusion (rows expected, columns predicted):")
    lines.append(" " * (width + 2) + " ".join(f"{x:>5}" for x in labels))
    for row in labels:
        counts = report.confusion.get(row, {})
        if not any(counts.values()):
            continue
        lines.append(f"{row:<{width}}  " + " ".join(f"{counts.get(col, 0) or '.':>5}" for col in labels))
    if report.misses:
        lines.append("")
        lines.append(f"misses ({len(report.misses)}):")
        for miss in report.misses:
            lines.append(f"  line {miss.line}: expected {miss.expected}, got {miss.predicted}: {miss.question}")
    return "\n".join(lines)
