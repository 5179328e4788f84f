"""The Claude backend, end to end through the real `anthropic` SDK against a fake Messages API
on 127.0.0.1 (tests/fake_anthropic.py). No network; no timing assertions."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from datetime import date

import pytest

from csuite.backends.claude import ClaudeBackend, DraftAnswer, tool_schema, usage_table
from csuite.runner import Advisor
from tests.conftest import AS_OF, EXAMPLES, ROOT
from tests.fake_anthropic import (
    Delay,
    Error,
    FakeAnthropic,
    Raw,
    answer_payload,
    data_block,
    forced_tool,
    message,
    review_payload,
    tool_use,
    verdict_first,
)

DAY = date(2026, 11, 23)
CONTEXT = EXAMPLES / "company-context.md"
LOW = "Will we make the Q4 number?"                         # CRO, pipeline_forecasting, low stakes
LOW_2 = "Is our pipeline coverage enough to hit the Q4 forecast?"  # same role and topic
HIGH = "Should we raise prices by 20% next quarter?"        # 'raise prices': an external commitment


@pytest.fixture
def fake(monkeypatch):
    import os

    for key in list(os.environ):
        if key.startswith("ANTHROPIC_") or key in ("CSUITE_MODEL", "CSUITE_FAST_MODEL"):
            monkeypatch.delenv(key, raising=False)
    with FakeAnthropic() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        yield server


def advisor(context=CONTEXT, **options) -> Advisor:
    options.setdefault("max_retries", 2)
    options.setdefault("timeout", 20)
    return Advisor(context=context, as_of=DAY, backend=ClaudeBackend(**options))


def drafts(fake: FakeAnthropic) -> list[dict]:
    return [b for b in fake.bodies() if forced_tool(b) not in ("route", "submit_review")]


def cli_ask(run_cli, *args):
    return run_cli("ask", *args, "--context", CONTEXT, "--as-of", AS_OF)


# ------------------------------------------------------------------ happy paths

def test_cro_happy_path_one_call_structured_and_substituted(fake):
    answer = advisor().ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    assert answer.backend == "claude" and answer.role == "cro"
    # [[ctx.arr]] became the exact context value locally; verification tags it 🟢 from founder data.
    assert answer.findings[0].text == "The number that matters is $4.2M"
    assert answer.findings[0].tag == "verified" and answer.findings[0].sources == ["ctx.arr"]
    # The bottom line states the computed verdict's figures (the call, booked + P50) as rule 7 asks.
    assert answer.verdict == "no_target" and "Start from $4.2M" in answer.bottom_line
    assert not answer.verification.verdict_issues
    assert answer.verification.passed and answer.tools_run[0] == "revenue_forecast_model"
    assert answer.actions[0].owner == "CRO" and answer.actions[0].id.startswith("cro.pipeline_forecasting.")
    assert len(fake.messages) == 1
    request = fake.messages[0]
    assert request.headers["authorization"] == "Bearer test"
    body = request.body
    assert body["model"] == "claude-sonnet-4-6" and "temperature" not in body
    assert body["tool_choice"] == {"type": "any"}
    names = [t["name"] for t in body["tools"]]
    assert "submit_answer" in names and "revenue_forecast_model" in names and "churn_analyzer" in names
    submit = next(t for t in body["tools"] if t["name"] == "submit_answer")
    assert submit["input_schema"] == tool_schema(DraftAnswer) and "$ref" not in json.dumps(submit)
    data = data_block(body)
    assert data["question"] == LOW and data["role"] == "cro" and data["company"]["metrics"]["arr"] == 4200000.0
    ids = {e["id"] for e in data["evidence"]}
    assert {"ctx.arr", "ctx.win_rate", "revenue_forecast_model.monte_carlo.p50"} <= ids
    assert set(data["evidence"][0]) == {"id", "label", "value", "unit", "kind", "source"}
    assert answer.usage is not None and answer.usage.input_tokens == 1200 and len(answer.usage.calls) == 1


def test_cco_happy_path(fake):
    def reply(body):
        ids = [e["id"] for e in data_block(body)["evidence"]]
        cite = next(i for i in ids if i.startswith("cs_coverage_calculator.totals."))
        return message(tool_use("submit_answer", answer_payload(
            cite=cite, text=f"Your CS book needs this many CSMs: [[{cite}]]", bottom=verdict_first(body, cite))))

    fake.push(reply)
    answer = advisor().ask("Do we need another CSM?", data=[EXAMPLES / "cs_book.csv"])
    assert answer.role == "cco" and answer.backend == "claude"
    assert answer.findings[0].sources[0].startswith("cs_coverage_calculator.totals.")
    assert answer.findings[0].tag == "verified" and "[[" not in answer.findings[0].text
    body = fake.bodies()[0]
    assert "Chief Customer Officer" in body["system"][0]["text"]
    assert data_block(body)["role"] == "cco"


# ------------------------------------------------------------------ model-called tools

def test_model_called_tool_runs_locally_and_becomes_evidence(fake):
    def submit(body):
        result = body["messages"][-1]["content"][0]
        assert result["type"] == "tool_result" and not result.get("is_error")
        rows = json.loads(result["content"])["evidence"]
        p50 = next(r["id"] for r in rows if r["id"].endswith("monte_carlo.p50"))
        return message(tool_use("submit_answer", answer_payload(cite=p50, text=f"P50 with the new quota: [[{p50}]]",
                                                                bottom=verdict_first(body, p50))))

    fake.push(message(tool_use("revenue_forecast_model", {"path": "pipeline.csv", "quota": "$1.5M", "seed": 7})),
              submit)
    answer = advisor().ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    assert len(fake.messages) == 2
    assert answer.backend == "claude"
    cited = answer.findings[0].sources[0]
    assert cited in {e.id for e in answer.evidence} and answer.findings[0].tag == "verified"
    second = fake.bodies()[1]
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]
    assert second["messages"][1]["content"][0]["name"] == "revenue_forecast_model"


def test_tool_paths_outside_the_founders_files_are_refused(fake):
    fake.push(message(tool_use("churn_analyzer", {"path": "/etc/passwd"})))
    answer = advisor().ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    result = fake.bodies()[1]["messages"][-1]["content"][0]
    assert result["is_error"] is True and "founder's data files (pipeline.csv)" in result["content"]
    assert answer.backend == "claude"


def test_sample_or_inline_tool_input_is_never_founder_data(fake):
    rows = [{"deal_id": "X1", "name": "Acme", "stage": "commit", "amount": 90000, "close_date": "2026-12-10"}]

    def submit(body):
        rows_ = json.loads(body["messages"][-1]["content"][0]["content"])["evidence"]
        cite = next(r["id"] for r in rows_ if r["id"].endswith("open_pipeline"))
        return message(tool_use("submit_answer", answer_payload(cite=cite, text=f"Invented pipeline: [[{cite}]]",
                                                                bottom=verdict_first(body, "ctx.arr"))))

    fake.push(message(tool_use("revenue_forecast_model", {"data": rows})), submit)
    answer = advisor().ask(LOW)
    cited = {e.id: e for e in answer.evidence}[answer.findings[0].sources[0]]
    assert cited.kind == "assumption" and answer.findings[0].tag == "assumed"


def test_tool_loop_is_bounded_and_the_last_round_forces_submit(fake):
    loop = message(tool_use("revenue_forecast_model", {"path": "pipeline.csv"}))
    fake.push(loop, loop, loop)
    answer = advisor().ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    bodies = fake.bodies()
    assert len(bodies) == 4  # max_tool_rounds = 4 draft calls in all
    assert [b["tool_choice"]["type"] for b in bodies] == ["any", "any", "any", "tool"]
    assert bodies[-1]["tool_choice"]["name"] == "submit_answer"
    assert answer.backend == "claude"


# ------------------------------------------------------------------ invalid output

def test_invalid_structured_output_gets_one_repair(fake):
    fake.push(message(tool_use("submit_answer", {"bottom_line": "x", "findings": "none"})))
    answer = advisor().ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    assert answer.backend == "claude" and len(fake.messages) == 2
    repair = fake.bodies()[1]
    assert repair["tool_choice"] == {"type": "tool", "name": "submit_answer"}
    result = repair["messages"][-1]["content"][0]
    assert result["is_error"] is True and "findings" in result["content"]
    assert [c["purpose"] for c in answer.usage.calls] == ["draft", "repair"]


def test_invalid_output_twice_falls_back_to_offline(fake):
    bad = message(tool_use("submit_answer", {"findings": []}))
    fake.push(bad, bad)
    answer = advisor().ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    assert answer.backend == "offline (fallback from claude)"
    assert any(n.startswith("🔴 claude was unavailable (invalid structured output after one repair)")
               for n in answer.notes)
    assert answer.findings and answer.verification.passed


def test_text_instead_of_a_tool_call_is_repaired(fake):
    fake.push(message({"type": "text", "text": "Here is my answer in prose."}))
    answer = advisor().ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    assert answer.backend == "claude" and len(fake.messages) == 2


def test_malformed_json_falls_back_with_a_note(fake):
    fake.push(Raw(b'{"id": "msg_1", "content": [oops'))
    answer = advisor().ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    assert answer.backend.startswith("offline") and "malformed response" in answer.notes[0]


# ------------------------------------------------------------------ faults and retries

def test_529_twice_then_success(fake):
    fake.push(Error(529, "Overloaded"), Error(529, "Overloaded"))
    answer = advisor(max_retries=2).ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    assert answer.backend == "claude"
    assert [r.headers.get("x-stainless-retry-count") for r in fake.messages] == ["0", "1", "2"]
    assert len(answer.usage.calls) == 1  # usage counts answered calls, not retried attempts


def test_retries_exhausted_cli_returns_the_offline_answer_with_a_red_note(fake, run_cli):
    fake.push(Error(529), Error(529), Error(529))
    result = cli_ask(run_cli, LOW, "--data", EXAMPLES / "pipeline.csv", "--backend", "claude", "--max-retries", "2")
    assert result.code == 0 and "Traceback" not in result.err
    assert "🔴 claude was unavailable (529 overloaded after 3 attempts); this is the offline answer." in result.out
    assert "**BOTTOM LINE**" in result.out and len(fake.messages) == 3


def test_rate_limit_and_server_errors_read_clearly(fake):
    fake.push(Error(429), Error(500))
    answer = advisor(max_retries=1).ask(LOW)
    assert "500 server error after 2 attempts" in answer.notes[0]


def test_bad_request_is_not_retried(fake):
    fake.push(Error(400, "bad"))
    answer = advisor(max_retries=2).ask(LOW)
    assert "400 invalid request after 1 attempt" in answer.notes[0] and len(fake.messages) == 1


def test_timeout_falls_back(fake, run_cli):
    fake.push(Delay(3))
    result = cli_ask(run_cli, LOW, "--backend", "claude", "--timeout", "0.3", "--max-retries", "0")
    assert result.code == 0 and "Traceback" not in result.err
    assert "🔴 claude was unavailable (timed out after 0.3 s (1 attempt))" in result.out


# ------------------------------------------------------------------ privacy

NAMED_CONTEXT = """
## Key relationships
- **Largest customer:** Castellan Freight Group (19% of ARR)
- **Customer champion:** Champion Name (VP Finance)
- **Lead investor:** Harbor Ventures
"""


def example_names() -> set[str]:
    names: set[str] = set()
    for file, headers in (("customers.csv", ["Company name"]), ("pipeline.csv", ["name"]),
                          ("accounts.csv", ["name"])):
        with open(EXAMPLES / file, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                names.update(row[h] for h in headers)
    return names | {"Castellan Freight Group", "Champion Name", "Harbor Ventures"}


def test_no_customer_person_or_investor_name_leaves_and_names_come_back(fake, tmp_path):
    context = tmp_path / "company-context.md"
    context.write_text(CONTEXT.read_text(encoding="utf-8") + NAMED_CONTEXT, encoding="utf-8")

    def reply(body):
        data = data_block(body)
        at_risk = next(e["id"] for e in data["evidence"] if ".at_risk." in e["id"] and e["id"].endswith(".arr"))
        who = at_risk.split(".")[2].replace("_", " ")  # a pseudonym such as "Customer A"
        return message(tool_use("submit_answer", answer_payload(
            cite=at_risk, text=f"{who} is at risk with [[{at_risk}]] of ARR, and Person A is its champion",
            bottom=verdict_first(body, at_risk))))

    fake.push(reply)
    data = [EXAMPLES / n for n in ("revenue_snapshots.csv", "accounts.csv", "customers.csv", "pipeline.csv")]
    answer = advisor(context=context).ask(
        "Castellan Freight Group and Northwind Freight: which accounts are at risk of churning?", data=data)
    raw = "\n".join(r.text for r in fake.requests)
    leaked = sorted(n for n in example_names() if re.search(rf"(?<![\w@]){re.escape(n)}(?![\w@])", raw))
    assert leaked == []
    assert "Customer A" in raw
    finding = answer.findings[0]
    assert finding.text.startswith("Castellan Freight Group is at risk with $")
    assert finding.text.endswith("and Champion Name is its champion")
    assert finding.sources == ["churn_analyzer.at_risk.Castellan_Freight_Group.arr"] and finding.tag == "verified"


def test_privacy_off_sends_names(fake):
    advisor(privacy="off").ask("Should we discount the Northwind Freight deal to close it in Q4?",
                               data=[EXAMPLES / "pipeline.csv"])
    assert "Northwind Freight" in fake.messages[0].text


def test_strict_privacy_sends_ranges_and_the_answer_keeps_exact_values(fake):
    answer = advisor(privacy="strict").ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    # Everything built from the founder's data (tool definitions are our code, the same for everyone).
    raw = "\n".join(json.dumps([b["system"], b["messages"]], ensure_ascii=False) for b in fake.bodies())
    assert "4200000" not in raw and "4.2M" not in raw and "$4M–$5M" in raw
    assert "Money values are shown as ranges" in raw
    assert answer.findings[0].text == "The number that matters is $4.2M" and answer.findings[0].tag == "verified"


# ------------------------------------------------------------------ caching and budget

def test_system_prefix_is_cached_and_identical_for_the_same_role_and_topic(fake):
    a = advisor()
    a.ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    a.ask(LOW_2, data=[EXAMPLES / "pipeline.csv"])
    first, second = fake.bodies()
    assert first["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert first["system"] == second["system"] and first["tools"] == second["tools"]
    assert data_block(first)["question"] != data_block(second)["question"]
    system = first["system"][0]["text"]
    assert "Pipeline & forecasting" in system or "pipeline_forecasting" in system
    assert "pricing_packaging" not in system  # only the route's topic, not the whole role


def test_cache_usage_is_recorded(fake):
    fake.push(lambda body: message(tool_use("submit_answer", answer_payload()), usage={
        "input_tokens": 300, "output_tokens": 250, "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 5000}))
    answer = advisor().ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    assert answer.usage.cache_read_input_tokens == 5000 and answer.usage.calls[0]["cache_read_input_tokens"] == 5000
    assert "5,000" in usage_table(answer.usage)


def test_critic_only_for_high_stakes_on_the_fast_model(fake):
    a = advisor()
    low = a.ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    assert not [b for b in fake.bodies() if forced_tool(b) == "submit_review"]
    assert low.critic is None
    high = a.ask(HIGH, data=[EXAMPLES / "pipeline.csv"])
    reviews = [b for b in fake.bodies() if forced_tool(b) == "submit_review"]
    assert len(reviews) == 1 and reviews[0]["model"] == "claude-haiku-4-5"
    assert high.critic is not None and high.critic.backend == "claude" and high.critic.verdict == "address"
    assert high.critic.stakes and [c["purpose"] for c in high.usage.calls] == ["draft", "critic"]


def test_a_critic_quote_not_in_the_draft_is_dropped(fake):
    fake.push(lambda body: message(tool_use("submit_answer", answer_payload(bottom=verdict_first(body, "ctx.arr")))),
              message(tool_use("submit_review", review_payload("words the draft never said", "rethink"))))
    answer = advisor().ask(HIGH, data=[EXAMPLES / "pipeline.csv"])
    assert answer.critic.backend == "offline"
    assert "A critic issue quoting text that is not in the draft was dropped." in answer.notes


def test_planted_number_is_downgraded_and_revised_once(fake):
    planted = answer_payload(text="ARR is $9.9M and growing", cite="ctx.arr")
    fake.push(message(tool_use("submit_answer", planted)), message(tool_use("submit_answer", planted)))
    answer = advisor().ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    assert len(fake.messages) == 2  # draft + one revision, then stop
    revise = fake.bodies()[1]
    prompt = revise["messages"][0]["content"]
    assert "Self-verification of your draft failed" in prompt and "ungrounded number: finding 1: $9.9M" in prompt
    assert revise["system"] == fake.bodies()[0]["system"]  # the revision reuses the cached prefix
    finding = answer.findings[0]
    assert finding.tag == "assumed" and "$9.9M" in (finding.assumption or "")
    assert answer.verification.downgrades and answer.verification.downgrades[0].claimed == "verified"
    assert answer.verification.revisions == 1


def test_call_count_per_answer(fake):
    planted = message(tool_use("submit_answer", answer_payload(text="ARR is $9.9M", cite="ctx.arr")))
    fake.push(planted, planted)
    low = advisor().ask(LOW, data=[EXAMPLES / "pipeline.csv"])
    assert len(low.usage.calls) == 2  # draft + revision
    fake.requests.clear()
    fake.push(planted, planted)
    high = advisor().ask(HIGH, data=[EXAMPLES / "pipeline.csv"])
    assert len(high.usage.calls) == 3 and len(fake.messages) == 3  # draft + revision + critic
    assert len(high.usage.calls) <= 4


# ------------------------------------------------------------------ routing

def test_low_margin_question_is_routed_by_the_fast_model(fake):
    fake.push(message(tool_use("route", {"primary": "cco", "consult": [], "in_scope": True, "referral": None,
                                         "reason": "tiering existing customers"}), model="claude-haiku-4-5"))
    answer = advisor().ask("How should we price the new tier?")  # offline margin 0.001
    first = fake.bodies()[0]
    assert forced_tool(first) == "route" and first["model"] == "claude-haiku-4-5"
    assert answer.role == "cco" and answer.consulted == []


def test_routing_errors_keep_the_offline_route(fake):
    fake.push(Error(400, "no"))
    answer = advisor().ask("How should we price the new tier?")
    assert answer.role == "cro" and answer.backend == "claude"


def test_confident_routes_skip_the_model(fake):
    advisor().ask(LOW)
    assert not [b for b in fake.bodies() if forced_tool(b) == "route"]


# ------------------------------------------------------------------ CLI

def test_cli_backend_claude_without_a_key_is_one_line_exit_2(run_cli, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    result = cli_ask(run_cli, LOW, "--backend", "claude")
    assert result.code == 2 and result.err.count("\n") == 1 and "ANTHROPIC_API_KEY" in result.err


def test_cli_auto_without_a_key_is_offline(run_cli, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    result = cli_ask(run_cli, LOW, "--format", "json")
    data = json.loads(result.out)
    assert result.code == 0 and data["backend"] == "offline" and data["usage"] is None


def test_cli_auto_with_a_key_uses_claude_json_includes_usage(fake, run_cli):
    result = cli_ask(run_cli, LOW, "--data", EXAMPLES / "pipeline.csv", "--format", "json")
    data = json.loads(result.out)
    assert result.code == 0 and data["backend"] == "claude"
    assert data["usage"]["input_tokens"] == 1200 and data["usage"]["calls"][0]["purpose"] == "draft"


def test_cli_usage_table_and_flags(fake, run_cli):
    result = cli_ask(run_cli, LOW, "--usage", "--model", "claude-opus-4-7", "--fast-model", "claude-haiku-4-5",
                     "--privacy", "strict")
    assert result.code == 0
    assert "Claude usage (tokens)" in result.err and "claude-opus-4-7" in result.err and "total" in result.err
    assert fake.bodies()[0]["model"] == "claude-opus-4-7"


def test_cli_offline_flag_wins_over_a_key(fake, run_cli):
    result = cli_ask(run_cli, LOW, "--offline")
    assert result.code == 0 and not fake.requests and "Engine: offline" in result.out


def test_cli_rejects_contradictions_and_bad_numbers(fake, run_cli):
    assert cli_ask(run_cli, LOW, "--offline", "--backend", "claude").code == 2
    assert cli_ask(run_cli, LOW, "--timeout", "0").code == 2
    assert cli_ask(run_cli, LOW, "--max-retries", "-1").code == 2


def test_models_come_from_the_environment(fake, monkeypatch):
    monkeypatch.setenv("CSUITE_MODEL", "claude-opus-4-6")
    monkeypatch.setenv("CSUITE_FAST_MODEL", "claude-sonnet-4-6")
    backend = ClaudeBackend()
    assert (backend.model, backend.fast_model) == ("claude-opus-4-6", "claude-sonnet-4-6")
    assert ClaudeBackend(model="claude-haiku-4-5").model == "claude-haiku-4-5"


def test_the_sdk_is_imported_only_on_the_claude_path():
    code = ("import sys; from csuite.cli import main\n"
            "import csuite.backends.claude, csuite.cli.ask_cmd\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('anthropic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False")


# ------------------------------------------------------------------ the decision asked

def test_the_model_gets_the_decision_and_the_computed_verdict(fake):
    answer = advisor().ask("Will we hit our Q4 number of $900K new ARR?", data=[EXAMPLES / "pipeline.csv"])
    block = data_block(drafts(fake)[0])
    assert block["understood"]["target"] == 900000.0 and block["understood"]["decision"] == "hit_the_number"
    verdict = block["verdict"]
    assert verdict["decision"] == "hit_the_number" and verdict["must_state"] == [
        "question.target", "revenue_forecast_model.coverage.p_reach_quota"]
    assert "$900K" in verdict["computed"] and block["answer_language"] == "en"
    assert "verdict first" in drafts(fake)[0]["messages"][0]["content"]
    assert answer.verdict == verdict["verdict"] and "$900K" in answer.bottom_line


def test_a_draft_that_leaves_out_the_verdict_is_revised_then_given_the_computed_one(fake):
    evasive = answer_payload(bottom="Focus on pipeline quality and the rest follows.")
    fake.push(message(tool_use("submit_answer", evasive)), message(tool_use("submit_answer", evasive)))
    answer = advisor().ask("Will we hit our Q4 number of $900K new ARR?", data=[EXAMPLES / "pipeline.csv"])
    revision = fake.bodies()[1]["messages"][0]["content"]
    assert "verdict: the bottom line does not state the target in your question ($900K)" in revision
    # The revision still evaded: the code's verdict now leads, the model's sentence follows.
    assert answer.bottom_line.startswith("No — out of reach this quarter") or "$900K" in answer.bottom_line.split(".")[0]
    assert answer.bottom_line.endswith("Focus on pipeline quality and the rest follows.")
    assert answer.verification.verdict_issues and answer.verification.revisions == 1


def test_a_chinese_question_asks_the_model_for_chinese_and_checks_it(fake):
    english = answer_payload()
    fake.push(lambda body: message(tool_use("submit_answer", answer_payload(bottom=verdict_first(body, "ctx.arr")))),
              message(tool_use("submit_answer", english)))
    answer = advisor().ask("我们的客户流失严重吗？", data=[EXAMPLES / "revenue_snapshots.csv"])
    first, second = drafts(fake)[:2]
    assert data_block(first)["answer_language"] == "zh" and "Simplified Chinese" in first["messages"][0]["content"]
    revision = second["messages"][0]["content"]
    assert "the answer is not in Chinese" in revision
    assert answer.language == "zh"
