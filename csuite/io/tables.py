"""Read founder files (CSV, Excel, JSON, YAML) into one columnar `Table`, or take inline rows.

Handles what real exports do: a BOM, CRLF, UTF-16 and legacy code pages (csuite.io.decode),
`,` `;` tab or `|` delimiters, report titles above the header and report footers below the data
(Salesforce's "Confidential Information" and copyright lines), repeated header labels, and
`.xlsx` workbooks through the optional excel extra. Anything we cannot read is one `InputError`
naming the file (and the row, when one row is at fault).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from operator import methodcaller
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence


from csuite.errors import InputError
from csuite.io.bulk import collector_paused
from csuite.io.decode import ascii_head, decode, is_workbook, read_bytes
from csuite.io.text import LazyPattern
from csuite.io.workbook import read_sheet

Source = str | Path | list | dict

DELIMITERS = (",", ";", "\t", "|")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
# Lines CRM report exports put under the data; matched only below the last data row.
FOOTER_TEXT = LazyPattern(r"confidential|copyright|\(c\)|©|all rights reserved|salesforce\.com|hubspot|"
                          r"generated (?:by|on|at)|^(?:grand )?totals?\b|^report\b", re.I)


def canonical_key(label: str) -> str:
    """'Probability (%)' → 'probability', 'Close Date' → 'close_date', '客户名称' stays as is.

    Unicode-aware so Chinese labels keep their characters."""
    return re.sub(r"[\W_]+", "_", str(label).strip().lower()).strip("_")


@dataclass
class ReadInfo:
    """How a file was read, for the result's notes: format, encoding, delimiter, sheet, and how many
    report lines were skipped above the header and below the data."""

    format: str = "rows"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    skipped_above: int = 0
    skipped_below: int = 0
    text: bool = False     # every cell is a string (CSV, Excel), so columns can be stripped in C


class Table:
    """A founder's table held as columns: what every tool reads, whatever the file was.

    `columns[header]` holds the cells as read (text for CSV and Excel, any JSON/YAML value for
    documents and inline rows). `row_number(i)` is the row a founder sees in a spreadsheet (the
    header is row 1 in a plain export), so errors point at the right line even after a report
    title, blank lines or quoted line breaks. `rows` builds one dict per row on first use, for
    code that wants records; large files are better read a column at a time with `values`.
    """

    def __init__(self, headers: list[str], columns: Mapping[str, Sequence[Any]], file: str, *,
                 lines: Sequence[int] | None = None, first_line: int = 2,
                 warnings: list[str] | None = None, info: ReadInfo | None = None) -> None:
        self.headers = list(headers)
        self.columns = dict(columns)
        self.file = file
        self.n = len(next(iter(self.columns.values()))) if self.columns else 0
        self._lines = lines if lines is not None else range(first_line, first_line + self.n)
        self.warnings = list(warnings or [])
        self.info = info or ReadInfo()
        self._values: dict[str, list[Any]] = {}
        self._rows: list[dict[str, Any]] | None = None
        self._row_list: list[int] | None = None

    @classmethod
    def from_records(cls, records: list[dict[str, Any]], headers: list[str], file: str, *,
                     first_line: int = 1, info: ReadInfo | None = None) -> "Table":
        columns = {h: [r.get(h) for r in records] for h in headers}
        table = cls(headers, columns, file, first_line=first_line, info=info)
        table.n = len(records)
        table._lines = range(first_line, first_line + len(records))
        table._rows = records
        table._row_list = None
        return table

    @property
    def keys(self) -> set[str]:
        return {canonical_key(h) for h in self.headers}

    @property
    def row_numbers(self) -> list[int]:
        """Every row's spreadsheet row number (a list, built once; `row_number(i)` for one)."""
        if self._row_list is None:
            self._row_list = list(self._lines)
        return self._row_list

    def row_number(self, index: int) -> int:
        return self._lines[index]

    def values(self, header: str) -> list[Any]:
        """A column's cells: text stripped, a blank cell None (computed once per column)."""
        cached = self._values.get(header)
        if cached is None:
            raw = self.columns[header]
            if self.info.text:
                cached = list(map(str.strip, raw))
                if "" in cached:
                    cached = [v or None for v in cached]
            else:
                cached = [(v.strip() or None) if isinstance(v, str) else v for v in raw]
            self._values[header] = cached
        return cached

    def texts(self, header: str) -> list[str]:
        """A column as stripped text, '' for a blank cell (ids, periods, keys to group by)."""
        if self.info.text:
            return list(map(str.strip, self.columns[header]))
        return ["" if v is None else (v if isinstance(v, str) else str(v)).strip() for v in self.columns[header]]

    @property
    def rows(self) -> list[dict[str, Any]]:
        if self._rows is None:
            if self.info.text:
                stripped = [list(map(str.strip, self.columns[h])) for h in self.headers]
            else:
                stripped = [[v.strip() if isinstance(v, str) else v for v in self.columns[h]]
                            for h in self.headers]
            self._rows = [dict(zip(self.headers, cells)) for cells in zip(*stripped)] if stripped else []
        return self._rows

    def __iter__(self):
        return iter(zip(self._lines, self.rows))

    def __len__(self) -> int:
        return self.n


def read_text(path: Path) -> str:
    """Decode a text document a founder writes (context, YAML plans, logs): UTF-8 with or without
    BOM, or UTF-16; anything else is one clear error. Tables go through `read_table`, which also
    recognises legacy code pages and says so."""
    path = Path(path)
    data = read_bytes(path)
    if is_workbook(data):
        raise InputError("is an Excel workbook, not a text file", file=path)
    return decode(data, path, detect=False).text


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return "xlsx"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix == ".json":
        return "json"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        return "json"
    return "csv"


def _nonempty(record: Sequence[str]) -> int:
    return sum(1 for c in record if c.strip())


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon (European Excel), tab or pipe: the one that splits the first lines into
    the same number of fields (more than one) most consistently, then into the most fields.

    Counting fields with the csv module, not characters, keeps quoted '84.500,00 €' cells from
    voting for the comma in a semicolon file."""
    sample = [line for line in text[:65536].split("\n")[:60] if line.strip()]
    if len(sample) > 1 and text[:65536].count("\n") >= 60:
        sample = sample[:-1]  # the last sampled line may be cut in half
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(sample, delimiter=delimiter)]
        except csv.Error:
            continue
        widths = [w for w in widths if w > 1]
        if not widths:
            continue
        mode = max(set(widths), key=lambda w: (widths.count(w), w))
        score = (widths.count(mode) / len(sample), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_records(text: str, delimiter: str, file: str) -> tuple[list[list[str]], Sequence[int]]:
    """Every physical record with its line number (1-based). Quoted line breaks are handled by
    the csv module; a file without quotes is split at C speed."""
    if '"' not in text:
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return [line.split(delimiter) for line in lines], range(1, len(lines) + 1)
    physical = text.count("\n") + (0 if text.endswith("\n") else 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise InputError(f"is not valid CSV ({exc})", file=file, row=reader.line_num) from None
    if len(records) == physical:
        return records, range(1, len(records) + 1)
    # A cell holds a line break: number records by where they start.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts: list[int] = []
    previous = 0
    for _ in reader:
        starts.append(previous + 1)
        previous = reader.line_num
    return records, starts


def _is_footer(records: list[list[str]]) -> bool:
    return all(FOOTER_TEXT.search(" ".join(c.strip() for c in r)) for r in records if _nonempty(r))


def _furniture(record: Callable[[int], list[str]], count: int, lines: Sequence[int], file: str,
               info: ReadInfo, warnings: list[str]) -> tuple[int, int]:
    """(header index, end of data) among `count` records: title lines above the header and a
    report footer below the data (Salesforce's confidentiality and copyright lines, a grand total)
    are skipped and reported. Only the first and last few records are looked at."""
    top = 0
    while top < count and _nonempty(record(top)) < 2:
        top += 1
    if top == count:
        if any(_nonempty(record(i)) for i in range(count)):
            raise InputError("has no header row with two or more columns", file=file)
        raise InputError("is empty", file=file)
    skipped_above = sum(1 for i in range(top) if _nonempty(record(i)))
    if skipped_above:
        warnings.append(f"{file}: skipped {skipped_above} line(s) above the header row (a report title "
                        "or filter description)")
        info.skipped_above = skipped_above
    bottom = count
    while bottom > top + 1 and _nonempty(record(bottom - 1)) < 2:
        bottom -= 1
    tail = [record(i) for i in range(bottom, count)]
    if any(_nonempty(r) for r in tail):
        separated = not _nonempty(tail[0])
        if separated or _is_footer(tail):
            skipped = sum(1 for r in tail if _nonempty(r))
            warnings.append(f"{file}: skipped {skipped} line(s) after the last data row (row "
                            f"{lines[bottom - 1]}), a report footer rather than data")
            info.skipped_below = skipped
        else:
            bottom = count
    return top, bottom


def _header(record: list[str], file: str) -> list[str]:
    headers = [h.strip() for h in record]
    if not any(headers):
        raise InputError("has an empty header row", file=file)
    return headers


def _columns_table(headers: list[str], columns_by_index: Sequence[Sequence[str]], lines: Sequence[int],
                   file: str, info: ReadInfo, warnings: list[str]) -> Table:
    seen, dup_warnings = header_positions(headers, file)
    warnings.extend(dup_warnings)
    kept = [headers[i] for i in seen.values()]
    columns = {headers[i]: columns_by_index[i] for i in seen.values()}
    info.text = True
    return Table(kept, columns, file, lines=lines, warnings=warnings, info=info)


def table_from_records(records: list[list[str]], lines: Sequence[int], file: str, info: ReadInfo,
                       warnings: list[str]) -> Table:
    """A Table from physical records (CSV rows or sheet rows) and their row numbers."""
    top, bottom = _furniture(records.__getitem__, len(records), lines, file, info, warnings)
    headers = _header(records[top], file)
    width = len(headers)
    body = records[top + 1:bottom]
    body_lines: Sequence[int] = lines[top + 1:bottom]
    blank = [i for i, r in enumerate(body) if not r or (not r[0].strip() and not "".join(r).strip())]
    if blank:
        drop = set(blank)
        keep = [i for i in range(len(body)) if i not in drop]
        body = [body[i] for i in keep]
        body_lines = [body_lines[i] for i in keep]
    if set(map(len, body)) - {width}:
        for r, line in zip(body, body_lines):
            if len(r) > width and any(c.strip() for c in r[width:]):
                raise InputError(f"has {len(r)} cells but the header has {width}", file=file, row=line)
        body = [r[:width] if len(r) >= width else r + [""] * (width - len(r)) for r in body]
    columns_by_index = list(zip(*body)) if body else [() for _ in headers]
    return _columns_table(headers, columns_by_index, body_lines, file, info, warnings)


def _plain_table(text: str, file: str, info: ReadInfo, warnings: list[str]) -> Table | None:
    """A CSV without quotes whose data lines all have the header's width (the usual CRM or
    billing dump): split in one `str.split` of the whole body, then sliced into columns, at C
    speed. None for anything irregular, which goes through the csv module."""
    if '"' in text:
        return None
    delimiter = info.delimiter or ","
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    top, bottom = _furniture(lambda i: lines[i].split(delimiter), len(lines), range(1, len(lines) + 1),
                             file, info, warnings)
    headers = _header(lines[top].split(delimiter), file)
    width = len(headers)
    body = lines[top + 1:bottom]
    if set(map(methodcaller("count", delimiter), body)) - {width - 1}:
        return None
    if any(not line.strip(delimiter + " \t") for line in body if not line[:1].strip()):
        return None  # blank rows: let the general path number and skip them
    flat = delimiter.join(body).split(delimiter) if body else []
    columns_by_index = [flat[i::width] for i in range(width)]
    return _columns_table(headers, columns_by_index, range(top + 2, bottom + 1), file, info, warnings)


_HEAD_BYTES = 65536


def read_header(source: Source) -> Table | None:
    """For a CSV/TSV path, a Table with the header row only (no rows): enough to tell what kind
    of file it is. None for inline rows, workbooks and JSON/YAML files."""
    if isinstance(source, (list, dict)):
        return None
    path = Path(source)
    data = read_bytes(path, limit=_HEAD_BYTES + 1)
    if is_workbook(data):
        return None
    # The header and the delimiter come from the first 60 lines: a large file's first 64 KB are
    # enough when they hold more than that in plain ASCII (decoding all of it took 30 ms at 100,000 rows).
    text = ascii_head(data, 60) if len(data) > _HEAD_BYTES else None
    if text is None:
        text = decode(read_bytes(path) if len(data) > _HEAD_BYTES else data, path).text
    if detect_format(path, text) != "csv":
        return None
    if not text.strip():
        raise InputError("is empty", file=path)
    head = "\n".join(text[:65536].split("\n")[:60])
    records, lines = _csv_records(head, sniff_delimiter(text), str(path))
    for record in records:
        if _nonempty(record) >= 2:
            return Table([h.strip() for h in record], {h.strip(): () for h in record}, str(path),
                         info=ReadInfo(text=True))
    return Table([], {}, str(path), info=ReadInfo(text=True))


def header_positions(headers: Sequence[str], file: str) -> tuple[dict[str, int], list[str]]:
    """Column index by canonical header; a repeated header keeps its first column, with a warning."""
    seen: dict[str, int] = {}
    warnings: list[str] = []
    for i, h in enumerate(headers):
        key = canonical_key(h)
        if key in seen:
            warnings.append(f"{file}: column '{h}' appears twice; using the first one")
        else:
            seen[key] = i
    return seen, warnings


def _parse_csv(text: str, file: str, info: ReadInfo, warnings: list[str]) -> Table:
    if not text.strip():
        raise InputError("is empty", file=file)
    info.delimiter = sniff_delimiter(text)
    # The cyclic collector rescans every new list while a million records are built; there are
    # no cycles to find, and pausing it saves most of the time on a large export.
    with collector_paused():
        notes: list[str] = []
        plain = _plain_table(text, file, info, notes)
        if plain is not None:
            plain.warnings[:0] = warnings
            return plain
        records, lines = _csv_records(text, info.delimiter, file)
        return table_from_records(records, lines, file, info, warnings)


def _read_workbook(path: Path) -> Table:
    rows, sheet, notes = read_sheet(path)
    info = ReadInfo(format="xlsx", sheet=sheet)
    return table_from_records(rows, range(1, len(rows) + 1), str(path), info, notes)


def _rows_from_objects(data: Any, file: str, list_keys: Sequence[str]) -> Table:
    if isinstance(data, Mapping):
        for key in list_keys:
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            raise InputError(
                f"expected a list of records or an object with one of: {', '.join(list_keys)}", file=file
            )
    if not isinstance(data, list):
        raise InputError("expected a list of records", file=file)
    rows: list[dict[str, Any]] = []
    headers: dict[str, None] = {}
    for i, item in enumerate(data, start=1):
        if not isinstance(item, Mapping):
            raise InputError("is not an object", file=file, row=i)
        rows.append({str(k): v for k, v in item.items()})
        for k in item:
            headers.setdefault(str(k))
    # For JSON the "row" is the record's 1-based position in the list.
    return Table.from_records(rows, list(headers), file, first_line=1, info=ReadInfo(format="rows"))


def _json_pairs(file: str):
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise InputError("appears twice in one object", file=file, field=str(key))
            out[key] = value
        return out
    return hook


def _yaml_loader(yaml: Any, file: str):
    """A SafeLoader that refuses a key given twice and keeps dates as text (`yaml`: the module)."""

    class StrictLoader(yaml.SafeLoader):
        pass

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise InputError(f"line {key_node.start_mark.line + 1}: a mapping key must be a "
                                 "plain value", file=file) from None
            if key in out:
                raise InputError(f"line {key_node.start_mark.line + 1}: appears twice", file=file, field=str(key))
            out[key] = loader.construct_object(value_node, deep=deep)
        return out

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    # Dates stay text: the caller's parse_date names the field (YAML's own constructor would
    # raise a bare ValueError for 2025-13-01, and silently read 2025-1-1 as a string anyway).
    StrictLoader.add_constructor("tag:yaml.org,2002:timestamp",
                                 lambda loader, node: loader.construct_scalar(node))
    return StrictLoader


def parse_document(text: str, fmt: str, file: str) -> Any:
    """Parse JSON or YAML text; duplicate keys, empty text and syntax errors are `InputError`s.

    `json.loads` and `yaml.safe_load` keep the *last* of two equal keys without a word, so a
    hand-edited plan with a target written twice would silently lose one; here it is an error.
    """
    if not text.strip():
        raise InputError("is empty", file=file)
    if fmt == "json":
        try:
            return json.loads(text, object_pairs_hook=_json_pairs(file))
        except json.JSONDecodeError as exc:
            raise InputError(f"is not valid JSON ({exc.msg} at line {exc.lineno})", file=file) from None
        except RecursionError:
            raise InputError("is nested too deeply to read", file=file) from None

    return _yaml_document(text, file)


def _yaml_document(text: str, file: str) -> Any:
    import yaml  # only for a YAML data file: most asks read CSVs, and the import is 15 ms

    try:
        return yaml.load(text, Loader=_yaml_loader(yaml, file))  # noqa: S506 - a SafeLoader subclass
    except InputError:  # our own loader's refusal (a key given twice) is already one clear line
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise InputError(f"is not valid YAML{where}", file=file) from None
    except (ValueError, TypeError) as exc:  # a constructor refused a scalar
        raise InputError(f"has a value YAML cannot read ({exc})", file=file) from None
    except RecursionError:
        raise InputError("is nested too deeply to read", file=file) from None


def load_document(path: str | Path) -> Any:
    """A JSON or YAML document from a file (UTF-8/UTF-16, BOM and CRLF handled by read_text)."""
    path = Path(path)
    text = read_text(path)
    fmt = detect_format(path, text)
    if fmt in ("csv", "xlsx"):  # a .txt or extension-less file that is not JSON: try YAML
        fmt = "yaml"
    return parse_document(text, fmt, str(path))


def read_table(source: Source, *, list_keys: Sequence[str] = ("rows", "records", "data", "items"),
               name: str = "input") -> Table:
    """Rows from a CSV, Excel, JSON or YAML file path, or from inline records (a list of dicts or
    an object holding one). Inline data is how the MCP server and Python API pass rows."""
    if isinstance(source, Table):
        return source
    if isinstance(source, (list, dict)):
        return _rows_from_objects(source, f"<{name}>", list_keys)
    path = Path(source)
    data = read_bytes(path)
    if is_workbook(data) or path.suffix.lower() in WORKBOOK_SUFFIXES:
        if not is_workbook(data):
            raise InputError("has an Excel name but is not an Excel workbook", file=path)
        return _read_workbook(path)
    decoded = decode(data, path)
    warnings = [f"{path}: {decoded.note}"] if decoded.note else []
    fmt = detect_format(path, decoded.text)
    if fmt == "csv":
        info = ReadInfo(format="csv", encoding=decoded.encoding)
        return _parse_csv(decoded.text, str(path), info, warnings)
    table = _rows_from_objects(parse_document(decoded.text, fmt, str(path)), str(path), list_keys)
    table.info.format, table.info.encoding = fmt, decoded.encoding
    table.warnings[:0] = warnings
    return table


def resolve_columns(table: Table, aliases: Mapping[str, Iterable[str]],
                    required: Iterable[str] = ()) -> dict[str, str]:
    """Map our field names to the table's actual headers using alias lists (canonical keys).

    Returns {field: header}. Missing required fields are one error listing what is missing
    and what the file has, so the founder can rename a column instead of guessing.
    """
    by_key = {canonical_key(h): h for h in table.headers}
    mapping: dict[str, str] = {}
    for fieldname, names in aliases.items():
        for alias in [fieldname, *names]:
            key = canonical_key(alias)
            if key in by_key:
                mapping[fieldname] = by_key[key]
                break
    missing = [f for f in required if f not in mapping]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (found: {shown_headers(table.headers)})", file=table.file
        )
    return mapping


# A header shown back in an error: a column name's length and characters, and no long word
# with digits in it (API keys, tokens and hashes look like that; column names do not).
_COLUMN_NAME = LazyPattern(r"[^\W\d][\w .%()#/&+-]{0,39}")
_TOKEN_LIKE = LazyPattern(r"(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{12,}")


def shown_headers(headers: Sequence[str]) -> str:
    """The file's headers for an error message, leaving out any that does not look like a column
    name: when a tool is pointed at a file that is not a table (`.env`), its first line must not
    come back in the error."""
    shown = [h for h in headers if _COLUMN_NAME.fullmatch(h) and not _TOKEN_LIKE.search(h)]
    hidden = len(headers) - len(shown)
    if hidden:
        shown.append(f"{hidden} header(s) not shown")
    return ", ".join(shown) or "no columns"


def normalise_keys(obj: Mapping[Any, Any], aliases: Mapping[str, Iterable[str]], file: str,
                   where: str = "") -> dict[str, Any]:
    """A YAML/JSON object's keys mapped to our field names through the same aliases as columns.

    An unknown key is refused (a typo like `atrition:` must not silently become a default), and
    so is one field spelled two ways.
    """
    lookup = {canonical_key(name): field for field, names in aliases.items() for name in [field, *names]}
    out: dict[str, Any] = {}
    for raw_key, value in obj.items():
        field = lookup.get(canonical_key(str(raw_key)))
        if field is None:
            raise InputError(f"unknown key{where} (known: {', '.join(aliases)})", file=file, field=str(raw_key))
        if field in out:
            raise InputError(f"is given twice{where} (as '{raw_key}' and another spelling)", file=file, field=field)
        out[field] = value
    return out


def cell(row: Mapping[str, Any], mapping: Mapping[str, str], fieldname: str) -> Any:
    """The raw value of a mapped field, or None when the column is absent or the cell blank."""
    header = mapping.get(fieldname)
    if header is None:
        return None
    value = row.get(header)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value
