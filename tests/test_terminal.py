"""`csuite ask` as a person at a terminal meets it: a rendered answer (plain Markdown when piped or
with --plain), a spinner for slow steps, `--data` anywhere on the line, and shell completion.
The terminal tests run the real entry point on a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys

import pytest
from conftest import AS_OF, EXAMPLES, ROOT

QUESTION = "Will we make the Q4 number?"
ASK = ["ask", QUESTION, "--context", str(EXAMPLES / "company-context.md"), "--as-of", AS_OF, "--offline"]


def on_a_terminal(args: list[str], **env: str) -> str:
    """Run `python -m csuite ARGS` with stdout and stderr on a pseudo-terminal; all it wrote."""
    controller, terminal = pty.openpty()
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", "COLUMNS": "120", **env}
    process = subprocess.Popen([sys.executable, "-m", "csuite", *args], cwd=ROOT, env=environment,
                               stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal, close_fds=True)
    os.close(terminal)
    chunks = []
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            process.kill()
            raise AssertionError("no output for 60 s")
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=60) == 0
    return b"".join(chunks).decode("utf-8", errors="replace")


# ----------------------------------------------------------------------------- --data anywhere

def test_data_before_the_question_does_not_swallow_it(run_cli):
    pipeline = str(EXAMPLES / "pipeline.csv")
    before = run_cli("ask", "--data", pipeline, *ASK[1:])
    after = run_cli(*ASK, "--data", pipeline)
    assert before.code == 0, before.err
    assert before.out == after.out
    assert "pipeline.csv" in before.out and "**BOTTOM LINE** · CRO" in before.out


def test_data_repeats(run_cli):
    files = [str(EXAMPLES / "pipeline.csv"), str(EXAMPLES / "revenue_snapshots.csv")]
    result = run_cli("ask", "--data", files[0], "Should we raise prices at renewal?", "--data", files[1],
                     "--context", EXAMPLES / "company-context.md", "--as-of", AS_OF, "--offline", "--format", "json")
    assert result.code == 0, result.err
    import json

    sources = {e["source"].split(" on ", 1)[-1].split(",")[0] for e in json.loads(result.out)["evidence"]}
    assert any("revenue_snapshots.csv" in s for s in sources) or any("pipeline.csv" in s for s in sources)


# ------------------------------------------------------------------------- rendering and spinner




needs_rich = pytest.mark.skipif(__import__("importlib").util.find_spec("rich") is None,
                                reason="the rich extra is not installed")


@needs_rich
def test_a_terminal_gets_the_rendered_answer():
    shown = on_a_terminal(ASK)
    assert "BOTTOM LINE" in shown
    assert "**BOTTOM LINE**" not in shown and "**HOW TO ACT**" not in shown  # no raw Markdown
    assert "\x1b[" in shown                                                  # styled
    long = on_a_terminal([*ASK, "--long"])
    assert "| # | Action |" not in long and any(box in long for box in "━─┃│")   # the long form's table, drawn


def test_plain_keeps_the_markdown_on_a_terminal():
    shown = on_a_terminal([*ASK, "--plain"])
    assert "**BOTTOM LINE** · CRO" in shown and "**HOW TO ACT**" in shown
    assert "reading data files" not in shown                                  # no spinner either


def test_piped_output_is_the_markdown(run_cli):
    result = run_cli(*ASK)
    assert result.out.startswith("> Will we make the Q4 number?") and "**BOTTOM LINE**" in result.out


@needs_rich
def test_a_slow_step_shows_a_spinner():
    """CSUITE_PROGRESS_DELAY=0 treats every step as slow: the spinner names the steps."""
    shown = on_a_terminal(ASK, CSUITE_PROGRESS_DELAY="0")
    assert "drafting the CRO view" in shown
    assert "BOTTOM LINE" in shown


def test_steps_without_rich_are_notes(capsys, monkeypatch):
    import io

    from csuite.cli import terminal

    monkeypatch.setattr(terminal, "has_rich", lambda: False)
    stream = io.StringIO()
    with terminal.StepProgress("csuite ask", stream=stream) as progress:
        progress("reading data files")
        progress("drafting the CRO view")
    assert stream.getvalue() == "csuite ask: reading data files…\ncsuite ask: drafting the CRO view…\n"


# ------------------------------------------------------------------------------ completion

def bash_complete(script: str, words: list[str]) -> list[str]:
    words_text = " ".join(f"'{w}'" for w in words)
    program = f'{script}\nCOMP_WORDS=({words_text}); COMP_CWORD={len(words) - 1}; _csuite; printf "%s\\n" "${{COMPREPLY[@]}}"'
    done = subprocess.run(["bash", "-c", program], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return [w for w in done.stdout.splitlines() if w]


def test_bash_completion_from_the_parser(run_cli):
    result = run_cli("completion", "bash")
    assert result.code == 0
    script = result.out
    assert bash_complete(script, ["csuite", "con"]) == ["context"]
    assert bash_complete(script, ["csuite", "context", ""]) == ["check", "init"]
    assert bash_complete(script, ["csuite", "ask", "Q", "--role", ""]) == ["cro", "cco"]
    assert bash_complete(script, ["csuite", "ask", "Q", "--pl"]) == ["--plain"]
    assert "churn_analyzer" in bash_complete(script, ["csuite", "tool", ""])
    assert bash_complete(script, ["csuite", "completion", ""]) == ["bash", "zsh", "fish"]
    assert bash_complete(script, ["csuite", "install", "--target", "g"]) == ["gemini"]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completion(run_cli):
    script = run_cli("completion", "fish").out
    program = f'{script}\ncomplete -C "csuite ask --role "; echo ---; complete -C "csuite context "'
    done = subprocess.run(["fish", "-c", program], capture_output=True, text=True)
    roles, subcommands = done.stdout.split("---\n")
    assert [line.split("\t")[0] for line in roles.splitlines()] == ["cco", "cro"]
    assert [line.split("\t")[0] for line in subcommands.splitlines()] == ["check", "init"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_completion_loads(run_cli):
    script = run_cli("completion", "zsh").out
    done = subprocess.run(["zsh", "-c", f"{script}\ncomplete -p csuite"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "-F _csuite csuite" in done.stdout


def test_two_files_after_one_data_flag_say_how(run_cli):
    files = [str(EXAMPLES / "pipeline.csv"), str(EXAMPLES / "revenue_snapshots.csv")]
    result = run_cli(*ASK, "--data", *files)
    assert result.code == 2
    assert result.err.strip().splitlines()[-1] == (
        f"csuite: error: --data takes one file; give each its own: --data {files[0]} --data {files[1]}")
