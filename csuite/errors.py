"""Errors users can act on.

`InputError` is the one way bad input leaves the engine: the CLI prints it as a single line
naming the file, row and field, and exits 2. Anything else is a bug (exit 1).

An error about a file never repeats what the file says: the file, row and field name where the
problem is, and what is wrong, are enough to fix it, while a cell, key or first line echoed back
can be a secret (an agent may point a tool at `.env`) or a customer's name. So text quoted in
the message of an error that names a file on disk is shown as '…' (rows the caller passed
inline are theirs and stay quoted); write our own words in a file error's message without
quotes, and put field names in `field=`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

# DESIGN.md's exit codes, shared by the CLI, the tool scripts and the MCP server's own entry point.
EXIT_OK, EXIT_UNEXPECTED, EXIT_BAD_INPUT = 0, 1, 2


def one_line(text: str) -> str:
    """An error is one line: control characters echoed from a founder's cell (a line break in a
    CSV field) are shown escaped, never obeyed."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


# A quoted stretch: opening quote not after a letter (so "quarter's" is an apostrophe), closing
# quote not before one.
_QUOTED = re.compile(r"(?<!\w)'[^'\n]*'(?!\w)|(?<!\w)\"[^\"\n]*\"(?!\w)")
ELIDED = "'…'"


def without_quoted(text: str) -> str:
    """`text` with every quoted stretch replaced by '…' (what a file said stays out of errors)."""
    return _QUOTED.sub(ELIDED, text)


class InputError(ValueError):
    """Bad input from the founder: a file, a row, a field, a value we refuse to guess about."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.field = field
        super().__init__(self.__str__())

    def located(self, *, file: str | Path | None = None, row: int | None = None,
                field: str | None = None) -> "InputError":
        """Return a copy with missing location parts filled in (inner code rarely knows the file)."""
        return InputError(
            self.message,
            file=self.file or (str(file) if file is not None else None),
            row=self.row if self.row is not None else row,
            field=self.field or field,
        )

    @property
    def names_a_file(self) -> bool:
        """True for a file on disk; inline rows a caller passed in are named like "<input>"."""
        return bool(self.file) and not (self.file.startswith("<") and self.file.endswith(">"))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        message = without_quoted(self.message) if self.names_a_file else self.message
        return one_line(f"{prefix}: {message}" if prefix else message)


class UsageError(ValueError):
    """A command used wrongly (bad flag value, conflicting options). Exit 2, one line."""


def validation_message(exc: Any, *, flags: bool = True) -> str:
    """A pydantic ValidationError as one line: `--flag-name: message; ...` for command lines,
    the bare field path for API and MCP callers (`flags=False`)."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        name = f"--{loc.replace('_', '-')}" if flags and loc else loc
        parts.append(f"{name}: {err['msg']}" if name else err["msg"])
    return one_line("; ".join(parts))
