"""Read founder files (CSV, JSON, YAML) into rows with line numbers, or take inline rows.

Handles what real exports do: a UTF-8 BOM, CRLF, UTF-16 from Excel, `;` or tab delimiters,
repeated header labels. Anything we cannot read is one `InputError` naming the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml

from csuite.errors import InputError

Source = str | Path | list | dict


def canonical_key(label: str) -> str:
    """'Probability (%)' → 'probability', 'Close Date' → 'close_date', '客户名称' stays as is.

    Unicode-aware so Chinese labels keep their characters."""
    return re.sub(r"[\W_]+", "_", str(label).strip().lower()).strip("_")


@dataclass
class Table:
    """Rows from one file or inline list. `row_numbers[i]` is what a founder sees in a
    spreadsheet (the header is row 1), so errors point at the right line."""

    rows: list[dict[str, Any]]
    headers: list[str]
    file: str
    row_numbers: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.row_numbers:
            self.row_numbers = list(range(2, len(self.rows) + 2))

    @property
    def keys(self) -> set[str]:
        return {canonical_key(h) for h in self.headers}

    def __iter__(self):
        return iter(zip(self.row_numbers, self.rows))

    def __len__(self) -> int:
        return len(self.rows)


def read_text(path: Path) -> str:
    """Decode a founder file: UTF-8 (with or without BOM) or UTF-16 with BOM; else a clear error."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", file=path) from None
    except PermissionError:
        raise InputError("cannot be read (permission denied)", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", file=path) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (byte {exc.start}); save or export it as UTF-8", file=path
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
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


def _delimiter(text: str) -> str:
    """Comma, semicolon (European Excel) or tab: whichever the header line uses most."""
    first_line = text[:4096].split("\n", 1)[0]
    return max((",", ";", "\t"), key=first_line.count)


def read_header(source: Source) -> Table | None:
    """For a CSV/TSV path, a Table with the header row only (no rows): enough to tell what kind
    of file it is without parsing a million rows that a fast column reader will read anyway.
    None for inline rows and JSON/YAML files (their keys are only known from the records)."""
    if isinstance(source, (list, dict)):
        return None
    path = Path(source)
    text = read_text(path)
    if detect_format(path, text) != "csv":
        return None
    if not text.strip():
        raise InputError("is empty", file=path)
    first_line = text.split("\n", 1)[0]
    try:
        headers = [h.strip() for h in next(csv.reader([first_line], delimiter=_delimiter(text)))]
    except (csv.Error, StopIteration):
        raise InputError("has a header row that is not valid CSV", file=path) from None
    return Table(rows=[], headers=headers, file=str(path))


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


def _parse_csv(text: str, file: str) -> Table:
    if not text.strip():
        raise InputError("is empty", file=file)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except csv.Error as exc:
        raise InputError(f"is not valid CSV ({exc})", file=file) from None
    headers = [h.strip() for h in headers]
    if not any(headers):
        raise InputError("has an empty header row", file=file)
    seen, warnings = header_positions(headers, file)
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    width = len(headers)
    unique = len(seen) == width   # no repeated labels: a full row zips straight onto the header
    strip = str.strip
    try:
        for record in reader:
            if not "".join(record).strip():
                continue
            line = reader.line_num
            if len(record) > width and any(c.strip() for c in record[width:]):
                raise InputError(
                    f"has {len(record)} cells but the header has {width}", file=file, row=line
                )
            if unique and len(record) == width:
                row = dict(zip(headers, map(strip, record)))
            else:
                row = {headers[i]: record[i].strip() if i < len(record) else "" for i in seen.values()}
            rows.append(row)
            numbers.append(line)
    except csv.Error as exc:
        raise InputError(f"is not valid CSV ({exc})", file=file, row=reader.line_num) from None
    return Table(rows=rows, headers=[headers[i] for i in seen.values()], file=file,
                 row_numbers=numbers, warnings=warnings)


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
    rows, headers = [], []
    for i, item in enumerate(data, start=1):
        if not isinstance(item, Mapping):
            raise InputError("is not an object", file=file, row=i)
        rows.append({str(k): v for k, v in item.items()})
        for k in item:
            if str(k) not in headers:
                headers.append(str(k))
    # For JSON the "row" is the record's 1-based position in the list.
    return Table(rows=rows, headers=headers, file=file, row_numbers=list(range(1, len(rows) + 1)))


def _json_pairs(file: str):
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise InputError("appears twice in one object", file=file, field=str(key))
            out[key] = value
        return out
    return hook


def _yaml_loader(file: str):

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

    try:
        return yaml.load(text, Loader=_yaml_loader(file))  # noqa: S506 - a SafeLoader subclass
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
    if fmt == "csv":  # a .txt or extension-less file that is not JSON: try YAML
        fmt = "yaml"
    return parse_document(text, fmt, str(path))


def read_table(source: Source, *, list_keys: Sequence[str] = ("rows", "records", "data", "items"),
               name: str = "input") -> Table:
    """Rows from a CSV/JSON/YAML file path, or from inline records (a list of dicts or an
    object holding one). Inline data is how the MCP server and Python API pass rows."""
    if isinstance(source, (list, dict)):
        return _rows_from_objects(source, f"<{name}>", list_keys)
    path = Path(source)
    text = read_text(path)
    fmt = detect_format(path, text)
    if fmt == "csv":
        return _parse_csv(text, str(path))
    return _rows_from_objects(parse_document(text, fmt, str(path)), str(path), list_keys)


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
_COLUMN_NAME = re.compile(r"[^\W\d][\w .%()#/&+-]{0,39}")
_TOKEN_LIKE = re.compile(r"(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{12,}")


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
