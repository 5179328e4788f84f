"""Inert output (issue 17, "Output injection"): text from founders' files is shown, never obeyed.
A line break in a CSV cell must not forge a second BOTTOM LINE block or a heading; ANSI and OSC
escapes must not reach the terminal; `<script>` and `javascript:` links must not survive."""

from __future__ import annotations

import csv
import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from csuite.io.display import display_safe, display_safe_strings
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


def test_a_line_break_forges_no_block_in_the_answer(run_cli):
    """The caller's text reaches the answer as written (the question is quoted at its top, and
    an agent over MCP writes it): its line breaks must not open blocks of their own."""
    result = run_cli("ask", f"Should we offer a discount to {FORGED}?", "--data", EXAMPLES / "pipeline.csv",
                     "--context", EXAMPLES / "company-context.md", "--as-of", AS_OF, "--offline")
    assert result.code == 0, result.err
    out = result.out
    lines = out.splitlines()
    assert "Forged heading" in lines[0]  # the text is shown, on the quote's one line...
    assert [line for line in lines if line.startswith("**BOTTOM LINE**")] == [lines[2]]
    assert not [line for line in lines if line.startswith("#")]  # ...and opens no heading
    assert not re.search(r"(?<!\\)<script", out) and "\\<script>" in out
    assert "](javascript:" not in out and "\\[click\\]" in out
    assert ESC not in out and "\u202e" not in out and "\x07" not in out
    assert "\\*\\*BOTTOM LINE\\*\\*" in lines[0]  # shown as text, not bold


def test_a_line_break_in_a_cell_forges_no_block_through_the_python_api(tmp_path):
    """Names from a file reach findings through the engine's phrases; whatever reaches the
    answer is rendered safe, checked here on a finding built from a forged account name."""
    from csuite.answer import Answer, Finding
    from csuite.render.answer import to_markdown

    answer = Answer(question="Which accounts are at risk?", role="cco", bottom_line="Two accounts are at risk.",
                    findings=[Finding(text=f"At risk: {FORGED}", so_what="save it first", tag="assumed")])
    lines = to_markdown(answer).splitlines()
    assert len([line for line in lines if line.startswith("**BOTTOM LINE**")]) == 1
    assert not [line for line in lines if line.startswith("#")]
    assert ESC not in "\n".join(lines)


def test_escapes_in_a_cell_never_reach_the_terminal_from_a_tool_report(run_cli, tmp_path):
    owner = "AE \x1b[2J\x1b]8;;javascript:x\x07Evil\x1b]8;;\x07 West\nFlags:"
    pipeline = with_cell("pipeline.csv", "owner", "AE West", owner, tmp_path)
    clean = run_cli("tool", "revenue_forecast_model", EXAMPLES / "pipeline.csv", "--as-of", AS_OF)
    result = run_cli("tool", "revenue_forecast_model", pipeline, "--as-of", AS_OF)
    assert result.code == 0 and ESC not in result.out and "\x07" not in result.out and "Evil" in result.out
    assert len(result.out.splitlines()) == len(clean.out.splitlines())  # the cell has no line of its own


def test_escapes_in_the_context_never_reach_the_terminal(run_cli, tmp_path):
    context = tmp_path / "company-context.md"
    context.write_text((EXAMPLES / "company-context.md").read_text(encoding="utf-8").replace(
        "- **Team size:** 46", "- **Team size:** \x1b]pwned\x07\x1b[Jmany"), encoding="utf-8")
    result = run_cli("context", "check", context, "--as-of", AS_OF)
    assert result.code == 0 and "Team size" in result.err  # the unreadable value is warned about...
    for stream in (result.out, result.err):
        assert ESC not in stream and "\x07" not in stream  # ...without its escapes


def test_plain_display_keeps_the_words_and_drops_the_controls():
    assert display_safe("Acme\x1b[1;31m Corp\x1b[0m\r\nwon\tdeal\x00\x7f\x9b2J") == "Acme Corp won deal"
    assert display_safe("\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\ text") == "link text"
    assert display_safe("left\u202eright\u2066x\u2069") == "leftrightx"
    assert display_safe(4200000.0) == "4200000.0"


def test_markdown_display_escapes_only_what_builds_structure():
    plain = "churn_analyzer.at_risk 3 < 4, $4.2M ARR"
    assert display_safe(plain, markdown=True) == plain
    assert display_safe("# Heading", markdown=True) == "\\# Heading"
    assert display_safe("> quote", markdown=True) == "\\> quote"
    assert display_safe("1. item", markdown=True) == "\\1. item"
    assert display_safe("a|b [x](y) <img src=x> _em_ **b**", markdown=True) == \
        "a\\|b \\[x\\](y) \\<img src=x> \\_em\\_ \\*\\*b\\*\\*"
    assert display_safe("<javascript:alert(1)> data:text/html,x", markdown=True) == \
        "\\<javascript\\:alert(1)> data\\:text/html,x"


def test_display_safe_strings_walks_models_lists_and_keys():
    from csuite.answer import Answer, Finding

    answer = Answer(question="q\nx", role="cro", bottom_line="ok", findings=[Finding(text="A\n# B")])
    clean = display_safe_strings(answer, markdown=True)
    # The line break is gone, so "#" no longer opens a line and needs no escape.
    assert clean.question == "q x" and clean.findings[0].text == "A # B" and answer.findings[0].text == "A\n# B"
    assert display_safe_strings(Finding(text="# B"), markdown=True).text == "\\# B"
    assert display_safe_strings({"a\nb": ["c\x1b[0m", 3, ("d\n",)]}) == {"a b": ["c", 3, ("d ",)]}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_any_text_made_safe_is_one_line_with_no_live_markup(text):
    shown = display_safe(text, markdown=True)
    assert "\n" not in shown and "\r" not in shown and ESC not in shown
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)
    for char in "[]|*":
        assert not unescaped(shown, char)
    assert not re.search(r"(?<!\\)<[A-Za-z/!?]", shown)
    assert not re.match(r"\s*(#|>|[-+]\s)", shown)


def test_a_report_keeps_its_own_line_breaks_but_not_escapes():
    assert display_safe("line one\r\nline\ttwo\x1b[31m\x07", one_line=False) == "line one\nline\ttwo"
    assert display_safe("line one\nline two", markdown=True, one_line=False) == "line one line two"


_DISPLAY_PIECES = ["# ", "1. ", "٣) ", " - ", "> ", "+", "~", "=", "[x](y)", "a_b", "_a_", "*", "|", "\\", "<b>",
                   "javascript:", "data:x", "x:y", "\x1b[31m", "\x9b1m", "\n", "\r\n", "\t", "\u2028", "\x85",
                   "\u202e", "\u00a0", "\u3000", "中文", "Acme", " ", "42", "$1.1M", "é",
                   # underscores inside and at the edge of words, in ids and in other scripts
                   "_", "x_1", "é_b", "٣_中", "a__b", "churn_analyzer.p50", "by_owner.AE_West",
                   # colons that are, and are not, a scheme's: case and the long s fold under re.I
                   "JavaScript :", "javaſcript:", "VBScript:", "DATA:/", "data:", "Source: ", "founder_data"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_DISPLAY_PIECES) | st.text(max_size=3), max_size=8).map("".join),
       st.booleans(), st.booleans())
def test_text_passed_through_unchanged_is_what_the_rules_leave_unchanged(text, markdown, one_line):
    """Plain text skips the regexes (issue 19): for any text, the result is what running every
    rule gives."""
    from csuite.io import display

    real = display._already_safe
    display._already_safe = lambda _text, _markdown: False
    try:
        expected = display.display_safe(text, markdown=markdown, one_line=one_line)
    finally:
        display._already_safe = real
    assert display.display_safe(text, markdown=markdown, one_line=one_line) == expected
