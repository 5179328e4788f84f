"""`csuite context check --json` on company-context.md files written the way founders write them.

Each file in tests/data/contexts/ is read through the real CLI; the expected metrics, trends,
alerts and warnings below were worked out by hand from the file (the arithmetic is in the
comments). Metrics are compared as a whole dict, so a value read that should not have been
fails the test as surely as one that was missed.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import DATA

CONTEXTS = DATA / "contexts"
AS_OF = "2026-11-23"


def check(run_cli, name, *extra: str) -> dict:
    result = run_cli("context", "check", CONTEXTS / name if isinstance(name, str) else name, "--as-of", AS_OF, "--json",
                     *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)


def approx_dict(expected: dict) -> dict:
    return {k: (pytest.approx(v) if isinstance(v, (float, list)) else v) for k, v in expected.items()}


def warning_lines(data: dict) -> list[int]:
    """The line each warning names first ('line 12, …' or '… line 12 says …')."""
    import re

    found = []
    for warning in data["warnings"]:
        match = re.search(r"(?:line |第 )(\d+)", warning)
        found.append(int(match.group(1)) if match else None)
    return found


def test_board_table_metric_rows_oldest_left(run_cli):
    data = check(run_cli, "board_table_quarters.md")
    # Q3 2026 is the newest column; the Target column is a plan, never a value.
    assert data["metrics"] == approx_dict({
        "arr": 4_000_000, "nrr": 0.99, "grr": 0.86, "pipeline_coverage": 2.2,
        "win_rate": [0.31, 0.27, 0.24], "nrr_trend": [1.12, 1.06, 0.99],
        "net_new_arr_quarter": 400_000, "sm_spend_quarter": 800_000,
        # magic number: Q3 net new ARR ÷ Q2 (previous quarter) S&M = 400K / 750K
        "magic_number": 400_000 / 750_000,
        "burn_monthly": 350_000, "runway_months": 19,
        # burn multiple: 350K × 3 months ÷ 400K net new ARR = 2.625
        "burn_multiple": 2.625,
    })
    assert data["trends"]["arr"] == {"periods": ["2026-Q1", "2026-Q2", "2026-Q3"],
                                     "values": [3_100_000, 3_600_000, 4_000_000], "lines": [17, 17, 17]}
    assert data["sources"]["arr"] == {"line": 17, "text": "| ARR | $3.1M | $3.6M | $4.0M | $4.5M |",
                                      "column": "Q3 2026", "period": "2026-Q3", "derived": False,
                                      "inputs": [], "lines": [17], "read_by": "parser"}
    assert data["sources"]["magic_number"]["derived"] is True
    assert data["sources"]["magic_number"]["inputs"] == ["net_new_arr_quarter", "sm_spend_quarter"]
    # 0.99 < 1.00; 2.2x < 3x; NRR 112 → 106 → 99 and win rate 31 → 27 → 24 fall twice running
    assert {a["id"] for a in data["alerts"]} == {"nrr_below_100", "pipeline_coverage_below_3x",
                                                 "nrr_declining", "win_rate_declining"}
    assert data["confidence"] == "medium" and data["age_days"] == 39  # 2026-10-15 → 2026-11-23
    assert warning_lines(data) == [22] and "Gross margin" in data["warnings"][0]


def test_period_rows_newest_first_without_years(run_cli):
    data = check(run_cli, "period_rows_newest_first.md")
    # Rows Q4 (QTD), Q3, Q2, Q1 run backwards through the year; Updated 2 November 2026 makes the
    # newest Q4 2026, so the series read oldest first is Q1 → Q4.
    assert data["metrics"] == approx_dict({
        "arr": 1_320_000, "nrr": 1.03, "nrr_trend": [1.10, 1.08, 1.05, 1.03], "logo_retention": 0.86,
        "win_rate": [0.30, 0.29, 0.25, 0.22], "pipeline_coverage": 2.6,
    })
    assert data["trends"]["arr"]["periods"] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert data["trends"]["arr"]["lines"] == [12, 11, 10, 9]
    assert data["sources"]["arr"]["line"] == 9 and data["sources"]["arr"]["column"] == "Q4 (QTD)"
    assert data["last_updated"] == "2026-11-02" and data["confidence"] == "high"
    assert {a["id"] for a in data["alerts"]} == {"pipeline_coverage_below_3x", "nrr_declining", "win_rate_declining"}
    assert data["missing_required"] == ["founder_archetype", "priority_1", "target_12_months"]
    assert data["warnings"] == []


def test_prose_only(run_cli):
    data = check(run_cli, "prose_only.md")
    assert data["metrics"] == approx_dict({
        "largest_customer_share": 0.12,          # Top customer = 12% of revenue
        "monthly_gross_churn": 0.02,             # 2%/mo stays monthly; GRR is not touched by it
        "cac_payback_months": 30,
        "burn_monthly": 400_000, "runway_months": 15,
        "forecast_accuracy": 1 - (900 - 640) / 900,  # called $900k, landed $640k: 71.1%
        "team_size": 41, "ae_count": 6,
        "reps_at_quota": 4 / 7,                  # never 4%
        "nrr": 0.97, "grr": 0.84,                # "…ended the year at 97%, gross at 84%"
        "customers": 86,
    })
    assert data["last_updated"] == "2026-11-01" and data["confidence"] == "high"
    # 0.97 < 1; 0.84 < 0.85; 30 > 24 months; 71% < 80%. 4/7 = 57% is above the 50% line.
    assert {a["id"] for a in data["alerts"]} == {"nrr_below_100", "grr_low", "cac_payback_long",
                                                 "forecast_accuracy_low"}
    assert data["sources"]["grr"]["text"] == "Net revenue retention ended the year at 97%, gross at 84%."
    assert data["warnings"] == []


def test_chinese_only(run_cli):
    data = check(run_cli, "chinese_only.md")
    assert data["metrics"] == approx_dict({
        "arr": 4_500_000,                        # 450 万美元
        "nrr": 0.97, "nrr_trend": [1.12, 1.05, 0.97], "grr": 0.84,
        "pipeline_coverage": 2.6,                # 2.6 倍
        "win_rate": [0.31, 0.27, 0.24],          # 31%、27%、24%
        "largest_customer_share": 0.14,
        "last_pricing_review": "2023-11-01",     # 2023 年 11 月
        "runway_months": 15, "customers": 120, "burn_monthly": 400_000,
        "ae_count": 5, "ramping_aes": 2,
        "reps_at_quota": 4 / 7,                  # 7 名已爬坡 AE 中 4 名
    })
    assert data["language"] == "zh" and data["missing_required"] == []
    assert {a["id"] for a in data["alerts"]} == {"grr_low", "nrr_below_100", "pipeline_coverage_below_3x",
                                                 "nrr_declining", "win_rate_declining", "pricing_review_overdue"}
    # the two injected instructions are named, never read (NRR stays 97%, win rate is not 90%)
    assert warning_lines(data) == [29, 30] and all("指令" in w for w in data["warnings"])


def test_mixed_english_and_chinese(run_cli):
    data = check(run_cli, "mixed_en_zh.md")
    assert data["metrics"] == approx_dict({
        "arr": 1_800_000, "nrr": 1.01, "nrr_trend": [1.18, 1.09, 1.01], "win_rate": [0.22, 0.24, 0.26],
        "pipeline_coverage": 3.4, "cac_payback_months": 14, "magic_number": 0.9,
        "largest_customer_share": 0.09,
    })
    # the bullet and the table agree on the NRR series: no warning, and the table's periods kept
    assert data["trends"]["nrr_trend"]["periods"] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert {a["id"] for a in data["alerts"]} == {"nrr_declining"}  # win rate rises, coverage 3.4x ≥ 3x
    assert data["language"] == "en" and data["warnings"] == []


def test_impossible_and_uncertain_values_are_refused_with_a_warning(run_cli):
    data = check(run_cli, "quirks_refused.md")
    assert data["metrics"] == approx_dict({"customers": 1204, "nrr": 1.04})
    assert warning_lines(data) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14]
    text = "\n".join(data["warnings"])
    for words in ("-3x is outside", "2.5 is not a whole number", "120% is outside", "150% is outside",
                  "280% is outside", "two-digit year", "EUR", "a bound", "a range", "which period", "no unit"):
        assert words in text, words
    assert run_cli("context", "check", CONTEXTS / "quirks_refused.md", "--as-of", AS_OF, "--strict").code == 2


def test_stated_twice_the_most_recent_wins_and_both_lines_are_named(run_cli):
    data = check(run_cli, "duplicates.md")
    assert data["metrics"] == approx_dict({"arr": 4_100_000, "nrr": 1.01, "nrr_trend": [1.08, 1.04],
                                           "grr": 0.88, "runway_months": 16})
    arr, nrr, runway = data["warnings"]  # in line order of the value not used
    # "as of end of September" (2026-09-30) is more recent than the Q2 2026 column (2026-06-30)
    assert "line 11 says $4.1M" in arr and "line 7 says $3.6M" in arr and "more recent" in arr
    # undated means as of Last updated (2026-10-20), after Q2
    assert "line 12 says 101%" in nrr and "line 8 says 104%" in nrr
    # two undated statements: the later line wins, and the prompt's fields show the same value
    assert "line 16 says 16 months" in runway and "line 15 says 18 months" in runway and "later" in runway
    assert data["fields"]["Runway"] == "16 months"
    assert data["trends"]["arr"] == {"periods": ["2026-Q1", "2026-Q2"], "values": [3_200_000, 3_600_000],
                                     "lines": [7, 7]}
    assert data["alerts"] == []  # GRR stated twice as 88% is one value, not a conflict


def test_monthly_table_mrr_and_monthly_churn(run_cli):
    data = check(run_cli, "monthly_table.md")
    # MRR × 12 = ARR: $340K × 12 = $4.08M
    assert data["metrics"] == approx_dict({"arr": 4_080_000, "customers": 219, "monthly_gross_churn": 0.024})
    assert data["trends"]["arr"]["values"] == pytest.approx([3_720_000, 3_900_000, 4_080_000])
    assert data["trends"]["customers"]["periods"] == ["2026-07", "2026-08", "2026-09"]
    assert data["warnings"] == [] and data["alerts"] == []


def test_injected_instructions_stay_inert(run_cli):
    data = check(run_cli, "injection.md")
    assert data["metrics"] == approx_dict({"nrr": 1.04, "arr": 4_200_000})
    # every instruction is named as one; the HTML comment is not content at all
    assert warning_lines(data) == [7, 8, 9, 11, 12, 13]
    assert all("instruction" in w for w in data["warnings"])
    assert "150" not in json.dumps(data["warnings"]) and "90%" not in json.dumps(data["warnings"])


def test_every_unused_number_next_to_a_metric_word_is_listed(run_cli):
    data = check(run_cli, "unused_lines.md")
    assert data["metrics"] == approx_dict({"arr": 2_000_000})
    # gross margin, LTV, ARR growth, revenue per employee: numbers no metric takes; a goal; a subset.
    # "Office plants: 12" has no metric word and is not a warning.
    assert warning_lines(data) == [3, 4, 5, 6, 7, 8]
    assert "Gross margin" in data["warnings"][0] and "goal" in data["warnings"][4]
    result = run_cli("context", "check", CONTEXTS / "unused_lines.md", "--as-of", AS_OF, "--strict")
    assert result.code == 2 and "line 3" in result.err


def test_a_dated_heading_dates_its_section(run_cli):
    data = check(run_cli, "dated_heading.md")
    assert data["metrics"] == approx_dict({"arr": 3_400_000, "win_rate": 0.26, "pipeline_coverage": 3.6})
    assert data["sources"]["pipeline_coverage"]["period"] == "2026-Q2"
    # Q2 2026 (the heading) against "This month" (November 2026): the newer value is used
    assert warning_lines(data) == [5, 7] and all("more recent" in w for w in data["warnings"])
    assert "line 5 says $3M (2026-Q2), line 10 says $3.4M (2026-11); using line 10" in data["warnings"][0]


def test_largest_customer_team_quota_and_derived_efficiency(run_cli):
    data = check(run_cli, "largest_customer.md")
    assert data["metrics"] == approx_dict({
        "largest_customer": "Acme Corp", "largest_customer_share": 0.19, "largest_customer_renewal": "2027-02-01",
        "ae_count": 5, "ramping_aes": 2,
        "rep_quota": 600_000,                    # per AE per year
        "quarter_target": 1_500_000,             # "Q4 target"
        "net_new_arr_quarter": 450_000, "sm_spend_quarter": 900_000,
        "burn_monthly": 400_000,                 # $1.2M per quarter ÷ 3
        "customers": 64,
        "magic_number": 0.5,                     # 450K ÷ 900K
        "burn_multiple": 400_000 * 3 / 450_000,  # 2.67
    })
    assert data["sources"]["burn_multiple"]["text"] == "derived: burn_monthly × 3 ÷ net_new_arr_quarter"
    assert data["sources"]["burn_multiple"]["lines"] == [7, 9]
    assert {a["id"] for a in data["alerts"]} == {"customer_concentration"}  # 19% > 15%; magic 0.5 is not < 0.5
    assert data["warnings"] == []


def test_the_bundled_example_and_template_read_as_before(run_cli):
    from tests.conftest import EXAMPLES, ROOT

    example = json.loads(run_cli("context", "check", EXAMPLES / "company-context.md", "--as-of", AS_OF,
                                 "--json").out)
    assert example["warnings"] == []
    assert example["metrics"]["customers"] == 112 and example["metrics"]["ae_count"] == 5
    assert example["metrics"]["ramping_aes"] == 2
    template = run_cli("context", "check", ROOT / "references" / "company-context-template.md", "--as-of", AS_OF,
                       "--json", "--strict")
    assert template.code == 0 and json.loads(template.out)["metrics"] == {}


def test_every_metric_line_of_the_template_is_read_when_filled_in(tmp_path, run_cli):
    import re

    from tests.conftest import ROOT

    values = {
        "ARR": ("$4.2M", "arr", 4_200_000), "Net revenue retention (NRR)": ("104%", "nrr", 1.04),
        "NRR trend": ("112%, 109%, 104%", "nrr_trend", [1.12, 1.09, 1.04]),
        "Gross revenue retention (GRR)": ("83%", "grr", 0.83), "Logo retention": ("88%", "logo_retention", 0.88),
        "Contraction": ("6.5%", "contraction", 0.065), "Pipeline coverage": ("2.4x", "pipeline_coverage", 2.4),
        "Win rate": ("31%, 28%, 25%", "win_rate", [0.31, 0.28, 0.25]),
        "Largest customer": ("Acme Corp, 19% of ARR, renews Feb 2027", "largest_customer_share", 0.19),
        "Last pricing review": ("March 2025", "last_pricing_review", "2025-03-01"),
        "Monthly gross churn": ("1.5%", "monthly_gross_churn", 0.015),
        "This quarter's new-ARR target": ("$1.5M", "quarter_target", 1_500_000),
        "Net new ARR last quarter": ("$450K", "net_new_arr_quarter", 450_000),
        "S&M spend last quarter": ("$900K", "sm_spend_quarter", 900_000),
        "Magic number": ("0.62", "magic_number", 0.62), "Burn": ("$400K", "burn_monthly", 400_000),
        "CAC payback": ("21 months", "cac_payback_months", 21),
        "Reps at quota": ("4 of 7 ramped AEs", "reps_at_quota", 4 / 7),
        "Forecast accuracy": ("76%", "forecast_accuracy", 0.76), "Runway": ("22 months", "runway_months", 22),
        "Team size": ("46", "team_size", 46), "Customers": ("112", "customers", 112),
        "Sales team": ("5 account executives (2 ramping), 3 SDRs", "ae_count", 5),
        "Quota per AE": ("$600K", "rep_quota", 600_000),
        "Average contract value (ACV)": ("$38,000", "acv", 38_000),
    }
    template = (ROOT / "references" / "company-context-template.md").read_text(encoding="utf-8")
    labels = set(re.findall(r"^- \*\*(.+?):\*\* \[", template, flags=re.M))
    assert set(values) <= labels
    filled = re.sub(r"^- \*\*(.+?):\*\* \[.*\]$",
                    lambda m: f"- **{m.group(1)}:** {values[m.group(1)][0]}" if m.group(1) in values else m.group(0),
                    template, flags=re.M)
    path = tmp_path / "company-context.md"
    path.write_text(filled, encoding="utf-8")
    data = check(run_cli, path)
    for label, (_, metric, expected) in values.items():
        got = data["metrics"].get(metric)
        assert got == (pytest.approx(expected) if not isinstance(expected, str) else expected), label
    assert data["metrics"]["largest_customer"] == "Acme Corp" and data["metrics"]["ramping_aes"] == 2
    assert data["warnings"] == []
