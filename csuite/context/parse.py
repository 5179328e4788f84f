"""Read a founder's company-context.md into typed fields, normalised metrics and freshness.

The file is data, never instructions: we only pull labelled fields and metric values out of
it; nothing in it can change what the engine does.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Callable, Literal

from pydantic import BaseModel, Field

from csuite.errors import InputError
from csuite.io.tables import canonical_key, read_text
from csuite.io.values import (
    parse_date,
    parse_int,
    parse_money,
    parse_months,
    parse_percent,
    parse_ratio,
    split_series,
)
from csuite.knowledge.thresholds import section

CONTEXT_FILENAME = "company-context.md"

# Field keys the runner relies on, with the labels founders use for them.
FIELD_SYNONYMS: dict[str, list[str]] = {
    "company_name": ["company", "company name", "name"],
    "what_we_do": ["what we do", "one-liner", "one liner", "product", "what the company does"],
    "stage": ["stage", "funding stage", "company stage"],
    "founder_archetype": ["founder archetype", "archetype", "founder type"],
    "priority_1": ["priority #1", "priority 1", "top priority", "#1 priority", "priority one"],
    "target_12_months": ["12-month target", "12 month target", "twelve-month target", "target (12 months)",
                         "12-month goal"],
    "last_updated": ["last updated", "updated", "last update"],
}

MetricKind = Literal["money", "percent", "retention", "ratio", "months", "int", "date", "series", "value_or_series"]

# metric key → (kind, synonyms). Synonyms are compared as canonical keys, parentheses removed.
METRICS: dict[str, tuple[MetricKind, list[str]]] = {
    "arr": ("money", ["arr", "annual recurring revenue", "current arr", "arr today", "年度经常性收入"]),
    # ACV picks the benchmark band (SaaS Capital publishes retention medians by ACV).
    "acv": ("money", ["acv", "average contract value", "annual contract value", "average acv", "客单价"]),
    "nrr": ("retention", ["nrr", "net revenue retention", "ndr", "net dollar retention", "net retention",
                           "净收入留存"]),
    "grr": ("percent", ["grr", "gross revenue retention", "gross retention", "gross dollar retention", "gdr",
                         "毛收入留存"]),
    "logo_retention": ("percent", ["logo retention", "customer retention", "logo retention rate"]),
    "contraction": ("percent", ["contraction", "contraction rate", "revenue contraction", "annual contraction"]),
    "pipeline_coverage": ("ratio", ["pipeline coverage", "coverage", "pipeline coverage ratio"]),
    "win_rate": ("value_or_series", ["win rate", "win rate trend", "close rate", "win rates", "赢单率"]),
    "nrr_trend": ("series", ["nrr trend", "nrr history", "ndr trend", "net revenue retention trend"]),
    "largest_customer_share": ("percent", ["largest customer share", "top customer % of arr",
                                            "customer concentration", "largest customer % of arr",
                                            "top customer share", "largest customer"]),
    "last_pricing_review": ("date", ["last pricing review", "pricing last reviewed", "last price review"]),
    "magic_number": ("ratio", ["magic number", "sales efficiency"]),
    "cac_payback_months": ("months", ["cac payback", "cac payback months", "cac payback period"]),
    "reps_at_quota": ("percent", ["reps at quota", "% of reps at quota", "quota attainment",
                                   "share of reps at quota"]),
    "forecast_accuracy": ("percent", ["forecast accuracy"]),
    "runway_months": ("months", ["runway", "runway months", "cash runway"]),
    "team_size": ("int", ["team size", "headcount", "employees", "team"]),
}

_CONTEXT_UNITS: dict[str, str] = {
    "money": "usd", "percent": "fraction", "retention": "fraction", "ratio": "ratio", "months": "months",
    "int": "count", "date": "date", "series": "fraction", "value_or_series": "fraction",
}


def metric_unit(metric: str) -> str:
    """The unit of a context metric (context_age_days, the one alert metric not in the file, is days)."""
    if metric not in METRICS:
        return "days"
    return _CONTEXT_UNITS[METRICS[metric][0]]


_LABEL_KEYS: dict[str, str] = {}
for _metric, (_kind, _names) in METRICS.items():
    for _name in [_metric, *_names]:
        _LABEL_KEYS[canonical_key(_name)] = _metric


class ContextField(BaseModel):
    label: str
    key: str
    value: str
    section: str
    line: int


class ContextSection(BaseModel):
    title: str
    level: int
    line: int
    text: str


class Metrics(BaseModel):
    """Normalised metrics: money in dollars, percentages as fractions, series oldest first."""

    arr: float | None = None
    acv: float | None = None
    nrr: float | None = None
    grr: float | None = None
    logo_retention: float | None = None
    contraction: float | None = None
    pipeline_coverage: float | None = None
    win_rate: float | list[float] | None = None
    nrr_trend: list[float] | None = None
    largest_customer_share: float | None = None
    last_pricing_review: date | None = None
    magic_number: float | None = None
    cac_payback_months: float | None = None
    reps_at_quota: float | None = None
    forecast_accuracy: float | None = None
    runway_months: float | None = None
    team_size: int | None = None


class CompanyContext(BaseModel):
    path: str | None = None
    found: bool = False
    as_of: date
    sections: list[ContextSection] = Field(default_factory=list)
    fields: list[ContextField] = Field(default_factory=list)
    metrics: Metrics = Field(default_factory=Metrics)
    metric_labels: dict[str, str] = Field(default_factory=dict, description="metric → label as written")
    last_updated: date | None = None
    age_days: int | None = None
    stale: bool = False
    confidence: Literal["high", "medium", "low"] = "low"
    missing_required: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def field(self, key: str) -> str | None:
        """The first value written for a field key (see FIELD_SYNONYMS), or None."""
        for item in self.fields:
            if item.key == key:
                return item.value
        return None

    @property
    def company_name(self) -> str | None:
        return self.field("company_name")


# `- **Label:** value`, `**Label**: value`, `- Label: value`, `| Label | value |`
_BOLD = re.compile(r"^\s*(?:[-*+]\s+)?\*\*(?P<label>[^*]+?)\s*:?\s*\*\*\s*:?\s*(?P<value>.*)$")
_PLAIN = re.compile(r"^\s*[-*+]\s+(?P<label>[^:：]{1,60}?)\s*[:：]\s*(?P<value>.+)$")
_TABLE = re.compile(r"^\s*\|\s*(?P<label>[^|]+?)\s*\|\s*(?P<value>[^|]*?)\s*\|")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
_PAREN = re.compile(r"\s*[(（][^)）]*[)）]")
_PLACEHOLDER = re.compile(r"^\s*(?:\[.*\]|_+|-|—|tbd|n/?a|todo|\?+|<.*>)\s*$", re.I)


def label_key(label: str) -> str:
    return canonical_key(_PAREN.sub("", label)) or canonical_key(label)


def _field_key(label: str) -> str:
    key = label_key(label)
    for field_key, names in FIELD_SYNONYMS.items():
        if key == field_key or key in {label_key(n) for n in names}:
            return field_key
    return key


def parse_fields(text: str) -> tuple[list[ContextSection], list[ContextField]]:
    sections: list[ContextSection] = []
    fields: list[ContextField] = []
    current = ContextSection(title="", level=0, line=1, text="")
    body: list[str] = []
    in_code = False

    def close() -> None:
        if current.title or "".join(body).strip():
            sections.append(current.model_copy(update={"text": "\n".join(body).strip()}))

    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip().startswith("```"):
            in_code = not in_code
            body.append(line)
            continue
        if in_code:
            body.append(line)
            continue
        heading = _HEADING.match(line)
        if heading:
            close()
            current = ContextSection(title=heading.group("title").strip(), level=len(heading.group("hashes")),
                                     line=number, text="")
            body = []
            continue
        body.append(line)
        match = _BOLD.match(line) or _PLAIN.match(line) or _TABLE.match(line)
        if not match:
            continue
        label = match.group("label").strip().rstrip(":：").strip()
        value = match.group("value").strip()
        if not label or not value or set(label) <= set("-: ") or _PLACEHOLDER.match(value):
            continue
        if label.lower() in {"metric", "field", "label"}:
            continue  # a table header row
        fields.append(ContextField(label=label, key=_field_key(label), value=value,
                                   section=current.title, line=number))
    close()
    return sections, fields


_TOKENS: dict[str, re.Pattern[str]] = {
    "money": re.compile(r"(?:USD|US\$|[$€£¥])?\s*\d[\d,]*(?:\.\d+)?\s*(?:mm|bn|[kKmMbB]|万|亿)?(?![\w])"),
    "percent": re.compile(r"[-−]?\d+(?:\.\d+)?\s*%|[-−]?\d*\.\d+|[-−]?\d+"),
    "ratio": re.compile(r"\d+(?:\.\d+)?\s*[x×]?"),
    "months": re.compile(r"\d+(?:\.\d+)?\s*(?:months?|mos?|years?|个月|月|年)?"),
    "int": re.compile(r"\d[\d,]*"),
}


def _first_token(value: str, kind: str, parser: Callable[[str], Any]) -> Any:
    cleaned = _PAREN.sub("", value).strip()
    for candidate in (value, cleaned):
        try:
            return parser(candidate)
        except InputError:
            pass
    match = _TOKENS[kind].search(cleaned)
    if not match:
        raise InputError(f"no {kind} value in '{value}'")
    return parser(match.group(0).strip())


def parse_metric(metric: str, value: str) -> Any:
    """Normalise one metric value as a founder wrote it. Raises InputError when unreadable."""
    kind = METRICS[metric][0]
    if kind == "money":
        return _first_token(value, "money", parse_money)
    if kind == "percent":
        return _first_token(value, "percent", parse_percent)
    if kind == "retention":
        return _first_token(value, "percent", lambda v: parse_percent(v, fraction_max=3.0))
    if kind == "ratio":
        return _first_token(value, "ratio", parse_ratio)
    if kind == "months":
        return _first_token(value, "months", parse_months)
    if kind == "int":
        return _first_token(value, "int", parse_int)
    if kind == "date":
        cleaned = _PAREN.sub("", value).strip()
        return parse_date(cleaned)
    items = split_series(_PAREN.sub("", value))
    if kind == "value_or_series" and len(items) == 1:
        return _first_token(items[0], "percent", parse_percent)
    if len(items) < 2 and kind == "series":
        raise InputError(f"'{value}' is not a series (write oldest first: 104%, 101%, 98%)")
    return [_first_token(item, "percent", lambda v: parse_percent(v, fraction_max=3.0)) for item in items]


def find_context_file(explicit: str | Path | None = None, *, cwd: Path | None = None,
                      home: Path | None = None) -> Path | None:
    """--context PATH, else ./company-context.md, else ~/.claude/company-context.md.

    An explicit path that does not exist is the founder's typo, so it is an error; finding
    nothing by discovery is not (the answer then says what missing context costs).
    """
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not path.exists():
            raise InputError("context file not found", file=path)
        return path
    for candidate in ((cwd or Path.cwd()) / CONTEXT_FILENAME,
                      (home or Path.home()) / ".claude" / CONTEXT_FILENAME):
        if candidate.is_file():
            return candidate
    return None


def parse_context(text: str, *, as_of: date, path: str | None = None) -> CompanyContext:
    """Pure parse: text → CompanyContext (fields, metrics, freshness, missing required)."""
    sections, fields = parse_fields(text)
    metrics: dict[str, Any] = {}
    labels: dict[str, str] = {}
    warnings: list[str] = []
    for item in fields:
        metric = _LABEL_KEYS.get(label_key(item.label))
        if metric is None or metric in metrics:
            continue
        try:
            metrics[metric] = parse_metric(metric, item.value)
            labels[metric] = item.label
        except InputError as exc:
            warnings.append(f"line {item.line}, field '{item.label}': {exc.message}; metric ignored")

    ctx = CompanyContext(path=path, found=True, as_of=as_of, sections=sections, fields=fields,
                         metrics=Metrics(**metrics), metric_labels=labels, warnings=warnings)
    updated_raw = ctx.field("last_updated")
    if updated_raw:
        try:
            ctx.last_updated = parse_date(_PAREN.sub("", updated_raw).strip())
        except InputError as exc:
            ctx.warnings.append(f"field 'Last updated': {exc.message}")
    if ctx.last_updated:
        ctx.age_days = (as_of - ctx.last_updated).days
        if ctx.age_days < 0:
            ctx.warnings.append(f"'Last updated' {ctx.last_updated} is after the as-of date {as_of}")
    return _with_freshness(ctx)


def _with_freshness(ctx: CompanyContext) -> CompanyContext:
    rules = section("context")
    required = list(rules["required_fields"])
    present = {f.key for f in ctx.fields}
    ctx.missing_required = [key for key in required
                            if key not in present or (key == "last_updated" and ctx.last_updated is None)]
    if ctx.age_days is None or ctx.age_days < 0:
        # no date, or a date in the future: nothing tells us how fresh the numbers are
        ctx.stale, ctx.confidence = False, "low"
    elif ctx.age_days >= rules["stale_after_days"]:
        ctx.stale, ctx.confidence = True, "low"
    elif ctx.age_days >= rules["medium_after_days"]:
        ctx.stale, ctx.confidence = False, "medium"
    else:
        ctx.stale, ctx.confidence = False, "high"
    return ctx


def load_context(explicit: str | Path | None = None, *, as_of: date | None = None,
                 cwd: Path | None = None, home: Path | None = None) -> CompanyContext:
    """Find and parse the context file; a missing one yields found=False, not an error."""
    as_of = as_of or date.today()
    path = find_context_file(explicit, cwd=cwd, home=home)
    if path is None:
        required = list(section("context")["required_fields"])
        return CompanyContext(found=False, as_of=as_of, missing_required=required, confidence="low")
    return parse_context(read_text(path), as_of=as_of, path=str(path))


MISSING_CONTEXT_NOTE = (
    "No company-context.md found: findings can only rest on your data files, benchmarks and stated "
    "assumptions (🟡/🔴), and alerts on NRR, coverage, concentration and pricing cannot fire. "
    "Run `csuite context init` and fill it in."
)
