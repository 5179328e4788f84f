"""`csuite tools schema --format anthropic|openai|mcp` and `csuite.tools.schemas.call_tool`.

The definitions are generated from each tool's options and result models; a definition an API
would reject, or a tool missing from the list, breaks every host that uses them.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import EXAMPLES
from jsonschema import Draft202012Validator

from csuite.errors import InputError, UsageError
from csuite.tools.registry import TOOLS
from csuite.tools.schemas import INPUT_ARGUMENTS, all_specs, call_tool, input_schema

SPECS = all_specs()
NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")   # what both the Anthropic and OpenAI APIs accept


def schema_cli(run_cli, fmt: str) -> list[dict]:
    result = run_cli("tools", "schema", "--format", fmt)
    assert result.code == 0, result.err
    return json.loads(result.out)


def check_object_schema(schema: dict, spec) -> None:
    Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {*INPUT_ARGUMENTS, *spec.options.model_fields}
    required = {n for n, f in spec.options.model_fields.items() if f.is_required()}
    assert set(schema.get("required", [])) == required
    for name, field in spec.options.model_fields.items():
        if field.description:
            assert schema["properties"][name]["description"] == field.description


def test_every_registry_tool_loads():
    # All eight tools are in the schemas once their modules exist.
    assert [s.name for s in SPECS] == list(TOOLS)


@pytest.mark.parametrize("fmt", ["anthropic", "openai", "mcp"])
def test_every_loadable_tool_is_present(run_cli, fmt):
    defs = schema_cli(run_cli, fmt)
    names = [d["name"] for d in defs]
    assert names == [s.name for s in SPECS]
    assert set(names) <= set(TOOLS)


def test_anthropic_shape(run_cli):
    by_name = {s.name: s for s in SPECS}
    for d in schema_cli(run_cli, "anthropic"):
        assert set(d) == {"name", "description", "input_schema"}
        assert NAME_RE.match(d["name"]) and d["description"]
        check_object_schema(d["input_schema"], by_name[d["name"]])


def test_openai_shape(run_cli):
    """The Responses API layout, strict: every key listed is required (null = the default)."""
    by_name = {s.name: s for s in SPECS}
    for d in schema_cli(run_cli, "openai"):
        assert set(d) == {"type", "name", "description", "parameters", "strict"}
        assert d["type"] == "function" and d["strict"] is True
        assert NAME_RE.match(d["name"]) and d["description"]
        params = d["parameters"]
        Draft202012Validator.check_schema(params)
        assert params["additionalProperties"] is False
        assert set(params["properties"]) == {*INPUT_ARGUMENTS, *by_name[d["name"]].options.model_fields}
        assert params["required"] == list(params["properties"])


def test_mcp_shape(run_cli):
    by_name = {s.name: s for s in SPECS}
    for d in schema_cli(run_cli, "mcp"):
        assert set(d) == {"name", "title", "description", "inputSchema", "outputSchema", "annotations"}
        schema = d["inputSchema"]
        Draft202012Validator.check_schema(schema)
        assert schema["additionalProperties"] is False
        assert set(schema["properties"]) == {*INPUT_ARGUMENTS, *by_name[d["name"]].options.model_fields, "detail"}
        Draft202012Validator.check_schema(d["outputSchema"])
        assert d["outputSchema"]["type"] == "object"
        assert d["annotations"]["readOnlyHint"] is True


def test_mcp_format_matches_what_the_server_lists(run_cli):
    import anyio
    import mcp  # noqa: F401  (a dev dependency)

    from csuite.mcp.server import build_server

    server = build_server()
    listed = {t.name: t for t in anyio.run(server.list_tools)}
    for d in schema_cli(run_cli, "mcp"):
        tool = listed[d["name"]]
        served = getattr(tool, "input_schema", None) or tool.inputSchema
        assert served["properties"] == d["inputSchema"]["properties"]
        assert set(served.get("required", [])) == set(d["inputSchema"].get("required", []))


def test_only_one_tool(run_cli):
    name = SPECS[0].name
    result = run_cli("tools", "schema", "--format", "openai", "--tool", name)
    assert [d["name"] for d in json.loads(result.out)] == [name]
    bad = run_cli("tools", "schema", "--tool", "no_such_tool")
    assert bad.code == 2 and "unknown tool 'no_such_tool'" in bad.err and "Traceback" not in bad.err


def test_bad_format_is_a_usage_error(run_cli):
    assert run_cli("tools", "schema", "--format", "gemini").code == 2


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_call_tool_on_the_bundled_sample(spec):
    arguments = {"path": str(EXAMPLES / spec.sample)}
    Draft202012Validator(input_schema(spec)).validate(arguments)    # what a model would send
    result = call_tool(spec.name, arguments)
    assert isinstance(result, spec.result)
    # The result is plain JSON and matches the published output schema.
    Draft202012Validator(spec.result.model_json_schema(mode="serialization")).validate(
        result.model_dump(mode="json"))


def test_call_tool_errors_are_one_line_and_located(tmp_path):
    spec = SPECS[0]
    with pytest.raises(UsageError, match="no_such_option"):
        call_tool(spec.name, {"path": str(EXAMPLES / spec.sample), "no_such_option": 1})
    with pytest.raises(UsageError, match="either path or data"):
        call_tool(spec.name, {"path": "x.csv", "data": [{"a": 1}]})
    with pytest.raises(UsageError, match="needs its data"):
        call_tool(spec.name, {})
    with pytest.raises(InputError) as missing:
        call_tool(spec.name, {"path": str(tmp_path / "nope.csv")})
    assert str(tmp_path / "nope.csv") in str(missing.value)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises((InputError, UsageError)) as bad:
        call_tool(spec.name, {"path": str(empty)})
    assert "\n" not in str(bad.value)
