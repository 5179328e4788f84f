"""Every registry tool through both front ends: --help, the bundled sample, --json, bad input."""

import json
import subprocess
import sys

import pytest

from csuite.tools.registry import TOOLS, get_tool
from tests.conftest import AS_OF, ROOT

NAMES = sorted(TOOLS)


def test_tools_list(run_cli):
    result = run_cli("tools", "list", "--json")
    assert result.code == 0
    assert sorted(t["name"] for t in json.loads(result.out)) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_help_works_for_every_tool(run_cli, name):
    result = run_cli("tool", name, "--help")
    assert result.code == 0 and "usage:" in result.out and "--json" in result.out


@pytest.mark.parametrize("name", NAMES)
def test_sample_runs_and_json_is_clean(run_cli, name):
    spec = get_tool(name)
    args = ["tool", name, "--json"]
    if "as_of" in spec.options.model_fields:
        args += ["--as-of", AS_OF]
    result = run_cli(*args)
    if result.code == 2 and "as-of" in result.err:  # a sample whose input kind is not dated
        result = run_cli("tool", name, "--json")
    assert result.code == 0, result.err
    json.loads(result.out)
    assert "bundled sample" in result.err


@pytest.mark.parametrize("name", NAMES)
def test_script_file_runs_with_plain_python(name):
    proc = subprocess.run([sys.executable, f"scripts/{name}.py", "--help"], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 0 and f"{name}.py" in proc.stdout


@pytest.mark.parametrize("name", NAMES)
def test_missing_input_file_is_one_line_exit_2(run_cli, name, tmp_path):
    result = run_cli("tool", name, tmp_path / "nope.csv")
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1
    assert "nope.csv" in result.err and "Traceback" not in result.err


def test_unknown_tool_is_usage_error(run_cli):
    result = run_cli("tool", "magic_8_ball")
    assert result.code == 2 and "unknown tool" in result.err


def test_sample_is_used_only_for_a_bare_call():
    from csuite.tools.base import sample_source

    spec = get_tool("cs_next_hire")  # can run on options alone
    assert spec.input_required is False
    assert sample_source(spec, spec.options()) is not None
    assert sample_source(spec, spec.options(as_of="2026-11-23")) is not None  # a date is not data
    assert sample_source(spec, spec.options(customers=40)) is None  # the founder's flags, not the sample's
    forecast = get_tool("revenue_forecast_model")  # needs input: the sample stands in for it
    assert sample_source(forecast, forecast.options(quota=600000)) is not None


def test_one_name_per_concept_and_old_flags_still_work(run_cli):
    """--period is the reporting period and --window the trailing window in every tool; the old
    spellings (--quarter, --end, --window-months) work for a release, hidden from --help."""
    import json

    new = run_cli("tool", "revenue_metrics", "--period", "2026-Q1", "--json")
    old = run_cli("tool", "revenue_metrics", "--quarter", "2026-Q1", "--json")
    assert new.code == old.code == 0 and json.loads(new.out)["quarter"] == json.loads(old.out)["quarter"] == "2026-Q1"
    helptext = run_cli("tool", "revenue_metrics", "--help").out
    assert "--period" in helptext and "--quarter" not in helptext
    snapshots = str(__import__("tests.conftest", fromlist=["EXAMPLES"]).EXAMPLES / "revenue_snapshots.csv")
    new = run_cli("tool", "retention_decomposition_analyzer", snapshots, "--window", "6", "--period", "2026-09", "--json")
    old = run_cli("tool", "retention_decomposition_analyzer", snapshots, "--window-months", "6", "--end", "2026-09",
                  "--json")
    assert new.code == old.code == 0
    assert json.loads(new.out)["nrr"] == json.loads(old.out)["nrr"] and json.loads(new.out)["window"]["end"] == "2026-09"
    helptext = run_cli("tool", "retention_decomposition_analyzer", "--help").out
    assert "--window " in helptext and "--window-months" not in helptext and "--end" not in helptext
    assert "--window" in run_cli("tool", "churn_analyzer", "--help").out


def test_tool_summaries_are_defined_once():
    from csuite.tools.registry import TOOLS, get_tool

    for name, entry in TOOLS.items():
        assert get_tool(name).summary == entry.summary, name


def test_json_output_is_the_models_own_json_whatever_stdout_is(monkeypatch):
    # print_json writes a model's UTF-8 bytes straight to a UTF-8 stdout; any other stdout gets the
    # same text through its own encoder. Either way the output is model_dump_json(indent=2).
    import io

    from csuite.cli.common import print_json
    from csuite.tools.retention_decomposition_analyzer import RetentionOptions, run

    result = run(ROOT / "examples" / "revenue_snapshots.csv", RetentionOptions())
    expected = result.model_dump_json(indent=2) + "\n"
    assert "→" in expected  # the window label: not ASCII
    for encoding in ("utf-8", "utf-16", None):
        stream = io.StringIO() if encoding is None else io.TextIOWrapper(io.BytesIO(), encoding=encoding)
        monkeypatch.setattr(sys, "stdout", stream)
        print("before", end="|")
        print_json(result)
        stream.flush()
        text = stream.getvalue() if encoding is None else stream.buffer.getvalue().decode(encoding)
        assert text == "before|" + expected


def test_scripts_enter_through_run_script_which_imports_with_the_collector_paused(monkeypatch):
    """Every scripts/NAME.py calls csuite.cli.run_script, which imports the tool command line with
    the collector off and sets what the imports made aside before the tool runs."""
    import contextlib

    import csuite.cli as cli
    import csuite.cli.tool_script as tool_script
    import csuite.io.bulk as bulk

    for path in sorted((ROOT / "scripts").glob("*.py")):
        assert f'run_script("{path.stem}")' in path.read_text(encoding="utf-8"), path.name
    events: list[str] = []

    @contextlib.contextmanager
    def paused(**kwargs):  # records the pause; freezing this test process would outlive the test
        events.append(f"paused keep={kwargs.get('keep', False)}")
        yield

    monkeypatch.setattr(bulk, "collector_paused", paused)
    monkeypatch.setattr(tool_script, "script_main", lambda name: events.append(name))
    cli.run_script("revenue_metrics")
    assert events == ["paused keep=True", "revenue_metrics"]
