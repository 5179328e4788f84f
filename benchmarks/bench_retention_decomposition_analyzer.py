#!/usr/bin/env python3
"""Benchmark: retention_decomposition_analyzer on 1,000,000 revenue-snapshot rows (target: under 10 s).

Writes a snapshot CSV (account_id, period, mrr: 40,000 accounts × 25 months, with churn,
contraction, expansion and new logos) plus an accounts file with churn reasons and segments,
then times the CLI's path (read + snapshots core + cohorts + reasons + Kaplan–Meier + render,
and the JSON dump) by start quarter and by segment. Prints figures; asserts nothing.
Run from the repo root: python benchmarks/bench_retention_decomposition_analyzer.py [ACCOUNTS] [MONTHS]
"""

from __future__ import annotations

import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from csuite.tools.retention_decomposition_analyzer import RetentionOptions, render, run  # noqa: E402

REASONS = ["Switched to FloQast", "Too expensive", "Never completed onboarding", "Acquired",
           "New CFO", "Implementation stalled", "Missing integration", "", "Business closed a division"]


def write_files(snap: Path, accounts: Path, n_accounts: int, n_months: int, seed: int = 11) -> int:
    rng = random.Random(seed)
    rows = 0
    periods = [f"{2024 + (m // 12)}-{m % 12 + 1:02d}" for m in range(n_months)]
    with snap.open("w", encoding="utf-8") as s, accounts.open("w", encoding="utf-8") as a:
        s.write("account_id,period,mrr\n")
        a.write("account_id,segment,churn_reason\n")
        for i in range(n_accounts):
            acc = f"A{i:06d}"
            start = 0 if rng.random() < 0.5 else rng.randrange(n_months)
            mrr = round(rng.lognormvariate(7.5, 0.8), 2)
            churn_at = start + rng.randrange(4, 60) if rng.random() < 0.4 else n_months
            for m in range(n_months):       # every account has a row every month (0 when inactive)
                value = mrr if start <= m < churn_at else 0.0
                if start <= m < churn_at and rng.random() < 0.02:
                    mrr = round(mrr * rng.choice((0.8, 1.25)), 2)
                s.write(f"{acc},{periods[m]},{value:.2f}\n")
                rows += 1
            reason = rng.choice(REASONS) if churn_at < n_months else ""
            a.write(f"{acc},{rng.choice(('SMB', 'Mid-Market', 'Enterprise'))},{reason}\n")
    return rows


def main() -> None:
    n_accounts = int(sys.argv[1]) if len(sys.argv) > 1 else 40_000
    n_months = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    with tempfile.TemporaryDirectory() as tmp:
        snap, accounts = Path(tmp) / "snapshots.csv", Path(tmp) / "accounts.csv"
        rows = write_files(snap, accounts, n_accounts, n_months)
        print(f"snapshot rows: {rows:,} ({n_accounts:,} accounts × {n_months} months, "
              f"{snap.stat().st_size / 1e6:.1f} MB CSV)")
        for cohort_by in ("start_quarter", "segment"):
            opts = RetentionOptions(accounts=str(accounts), cohort_by=cohort_by)
            start = time.perf_counter()
            result = run(snap, opts)
            text = render(result)
            text_s = time.perf_counter() - start
            start = time.perf_counter()
            result = run(snap, opts)
            payload = json.dumps(result.model_dump(mode="json"))
            json_s = time.perf_counter() - start
            print(f"{cohort_by:<14} text {text_s:.2f} s   json {json_s:.2f} s   "
                  f"(NRR {result.nrr:.1%}, GRR {result.grr:.1%}, {len(result.cohorts)} cohorts, "
                  f"{len(text.splitlines())} text lines, {len(payload) / 1e3:.0f} KB JSON)")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
