"""Where each role's knowledge YAML lives, and reading it without validation.

Kept free of pydantic so `csuite route` can read keywords and example questions without paying
for the schema models (start-up time matters there). `csuite.knowledge.models` validates the same data.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any


from csuite.errors import InputError
from csuite.resources import PackYamlError, load_yaml, pack_path

# Role id → skill folder holding its knowledge.yaml.
ROLE_FOLDERS: dict[str, str] = {"cro": "cro-advisor", "cco": "chief-customer-officer-advisor"}


def knowledge_path(role: str) -> Path:
    if role not in ROLE_FOLDERS:
        raise InputError(f"unknown role '{role}' (expected one of: {', '.join(ROLE_FOLDERS)})")
    return pack_path("skills", ROLE_FOLDERS[role], "knowledge.yaml")


@lru_cache(maxsize=None)
def read_knowledge_yaml(role: str) -> Any:
    """The parsed YAML of one role's knowledge file (libyaml when present: ten times faster)."""
    path = knowledge_path(role)
    try:
        return load_yaml(path)
    except FileNotFoundError:
        raise InputError("role knowledge file not found", file=str(path)) from None
    except PackYamlError as exc:
        raise InputError(f"invalid YAML: {exc}", file=str(path)) from None
