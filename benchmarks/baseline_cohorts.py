#!/usr/bin/env python3
"""The plain baseline for the cohort path in benchmarks/bench_vs_baseline.py: the csv module and
arithmetic only — per cohort GRR, NRR and logo retention, reasons counted by their text, totals.

No reconciliation checks, no taxonomy, no verdicts, no JSON model: the floor the retention tool
is measured against. Usage: baseline_cohorts.py FILE
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter


def main() -> None:
    reasons: Counter = Counter()
    out = []
    totals = Counter()
    with open(sys.argv[1], newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            start, churned = float(row["starting_arr"]), float(row["churned_arr"])
            contraction, expansion = float(row["contraction_arr"]), float(row["expansion_arr"])
            customers, lost = int(row["starting_customers"]), int(row["churned_customers"])
            out.append({"cohort": row["cohort"], "grr": (start - churned - contraction) / start,
                        "nrr": (start - churned - contraction + expansion) / start,
                        "logo_retention": (customers - lost) / customers})
            totals.update({"start": start, "churned": churned, "contraction": contraction, "expansion": expansion})
            for part in filter(None, (p.strip() for p in row["churn_reasons"].split(";"))):
                text, _, count = part.partition(":")
                reasons[text.strip()] += int(count.split("(")[0])
    start = totals["start"]
    print(json.dumps({"cohorts": out, "grr": (start - totals["churned"] - totals["contraction"]) / start,
                      "nrr": (start - totals["churned"] - totals["contraction"] + totals["expansion"]) / start,
                      "reasons": reasons}))


if __name__ == "__main__":
    main()
