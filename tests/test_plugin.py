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


def test_plugin_starts_the_mcp_server():
    plugin = load(".claude-plugin/plugin.json")
    config_path = plugin.get("mcpServers", "./.mcp.json")
    assert isinstance(config_path, str)
    config = load(config_path)
    server = config["mcpServers"]["csuite"]
    assert server["command"] == "csuite" and server["args"] == ["mcp"]
    # The command is our console script and `mcp` is one of its commands.
    from csuite.cli import build_parser

    args = build_parser().parse_args(server["args"])
    assert args.command == "mcp" and callable(args.func)


def test_pyproject_declares_the_console_script_the_plugin_runs():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'csuite = "csuite.cli:main"' in text


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


def test_doc_host_configs_match_the_repo_config():
    import tomllib

    server = load(".mcp.json")["mcpServers"]["csuite"]
    json_blocks = [json.loads(b) for b in _blocks("json")]
    assert json_blocks and all(b["mcpServers"]["csuite"] == server for b in json_blocks)
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
