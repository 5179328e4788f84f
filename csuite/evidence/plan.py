"""Tool plan: which topics (from the router) a question is about, what each data file is, and which tools to run.

Files are recognised by their headers (or top-level keys for YAML/JSON documents), scored
against every tool's `COLUMN_ALIASES`; the best-scoring tool that accepts the file reads it. A
file several tools read (an opportunity export: the forecast and the funnel analyzer) runs every
one of them whose topic the question is about (`detect_files` with `wanted_tools`). The founder
never has to say "this is a pipeline export".
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from pydantic import BaseModel, Field

from csuite.errors import InputError, UsageError
from csuite.fields import new_list
from csuite.io.tables import canonical_key, load_document, read_table
from csuite.knowledge.models import RoleKnowledge, Topic, load_knowledge
from csuite.resources import cached_build
from csuite.routing.router import route
from csuite.tools.registry import TOOLS, get_tool

# A file that only annotates accounts (names, segments, churn reasons, health, renewal dates)
# is a companion to a snapshot file, passed to the retention tools as their accounts option.
ACCOUNT_HEADERS = {"churn_reason", "health_score", "renewal_date", "segment", "health"}
DEFAULT_TOPIC = {"cro": "revenue_health", "cco": "retention_honesty"}


class DataFile(BaseModel):
    path: str
    tool: str | None = None
    kind: str
    score: float = 0.0


class ToolPlan(BaseModel):
    topics: list[str] = Field(default_factory=new_list)
    files: list[DataFile] = Field(default_factory=new_list)
    run: list[DataFile] = Field(default_factory=new_list, description="(tool, file) pairs to run, in order")
    accounts: str | None = None
    missing_tools: list[str] = Field(default_factory=new_list)


def select_topics(topics: list[str], knowledge: RoleKnowledge, limit: int = 2) -> list[Topic]:
    """The role's topics for this question, best first, from the router's ranking
    (`Route.role_topics[role]`); the role's default topic when the question matched none."""
    known = {t.id for t in knowledge.topics}
    chosen = [knowledge.topic(t) for t in dict.fromkeys(topics) if t in known][:limit]
    return chosen or [knowledge.topic(DEFAULT_TOPIC[knowledge.role])]


def _headers(path: Path) -> set[str]:
    """Column names of a table, or top-level keys of a YAML/JSON document (plans, metrics)."""
    if path.suffix.lower() in (".yaml", ".yml", ".json"):

        document = load_document(path)
        if isinstance(document, dict):
            keys = {canonical_key(str(k)) for k in document}
            for value in document.values():
                if isinstance(value, list) and value and isinstance(value[0], dict):
                    keys |= {canonical_key(str(k)) for k in value[0]}
            return keys
    table = read_table(path)
    headers = {canonical_key(h) for h in table.headers}
    if not headers and table.rows:
        headers = {canonical_key(str(k)) for k in table.rows[0]}
    return headers


def _aliases(tool: str) -> dict[str, Any]:
    return tool_facts()[tool]["aliases"]


def tool_kinds(tool: str) -> tuple[str, ...]:
    """The file kinds a tool reads (its `ToolSpec.data_kinds`), without importing the tool."""
    return tool_facts()[tool]["kinds"]


@lru_cache(maxsize=1)
def tool_facts() -> dict[str, dict[str, Any]]:
    """Per tool, what recognising a file needs: its COLUMN_ALIASES and the file kinds it reads.
    Read by importing each tool once and then kept on disk next to the package data (rebuilt
    when a tool's source changes): recognising a file must not cost importing every tool on
    every run (a tenth of a second of an offline ask)."""
    tools_dir = Path(importlib.util.find_spec("csuite.tools").origin).parent  # type: ignore[union-attr, arg-type]
    return cached_build("tool_facts", sorted(tools_dir.rglob("*.py")), _read_tool_facts)


def _read_tool_facts() -> dict[str, dict[str, Any]]:
    facts: dict[str, dict[str, Any]] = {}
    for name, entry in TOOLS.items():
        module = importlib.import_module(entry.module)
        facts[name] = {"aliases": dict(getattr(module, "COLUMN_ALIASES", {}) or {}),
                       "kinds": tuple(module.SPEC.data_kinds)}
    return facts


def _score(headers: set[str], aliases: dict[str, Any]) -> float:
    matched = 0
    for field, names in aliases.items():
        names = [names] if isinstance(names, str) else list(names or [])
        if any(canonical_key(n) in headers for n in [field, *names]):
            matched += 1
    return matched + (matched / len(aliases) if aliases else 0.0)


def tool_options(tool: str, as_of: Any = None, **extra: Any) -> Any:
    """Default options for a tool, with the as-of date and extras it accepts."""
    spec = get_tool(tool)
    fields = spec.options.model_fields
    values = {k: v for k, v in {"as_of": as_of, **extra}.items() if k in fields and v is not None}
    return spec.options.model_validate(values)


def is_accounts_file(path: str | Path) -> bool:
    """An accounts file annotates accounts (names, segments, churn reasons, health, renewals)
    and carries no revenue series of its own."""
    headers = _headers(Path(path))
    return bool(headers & ACCOUNT_HEADERS) and not headers & {"mrr", "arr", "period", "month", "amount"}


def _candidates(headers: set[str], wanted: Sequence[str] | None) -> list[tuple[str, float]]:
    """Tools to try on a file, in order, with their header scores.

    Tools that read the same kind of file (an opportunity export is read by the forecast and the
    funnel analyzer) are ranked as one kind, by the kind's best score: the kind's first tool in
    the registry is its default reader, and a wanted tool of the kind goes first."""
    scored = {name: _score(headers, _aliases(name)) for name in TOOLS}
    kind_of = {name: (tool_kinds(name) or (name,))[0] for name in TOOLS}
    kind_score: dict[str, float] = {}
    for name, score in scored.items():
        kind_score[kind_of[name]] = max(kind_score.get(kind_of[name], 0.0), score)
    registry = list(TOOLS)
    wanted = list(wanted or [])

    def rank(name: str) -> tuple[float, int, int]:
        return (-kind_score[kind_of[name]], wanted.index(name) if name in wanted else len(wanted),
                registry.index(name))

    return [(name, scored[name]) for name in sorted(TOOLS, key=rank) if scored[name] > 0]


def detect_files(path: str | Path, *, as_of: Any = None, accounts: str | None = None,
                 wanted: Sequence[str] | None = None,
                 options: dict[str, dict[str, Any]] | None = None) -> list[tuple[DataFile, Any]]:
    """Every tool that reads this file and that the question wants, each with its result.

    `wanted` is the tools of the question's topics (`wanted_tools`): each of them that accepts
    the file runs, so a win/loss question on an opportunity export runs the funnel analyzer
    beside the forecast. When no wanted tool accepts the file (or nothing is wanted), the best
    header match that accepts it runs, so a file is never dropped. A tool that refuses the file
    says why, and the next one is tried; `accounts` goes to the tools that read the founder's accounts
    companion file (`ToolSpec.reads_accounts_file`),
    and `options` holds what the question sets per tool (the target as the forecast's quota)."""
    path = Path(path)
    if is_accounts_file(path):
        return [(DataFile(path=str(path), kind="accounts"), None)]
    headers = _headers(path)
    wanted_set = set(wanted or [])
    accepted: list[tuple[DataFile, Any]] = []
    first_error: InputError | None = None
    crashed: list[str] = []
    for name, score in _candidates(headers, wanted):
        if accepted and name not in wanted_set:
            continue
        spec = get_tool(name)
        try:
            companion = accounts if spec.reads_accounts_file else None  # the funnel's `accounts` is a market list
            result = spec.run(path, tool_options(name, as_of, accounts=companion, **(options or {}).get(name, {})))
        except (InputError, UsageError) as exc:
            first_error = first_error or InputError(str(exc))
            continue
        except Exception as exc:  # a tool bug must not hide behind "no tool reads this file"
            crashed.append(f"{name} failed unexpectedly ({type(exc).__name__}: {exc})")
            continue
        kind = spec.data_kinds[0] if spec.data_kinds else name
        accepted.append((DataFile(path=str(path), tool=name, kind=kind, score=score), result))
        if name not in wanted_set:
            break
    if accepted:
        return accepted
    if first_error is not None:
        extra = f"; {'; '.join(crashed)}" if crashed else ""
        raise InputError(f"is not a file any tool can read; closest match said: {first_error.message}{extra}",
                         file=path)
    kinds = sorted({kind for name in TOOLS for kind in tool_kinds(name)})
    raise InputError(f"is not a file any tool recognises ({', '.join(kinds)}); check its header row"
                     + (f" ({'; '.join(crashed)})" if crashed else ""), file=path)


def detect_file(path: str | Path, *, as_of: Any = None, accounts: str | None = None,
                options: dict[str, dict[str, Any]] | None = None) -> tuple[DataFile, Any]:
    """Which tool reads this file by default, and its result (the question-blind reading)."""
    return detect_files(path, as_of=as_of, accounts=accounts, options=options)[0]


def wanted_tools(role_topics: dict[str, list[str]], roles: Sequence[str]) -> list[str]:
    """The tools of the topics each role's question is about (`Route.role_topics`), in order:
    the tools `detect_files` should run on the founder's files."""
    tools: list[str] = []
    for role in roles:
        knowledge = load_knowledge(role)  # type: ignore[arg-type]
        for topic in select_topics(role_topics.get(role, []), knowledge):
            tools += [t for t in topic.tools if t not in tools]
    return tools


def plan(question: str, knowledge: RoleKnowledge, files: list[DataFile],
         topics: list[str] | None = None) -> ToolPlan:
    """`topics`: the router's topic ranking for this role (`Route.role_topics[role]`); routed
    here when not given, so the planner and the router never disagree about the topic."""
    if topics is None:

        topics = route(question).role_topics.get(knowledge.role, [])
    topics = select_topics(topics, knowledge)
    wanted = [tool for topic in topics for tool in topic.tools]
    runnable = [f for f in files if f.tool]
    runnable.sort(key=lambda f: wanted.index(f.tool) if f.tool in wanted else len(wanted))
    have = {f.tool for f in runnable}
    accounts = next((f.path for f in files if f.kind == "accounts"), None)
    missing = [tool for tool in dict.fromkeys(topics[0].tools) if tool not in have]
    return ToolPlan(topics=[t.id for t in topics], files=files, run=runnable, accounts=accounts,
                    missing_tools=missing)
