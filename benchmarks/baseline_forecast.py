#!/usr/bin/env python3
"""The plain baseline for benchmarks/bench_vs_baseline.py: the forecast's core work done the
shortest way — csv module into columns, NumPy for amounts, dates and a Monte Carlo of the quarter.

No validation, no currency or date-order handling, no scenarios, no slip or shared shock, no
tables: the floor a full tool is measured against. Usage: baseline_forecast.py FILE SIMULATIONS
"""

from __future__ import annotations

import csv
import json
import sys

import numpy as np

PROBABILITY = {"discovery": 0.10, "qualified": 0.20, "demo": 0.30, "proof_of_concept": 0.50, "proposal": 0.60,
               "negotiation": 0.80, "commit": 0.90}


def main() -> None:
    path, simulations = sys.argv[1], int(sys.argv[2])
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = dict(zip(header, zip(*reader)))
    amount = np.array(columns["amount"], dtype=np.float64)
    close = np.array(columns["close_date"], dtype="datetime64[D]")
    stages, codes = np.unique(np.array(columns["stage"]), return_inverse=True)
    prob = np.array([PROBABILITY[s] for s in stages])[codes]
    in_quarter = (close >= np.datetime64("2026-10-01")) & (close <= np.datetime64("2026-12-31"))
    a, p = amount[in_quarter].astype(np.float32), prob[in_quarter].astype(np.float32)
    rng = np.random.default_rng(42)
    totals = np.zeros(simulations)
    chunk = max(1, 2_000_000 // max(1, a.size))
    for start in range(0, simulations, chunk):
        rows = min(chunk, simulations - start)
        totals[start:start + rows] = (rng.random((rows, a.size), dtype=np.float32) < p) @ a
    p10, p50, p90 = np.percentile(totals, [10, 50, 90])
    print(json.dumps({"weighted": float((amount * prob)[in_quarter].sum()), "p10": p10, "p50": p50, "p90": p90}))


if __name__ == "__main__":
    main()
