#!/usr/bin/env python3
"""Side by side: our tools end to end (a fresh process each, as a founder or agent runs them)
against a plain csv-to-columns + NumPy baseline doing the same core work, at 10k / 100k / 1M rows.

Prints wall-clock medians, peak memory (when /usr/bin/time is there) and the ratio ours ÷ baseline
for: the forecast (deals, 1,000 simulations), the cohort path of the retention tool (cohort
summaries), and start-up (`csuite route` and offline `csuite ask` against a bare `python -c pass`).
The published figures of the widely used public pack measured in the issue (anchor) are printed
beside them for the cohort path. Asserts nothing; run from the repo root:

    python benchmarks/bench_vs_baseline.py [--sizes 10000,100000,1000000] [--repeat 3]

PYTHONDONTWRITEBYTECODE is removed from the subprocesses' environment, so imports are timed with
their bytecode cache as a user's machine has it.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_revenue_forecast_model import write_pipeline  # noqa: E402  (the same synthetic pipeline)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
REASONS = ["Switched to FloQast", "Too expensive", "Never completed onboarding", "Acquired by a larger group",
           "New CFO brought in BlackLine", "Implementation stalled", "Missing integration"]
# The anchor's measured cohort-path times from the issue (10k and 100k cohorts, 2 cores).
ANCHOR_COHORTS = {10_000: 0.57, 100_000: 4.9}
TIME = shutil.which("time") and Path("/usr/bin/time").exists()



def write_cohorts(path: Path, n: int) -> None:
    rnd = random.Random(5)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["cohort", "starting_customers", "starting_arr", "churned_customers", "churned_arr",
                      "contraction_arr", "expansion_arr", "ending_arr", "churn_reasons"])
        for i in range(n):
            customers = rnd.randint(5, 40)
            start = customers * rnd.randint(20_000, 60_000)
            lost = rnd.randint(0, 3)
            churned, contraction, expansion = lost * 20_000, rnd.randint(0, 20) * 1_000, rnd.randint(0, 80) * 1_000
            reasons = "; ".join(f"{rnd.choice(REASONS)}: 1 ($20K)" for _ in range(lost))
            out.writerow([f"C{i:06d}", customers, start, lost, churned, contraction, expansion,
                          start - churned - contraction + expansion, reasons])


def timed(cmd: list[str], repeat: int) -> tuple[float, float | None]:
    """(median seconds, peak MB of the last run or None) for a fresh process per run."""
    runs, peak = [], None
    for _ in range(repeat):
        wrapped = ["/usr/bin/time", "-f", "%M"] + cmd if TIME else cmd
        start = time.perf_counter()
        done = subprocess.run(wrapped, capture_output=True, text=True, env=ENV, cwd=ROOT)
        runs.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr[-500:]}")
        if TIME:
            peak = int(done.stderr.strip().splitlines()[-1]) / 1024
    return statistics.median(runs), peak


def line(label: str, ours: tuple[float, float | None], base: tuple[float, float | None], note: str = "") -> None:
    mem = f"  peak {ours[1]:,.0f} MB vs {base[1]:,.0f} MB" if ours[1] and base[1] else ""
    print(f"  {label:<28} ours {ours[0]:7.2f} s   baseline {base[0]:7.2f} s   ratio {ours[0] / base[0]:5.2f}{mem}{note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--cohorts", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--simulations", type=int, default=1000)
    args = parser.parse_args()
    python = sys.executable
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run; "
          f"median of {args.repeat} fresh processes each")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"\nForecast ({args.simulations:,} simulations; ours: scripts/revenue_forecast_model.py --json)")
        for n in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"pipeline_{n}.csv"
            write_pipeline(path, n)
            ours = timed([python, "scripts/revenue_forecast_model.py", str(path), "--json", "--as-of", "2026-10-01",
                          "--period", "2026-Q4", "--simulations", str(args.simulations)], args.repeat)
            base = timed([python, str(HERE / "baseline_forecast.py"), str(path), str(args.simulations)], args.repeat)
            line(f"{n:,} deals", ours, base)
        print("\nRetention cohort path (cohort summaries; ours: --json)")
        for n in (int(s) for s in args.cohorts.split(",")):
            path = Path(tmp) / f"cohorts_{n}.csv"
            write_cohorts(path, n)
            ours = timed([python, "scripts/retention_decomposition_analyzer.py", str(path), "--json"], args.repeat)
            base = timed([python, str(HERE / "baseline_cohorts.py"), str(path)], args.repeat)
            anchor = ANCHOR_COHORTS.get(n)
            note = f"   anchor {anchor:.2f} s → {anchor / ours[0]:.1f}× faster than the anchor" if anchor else ""
            line(f"{n:,} cohorts", ours, base, note)
        print("\nStart-up (ratio to a bare interpreter start)")
        bare = timed([python, "-c", "pass"], max(args.repeat, 5))
        route = timed([str(Path(python).parent / "csuite"), "route", "Will we make the quarter?"], max(args.repeat, 5))
        ask = timed([str(Path(python).parent / "csuite"), "ask", "Will we make the quarter?", "--context",
                     "examples/company-context.md", "--offline"], args.repeat)
        print(f"  python -c pass {bare[0] * 1000:6.0f} ms")
        print(f"  csuite route   {route[0] * 1000:6.0f} ms   {route[0] / bare[0]:5.1f}× bare")
        print(f"  csuite ask     {ask[0] * 1000:6.0f} ms   {ask[0] / bare[0]:5.1f}× bare (offline, bundled context)")


if __name__ == "__main__":
    main()
