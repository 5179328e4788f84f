"""README stays true: the quick start's two commands, the CI script, the Python API example."""

import os
import re
import shlex
import subprocess
import sys

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section, re.S)


def test_quick_start_is_exactly_two_commands():
    commands = quick_start_commands()
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert commands[0].startswith("python -m pip install -e . && csuite ask ")
    assert commands[1].startswith("python -m pip install -e '.[dev]' && ")


def test_ci_runs_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quick_start_commands()[1] in ci


def test_main_job_runs_offline_on_the_example():
    main_job = quick_start_commands()[0].split(" && ", 1)[1]
    argv = shlex.split(main_job)
    assert argv[0] == "csuite"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    proc = subprocess.run([sys.executable, "-m", "csuite", *argv[1:]], capture_output=True, text=True,
                          cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "**BOTTOM LINE**" in proc.stdout and "🟢" in proc.stdout


def test_python_api_example_runs_and_its_comments_hold(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    block = README.split("## Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    # Every `print(...)  # expected` line in the README states what it prints.
    expected = [line.split("#", 1)[1].split("(", 1)[0].strip() for line in block.splitlines()
                if line.startswith("print(") and "#" in line]
    exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    stated = [p for p in printed if not p.startswith(("verified", "medium", "assumed"))]
    assert stated == expected == ["cco high", "585600.0", "cro"]


def test_every_csuite_command_in_readme_exists(run_cli):
    commands = set(re.findall(r"^csuite ([a-z]+)", README, re.M))
    assert commands >= {"ask", "route", "context", "decide", "tools", "tool", "eval"}
    for command in commands - {"mcp"}:
        result = run_cli(command, "--help")
        assert result.code == 0, command


def test_readme_forecast_figure_is_the_hand_weighted_pipeline():
    """585,600 = Σ amount × our default stage probability over the open deals the example
    pipeline closes in 2026-Q4 (past-due close dates count from the as-of date, still in Q4)."""
    import csv

    from csuite.knowledge.thresholds import section

    probability = section("revenue_forecast_model")["stage_probabilities"]["ours"]
    with open(ROOT / "examples" / "pipeline.csv", newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["stage"] in probability]
    in_q4 = [r for r in rows if r["close_date"] <= "2026-12-31"]
    assert sum(float(r["amount"]) * probability[r["stage"]] for r in in_q4) == 585_600
