"""`csuite ask`: one question → a verified, tagged answer (markdown or JSON)."""

from __future__ import annotations

import argparse
import sys

from csuite.cli.common import EXIT_OK, guarded, note


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ask", help="ask the CRO or CCO a question",
        description="Route the question, run the tools on your data, draft, self-verify and (for high-stakes "
                    "questions) critic-screen an answer whose findings are tagged 🟢 verified / 🟡 medium / "
                    "🔴 assumed.",
        epilog="Example: csuite ask \"Will we make Q4?\" --context examples/company-context.md "
               "--data examples/pipeline.csv")
    parser.add_argument("question", help="the question, in English or Chinese; '@cro' or '@cco' forces a role")
    parser.add_argument("--context", metavar="PATH", help="company-context.md (default: ./company-context.md, "
                                                          "then ~/.claude/company-context.md)")
    parser.add_argument("--data", metavar="PATH", nargs="+", action="extend", default=[],
                        help="your data files (CRM, billing, cohort, customer, book, capacity or metrics exports); "
                             "each is recognised by its headers")
    parser.add_argument("--role", choices=["cro", "cco"], help="answer as this role, whatever the router says")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="the date to treat as today (default: today)")
    parser.add_argument("--format", choices=["markdown", "json"], default="markdown", help="output format")
    parser.add_argument("--offline", action="store_true", help="never call a model (same as --backend offline)")
    parser.add_argument("--decision-log", metavar="PATH", help="decision log (default: beside the context file)")
    parser.set_defaults(func=_ask)


def _ask(args: argparse.Namespace) -> int:
    def body() -> int:
        from csuite.cli.context_cmd import as_of_date
        from csuite.errors import UsageError
        from csuite.render import to_json, to_markdown
        from csuite.runner import Advisor

        if not args.question.strip():
            raise UsageError("the question is empty")
        progress = (lambda message: note(f"csuite ask: {message}…")) if sys.stderr.isatty() else None
        advisor = Advisor(context=args.context, as_of=as_of_date(args.as_of), decision_log=args.decision_log)
        answer = advisor.ask(args.question, data=args.data, role=args.role, progress=progress)
        sys.stdout.write(to_json(answer) if args.format == "json" else to_markdown(answer))
        return EXIT_OK

    return guarded("csuite ask", body)
