#!/usr/bin/env python3
"""Benchmark churn_analyzer on synthetic revenue snapshots (default 1,000,000 rows).

Generates a snapshot CSV (account_id, period, mrr) and an accounts file, then times the full
tool run in a fresh process — reading, analysis, JSON rendering — and reports wall time and
peak memory (ru_maxrss). Target from the issue: < 10 s and < 1.5 GB on a 2-core machine.

    python benchmarks/bench_churn_analyzer.py [--rows 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(directory: Path, rows: int, seed: int = 7) -> tuple[Path, Path, int]:
    """~rows snapshot rows: accounts join over 24 months, some churn, some expand or contract."""
    import numpy as np

    rng = np.random.default_rng(seed)
    months = 24
    n_acc = int(rows / (months * 0.54))  # ≈ average share of months an account is active
    start = rng.integers(0, months, n_acc)
    start[: n_acc // 3] = 0                                     # a third already paying at the start
    life = rng.geometric(1 / 40, n_acc)                         # ~2.5%/month churn hazard
    end = np.minimum(start + life, months)                      # first month at 0 (or beyond the data)
    base = np.round(rng.lognormal(7.5, 0.8, n_acc), 2)          # MRR ~ $1,800 median
    step = rng.integers(0, months, n_acc)
    change = np.where(rng.random(n_acc) < 0.3, rng.choice([0.7, 1.3, 1.5], n_acc), 1.0)
    acc_ids = np.array([f"ACC-{i:07d}" for i in range(n_acc)], dtype=object)
    labels = [f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in range(months)]
    path = directory / "bench_snapshots.csv"
    written = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("account_id,period,mrr\n")
        for m in range(months):
            alive = np.flatnonzero((start <= m) & (m < end))
            mrr = np.where(m >= step[alive], base[alive] * change[alive], base[alive])
            fh.writelines(f"{a},{labels[m]},{v:.2f}\n" for a, v in zip(acc_ids[alive], mrr))
            written += alive.size
    segments = np.array(["Enterprise", "Mid-Market", "SMB"], dtype=object)[rng.integers(0, 3, n_acc)]
    health = rng.integers(20, 100, n_acc)
    renew = rng.integers(0, 365, n_acc)
    usage = rng.choice(["", "", "", "-40%", "-10%", "+30%"], n_acc)
    accounts = directory / "bench_accounts.csv"
    with open(accounts, "w", encoding="utf-8") as fh:
        fh.write("account_id,name,segment,churn_reason,health_score,renewal_date,usage_change\n")
        import datetime as dt
        base_day = dt.date(2026, 12, 31)
        fh.writelines(
            f"{a},Company {i},{s},,{h},{(base_day + dt.timedelta(days=int(r))).isoformat()},{u}\n"
            for i, (a, s, h, r, u) in enumerate(zip(acc_ids, segments, health, renew, usage)))
    return path, accounts, written


def measure(snapshots: str, accounts: str) -> None:
    """Child process: one full run as the CLI does it, then figures as JSON on stdout."""
    t0 = time.perf_counter()
    from csuite.tools.churn_analyzer import ChurnOptions, run

    t1 = time.perf_counter()
    result = run(snapshots, ChurnOptions(accounts=accounts, as_of="2026-12-31"))
    t2 = time.perf_counter()
    text = json.dumps(result.model_dump(mode="json"))
    t3 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"import_s": t1 - t0, "run_s": t2 - t1, "json_s": t3 - t2, "total_s": t3 - t0,
                      "peak_mb": peak_mb, "json_kb": len(text) / 1024, "nrr": result.nrr, "grr": result.grr,
                      "accounts": result.source.accounts}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", help="write the generated files here and keep them")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(*args.measure)
        return
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(args.keep) if args.keep else Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        snapshots, accounts, written = generate(directory, args.rows)
        print(f"generated {written:,} snapshot rows in {time.perf_counter() - t:.1f} s "
              f"({snapshots.stat().st_size / 1e6:.0f} MB)")
        out = subprocess.run([sys.executable, __file__, "--measure", str(snapshots), str(accounts)],
                             capture_output=True, text=True, check=True)
        figures = json.loads(out.stdout)
        print(f"accounts: {figures['accounts']:,}  NRR {figures['nrr']:.3f}  GRR {figures['grr']:.3f}")
        print(f"import {figures['import_s']:.2f} s | read + analyse {figures['run_s']:.2f} s | "
              f"JSON {figures['json_s']:.2f} s | total {figures['total_s']:.2f} s")
        print(f"peak memory {figures['peak_mb']:.0f} MB | JSON output {figures['json_kb']:.0f} KB")
        t = time.perf_counter()
        cli = subprocess.run([sys.executable, str(ROOT / "scripts" / "churn_analyzer.py"), str(snapshots),
                              "--accounts", str(accounts), "--as-of", "2026-12-31", "--json"],
                             capture_output=True, text=True)
        print(f"CLI end to end (python scripts/churn_analyzer.py … --json): {time.perf_counter() - t:.2f} s, "
              f"exit {cli.returncode}")


if __name__ == "__main__":
    main()
