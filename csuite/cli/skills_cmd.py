"""`csuite package`, `csuite install` and `csuite validate`: the skills as files other hosts load."""

from __future__ import annotations

import argparse
from pathlib import Path

from csuite.cli.commands import command_help
from csuite.cli.common import EXIT_BAD_INPUT, EXIT_OK, guarded, note, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    package = subparsers.add_parser(
        "package", help=command_help("package"),
        description="Build <OUT>/<skill>.zip for each skill in the pack: the skill's folder at the "
                    "zip root, SKILL.md frontmatter reduced to the Agent Skills keys. Upload each "
                    "zip in claude.ai under Settings > Capabilities > Skills. The root skill zip "
                    "carries every file its SKILL.md links.",
        epilog="Exit codes: 0 ok, 2 a skill fails validation (nothing written).")
    package.add_argument("--out", default="dist/skills", metavar="DIR",
                         help="folder for the zips (default: dist/skills; created if missing)")
    package.add_argument("--json", action="store_true", help="print the written paths as JSON")
    package.set_defaults(func=_package)

    install = subparsers.add_parser(
        "install", help=command_help("install"),
        description="Install every skill of the pack into a host's skills folder: claude "
                    "(~/.claude/skills), agents and codex (~/.agents/skills), gemini "
                    "(~/.gemini/skills). An identical installed skill is left alone; a different "
                    "one is only replaced with --force. Each skill is switched in with one rename.",
        epilog="Exit codes: 0 ok, 2 a different skill is in the way (nothing changed).")
    install.add_argument("--target", required=True, choices=["claude", "agents", "codex", "gemini"],
                         help="the host to install for")
    install.add_argument("--dir", metavar="DIR",
                         help="install into this skills folder instead (e.g. .claude/skills in a project)")
    install.add_argument("--link", action="store_true",
                         help="symlink to this checkout instead of copying (edits show up live)")
    install.add_argument("--force", action="store_true", help="replace a different installed skill")
    install.add_argument("--json", action="store_true", help="print what was done as JSON")
    install.set_defaults(func=_install)

    validate = subparsers.add_parser(
        "validate", help=command_help("validate"),
        description="Check SKILL.md files the way the hosts and the test suite do: frontmatter keys, "
                    "name equal to the folder, description length, body length, links that exist, "
                    "and no '$' followed by a digit. Without PATH: every skill in this pack.",
        epilog="Exit codes: 0 valid, 2 problems found (one per line on stderr).")
    validate.add_argument("paths", nargs="*", metavar="PATH", help="skill folders or SKILL.md files")
    validate.add_argument("--json", action="store_true", help="print the problems as JSON")
    validate.set_defaults(func=_validate)


def pack_problems() -> list:
    """Problems of every skill in the pack (the root skill's folder name is not checked)."""
    from csuite.pack.bundle import pack_skills
    from csuite.pack.check import check_skill

    problems = []
    for skill in pack_skills():
        problems += check_skill(skill.source, expected_name=skill.name if skill.root else None,
                                check_folder_name=not skill.root)
    return problems


def _validate(args: argparse.Namespace) -> int:
    def body() -> int:
        from csuite.pack.bundle import pack_skills
        from csuite.pack.check import check_skill

        if args.paths:
            checked = [str(p) for p in args.paths]
            problems = [p for path in args.paths for p in check_skill(Path(path))]
        else:
            checked = [s.name for s in pack_skills()]
            problems = pack_problems()
        if args.json:
            print_json({"checked": checked, "valid": not problems,
                        "problems": [{"file": p.file, "line": p.line, "message": p.message} for p in problems]})
        for problem in problems:
            note(f"csuite validate: {problem}")
        if not args.json:
            print(f"{len(checked)} skill(s) checked: " + ("valid" if not problems else f"{len(problems)} problem(s)"))
        return EXIT_BAD_INPUT if problems else EXIT_OK

    return guarded("csuite validate", body)


def _package(args: argparse.Namespace) -> int:
    def body() -> int:
        from csuite.pack.bundle import build_zips, dropped_keys, pack_skills

        problems = pack_problems()
        if problems:
            for problem in problems:
                note(f"csuite package: {problem}")
            note("csuite package: error: fix the problems above first (nothing written)")
            return EXIT_BAD_INPUT
        skills = pack_skills()
        for skill in skills:
            dropped = dropped_keys(skill)
            if dropped:
                note(f"csuite package: {skill.name}: left out frontmatter keys outside the spec: "
                     + ", ".join(dropped))
        written = build_zips(Path(args.out), skills)
        if args.json:
            print_json([str(p) for p in written])
        else:
            for path in written:
                print(path)
        return EXIT_OK

    return guarded("csuite package", body)


def _install(args: argparse.Namespace) -> int:
    def body() -> int:
        from csuite.pack.bundle import install

        actions = install(args.target, directory=args.dir, link=args.link, force=args.force)
        if args.json:
            print_json([{"skill": a.skill, "path": str(a.path), "action": a.action, "mode": a.mode}
                        for a in actions])
        else:
            for a in actions:
                print(f"{a.action:<9} {a.skill} -> {a.path}" + (" (link)" if a.mode == "link" else ""))
        return EXIT_OK

    return guarded("csuite install", body)
