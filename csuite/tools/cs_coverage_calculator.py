"""CS coverage: how many CSMs each tier needs now and in 12 months, and when to hire them.

Every number comes from the founder's book of business and the `cs_coverage_calculator:` section
of csuite/data/thresholds.yaml (ratios, ramp, buffer, lead time, costs, the manager rule):

* A tier's coverage model is tech-touch, pooled, named, or named + executive sponsor (from the
  book's model column, or from the tier's name: strategic, key, core, long tail ...; tier names
  are case-insensitive). Required CSMs (FTE) = max(ARR / ARR per CSM, accounts / accounts per CSM)
  x (1 + buffer). A book may override either ratio per tier.
* Tiers keep fractional FTE; the team's required headcount is ceil(sum of tier FTE). Rounding each
  tier up would invent up to one CSM per tier (a 50-account tech-touch tier is 0.1 FTE, not a hire).
* Growth per tier compounds monthly: ARR x (1 + growth)^(month / 12), accounts likewise.
* Hiring: capacity needed in month N needs a CSM who STARTS ramp_months earlier (ramp per model)
  and a requisition OPENED hire_ahead_days before that start. Needs are planned in month
  order, so gaps that exist today take the first requisitions (month 0) and are marked late with
  the month they will actually be covered; each hire goes to the tier with the largest remaining
  FTE deficit (ties: the higher-touch model first).
* Managers follow one rule from the YAML (manager_rule: CSMs per manager, and the team size at
  which the first manager is needed) applied to CSMs on payroll; its sentence is built from them.
* Cost is incremental: only people added by the plan, from their start month, never today's team.
* Output is capped: at most plan_row_limit hires are listed one by one; the month table and the
  per-tier totals always count every hire.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from csuite.errors import InputError, UsageError
from csuite.io.numbers import usd
from csuite.io.tables import (
    Table,
    canonical_key,
    cell,
    load_document,
    read_table,
    resolve_columns,
)
from csuite.io.values import add_months, parse_int, parse_money, parse_percent
from csuite.knowledge.bilingual import LANGS, Lang, pick
from csuite.knowledge.thresholds import section
from csuite.tools.base import (
    Amount,
    Count,
    Day,
    Days,
    Headcount,
    Money,
    MonthCount,
    Percent,
    Quantity,
    Share,
    Source,
    ToolOptions,
    ToolResult,
    ToolSpec,
)
from csuite.tools.registry import summary_of
from csuite.tools.texts import ToolTexts, pad

NAME = "cs_coverage_calculator"
MODEL_ORDER = ("named_exec", "named", "pooled", "tech_touch")   # highest touch first
DAYS_PER_MONTH = 365.25 / 12
MAX_PLAN_MONTHS = 120      # a hiring plan that needs more than ten years of requisitions is refused

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "tier": ("segment", "tier_name", "customer_tier", "segment_name"),
    "coverage_model": ("model", "coverage", "cs_model", "engagement_model", "touch_model"),
    "accounts": ("account_count", "accounts_count", "number_of_accounts", "num_accounts",
                 "customer_count", "customers", "logos"),
    "arr": ("total_arr", "book_arr", "arr_usd", "annual_recurring_revenue", "tier_arr"),
    "current_csms": ("csms", "current_csm_count", "csm_count", "current_csm", "csm_headcount"),
    "growth": ("growth_rate", "growth_12m", "annual_growth", "yoy_growth", "expected_growth"),
    "arr_growth": ("arr_growth_12m", "arr_growth_rate", "expected_arr_growth"),
    "account_growth": ("account_growth_12m", "accounts_growth", "accounts_growth_12m",
                       "logo_growth", "customer_growth"),
    "arr_per_csm": ("arr_per_csm_override", "target_arr_per_csm"),
    "accounts_per_csm": ("max_accounts_per_csm", "accounts_per_csm_override", "account_per_csm"),
}
REQUIRED = ("tier", "accounts", "arr", "current_csms")


def config() -> dict[str, Any]:
    return section(NAME)


# --------------------------------------------------------------------------------------------
# Models


class CoverageOptions(ToolOptions):
    as_of: Day | None = Field(None, description="first month of the plan (YYYY-MM-DD or YYYY-MM); "
                                                "default: the current month")
    buffer: Percent | None = Field(None, description="capacity buffer added to every tier (e.g. 0.15); "
                                                     "default from thresholds.yaml")
    growth: Percent | None = Field(None, description="12-month growth for tiers whose book gives "
                                                     "none (e.g. 0.4); default 0")
    current_managers: int = Field(0, ge=0, description="CS managers on the team today")
    csm_cost: Money | None = Field(None, description="fully loaded annual cost of a CSM; default "
                                                     "from thresholds.yaml")
    manager_cost: Money | None = Field(None, description="fully loaded annual cost of a CS manager; "
                                                         "default from thresholds.yaml")
    max_reqs_per_month: int | None = Field(None, ge=1, description="most CSM requisitions opened in "
                                           "one month (today's gaps first); default: no limit")
    limit: int | None = Field(None, ge=1, description="hires listed one by one; default from "
                                                      "thresholds.yaml")


class TierCoverage(BaseModel):
    tier: str
    coverage_model: str
    model_label: str
    accounts: Count
    arr: Amount
    current_csms: Count
    arr_growth: Share
    account_growth: Share
    arr_per_csm: Amount
    accounts_per_csm: Count
    ramp_months: MonthCount
    min_accounts_per_csm: Count | None = Field(description="the fewest accounts one CSM is staffed for (caps the need)")
    binding_constraint: str = Field(description="'arr', 'accounts' or 'account_cap': which limit sets the need now")
    required_csms_now: Headcount = Field(description="FTE incl. buffer")
    required_csms_12m: Headcount
    accounts_12m: Quantity
    arr_12m: Amount
    gap_now: Headcount = Field(description="required FTE now - current CSMs (positive: short)")
    gap_12m: Headcount
    hires_planned: Count
    by_model: dict[str, float] = Field(description="FTE now (incl. buffer) under each coverage model")


class Hire(BaseModel):
    role: str = Field(description="'csm' or 'manager'")
    tier: str | None
    coverage_model: str | None
    needed_month: str
    open_req_month: str
    start_month: str
    ready_month: str
    late_months: MonthCount = Field(description="months between need and full productivity (0 = on time)")
    reason: str


class MonthRow(BaseModel):
    month: str
    required_csms: Count
    csms_on_payroll: Count
    ramped_csms: Count
    shortfall: Count
    reqs_opened: Count
    csm_starts: Count
    managers_required: Count
    managers_on_payroll: Count
    manager_starts: Count
    incremental_cost: Amount
    cumulative_incremental_cost: Amount


class Totals(BaseModel):
    accounts: Count
    arr: Amount
    current_csms: Count
    current_managers: Count
    required_fte_now: Headcount
    required_csms_now: Count
    required_fte_12m: Headcount
    required_csms_12m: Count
    gap_now: Count = Field(description="required CSMs now - current (negative: surplus)")
    gap_12m: Count
    managers_required_now: Count
    managers_required_12m: Count
    csm_hires: Count
    manager_hires: Count


class CoverageResult(ToolResult):
    source: str
    as_of: date
    start_month: str
    month_12: str
    buffer: Share
    hire_ahead_days: Days
    lead_months: MonthCount
    csm_annual_cost: Amount
    manager_annual_cost: Amount
    manager_rule: str
    tiers: list[TierCoverage]
    totals: Totals
    months: list[MonthRow]
    hires: list[Hire]
    hires_total: Count
    hires_omitted: Count
    hires_by_tier: dict[str, Count]
    incremental_cost_12m: Amount = Field(description="sum of the 12 monthly incremental costs")
    incremental_run_rate_12m: Amount = Field(description="annual cost of the people added by month 12")
    rebalancing: list[str]


# --------------------------------------------------------------------------------------------
# Reading


class _Tier:
    __slots__ = ("name", "key", "row", "model", "accounts", "arr", "current", "g_arr", "g_acc",
                 "arr_per", "acc_per", "min_acc", "ramp", "grew_default")

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


def model_key(text: object, cfg: dict[str, Any]) -> str | None:
    """'Named + Executive Sponsor', 'tech-touch', 'POOLED' -> the YAML model key, or None."""
    key = canonical_key(str(text))
    for model, spellings in cfg["model_aliases"].items():
        labels = [pick(cfg["models"][model]["label"], lang) for lang in LANGS]
        if key in {canonical_key(s) for s in [model, *spellings, *labels]}:
            return model
    return None


def model_label(model: str, lang: Lang = "en") -> str:
    """A coverage model's name in `lang` ("Named + executive sponsor", "专属 + 高管负责人")."""
    return pick(config()["models"][model]["label"], lang)


def _book_table(source: Source) -> Table:
    """A CSV/JSON/YAML book: rows, or {"tiers": [...]}, or {"tiers": {"Strategic": {...}}}."""
    keys = ("tiers", "book", "segments", "rows", "records", "data", "items")
    doc: Any = None
    file = "<book>"
    if isinstance(source, (list, dict)):
        doc = source
    else:
        path = Path(source)  # type: ignore[arg-type]
        if path.suffix.lower() in (".json", ".yaml", ".yml"):
            doc, file = load_document(path), str(path)
        else:
            return read_table(path)
    if isinstance(doc, dict):
        for key in keys:
            value = doc.get(key)
            if isinstance(value, dict):
                rows = []
                for name, body in value.items():
                    if not isinstance(body, dict):
                        raise InputError("expected an object of tier fields", file=file,
                                         field=f"{key}.{name}")
                    rows.append({"tier": name, **body})
                doc = rows
                break
    if not isinstance(doc, (list, dict)):
        raise InputError("expected a list of tiers or an object with a tiers list", file=file)
    table = read_table(doc, list_keys=keys, name="book")
    if file != "<book>":
        table.file = file
    return table


def read_book(source: Source, options: CoverageOptions, cfg: dict[str, Any]) -> tuple[list[_Tier], Table, list[str]]:
    table = _book_table(source)
    mapping = resolve_columns(table, COLUMN_ALIASES, REQUIRED)
    if not table.rows:
        raise InputError("has no tiers (only a header)", file=table.file)
    models = cfg["models"]
    defaults = {canonical_key(k): v for k, v in cfg["default_model_by_tier"].items()}
    tiers: list[_Tier] = []
    seen: dict[str, int] = {}
    flat: list[str] = []
    for line, row in table:
        field = "tier"
        try:
            raw = cell(row, mapping, "tier")
            if raw is None:
                raise InputError("tier name is blank")
            name = str(raw).strip()
            key = canonical_key(name)
            if key in seen:
                raise InputError(f"tier '{name}' appears twice (first on row {seen[key]}; tier "
                                 "names are case-insensitive)")
            field = "coverage_model"
            raw = cell(row, mapping, "coverage_model")
            if raw is not None:
                model = model_key(raw, cfg)
                if model is None:
                    raise InputError(f"unknown coverage model '{raw}' (use one of: "
                                     f"{', '.join(model_label(m) for m in MODEL_ORDER)})")
            else:
                field = "tier"
                model = defaults.get(key)
                if model is None:
                    raise InputError(f"tier '{name}' has no coverage model: add a coverage_model "
                                     "column (tech-touch, pooled, named, named + executive sponsor) "
                                     f"or use a known tier name ({', '.join(cfg['default_model_by_tier'])})")
            field = "accounts"
            accounts = parse_int(_required(row, mapping, "accounts"))
            field = "arr"
            arr = parse_money(_required(row, mapping, "arr"))
            if accounts == 0 and arr > 0:
                raise InputError(f"ARR {usd(arr)} with 0 accounts")
            field = "current_csms"
            current = parse_int(_required(row, mapping, "current_csms"))
            growth_values = {}
            for field in ("growth", "arr_growth", "account_growth"):
                raw = cell(row, mapping, field)
                if raw is not None:
                    value = parse_percent(raw, allow_negative=True)
                    if value <= -1:
                        raise InputError(f"growth {value:.0%} would leave nothing to cover; "
                                         "growth must be above -100%")
                    growth_values[field] = value
            base = growth_values.get("growth")
            default_used = False
            if base is None and ("arr_growth" not in growth_values or "account_growth" not in growth_values):
                base = options.growth if options.growth is not None else 0.0
                default_used = True
            g_arr = growth_values.get("arr_growth", base)
            g_acc = growth_values.get("account_growth", base)
            field = "arr_per_csm"
            raw = cell(row, mapping, "arr_per_csm")
            arr_per = parse_money(raw) if raw is not None else float(models[model]["arr_per_csm"])
            if arr_per <= 0:
                raise InputError("ARR per CSM must be above 0")
            field = "accounts_per_csm"
            raw = cell(row, mapping, "accounts_per_csm")
            acc_per = parse_int(raw, minimum=1) if raw is not None else int(models[model]["accounts_per_csm"])
        except InputError as exc:
            raise exc.located(file=table.file, row=line, field=field) from None
        seen[key] = line
        if default_used and options.growth is None:
            flat.append(name)
        tiers.append(_Tier(name=name, key=key, row=line, model=model, accounts=accounts, arr=arr,
                           current=current, g_arr=g_arr, g_acc=g_acc, arr_per=arr_per, acc_per=acc_per,
                           min_acc=models[model].get("min_accounts_per_csm"),
                           ramp=int(models[model]["ramp_months"]), grew_default=default_used))
    return tiers, table, flat


def _required(row: dict[str, Any], mapping: dict[str, str], fieldname: str) -> Any:
    value = cell(row, mapping, fieldname)
    if value is None:
        raise InputError("is blank")
    return value


# --------------------------------------------------------------------------------------------
# Rules


def required_fte(arr: float, accounts: float, arr_per_csm: float, accounts_per_csm: float,
                 buffer: float, min_accounts_per_csm: float | None = None) -> float:
    """min(max(ARR ÷ ARR per CSM, accounts ÷ accounts per CSM) × (1 + buffer),
    accounts ÷ min accounts per CSM): the book's size in ARR or accounts, whichever needs more,
    capped so no CSM is staffed for fewer than `min_accounts_per_csm` accounts."""
    need = max(arr / arr_per_csm, accounts / accounts_per_csm) * (1 + buffer)
    if min_accounts_per_csm:
        # The fewest accounts a CSM is staffed for never exceeds the most (an override can lower it).
        need = min(need, accounts / min(min_accounts_per_csm, accounts_per_csm))
    return need


def binding_constraint(arr: float, accounts: float, arr_per_csm: float, accounts_per_csm: float, buffer: float,
                       min_accounts_per_csm: float | None) -> str:
    """Which limit sets a tier's need: 'arr', 'accounts' or 'account_cap'."""
    uncapped = required_fte(arr, accounts, arr_per_csm, accounts_per_csm, buffer)
    if min_accounts_per_csm and uncapped > accounts / min(min_accounts_per_csm, accounts_per_csm):
        return "account_cap"
    return "arr" if arr / arr_per_csm >= accounts / accounts_per_csm else "accounts"


def headcount(fte: float) -> int:
    """Whole people for an FTE need; 3.0000000001 from float noise is still 3."""
    return max(0, math.ceil(round(fte, 9)))


def manager_rule_statement(rule: dict[str, Any] | None = None) -> str:
    """The manager rule in words, from the same two numbers managers_needed() applies."""
    rule = rule or config()["manager_rule"]
    per, first = int(rule["csms_per_manager"]), int(rule["first_manager_at"])
    return (f"One CS manager for every {per} CSMs (rounded up) once the team has {first} or more "
            f"CSMs; below {first} CSMs the Head of CS manages them directly.")


def managers_needed(csms: int, rule: dict[str, Any] | None = None) -> int:
    """The one manager rule: ceil(CSMs / csms_per_manager) once CSMs >= first_manager_at, else 0."""
    rule = rule or config()["manager_rule"]
    if csms < int(rule["first_manager_at"]):
        return 0
    return math.ceil(csms / int(rule["csms_per_manager"]))


def lead_months(days: int) -> int:
    """90 days -> 3 months (rounded up: a requisition opened late cannot start early)."""
    return math.ceil(round(days / DAYS_PER_MONTH, 6))


def _tier_fte(t: _Tier, month: int, buffer: float) -> float:
    arr = t.arr * (1 + t.g_arr) ** (month / 12)
    accounts = t.accounts * (1 + t.g_acc) ** (month / 12)
    return required_fte(arr, accounts, t.arr_per, t.acc_per, buffer, t.min_acc)


# --------------------------------------------------------------------------------------------
# Run


@dataclass
class _Settings:
    """The plan's parameters: options over thresholds.yaml defaults."""

    buffer: float
    horizon: int
    ahead_days: int
    lead: int
    csm_cost: float
    manager_cost: float
    reqs_per_month: int | None
    limit: int
    rule: dict[str, Any]
    models: dict[str, Any]
    as_of: date
    current_managers: int

    def label(self, month: int) -> str:
        """'YYYY-MM' of plan month `month` (0 is the as-of month)."""
        return f"{add_months(self.as_of.replace(day=1), month):%Y-%m}"


def _settings(options: CoverageOptions, cfg: dict[str, Any], warnings: list[str]) -> _Settings:
    as_of = options.as_of
    if as_of is None:
        as_of = date.today()
        warnings.append(f"no --as-of given: the plan starts in the current month ({as_of:%Y-%m})")
    ahead_days = int(cfg["hire_ahead_days"])
    return _Settings(
        buffer=float(cfg["buffer"]) if options.buffer is None else options.buffer,
        horizon=int(cfg["horizon_months"]), ahead_days=ahead_days, lead=lead_months(ahead_days),
        csm_cost=float(cfg["csm_annual_cost"]) if options.csm_cost is None else options.csm_cost,
        manager_cost=float(cfg["manager_annual_cost"]) if options.manager_cost is None else options.manager_cost,
        reqs_per_month=options.max_reqs_per_month or cfg.get("max_new_reqs_per_month"),
        limit=options.limit or int(cfg["plan_row_limit"]), rule=cfg["manager_rule"], models=cfg["models"],
        as_of=as_of, current_managers=options.current_managers)


class _RequisitionSlots:
    """Requisitions opened per month, at most `cap` a month (None: no limit)."""

    def __init__(self, cap: int | None) -> None:
        self.cap = cap
        self.opened: dict[int, int] = {}
        self.full_until: dict[int, int] = {}   # month -> a later month worth trying (months that are full)

    def take(self, month: int) -> int:
        """Open one requisition in the first month from `month` with a slot left (path-compressed)."""
        path = []
        while self.cap and self.opened.get(month, 0) >= self.cap:
            path.append(month)
            month = self.full_until.get(month, month + 1)
        for m in path:
            self.full_until[m] = month
        if month > MAX_PLAN_MONTHS:
            raise UsageError(f"--max-reqs-per-month {self.cap} cannot open the requisitions this book "
                             f"needs within {MAX_PLAN_MONTHS // 12} years; raise the limit")
        self.opened[month] = self.opened.get(month, 0) + 1
        return month


@dataclass
class _CsmPlan:
    hires: list[tuple[int, Hire]]   # (tier index, hire)
    opens: list[int]
    starts: list[int]
    readies: list[int]


def _csm_hire(tier: _Tier, index: int, needed: int, open_month: int, uncovered: float, need: list[int],
              current: int, s: _Settings) -> Hire:
    start_month = open_month + s.lead
    ready = start_month + tier.ramp
    late = max(0, ready - needed)
    if needed == 0:
        reason = f"gap today: team needs {need[0]} CSMs, has {current}; {tier.name} is {uncovered:.2f} FTE short"
    else:
        reason = (f"growth: team needs {need[needed]} CSMs by {s.label(needed)}; {tier.name} has the largest "
                  f"uncovered need ({uncovered:.2f} FTE)")
    if late:
        reason += f"; covered {late} month{'s' if late != 1 else ''} late, from {s.label(ready)}"
    return Hire(role="csm", tier=tier.name, coverage_model=tier.model, needed_month=s.label(needed),
                open_req_month=s.label(open_month), start_month=s.label(start_month), ready_month=s.label(ready),
                late_months=late, reason=reason)


def plan_csm_hires(tiers: list[_Tier], fte: list[list[float]], need: list[int], current: int,
                   s: _Settings) -> _CsmPlan:
    """CSM hires in order of the month they are needed (today's gaps first), each to the tier with
    the largest FTE deficit (ties: higher-touch model, then book order), opened ramp + lead time
    before the need."""
    rank = {m: i for i, m in enumerate(MODEL_ORDER)}
    slots = _RequisitionSlots(s.reqs_per_month)
    assigned = [t.current for t in tiers]
    plan = _CsmPlan(hires=[], opens=[], starts=[], readies=[])
    for month in range(s.horizon + 1):
        shortfall = need[month] - current - len(plan.hires)
        if shortfall <= 0:
            continue
        heap = [(-round(fte[i][month] - assigned[i], 9), rank[t.model], i) for i, t in enumerate(tiers)]
        heapq.heapify(heap)
        for _ in range(shortfall):
            _, model_rank, index = heapq.heappop(heap)
            tier = tiers[index]
            open_month = slots.take(max(0, month - tier.ramp - s.lead))
            hire = _csm_hire(tier, index, month, open_month, fte[index][month] - assigned[index], need, current, s)
            plan.hires.append((index, hire))
            plan.opens.append(open_month)
            plan.starts.append(open_month + s.lead)
            plan.readies.append(open_month + s.lead + tier.ramp)
            assigned[index] += 1
            heapq.heappush(heap, (-round(fte[index][month] - assigned[index], 9), model_rank, index))
    return plan


def plan_managers(payroll: list[int], s: _Settings) -> tuple[list[Hire], list[int]]:
    """Manager hires by the one rule, for the CSMs on payroll each month: (hires, start months)."""
    hires: list[Hire] = []
    starts: list[int] = []
    for month in range(s.horizon + 1):
        required = managers_needed(payroll[month], s.rule)
        while s.current_managers + len(hires) < required:
            open_month = max(0, month - s.lead)
            start_month = open_month + s.lead
            late = max(0, start_month - month)
            reason = f"{payroll[month]} CSMs on payroll by {s.label(month)}: {manager_rule_statement(s.rule)}"
            if late:
                reason += f" (in seat {late} month{'s' if late != 1 else ''} late)"
            hires.append(Hire(role="manager", tier=None, coverage_model=None, needed_month=s.label(month),
                              open_req_month=s.label(open_month), start_month=s.label(start_month),
                              ready_month=s.label(start_month), late_months=late, reason=reason))
            starts.append(start_month)
    return hires, starts


def _month_rows(need: list[int], payroll: list[int], ramped: list[int], plan: _CsmPlan, manager_payroll: list[int],
                manager_starts: list[int], current: int, s: _Settings) -> list[MonthRow]:
    months: list[MonthRow] = []
    cumulative = 0.0
    for k in range(s.horizon):
        cost = ((payroll[k] - current) * s.csm_cost + (manager_payroll[k] - s.current_managers) * s.manager_cost) / 12
        cumulative += cost
        months.append(MonthRow(
            month=s.label(k), required_csms=need[k], csms_on_payroll=payroll[k], ramped_csms=ramped[k],
            shortfall=max(0, need[k] - ramped[k]), reqs_opened=sum(1 for o in plan.opens if o == k),
            csm_starts=sum(1 for st in plan.starts if st == k), managers_required=managers_needed(payroll[k], s.rule),
            managers_on_payroll=manager_payroll[k], manager_starts=sum(1 for st in manager_starts if st == k),
            incremental_cost=cost, cumulative_incremental_cost=cumulative))
    return months


def _tier_rows(tiers: list[_Tier], fte: list[list[float]], hires_per_tier: list[int], s: _Settings) -> list[TierCoverage]:
    rows = []
    for i, t in enumerate(tiers):
        now, later = fte[i][0], fte[i][s.horizon]
        rows.append(TierCoverage(
            tier=t.name, coverage_model=t.model, model_label=model_label(t.model),
            accounts=t.accounts, arr=t.arr, current_csms=t.current, arr_growth=t.g_arr,
            account_growth=t.g_acc, arr_per_csm=t.arr_per, accounts_per_csm=t.acc_per, ramp_months=t.ramp,
            binding_constraint=binding_constraint(t.arr, t.accounts, t.arr_per, t.acc_per, s.buffer, t.min_acc),
            min_accounts_per_csm=t.min_acc, required_csms_now=now, required_csms_12m=later,
            accounts_12m=t.accounts * (1 + t.g_acc), arr_12m=t.arr * (1 + t.g_arr),
            gap_now=now - t.current, gap_12m=later - t.current, hires_planned=hires_per_tier[i],
            by_model={m: required_fte(t.arr, t.accounts, float(s.models[m]["arr_per_csm"]),
                                      float(s.models[m]["accounts_per_csm"]), s.buffer,
                                      s.models[m].get("min_accounts_per_csm")) for m in MODEL_ORDER}))
    return rows


def _rebalancing(tiers: list[_Tier], fte: list[list[float]], plan: _CsmPlan, need: list[int], current: int,
                 min_shift: float, today: str) -> list[str]:
    """Capacity sitting in one tier while another is short: say so instead of hiring for it."""
    over = [(t, -(fte[i][0] - t.current)) for i, t in enumerate(tiers) if t.current - fte[i][0] >= min_shift]
    today_hires = Counter(j for j, h in plan.hires if h.needed_month == today)
    under = [(t, fte[i][0] - t.current - today_hires[i]) for i, t in enumerate(tiers)]
    under = [(t, gap) for t, gap in under if gap >= min_shift]
    notes = []
    if over and under:
        notes.append("Spare capacity today in " + ", ".join(f"{t.name} (+{v:.1f} FTE)" for t, v in over)
                     + "; shortfall not covered by today's hires in "
                     + ", ".join(f"{t.name} ({v:.1f} FTE)" for t, v in under)
                     + ": move accounts between CSMs before hiring more.")
    if current > need[0]:
        notes.append(f"The team has {current} CSMs for a need of {need[0]} today: no hire until growth uses the "
                     "surplus.")
    return notes


def _check_team_size(need: int, current: int, limit: int, source: Source) -> None:
    """Every hire is planned one by one, so a book that needs an army (a billion accounts from a
    typo or a wrong column) is refused before the plan is built, not after it fills the memory."""
    if max(need, current) > limit:
        raise InputError(f"the book needs {need:,} CSMs (team today: {current:,}), over the {limit:,} this tool "
                         f"plans (cs_coverage_calculator.max_team_size); check the ARR and Accounts columns",
                         file=source if isinstance(source, (str, Path)) else None)


def run(source: Source, options: CoverageOptions | None = None) -> CoverageResult:
    options = options or CoverageOptions()
    cfg = config()
    tiers, table, flat = read_book(source, options, cfg)
    warnings = list(table.warnings)
    s = _settings(options, cfg, warnings)
    if flat:
        warnings.append(f"no growth given for {', '.join(flat)}: assumed flat (pass --growth or add a growth column)")
    # FTE per tier per month, months 0..horizon (month `horizon` is "at 12 months").
    fte = [[_tier_fte(t, k, s.buffer) for k in range(s.horizon + 1)] for t in tiers]
    need = [headcount(math.fsum(f[k] for f in fte)) for k in range(s.horizon + 1)]
    current = sum(t.current for t in tiers)
    _check_team_size(max(need), current, int(cfg["max_team_size"]), source)
    plan = plan_csm_hires(tiers, fte, need, current, s)
    payroll = [current + sum(1 for st in plan.starts if st <= k) for k in range(s.horizon + 1)]
    ramped = [current + sum(1 for r in plan.readies if r <= k) for k in range(s.horizon + 1)]
    manager_hires, manager_starts = plan_managers(payroll, s)
    manager_payroll = [s.current_managers + sum(1 for st in manager_starts if st <= k) for k in range(s.horizon + 1)]
    months = _month_rows(need, payroll, ramped, plan, manager_payroll, manager_starts, current, s)
    hires_per_tier = [0] * len(tiers)
    for index, _ in plan.hires:
        hires_per_tier[index] += 1
    all_hires = [h for _, h in plan.hires] + manager_hires
    all_hires.sort(key=lambda h: (h.open_req_month, h.role != "csm", h.needed_month))
    by_tier: dict[str, int] = {t.name: hires_per_tier[i] for i, t in enumerate(tiers)}
    by_tier["managers"] = len(manager_hires)
    totals = Totals(
        accounts=sum(t.accounts for t in tiers), arr=math.fsum(t.arr for t in tiers),
        current_csms=current, current_managers=s.current_managers,
        required_fte_now=math.fsum(f[0] for f in fte), required_csms_now=need[0],
        required_fte_12m=math.fsum(f[s.horizon] for f in fte), required_csms_12m=need[s.horizon],
        gap_now=need[0] - current, gap_12m=need[s.horizon] - current,
        managers_required_now=managers_needed(current, s.rule),
        managers_required_12m=managers_needed(payroll[s.horizon], s.rule),
        csm_hires=len(plan.hires), manager_hires=len(manager_hires))
    late = [h.late_months for _, h in plan.hires if h.late_months]
    if late:
        warnings.append(f"{len(late)} of {len(plan.hires)} CSM hires are fully productive only after they are "
                        f"needed, up to {max(late)} months late (gaps today, or growth sooner than ramp + "
                        f"{s.ahead_days}-day hiring allows)")
    return CoverageResult(
        source=table.file, as_of=s.as_of, start_month=s.label(0), month_12=s.label(s.horizon), buffer=s.buffer,
        hire_ahead_days=s.ahead_days, lead_months=s.lead, csm_annual_cost=s.csm_cost,
        manager_annual_cost=s.manager_cost, manager_rule=manager_rule_statement(s.rule),
        tiers=_tier_rows(tiers, fte, hires_per_tier, s), totals=totals, months=months, hires=all_hires[:s.limit],
        hires_total=len(all_hires), hires_omitted=max(0, len(all_hires) - s.limit), hires_by_tier=by_tier,
        incremental_cost_12m=math.fsum(m.incremental_cost for m in months),
        incremental_run_rate_12m=(payroll[s.horizon] - current) * s.csm_cost
        + (manager_payroll[s.horizon] - s.current_managers) * s.manager_cost,
        rebalancing=_rebalancing(tiers, fte, plan, need, current, float(cfg["rebalance_min_fte"]), s.label(0)),
        warnings=warnings)


# --------------------------------------------------------------------------------------------
# Render


def render(result: CoverageResult, lang: Lang = "en") -> str:  # type: ignore[override]
    T = ToolTexts(NAME, lang)
    t = result.totals
    tier_limit = int(config()["tier_row_limit"])

    def header(columns: list[tuple[str, int, bool]]) -> str:
        return " ".join(pad(T(key), size, right=right) for key, size, right in columns)

    lines = [
        T("headline", start=result.start_month, accounts=f"{t.accounts:,}", arr=usd(t.arr), csms=t.current_csms),
        T("need", now=t.required_csms_now, fte_now=f"{t.required_fte_now:.2f}", buffer=f"{result.buffer:.0%}",
          later=t.required_csms_12m, month_12=result.month_12, fte_12m=f"{t.required_fte_12m:.2f}",
          gap_now=f"{t.gap_now:+d}", gap_12m=f"{t.gap_12m:+d}"),
        "",
        header([("col_tier", 14, False), ("col_model", 26, False), ("col_accounts", 6, True), ("col_arr", 12, True),
                ("col_csms", 4, True), ("col_need_now", 8, True), ("col_need_12m", 8, True),
                ("col_gap_now", 7, True), ("col_hires", 5, True)]),
    ]
    for row in result.tiers[:tier_limit]:
        lines.append(T("tier_row", tier=pad(row.tier, 14, cut=True),
                       model=pad(model_label(row.coverage_model, lang), 26), accounts=row.accounts,
                       arr=usd(row.arr), csms=row.current_csms, need_now=row.required_csms_now,
                       need_12m=row.required_csms_12m, gap_now=row.gap_now, hires=row.hires_planned))
    if len(result.tiers) > tier_limit:
        rest = result.tiers[tier_limit:]
        lines.append(T("more_tiers", count=len(rest), accounts=f"{sum(r.accounts for r in rest):,}",
                       arr=usd(sum(r.arr for r in rest))))
    lines += ["", T("by_model")]
    for row in result.tiers[:tier_limit]:
        lines.append(T("by_model_row", tier=pad(row.tier, 14, cut=True), models="  ".join(
            T("by_model_cell", model=T.term(m), fte=f"{v:.2f}", mark="*" if m == row.coverage_model else "")
            for m, v in row.by_model.items())))
    lines += ["", T("months", days=result.hire_ahead_days),
              header([("col_month", 8, False), ("col_need", 4, True), ("col_payroll", 7, True),
                      ("col_ramped", 6, True), ("col_reqs", 4, True), ("col_starts", 6, True),
                      ("col_managers", 4, True), ("col_cost", 16, True)])]
    for m in result.months:
        lines.append(T("month_row", month=m.month, need=m.required_csms, payroll=m.csms_on_payroll,
                       ramped=m.ramped_csms, reqs=m.reqs_opened, starts=m.csm_starts, managers=m.managers_on_payroll,
                       cost=usd(m.incremental_cost)))
    lines.append(T("cost", cost=usd(result.incremental_cost_12m), month_12=result.month_12,
                   rate=usd(result.incremental_run_rate_12m)))
    lines += ["", T("hiring_plan", csms=t.csm_hires, managers=t.manager_hires)]
    for h in result.hires:
        who = T("who_csm", tier=h.tier) if h.role == "csm" else T("who_manager")
        lines.append(T("hire", open=h.open_req_month, start=h.start_month, ready=h.ready_month, who=who,
                       reason=T.say(h.reason)))
    if result.hires_omitted:
        lines.append(T("more_hires", count=result.hires_omitted, tiers=", ".join(
            f"{k} {v}" for k, v in result.hires_by_tier.items() if v)))
    lines.append(T("manager_rule", rule=T.say(result.manager_rule)))
    for note in result.rebalancing:
        lines.append(T("note", text=T.say(note)))
    for w in result.warnings:
        lines.append(T("warning", text=T.say(w)))
    return "\n".join(lines)


SPEC = ToolSpec(
    name=NAME,
    summary=summary_of(NAME),
    role="cco",
    input_help="book of business per tier, CSV/JSON/YAML: tier, accounts, ARR, current CSMs; "
               "optional coverage_model, growth (or arr_growth / account_growth), arr_per_csm and "
               "accounts_per_csm overrides",
    sample="cs_book.csv",
    options=CoverageOptions,
    result=CoverageResult,
    run=run,
    render=render,  # type: ignore[arg-type]
    data_kinds=("book",),
)
