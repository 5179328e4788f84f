"""Find the pack's data files from a checkout or from an installed wheel.

In a checkout (and an editable install) the skill pack sits beside the `csuite` package; a
wheel carries the same tree under `csuite/_pack`. Everything that reads SKILL.md, skills,
prompts, references or examples goes through `pack_root()` so both layouts behave the same.
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

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
    pack's phrase, threshold and knowledge files at every start, a pickle a hundredth of that.
    Any other file (a test's, a caller's own) is parsed as it is and leaves nothing in the cache."""
    if not _ships_with_the_pack(path):
        return _parse_yaml(path)
    return cached_build(f"yaml.{path.parent.name}.{path.stem}", [path], lambda: _parse_yaml(path))


def _ships_with_the_pack(path: Path) -> bool:
    where = Path(path).resolve()
    return where.is_relative_to(PACKAGE_DIR) or where.is_relative_to(pack_root())


class PackYamlError(ValueError):
    """A pack YAML file that does not parse (the parser's own message, which names line and column)."""


def _parse_yaml(path: Path) -> Any:
    """libyaml when present: the pure-Python loader costs a third of a second on the thresholds alone.

    yaml is imported here, on a cache miss only: a warm `csuite route` never parses YAML, and the
    import alone is a sixth of its start-up."""
    import yaml

    with open(path, encoding="utf-8") as handle:
        try:
            return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            raise PackYamlError(str(exc)) from None


@lru_cache(maxsize=None)
def load_data_yaml(name: str) -> Any:
    """One of csuite/data/*.yaml, parsed once per process."""
    return load_yaml(data_path(name))


CACHE_FORMAT = 2


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
    """The sources' names, lengths and CRC-32s (and the Python and format versions): any edit
    rebuilds. A CRC, not a cryptographic digest: this guards against stale tables, not against
    an attacker, and hashlib's import alone is a thirtieth of a warm `csuite route`."""
    parts = [f"{name}|{CACHE_FORMAT}|{sys.version_info[:2]}"]
    for path in sorted(Path(p) for p in sources):
        data = path.read_bytes()
        parts.append(f"{path.name}:{len(data)}:{zlib.crc32(data):08x}")
    return "|".join(parts)


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
            # The key is its own pickle ahead of the value: a stale file is judged without
            # unpickling (and importing the classes of) a value that will be thrown away.
            if pickle.load(handle) == key:
                return pickle.load(handle)
    except Exception:  # missing, truncated or from an older format: rebuild
        pass
    value = build()
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=where.parent)
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(key, handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, where)
    except OSError:
        pass
    return value
