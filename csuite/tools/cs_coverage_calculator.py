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
    Day,
    Money,
    Percent,
    Source,
    ToolOptions,
    ToolResult,
    ToolSpec,
)

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
    accounts: int
    arr: float
    current_csms: int
    arr_growth: float
    account_growth: float
    arr_per_csm: float
    accounts_per_csm: int
    ramp_months: int
    binding_constraint: str = Field(description="'arr' or 'accounts': which ratio sets the need now")
    required_csms_now: float = Field(description="FTE incl. buffer")
    required_csms_12m: float
    accounts_12m: float
    arr_12m: float
    gap_now: float = Field(description="required FTE now - current CSMs (positive: short)")
    gap_12m: float
    hires_planned: int
    by_model: dict[str, float] = Field(description="FTE now (incl. buffer) under each coverage model")


class Hire(BaseModel):
    role: str = Field(description="'csm' or 'manager'")
    tier: str | None
    coverage_model: str | None
    needed_month: str
    open_req_month: str
    start_month: str
    ready_month: str
    late_months: int = Field(description="months between need and full productivity (0 = on time)")
    reason: str


class MonthRow(BaseModel):
    month: str
    required_csms: int
    csms_on_payroll: int
    ramped_csms: int
    shortfall: int
    reqs_opened: int
    csm_starts: int
    managers_required: int
    managers_on_payroll: int
    manager_starts: int
    incremental_cost: float
    cumulative_incremental_cost: float


class Totals(BaseModel):
    accounts: int
    arr: float
    current_csms: int
    current_managers: int
    required_fte_now: float
    required_csms_now: int
    required_fte_12m: float
    required_csms_12m: int
    gap_now: int = Field(description="required CSMs now - current (negative: surplus)")
    gap_12m: int
    managers_required_now: int
    managers_required_12m: int
    csm_hires: int
    manager_hires: int


class CoverageResult(ToolResult):
    source: str
    as_of: date
    start_month: str
    month_12: str
    buffer: float
    hire_ahead_days: int
    lead_months: int
    csm_annual_cost: float
    manager_annual_cost: float
    manager_rule: str
    tiers: list[TierCoverage]
    totals: Totals
    months: list[MonthRow]
    hires: list[Hire]
    hires_total: int
    hires_omitted: int
    hires_by_tier: dict[str, int]
    incremental_cost_12m: float = Field(description="sum of the 12 monthly incremental costs")
    incremental_run_rate_12m: float = Field(description="annual cost of the people added by month 12")
    rebalancing: list[str]


# --------------------------------------------------------------------------------------------
# Reading


class _Tier:
    __slots__ = ("name", "key", "row", "model", "accounts", "arr", "current", "g_arr", "g_acc",
                 "arr_per", "acc_per", "ramp", "grew_default")

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
                 buffer: float) -> float:
    """max(ARR / ARR per CSM, accounts / accounts per CSM) x (1 + buffer)."""
    return max(arr / arr_per_csm, accounts / accounts_per_csm) * (1 + buffer)


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
    return required_fte(arr, accounts, t.arr_per, t.acc_per, buffer)


# --------------------------------------------------------------------------------------------
# Run


def run(source: Source, options: CoverageOptions | None = None) -> CoverageResult:
    options = options or CoverageOptions()
    cfg = config()
    tiers, table, flat = read_book(source, options, cfg)
    warnings = list(table.warnings)
    buffer = float(cfg["buffer"]) if options.buffer is None else options.buffer
    horizon = int(cfg["horizon_months"])
    ahead_days = int(cfg["hire_ahead_days"])
    lead = lead_months(ahead_days)
    csm_cost = float(cfg["csm_annual_cost"]) if options.csm_cost is None else options.csm_cost
    mgr_cost = float(cfg["manager_annual_cost"]) if options.manager_cost is None else options.manager_cost
    cap = options.max_reqs_per_month or cfg.get("max_new_reqs_per_month")
    limit = options.limit or int(cfg["plan_row_limit"])
    rule = cfg["manager_rule"]
    models = cfg["models"]

    if options.as_of is None:
        as_of = date.today()
        warnings.append(f"no --as-of given: the plan starts in the current month ({as_of:%Y-%m})")
    else:
        as_of = options.as_of
    start = as_of.replace(day=1)

    def label(month: int) -> str:
        return f"{add_months(start, month):%Y-%m}"

    if flat:
        warnings.append(f"no growth given for {', '.join(flat)}: assumed flat (pass --growth or "
                        "add a growth column)")

    # FTE per tier per month, months 0..horizon (month `horizon` is "at 12 months").
    fte = [[_tier_fte(t, k, buffer) for k in range(horizon + 1)] for t in tiers]
    need = [headcount(math.fsum(f[k] for f in fte)) for k in range(horizon + 1)]
    current = sum(t.current for t in tiers)
    rank = {m: i for i, m in enumerate(MODEL_ORDER)}

    # CSM hires, planned in order of the month they are needed: today's gaps first.
    reqs_in_month: dict[int, int] = {}
    assigned = [t.current for t in tiers]
    hires: list[tuple[int, Hire]] = []   # (tier index, hire)
    opens: list[int] = []
    starts: list[int] = []
    readies: list[int] = []
    full_until: dict[int, int] = {}     # month -> a later month worth trying (months that are full)

    def free_month(month: int) -> int:
        """The first month from `month` with a requisition slot left (path-compressed)."""
        path = []
        while cap and reqs_in_month.get(month, 0) >= cap:
            path.append(month)
            month = full_until.get(month, month + 1)
        for m in path:
            full_until[m] = month
        if month > MAX_PLAN_MONTHS:
            raise UsageError(f"--max-reqs-per-month {cap} cannot open the requisitions this book "
                             f"needs within {MAX_PLAN_MONTHS // 12} years; raise the limit")
        return month

    for k in range(horizon + 1):
        shortfall = need[k] - current - len(hires)
        if shortfall <= 0:
            continue
        # Largest FTE deficit first; ties: higher-touch model, then book order.
        heap = [(-round(fte[i][k] - assigned[i], 9), rank[t.model], i) for i, t in enumerate(tiers)]
        heapq.heapify(heap)
        for _ in range(shortfall):
            _, model_rank, index = heapq.heappop(heap)
            t = tiers[index]
            ideal_open = k - t.ramp - lead
            open_month = free_month(max(0, ideal_open))
            reqs_in_month[open_month] = reqs_in_month.get(open_month, 0) + 1
            start_month = open_month + lead
            ready = start_month + t.ramp
            late = max(0, ready - k)
            uncovered = fte[index][k] - assigned[index]
            if k == 0:
                reason = f"gap today: team needs {need[0]} CSMs, has {current}; {t.name} is " \
                         f"{uncovered:.2f} FTE short"
            else:
                reason = f"growth: team needs {need[k]} CSMs by {label(k)}; {t.name} has the " \
                         f"largest uncovered need ({uncovered:.2f} FTE)"
            if late:
                reason += f"; covered {late} month{'s' if late != 1 else ''} late, from {label(ready)}"
            hires.append((index, Hire(
                role="csm", tier=t.name, coverage_model=t.model, needed_month=label(k),
                open_req_month=label(open_month), start_month=label(start_month),
                ready_month=label(ready), late_months=late, reason=reason)))
            opens.append(open_month)
            starts.append(start_month)
            readies.append(ready)
            assigned[index] += 1
            heapq.heappush(heap, (-round(fte[index][k] - assigned[index], 9), model_rank, index))

    payroll = [current + sum(1 for s in starts if s <= k) for k in range(horizon + 1)]
    ramped = [current + sum(1 for r in readies if r <= k) for k in range(horizon + 1)]

    # Managers, by the one rule, for the CSMs on payroll each month.
    mgr_hires: list[Hire] = []
    mgr_starts: list[int] = []
    for k in range(horizon + 1):
        required = managers_needed(payroll[k], rule)
        while options.current_managers + len(mgr_hires) < required:
            open_month = max(0, k - lead)
            start_month = open_month + lead
            late = max(0, start_month - k)
            reason = f"{payroll[k]} CSMs on payroll by {label(k)}: {manager_rule_statement(rule)}"
            if late:
                reason += f" (in seat {late} month{'s' if late != 1 else ''} late)"
            mgr_hires.append(Hire(role="manager", tier=None, coverage_model=None,
                                  needed_month=label(k), open_req_month=label(open_month),
                                  start_month=label(start_month), ready_month=label(start_month),
                                  late_months=late, reason=reason))
            mgr_starts.append(start_month)
    mgr_payroll = [options.current_managers + sum(1 for s in mgr_starts if s <= k)
                   for k in range(horizon + 1)]

    months: list[MonthRow] = []
    cumulative = 0.0
    for k in range(horizon):
        cost = ((payroll[k] - current) * csm_cost + (mgr_payroll[k] - options.current_managers)
                * mgr_cost) / 12
        cumulative += cost
        months.append(MonthRow(
            month=label(k), required_csms=need[k], csms_on_payroll=payroll[k], ramped_csms=ramped[k],
            shortfall=max(0, need[k] - ramped[k]), reqs_opened=sum(1 for o in opens if o == k),
            csm_starts=sum(1 for s in starts if s == k), managers_required=managers_needed(payroll[k], rule),
            managers_on_payroll=mgr_payroll[k], manager_starts=sum(1 for s in mgr_starts if s == k),
            incremental_cost=cost, cumulative_incremental_cost=cumulative))

    hires_per_tier = [0] * len(tiers)
    for index, _ in hires:
        hires_per_tier[index] += 1
    tier_rows = []
    for i, t in enumerate(tiers):
        now, later = fte[i][0], fte[i][horizon]
        tier_rows.append(TierCoverage(
            tier=t.name, coverage_model=t.model, model_label=model_label(t.model),
            accounts=t.accounts, arr=t.arr, current_csms=t.current, arr_growth=t.g_arr,
            account_growth=t.g_acc, arr_per_csm=t.arr_per, accounts_per_csm=t.acc_per, ramp_months=t.ramp,
            binding_constraint="arr" if t.arr / t.arr_per >= t.accounts / t.acc_per else "accounts",
            required_csms_now=now, required_csms_12m=later,
            accounts_12m=t.accounts * (1 + t.g_acc), arr_12m=t.arr * (1 + t.g_arr),
            gap_now=now - t.current, gap_12m=later - t.current, hires_planned=hires_per_tier[i],
            by_model={m: required_fte(t.arr, t.accounts, float(models[m]["arr_per_csm"]),
                                      float(models[m]["accounts_per_csm"]), buffer) for m in MODEL_ORDER},
        ))

    # Capacity sitting in one tier while another is short: say so instead of hiring for it.
    min_shift = float(cfg["rebalance_min_fte"])
    over = [(t, -(fte[i][0] - t.current)) for i, t in enumerate(tiers) if t.current - fte[i][0] >= min_shift]
    today_hires = Counter(j for j, h in hires if h.needed_month == label(0))
    under = [(t, fte[i][0] - t.current - today_hires[i]) for i, t in enumerate(tiers)]
    under = [(t, gap) for t, gap in under if gap >= min_shift]
    rebalancing = []
    if over and under:
        rebalancing.append(
            "Spare capacity today in " + ", ".join(f"{t.name} (+{v:.1f} FTE)" for t, v in over)
            + "; shortfall not covered by today's hires in "
            + ", ".join(f"{t.name} ({v:.1f} FTE)" for t, v in under)
            + ": move accounts between CSMs before hiring more.")
    if current > need[0]:
        rebalancing.append(f"The team has {current} CSMs for a need of {need[0]} today: no hire "
                           "until growth uses the surplus.")

    all_hires = [h for _, h in hires] + mgr_hires
    all_hires.sort(key=lambda h: (h.open_req_month, h.role != "csm", h.needed_month))
    by_tier: dict[str, int] = {t.name: hires_per_tier[i] for i, t in enumerate(tiers)}
    by_tier["managers"] = len(mgr_hires)
    totals = Totals(
        accounts=sum(t.accounts for t in tiers), arr=math.fsum(t.arr for t in tiers),
        current_csms=current, current_managers=options.current_managers,
        required_fte_now=math.fsum(f[0] for f in fte), required_csms_now=need[0],
        required_fte_12m=math.fsum(f[horizon] for f in fte), required_csms_12m=need[horizon],
        gap_now=need[0] - current, gap_12m=need[horizon] - current,
        managers_required_now=managers_needed(current, rule),
        managers_required_12m=managers_needed(payroll[horizon], rule),
        csm_hires=len(hires), manager_hires=len(mgr_hires),
    )
    if any(h.late_months for _, h in hires):
        warnings.append("some capacity arrives after it is needed (gaps today, or growth sooner "
                        f"than ramp + {ahead_days}-day hiring allows): see late_months")
    return CoverageResult(
        source=table.file, as_of=as_of, start_month=label(0), month_12=label(horizon), buffer=buffer,
        hire_ahead_days=ahead_days, lead_months=lead, csm_annual_cost=csm_cost,
        manager_annual_cost=mgr_cost, manager_rule=manager_rule_statement(rule), tiers=tier_rows, totals=totals,
        months=months, hires=all_hires[:limit], hires_total=len(all_hires),
        hires_omitted=max(0, len(all_hires) - limit), hires_by_tier=by_tier,
        incremental_cost_12m=math.fsum(m.incremental_cost for m in months),
        incremental_run_rate_12m=(payroll[horizon] - current) * csm_cost
        + (mgr_payroll[horizon] - options.current_managers) * mgr_cost,
        rebalancing=rebalancing, warnings=warnings,
    )


# --------------------------------------------------------------------------------------------
# Render


def render(result: CoverageResult) -> str:  # type: ignore[override]
    t = result.totals
    tier_limit = int(config()["tier_row_limit"])
    lines = [
        f"CS coverage from {result.start_month}: {t.accounts:,} accounts, ARR {usd(t.arr)}, "
        f"{t.current_csms} CSMs today",
        f"Need {t.required_csms_now} CSMs now ({t.required_fte_now:.2f} FTE incl. {result.buffer:.0%} "
        f"buffer) and {t.required_csms_12m} by {result.month_12} ({t.required_fte_12m:.2f} FTE): "
        f"gap {t.gap_now:+d} now, {t.gap_12m:+d} at 12 months",
        "",
        f"{'Tier':<14} {'Model':<26} {'Accts':>6} {'ARR':>12} {'CSMs':>4} {'Need now':>8} "
        f"{'Need 12m':>8} {'Gap now':>7} {'Hires':>5}",
    ]
    for row in result.tiers[:tier_limit]:
        lines.append(
            f"{row.tier:<14.14} {row.model_label:<26} {row.accounts:>6,} {usd(row.arr):>12} "
            f"{row.current_csms:>4} {row.required_csms_now:>8.2f} {row.required_csms_12m:>8.2f} "
            f"{row.gap_now:>+7.2f} {row.hires_planned:>5}")
    if len(result.tiers) > tier_limit:
        rest = result.tiers[tier_limit:]
        lines.append(f"... {len(rest)} more tiers ({sum(r.accounts for r in rest):,} accounts, "
                     f"{usd(sum(r.arr for r in rest))} ARR; --json lists all)")
    short = {"tech_touch": "tech-touch", "pooled": "pooled", "named": "named", "named_exec": "named+exec"}
    lines += ["", "FTE now under each coverage model (compare before choosing):"]
    for row in result.tiers[:tier_limit]:
        lines.append(f"  {row.tier:<14.14} " + "  ".join(
            f"{short.get(m, m)} {v:.2f}" + ("*" if m == row.coverage_model else "")
            for m, v in row.by_model.items()))
    lines += ["", f"Month-by-month (requisitions open {result.hire_ahead_days} days before a start; "
                  "ramp per model):",
              f"{'Month':<8} {'Need':>4} {'Payroll':>7} {'Ramped':>6} {'Reqs':>4} {'Starts':>6} "
              f"{'Mgrs':>4} {'Incremental cost':>16}"]
    for m in result.months:
        lines.append(f"{m.month:<8} {m.required_csms:>4} {m.csms_on_payroll:>7} {m.ramped_csms:>6} "
                     f"{m.reqs_opened:>4} {m.csm_starts:>6} {m.managers_on_payroll:>4} "
                     f"{usd(m.incremental_cost):>16}")
    lines.append(f"Incremental cost over 12 months: {usd(result.incremental_cost_12m)}; run rate "
                 f"of the added team by {result.month_12}: {usd(result.incremental_run_rate_12m)}/year")
    lines += ["", f"Hiring plan: {t.csm_hires} CSM(s), {t.manager_hires} manager(s)"]
    for h in result.hires:
        who = f"CSM, {h.tier}" if h.role == "csm" else "CS manager"
        lines.append(f"  open {h.open_req_month}, start {h.start_month}, ready {h.ready_month}: "
                     f"{who} — {h.reason}")
    if result.hires_omitted:
        lines.append(f"  ... and {result.hires_omitted} more (by tier: "
                     + ", ".join(f"{k} {v}" for k, v in result.hires_by_tier.items() if v) + ")")
    lines.append(f"Manager rule: {result.manager_rule}")
    for note in result.rebalancing:
        lines.append(f"Note: {note}")
    for w in result.warnings:
        lines.append(f"Warning: {w}")
    return "\n".join(lines)


def _summary() -> str:
    """The lead time in the tool's one-line summary is the YAML's, not a copy of it."""
    cfg = config()
    return ("CSM coverage by tier now and at 12 months (tech-touch, pooled, named, named + "
            "executive sponsor), a month-by-month hiring plan with ramp and "
            f"{int(cfg['hire_ahead_days'])}-day lead time, the manager rule and incremental cost")


SPEC = ToolSpec(
    name=NAME,
    summary=_summary(),
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
