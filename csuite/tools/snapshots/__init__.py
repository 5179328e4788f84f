"""Revenue snapshots (a package: data, reading, stripe, accounts, retention, survival): the one implementation of NRR, GRR, logo retention and the ARR waterfall.

Both `churn_analyzer` (CRO) and `retention_decomposition_analyzer` (CCO) read revenue through
this module, so the two tools cannot disagree about a retention number on the same data.

Input: one row per account per month (`account_id, period, mrr` or `arr`), or a Stripe
subscriptions CSV export, which is turned into the same monthly snapshots.

Public API (names are stable; other tools import them):

- `read_snapshots(source, *, as_of=None) -> Snapshots` — a path or inline rows; detects a Stripe
  subscriptions export by its headers. Duplicate account+period rows, negative/NaN money, bad
  periods, a month missing from the middle of the series and (Stripe) an end before a start are
  `InputError`s naming the file, row(s) and field.
- `snapshots_from_stripe(table, *, as_of=None) -> Snapshots` — the Stripe conversion on a `Table`.
- `Snapshots.from_records(records, unit="mrr")` — build from `(account_id, "YYYY-MM", amount)`
  tuples (tests, Python API).
- `Snapshots` — a dense account × month matrix of **ARR in integer cents** (`arr`), plus
  `accounts`, `periods`, `period_index(label)`, `until(label)`, `select(mask_or_ids)`,
  `first_active()` and `total_arr(label)`.
- `retention_window(snapshots, end=None, window_months=12) -> RetentionWindow` — for the trailing
  window E − window … E (E = `end` or the last period): cohort = accounts with ARR(S) > 0;
  `nrr` = Σ ARR(E) ÷ Σ ARR(S) over the cohort; `grr` = Σ min(ARR(E), ARR(S)) ÷ Σ ARR(S) over the
  cohort; `logo_retention` = share of the cohort with ARR(E) > 0; ratios are None (n/a) when the
  cohort is empty. `cohort_churn/contraction/expansion` split the cohort's change point to point
  (start − churn − contraction + expansion = NRR numerator). Plus the ARR `waterfall` for the
  window (all accounts, month by month) and its per-month `movements`.
- `movements(snapshots, start, end) -> list[MonthMovement]` — month-over-month movements.
- `read_accounts(source) -> dict[str, AccountInfo]` — the optional accounts file (name, segment,
  churn_reason, health_score, renewal_date, usage columns).
- `cohort_matrix(snapshots, end=None)` — revenue- and logo-retention by start-month cohort.
- `tenure(snapshots, end=None)` and `kaplan_meier(durations, observed)` — the censored logo
  survival curve (pooled Kaplan–Meier), so young cohorts do not bias late months.
- `month_index(label)`, `month_label(index)`, `dollars(cents)`.

Definitions (why they are built this way):

- Money is integer cents so the waterfall reconciles *exactly*:
  start + new + reactivation + expansion − contraction − churn = end. Reported in dollars of ARR
  (MRR inputs are × 12).
- Movements are measured month to month per **account** (not per subscription, so a plan switch is
  not churn + new), and only months inside the window count: lifetime expansion can never be
  credited to a period. new = first month ever above 0; reactivation = back above 0 after a month
  at 0; expansion / contraction = change while active both months; churn = ARR that went to 0.
- NRR and GRR are point-to-point on a cohort frozen at S: new logos are excluded; a cohort account
  that churned and came back within the window counts at its ARR(E); an account that was at 0 at
  S and reactivated later is not in the cohort (it appears as reactivation in the waterfall).
- A missing row means the account had no revenue that month (0), which is how snapshot exports
  list churned accounts. A month with no rows at all inside the range is an error, not a
  company-wide churn.
"""

from csuite.tools.snapshots.accounts import AccountInfo, read_accounts
from csuite.tools.snapshots.data import (
    ACCOUNT_ALIASES,
    SNAPSHOT_ALIASES,
    STRIPE_ALIASES,
    Snapshots,
    Unit,
    dollars,
    month_index,
    month_label,
    snapshots_from_table,
)
from csuite.tools.snapshots.reading import read_snapshots
from csuite.tools.snapshots.retention import (
    MonthMovement,
    RetentionWindow,
    Waterfall,
    movements,
    retention_window,
    waterfall_cents,
)
from csuite.tools.snapshots.stripe import is_stripe_table, snapshots_from_stripe
from csuite.tools.snapshots.survival import CohortRow, SurvivalPoint, cohort_matrix, kaplan_meier, tenure

__all__ = [
    "ACCOUNT_ALIASES", "SNAPSHOT_ALIASES", "STRIPE_ALIASES", "AccountInfo", "CohortRow", "MonthMovement",
    "RetentionWindow", "Snapshots", "SurvivalPoint", "Unit", "Waterfall", "cohort_matrix", "dollars",
    "is_stripe_table", "kaplan_meier", "month_index", "month_label", "movements", "read_accounts",
    "read_snapshots", "retention_window", "snapshots_from_stripe", "snapshots_from_table", "tenure",
    "waterfall_cents",
]
