"""Find the pack's data files from a checkout or from an installed wheel.

In a checkout (and an editable install) the skill pack sits beside the `csuite` package; a
wheel carries the same tree under `csuite/_pack`. Everything that reads SKILL.md, skills,
prompts, references or examples goes through `pack_root()` so both layouts behave the same.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

import yaml

T = TypeVar("T")

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
    """A YAML file that ships with the pack (ours, never the founder's), parsed once and kept on
    disk until it changes (`cached_build`): even libyaml spends a fifth of a second on the
    pack's phrase, threshold and knowledge files at every start, a pickle a hundredth of that."""
    return cached_build(f"yaml.{path.parent.name}.{path.stem}", [path], lambda: _parse_yaml(path))


def _parse_yaml(path: Path) -> Any:
    """libyaml when present: the pure-Python loader costs a third of a second on the thresholds alone."""
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=None)
def load_data_yaml(name: str) -> Any:
    """One of csuite/data/*.yaml, parsed once per process."""
    return load_yaml(data_path(name))


CACHE_FORMAT = 1


def cache_dir() -> Path:
    """Where derived tables are kept: next to the package data when that folder is writable (a
    checkout, a user install), else the user's cache folder ($XDG_CACHE_HOME/csuite-advisors)."""
    local = DATA_DIR / ".cache"
    try:
        local.mkdir(exist_ok=True)
        if os.access(local, os.W_OK):
            return local
    except OSError:
        pass
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "csuite-advisors"


def source_key(name: str, sources: Iterable[Path]) -> str:
    """A digest of the sources' bytes (and the Python and format versions): any edit rebuilds."""
    digest = hashlib.sha256(f"{name}|{CACHE_FORMAT}|{sys.version_info[:2]}".encode())
    for path in sorted(Path(p) for p in sources):
        digest.update(str(path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cached_build(name: str, sources: Iterable[Path], build: Callable[[], T], *,
                 folder: Path | None = None) -> T:
    """`build()`'s result, kept on disk between runs and rebuilt when a source file changes.

    The routing index and the tool alias table are built from YAML and Python sources on every
    start otherwise (a fifth of a second each). The cache is our own file, keyed by a digest of
    every source, written atomically; an unreadable or stale one is rebuilt, a folder we cannot
    write is simply not used."""
    key = source_key(name, sources)
    where = (folder or cache_dir()) / f"{name}.pickle"
    try:
        with open(where, "rb") as handle:
            stored_key, value = pickle.load(handle)
        if stored_key == key:
            return value
    except Exception:  # missing, truncated or from an older format: rebuild
        pass
    value = build()
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=where.parent)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump((key, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, where)
    except OSError:
        pass
    return value
