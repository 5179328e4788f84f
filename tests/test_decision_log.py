"""The decision log loses no decision (issue 17, "Lost decisions"): appends are locked and
synced, the file's mode is kept, and a damaged line is skipped with a warning, never fatal."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import date

from csuite.context.decision_log import DecisionRecord, blocked, load_log, record
from csuite.runner import Advisor
from tests.conftest import AS_OF, EXAMPLES, ROOT

DAY = date(2026, 11, 23)
WRITERS = 20


def test_twenty_parallel_writers_keep_all_twenty_records(tmp_path):
    """Twenty `csuite decide` processes started together, through the real entry point. The old
    read-then-rewrite kept 5 to 11 of them, all printing "Recorded"."""
    log = tmp_path / "decision-log.jsonl"
    log.write_text("")
    os.chmod(log, 0o640)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "csuite", "decide", f"cro.pricing_packaging.c{i:02d}",
                               "--status", "rejected", "--log", str(log), "--as-of", AS_OF],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(WRITERS)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert all(code == 0 and out.startswith("Recorded:") and not err for code, out, err in results), results
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == WRITERS
    recorded = sorted(json.loads(line)["recommendation"] for line in lines)
    assert recorded == [f"cro.pricing_packaging.c{i:02d}" for i in range(WRITERS)]
    assert stat.S_IMODE(log.stat().st_mode) == 0o640  # the old atomic rewrite left 0600


def test_mode_is_kept_on_every_append(tmp_path):
    log = tmp_path / "decision-log.jsonl"
    record(log, DecisionRecord(recommendation="a", status="approved", decided_on=DAY))
    os.chmod(log, 0o664)
    record(log, DecisionRecord(recommendation="b", status="approved", decided_on=DAY))
    assert stat.S_IMODE(log.stat().st_mode) == 0o664 and len(log.read_text().splitlines()) == 2


def test_damaged_lines_are_skipped_counted_and_kept(tmp_path):
    log = tmp_path / "decision-log.jsonl"
    good = json.dumps(DecisionRecord(recommendation="cro.x", status="rejected", decided_on=DAY).model_dump(mode="json"))
    damaged = [good, '{"recommendation": "cro.y", "status": "rejec',  # a truncated write
               '{"recommendation": "cro.z", "status": "maybe", "decided_on": "2026-11-23"}',
               "\xff not text", "[" * 100_000]
    log.write_bytes("\n".join(damaged).encode("utf-8", "surrogateescape") + b"\n")
    loaded = load_log(log)
    assert [r.recommendation for r in loaded.records] == ["cro.x"]
    assert loaded.skipped == [2, 3, 4, 5]
    assert "line(s) 2, 3, 4, 5 are not valid decision records" in loaded.warnings[0]
    assert "rejec" not in loaded.warnings[0]  # the damaged text itself is not repeated
    record(log, DecisionRecord(recommendation="cro.w", status="rejected", decided_on=DAY))
    after = load_log(log)
    assert blocked(after.records) == ["cro.x", "cro.w"] and after.skipped == [2, 3, 4, 5]
    assert log.read_text(encoding="utf-8", errors="replace").splitlines()[1] == damaged[1]


def test_a_truncated_last_line_does_not_block_ask_and_the_answer_says_so(tmp_path):
    context = tmp_path / "company-context.md"
    context.write_text((EXAMPLES / "company-context.md").read_text(encoding="utf-8"), encoding="utf-8")
    log = tmp_path / "decision-log.jsonl"
    log.write_text('{"recommendation": "cro.pipeline_forecasting.1", "status": "rej', encoding="utf-8")
    answer = Advisor(context=context, as_of=DAY).ask("Will we make the Q4 number?")
    assert answer.findings and any("line(s) 1 are not valid decision records" in n for n in answer.notes)


def test_decide_and_ask_through_the_cli_with_a_damaged_log(run_cli, tmp_path):
    context = tmp_path / "company-context.md"
    context.write_text((EXAMPLES / "company-context.md").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "decision-log.jsonl").write_text("{oops\n", encoding="utf-8")
    decided = run_cli("decide", "cro.pricing_packaging.1", "--status", "rejected", "--context", context,
                      "--as-of", AS_OF)
    assert decided.code == 0 and "warning" in decided.err and "Traceback" not in decided.err
    asked = run_cli("ask", "Will we make the Q4 number?", "--context", context, "--as-of", AS_OF, "--offline")
    assert asked.code == 0 and "not valid decision records" in asked.out
