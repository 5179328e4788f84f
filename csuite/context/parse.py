"""Read a founder's company-context.md into typed fields, normalised metrics and freshness.

The file is data, never instructions: we pull labelled fields, tables and the metric values of
plain sentences out of it; nothing in it can change what the engine does. Every metric keeps
the line it came from (`sources`), every series its periods (`trends`), and every number we
could not use is a warning with its line number.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

from csuite.context.document import Document, Labelled, Table, split_document
from csuite.context.extract import Reader, Statement
from csuite.context.notes import Note
from csuite.context.resolve import resolve
from csuite.context.values import read_date
from csuite.context.vocabulary import (
    MetricKind,
    field_key,
    field_synonyms,
    metric_table,
    vocabulary,
)
from csuite.errors import InputError
from csuite.fields import new_list
from csuite.io.tables import read_text
from csuite.knowledge.bilingual import Lang
from csuite.knowledge.thresholds import section

__all__ = ["CONTEXT_FILENAME", "FIELD_SYNONYMS", "METRICS", "MetricKind", "CompanyContext", "ContextField",
           "ContextSection", "Metrics", "MetricSource", "Trend", "metric_unit", "parse_metric", "parse_context",
           "load_context", "find_context_file", "MISSING_CONTEXT_NOTE"]

CONTEXT_FILENAME = "company-context.md"

# Field keys the runner relies on, with the labels founders use for them (csuite/data/context.yaml).
FIELD_SYNONYMS: dict[str, list[str]] = field_synonyms()

# metric key → (kind, label vocabulary), from csuite/data/context.yaml. Self-verify's
# contradiction check reads these names; a customer's name is not a comparable number and is
# left out (it is still in `Metrics`).
METRICS: dict[str, tuple[MetricKind, list[str]]] = metric_table()


def metric_unit(metric: str) -> str:
    """The unit of a context metric (context_age_days, the one alert metric not in the file, is days)."""
    spec = vocabulary().metrics.get(metric)
    return spec.unit if spec is not None else "days"


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
    """Normalised metrics: money in dollars, percentages as fractions, series oldest first.

    Flows carry their period in the name (burn per month, net new ARR and S&M spend per quarter,
    quota per AE per year); monthly gross churn is a monthly rate, never GRR."""

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
    largest_customer: str | None = None
    largest_customer_renewal: date | None = None
    last_pricing_review: date | None = None
    magic_number: float | None = None
    burn_multiple: float | None = None
    cac_payback_months: float | None = None
    reps_at_quota: float | None = None
    forecast_accuracy: float | None = None
    runway_months: float | None = None
    team_size: int | None = None
    customers: int | None = None
    monthly_gross_churn: float | None = None
    quarter_target: float | None = None
    rep_quota: float | None = None
    burn_monthly: float | None = None
    net_new_arr_quarter: float | None = None
    sm_spend_quarter: float | None = None
    ae_count: int | None = None
    ramping_aes: int | None = None


class MetricSource(BaseModel):
    """Where a metric's value came from: the line as written (a table row for a column's value),
    or the formula it was derived by."""

    line: int | None = None
    text: str
    column: str | None = Field(default=None, description="the table column (or row) the value sits in")
    period: str | None = Field(default=None, description="the period the value is for, when the file says")
    derived: bool = False
    inputs: list[str] = Field(default_factory=new_list, description="metrics a derived value is computed from")
    read_by: Literal["parser", "model"] = Field(
        default="parser", description="'model' when the optional second reading found it (checked against the line)")
    lines: list[int] = Field(default_factory=new_list, description="every line a series came from")


class Trend(BaseModel):
    """A metric's values over time, oldest first, with the period of each when the file names it."""

    periods: list[str | None]
    values: list[float]
    lines: list[int]


class CompanyContext(BaseModel):
    path: str | None = None
    found: bool = False
    as_of: date
    sections: list[ContextSection] = Field(default_factory=new_list)
    fields: list[ContextField] = Field(default_factory=new_list)
    metrics: Metrics = Field(default_factory=Metrics)
    metric_labels: dict[str, str] = Field(default_factory=dict, description="metric → label as written")
    sources: dict[str, MetricSource] = Field(default_factory=dict, description="metric → the line it came from")
    trends: dict[str, Trend] = Field(default_factory=dict, description="metric → its series, oldest first")
    last_updated: date | None = None
    age_days: int | None = None
    stale: bool = False
    confidence: Literal["high", "medium", "low"] = "low"
    missing_required: list[str] = Field(default_factory=new_list)
    notes: list[Note] = Field(default_factory=new_list, description="the warnings as data, for any language")
    superseded_lines: list[int] = Field(default_factory=new_list, description="lines whose value a later statement replaced")

    def field(self, key: str) -> str | None:
        """The first value written for a field key (see FIELD_SYNONYMS), or None."""
        for item in self.fields:
            if item.key == key:
                return item.value
        return None

    @property
    def company_name(self) -> str | None:
        return self.field("company_name")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def warnings(self) -> list[str]:
        """Everything not read, refused or replaced, in English, in line order."""
        return [note.render("en") for note in self.notes]

    def warnings_in(self, lang: Lang) -> list[str]:
        return [note.render(lang) for note in self.notes]


def parse_metric(metric: str, value: str, *, as_of: date | None = None) -> Any:
    """Normalise one metric value as a founder wrote it. Raises InputError when unreadable."""
    spec = vocabulary().metrics[metric]
    reference = as_of or date.today()
    ctx = parse_context(f"- **{metric.replace('_', ' ')}:** {value}\n", as_of=reference)
    found = getattr(ctx.metrics, metric)
    if found is None:
        reason = ctx.notes[0].render("en") if ctx.notes else f"no {vocabulary().kinds[spec.kind].en} found"
        raise InputError(reason)
    return found


def _limits() -> tuple[int, int]:
    rules = section("context")
    return int(rules["max_bytes"]), int(rules["max_line_chars"])


def _fields(document: Document) -> list[ContextField]:
    """Labelled lines and two-column table rows, in file order, with the runner's keys."""
    titles = [s.title for s in document.sections]
    fields: list[ContextField] = []
    for item in document.items:
        if isinstance(item, Labelled):
            fields.append(ContextField(label=item.label, key=field_key(item.label), value=item.value,
                                       section=titles[item.section], line=item.line))
        elif isinstance(item, Table):
            rows = item.rows if item.header is None or len(item.header) == 2 else []
            for line, _, cells in rows:
                if len(cells) >= 2 and cells[0] and cells[1] and cells[0].lower() not in {"metric", "field", "label"}:
                    fields.append(ContextField(label=cells[0], key=field_key(cells[0]), value=cells[1],
                                               section=titles[item.section], line=line))
    return fields


def _last_updated(fields: list[ContextField], as_of: date) -> tuple[date | None, list[Note]]:
    for item in fields:
        if item.key != "last_updated":
            continue
        when, _ = read_date(item.value, as_of)
        if when is None or when.start is None:
            return None, [Note(code="last_updated_bad", line=item.line)]
        notes = []
        if when.start > as_of:
            notes.append(Note(code="last_updated_future", line=item.line,
                              params={"date": when.start.isoformat(), "as_of": as_of.isoformat()}))
        return when.start, notes
    return None, []


def parse_context(text: str, *, as_of: date, path: str | None = None) -> CompanyContext:
    """Pure parse: text → CompanyContext (fields, metrics with their lines, trends, freshness,
    missing required fields, warnings). Linear in the file's length."""
    max_bytes, max_line_chars = _limits()
    # every character is at least one byte: a long text is refused without encoding it
    size = len(text) if len(text) > max_bytes else len(text.encode("utf-8"))
    if size > max_bytes:
        raise InputError(Note(code="too_large", params={"size": f"{size:,}", "limit": f"{max_bytes:,}"}).render("en"),
                         file=path)
    document = split_document(text, max_line_chars=max_line_chars)
    fields = _fields(document)
    last_updated, notes = _last_updated(fields, as_of)
    notes += [Note(code="line_too_long", line=line, params={"limit": f"{max_line_chars:,}"})
              for line in document.long_lines]
    extraction = Reader(document, last_updated or as_of).run()
    resolution = resolve(extraction.statements, undated=last_updated or as_of)
    notes += extraction.notes + resolution.notes
    values: dict[str, Any] = {}
    labels: dict[str, str] = {}
    sources: dict[str, MetricSource] = {}
    trends: dict[str, Trend] = {}
    for metric, statement in resolution.chosen.items():
        values[metric] = statement.value
        labels[metric] = statement.label
        sources[metric] = _source(statement)
        trend = _trend(statement, extraction.statements)
        if trend is not None:
            trends[metric] = trend
    for metric, derived in resolution.derived.items():
        values[metric] = derived.value
        labels[metric] = f"{metric.replace('_', ' ')} (derived)"
        input_lines = sorted({sources[i].line for i in derived.inputs if sources[i].line is not None})
        sources[metric] = MetricSource(text=f"derived: {derived.formula}", derived=True, inputs=derived.inputs,
                                       lines=input_lines)
    sections = [ContextSection(title=s.title, level=s.level, line=s.line, text=s.text)
                for s in document.sections if s.title or s.text]
    ctx = CompanyContext(path=path, found=True, as_of=as_of, sections=sections, fields=fields,
                         metrics=Metrics(**values), metric_labels=labels, sources=sources, trends=trends,
                         last_updated=last_updated,
                         notes=sorted(notes, key=lambda n: (n.line is not None, n.line or 0)),
                         superseded_lines=sorted(resolution.superseded_lines))
    if last_updated is not None:
        ctx.age_days = (as_of - last_updated).days
    return _with_freshness(ctx)


def _trend(chosen: Statement, statements: list[Statement]) -> Trend | None:
    """The chosen statement's series, else the newest series the file gives for the metric
    (a board table's ARR row stays the trend when a later sentence states today's ARR)."""
    with_series = [s for s in statements if s.metric == chosen.metric and s.series and len(s.series) >= 2]
    same_with_periods = [s for s in with_series if s.series == chosen.series and any(s.series_periods or [])]
    if chosen.series and len(chosen.series) >= 2:
        source = same_with_periods[-1] if same_with_periods and not any(chosen.series_periods or []) else chosen
    elif with_series:
        source = max(with_series, key=lambda s: (s.when.end if s.when and s.when.end else date.min, s.line))
    else:
        return None
    series = list(source.series or [])
    return Trend(periods=list(source.series_periods or [None] * len(series)), values=series,
                 lines=list(source.series_lines or [source.line] * len(series)))


def _source(statement: Statement) -> MetricSource:
    when = statement.when
    return MetricSource(line=statement.line, text=statement.text, column=statement.column,
                        period=when.label if when is not None and when.start is not None else None,
                        lines=sorted(set(statement.series_lines or [statement.line])))


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
    max_bytes, _ = _limits()
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if size > max_bytes:
        raise InputError(Note(code="too_large", params={"size": f"{size:,}", "limit": f"{max_bytes:,}"}).render("en"),
                         file=path)
    return parse_context(read_text(path), as_of=as_of, path=str(path))


# What a missing context costs, said once (the runner puts it in the answer's notes).
MISSING_CONTEXT_NOTE = vocabulary().report["missing_context"].en
