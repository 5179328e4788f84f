"""`csuite route "QUESTION"`: which advisor answers, who is consulted, or where to refer it."""

from __future__ import annotations

import argparse

from csuite.cli.commands import command_help
from csuite.cli.common import EXIT_OK, guarded, print_json
from csuite.roles import ROLES


def register(subparsers: argparse._SubParsersAction) -> None:
    cmd = subparsers.add_parser(
        "route", help=command_help("route"),
        description="Route a founder's question (English or Chinese) to the CRO or the CCO, name the "
                    "other role when it should be consulted, or mark it out of scope with a referral "
                    "(cfo, cto, chro, cmo, ciso, legal, cpo, other). Offline and deterministic: keywords "
                    "from the role knowledge plus similarity to example questions. Write @cro or @cco "
                    "in the question, or pass --role, to force a role.",
        epilog='Example: csuite route "Will we make the Q4 number?" --json',
    )
    cmd.add_argument("question", metavar="QUESTION", help="the question, quoted")
    cmd.add_argument("--role", choices=list(ROLES), help="force the primary role")
    cmd.add_argument("--json", action="store_true",
                     help="print JSON: primary, consult, in_scope, referral, scores, matched, margin, topic")
    cmd.set_defaults(func=_route)


def _route(args: argparse.Namespace) -> int:
    def body() -> int:
        from csuite.routing.router import route

        result = route(args.question, role_override=args.role)
        if args.json:
            print_json(result)
        else:
            print(render_route(result))
        return EXIT_OK

    return guarded("csuite route", body)


NAMES = {"cro": "CRO (Chief Revenue Officer)", "cco": "CCO (Chief Customer Officer)"}


def render_route(result) -> str:
    lines = []
    if result.in_scope:
        head = f"primary: {NAMES[result.primary]}"
        if result.override:
            head += " (forced)"
        lines.append(head)
        if result.topic:
            lines.append(f"topic:   {result.topic}" + (f" (also {', '.join(result.topics[1:])})" if len(result.topics) > 1 else ""))
        lines.append(f"consult: {', '.join(NAMES[r] for r in result.consult) if result.consult else 'none'}")
    else:
        lines.append(f"out of scope: refer to {result.referral_title or result.referral}"
                     + (f" ({result.referral_reason})" if result.referral_reason else ""))
    top = sorted(((s, t) for t, s in result.scores.items() if s > 0), reverse=True)[:5]
    lines.append("scores:  " + (", ".join(f"{t} {s:.2f}" for s, t in top) or "none"))
    cues = [f"{m.text} [{m.target}]" for m in result.matched if m.kind in ("keyword", "referral", "hint", "both")]
    if cues:
        lines.append("matched: " + "; ".join(cues[:8]))
    examples = [m for m in result.matched if m.kind == "example"]
    if examples:
        best = max(examples, key=lambda m: m.weight)
        lines.append(f"closest: \"{best.text}\" [{best.target}]")
    lines.append(f"margin:  {result.margin:.2f}")
    return "\n".join(lines)
