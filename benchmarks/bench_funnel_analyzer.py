#!/usr/bin/env python3
"""Benchmark: funnel_analyzer on a 1,000,000-deal Salesforce report (US dates and money).

Prints the time to read the CSV through the shared reader (`csuite.io.tables.read_table`), the
whole run (read, parse, every metric, top deals, flags), the CPU the tool spends beyond the
reader (wall-clock figures move with the machine's load; CPU seconds show the work), and peak
resident memory. The export is the tests' generator (tests/funnel_export.py)
at full size: about 80% closed deals over 15 months, five sources, three segments, eleven
loss-reason labels. Run: python benchmarks/bench_funnel_analyzer.py [DEALS]
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from csuite.io.tables import read_table  # noqa: E402
from csuite.tools.funnel_analyzer import FunnelOptions, run  # noqa: E402
from tests.funnel_export import write_export  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "opportunities.csv"
        start = time.perf_counter()
        write_export(path, n)
        written = time.perf_counter() - start
        size_mb = path.stat().st_size / 1e6

        start, cpu0 = time.perf_counter(), time.process_time()
        table = read_table(path)
        read_only, read_cpu = time.perf_counter() - start, time.process_time() - cpu0
        del table

        options = FunnelOptions(as_of="2026-11-23", top=25)
        start, cpu0 = time.perf_counter(), time.process_time()
        result = run(str(path), options)
        total, total_cpu = time.perf_counter() - start, time.process_time() - cpu0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"deals: {n:,}  file: {size_mb:,.0f} MB (written in {written:.1f} s)")
    print(f"load average before the run: {load:.2f}")
    print(f"read_table alone (the shared CSV reader):                {read_only:.2f} s  (CPU {read_cpu:.2f} s)")
    print(f"funnel_analyzer end to end (read, parse, every metric):  {total:.2f} s  (CPU {total_cpu:.2f} s)")
    print(f"  CPU beyond read_table (parsing and every metric):      {total_cpu - read_cpu:.2f} s")
    print(f"peak memory (max RSS): {peak_mb:,.0f} MB")
    print(f"check: {result.won:,} won, {result.lost:,} lost, win rate {result.win_rate:.3f}, "
          f"verdict {result.loss_diagnosis.verdict}, {len(result.top_deals)} top deals")


if __name__ == "__main__":
    main()
