"""The JSON view of a parsed context: the `csuite context check --json` contract, and its
human rendering in English or Chinese.

One builder serves the CLI, the Python API, the MCP server and the prompts, so all of them see
the same fields, metrics, sources and alerts.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from csuite.context.alerts import context_alerts
from csuite.context.model_fill import fill_from_model
from csuite.context.parse import CompanyContext, load_context, metric_unit
from csuite.context.vocabulary import text, vocabulary
from csuite.errors import InputError, UsageError
from csuite.io.numbers import format_value
from csuite.io.tables import read_text
from csuite.io.values import parse_date
from csuite.knowledge.alert_text import SEVERITY_GLYPH, alert_label, readable_message
from csuite.knowledge.bilingual import Lang, cjk_share, pick


def context_report(ctx: CompanyContext, lang: Lang = "en") -> dict[str, Any]:
    """JSON keys are English in every language; warnings and alert messages are in `lang`."""
    superseded = set(ctx.superseded_lines)
    fields: dict[str, str] = {}
    for item in ctx.fields:
        if item.line in superseded and item.label in fields:
            continue  # the value used is the one shown: a replaced duplicate never overwrites it
        fields[item.label] = item.value
    alerts = context_alerts(ctx, lang)
    return {
        "path": ctx.path,
        "found": ctx.found,
        "language": lang,
        "as_of": ctx.as_of.isoformat(),
        "last_updated": ctx.last_updated.isoformat() if ctx.last_updated else None,
        "age_days": ctx.age_days,
        "stale": ctx.stale,
        "confidence": ctx.confidence,
        "missing_required": list(ctx.missing_required),
        "fields": fields,
        "metrics": {k: v for k, v in ctx.metrics.model_dump(mode="json").items() if v is not None},
        "sources": {k: v.model_dump(mode="json") for k, v in ctx.sources.items()},
        "trends": {k: v.model_dump(mode="json") for k, v in ctx.trends.items()},
        "alerts": [a.model_dump(mode="json") for a in alerts],
        "warnings": ctx.warnings_in(lang),
        "note": None if ctx.found else text("missing_context", lang),
    }


def check_payload(path: str | Path | None, as_of: date, lang: Lang | None = "en", *,
                  with_model: bool = False) -> dict[str, Any]:
    """The JSON contract of `csuite context check` (also the Python API's and MCP's).
    `lang=None` follows the file: Chinese when most of its words are. `with_model` adds the
    optional second reading of the lines the parser could not read (csuite.context.model_fill)."""
    ctx = load_context(path, as_of=as_of)
    if with_model and ctx.found and ctx.path:
        ctx = fill_from_model(ctx, read_text(Path(ctx.path)))
    return context_report(ctx, lang or context_language(ctx))


def context_language(ctx: CompanyContext) -> Lang:
    """zh when Chinese characters are most of the file's letters, else en."""
    body = " ".join([*(s.title for s in ctx.sections), *(s.text for s in ctx.sections)])
    return "zh" if cjk_share(body) >= 0.5 else "en"


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


# --------------------------------------------------------------------------- human output

def _value(metric: str, value: Any, lang: Lang) -> str:
    unit = metric_unit(metric)
    if unit == "date" or isinstance(value, str):
        return str(value)
    if unit == "months" and lang == "zh" and isinstance(value, (int, float)):
        return f"{value:.1f}".rstrip("0").rstrip(".") + " 个月"
    return format_value(value, unit)


def _width(text: str) -> int:
    """Columns a text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _metric_title(metric: str, lang: Lang) -> str:
    spec = vocabulary().metrics.get(metric)
    return f"{spec.name.get(lang)} ({metric})" if spec is not None and lang == "zh" else metric


def _where(source: dict[str, Any], lang: Lang) -> str:
    if source.get("derived"):
        lines = ", ".join(str(n) for n in source.get("lines") or [])
        formula = source["text"].split(":", 1)[-1].strip()
        where = text("derived", lang, formula=formula)
        return f"{where} ({text('line', lang, line=lines)})" if lines else where
    column = f" [{source['column']}]" if source.get("column") else ""
    return f"{text('line', lang, line=source['line'])}{column}{'：' if lang == 'zh' else ': '}{source['text']}"


def render_check(payload: dict[str, Any], lang: Lang = "en") -> str:
    """`csuite context check` for a person: freshness, each metric with the line it came from,
    alerts. Warnings go to stderr (see the CLI)."""
    if not payload["found"]:
        return payload["note"]
    def label(key: str, **values: Any) -> str:
        return text(key, lang, **values)

    colon = "：" if lang == "zh" else ": "
    updated = payload["last_updated"] or label("unknown")
    if payload["age_days"] is not None:
        updated += f" ({label('days_before', days=payload['age_days'], as_of=payload['as_of'])})"
    confidence = label(payload["confidence"])
    lines = [f"{label('context')}{colon}{payload['path']}",
             f"{label('last_updated')}{colon}{updated}",
             f"{label('confidence')}{colon}{confidence}" + (f"  — {label('stale')}" if payload["stale"] else "")]
    if payload["missing_required"]:
        lines.append(f"{label('missing_required')}{colon}" + ", ".join(payload["missing_required"]))
    lines += ["", f"{label('metrics')}{colon.strip()}"]
    if not payload["metrics"]:
        lines.append(f"  {label('no_metrics')}")
    titles = {key: _metric_title(key, lang) for key in payload["metrics"]}
    width = max([_width(t) for t in titles.values()] + [10])
    for key, value in payload["metrics"].items():
        source = payload["sources"].get(key)
        where = f"   ← {_where(source, lang)}" if source else ""
        lines.append(f"  {_pad(titles[key], width)}  {_pad(_value(key, value, lang), 18)}{where}")
    lines.append("")
    if payload["alerts"]:
        lines.append(f"{label('alerts')} ({len(payload['alerts'])}){colon.strip()}")
        for alert in payload["alerts"]:
            severity = alert["severity"] if lang == "en" else label(f"severity_{alert['severity']}")
            lines.append(f"  {SEVERITY_GLYPH[alert['severity']]} {alert_label(alert['id'], lang)} · {severity} · "
                         f"{label(alert['role'])}{colon}{readable_message(alert['id'], alert['message'], lang)}")
            lines.append(f"      {label('why')}{colon}{pick(alert['why'], lang)}")
            lines.append(f"      {label('do')}{colon}{pick(alert['action'], lang)}")
    else:
        lines.append(f"{label('alerts')}{colon}{label('none')}")
    return "\n".join(lines)
