"""The founder's decision log: what they approved, changed or rejected, so answers respect it.

An append-only JSON-lines file beside company-context.md (`decision-log.jsonl`). Every answer
reads it; a rejected recommendation, or one marked DO_NOT_RESURFACE, is never proposed again.

Losing a decision is worse than a slow write, and a damaged line must not stop the founder from
deciding or asking: each record is appended under a file lock and synced (twenty `csuite
decide` runs at once keep all twenty records; the file's permissions are left alone), and a
line that is not a valid record is skipped with a warning naming its line, and left in the file
for the founder to fix.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from csuite.errors import InputError
from csuite.fields import new_list
from csuite.io.files import append_line, read_locked

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


class DecisionLog(BaseModel):
    """The records read from a log, and the lines that could not be read (kept in the file)."""

    path: Path
    records: list[DecisionRecord] = Field(default_factory=new_list)
    skipped: list[int] = Field(default_factory=new_list, description="line numbers that are not valid records")

    @property
    def skipped_lines(self) -> str:
        """The skipped line numbers as a short list: "2, 3, 5" (the first ten, then "…")."""
        return ", ".join(str(n) for n in self.skipped[:10]) + (" …" if len(self.skipped) > 10 else "")

    @property
    def warnings(self) -> list[str]:
        if not self.skipped:
            return []
        return [f"{self.path}: line(s) {self.skipped_lines} are not valid decision records; they were skipped and "
                f"left in the file (fix or delete them)"]


def log_path(context_path: str | Path | None, explicit: str | Path | None = None) -> Path:
    """Beside the context file when there is one, else in the current folder."""
    if explicit:
        return Path(explicit)
    if context_path:
        return Path(context_path).resolve().parent / LOG_NAME
    return Path.cwd() / LOG_NAME


def load_log(path: Path) -> DecisionLog:
    """Every valid record of the log, in order; invalid lines are listed, never fatal. An
    unreadable log (a folder, no permission) is an InputError: that is not a damaged line."""
    if not path.exists():
        return DecisionLog(path=path)
    try:
        data = read_locked(path)
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or type(exc).__name__})", file=path) from None
    log = DecisionLog(path=path)
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            log.records.append(DecisionRecord.model_validate(json.loads(raw.decode("utf-8"))))
        except (UnicodeDecodeError, json.JSONDecodeError, ValidationError, RecursionError):
            log.skipped.append(number)
    return log


def read_log(path: Path) -> list[DecisionRecord]:
    return load_log(path).records


def blocked(records: list[DecisionRecord]) -> list[str]:
    """Recommendations that must not come back: the latest record per recommendation decides."""
    latest: dict[str, DecisionRecord] = {}
    for record in records:
        latest[record.recommendation.strip().lower()] = record
    return [r.recommendation for r in latest.values() if r.blocks]


def record(path: Path, entry: DecisionRecord) -> Path:
    """Append one decision (locked, synced); earlier lines, readable or not, are never touched."""
    if path.is_dir():
        raise InputError("is a folder, not a decision log", file=path)
    try:
        return append_line(path, json.dumps(entry.model_dump(mode="json"), ensure_ascii=False))
    except OSError as exc:
        raise InputError(f"cannot be written ({exc.strerror or type(exc).__name__})", file=path) from None
