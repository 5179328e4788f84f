"""`csuite ask`: one question → a verified, tagged answer (markdown or JSON)."""

from __future__ import annotations

import argparse
import sys

from csuite.cli.commands import command_help
from csuite.cli.common import EXIT_OK, guarded, note
from csuite.cli.terminal import (
    PROGRESS_DELAY_ENV,
    StepProgress,
    is_terminal,
    print_answer,
)
from csuite.roles import ROLES


def register(subparsers: argparse._SubParsersAction) -> None:
    from csuite.resources import load_data_yaml

    claude = load_data_yaml("thresholds.yaml")["claude"]  # the defaults the help states
    parser = subparsers.add_parser(
        "ask", help=command_help("ask"),
        description="Route the question, run the tools on your data, draft, self-verify and (for high-stakes "
                    "questions) critic-screen an answer whose findings are tagged 🟢 verified / 🟡 medium / "
                    "🔴 assumed.",
        epilog="Example: csuite ask \"Will we make Q4?\" --context examples/company-context.md "
               "--data examples/pipeline.csv --data examples/revenue_snapshots.csv. On a terminal the "
               "answer is rendered (needs the rich extra: pip install 'csuite-advisors[rich]') and a "
               f"spinner shows a step that runs over a second ({PROGRESS_DELAY_ENV} sets the delay); "
               "piped, or with --plain, it is plain Markdown.")
    parser.add_argument("question", help="the question, in English or Chinese; '@cro' or '@cco' forces a role")
    parser.add_argument("--context", metavar="PATH", help="company-context.md (default: ./company-context.md, "
                                                          "then ~/.claude/company-context.md)")
    parser.add_argument("--data", metavar="PATH", action="append", default=[],
                        help="a data file (CRM, billing, cohort, customer, book, capacity or metrics export), "
                             "recognised by its headers; repeat --data for more files, before or after the question")
    parser.add_argument("--role", choices=list(ROLES), help="answer as this role, whatever the router says")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="the date to treat as today (default: today)")
    parser.add_argument("--format", choices=["markdown", "json"], default="markdown", help="output format")
    parser.add_argument("--lang", choices=["en", "zh"],
                        help="answer language (default: the question's language)")
    parser.add_argument("--long", action="store_true",
                        help="the full answer: why it matters, every alert in full, each role's own view "
                             "(default: one screen)")
    parser.add_argument("--plain", action="store_true",
                        help="print the Markdown as is, even on a terminal (no rendering, no spinner)")
    parser.add_argument("--offline", action="store_true", help="never call a model (same as --backend offline)")
    parser.add_argument("--backend", choices=["auto", "claude", "offline"], default="auto",
                        help="who drafts: claude (needs ANTHROPIC_API_KEY; base URL from ANTHROPIC_BASE_URL), "
                             "offline (deterministic, no network) or auto: claude when ANTHROPIC_API_KEY is set "
                             "(default: auto)")
    parser.add_argument("--model", metavar="ID", help="Claude model that drafts (default: $CSUITE_MODEL, "
                                                      f"else {claude['model']})")
    parser.add_argument("--fast-model", metavar="ID", help="Claude model that routes and critiques (default: "
                                                           f"$CSUITE_FAST_MODEL, else {claude['fast_model']})")
    parser.add_argument("--privacy", choices=["standard", "strict", "off"], default="standard",
                        help="what leaves the machine: standard replaces customer, person and investor names "
                             "with pseudonyms (restored locally); strict also turns exact money into ranges "
                             "($4.2M → $4M–$5M); off sends as is (default: standard)")
    parser.add_argument("--usage", action="store_true",
                        help="print tokens per Claude call (input, output, cache write, cache read) on stderr; "
                             "JSON output always includes `usage` when Claude ran")
    parser.add_argument("--max-retries", type=int, metavar="N",
                        help="SDK retries on 429/5xx/529 and timeouts before falling back offline "
                             f"(default: {claude['max_retries']})")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help=f"per-attempt timeout of a Claude call (default: {claude['timeout_seconds']:g})")
    parser.add_argument("--decision-log", metavar="PATH", help="decision log (default: beside the context file)")
    parser.set_defaults(func=_ask)


def _ask(args: argparse.Namespace) -> int:
    def body() -> int:
        from csuite.io.bulk import collector_paused, start_up_set_aside

        with collector_paused(keep=True):  # the engine's imports: some 200k objects, no garbage
            from csuite.context.report import as_of_date
            from csuite.errors import UsageError
            from csuite.io.access import FileAccess
            from csuite.render.answer import to_json, to_markdown
            from csuite.runner import Advisor

        with start_up_set_aside():
            if not args.question.strip():
                raise UsageError("the question is empty")
            backend = choose_backend(args)
            # The founder named these files on the command line: they may be read wherever they are.
            named = FileAccess.from_environment(files=args.data)
            advisor = Advisor(context=args.context, as_of=as_of_date(args.as_of), decision_log=args.decision_log,
                              backend=backend, access=named)
            if args.plain or not is_terminal(sys.stderr):
                answer = advisor.ask(args.question, data=args.data, role=args.role, lang=args.lang)
            else:
                with StepProgress("csuite ask") as progress:
                    answer = advisor.ask(args.question, data=args.data, role=args.role, progress=progress,
                                         lang=args.lang)
            if args.format == "json":
                sys.stdout.write(to_json(answer))
            else:
                print_answer(to_markdown(answer, long=args.long), plain=args.plain)
            if args.usage and args.format == "markdown":
                if answer.usage is not None:
                    from csuite.backends.claude import usage_table

                    note(usage_table(answer.usage))
                else:
                    note("usage: no model calls (offline engine)")
            return EXIT_OK

    return guarded("csuite ask", body)


def choose_backend(args: argparse.Namespace):
    """None (the offline engine) or a ClaudeBackend, from --backend/--offline and the API key."""
    import os

    from csuite.errors import UsageError

    if args.max_retries is not None and args.max_retries < 0:
        raise UsageError("--max-retries must be 0 or more")
    if args.timeout is not None and not args.timeout > 0:
        raise UsageError("--timeout must be more than 0 seconds")
    choice = args.backend
    if args.offline:
        if choice == "claude":
            raise UsageError("--offline and --backend claude contradict each other; pick one")
        choice = "offline"
    has_key = bool(os.environ.get("ANTHROPIC_API_KEY", "").strip())
    if choice == "claude" and not has_key:
        raise UsageError("--backend claude needs ANTHROPIC_API_KEY in the environment (or use --backend offline)")
    if choice == "offline" or not has_key:
        return None
    from csuite.backends.claude import ClaudeBackend

    return ClaudeBackend(model=args.model, fast_model=args.fast_model, privacy=args.privacy,
                         max_retries=args.max_retries, timeout=args.timeout)
