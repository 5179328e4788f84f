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
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from csuite.context.alerts import evaluate_alerts
from csuite.errors import UsageError
from csuite.io.numbers import currency_formatter, pct, usd
from csuite.io.values import month_end
from csuite.knowledge.bilingual import Lang
from csuite.knowledge.thresholds import AlertRule, alert_rules, alert_threshold, section
from csuite.resources import examples_dir
from csuite.tools.base import (
    Amount,
    Count,
    Day,
    Days,
    FilePath,
    Flag,
    MonthCount,
    Score,
    Share,
    Source,
    ToolOptions,
    ToolResult,
    ToolSpec,
)
from csuite.tools.plotting import figure
from csuite.tools.registry import summary_of
from csuite.tools.snapshots import (
    ACCOUNT_ALIASES,
    SNAPSHOT_ALIASES,
    STRIPE_ALIASES,
    AccountInfo,
    CohortRow,
    MonthMovement,
    RetentionWindow,
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
from csuite.tools.texts import ToolTexts, pad, width

if TYPE_CHECKING:  # numpy is imported where arrays are built, so `csuite --help` stays fast
    import numpy as np

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
    months: MonthCount


class SourceInfo(BaseModel):
    file: str
    kind: Literal["snapshots", "stripe"]
    unit: Literal["mrr", "arr"]
    accounts: Count
    first_period: str
    last_period: str
    accounts_file: str | None = None


class Decomposition(BaseModel):
    """The cohort's change from S to E, point to point: NRR = 1 − churn − contraction + expansion."""

    start_arr: Amount
    churn: Amount
    contraction: Amount
    expansion: Amount
    end_arr: Amount
    churn_rate: Share | None
    contraction_rate: Share | None
    expansion_rate: Share | None


class CurvePoint(BaseModel):
    month: MonthCount
    retention: Share
    cohorts: Count = Field(description="cohorts observed this many months after their start")
    accounts: Count


class SegmentRow(BaseModel):
    segment: str
    cohort_size: Count
    start_arr: Amount
    end_arr: Amount = Field(description="the segment cohort's ARR at E (churned accounts count as 0)")
    nrr: Share | None
    grr: Share | None
    logo_retention: Share | None
    churned_logos: Count
    active_accounts: Count
    arr: Amount = Field(description="all of the segment's ARR at E, new accounts included")


class LargestAccount(BaseModel):
    account_id: str
    name: str | None
    arr: Amount
    share: Share


class Concentration(BaseModel):
    end_arr: Amount
    active_accounts: Count
    largest_share: Share | None
    top10_share: Share | None
    largest_account: LargestAccount | None


class AccountSignals(BaseModel):
    account_id: str
    name: str | None
    segment: str | None
    arr: Amount
    signals: list[str]
    reasons: list[str]
    health_score: Score | None = None
    renewal_date: date | None = None
    days_to_renewal: Days | None = None


class ChurnedAccount(BaseModel):
    account_id: str
    name: str | None
    segment: str | None
    period: str = Field(description="first month at 0")
    arr_lost: Amount
    reason: str | None


class ListTotal(BaseModel):
    accounts: Count
    arr: Amount
    shown: Count


class Totals(BaseModel):
    at_risk: ListTotal
    expansion_candidates: ListTotal
    churned: ListTotal


class ChurnResult(ToolResult):
    as_of: date
    source: SourceInfo
    window: WindowInfo
    nrr: Share | None
    grr: Share | None
    logo_retention: Share | None
    cohort_size: Count
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
    segment: list[str | None] = [snaps.segments.get(a) for a in snaps.accounts]
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
            segment[i] = info.segment or segment[i]
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


@dataclass
class _Book:
    """The accounts at the window's end: ARR matrix columns and what the accounts file says."""

    snaps: Snapshots
    end_col: int                   # column of the window's last month (E)
    start_col: int                 # column of the window's first month (S = E − window)
    arr_end: "np.ndarray"          # ARR per account at E (integer cents)
    arr_start: "np.ndarray"        # ARR per account at S
    active: "np.ndarray"           # ARR at E above 0
    health: "np.ndarray"
    usage: "np.ndarray"
    days_to_renewal: "np.ndarray"
    segment: list[str | None]
    names: list[str | None]
    renewal: list[date | None]
    reasons: list[str | None]


@dataclass
class _Signals:
    """Risk and expansion signals per account (boolean arrays), and what they were measured on."""

    contracted: "np.ndarray"
    peak_arr: "np.ndarray"         # highest ARR in the contraction look-back
    peak_col: "np.ndarray"
    low_health: "np.ndarray"
    usage_drop: "np.ndarray"
    cancelling: "np.ndarray"
    renewal_soon: "np.ndarray"
    high_health: "np.ndarray"
    usage_growth: "np.ndarray"
    grew: "np.ndarray"
    grew_from_col: int
    at_risk: "np.ndarray"
    candidate: "np.ndarray"


def _book(snaps: Snapshots, window: int, accounts: dict[str, AccountInfo] | None, as_of: date) -> _Book:
    end_col = snaps.n_months - 1
    start_col = end_col - window
    arr_end, arr_start = snaps.arr[:, end_col], snaps.arr[:, start_col]
    health, usage, days, segment, names, renewal, reasons = _account_arrays(snaps, accounts, as_of)
    return _Book(snaps=snaps, end_col=end_col, start_col=start_col, arr_end=arr_end, arr_start=arr_start,
                 active=arr_end > 0, health=health, usage=usage, days_to_renewal=days, segment=segment, names=names,
                 renewal=renewal, reasons=reasons)


def _accounts_file_warnings(book: _Book, accounts: dict[str, AccountInfo] | None, as_of: date) -> list[str]:
    import numpy as np

    if accounts is None:
        return []
    warnings = []
    snaps = book.snaps
    unknown = len(set(accounts) - set(snaps.accounts))
    missing = int(sum(1 for acc in np.asarray(snaps.accounts, dtype=object)[book.active] if acc not in accounts))
    if unknown:
        warnings.append(f"{unknown} account(s) in the accounts file have no snapshots; ignored")
    if missing:
        warnings.append(f"{missing} active account(s) are missing from the accounts file (segment 'Unassigned')")
    past = int(np.sum(book.active & (book.days_to_renewal < 0)))
    if past:
        warnings.append(f"{past} active account(s) have a renewal date before {as_of}; update them")
    return warnings


def _signals(book: _Book, cfg: dict[str, Any]) -> _Signals:
    """Risk signals (contraction from a recent peak, low health, usage drop, a scheduled
    cancellation) and expansion signals; a candidate has a positive signal and no risk one."""
    import numpy as np

    risk_cfg, exp_cfg = cfg["at_risk"], cfg["expansion"]
    arr, end_col, active = book.snaps.arr, book.end_col, book.active
    look_from = max(0, end_col - int(risk_cfg["contraction_lookback_months"]))
    recent = arr[:, look_from:end_col + 1]
    peak_arr, peak_col = recent.max(axis=1), look_from + recent.argmax(axis=1)
    contracted = active & (book.arr_end <= peak_arr * (1 - float(risk_cfg["contraction_min_drop"]))) \
        & (peak_arr > book.arr_end)
    with np.errstate(invalid="ignore"):
        low_health = active & (book.health < float(risk_cfg["health_below"]))
        usage_drop = active & (book.usage <= float(risk_cfg["usage_drop_at_or_below"]))
        renewal_soon = active & (book.days_to_renewal >= 0) & (book.days_to_renewal <= int(risk_cfg["renewal_within_days"]))
        high_health = active & (book.health >= float(exp_cfg["health_at_least"]))
        usage_growth = active & (book.usage >= float(exp_cfg["usage_growth_at_least"]))
    grew_from_col = max(0, end_col - int(exp_cfg["grew_within_months"]))
    grew = active & (arr[:, grew_from_col] > 0) & (book.arr_end > arr[:, grew_from_col])
    cancelling = active & np.fromiter((acc in book.snaps.cancel_scheduled for acc in book.snaps.accounts), bool,
                                      len(active))
    at_risk = contracted | low_health | usage_drop | cancelling
    return _Signals(contracted=contracted, peak_arr=peak_arr, peak_col=peak_col, low_health=low_health,
                    usage_drop=usage_drop, cancelling=cancelling, renewal_soon=renewal_soon, high_health=high_health,
                    usage_growth=usage_growth, grew=grew, grew_from_col=grew_from_col, at_risk=at_risk,
                    candidate=(high_health | usage_growth | grew) & ~at_risk)


def _risk_reasons(i: int, book: _Book, sig: _Signals, cfg: dict[str, Any]) -> tuple[list[str], list[str]]:
    names, why = [], []
    first = book.snaps.first
    if sig.contracted[i]:
        drop = 1 - book.arr_end[i] / sig.peak_arr[i]
        names.append("contraction")
        why.append(f"ARR down {drop * 100:.0f}% from {usd(dollars(sig.peak_arr[i]))} "
                   f"({month_label(first + int(sig.peak_col[i]))}) to {usd(dollars(book.arr_end[i]))}")
    if sig.low_health[i]:
        names.append("low_health")
        why.append(f"health {book.health[i]:.0f} < {cfg['at_risk']['health_below']}")
    if sig.usage_drop[i]:
        names.append("usage_drop")
        why.append(f"usage {book.usage[i] * 100:+.0f}%")
    if sig.cancelling[i]:
        names.append("scheduled_cancel")
        why.append("subscription set to cancel at the end of its billing period")
    if sig.renewal_soon[i]:
        names.append("renewal_soon")
        why.append(f"renews {book.renewal[i]} (in {int(book.days_to_renewal[i])} days)")
    return names, why


def _expansion_reasons(i: int, book: _Book, sig: _Signals, cfg: dict[str, Any]) -> tuple[list[str], list[str]]:
    names, why = [], []
    if sig.high_health[i]:
        names.append("high_health")
        why.append(f"health {book.health[i]:.0f} ≥ {cfg['expansion']['health_at_least']}")
    if sig.usage_growth[i]:
        names.append("usage_growth")
        why.append(f"usage {book.usage[i] * 100:+.0f}%")
    if sig.grew[i]:
        names.append("recent_growth")
        col = sig.grew_from_col
        why.append(f"ARR up from {usd(dollars(book.snaps.arr[i, col]))} ({month_label(book.snaps.first + col)}) "
                   f"to {usd(dollars(book.arr_end[i]))}")
    return names, why


def _account_signals(i: int, book: _Book, sig: _Signals, cfg: dict[str, Any], kind: str) -> AccountSignals:
    names, why = (_risk_reasons if kind == "risk" else _expansion_reasons)(i, book, sig, cfg)
    days = book.days_to_renewal[i]
    return AccountSignals(
        account_id=book.snaps.accounts[i], name=book.names[i], segment=book.segment[i], arr=dollars(book.arr_end[i]),
        signals=names, reasons=why, health_score=None if math.isnan(book.health[i]) else float(book.health[i]),
        renewal_date=book.renewal[i], days_to_renewal=None if math.isnan(days) else int(days))


def _account_lists(book: _Book, sig: _Signals, cfg: dict[str, Any], limit: int
                   ) -> tuple[list[AccountSignals], list[AccountSignals]]:
    """At-risk accounts (renewing soon first, then largest) and expansion candidates (most
    signals first, then largest), each cut to `limit`."""
    import numpy as np

    risky = np.flatnonzero(sig.at_risk)
    risky = risky[np.lexsort((-book.arr_end[risky], ~sig.renewal_soon[risky]))]
    hopeful = np.flatnonzero(sig.candidate)
    positives = sig.high_health.astype(int) + sig.usage_growth.astype(int) + sig.grew.astype(int)
    hopeful = hopeful[np.lexsort((-book.arr_end[hopeful], -positives[hopeful]))]
    return ([_account_signals(int(i), book, sig, cfg, "risk") for i in risky[:limit]],
            [_account_signals(int(i), book, sig, cfg, "expansion") for i in hopeful[:limit]])


def _churned_in_window(book: _Book, limit: int) -> tuple[list[ChurnedAccount], "np.ndarray", "np.ndarray"]:
    """Accounts at 0 at E after being active inside the window, largest loss first:
    (listed accounts, churned mask, ARR lost per churned account)."""
    import numpy as np

    window = book.snaps.arr[:, book.start_col:book.end_col + 1]
    drops = (window[:, :-1] > 0) & (window[:, 1:] == 0)
    churned = (book.arr_end == 0) & drops.any(axis=1)
    last_drop = window.shape[1] - 2 - drops[:, ::-1].argmax(axis=1)  # the last >0 → 0 step
    churned_idx = np.flatnonzero(churned)
    lost = window[churned_idx, last_drop[churned_idx]]
    order = churned_idx[np.argsort(-lost, kind="stable")]
    listed = [ChurnedAccount(account_id=book.snaps.accounts[i], name=book.names[i], segment=book.segment[i],
                             period=month_label(book.snaps.first + book.start_col + int(last_drop[i]) + 1),
                             arr_lost=dollars(window[i, last_drop[i]]), reason=book.reasons[i])
              for i in (int(j) for j in order[:limit])]
    return listed, churned, lost


def _segment_rows(book: _Book, window: int) -> list[SegmentRow]:
    """Each segment's own cohort frozen at S (churned accounts stay in the denominator)."""
    import numpy as np

    labels = np.array([seg or "Unassigned" for seg in book.segment], dtype=object)
    rows = []
    for label in sorted(set(labels.tolist())):
        mask = labels == label
        sub = retention_window(book.snaps.select(mask), window_months=window)
        rows.append(SegmentRow(
            segment=label, cohort_size=sub.cohort_size, start_arr=sub.start_arr, end_arr=sub.end_arr_cohort,
            nrr=sub.nrr, grr=sub.grr, logo_retention=sub.logo_retention,
            churned_logos=sub.cohort_size - sub.retained_logos, active_accounts=int((mask & book.active).sum()),
            arr=dollars(book.arr_end[mask].sum())))
    return sorted(rows, key=lambda r: -r.arr)


def _concentration(book: _Book) -> Concentration:
    import numpy as np

    end_total = int(book.arr_end.sum())
    if end_total <= 0:
        return Concentration(end_arr=0.0, active_accounts=0, largest_share=None, top10_share=None,
                             largest_account=None)
    largest_first = np.sort(book.arr_end[book.active])[::-1]
    big = int(book.arr_end.argmax())
    largest = LargestAccount(account_id=book.snaps.accounts[big], name=book.names[big],
                             arr=dollars(book.arr_end[big]), share=int(book.arr_end[big]) / end_total)
    return Concentration(end_arr=dollars(end_total), active_accounts=int(book.active.sum()),
                         largest_share=largest.share, top10_share=int(largest_first[:10].sum()) / end_total,
                         largest_account=largest)


def _curves(snaps: Snapshots) -> tuple[list[CohortRow], list[CurvePoint], list[SurvivalPoint], str]:
    """Cohorts and the censored pooled curves (accounts with an unknown start left out)."""
    cohorts = cohort_matrix(snaps)
    durations, observed, start_col = tenure(snaps)
    truncated = (start_col == 0) & (snaps.source_kind != "stripe")
    logo_curve = kaplan_meier(durations[~truncated], observed[~truncated])
    n_truncated = int(truncated.sum())
    note = (f"{n_truncated} account(s) already paying in {month_label(snaps.first)}, the first month of the file, "
            "have an unknown start and are left out of the pooled curves" if n_truncated else
            "every account's start is inside the data")
    return cohorts, _pooled_revenue(cohorts), logo_curve, note


def _decomposition(window: RetentionWindow) -> Decomposition:
    return Decomposition(
        start_arr=window.start_arr, churn=window.cohort_churn, contraction=window.cohort_contraction,
        expansion=window.cohort_expansion, end_arr=window.end_arr_cohort,
        churn_rate=_share(window.cohort_churn, window.start_arr),
        contraction_rate=_share(window.cohort_contraction, window.start_arr),
        expansion_rate=_share(window.cohort_expansion, window.start_arr))


def analyze(snaps: Snapshots, options: ChurnOptions, accounts: dict[str, AccountInfo] | None = None,
            accounts_file: str | None = None) -> ChurnResult:
    """The whole analysis on snapshots already read (pure; no file access)."""
    cfg = _cfg()
    if options.as_of is not None and snaps.last > options.as_of.year * 12 + options.as_of.month - 1:
        snaps = snaps.until(month_label(options.as_of.year * 12 + options.as_of.month - 1))
    as_of, warnings = _as_of_date(snaps, options.as_of)
    window = retention_window(snaps, window_months=options.window)
    book = _book(snaps, options.window, accounts, as_of)
    warnings = list(snaps.warnings) + warnings + _accounts_file_warnings(book, accounts, as_of)
    sig = _signals(book, cfg)
    risk_list, candidate_list = _account_lists(book, sig, cfg, options.limit)
    churn_list, churned, lost = _churned_in_window(book, options.limit)
    segments = _segment_rows(book, options.window) if accounts is not None or snaps.segments else []
    concentration = _concentration(book)
    cohorts, revenue_curve, logo_curve, curve_note = _curves(snaps)
    decomposition = _decomposition(window)
    metrics = {"nrr": window.nrr, "grr": window.grr, "logo_retention": window.logo_retention,
               "contraction": decomposition.contraction_rate,
               "largest_customer_share": concentration.largest_share}
    flags = _retention_flags(metrics, options.window, as_of)
    flags += _own_flags(cfg["flags"], window, concentration, book, sig.at_risk, sig.renewal_soon)
    severity = {"high": 0, "medium": 1, "low": 2}
    flags.sort(key=lambda f: severity[f.severity])  # stable: alert order, then the tool's own
    return ChurnResult(
        as_of=as_of,
        source=SourceInfo(file=snaps.file, kind=snaps.source_kind, unit=snaps.unit, accounts=len(snaps.accounts),
                          first_period=month_label(snaps.first), last_period=month_label(snaps.last),
                          accounts_file=accounts_file),
        window=WindowInfo(start=window.start, end=window.end, months=options.window),
        nrr=window.nrr, grr=window.grr, logo_retention=window.logo_retention, cohort_size=window.cohort_size,
        decomposition=decomposition, waterfall=window.waterfall, movements=window.movements,
        cohorts=cohorts, revenue_curve=revenue_curve, logo_curve=logo_curve, curve_note=curve_note,
        segments=segments, concentration=concentration,
        at_risk=risk_list, expansion_candidates=candidate_list, churned=churn_list,
        totals=Totals(
            at_risk=ListTotal(accounts=int(sig.at_risk.sum()), arr=dollars(int(book.arr_end[sig.at_risk].sum())),
                              shown=len(risk_list)),
            expansion_candidates=ListTotal(accounts=int(sig.candidate.sum()),
                                           arr=dollars(int(book.arr_end[sig.candidate].sum())),
                                           shown=len(candidate_list)),
            churned=ListTotal(accounts=int(churned.sum()), arr=dollars(int(lost.sum())), shown=len(churn_list))),
        flags=flags, warnings=warnings, currency=snaps.currency or "USD",
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


def _own_flags(cfg: dict[str, Any], window: RetentionWindow, concentration: Concentration, book: _Book,
               at_risk: "np.ndarray", renewal_soon: "np.ndarray") -> list[Flag]:
    """The tool's own flags (its `churn_analyzer.flags` lines), beside the retention alerts."""
    import numpy as np

    flags: list[Flag] = []
    arr_start, arr_end = book.arr_start, book.arr_end
    top10 = concentration.top10_share
    if top10 is not None and concentration.active_accounts > 10 and top10 > cfg["top10_share_above"]:
        flags.append(Flag(id="top10_concentration", severity="medium", value=top10, unit="fraction",
                          threshold=cfg["top10_share_above"], metric="top10_share",
                          message=f"the ten largest accounts hold {pct(top10)} of ARR (> {pct(cfg['top10_share_above'])})"))
    cohort = arr_start > 0
    gains = np.where(cohort & (arr_end > arr_start), arr_end - arr_start, 0)
    total_gain = int(gains.sum())
    if total_gain > 0:
        i = int(gains.argmax())
        share = int(gains[i]) / total_gain
        if share > cfg["expansion_from_one_account_above"]:
            start = int(arr_start[cohort].sum())
            without = (int(arr_end[cohort].sum()) - int(arr_end[i])) / (start - int(arr_start[i])) \
                if start > arr_start[i] else None
            label = book.names[i] or book.snaps.accounts[i]
            flags.append(Flag(id="expansion_concentrated", severity="medium", value=share, unit="fraction",
                              threshold=cfg["expansion_from_one_account_above"], items=[book.snaps.accounts[i]],
                              message=f"{label} alone is {pct(share)} of the cohort's expansion; NRR without it "
                                      f"is {pct(without)}"))
    end_total = int(arr_end.sum())
    if end_total > 0:
        share = int(arr_end[at_risk].sum()) / end_total
        if share > cfg["at_risk_arr_share_above"]:
            flags.append(Flag(id="at_risk_arr_high", severity="high", value=share, unit="fraction",
                              threshold=cfg["at_risk_arr_share_above"], metric="at_risk_arr_share",
                              message=f"{pct(share)} of ending ARR carries a risk signal "
                                      f"(> {pct(cfg['at_risk_arr_share_above'])})"))
    if window.cohort_size < cfg["small_cohort_below"]:
        flags.append(Flag(id="small_cohort", severity="low", value=float(window.cohort_size), unit="count",
                          threshold=float(cfg["small_cohort_below"]), metric="cohort_size",
                          message=f"only {window.cohort_size} accounts at the window start; one churn moves logo "
                                  f"retention by {pct(1 / window.cohort_size) if window.cohort_size else 'n/a'}"))
    largest = concentration.largest_account
    line = _concentration_line()
    if largest is not None and line is not None and largest.share > line:
        i = book.snaps.accounts.index(largest.account_id)
        if renewal_soon[i]:
            flags.append(Flag(id="largest_account_renewal", severity="high", value=largest.share, threshold=line,
                              unit="fraction", items=[largest.account_id],
                              message=f"{largest.name or largest.account_id} ({pct(largest.share)} of ARR) renews "
                                      f"in {int(book.days_to_renewal[i])} days"))
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


def render(result: ChurnResult, lang: Lang = "en") -> str:
    T = ToolTexts(NAME, lang)
    r = result
    money = currency_formatter(r.currency)
    wf = r.waterfall

    def top(total: ListTotal) -> str:
        """' (top 25 of 40)' when the list below was cut to --limit, else nothing."""
        return T("top_of", shown=total.shown, total=total.accounts) if total.shown < total.accounts else ""

    def reasons(items: list[str]) -> str:
        return T("list_separator").join(T.say(item) for item in items)

    d = r.decomposition
    lines = [
        T("title", months=r.window.months, start=r.window.start, end=r.window.end, as_of=r.as_of,
          kind=T.term(r.source.kind), file=r.source.file),
        "",
        T("headline", nrr=pct(r.nrr), grr=pct(r.grr), logos=pct(r.logo_retention), cohort=r.cohort_size,
          arr=money(d.start_arr)),
        T("decomposition", churn=money(d.churn), churn_rate=pct(d.churn_rate), contraction=money(d.contraction),
          contraction_rate=pct(d.contraction_rate), expansion=money(d.expansion), expansion_rate=pct(d.expansion_rate)),
        "",
        T("waterfall"),
        T("waterfall_row", start=money(wf.start), new=money(wf.new), reactivation=money(wf.reactivation),
          expansion=money(wf.expansion), contraction=money(wf.contraction), churn=money(wf.churn), end=money(wf.end)),
    ]
    c = r.concentration
    if c.largest_account:
        lines += ["", T("concentration", name=c.largest_account.name or c.largest_account.account_id,
                        share=pct(c.largest_share), top10=pct(c.top10_share), active=c.active_accounts)]
    if r.segments:
        lines += ["", T("segments")]
        columns = max(width(s.segment) for s in r.segments)
        for s in r.segments:
            lines.append(T("segment_row", segment=pad(s.segment, columns), nrr=pct(s.nrr), grr=pct(s.grr),
                           logos=pct(s.logo_retention), cohort=s.cohort_size, arr=money(s.arr)))
    curve = {p.month: p for p in r.logo_curve}
    marks = [k for k in (3, 6, 12) if k in curve]
    if marks:
        lines += ["", T("survival", points=T("point_separator").join(
            T("survival_point", month=k, value=pct(curve[k].survival)) for k in marks))]
    t = r.totals
    if r.at_risk:
        lines += ["", T("at_risk", accounts=t.at_risk.accounts, arr=money(t.at_risk.arr), top=top(t.at_risk))]
        for a in r.at_risk:
            lines.append(T("account_row", name=a.name or a.account_id, arr=money(a.arr), reasons=reasons(a.reasons)))
    if r.expansion_candidates:
        lines += ["", T("expansion", accounts=t.expansion_candidates.accounts, arr=money(t.expansion_candidates.arr),
                        top=top(t.expansion_candidates))]
        for a in r.expansion_candidates:
            lines.append(T("account_row", name=a.name or a.account_id, arr=money(a.arr), reasons=reasons(a.reasons)))
    if r.churned:
        lines += ["", T("churned", accounts=t.churned.accounts, arr=money(t.churned.arr), top=top(t.churned))]
        for ch in r.churned:  # already cut to --limit by analyze; the heading says so
            lines.append(T("churned_row", period=ch.period, name=ch.name or ch.account_id, arr=money(ch.arr_lost))
                         + (T("churned_reason", reason=ch.reason) if ch.reason else ""))
    if r.flags:
        lines += ["", T("flags")] + [T("flag", severity=T.term(f.severity), id=f.id, message=T.say(f.message))
                                     for f in r.flags]
    if r.warnings:
        lines += ["", T("notes")] + [T("note_line", text=T.say(w)) for w in r.warnings]
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
    summary=summary_of(NAME),
    role="cro",
    input_help=("revenue snapshots CSV/JSON, one row per account per month (account_id, period YYYY-MM, "
                "mrr or arr), or a Stripe subscriptions CSV export"),
    sample="revenue_snapshots.csv",
    options=ChurnOptions,
    result=ChurnResult,
    run=run,
    render=render,
    reads_accounts_file=True,
    data_kinds=("revenue_snapshots", "stripe_subscriptions"),
    plot=plot,
)
