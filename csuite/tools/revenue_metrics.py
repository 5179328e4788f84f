"""Unit economics for the board: magic number, CAC payback, burn multiple, Rule of 40, ARR waterfall.

Input: one row per quarter (YAML/JSON `quarters:` list, a bare list, or a CSV) with the columns
in `COLUMN_ALIASES`. Required: `quarter`, `arr` (ending ARR), `sm_spend`. Optional: `arr_start`,
`net_new_arr`, the movements `new`, `expansion`, `contraction`, `churn` (all four or none;
`reactivation` optional), `gross_margin`, `net_burn`, `revenue`, `revenue_growth` (YoY),
`profit_margin`. A YAML/JSON document may also carry `company` and `profit_margin_basis`
(operating, EBITDA, FCF... — Rule of 40 must say which margin it used).

Definitions (each metric in the output repeats its formula and the numbers that went in):
- magic number = net new ARR(q) ÷ S&M(q−1). Net new ARR is already annual: it is never × 4.
  (The × 4 belongs only to the revenue form, ΔQuarterly revenue × 4 ÷ S&M(q−1), shown beside it.)
- CAC payback (months) = 12 × S&M(q−1) ÷ net new ARR(q); gross-margin adjusted: ÷ (net new ARR ×
  GM). Without the 12 the same ratio is in years — the classic mis-statement.
- burn multiple = net burn(q) ÷ net new ARR(q), the same quarter.
- Rule of 40 = revenue growth (YoY) + profit margin, both as fractions (0.40 = 40).

The ARR waterfall reconciles to the cent or the run stops: each quarter starts where the last
ended, and start + new + reactivation + expansion − contraction − churn = end (contraction and
churn may be written as negatives; their size is what counts). Red lines come from thresholds.yaml
`benchmarks`; nothing is hard-coded here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable, Literal

from pydantic import AliasChoices, BaseModel, Field

from csuite.errors import InputError, UsageError
from csuite.io.numbers import usd
from csuite.io.tables import (
    Table,
    canonical_key,
    cell,
    load_document,
    normalise_keys,
    read_table,
    resolve_columns,
    shown_headers,
)
from csuite.io.values import (
    Period,
    parse_money,
    parse_number,
    parse_percent,
    parse_quarter,
)
from csuite.knowledge.bilingual import Lang
from csuite.knowledge.thresholds import section
from csuite.tools.base import (
    Amount,
    Day,
    Flag,
    Months,
    PeriodLabel,
    Ratio,
    Share,
    Source,
    ToolOptions,
    ToolResult,
    ToolSpec,
)
from csuite.tools.registry import summary_of
from csuite.tools.texts import ToolTexts, pad

NAME = "revenue_metrics"

# Row fields: logical name → accepted header spellings (matched by canonical key).
COLUMN_ALIASES: dict[str, list[str]] = {
    "quarter": ["period", "fiscal_quarter", "quarter_label", "qtr"],
    "arr": ["ending_arr", "end_arr", "arr_end", "closing_arr", "arr_at_end"],
    "arr_start": ["starting_arr", "start_arr", "opening_arr", "beginning_arr", "arr_at_start"],
    "net_new_arr": ["nnarr", "net_new", "net_new_arr_in_quarter"],
    "new": ["new_arr", "new_business", "new_business_arr", "new_logo_arr"],
    "reactivation": ["reactivation_arr", "reactivated_arr"],
    "expansion": ["expansion_arr"],
    "contraction": ["contraction_arr"],
    "churn": ["churn_arr", "churned_arr"],
    "sm_spend": ["s_m", "s_m_spend", "sm", "sales_and_marketing", "sales_marketing",
                 "sales_and_marketing_spend", "sales_marketing_spend"],
    "gross_margin": ["gm", "gross_margin_pct"],
    "net_burn": ["burn", "cash_burn"],
    "revenue": ["quarterly_revenue", "recognized_revenue", "recognised_revenue"],
    "revenue_growth": ["growth", "yoy_growth", "revenue_growth_yoy"],
    "profit_margin": ["operating_margin", "fcf_margin", "ebitda_margin", "free_cash_flow_margin"],
}
REQUIRED = ("quarter", "arr", "sm_spend")
MOVEMENTS = ("new", "expansion", "contraction", "churn")
# Top-level keys of a YAML/JSON document (besides being a bare list of quarter rows).
DOCUMENT_KEYS: dict[str, list[str]] = {
    "company": ["company_name"],
    "profit_margin_basis": ["margin_basis", "profit_margin_type"],
    "quarters": ["rows", "records", "data", "items"],
}
_RATE_BARE_MAX = 10.0   # a bare 40 is not "4000%": bare numbers are fractions and must look like one


class MetricsOptions(ToolOptions):
    as_of: Day | None = Field(None, description="report date (YYYY-MM-DD): the reporting quarter is the "
                              "latest one ended by then; older numbers are flagged stale")
    period: PeriodLabel | None = Field(None, validation_alias=AliasChoices("period", "quarter"),
                                       description="reporting quarter, e.g. 2026-Q3 (default: the latest ended by "
                                                   "--as-of, else the latest)")
    segment: Literal["smb", "enterprise"] | None = Field(
        None, description="compare CAC payback with Bessemer's range for this segment")


class QuarterRow(BaseModel):
    quarter: str
    arr_start: Amount | None
    arr: Amount
    net_new_arr: Amount | None
    new: Amount | None = None
    reactivation: Amount | None = None
    expansion: Amount | None = None
    contraction: Amount | None = None
    churn: Amount | None = None
    sm_spend: Amount
    gross_margin: Share | None = None
    net_burn: Amount | None = None
    revenue: Amount | None = None
    revenue_growth: Share | None = None
    profit_margin: Share | None = None


class Metric(BaseModel):
    name: str
    quarter: str
    formula: str
    calculation: str | None = Field(description="the formula with this quarter's numbers")
    inputs: dict[str, float | None]
    value: float | None
    unit: Literal["ratio", "months", "fraction"]
    band: str | None = None
    benchmark: str | None = None
    flag: str | None = Field(None, description="id of the flag raised when a red line is crossed")
    note: str | None = None


class WaterfallRow(BaseModel):
    quarter: str
    start: Amount | None
    new: Amount | None
    reactivation: Amount | None
    expansion: Amount | None
    contraction: Amount | None
    churn: Amount | None
    end: Amount
    net_new: Amount | None


class QuarterMetrics(BaseModel):
    quarter: str
    arr: Amount
    net_new_arr: Amount | None
    magic_number: Ratio | None
    magic_number_revenue: Ratio | None
    cac_payback_months: Months | None = Field(description="12 × S&M(q−1) ÷ (new-logo ARR(q) × gross margin(q))")
    cac_payback_months_net: Months | None = Field(description="12 × S&M(q−1) ÷ (net new ARR(q) × gross margin(q))")
    burn_multiple: Ratio | None
    growth: Share | None
    profit_margin: Share | None
    rule_of_40: Share | None


class MetricsResult(ToolResult):
    company: str | None
    as_of: date | None
    quarter: str = Field(description="the reporting quarter")
    metrics: dict[str, Metric]
    by_quarter: list[QuarterMetrics]
    waterfall: list[WaterfallRow]
    waterfall_total: WaterfallRow
    waterfall_markdown: str
    notes: list[str]


# ----------------------------------------------------------------------------- reading

def _rate(value: Any) -> float:
    """Growth or margin: '40%', '-118%', 0.4, -1.18. A bare number is a fraction; a bare 40 is
    refused rather than read as 4,000% or silently as 40%."""
    if isinstance(value, str) and value.strip().endswith(("%", "％")):
        return parse_percent(value, allow_negative=True, fraction_max=0.0)
    number = parse_number(value)
    if abs(number) > _RATE_BARE_MAX:
        raise InputError(f"'{value}' is ambiguous; write {number:g}% or {number / 100:g}")
    return number


def _gross_margin(value: Any) -> float:
    gm = parse_percent(value)
    if gm > 1:
        raise InputError(f"gross margin {gm:.0%} is above 100%")
    return gm


_LIST_KEYS = ("quarters", *DOCUMENT_KEYS["quarters"])


def load_table(source: Source) -> tuple[Table, dict[str, Any]]:
    """Quarter rows plus document-level fields (company, margin basis).

    A .yaml/.yml/.json file is a document (duplicate keys refused by load_document; top-level
    keys checked against DOCUMENT_KEYS); anything else is a table for read_table (CSV, or JSON
    detected by content), read once. Every input then gets the same unknown-field check, so a
    `gros_margin` typo in a CSV header is an error, not a silently missing margin."""
    meta: dict[str, Any] = {}
    if source is None:
        raise InputError("no input: give a YAML/JSON/CSV file of quarterly metrics")
    if isinstance(source, (list, dict)):
        data, file = source, "<input>"
    elif Path(source).suffix.lower() in (".yaml", ".yml", ".json"):
        data, file = load_document(source), str(source)
    else:
        data, file = None, str(source)
    if isinstance(data, dict):
        doc = normalise_keys(data, DOCUMENT_KEYS, file)
        meta = {k: v for k, v in doc.items() if k != "quarters"}
        data = doc.get("quarters")
        if not isinstance(data, list):
            raise InputError("needs a quarters list with one row per quarter", file=file)
    if data is not None and not isinstance(data, list):
        raise InputError("expected a list of quarter rows", file=file)
    try:
        table = read_table(source if data is None else data, list_keys=_LIST_KEYS)
    except InputError as exc:
        # inline rows are labelled <input>; errors must name the founder's file
        raise InputError(exc.message, file=file, row=exc.row, field=exc.field) from None
    table.file = file
    if not table.rows:
        raise InputError("has no quarters", file=file)
    known = {canonical_key(n) for k, names in COLUMN_ALIASES.items() for n in [k, *names]}
    unknown = [h for h in table.headers if canonical_key(h) not in known]
    if unknown:
        raise InputError(f"unknown field(s) {shown_headers(unknown)} (known: {', '.join(COLUMN_ALIASES)})",
                         file=file)
    return table, meta


def _cents(dollars: float) -> int:
    return round(dollars * 100)


def _unsigned_money(value: Any) -> float:
    """Contraction and churn are losses whichever sign the founder wrote them with."""
    return abs(parse_money(value, allow_negative=True))


def _signed_money(value: Any) -> float:
    """Net new ARR and net burn may be negative."""
    return parse_money(value, allow_negative=True)


# Each known column's reader; a column absent from this map is not read.
_CELL_PARSERS: dict[str, Callable[[Any], float]] = {
    "arr": parse_money, "arr_start": parse_money, "sm_spend": parse_money, "revenue": parse_money,
    "new": parse_money, "expansion": parse_money, "reactivation": parse_money,
    "contraction": _unsigned_money, "churn": _unsigned_money,
    "net_new_arr": _signed_money, "net_burn": _signed_money,
    "gross_margin": _gross_margin, "revenue_growth": _rate, "profit_margin": _rate,
}


def parse_rows(table: Table) -> list[QuarterRow]:
    """Validated, sorted, consecutive quarters whose ARR reconciles to the cent."""
    if not table.rows:
        raise InputError("has no quarters", file=table.file)
    mapping = resolve_columns(table, COLUMN_ALIASES, REQUIRED)
    has_moves = _has_movements(table, mapping)
    parsed = _parse_quarters(table, mapping, has_moves)
    parsed.sort(key=lambda item: item[0])
    for (earlier, _, _), (later, line, _) in zip(parsed, parsed[1:]):
        if later.start != earlier.end + timedelta(days=1):
            raise InputError(f"quarters jump from {earlier.label} to {later.label}; the waterfall needs every "
                             "quarter in between", file=table.file, row=line)
    # thresholds.yaml: how many cents the waterfall may be off (0: it reconciles to the cent)
    tolerance = int(section("revenue_metrics")["waterfall_tolerance_cents"])
    rows: list[QuarterRow] = []
    previous_end: float | None = None
    for period, line, values in parsed:
        rows.append(_quarter_row(period, line, values, previous_end, has_moves, tolerance, table.file, mapping))
        previous_end = values["arr"]
    return rows


def _has_movements(table: Table, mapping: dict[str, str]) -> bool:
    """Whether the ARR movements are given; refuses some but not all four."""
    has_moves = [name for name in MOVEMENTS if name in mapping]
    if has_moves and len(has_moves) < len(MOVEMENTS):
        missing = [name for name in MOVEMENTS if name not in mapping]
        raise InputError(f"has ARR movements {', '.join(has_moves)} but not {', '.join(missing)}; "
                         "give all four (new, expansion, contraction, churn) or none", file=table.file)
    return bool(has_moves)


def _parse_quarters(table: Table, mapping: dict[str, str],
                    has_moves: bool) -> list[tuple[Period, int, dict[str, Any]]]:
    """Each row's quarter and cells, in file order; a quarter given twice is refused."""
    parsed: list[tuple[Period, int, dict[str, Any]]] = []
    seen: dict[Period, int] = {}
    for line, row in table:
        raw_quarter = cell(row, mapping, "quarter")
        if raw_quarter is None:
            raise InputError("quarter is empty", file=table.file, row=line, field=mapping["quarter"])
        try:
            period = parse_quarter(raw_quarter)
        except InputError as exc:
            raise exc.located(file=table.file, row=line, field=mapping["quarter"]) from None
        if period in seen:
            raise InputError(f"quarter {period.label} appears twice (also row {seen[period]})",
                             file=table.file, row=line, field=mapping["quarter"])
        seen[period] = line
        values: dict[str, Any] = {}
        for name, parser in _CELL_PARSERS.items():
            raw = cell(row, mapping, name)
            if raw is None:
                if name in REQUIRED or (name in MOVEMENTS and has_moves):
                    raise InputError("is empty", file=table.file, row=line, field=mapping[name])
                continue
            try:
                values[name] = parser(raw)
            except InputError as exc:
                raise exc.located(file=table.file, row=line, field=mapping[name]) from None
        parsed.append((period, line, values))
    return parsed


def _quarter_row(period: Period, line: int, values: dict[str, Any], previous_end: float | None, has_moves: bool,
                 tolerance: int, file: str, mapping: dict[str, str]) -> QuarterRow:
    """One quarter with its starting ARR worked out, refused unless its net new ARR and waterfall reconcile."""

    def differ(first: float, second: float) -> bool:
        return abs(_cents(first) - _cents(second)) > tolerance

    end = values["arr"]
    movement = None
    if has_moves:
        movement = (values["new"] + values.get("reactivation", 0.0) + values["expansion"]
                    - values["contraction"] - values["churn"])
    start = previous_end
    if start is not None and "arr_start" in values and differ(values["arr_start"], start):
        raise InputError(f"{period.label} starting ARR {usd(values['arr_start'])} differs from the previous "
                         f"quarter's ending ARR {usd(start)}", file=file, row=line, field=mapping["arr_start"])
    if start is None:
        if "arr_start" in values:
            start = values["arr_start"]
        elif "net_new_arr" in values:
            start = end - values["net_new_arr"]
        elif movement is not None:
            start = end - movement
    net_new = None if start is None else end - start
    if net_new is not None and "net_new_arr" in values and differ(values["net_new_arr"], net_new):
        raise InputError(f"{period.label} net new ARR {usd(values['net_new_arr'])} does not reconcile: ending "
                         f"{usd(end)} − starting {usd(start)} = {usd(net_new)}",
                         file=file, row=line, field=mapping["net_new_arr"])
    if movement is not None and start is not None and differ(start + movement, end):
        raise InputError(
            f"{period.label} ARR waterfall does not reconcile: start {usd(start)} + new "
            f"{usd(values['new'])} + reactivation {usd(values.get('reactivation', 0.0))} + expansion "
            f"{usd(values['expansion'])} − contraction {usd(values['contraction'])} − churn "
            f"{usd(values['churn'])} = {usd(start + movement)}, but ending ARR is {usd(end)} "
            f"(off by {usd(end - (start + movement))})", file=file, row=line)
    return QuarterRow(
        quarter=period.label, arr_start=start, arr=end, net_new_arr=net_new,
        new=values.get("new"), expansion=values.get("expansion"), contraction=values.get("contraction"),
        churn=values.get("churn"), reactivation=values.get("reactivation", 0.0 if has_moves else None),
        sm_spend=values["sm_spend"], gross_margin=values.get("gross_margin"), net_burn=values.get("net_burn"),
        revenue=values.get("revenue"), revenue_growth=values.get("revenue_growth"),
        profit_margin=values.get("profit_margin"),
    )


# ----------------------------------------------------------------------------- metrics

def _band_magic(value: float, b: dict) -> str:
    if value < b["hold_below"]:
        return f"hold (below {b['hold_below']:g})"
    if value > b["exceptional_above"]:
        return f"exceptional (above {b['exceptional_above']:g})"
    return f"invest ({b['hold_below']:g}–{b['exceptional_above']:g})"


def _band_burn(value: float, b: dict) -> str:
    if value <= 0:
        return "not burning"
    if value < b["amazing"]:
        return f"amazing (below {b['amazing']:g})"
    if value <= b["great"]:
        return f"great ({b['amazing']:g}–{b['great']:g})"
    if value <= b["good"]:
        return f"good ({b['great']:g}–{b['good']:g})"
    if value <= b["suspect"]:
        return f"suspect ({b['good']:g}–{b['suspect']:g})"
    return f"bad (above {b['suspect']:g})"


def _band_payback(value: float, b: dict) -> str:
    smb, ent = b["smb"], b["enterprise"]
    if value <= smb[1]:
        return f"within the SMB range ({smb[0]:g}–{smb[1]:g} months)" if value >= smb[0] else \
            f"faster than the SMB range ({smb[0]:g}–{smb[1]:g} months)"
    if value < ent[0]:
        return f"between the SMB ({smb[0]:g}–{smb[1]:g}) and enterprise ({ent[0]:g}–{ent[1]:g}) ranges"
    if value <= b["concern_above"]:
        return f"within the enterprise range ({ent[0]:g}–{ent[1]:g} months)"
    return f"concern (above {b['concern_above']:g} months)"


def _growth(rows: list[QuarterRow], i: int, tolerance: float, file: str) -> tuple[float | None, str]:
    row = rows[i]
    year_ago = rows[i - 4] if i >= 4 else None
    computed = None
    if year_ago is not None and row.revenue is not None and year_ago.revenue:
        computed = row.revenue / year_ago.revenue - 1
    if row.revenue_growth is not None:
        if computed is not None and abs(computed - row.revenue_growth) > tolerance:
            raise InputError(f"{row.quarter} revenue growth {row.revenue_growth:.1%} disagrees with revenue "
                             f"{usd(row.revenue)} vs {usd(year_ago.revenue)} a year earlier "
                             f"({computed:.1%})", file=file, field="revenue_growth")
        return row.revenue_growth, "revenue growth YoY (as given)"
    if computed is not None:
        return computed, f"revenue growth YoY ({row.quarter} vs {year_ago.quarter} revenue)"
    if year_ago is not None and year_ago.arr > 0:
        return row.arr / year_ago.arr - 1, f"ARR growth YoY ({row.quarter} vs {year_ago.quarter}; no revenue given)"
    return None, "needs revenue_growth, or revenue or ARR from four quarters earlier"


# ----------------------------------------------------------------------------- the metrics, one function each
# Each takes the numbers it needs and returns the value, or None where the formula is undefined
# (no spend, no growth): a payback or multiple on a zero or negative denominator is never printed.


def magic_number(net_new_arr: float | None, sm_prior: float | None) -> float | None:
    """Magic number (ARR form) = net new ARR(q) ÷ S&M(q−1). Net new ARR is already annual: no × 4."""
    if net_new_arr is None or not sm_prior or sm_prior <= 0:
        return None
    return net_new_arr / sm_prior


def magic_number_revenue(revenue: float | None, revenue_prior: float | None, sm_prior: float | None) -> float | None:
    """Magic number (revenue form) = (revenue(q) − revenue(q−1)) × 4 ÷ S&M(q−1): the only × 4."""
    if revenue is None or revenue_prior is None or not sm_prior or sm_prior <= 0:
        return None
    return (revenue - revenue_prior) * 4 / sm_prior


def cac_payback_months(sm_prior: float | None, new_logo_arr: float | None,
                       gross_margin: float | None) -> float | None:
    """CAC payback (months) = 12 × S&M(q−1) ÷ (new-logo ARR(q) × gross margin(q)): months of
    gross profit from the quarter's new customers to earn back the spend that won them."""
    return _payback(sm_prior, new_logo_arr, gross_margin)


def cac_payback_months_net(sm_prior: float | None, net_new_arr: float | None,
                           gross_margin: float | None) -> float | None:
    """CAC payback on net new ARR (months) = 12 × S&M(q−1) ÷ (net new ARR(q) × gross margin(q)):
    the blended variant, in which churn and expansion move the payback too."""
    return _payback(sm_prior, net_new_arr, gross_margin)


def _payback(sm_prior: float | None, arr: float | None, gross_margin: float | None) -> float | None:
    if not sm_prior or sm_prior <= 0 or arr is None or arr <= 0 or gross_margin is None or gross_margin <= 0:
        return None
    months = 12 * sm_prior / (arr * gross_margin)
    return months if math.isfinite(months) else None  # a margin of 1e-300 is a typo, not a payback


def burn_multiple(net_burn: float | None, net_new_arr: float | None) -> float | None:
    """Burn multiple = net burn(q) ÷ net new ARR(q), the same quarter."""
    if net_burn is None or net_new_arr is None or net_new_arr <= 0:
        return None
    return net_burn / net_new_arr


def rule_of_40(growth: float | None, profit_margin: float | None) -> float | None:
    """Rule of 40 = revenue growth (YoY) + profit margin, both fractions (0.40 is 40)."""
    if growth is None or profit_margin is None:
        return None
    return growth + profit_margin


# ----------------------------------------------------------------------------- each metric as reported

@dataclass
class _Quarter:
    """One quarter and the one before it: what every metric reads."""

    row: QuarterRow
    prev: QuarterRow | None

    @property
    def q(self) -> str:
        return self.row.quarter

    @property
    def prior(self) -> str:
        return self.prev.quarter if self.prev else "previous quarter"

    @property
    def sm_prior(self) -> float | None:
        return self.prev.sm_spend if self.prev else None


def _magic_metric(x: _Quarter, bench: dict) -> Metric:
    nn, sm = x.row.net_new_arr, x.sm_prior
    value = magic_number(nn, sm)
    return Metric(
        name="magic number", quarter=x.q, formula=f"net new ARR ({x.q}) ÷ S&M spend ({x.prior})",
        calculation=f"{usd(nn)} ÷ {usd(sm)} = {value:.2f}" if value is not None else None,
        inputs={"net_new_arr": nn, "sm_spend_prior_quarter": sm}, value=value, unit="ratio",
        band=_band_magic(value, bench) if value is not None else None,
        benchmark=f"{bench['source']}: hold below {bench['hold_below']:g}, exceptional above {bench['exceptional_above']:g}",
        note=None if value is not None else "needs the previous quarter's S&M spend (above zero) and this quarter's "
                                            "net new ARR")


def _magic_revenue_metric(x: _Quarter) -> Metric:
    prior_revenue = x.prev.revenue if x.prev else None
    value = magic_number_revenue(x.row.revenue, prior_revenue, x.sm_prior)
    return Metric(
        name="magic number (revenue form)", quarter=x.q,
        formula=f"(revenue ({x.q}) − revenue ({x.prior})) × 4 ÷ S&M spend ({x.prior})",
        calculation=(f"({usd(x.row.revenue)} − {usd(prior_revenue)}) × 4 ÷ {usd(x.sm_prior)} = {value:.2f}"
                     if value is not None else None),
        inputs={"revenue": x.row.revenue, "revenue_prior_quarter": prior_revenue, "sm_spend_prior_quarter": x.sm_prior},
        value=value, unit="ratio",
        note="cross-check: quarterly revenue annualised × 4; should sit close to the ARR form" if value is not None
        else "needs revenue for this and the previous quarter")


def _payback_note(sm: float | None, arr: float | None, gm: float | None, what: str) -> str | None:
    if sm is None or sm <= 0:
        return "needs the previous quarter's S&M spend (above zero)"
    if arr is None:
        return f"needs {what} for this quarter"
    if arr <= 0:
        return f"{what} is zero or negative: the spend does not pay back at this rate"
    if gm is None or gm <= 0:
        return "needs a gross margin above zero for this quarter"
    return None


def _payback_metric(x: _Quarter, bench: dict, *, net: bool) -> Metric:
    arr = x.row.net_new_arr if net else x.row.new
    what = "net new ARR" if net else "new-logo ARR (the new column)"
    gm, sm = x.row.gross_margin, x.sm_prior
    value = (cac_payback_months_net if net else cac_payback_months)(sm, arr, gm)
    label = "net new ARR" if net else "new-logo ARR"
    return Metric(
        name="CAC payback on net new ARR (months)" if net else "CAC payback (months)", quarter=x.q,
        formula=f"12 × S&M spend ({x.prior}) ÷ ({label} ({x.q}) × gross margin ({x.q}))",
        calculation=(f"12 × {usd(sm)} ÷ ({usd(arr)} × {gm:.1%}) = {value:.1f} months"
                     if value is not None and gm is not None else None),
        inputs={"sm_spend_prior_quarter": sm, "net_new_arr" if net else "new_logo_arr": arr, "gross_margin": gm},
        value=value, unit="months", band=_band_payback(value, bench) if value is not None else None,
        benchmark=f"{bench['source']}: SMB {bench['smb'][0]}–{bench['smb'][1]} months, enterprise "
                  f"{bench['enterprise'][0]}–{bench['enterprise'][1]}, concern above {bench['concern_above']}",
        note=_payback_note(sm, arr, gm, what) if value is None else
        ("blended variant: churn and expansion in the quarter move it too" if net else None))


def _burn_metric(x: _Quarter, bench: dict) -> Metric:
    burn, nn = x.row.net_burn, x.row.net_new_arr
    value = burn_multiple(burn, nn)
    note = None
    if burn is None:
        note = "needs net burn for this quarter"
    elif nn is None:
        note = "needs net new ARR for this quarter"
    elif nn <= 0:
        note = "no net new ARR while burning: worse than every band" if burn > 0 else "no net new ARR and no burn"
    return Metric(
        name="burn multiple", quarter=x.q, formula=f"net burn ({x.q}) ÷ net new ARR ({x.q})",
        calculation=f"{usd(burn)} ÷ {usd(nn)} = {value:.2f}" if value is not None else None,
        inputs={"net_burn": burn, "net_new_arr": nn}, value=value, unit="ratio",
        band=_band_burn(value, bench) if value is not None else None,
        benchmark=f"{bench['source']}: below {bench['amazing']:g} amazing, {bench['great']:g} great, "
                  f"{bench['good']:g} good, {bench['suspect']:g} suspect, above bad", note=note)


def _rule_of_40_metric(x: _Quarter, growth: float | None, growth_basis: str, margin_basis: str,
                       line: float) -> Metric:
    pm = x.row.profit_margin
    value = rule_of_40(growth, pm)
    calc = None
    if value is not None and growth is not None and pm is not None:
        calc = f"{growth:.1%} + {pm:.1%} = {value:.1%}" if pm >= 0 else f"{growth:.1%} − {-pm:.1%} = {value:.1%}"
    return Metric(
        name="Rule of 40", quarter=x.q,
        formula=f"{growth_basis if growth is not None else 'revenue growth YoY'} + {margin_basis} ({x.q})",
        calculation=calc, inputs={"growth": growth, "profit_margin": pm}, value=value, unit="fraction",
        band=(("at or above" if value >= line else "below") + f" {line:.0%}") if value is not None else None,
        benchmark=f"Rule of 40: growth + margin ≥ {line:.0%}",
        note=None if value is not None else (growth_basis if growth is None else "needs profit_margin for this quarter"))


def quarter_metrics(rows: list[QuarterRow], i: int, *, margin_basis: str, file: str) -> dict[str, Metric]:
    """Every metric for quarter i, each with its formula and the numbers that went in."""
    bench = section("benchmarks")
    own = section("revenue_metrics")
    x = _Quarter(rows[i], rows[i - 1] if i else None)
    growth, growth_basis = _growth(rows, i, float(own["growth_check_tolerance"]), file)
    return {
        "magic_number": _magic_metric(x, bench["magic_number"]),
        "magic_number_revenue": _magic_revenue_metric(x),
        "cac_payback_months": _payback_metric(x, bench["cac_payback_months"], net=False),
        "cac_payback_months_net": _payback_metric(x, bench["cac_payback_months"], net=True),
        "burn_multiple": _burn_metric(x, bench["burn_multiple"]),
        "rule_of_40": _rule_of_40_metric(x, growth, growth_basis, margin_basis, float(bench["rule_of_40"])),
    }


# ----------------------------------------------------------------------------- the report

def reporting_quarter(rows: list[QuarterRow], periods: dict[str, Period], as_of: date | None, quarter: str | None,
                      file: str) -> str:
    """The quarter asked for, else the latest ended by as-of, else the latest in the data."""
    if quarter is not None:
        if quarter not in periods:
            raise UsageError(f"--period {quarter} is not in the data ({rows[0].quarter} to {rows[-1].quarter})")
        return quarter
    if as_of is not None:
        ended = [r.quarter for r in rows if periods[r.quarter].end <= as_of]
        if not ended:
            raise InputError(f"no quarter in the data has ended by {as_of.isoformat()}", file=file)
        return ended[-1]
    return rows[-1].quarter


def _freshness_flags(rows: list[QuarterRow], periods: dict[str, Period], report: str, as_of: date | None) -> list[Flag]:
    if as_of is None:
        return []
    flags = []
    open_q = [r.quarter for r in rows if periods[r.quarter].end > as_of]
    if open_q:
        flags.append(Flag(id="quarter_not_ended", severity="low", period=open_q[0],
                          message=f"{', '.join(open_q)} had not ended by {as_of.isoformat()}: partial figures, shown "
                                  "in the trend but never used as the reporting quarter"))
    age = (as_of - periods[report].end).days
    limit = section("revenue_metrics")["stale_after_days"]
    if age > limit:
        flags.append(Flag(id="stale_numbers", severity="medium", period=report, value=age, threshold=limit,
                          unit="days", message=f"the reporting quarter {report} ended {age} days before "
                                               f"{as_of.isoformat()}; the board will ask for a newer quarter"))
    return flags


def red_line_flags(headline: dict[str, Metric], report: str, segment: str | None) -> list[Flag]:
    """Flags where the reporting quarter crosses a line in thresholds.yaml `benchmarks`."""
    bench = section("benchmarks")
    b_magic, b_burn, b_pay, line_40 = bench["magic_number"], bench["burn_multiple"], bench["cac_payback_months"], \
        float(bench["rule_of_40"])
    flags: list[Flag] = []

    def flag(key: str, fid: str, severity: str, threshold: float | None, message: str, source: str) -> None:
        metric = headline[key]
        metric.flag = fid
        flags.append(Flag(id=fid, severity=severity, metric=key, period=report, value=metric.value,
                          threshold=threshold, message=message, source=source, unit=metric.unit))

    magic = headline["magic_number"].value
    if magic is not None and magic < b_magic["hold_below"]:
        flag("magic_number", "magic_number_below_hold", "medium", b_magic["hold_below"],
             f"magic number {magic:.2f} is below {b_magic['hold_below']:g}: hold S&M spend and fix conversion "
             "or deal size before adding sales capacity", b_magic["source"])
    # The seed definition (new-logo ARR) when the file has it, else the net variant, named as such.
    key = "cac_payback_months" if headline["cac_payback_months"].value is not None else "cac_payback_months_net"
    payback, name = headline[key].value, headline[key].name
    if payback is not None and payback > b_pay["concern_above"]:
        flag(key, "cac_payback_above_concern", "high", b_pay["concern_above"],
             f"{name} {payback:.1f} is above {b_pay['concern_above']} months", b_pay["source"])
    elif payback is not None and segment is not None and payback > b_pay[segment][1]:
        flag(key, "cac_payback_above_segment_range", "medium", b_pay[segment][1],
             f"{name} {payback:.1f} is above the {segment} range ({b_pay[segment][0]}–{b_pay[segment][1]} months)",
             b_pay["source"])
    burn = headline["burn_multiple"]
    if burn.value is not None and burn.value > b_burn["suspect"]:
        flag("burn_multiple", "burn_multiple_bad", "high", b_burn["suspect"],
             f"burn multiple {burn.value:.2f}: every new ARR dollar costs more than {b_burn['suspect']:g} dollars of "
             "burn", b_burn["source"])
    elif burn.value is not None and burn.value > b_burn["good"]:
        flag("burn_multiple", "burn_multiple_suspect", "medium", b_burn["good"],
             f"burn multiple {burn.value:.2f} is above {b_burn['good']:g} (suspect band)", b_burn["source"])
    elif burn.value is None and (burn.inputs.get("net_burn") or 0) > 0 \
            and burn.inputs.get("net_new_arr") is not None and burn.inputs["net_new_arr"] <= 0:
        flag("burn_multiple", "burn_without_growth", "high", None,
             f"burning {usd(burn.inputs['net_burn'])} in {report} with net new ARR "
             f"{usd(burn.inputs['net_new_arr'])}: the burn multiple is undefined and worse than every band",
             b_burn["source"])
    rule = headline["rule_of_40"].value
    if rule is not None and rule < line_40:
        flag("rule_of_40", "rule_of_40_below", "medium", line_40,
             f"Rule of 40 at {rule:.0%} ({headline['rule_of_40'].calculation}) is below {line_40:.0%}", "Rule of 40")
    return flags


def waterfall(rows: list[QuarterRow]) -> tuple[list[WaterfallRow], WaterfallRow]:
    """The ARR bridge per quarter and for the whole window (a total is None when a quarter lacks it)."""
    quarters = [WaterfallRow(quarter=x.quarter, start=x.arr_start, new=x.new, reactivation=x.reactivation,
                             expansion=x.expansion, contraction=x.contraction, churn=x.churn, end=x.arr,
                             net_new=x.net_new_arr) for x in rows]

    def total(name: str) -> float | None:
        values = [getattr(w, name) for w in quarters]
        return None if any(v is None for v in values) else round(sum(values), 2)

    whole = WaterfallRow(quarter=f"{rows[0].quarter} to {rows[-1].quarter}", start=rows[0].arr_start,
                         new=total("new"), reactivation=total("reactivation"), expansion=total("expansion"),
                         contraction=total("contraction"), churn=total("churn"), end=rows[-1].arr,
                         net_new=None if rows[0].arr_start is None else rows[-1].arr - rows[0].arr_start)
    return quarters, whole


def compute(rows: list[QuarterRow], *, file: str, company: str | None, margin_basis: str | None,
            as_of: date | None, quarter: str | None, segment: str | None) -> MetricsResult:
    periods = {r.quarter: parse_quarter(r.quarter) for r in rows}
    report = reporting_quarter(rows, periods, as_of, quarter, file)
    notes: list[str] = []
    if not margin_basis:
        notes.append("Rule of 40: the margin basis (operating, EBITDA, FCF) is not stated; add profit_margin_basis")
    by_quarter: list[QuarterMetrics] = []
    headline: dict[str, Metric] = {}
    for i, row in enumerate(rows):
        m = quarter_metrics(rows, i, margin_basis=margin_basis or "profit margin (basis not stated)", file=file)
        by_quarter.append(QuarterMetrics(
            quarter=row.quarter, arr=row.arr, net_new_arr=row.net_new_arr,
            **{key: metric.value for key, metric in m.items()},
            growth=m["rule_of_40"].inputs["growth"], profit_margin=row.profit_margin))
        if row.quarter == report:
            headline = m
    flags = _freshness_flags(rows, periods, report, as_of) + red_line_flags(headline, report, segment)
    for key, metric in headline.items():
        if metric.value is None and key != "magic_number_revenue":
            notes.append(f"{metric.name} for {report} not computed: {metric.note}")
    quarters, whole = waterfall(rows)
    if quarters[0].new is None:
        notes.append("no ARR movements (new, expansion, contraction, churn) given: the waterfall shows net new ARR only")
    return MetricsResult(company=company, as_of=as_of, quarter=report, metrics=headline, by_quarter=by_quarter,
                         waterfall=quarters, waterfall_total=whole, waterfall_markdown=waterfall_markdown(quarters, whole),
                         flags=flags, notes=notes)


def _signed(v: float | None, sign: str) -> str:
    if v is None:
        return "—"
    if v == 0:
        return "$0"
    return f"{sign}${abs(v):,.0f}"


def waterfall_markdown(rows: list[WaterfallRow], total: WaterfallRow, lang: Lang = "en") -> str:
    """A board-ready table: every quarter, then the whole window; each row adds up."""
    T = ToolTexts(NAME, lang)
    react = any(r.reactivation for r in rows)
    head = [T(f"wf_{key}") for key in ("quarter", "start", "new", *(["reactivation"] if react else []), "expansion",
                                       "contraction", "churn", "end", "net_new")]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for r in [*rows, total]:
        bold = r is total
        cells = [T.say(r.quarter), _signed(r.start, ""), _signed(r.new, "+"),
                 *([_signed(r.reactivation, "+")] if react else []), _signed(r.expansion, "+"),
                 _signed(r.contraction, "−"), _signed(r.churn, "−"), _signed(r.end, ""),
                 "—" if r.net_new is None else _signed(r.net_new, "+" if r.net_new >= 0 else "−")]
        if bold:
            cells = [f"**{c}**" for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(source: Source, options: MetricsOptions | None = None) -> MetricsResult:
    options = options or MetricsOptions()
    table, meta = load_table(source)
    rows = parse_rows(table)
    company = meta.get("company")
    basis = meta.get("profit_margin_basis")
    header = resolve_columns(table, COLUMN_ALIASES).get("profit_margin")
    if basis in (None, "") and header and canonical_key(header) != "profit_margin":
        basis = header.replace("_", " ").lower()     # "Operating Margin" states its own basis
    return compute(rows, file=table.file, company=str(company) if company is not None else None,
                   margin_basis=str(basis).strip() if basis not in (None, "") else None,
                   as_of=options.as_of, quarter=options.period, segment=options.segment)


# ----------------------------------------------------------------------------- rendering

def _fmt(metric: Metric, T: ToolTexts) -> str:
    if metric.value is None:
        return T("n_a")
    if metric.unit == "months":
        return T("months", value=f"{metric.value:.1f}")
    if metric.unit == "fraction":
        return f"{metric.value:.1%}"
    return f"{metric.value:.2f}"


def render(result: MetricsResult, lang: Lang = "en") -> str:
    T = ToolTexts(NAME, lang)
    name = T("company", company=result.company) if result.company else ""
    as_of = T("as_of", date=result.as_of.isoformat()) if result.as_of else ""
    lines = [T("title", name=name, quarter=result.quarter, as_of=as_of), ""]
    for metric in result.metrics.values():
        mark = T("flag_mark", flag=metric.flag) if metric.flag else ""
        lines.append(T("metric", name=T.term(metric.name), value=_fmt(metric, T), mark=mark))
        lines.append(T("formula", formula=T.phrase(metric.formula)))
        if metric.calculation:
            lines.append(T("formula", formula=T.phrase(metric.calculation)))
        if metric.band:
            lines.append(T("band", band=T.say(metric.band)))
        if metric.value is None and metric.note:
            lines.append(T("metric_note", note=T.say(metric.note)))
    columns = [("col_quarter", 8, False), ("col_arr", 11, True), ("col_net_new", 10, True), ("col_magic", 6, True),
               ("col_payback", 8, True), ("col_net_payback", 7, True), ("col_burn", 7, True), ("col_rule_40", 8, True)]
    lines += ["", T("trend"), "  " + " ".join(pad(T(key), size, right=right) for key, size, right in columns)]

    def n(v: float | None, fmt: str) -> str:
        return "—" if v is None else format(v, fmt)

    for q in result.by_quarter:
        lines.append(T("trend_row", quarter=q.quarter, arr=usd(q.arr),
                       net_new="—" if q.net_new_arr is None else usd(q.net_new_arr), magic=n(q.magic_number, ".2f"),
                       payback=n(q.cac_payback_months, ".1f"), net_payback=n(q.cac_payback_months_net, ".1f"),
                       burn=n(q.burn_multiple, ".2f"), rule_40=n(q.rule_of_40, ".0%")))
    waterfall = result.waterfall_markdown if lang == "en" else \
        waterfall_markdown(result.waterfall, result.waterfall_total, lang)
    lines += ["", T("waterfall"), waterfall]
    if result.flags:
        lines += ["", T("flags")]
        lines += [T("flag", severity=T.term(f.severity), id=f.id, message=T.say(f.message)) for f in result.flags]
    if result.notes:
        lines += ["", T("notes")]
        lines += [T("note_item", text=T.say(note)) for note in result.notes]
    return "\n".join(lines)


SPEC = ToolSpec(
    name=NAME,
    summary=summary_of(NAME),
    role="cro",
    input_help="quarterly metrics (YAML/JSON `quarters:` list or CSV): quarter, arr, sm_spend, and "
               "optionally new/expansion/contraction/churn, gross_margin, net_burn, revenue, "
               "revenue_growth, profit_margin",
    sample="revenue_metrics.yaml",
    options=MetricsOptions,
    result=MetricsResult,
    run=run,
    render=render,
    data_kinds=("metrics",),
)
