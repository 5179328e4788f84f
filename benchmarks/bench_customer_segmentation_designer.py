#!/usr/bin/env python3
"""Benchmark: customer_segmentation_designer on 200,000 synthetic customers (target: under 2 s).

Writes a CSV with the real column set, then times the same path the CLI takes (read + parse +
tier + score + lists + render, and the JSON dump) in both modes. Prints wall and CPU seconds
over 5 runs each: the best run (as timeit reports) and the median; CPU time is the fairer
figure on a shared machine. Asserts nothing.
Run from the repo root: python benchmarks/bench_customer_segmentation_designer.py [N]
"""

from __future__ import annotations

import csv
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPEATS = 5

from csuite.tools.customer_segmentation_designer import (  # noqa: E402
    SIGNALS,
    SegmentationOptions,
    render,
    run,
)


def write_customers(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Record ID", "Company name", "ARR", "Tenure (months)", *SIGNALS, "Annual cost to serve"])
        for i in range(n):
            arr = 0 if rng.random() < 0.01 else round(rng.lognormvariate(10, 1.2), -2)
            writer.writerow([f"C{i:07d}", f"Customer {i}", f"{arr:.0f}", rng.randint(0, 90),
                             *("Yes" if rng.random() < 0.5 else "No" for _ in SIGNALS),
                             f"{arr * rng.uniform(0.02, 0.8):.0f}"])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.csv"
        write_customers(path, n)
        print(f"customers: {n:,} ({path.stat().st_size / 1e6:.1f} MB CSV)")
        for mode in ("thresholds", "percentile"):
            for output in ("text", "json"):
                walls, cpus = [], []
                for _ in range(REPEATS):
                    start, cpu = time.perf_counter(), time.process_time()
                    result = run(path, SegmentationOptions(mode=mode))
                    if output == "text":
                        payload = render(result)
                    else:
                        payload = json.dumps(result.model_dump(mode="json"))
                    walls.append(time.perf_counter() - start)
                    cpus.append(time.process_time() - cpu)
                print(f"{mode:<10} {output:<4}  wall best {min(walls):.2f} s, median "
                      f"{statistics.median(walls):.2f} s   CPU best {min(cpus):.2f} s   "
                      f"(kill list {result.kill_count:,}, upgrades {result.upgrade_count:,}, "
                      f"output {len(payload) / 1e3:.0f} KB)")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
