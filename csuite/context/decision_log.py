"""The founder's decision log: what they approved, changed or rejected, so answers respect it.

An append-only JSON-lines file beside company-context.md (`decision-log.jsonl`). Every answer
reads it; a rejected recommendation, or one marked DO_NOT_RESURFACE, is never proposed again.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from csuite.errors import InputError
from csuite.io.files import atomic_append_line
from csuite.io.tables import read_text

LOG_NAME = "decision-log.jsonl"
Status = Literal["approved", "modified", "rejected"]


class DecisionRecord(BaseModel):
    recommendation: str = Field(description="the action id from an answer, or its text")
    status: Status
    do_not_resurface: bool = False
    note: str = ""
    decided_on: date
    recorded_at: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def blocks(self) -> bool:
        return self.status == "rejected" or self.do_not_resurface


def log_path(context_path: str | Path | None, explicit: str | Path | None = None) -> Path:
    """Beside the context file when there is one, else in the current folder."""
    if explicit:
        return Path(explicit)
    if context_path:
        return Path(context_path).resolve().parent / LOG_NAME
    return Path.cwd() / LOG_NAME


def read_log(path: Path) -> list[DecisionRecord]:
    if not path.exists():
        return []
    records: list[DecisionRecord] = []
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(DecisionRecord.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else exc.errors()[0]["msg"]
            raise InputError(f"is not a valid decision record ({detail})", file=path, row=number) from None
    return records


def blocked(records: list[DecisionRecord]) -> list[str]:
    """Recommendations that must not come back: the latest record per recommendation decides."""
    latest: dict[str, DecisionRecord] = {}
    for record in records:
        latest[record.recommendation.strip().lower()] = record
    return [r.recommendation for r in latest.values() if r.blocks]


def record(path: Path, entry: DecisionRecord) -> Path:
    if path.exists():
        read_log(path)  # refuse to append to a file we could not read back
    return atomic_append_line(path, json.dumps(entry.model_dump(mode="json"), ensure_ascii=False))
