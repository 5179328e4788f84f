"""Excel workbooks (.xlsx, .xlsm, .xls) as rows of text cells, through the optional `excel` extra.

Formatted Salesforce reports export only as Excel, and HubSpot offers it too, so a founder's
"pipeline.xlsx" is normal. `python-calamine` (a Rust reader: fast, reads xls as well) is used when
installed, else `openpyxl`; without either the founder gets the one install line they need.

Cells become the text a CSV export of the same sheet would hold, so every tool parses one kind of
input: numbers as plain digits (12500, 0.25), dates as YYYY-MM-DD, booleans as true/false.
"""

from __future__ import annotations

import importlib.util
import math
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from csuite.errors import InputError

# No quotes: error messages about a file elide quoted text (csuite.errors), and the command must show.
INSTALL_HINT = "pip install csuite-advisors[excel]"


def cell_text(value: Any) -> str:
    """One cell as CSV text: 84500.0 → '84500', 0.25 → '0.25', a date → '2026-11-03'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    return str(value)


def excel_available() -> bool:
    return any(importlib.util.find_spec(name) is not None for name in ("python_calamine", "openpyxl"))


def read_sheet(path: Path) -> tuple[list[list[str]], str, list[str]]:
    """The first sheet holding data: (rows of cell text, sheet name, notes for the founder).

    Row i of the result is spreadsheet row i + 1, so errors can name the row Excel shows."""
    if importlib.util.find_spec("python_calamine") is not None:
        sheets = _calamine_sheets(path)
    elif importlib.util.find_spec("openpyxl") is not None:
        sheets = _openpyxl_sheets(path)
    else:
        raise InputError(f"is an Excel workbook; reading it needs the excel extra: {INSTALL_HINT} "
                         "(or save the sheet as CSV UTF-8)", file=path)
    filled = [(name, rows) for name, rows in sheets if any(any(c.strip() for c in r) for r in rows)]
    if not filled:
        raise InputError("is an Excel workbook with no data in any sheet", file=path)
    name, rows = filled[0]
    notes = []
    if len(sheets) > 1:
        notes.append(f"{path}: read sheet '{name}', the first of {len(sheets)} sheets that holds data")
    return rows, name, notes


def _calamine_sheets(path: Path) -> list[tuple[str, list[list[str]]]]:
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        out = []
        for index, name in enumerate(book.sheet_names):
            sheet = book.get_sheet_by_index(index)
            # skip_empty_area=False keeps the empty rows above the data, so row numbers match Excel's.
            rows = [[cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
            out.append((name, rows))
        return out
    except Exception as exc:  # the Rust reader raises its own error types for corrupt files
        raise InputError(f"cannot be read as an Excel workbook ({type(exc).__name__})", file=path) from None


def _openpyxl_sheets(path: Path) -> list[tuple[str, list[list[str]]]]:
    import openpyxl

    if path.read_bytes()[:4] != b"PK\x03\x04":
        raise InputError(f"is an old .xls workbook; reading it needs python-calamine: {INSTALL_HINT} "
                         "(or save it as .xlsx or CSV)", file=path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(f"cannot be read as an Excel workbook ({type(exc).__name__})", file=path) from None
    try:
        return [(ws.title, [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)])
                for ws in book.worksheets]
    finally:
        book.close()
