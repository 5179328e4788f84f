"""The JSON view of a parsed context: the `csuite context check --json` contract.

One builder serves the CLI, the Python API, the MCP server and the prompts, so all of them see
the same fields, metrics and alerts.
"""

from __future__ import annotations

from typing import Any

from csuite.alerts import context_alerts
from csuite.context import MISSING_CONTEXT_NOTE, CompanyContext


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
