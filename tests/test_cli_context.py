"""`csuite context check|init` and the top-level CLI, through the real entry points."""

import json
import subprocess
import sys

from tests.conftest import AS_OF, EXAMPLES, ROOT


def test_help_lists_commands(run_cli):
    result = run_cli("--help")
    assert result.code == 0 and "context" in result.out and "tool" in result.out


def test_no_command_is_usage_error(run_cli):
    assert run_cli().code == 2


def test_check_json_on_example(run_cli):
    result = run_cli("context", "check", EXAMPLES / "company-context.md", "--as-of", AS_OF, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["found"] and data["age_days"] == 53 and data["stale"] is False
    assert data["metrics"]["arr"] == 4_200_000 and data["metrics"]["win_rate"] == [0.31, 0.28, 0.25]
    assert data["missing_required"] == []
    assert "leaky_bucket" in {a["id"] for a in data["alerts"]}
    assert all({"id", "role", "severity", "value", "why", "action"} <= set(a) for a in data["alerts"])


def test_check_human_output(run_cli):
    result = run_cli("context", "check", EXAMPLES / "company-context.md", "--as-of", AS_OF)
    assert result.code == 0
    assert "Confidence: medium" in result.out
    assert "⛔ Gross retention too low · high · CCO: GRR 83% (under 85%)" in result.out
    assert "grr_low" not in result.out and "[HIGH]" not in result.out   # labels, never ids


def test_stale_context_flagged(run_cli):
    result = run_cli("context", "check", EXAMPLES / "company-context.md", "--as-of", "2027-06-01", "--json")
    data = json.loads(result.out)
    assert data["stale"] is True and "context_stale" in {a["id"] for a in data["alerts"]}


def test_missing_context_is_a_note_not_an_error(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    result = run_cli("context", "check", "--json", "--as-of", AS_OF)
    assert result.code == 0
    data = json.loads(result.out)
    assert data["found"] is False and "No company-context.md" in data["note"]


def test_bad_inputs_exit_2_with_one_line(run_cli, tmp_path):
    latin = tmp_path / "company-context.md"
    latin.write_bytes("- **Company:** Caf\xe9\n".encode("latin-1"))
    for args in (["context", "check", tmp_path / "typo.md"],
                 ["context", "check", latin],
                 ["context", "check", EXAMPLES / "company-context.md", "--as-of", "23/13/2026"]):
        result = run_cli(*args)
        assert result.code == 2, args
        assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


def test_strict_turns_warnings_into_exit_2(run_cli, tmp_path):
    path = tmp_path / "company-context.md"
    path.write_text("- **NRR:** strong\n- **Last updated:** 2026-11-01\n")
    assert run_cli("context", "check", path, "--as-of", AS_OF).code == 0
    result = run_cli("context", "check", path, "--as-of", AS_OF, "--strict")
    assert result.code == 2 and "NRR" in result.err


def test_init_writes_template_and_refuses_overwrite(run_cli, tmp_path):
    path = tmp_path / "company-context.md"
    assert run_cli("context", "init", path).code == 0
    text = path.read_text()
    assert "## Revenue & Customer Metrics" in text and "**Last updated:**" in text
    path.write_text("my own notes")
    result = run_cli("context", "init", path)
    assert result.code == 2 and "refusing" in result.err
    assert path.read_text() == "my own notes"


def test_template_sections_match_the_issue():
    text = (ROOT / "references" / "company-context-template.md").read_text()
    for heading in ("Identity", "Stage & Scale", "Founder Profile", "Team & Culture", "Market",
                    "Current Challenges", "Goals", "Revenue & Customer Metrics", "Themes", "Metadata"):
        assert f"## {heading}" in text


def test_console_script_runs_as_a_module():
    proc = subprocess.run([sys.executable, "-m", "csuite", "context", "check",
                           str(EXAMPLES / "company-context.md"), "--as-of", AS_OF, "--json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and json.loads(proc.stdout)["found"]


def test_as_of_is_parsed_once_for_every_front_end():
    from datetime import date

    import pytest

    from csuite.context.report import as_of_date
    from csuite.errors import UsageError

    assert as_of_date("2026-11-23") == date(2026, 11, 23) and as_of_date(None) == date.today()
    with pytest.raises(UsageError, match="^as_of: "):
        as_of_date("23/13/2026", name="as_of")


def test_check_shows_the_line_each_metric_came_from(run_cli):
    result = run_cli("context", "check", EXAMPLES / "company-context.md", "--as-of", AS_OF)
    assert "← line 49: - **ARR:** $4.2M" in result.out
    assert "← line 26: - **Sales team:** 5 account executives (2 still ramping)" in result.out
    data = json.loads(run_cli("context", "check", EXAMPLES / "company-context.md", "--as-of", AS_OF, "--json").out)
    assert data["sources"]["arr"] == {"line": 49, "text": "- **ARR:** $4.2M", "column": None, "period": None,
                                      "derived": False, "inputs": [], "lines": [49],
                                      "read_by": "parser"}


def test_check_in_chinese_keeps_json_keys_in_english(run_cli):
    from csuite.knowledge.bilingual import cjk_share

    english = json.loads(run_cli("context", "check", EXAMPLES / "company-context.md", "--as-of", AS_OF,
                                 "--json").out)
    chinese = json.loads(run_cli("context", "check", EXAMPLES / "company-context.md", "--as-of", AS_OF,
                                 "--json", "--lang", "zh").out)
    assert set(chinese) == set(english) and chinese["metrics"] == english["metrics"]
    assert chinese["language"] == "zh" and english["language"] == "en"
    assert {a["id"] for a in chinese["alerts"]} == {a["id"] for a in english["alerts"]}
    assert chinese["alerts"][0]["message"] == "毛收入留存率 GRR 83%（低于 85%）"
    assert cjk_share(chinese["alerts"][0]["message"]) >= 0.5
    human = run_cli("context", "check", EXAMPLES / "company-context.md", "--as-of", AS_OF, "--lang", "zh").out
    for heading in ("公司上下文：", "最后更新：", "可信度：中", "指标：", "预警 (10)：", "第 49 行：- **ARR:** $4.2M",
                    "获客成本回收期 (cac_payback_months)", "21 个月"):
        assert heading in human, heading


def test_a_chinese_file_is_reported_in_chinese_unless_told_otherwise(run_cli):
    path = ROOT / "tests" / "data" / "contexts" / "chinese_only.md"
    result = run_cli("context", "check", path, "--as-of", AS_OF)
    assert "指标：" in result.out and "警告: 第 29 行是写给顾问的指令" in result.err
    english = run_cli("context", "check", path, "--as-of", AS_OF, "--lang", "en")
    assert "Metrics:" in english.out and "warning: line 29 reads as an instruction" in english.err


def test_strict_fails_on_unused_numbers_and_says_which_lines(run_cli, tmp_path):
    path = tmp_path / "company-context.md"
    path.write_text("- **ARR:** $2M\n- **Gross margin:** 78%\nOffice plants: 12\n")
    assert run_cli("context", "check", path, "--as-of", AS_OF).code == 0
    result = run_cli("context", "check", path, "--as-of", AS_OF, "--strict")
    assert result.code == 2 and result.err.count("warning:") == 1 and "line 2" in result.err


def test_oversized_context_exits_2_with_one_line(run_cli, tmp_path):
    path = tmp_path / "company-context.md"
    path.write_bytes(b"- **ARR:** $4.2M\n" * 20_000)
    result = run_cli("context", "check", path, "--as-of", AS_OF)
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1
    assert "read up to 262,144 bytes" in result.err and "$4.2M" not in result.err
