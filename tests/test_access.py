"""File confinement (issue 17, "arbitrary file read"): every path a caller other than the founder's
shell names is read only under the allowed roots, through the one check in csuite.io.access.

The MCP cases go through the official `mcp` client; the Claude tool loop through the real
`anthropic` SDK against the fake Messages API. Each test plants a secret outside the allowed
roots and asserts it is refused and that no byte of it comes back (or leaves the machine).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import anyio
import pytest
from conftest import AS_OF, EXAMPLES

from csuite.io.access import ENV_VAR, AccessDenied, FileAccess
from csuite.runner import Advisor
from csuite.tools.schemas import all_specs, file_arguments

SECRET = "OPENAI_API_KEY=sk-test-Zq81SECRETvalue"
SECRET_MARK = "Zq81SECRET"


@pytest.fixture
def layout(tmp_path, monkeypatch):
    """tmp/work is the working directory (allowed); tmp/private/.env is outside it."""
    work, private = tmp_path / "work", tmp_path / "private"
    work.mkdir()
    private.mkdir()
    secret = private / ".env"
    secret.write_text(SECRET + "\nDATABASE_URL=postgres://u:pw@host/db\n", encoding="utf-8")
    monkeypatch.chdir(work)
    monkeypatch.delenv(ENV_VAR, raising=False)
    return work, private, secret


# ------------------------------------------------------------------------------ the check itself

def test_working_directory_and_examples_are_allowed_and_nothing_else(layout):
    work, private, secret = layout
    (work / "pipeline.csv").write_text("a\n", encoding="utf-8")
    access = FileAccess.from_environment()
    assert access.check("pipeline.csv") == work / "pipeline.csv"
    assert access.check(EXAMPLES / "pipeline.csv") == (EXAMPLES / "pipeline.csv").resolve()
    for path in (secret, "../private/.env", f"{work}/../private/.env", "/etc/passwd"):
        with pytest.raises(AccessDenied) as caught:
            access.check(path, field="path")
        message = str(caught.value)
        assert "outside the folders csuite may read" in message and SECRET_MARK not in message
        assert message.startswith(f"{path}, field 'path': ")


def test_a_missing_file_outside_is_refused_like_an_existing_one(layout):
    access = FileAccess.from_environment()
    with pytest.raises(AccessDenied) as existing:
        access.check(layout[2])
    with pytest.raises(AccessDenied) as missing:
        access.check(layout[1] / "no-such-file.csv")
    assert existing.value.message == missing.value.message  # no probe of what exists outside


def test_symlinks_are_resolved_before_the_check(layout):
    work, private, secret = layout
    (work / "innocent.csv").symlink_to(secret)
    (work / "linked_dir").symlink_to(private, target_is_directory=True)
    access = FileAccess.from_environment()
    for path in ("innocent.csv", "linked_dir/.env"):
        with pytest.raises(AccessDenied):
            access.check(path)
    # A link inside the roots to a file inside the roots is fine, and the real file is returned.
    (work / "real.csv").write_text("a\n", encoding="utf-8")
    (work / "alias.csv").symlink_to(work / "real.csv")
    assert access.check("alias.csv") == work / "real.csv"


def test_symlink_loops_and_nul_bytes_are_refused_not_raised(layout):
    work = layout[0]
    (work / "loop").symlink_to(work / "loop")
    access = FileAccess.from_environment()
    with pytest.raises(AccessDenied):
        access.check("bad\x00name.csv")
    # A self-loop either resolves to itself (inside the root) or cannot be resolved: never a crash.
    assert access.permits("loop") in (True, False)


def test_home_relative_paths_are_expanded_then_checked(layout, monkeypatch):
    monkeypatch.setenv("HOME", str(layout[1]))
    with pytest.raises(AccessDenied):
        FileAccess.from_environment().check("~/.env")


def test_environment_and_allow_add_roots(layout, monkeypatch):
    private, secret = layout[1], layout[2]
    assert FileAccess.from_environment(allow=[private]).check(secret) == secret
    monkeypatch.setenv(ENV_VAR, os.pathsep.join(["", str(private)]))
    assert FileAccess.from_environment().check(secret) == secret


def test_named_files_are_exact_not_their_folder(layout):
    private, secret = layout[1], layout[2]
    other = private / "other.csv"
    other.write_text("a\n", encoding="utf-8")
    access = FileAccess.from_environment(files=[other])
    assert access.check(other) == other
    with pytest.raises(AccessDenied):
        access.check(secret)


# Text options that are not files. A new text option must be added here or typed FilePath: the
# choice is made on purpose, never by default, so no file option escapes the check.
NOT_FILES = {("revenue_forecast_model", "period"), ("revenue_metrics", "period"),
             ("retention_decomposition_analyzer", "period"), ("cs_next_hire", "stage")}


def test_every_text_option_is_either_a_confined_file_or_known_not_to_be_one():
    from csuite.tools.base import core_type

    for spec in all_specs():
        confined = set(file_arguments(spec))
        for name, info in spec.options.model_fields.items():
            if core_type(info.annotation) is str and (spec.name, name) not in NOT_FILES:
                assert name in confined, f"{spec.name}.{name} is text but neither a FilePath nor in NOT_FILES"
    assert file_arguments(next(s for s in all_specs() if s.name == "revenue_forecast_model")) == (
        "path", "stage_map", "history")


# ------------------------------------------------------------------------------ the Python API

def test_python_api_refuses_files_outside_the_roots(layout):
    secret = layout[2]
    advisor = Advisor(as_of=None)
    for call in (lambda: advisor.ask("Will we make Q4?", data=[secret]),
                 lambda: advisor.ask("Will we make Q4?", context=secret),
                 lambda: advisor.check_context(secret),
                 lambda: advisor.run_tool("revenue_forecast_model", secret),
                 lambda: advisor.run_tool("revenue_forecast_model", EXAMPLES / "pipeline.csv", stage_map=str(secret)),
                 lambda: advisor.run_tool("churn_analyzer", EXAMPLES / "revenue_snapshots.csv", accounts=str(secret))):
        with pytest.raises(AccessDenied) as caught:
            call()
        assert SECRET_MARK not in str(caught.value)


def test_python_api_reads_what_its_creator_named_and_allowed(layout):
    private = layout[1]
    context = private / "company-context.md"
    context.write_text((EXAMPLES / "company-context.md").read_text(encoding="utf-8"), encoding="utf-8")
    assert Advisor(context=context).check_context()["found"]
    assert Advisor(allow=[private]).check_context(context)["found"]


# ------------------------------------------------------------------------------ MCP

def _mcp_call(server, name, arguments, roots=None):
    from mcp import Client
    from mcp.types import ListRootsResult, Root

    async def list_roots(_context):
        return ListRootsResult(roots=[Root(uri=Path(r).as_uri()) for r in roots])

    async def main():
        # Roots travel server → client, which needs the JSON-RPC session ("legacy" mode).
        options = {"list_roots_callback": list_roots, "mode": "legacy"} if roots is not None else {}
        async with Client(server, **options) as client:
            return await client.call_tool(name, arguments)

    return anyio.run(main)


def _text(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


def _mcp_cases(secret: Path) -> list[tuple[str, dict]]:
    pipeline, snapshots = str(EXAMPLES / "pipeline.csv"), str(EXAMPLES / "revenue_snapshots.csv")
    return [
        ("revenue_forecast_model", {"path": str(secret)}),
        ("revenue_forecast_model", {"path": pipeline, "stage_map": str(secret)}),
        ("revenue_forecast_model", {"path": pipeline, "history": str(secret)}),
        ("churn_analyzer", {"path": snapshots, "accounts": str(secret)}),
        ("retention_decomposition_analyzer", {"path": snapshots, "accounts": str(secret)}),
        ("context_check", {"path": str(secret)}),
        ("ask", {"question": "Will we make Q4?", "context": str(secret), "as_of": AS_OF}),
        ("ask", {"question": "Will we make Q4?", "data": [str(secret)], "as_of": AS_OF}),
    ]


def test_mcp_refuses_every_path_argument_outside_the_roots(layout):
    pytest.importorskip("mcp")
    from csuite.mcp.server import build_server

    server = build_server()
    secret = layout[2]
    for name, arguments in _mcp_cases(secret) + [("revenue_forecast_model", {"path": "../private/.env"})]:
        result = _mcp_call(server, name, arguments)
        text = _text(result)
        assert result.is_error, (name, arguments)
        assert "outside the folders csuite may read" in text, (name, text)
        assert SECRET_MARK not in text and "postgres" not in text, (name, text)


def test_mcp_client_roots_widen_access_for_that_client(layout):
    pytest.importorskip("mcp")
    from csuite.mcp.server import build_server

    private = layout[1]
    context = private / "company-context.md"
    context.write_text((EXAMPLES / "company-context.md").read_text(encoding="utf-8"), encoding="utf-8")
    server = build_server()
    refused = _mcp_call(server, "context_check", {"path": str(context)})
    assert refused.is_error
    allowed = _mcp_call(server, "context_check", {"path": str(context)}, roots=[private])
    assert not allowed.is_error, _text(allowed)
    assert allowed.structured_content["found"] is True
    # Another client's roots do not carry over.
    assert _mcp_call(server, "context_check", {"path": str(context)}, roots=[layout[0]]).is_error


def test_mcp_allow_flag_and_missing_folder(layout, run_cli):
    pytest.importorskip("mcp")
    from csuite.mcp.server import build_server

    private, secret = layout[1], layout[2]
    result = _mcp_call(build_server(allow=[private]), "revenue_forecast_model", {"path": str(secret)})
    # Allowed now, so the file is read, and its content still stays out of the error.
    assert result.is_error and "outside the folders" not in _text(result)
    assert SECRET_MARK not in _text(result)
    missing = run_cli("mcp", "--allow", str(private / "nope"))
    assert missing.code == 2 and "no such folder" in missing.err and "Traceback" not in missing.err


# ------------------------------------------------------------------------------ the Claude tool loop

@pytest.fixture
def fake(monkeypatch):
    from tests.fake_anthropic import FakeAnthropic

    with FakeAnthropic() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        yield server


@pytest.mark.parametrize("tool, arguments", [
    ("revenue_forecast_model", {"path": "pipeline.csv", "stage_map": "{secret}"}),
    ("revenue_forecast_model", {"path": "pipeline.csv", "history": "{secret}"}),
    ("churn_analyzer", {"path": "revenue_snapshots.csv", "accounts": "{secret}"}),
    ("churn_analyzer", {"path": "{secret}"}),
])
def test_tool_loop_never_opens_a_file_the_founder_did_not_give(layout, fake, tool, arguments):
    from datetime import date

    from csuite.backends.claude import ClaudeBackend
    from tests.fake_anthropic import message, tool_use

    secret = layout[2]
    filled = {k: v.replace("{secret}", str(secret)) for k, v in arguments.items()}
    fake.push(message(tool_use(tool, filled)))
    data = [EXAMPLES / "pipeline.csv", EXAMPLES / "revenue_snapshots.csv"]
    answer = Advisor(context=EXAMPLES / "company-context.md", as_of=date(2026, 11, 23),
                     backend=ClaudeBackend(max_retries=0, timeout=20)).ask("Will we make the Q4 number?", data=data)
    assert answer.backend == "claude"
    result = fake.bodies()[1]["messages"][-1]["content"][0]
    field = next(k for k, v in arguments.items() if v == "{secret}")
    assert result["is_error"] is True
    assert result["content"].startswith(f"{field} must be one of the founder's data files")
    everything = "\n".join(r.text for r in fake.requests)
    assert SECRET_MARK not in everything and "postgres" not in everything
    assert json.dumps(str(secret))[1:-1] not in result["content"]


# ------------------------------------------------------------------------------ error text

@pytest.mark.parametrize("tool, text", [
    ("revenue_forecast_model", SECRET + "\n"),                                                  # first line as header
    ("revenue_forecast_model", "deal_id,name,stage,amount,close_date\n1,A,proposal,Zq81SECRET,2026-12-01\n"),
    ("revenue_forecast_model", "deal_id,name,stage,amount,close_date\n1,A,Zq81SECRET,100,2026-12-01\n"),
    ("revenue_forecast_model", "deal_id,name,stage,amount,close_date\n1,A,proposal,100,Zq81SECRET\n"),
    ("churn_analyzer", "account_id,period,mrr\nA,Zq81SECRET,10\n"),
    ("revenue_metrics", "quarter,arr,sm_spend\nZq81SECRET,1,1\n"),
])
def test_cli_errors_about_a_file_never_repeat_its_content(tmp_path, run_cli, tool, text):
    """The founder's own file is read (they named it), but what it says stays out of the error:
    the file, row and field locate the problem."""
    path = tmp_path / "input.csv"
    path.write_text(text, encoding="utf-8")
    result = run_cli("tool", tool, path, "--as-of", AS_OF)
    assert result.code == 2 and "Traceback" not in result.err
    assert str(path) in result.err and SECRET_MARK not in result.err
    assert len(result.err.strip().splitlines()) == 1
