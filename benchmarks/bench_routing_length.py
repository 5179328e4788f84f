#!/usr/bin/env python3
"""Routing cost against question length: wall time (time.perf_counter) and peak Python memory
(tracemalloc) for three shapes of text: one long word, repeated keywords and prose. Routing is
meant to be linear in the length; the question cap (routing.yaml max_question_chars) is shown
for scale, and the longer inputs are routed with the cap lifted to show the trend.

    python benchmarks/bench_routing_length.py [--sizes 2000,4000,8000,16000,32000,64000]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHAPES = {
    "one word": lambda n: "a" * n,
    "keywords": lambda n: ("pipeline coverage churn renewal " * (n // 8 + 1))[:n],
    "prose": lambda n: ("Will we make the Q4 number if the Acme deal slips to January? " * (n // 20 + 1))[:n],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,4000,8000,16000,32000,64000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from csuite.resources import load_data_yaml
    from csuite.routing import router

    cap = load_data_yaml("routing.yaml")["max_question_chars"]
    router.check_question = lambda question: question  # measure past the cap too
    router.route("warm up the index")
    print(f"question cap: {cap:,} characters")
    print(f"{'shape':<10} {'chars':>8} {'ms':>9} {'ms per 1k chars':>16} {'peak MB':>8}")
    for shape, make in SHAPES.items():
        for size in sizes:
            text = make(size)
            start = time.perf_counter()
            router.route(text)
            elapsed = time.perf_counter() - start
            tracemalloc.start()  # a second run for memory: tracing slows allocation down
            router.route(text)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"{shape:<10} {size:>8,} {elapsed * 1000:>9.1f} {elapsed * 1e6 / size:>16.2f} {peak / 1e6:>8.1f}")


if __name__ == "__main__":
    main()
