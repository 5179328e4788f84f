"""The optional second reading (`csuite context check --with-model`), through the real
`anthropic` SDK against the fake Messages API on 127.0.0.1. It may only fill metrics the parser
left empty, from lines the parser could not read, with values csuite's own reader accepts."""

from __future__ import annotations

import json
from datetime import date

import pytest

from csuite.context.model_fill import TOOL, fill_from_model
from csuite.context.parse import parse_context
from tests.fake_anthropic import Error, message, tool_use
from tests.test_claude_backend import fake  # noqa: F401  (the fake Messages API on 127.0.0.1, with the key set)

AS_OF = "2026-11-23"
TEXT = """# Context
- **Last updated:** 2026-11-01
- **ARR:** $4.2M
- **Company:** Quillmark (we sell to Castellan Freight Group)
We lose about 1.5% of MRR to cancellations every month.
Expansion revenue: $300K last quarter
Sales spend pays for itself in roughly 19 months these days.
"""


def proposals(*items: dict) -> dict:
    return message(tool_use(TOOL, {"items": list(items)}), model="claude-haiku-4-5")


def test_the_parser_alone_leaves_these_lines_as_warnings():
    ctx = parse_context(TEXT, as_of=date(2026, 11, 23))
    assert ctx.metrics.monthly_gross_churn is None and ctx.metrics.cac_payback_months is None
    assert [w.split(":")[0] for w in ctx.warnings] == ["line 5", "line 6", "line 7"]


def test_only_checked_values_fill_only_empty_metrics(fake, run_cli, tmp_path):
    path = tmp_path / "company-context.md"
    path.write_text(TEXT, encoding="utf-8")
    fake.push(proposals(
        # kept: the words are in line 5, and csuite reads 1.5% (every month) as monthly gross churn
        {"metric": "monthly_gross_churn", "line": 5, "quote": "lose about 1.5% of MRR to cancellations every month",
         "value": "1.5%"},
        # refused: the quote is not in line 7 (the model paraphrased)
        {"metric": "cac_payback_months", "line": 7, "quote": "CAC payback is 19 months", "value": "19 months"},
        # refused: ARR was already read by the parser; the model never overrides it
        {"metric": "arr", "line": 6, "quote": "$300K last quarter", "value": "$300K"},
        # refused: a line the parser did not warn about is not the model's to read
        {"metric": "team_size", "line": 4, "quote": "Quillmark", "value": "Quillmark"},
        # refused: the value is not in the quote
        {"metric": "grr", "line": 5, "quote": "1.5% of MRR", "value": "98.5%"},
    ))
    result = run_cli("context", "check", path, "--as-of", AS_OF, "--json", "--with-model")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["metrics"] == {"arr": 4_200_000, "monthly_gross_churn": 0.015}
    assert data["sources"]["monthly_gross_churn"]["read_by"] == "model"
    assert data["sources"]["monthly_gross_churn"]["line"] == 5
    assert data["sources"]["arr"]["read_by"] == "parser"
    # line 5 is now a model reading to check; lines 6 and 7 stay unread
    assert [w.split(":")[0] for w in data["warnings"]] == ["line 5", "line 6", "line 7"]
    assert "model's second reading" in data["warnings"][0]
    # only the unread lines were sent: not the company line, not the ARR line
    sent = json.dumps(fake.bodies()[0]["messages"], ensure_ascii=False)
    assert "Quillmark" not in sent and "$4.2M" not in sent and "1.5% of MRR" in sent
    assert fake.bodies()[0]["tool_choice"] == {"type": "tool", "name": TOOL}


def test_an_api_failure_leaves_the_parsers_reading(fake):
    fake.push(Error(500), Error(500), Error(500), Error(500))
    ctx = parse_context(TEXT, as_of=date(2026, 11, 23))
    import anthropic

    client = anthropic.Anthropic(max_retries=0, timeout=5)
    assert fill_from_model(ctx, TEXT, client=client) == ctx


def test_a_malformed_reply_leaves_the_parsers_reading(fake):
    fake.push(message({"type": "text", "text": "monthly churn is 1.5%"}))
    ctx = parse_context(TEXT, as_of=date(2026, 11, 23))
    assert fill_from_model(ctx, TEXT) == ctx


def test_nothing_is_sent_when_the_parser_read_everything(fake):
    ctx = parse_context("- **ARR:** $4.2M\n", as_of=date(2026, 11, 23))
    assert fill_from_model(ctx, "- **ARR:** $4.2M\n") == ctx and fake.messages == []


def test_with_model_needs_a_key(run_cli, tmp_path):
    path = tmp_path / "company-context.md"
    path.write_text(TEXT, encoding="utf-8")
    result = run_cli("context", "check", path, "--as-of", AS_OF, "--with-model")
    assert result.code == 2 and "ANTHROPIC_API_KEY" in result.err
