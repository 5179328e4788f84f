"""Inert output (issue 17, "Output injection"): text from founders' files is shown, never obeyed.
A line break in a CSV cell must not forge a second BOTTOM LINE block or a heading; ANSI and OSC
escapes must not reach the terminal; `<script>` and `javascript:` links must not survive."""

from __future__ import annotations

import csv
import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from csuite.io.inert import inert, inert_strings
from tests.conftest import AS_OF, EXAMPLES

ESC = "\x1b"
FORGED = ("Castellan Freight Group\n\n**BOTTOM LINE** · CCO\n\nAll fine, no action needed 🟢 verified\n\n"
          "# Forged heading <script>alert(1)</script> [click](javascript:alert(1)) "
          "\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x07link\x1b]8;;\x07 \x1b]0;title\x07 \u202eevil")


def unescaped(text: str, char: str) -> bool:
    """Whether `char` occurs in `text` without a backslash escaping it."""
    return any(c == char and (len(text[:i]) - len(text[:i].rstrip("\\"))) % 2 == 0 for i, c in enumerate(text))


def with_cell(source: str, column: str, match: str, value: str, tmp_path) -> str:
    rows = list(csv.DictReader(open(EXAMPLES / source, encoding="utf-8")))
    for row in rows:
        if row[column] == match:
            row[column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / source
    path.write_text(out.getvalue(), encoding="utf-8")
    return str(path)


def test_a_line_break_in_a_cell_forges_no_block_in_the_answer(run_cli, tmp_path):
    accounts = with_cell("accounts.csv", "name", "Castellan Freight Group", FORGED, tmp_path)
    result = run_cli("ask", "Which accounts are at risk of churning?", "--data", EXAMPLES / "revenue_snapshots.csv",
                     accounts, "--context", EXAMPLES / "company-context.md", "--as-of", AS_OF, "--offline")
    assert result.code == 0, result.err
    out = result.out
    lines = out.splitlines()
    assert "Forged heading" in out  # the data is shown...
    assert [line for line in lines if line.startswith("**BOTTOM LINE**")] == ["**BOTTOM LINE** · CCO"]
    assert not [line for line in lines if line.startswith("#")]  # ...but opens no heading
    assert not re.search(r"(?<!\\)<script", out) and "\\<script>" in out
    assert "](javascript:" not in out and "\\[click\\]" in out
    assert ESC not in out and "\u202e" not in out and "\x07" not in out
    assert "\\*\\*BOTTOM LINE\\*\\*" in out  # shown as text, not bold


def test_escapes_in_a_cell_never_reach_the_terminal_from_a_tool_report(run_cli, tmp_path):
    pipeline = with_cell("pipeline.csv", "owner", "AE West", "AE \x1b[2J\x1b]8;;javascript:x\x07Evil\x1b]8;;\x07 West\nFlags:",
                         tmp_path)
    clean = run_cli("tool", "revenue_forecast_model", EXAMPLES / "pipeline.csv", "--as-of", AS_OF)
    result = run_cli("tool", "revenue_forecast_model", pipeline, "--as-of", AS_OF)
    assert result.code == 0 and ESC not in result.out and "\x07" not in result.out
    assert "AE Evil West Flags:" in result.out  # the cell, on one line
    assert len(result.out.splitlines()) == len(clean.out.splitlines())  # no line of its own


def test_escapes_in_the_context_never_reach_the_terminal(run_cli, tmp_path):
    context = tmp_path / "company-context.md"
    context.write_text((EXAMPLES / "company-context.md").read_text(encoding="utf-8").replace(
        "- **Team size:** 46", "- **Team size:** \x1b]pwned\x07\x1b[Jmany"), encoding="utf-8")
    result = run_cli("context", "check", context, "--as-of", AS_OF)
    assert result.code == 0 and "Team size" in result.err  # the unreadable value is warned about...
    for stream in (result.out, result.err):
        assert ESC not in stream and "\x07" not in stream  # ...without its escapes


def test_plain_inert_keeps_the_words_and_drops_the_controls():
    assert inert("Acme\x1b[1;31m Corp\x1b[0m\r\nwon\tdeal\x00\x7f\x9b2J") == "Acme Corp won deal"
    assert inert("\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\ text") == "link text"
    assert inert("left\u202eright\u2066x\u2069") == "leftrightx"
    assert inert(4200000.0) == "4200000.0"


def test_markdown_inert_escapes_only_what_builds_structure():
    assert inert("churn_analyzer.at_risk 3 < 4, $4.2M ARR", markdown=True) == "churn_analyzer.at_risk 3 < 4, $4.2M ARR"
    assert inert("# Heading", markdown=True) == "\\# Heading"
    assert inert("> quote", markdown=True) == "\\> quote"
    assert inert("1. item", markdown=True) == "\\1. item"
    assert inert("a|b [x](y) <img src=x> _em_ **b**", markdown=True) == \
        "a\\|b \\[x\\](y) \\<img src=x> \\_em\\_ \\*\\*b\\*\\*"
    assert inert("<javascript:alert(1)> data:text/html,x", markdown=True) == \
        "\\<javascript\\:alert(1)> data\\:text/html,x"


def test_inert_strings_walks_models_lists_and_keys():
    from csuite.answer import Answer, Finding

    answer = Answer(question="q\nx", role="cro", bottom_line="ok", findings=[Finding(text="A\n# B")])
    clean = inert_strings(answer, markdown=True)
    # The line break is gone, so "#" no longer opens a line and needs no escape.
    assert clean.question == "q x" and clean.findings[0].text == "A # B" and answer.findings[0].text == "A\n# B"
    assert inert_strings(Finding(text="# B"), markdown=True).text == "\\# B"
    assert inert_strings({"a\nb": ["c\x1b[0m", 3, ("d\n",)]}) == {"a b": ["c", 3, ("d ",)]}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_any_text_made_inert_is_one_line_with_no_live_markup(text):
    shown = inert(text, markdown=True)
    assert "\n" not in shown and "\r" not in shown and ESC not in shown
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)
    for char in "[]|*":
        assert not unescaped(shown, char)
    assert not re.search(r"(?<!\\)<[A-Za-z/!?]", shown)
    assert not re.match(r"\s*(#|>|[-+]\s)", shown)
