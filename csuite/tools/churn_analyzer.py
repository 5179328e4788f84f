"""Churn and retention for the CRO: NRR, GRR, logo retention, an exact ARR waterfall, cohorts,
segments, concentration, at-risk accounts and expansion candidates — from revenue snapshots.

Input: one row per account per month (`account_id, period, mrr` or `arr`) or a Stripe
subscriptions export; optionally `--accounts FILE` (account_id, name, segment, churn_reason,
health_score, renewal_date, usage_change). Reading and the retention definitions live in
`csuite.tools.snapshots`, shared with retention_decomposition_analyzer, so both tools print the
same NRR/GRR/logo retention for the same file.

Why the numbers can be trusted:
- The window is the trailing `--window` months ending at the last snapshot month on or before
  `--as-of`; months after it are dropped before anything is computed, so a past as-of date never
  sees later churn or growth, and only movements inside the window count (no lifetime expansion
  credited to a period).
- Money is integer cents internally; the waterfall start + new + reactivation + expansion −
  contraction − churn = end holds exactly.
- Segment NRR is computed on the segment's cohort frozen at the window start, so churned
  accounts stay in the denominator (no survivor bias).
- Cohort curves count each account from its own first paid month (month 0 = 100%); lists stop
  where a cohort stops being observed, and the pooled logo curve is Kaplan–Meier, so young
  cohorts are censored instead of counted as churned. Accounts already paying in the first month
  of a snapshot file have an unknown start and are left out of the pooled curves (said so).
- At-risk accounts need a risk signal (contraction from a recent peak, low health, usage drop); a
  renewal within 90 days is listed as the deadline, never a risk on its own. Expansion candidates
  need a positive signal and no risk signal, so the two lists are disjoint by construction.
- Retention flags are the alert rules from thresholds.yaml, converted to the window length
  (r^(window/12)); the tool's own flags use its `churn_analyzer` section.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from csuite.context.alerts import evaluate_alerts
from csuite.errors import UsageError
from csuite.io.numbers import pct, usd
from csuite.io.values import month_end
from csuite.knowledge.thresholds import AlertRule, alert_rules, alert_threshold, section
from csuite.resources import examples_dir
from csuite.tools.base import (
    Day,
    FilePath,
    Flag,
    Source,
    ToolOptions,
    ToolResult,
    ToolSpec,
)
from csuite.tools.plotting import figure
from csuite.tools.snapshots import (
    ACCOUNT_ALIASES,
    SNAPSHOT_ALIASES,
    STRIPE_ALIASES,
    AccountInfo,
    CohortRow,
    MonthMovement,
    Snapshots,
    SurvivalPoint,
    Waterfall,
    cohort_matrix,
    dollars,
    kaplan_meier,
    month_label,
    read_accounts,
    read_snapshots,
    retention_window,
    tenure,
)

NAME = "churn_analyzer"

# Headers that identify a file this tool reads (snapshots or a Stripe export), for the runner.
COLUMN_ALIASES: dict[str, list[str]] = {**SNAPSHOT_ALIASES,
                                        **{f"stripe_{k}": v for k, v in STRIPE_ALIASES.items()}}
ACCOUNTS_ALIASES = ACCOUNT_ALIASES

# Alert rules that double as this tool's headline flags (one rule, one threshold).
RETENTION_ALERTS = ("nrr_below_100", "grr_low", "leaky_bucket", "logo_retention_low", "contraction_high",
                    "customer_concentration")
_RETENTION_METRICS = {"nrr", "grr", "logo_retention"}


def _cfg() -> dict[str, Any]:
    return section(NAME)


class ChurnOptions(ToolOptions):
    accounts: FilePath | None = Field(None, description="accounts file (CSV/JSON): account_id, name, segment, "
                                 "churn_reason, health_score, renewal_date, usage_change")
    window: int = Field(default_factory=lambda: int(_cfg()["window_months"]), ge=1, le=120,
                        description="window length in months for NRR/GRR/logo retention")
    as_of: Day | None = Field(None, description="evaluate as of this date (YYYY-MM-DD): the window ends at the "
                              "last snapshot month on or before it; renewals are counted from it")
    limit: int = Field(default_factory=lambda: int(_cfg()["list_limit"]), ge=1, le=10_000,
                       description="longest account list to show (totals always cover every account)")


# ----------------------------------------------------------------------------- result models

class WindowInfo(BaseModel):
    start: str
    end: str
    months: int


class SourceInfo(BaseModel):
    file: str
    kind: Literal["snapshots", "stripe"]
    unit: Literal["mrr", "arr"]
    accounts: int
    first_period: str
    last_period: str
    accounts_file: str | None = None


class Decomposition(BaseModel):
    """The cohort's change from S to E, point to point: NRR = 1 − churn − contraction + expansion."""

    start_arr: float
    churn: float
    contraction: float
    expansion: float
    end_arr: float
    churn_rate: float | None
    contraction_rate: float | None
    expansion_rate: float | None


class CurvePoint(BaseModel):
    month: int
    retention: float
    cohorts: int = Field(description="cohorts observed this many months after their start")
    accounts: int


class SegmentRow(BaseModel):
    segment: str
    cohort_size: int
    start_arr: float
    end_arr: float = Field(description="the segment cohort's ARR at E (churned accounts count as 0)")
    nrr: float | None
    grr: float | None
    logo_retention: float | None
    churned_logos: int
    active_accounts: int
    arr: float = Field(description="all of the segment's ARR at E, new accounts included")


class LargestAccount(BaseModel):
    account_id: str
    name: str | None
    arr: float
    share: float


class Concentration(BaseModel):
    end_arr: float
    active_accounts: int
    largest_share: float | None
    top10_share: float | None
    largest_account: LargestAccount | None


class AccountSignals(BaseModel):
    account_id: str
    name: str | None
    segment: str | None
    arr: float
    signals: list[str]
    reasons: list[str]
    health_score: float | None = None
    renewal_date: date | None = None
    days_to_renewal: int | None = None


class ChurnedAccount(BaseModel):
    account_id: str
    name: str | None
    segment: str | None
    period: str = Field(description="first month at 0")
    arr_lost: float
    reason: str | None


class ListTotal(BaseModel):
    accounts: int
    arr: float
    shown: int


class Totals(BaseModel):
    at_risk: ListTotal
    expansion_candidates: ListTotal
    churned: ListTotal


class ChurnResult(ToolResult):
    as_of: date
    source: SourceInfo
    window: WindowInfo
    nrr: float | None
    grr: float | None
    logo_retention: float | None
    cohort_size: int
    decomposition: Decomposition
    waterfall: Waterfall
    movements: list[MonthMovement]
    cohorts: list[CohortRow]
    revenue_curve: list[CurvePoint]
    logo_curve: list[SurvivalPoint]
    curve_note: str
    segments: list[SegmentRow]
    concentration: Concentration
    at_risk: list[AccountSignals]
    expansion_candidates: list[AccountSignals]
    churned: list[ChurnedAccount]
    totals: Totals


# ----------------------------------------------------------------------------- analysis

def _as_of_date(snaps: Snapshots, as_of: date | None) -> tuple[date, list[str]]:
    """The date renewals are counted from: --as-of, or the end of the last snapshot month.
    (read_snapshots has already dropped months after the as-of month.)"""
    if as_of is None:
        y, m = divmod(snaps.last, 12)
        return month_end(y, m + 1), []
    gap = (as_of.year * 12 + as_of.month - 1) - snaps.last
    if gap > 1:
        return as_of, [f"as-of {as_of} is {gap} months after the last snapshot ({month_label(snaps.last)}); "
                       "the window ends there"]
    return as_of, []


def _account_arrays(snaps: Snapshots, accounts: dict[str, AccountInfo] | None, as_of: date):
    import numpy as np

    n = len(snaps.accounts)
    health = np.full(n, np.nan)
    usage = np.full(n, np.nan)
    days = np.full(n, np.nan)
    segment: list[str | None] = [None] * n
    names: list[str | None] = [snaps.names.get(a) for a in snaps.accounts]
    renewal: list[date | None] = [None] * n
    reason: list[str | None] = [None] * n
    if accounts:
        for i, acc in enumerate(snaps.accounts):
            info = accounts.get(acc)
            if info is None:
                continue
            if info.health_score is not None:
                health[i] = info.health_score
            if info.usage_change is not None:
                usage[i] = info.usage_change
            if info.renewal_date is not None:
                renewal[i] = info.renewal_date
                days[i] = (info.renewal_date - as_of).days
            segment[i] = info.segment
            names[i] = info.name or names[i]
            reason[i] = info.churn_reason
    return health, usage, days, segment, names, renewal, reason


def _converted(rule: AlertRule, window: int) -> AlertRule:
    """An annual alert rule restated for a window of `window` months."""
    if window == 12:
        return rule
    conditions = []
    for c in rule.conditions:
        if c.value is not None and c.metric in _RETENTION_METRICS:
            c = c.model_copy(update={"value": c.value ** (window / 12)})
        elif c.value is not None and c.metric == "contraction":
            c = c.model_copy(update={"value": 1 - (1 - c.value) ** (window / 12)})
        conditions.append(c)
    return rule.model_copy(update={"conditions": conditions})


def _retention_flags(metrics: dict[str, Any], window: int, as_of: date) -> list[Flag]:

    rules = {k: _converted(v, window) for k, v in alert_rules().items() if k in RETENTION_ALERTS}
    flags = []
    for alert in evaluate_alerts(metrics, as_of=as_of, rules=rules):
        converted = any(c.metric in _RETENTION_METRICS | {"contraction"} for c in rules[alert.id].conditions)
        note = f" (annual line converted to {window} months)" if converted and window != 12 else ""
        value = alert.value if isinstance(alert.value, (int, float)) else None
        flags.append(Flag(id=alert.id, severity=alert.severity, message=alert.message + note,
                          value=value, threshold=alert.threshold))
    return flags


def analyze(snaps: Snapshots, options: ChurnOptions, accounts: dict[str, AccountInfo] | None = None,
            accounts_file: str | None = None) -> ChurnResult:
    """The whole analysis on snapshots already read (pure; no file access)."""
    import numpy as np

    cfg = _cfg()
    if options.as_of is not None and snaps.last > options.as_of.year * 12 + options.as_of.month - 1:
        snaps = snaps.until(month_label(options.as_of.year * 12 + options.as_of.month - 1))
    as_of, warnings = _as_of_date(snaps, options.as_of)
    warnings = list(snaps.warnings) + warnings
    w = retention_window(snaps, window_months=options.window)
    e = snaps.n_months - 1
    s = e - options.window
    a = snaps.arr
    a_e, a_s = a[:, e], a[:, s]
    active = a_e > 0
    health, usage, days, segment, names, renewal, reasons = _account_arrays(snaps, accounts, as_of)

    if accounts is not None:
        unknown = len(set(accounts) - set(snaps.accounts))
        missing = int(sum(1 for acc in np.asarray(snaps.accounts, dtype=object)[active] if acc not in accounts))
        if unknown:
            warnings.append(f"{unknown} account(s) in the accounts file have no snapshots; ignored")
        if missing:
            warnings.append(f"{missing} active account(s) are missing from the accounts file (segment 'Unassigned')")
        past = int(np.sum(active & (days < 0)))
        if past:
            warnings.append(f"{past} active account(s) have a renewal date before {as_of}; update them")

    # --- signals (vectorised over accounts)
    risk_cfg, exp_cfg = cfg["at_risk"], cfg["expansion"]
    look = int(risk_cfg["contraction_lookback_months"])
    lo = max(0, e - look)
    window_peak = a[:, lo:e + 1].max(axis=1)
    peak_col = lo + a[:, lo:e + 1].argmax(axis=1)
    contracted = active & (a_e <= window_peak * (1 - float(risk_cfg["contraction_min_drop"]))) & (window_peak > a_e)
    with np.errstate(invalid="ignore"):
        low_health = active & (health < float(risk_cfg["health_below"]))
        usage_drop = active & (usage <= float(risk_cfg["usage_drop_at_or_below"]))
        renewal_soon = active & (days >= 0) & (days <= int(risk_cfg["renewal_within_days"]))
        high_health = active & (health >= float(exp_cfg["health_at_least"]))
        usage_growth = active & (usage >= float(exp_cfg["usage_growth_at_least"]))
    g = max(0, e - int(exp_cfg["grew_within_months"]))
    grew = active & (a[:, g] > 0) & (a_e > a[:, g])
    at_risk = contracted | low_health | usage_drop
    candidate = (high_health | usage_growth | grew) & ~at_risk

    def describe(i: int, kind: str) -> AccountSignals:
        sig, why = [], []
        if kind == "risk":
            if contracted[i]:
                drop = 1 - a_e[i] / window_peak[i]
                sig.append("contraction")
                why.append(f"ARR down {drop * 100:.0f}% from {usd(dollars(window_peak[i]))} "
                           f"({month_label(snaps.first + int(peak_col[i]))}) to {usd(dollars(a_e[i]))}")
            if low_health[i]:
                sig.append("low_health")
                why.append(f"health {health[i]:.0f} < {risk_cfg['health_below']}")
            if usage_drop[i]:
                sig.append("usage_drop")
                why.append(f"usage {usage[i] * 100:+.0f}%")
            if renewal_soon[i]:
                sig.append("renewal_soon")
                why.append(f"renews {renewal[i]} (in {int(days[i])} days)")
        else:
            if high_health[i]:
                sig.append("high_health")
                why.append(f"health {health[i]:.0f} ≥ {exp_cfg['health_at_least']}")
            if usage_growth[i]:
                sig.append("usage_growth")
                why.append(f"usage {usage[i] * 100:+.0f}%")
            if grew[i]:
                sig.append("recent_growth")
                why.append(f"ARR up from {usd(dollars(a[i, g]))} ({month_label(snaps.first + g)}) "
                           f"to {usd(dollars(a_e[i]))}")
        return AccountSignals(
            account_id=snaps.accounts[i], name=names[i], segment=segment[i], arr=dollars(a_e[i]),
            signals=sig, reasons=why,
            health_score=None if math.isnan(health[i]) else float(health[i]),
            renewal_date=renewal[i], days_to_renewal=None if math.isnan(days[i]) else int(days[i]))

    limit = options.limit
    risk_idx = np.flatnonzero(at_risk)
    # Soonest deadline first among the largest: renewal inside the window, then ARR.
    risk_order = risk_idx[np.lexsort((-a_e[risk_idx], ~renewal_soon[risk_idx]))]
    cand_idx = np.flatnonzero(candidate)
    n_pos = high_health.astype(int) + usage_growth.astype(int) + grew.astype(int)
    cand_order = cand_idx[np.lexsort((-a_e[cand_idx], -n_pos[cand_idx]))]
    risk_list = [describe(int(i), "risk") for i in risk_order[:limit]]
    cand_list = [describe(int(i), "expansion") for i in cand_order[:limit]]

    # --- churned inside the window: at 0 at E after being active in the window
    block = a[:, s:e + 1]
    drops = (block[:, :-1] > 0) & (block[:, 1:] == 0)
    churned = (a_e == 0) & drops.any(axis=1)
    last_drop = block.shape[1] - 2 - drops[:, ::-1].argmax(axis=1)  # last >0→0 step
    churn_idx = np.flatnonzero(churned)
    lost = block[churn_idx, last_drop[churn_idx]]
    order = churn_idx[np.argsort(-lost, kind="stable")]
    churn_list = [ChurnedAccount(account_id=snaps.accounts[i], name=names[i], segment=segment[i],
                                 period=month_label(snaps.first + s + int(last_drop[i]) + 1),
                                 arr_lost=dollars(block[i, last_drop[i]]), reason=reasons[i])
                  for i in (int(j) for j in order[:limit])]

    # --- segments: each segment's own cohort frozen at S (churned accounts stay in)
    segments: list[SegmentRow] = []
    if accounts is not None:
        labels = np.array([seg or "Unassigned" for seg in segment], dtype=object)
        for label in sorted(set(labels.tolist())):
            mask = labels == label
            sub = retention_window(snaps.select(mask), window_months=options.window)
            segments.append(SegmentRow(
                segment=label, cohort_size=sub.cohort_size, start_arr=sub.start_arr,
                end_arr=sub.end_arr_cohort, nrr=sub.nrr, grr=sub.grr, logo_retention=sub.logo_retention,
                churned_logos=sub.cohort_size - sub.retained_logos,
                active_accounts=int((mask & active).sum()), arr=dollars(a_e[mask].sum())))
        segments.sort(key=lambda r: -r.arr)

    # --- concentration at E
    end_total = int(a_e.sum())
    n_active = int(active.sum())
    if end_total > 0:
        top = np.sort(a_e[active])[::-1]
        big = int(a_e.argmax())
        largest = LargestAccount(account_id=snaps.accounts[big], name=names[big], arr=dollars(a_e[big]),
                                 share=int(a_e[big]) / end_total)
        concentration = Concentration(end_arr=dollars(end_total), active_accounts=n_active,
                                      largest_share=largest.share, top10_share=int(top[:10].sum()) / end_total,
                                      largest_account=largest)
    else:
        concentration = Concentration(end_arr=0.0, active_accounts=0, largest_share=None, top10_share=None,
                                      largest_account=None)

    # --- cohorts and censored curves (accounts with an unknown start are left out of the pools)
    cohorts = cohort_matrix(snaps)
    durations, observed, start_col = tenure(snaps)
    truncated = (start_col == 0) & (snaps.source_kind != "stripe")
    logo_curve = kaplan_meier(durations[~truncated], observed[~truncated])
    revenue_curve = _pooled_revenue(cohorts)
    n_trunc = int(truncated.sum())
    curve_note = (f"{n_trunc} account(s) already paying in {month_label(snaps.first)}, the first month of the file, "
                  "have an unknown start and are left out of the pooled curves" if n_trunc else
                  "every account's start is inside the data")

    # --- flags
    decomposition = Decomposition(
        start_arr=w.start_arr, churn=w.cohort_churn, contraction=w.cohort_contraction,
        expansion=w.cohort_expansion, end_arr=w.end_arr_cohort,
        churn_rate=_share(w.cohort_churn, w.start_arr), contraction_rate=_share(w.cohort_contraction, w.start_arr),
        expansion_rate=_share(w.cohort_expansion, w.start_arr))
    metrics = {"nrr": w.nrr, "grr": w.grr, "logo_retention": w.logo_retention,
               "contraction": decomposition.contraction_rate,
               "largest_customer_share": concentration.largest_share}
    flags = _retention_flags(metrics, options.window, as_of)
    flags += _own_flags(cfg["flags"], w, concentration, a_s, a_e, names, snaps, at_risk, end_total,
                        renewal_soon, days)
    severity = {"high": 0, "medium": 1, "low": 2}
    flags.sort(key=lambda f: severity[f.severity])  # stable: alert order, then the tool's own

    risk_arr = int(a_e[at_risk].sum())
    cand_arr = int(a_e[candidate].sum())
    return ChurnResult(
        as_of=as_of,
        source=SourceInfo(file=snaps.file, kind=snaps.source_kind, unit=snaps.unit, accounts=len(snaps.accounts),
                          first_period=month_label(snaps.first), last_period=month_label(snaps.last),
                          accounts_file=accounts_file),
        window=WindowInfo(start=w.start, end=w.end, months=options.window),
        nrr=w.nrr, grr=w.grr, logo_retention=w.logo_retention, cohort_size=w.cohort_size,
        decomposition=decomposition, waterfall=w.waterfall, movements=w.movements,
        cohorts=cohorts, revenue_curve=revenue_curve, logo_curve=logo_curve, curve_note=curve_note,
        segments=segments, concentration=concentration,
        at_risk=risk_list, expansion_candidates=cand_list, churned=churn_list,
        totals=Totals(
            at_risk=ListTotal(accounts=int(at_risk.sum()), arr=dollars(risk_arr), shown=len(risk_list)),
            expansion_candidates=ListTotal(accounts=int(candidate.sum()), arr=dollars(cand_arr), shown=len(cand_list)),
            churned=ListTotal(accounts=int(churned.sum()), arr=dollars(int(lost.sum())), shown=len(churn_list))),
        flags=flags, warnings=warnings,
    )


def _share(part: float, whole: float) -> float | None:
    return None if whole == 0 else part / whole


def _pooled_revenue(cohorts: list[CohortRow]) -> list[CurvePoint]:
    """Revenue retention by months since start, pooled over the cohorts observed that long:
    Σ ARR_k ÷ Σ ARR_0 over those cohorts only (a young cohort never drags month 12 down)."""
    pool = [c for c in cohorts if not c.left_truncated and c.start_arr > 0]
    longest = max((len(c.revenue) for c in pool), default=0)
    points = []
    for k in range(longest):
        seen = [c for c in pool if len(c.revenue) > k]
        base = sum(c.start_arr for c in seen)
        points.append(CurvePoint(month=k, retention=sum(c.start_arr * c.revenue[k] for c in seen) / base,
                                 cohorts=len(seen), accounts=sum(c.size for c in seen)))
    return points


def _own_flags(cfg: dict[str, Any], w, concentration: Concentration, a_s, a_e, names, snaps: Snapshots,
               at_risk, end_total: int, renewal_soon, days) -> list[Flag]:
    import numpy as np

    flags: list[Flag] = []
    top10 = concentration.top10_share
    if top10 is not None and concentration.active_accounts > 10 and top10 > cfg["top10_share_above"]:
        flags.append(Flag(id="top10_concentration", severity="medium", value=top10,
                          threshold=cfg["top10_share_above"],
                          message=f"the ten largest accounts hold {pct(top10)} of ARR (> {pct(cfg['top10_share_above'])})"))
    cohort = a_s > 0
    gains = np.where(cohort & (a_e > a_s), a_e - a_s, 0)
    total_gain = int(gains.sum())
    if total_gain > 0:
        i = int(gains.argmax())
        share = int(gains[i]) / total_gain
        if share > cfg["expansion_from_one_account_above"]:
            start = int(a_s[cohort].sum())
            without = (int(a_e[cohort].sum()) - int(a_e[i])) / (start - int(a_s[i])) if start > a_s[i] else None
            label = names[i] or snaps.accounts[i]
            flags.append(Flag(id="expansion_concentrated", severity="medium", value=share,
                              threshold=cfg["expansion_from_one_account_above"],
                              message=f"{label} alone is {pct(share)} of the cohort's expansion; NRR without it "
                                      f"is {pct(without)}"))
    if end_total > 0:
        share = int(a_e[at_risk].sum()) / end_total
        if share > cfg["at_risk_arr_share_above"]:
            flags.append(Flag(id="at_risk_arr_high", severity="high", value=share, threshold=cfg["at_risk_arr_share_above"],
                              message=f"{pct(share)} of ending ARR carries a risk signal "
                                      f"(> {pct(cfg['at_risk_arr_share_above'])})"))
    if w.cohort_size < cfg["small_cohort_below"]:
        flags.append(Flag(id="small_cohort", severity="low", value=float(w.cohort_size),
                          threshold=float(cfg["small_cohort_below"]),
                          message=f"only {w.cohort_size} accounts at the window start; one churn moves logo "
                                  f"retention by {pct(1 / w.cohort_size) if w.cohort_size else 'n/a'}"))
    largest = concentration.largest_account
    line = _concentration_line()
    if largest is not None and line is not None and largest.share > line:
        i = snaps.accounts.index(largest.account_id)
        if renewal_soon[i]:
            flags.append(Flag(id="largest_account_renewal", severity="high", value=largest.share, threshold=line,
                              message=f"{largest.name or largest.account_id} ({pct(largest.share)} of ARR) renews "
                                      f"in {int(days[i])} days"))
    return flags


def _concentration_line() -> float | None:
    return alert_threshold("customer_concentration", "largest_customer_share")


# ----------------------------------------------------------------------------- entry points

def run(source: Source, options: ChurnOptions) -> ChurnResult:
    if source is None:
        raise UsageError("INPUT is required (revenue snapshots CSV/JSON or a Stripe subscriptions export)")
    snaps = read_snapshots(source, as_of=options.as_of)
    accounts = None
    accounts_file = options.accounts
    if accounts_file is None and _is_bundled_sample(source):
        accounts_file = str(examples_dir() / "accounts.csv")  # the sample comes with its accounts file
    if accounts_file:
        accounts = read_accounts(accounts_file)
    result = analyze(snaps, options, accounts, accounts_file)
    if options.accounts is None and accounts_file:
        result.warnings.append(f"the bundled sample runs with its accounts file {Path(accounts_file).name}")
    return result


def _is_bundled_sample(source: Source) -> bool:
    if not isinstance(source, (str, Path)):
        return False
    try:
        return Path(source).resolve() == (examples_dir() / "revenue_snapshots.csv").resolve()
    except OSError:
        return False


def _top(total: ListTotal) -> str:
    """' (top 25 of 40)' when the list below was cut to --limit, else nothing."""
    return f" (top {total.shown} of {total.accounts})" if total.shown < total.accounts else ""


def render(result: ChurnResult) -> str:
    r = result
    wf = r.waterfall
    lines = [
        f"Churn and retention — {r.window.months}-month window {r.window.start} → {r.window.end} "
        f"(as of {r.as_of}; {r.source.kind} {r.source.file})",
        "",
        f"NRR {pct(r.nrr)}   GRR {pct(r.grr)}   Logo retention {pct(r.logo_retention)}   "
        f"(cohort: {r.cohort_size} accounts, {usd(r.decomposition.start_arr)} ARR)",
        f"  cohort S→E (the NRR/GRR basis): churn −{usd(r.decomposition.churn)} ({pct(r.decomposition.churn_rate)}), "
        f"contraction −{usd(r.decomposition.contraction)} ({pct(r.decomposition.contraction_rate)}), "
        f"expansion +{usd(r.decomposition.expansion)} ({pct(r.decomposition.expansion_rate)})",
        "",
        "ARR waterfall (every account, month by month, new logos included):",
        f"  start {usd(wf.start)} + new {usd(wf.new)} + reactivation {usd(wf.reactivation)} "
        f"+ expansion {usd(wf.expansion)} − contraction {usd(wf.contraction)} − churn {usd(wf.churn)} "
        f"= end {usd(wf.end)}",
    ]
    c = r.concentration
    if c.largest_account:
        lines += ["", f"Concentration: largest account {c.largest_account.name or c.largest_account.account_id} "
                      f"{pct(c.largest_share)} of ARR; top 10 {pct(c.top10_share)} ({c.active_accounts} active accounts)"]
    if r.segments:
        lines += ["", "Segments (cohort at window start, churned accounts included):"]
        width = max(len(s.segment) for s in r.segments)
        for s in r.segments:
            lines.append(f"  {s.segment:<{width}}  NRR {pct(s.nrr):>6}  GRR {pct(s.grr):>6}  logos {pct(s.logo_retention):>6}"
                         f"  cohort {s.cohort_size:>4}  ARR {usd(s.arr)}")
    curve = {p.month: p for p in r.logo_curve}
    marks = [k for k in (3, 6, 12) if k in curve]
    if marks:
        lines += ["", "Logo survival (Kaplan–Meier, censored): " +
                  ", ".join(f"month {k} {pct(curve[k].survival)}" for k in marks)]
    t = r.totals
    if r.at_risk:
        lines += ["", f"At risk: {t.at_risk.accounts} accounts, {usd(t.at_risk.arr)} ARR"
                      + _top(t.at_risk)]
        for a in r.at_risk:
            lines.append(f"  {a.name or a.account_id} ({usd(a.arr)}): {'; '.join(a.reasons)}")
    if r.expansion_candidates:
        lines += ["", f"Expansion candidates: {t.expansion_candidates.accounts} accounts, "
                      f"{usd(t.expansion_candidates.arr)} ARR"
                      + _top(t.expansion_candidates)]
        for a in r.expansion_candidates:
            lines.append(f"  {a.name or a.account_id} ({usd(a.arr)}): {'; '.join(a.reasons)}")
    if r.churned:
        lines += ["", f"Churned in the window: {t.churned.accounts} accounts, {usd(t.churned.arr)} ARR"
                      + _top(t.churned)]
        for ch in r.churned:  # already cut to --limit by analyze; the heading says so
            lines.append(f"  {ch.period} {ch.name or ch.account_id} ({usd(ch.arr_lost)})"
                         + (f": {ch.reason}" if ch.reason else ""))
    if r.flags:
        lines += ["", "Flags:"] + [f"  [{f.severity}] {f.id}: {f.message}" for f in r.flags]
    if r.warnings:
        lines += ["", "Notes:"] + [f"  {w}" for w in r.warnings]
    return "\n".join(lines)


def plot(result: ChurnResult, path: Path) -> None:
    """Retention cohort curves: revenue retention by start-month cohort with the pooled curve,
    and the Kaplan–Meier logo survival curve."""
    import matplotlib.ticker


    with figure(path, nrows=1, ncols=2, figsize=(11, 4.5)) as (fig, (left, right)):
        _draw_retention(result, fig, left, right, matplotlib.ticker)


def _draw_retention(result: ChurnResult, fig: Any, left: Any, right: Any, ticker: Any) -> None:
    for c in result.cohorts:
        if c.left_truncated or len(c.revenue) < 2:
            continue
        left.plot(range(len(c.revenue)), [v * 100 for v in c.revenue], color="tab:gray", alpha=0.35, lw=1)
    if result.revenue_curve:
        left.plot([p.month for p in result.revenue_curve], [p.retention * 100 for p in result.revenue_curve],
                  color="tab:blue", lw=2.5, marker="o", ms=3, label="pooled (cohorts observed that long)")
    left.axhline(100, color="black", lw=0.8, ls=":")
    left.set_xlabel("months since the account's first paid month")
    left.set_ylabel("revenue retention (%)")
    left.set_title("Revenue retention by start-month cohort")
    left.legend(loc="lower left", fontsize=8)
    if result.logo_curve:
        right.step([p.month for p in result.logo_curve], [p.survival * 100 for p in result.logo_curve],
                   where="post", color="tab:green", lw=2)
    right.set_ylim(0, 105)
    for ax in (left, right):
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    right.set_xlabel("months since the account's first paid month")
    right.set_ylabel("accounts still paying (%)")
    right.set_title("Logo survival (Kaplan–Meier, censored)")
    fig.suptitle(f"Retention cohorts — NRR {pct(result.nrr)}, GRR {pct(result.grr)}, "
                 f"window {result.window.start} → {result.window.end}")


SPEC = ToolSpec(
    name=NAME,
    summary="Churn and retention from revenue snapshots: NRR, GRR, waterfall, cohorts, at-risk",
    role="cro",
    input_help=("revenue snapshots CSV/JSON, one row per account per month (account_id, period YYYY-MM, "
                "mrr or arr), or a Stripe subscriptions CSV export"),
    sample="revenue_snapshots.csv",
    options=ChurnOptions,
    result=ChurnResult,
    run=run,
    render=render,
    data_kinds=("revenue_snapshots", "stripe_subscriptions"),
    plot=plot,
)
