"""Tool plan: which topics (from the router) a question is about, what each data file is, and which tools to run.

Files are recognised by their headers (or top-level keys for YAML/JSON documents), scored
against every tool's `COLUMN_ALIASES`; the best-scoring tool that accepts the file wins. The
founder never has to say "this is a pipeline export".
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from csuite.errors import InputError, UsageError
from csuite.io.tables import canonical_key, load_document, read_table
from csuite.knowledge.models import RoleKnowledge, Topic
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
    topics: list[str] = Field(default_factory=list)
    files: list[DataFile] = Field(default_factory=list)
    run: list[DataFile] = Field(default_factory=list, description="(tool, file) pairs to run, in order")
    accounts: str | None = None
    missing_tools: list[str] = Field(default_factory=list)


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
    module = importlib.import_module(TOOLS[tool].module)
    return getattr(module, "COLUMN_ALIASES", {}) or {}


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


def detect_file(path: str | Path, *, as_of: Any = None, accounts: str | None = None,
                options: dict[str, dict[str, Any]] | None = None) -> tuple[DataFile, Any]:
    """Which tool reads this file, and its result: try the best header matches until one
    accepts the file (a tool that refuses it says why, and we try the next). `accounts` goes
    to the tools that take an accounts file, so each file is run once; `options` holds what the
    question sets per tool (the target as the forecast's quota, the quarter as its period)."""
    path = Path(path)
    if is_accounts_file(path):
        return DataFile(path=str(path), kind="accounts"), None
    headers = _headers(path)
    candidates = sorted(((name, _score(headers, _aliases(name))) for name in TOOLS), key=lambda c: -c[1])
    first_error: InputError | None = None
    crashed: list[str] = []
    for name, score in candidates:
        if score <= 0:
            break
        spec = get_tool(name)
        try:
            result = spec.run(path, tool_options(name, as_of, accounts=accounts, **(options or {}).get(name, {})))
        except (InputError, UsageError) as exc:
            first_error = first_error or InputError(str(exc))
            continue
        except Exception as exc:  # a tool bug must not hide behind "no tool reads this file"
            crashed.append(f"{name} failed unexpectedly ({type(exc).__name__}: {exc})")
            continue
        kind = spec.data_kinds[0] if spec.data_kinds else name
        return DataFile(path=str(path), tool=name, kind=kind, score=score), result
    if first_error is not None:
        extra = f"; {'; '.join(crashed)}" if crashed else ""
        raise InputError(f"is not a file any tool can read; closest match said: {first_error.message}{extra}",
                         file=path)
    kinds = sorted({kind for name in TOOLS for kind in get_tool(name).data_kinds})
    raise InputError(f"is not a file any tool recognises ({', '.join(kinds)}); check its header row"
                     + (f" ({'; '.join(crashed)})" if crashed else ""), file=path)


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
