"""Benchmark: sales_capacity_model on a large synthetic plan (2,000 AEs, 40 quarters).

Run: python benchmarks/bench_sales_capacity_model.py   (prints wall time and peak memory)
"""

from __future__ import annotations

import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from csuite.tools.sales_capacity_model import CapacityOptions, render, run  # noqa: E402


def plan(reps: int, quarters: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    first = date(2018, 1, 1)
    return {
        "company": "Synthetic Co",
        "quota": 600_000, "attainment": "90%", "annual_attrition": "25%",
        "ramp_curve": ["0%", "15%", "35%", "60%", "80%", "100%"],
        "avg_deal_size": 38_000, "win_rate": "25%", "sales_cycle_days": 75, "time_to_hire_days": 60,
        "reps": [{"name": f"AE {i}", "start_date": str(first + timedelta(days=rng.randrange(3300))),
                  "quota": rng.choice([450_000, 600_000, 750_000])} for i in range(reps)],
        "targets": {f"{2027 + i // 4}-Q{i % 4 + 1}": reps * 150_000 * (1 + 0.03 * i) for i in range(quarters)},
    }


def main() -> None:
    for reps, quarters in ((5, 4), (200, 8), (2_000, 40)):
        data = plan(reps, quarters)
        t0 = time.perf_counter()
        result = run(data, CapacityOptions(as_of="2026-11-23"))
        t1 = time.perf_counter()
        render(result)
        result.model_dump_json()
        t2 = time.perf_counter()
        print(f"{reps:>5} reps × {quarters:>2} quarters: model {t1 - t0:.3f} s, render+json {t2 - t1:.3f} s, "
              f"hires {result.hires_needed}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
