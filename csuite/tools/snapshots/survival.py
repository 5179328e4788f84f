"""Cohorts and survival: revenue and logo retention by start-month cohort, tenure, and the
pooled Kaplan–Meier logo curve (young cohorts censored, not counted as churned)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from csuite.tools.base import Amount, Count, MonthCount, Share
from csuite.tools.snapshots.data import Snapshots, dollars, month_label

if TYPE_CHECKING:  # numpy is imported lazily so `csuite --help` stays fast
    import numpy as np


# ----------------------------------------------------------------------------- cohorts and survival

class CohortRow(BaseModel):
    """One start-month cohort: `revenue[k]` = cohort ARR at month k ÷ ARR at month 0 (expansion
    included, so it can exceed 1); `logos[k]` = share of the cohort active at month k. Lists stop
    at the last observed month, so young cohorts are short, never padded with zeros."""

    model_config = ConfigDict(defer_build=True)  # built on first use: most runs that import it never validate one

    cohort: str
    size: Count
    start_arr: Amount
    left_truncated: bool = Field(description="first month of a snapshot file: these accounts may have started "
                                             "earlier (a Stripe export carries real start dates)")
    revenue: list[Share]
    logos: list[Share]


def cohort_matrix(snaps: Snapshots, end: str | None = None) -> list[CohortRow]:
    """Cohorts by each account's own first month above 0 (month 0 is 100% by construction)."""
    import numpy as np

    if end is not None:
        snaps = snaps.until(end)
    first = snaps.first_active()
    rows: list[CohortRow] = []
    for j in np.unique(first[first >= 0]):
        j = int(j)
        members = snaps.arr[first == j]
        base = members[:, j]
        totals = members[:, j:].sum(axis=0)
        active = (members[:, j:] > 0).sum(axis=0)
        rows.append(CohortRow(
            cohort=month_label(snaps.first + j), size=int(members.shape[0]), start_arr=dollars(base.sum()),
            left_truncated=j == 0 and snaps.source_kind != "stripe",
            revenue=[float(t) / float(base.sum()) for t in totals],
            logos=[float(c) / members.shape[0] for c in active],
        ))
    return rows


def tenure(snaps: Snapshots, end: str | None = None) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """(durations in months, churned?, start column) per account that was ever active.

    Duration runs from the account's own first month above 0 to its first month back at 0 (an
    observed churn) or to the last month (censored: still active, outcome unknown)."""
    import numpy as np

    if end is not None:
        snaps = snaps.until(end)
    first = snaps.first_active()
    ever = first >= 0
    a = snaps.arr[ever]
    f = first[ever]
    n = snaps.n_months
    cols = np.arange(n)[None, :]
    zero_after = (a == 0) & (cols > f[:, None])
    churned = zero_after.any(axis=1)
    churn_col = np.where(churned, zero_after.argmax(axis=1), n - 1)
    durations = churn_col - f
    return durations.astype(np.int64), churned, f


class SurvivalPoint(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use: most runs that import it never validate one

    month: MonthCount
    at_risk: Count
    churned: Count
    survival: Share


def kaplan_meier(durations: "np.ndarray", observed: "np.ndarray") -> list[SurvivalPoint]:
    """Pooled Kaplan–Meier logo survival by tenure month: S(k) = Π (1 − churned_k ÷ at_risk_k).

    At risk at month k: accounts with duration ≥ k (censored ones count at their last month, as
    in lifelines). Young cohorts leave the risk set instead of counting as churned."""
    import numpy as np

    durations = np.asarray(durations, dtype=np.int64)
    observed = np.asarray(observed, dtype=bool)
    if durations.size == 0:
        return []
    top = int(durations.max())
    events = np.bincount(durations[observed], minlength=top + 1)
    leaving = np.bincount(durations, minlength=top + 1)
    at_risk = durations.size - np.concatenate(([0], np.cumsum(leaving)[:-1]))
    points: list[SurvivalPoint] = []
    s = 1.0
    for k in range(0, top + 1):  # tenure() never yields a churn at month 0; raw input may
        if at_risk[k] == 0:
            break
        s *= 1.0 - events[k] / at_risk[k]
        points.append(SurvivalPoint(month=k, at_risk=int(at_risk[k]), churned=int(events[k]), survival=s))
    return points
