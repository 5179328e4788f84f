"""`csuite context check` and `csuite context init`."""

from __future__ import annotations

import argparse
from pathlib import Path

from csuite.cli.common import EXIT_BAD_INPUT, EXIT_OK, guarded, note, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    ctx = subparsers.add_parser("context", help="check or create company-context.md",
                                description="Check or create the founder's company-context.md.")
    sub = ctx.add_subparsers(dest="context_command", metavar="SUBCOMMAND")
    check = sub.add_parser(
        "check", help="parse the context: fields, metrics, alerts, staleness",
        description="Parse company-context.md and report fields, normalised metrics, proactive alerts, "
                    "staleness and missing required fields. Without PATH: ./company-context.md, then "
                    "~/.claude/company-context.md.",
    )
    check.add_argument("path", nargs="?", metavar="PATH", help="context file (default: discovered)")
    check.add_argument("--as-of", metavar="YYYY-MM-DD", help="date to judge staleness and reviews against (default: today)")
    check.add_argument("--json", action="store_true", help="print JSON on stdout")
    check.add_argument("--strict", action="store_true", help="exit 2 when a metric value cannot be read")
    check.set_defaults(func=_check)
    init = sub.add_parser("init", help="write the blank template", description="Write the company-context template. "
                          "Refuses to overwrite an existing file.")
    init.add_argument("path", nargs="?", default="company-context.md", metavar="PATH",
                      help="where to write it (default: ./company-context.md)")
    init.set_defaults(func=_init)
    ctx.set_defaults(func=lambda args: (ctx.print_help(), EXIT_BAD_INPUT)[1])


def _check(args: argparse.Namespace) -> int:
    def body() -> int:
        from csuite.context.report import as_of_date, check_payload
        from csuite.io.inert import inert, inert_strings

        payload = check_payload(args.path, as_of_date(args.as_of))
        if args.json:
            print_json(payload)
        else:
            print(render_check(inert_strings(payload)))
        for warning in payload["warnings"]:
            note(f"csuite context check: warning: {inert(warning)}")
        return EXIT_BAD_INPUT if args.strict and payload["warnings"] else EXIT_OK

    return guarded("csuite context check", body)


def render_check(payload: dict) -> str:
    if not payload["found"]:
        return payload["note"]
    lines = [f"Context: {payload['path']}",
             f"Last updated: {payload['last_updated'] or 'unknown'}"
             + (f" ({payload['age_days']} days before {payload['as_of']})" if payload["age_days"] is not None else ""),
             f"Confidence: {payload['confidence']}" + ("  — STALE: update it before acting" if payload["stale"] else "")]
    if payload["missing_required"]:
        lines.append("Missing required: " + ", ".join(payload["missing_required"]))
    lines.append("")
    lines.append("Metrics:")
    for key, value in payload["metrics"].items():
        lines.append(f"  {key:<24} {value}")
    lines.append("")
    if payload["alerts"]:
        lines.append(f"Alerts ({len(payload['alerts'])}):")
        for alert in payload["alerts"]:
            lines.append(f"  [{alert['severity'].upper()}] {alert['id']} ({alert['role'].upper()}): {alert['message']}")
            lines.append(f"      why: {alert['why']}")
            lines.append(f"      do:  {alert['action']}")
    else:
        lines.append("Alerts: none")
    return "\n".join(lines)


def _init(args: argparse.Namespace) -> int:
    def body() -> int:
        from csuite.io.files import atomic_write_text
        from csuite.resources import pack_path

        template = pack_path("references", "company-context-template.md").read_text(encoding="utf-8")
        written = atomic_write_text(Path(args.path), template, overwrite=False)
        print(f"Wrote {written}. Fill it in, then run: csuite context check {written}")
        return EXIT_OK

    return guarded("csuite context init", body)
