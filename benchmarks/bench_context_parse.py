#!/usr/bin/env python3
"""Context reader benchmark: parse time for a 500-line company-context.md (goal: under 50 ms),
how it grows with the file (it should be linear), and how fast an oversized file is refused.

The 500-line file is built from the bundled example and the founder-style test contexts (board
tables both ways, prose, Chinese, duplicates, refused values), repeated to 500 lines, so every
reader path is exercised. Plain script; prints wall time (best and median of 30) and CPU time.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from csuite.context.parse import parse_context  # noqa: E402
from csuite.errors import InputError  # noqa: E402

AS_OF = date(2026, 11, 23)


def context_of(lines: int) -> str:
    parts = [(ROOT / "examples" / "company-context.md").read_text(encoding="utf-8")]
    parts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "data" / "contexts").glob("*.md"))]
    pool = "\n".join(parts).split("\n")
    body: list[str] = []
    while len(body) < lines:
        body += pool
    return "\n".join(body[:lines])


def timed(text: str, runs: int = 30) -> tuple[float, float, float]:
    parse_context(text, as_of=AS_OF)  # vocabulary and regular expressions compiled once per process
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        parse_context(text, as_of=AS_OF)
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return min(walls) * 1000, statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> None:
    start = time.perf_counter()
    parse_context("- **ARR:** $1M\n", as_of=AS_OF)
    print(f"first parse (loads context.yaml, compiles patterns): {(time.perf_counter() - start) * 1000:6.1f} ms")
    for lines in (125, 250, 500, 1000, 2000):
        text = context_of(lines)
        best, median, cpu = timed(text, runs=30 if lines <= 500 else 10)
        mark = "   <- goal < 50 ms" if lines == 500 else ""
        print(f"{lines:>5} lines ({len(text.encode()):>7,} bytes): best {best:6.1f} ms, median {median:6.1f} ms, "
              f"cpu {cpu:6.1f} ms, {cpu / lines * 1000:5.1f} µs/line{mark}")
    huge = "- **ARR:** $4.2M\n" * 3_100_000  # ~52 MB
    start = time.perf_counter()
    try:
        parse_context(huge, as_of=AS_OF)
    except InputError as exc:
        print(f"52 MB context refused in {(time.perf_counter() - start) * 1000:.1f} ms: {exc}")


if __name__ == "__main__":
    main()
