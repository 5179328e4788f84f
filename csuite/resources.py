"""Find the pack's data files from a checkout or from an installed wheel.

In a checkout (and an editable install) the skill pack sits beside the `csuite` package; a
wheel carries the same tree under `csuite/_pack`. Everything that reads SKILL.md, skills,
prompts, references or examples goes through `pack_root()` so both layouts behave the same.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"


@lru_cache(maxsize=1)
def pack_root() -> Path:
    checkout = PACKAGE_DIR.parent
    if (checkout / "skills").is_dir() and (checkout / "SKILL.md").is_file():
        return checkout
    bundled = PACKAGE_DIR / "_pack"
    if bundled.is_dir():
        return bundled
    return checkout


def pack_path(*parts: str) -> Path:
    return pack_root().joinpath(*parts)


def examples_dir() -> Path:
    return pack_path("examples")


def data_path(name: str) -> Path:
    return DATA_DIR / name


def load_yaml(path: Path) -> Any:
    """A YAML file that ships with the pack (ours, not the founder's), read with libyaml when
    present: these files are read on start-up, and the pure-Python loader costs a third of a
    second on the thresholds alone."""

    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=None)
def load_data_yaml(name: str) -> Any:
    """One of csuite/data/*.yaml, parsed once per process."""
    return load_yaml(data_path(name))
