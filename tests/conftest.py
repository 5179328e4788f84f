"""Shared fixtures: the repo root, the bundled examples, and a runner for the real CLI entry point."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from csuite.cli import main as csuite_main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"
AS_OF = "2026-11-23"


def write_file(tmp_path: Path, content: str | bytes, name: str, encoding: str = "utf-8") -> Path:
    """Write a test input file: text in `encoding` (UTF-8 unless a test wants cp1252 or UTF-16),
    bytes exactly as given."""
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return path


def writer(default_name: str) -> Callable[..., Path]:
    """A module's `write(tmp_path, content, name=default_name, encoding="utf-8")`: the one helper
    the tool tests share, with the file name their inputs usually have."""

    def write(tmp_path: Path, content: str | bytes, name: str = default_name, encoding: str = "utf-8") -> Path:
        return write_file(tmp_path, content, name, encoding)

    return write


@pytest.fixture(autouse=True)
def _no_real_api(monkeypatch):
    """No test may reach the real Anthropic API, whatever the developer's shell exports:
    tests that exercise the Claude path point the SDK at a local fake server themselves."""
    import os

    for name in list(os.environ):
        if name.startswith("ANTHROPIC_") or name in ("CSUITE_MODEL", "CSUITE_FAST_MODEL"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True, scope="session")
def _from_the_repo_root():
    """Every test starts in the repository's root, where the README runs its commands: a founder's
    files are read only inside the folder csuite runs in, and tests name the bundled examples
    as a user types them. `python -m pytest /path/to/tests` from elsewhere then gives the same
    result; a test that needs another folder changes to it itself. Session-wide, so advisors
    that module fixtures make (and keep) are made here too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        yield


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys):
    """Run `csuite ARGS...` in-process through the real entry point; returns code, stdout, stderr."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        try:
            code = csuite_main([str(a) for a in args])
        except SystemExit as exc:  # argparse exits on --help and usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
