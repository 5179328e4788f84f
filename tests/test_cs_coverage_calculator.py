"""cs_coverage_calculator: golden numbers by hand, the anchor pack's coverage pitfalls made
impossible, a malformed-input corpus, and properties of the hiring plan."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csuite.errors import InputError, UsageError
from csuite.knowledge.thresholds import section
from csuite.tools import cs_coverage_calculator as cov
from csuite.tools.cs_coverage_calculator import CoverageOptions, run

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
BOOK = DATA / "cs_coverage_calculator_book.csv"
CFG = section("cs_coverage_calculator")
AS_OF = "2026-11-23"


def opts(**kw) -> CoverageOptions:
    return CoverageOptions(as_of=AS_OF, **kw)


def tiers_by_name(result):
    return {t.tier: t for t in result.tiers}


# ---------------------------------------------------------------------------------------------
# Golden numbers: tests/data/cs_coverage_calculator_book.csv, default YAML (buffer 15%)
#
# Models: named_exec $750K / 8 accts / ramp 4; named $1.5M / 25 / 3; pooled $2.5M / 75 / 2;
#         tech_touch $5M / 500 / 1. Tier names pick the model (case-insensitive).
#   strategic  4 accts, $1.5M: max(1.5/0.75 = 2.0, 4/8 = 0.5)      = 2.0 x 1.15 = 2.30, capped at
#              4 accounts / at least 2 per CSM = 2.0 (the account cap binds)
#   KEY       20 accts, $1.2M: max(1.2/1.5 = 0.8, 20/25 = 0.8)     = 0.8 x 1.15 = 0.92 (cap 20/5 = 4)
#   Core     150 accts, $3.0M: max(3/2.5 = 1.2, 150/75 = 2.0)      = 2.0 x 1.15 = 2.30 (accounts bind)
#   Long Tail 1000 accts, $1M: max(1/5 = 0.2, 1000/500 = 2.0)      = 2.0 x 1.15 = 2.30
#   Team: 7.52 FTE -> 8 CSMs now; 3 on staff -> gap 5.
# At 12 months (strategic +20%, KEY +50% "0.5", Core 0%, Long Tail blank -> flat):
#   strategic min(2.4 x 1.15 = 2.76, 4.8 / 2 = 2.4) = 2.4; KEY max(1.8/1.5, 30/25) = 1.2 x 1.15 = 1.38;
#   Core 2.30; Long Tail 2.30. Team: 8.38 FTE -> 9 CSMs.


@pytest.fixture(scope="module")
def golden():
    return run(BOOK, opts())


def test_required_fte_per_tier_by_hand(golden):
    t = tiers_by_name(golden)
    assert t["strategic"].coverage_model == "named_exec"
    assert t["KEY"].coverage_model == "named"
    assert t["Core"].coverage_model == "pooled"
    assert t["Long Tail"].coverage_model == "tech_touch"
    assert t["strategic"].required_csms_now == pytest.approx(2.0)
    assert t["KEY"].required_csms_now == pytest.approx(0.92)
    assert t["Core"].required_csms_now == pytest.approx(2.30)
    assert t["Long Tail"].required_csms_now == pytest.approx(2.30)
    assert t["strategic"].binding_constraint == "account_cap" and t["strategic"].min_accounts_per_csm == 2
    assert t["KEY"].binding_constraint == "arr"
    assert t["Core"].binding_constraint == "accounts"
    assert t["strategic"].gap_now == pytest.approx(1.0)
    assert t["KEY"].gap_now == pytest.approx(-0.08)


def test_twelve_month_need_by_hand(golden):
    t = tiers_by_name(golden)
    assert t["strategic"].required_csms_12m == pytest.approx(2.4)
    assert t["KEY"].required_csms_12m == pytest.approx(1.38)
    assert t["KEY"].arr_12m == pytest.approx(1_800_000) and t["KEY"].accounts_12m == pytest.approx(30)
    assert t["Long Tail"].arr_growth == 0.0
    assert any("Long Tail" in w and "flat" in w for w in golden.warnings)


def test_totals_by_hand(golden):
    tot = golden.totals
    assert tot.required_fte_now == pytest.approx(7.52)
    assert (tot.required_csms_now, tot.current_csms, tot.gap_now) == (8, 3, 5)
    assert tot.required_fte_12m == pytest.approx(8.38)
    assert (tot.required_csms_12m, tot.gap_12m) == (9, 6)
    assert tot.accounts == 1174 and tot.arr == 6_700_000


def test_by_model_comparison_by_hand(golden):
    strategic = tiers_by_name(golden)["strategic"].by_model
    assert strategic["tech_touch"] == pytest.approx(max(1.5 / 5, 4 / 500) * 1.15)      # 0.345
    assert strategic["pooled"] == pytest.approx(max(1.5 / 2.5, 4 / 75) * 1.15)         # 0.69
    assert strategic["named"] == pytest.approx(min(1.0 * 1.15, 4 / 5))                # capped: 0.8
    assert strategic["named_exec"] == pytest.approx(min(2.30, 4 / 2))                  # capped: 2.0


def test_hiring_plan_by_hand(golden):
    # Today's gap of 5, one hire at a time to the largest FTE deficit (ties: higher-touch model).
    # Deficits: Long Tail 2.30, Core 1.30, strategic 2.0 - 1 = 1.0, KEY -0.08:
    #   Long Tail (2.30) -> Core (1.30, tie with Long Tail 1.30, pooled first) -> Long Tail (1.30)
    #   -> strategic (1.0) -> Core (0.30, tie with Long Tail, pooled first). All open 2026-11, start 2027-02.
    # Need reaches 9 at month 8 (2027-07): 4.6 + 2 x 1.2^(8/12) + 0.92 x 1.5^(8/12) = 4.6 + 2.2585 + 1.2056
    # = 8.064 > 8 (month 7: 7.99). Deficits then: Long Tail 2.3 - 2 = 0.30 > strategic 0.2585 > KEY 0.2056,
    # so the sixth hire is tech-touch: ramp 1 month, start 2027-06, requisition 90 days earlier, 2027-03.
    csm = [h for h in golden.hires if h.role == "csm"]
    assert [h.tier for h in csm] == ["Long Tail", "Core", "Long Tail", "strategic", "Core", "Long Tail"]
    assert [h.open_req_month for h in csm] == ["2026-11"] * 5 + ["2027-03"]
    assert [h.start_month for h in csm] == ["2027-02"] * 5 + ["2027-06"]
    ready = [h.ready_month for h in csm]
    # ramp: tech-touch 1, named_exec 4, pooled 2 months after the 2027-02 start
    assert ready == ["2027-03", "2027-04", "2027-03", "2027-06", "2027-04", "2027-07"]
    assert [h.needed_month for h in csm] == ["2026-11"] * 5 + ["2027-07"]
    assert [h.late_months for h in csm] == [4, 5, 4, 7, 5, 0]
    assert "gap today" in csm[0].reason


def test_managers_and_month_table_by_hand(golden):
    # 8 CSMs on payroll from 2027-02: ceil(8 / 6) = 2 managers (team >= 5), reqs open 2026-11.
    managers = [h for h in golden.hires if h.role == "manager"]
    assert len(managers) == 2
    assert {(h.open_req_month, h.start_month, h.late_months) for h in managers} == {("2026-11", "2027-02", 0)}
    months = golden.months
    assert len(months) == 12 and months[0].month == "2026-11" and months[-1].month == "2027-10"
    assert [m.required_csms for m in months] == [8] * 8 + [9] * 4
    assert [m.csms_on_payroll for m in months] == [3, 3, 3] + [8] * 4 + [9] * 5
    # ramped: 3; +2 tech-touch at 2027-03; +2 pooled at 2027-04; +1 named_exec at 2027-06; +1 tech-touch 2027-07
    assert [m.ramped_csms for m in months] == [3, 3, 3, 3, 5, 7, 7, 8, 9, 9, 9, 9]
    assert [m.shortfall for m in months] == [5, 5, 5, 5, 3, 1, 1, 0, 0, 0, 0, 0]
    assert months[0].reqs_opened == 5 and months[3].csm_starts == 5 and months[3].manager_starts == 2
    # incremental cost: (5 x 115,000 + 2 x 165,000) / 12 = 75,416.67 a month from 2027-02,
    # (6 x 115,000 + 2 x 165,000) / 12 = 85,000 from 2027-06: 4 x 75,416.67 + 5 x 85,000 = 726,666.67
    assert [m.incremental_cost for m in months[:3]] == [0, 0, 0]
    assert months[3].incremental_cost == pytest.approx(905_000 / 12)
    assert months[7].incremental_cost == pytest.approx(85_000)
    assert golden.incremental_cost_12m == pytest.approx(4 * 905_000 / 12 + 5 * 85_000)
    assert golden.incremental_run_rate_12m == pytest.approx(1_020_000)
    assert months[-1].cumulative_incremental_cost == pytest.approx(4 * 905_000 / 12 + 5 * 85_000)
    assert golden.totals.managers_required_now == 0 and golden.totals.managers_required_12m == 2


def test_on_time_growth_hire_by_hand():
    # One pooled tier, 30 accounts (0.4 FTE with no buffer), growth 200%:
    # FTE(k) = 0.4 x 3^(k/12): month 10 = 0.9992, month 11 = 1.0943 -> second CSM needed 2027-10.
    # Ramp 2 -> start 2027-08 (month 9); req 3 months before -> 2027-05 (month 6). On time.
    book = [{"tier": "Core", "accounts": 30, "arr": 0, "current_csms": 1, "growth": "200%"}]
    result = run(book, opts(buffer=0))
    (hire,) = result.hires
    assert (hire.needed_month, hire.open_req_month, hire.start_month, hire.ready_month, hire.late_months) == \
        ("2027-10", "2027-05", "2027-08", "2027-10", 0)
    assert "growth" in hire.reason
    # cost from the start month: 2027-08, -09, -10 = 3 x 115,000 / 12
    assert result.incremental_cost_12m == pytest.approx(28_750)
    assert [m.incremental_cost for m in result.months[:9]] == [0] * 9


def test_buffer_zero_and_options():
    result = run(BOOK, opts(buffer=0))
    assert result.totals.required_fte_now == pytest.approx(6.8)            # 2.0 + 0.8 + 2.0 + 2.0
    assert result.totals.required_csms_now == 7
    assert result.totals.required_fte_12m == pytest.approx(7.6)            # 2.4 + 1.2 + 2 + 2
    cheap = run(BOOK, opts(csm_cost="$100K", manager_cost=150000))
    # 4 months of 5 CSMs + 2 managers, then 5 months of 6 CSMs + 2 managers (see the month table)
    assert cheap.incremental_cost_12m == pytest.approx((4 * (5 * 100_000 + 2 * 150_000)
                                                        + 5 * (6 * 100_000 + 2 * 150_000)) / 12)


def test_growth_option_fills_blank_growth_only():
    result = run(BOOK, opts(growth="10%"))
    t = tiers_by_name(result)
    assert t["Long Tail"].arr_growth == pytest.approx(0.10)
    assert t["strategic"].arr_growth == pytest.approx(0.20)       # its own 20% wins
    assert t["Core"].arr_growth == 0.0                            # an explicit 0% is not blank
    assert not any("flat" in w for w in result.warnings)


def test_four_strategic_accounts_never_get_a_csm_each():
    # By ARR alone: $2.1M ÷ $750K = 2.8 × 1.15 = 3.22 FTE for 4 accounts. With at least 2 accounts per
    # named+exec CSM (thresholds.yaml) the need is 4 ÷ 2 = 2.0, and the output names the cap.
    (tier,) = run([{"tier": "Strategic", "accounts": 4, "arr": 2_100_000, "current_csms": 0}], opts()).tiers
    assert tier.required_csms_now == pytest.approx(2.0) and tier.binding_constraint == "account_cap"
    assert CFG["models"]["named_exec"]["min_accounts_per_csm"] == 2


def test_ratio_overrides_per_tier():
    book = [{"tier": "Key", "accounts": 10, "arr": "$900K", "current_csms": 0,
             "arr_per_csm": "$450K", "accounts_per_csm": 4}]
    (tier,) = run(book, opts(buffer=0)).tiers
    # max(900 / 450 = 2.0, 10 / 4 = 2.5) = 2.5; the named cap (at least 5 accounts per CSM) is lowered to the
    # overridden book of 4, so 10 / 4 = 2.5 caps nothing.
    assert tier.required_csms_now == pytest.approx(2.5)
    assert (tier.arr_per_csm, tier.accounts_per_csm, tier.binding_constraint) == (450_000, 4, "accounts")


def test_manager_rule_is_one_rule_from_yaml():
    rule = CFG["manager_rule"]
    assert rule["csms_per_manager"] == 6 and rule["first_manager_at"] == 5
    assert [cov.managers_needed(n) for n in (0, 4, 5, 6, 7, 12, 13)] == [0, 0, 1, 1, 2, 2, 3]
    statement = cov.manager_rule_statement()
    assert statement == ("One CS manager for every 6 CSMs (rounded up) once the team has 5 or more "
                         "CSMs; below 5 CSMs the Head of CS manages them directly.")
    assert run(BOOK, opts()).manager_rule == statement


def test_manager_rule_sentence_follows_the_numbers(monkeypatch):
    # The sentence used to be a second copy of 6 and 5 in the YAML: edit the numbers and it lied.
    # With 8 per manager from 3 CSMs: 3 CSMs -> ceil(3 / 8) = 1 manager, 2 CSMs -> 0.
    monkeypatch.setitem(CFG, "manager_rule", {"csms_per_manager": 8, "first_manager_at": 3})
    assert [cov.managers_needed(n) for n in (2, 3, 8, 9)] == [0, 1, 1, 2]
    statement = cov.manager_rule_statement()
    assert "every 8 CSMs" in statement and "3 or more CSMs" in statement and "below 3 CSMs" in statement
    assert "6" not in statement and "5" not in statement
    assert run(BOOK, opts()).manager_rule == statement


def _rebalance_book():
    # Key (named, 25 accounts per CSM): 10 / 25 = 0.4 FTE for 2 CSMs -> 1.6 FTE spare.
    # Core (pooled, 75 accounts per CSM): 60 / 75 = 0.8 FTE for 0 CSMs -> 0.8 FTE short.
    # Team need ceil(0.4 + 0.8) = 2 = the 2 CSMs on payroll: no hire today, so the 0.8 stays short.
    return [{"tier": "Key", "accounts": 10, "arr": 0, "current_csms": 2, "growth": 0},
            {"tier": "Core", "accounts": 60, "arr": 0, "current_csms": 0, "growth": 0}]


def test_rebalancing_threshold_comes_from_yaml(monkeypatch):
    assert CFG["rebalance_min_fte"] == 0.25
    notes = run(_rebalance_book(), opts(buffer=0)).rebalancing
    assert any("Key (+1.6 FTE)" in n and "Core (0.8 FTE)" in n for n in notes)
    # 0.8 FTE short is below a 1.0 threshold: no move-accounts note (the code said 0.25 twice).
    monkeypatch.setitem(CFG, "rebalance_min_fte", 1.0)
    notes = run(_rebalance_book(), opts(buffer=0)).rebalancing
    assert not any("Spare capacity" in n for n in notes)


def test_lead_time_text_comes_from_hire_ahead_days(monkeypatch):
    # The one summary (the registry's) names no YAML number, so it cannot drift from the YAML.
    assert "hire-ahead lead time" in cov.SPEC.summary and "-day" not in cov.SPEC.summary
    monkeypatch.setitem(CFG, "hire_ahead_days", 60)
    result = run(BOOK, opts())
    assert result.hire_ahead_days == 60
    late = [w for w in result.warnings if "only after they are needed" in w]
    assert late and "ramp + 60-day hiring" in late[0] and "90" not in late[0]
    # how many hires are late and by how much, in words (no field name for the founder to look up)
    hires = [h for h in result.hires if h.role == "csm"]
    assert f"{sum(1 for h in hires if h.late_months)} of {len(hires)} CSM hires" in late[0]
    assert f"up to {max(h.late_months for h in hires)} months late" in late[0] and "late_months" not in late[0]


def test_current_managers_count_toward_the_rule():
    # 12-month need 9 CSMs (see the golden header) -> ceil(9 / 6) = 2 managers, already on staff.
    # Five CSM hires open in 2026-11 and start 3 months later (90-day lead); the sixth starts 2027-06.
    # Months 0-2 cost nothing, months 3-6 cost 5 x 115,000 / 12 = 47,916.67, months 7-11 6 x 115,000 / 12
    # = 57,500: 4 x 47,916.67 + 5 x 57,500 = 479,166.67.
    result = run(BOOK, opts(current_managers=2))
    assert result.totals.manager_hires == 0
    assert [m.incremental_cost for m in result.months] == pytest.approx(
        [0] * 3 + [5 * 115_000 / 12] * 4 + [6 * 115_000 / 12] * 5)
    assert result.incremental_cost_12m == pytest.approx(4 * 5 * 115_000 / 12 + 5 * 57_500)


def test_lead_time_from_days():
    assert cov.lead_months(90) == 3
    assert cov.lead_months(60) == 2
    assert cov.lead_months(31) == 2


# ---------------------------------------------------------------------------------------------
# The anchor pack's pitfalls


def test_pitfall_todays_gaps_are_front_loaded_even_with_limited_hiring():
    # Anchor: round-robin Q1..Q4 let today's gaps slip to Q4. With 2 requisitions a month the
    # five hires for today's gap take the first slots (2026-11, -11, -12, -12, 2027-01) and the
    # growth hire (needed 2027-07, tech-touch: requisition 2027-03) comes after them.
    result = run(BOOK, opts(max_reqs_per_month=2))
    csm = [h for h in result.hires if h.role == "csm"]
    today = [h.open_req_month for h in csm if h.needed_month == "2026-11"]
    later = [h.open_req_month for h in csm if h.needed_month != "2026-11"]
    assert today == ["2026-11", "2026-11", "2026-12", "2026-12", "2027-01"]
    assert later and min(later) >= max(today)
    assert [m.reqs_opened for m in result.months[:3]] == [2, 2, 1]


def test_pitfall_ramp_lead_time_and_buffer_are_used():
    default = run(BOOK, opts())
    no_buffer = run(BOOK, opts(buffer=0))
    assert default.totals.required_csms_now > no_buffer.totals.required_csms_now
    assert default.buffer == CFG["buffer"] and default.lead_months == 3
    ramps = {(h.coverage_model, h.start_month, h.ready_month) for h in default.hires if h.role == "csm"}
    assert ("tech_touch", "2027-02", "2027-03") in ramps and ("named_exec", "2027-02", "2027-06") in ramps


def test_pitfall_case_insensitive_tier_names():
    # Anchor: tier key "Strategic" ignored.
    for spelling in ("Strategic", "STRATEGIC", "strategic", " Strategic "):
        (tier,) = run([{"tier": spelling, "accounts": 8, "arr": 750_000, "current_csms": 1}], opts(buffer=0)).tiers
        assert tier.coverage_model == "named_exec" and tier.required_csms_now == pytest.approx(1.0)
    (tier,) = run([{"tier": "Long-Tail", "accounts": 500, "arr": 0, "current_csms": 1}], opts(buffer=0)).tiers
    assert tier.coverage_model == "tech_touch"


def test_pitfall_duplicate_tier_in_another_case_is_refused():
    book = [{"tier": "Strategic", "accounts": 1, "arr": 1, "current_csms": 0},
            {"tier": "strategic", "accounts": 1, "arr": 1, "current_csms": 0}]
    with pytest.raises(InputError) as err:
        run(book, opts())
    assert err.value.row == 2 and "appears twice" in err.value.message


@pytest.mark.parametrize("suffix,text", [
    # YAML and JSON both keep the LAST of two equal keys by default: Strategic would silently be
    # 1 account instead of 8, and the plan would size one CSM short. The strict loader refuses it.
    (".yaml", "tiers:\n  Strategic: {accounts: 8, arr: 1500000, current_csms: 2}\n"
              "  Core: {accounts: 60, arr: 1200000, current_csms: 1}\n"
              "  Strategic: {accounts: 1, arr: 100000, current_csms: 0}\n"),
    (".json", '{"tiers": {"Strategic": {"accounts": 8, "arr": 1500000, "current_csms": 2}, '
              '"Strategic": {"accounts": 1, "arr": 100000, "current_csms": 0}}}'),
])
def test_pitfall_tier_written_twice_in_a_document_is_refused(tmp_path, run_cli, suffix, text):
    path = tmp_path / f"cs_coverage_calculator_book{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="field 'Strategic': (line 4: )?appears twice"):
        run(path, opts())
    res = run_cli("tool", "cs_coverage_calculator", path, "--as-of", AS_OF)
    assert res.code == 2 and res.out == "" and "Traceback" not in res.err
    assert len(res.err.strip().splitlines()) == 1 and "Strategic" in res.err


def test_pitfall_growth_written_as_percent_string():
    # Anchor: growth "40%" crashed.
    (tier,) = run([{"tier": "Core", "accounts": 75, "arr": 0, "current_csms": 1, "growth": "40%"}],
                  opts(buffer=0)).tiers
    assert tier.account_growth == pytest.approx(0.40)
    assert tier.required_csms_12m == pytest.approx(1.4)


def test_pitfall_json_book_with_tier_keys_and_fractional_count(tmp_path, run_cli):
    # Anchor: {"tiers": {"strategic": {..., "current_csm_count": 2.5}}} crashed on :+d formatting.
    path = tmp_path / "cs_coverage_calculator_book.json"
    path.write_text(json.dumps({"tiers": {"Strategic": {"accounts": 8, "arr": 1_500_000,
                                                        "current_csm_count": 2.5}}}))
    res = run_cli("tool", "cs_coverage_calculator", path, "--as-of", AS_OF)
    assert res.code == 2 and "Traceback" not in res.err
    assert "current_csms" in res.err and "whole number" in res.err and "2.5" not in res.err
    path.write_text(json.dumps({"tiers": {"Strategic": {"accounts": 8, "arr": 1_500_000,
                                                        "current_csm_count": 2}}}))
    res = run_cli("tool", "cs_coverage_calculator", path, "--as-of", AS_OF, "--json")
    assert res.code == 0
    assert json.loads(res.out)["tiers"][0]["coverage_model"] == "named_exec"


def test_pitfall_large_books_are_capped_and_summarised():
    book = [{"tier": f"Region {i}", "coverage_model": "pooled", "accounts": 750, "arr": 0,
             "current_csms": 0} for i in range(30)]
    result = run(book, opts(buffer=0))
    # 30 tiers x 750 / 75 = 300 CSMs needed today
    assert result.totals.csm_hires == 300
    assert len(result.hires) == CFG["plan_row_limit"]
    assert result.hires_total == 300 + result.totals.manager_hires
    assert result.hires_omitted == result.hires_total - CFG["plan_row_limit"]
    assert sum(m.reqs_opened for m in result.months) == 300
    text = cov.render(result)
    assert f"... and {result.hires_omitted} more" in text
    assert "... 10 more tiers" in text
    assert len(text.splitlines()) < 100          # 2 x 20 tier rows + 12 months + 20 hires + headings


# ---------------------------------------------------------------------------------------------
# Sample and CLI


def test_sample_is_ledgerline():
    # examples/cs_book.csv by hand (buffer 15%):
    #   Strategic  3 accts, $1,138,000: max(1.138/0.75 = 1.5173, 3/8 = 0.375) x 1.15 = 1.7449, capped at
    #              3 accounts / at least 2 per CSM = 1.5 (the account cap binds)
    #   Key       12 accts,   $962,000: max(0.962/1.5 = 0.6413, 12/25 = 0.48) x 1.15 = 0.7375
    #   Core      45 accts, $1,575,000: max(1.575/2.5 = 0.63, 45/75 = 0.60)   x 1.15 = 0.7245
    #   Long tail 52 accts,   $525,000: max(0.525/5 = 0.105, 52/500 = 0.104) x 1.15 = 0.12075
    #   Σ 3.08275 FTE -> 4 CSMs; 3 on staff (1 + 1 + 1 + 0) -> gap 1; Strategic alone is 0.5 short.
    result = run(ROOT / "examples" / "cs_book.csv", opts())
    assert result.totals.accounts == 112 and result.totals.current_csms == 3
    assert result.totals.arr == 4_200_000
    t = tiers_by_name(result)
    assert t["Strategic"].required_csms_now == pytest.approx(1.5)
    assert t["Strategic"].binding_constraint == "account_cap"
    assert t["Key"].required_csms_now == pytest.approx(0.962 / 1.5 * 1.15)
    assert t["Core"].required_csms_now == pytest.approx(0.63 * 1.15)
    assert t["Long tail"].required_csms_now == pytest.approx(0.105 * 1.15)
    assert t["Strategic"].gap_now == pytest.approx(0.5)
    assert result.totals.required_fte_now == pytest.approx(1.5 + (0.962 / 1.5 + 0.63 + 0.105) * 1.15)
    assert result.totals.required_csms_now == 4 and result.totals.gap_now == 1


def test_cli_text_json_and_sample_note(run_cli):
    res = run_cli("tool", "cs_coverage_calculator", "--as-of", AS_OF)
    assert res.code == 0 and "using the bundled sample" in res.err
    assert "Hiring plan" in res.out and "Manager rule" in res.out
    res = run_cli("tool", "cs_coverage_calculator", BOOK, "--json", "--as-of", AS_OF)
    assert res.code == 0
    data = json.loads(res.out)
    for key in ("tiers", "totals", "months", "hires", "hires_total", "incremental_cost_12m", "manager_rule"):
        assert key in data
    assert data["totals"]["required_csms_now"] == 8


class _FrozenDate(cov.date):
    """date whose today() is 2026-11-23, so the no --as-of path is tested against a known clock."""

    @classmethod
    def today(cls):
        return cov.date(2026, 11, 23)


def test_no_as_of_says_which_month(run_cli, monkeypatch):
    # Without --as-of the plan starts in the current month: with the clock frozen at 2026-11-23
    # that is 2026-11, and the warning must say so (not just exist).
    monkeypatch.setattr(cov, "date", _FrozenDate)
    result = run(BOOK, CoverageOptions())
    assert "no --as-of given: the plan starts in the current month (2026-11)" in result.warnings
    assert result.as_of == cov.date(2026, 11, 23)
    assert result.start_month == "2026-11" and result.months[0].month == "2026-11"
    # month 12 is 12 months after 2026-11: 2027-11
    assert result.month_12 == "2027-11"
    res = run_cli("tool", "cs_coverage_calculator", BOOK, "--json")
    assert res.code == 0
    data = json.loads(res.out)
    assert "no --as-of given: the plan starts in the current month (2026-11)" in data["warnings"]
    assert data["months"][0]["month"] == "2026-11"
    # with --as-of the warning is absent and the given month is used, whatever the clock says
    dated = run(BOOK, CoverageOptions(as_of="2027-03-05"))
    assert not any("no --as-of" in w for w in dated.warnings)
    assert dated.months[0].month == "2027-03"


def test_script_entry_point():
    proc = subprocess.run([sys.executable, "scripts/cs_coverage_calculator.py", str(BOOK), "--json",
                           "--as-of", AS_OF], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["totals"]["gap_now"] == 5


# ---------------------------------------------------------------------------------------------
# Malformed input corpus

HEAD = "tier,accounts,arr,current_csms,growth\n"
BAD = {
    "fractional_accounts": (HEAD + "Strategic,2.5,100000,1,10%\n", ["row 2", "accounts", "whole number"]),
    "fractional_csms": (HEAD + "Strategic,2,100000,1.5,10%\n", ["row 2", "current_csms", "whole number"]),
    "negative_csms": (HEAD + "Strategic,2,100000,-1,10%\n", ["row 2", "current_csms"]),
    "negative_arr": (HEAD + "Strategic,2,-100000,1,10%\n", ["row 2", "arr", "negative"]),
    "nan_arr": (HEAD + "Strategic,2,NaN,1,10%\n", ["row 2", "arr", "finite"]),
    "text_accounts": (HEAD + "Strategic,many,100000,1,10%\n", ["row 2", "accounts"]),
    "blank_accounts": (HEAD + "Strategic,,100000,1,10%\n", ["row 2", "accounts", "blank"]),
    "blank_tier": (HEAD + ",2,100000,1,10%\n", ["row 2", "tier", "blank"]),
    "arr_without_accounts": (HEAD + "Strategic,0,100000,1,10%\n", ["row 2", "arr", "0 accounts"]),
    "growth_below_minus_100": (HEAD + "Strategic,2,100000,1,-150%\n", ["row 2", "growth", "-100%"]),
    "growth_text": (HEAD + "Strategic,2,100000,1,fast\n", ["row 2", "growth"]),
    "unknown_tier": (HEAD + "Platinum,2,100000,1,10%\n", ["row 2", "tier", "coverage model"]),
    "unknown_model": ("tier,coverage_model,accounts,arr,current_csms\nGold,white glove plus,2,1,0\n",
                      ["row 2", "coverage_model", "unknown coverage model"]),
    "zero_arr_per_csm": ("tier,accounts,arr,current_csms,arr_per_csm\nCore,2,1,0,0\n",
                         ["row 2", "arr_per_csm"]),
    "zero_accounts_per_csm": ("tier,accounts,arr,current_csms,accounts_per_csm\nCore,2,1,0,0\n",
                              ["row 2", "accounts_per_csm"]),
    "duplicate_tier": (HEAD + "Core,2,1,0,0\nCORE,2,1,0,0\n", ["row 3", "appears twice"]),
    "missing_column": ("tier,accounts,arr\nCore,2,1\n", ["missing column", "current_csms"]),
    "header_only": (HEAD, ["no tiers"]),
    "empty": ("", ["empty"]),
    "json_tiers_not_objects": ('{"tiers": {"Core": 5}}', ["tiers.Core"]),
    "json_scalar": ('"hello"', ["expected a list"]),
    "json_broken": ('{"tiers": [', ["not valid JSON"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_corpus(case, tmp_path, run_cli):
    text, expected = BAD[case]
    suffix = ".json" if case.startswith("json") else ".csv"
    path = tmp_path / f"cs_coverage_calculator_{case}{suffix}"
    path.write_text(text, encoding="utf-8")
    res = run_cli("tool", "cs_coverage_calculator", path, "--as-of", AS_OF)
    assert res.code == 2, res.out
    assert "Traceback" not in res.err and res.err.count("\n") == 1, res.err
    assert str(path) in res.err
    for fragment in expected:
        assert fragment in res.err, (fragment, res.err)


@pytest.mark.parametrize("args, fragment", [
    (["--max-reqs-per-month", "0"], "--max-reqs-per-month"),
    (["--current-managers", "-1"], "--current-managers"),
    (["--current-managers", "1.5"], "--current-managers"),
    (["--as-of", "2026-13-01"], "--as-of"),
    (["--buffer", "lots"], "--buffer"),
    (["--csm-cost", "-5"], "--csm-cost"),
])
def test_bad_options(args, fragment, run_cli):
    res = run_cli("tool", "cs_coverage_calculator", BOOK, *args)
    assert res.code == 2 and fragment in res.err and "Traceback" not in res.err


def test_yaml_book_and_model_spellings(tmp_path):
    path = tmp_path / "book.yaml"
    path.write_text("tiers:\n  - {segment: Whales, model: Named + Executive Sponsor, customers: 8, "
                    "total_arr: $750K, csms: 0}\n  - {segment: Minnows, model: tech-touch, customers: 500, "
                    "total_arr: 0, csms: 0}\n")
    result = run(path, opts(buffer=0))
    assert [t.coverage_model for t in result.tiers] == ["named_exec", "tech_touch"]
    assert result.totals.required_fte_now == pytest.approx(2.0)


# ---------------------------------------------------------------------------------------------
# Properties

MODELS = list(cov.MODEL_ORDER)


@st.composite
def books(draw):
    rows = []
    for i in range(draw(st.integers(1, 6))):
        accounts = draw(st.integers(0, 3000))
        arr = draw(st.integers(0, 20_000_000)) if accounts else 0
        rows.append({"tier": f"T{i}", "coverage_model": draw(st.sampled_from(MODELS)), "accounts": accounts,
                     "arr": arr, "current_csms": draw(st.integers(0, 15)),
                     "growth": draw(st.sampled_from(["-50%", "0", "10%", "40%", "1.5", "150%", "300%"]))})
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book=books(), buffer=st.sampled_from([0, 0.1, 0.15, 0.3]), cap=st.sampled_from([None, 1, 3]),
       managers=st.integers(0, 3))
def test_plan_properties(book, buffer, cap, managers):
    try:
        result = run(book, opts(buffer=buffer, max_reqs_per_month=cap, current_managers=managers, limit=10_000))
    except UsageError:
        # only when a requisition limit cannot fit the hires into ten years of months
        uncapped = run(book, opts(buffer=buffer, current_managers=managers))
        assert cap and uncapped.totals.csm_hires > cap * (cov.MAX_PLAN_MONTHS - cov.config()["horizon_months"])
        return
    models = CFG["models"]
    fte_now = 0.0
    for row, tier in zip(book, result.tiers):
        m = models[row["coverage_model"]]
        by_arr = row["arr"] / m["arr_per_csm"] * (1 + buffer)
        by_accounts = row["accounts"] / m["accounts_per_csm"] * (1 + buffer)
        need = max(by_arr, by_accounts)
        if m.get("min_accounts_per_csm"):
            need = min(need, row["accounts"] / min(m["min_accounts_per_csm"], m["accounts_per_csm"]))
        assert tier.required_csms_now == pytest.approx(need)
        fte_now += tier.required_csms_now
    tot = result.totals
    assert tot.required_csms_now == math.ceil(round(fte_now, 9))
    # hires exactly fill the largest need in the horizon
    needs = [m.required_csms for m in result.months] + [tot.required_csms_12m]
    assert tot.csm_hires == max(0, max(needs) - tot.current_csms)
    assert sum(m.reqs_opened for m in result.months) + sum(
        1 for h in result.hires if h.role == "csm" and h.open_req_month > result.months[-1].month) == tot.csm_hires
    csm = [h for h in result.hires if h.role == "csm"]
    for h in csm:
        assert h.open_req_month <= h.start_month <= h.ready_month
        assert h.late_months == max(0, _months(h.needed_month, h.ready_month))
        tier = next(t for t in result.tiers if t.tier == h.tier)
        assert _months(h.start_month, h.ready_month) == tier.ramp_months
        assert _months(h.open_req_month, h.start_month) == result.lead_months
    # today's gaps are never planned after a later need's requisition
    today = [h.open_req_month for h in csm if h.needed_month == result.start_month]
    later = [h.open_req_month for h in csm if h.needed_month != result.start_month]
    if today and later:
        assert max(today) <= min(later)
    if cap is None:
        assert all(o == result.start_month for o in today)
    # cost is incremental: zero without hires, never negative
    assert all(m.incremental_cost >= 0 for m in result.months)
    if not result.hires:
        assert result.incremental_cost_12m == 0
    # managers follow the one rule once requisitions had time to fill
    for k, m in enumerate(result.months):
        if k >= result.lead_months:
            assert m.managers_on_payroll >= cov.managers_needed(m.csms_on_payroll)
    cov.render(result)


def _months(a: str, b: str) -> int:
    ya, ma = map(int, a.split("-"))
    yb, mb = map(int, b.split("-"))
    return (yb - ya) * 12 + mb - ma


def test_a_plan_that_cannot_be_hired_in_ten_years_is_refused(run_cli, tmp_path):
    path = tmp_path / "cs_coverage_calculator_huge.csv"
    path.write_text("tier,coverage_model,accounts,arr,current_csms\nAll,pooled,75000,0,0\n")
    res = run_cli("tool", "cs_coverage_calculator", path, "--as-of", AS_OF, "--max-reqs-per-month", "1")
    assert res.code == 2 and "raise the limit" in res.err and "Traceback" not in res.err
    res = run_cli("tool", "cs_coverage_calculator", path, "--as-of", AS_OF, "--json")
    assert res.code == 0 and json.loads(res.out)["totals"]["csm_hires"] == 1150   # 75,000 / 75 x 1.15


def test_a_book_needing_an_army_is_refused_before_it_is_planned(tmp_path, run_cli):
    # 1,000,000,000 tech-touch accounts ÷ 500 per CSM × 1.15 = 2,300,000 CSMs, far over the cap:
    # refused with exit 2 naming the file, instead of planning 2.3M hires one by one.
    book = tmp_path / "book.csv"
    book.write_text("Tier,Coverage model,Accounts,ARR,Current CSMs\n"
                    "Long tail,Tech-touch,1000000000,\"$5,000,000\",2\n", encoding="utf-8")
    result = run_cli("tool", "cs_coverage_calculator", str(book), "--as-of", "2026-11-23")
    assert result.code == 2 and "book.csv" in result.err and "2,300,000 CSMs" in result.err
    assert "Traceback" not in result.err
    limit = int(section("cs_coverage_calculator")["max_team_size"])
    with pytest.raises(InputError, match=f"over the {limit:,}"):
        run(book, CoverageOptions(as_of="2026-11-23"))
