"""revenue_metrics: hand-computed board metrics, red lines from thresholds.yaml, exact ARR waterfall."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csuite.errors import InputError, UsageError
from csuite.knowledge.thresholds import section
from csuite.tools import revenue_metrics as rm
from csuite.tools.revenue_metrics import MetricsOptions, run
from tests.conftest import AS_OF, DATA, EXAMPLES, ROOT, writer

SAMPLE = EXAMPLES / "revenue_metrics.yaml"


def two_quarters(**q2):
    """Notes example: ARR 4.0M → 4.8M, quarterly revenue 1.0M → 1.2M, prior-quarter S&M 0.8M."""
    row2 = {"quarter": "2026-Q2", "arr": 4_800_000, "sm_spend": 900_000, "revenue": 1_200_000,
            "gross_margin": "75%", "net_burn": 1_000_000}
    row2.update(q2)
    return [{"quarter": "2026-Q1", "arr_start": 3_500_000, "arr": 4_000_000, "sm_spend": 800_000,
             "revenue": 1_000_000, "gross_margin": "75%", "net_burn": 900_000}, row2]


# ----------------------------------------------------------------------------- golden numbers

def test_sample_golden_2026_q3():
    r = run(SAMPLE, MetricsOptions(as_of=AS_OF))
    assert r.company == "Ledgerline" and r.quarter == "2026-Q3"
    m = r.metrics
    # Magic number = net new ARR 2026-Q3 ÷ S&M 2026-Q2 = (4,200,000 − 3,890,000) ÷ 500,000 = 0.62.
    assert m["magic_number"].value == pytest.approx(0.62)
    assert m["magic_number"].inputs == {"net_new_arr": 310_000, "sm_spend_prior_quarter": 500_000}
    assert m["magic_number"].formula == "net new ARR (2026-Q3) ÷ S&M spend (2026-Q2)"
    assert m["magic_number"].calculation == "$310,000 ÷ $500,000 = 0.62"
    # Revenue form: (1,011,250 − 938,750) × 4 ÷ 500,000 = 290,000 ÷ 500,000 = 0.58.
    assert m["magic_number_revenue"].value == pytest.approx(0.58)
    # CAC payback (seed definition, new-logo ARR) = 12 × 500,000 ÷ (275,000 × 0.91) = 6,000,000 ÷ 250,250
    # = 23.98 months; the net variant = 6,000,000 ÷ (310,000 × 0.91 = 282,100) = 21.27.
    assert m["cac_payback_months"].value == pytest.approx(6_000_000 / 250_250)
    assert m["cac_payback_months"].inputs == {"sm_spend_prior_quarter": 500_000, "new_logo_arr": 275_000,
                                              "gross_margin": 0.91}
    assert m["cac_payback_months"].formula == ("12 × S&M spend (2026-Q2) ÷ (new-logo ARR (2026-Q3) × gross margin "
                                               "(2026-Q3))")
    assert m["cac_payback_months_net"].value == pytest.approx(6_000_000 / 282_100)
    assert m["cac_payback_months_net"].name == "CAC payback on net new ARR (months)"
    assert round(m["cac_payback_months_net"].value) == 21          # company-context.md says ~21
    # Burn multiple = 1,190,000 ÷ 310,000 = 3.839 → above 3: bad.
    assert m["burn_multiple"].value == pytest.approx(1_190_000 / 310_000)
    assert m["burn_multiple"].band.startswith("bad")
    # Rule of 40 = 40.9% + (−118%) = −77.1%.
    assert m["rule_of_40"].value == pytest.approx(0.409 - 1.18)
    assert "operating margin" in m["rule_of_40"].formula
    ids = {f.id: f for f in r.flags}
    assert set(ids) == {"magic_number_below_hold", "burn_multiple_bad", "rule_of_40_below"}
    assert ids["magic_number_below_hold"].threshold == section("benchmarks")["magic_number"]["hold_below"]
    assert ids["burn_multiple_bad"].severity == "high"
    assert m["magic_number"].flag == "magic_number_below_hold"


def test_sample_trend_and_waterfall():
    r = run(SAMPLE)
    by = {q.quarter: q for q in r.by_quarter}
    assert by["2025-Q2"].magic_number is None                  # no prior-quarter S&M in the file
    assert by["2025-Q3"].magic_number == pytest.approx(260_000 / 400_000)      # 0.65
    assert by["2025-Q4"].magic_number == pytest.approx(330_000 / 420_000)      # 0.786
    assert by["2026-Q2"].cac_payback_months_net == pytest.approx(12 * 470_000 / (270_000 * 0.91))
    # 2026-Q3 YoY revenue growth given as 40.9%; from revenue 1,011,250 ÷ 717,500 − 1 = 40.94% (agrees).
    assert by["2026-Q3"].growth == pytest.approx(0.409)
    w = r.waterfall
    assert [x.quarter for x in w] == ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    # 2026-Q3: 3,890,000 + 275,000 + 185,000 − 60,000 − 90,000 = 4,200,000.
    q3 = w[-1]
    assert (q3.start, q3.new, q3.expansion, q3.contraction, q3.churn, q3.end, q3.net_new) == \
        (3_890_000, 275_000, 185_000, 60_000, 90_000, 4_200_000, 310_000)
    for row in w:
        assert row.start + row.new + row.reactivation + row.expansion - row.contraction - row.churn == row.end
    t = r.waterfall_total
    # 2,500,000 + 1,525,000 + 920,000 − 288,000 − 457,000 = 4,200,000.
    assert (t.start, t.new, t.expansion, t.contraction, t.churn, t.end, t.net_new) == \
        (2_500_000, 1_525_000, 920_000, 288_000, 457_000, 4_200_000, 1_700_000)
    assert "| 2026-Q3 | $3,890,000 | +$275,000 | +$185,000 | −$60,000 | −$90,000 | $4,200,000 | +$310,000 |" \
        in r.waterfall_markdown


def test_magic_number_is_never_net_new_arr_times_four():
    # Notes: both correct forms give 1.0; "net new ARR × 4 ÷ S&M" would give 4.0.
    r = run(two_quarters())
    mn, rev = r.metrics["magic_number"], r.metrics["magic_number_revenue"]
    assert mn.value == pytest.approx(1.0)                 # 800,000 ÷ 800,000
    assert rev.value == pytest.approx(1.0)                # (1,200,000 − 1,000,000) × 4 ÷ 800,000
    assert mn.value != pytest.approx(4.0)
    assert "× 4" not in mn.formula and "× 4" in rev.formula


def test_cac_payback_is_in_months_bessemer_example():
    # Bessemer (2012): $770K S&M ÷ ($100K new MRR = $1.2M new-logo ARR × 70% GM) = 11 months, not 0.92 "years".
    rows = [{"quarter": "2026-Q1", "arr_start": 0, "new": 1_000_000, "expansion": 0, "contraction": 0, "churn": 0,
             "arr": 1_000_000, "sm_spend": 770_000},
            {"quarter": "2026-Q2", "new": 1_200_000, "expansion": 100_000, "contraction": 0, "churn": 300_000,
             "arr": 2_000_000, "sm_spend": 800_000, "gross_margin": "70%"}]
    r = run(rows)
    assert r.metrics["cac_payback_months"].value == pytest.approx(11.0)          # 12 × 770 ÷ (1,200 × 0.7)
    assert r.metrics["cac_payback_months"].unit == "months"
    # Net new ARR 1,000,000 (1,200 + 100 − 300): 12 × 770,000 ÷ (1,000,000 × 0.7) = 13.2 months.
    assert r.metrics["cac_payback_months_net"].value == pytest.approx(13.2)


@pytest.mark.parametrize("burn, band, flag", [
    (50_000, "amazing", None),          # 50,000 ÷ 100,000 = 0.5
    (120_000, "great", None),           # 1.2
    (200_000, "good", None),            # 2.0 exactly is still good (Sacks: 1.5–2)
    (250_000, "suspect", "burn_multiple_suspect"),   # 2.5
    (300_000, "suspect", "burn_multiple_suspect"),   # 3.0 is the top of suspect
    (350_000, "bad", "burn_multiple_bad"),           # 3.5
    (-50_000, "not burning", None),     # cash-generative quarter
])
def test_burn_multiple_bands_from_thresholds(burn, band, flag):
    rows = [{"quarter": "2026-Q1", "arr_start": 900_000, "arr": 1_000_000, "sm_spend": 100_000, "net_burn": 10},
            {"quarter": "2026-Q2", "arr": 1_100_000, "sm_spend": 100_000, "net_burn": burn}]
    m = run(rows).metrics["burn_multiple"]
    assert m.value == pytest.approx(burn / 100_000)
    assert m.band.startswith(band)
    assert m.flag == flag


def test_burn_without_net_new_arr_is_flagged_not_divided():
    rows = [{"quarter": "2026-Q1", "arr_start": 900_000, "arr": 1_000_000, "sm_spend": 100_000},
            {"quarter": "2026-Q2", "arr": 990_000, "sm_spend": 100_000, "net_burn": 200_000}]
    r = run(rows)
    assert r.metrics["burn_multiple"].value is None
    assert r.metrics["cac_payback_months"].value is None                 # never a negative payback
    assert r.metrics["magic_number"].value == pytest.approx(-0.1)        # −10,000 ÷ 100,000
    assert {"burn_without_growth", "magic_number_below_hold"} <= {f.id for f in r.flags}


def test_cac_payback_red_lines():
    # Net new 100,000, prior S&M 400,000, GM 100% → 12 × 400,000 ÷ 100,000 = 48 months > 36: high.
    rows = [{"quarter": "2026-Q1", "arr_start": 0, "arr": 100, "sm_spend": 400_000},
            {"quarter": "2026-Q2", "arr": 100_100, "sm_spend": 1, "gross_margin": "100%"}]
    r = run(rows)
    # No new-logo column: the seed definition is n/a and the flag uses the net variant, named as such.
    assert r.metrics["cac_payback_months"].value is None
    assert r.metrics["cac_payback_months_net"].value == pytest.approx(48.0)
    concern = next(f for f in r.flags if f.id == "cac_payback_above_concern")
    assert concern.metric == "cac_payback_months_net" and "on net new ARR" in concern.message
    # 12 × 200,000 ÷ (100,000 × 1.0) = 24 months: above the SMB range (18) only when --segment smb.
    rows[0]["sm_spend"] = 200_000
    assert "cac_payback_above_segment_range" not in {f.id for f in run(rows).flags}
    flagged = run(rows, MetricsOptions(segment="smb"))
    assert "cac_payback_above_segment_range" in {f.id for f in flagged.flags}
    assert "cac_payback_above_segment_range" not in {f.id for f in run(rows, MetricsOptions(segment="enterprise")).flags}


def test_rule_of_40_boundary_and_growth_sources():
    rows = [{"quarter": f"2025-Q{i}", "arr": 1_000_000 + i, "sm_spend": 1, "revenue": 100_000} for i in range(1, 5)]
    rows[0]["arr_start"] = 1_000_000
    rows.append({"quarter": "2026-Q1", "arr": 1_000_005, "sm_spend": 1, "revenue": 150_000, "profit_margin": "-10%"})
    r = run(rows)
    # Growth from revenue: 150,000 ÷ 100,000 − 1 = 50%; Rule of 40 = 50% − 10% = 40% → at the line, no flag.
    assert r.metrics["rule_of_40"].value == pytest.approx(0.40)
    assert "rule_of_40_below" not in {f.id for f in r.flags}
    rows[-1]["profit_margin"] = "-11%"
    assert "rule_of_40_below" in {f.id for f in run(rows).flags}
    # No revenue at all: ARR YoY (1,000,005 ÷ 1,000,001 − 1) is used and says so.
    for row in rows:
        row.pop("revenue")
    m = run(rows).metrics["rule_of_40"]
    assert m.inputs["growth"] == pytest.approx(1_000_005 / 1_000_001 - 1)
    assert "ARR growth" in m.formula


def test_stated_growth_must_agree_with_revenue():
    rows = [{"quarter": f"2025-Q{i}", "arr": 1_000_000, "sm_spend": 1, "revenue": 100_000} for i in range(1, 5)]
    rows[0]["arr_start"] = 1_000_000
    rows.append({"quarter": "2026-Q1", "arr": 1_000_000, "sm_spend": 1, "revenue": 150_000,
                 "revenue_growth": "20%", "profit_margin": "0%"})
    with pytest.raises(InputError, match="disagrees"):
        run(rows)


def test_as_of_picks_last_ended_quarter_and_flags_stale():
    r = run(SAMPLE, MetricsOptions(as_of="2026-08-15"))       # 2026-Q3 not over yet
    assert r.quarter == "2026-Q2"
    assert "quarter_not_ended" in {f.id for f in r.flags}
    # 2026-Q2 magic number = 270,000 ÷ 470,000 = 0.574.
    assert r.metrics["magic_number"].value == pytest.approx(270_000 / 470_000)
    r = run(SAMPLE, MetricsOptions(as_of="2027-06-01"))       # 244 days after 2026-09-30 > 135
    assert "stale_numbers" in {f.id for f in r.flags}
    assert run(SAMPLE, MetricsOptions(quarter="2026-Q1")).quarter == "2026-Q1"
    with pytest.raises(UsageError):
        run(SAMPLE, MetricsOptions(quarter="2024-Q1"))
    with pytest.raises(InputError, match="no quarter"):
        run(SAMPLE, MetricsOptions(as_of="2025-01-01"))


def test_csv_export_with_alias_headers():
    r = run(DATA / "revenue_metrics_quarters.csv")
    # 2026-Q2: net new 1,350,000 − 1,150,000 = 200,000; prior S&M 200,000 → magic 1.00;
    # payback 12 × 200,000 ÷ (200,000 × 80%) = 15 months; burn 360,000 ÷ 200,000 = 1.8.
    m = r.metrics
    assert m["magic_number"].value == pytest.approx(1.0)
    assert m["cac_payback_months_net"].value == pytest.approx(15.0)
    assert m["burn_multiple"].value == pytest.approx(1.8)
    # Accounting negatives "(10,000)" in Contraction: its size counts: 1,000,000 + 150,000 + 40,000 − 10,000 − 30,000.
    assert r.waterfall[0].contraction == 10_000 and r.waterfall[0].end == 1_150_000
    assert "operating margin" in m["rule_of_40"].formula          # the header states the basis
    assert r.flags == []


def test_unsorted_rows_are_sorted_by_date():
    rows = two_quarters()
    r = run(list(reversed(rows)))
    assert [q.quarter for q in r.by_quarter] == ["2026-Q1", "2026-Q2"]


def test_without_movements_waterfall_is_net_only():
    r = run(two_quarters())
    assert r.waterfall[1].new is None and r.waterfall[1].net_new == 800_000
    assert any("net new ARR only" in n for n in r.notes)


# ----------------------------------------------------------------------------- bad input

def movement_rows():
    return [{"quarter": "2026-Q1", "arr_start": "$1,000,000", "new": 100_000, "expansion": 50_000,
             "contraction": 20_000, "churn": 30_000, "arr": 1_100_000, "sm_spend": 90_000},
            {"quarter": "2026-Q2", "new": 100_000, "expansion": 50_000, "contraction": 20_000,
             "churn": 30_000, "arr": 1_200_000, "sm_spend": 90_000}]


def with_change(index, **change):
    rows = movement_rows()
    rows[index].update(change)
    return rows


BAD = {
    "off by a dollar": (with_change(1, arr=1_200_001), "does not reconcile"),
    "off by a cent": (with_change(1, arr="1,200,000.01"), "off by"),
    "start differs": (with_change(1, arr_start=1_000_000), "differs from the previous quarter"),
    "net new differs": (with_change(1, net_new_arr=99_000), "net new ARR"),
    "partial movements": ([{"quarter": "2026-Q1", "arr_start": 1, "arr": 2, "sm_spend": 1, "new": 1}], "give all four"),
    "blank movement": (with_change(1, churn=""), "is empty"),
    "quarter gap": (with_change(1, quarter="2026-Q3"), "quarters jump"),
    "duplicate quarter": (with_change(1, quarter="2026-Q1"), "appears twice"),
    "bad quarter": (with_change(1, quarter="2026-Q5"), "2026-Q5"),
    "month not quarter": (with_change(1, quarter="2026-05"), "month"),
    "negative arr": (with_change(1, arr=-5), "negative"),
    "nan spend": (with_change(1, sm_spend=float("nan")), "finite"),
    "inf spend": (with_change(1, sm_spend="inf"), "finite"),
    "text money": (with_change(1, sm_spend="lots"), "not an amount"),
    "gm over 100": (with_change(1, gross_margin="120%"), "above 100%"),
    "ambiguous margin": (with_change(1, profit_margin=40), "ambiguous"),
    "missing column": ([{"quarter": "2026-Q1", "arr": 1}], "missing column(s) sm_spend"),
    "unknown field": (with_change(1, arr_growth="5%"), "unknown field"),
    "empty list": ([], "no quarters"),
    "bool money": (with_change(1, sm_spend=True), "not an amount"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_rows_raise_input_error(case):
    rows, expected = BAD[case]
    with pytest.raises(InputError) as info:
        run(rows)
    assert expected in str(info.value)


def test_money_formats_and_signed_movements_accepted():
    rows = with_change(1, sm_spend="$5,000", contraction="-$20,000", churn="(30,000)", profit_margin="-1.18")
    r = run(rows)
    assert r.waterfall[1].contraction == 20_000 and r.waterfall[1].churn == 30_000
    assert r.by_quarter[1].profit_margin == pytest.approx(-1.18)


write = writer("metrics.yaml")


def test_files_exit_2_with_one_line(tmp_path, run_cli):
    good = SAMPLE.read_text(encoding="utf-8")
    cases = {
        "empty.yaml": ("", "is empty"),
        "dupkey.yaml": (good.replace("    arr: $4,200,000\n", "    arr: $4,200,000\n    arr: $4,300,000\n"),
                        "appears twice"),
        "off.yaml": (good.replace("arr: $4,200,000", "arr: $4,200,001"), "does not reconcile"),
        "unknown.yaml": ("compnay: X\nquarters: []\n", "field 'compnay': unknown key"),
        "noquarters.yaml": ("company: X\n", "quarters"),
        "bad.csv": ("Quarter,ARR\n2026-Q1,1\n", "missing column(s) sm_spend"),
        "nan.csv": ("quarter,arr,sm_spend\n2026-Q1,nan,1\n", "finite"),
        "ambiguous.csv": ("quarter,arr,sm_spend,revenue_growth\n2026-Q1,1,1,35\n", "ambiguous"),
    }
    for name, (text, expected) in cases.items():
        path = write(tmp_path, text, name)
        result = run_cli("tool", "revenue_metrics", path)
        assert result.code == 2, (name, result.err)
        assert result.out == "" and "Traceback" not in result.err and result.err.count("\n") == 1, name
        assert expected in result.err and str(path) in result.err, (name, result.err)
    # A Windows-1252 byte decodes (to 'ÿ'), and the cell is then refused as money, naming the field.
    path = write(tmp_path, b"quarter,arr,sm_spend\n2026-Q1,\xff,1\n", "latin.csv")
    result = run_cli("tool", "revenue_metrics", path)
    assert result.code == 2 and "field 'arr'" in result.err and "Traceback" not in result.err
    result = run_cli("tool", "revenue_metrics", "--quarter", "2026-Q5")
    assert result.code == 2 and "Traceback" not in result.err


def test_bom_crlf_and_utf16_read_the_same(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    expected = run(SAMPLE).model_dump()
    assert run(write(tmp_path, "\ufeff" + text.replace("\n", "\r\n"))).model_dump() == expected
    assert run(write(tmp_path, text, "u16.yaml", "utf-16")).model_dump() == expected
    csv_text = (DATA / "revenue_metrics_quarters.csv").read_text(encoding="utf-8")
    assert run(write(tmp_path, "\ufeff" + csv_text.replace("\n", "\r\n"), "q.csv")).model_dump() == \
        run(DATA / "revenue_metrics_quarters.csv").model_dump()


# ----------------------------------------------------------------------------- CLI entry points

def test_cli_json_keys(run_cli):
    result = run_cli("tool", "revenue_metrics", "--json", "--as-of", AS_OF)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert {"metrics", "by_quarter", "waterfall", "waterfall_total", "waterfall_markdown", "flags"} <= set(data)
    for key in ("magic_number", "cac_payback_months", "cac_payback_months_net", "burn_multiple", "rule_of_40"):
        assert {"formula", "inputs", "value"} <= set(data["metrics"][key])
    assert set(data["waterfall"][0]) >= {"start", "new", "expansion", "contraction", "churn", "end"}
    assert data["metrics"]["magic_number"]["value"] == pytest.approx(0.62)


def test_cli_text(run_cli):
    result = run_cli("tool", "revenue_metrics", SAMPLE, "--segment", "smb")
    assert result.code == 0
    assert "magic number: 0.62" in result.out and "21.3 months" in result.out
    assert "cac_payback_above_segment_range" in result.out
    assert "| **2025-Q2 to 2026-Q3** |" in result.out


def test_script_runs_with_plain_python():
    proc = subprocess.run([sys.executable, "scripts/revenue_metrics.py", str(SAMPLE), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["quarter"] == "2026-Q3"
    proc = subprocess.run([sys.executable, "scripts/revenue_metrics.py", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--as-of" in proc.stdout and "--segment" in proc.stdout


def test_spec_contract():
    assert rm.SPEC.data_kinds == ("metrics",)
    assert (EXAMPLES / rm.SPEC.sample).is_file()
    assert {"quarter", "arr", "sm_spend", "new", "expansion", "contraction", "churn"} <= set(rm.COLUMN_ALIASES)


# ----------------------------------------------------------------------------- hypothesis

money = st.integers(0, 50_000_000)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=money, quarters=st.integers(1, 8), cents=st.integers(0, 99), data=st.data())
def test_waterfall_reconciles_exactly(start, quarters, cents, data):
    rows, arr = [], start + cents / 100
    for i in range(quarters):
        new, exp, sm = data.draw(money), data.draw(money), data.draw(money)
        # Contraction and churn together are drawn no larger than the quarter's opening ARR they
        # come out of, so every example is a real book (none dropped) and ARR never goes below zero.
        con = data.draw(st.integers(0, int(arr)))
        churn = data.draw(st.integers(0, int(arr) - con))
        arr = arr + new + exp - con - churn
        assert arr >= 0
        row = {"quarter": f"{2020 + i // 4}-Q{i % 4 + 1}", "new": new, "expansion": exp, "contraction": con,
               "churn": churn, "arr": f"{arr:.2f}", "sm_spend": sm}
        if i == 0:
            row["arr_start"] = f"{start + cents / 100:.2f}"
        rows.append(row)
    r = run(rows)
    for w in r.waterfall:
        assert round((w.start + w.new + w.expansion - w.contraction - w.churn) * 100) == round(w.end * 100)
    t = r.waterfall_total
    assert round((t.start + t.new + t.expansion - t.contraction - t.churn) * 100) == round(t.end * 100)
    for q in r.by_quarter:
        assert q.cac_payback_months is None or q.cac_payback_months > 0
    # One cent off anywhere is refused.
    rows[-1]["arr"] = f"{float(rows[-1]['arr']) + 0.01:.2f}"
    with pytest.raises(InputError, match="reconcile"):
        run(rows)


junk = st.one_of(st.text(max_size=10), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**12, 10**12),
                 st.sampled_from(["$5,000", "USD 485,000.00", "(1,200)", "-$3", "1e400", "12%", "½", "", "  "]),
                 st.booleans(), st.none())


@settings(max_examples=200, deadline=None)
@given(field=st.sampled_from(["arr", "sm_spend", "gross_margin", "net_burn", "revenue", "profit_margin",
                              "revenue_growth", "quarter", "net_new_arr", "churn"]), value=junk)
def test_malformed_field_is_input_error_or_sane(field, value):
    rows = movement_rows()
    rows[1][field] = value
    try:
        r = run(rows)
    except (InputError, UsageError) as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    for q in r.by_quarter:
        for v in (q.magic_number, q.cac_payback_months, q.burn_multiple, q.rule_of_40, q.growth):
            assert v is None or v == v and abs(v) != float("inf")
    for w in r.waterfall:
        assert w.end >= 0 and w.start is not None and w.start >= 0


@given(st.one_of(st.floats(-10, 10, allow_nan=False), st.integers(-1000, 1000)))
def test_rate_parser_bare_numbers_are_fractions(x):
    try:
        value = rm._rate(x)
    except InputError:
        assert abs(x) > 10
        return
    assert value == pytest.approx(float(x))
    text = f"{x:.6f}%" if isinstance(x, float) else f"{x}%"
    assert rm._rate(text) == pytest.approx(float(text[:-1]) / 100)


def test_rule_of_40_says_which_margin_or_asks_for_it():
    rows = two_quarters(profit_margin="-20%", revenue_growth="70%")
    r = run(rows)
    assert r.metrics["rule_of_40"].value == pytest.approx(0.50)           # 70% − 20%
    assert "basis not stated" in r.metrics["rule_of_40"].formula
    assert any("margin basis" in n for n in r.notes)
    r = run({"profit_margin_basis": "FCF margin", "quarters": rows})
    assert "FCF margin" in r.metrics["rule_of_40"].formula and not any("margin basis" in n for n in r.notes)


# ----------------------------------------------------------------------------- review fixes

def test_csv_unknown_header_is_refused(tmp_path):
    # A typo'd CSV header must not silently drop gross margin (YAML already refused it).
    path = write(tmp_path, "quarter,arr,sm_spend,gros_margin\n2026-Q1,1000,100,75%\n", "typo.csv")
    with pytest.raises(InputError, match="unknown field.*gros_margin") as err:
        run(path)
    assert err.value.file == str(path)


def test_csv_is_read_once_and_yaml_quarters_keep_the_file_name(tmp_path, monkeypatch):
    import csuite.io.tables as tables

    reads: list[str] = []
    real = tables.read_bytes
    monkeypatch.setattr(tables, "read_bytes", lambda p: reads.append(str(p)) or real(p))
    csv_path = DATA / "revenue_metrics_quarters.csv"
    rm.load_table(str(csv_path))
    assert reads == [str(csv_path)]
    bad = write(tmp_path, "quarters:\n  - 5\n", "bad.yaml")
    with pytest.raises(InputError, match="not an object") as err:
        rm.load_table(str(bad))
    assert err.value.file == str(bad) and err.value.row == 1


def test_scalar_document_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="list of quarter rows"):
        rm.load_table(str(write(tmp_path, "42\n", "scalar.yaml")))


def test_waterfall_tolerance_comes_from_thresholds(monkeypatch):
    # The shipped tolerance is 0 cents: 1,200,000.01 vs the computed 1,200,000.00 is refused.
    assert section("revenue_metrics")["waterfall_tolerance_cents"] == 0
    with pytest.raises(InputError, match="does not reconcile"):
        run(with_change(1, arr="1,200,000.01"))
    # With 5 cents allowed, 1 cent off passes and 6 cents off (1,200,000.06) does not.
    real = rm.section
    monkeypatch.setattr(rm, "section", lambda name: {**real(name), "waterfall_tolerance_cents": 5}
                        if name == "revenue_metrics" else real(name))
    run(with_change(1, arr="1,200,000.01"))
    with pytest.raises(InputError, match="does not reconcile"):
        run(with_change(1, arr="1,200,000.06"))


def test_render_negative_money_reads_minus_dollar():
    # Net new ARR 4,000,000 → 3,900,000 = -100,000: the trend row shows "-$100,000", not "$-100,000".
    rows = two_quarters(arr=3_900_000)
    text = rm.render(run(rows))
    trend = next(line for line in text.splitlines() if line.strip().startswith("2026-Q2"))
    assert "-$100,000" in trend and "$3,900,000" in trend
