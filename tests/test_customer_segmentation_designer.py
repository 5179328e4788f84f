"""customer_segmentation_designer: golden numbers by hand, the anchor pack's pitfalls made
impossible, a malformed-input corpus, and properties that must hold for any customer file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csuite.errors import InputError, UsageError
from csuite.knowledge.thresholds import section
from csuite.tools import customer_segmentation_designer as seg
from csuite.tools.customer_segmentation_designer import SegmentationOptions, run

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SMALL = DATA / "customer_segmentation_designer_small.csv"
CFG = section("customer_segmentation_designer")

SIGNAL_KEYS = list(seg.SIGNALS)


def customer(cid: str, arr, *, signals: dict | None = None, cost=0, tenure=12) -> dict:
    row = {"id": cid, "name": f"Co {cid}", "arr": arr, "tenure_months": tenure, "annual_cost_to_serve": cost}
    row.update({s: "false" for s in SIGNAL_KEYS})
    row.update(signals or {})
    return row


def by_id(rows):
    return {r.customer_id: r for r in rows}


# ---------------------------------------------------------------------------------------------
# Golden numbers (fixture customer_segmentation_designer_small.csv)
#
# Weights: industry 2, size 1.5, workflow 2, sponsor 1.5, advocacy 1, expansion 1, low competition 1.
#   C1  300,000  fit 2+1.5+2+1.5+1+0+1 = 9     strategic   cost 30,000
#   C2  100,000  fit 2+1.5+2+0+0+1+1  = 7.5   key         cost  8,000  (expansion)
#   C3   80,000  fit 2                         key         cost  9,000
#   C4   30,000  fit 2+1 = 3                   core        cost  1,500  (expansion)
#   C5   10,000  fit 1                         long tail   cost  6,000  tenure 10
#   C6    8,000  fit 0                         long tail   cost  5,000  tenure 3
#   C7        0  fit 2                         zero ARR    cost  2,000
#   C8        0  fit 0                         zero ARR    cost      0
#   C9   50,000  fit 2+1.5+2+1.5+1 = 8         core        cost  4,000  (expansion)
#   C10  15,000  fit 0 ("FALSE", "False", "0", "N", "no")   long tail  cost 9,000  tenure 36
# Paying ARR = 300,000+100,000+80,000+30,000+10,000+8,000+50,000+15,000 = 593,000


@pytest.fixture(scope="module")
def small():
    return run(SMALL, SegmentationOptions())


def test_weights_sum_to_ten_and_cover_the_seven_signals():
    assert set(CFG["fit_weights"]) == set(seg.SIGNALS)
    assert sum(CFG["fit_weights"].values()) == pytest.approx(10.0)


def test_fit_scores_by_hand(small):
    fits = {r.customer_id: r.fit_score for r in run(SMALL, SegmentationOptions(include_customers=True)).assignments}
    assert fits == {"C1": 9.0, "C2": 7.5, "C3": 2.0, "C4": 3.0, "C5": 1.0, "C6": 0.0,
                    "C7": 2.0, "C8": 0.0, "C9": 8.0, "C10": 0.0}


def test_counts_and_totals(small):
    assert small.customers == 10
    assert small.paying_customers == 8
    assert small.zero_arr_customers == 2
    assert small.total_arr == 593_000
    # 30,000+8,000+9,000+1,500+6,000+5,000+2,000+0+4,000+9,000
    assert small.total_cost_to_serve == 74_500
    assert small.zero_arr_cost_to_serve == 2_000


def test_threshold_tiers_by_hand(small):
    tiers = {t.tier: t for t in small.tiers}
    assert [t.tier for t in small.tiers] == ["strategic", "key", "core", "long_tail"]
    assert (tiers["strategic"].customers, tiers["strategic"].arr) == (1, 300_000)
    assert (tiers["key"].customers, tiers["key"].arr) == (2, 180_000)          # C2 + C3
    assert (tiers["core"].customers, tiers["core"].arr) == (2, 80_000)         # C4 + C9
    assert (tiers["long_tail"].customers, tiers["long_tail"].arr) == (3, 33_000)  # C5 + C6 + C10
    assert tiers["strategic"].arr_share == pytest.approx(300_000 / 593_000)
    assert tiers["key"].customer_share == pytest.approx(2 / 8)
    assert tiers["key"].average_fit_score == pytest.approx((7.5 + 2) / 2)      # 4.75
    assert tiers["long_tail"].average_fit_score == pytest.approx(1 / 3)
    assert tiers["key"].average_arr == 90_000
    # entry ARR: the thresholds; the bottom tier shows its lowest paying ARR (C6, 8,000)
    assert [t.entry_arr for t in small.tiers] == [150_000, 60_000, 20_000, 8_000]


def test_investment_per_tier_by_hand(small):
    tiers = {t.tier: t for t in small.tiers}
    # strategic: 300,000 x 12% = 36,000 recommended; cost 30,000 -> gap +6,000; ratio 10%
    assert tiers["strategic"].recommended_investment == pytest.approx(36_000)
    assert tiers["strategic"].investment_gap == pytest.approx(6_000)
    assert tiers["strategic"].cost_ratio == pytest.approx(0.10)
    # key: 180,000 x 10% = 18,000; cost 8,000 + 9,000 = 17,000 -> +1,000
    assert tiers["key"].investment_gap == pytest.approx(1_000)
    # core: 80,000 x 7% = 5,600; cost 1,500 + 4,000 = 5,500 -> +100
    assert tiers["core"].investment_gap == pytest.approx(100)
    # long tail: 33,000 x 4% = 1,320; cost 6,000 + 5,000 + 9,000 = 20,000 -> -18,680
    assert tiers["long_tail"].investment_gap == pytest.approx(-18_680)
    assert tiers["long_tail"].coverage_model == "tech_touch"


def test_transitions_by_hand(small):
    # Up: C2 (key, fit 7.5, expansion, 100,000 >= 0.6 x 150,000 = 90,000) -> strategic;
    #     C9 (core, fit 8, expansion, 50,000 >= 0.6 x 60,000 = 36,000) -> key.
    assert [(r.customer_id, r.target_tier) for r in small.upgrade_candidates] == [("C2", "strategic"), ("C9", "key")]
    assert small.upgrade_count == 2 and small.upgrade_arr == 150_000
    # Down: C3 (key, fit 2 <= 4, no expansion) -> core. C4 has expansion potential: not listed.
    assert [(r.customer_id, r.target_tier) for r in small.downgrade_candidates] == [("C3", "core")]
    assert small.downgrade_arr == 80_000


def test_kill_list_by_hand(small):
    # C10: 9,000 / 15,000 = 60% >= 50%, fit 0 <= 3, no expansion, tenure 36 >= 6 -> listed
    # C5:  6,000 / 10,000 = 60%, fit 1, no expansion, tenure 10 -> listed
    # C6:  5,000 / 8,000 = 62.5%, fit 0, but tenure 3 < 6 (still onboarding) -> not listed
    assert [r.customer_id for r in small.kill_list] == ["C10", "C5"]
    assert small.kill_count == 2
    assert small.kill_arr == 25_000
    assert small.kill_cost_to_serve == 15_000
    assert small.kill_list[0].cost_ratio == pytest.approx(0.6)
    assert "50%" in small.kill_rule.statement and "3/10" in small.kill_rule.statement


def test_concentration_uses_the_alert_threshold(small):
    assert small.largest_customer.customer_id == "C1"
    assert small.largest_customer_share == pytest.approx(300_000 / 593_000)
    assert small.concentration_threshold == 0.15
    assert small.concentration_flag


def test_percentile_mode_by_hand():
    # 8 paying, sorted: 300k, 100k, 80k, 50k, 30k, 15k, 10k, 8k.
    # Cuts: ceil(0.05 x 8) = 1, ceil(0.20 x 8) = 2, ceil(0.55 x 8) = 5.
    result = run(SMALL, SegmentationOptions(mode="percentile", include_customers=True))
    tiers = {r.customer_id: r.tier for r in result.assignments}
    assert tiers == {"C1": "strategic", "C2": "key", "C3": "core", "C9": "core", "C4": "core",
                     "C10": "long_tail", "C5": "long_tail", "C6": "long_tail", "C7": None, "C8": None}
    assert [t.entry_arr for t in result.tiers] == [300_000, 100_000, 30_000, 8_000]
    # C2 needs 0.6 x 300,000 = 180,000 and C9 needs 0.6 x 100,000 = 60,000: no upgrades
    assert result.upgrade_count == 0
    # C3 is now core, fit 2, no expansion -> long tail
    assert [(r.customer_id, r.target_tier) for r in result.downgrade_candidates] == [("C3", "long_tail")]


def test_percentile_ties_stay_together_in_the_higher_tier():
    # n = 4: first cut ceil(0.2) = 1 falls inside three equal 100s, so it moves to 3.
    assert seg.percentile_cuts([100, 100, 100, 50], [0.05, 0.15, 0.35]) == [3, 3, 3]
    assert seg.assign_percentile([50, 100, 100, 100], [0.05, 0.15, 0.35]) == [3, 0, 0, 0]


def test_percentile_shares_in_yaml_match_the_issue_bands():
    shares = CFG["percentile_shares"]
    assert shares["strategic"] == 0.05
    assert 0.15 <= shares["key"] <= 0.20
    assert 0.30 <= shares["core"] <= 0.40


def test_threshold_boundaries():
    floors = seg.tier_floors_for_thresholds(CFG, None)
    assert floors == [150_000, 60_000, 20_000, 0]
    assert seg.assign_thresholds([150_000, 149_999.99, 60_000, 20_000, 19_999, 1], floors) == [0, 1, 1, 2, 3, 3]


def test_thresholds_override():
    # 200K / 90K / 25K: C1 strategic; C2 key; C3 (80k) core; C9 core; C4 core; rest long tail
    result = run(SMALL, SegmentationOptions(thresholds=["200K", "$90,000", 25000], include_customers=True))
    tiers = {r.customer_id: r.tier for r in result.assignments}
    assert tiers["C3"] == "core" and tiers["C2"] == "key" and tiers["C4"] == "core"
    assert result.tiers[0].entry_arr == 200_000


# ---------------------------------------------------------------------------------------------
# The anchor pack's pitfalls, each impossible here


def test_pitfall_string_false_is_false():
    # Anchor: all signals "false" scored 8.5/10.
    rows = [customer("A", 50_000, signals={s: "false" for s in SIGNAL_KEYS}, cost=1000)]
    result = run(rows, SegmentationOptions(include_customers=True))
    assert result.assignments[0].fit_score == 0.0
    rows = [customer("A", 50_000, signals={s: "true" for s in SIGNAL_KEYS}, cost=1000)]
    assert run(rows, SegmentationOptions(include_customers=True)).assignments[0].fit_score == 10.0


def test_pitfall_unclear_boolean_is_an_error_naming_row_and_field():
    rows = [customer("A", 50_000), customer("B", 50_000, signals={"advocacy": "maybe"})]
    with pytest.raises(InputError) as err:
        run(rows)
    assert err.value.row == 2 and err.value.field == "advocacy"


def test_pitfall_zero_arr_never_on_the_kill_list():
    # Anchor: ARR 0, cost 0 -> infinite ratio printed as "(None%)" on the kill list.
    rows = [customer("Free", 0, cost=0, tenure=40), customer("Pilot", 0, cost=12_000, tenure=40),
            customer("Paid", 10_000, cost=100, tenure=40)]
    result = run(rows)
    assert result.kill_count == 0
    assert {r.customer_id for r in result.zero_arr} == {"Free", "Pilot"}
    assert all(r.cost_ratio is None and r.tier is None for r in result.zero_arr)
    assert result.zero_arr[0].customer_id == "Pilot"            # the costly one first
    text = seg.render(result)
    assert "None" not in text and "inf" not in text.lower()
    assert "convert to paid or sunset" in text


def test_pitfall_top_tier_never_offered_an_upgrade():
    rows = [customer("Top", 900_000, signals={s: "yes" for s in SIGNAL_KEYS}, cost=10)]
    result = run(rows)
    assert result.upgrade_count == 0
    # ... in percentile mode too (a lone customer is the top 5%)
    assert run(rows, SegmentationOptions(mode="percentile")).upgrade_count == 0


def test_bottom_tier_never_offered_a_downgrade():
    rows = [customer("Low", 5_000, cost=100, tenure=2)]
    assert run(rows).downgrade_count == 0


def test_lists_are_capped_but_counts_cover_everyone():
    rows = [customer(f"K{i}", 10_000 + i, cost=9_000, tenure=24) for i in range(40)]
    result = run(rows, SegmentationOptions(limit=5))
    assert result.kill_count == 40 and len(result.kill_list) == 5
    assert result.kill_arr == sum(10_000 + i for i in range(40))
    assert result.kill_list[0].customer_id == "K39"             # highest ARR first
    assert "... and 35 more" in seg.render(result)


def test_json_inline_booleans_and_customers_key():
    doc = {"customers": [
        {"customer": "A", "ARR": "$80K", "tenure": "14 months", "annual_cost_to_serve": "USD 4,000.00",
         **{s: True for s in SIGNAL_KEYS}},
        {"customer": "B", "ARR": 30000, "tenure": 7, "annual_cost_to_serve": 0,
         **{s: False for s in SIGNAL_KEYS}},
    ]}
    result = run(doc, SegmentationOptions(include_customers=True))
    fits = {r.customer_id: (r.fit_score, r.arr, r.tenure_months) for r in result.assignments}
    assert fits == {"A": (10.0, 80_000, 14.0), "B": (0.0, 30_000, 7.0)}


def test_start_dates_with_as_of():
    rows = [{**customer("A", 20_000), "start_date": "2025-05-15"}]
    del rows[0]["tenure_months"]
    result = run(rows, SegmentationOptions(as_of="2026-11-23", include_customers=True))
    assert result.assignments[0].tenure_months == 18          # 2025-05-15 -> 2026-11-15 is 18 months
    with pytest.raises(UsageError):
        run(rows)                                              # no --as-of: refuse, don't read the clock
    rows[0]["start_date"] = "2027-01-01"
    with pytest.raises(InputError) as err:
        run(rows, SegmentationOptions(as_of="2026-11-23"))
    assert err.value.field == "start_date"


# ---------------------------------------------------------------------------------------------
# Sample and CLI


def _sample_by_hand(path):
    """The sample's tiers and lists straight from the CSV with the csv module, independent of the
    tool: fit = sum of the YAML weights of the "Yes" signals; tier floors 150K / 60K / 20K / 0;
    kill: cost >= 50% of ARR, fit <= 3, no expansion, tenure >= 6; up: not top, fit >= 7, expansion,
    ARR >= 0.6 x the next tier's floor; down: not bottom, not killed, fit <= 4, no expansion."""
    import csv

    weights = {"Industry fit": 2, "Company size fit": 1.5, "Workflow fit": 2, "Executive sponsor": 1.5,
               "Advocacy": 1, "Expansion potential": 1, "Low competitive pressure": 1}
    floors = [150_000, 60_000, 20_000, 0]
    out = {"tiers": [[0, 0.0] for _ in floors], "kill": set(), "up": set(), "down": set(), "arr": {}}
    for r in csv.DictReader(open(path, encoding="utf-8")):
        arr, cost, tenure = float(r["ARR"]), float(r["Annual cost to serve"]), float(r["Tenure (months)"])
        fit = sum(w for k, w in weights.items() if r[k] == "Yes")
        expansion = r["Expansion potential"] == "Yes"
        tier = next(i for i, f in enumerate(floors) if arr >= f)
        out["tiers"][tier][0] += 1
        out["tiers"][tier][1] += arr
        out["arr"][r["Record ID"]] = arr
        killed = cost >= 0.5 * arr and fit <= 3 and not expansion and tenure >= 6
        if killed:
            out["kill"].add(r["Record ID"])
        if tier > 0 and fit >= 7 and expansion and arr >= 0.6 * floors[tier - 1]:
            out["up"].add(r["Record ID"])
        if tier < 3 and not killed and fit <= 4 and not expansion:
            out["down"].add(r["Record ID"])
    return out


def test_sample_is_ledgerline():
    path = ROOT / "examples" / "customers.csv"
    hand = _sample_by_hand(path)
    # The recomputation gives 3 / 12 / 45 / 52 customers and $1,138,000 / $962,000 / $1,575,000 /
    # $525,000 (Σ $4.2M, the same book as examples/cs_book.csv); 5 on the kill list ($58,500 ARR),
    # 5 upgrades ($360,500), 3 downgrades ($130,000); the largest account $798,000 = 19% of $4.2M.
    assert [tuple(t) for t in hand["tiers"]] == [(3, 1_138_000), (12, 962_000), (45, 1_575_000), (52, 525_000)]
    assert (len(hand["kill"]), sum(hand["arr"][c] for c in hand["kill"])) == (5, 58_500)
    assert (len(hand["up"]), sum(hand["arr"][c] for c in hand["up"])) == (5, 360_500)
    assert (len(hand["down"]), sum(hand["arr"][c] for c in hand["down"])) == (3, 130_000)
    result = run(path, SegmentationOptions(limit=1_000))
    assert result.customers == 112 and result.paying_customers == 112
    assert result.total_arr == 4_200_000
    assert [(t.customers, t.arr) for t in result.tiers] == [tuple(t) for t in hand["tiers"]]
    assert {r.customer_id for r in result.kill_list} == hand["kill"] and result.kill_arr == 58_500
    assert {r.customer_id for r in result.upgrade_candidates} == hand["up"] and result.upgrade_arr == 360_500
    assert {r.customer_id for r in result.downgrade_candidates} == hand["down"] and result.downgrade_arr == 130_000
    assert result.largest_customer.arr == 798_000
    assert result.largest_customer_share == pytest.approx(798_000 / 4_200_000)   # 19% > 15% alert line
    assert result.concentration_flag


def test_cli_text_json_and_sample_note(run_cli):
    res = run_cli("tool", "customer_segmentation_designer")
    assert res.code == 0
    assert "using the bundled sample" in res.err
    assert "Kill list" in res.out and "$4,200,000" in res.out
    res = run_cli("tool", "customer_segmentation_designer", SMALL, "--json", "--mode", "percentile")
    assert res.code == 0
    data = json.loads(res.out)
    assert data["mode"] == "percentile" and data["paying_customers"] == 8
    for key in ("tiers", "upgrade_candidates", "downgrade_candidates", "kill_list", "zero_arr", "kill_rule"):
        assert key in data


def test_script_entry_point():
    proc = subprocess.run([sys.executable, "scripts/customer_segmentation_designer.py", str(SMALL), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["kill_count"] == 2
    proc = subprocess.run([sys.executable, "scripts/customer_segmentation_designer.py", "--help"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--mode" in proc.stdout


# ---------------------------------------------------------------------------------------------
# Malformed input corpus: exit 2, one line naming the file (and row and field), no traceback

HEADER = ("id,name,arr,tenure_months,industry_fit,company_size_fit,workflow_fit,executive_sponsor,"
          "advocacy,expansion_potential,low_competitive_pressure,annual_cost_to_serve\n")
GOOD = "A1,Acme,50000,12,yes,no,yes,no,no,yes,no,4000\n"

BAD = {
    "missing_column": ("id,arr,tenure_months\nA1,5000,3\n", ["missing column", "cost_to_serve"]),
    "maybe_boolean": (HEADER + GOOD + "A2,Beta,50000,12,yes,no,maybe,no,no,yes,no,4000\n",
                      ["row 3", "workflow_fit", "maybe"]),
    "blank_boolean": (HEADER + "A2,Beta,50000,12,yes,no,,no,no,yes,no,4000\n", ["row 2", "workflow_fit"]),
    "nan_arr": (HEADER + "A2,Beta,nan,12,yes,no,no,no,no,yes,no,4000\n", ["row 2", "arr", "finite"]),
    "inf_cost": (HEADER + "A2,Beta,100,12,yes,no,no,no,no,yes,no,inf\n", ["row 2", "cost_to_serve"]),
    "negative_arr": (HEADER + "A2,Beta,-5000,12,yes,no,no,no,no,yes,no,4000\n", ["row 2", "arr", "negative"]),
    "accounting_negative_cost": (HEADER + 'A2,Beta,5000,12,yes,no,no,no,no,yes,no,"(1,200)"\n',
                                 ["row 2", "cost_to_serve", "negative"]),
    "text_arr": (HEADER + "A2,Beta,lots,12,yes,no,no,no,no,yes,no,4000\n", ["row 2", "arr"]),
    "blank_arr": (HEADER + "A2,Beta,,12,yes,no,no,no,no,yes,no,4000\n", ["row 2", "arr", "blank"]),
    "negative_tenure": (HEADER + "A2,Beta,500,-3,yes,no,no,no,no,yes,no,4000\n", ["row 2", "tenure_months"]),
    "duplicate_id": (HEADER + GOOD + GOOD, ["row 3", "appears twice"]),
    "header_only": (HEADER, ["no customers"]),
    "empty": ("", ["empty"]),
    "extra_cells": (HEADER + "A2,Beta,500,3,yes,no,no,no,no,yes,no,4000,surprise\n", ["row 2", "cells"]),
    "json_not_records": ('{"something": 1}', ["expected a list"]),
    "json_scalar_rows": ("[1, 2]", ["not an object"]),
    "json_nested_value": ('[{"id": "A", "arr": {"x": 1}, "tenure_months": 1, "annual_cost_to_serve": 0, '
                          + ", ".join(f'"{s}": true' for s in seg.SIGNALS) + "}]", ["row 1", "arr"]),
    "bad_json": ("[{", ["not valid JSON"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_corpus(case, tmp_path, run_cli):
    text, expected = BAD[case]
    suffix = ".json" if case.startswith(("json", "bad_json")) else ".csv"
    path = tmp_path / f"customer_segmentation_designer_{case}{suffix}"
    path.write_text(text, encoding="utf-8")
    res = run_cli("tool", "customer_segmentation_designer", path)
    assert res.code == 2, res.out
    assert "Traceback" not in res.err
    assert res.err.count("\n") == 1, res.err
    assert str(path) in res.err
    for fragment in expected:
        assert fragment in res.err, (fragment, res.err)


def test_non_utf8_file(tmp_path, run_cli):
    path = tmp_path / "customer_segmentation_designer_latin1.csv"
    path.write_bytes((HEADER + "A2,Caf\xe9 Co,500,3,yes,no,no,no,no,yes,no,40\n").encode("cp1252"))
    res = run_cli("tool", "customer_segmentation_designer", path, "--json")
    assert res.code == 0 and "Café Co" in res.out and "Windows-1252" in res.out


@pytest.mark.parametrize("args, fragment", [
    (["--thresholds", "60K", "150K", "20K"], "decreasing"),
    (["--thresholds", "150K", "60K"], "3 amounts"),
    (["--mode", "percentile", "--thresholds", "150K", "60K", "20K"], "applies to --mode thresholds"),
    (["--thresholds", "lots", "60K", "20K"], "--thresholds"),
    (["--limit", "0"], "--limit"),
    (["--as-of", "2026-13-01"], "--as-of"),
])
def test_bad_options(args, fragment, run_cli):
    res = run_cli("tool", "customer_segmentation_designer", SMALL, *args)
    assert res.code == 2 and fragment in res.err and "Traceback" not in res.err


@pytest.mark.parametrize("name, text", [
    ("bom_crlf.csv", "\ufeff" + (HEADER + GOOD).replace("\n", "\r\n")),
    ("semicolon.csv", (HEADER + GOOD).replace(",", ";")),
    ("money_formats.csv", HEADER + 'A1,Acme,"$50,000",12 months,Yes,No,YES,no,N,y,0,USD 4000\n'),
])
def test_real_export_quirks_give_the_right_numbers(name, text, tmp_path):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = run(path, SegmentationOptions(include_customers=True))
    row = result.assignments[0]
    # industry 2 + workflow 2 + expansion 1 = 5
    assert (row.arr, row.cost_to_serve, row.fit_score, row.tier) == (50_000, 4_000, 5.0, "core")


# ---------------------------------------------------------------------------------------------
# Properties

BOOL_TEXT = st.sampled_from(["true", "false", "yes", "no", "Y", "N", "0", "1", True, False, "TRUE", "No"])
ARR = st.one_of(st.just(0), st.integers(min_value=1, max_value=2_000_000),
                st.sampled_from([20_000, 60_000, 150_000]))


@st.composite
def customers(draw):
    n = draw(st.integers(min_value=1, max_value=40))
    rows = []
    for i in range(n):
        row = {"id": f"c{i}", "arr": draw(ARR), "tenure_months": draw(st.integers(0, 60)),
               "annual_cost_to_serve": draw(st.integers(0, 500_000))}
        row.update({s: draw(BOOL_TEXT) for s in seg.SIGNALS})
        rows.append(row)
    return rows


TRUE_TEXT = {"true", "yes", "y", "1", "t"}


def truthy(value) -> bool:
    return value is True or str(value).strip().lower() in TRUE_TEXT


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=customers(), mode=st.sampled_from(["thresholds", "percentile"]))
def test_properties(rows, mode):
    result = run(rows, SegmentationOptions(mode=mode, limit=10_000, include_customers=True))
    weights = CFG["fit_weights"]
    tiers = CFG["tiers"]
    rank = {t: i for i, t in enumerate(tiers)}
    by = by_id(result.assignments)
    for row in rows:
        got = by[row["id"]]
        expected_fit = sum(weights[s] for s in seg.SIGNALS if truthy(row[s]))
        assert got.fit_score == pytest.approx(expected_fit)
        assert 0 <= got.fit_score <= 10
        assert (got.tier is None) == (row["arr"] == 0)
    # a higher ARR is never in a lower tier
    paying = [r for r in result.assignments if r.tier is not None]
    for a in paying:
        for b in paying:
            if a.arr > b.arr:
                assert rank[a.tier] <= rank[b.tier]
    # tiers account for every paying customer and every dollar
    assert sum(t.customers for t in result.tiers) == result.paying_customers
    assert sum(t.arr for t in result.tiers) == pytest.approx(result.total_arr)
    # lists: disjoint, never zero-ARR, never upgrade the top tier / downgrade the bottom tier
    up = {r.customer_id for r in result.upgrade_candidates}
    down = {r.customer_id for r in result.downgrade_candidates}
    kill = {r.customer_id for r in result.kill_list}
    assert not (up & down) and not (up & kill) and not (down & kill)
    assert all(by[c].arr > 0 for c in up | down | kill)
    assert all(r.tier != tiers[0] for r in result.upgrade_candidates)
    assert all(r.tier != tiers[-1] for r in result.downgrade_candidates)
    assert all(rank[r.target_tier] == rank[r.tier] - 1 for r in result.upgrade_candidates)
    assert all(rank[r.target_tier] == rank[r.tier] + 1 for r in result.downgrade_candidates)
    rule = CFG["kill_rule"]
    for c, r in by.items():
        should_kill = (r.arr > 0 and r.cost_to_serve >= rule["min_cost_ratio"] * r.arr
                       and r.fit_score <= rule["max_fit_score"] and not r.expansion_potential
                       and r.tenure_months >= rule["min_tenure_months"])
        assert (c in kill) == should_kill
    seg.render(result)


@settings(max_examples=40, deadline=None)
@given(flags=st.lists(st.booleans(), min_size=7, max_size=7), which=st.integers(0, 6))
def test_turning_a_signal_on_never_lowers_the_fit(flags, which):
    before = seg.fit_score(flags)
    after = seg.fit_score([f or i == which for i, f in enumerate(flags)])
    assert after >= before


@pytest.mark.parametrize("source, fast_ok", [(ROOT / "examples" / "customers.csv", True),
                                             (SMALL, False)])   # SMALL has a "$100,000" cell
def test_column_fast_path_reads_exactly_what_the_row_parsers_read(source, fast_ok):
    from csuite.io.tables import read_table, resolve_columns

    table = read_table(source)
    mapping = resolve_columns(table, seg.COLUMN_ALIASES, seg.REQUIRED)
    fast = seg._read_fast(table, mapping)
    slow = seg._read_rows(table, mapping, SegmentationOptions())
    assert (fast is not None) == fast_ok
    if fast is None:
        return
    for attr in ("ids", "names", "rows", "arr", "cost", "tenure", "signals"):
        assert getattr(fast, attr) == getattr(slow, attr), attr


@pytest.mark.parametrize("cells", [["12."], ["1e5"], ["1_000"], [" 12"], ["nan"], ["12", ""]])
def test_fast_number_path_declines_what_parse_money_would_not_read_the_same_way(cells):
    assert seg._fast_numbers(cells) is None


def test_fast_boolean_path_never_lets_json_1_0_borrow_true():
    assert seg._fast_booleans([True, 1.0]) is None
    assert seg._fast_booleans([True, 1, "no"]) == [True, True, False]


@pytest.mark.parametrize("column, cell", [("ARR", "99999999999999999"), ("Annual cost to serve", "20000000000000"),
                                          ("ARR", "1" + "0" * 400)])
def test_fast_path_refuses_amounts_parse_money_refuses(column, cell, tmp_path, run_cli):
    # 99,999,999,999,999,999 > MAX_AMOUNT (1e13, ten trillion) and 2e13 > 1e13: parse_money calls
    # both implausible; the all-plain-digits column used to slip through the fast path as an ARR.
    # A 401-digit cell is float('inf') to float(): refused too, never summed into an infinite ARR.
    header = ("Record ID,ARR,Tenure (months),Industry fit,Company size fit,Workflow fit,Executive sponsor,"
              "Advocacy,Expansion potential,Low competitive pressure,Annual cost to serve")
    cells = {"Record ID": "C2", "ARR": "50000", "Annual cost to serve": "5000"}
    cells[column] = cell
    path = tmp_path / "customer_segmentation_designer_huge.csv"
    path.write_text(header + "\nC1,12000,8,Yes,Yes,No,Yes,Yes,No,No,1320\n"
                    f"{cells['Record ID']},{cells['ARR']},20,Yes,No,Yes,No,No,Yes,Yes,"
                    f"{cells['Annual cost to serve']}\n", encoding="utf-8")
    with pytest.raises(InputError, match="implausibly large") as err:
        run(path)
    assert err.value.row == 3       # header is row 1, C1 row 2, the huge cell row 3
    res = run_cli("tool", "customer_segmentation_designer", path)
    assert res.code == 2 and "Traceback" not in res.err and "implausibly large" in res.err


def test_fast_path_refuses_json_numbers_above_max_amount():
    from csuite.io.values import MAX_AMOUNT

    row = {"id": "A", "arr": 50_000, "tenure_months": 12, "cost_to_serve": 1_000,
           **{s: True for s in seg.SIGNALS}}
    assert seg._fast_numbers([50_000, MAX_AMOUNT], MAX_AMOUNT) == [50_000.0, MAX_AMOUNT]
    assert seg._fast_numbers([50_000, MAX_AMOUNT * 10], MAX_AMOUNT) is None
    with pytest.raises(InputError, match="implausibly large"):
        run([row, {**row, "id": "B", "arr": 10 * MAX_AMOUNT}])


def test_render_over_invested_tier_shows_a_negative_gap():
    # One strategic customer: ARR 200,000 >= 150,000 entry; recommended 200,000 x 0.12 = 24,000;
    # cost to serve 50,000 → gap 24,000 - 50,000 = -26,000, written "-$26,000" (never "$-26,000").
    row = {"id": "A", "arr": 200_000, "tenure_months": 12, "cost_to_serve": 50_000,
           **{s: True for s in seg.SIGNALS}}
    result = run([row])
    assert result.tiers[0].investment_gap == -26_000
    text = seg.render(result)
    assert "-$26,000" in text and "$-" not in text


def test_concentration_line_is_the_alerts_own(monkeypatch):
    from csuite.knowledge.thresholds import alert_threshold

    # ARR 15,000 + 85,000 = 100,000: the largest is 85% > 15% (the alert's '>' line) → flagged.
    rows = [{"id": i, "arr": arr, "tenure_months": 12, "cost_to_serve": 0, **{s: True for s in seg.SIGNALS}}
            for i, arr in (("A", 15_000), ("B", 85_000))]
    result = run(rows)
    assert result.concentration_threshold == alert_threshold("customer_concentration",
                                                             "largest_customer_share") == 0.15
    assert result.largest_customer_share == 0.85 and result.concentration_flag
    # Read through thresholds.alert_threshold, not a private walk of the alerts section.
    monkeypatch.setattr(seg, "alert_threshold", lambda alert, metric: 0.9)
    result = run(rows)
    assert result.concentration_threshold == 0.9 and not result.concentration_flag
