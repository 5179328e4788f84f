"""README stays true: the quick start's two commands, the CI script, the Python API example."""

import json
import os
import re
import shlex
import subprocess
import sys

import pytest

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")

try:  # Imported now, not first inside a test: `stdio_client` binds `errlog=sys.stderr` when it is
    import mcp.client.stdio  # noqa: F401  defined, and a test's captured stderr is closed after it.
except ImportError:
    pass


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section, re.S)


VENV = "python3 -m venv .venv && . .venv/bin/activate && "


def test_quick_start_is_exactly_two_commands():
    commands = quick_start_commands()
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    # Each makes and activates its own environment first: nothing is installed into a system
    # Python that PEP 668 marks externally managed.
    assert commands[0].startswith(VENV + "python -m pip install -e '.[rich]' && csuite ask ")
    assert commands[1] == VENV + "python -m pip install -e '.[dev]' && python -m pytest"


def test_ci_runs_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quick_start_commands()[1] in ci.splitlines()


@pytest.mark.skipif(not os.path.exists("/usr/bin/python3"), reason="no system python3 here")
def test_the_venv_part_works_on_the_system_python(tmp_path):
    """The commands' first steps under the stock interpreter (PATH without any other Python):
    the environment is made and activated, and its pip is the one that installs."""
    shell = VENV + 'python -c "import sys; print(sys.prefix)" && python -m pip --version'
    done = subprocess.run(["bash", "-c", shell], cwd=tmp_path, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    prefix, pip = done.stdout.splitlines()[:2]
    assert prefix == str(tmp_path / ".venv") and str(tmp_path / ".venv") in pip


def test_main_job_runs_offline_on_the_example():
    main_job = quick_start_commands()[0].split(" && ")[-1]
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


# --------------------------------------------------------------------------- "Use it from…"

def use_block(heading: str, language: str) -> str:
    """The one `language` code block under `### heading` in the "Use it from…" section."""
    section = README.split("## Use it from…", 1)[1].split("\n## ", 1)[0]
    part = section.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(rf"```{language}\n(.+?)```", part, re.S)
    assert len(blocks) == 1, (heading, language)
    return blocks[0]


@pytest.fixture
def csuite_on_path(tmp_path, monkeypatch):
    """`csuite` on PATH runs this checkout, as it does after the quick start's install."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "csuite"
    shim.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m csuite "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(ROOT)
    return shim


def test_use_from_claude_code_lines_match_the_plugin(run_cli, tmp_path):
    import json

    plugin = json.loads((ROOT / ".claude-plugin" / "plugin.json").read_text(encoding="utf-8"))
    market = json.loads((ROOT / ".claude-plugin" / "marketplace.json").read_text(encoding="utf-8"))
    lines = use_block("Claude Code", "text").splitlines()
    assert lines[1] == f"/plugin install {plugin['name']}@{market['name']}"
    assert lines[0].startswith("/plugin marketplace add ")
    section = README.split("### Claude Code", 1)[1].split("### ", 1)[0]
    assert "`claude mcp add csuite -- csuite mcp`" in section
    from csuite.cli import build_parser

    assert build_parser().parse_args(["mcp"]).command == "mcp"
    # The launcher's --setup, as the section gives it, with an interpreter that has the engine.
    done = subprocess.run(["python3", str(ROOT / "bin" / "csuite-mcp"), "--setup", "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, env={**os.environ, "CSUITE_PYTHON": sys.executable})
    assert done.returncode == 0 and "ready" in done.stderr, done.stderr


def test_use_from_claude_ai_packages_the_zips(run_cli, tmp_path):
    argv = shlex.split(use_block("Claude.ai", "bash").strip())
    assert argv[:3] == ["csuite", "package", "--out"]
    result = run_cli(*argv[1:3], tmp_path)
    assert result.code == 0, result.err
    from csuite.pack.bundle import pack_skills

    assert sorted(p.name for p in tmp_path.glob("*.zip")) == sorted(f"{s.name}.zip" for s in pack_skills())


def test_use_from_mcp_clients(csuite_on_path, capfd):
    import json

    config = json.loads(use_block("MCP clients", "json"))
    assert config == {"mcpServers": {"csuite": {"command": "csuite", "args": ["mcp"]}}}
    exec(compile(use_block("MCP clients", "python"), "README.md", "exec"), {"__name__": "readme"})
    printed = capfd.readouterr().out
    assert printed.startswith("Pipeline forecast for 2026-Q4") and "585,600" in printed


def test_use_from_langchain(capsys, monkeypatch):
    pytest.importorskip("langchain_core", reason="langchain-core is not installed")
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "readme"}
    exec(compile(use_block("LangChain", "python"), "README.md", "exec"), namespace)
    assert capsys.readouterr().out.strip() == "585600.0"   # as the comment says (hand check: test above)
    # What a chat model is given for each tool converts to a strict OpenAI tool as it stands.
    from langchain_core.utils.function_calling import convert_to_openai_tool

    for tool in namespace["tools"]:
        converted = convert_to_openai_tool(tool, strict=True)["function"]
        assert converted["strict"] is True and converted["parameters"]["additionalProperties"] is False


def test_use_from_openai_agents_sdk(csuite_on_path, capfd, monkeypatch):
    """The snippet as written, with only the hosted model replaced: the agent connects to the
    server, gets every tool as a strict function tool, and one tool call runs."""
    agents = pytest.importorskip("agents", reason="openai-agents is not installed")
    from types import SimpleNamespace

    from agents import FunctionTool, RunContextWrapper

    seen = {}

    async def fake_run(agent, question):
        tools = await agent.get_all_tools(RunContextWrapper(context=None))
        seen["tools"] = {t.name: t for t in tools if isinstance(t, FunctionTool)}
        result = await agent.mcp_servers[0].call_tool("route", {"question": question})
        return SimpleNamespace(final_output=result.content[0].text)

    monkeypatch.setattr(agents.Runner, "run", staticmethod(fake_run))
    exec(compile(use_block("OpenAI Agents SDK", "python"), "README.md", "exec"), {"__name__": "readme"})
    assert {"ask", "route", "revenue_forecast_model", "churn_analyzer"} <= set(seen["tools"])
    assert all(tool.strict_json_schema for tool in seen["tools"].values())
    assert capfd.readouterr().out.startswith("CRO answers")


def test_use_from_pydantic_ai(csuite_on_path, capfd, monkeypatch):
    """The snippet with pydantic-ai's TestModel in place of Claude: the agent lists the server's
    tools and really calls `route` over MCP."""
    pytest.importorskip("pydantic_ai", reason="pydantic-ai is not installed")
    from pydantic_ai.messages import ToolReturnPart
    from pydantic_ai.models.test import TestModel

    monkeypatch.setenv("ANTHROPIC_API_KEY", "unused: the model is replaced below")
    source = use_block("Pydantic AI", "python")
    setup, run_line = source.split("result = ", 1)
    namespace: dict = {"__name__": "readme"}
    exec(compile(setup, "README.md", "exec"), namespace)
    agent = namespace["agent"]
    with agent.override(model=TestModel(call_tools=["route"])):
        exec(compile("result = " + run_line, "README.md", "exec"), namespace)
    returns = [part for message in namespace["result"].all_messages() for part in message.parts
               if isinstance(part, ToolReturnPart)]
    assert [part.tool_name for part in returns] == ["route"]
    assert capfd.readouterr().out.strip()


# --------------------------------------------------------------------------- "What an answer looks like"

def _answer_examples() -> list[tuple[list[str], str]]:
    """(argv, printed text) for each `csuite ask` command in the section and the text block after it."""
    section = README.split("## What an answer looks like", 1)[1].split("\n## ", 1)[0]
    pairs = re.findall(r"```bash\ncsuite (ask .+?)\n```\s+.*?```text\n(.+?)\n```", section, re.S)
    return [(shlex.split(command), text) for command, text in pairs]


def test_the_answer_section_shows_both_languages():
    examples = _answer_examples()
    assert len(examples) == 2
    assert [argv[1] for argv in (e[0] for e in examples)] == [
        "Will we hit our Q4 target of $900K new ARR?", "第四季度90万美元的新增ARR目标能完成吗？"]


@pytest.mark.parametrize("argv, printed", _answer_examples(), ids=["en", "zh"])
def test_the_answer_section_prints_what_csuite_ask_prints(run_cli, argv, printed):
    """The excerpts are the real output, word for word: a change to the answer shows up here."""
    result = run_cli(*argv)
    assert result.code == 0, result.err
    assert printed in result.out


def test_the_understood_block_is_what_json_carries(run_cli):
    argv = _answer_examples()[0][0]
    shown = README.split('"understood": ', 1)[1].split("\n```", 1)[0]
    result = run_cli(*argv, "--format", "json")
    assert json.loads(result.out)["understood"] == json.loads(shown)
