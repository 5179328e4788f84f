"""Benchmark: revenue_metrics on synthetic quarterly CSVs (6 to 10,000 quarters).

Run: python benchmarks/bench_revenue_metrics.py   (prints wall time and peak memory)
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from csuite.tools.revenue_metrics import render, run  # noqa: E402


def write_csv(path: Path, quarters: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    arr = 2_500_000
    lines = ["quarter,arr_start,new,expansion,contraction,churn,arr,sm_spend,gross_margin,net_burn,revenue,"
             "profit_margin"]
    for i in range(quarters):
        new, exp = rng.randrange(150_000, 300_000), rng.randrange(80_000, 200_000)
        con, churn = rng.randrange(20_000, 60_000), rng.randrange(40_000, 100_000)
        start = arr
        arr = arr + new + exp - con - churn
        lines.append(f"{1000 + i // 4}-Q{i % 4 + 1},{start if i == 0 else ''},{new},{exp},{con},{churn},{arr},"
                     f"{rng.randrange(300_000, 600_000)},{rng.randrange(70, 92)}%,{rng.randrange(500_000, 1_500_000)},"
                     f"{arr // 4},-{rng.randrange(20, 140)}%")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for quarters in (6, 40, 1_000, 10_000):
            path = Path(tmp) / f"q{quarters}.csv"
            write_csv(path, quarters)
            t0 = time.perf_counter()
            result = run(path)
            t1 = time.perf_counter()
            render(result)
            result.model_dump_json()
            t2 = time.perf_counter()
            print(f"{quarters:>6} quarters: read+compute {t1 - t0:.3f} s, render+json {t2 - t1:.3f} s")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
