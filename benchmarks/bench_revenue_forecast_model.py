#!/usr/bin/env python3
"""Benchmark: revenue_forecast_model on 100,000 synthetic open deals × 10,000 simulations.

Target (issue 3): under 3 s end to end on a 2-core machine, peak memory under 1.5 GB.
Prints the time to read/validate the CSV and simulate (the whole `run`), the simulation alone,
and peak resident memory. Every deal closes inside the forecast quarter, so all 10^9 Bernoulli
draws count (no deal is skipped by period). Run: python benchmarks/bench_revenue_forecast_model.py
"""

from __future__ import annotations

import csv
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from csuite.tools.revenue_forecast_model import ForecastOptions, run, simulate  # noqa: E402

STAGES = ["discovery", "qualified", "demo", "proof_of_concept", "proposal", "negotiation", "commit"]


def write_pipeline(path: Path, n: int) -> None:
    rnd = random.Random(7)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["deal_id", "name", "stage", "amount", "close_date", "owner", "segment"])
        for i in range(n):
            out.writerow([f"D{i:06d}", f"Company {i}", rnd.choice(STAGES), rnd.randrange(5_000, 250_000, 500),
                          f"2026-{rnd.randint(10, 12)}-{rnd.randint(1, 28):02d}", f"Rep {i % 40}",
                          rnd.choice(["SMB", "Mid-Market", "Enterprise"])])


def main() -> None:
    import os

    n, sims = 100_000, 10_000
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pipeline.csv"
        write_pipeline(path, n)
        options = ForecastOptions(period="2026-Q4", quota=2_000_000_000, simulations=sims, as_of="2026-10-01")
        start, cpu0 = time.perf_counter(), time.process_time()
        result = run(str(path), options)
        total, total_cpu = time.perf_counter() - start, time.process_time() - cpu0

        import numpy as np

        rnd = np.random.default_rng(1)
        amount = rnd.integers(5_000, 250_000, n).astype(float)
        prob = rnd.choice([0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 0.9], n)
        idx = np.zeros(n, dtype=np.int64)
        start, cpu0 = time.perf_counter(), time.process_time()
        simulate(amount, prob, idx, idx, 1, simulations=sims, seed=1, shock=0.3, slip=0.0)
        sim_only, sim_cpu = time.perf_counter() - start, time.process_time() - cpu0
        start = time.perf_counter()
        simulate(amount, prob, idx, idx + 1, 2, simulations=sims, seed=1, shock=0.3, slip=0.25)
        sim_slip = time.perf_counter() - start
        start = time.perf_counter()
        simulate(amount, rnd.random(n), idx, idx, 1, simulations=sims, seed=1, shock=0.3, slip=0.0)
        sim_cont = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mc = result.monte_carlo
    print(f"deals: {n:,}  simulations: {sims:,}  ({n * sims:,} Bernoulli draws)")
    print(f"load average before the run: {load:.2f} (figures are wall-clock; CPU seconds show the work)")
    print(f"end to end (read CSV, validate, weight, simulate, summarise): {total:.2f} s  (CPU {total_cpu:.2f} s)")
    print(f"simulation alone, 7 stage probabilities:                     {sim_only:.2f} s  (CPU {sim_cpu:.2f} s)")
    print(f"simulation with 25% slip into the next period:                {sim_slip:.2f} s")
    print(f"simulation, 100,000 distinct probabilities (per-deal path):   {sim_cont:.2f} s")
    print(f"peak memory (max RSS): {peak_mb:,.0f} MB")
    print(f"check: weighted base {result.weighted.base:,.0f}  MC mean {mc.mean:,.0f}  "
          f"(diff {(mc.mean - result.weighted.base) / mc.standard_error:+.2f} standard errors)")


if __name__ == "__main__":
    main()
