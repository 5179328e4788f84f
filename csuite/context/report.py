"""The JSON view of a parsed context: the `csuite context check --json` contract.

One builder serves the CLI, the Python API, the MCP server and the prompts, so all of them see
the same fields, metrics and alerts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from csuite.context.alerts import context_alerts
from csuite.context.parse import MISSING_CONTEXT_NOTE, CompanyContext, load_context
from csuite.errors import InputError, UsageError
from csuite.io.values import parse_date


def context_report(ctx: CompanyContext) -> dict[str, Any]:
    return {
        "path": ctx.path,
        "found": ctx.found,
        "as_of": ctx.as_of.isoformat(),
        "last_updated": ctx.last_updated.isoformat() if ctx.last_updated else None,
        "age_days": ctx.age_days,
        "stale": ctx.stale,
        "confidence": ctx.confidence,
        "missing_required": list(ctx.missing_required),
        "fields": {f.label: f.value for f in ctx.fields},
        "metrics": {k: v for k, v in ctx.metrics.model_dump(mode="json").items() if v is not None},
        "alerts": [a.model_dump(mode="json") for a in context_alerts(ctx)],
        "warnings": list(ctx.warnings),
        "note": None if ctx.found else MISSING_CONTEXT_NOTE,
    }


def check_payload(path: str | Path | None, as_of: date) -> dict[str, Any]:
    """The JSON contract of `csuite context check` (also the Python API's and MCP's)."""
    return context_report(load_context(path, as_of=as_of))


def as_of_date(text: str | date | None, *, name: str = "--as-of") -> date:
    """The date to treat as today: given (YYYY-MM-DD or any form parse_date reads) or today.
    A bad date is a usage error naming the flag or argument it came from."""

    if isinstance(text, date):
        return text
    if not text:
        return date.today()
    try:
        return parse_date(text)
    except InputError as exc:
        raise UsageError(f"{name}: {exc.message}") from None
