"""Train the router's learned component (csuite.routing.model) and write its weights file.

    python -m csuite.routing.train            # rebuild csuite/data/routing_model.json
    python -m csuite.routing.train --check    # exit 1 if the committed file is out of date

Training data: every example question in skills/*/knowledge.yaml (labelled with its role), the
referral examples in csuite/data/routing.yaml, and the labelled sets tests/data/routing_*.jsonl.
The trainer is pure Python and deterministic (fixed seed, fixed order), so the same data gives
byte-for-byte the same file and a leave-one-file-out evaluation can retrain in seconds
(benchmarks/eval_routing_generalisation.py). The wheel ships only csuite/data, so the weights
file is committed, not built at install time.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

from csuite.resources import data_path, pack_root
from csuite.routing.evaluate import load_routing_cases
from csuite.routing.index import example_questions
from csuite.routing.model import LABELS, MODEL_FILE, LinearModel, featurise

# Softmax regression hyper-parameters. Chosen once on the leave-one-file-out evaluation
# (benchmarks/eval_routing_generalisation.py prints the alternatives); not tuned per file.
EPOCHS = 12
LEARNING_RATE = 0.3
L2 = 1e-4
MIN_COUNT = 2          # features seen in fewer training questions are dropped (noise, file size)
SEED = 20240611

Example = tuple[str, str]   # (question, label)


def _repo_root() -> Path:

    return pack_root()


def yaml_examples() -> list[Example]:
    """The knowledge YAML examples (role labels) and routing.yaml referral examples."""

    return [(question, target) for target, _topic, question in example_questions()]


def labelled_files(root: Path | None = None) -> list[Path]:
    """Every labelled set except the blind one, which only ever measures the router."""
    files = (root or _repo_root()).joinpath("tests", "data").glob("routing_*.jsonl")
    return sorted(p for p in files if "blind" not in p.stem)


def file_examples(path: Path) -> list[Example]:

    return [(case.question, case.label) for case in load_routing_cases(path)]


def train(examples: list[Example], *, epochs: int = EPOCHS, learning_rate: float = LEARNING_RATE,
          l2: float = L2, min_count: int = MIN_COUNT, seed: int = SEED, markers=None) -> LinearModel:
    """Softmax regression by Adagrad SGD over binary features, weights averaged over the steps
    (averaging makes the result stable to the example order). Pure Python: ~1,100 questions
    train in a second or two."""
    n_labels = len(LABELS)
    index = {label: i for i, label in enumerate(LABELS)}
    bags = [(sorted(set(featurise(q, markers))), index[label]) for q, label in examples]
    df = Counter(f for bag, _ in bags for f in bag)
    keep = {f for f, c in df.items() if c >= min_count}
    bags = [([f for f in bag if f in keep], y) for bag, y in bags]

    weights: dict[str, list[float]] = {f: [0.0] * n_labels for f in sorted(keep)}
    grad_sq: dict[str, list[float]] = {f: [1e-8] * n_labels for f in weights}
    bias, bias_sq = [0.0] * n_labels, [1e-8] * n_labels
    # Averaging (lazy): accumulate step-weighted sums; the average is w − sums / steps.
    sums: dict[str, list[float]] = {f: [0.0] * n_labels for f in weights}
    bias_sums = [0.0] * n_labels
    rng = random.Random(seed)
    order = list(range(len(bags)))
    step = 1
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            bag, y = bags[i]
            scores = bias[:]
            for f in bag:
                row = weights[f]
                for k in range(n_labels):
                    scores[k] += row[k]
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            total = sum(exps)
            grad = [e / total for e in exps]
            grad[y] -= 1.0
            for k in range(n_labels):
                g = grad[k]
                bias_sq[k] += g * g
                delta = learning_rate * g / math.sqrt(bias_sq[k])
                bias[k] -= delta
                bias_sums[k] -= step * delta
            for f in bag:
                row, sq, acc = weights[f], grad_sq[f], sums[f]
                for k in range(n_labels):
                    g = grad[k] + l2 * row[k]
                    sq[k] += g * g
                    delta = learning_rate * g / math.sqrt(sq[k])
                    row[k] -= delta
                    acc[k] -= step * delta
            step += 1
    averaged = {f: tuple(w - s / step for w, s in zip(weights[f], sums[f])) for f in weights}
    averaged = {f: row for f, row in averaged.items() if any(abs(v) >= 5e-4 for v in row)}
    avg_bias = tuple(b - s / step for b, s in zip(bias, bias_sums))
    return LinearModel(LABELS, avg_bias, averaged)


def training_set(exclude: Path | None = None) -> list[Example]:
    examples = yaml_examples()
    for path in labelled_files():
        if exclude is None or path.resolve() != Path(exclude).resolve():
            examples.extend(file_examples(path))
    return examples


def build() -> str:
    examples = training_set()
    model = train(examples)
    meta = {"trained_on": ["skills/*/knowledge.yaml examples", "csuite/data/routing.yaml examples",
                           *[f"tests/data/{p.name}" for p in labelled_files()]],
            "questions": len(examples), "epochs": EPOCHS, "learning_rate": LEARNING_RATE, "l2": L2,
            "min_count": MIN_COUNT, "seed": SEED}
    return model.to_json(meta)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m csuite.routing.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed weights are out of date")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: csuite/data/)")
    args = parser.parse_args(argv)

    out = args.out or data_path(MODEL_FILE)
    text = build()
    if args.check:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != text:
            print(f"{out} is out of date: run python -m csuite.routing.train", file=sys.stderr)
            return 1
        print(f"{out} is up to date")
        return 0
    out.write_text(text, encoding="utf-8")
    data = json.loads(text)
    print(f"wrote {out}: {len(data['weights'])} features, {data['meta']['questions']} questions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
