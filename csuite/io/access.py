"""Which files csuite may open for a caller: one check shared by the MCP server, the Claude tool
loop and the Python API.

A founder at a shell names their own files, and the command line reads them. Any other caller
can name any path it likes: an agent connected over MCP, a model calling tools in the Claude
tool loop, code that embeds `Advisor`. For those, a file is opened only when, after `~` and
every symbolic link are resolved, it lies under an allowed root:

- the working directory;
- each folder in `CSUITE_ALLOWED_DIRS` (separated like PATH) and each `--allow DIR`;
- the MCP client's roots, when the client offers them;
- the bundled examples (public sample data);

or is one of the exact files the founder named (on the command line, or when creating an
`Advisor`). Anything else is refused with `AccessDenied`, whose message names the path the
caller gave and the roots, and nothing read from any file. The check comes before any read, so
a refusal says the same whether the file exists or not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from csuite.errors import InputError
from csuite.resources import examples_dir

ENV_VAR = "CSUITE_ALLOWED_DIRS"
ALLOW_HELP = ("also read files under DIR (repeatable). Always allowed: the working directory, the folders in "
              f"{ENV_VAR}, the bundled examples and an MCP client's roots")


class AccessDenied(InputError):
    """A path outside the allowed roots (exit 2 on the command line, a tool error over MCP)."""


class FileArgument:
    """Marks an option that names a file to read (`Annotated[str, FILE_ARGUMENT]`), so every
    front end confines it like the tool's own `path`."""

    def __repr__(self) -> str:
        return "FILE_ARGUMENT"


FILE_ARGUMENT = FileArgument()


def _resolved(path: str | Path) -> Path | None:
    """The absolute path with `~` and every symbolic link resolved; None when it cannot be
    (a NUL byte, a symlink loop, a name too long)."""
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return None


@dataclass(frozen=True)
class FileAccess:
    """Allowed roots (folders) and exact files, all resolved."""

    roots: tuple[Path, ...] = ()
    files: frozenset[Path] = field(default_factory=frozenset)

    @classmethod
    def of(cls, roots: Iterable[str | Path] = (), files: Iterable[str | Path] = ()) -> FileAccess:
        """A policy from unresolved folders and files; ones that cannot be resolved are dropped."""
        resolved_roots = [r for r in (_resolved(p) for p in roots) if r is not None]
        resolved_files = {f for f in (_resolved(p) for p in files) if f is not None}
        return cls(tuple(dict.fromkeys(resolved_roots)), frozenset(resolved_files))

    @classmethod
    def from_environment(cls, allow: Iterable[str | Path] = (), files: Iterable[str | Path] = (),
                         *, cwd: str | Path | None = None,
                         environ: Mapping[str, str] | None = None) -> FileAccess:
        """The working directory, CSUITE_ALLOWED_DIRS, `allow` and the bundled examples."""
        env = os.environ if environ is None else environ
        listed = [d for d in env.get(ENV_VAR, "").split(os.pathsep) if d.strip()]
        roots = [Path(cwd) if cwd is not None else Path.cwd(), *listed, *allow, examples_dir()]
        return cls.of(roots, files)

    def extended(self, roots: Iterable[str | Path] = (), files: Iterable[str | Path] = ()) -> FileAccess:
        """This policy plus more roots and files (an MCP client's roots, a founder's named file)."""
        more = FileAccess.of(roots, files)
        return FileAccess(tuple(dict.fromkeys([*self.roots, *more.roots])), self.files | more.files)

    def _allows(self, resolved: Path) -> bool:
        return resolved in self.files or any(resolved.is_relative_to(root) for root in self.roots)

    def permits(self, path: str | Path) -> bool:
        resolved = _resolved(path)
        return resolved is not None and self._allows(resolved)

    def check(self, path: str | Path, *, field: str | None = None) -> Path:
        """The resolved path when it may be read; otherwise AccessDenied naming `path` as given."""
        resolved = _resolved(path)
        if resolved is None:
            raise AccessDenied("is not a path that can be opened", file=str(path), field=field)
        if self._allows(resolved):
            return resolved
        raise AccessDenied(f"is outside the folders csuite may read ({self.describe()}); allow its folder "
                           f"with --allow DIR or {ENV_VAR}", file=str(path), field=field)

    def describe(self) -> str:
        shown = [str(r) for r in self.roots]
        if self.files:
            shown.append(f"{len(self.files)} named file(s)")
        return ", ".join(shown) or "none"
