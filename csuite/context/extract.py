"""Statements: every value the file states for a metric, with the line and period it came from.

Three shapes are read:

- labelled lines (`- **ARR:** $4.2M`, `Burn: ~$400k/month, runway about 15 months`): the label
  names the metric of the first clause; later clauses name their own ("runway …") or fill what
  the label's family still lacks ("Largest customer: Acme, 19% of ARR, renews Feb 2027");
- tables: metric rows × period columns or period rows × metric columns, periods put in order
  by their labels (the newest is the value, the series is the trend); key–value tables read
  like labelled lines;
- sentences: a metric's phrase and one value of its kind in the same clause ("Net revenue
  retention ended the year at 97%, gross at 84%").

Nothing else is read. A sentence that addresses the advisors (prompt injection), asks a
question or states a goal is never a fact. Every line with a number next to a metric-like word
that yields nothing is reported, so no number is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from csuite.context.clauses import (
    blocking_words,
    clause_parts,
    clauses,
    compatible,
    customer_name,
    has_any,
    limits_text,
    out_of_range,
    pair_value,
    strip_words,
    tidy,
)
from csuite.context.document import Document, Labelled, Prose, Table, is_placeholder
from csuite.context.notes import Note
from csuite.context.periods import (
    When,
    find_whens,
    order_periods,
    parse_when,
    resolve_all,
    unit_of_text,
)
from csuite.context.values import (
    Reading,
    Token,
    read_date,
    read_forecast_accuracy,
    read_token,
    scan,
)
from csuite.context.vocabulary import (
    LabelMatch,
    MetricSpec,
    PhraseHit,
    Tokens,
    find_phrases,
    fold,
    is_plan_heading,
    label_role,
    match_label,
    vocabulary,
    word_pattern,
)
from csuite.io.numbers import format_value

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9$\u4e00-\u9fff\"'(])|(?<=[。！？])")
_DENOMINATOR = re.compile(r"(?:\bof|\bper|占|每)\s*$", re.I)
_SCALE_HINT = re.compile(r"[(（]\s*(?:in\s+)?(?:us)?\s*\$?\s*(?P<unit>k|m|mm|thousands?|millions?|万美元|万|百万美元|亿)\s*[)）]", re.I)
_TRAILING_PERIOD = re.compile(r"\b(?:trailing|last|past|rolling|next)\s+(?:\d{1,2}|twelve|three|six)\s*(?:months?|mos?|m)\b"
                              r"|\b[lt]?\d{1,2}m\b|\bttm\b|\bltm\b|过去\s*\d+\s*个月|近\s*\d+\s*个月", re.I)
_PAREN = re.compile(r"\s*[(（][^)）]*[)）]")
_HINT_SCALE = {"k": 1e3, "thousand": 1e3, "thousands": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "millions": 1e6,
               "万美元": 1e4, "万": 1e4, "百万美元": 1e6, "亿": 1e8}
_PER_FACTOR = {"month": 1.0, "quarter": 3.0, "year": 12.0}
_MAX_PHRASES = 6


@dataclass
class Statement:
    """One value the file states for one metric."""

    metric: str
    value: Any
    line: int
    text: str
    label: str
    when: When | None = None
    column: str | None = None
    series: list[float] | None = None
    series_periods: list[str | None] | None = None
    series_lines: list[int] | None = None
    # Found beside its metric's name in running text, not under a label or a table row that
    # names the metric: "their ARR fell to $144K" may be a customer's, "ARR: $3.94M" is the company's.
    in_text: bool = False


@dataclass
class Extraction:
    statements: list[Statement] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


@dataclass
class _Hints:
    """What a label says about its values: the period they cover, a flow's period, a scale."""

    when: When | None = None
    per: str | None = None
    scale: float | None = None
    words: tuple[str, ...] = ()
    whens: tuple[Any, ...] = ()  # where the label's periods are written, to read the label without them


@dataclass
class _Line:
    line: int
    raw: str
    section_when: When | None
    used: bool = False


def specs() -> dict[str, MetricSpec]:
    return vocabulary().metrics


class Reader:
    """Reads one parsed document; `reference` dates periods written without a year."""

    def __init__(self, document: Document, reference: date) -> None:
        self.document = document
        self.reference = reference
        self.out = Extraction()
        self.plan_sections, self.section_whens = self._sections()

    # ------------------------------------------------------------------ entry

    def run(self) -> Extraction:
        for item in self.document.items:
            if isinstance(item, Table):
                self._table(item)
            elif isinstance(item, Labelled):
                self._labelled_item(item)
            else:
                self._prose_item(item)
        return self.out

    def _sections(self) -> tuple[list[bool], list[When | None]]:
        plans: list[bool] = []
        whens: list[When | None] = []
        stack: list[tuple[int, bool, When | None]] = []
        for section in self.document.sections:
            while stack and stack[-1][0] >= section.level and section.level > 0:
                stack.pop()
            parent_plan = stack[-1][1] if stack else False
            parent_when = stack[-1][2] if stack else None
            plan = parent_plan or (bool(section.title) and is_plan_heading(section.title))
            hits = find_whens(section.title, self.reference) if section.title else []
            when = hits[0].when.resolve(self.reference) if hits else parent_when
            plans.append(plan)
            whens.append(when)
            if section.level > 0:
                stack.append((section.level, plan, when))
        return plans, whens

    def note(self, code: str, line: int | None, **params: Any) -> None:
        self.out.notes.append(Note(code=code, line=line, params=params))

    def add(self, statement: Statement, where: _Line) -> None:
        self.out.statements.append(statement)
        where.used = True

    # ------------------------------------------------------------------ labelled lines

    def _labelled_item(self, item: Labelled) -> None:
        where = _Line(item.line, item.raw, self.section_whens[item.section])
        role = label_role(item.label)
        if role == "directive":
            self.note("directive", item.line)
            return
        if role in ("identity", "plan", "meta") or self.plan_sections[item.section]:
            return
        if self._directive(item.value, strong_only=True):
            self.note("directive", item.line)
            return
        self._labelled(where, item.label, item.value)
        self._unused(where, item.label + " " + item.value, label=item.label)

    def _labelled(self, where: _Line, label: str, value: str) -> None:
        """A labelled line: the label names the first clause's metric (or a family of them)."""
        label_hints = self._label_hints(label)
        matches = self._match(label, label_hints)
        if not matches:
            self._sentences(where, value, hints=label_hints)
            return
        if matches[0].metric == "forecast_accuracy":
            forecast = read_forecast_accuracy(value)
            if forecast is not None:
                self._finish(where, matches[0], Reading(value=forecast[0]), label, label_hints, value)
                return
        found = scan(value, self.reference)
        self._apply_scale(found.tokens, label_hints)
        assigned: set[str] = set()
        previous: str | None = None
        for index, (start, end) in enumerate(clauses(value, found)):
            clause, tokens, whens, bad = clause_parts(value, found, start, end)
            hits = self._hits(clause)
            if index == 0 or not hits:
                candidates = [m for m in matches if m.metric not in assigned]
                if index > 0:
                    candidates = [m for m in candidates if specs()[m.metric].kind in ("name", "date", "percent")]
                outcome = self._candidates(where, candidates, clause, tokens, whens, bad, label, label_hints,
                                           first=index == 0)
                if outcome:
                    assigned.add(outcome)
                    previous = outcome
                    continue
                if index == 0 and not hits:
                    continue
            if hits:
                previous = self._clause(where, clause, tokens, whens, hits, previous, label_hints) or previous

    def _candidates(self, where: _Line, candidates: list[LabelMatch], clause: str, tokens: list[Token],
                    whens: list[When], bad: list[tuple[int, int, str]], label: str, hints: _Hints, *,
                    first: bool) -> str | None:
        """Read the clause as the first candidate metric it can be; report why when none can."""
        refusal: tuple[str, dict[str, Any]] | None = None
        for match in candidates:
            spec = specs()[match.metric]
            if spec.cue is not None and not has_any(clause, spec.cue.all()):
                continue
            if spec.kind == "name":
                name = customer_name(clause)
                if name:
                    self.add(Statement(match.metric, name, where.line, where.raw.strip(), label), where)
                    return match.metric
                continue
            if spec.kind == "date":
                if bad:
                    refusal = refusal or (bad[0][2], {})
                    break
                when, reason = read_date(strip_words(clause, spec.cue.all() if spec.cue else []), self.reference)
                if when is not None:
                    self.add(Statement(match.metric, when.start, where.line, where.raw.strip(), label), where)
                    return match.metric
                refusal = refusal or (reason or "unreadable", {})
                continue
            relevant = [t for t in tokens if compatible(t, spec)]
            if not relevant:
                refusal = refusal or ("unreadable", {})
                continue
            if self._blocked(clause, match.metric, ""):
                refusal = ("goal", {})
                break
            reading = read_token(relevant[0], spec)
            if reading.refused:
                refusal = (reading.refused, reading.params)
                break
            clause_when = whens[0] if whens else None
            if self._finish(where, match, reading, label, hints, clause, clause_when=clause_when):
                return match.metric
            return None
        if refusal and (first or refusal[0] != "unreadable"):
            code, params = refusal
            self.note(code, where.line, label=label, what=vocabulary().kinds[specs()[candidates[0].metric].kind].model_dump()
                      if candidates else "", **params)
            where.used = True
        return None

    # ------------------------------------------------------------------ values → statements

    def _finish(self, where: _Line, match: LabelMatch, reading: Reading, label: str, hints: _Hints, clause: str, *,
                clause_when: When | None = None, in_text: bool = False) -> bool:
        """Normalise a reading and record it; False (with the reason noted) when refused."""
        statements = self._normalise(where, match, reading, label, hints, clause, clause_when=clause_when)
        for statement in statements:
            statement.in_text = in_text
            self.add(statement, where)
        return bool(statements)

    def _normalise(self, where: _Line, match: LabelMatch, reading: Reading, label: str, hints: _Hints, clause: str,
                   *, column: str | None = None, clause_when: When | None = None,
                   table_when: When | None = None) -> list[Statement]:
        """A reading made a statement: the label's scale, a flow's period (burn per quarter → per
        month), the metric's physical range. A refusal is noted and gives no statement."""
        spec = specs()[match.metric]
        value = reading.value
        series = reading.series
        if match.factor != 1.0:
            value = value * match.factor if isinstance(value, (int, float)) else value
            series = [v * match.factor for v in series] if series else series
        if spec.per:
            stated = (reading.token.per if reading.token else None) or hints.per or unit_of_text(clause) \
                or (clause_when.per if clause_when else None) or (hints.when.per if hints.when else None)
            if stated is None and table_when is not None and spec.require:
                stated = table_when.per
            if stated is None and table_when is not None and table_when.per not in (None, spec.per) and spec.convert:
                self.note("period_missing", where.line, label=label, per=vocabulary().periods[spec.per].model_dump())
                where.used = True
                return []
            if stated is None:
                if spec.require:
                    self.note("period_missing", where.line, label=label, per=vocabulary().periods[spec.per].model_dump())
                    where.used = True
                    return []
                stated = spec.per
            if stated != spec.per:
                if not spec.convert:
                    self.note("period_mismatch", where.line, label=label, metric=spec.name.model_dump(),
                              stated=vocabulary().periods[stated].model_dump(),
                              per=vocabulary().periods[spec.per].model_dump())
                    where.used = True
                    return []
                factor = _PER_FACTOR[spec.per] / _PER_FACTOR[stated]
                value = value * factor
                series = [v * factor for v in series] if series else series
        impossible = out_of_range(spec, value if not isinstance(value, list) else None, series)
        if impossible is not None:
            self.note("out_of_range", where.line, label=label, metric=spec.name.model_dump(),
                      value=format_value(impossible, spec.unit), limits=limits_text(spec))
            where.used = True
            return []
        when = table_when or clause_when or hints.when or where.section_when
        when = when.resolve(self.reference) if when is not None else None
        text = where.raw.strip()
        if spec.kind not in ("value_or_series", "series") and isinstance(value, list):
            value = value[-1]
        value, series = tidy(value), [tidy(v) for v in series] if series else series
        statements = [Statement(match.metric, value, where.line, text, label, when=when, column=column,
                                series=series if series and len(series) >= 2 else None)]
        if spec.trend and series and len(series) >= 2:
            statements.append(Statement(spec.trend, list(series), where.line, text, label, when=when, column=column,
                                        series=list(series)))
        return statements

    # ------------------------------------------------------------------ sentences

    def _prose_item(self, item: Prose) -> None:
        where = _Line(item.line, item.raw, self.section_whens[item.section])
        if self.plan_sections[item.section]:
            return
        self._sentences(where, item.text, hints=_Hints())
        self._unused(where, item.text)

    def _sentences(self, where: _Line, text: str, *, hints: _Hints) -> None:
        for sentence in _SENTENCE_BREAK.split(text):
            sentence = sentence.strip()
            if not sentence:
                continue
            if sentence.endswith(("?", "？")):
                where.used = True  # a question is not a statement of fact, and nothing in it is lost
                continue
            if self._directive(sentence):
                self.note("directive", where.line)
                where.used = True
                continue
            found = scan(sentence, self.reference)
            previous: str | None = None
            for start, end in clauses(sentence, found):
                clause, tokens, whens, _ = clause_parts(sentence, found, start, end)
                hits = self._hits(clause)
                if not hits and previous:
                    hits = self._ellipsis(clause, previous)
                if hits:
                    previous = self._clause(where, clause, tokens, whens, hits, previous, hints) or previous

    def _clause(self, where: _Line, clause: str, tokens: list[Token], whens: list[When], hits: list[Any],
                previous: str | None, hints: _Hints) -> str | None:
        """Pair each phrase in a clause with the one value of its metric's kind beside it. A
        clause naming more than a handful of metrics is a list, not a sentence: only its first
        few phrases are read (and the work per clause stays linear)."""
        subject = None
        hits = hits[:_MAX_PHRASES]
        for position, hit in enumerate(hits):
            after_end = hits[position + 1].start if position + 1 < len(hits) else len(clause)
            before_start = hits[position - 1].end if position > 0 else 0
            for metric, factor in hit.metrics:
                spec = specs()[metric]
                if spec.kind == "name":
                    continue  # a customer's name is read from its label only, never guessed from prose
                if spec.cue is not None and not has_any(clause, spec.cue.all()):
                    continue
                if spec.kind == "date":
                    when, _ = read_date(clause, self.reference)
                    if when is not None and when.start is not None:
                        self.add(Statement(metric, when.start, where.line, where.raw.strip(), hit.text,
                                           in_text=True), where)
                        subject = metric
                        break
                    continue
                after = [t for t in tokens if hit.end <= t.start < after_end and compatible(t, spec)]
                before = [t for t in tokens if before_start <= t.end <= hit.start and compatible(t, spec)]
                token = pair_value(spec, clause, hit, before, after)
                if token is None:
                    if len(after) > 1:
                        self.note("ambiguous", where.line, label=hit.text)
                        where.used = True
                    continue
                if self._blocked(clause, metric, hit.text):
                    self.note("goal", where.line, label=hit.text)
                    where.used = True
                    subject = metric
                    break
                reading = read_token(token, spec)
                if reading.refused:
                    self.note(reading.refused, where.line, label=hit.text,
                              what=vocabulary().kinds[spec.kind].model_dump(), **reading.params)
                    where.used = True
                    subject = metric
                    break
                if self._finish(where, LabelMatch(metric, 0, factor), reading, hit.text, hints, clause,
                                clause_when=whens[0] if whens else None, in_text=True):
                    subject = metric
                    break
                subject = metric
                break
        return subject

    def _hits(self, clause: str) -> list[Any]:
        return [h for h in find_phrases(clause) if not _DENOMINATOR.search(clause[:h.start])]

    def _ellipsis(self, clause: str, previous: str) -> list[Any]:
        """'…, gross at 84%' after a net revenue retention figure names gross revenue retention."""
        lowered = fold(clause).strip()
        offset = len(clause) - len(clause.lstrip())
        for metric, spec in specs().items():
            words = spec.after.get(previous)
            if not words:
                continue
            for word in words.all():
                if lowered.startswith(word.lower()) and (not word.isascii() or
                                                         not lowered[len(word):len(word) + 1].isalnum()):
                    # the label is the metric's name: "gross" alone would not say what was read
                    return [PhraseHit(offset, offset + len(word), spec.name.en, ((metric, 1.0),))]
        return []

    def _blocked(self, clause: str, metric: str, phrase: str) -> bool:
        """A plan, goal, benchmark or comparison word outside the metric's own phrase."""
        blocked, blocked_cjk = blocking_words(metric)
        outside = Tokens.of(clause.replace(phrase, " ") if phrase else clause)
        if blocked.intersection(outside.words):
            return True
        return bool(outside.cjk) and any(word in outside.cjk for word in blocked_cjk)

    def _directive(self, sentence: str, *, strong_only: bool = False) -> bool:
        """Text that tells the advisors what to do (prompt injection) is never a fact."""
        lowered = fold(sentence)
        if word_pattern("directive_markers").search(lowered):
            return True
        if strong_only:
            return False
        opening = re.sub(r"^[\s\-*>\"'“‘(]+", "", lowered)
        first = re.match(r"[a-z']+|[\u4e00-\u9fff]", opening)
        if not first:
            return False
        verbs = vocabulary().words["directive_verbs"]
        is_command = first.group(0) in {v.lower() for v in verbs.en} or \
            any(opening.startswith(v) for v in verbs.zh)
        return is_command and bool(re.search(r"\d", sentence) or self._metric_like(sentence))

    # ------------------------------------------------------------------ tables

    def _table(self, table: Table) -> None:
        header = table.header
        if header is None:
            self._key_value_table(table, value_column=1)
            return
        columns = [self._column_when(cell) for cell in header[1:]]
        if any(c not in (None, "ignore", "value") for c in columns):
            self._metric_rows(table, columns)
            return
        row_whens = [self._column_when(row[2][0]) if row[2] else None for row in table.rows]
        if sum(1 for w in row_whens if isinstance(w, When)) >= 1 and \
                any(match_label(h) for h in header[1:]):
            self._period_rows(table, row_whens)
            return
        value_column = next((i + 1 for i, c in enumerate(columns) if c == "value"), 1)
        self._key_value_table(table, value_column=value_column)

    def _column_when(self, cell: str) -> When | str | None:
        text = cell.strip()
        if not text:
            return None
        lowered = fold(text)
        if any(lowered == w.lower() for w in vocabulary().words["ignored_columns"].all()) or \
                lowered.startswith(("vs ", "target", "plan", "budget")):
            return "ignore"
        when = parse_when(text, self.reference)
        if when is not None:
            return when
        if any(lowered == w.lower() for w in vocabulary().words["value_columns"].all()):
            return "value"
        return None

    def _key_value_table(self, table: Table, *, value_column: int) -> None:
        for line, raw, cells in table.rows:
            if len(cells) <= value_column:
                continue
            label, value = cells[0], cells[value_column]
            if not label or not value or is_placeholder(value) or \
                    fold(label) in {w.lower() for w in vocabulary().words["label_columns"].all()}:
                continue
            item = Labelled(line, raw.rstrip(), label, value, table.section)
            self._labelled_item(item)

    def _metric_rows(self, table: Table, columns: list[When | str | None]) -> None:
        dated = [(i, c) for i, c in enumerate(columns) if isinstance(c, When)]
        value_columns = [i for i, c in enumerate(columns) if c == "value"]
        whens = [c for _, c in dated] + [When("current", offset=0) for _ in value_columns]
        indices = [i for i, _ in dated] + value_columns
        order = order_periods(whens, self.reference)
        if order is None:
            self.note("table_unordered", table.header_line)
            return
        resolved = resolve_all(whens, self.reference)
        ordered = [(indices[k], resolved[k]) for k in order]
        assert table.header is not None
        for position, column in enumerate(columns):
            if column is None and any(re.search(r"\d", row[2][position + 1]) for row in table.rows
                                      if len(row[2]) > position + 1):
                self.note("unused_column", table.header_line, label=table.header[position + 1])
        for line, raw, cells in table.rows:
            if not cells or not cells[0]:
                continue
            cells_by_column = [(cells[i + 1] if i + 1 < len(cells) else "", when) for i, when in ordered]
            self._series(_Line(line, raw, self.section_whens[table.section]), cells[0],
                         [(cell, when, line, table.header[i + 1]) for (cell, when), (i, _) in zip(cells_by_column, ordered)])

    def _period_rows(self, table: Table, row_whens: list[When | str | None]) -> None:
        assert table.header is not None
        rows = [(row, when) for row, when in zip(table.rows, row_whens) if isinstance(when, When)]
        order = order_periods([w for _, w in rows], self.reference)
        if order is None:
            self.note("table_unordered", table.header_line)
            return
        resolved = resolve_all([w for _, w in rows], self.reference)
        ordered = [(rows[k][0], resolved[k]) for k in order]
        for column, label in enumerate(table.header[1:], start=1):
            points = [(row[2][column] if column < len(row[2]) else "", when, row[0], row[2][0])
                      for row, when in ordered]
            newest_line, newest_raw = ordered[-1][0][0], ordered[-1][0][1]
            self._series(_Line(newest_line, newest_raw, self.section_whens[table.section]), label, points,
                         header_line=table.header_line)

    def _series(self, where: _Line, label: str, points: list[tuple[str, When, int, str]], *,
                header_line: int | None = None) -> None:
        """One metric's values across ordered periods (oldest first): the newest is the value."""
        role = label_role(label)
        if role in ("identity", "plan", "meta", "directive") or \
                fold(label) in {w.lower() for w in vocabulary().words["label_columns"].all()}:
            return
        hints = self._label_hints(label)
        matches = [m for m in self._match(label, hints) if specs()[m.metric].kind not in ("name", "date")]
        present = [(cell, when, line, column) for cell, when, line, column in points
                   if cell and not is_placeholder(cell)]
        if not matches:
            if any(re.search(r"\d", cell) for cell, *_ in present):
                self.note("unused_row", header_line or where.line, label=label)
            return
        match = matches[0]
        spec = specs()[match.metric]
        item_spec = spec
        if spec.kind in ("series", "value_or_series"):
            item_spec = spec.model_copy(update={"kind": "percent" if spec.kind == "value_or_series" else "retention"})
        kept: list[tuple[float, When, int, str]] = []
        for cell, when, line, column in present:
            found = scan(cell, self.reference)
            self._apply_scale(found.tokens, hints)
            relevant = [t for t in found.tokens if compatible(t, item_spec)]
            what = vocabulary().kinds[spec.kind].model_dump()
            if not relevant:
                self.note("unreadable", line, label=f"{label} · {column}", what=what)
                continue
            reading = read_token(relevant[0], item_spec)
            if reading.refused:
                self.note(reading.refused, line, label=f"{label} · {column}", what=what, **reading.params)
                continue
            made = self._normalise(_Line(line, where.raw, where.section_when), match, reading, f"{label} · {column}",
                                   hints, cell, column=column, table_when=when)
            if made:
                kept.append((made[0].value, when, line, column))
        where.used = True
        if not kept:
            return
        values = [value for value, *_ in kept]
        periods: list[str | None] = [when.label for _, when, _, _ in kept]
        lines = [line for *_, line, _ in kept]
        _, newest_when, newest_line, newest_column = kept[-1]
        series = values if len(values) >= 2 else None
        value: Any = values if spec.kind == "value_or_series" and series else values[-1]
        text = where.raw.strip()
        self.out.statements.append(Statement(match.metric, value, newest_line, text, label, when=newest_when,
                                             column=newest_column, series=series, series_periods=periods,
                                             series_lines=lines))
        if spec.trend and series:
            self.out.statements.append(Statement(spec.trend, list(series), newest_line, text, label,
                                                 when=newest_when, column=newest_column, series=list(series),
                                                 series_periods=periods, series_lines=lines))

    # ------------------------------------------------------------------ helpers

    def _label_hints(self, label: str) -> _Hints:
        whens = find_whens(label, self.reference)
        when = whens[0].when if whens else None
        scale = _SCALE_HINT.search(label)
        per = unit_of_text(_PAREN.sub(lambda m: m.group(0) if not _SCALE_HINT.match(m.group(0).strip()) else "", label))
        words: list[str] = []
        if when is not None and when.per:
            words.append(when.per)
        if per:
            words.append(per)
        return _Hints(when=when, per=per, scale=_HINT_SCALE[scale.group("unit").lower()] if scale else None,
                      words=tuple(words), whens=tuple(whens))

    def _match(self, label: str, hints: _Hints) -> list[LabelMatch]:
        """The metrics a label names once its periods ('Q4', '(trailing 12m)') and scale ('($M)')
        are set aside. Words in parentheses count like any other: "NRR (enterprise)" is not the
        company's NRR, "Net revenue retention (NRR)" is."""
        text = label
        for hit in reversed(hints.whens):
            text = text[:hit.start] + " " * (hit.end - hit.start) + text[hit.end:]
        text = _SCALE_HINT.sub(" ", _TRAILING_PERIOD.sub(" ", text))
        return match_label(re.sub(r"[()（）]", " ", text), extra_words=hints.words)

    def _apply_scale(self, tokens: list[Token], hints: _Hints) -> None:
        """'ARR ($M) | 3.1 | 3.6' → $3.1M: a scale written once in the label applies to bare numbers."""
        if hints.scale is None:
            return
        for token in tokens:
            for item in [token, *token.items]:
                if item.kind == "number" and item.measure is None:
                    item.kind, item.number, item.scaled, item.currency = "money", item.number * hints.scale, True, "USD"

    def _metric_like(self, text: str) -> str | None:
        """The first metric-like word in a text, as written."""
        match = word_pattern("metric_like").search(fold(text))
        return text[match.start():match.end()] if match else None

    def _unused(self, where: _Line, text: str, *, label: str | None = None) -> None:
        """A line with a number next to a metric-like word that gave nothing is reported."""
        if where.used:
            return
        found = scan(text, self.reference)
        if not found.tokens and not found.bad_dates:
            return
        word = self._metric_like(text)
        if word is None:
            return
        self.note("unused", where.line, label=label if label and self._metric_like(label) else word)
