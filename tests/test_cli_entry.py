"""The installed `csuite` command enters through `csuite.cli:run`, which sets what is alive aside
once the command is done, so the interpreter's closing collections skip it."""

from __future__ import annotations

import gc
import subprocess
import sys
import tomllib

from conftest import ROOT

import csuite.cli as cli


def test_the_installed_command_and_python_m_enter_through_run():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["csuite"] == "csuite.cli:run"
    assert "SystemExit(run())" in (ROOT / "csuite" / "__main__.py").read_text(encoding="utf-8")


def test_run_returns_the_commands_code_and_sets_what_is_alive_aside(monkeypatch):
    monkeypatch.setattr(cli, "main", lambda: 3)
    gc.unfreeze()
    try:
        assert cli.run() == 3
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_output_and_exit_code_survive_the_set_aside_ending():
    done = subprocess.run([sys.executable, "-m", "csuite", "route", "Will we make the quarter?", "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"primary": "cro"' in done.stdout
    bad = subprocess.run([sys.executable, "-m", "csuite", "ask", "  ", "--offline"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and bad.stderr.strip() == "csuite ask: error: the question is empty"
