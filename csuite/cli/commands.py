"""The commands `csuite` has, the module that implements each and its one-line help.

Kept apart from the modules so `csuite --help` and a single command's start-up import only what
they need: the parser lists every command from here and imports just the one being run.
"""

from __future__ import annotations

COMMANDS: dict[str, tuple[str, str]] = {
    "ask": ("csuite.cli.ask_cmd", "ask the CRO or CCO a question"),
    "decide": ("csuite.cli.decide_cmd", "record approved / modified / rejected for a recommendation"),
    "context": ("csuite.cli.context_cmd", "check or create company-context.md"),
    "route": ("csuite.cli.route_cmd", "pick the advisor for a question (offline)"),
    "eval": ("csuite.cli.eval_cmd", "evaluate a stage on a labelled set"),
    "tools": ("csuite.cli.tools_cmd", "list the tools"),
    "tool": ("csuite.cli.tools_cmd", "run one tool (same as python scripts/NAME.py)"),
    "mcp": ("csuite.cli.mcp_cmd", "run the MCP server on stdio (tools, prompts, skill resources)"),
    "package": ("csuite.cli.skills_cmd", "build one zip per skill for claude.ai upload"),
    "install": ("csuite.cli.skills_cmd", "copy (or link) the skills where an agent host looks for them"),
    "validate": ("csuite.cli.skills_cmd", "check the skills against the Agent Skills rules"),
    "completion": ("csuite.cli.completion_cmd", "print a shell completion script (bash, zsh or fish)"),
}


def command_help(name: str) -> str:
    return COMMANDS[name][1]
