"""Retention maths on snapshots: month-by-month movements, the exact ARR waterfall and the
trailing-window NRR, GRR and logo retention on a cohort frozen at the window start."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from csuite.errors import InputError
from csuite.tools.base import Amount, Count, MonthCount, Share
from csuite.tools.snapshots.data import Snapshots, dollars, month_label, ratio_or_none

if TYPE_CHECKING:  # numpy is imported lazily so `csuite --help` stays fast
    import numpy as np


# ----------------------------------------------------------------------------- retention maths

class Waterfall(BaseModel):
    """ARR bridge in dollars: start + new + reactivation + expansion − contraction − churn = end."""

    model_config = ConfigDict(defer_build=True)  # built on first use: most runs that import it never validate one

    start: Amount
    new: Amount
    reactivation: Amount
    expansion: Amount
    contraction: Amount
    churn: Amount
    end: Amount


class MonthMovement(Waterfall):
    period: str
    new_logos: Count
    reactivated_logos: Count
    churned_logos: Count


class RetentionWindow(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use: most runs that import it never validate one

    start: str
    end: str
    window_months: MonthCount
    cohort_size: Count
    retained_logos: Count
    start_arr: Amount = Field(description="Σ ARR(S) over the cohort")
    end_arr_cohort: Amount = Field(description="Σ ARR(E) over the cohort (numerator of NRR)")
    retained_arr_capped: Amount = Field(description="Σ min(ARR(E), ARR(S)) over the cohort (numerator of GRR)")
    nrr: Share | None
    grr: Share | None
    logo_retention: Share | None
    cohort_churn: Amount = Field(description="Σ ARR(S) of cohort accounts at 0 in E")
    cohort_contraction: Amount = Field(description="Σ (ARR(S) − ARR(E)) over cohort accounts still active but lower")
    cohort_expansion: Amount = Field(description="Σ (ARR(E) − ARR(S)) over cohort accounts that grew")
    waterfall: Waterfall
    movements: list[MonthMovement]


def _movement_cents(snaps: Snapshots, j0: int, j1: int) -> dict[str, "np.ndarray"]:
    """Per-month movement totals (int64 cents) for the steps j0→j0+1 … j1−1→j1 (columns)."""
    import numpy as np

    a = snaps.arr
    prev = a[:, j0:j1]
    cur = a[:, j0 + 1:j1 + 1]
    first = snaps.first_active()
    cols = np.arange(j0 + 1, j1 + 1)
    both = (prev > 0) & (cur > 0)
    delta = cur - prev
    arrived = (prev == 0) & (cur > 0)
    is_new = arrived & (first[:, None] == cols[None, :])
    is_react = arrived & ~is_new
    left = (prev > 0) & (cur == 0)
    return {
        "start": prev.sum(axis=0),
        "end": cur.sum(axis=0),
        "new": np.where(is_new, cur, 0).sum(axis=0),
        "reactivation": np.where(is_react, cur, 0).sum(axis=0),
        "expansion": np.where(both & (delta > 0), delta, 0).sum(axis=0),
        "contraction": np.where(both & (delta < 0), -delta, 0).sum(axis=0),
        "churn": np.where(left, prev, 0).sum(axis=0),
        "new_logos": is_new.sum(axis=0),
        "reactivated_logos": is_react.sum(axis=0),
        "churned_logos": left.sum(axis=0),
    }


def movements(snaps: Snapshots, start: str, end: str) -> list[MonthMovement]:
    """Month-over-month ARR movements for each month after `start` up to `end` (labels)."""
    j0, j1 = snaps.period_index(start), snaps.period_index(end)
    if j1 < j0:
        raise InputError(f"end {end} is before start {start}")
    parts = _movement_cents(snaps, j0, j1)
    out = []
    for k in range(j1 - j0):
        out.append(MonthMovement(
            period=month_label(snaps.first + j0 + 1 + k),
            **{key: dollars(parts[key][k]) for key in
               ("start", "new", "reactivation", "expansion", "contraction", "churn", "end")},
            new_logos=int(parts["new_logos"][k]), reactivated_logos=int(parts["reactivated_logos"][k]),
            churned_logos=int(parts["churned_logos"][k]),
        ))
    return out


def waterfall_cents(snaps: Snapshots, j0: int, j1: int) -> dict[str, int]:
    """The window's bridge in integer cents; asserts the identity (it holds by construction)."""
    parts = _movement_cents(snaps, j0, j1)
    w = {k: int(parts[k].sum()) for k in ("new", "reactivation", "expansion", "contraction", "churn")}
    w["start"] = int(snaps.arr[:, j0].sum())
    w["end"] = int(snaps.arr[:, j1].sum())
    if w["start"] + w["new"] + w["reactivation"] + w["expansion"] - w["contraction"] - w["churn"] != w["end"]:
        raise AssertionError("ARR waterfall does not reconcile")  # impossible: movements telescope
    return w


def retention_window(snapshots: Snapshots, end: str | None = None, window_months: int = 12) -> RetentionWindow:
    """NRR, GRR, logo retention and the ARR waterfall for the window ending at `end`.

    S = E − window_months. The cohort is frozen at S (ARR(S) > 0); only months S+1…E move the
    waterfall, so nothing earlier (or later) is credited to this window."""
    import numpy as np

    if isinstance(window_months, bool) or not isinstance(window_months, int) or window_months < 1:
        raise InputError(f"window must be a whole number of months ≥ 1 (got {window_months!r})")
    e = snapshots.period_index(end) if end is not None else snapshots.n_months - 1
    s = e - window_months
    if s < 0:
        raise InputError(
            f"a {window_months}-month window ending {month_label(snapshots.first + e)} needs a snapshot "
            f"for {month_label(snapshots.first + s)}, but the data start at {month_label(snapshots.first)}; "
            "use a shorter --window or a later end", file=snapshots.file)
    a_s = snapshots.arr[:, s]
    a_e = snapshots.arr[:, e]
    cohort = a_s > 0
    start_arr = int(a_s[cohort].sum())
    end_arr = int(a_e[cohort].sum())
    capped = int(np.minimum(a_e[cohort], a_s[cohort]).sum())
    cs, ce = a_s[cohort], a_e[cohort]
    # Point-to-point per cohort account, so start − churn − contraction + expansion = Σ ARR(E)
    # and start − churn − contraction = Σ min(ARR(E), ARR(S)) exactly.
    lost = int(cs[ce == 0].sum())
    down = int((cs - ce)[(ce > 0) & (ce < cs)].sum())
    up = int((ce - cs)[ce > cs].sum())
    size = int(cohort.sum())
    retained = int((cohort & (a_e > 0)).sum())
    w = waterfall_cents(snapshots, s, e)
    return RetentionWindow(
        start=month_label(snapshots.first + s), end=month_label(snapshots.first + e),
        window_months=window_months, cohort_size=size, retained_logos=retained,
        start_arr=dollars(start_arr), end_arr_cohort=dollars(end_arr), retained_arr_capped=dollars(capped),
        nrr=ratio_or_none(end_arr, start_arr), grr=ratio_or_none(capped, start_arr),
        logo_retention=ratio_or_none(retained, size),
        cohort_churn=dollars(lost), cohort_contraction=dollars(down), cohort_expansion=dollars(up),
        waterfall=Waterfall(**{k: dollars(v) for k, v in w.items()}),
        movements=movements(snapshots, month_label(snapshots.first + s), month_label(snapshots.first + e)),
    )
