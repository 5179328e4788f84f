"""Small pieces every decision analysis uses: the question's target and period, numbers derived
from evidence, verdict bands from the YAML, and the lookups that fall back from a tool run on the
founder's file to the figure their context states."""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Any, Callable, Iterable

from csuite.analysis.models import Brief, Point, Situation
from csuite.answer import Evidence, Understood, Unit
from csuite.context.parse import CompanyContext, metric_unit
from csuite.evidence.collect import derived, id_slug
from csuite.io.values import parse_period, period_of
from csuite.knowledge.bilingual import Lang
from csuite.knowledge.phrases import phrase
from csuite.knowledge.thresholds import alert_threshold, section


def verdict_config(decision: str) -> dict[str, Any]:
    """The decision's lines in thresholds.yaml `verdicts:` (bands, limits)."""
    return dict(section("verdicts").get(decision) or {})


def band(value: float, bands: dict[str, float], below: str) -> str:
    """The first band whose floor `value` reaches, highest floor first; `below` under them all."""
    for key, floor in sorted(bands.items(), key=lambda item: -float(item[1])):
        if value >= float(floor) - 1e-12:
            return key
    return below


def metric(ctx: CompanyContext, key: str) -> Any:
    """A context metric by key, None when the file does not state it (or the key is unknown)."""
    if not ctx.found:
        return None
    value = getattr(ctx.metrics, key, None)
    return value


def latest(value: Any) -> float | None:
    """A metric written as a series (oldest first) reads as its newest point."""
    if isinstance(value, (list, tuple)):
        numbers = [v for v in value if isinstance(v, (int, float))]
        return float(numbers[-1]) if numbers else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def context_id(ctx: CompanyContext, key: str) -> str | None:
    """The evidence id of a context metric, when the file states it."""
    return f"ctx.{key}" if metric(ctx, key) is not None else None


def question_period(understood: Understood, as_of: date) -> str:
    """The quarter the question is about: the one it names, else the quarter of the as-of date."""
    if understood.period:
        return parse_period(understood.period).label
    return period_of(as_of, "quarter").label


def question_target(understood: Understood, ctx: CompanyContext) -> tuple[float | None, str | None]:
    """(target in dollars, evidence id): the amount the question names as the goal, else the
    quarter's target the context states."""
    if understood.target is not None:
        return understood.target, "question.target"
    stated = latest(metric(ctx, "quarter_target"))
    if stated is not None:
        return stated, "ctx.quarter_target"
    return None, None


class Deriver:
    """Numbers the analysis computes from evidence: kept as evidence so they can be cited, with
    the formula in their source line. Founder data in, founder data out (🟢); anything else in
    makes the result medium (🟡)."""

    def __init__(self, situation: Situation, prefix: str) -> None:
        self.situation = situation
        self.prefix = prefix
        self.items: list[Evidence] = []

    def add(self, name: str, label: str, value: float, unit: Unit, inputs: Iterable[str], formula: str,
            *, inference: bool = False) -> str:
        used = [self.situation.pool[i] for i in inputs if i in self.situation.pool]
        item = derived(f"{self.prefix}.{name}", label, value, unit, used, formula)
        if inference:
            item = item.model_copy(update={"kind": "inference"})
        self.items.append(item)
        self.situation.pool[item.id] = item
        return item.id


def make_brief(situation: Situation, verdict: str, *, headline: dict[str, Any] | None = None,
               recommendation: dict[str, Any] | None = None, option: int | None = None,
               points: list[Point] | None = None, deriver: Deriver | None = None,
               must_state: Iterable[str] = (), missing: Iterable[str] = ()) -> Brief:
    """A Brief whose headline and recommendation phrases follow the decision's naming:
    `verdicts.<decision>.<verdict>` and `recommend.<decision>.<verdict>`."""
    decision = situation.entry.id
    head = Point(phrase=f"verdicts.{decision}.{verdict}", **(headline or {}))
    rec = Point(phrase=f"recommend.{decision}.{verdict}", **(recommendation or {}))
    # Only figures the verdict sentence itself states (outside optional clauses) are owed by any
    # draft's bottom line: the odds and the target, never a side figure.
    required = required_placeholders(phrase(head.phrase, "en"))
    owed = [m for m in must_state if m and any(head.figures.get(p) == m for p in required)]
    # A line the analysis judged by (`alert_line`) travels with the brief: its alert may not have
    # fired, and then only the brief holds it.
    cited = {i for p in [head, rec, *(points or [])] for i in p.figures.values()}
    lines = [situation.pool[i] for i in sorted(cited) if i.startswith("threshold.") and i in situation.pool]
    return Brief(decision=decision, verdict=verdict, headline=head, recommendation=rec, option=option,
                 points=points or [], derived=[*(deriver.items if deriver else []), *lines],
                 must_state=owed, missing=list(missing),
                 high_stakes=getattr(situation.entry, "stakes", "normal") == "high")


def required_placeholders(template: str) -> set[str]:
    """Placeholders a phrase always prints (those inside an optional [[clause]] may drop out)."""
    return set(re.findall(r"\{([a-z_0-9]+)\}", re.sub(r"\[\[.*?\]\]", "", template, flags=re.S)))


def first_present(situation: Situation, candidates: Iterable[str]) -> str | None:
    """The first evidence id that the pool holds with a value."""
    return next((c for c in candidates if c and situation.has(c)), None)


def point(phrase: str, against: bool = False, **figures: str | None) -> Point | None:
    """A Point, or None when any figure it needs is missing (a sentence never prints a blank)."""
    if any(v is None for v in figures.values()):
        return None
    return Point(phrase=phrase, figures={k: v for k, v in figures.items() if v}, against=against)


def keep(points: Iterable[Point | None]) -> list[Point]:
    return [p for p in points if p is not None]


Analyse = Callable[[Situation], Brief]


def alert_line(situation: Situation, alert_id: str, metric: str) -> str | None:
    """The evidence id of an alert's line (our framework, 🟡), added to the pool when the alert
    did not fire (a line still judges a figure that is on the right side of it)."""
    value = alert_threshold(alert_id, metric)
    if value is None:
        return None
    evidence_id = f"threshold.{alert_id}"
    if evidence_id not in situation.pool:
        situation.pool[evidence_id] = Evidence(id=evidence_id, label=f"{alert_id.replace('_', ' ')} line",
                                               value=value, unit=metric_unit(metric),
                                               source=f"thresholds.yaml alerts.{alert_id}", kind="framework")
    return evidence_id


def figure(situation: Situation, *candidates: str | None) -> tuple[str | None, float | None]:
    """(evidence id, newest value) of the first candidate the pool holds: a tool run on the
    founder's file first, their context second."""
    evidence_id = first_present(situation, [c for c in candidates if c])
    if evidence_id is None:
        return None, None
    return evidence_id, latest(situation.value(evidence_id))


def newest(situation: Situation, deriver: Deriver, evidence_id: str | None, name: str, label: str) -> str | None:
    """A series' newest point as its own evidence (so "25%" cites the point, not the series)."""
    if evidence_id is None:
        return None
    value = situation.value(evidence_id)
    if not isinstance(value, list):
        return evidence_id
    point_value = latest(value)
    if point_value is None:
        return None
    unit = situation.pool[evidence_id].unit
    return deriver.add(name, label, point_value, unit, [evidence_id], "newest point of the series")


def months_since(day: date, as_of: date) -> int:
    return (as_of.year - day.year) * 12 + as_of.month - day.month


class Gate:
    """A line the decision must clear: a figure on the wrong side of it becomes contrary evidence."""

    def __init__(self, situation: Situation) -> None:
        self.situation = situation
        self.failed: list[Point] = []
        self.passed: list[Point] = []

    def below(self, phrase: str, figure_id: str | None, line_id: str | None) -> bool:
        """True when the figure sits under the line (a failure: magic number under 0.5)."""
        return self._check(phrase, figure_id, line_id, lambda value, line: value < line)

    def above(self, phrase: str, figure_id: str | None, line_id: str | None) -> bool:
        """True when the figure sits over the line (a failure: burn multiple over 2)."""
        return self._check(phrase, figure_id, line_id, lambda value, line: value > line)

    def _check(self, phrase: str, figure_id: str | None, line_id: str | None, fails: Callable) -> bool:
        if figure_id is None or line_id is None:
            return False
        value, line = latest(self.situation.value(figure_id)), latest(self.situation.value(line_id))
        if value is None or line is None:
            return False
        bad = bool(fails(value, line))
        target = self.failed if bad else self.passed
        target.append(Point(phrase=f"{phrase}.{'fail' if bad else 'pass'}", figures={"value": figure_id,
                                                                                     "line": line_id}, against=bad))
        return bad

    def figures(self, passed: bool = False) -> dict[str, str]:
        """The failed (or passed) gates' figures by gate name: `points.gate.magic_number.fail` →
        magic_number, magic_number_line."""
        out: dict[str, str] = {}
        for point in (self.passed if passed else self.failed):
            name = point.phrase.split(".")[2]
            out[name] = point.figures["value"]
            out[f"{name}_line"] = point.figures["line"]
        return out


def win_rate_ends(situation: Situation, deriver: Deriver) -> tuple[str | None, str | None]:
    """The oldest and newest win rate of a falling series, as evidence; (None, None) if not falling."""
    series = metric(situation.ctx, "win_rate")
    if not isinstance(series, list) or len(series) < 2 or not series[-1] < series[0]:
        return None, None
    first = deriver.add("win_rate_first", "win rate, oldest period", series[0], "fraction", ["ctx.win_rate"],
                        "oldest point of the win-rate series")
    last = deriver.add("win_rate_last", "win rate, latest period", series[-1], "fraction", ["ctx.win_rate"],
                       "newest point of the win-rate series")
    return first, last


def date_label(day: date, lang: Lang) -> str:
    """A context date as the founder wrote it: "January 2025" is read as the 1st, and printing
    2025-01-01 would state a day nobody gave; a full date stays a full date."""
    if day.day == 1:
        return f"{day.year}年{day.month}月" if lang == "zh" else f"{calendar.month_name[day.month]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else day.isoformat()


def segment_figures(situation: Situation) -> tuple[str | None, dict[str, str]]:
    """The named segment's own retention figures from the churn tool's segment split."""
    run = situation.run("churn_analyzer")
    if run is None:
        return None, {}
    segments = getattr(run.result, "segments", None) or []
    wanted = [s.lower() for s in situation.understood.segments]
    for row in segments:
        name = getattr(row, "segment", None)
        if name and name.lower() in wanted:
            base = f"churn_analyzer.segments.{id_slug(name)}"
            figures = {k: f"{base}.{field}" for k, field in (("seg_nrr", "nrr"), ("seg_grr", "grr"),
                                                             ("seg_logo", "logo_retention"), ("seg_arr", "start_arr"))
                       if situation.has(f"{base}.{field}")}
            return name, figures
    return None, {}
