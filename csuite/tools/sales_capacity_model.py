"""Sales capacity: can the AE team we have (and will hire) carry next year's new-ARR target?

Input is a plan document (YAML or JSON, or the same object inline) with these top-level keys
(`COLUMN_ALIASES` lists the accepted spellings; unknown keys are refused so a typo never
silently falls back to a default):

    company              optional name
    as_of                the plan's date (overridden by --as-of); which reps are ramping depends on it
    quota                annual new-ARR quota of a fully ramped AE (reps without their own, new hires)
    reps                 list of {name, start_date, quota?}: the current team, plus signed starts
    targets              new-ARR target per quarter: {"2027-Q1": "$650K", ...} or [{quarter, target}]
    ramp_curve           share of quota by tenure month 1, 2, ... (non-decreasing, 100% afterwards)
    annual_attrition     share of AEs who leave in a year (converted per month as (1 − a)^(1/12))
    attainment           ramped AEs' average bookings as a share of quota (default 100%)
    avg_deal_size        average new-ARR deal
    win_rate             won ÷ (won + lost)
    sales_cycle_days     average days from opportunity created to closed
    time_to_hire_days    requisition opened → AE's first day

Capacity of one AE in a calendar month = quota/12 × ramp(tenure month) × attainment × survival.
Tenure month 1 is the first full calendar month of employment (starting on the 1st counts);
survival = (1 − annual attrition)^(months after the as-of month, or after the rep's start if
later ÷ 12) — attrition is compounded per month, never a yearly rate divided by 12.

Hiring: quarters are filled in order. For a quarter still short of target, the hires needed are
counted as fully ramped reps (the gap ÷ one ramped rep's quarter); they must start `ramp`
months before the quarter, and each batch is then moved as late as it can start while still
closing that gap. A quarter whose gap cannot be closed because even the earliest possible hire
(as-of + time to hire) would still be ramping is reported as unreachable, not papered over
with a crowd of half-ramped hires.

Pipeline: to book T at win rate w you need about T ÷ w of pipeline (coverage 1 ÷ w; the
"3x" rule of thumb assumes w ≈ 33%), created at least one sales cycle before quarter end.

Share of reps at quota: a rep who works n opportunities of the average deal size wins
Binomial(n, w) deals; n is set so expected bookings = attainment × ramp-adjusted quota; the rep
is at quota when wins × deal size ≥ quota. Even with exactly enough pipeline for the average,
deal-count luck leaves many reps short — which is why the team-level number matters.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from csuite.errors import InputError
from csuite.io.numbers import usd
from csuite.io.tables import load_document, normalise_keys
from csuite.io.values import (
    Period,
    add_months,
    parse_date,
    parse_int,
    parse_money,
    parse_number,
    parse_percent,
    parse_quarter,
    split_series,
)
from csuite.knowledge.bilingual import Lang
from csuite.knowledge.thresholds import alert_threshold, section
from csuite.tools.base import (
    Amount,
    Count,
    Day,
    Days,
    DaysFloat,
    Flag,
    Headcount,
    MonthCount,
    Quantity,
    Ratio,
    Share,
    Source,
    ToolOptions,
    ToolResult,
    ToolSpec,
)
from csuite.tools.registry import summary_of
from csuite.tools.texts import ToolTexts, pad

NAME = "sales_capacity_model"

# Top-level keys of a capacity plan: logical key → accepted spellings (canonical keys).
COLUMN_ALIASES: dict[str, list[str]] = {
    "company": ["company_name"],
    "as_of": ["asof", "plan_date", "date"],
    "quota": ["quota_per_rep", "annual_quota", "default_quota", "new_hire_quota", "rep_quota"],
    "reps": ["account_executives", "aes", "team", "roster", "sales_reps"],
    "targets": ["target", "new_arr_target", "new_arr_targets", "targets_by_quarter", "quarterly_targets"],
    "ramp_curve": ["ramp", "ramp_by_month", "ramp_schedule"],
    "annual_attrition": ["attrition", "attrition_rate", "rep_attrition", "ae_attrition"],
    "attainment": ["ramped_attainment", "productivity", "average_attainment"],
    "avg_deal_size": ["average_deal_size", "deal_size", "acv", "avg_deal"],
    "win_rate": ["close_rate", "winrate"],
    "sales_cycle_days": ["sales_cycle", "cycle_days", "cycle_length_days", "sales_cycle_length"],
    "time_to_hire_days": ["time_to_hire", "hiring_lead_days", "hire_lead_days"],
}
# Below one win in a thousand the opportunity count per quota overflows and no plan means anything.
MIN_WIN_RATE = 0.001
# A deal under a dollar is a typo; it would also make deals per quota overflow.
MIN_DEAL_SIZE = 1.0
REQUIRED_KEYS = ("quota", "reps", "targets", "avg_deal_size", "win_rate", "sales_cycle_days")

# Keys of one rep in `reps`.
REP_ALIASES: dict[str, list[str]] = {
    "name": ["rep", "ae", "owner", "rep_name"],
    "start_date": ["start", "hire_date", "started", "started_on"],
    "quota": ["annual_quota", "quota_per_year"],
}
_TARGET_ALIASES = {"quarter": ["period", "fiscal_quarter"], "target": ["new_arr", "new_arr_target", "amount"]}
_CENT = 0.005


# ----------------------------------------------------------------------------- inputs

class Rep(BaseModel):
    name: str
    start_date: date
    quota: Amount


class CapacityPlan(BaseModel):
    """A validated plan. Sources record whether a number came from the plan or a benchmark."""

    company: str | None = None
    as_of: date | None = None
    quota: Amount
    reps: list[Rep]
    targets: list[tuple[str, float]]           # (quarter label, target), sorted by date
    ramp_curve: list[Share]
    ramp_source: str
    annual_attrition: Share
    attrition_source: str
    attainment: Share
    avg_deal_size: Amount
    win_rate: Share
    sales_cycle_days: DaysFloat
    time_to_hire_days: Days


class CapacityOptions(ToolOptions):
    as_of: Day | None = Field(None, description="the plan's date (YYYY-MM-DD); decides who is "
                              "ramping and the earliest possible hire; overrides the plan's as_of")


# ----------------------------------------------------------------------------- outputs

class QuarterCapacity(BaseModel):
    quarter: str
    target: Amount
    capacity: Amount = Field(description="expected new ARR from the current team after ramp, attainment and attrition")
    ramped_equivalents: Headcount = Field(description="current team in fully ramped reps, averaged over the quarter")
    gap: Amount = Field(description="target − capacity; negative is a surplus")
    hire_capacity: Amount
    capacity_with_hires: Amount
    gap_after_hires: Amount
    reachable: bool
    pipeline_needed: Amount
    opportunities_needed: Quantity
    pipeline_create_by: date = Field(description="quarter end − sales cycle: the last day an average deal can enter pipeline and close in the quarter")


class HireBatch(BaseModel):
    for_quarter: str
    count: Count
    start_by: date
    open_req_by: date
    capacity_per_hire: Amount = Field(description="one hire's expected new ARR in for_quarter when starting on start_by")


class RepCapacity(BaseModel):
    name: str
    start_date: date
    quota: Amount
    status: Literal["ramped", "ramping", "not_started"]
    ramp_now: Share
    capacity_by_quarter: dict[str, float]
    horizon_quota: Amount = Field(description="ramp-adjusted quota over the target quarters")
    deals_needed: Count
    opportunities: Count
    p_at_quota: Share | None


class PipelinePlan(BaseModel):
    win_rate: Share
    coverage: Ratio = Field(description="1 ÷ win rate")
    rule_of_thumb: Ratio
    avg_deal_size: Amount
    sales_cycle_days: DaysFloat
    total_pipeline_needed: Amount
    total_opportunities: Quantity


class Totals(BaseModel):
    target: Amount
    capacity: Amount
    gap: Amount
    capacity_with_hires: Amount
    gap_after_hires: Amount


class CapacityResult(ToolResult):
    company: str | None
    as_of: date
    horizon: dict[str, str]
    quota: Amount
    ramp_curve: list[Share]
    ramp_months: MonthCount
    annual_attrition: Share
    attainment: Share
    quarters: list[QuarterCapacity]
    totals: Totals
    hires: list[HireBatch]
    hires_needed: Count
    earliest_start: date
    pipeline: PipelinePlan
    reps: list[RepCapacity]
    expected_share_at_quota: Share | None
    assumptions: list[str]


# ----------------------------------------------------------------------------- parsing

def _at(exc: InputError, file: str, field: str) -> InputError:
    return exc.located(file=file, field=field)


def _days(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        days = parse_number(value)
    else:
        m = re.match(r"^\s*([\d.,]+)\s*(days?|d)?\s*$", str(value), re.I)
        if not m:
            raise InputError(f"'{value}' is not a number of days (write e.g. 75)")
        days = parse_number(m.group(1))
    if days < 0 or days > 3650:
        raise InputError(f"{days:g} days is outside 0–3650")
    return days


def _ramp_curve(value: Any) -> list[float]:
    if isinstance(value, str):
        items: list[Any] = split_series(value)
    elif isinstance(value, list):
        items = value
    else:
        raise InputError("must be a list of percentages by tenure month, e.g. [0%, 25%, 50%, 75%, 100%]")
    if not items:
        raise InputError("is empty; give the share of quota for tenure month 1, 2, ...")
    if len(items) > 60:
        raise InputError(f"has {len(items)} months; a ramp longer than 60 months is not a ramp")
    curve = []
    for i, item in enumerate(items, start=1):
        try:
            v = parse_percent(item)
        except InputError as exc:
            raise InputError(f"month {i}: {exc.message}") from None
        if v > 1.0:
            raise InputError(f"month {i}: {v:.0%} is above 100% of quota")
        if curve and v < curve[-1]:
            raise InputError(f"month {i}: {v:.0%} is below month {i - 1} ({curve[-1]:.0%}); a ramp only rises")
        curve.append(v)
    return curve


def _targets(value: Any, file: str) -> list[tuple[str, float]]:
    entries: list[tuple[Any, Any, str]] = []
    if isinstance(value, dict):
        entries = [(k, v, f"targets.{k}") for k, v in value.items()]
    elif isinstance(value, list):
        for i, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                raise InputError("each target must be {quarter, target}", file=file, field=f"targets[{i}]")
            row = normalise_keys(item, _TARGET_ALIASES, file, f" in targets[{i}]")
            if "quarter" not in row or "target" not in row:
                raise InputError("needs both quarter and target", file=file, field=f"targets[{i}]")
            entries.append((row["quarter"], row["target"], f"targets[{i}]"))
    else:
        raise InputError("must map quarters to new-ARR targets, e.g. {2027-Q1: $650K}", file=file,
                         field="targets")
    if not entries:
        raise InputError("has no quarters", file=file, field="targets")
    seen: dict[Period, str] = {}
    out: list[tuple[Period, float]] = []
    for label, amount, where in entries:
        try:
            period = parse_quarter(label)
            money = parse_money(amount)
        except InputError as exc:
            raise _at(exc, file, where) from None
        if period in seen:
            raise InputError(f"quarter {period.label} appears twice", file=file, field=where)
        seen[period] = where
        out.append((period, money))
    out.sort(key=lambda pair: pair[0])
    if len(out) > 40:
        raise InputError(f"has {len(out)} quarters; plan at most 10 years", file=file, field="targets")
    return [(p.label, v) for p, v in out]


def _reps(value: Any, default_quota: float, file: str) -> list[Rep]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError("must be a list of {name, start_date, quota}", file=file, field="reps")
    reps: list[Rep] = []
    names: set[str] = set()
    for i, item in enumerate(value, start=1):
        where = f"reps[{i}]"
        if not isinstance(item, dict):
            raise InputError("must be {name, start_date, quota}", file=file, field=where)
        row = normalise_keys(item, REP_ALIASES, file, f" in {where}")
        name = row.get("name")
        if name is None or not str(name).strip():
            raise InputError("has no name", file=file, field=f"{where}.name")
        name = str(name).strip()
        if name.lower() in names:
            raise InputError(f"rep '{name}' appears twice", file=file, field=f"{where}.name")
        names.add(name.lower())
        if row.get("start_date") in (None, ""):
            raise InputError("is missing", file=file, field=f"{where}.start_date")
        try:
            start = parse_date(row["start_date"])
        except InputError as exc:
            raise _at(exc, file, f"{where}.start_date") from None
        quota = default_quota
        if row.get("quota") not in (None, ""):
            try:
                quota = parse_money(row["quota"])
            except InputError as exc:
                raise _at(exc, file, f"{where}.quota") from None
            if quota <= 0:
                raise InputError("must be above zero", file=file, field=f"{where}.quota")
        reps.append(Rep(name=name, start_date=start, quota=quota))
    return reps


def parse_plan(data: Any, file: str = "<input>") -> CapacityPlan:
    """Validate a plan object; every problem is one InputError naming the file and key."""
    if not isinstance(data, dict):
        raise InputError("expected a capacity plan object with keys " + ", ".join(REQUIRED_KEYS), file=file)
    plan = normalise_keys(data, COLUMN_ALIASES, file, "")
    missing = [k for k in REQUIRED_KEYS if plan.get(k) in (None, "")]
    if missing:
        raise InputError(f"missing key(s) {', '.join(missing)}", file=file)
    bench = section("benchmarks")
    own = section("sales_capacity_model")

    def field(key: str, parser, *, default=None):
        value = plan.get(key)
        if value in (None, ""):
            return default
        try:
            return parser(value)
        except InputError as exc:
            raise _at(exc, file, key) from None

    quota = field("quota", parse_money)
    if quota <= 0:
        raise InputError("must be above zero", file=file, field="quota")
    avg_deal = field("avg_deal_size", parse_money)
    if avg_deal < MIN_DEAL_SIZE:
        raise InputError(f"must be at least ${MIN_DEAL_SIZE:,.0f}", file=file, field="avg_deal_size")
    win_rate = field("win_rate", parse_percent)
    if not MIN_WIN_RATE <= win_rate <= 1:
        raise InputError(f"{win_rate:.1%} must be at least {MIN_WIN_RATE:.1%} and at most 100%", file=file,
                         field="win_rate")
    ramp = field("ramp_curve", _ramp_curve)
    ramp_source = "plan"
    if ramp is None:
        months = int(bench["ae_ramp_months"])
        ramp = [k / months for k in range(months)]     # linear: 0%, 20%, ... then 100%
        ramp_source = f"benchmark: linear over {months} months (benchmarks.ae_ramp_months)"
    attrition = field("annual_attrition", parse_percent)
    attrition_source = "plan"
    if attrition is None:
        attrition = float(bench["ae_annual_attrition"])
        attrition_source = "benchmark (benchmarks.ae_annual_attrition)"
    if not 0 <= attrition < 1:
        raise InputError(f"{attrition:.1%} must be below 100% a year", file=file, field="annual_attrition")
    attainment = field("attainment", lambda v: parse_percent(v, fraction_max=3),
                       default=float(own["default_attainment"]))
    if not 0 < attainment <= 3:
        raise InputError(f"{attainment:.0%} must be above 0% and at most 300%", file=file, field="attainment")
    as_of = field("as_of", parse_date)
    company = plan.get("company")
    return CapacityPlan(
        company=str(company) if company is not None else None,
        as_of=as_of,
        quota=quota,
        reps=_reps(plan.get("reps"), quota, file),
        targets=_targets(plan["targets"], file),
        ramp_curve=ramp,
        ramp_source=ramp_source,
        annual_attrition=attrition,
        attrition_source=attrition_source,
        attainment=attainment,
        avg_deal_size=avg_deal,
        win_rate=win_rate,
        sales_cycle_days=field("sales_cycle_days", _days),
        time_to_hire_days=field("time_to_hire_days", lambda v: parse_int(_days(v)),
                                default=int(own["time_to_hire_days"])),
    )


def load_plan(source: Source) -> CapacityPlan:
    if isinstance(source, dict):
        return parse_plan(source, "<input>")
    if isinstance(source, list) or source is None:
        raise InputError("expected a capacity plan (YAML/JSON object), not a list of rows")
    data = load_document(source)
    return parse_plan(data, str(Path(source)))


# ----------------------------------------------------------------------------- model

def _idx(day: date) -> int:
    return day.year * 12 + day.month - 1


@lru_cache(maxsize=65536)
def ramp_start(start: date) -> date:
    """Tenure month 1 = the first full calendar month of employment."""
    return start if start.day == 1 else add_months(start.replace(day=1), 1)


def ramp_at(curve: list[float], tenure_month: int) -> float:
    if tenure_month < 1:
        return 0.0
    return curve[tenure_month - 1] if tenure_month <= len(curve) else 1.0


def ramp_months(curve: list[float]) -> int:
    """Months before a new AE carries full quota (the curve's months below 100%)."""
    return sum(1 for v in curve if v < 1.0)


def _months(period: Period) -> list[int]:
    first = _idx(period.start)
    return [first, first + 1, first + 2]


class _Model:
    def __init__(self, plan: CapacityPlan, as_of: date) -> None:
        self.plan = plan
        self.as_of_idx = _idx(as_of)
        self.keep = 1.0 - plan.annual_attrition

    def month(self, quota: float, start: date, month_idx: int, *, attrition: bool = True,
              attainment: bool = True) -> tuple[float, float]:
        """(expected bookings, ramp × survival) of one AE in one calendar month."""
        first = _idx(ramp_start(start))
        ramp = ramp_at(self.plan.ramp_curve, month_idx - first + 1)
        survival = 1.0
        if attrition:
            elapsed = max(0, month_idx - max(self.as_of_idx, first))
            survival = self.keep ** (elapsed / 12.0)
        factor = self.plan.attainment if attainment else 1.0
        return quota / 12.0 * ramp * factor * survival, ramp * survival

    def quarter(self, quota: float, start: date, period: Period, **kw: bool) -> tuple[float, float]:
        cap = fte = 0.0
        for m in _months(period):
            c, f = self.month(quota, start, m, **kw)
            cap += c
            fte += f
        return cap, fte / 3.0


def _c(value: float) -> float:
    """Money in the output: dollars and cents (the model itself keeps full precision)."""
    return round(value + 0.0, 2)


def binomial_tail(n: int, p: float, k: int) -> float:
    """P(Binomial(n, p) ≥ k), exact in log space; normal approximation for very large n."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p >= 1.0:
        return 1.0
    if p <= 0.0:
        return 0.0
    if n > 20000:
        mean, sd = n * p, math.sqrt(n * p * (1 - p))
        return 0.5 * math.erfc((k - 0.5 - mean) / (sd * math.sqrt(2)))
    # Sum whichever tail lies away from the mode, starting at its largest term (log space, so a
    # far tail underflows to 0 harmlessly), each next term by the ratio of neighbours.
    def log_term(i: int) -> float:
        return (math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                + i * math.log(p) + (n - i) * math.log1p(-p))

    odds = p / (1.0 - p)
    total = 0.0
    if k > n * p:                                   # upper tail P(X ≥ k), terms fall as i rises
        term = math.exp(log_term(k))
        for i in range(k, n + 1):
            total += term
            term *= (n - i) / (i + 1) * odds
            if term <= total * 1e-17:
                break
        return min(1.0, total)
    term = math.exp(log_term(k - 1))                # lower tail P(X ≤ k−1), terms fall as i drops
    for i in range(k - 1, -1, -1):
        total += term
        term *= i / (n - i + 1) / odds
        if term <= total * 1e-17:
            break
    return max(0.0, 1.0 - total)


def _assumptions(plan: CapacityPlan) -> list[str]:
    out = []
    if plan.ramp_source != "plan":
        out.append(f"ramp curve from {plan.ramp_source}: " + ", ".join(f"{v:.0%}" for v in plan.ramp_curve)
                   + ", then 100%")
    if plan.attrition_source != "plan":
        out.append(f"annual AE attrition {plan.annual_attrition:.0%} from {plan.attrition_source}")
    return out


def _rep_capacity(rep: Any, plan: CapacityPlan, model: _Model, periods: list[Period], as_of: date,
                  existing: dict[str, list[float]]) -> RepCapacity:
    """One rep: capacity per quarter (added to `existing`), ramp today, and the chance of quota."""
    by_q: dict[str, float] = {}
    for p in periods:
        cap, fte = model.quarter(rep.quota, rep.start_date, p)
        existing[p.label][0] += cap
        existing[p.label][1] += fte
        by_q[p.label] = cap
    ramp_now = ramp_at(plan.ramp_curve, model.as_of_idx - _idx(ramp_start(rep.start_date)) + 1)
    status = "not_started" if rep.start_date > as_of else "ramping" if ramp_now < 1.0 else "ramped"
    # Ramp-adjusted quota over the horizon, conditional on staying (no attrition, no attainment).
    horizon_quota = sum(model.quarter(rep.quota, rep.start_date, p, attrition=False, attainment=False)[0]
                        for p in periods)
    deals = opportunities = 0
    p_quota: float | None = None
    if horizon_quota > _CENT:
        deals = math.ceil(horizon_quota / plan.avg_deal_size - 1e-9)
        opportunities = math.floor(plan.attainment * horizon_quota / (plan.avg_deal_size * plan.win_rate) + 0.5)
        p_quota = binomial_tail(opportunities, plan.win_rate, deals)
    return RepCapacity(name=rep.name, start_date=rep.start_date, quota=rep.quota, status=status,
                       ramp_now=ramp_now, capacity_by_quarter={k: _c(v) for k, v in by_q.items()},
                       horizon_quota=_c(horizon_quota), deals_needed=deals, opportunities=opportunities,
                       p_at_quota=p_quota)


@dataclass
class _Hiring:
    hires: list[HireBatch]
    capacity: dict[str, float]     # the hires' capacity per quarter
    unreachable: dict[str, str]    # quarter → why no hire can close its gap
    earliest: date


def _unreachable_reason(plan: CapacityPlan, p: Period, start: date, earliest: date, per_hire: float, count: int,
                        needed_later: int) -> str:
    if start > p.end:
        return f"the earliest possible start, {earliest.isoformat()}, is after the quarter ends"
    share = ramp_at(plan.ramp_curve, _idx(p.end) - _idx(earliest) + 1)
    why = (f"an AE starting on the earliest possible date, {earliest.isoformat()} "
           f"(as-of + {plan.time_to_hire_days} days to hire), is only {share:.0%} ramped by {p.end.isoformat()}")
    if per_hire > 0:
        why += f"; closing it would take {count} hires, more than the {needed_later} ramped reps the plan needs"
    return why


def plan_hires(plan: CapacityPlan, model: _Model, periods: list[Period], targets: dict[str, float],
               existing: dict[str, list[float]], as_of: date) -> _Hiring:
    """Hires for the earliest gap first, each batch starting as late as still closes its quarter."""
    lead = plan.time_to_hire_days
    rmonths = ramp_months(plan.ramp_curve)
    earliest = ramp_start(as_of + timedelta(days=lead))
    hiring = _Hiring(hires=[], capacity={p.label: 0.0 for p in periods}, unreachable={}, earliest=earliest)

    def gap_of(q: Period) -> float:
        return targets[q.label] - existing[q.label][0] - hiring.capacity[q.label]

    for i, p in enumerate(periods):
        gap = gap_of(p)
        if gap <= _CENT:
            continue
        # Reps the plan needs anyway: the most fully ramped reps any remaining quarter is short.
        needed_later = 0
        for q in periods[i:]:
            if gap_of(q) > _CENT:
                per = model.quarter(plan.quota, add_months(q.start, -rmonths), q)[0]
                needed_later = max(needed_later, math.ceil(gap_of(q) / per - 1e-9))
        start = max(earliest, add_months(p.start, -rmonths))
        per_hire = model.quarter(plan.quota, start, p)[0]
        count = math.ceil(gap / per_hire - 1e-9) if per_hire > 0 else 0
        if per_hire <= 0 or count > needed_later:
            hiring.unreachable[p.label] = _unreachable_reason(plan, p, start, earliest, per_hire, count, needed_later)
            continue
        # Slide the start as late as it can go while `count` hires still close this gap.
        while True:
            later = add_months(start, 1)
            if later > p.end or count * model.quarter(plan.quota, later, p)[0] < gap - _CENT:
                break
            start = later
        batch = HireBatch(for_quarter=p.label, count=count, start_by=start,
                          open_req_by=start - timedelta(days=lead),
                          capacity_per_hire=_c(model.quarter(plan.quota, start, p)[0]))
        hiring.hires.append(batch)
        for q in periods:
            hiring.capacity[q.label] += batch.count * model.quarter(plan.quota, batch.start_by, q)[0]
    return hiring


def _quarter_rows(plan: CapacityPlan, periods: list[Period], targets: dict[str, float],
                  existing: dict[str, list[float]], hiring: _Hiring, as_of: date) -> tuple[list[QuarterCapacity], list[Flag]]:
    coverage = 1.0 / plan.win_rate
    quarters: list[QuarterCapacity] = []
    flags: list[Flag] = []
    for p in periods:
        target = targets[p.label]
        cap, fte = existing[p.label]
        with_hires = cap + hiring.capacity[p.label]
        pipeline = target * coverage
        row = QuarterCapacity(
            quarter=p.label, target=target, capacity=_c(cap), ramped_equivalents=round(fte, 4),
            gap=_c(target - cap), hire_capacity=_c(hiring.capacity[p.label]),
            capacity_with_hires=_c(with_hires), gap_after_hires=_c(target - with_hires),
            reachable=p.label not in hiring.unreachable, pipeline_needed=_c(pipeline),
            opportunities_needed=round(pipeline / plan.avg_deal_size, 2),
            pipeline_create_by=p.end - timedelta(days=round(plan.sales_cycle_days)))
        quarters.append(row)
        if p.label in hiring.unreachable:
            flags.append(Flag(
                id="target_unreachable", severity="high", period=p.label,
                message=(f"{p.label}: target ${target:,.0f} is ${target - with_hires:,.0f} above capacity even with "
                         f"the hires planned; no hire can close it in time: {hiring.unreachable[p.label]}")))
        if p.end < as_of:
            flags.append(Flag(
                id="quarter_already_ended", severity="low", period=p.label,
                message=f"{p.label} ended before the as-of date {as_of.isoformat()}; its capacity is a model, not bookings"))
        elif row.pipeline_create_by < as_of and target > _CENT:
            flags.append(Flag(
                id="pipeline_window_passed", severity="medium", period=p.label,
                message=(f"{p.label}: an average {plan.sales_cycle_days:g}-day deal had to be in pipeline by "
                         f"{row.pipeline_create_by.isoformat()}; the ${pipeline:,.0f} needed must already exist")))
    return quarters, flags


def _plan_flags(plan: CapacityPlan, rmonths: int, horizon_months: int, share: float | None) -> list[Flag]:
    flags = []
    if rmonths >= horizon_months:
        flags.append(Flag(id="ramp_longer_than_horizon", severity="medium",
                          message=(f"the ramp takes {rmonths} months and the plan covers {horizon_months}: "
                                   "no new hire reaches full quota inside the horizon")))
    coverage, rule = 1.0 / plan.win_rate, float(section("benchmarks")["pipeline_coverage_target"])
    if coverage > rule + 1e-9:
        flags.append(Flag(id="coverage_above_rule_of_thumb", severity="medium", value=coverage, threshold=rule,
                          unit="ratio", metric="pipeline.coverage",
                          message=(f"at a {plan.win_rate:.0%} win rate you need {coverage:.1f}x pipeline coverage; "
                                   f"the {rule:g}x rule of thumb would leave you short")))
    line = alert_threshold("quota_attainment_low", "reps_at_quota")
    if share is not None and line is not None and share < line:
        flags.append(Flag(id="share_at_quota_low", severity="medium", value=share, threshold=line,
                          unit="fraction", metric="expected_share_at_quota",
                          message=(f"only {share:.0%} of reps are expected to reach quota (below {line:.0%}): "
                                   "quotas, attainment or deal volume do not fit")))
    return flags


def compute(plan: CapacityPlan, as_of: date) -> CapacityResult:
    """The capacity plan: pure function of a validated plan and a date."""
    model = _Model(plan, as_of)
    periods = [parse_quarter(label) for label, _ in plan.targets]
    targets = {label: value for label, value in plan.targets}
    rmonths = ramp_months(plan.ramp_curve)
    horizon_months = _idx(periods[-1].end) - _idx(periods[0].start) + 1
    existing = {p.label: [0.0, 0.0] for p in periods}
    reps_out = [_rep_capacity(rep, plan, model, periods, as_of, existing) for rep in plan.reps]
    hiring = plan_hires(plan, model, periods, targets, existing, as_of)
    quarters, flags = _quarter_rows(plan, periods, targets, existing, hiring, as_of)
    shares = [r.p_at_quota for r in reps_out if r.p_at_quota is not None]
    share = sum(shares) / len(shares) if shares else None
    flags += _plan_flags(plan, rmonths, horizon_months, share)
    coverage = 1.0 / plan.win_rate
    total_target = sum(targets.values())
    total_cap = sum(existing[p.label][0] for p in periods)
    total_with = total_cap + sum(hiring.capacity.values())
    return CapacityResult(
        company=plan.company, as_of=as_of, horizon={"start": periods[0].label, "end": periods[-1].label},
        quota=plan.quota, ramp_curve=plan.ramp_curve, ramp_months=rmonths, annual_attrition=plan.annual_attrition,
        attainment=plan.attainment, quarters=quarters,
        totals=Totals(target=_c(total_target), capacity=_c(total_cap), gap=_c(total_target - total_cap),
                      capacity_with_hires=_c(total_with), gap_after_hires=_c(total_target - total_with)),
        hires=hiring.hires, hires_needed=sum(h.count for h in hiring.hires), earliest_start=hiring.earliest,
        pipeline=PipelinePlan(
            win_rate=plan.win_rate, coverage=coverage, rule_of_thumb=float(section("benchmarks")["pipeline_coverage_target"]),
            avg_deal_size=plan.avg_deal_size, sales_cycle_days=plan.sales_cycle_days,
            total_pipeline_needed=_c(total_target * coverage),
            total_opportunities=round(total_target * coverage / plan.avg_deal_size, 2)),
        reps=reps_out, expected_share_at_quota=share, flags=flags, assumptions=_assumptions(plan))


def run(source: Source, options: CapacityOptions | None = None) -> CapacityResult:
    options = options or CapacityOptions()
    plan = load_plan(source)
    as_of = options.as_of or plan.as_of
    if as_of is None:
        raise InputError("no as-of date: pass --as-of YYYY-MM-DD or add as_of to the plan "
                         "(who is ramping depends on the date)")
    return compute(plan, as_of)


# ----------------------------------------------------------------------------- rendering

def render(result: CapacityResult, lang: Lang = "en") -> str:
    T = ToolTexts(NAME, lang)
    name = T("company", company=result.company) if result.company else ""
    columns = [("col_target", 11), ("col_capacity", 11), ("col_gap", 11), ("col_with_hires", 11),
               ("col_gap_after", 11), ("col_pipeline", 11), ("col_opps", 5)]
    lines = [
        T("title", name=name, as_of=result.as_of.isoformat(), start=result.horizon["start"], end=result.horizon["end"]),
        T("assumptions_line", quota=f"${result.quota:,.0f}", ramp=result.ramp_months,
          attrition=f"{result.annual_attrition:.0%}", attainment=f"{result.attainment:.0%}"),
        "",
        pad(T("col_quarter"), 9) + "".join(" " + pad(T(key), size, right=True) for key, size in columns)
        + "  " + T("col_create_by"),
    ]
    for q in result.quarters:
        lines.append(T("quarter_row", quarter=q.quarter, target=usd(round(q.target)), capacity=usd(round(q.capacity)),
                       gap=usd(round(q.gap)), with_hires=usd(round(q.capacity_with_hires)),
                       gap_after=usd(round(q.gap_after_hires)), pipeline=usd(round(q.pipeline_needed)),
                       opps=q.opportunities_needed, create_by=q.pipeline_create_by.isoformat(),
                       mark="" if q.reachable else T("unreachable")))
    t = result.totals
    lines.append(T("total_row", total=pad(T("total"), 9), target=usd(round(t.target)), capacity=usd(round(t.capacity)),
                   gap=usd(round(t.gap)), with_hires=usd(round(t.capacity_with_hires)),
                   gap_after=usd(round(t.gap_after_hires)), pipeline=usd(round(result.pipeline.total_pipeline_needed)),
                   opps=result.pipeline.total_opportunities))
    lines.append("")
    if result.hires:
        lines.append(T("hires", count=result.hires_needed, earliest=result.earliest_start.isoformat()))
        for h in result.hires:
            lines.append(T("hire", count=h.count, quarter=h.for_quarter, start_by=h.start_by.isoformat(),
                           open_by=h.open_req_by.isoformat(), capacity=usd(round(h.capacity_per_hire))))
    else:
        lines.append(T("no_hires"))
    p = result.pipeline
    lines.append(T("coverage", coverage=f"{p.coverage:.1f}", win_rate=f"{p.win_rate:.0%}", rule=f"{p.rule_of_thumb:g}",
                   deal=f"${p.avg_deal_size:,.0f}", cycle=f"{p.sales_cycle_days:g}"))
    if result.expected_share_at_quota is not None:
        lines.append(T("share_at_quota", share=f"{result.expected_share_at_quota:.1%}"))
    lines.append("")
    lines.append(T("team"))
    for r in result.reps:
        at_quota = f"{r.p_at_quota:.0%}" if r.p_at_quota is not None else T("n_a")
        lines.append(T("rep_row", name=pad(r.name, 24), status=pad(T.term(r.status), 11), ramp=f"{r.ramp_now:>4.0%}",
                       quota=usd(round(r.horizon_quota)), at_quota=at_quota))
    if result.flags:
        lines.append("")
        lines.append(T("warnings"))
        lines.extend(T("flag", severity=T.term(w.severity), id=w.id, message=T.say(w.message)) for w in result.flags)
    if result.assumptions:
        lines.append("")
        lines.append(T("assumptions"))
        lines.extend(T("assumption_item", text=T.say(a)) for a in result.assumptions)
    return "\n".join(lines)


SPEC = ToolSpec(
    name=NAME,
    summary=summary_of(NAME),
    role="cro",
    input_help="capacity plan (YAML or JSON): quota, reps with start dates, targets by quarter, "
               "ramp_curve, annual_attrition, avg_deal_size, win_rate, sales_cycle_days",
    sample="sales_capacity.yaml",
    options=CapacityOptions,
    result=CapacityResult,
    run=run,
    render=render,
    data_kinds=("capacity",),
)
