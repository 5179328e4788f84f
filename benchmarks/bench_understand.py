#!/usr/bin/env python3
"""Question-understanding benchmark: import and first-call cost (catalogue load, vocabulary,
classifier index), warm per-question latency, and the decision classifier's accuracy on its
own examples (in-sample and leave-one-out) and on the held-out set
tests/data/understand_holdout.jsonl (written before the catalogue, never tuned on).
Plain script; prints figures.

    python benchmarks/bench_understand.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
AS_OF = date(2026, 10, 1)


def main() -> None:
    start = time.perf_counter()
    from csuite.understand import load_catalogue, understand
    from csuite.understand.classify import score_decisions
    imported = time.perf_counter()
    understand("Will we hit our Q4 number of $2.4M new ARR?", as_of=AS_OF)
    first = time.perf_counter()
    print(f"import csuite.understand:              {(imported - start) * 1000:6.1f} ms")
    print(f"first call (catalogue, vocabulary, index): {(first - imported) * 1000:6.1f} ms")

    catalogue = load_catalogue()
    examples = [(entry.id, q) for entry in catalogue.decisions for q in entry.example_questions()]
    holdout = [json.loads(line) for line in (ROOT / "tests" / "data" / "understand_holdout.jsonl")
               .read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [q for _, q in examples] + [row["question"] for row in holdout]
    timings = []
    for question in questions:
        begin = time.perf_counter()
        understand(question, as_of=AS_OF, names=["Castellan Freight Group", "Northwind Freight"],
                   segments=["Enterprise", "Mid-Market", "SMB"])
        timings.append(time.perf_counter() - begin)
    timings.sort()
    print(f"warm understand(), {len(questions)} questions: median {statistics.median(timings) * 1000:.2f} ms, "
          f"p95 {timings[int(len(timings) * 0.95)] * 1000:.2f} ms, max {timings[-1] * 1000:.2f} ms")

    in_sample = sum(understand(q, as_of=AS_OF).decision == d for d, q in examples)
    left_out = 0
    for decision, question in examples:
        read = understand(question, as_of=AS_OF)
        left_out += score_decisions(question, count_nouns=tuple(c.of for c in read.counts),
                                    named_account=bool(read.accounts), has_target=read.target is not None,
                                    leave_out=question).best() == decision
    held = sum(understand(row["question"], as_of=AS_OF, names=["Castellan Freight Group"]).decision
               == row["decision"] for row in holdout)
    n = len(examples)
    print(f"catalogue examples, in-sample:        {in_sample / n:.1%} ({in_sample}/{n})")
    print(f"catalogue examples, leave-one-out:    {left_out / n:.1%} ({left_out}/{n})")
    print(f"held-out questions:                   {held / len(holdout):.1%} ({held}/{len(holdout)})")


if __name__ == "__main__":
    main()
