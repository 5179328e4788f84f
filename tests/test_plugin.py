"""The Claude Code plugin and marketplace files have the shape Claude Code loads.

Rules from ../shared/notes/agent-skills-and-mcp.md (Claude Code plugins-reference and
plugin-marketplaces): `name` kebab-case and required; a wrong type is an error that stops the
plugin loading; component paths start with `./`; a root SKILL.md beside `skills/` loads only with
`"skills": ["./"]`; MCP servers come from `.mcp.json` (default scan) or `mcpServers`.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import ROOT

KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PLUGIN_FIELDS = {  # field -> allowed JSON types (unknown fields only warn, wrong types fail)
    "name": (str,), "version": (str,), "description": (str,), "author": (dict,),
    "homepage": (str,), "repository": (str,), "license": (str,), "keywords": (list,),
    "skills": (str, list), "commands": (str, list), "agents": (str, list), "hooks": (str, dict, list),
    "mcpServers": (str, dict, list), "outputStyles": (str, list), "lspServers": (str, dict, list),
}
RESERVED_MARKETPLACE_NAMES = {"claude-plugins-official", "anthropic-plugins", "agent-skills",
                              "claude-code-marketplace", "claude-code-plugins", "anthropic-marketplace"}


def load(relative: str) -> dict:
    return json.loads((ROOT / relative).read_text(encoding="utf-8"))


def _paths(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []


def test_plugin_json_shape():
    plugin = load(".claude-plugin/plugin.json")
    assert KEBAB.match(plugin["name"])
    for key, value in plugin.items():
        assert key in PLUGIN_FIELDS, f"unknown plugin.json field {key}"
        assert isinstance(value, PLUGIN_FIELDS[key]), f"{key} has the wrong type"
    assert all(isinstance(k, str) for k in plugin["keywords"])
    assert isinstance(plugin["author"]["name"], str)
    for key in ("skills", "commands", "agents", "mcpServers", "hooks", "outputStyles"):
        for path in _paths(plugin.get(key)):
            assert path.startswith("./"), f"{key} path {path} must start with ./"
            assert (ROOT / path).exists(), f"{key} path {path} does not exist"


def test_plugin_version_matches_the_package():
    from csuite import __version__

    assert load(".claude-plugin/plugin.json")["version"] == __version__


def test_plugin_loads_the_root_skill_and_both_role_skills():
    plugin = load(".claude-plugin/plugin.json")
    # The root SKILL.md sits beside skills/: only "./" in `skills` makes Claude Code load it.
    assert "./" in _paths(plugin["skills"])
    assert (ROOT / "SKILL.md").is_file()
    # skills/<name>/SKILL.md is Claude Code's default scan; both role skills must be there.
    for role_skill in ("cro-advisor", "chief-customer-officer-advisor"):
        assert (ROOT / "skills" / role_skill / "SKILL.md").is_file()


def test_plugin_starts_the_mcp_server_from_its_own_folder():
    """The plugin's server is launched relative to the plugin (no `csuite` needed on PATH)."""
    plugin = load(".claude-plugin/plugin.json")
    config_path = plugin.get("mcpServers", "./.mcp.json")
    assert isinstance(config_path, str)
    server = load(config_path)["mcpServers"]["csuite"]
    assert server["command"] == "python3"
    assert server["args"][0] == "${CLAUDE_PLUGIN_ROOT}/bin/csuite-mcp"
    assert (ROOT / "bin" / "csuite-mcp").stat().st_mode & 0o111, "the launcher must be executable"


def _manifest_launch(data_dir, path_dirs):
    """The command, arguments and environment Claude Code builds from .mcp.json."""
    import os

    server = load(load(".claude-plugin/plugin.json")["mcpServers"])["mcpServers"]["csuite"]
    values = {"${CLAUDE_PLUGIN_ROOT}": str(ROOT), "${CLAUDE_PLUGIN_DATA}": str(data_dir)}

    def expand(text: str) -> str:
        for name, value in values.items():
            text = text.replace(name, value)
        return text

    path = os.pathsep.join(str(p) for p in path_dirs)
    env = {"PATH": path, "HOME": str(data_dir), "LANG": "C.UTF-8"}
    assert shutil.which("csuite", path=path) is None, "csuite must not be on the test PATH"
    return shutil.which(server["command"], path=path), [expand(a) for a in server["args"]], env


def _session(command, args, env, cwd):
    """initialize, list tools, run route and context_check through the official mcp client."""
    import anyio
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=command, args=args, env=env, cwd=str(cwd))

    async def main():
        with anyio.fail_after(120):
            async with stdio_client(params) as (read, write):
                async with ClientSession(read, write) as session:
                    init = await session.initialize()
                    tools = await session.list_tools()
                    routed = await session.call_tool("route", {"question": "Will we hit the quarter?"})
                    return init, tools, routed

    return anyio.run(main)


def _check_session(init, tools, routed):
    from csuite import __version__

    info = getattr(init, "server_info", None) or init.serverInfo
    assert info.name == "csuite-advisors" and info.version == __version__
    assert {"ask", "route", "context_check"} <= {t.name for t in tools.tools}
    structured = getattr(routed, "structured_content", None) or routed.structuredContent
    assert structured["primary"] == "cro"


def test_manifest_launch_uses_the_python_that_has_the_engine(tmp_path):
    """`python3` on PATH is a Python with the engine installed (a user's own install): the launcher
    runs the server with it, from a folder without the checkout and without `csuite` on PATH."""
    import sys

    shim_dir = tmp_path / "bin"
    shim_dir.mkdir()
    shim = shim_dir / "python3"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    command, args, env = _manifest_launch(tmp_path / "data", [shim_dir, "/usr/bin", "/bin"])
    assert command == str(shim)
    _check_session(*_session(command, args, env, elsewhere))
    assert not (tmp_path / "data" / "venv").exists()  # nothing was built


@pytest.mark.skipif(shutil.which("python3", path="/usr/bin:/bin") is None, reason="no system python3")
def test_manifest_launch_honours_csuite_python(tmp_path):
    """The system python3 (no engine, no pydantic) runs the launcher; CSUITE_PYTHON names the
    interpreter that has the engine, and the server starts with it, building nothing."""
    import sys

    command, args, env = _manifest_launch(tmp_path / "data", ["/usr/bin", "/bin"])
    env["CSUITE_PYTHON"] = sys.executable
    _check_session(*_session(command, args, env, tmp_path))
    assert not (tmp_path / "data" / "venv").exists()


def test_pyproject_declares_the_console_script_the_plugin_runs():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'csuite = "csuite.cli:run"' in text


def test_marketplace_json_shape():
    market = load(".claude-plugin/marketplace.json")
    plugin = load(".claude-plugin/plugin.json")
    assert KEBAB.match(market["name"]) and market["name"] not in RESERVED_MARKETPLACE_NAMES
    assert isinstance(market["owner"], dict) and isinstance(market["owner"]["name"], str)
    assert isinstance(market["plugins"], list) and market["plugins"]
    entry = market["plugins"][0]
    assert entry["name"] == plugin["name"]
    assert isinstance(entry["description"], str) and entry["description"]
    source = entry["source"]
    assert isinstance(source, (str, dict))
    if isinstance(source, str):
        assert source.startswith("./")
        assert (ROOT / source / ".claude-plugin" / "plugin.json").is_file()
    names = [p["name"] for p in market["plugins"]]
    assert len(names) == len(set(names))


@pytest.mark.skipif(shutil.which("claude") is None, reason="Claude Code CLI not installed")
def test_claude_plugin_validate():  # pragma: no cover - only where Claude Code is installed
    import subprocess

    result = subprocess.run(["claude", "plugin", "validate", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------ docs/integrations.md stays true

DOC = ROOT / "docs" / "integrations.md"


def _blocks(language: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.M | re.S)


def test_doc_csuite_commands_parse():
    from csuite.cli import build_parser

    commands = [line.split("#", 1)[0].strip() for block in _blocks("bash") for line in block.splitlines()]
    commands = [c for c in commands if c.startswith("csuite ")]
    assert len(commands) >= 10
    parser = build_parser()
    for command in commands:
        args = parser.parse_args(command.split()[1:])
        assert callable(args.func), command


def test_doc_host_configs_start_the_installed_server():
    import tomllib

    server = {"command": "csuite", "args": ["mcp"]}
    json_blocks = [json.loads(b) for b in _blocks("json")]
    hosts = [b for b in json_blocks if "mcpServers" in b]
    assert hosts and all(b["mcpServers"]["csuite"] == server for b in hosts)
    toml = tomllib.loads(_blocks("toml")[0])
    assert toml["mcp_servers"]["csuite"] == server
    text = DOC.read_text(encoding="utf-8")
    assert "claude mcp add csuite -- csuite mcp" in text
    assert '"command": "csuite", "args": ["mcp"]' in text      # SDK snippets start the same server


def test_doc_plugin_install_line_matches_the_manifests():
    plugin, market = load(".claude-plugin/plugin.json"), load(".claude-plugin/marketplace.json")
    assert f"/plugin install {plugin['name']}@{market['name']}" in DOC.read_text(encoding="utf-8")


def test_doc_names_the_real_zips_and_resources():
    from csuite.pack.bundle import pack_skills

    text = DOC.read_text(encoding="utf-8")
    skills = {s.name: s for s in pack_skills()}
    for name in re.findall(r"dist/skills/([a-z0-9-]+)\.zip", text):
        assert name in skills
    assert {re.findall(r"dist/skills/([a-z0-9-]+)\.zip", text).count(n) for n in skills} == {1}
    for name, relative in re.findall(r"skill://([a-z0-9-]+)/([\w./-]+)", text):
        if "<" not in name:
            assert relative in skills[name].files, f"skill://{name}/{relative}"


def test_doc_python_snippets_compile_and_the_offline_one_runs():
    from types import SimpleNamespace

    blocks = _blocks("python")
    assert len(blocks) >= 4
    for block in blocks:
        compile(block, str(DOC), "exec")
    offline = next(b for b in blocks if "call_tool" in b and "def tool_result" in b)
    namespace: dict = {}
    exec(compile(offline, str(DOC), "exec"), namespace)
    from csuite.tools.schemas import all_specs

    specs = all_specs()
    if not specs:
        pytest.skip("no registry tool has landed yet")
    spec = specs[0]
    assert spec.name in {t["name"] for t in namespace["TOOLS"]}
    ok = namespace["tool_result"](SimpleNamespace(id="toolu_1", name=spec.name,
                                                  input={"path": str(ROOT / "examples" / spec.sample)}))
    assert ok["tool_use_id"] == "toolu_1" and "is_error" not in ok
    assert json.loads(ok["content"]) == spec.run(ROOT / "examples" / spec.sample,
                                                 spec.options()).model_dump(mode="json")
    bad = namespace["tool_result"](SimpleNamespace(id="toolu_2", name=spec.name, input={"path": "nope.csv"}))
    assert bad["is_error"] is True and bad["content"] == "nope.csv: no such file"


def _launcher():
    """bin/csuite-mcp loaded as a module (it has no .py suffix: it is run as a script)."""
    import importlib.machinery
    import importlib.util

    loader = importlib.machinery.SourceFileLoader("csuite_mcp_launcher", str(ROOT / "bin" / "csuite-mcp"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_launcher_data_folder_and_stamp(tmp_path, monkeypatch):
    launcher = _launcher()
    # A host that does not substitute ${CLAUDE_PLUGIN_DATA} passes it literally: use the cache.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert launcher.data_dir("${CLAUDE_PLUGIN_DATA}") == tmp_path / "cache" / "csuite-advisors"
    assert launcher.data_dir(None) == tmp_path / "cache" / "csuite-advisors"
    assert launcher.data_dir(str(tmp_path / "d")) == tmp_path / "d"
    # A built environment is used only while it matches this plugin folder and its pyproject.
    venv = tmp_path / "d" / "venv"
    python = launcher.venv_python(venv)
    python.parent.mkdir(parents=True)
    python.write_text("", encoding="utf-8")
    assert launcher.built_venv(tmp_path / "d") is None                       # no stamp yet
    (venv / launcher.STAMP).write_text("elsewhere\nstale\n", encoding="utf-8")
    assert launcher.built_venv(tmp_path / "d") is None                       # another build
    (venv / launcher.STAMP).write_text(launcher.plugin_stamp(), encoding="utf-8")
    assert launcher.built_venv(tmp_path / "d") == str(python)


@pytest.mark.skipif(shutil.which("python3", path="/usr/bin:/bin") is None, reason="no system python3")
def test_launcher_refuses_a_missing_csuite_python(tmp_path):
    import subprocess

    done = subprocess.run(["python3", str(ROOT / "bin" / "csuite-mcp"), "--setup"], capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                          "CSUITE_PYTHON": str(tmp_path / "no-python")})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == f"csuite-mcp: error: CSUITE_PYTHON={tmp_path / 'no-python'} is not an executable Python"
