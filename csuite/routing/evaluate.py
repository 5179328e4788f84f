"""Evaluate the router on labelled questions: accuracy, confusion table, misses.

A labelled case names the expected primary role, or (when out of scope) the expected referral.
The label compared is the primary role if there is one, else the referral, so a question sent to
the CFO instead of the CRO counts as a miss like any other.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field

from csuite.errors import InputError
from csuite.fields import new_list
from csuite.routing.router import REFERRALS, ROLES, route

LABELS = list(ROLES) + list(REFERRALS)


class RoutingCase(BaseModel):
    line: int
    question: str
    primary: str | None = None
    referral: str | None = None
    consult: list[str] | None = None

    @property
    def label(self) -> str:
        return self.primary or self.referral or "other"


class Miss(BaseModel):
    line: int
    question: str
    expected: str
    predicted: str
    scores: dict[str, float]


class RoutingReport(BaseModel):
    total: int
    correct: int
    accuracy: float
    labels: list[str]
    by_label: dict[str, dict[str, float]]            # label → {total, correct, accuracy}
    confusion: dict[str, dict[str, int]]            # expected → predicted → count
    consult_total: int = 0                          # cases that state `consult`
    consult_correct: int = 0
    misses: list[Miss] = Field(default_factory=new_list)


def load_routing_cases(path: Path) -> list[RoutingCase]:
    """Read a JSONL file of labelled questions; any malformed line is an InputError naming it."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=path) from None
    cases: list[RoutingCase] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("//"):
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", file=path, row=number) from None
        if not isinstance(item, dict):
            raise InputError("expected a JSON object", file=path, row=number)
        question = item.get("question")
        if not isinstance(question, str) or not question.strip():
            raise InputError("missing or empty question", file=path, row=number, field="question")
        primary, referral = item.get("primary"), item.get("referral")
        if primary is not None and primary not in ROLES:
            raise InputError(f"primary must be one of {', '.join(ROLES)} or null, got {primary!r}",
                             file=path, row=number, field="primary")
        if referral is not None and referral not in REFERRALS:
            raise InputError(f"referral must be one of {', '.join(REFERRALS)} or null, got {referral!r}",
                             file=path, row=number, field="referral")
        if (primary is None) == (referral is None):
            raise InputError("give exactly one of primary and referral", file=path, row=number)
        consult = item.get("consult")
        if consult is not None and (not isinstance(consult, list) or any(c not in ROLES for c in consult)):
            raise InputError("consult must be a list of cro/cco", file=path, row=number, field="consult")
        cases.append(RoutingCase(line=number, question=question, primary=primary, referral=referral,
                                 consult=consult))
    if not cases:
        raise InputError("no labelled questions", file=path)
    return cases


def evaluate_routing(cases: list[RoutingCase]) -> RoutingReport:
    confusion = {a: {b: 0 for b in LABELS} for a in LABELS}
    misses: list[Miss] = []
    correct = consult_total = consult_correct = 0
    for case in cases:
        result = route(case.question)
        predicted = result.primary or result.referral or "other"
        confusion[case.label][predicted] += 1
        if predicted == case.label:
            correct += 1
        else:
            misses.append(Miss(line=case.line, question=case.question, expected=case.label,
                               predicted=predicted, scores={k: v for k, v in result.scores.items() if v}))
        if case.consult is not None:
            consult_total += 1
            consult_correct += sorted(case.consult) == sorted(result.consult)
    by_label = {}
    for label in LABELS:
        total = sum(confusion[label].values())
        if total:
            by_label[label] = {"total": total, "correct": confusion[label][label],
                               "accuracy": round(confusion[label][label] / total, 4)}
    return RoutingReport(total=len(cases), correct=correct, accuracy=round(correct / len(cases), 4),
                         labels=LABELS, by_label=by_label, confusion=confusion,
                         consult_total=consult_total, consult_correct=consult_correct, misses=misses)
