"""What an MCP host shows and relies on, through the official mcp client: titles and annotations,
the server version, short text results, one-line errors, strict-mode schemas, typed inline data,
and a server that answers malformed lines and oversized questions instead of going quiet.
"""

from __future__ import annotations

import csv
import json
import os
import sys

import anyio
import pytest
import yaml
from conftest import AS_OF, EXAMPLES, ROOT
from test_mcp_server import call, field, run, text_of

from csuite import __version__
from csuite.mcp import schemas
from csuite.mcp.server import QUESTION_MAX_CHARS, SUMMARY_MAX_CHARS
from csuite.tools.registry import get_tool
from csuite.tools.schemas import all_specs, call_tool

SPECS = all_specs()


@pytest.fixture(scope="module")
def server():
    from csuite.mcp.server import build_server

    return build_server()


def listed_tools(server):
    return {t.name: t for t in run(server, lambda c: c.list_tools()).tools}


def is_strict(schema) -> list[str]:
    """Where a schema breaks OpenAI strict mode: an object that is open or has optional keys."""
    problems = []

    def visit(node, where):
        if isinstance(node, dict):
            if node.get("type") == "object" or "properties" in node:
                if node.get("additionalProperties") is not False:
                    problems.append(f"{where}: additionalProperties is not false")
                if set(node.get("required", [])) != set(node.get("properties", {})):
                    problems.append(f"{where}: not every key is required")
            for key, value in node.items():
                visit(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                visit(value, f"{where}/{index}")

    visit(schema, "#")
    return problems


# ------------------------------------------------------------------- titles, hints, version

def test_every_tool_has_a_title_and_read_only_hints(server):
    for name, tool in listed_tools(server).items():
        assert tool.title and tool.title != name, name
        hints = tool.annotations
        assert hints is not None, name
        wire = hints.model_dump(by_alias=True, exclude_none=True)
        assert {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint", "title"} <= set(wire), name
        assert field(hints, "read_only_hint") is True, name
        assert field(hints, "open_world_hint") is False, name
        assert field(hints, "destructive_hint") is False, name


def test_titles_are_bilingual_in_yaml_and_cover_every_tool(server):
    from csuite.resources import load_data_yaml

    titles = load_data_yaml("tool_titles.yaml")
    assert set(titles) == set(listed_tools(server))
    assert all(set(t) == {"en", "zh"} and t["en"] and t["zh"] for t in titles.values())


def test_server_version_comes_from_the_package(server):
    import importlib.metadata

    Client = getattr(pytest.importorskip("mcp", reason="mcp is not installed"), "Client", None)
    if Client is None:
        pytest.skip("mcp 1.x has no in-process Client; test_plugin checks the version over stdio")

    async def body():
        async with Client(server, mode="legacy") as client:
            return client.server_info

    info = anyio.run(body)
    assert info.name == "csuite-advisors"
    assert info.version == importlib.metadata.version("csuite-advisors") == __version__


# ----------------------------------------------------------------------- short text results

def test_churn_result_text_is_a_summary_and_full_is_the_report(server):
    spec = get_tool("churn_analyzer")
    sample = str(EXAMPLES / "revenue_snapshots.csv")
    summary = call(server, spec.name, {"path": sample})
    full = call(server, spec.name, {"path": sample, "detail": "full"})
    direct = call_tool(spec.name, {"path": sample})
    whole_json = json.dumps(direct.model_dump(mode="json"), indent=2)
    assert len(whole_json) > 40_000                        # what the text used to repeat
    text = text_of(summary)
    assert len(text) < SUMMARY_MAX_CHARS + 800, len(text)
    assert "NRR 103.9%" in text and 'detail: "full"' in text
    assert text_of(full) == spec.render(direct).rstrip()    # the tables, on request
    for result in (summary, full):
        assert field(result, "structured_content") == direct.model_dump(mode="json")


def test_summary_keeps_whole_paragraphs_within_the_limit():
    from csuite.mcp.server import summary_text

    report = "first line\nsecond\n\n" + "b" * 50 + "\n\n" + "c" * 50
    assert summary_text(report, 80) == "first line\nsecond\n\n" + "b" * 50
    assert summary_text("a" * 100, 10) == "a" * 10 + "…"


def test_context_check_and_route_texts_are_short(server):
    context = call(server, "context_check", {"path": str(EXAMPLES / "company-context.md"), "as_of": AS_OF})
    text = text_of(context)
    structured = field(context, "structured_content")
    assert len(text) < len(json.dumps(structured)) / 2
    assert text.startswith("Context ") and f"{len(structured['alerts'])} alert(s)" in text
    routed = call(server, "route", {"question": "Will we hit the quarter with this pipeline?"})
    from csuite.knowledge.models import load_knowledge

    topic = field(routed, "structured_content")["topic"]
    title = next(t.title for t in load_knowledge("cro").topics if t.id == topic)
    assert text_of(routed) == f"CRO answers. Topic: {title}."          # the title, not the id


# ---------------------------------------------------------------------------- one-line errors

@pytest.mark.parametrize("arguments, expected", [
    ({"pth": "x.csv"}, "pth: Extra inputs are not permitted"),
    ({"path": 42}, "path: Input should be a valid string"),
    ({"path": "x.csv", "detail": "everything"}, "detail: Input should be 'summary' or 'full'"),
])
def test_bad_arguments_are_one_line_without_a_url(server, arguments, expected):
    result = call(server, "revenue_forecast_model", arguments)
    assert field(result, "is_error")
    text = text_of(result)
    assert "\n" not in text and "http" not in text and "validation error" not in text
    assert text == f"Error executing tool revenue_forecast_model: {expected}"


# -------------------------------------------------------------------------- strict schemas

def test_every_listed_input_schema_converts_to_strict(server):
    agents_strict = pytest.importorskip("agents.strict_schema", reason="openai-agents is not installed")
    for name, tool in listed_tools(server).items():
        # As the SDK converts MCP tools: open objects and unchecked references are refused.
        converted = agents_strict.ensure_strict_json_schema(field(tool, "input_schema"), _reject_open_objects=True)
        assert not is_strict(converted), name


def test_openai_format_is_the_responses_layout_and_strict(run_cli):
    result = run_cli("tools", "schema", "--format", "openai")
    assert result.code == 0, result.err
    tools = json.loads(result.out)
    assert [t["name"] for t in tools] == [s.name for s in SPECS]
    for tool in tools:
        assert set(tool) == {"type", "name", "description", "parameters", "strict"}
        assert tool["type"] == "function" and tool["strict"] is True
        assert not is_strict(tool["parameters"]), (tool["name"], is_strict(tool["parameters"]))
        assert '"default":' not in json.dumps(tool["parameters"])   # strict mode has no defaults


def test_a_strict_call_with_every_key_runs_like_the_cli():
    """A strict model sends every key, null for the ones it leaves at their default."""
    spec = get_tool("revenue_forecast_model")
    properties = schemas.openai_tool(spec)["parameters"]["properties"]
    arguments = dict.fromkeys(properties) | {"path": str(EXAMPLES / "pipeline.csv"), "as_of": AS_OF}
    got = schemas.call_tool(spec.name, arguments)
    expected = call_tool(spec.name, {"path": str(EXAMPLES / "pipeline.csv"), "as_of": AS_OF})
    assert got.model_dump(mode="json") == expected.model_dump(mode="json")


# ---------------------------------------------------------------------------- typed inline data

def _rows(name):
    with open(EXAMPLES / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("shape", ["table", "csv text", "rows (older shape)"])
def test_inline_data_shapes_give_the_file_result(server, shape):
    spec = get_tool("revenue_forecast_model")
    rows = _rows("pipeline.csv")
    columns = list(rows[0])
    data = {"table": {"columns": columns, "rows": [[r[c] for c in columns] for r in rows]},
            "csv text": (EXAMPLES / "pipeline.csv").read_text(encoding="utf-8"),
            "rows (older shape)": rows}[shape]
    result = call(server, spec.name, {"data": data, "as_of": AS_OF})
    assert not field(result, "is_error"), text_of(result)
    expected = call_tool(spec.name, {"path": str(EXAMPLES / "pipeline.csv"), "as_of": AS_OF}).model_dump(mode="json")
    got = field(result, "structured_content")
    assert got["weighted"] == expected["weighted"] and got["monte_carlo"] == expected["monte_carlo"]


def test_yaml_text_for_a_document_tool(server):
    text = (EXAMPLES / "cs_team.yaml").read_text(encoding="utf-8")
    result = call(server, "cs_next_hire", {"data": text})
    assert not field(result, "is_error"), text_of(result)
    expected = call_tool("cs_next_hire", {"data": yaml.safe_load(text)})
    assert field(result, "structured_content") == expected.model_dump(mode="json")


def test_ragged_table_is_one_clear_line(server):
    result = call(server, "revenue_forecast_model",
                  {"data": {"columns": ["deal_id", "amount"], "rows": [["d1", 10], ["d2"]]}})
    assert field(result, "is_error")
    assert text_of(result).endswith("data: row 2 has 1 values for 2 columns")


# ------------------------------------------------------------- the wire: stdio in a subprocess

def _server_env():
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _adapter():
    try:
        from mcp_types import jsonrpc_message_adapter  # mcp >= 2
        return jsonrpc_message_adapter.validate_json
    except ImportError:  # mcp 1.x
        from mcp.types import JSONRPCMessage
        return JSONRPCMessage.model_validate_json


async def _raw_then_client(raw_lines, client_body):
    """Start `python -m csuite.mcp`, write raw lines and collect their answers, then run the
    official ClientSession over the same pipes (a small line transport written here)."""
    from anyio.streams.buffered import BufferedByteReceiveStream
    from mcp import ClientSession
    from mcp.shared.message import SessionMessage

    process = await anyio.open_process([sys.executable, "-m", "csuite.mcp"], cwd=str(ROOT), env=_server_env())
    lines_in = BufferedByteReceiveStream(process.stdout)
    try:
        answers = []
        for raw in raw_lines:
            await process.stdin.send(raw + b"\n")
            answers.append(json.loads(await lines_in.receive_until(b"\n", 1 << 20)))
        to_client_send, to_client = anyio.create_memory_object_stream(16)
        from_client, from_client_receive = anyio.create_memory_object_stream(16)
        validate = _adapter()

        async def pump_out():
            async for message in from_client_receive:
                payload = message.message.model_dump_json(by_alias=True, exclude_unset=True)
                await process.stdin.send(payload.encode() + b"\n")

        async def pump_in():
            while True:
                line = await lines_in.receive_until(b"\n", 1 << 24)
                await to_client_send.send(SessionMessage(validate(line)))

        async with anyio.create_task_group() as group:
            group.start_soon(pump_out)
            group.start_soon(pump_in)
            async with ClientSession(to_client, from_client) as session:
                await session.initialize()
                outcome = await client_body(session)
            group.cancel_scope.cancel()
        return answers, outcome
    finally:
        process.terminate()
        await process.wait()


def test_malformed_lines_get_json_rpc_errors_and_the_server_keeps_serving():
    raw = [b'{"jsonrpc": "2.0", "id": 1, "method": ',            # cut off: not JSON
           b'[{"jsonrpc": "2.0", "id": 2, "method": "ping"}]',     # a batch
           b'"hello"',                                              # JSON, not a message
           b'{"jsonrpc": "2.0", "id": 7, "methd": "tools/list"}']  # an object, not JSON-RPC

    async def body(session):
        return await session.list_tools()

    async def main():
        with anyio.fail_after(120):
            return await _raw_then_client(raw, body)

    answers, tools = anyio.run(main)
    assert [a["error"]["code"] for a in answers] == [-32700, -32600, -32600, -32600]
    assert [a["id"] for a in answers] == [None, None, None, 7]
    assert all(a["jsonrpc"] == "2.0" for a in answers)
    assert "batch" in answers[1]["error"]["message"]
    assert {"ask", "route"} <= {t.name for t in tools.tools}


def test_a_five_megabyte_question_is_refused_and_the_server_lives():
    question = "pipeline " * (5 * 1024 * 1024 // 9)

    async def body(session):
        huge = await session.call_tool("route", {"question": question})
        after = await session.call_tool("route", {"question": "Will we hit the quarter?"})
        return huge, after

    async def main():
        with anyio.fail_after(120):
            return await _raw_then_client([], body)

    _, (huge, after) = anyio.run(main)
    assert field(huge, "is_error")
    assert text_of(huge) == (f"Error executing tool route: question: String should have at most "
                             f"{QUESTION_MAX_CHARS} characters")
    assert not field(after, "is_error") and field(after, "structured_content")["primary"] == "cro"


# ----------------------------------------------------------------- SEP-2640 skills extension

def _skills_request(method: str, uri: str | None = None):
    """A `skills/*` request for the official client (mcp 2.x; the extension needs its API)."""
    from typing import Literal

    import mcp_types

    class Params(mcp_types.RequestParams):
        uri: str | None = None

    class SkillsRequest(mcp_types.Request[Params, Literal[method]]):  # type: ignore[valid-type]
        pass

    return SkillsRequest(method=method, params=Params(uri=uri))


def test_skills_extension_lists_and_gets_every_skill(server):
    pytest.importorskip("mcp.server.extension", reason="the installed mcp has no extension API (1.x)")
    import hashlib
    from typing import Any

    from mcp import Client
    from pydantic import TypeAdapter

    from csuite.pack.bundle import file_bytes, pack_skills
    from csuite.pack.check import split_frontmatter

    raw = TypeAdapter(dict[str, Any])

    async def body():
        async with Client(server) as client:
            capabilities = client.server_capabilities
            listed = await client.session.send_request(_skills_request("skills/list"), raw)
            got = await client.session.send_request(_skills_request("skills/get", "skill://cro-advisor/SKILL.md"), raw)
            with pytest.raises(Exception) as missing:
                await client.session.send_request(_skills_request("skills/get", "skill://nope/SKILL.md"), raw)
            read = await client.read_resource("skill://cro-advisor/SKILL.md")
            return capabilities, listed, got, missing.value, read

    capabilities, listed, got, missing, read = anyio.run(body)
    assert "io.modelcontextprotocol/skills" in capabilities.extensions and capabilities.resources is not None
    skills = {s.name: s for s in pack_skills()}
    entries = {e["uri"]: e for e in listed["skills"]}
    assert set(entries) == {f"skill://{name}/SKILL.md" for name in skills}
    assert listed["ttlMs"] > 0 and listed["cacheScope"] == "public"
    for name, skill in skills.items():
        entry = entries[f"skill://{name}/SKILL.md"]
        assert entry["frontmatter"]["name"] == name                # the URI's last segment is the name
        text = file_bytes(skill, "SKILL.md").decode("utf-8")
        assert entry["frontmatter"] == json.loads(json.dumps(split_frontmatter(text).frontmatter, default=str))
        files = {r["uri"]: r for r in entry["resources"]}
        assert set(files) == {f"skill://{name}/{relative}" for relative in skill.files}   # complete
        for relative in skill.files:
            content = file_bytes(skill, relative)
            assert files[f"skill://{name}/{relative}"] == {
                "uri": f"skill://{name}/{relative}", "size": len(content),
                "digest": "sha256:" + hashlib.sha256(content).hexdigest()}
    assert got["skill"] == entries["skill://cro-advisor/SKILL.md"]
    assert "-32602" in repr(missing) or "no skill at" in str(missing)
    # What a host reads back matches the digest it was given.
    served = read.contents[0].text.encode("utf-8")
    digest = next(r["digest"] for r in got["skill"]["resources"] if r["uri"].endswith("/SKILL.md"))
    assert "sha256:" + hashlib.sha256(served).hexdigest() == digest


def test_an_oversized_prompt_question_is_refused_before_routing(server):
    """two_role_review routes the question to pick a lead: a huge one is refused first."""
    question = "pipeline " * (QUESTION_MAX_CHARS // 9 + 1)

    async def body(client):
        with pytest.raises(Exception) as refused:
            await client.get_prompt("two_role_review", {"question": question})
        fine = await client.get_prompt("two_role_review", {"question": "Should we hire two AEs?"})
        return refused.value, fine

    refused, fine = run(server, body)
    assert f"question: at most {QUESTION_MAX_CHARS:,} characters" in str(refused)
    assert len(fine.messages) == 3
