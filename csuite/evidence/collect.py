"""Evidence: every fact an answer may cite, with an id, a value, a unit, a source and a kind.

Founder data (the context file, tools run on their files) can make a finding 🟢; benchmarks
and frameworks can make it 🟡 at best. Everything here is computed by code from those inputs.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Annotated, Any, Iterable, Sequence, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny

from csuite.answer import Evidence, Understood, Unit
from csuite.context.alerts import Alert
from csuite.context.parse import CompanyContext, metric_unit
from csuite.knowledge.thresholds import section
from csuite.tools.base import Flag, ToolResult, core_type, unit_of

# Key fragments → unit, checked in order; used for tool outputs and benchmarks whose models we
# only see as JSON. The first fragment that occurs in the key wins.
_UNIT_HINTS: list[tuple[tuple[str, ...], Unit]] = [
    (("months", "payback", "ramp_month", "tenure"), "months"),
    (("days", "age_days", "cycle"), "days"),
    (("multiple", "coverage", "magic", "ratio", "ltv_to_cac"), "ratio"),
    (("nrr", "grr", "retention", "rate", "share", "probability", "pct", "percent", "fraction", "margin",
      "growth", "attainment", "accuracy", "churn_pct", "preventable", "rule_of_40", "bands", "p_quota",
      "p_reach", "prob", "depth", "penetration"), "fraction"),
    (("count", "customers", "accounts", "deals", "reps", "hires", "csms", "headcount", "logos", "n_",
      "simulations", "seed", "score", "fit"), "count"),
    (("arr", "mrr", "amount", "revenue", "pipeline", "weighted", "quota", "target", "gap", "cost", "spend",
      "burn", "p10", "p50", "p90", "mean", "start", "end", "new", "expansion", "contraction", "churn",
      "reactivation", "value", "capacity", "bookings", "salary", "budget", "cac"), "usd"),
]


_WORD_BREAK = re.compile(r"[._\-\s]+")
# Each hint split for a fast check: plain fragments name a word's start (one `str.startswith`
# with a tuple per word); fragments with an underscore are phrases that start at a word.
_UNIT_RULES: list[tuple[tuple[str, ...], tuple[str, ...], Unit]] = [
    (tuple(f for f in fragments if "_" not in f), tuple(f for f in fragments if "_" in f), unit)
    for fragments, unit in _UNIT_HINTS]


@lru_cache(maxsize=4096)
def _unit_of_text(text: str) -> Unit | None:
    """The unit a key's text names, or None. A plain fragment names a word (or a word's start) of
    the key: 'ratio' must not match 'concentration'. A fragment with an underscore is a phrase that
    starts at a word: 'n_' is a count prefix (n_accounts), not the end of 'decision_losses'. An
    answer asks this a few hundred times, mostly of the same field names: cached."""
    words = [word for word in _WORD_BREAK.split(text) if word]
    for starts, phrases, unit in _UNIT_RULES:
        if any(word.startswith(starts) for word in words) or any(_starts_a_word(text, p) for p in phrases):
            return unit
    return None


def _starts_a_word(text: str, fragment: str) -> bool:
    """`fragment` occurs at the start of `text` or right after a '.', '_', '-' or a space: the
    regex ``(?:^|[._\\-\\s])fragment``, without compiling one per fragment."""
    start = text.find(fragment)
    while start != -1:
        if start == 0 or text[start - 1] in "._-" or text[start - 1].isspace():
            return True
        start = text.find(fragment, start + 1)
    return False


def guess_unit(key: str, value: Any) -> Unit:
    """The unit of a tool output from its field name: the last path segment decides first
    (concentration.end_arr is money), then the whole path."""
    lowered = key.lower()
    for text in (lowered.rsplit(".", 1)[-1], lowered):
        unit = _unit_of_text(text)
        if unit is not None:
            return unit
    if isinstance(value, float) and 0 < abs(value) <= 1:
        return "fraction"   # a whole number is a count: one lost deal is not 100%
    return "count"


class ToolRun(BaseModel):
    """One tool run on one founder file, with its typed result: adapters and analyses read the
    result by attribute, and its evidence ids (`<tool>.<field path>`) point into the same result."""

    model_config = ConfigDict(frozen=True)

    tool: str
    file: str | None = None
    options: dict[str, Any] = Field(default_factory=dict, description="options the question set, e.g. quota")
    result: SerializeAsAny[ToolResult]
    key: str = Field(default="", description="the prefix of this run's evidence ids (the tool's name; "
                                             "tool@file when the same tool reads a second file)")

    @property
    def prefix(self) -> str:
        return self.key or self.tool

    @property
    def warnings(self) -> list[str]:
        return list(self.result.warnings)

    @property
    def flags(self) -> list[Flag]:
        return list(self.result.flags)


def context_evidence(ctx: CompanyContext) -> list[Evidence]:
    if not ctx.found:
        return []
    where = ctx.path or "company-context.md"
    items: list[Evidence] = []
    for key, value in ctx.metrics.model_dump().items():
        if value is None:
            continue
        label = ctx.metric_labels.get(key, key)
        unit = metric_unit(key)
        if isinstance(value, date):
            value = value.isoformat()
        items.append(Evidence(id=f"ctx.{key}", label=label, value=value, unit=unit,
                              source=f"{where}: '{label}'", kind="founder_data"))
    if ctx.age_days is not None:
        items.append(Evidence(id="ctx.age_days", label="days since the context was last updated",
                              value=ctx.age_days, unit="days", source=f"{where}: 'Last updated'",
                              kind="founder_data"))
    return items


def question_evidence(understood: Understood | None) -> list[Evidence]:
    """The numbers the founder put in the question: their target, amounts, percentages and
    counts. They are the founder's own figures (an answer that echoes them is grounded), cited as
    "your question"."""
    if understood is None:
        return []
    source = "your question"
    items: list[Evidence] = []
    if understood.target is not None:
        items.append(Evidence(id="question.target", label="the target in your question", value=understood.target,
                              unit="usd", source=source, kind="founder_data"))
    for i, amount in enumerate(understood.amounts):
        items.append(Evidence(id=f"question.amount.{i}", label="an amount in your question", value=amount,
                              unit="usd", source=source, kind="founder_data"))
    for i, share in enumerate(understood.percentages):
        items.append(Evidence(id=f"question.percent.{i}", label="a percentage in your question", value=share,
                              unit="fraction", source=source, kind="founder_data"))
    for count in understood.counts:
        items.append(Evidence(id=f"question.count.{id_slug(count.of)}", label=f"{count.of} in your question",
                              value=count.value, unit="count", source=source, kind="founder_data"))
    return items


def alert_evidence(alerts: Iterable[Alert]) -> list[Evidence]:
    """Each alert's threshold is a framework number (our YAML), its value is the founder's."""
    items = []
    for alert in alerts:
        if isinstance(alert.threshold, (int, float)):
            # a date rule's threshold is a number of months; the context's age is in days
            unit = "months" if metric_unit(alert.metric) == "date" else metric_unit(alert.metric)
            items.append(Evidence(id=f"threshold.{alert.id}", label=f"{alert.id} threshold",
                                  value=alert.threshold, unit=unit,
                                  source=f"thresholds.yaml alerts.{alert.id}", kind="framework"))
    return items


def benchmark_evidence(keys: Iterable[str] | None = None) -> list[Evidence]:
    """Benchmarks from the thresholds YAML, flattened: bench.burn_multiple.great = 1.5."""
    data = section("benchmarks")
    wanted = set(keys) if keys is not None else set(data)
    items: list[Evidence] = []
    for key in data:
        if key not in wanted:
            continue
        entry = data[key]
        source = entry.get("source", "thresholds.yaml benchmarks") if isinstance(entry, dict) else \
            "thresholds.yaml benchmarks"
        for path, value in _flatten(entry, key):
            items.append(Evidence(id=f"bench.{path}", label=path.replace("_", " ").replace(".", " — "),
                                  value=value, unit=guess_unit(key + "." + path, _first(value)),
                                  source=f"{source} (thresholds.yaml benchmarks.{key})", kind="benchmark"))
    return items


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _flatten(value: Any, prefix: str, depth: int = 0) -> list[tuple[str, Any]]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [(prefix, value)]
    if isinstance(value, list) and value and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                 for v in value):
        return [(prefix, [float(v) for v in value])]
    if isinstance(value, dict) and depth < 3:
        out: list[tuple[str, Any]] = []
        for key, sub in value.items():
            out.extend(_flatten(sub, f"{prefix}.{id_slug(str(key))}", depth + 1))
        return out
    return []


def id_slug(text: str) -> str:
    """A name as it appears inside an evidence id (privacy masks names there too)."""
    return re.sub(r"[^0-9A-Za-z<>_\-]+", "_", text).strip("_") or "x"


def slugs_of(names: Sequence[str]) -> list[str]:
    """The names of a list's items as they appear in evidence ids, in order: a name a CRM export
    repeats (two deals both called "Acme - Platform") gets "-2", "-3" on its later items, so each
    deal keeps its own amount instead of the first one's."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        slug = id_slug(name)
        seen[slug] = seen.get(slug, 0) + 1
        out.append(slug if seen[slug] == 1 else f"{slug}-{seen[slug]}")
    return out


def tool_evidence(tool: str, result: BaseModel | dict, file: str | None) -> list[Evidence]:
    """Every number a tool computed, addressable as `<tool>.<field path>`.

    Lists of records (deals, accounts, cohorts) are indexed by their natural name when they
    have one, so `churn_analyzer.segments.enterprise.nrr` reads like what it is. The unit of each
    number comes from the result model's field type (Amount, Share, Ratio, Count, Months, Days in
    csuite.tools.base); only an untyped field, or a plain dict payload, falls back to its name.
    A result in another currency than dollars says so in every money label.
    """
    model = type(result) if isinstance(result, BaseModel) else None
    data = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
    currency = data.get("currency") if isinstance(data, dict) else None
    where = f"{tool}" + (f" on {file}" if file else "")
    items: list[Evidence] = []
    for path, value, typed in _walk(data, tool, depth=0, annotation=model):
        unit = typed or guess_unit(path, _first(value))
        label = path.split(".", 1)[1].replace("_", " ").replace(".", " — ")
        if unit == "usd" and isinstance(currency, str) and currency not in ("USD", ""):
            label += f" ({currency})"
        items.append(Evidence(id=path, label=label, value=value, unit=unit,
                              source=f"{where}, field {path.split('.', 1)[1]}",
                              kind="framework" if _is_rule(path) else "founder_data"))
    return items


def tool_statements(tool: str, result: ToolResult, file: str | None) -> list[Evidence]:
    """What a tool said about the founder's file in its own words — each flag's message and each
    warning — so a risk that quotes it ("3 deals worth $162,000 are past due") is traced to the
    code that computed it, not taken for an unsupported claim."""
    where = f"{tool}" + (f" on {file}" if file else "")
    texts = [f.message for f in result.flags] + list(result.warnings)
    return [Evidence(id=f"{tool}.said.{i}", label=text, value=None, unit="text", source=f"{where}: its own words",
                     kind="founder_data") for i, text in enumerate(texts)]


_RULE_KEYS = ("threshold", "rule_of_thumb", "benchmark", "healthy_at", "concerning_at", "target_coverage")


def _is_rule(path: str) -> bool:
    """Thresholds a tool copies into its result are our framework, not the founder's data."""
    last = path.rsplit(".", 1)[-1]
    return last in _RULE_KEYS or last.endswith("_threshold") or path.endswith("coverage.target")


_UNITS = set(get_args(Unit))
_NAME_KEYS = ("id", "name", "label", "tier", "segment", "period", "cohort", "owner", "stage", "role")
_MAX_LIST = 50


def _walk(value: Any, prefix: str, depth: int, annotation: Any = None) -> Iterable[tuple[str, Any, Unit | None]]:
    """(path, number or number list, unit from the model's types or None) for every number."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        yield prefix, value, unit_of(annotation)
        return
    if depth >= 4:
        return
    container = core_type(annotation)
    origin = get_origin(container)
    if isinstance(value, dict):
        # A record that names its own unit ({"value": 1.2, "unit": "ratio"}) is read by it.
        own_unit = value.get("unit") if value.get("unit") in _UNITS else None
        model = container if isinstance(container, type) and issubclass(container, BaseModel) else None
        for key, sub in value.items():
            if key in ("value", "threshold") and own_unit is not None and isinstance(sub, (int, float)) \
                    and not isinstance(sub, bool):
                yield f"{prefix}.{key}", sub, own_unit
                continue
            sub_annotation: Any = None
            if origin is dict:
                sub_annotation = get_args(container)[1]
            elif model is not None and key in model.model_fields:
                field = model.model_fields[key]
                sub_annotation = Annotated[field.annotation, *field.metadata] if field.metadata \
                    else field.annotation
            yield from _walk(sub, f"{prefix}.{id_slug(str(key))}", depth + 1, sub_annotation)
    elif isinstance(value, list):
        element = get_args(container)[0] if origin in (list, tuple) and get_args(container) else None
        if value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            yield prefix, [float(v) for v in value], unit_of(annotation)
            return
        if value and all(isinstance(v, dict) for v in value):
            yield f"{prefix}.listed", len(value), "count"  # how many the tool listed (lists may be capped)
        items = value[:_MAX_LIST]
        names = [_item_name(item) for item in items]
        slugs = iter(slugs_of([n for n in names if n is not None]))
        for index, (item, name) in enumerate(zip(items, names)):
            yield from _walk(item, f"{prefix}.{str(index) if name is None else next(slugs)}", depth + 1, element)


def _item_name(item: Any) -> str | None:
    """A record's natural name (its id, name, segment, owner…), None for an unnamed one."""
    if isinstance(item, dict):
        for key in _NAME_KEYS:
            if isinstance(item.get(key), (str, int)) and str(item.get(key)).strip():
                return str(item[key])
    return None




def derived(evidence_id: str, label: str, value: float, unit: Unit, inputs: list[Evidence],
            formula: str) -> Evidence:
    """A number computed here from other evidence: founder data only if every input is."""
    kind = "founder_data" if inputs and all(e.kind == "founder_data" for e in inputs) else (
        "benchmark" if any(e.kind == "benchmark" for e in inputs) else "framework")
    return Evidence(id=evidence_id, label=label, value=value, unit=unit,
                    source=f"computed: {formula} from {', '.join(e.id for e in inputs)}", kind=kind)


def assumption(evidence_id: str, label: str, value: float | str | None, unit: Unit, why: str) -> Evidence:
    return Evidence(id=evidence_id, label=label, value=value, unit=unit, source=f"assumption: {why}",
                    kind="assumption")


def index(evidence: Iterable[Evidence]) -> dict[str, Evidence]:
    out: dict[str, Evidence] = {}
    for item in evidence:
        out.setdefault(item.id, item)
    return out
