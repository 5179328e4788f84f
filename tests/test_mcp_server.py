"""The MCP server through a real MCP client: in-process, and once over stdio in a subprocess.

Written against both SDK lines: mcp 2.x (`Client`, snake_case fields) and 1.x >= 1.24
(`create_connected_server_and_client_session`, camelCase fields).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from contextlib import asynccontextmanager

import anyio  # noqa: E402  (installed with mcp)
import pytest
from conftest import AS_OF, EXAMPLES, ROOT  # noqa: E402

from csuite.tools.registry import TOOLS  # noqa: E402
from csuite.tools.schemas import INPUT_ARGUMENTS, all_specs, call_tool  # noqa: E402

SPECS = all_specs()
ADVISOR_TOOLS = {"context_check", "route", "ask"}


def field(obj, snake: str):
    """A result field under its 2.x (snake_case) or 1.x (camelCase) name."""
    if hasattr(obj, snake):
        return getattr(obj, snake)
    head, *rest = snake.split("_")
    return getattr(obj, head + "".join(p.title() for p in rest))


def text_of(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


@pytest.fixture(scope="module")
def server():
    from csuite.mcp.server import build_server

    return build_server()


@asynccontextmanager
async def connected(server):
    try:
        from mcp import Client  # mcp >= 2
    except ImportError:
        from mcp.shared.memory import create_connected_server_and_client_session

        async with create_connected_server_and_client_session(server._mcp_server) as session:
            yield session
    else:
        async with Client(server) as client:
            yield client


def run(server, body):
    """Connect a client, run `await body(client)`, return what it returns."""
    async def main():
        async with connected(server) as client:
            return await body(client)
    return anyio.run(main)


def call(server, name: str, arguments: dict):
    return run(server, lambda c: c.call_tool(name, arguments))


# ------------------------------------------------------------------------------------------ tools

def test_lists_every_registry_tool_and_the_advisor_tools(server):
    listed = run(server, lambda c: c.list_tools())
    names = {t.name for t in listed.tools}
    assert ADVISOR_TOOLS <= names
    assert {s.name for s in SPECS} <= names
    assert set(TOOLS) <= names, f"registry tools not served: {set(TOOLS) - names}"


def test_registry_tool_schemas_come_from_the_options_models(server):
    listed = {t.name: t for t in run(server, lambda c: c.list_tools()).tools}
    for spec in SPECS:
        tool = listed[spec.name]
        schema = field(tool, "input_schema")
        assert set(schema["properties"]) == {*INPUT_ARGUMENTS, *spec.options.model_fields, "detail"}
        assert schema["additionalProperties"] is False
        assert field(tool, "output_schema")["type"] == "object"
        assert spec.summary in tool.description


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_call_each_tool_on_its_example(server, spec):
    sample = EXAMPLES / spec.sample
    result = call(server, spec.name, {"path": str(sample)})
    assert not field(result, "is_error"), text_of(result)
    structured = field(result, "structured_content")
    parsed = spec.result.model_validate(structured)
    direct = call_tool(spec.name, {"path": str(sample)})
    assert parsed.model_dump(mode="json") == direct.model_dump(mode="json")
    # The text is a summary for the reader, never the whole JSON again.
    from csuite.mcp.server import SUMMARY_MAX_CHARS

    text = text_of(result)
    flags = sum(len(f.message) + 16 for f in parsed.flags)
    assert len(text) <= SUMMARY_MAX_CHARS + flags + 200, len(text)
    assert text.splitlines()[0] in spec.render(direct)


def test_inline_rows_instead_of_a_file(server):
    csv_specs = [s for s in SPECS if s.sample and s.sample.endswith(".csv")]
    if not csv_specs:
        pytest.skip("no CSV tool has landed yet")
    spec = csv_specs[0]
    with open(EXAMPLES / spec.sample, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    result = call(server, spec.name, {"data": rows})
    assert not field(result, "is_error"), text_of(result)
    spec.result.model_validate(field(result, "structured_content"))


def _any_spec():
    if not SPECS:
        pytest.skip("no registry tool has landed yet")
    return SPECS[0]


def test_bad_arguments_are_tool_errors_and_the_server_keeps_serving(tmp_path):
    from csuite.mcp.server import build_server

    server = build_server(allow=[tmp_path])
    spec = _any_spec()
    sample = str(EXAMPLES / spec.sample)

    async def body(client):
        results = {
            "unknown option": await client.call_tool(spec.name, {"path": sample, "no_such_option": 1}),
            "wrong type": await client.call_tool(spec.name, {"path": 42}),
            "missing file": await client.call_tool(spec.name, {"path": str(tmp_path / "missing.csv")}),
            "no input": await client.call_tool(spec.name, {}),
            "both inputs": await client.call_tool(spec.name, {"path": sample, "data": [{"a": "1"}]}),
            "empty question": await client.call_tool("route", {"question": ""}),
        }
        still = await client.list_tools()
        return results, still

    results, still = run(server, body)
    for label, result in results.items():
        assert field(result, "is_error"), label
        assert "Traceback" not in text_of(result), label
    assert "no_such_option" in text_of(results["unknown option"])
    assert f"{tmp_path / 'missing.csv'}: no such file" in text_of(results["missing file"])
    assert "pass path" in text_of(results["no input"])
    assert "either path or data" in text_of(results["both inputs"])
    assert still.tools


def test_malformed_file_gives_the_cli_message(run_cli, tmp_path):
    from csuite.mcp.server import build_server

    server = build_server(allow=[tmp_path])
    spec = _any_spec()
    bad = tmp_path / f"{spec.name}_bad.csv"
    bad.write_bytes(b"\xff\xfe\x00garbage,\x00\n\x00\x01,\x02\n")
    cli = run_cli("tool", spec.name, bad)
    assert cli.code == 2
    prefix = f"csuite tool {spec.name}: error: "
    assert cli.err.startswith(prefix)
    message = cli.err.strip().removeprefix(prefix)
    result = call(server, spec.name, {"path": str(bad)})
    assert field(result, "is_error")
    assert text_of(result).endswith(message)


def test_context_check(server):
    result = call(server, "context_check", {"path": str(EXAMPLES / "company-context.md"), "as_of": AS_OF})
    assert not field(result, "is_error"), text_of(result)
    payload = field(result, "structured_content")
    from csuite.context.report import check_payload
    from csuite.io.values import parse_date

    assert payload == json.loads(json.dumps(check_payload(str(EXAMPLES / "company-context.md"),
                                                          parse_date(AS_OF)), default=str))
    assert payload["found"] and payload["as_of"] == AS_OF


def test_route(server):
    result = call(server, "route", {"question": "Will we hit the quarter with this pipeline?"})
    assert not field(result, "is_error"), text_of(result)
    assert field(result, "structured_content")["primary"] == "cro"


def test_ask(server):
    result = call(server, "ask", {"question": "Is our NRR real?", "context": str(EXAMPLES / "company-context.md"),
                                  "as_of": AS_OF})
    assert not field(result, "is_error"), text_of(result)
    answer = field(result, "structured_content")
    assert answer["role"] == "cco" and answer["bottom_line"]  # retention honesty is the CCO's question
    assert text_of(result).strip()


# ---------------------------------------------------------------------------------------- prompts

def test_prompts_one_per_role_and_a_review(server):
    from csuite.mcp.prompts import PROMPTS

    listed = {p.name: p for p in run(server, lambda c: c.list_prompts()).prompts}
    assert set(listed) == {p.name for p in PROMPTS} == {"cro_advisor", "cco_advisor", "two_role_review"}


@pytest.mark.parametrize("name", ["cro_advisor", "cco_advisor", "two_role_review"])
def test_get_prompt(server, name):
    arguments = {"question": "Should we raise prices 10% at renewal?",
                 "context_path": str(EXAMPLES / "company-context.md"), "as_of": AS_OF}
    result = run(server, lambda c: c.get_prompt(name, arguments))
    texts = [m.content.text for m in result.messages]
    assert texts and all(t.strip() for t in texts)
    assert "Should we raise prices 10% at renewal?" in "\n".join(texts)


def test_two_role_review_briefs_both_roles(server):
    arguments = {"question": "Should we move CSMs onto renewal quotas?", "lead": "cco",
                 "context_path": str(EXAMPLES / "company-context.md"), "as_of": AS_OF}
    result = run(server, lambda c: c.get_prompt("two_role_review", arguments))
    texts = [m.content.text for m in result.messages]
    assert len(texts) == 3 and all(m.role == "user" for m in result.messages)
    assert texts[0].startswith("# CCO brief") and texts[1].startswith("# CRO brief")
    assert "Ledgerline" in texts[0]                      # the founder's context is filled in
    assert "**CCO view**, then **CRO view**" in texts[2] and "renewal quotas" in texts[2]


def test_bad_prompt_arguments_are_errors_with_our_message(server):
    async def body(client):
        with pytest.raises(Exception) as bad_persona:
            await client.get_prompt("cro_advisor", {"question": "x", "persona": "pirate"})
        with pytest.raises(Exception) as bad_date:
            await client.get_prompt("cco_advisor", {"question": "x", "as_of": "31/31/2026"})
        ok = await client.get_prompt("cro_advisor", {"question": "x", "persona": "wolf"})
        return bad_persona.value, bad_date.value, ok

    bad_persona, bad_date, ok = run(server, body)
    assert "persona: choose one of rainmaker" in str(bad_persona)
    assert "as_of:" in str(bad_date)
    assert "The Wolf" in ok.messages[0].content.text


# -------------------------------------------------------------------------------------- resources

def test_resources_are_the_skill_files(server):
    from csuite.pack.bundle import file_bytes, pack_skills

    listed = {str(r.uri) for r in run(server, lambda c: c.list_resources()).resources}
    for skill in pack_skills():
        for relative in skill.files:
            assert f"skill://{skill.name}/{relative}" in listed
    assert {"skill://csuite-advisors/SKILL.md", "skill://cro-advisor/SKILL.md",
            "skill://chief-customer-officer-advisor/SKILL.md"} <= listed
    cro = next(s for s in pack_skills() if s.name == "cro-advisor")
    read = run(server, lambda c: c.read_resource("skill://cro-advisor/SKILL.md"))
    assert read.contents[0].text == file_bytes(cro, "SKILL.md").decode("utf-8")
    assert field(read.contents[0], "mime_type") == "text/markdown"


def test_unknown_resource_is_an_error_not_a_crash(server):
    async def body(client):
        with pytest.raises(Exception):
            await client.read_resource("skill://cro-advisor/no-such-file.md")
        return await client.list_resources()

    assert run(server, body).resources


# ---------------------------------------------------------------------------- process boundaries

def test_stdio_round_trip_in_a_subprocess():
    """`python -m csuite.mcp` as a host runs it: initialize, list, call a tool, read a resource."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "csuite.mcp"], cwd=str(ROOT),
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})

    async def main():
        with anyio.fail_after(120):
            return await session_calls()

    async def session_calls():
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = await session.list_tools()
                context = await session.call_tool(
                    "context_check", {"path": str(EXAMPLES / "company-context.md"), "as_of": AS_OF})
                tool_result = None
                if SPECS:
                    spec = SPECS[0]
                    tool_result = await session.call_tool(spec.name, {"path": str(EXAMPLES / spec.sample)})
                bad = await session.call_tool("context_check", {"as_of": "not a date"})
                resource = await session.read_resource("skill://csuite-advisors/SKILL.md")
                return tools, context, tool_result, bad, resource

    tools, context, tool_result, bad, resource = anyio.run(main)
    assert ADVISOR_TOOLS <= {t.name for t in tools.tools}
    assert not field(context, "is_error") and field(context, "structured_content")["found"]
    if tool_result is not None:
        assert not field(tool_result, "is_error"), text_of(tool_result)
        SPECS[0].result.model_validate(field(tool_result, "structured_content"))
    assert field(bad, "is_error")
    assert "name: csuite-advisors" in resource.contents[0].text


def test_python_m_csuite_mcp_help():
    result = subprocess.run([sys.executable, "-m", "csuite.mcp", "--help"], capture_output=True,
                            text=True, cwd=ROOT)
    assert result.returncode == 0 and "MCP" in result.stdout


def test_missing_mcp_is_one_clear_line(tmp_path):
    code = ("import sys; sys.modules['mcp'] = None\n"
            "from csuite.cli import main\n"
            "raise SystemExit(main(['mcp']))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == ["csuite mcp: error: the MCP server needs the mcp package: pip install "
                     "'csuite-advisors[mcp]' (or pip install 'mcp>=1.24,<3')"]


def test_mcp_command_is_registered(run_cli):
    result = run_cli("mcp", "--help")
    assert result.code == 0 and "stdio" in result.out
