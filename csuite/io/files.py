"""Writes that never lose a founder's file: atomic replace, refuse-or-backup on overwrite, and
locked appends to logs."""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Sequence

try:
    import fcntl
except ImportError:  # Windows: appends still go to the end of the file, without an advisory lock
    fcntl = None  # type: ignore[assignment]

from csuite.errors import UsageError
from csuite.io.columns import inert


def atomic_write_bytes(path: str | Path, data: bytes, *, overwrite: bool = False, backup: bool = True) -> Path:
    """Write `data` to `path` via a temp file in the same folder, fsync and os.replace.

    An existing file is refused unless `overwrite`; when overwriting, the old content is first
    copied to `<name>.bak` (unless `backup=False`), so a bad write is always recoverable.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise UsageError(f"{path} already exists; refusing to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and backup:
        shutil.copy2(path, path.with_name(path.name + ".bak"))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str, *, overwrite: bool = False, backup: bool = True) -> Path:
    """atomic_write_bytes for UTF-8 text, written exactly (no newline translation)."""
    return atomic_write_bytes(path, text.encode("utf-8"), overwrite=overwrite, backup=backup)


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Rows as CSV text with every cell made inert: a cell starting with '=', '+', '-' or '@' is
    written with a leading apostrophe, so opening the file in a spreadsheet never runs a formula
    that came from a founder's export. Numbers are written as they are (a negative number is a
    number, not a formula)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([inert(str(h)) for h in headers])
    for row in rows:
        writer.writerow([inert(c) if isinstance(c, str) else ("" if c is None else c) for c in row])
    return buffer.getvalue()


def write_csv(path: str | Path, headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
              overwrite: bool = False) -> Path:
    """`csv_text` written atomically (refused over an existing file unless `overwrite`)."""
    return atomic_write_text(path, csv_text(headers, rows), overwrite=overwrite)


def append_line(path: str | Path, line: str) -> Path:
    """Append one line to a log that several processes may write at once.

    The file is opened for appending (never rewritten, so its other lines and its permissions
    stay as they are), locked exclusively for the write where the platform has `fcntl`, and
    synced to disk before the lock is released. A line left unfinished by a crashed writer is
    closed first, so the new line always starts on a line of its own."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = line.rstrip("\n").encode("utf-8") + b"\n"
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        while data:
            data = data[os.write(fd, data):]
        os.fsync(fd)
    finally:
        os.close(fd)  # closing the descriptor releases the lock
    return path


def read_locked(path: str | Path) -> bytes:
    """A file's bytes read under a shared lock, so a line being appended is never half-read."""
    with open(path, "rb") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        return handle.read()
