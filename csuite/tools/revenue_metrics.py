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

from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

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
from csuite.knowledge.thresholds import section
from csuite.tools.base import (
    Day,
    Flag,
    PeriodLabel,
    Source,
    ToolOptions,
    ToolResult,
    ToolSpec,
)

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
    quarter: PeriodLabel | None = Field(None, description="reporting quarter, e.g. 2026-Q3 (default: latest)")
    segment: Literal["smb", "enterprise"] | None = Field(
        None, description="compare CAC payback with Bessemer's range for this segment")


class QuarterRow(BaseModel):
    quarter: str
    arr_start: float | None
    arr: float
    net_new_arr: float | None
    new: float | None = None
    reactivation: float | None = None
    expansion: float | None = None
    contraction: float | None = None
    churn: float | None = None
    sm_spend: float
    gross_margin: float | None = None
    net_burn: float | None = None
    revenue: float | None = None
    revenue_growth: float | None = None
    profit_margin: float | None = None


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
    start: float | None
    new: float | None
    reactivation: float | None
    expansion: float | None
    contraction: float | None
    churn: float | None
    end: float
    net_new: float | None


class QuarterMetrics(BaseModel):
    quarter: str
    arr: float
    net_new_arr: float | None
    magic_number: float | None
    magic_number_revenue: float | None
    cac_payback_months: float | None
    cac_payback_months_gm_adjusted: float | None
    burn_multiple: float | None
    growth: float | None
    profit_margin: float | None
    rule_of_40: float | None


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


def _cents(x: float) -> int:
    return round(x * 100)


def parse_rows(table: Table) -> list[QuarterRow]:
    """Validated, sorted, consecutive quarters whose ARR reconciles to the cent."""
    if not table.rows:
        raise InputError("has no quarters", file=table.file)
    mapping = resolve_columns(table, COLUMN_ALIASES, REQUIRED)
    has_moves = [m for m in MOVEMENTS if m in mapping]
    if has_moves and len(has_moves) < len(MOVEMENTS):
        missing = [m for m in MOVEMENTS if m not in mapping]
        raise InputError(f"has ARR movements {', '.join(has_moves)} but not {', '.join(missing)}; "
                         "give all four (new, expansion, contraction, churn) or none", file=table.file)
    parsers = {
        "arr": parse_money, "arr_start": parse_money, "sm_spend": parse_money, "revenue": parse_money,
        "new": parse_money, "expansion": parse_money, "reactivation": parse_money,
        "contraction": lambda v: abs(parse_money(v, allow_negative=True)),
        "churn": lambda v: abs(parse_money(v, allow_negative=True)),
        "net_new_arr": lambda v: parse_money(v, allow_negative=True),
        "net_burn": lambda v: parse_money(v, allow_negative=True),
        "gross_margin": _gross_margin, "revenue_growth": _rate, "profit_margin": _rate,
    }
    parsed: list[tuple[Period, int, dict[str, Any]]] = []
    seen: dict[Period, int] = {}
    for line, row in table:
        values: dict[str, Any] = {}
        raw_q = cell(row, mapping, "quarter")
        if raw_q is None:
            raise InputError("quarter is empty", file=table.file, row=line, field=mapping["quarter"])
        try:
            period = parse_quarter(raw_q)
        except InputError as exc:
            raise exc.located(file=table.file, row=line, field=mapping["quarter"]) from None
        if period in seen:
            raise InputError(f"quarter {period.label} appears twice (also row {seen[period]})",
                             file=table.file, row=line, field=mapping["quarter"])
        seen[period] = line
        for name, parser in parsers.items():
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
    parsed.sort(key=lambda item: item[0])
    for (p0, _, _), (p1, line, _) in zip(parsed, parsed[1:]):
        if p1.start != p0.end + timedelta(days=1):
            raise InputError(f"quarters jump from {p0.label} to {p1.label}; the waterfall needs every "
                             "quarter in between", file=table.file, row=line)

    # thresholds.yaml: how many cents the waterfall may be off (0: it reconciles to the cent)
    tolerance = int(section("revenue_metrics")["waterfall_tolerance_cents"])

    def differ(a: float, b: float) -> bool:
        return abs(_cents(a) - _cents(b)) > tolerance

    rows: list[QuarterRow] = []
    prev_end: float | None = None
    for period, line, v in parsed:
        end = v["arr"]
        moves = [v.get(m) for m in MOVEMENTS]
        movement = None
        if has_moves:
            movement = v["new"] + v.get("reactivation", 0.0) + v["expansion"] - v["contraction"] - v["churn"]
        start = prev_end
        if start is not None and "arr_start" in v and differ(v["arr_start"], start):
            raise InputError(f"{period.label} starting ARR {usd(v['arr_start'])} differs from the previous "
                             f"quarter's ending ARR {usd(start)}", file=table.file, row=line,
                             field=mapping["arr_start"])
        if start is None:
            if "arr_start" in v:
                start = v["arr_start"]
            elif "net_new_arr" in v:
                start = end - v["net_new_arr"]
            elif movement is not None:
                start = end - movement
        net_new = None if start is None else end - start
        if net_new is not None and "net_new_arr" in v and differ(v["net_new_arr"], net_new):
            raise InputError(f"{period.label} net new ARR {usd(v['net_new_arr'])} does not reconcile: ending "
                             f"{usd(end)} − starting {usd(start)} = {usd(net_new)}",
                             file=table.file, row=line, field=mapping["net_new_arr"])
        if movement is not None and start is not None and differ(start + movement, end):
            off = end - (start + movement)
            raise InputError(
                f"{period.label} ARR waterfall does not reconcile: start {usd(start)} + new "
                f"{usd(v['new'])} + reactivation {usd(v.get('reactivation', 0.0))} + expansion "
                f"{usd(v['expansion'])} − contraction {usd(v['contraction'])} − churn "
                f"{usd(v['churn'])} = {usd(start + movement)}, but ending ARR is {usd(end)} "
                f"(off by {usd(off)})", file=table.file, row=line)
        rows.append(QuarterRow(
            quarter=period.label, arr_start=start, arr=end, net_new_arr=net_new,
            new=moves[0], expansion=moves[1], contraction=moves[2], churn=moves[3],
            reactivation=v.get("reactivation", 0.0 if has_moves else None),
            sm_spend=v["sm_spend"], gross_margin=v.get("gross_margin"), net_burn=v.get("net_burn"),
            revenue=v.get("revenue"), revenue_growth=v.get("revenue_growth"),
            profit_margin=v.get("profit_margin"),
        ))
        prev_end = end
    return rows


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


def compute(rows: list[QuarterRow], *, file: str, company: str | None, margin_basis: str | None,
            as_of: date | None, quarter: str | None, segment: str | None) -> MetricsResult:
    bench = section("benchmarks")
    own = section("revenue_metrics")
    b_magic, b_burn, b_pay, r40 = bench["magic_number"], bench["burn_multiple"], bench["cac_payback_months"], \
        float(bench["rule_of_40"])
    flags: list[Flag] = []
    notes: list[str] = []
    periods = {r.quarter: parse_quarter(r.quarter) for r in rows}

    # Reporting quarter: asked for, else the latest ended by as-of, else the latest.
    if quarter is not None:
        if quarter not in periods:
            raise UsageError(f"--quarter {quarter} is not in the data ({rows[0].quarter} to {rows[-1].quarter})")
        report = quarter
    elif as_of is not None:
        ended = [r.quarter for r in rows if periods[r.quarter].end <= as_of]
        if not ended:
            raise InputError(f"no quarter in the data has ended by {as_of.isoformat()}", file=file)
        report = ended[-1]
    else:
        report = rows[-1].quarter
    if as_of is not None:
        open_q = [r.quarter for r in rows if periods[r.quarter].end > as_of]
        if open_q:
            flags.append(Flag(id="quarter_not_ended", severity="low", metric=None, period=open_q[0], value=None,
                              threshold=None, message=f"{', '.join(open_q)} had not ended by {as_of.isoformat()}: "
                              "partial figures, shown in the trend but never used as the reporting quarter"))
        age = (as_of - periods[report].end).days
        if age > own["stale_after_days"]:
            flags.append(Flag(id="stale_numbers", severity="medium", metric=None, period=report, value=age,
                              threshold=own["stale_after_days"], message=f"the reporting quarter {report} ended {age} "
                              f"days before {as_of.isoformat()}; the board will ask for a newer quarter"))

    by_quarter: list[QuarterMetrics] = []
    headline: dict[str, Metric] = {}
    basis = margin_basis or "profit margin (basis not stated)"
    if not margin_basis:
        notes.append("Rule of 40: the margin basis (operating, EBITDA, FCF) is not stated; add profit_margin_basis")

    for i, row in enumerate(rows):
        q = row.quarter
        prev = rows[i - 1] if i else None
        nn = row.net_new_arr
        prior_q = prev.quarter if prev else "previous quarter"
        sm_prev = prev.sm_spend if prev else None
        m: dict[str, Metric] = {}

        # Magic number (ARR form): never × 4 — net new ARR is already annual.
        value = calc = note = None
        if sm_prev is not None and sm_prev > 0 and nn is not None:
            value = nn / sm_prev
            calc = f"{usd(nn)} ÷ {usd(sm_prev)} = {value:.2f}"
        else:
            note = "needs the previous quarter's S&M spend (above zero) and this quarter's net new ARR"
        m["magic_number"] = Metric(
            name="magic number", quarter=q, formula=f"net new ARR ({q}) ÷ S&M spend ({prior_q})",
            calculation=calc, inputs={"net_new_arr": nn, "sm_spend_prior_quarter": sm_prev}, value=value,
            unit="ratio", band=_band_magic(value, b_magic) if value is not None else None,
            benchmark=f"{b_magic['source']}: hold below {b_magic['hold_below']:g}, "
                      f"exceptional above {b_magic['exceptional_above']:g}", note=note)

        # Magic number (revenue form): ΔQuarterly revenue × 4 — the only place × 4 belongs.
        value = calc = None
        note = "needs revenue for this and the previous quarter"
        if sm_prev and prev.revenue is not None and row.revenue is not None:
            value = (row.revenue - prev.revenue) * 4 / sm_prev
            calc = f"({usd(row.revenue)} − {usd(prev.revenue)}) × 4 ÷ {usd(sm_prev)} = {value:.2f}"
            note = "cross-check: quarterly revenue annualised × 4; should sit close to the ARR form"
        m["magic_number_revenue"] = Metric(
            name="magic number (revenue form)", quarter=q,
            formula=f"(revenue ({q}) − revenue ({prior_q})) × 4 ÷ S&M spend ({prior_q})", calculation=calc,
            inputs={"revenue": row.revenue, "revenue_prior_quarter": prev.revenue if prev else None,
                    "sm_spend_prior_quarter": sm_prev}, value=value, unit="ratio", note=note)

        # CAC payback in months (12 ×), plain and gross-margin adjusted.
        value = calc = None
        note = None
        if sm_prev is None or sm_prev <= 0:
            note = "needs the previous quarter's S&M spend (above zero)"
        elif nn is None or nn <= 0:
            note = "net new ARR is zero or negative: the spend does not pay back at this rate"
        else:
            value = 12 * sm_prev / nn
            calc = f"12 × {usd(sm_prev)} ÷ {usd(nn)} = {value:.1f} months"
        m["cac_payback_months"] = Metric(
            name="CAC payback (months)", quarter=q, formula=f"12 × S&M spend ({prior_q}) ÷ net new ARR ({q})",
            calculation=calc, inputs={"sm_spend_prior_quarter": sm_prev, "net_new_arr": nn}, value=value,
            unit="months", note=note)
        gm = row.gross_margin
        value_gm = calc = None
        note_gm = note
        if note is None:
            if gm is None or gm <= 0:
                note_gm = "needs a gross margin above zero for this quarter"
            else:
                value_gm = 12 * sm_prev / (nn * gm)
                calc = f"12 × {usd(sm_prev)} ÷ ({usd(nn)} × {gm:.1%}) = {value_gm:.1f} months"
        pay = Metric(
            name="CAC payback, gross-margin adjusted (months)", quarter=q,
            formula=f"12 × S&M spend ({prior_q}) ÷ (net new ARR ({q}) × gross margin ({q}))",
            calculation=calc, inputs={"sm_spend_prior_quarter": sm_prev, "net_new_arr": nn, "gross_margin": gm},
            value=value_gm, unit="months", band=_band_payback(value_gm, b_pay) if value_gm is not None else None,
            benchmark=f"{b_pay['source']}: SMB {b_pay['smb'][0]}–{b_pay['smb'][1]} months, enterprise "
                      f"{b_pay['enterprise'][0]}–{b_pay['enterprise'][1]}, concern above {b_pay['concern_above']}",
            note=note_gm)
        m["cac_payback_months_gm_adjusted"] = pay

        # Burn multiple, same quarter.
        burn = row.net_burn
        value = calc = note = None
        if burn is None:
            note = "needs net burn for this quarter"
        elif nn is None:
            note = "needs net new ARR for this quarter"
        elif nn <= 0:
            note = ("no net new ARR while burning: worse than every band" if burn > 0
                    else "no net new ARR and no burn")
        else:
            value = burn / nn
            calc = f"{usd(burn)} ÷ {usd(nn)} = {value:.2f}"
        m["burn_multiple"] = Metric(
            name="burn multiple", quarter=q, formula=f"net burn ({q}) ÷ net new ARR ({q})", calculation=calc,
            inputs={"net_burn": burn, "net_new_arr": nn}, value=value, unit="ratio",
            band=_band_burn(value, b_burn) if value is not None else None,
            benchmark=f"{b_burn['source']}: below {b_burn['amazing']:g} amazing, {b_burn['great']:g} great, "
                      f"{b_burn['good']:g} good, {b_burn['suspect']:g} suspect, above bad", note=note)

        # Rule of 40.
        growth, growth_basis = _growth(rows, i, float(own["growth_check_tolerance"]), file)
        pm = row.profit_margin
        value = calc = note = None
        if growth is None or pm is None:
            note = growth_basis if growth is None else "needs profit_margin for this quarter"
        else:
            value = growth + pm
            calc = f"{growth:.1%} + {pm:.1%} = {value:.1%}" if pm >= 0 else \
                f"{growth:.1%} − {-pm:.1%} = {value:.1%}"
        m["rule_of_40"] = Metric(
            name="Rule of 40", quarter=q, formula=f"{growth_basis if growth is not None else 'revenue growth YoY'} "
            f"+ {basis} ({q})", calculation=calc, inputs={"growth": growth, "profit_margin": pm}, value=value,
            unit="fraction", band=(("at or above" if value >= r40 else "below") + f" {r40:.0%}")
            if value is not None else None, benchmark=f"Rule of 40: growth + margin ≥ {r40:.0%}", note=note)

        by_quarter.append(QuarterMetrics(
            quarter=q, arr=row.arr, net_new_arr=nn, magic_number=m["magic_number"].value,
            magic_number_revenue=m["magic_number_revenue"].value,
            cac_payback_months=m["cac_payback_months"].value, cac_payback_months_gm_adjusted=value_gm,
            burn_multiple=m["burn_multiple"].value, growth=growth, profit_margin=pm,
            rule_of_40=m["rule_of_40"].value))
        if q == report:
            headline = m

    # Red lines for the reporting quarter.
    def flag(metric_key: str, fid: str, severity: str, threshold: float | None, message: str, source: str) -> None:
        metric = headline[metric_key]
        metric.flag = fid
        flags.append(Flag(id=fid, severity=severity, metric=metric_key, period=report, value=metric.value,
                          threshold=threshold, message=message, source=source))

    mn = headline["magic_number"].value
    if mn is not None and mn < b_magic["hold_below"]:
        flag("magic_number", "magic_number_below_hold", "medium", b_magic["hold_below"],
             f"magic number {mn:.2f} is below {b_magic['hold_below']:g}: hold S&M spend and fix conversion "
             "or deal size before adding sales capacity", b_magic["source"])
    pb = headline["cac_payback_months_gm_adjusted"].value
    if pb is not None and pb > b_pay["concern_above"]:
        flag("cac_payback_months_gm_adjusted", "cac_payback_above_concern", "high", b_pay["concern_above"],
             f"gross-margin adjusted CAC payback {pb:.1f} months is above {b_pay['concern_above']} months",
             b_pay["source"])
    elif pb is not None and segment is not None and pb > b_pay[segment][1]:
        flag("cac_payback_months_gm_adjusted", "cac_payback_above_segment_range", "medium", b_pay[segment][1],
             f"gross-margin adjusted CAC payback {pb:.1f} months is above the {segment} range "
             f"({b_pay[segment][0]}–{b_pay[segment][1]} months)", b_pay["source"])
    bm_metric = headline["burn_multiple"]
    bm = bm_metric.value
    if bm is not None and bm > b_burn["suspect"]:
        flag("burn_multiple", "burn_multiple_bad", "high", b_burn["suspect"],
             f"burn multiple {bm:.2f}: every new ARR dollar costs more than {b_burn['suspect']:g} dollars of burn",
             b_burn["source"])
    elif bm is not None and bm > b_burn["good"]:
        flag("burn_multiple", "burn_multiple_suspect", "medium", b_burn["good"],
             f"burn multiple {bm:.2f} is above {b_burn['good']:g} (suspect band)", b_burn["source"])
    elif bm is None and bm_metric.inputs.get("net_burn") and bm_metric.inputs["net_burn"] > 0 \
            and bm_metric.inputs.get("net_new_arr") is not None and bm_metric.inputs["net_new_arr"] <= 0:
        flag("burn_multiple", "burn_without_growth", "high", None,
             f"burning {usd(bm_metric.inputs['net_burn'])} in {report} with net new ARR "
             f"{usd(bm_metric.inputs['net_new_arr'])}: the burn multiple is undefined and worse than every band",
             b_burn["source"])
    r = headline["rule_of_40"].value
    if r is not None and r < r40:
        flag("rule_of_40", "rule_of_40_below", "medium", r40,
             f"Rule of 40 at {r:.0%} ({headline['rule_of_40'].calculation}) is below {r40:.0%}", "Rule of 40")
    for key, metric in headline.items():
        if metric.value is None and key != "magic_number_revenue":
            notes.append(f"{metric.name} for {report} not computed: {metric.note}")

    waterfall = [WaterfallRow(quarter=x.quarter, start=x.arr_start, new=x.new, reactivation=x.reactivation,
                              expansion=x.expansion, contraction=x.contraction, churn=x.churn, end=x.arr,
                              net_new=x.net_new_arr) for x in rows]

    def total(name: str) -> float | None:
        values = [getattr(w, name) for w in waterfall]
        return None if any(v is None for v in values) else round(sum(values), 2)

    wt = WaterfallRow(quarter=f"{rows[0].quarter} to {rows[-1].quarter}", start=rows[0].arr_start,
                      new=total("new"), reactivation=total("reactivation"), expansion=total("expansion"),
                      contraction=total("contraction"), churn=total("churn"), end=rows[-1].arr,
                      net_new=None if rows[0].arr_start is None else rows[-1].arr - rows[0].arr_start)
    if waterfall[0].new is None:
        notes.append("no ARR movements (new, expansion, contraction, churn) given: the waterfall shows net new ARR only")
    return MetricsResult(company=company, as_of=as_of, quarter=report, metrics=headline, by_quarter=by_quarter,
                         waterfall=waterfall, waterfall_total=wt, waterfall_markdown=waterfall_markdown(waterfall, wt),
                         flags=flags, notes=notes)


def _signed(v: float | None, sign: str) -> str:
    if v is None:
        return "—"
    if v == 0:
        return "$0"
    return f"{sign}${abs(v):,.0f}"


def waterfall_markdown(rows: list[WaterfallRow], total: WaterfallRow) -> str:
    """A board-ready table: every quarter, then the whole window; each row adds up."""
    react = any(r.reactivation for r in rows)
    head = ["Quarter", "Starting ARR", "New", *(["Reactivation"] if react else []), "Expansion",
            "Contraction", "Churn", "Ending ARR", "Net new ARR"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for r in [*rows, total]:
        bold = r is total
        cells = [r.quarter, _signed(r.start, ""), _signed(r.new, "+"),
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
                   as_of=options.as_of, quarter=options.quarter, segment=options.segment)


# ----------------------------------------------------------------------------- rendering

def _fmt(metric: Metric) -> str:
    if metric.value is None:
        return "n/a"
    if metric.unit == "months":
        return f"{metric.value:.1f} months"
    if metric.unit == "fraction":
        return f"{metric.value:.1%}"
    return f"{metric.value:.2f}"


def render(result: MetricsResult) -> str:
    name = f"{result.company} — " if result.company else ""
    as_of = f" (as of {result.as_of.isoformat()})" if result.as_of else ""
    lines = [f"{name}unit economics for {result.quarter}{as_of}", ""]
    for metric in result.metrics.values():
        mark = "  ⚑ " + metric.flag if metric.flag else ""
        lines.append(f"{metric.name}: {_fmt(metric)}{mark}")
        lines.append(f"    = {metric.formula}")
        if metric.calculation:
            lines.append(f"    = {metric.calculation}")
        if metric.band:
            lines.append(f"    band: {metric.band}")
        if metric.value is None and metric.note:
            lines.append(f"    ({metric.note})")
    lines += ["", "Trend:", f"  {'Quarter':<8} {'ARR':>11} {'Net new':>10} {'Magic':>6} {'Payback':>8} "
              f"{'GM-adj':>7} {'Burn x':>7} {'Rule 40':>8}"]

    def n(v: float | None, fmt: str) -> str:
        return "—" if v is None else format(v, fmt)

    for q in result.by_quarter:
        lines.append(f"  {q.quarter:<8} {usd(q.arr):>11} {('—' if q.net_new_arr is None else usd(q.net_new_arr)):>10} "
                     f"{n(q.magic_number, '.2f'):>6} {n(q.cac_payback_months, '.1f'):>8} "
                     f"{n(q.cac_payback_months_gm_adjusted, '.1f'):>7} {n(q.burn_multiple, '.2f'):>7} "
                     f"{n(q.rule_of_40, '.0%'):>8}")
    lines += ["", "ARR waterfall:", result.waterfall_markdown]
    if result.flags:
        lines += ["", "Flags:"]
        lines += [f"  [{f.severity}] {f.id}: {f.message}" for f in result.flags]
    if result.notes:
        lines += ["", "Notes:"]
        lines += [f"  - {note}" for note in result.notes]
    return "\n".join(lines)


SPEC = ToolSpec(
    name="revenue_metrics",
    summary="Unit economics for the board: magic number, CAC payback, burn multiple, Rule of 40",
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
