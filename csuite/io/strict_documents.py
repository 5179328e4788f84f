"""Load a JSON or YAML plan document and refuse duplicate keys.

`yaml.safe_load` and `json.loads` keep the *last* of two equal keys without a word, so a plan
with `2027-Q1:` written twice silently loses a target. Founders' plans are edited by hand,
copied and pasted; a duplicate is a mistake to report, never to resolve by guessing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from csuite.errors import InputError
from csuite.io.tables import detect_format, read_text


def _json_pairs(file: str):
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise InputError(f"key '{key}' appears twice in one object", file=file)
            out[key] = value
        return out
    return hook


def _yaml_loader(file: str):
    import yaml

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
                raise InputError(f"line {key_node.start_mark.line + 1}: key '{key}' appears twice",
                                 file=file)
            out[key] = loader.construct_object(value_node, deep=deep)
        return out

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    # Dates stay text: the caller's parse_date names the field (YAML's own constructor would
    # raise a bare ValueError for 2025-13-01, and silently read 2025-1-1 as a string anyway).
    StrictLoader.add_constructor("tag:yaml.org,2002:timestamp",
                                 lambda loader, node: loader.construct_scalar(node))
    return StrictLoader


def parse_document_strict(text: str, fmt: str, file: str) -> Any:
    """Parse JSON or YAML text; duplicate keys, empty text and syntax errors are `InputError`s."""
    if not text.strip():
        raise InputError("is empty", file=file)
    if fmt == "json":
        try:
            return json.loads(text, object_pairs_hook=_json_pairs(file))
        except json.JSONDecodeError as exc:
            raise InputError(f"is not valid JSON ({exc.msg} at line {exc.lineno})", file=file) from None
    import yaml

    try:
        return yaml.load(text, Loader=_yaml_loader(file))  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise InputError(f"is not valid YAML{where}", file=file) from None
    except (ValueError, TypeError) as exc:  # a constructor refused a scalar
        raise InputError(f"has a value YAML cannot read ({exc})", file=file) from None
    except RecursionError:
        raise InputError("is nested too deeply to be a plan", file=file) from None


def load_document_strict(path: str | Path) -> Any:
    """A JSON or YAML document from a file (UTF-8/UTF-16, BOM and CRLF handled by read_text)."""
    path = Path(path)
    text = read_text(path)
    fmt = detect_format(path, text)
    if fmt == "csv":  # a .txt or extension-less file that is not JSON: try YAML
        fmt = "yaml"
    return parse_document_strict(text, fmt, str(path))
