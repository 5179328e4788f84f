"""One value per metric: the most recent statement wins, every disagreement is reported, and the
ratios a founder did not state are derived from the amounts they did.

Recency: a statement's date is the end of the period it names (a table column, "as of end of
September", a dated heading); an undated statement is as of the file's Last updated (else the
as-of date). Between equally dated statements a labelled one ("ARR: $3.94M", a table row) wins
over a figure found in running text ("... cut seats, from $264K ARR down to $144K"), which may be
a customer's; then the later line wins, so the value used is the one a reader of the file sees last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from csuite.context.extract import Statement
from csuite.context.notes import Note
from csuite.context.periods import When, quarter
from csuite.context.vocabulary import vocabulary
from csuite.io.numbers import format_value


@dataclass
class Derived:
    metric: str
    value: float
    formula: str
    inputs: list[str]


@dataclass
class Resolution:
    chosen: dict[str, Statement] = field(default_factory=dict)
    derived: dict[str, Derived] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    superseded_lines: set[int] = field(default_factory=set)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)), abs(float(b)))
    return a == b


def _when_date(statement: Statement, undated: date) -> date:
    when = statement.when
    return when.end if when is not None and when.end is not None else undated


def _show(metric: str, value: Any) -> str:
    spec = vocabulary().metrics[metric]
    if isinstance(value, date):
        return value.isoformat()
    return format_value(value, spec.unit)


def resolve(statements: list[Statement], *, undated: date) -> Resolution:
    result = Resolution()
    by_metric: dict[str, list[Statement]] = {}
    for statement in statements:
        by_metric.setdefault(statement.metric, []).append(statement)
    for metric, group in by_metric.items():
        ranked = sorted(group, key=lambda s: (_when_date(s, undated), not s.in_text, s.line))
        kept = ranked[-1]
        if not isinstance(kept.value, list):
            # a series that ends on the kept value says the same and carries the trend
            richer = [s for s in ranked if isinstance(s.value, list) and s.value and _same(s.value[-1], kept.value)]
            if richer:
                kept = richer[-1]
        result.chosen[metric] = kept
        for other in ranked:
            if other is kept or _same(other.value, kept.value) or \
                    (isinstance(other.value, list) and other.value and _same(other.value[-1], kept.value)):
                continue
            if other.line == kept.line:
                continue
            more_recent = _when_date(kept, undated) != _when_date(other, undated)
            reason = "more_recent" if more_recent else "labelled" if other.in_text and not kept.in_text \
                else "later_in_file"
            result.superseded_lines.add(other.line)
            first, second = sorted((kept, other), key=lambda s: s.line)
            result.notes.append(Note(code="duplicate", line=other.line, params={
                "metric": vocabulary().metrics[metric].name.model_dump(),
                "first_line": first.line, "first": _show(metric, first.value), "first_when": _when_text(first.when),
                "second_line": second.line, "second": _show(metric, second.value),
                "second_when": _when_text(second.when), "kept_line": kept.line,
                "reason": vocabulary().messages[reason].model_dump(),
            }))
    _check_ramping(result)
    _derive(result)
    return result


def _when_text(when: When | None) -> Any:
    return when.label if when is not None and when.start is not None else vocabulary().messages["undated"].model_dump()


def _check_ramping(result: Resolution) -> None:
    ramping, aes = result.chosen.get("ramping_aes"), result.chosen.get("ae_count")
    if ramping is not None and aes is not None and ramping.value > aes.value:
        result.notes.append(Note(code="ramping_above_aes", line=ramping.line,
                                 params={"ramping": ramping.value, "aes": aes.value}))
        del result.chosen["ramping_aes"]


def _previous_quarter(when: When) -> When | None:
    if when.granularity != "quarter" or when.start is None:
        return None
    number = (when.start.month - 1) // 3 + 1
    return quarter(when.start.year - 1, 4) if number == 1 else quarter(when.start.year, number - 1)


def _explicit_quarter(statement: Statement) -> When | None:
    when = statement.when
    return when if when is not None and when.granularity == "quarter" and when.offset is None else None


def _derive(result: Resolution) -> None:
    """magic number = net new ARR ÷ the previous quarter's S&M spend; burn multiple = net burn
    over the quarter ÷ net new ARR (both only when the founder did not state them)."""
    chosen = result.chosen
    net_new, spend = chosen.get("net_new_arr_quarter"), chosen.get("sm_spend_quarter")
    if "magic_number" not in chosen and net_new is not None and spend is not None:
        spend_value = spend.value
        nn_quarter, sm_quarter = _explicit_quarter(net_new), _explicit_quarter(spend)
        usable = True
        if nn_quarter is not None and sm_quarter is not None:
            wanted = _previous_quarter(nn_quarter)
            if sm_quarter != wanted:
                prior = _series_point(spend, wanted)
                if prior is None:
                    usable = False
                    result.notes.append(Note(code="derived_quarters", line=spend.line, params={
                        "sm_line": spend.line, "sm_period": sm_quarter.label, "nn_period": nn_quarter.label}))
                else:
                    spend_value = prior
        if usable and spend_value > 0:
            result.derived["magic_number"] = Derived(
                "magic_number", net_new.value / spend_value,
                "net_new_arr_quarter ÷ sm_spend_quarter", ["net_new_arr_quarter", "sm_spend_quarter"])
    burn = chosen.get("burn_monthly")
    if "burn_multiple" not in chosen and burn is not None and net_new is not None and net_new.value > 0:
        result.derived["burn_multiple"] = Derived(
            "burn_multiple", burn.value * 3 / net_new.value,
            "burn_monthly × 3 ÷ net_new_arr_quarter", ["burn_monthly", "net_new_arr_quarter"])


def _series_point(statement: Statement, wanted: When | None) -> float | None:
    if wanted is None or not statement.series or not statement.series_periods:
        return None
    for label, value in zip(statement.series_periods, statement.series):
        if label == wanted.label:
            return value
    return None
