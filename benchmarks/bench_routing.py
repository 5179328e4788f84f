#!/usr/bin/env python3
"""Router benchmark: cold `csuite route` wall time (start-up included), index build, per-question
latency and accuracy on the labelled sets. Plain script; prints figures."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def cold_runs(cmd: list[str], n: int = 7) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    question = "How much runway do we have if revenue stays flat?"
    baseline = cold_runs([sys.executable, "-c", "pass"])
    module = cold_runs([sys.executable, "-m", "csuite", "route", question, "--json"])
    print(f"python start-up alone:          median {statistics.median(baseline) * 1000:6.0f} ms")
    print(f"python -m csuite route --json:  median {statistics.median(module) * 1000:6.0f} ms, "
          f"min {min(module) * 1000:.0f} ms")
    script = Path(sys.executable).with_name("csuite")
    script = script if script.exists() else Path(shutil.which("csuite") or "")
    if script.is_file():
        console = cold_runs([str(script), "route", question])
        print(f"csuite route (console script):  median {statistics.median(console) * 1000:6.0f} ms")

    start = time.perf_counter()
    from csuite.routing.index import build_index as _index
    from csuite.routing.router import route
    imported = time.perf_counter()
    _index()
    built = time.perf_counter()
    print(f"import csuite.routing.router:          {(imported - start) * 1000:6.1f} ms")
    print(f"index build (knowledge + YAML): {(built - imported) * 1000:6.1f} ms")

    from csuite.routing.evaluate import evaluate_routing, load_routing_cases
    for name in ("routing_eval.jsonl", "routing_holdout.jsonl"):
        cases = load_routing_cases(ROOT / "tests" / "data" / name)
        start = time.perf_counter()
        report = evaluate_routing(cases)
        elapsed = time.perf_counter() - start
        print(f"{name:<24} accuracy {report.accuracy:.1%} ({report.correct}/{report.total}), "
              f"{elapsed / len(cases) * 1000:.2f} ms per question")
    del route


if __name__ == "__main__":
    main()
