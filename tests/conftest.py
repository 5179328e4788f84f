"""Shared fixtures: the repo root, the bundled examples, and a runner for the real CLI entry point."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from csuite.cli import main as csuite_main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"
AS_OF = "2026-11-23"


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
