"""churn_analyzer: golden numbers by hand, the anchor pitfalls, Stripe, the CLI and malformed input.

Main fixture: tests/data/snapshots_small.csv (MRR; table in tests/test_snapshots.py) with
tests/data/churn_analyzer_accounts.csv, a 3-month window 2025-01 (S) → 2025-04 (E):

    account  S     E     segment     health  renewal     usage  notes
    A        1000  1500  Enterprise  85      2025-06-15  +30%   expansion candidate
    B        2000  1800  Enterprise  45      2025-05-20         largest; 10% below peak; renews in 20 days
    C         500     0  SMB                                    churned 2025-03 ("Moved to a competitor")
    D         800   400  SMB         80      2025-09-01  −30%   healthy score but usage drop → at risk
    E           0   300  SMB                 2025-06-01         new; no signal → neither list
    F           0     0  Mid-Market                             new 2025-03, churned 2025-04
    H           0   600  (not in file → Unassigned)             reactivated
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csuite.tools.churn_analyzer import ChurnOptions, analyze, run
from csuite.tools.snapshots import Snapshots, month_index, month_label

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
EXAMPLES = ROOT / "examples"
SMALL = DATA / "snapshots_small.csv"
ACCOUNTS = DATA / "churn_analyzer_accounts.csv"
STRIPE = DATA / "snapshots_stripe.csv"


@pytest.fixture(scope="module")
def small():
    return run(SMALL, ChurnOptions(accounts=str(ACCOUNTS), window=3))


def by_id(items, key="account_id"):
    return {getattr(i, key): i for i in items}


def _window_by_hand(path: Path, start: str, end: str) -> dict:
    """Retention for the window start → end recomputed with only the csv module, as an independent
    check on the tool: ARR = MRR × 12 per account at the two months (a missing row is 0); the
    cohort is every account with MRR at the start; per cohort account, end 0 is churn, a fall is
    contraction, a rise is expansion. Exact decimals, so equality is exact."""
    mrr: dict[str, dict[str, Decimal]] = {start: {}, end: {}}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["period"] in mrr:
                mrr[row["period"]][row["account_id"]] = Decimal(row["mrr"])
    s_arr = {a: v * 12 for a, v in mrr[start].items() if v > 0}
    e_arr = {a: v * 12 for a, v in mrr[end].items() if v > 0}
    churn = contraction = expansion = Decimal(0)
    for account, before in s_arr.items():
        after = e_arr.get(account, Decimal(0))
        if after == 0:
            churn += before
        elif after < before:
            contraction += before - after
        else:
            expansion += after - before
    start_arr, book_end = sum(s_arr.values()), sum(e_arr.values())
    return {"start_arr": start_arr, "churn": churn, "contraction": contraction, "expansion": expansion,
            "nrr": (start_arr - churn - contraction + expansion) / start_arr,
            "grr": (start_arr - churn - contraction) / start_arr,
            "logo_retention": Decimal(sum(1 for a in s_arr if a in e_arr)) / len(s_arr),
            "book_end_arr": book_end, "largest_share": max(e_arr.values()) / book_end}


# ----------------------------------------------------------------------------- golden numbers

def test_headline_numbers(small):
    assert (small.window.start, small.window.end) == ("2025-01", "2025-04")
    assert small.nrr == pytest.approx(3700 / 4300)   # (1500 + 1800 + 0 + 400) / 4300
    assert small.grr == pytest.approx(3200 / 4300)   # (1000 + 1800 + 0 + 400) / 4300
    assert small.logo_retention == 0.75              # A, B, D of A, B, C, D
    assert small.as_of.isoformat() == "2025-04-30"   # default: end of the last snapshot month


def test_decomposition_reconciles_with_nrr_and_grr(small):
    d = small.decomposition
    # churn C 500; contraction B 200 + D 400; expansion A 500 (MRR, × 12 for ARR)
    assert (d.start_arr, d.churn, d.contraction, d.expansion, d.end_arr) == (51_600, 6_000, 7_200, 6_000, 44_400)
    assert 1 - d.churn_rate - d.contraction_rate + d.expansion_rate == pytest.approx(small.nrr)
    assert 1 - d.churn_rate - d.contraction_rate == pytest.approx(small.grr)


def test_waterfall_exact(small):
    w = small.waterfall
    assert w.model_dump() == {"start": 51_600, "new": 12_000, "reactivation": 12_000, "expansion": 9_600,
                              "contraction": 6_000, "churn": 24_000, "end": 55_200}
    d = {k: Decimal(str(v)) for k, v in w.model_dump().items()}
    assert d["start"] + d["new"] + d["reactivation"] + d["expansion"] - d["contraction"] - d["churn"] == d["end"]
    assert [m.period for m in small.movements] == ["2025-02", "2025-03", "2025-04"]


def test_segment_nrr_keeps_churned_accounts(small):
    seg = by_id(small.segments, "segment")
    # SMB cohort is C (500, churned) and D (800 → 400): NRR 400 / 1300, not the survivor 400 / 800.
    assert seg["SMB"].nrr == pytest.approx(400 / 1300)
    assert seg["SMB"].cohort_size == 2 and seg["SMB"].churned_logos == 1
    # Enterprise: (1500 + 1800) / 3000 = 1.10; GRR (1000 + 1800) / 3000
    assert seg["Enterprise"].nrr == pytest.approx(1.1) and seg["Enterprise"].grr == pytest.approx(2800 / 3000)
    # Mid-Market (F) and Unassigned (H) had no ARR at S: n/a, never 0%
    assert seg["Mid-Market"].nrr is None and seg["Unassigned"].nrr is None
    assert seg["Unassigned"].arr == 7_200
    assert any("missing from the accounts file" in w for w in small.warnings)


def test_concentration(small):
    c = small.concentration
    # E: A 1500, B 1800, D 400, E 300, H 600 = 4600 MRR
    assert c.end_arr == 55_200 and c.active_accounts == 5
    assert c.largest_account.account_id == "B" and c.largest_share == pytest.approx(1800 / 4600)
    assert c.top10_share == 1.0


def test_at_risk_and_candidates_are_disjoint_with_reasons(small):
    risk, cand = by_id(small.at_risk), by_id(small.expansion_candidates)
    assert set(risk) == {"B", "D"} and set(cand) == {"A"}
    assert risk["B"].signals == ["contraction", "low_health", "renewal_soon"]
    assert risk["B"].days_to_renewal == 20 and "renews 2025-05-20 (in 20 days)" in risk["B"].reasons
    # D has a green health score but usage −30% and ARR down 50%: risk wins, never both lists.
    assert risk["D"].signals == ["contraction", "usage_drop"]
    assert cand["A"].signals == ["high_health", "usage_growth", "recent_growth"]
    assert small.totals.at_risk.arr == 26_400 and small.totals.expansion_candidates.arr == 18_000
    # B renews soonest, so it leads even though the list is otherwise by ARR
    assert small.at_risk[0].account_id == "B"


def test_renewal_alone_is_not_a_risk(small):
    # E renews 2025-06-01 (32 days) with no other signal.
    assert "E" not in by_id(small.at_risk) and "E" not in by_id(small.expansion_candidates)


def test_churned_list(small):
    assert [(c.account_id, c.period, c.arr_lost, c.reason) for c in small.churned] == [
        ("F", "2025-04", 8_400, "Budget cut"), ("C", "2025-03", 6_000, "Moved to a competitor")]


def test_flags_with_window_converted_thresholds(small):
    flags = by_id(small.flags, "id")
    assert set(flags) == {"nrr_below_100", "grr_low", "logo_retention_low", "contraction_high",
                          "customer_concentration", "expansion_concentrated", "at_risk_arr_high",
                          "small_cohort", "largest_account_renewal"}
    # 3-month window: annual GRR line 85% → 0.85^(3/12); contraction 5% → 1 − 0.95^(3/12)
    assert flags["grr_low"].threshold == pytest.approx(0.85 ** 0.25)
    assert flags["contraction_high"].threshold == pytest.approx(1 - 0.95 ** 0.25)
    assert flags["contraction_high"].value == pytest.approx(600 / 4300)
    assert flags["customer_concentration"].threshold == 0.15
    # A is all of the cohort's expansion; NRR without A = (3700 − 1500) / (4300 − 1000)
    assert "66.7%" in flags["expansion_concentrated"].message
    assert flags["at_risk_arr_high"].value == pytest.approx(2200 / 4600)
    assert [f.severity for f in small.flags] == sorted((f.severity for f in small.flags),
                                                       key=["high", "medium", "low"].index)


def test_quarter_logo_churn_judged_against_quarter_line():
    # Pitfall: 5 of 100 logos lost in one quarter is ~19% a year. Against the raw 85% annual line
    # 95% looks fine; against 0.85^(3/12) = 96.0% it is flagged. 3 of 100 (97%) is not.
    def result(lost: int):
        records = [(f"a{i}", p, 100) for i in range(100) for p in ("2025-01", "2025-02", "2025-03")]
        records += [(f"a{i}", "2025-04", 0 if i < lost else 100) for i in range(100)]
        return analyze(Snapshots.from_records(records), ChurnOptions(window=3))

    assert "logo_retention_low" in {f.id for f in result(5).flags}
    assert "logo_retention_low" not in {f.id for f in result(3).flags}


def test_top10_flag_and_no_expansion_credit_from_before_the_window():
    # 20 accounts, ten at 1000 and ten at 100: top 10 hold 1000/1100 of ARR.
    records = [(f"big{i}", p, 1000) for i in range(10) for p in ("2025-01", "2025-02", "2025-03")]
    records += [(f"small{i}", p, 100) for i in range(10) for p in ("2025-01", "2025-02", "2025-03")]
    # One small account tripled in 2025-01 → 02, before a 1-month window 02 → 03: no expansion counts.
    records = [(a, p, 300 if a == "small0" and p != "2025-01" else v) for a, p, v in records]
    r = analyze(Snapshots.from_records(records), ChurnOptions(window=1))
    assert r.nrr == 1.0 and r.waterfall.expansion == 0 and r.decomposition.expansion == 0
    assert "top10_concentration" in {f.id for f in r.flags}


def test_leaky_bucket_on_the_bundled_sample():
    r = run(EXAMPLES / "revenue_snapshots.csv", ChurnOptions())
    # Default: the 12 months ending at the file's last month, 2026-10.
    assert (r.window.start, r.window.end) == ("2025-10", "2026-10")
    h = _window_by_hand(EXAMPLES / "revenue_snapshots.csv", "2025-10", "2026-10")
    d = r.decomposition
    assert [Decimal(str(x)) for x in (d.start_arr, d.churn, d.contraction, d.expansion)] == [
        h["start_arr"], h["churn"], h["contraction"], h["expansion"]]
    assert r.nrr == pytest.approx(float(h["nrr"])) and r.grr == pytest.approx(float(h["grr"]))
    assert r.logo_retention == pytest.approx(float(h["logo_retention"]))
    assert Decimal(str(r.concentration.end_arr)) == h["book_end_arr"]
    assert r.concentration.largest_share == pytest.approx(float(h["largest_share"]))
    # The sample is built to leak: NRR above 100% on expansion while GRR is below the 85% line.
    assert h["nrr"] > 1 and h["grr"] < Decimal("0.85")
    assert {"leaky_bucket", "grr_low", "customer_concentration"} <= {f.id for f in r.flags}
    assert r.segments, "the bundled sample runs with its accounts file"


def test_window_by_hand_agrees_with_the_hand_table(small):
    # The helper itself, checked on the module docstring's table: cohort A, B, C, D = 4,300 MRR.
    h = _window_by_hand(SMALL, "2025-01", "2025-04")
    assert (h["start_arr"], h["churn"], h["contraction"], h["expansion"]) == (51_600, 6_000, 7_200, 6_000)
    assert h["nrr"] == Decimal(3700) / 4300 and h["logo_retention"] == Decimal("0.75")
    assert small.nrr == pytest.approx(float(h["nrr"])) and small.grr == pytest.approx(float(h["grr"]))


# ----------------------------------------------------------------------------- as-of and cohorts

def test_as_of_evaluates_at_period_end_not_today():
    r = run(SMALL, ChurnOptions(accounts=str(ACCOUNTS), window=1, as_of="2025-02-15"))
    assert (r.window.start, r.window.end) == ("2025-01", "2025-02")
    # F (starts 2025-03) and H's comeback do not exist yet; C has not churned yet.
    ids = {a.account_id for a in r.at_risk + r.expansion_candidates} | {c.account_id for c in r.churned}
    assert "F" not in ids and "C" not in ids
    assert r.source.last_period == "2025-02"
    assert by_id(r.at_risk)["B"].days_to_renewal == (94)  # 2025-05-20 − 2025-02-15


def test_cohort_month_zero_is_100_percent_and_curves_censor(small):
    assert all(c.revenue[0] == 1.0 and c.logos[0] == 1.0 for c in small.cohorts)
    # Pooled curves leave out the 2024-12 accounts (start unknown): E (02) and F (03) remain.
    assert "5 account(s)" in small.curve_note
    curve = {p.month: p for p in small.revenue_curve}
    assert curve[1].retention == pytest.approx((300 + 0) / (300 + 700)) and curve[1].cohorts == 2
    assert curve[2].retention == 1.0 and curve[2].cohorts == 1  # only E observed 2 months out
    km = {p.month: p.survival for p in small.logo_curve}
    assert km[1] == pytest.approx(0.5)  # F churns at month 1 of 2 at risk; E is censored at 2
    assert km[2] == pytest.approx(0.5)


def test_stripe_export_cli_numbers():
    r = run(STRIPE, ChurnOptions(window=3, as_of="2025-04-30"))
    assert r.source.kind == "stripe"
    assert r.nrr == pytest.approx(0.7) and r.grr == pytest.approx(0.4) and r.logo_retention == pytest.approx(2 / 3)
    assert r.waterfall.end == 4_800 and r.waterfall.churn == 3_600
    assert r.concentration.largest_account.name == "Acme Fixtures"


def test_stripe_sample_agrees_with_snapshot_sample():
    a = run(EXAMPLES / "revenue_snapshots.csv", ChurnOptions(as_of="2026-10-31"))
    b = run(EXAMPLES / "stripe_subscriptions.csv", ChurnOptions(as_of="2026-10-31"))
    assert (a.nrr, a.grr, a.logo_retention) == (b.nrr, b.grr, b.logo_retention)
    assert a.waterfall == b.waterfall


# ----------------------------------------------------------------------------- CLI

def test_cli_json_keys(run_cli):
    res = run_cli("tool", "churn_analyzer", str(SMALL), "--accounts", str(ACCOUNTS), "--window", "3", "--json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    for key in ("window", "nrr", "grr", "logo_retention", "waterfall", "cohorts", "segments", "at_risk",
                "expansion_candidates", "concentration", "flags"):
        assert key in data
    assert set(data["window"]) >= {"start", "end"}
    assert set(data["waterfall"]) == {"start", "new", "reactivation", "expansion", "contraction", "churn", "end"}
    assert all("id" in f for f in data["flags"])


def test_cli_sample_text_and_note(run_cli):
    res = run_cli("tool", "churn_analyzer", "--as-of", "2026-11-23")
    # As of 2026-11-23 the last snapshot month is 2026-10: the 12-month window 2025-10 → 2026-10.
    h = _window_by_hand(EXAMPLES / "revenue_snapshots.csv", "2025-10", "2026-10")
    assert res.code == 0
    assert f"NRR {h['nrr']:.1%}" in res.out and f"GRR {h['grr']:.1%}" in res.out
    assert "bundled sample" in res.err


def test_script_subprocess_json_and_plot(tmp_path):
    png = tmp_path / "cohorts.png"
    proc = subprocess.run([sys.executable, "scripts/churn_analyzer.py", "--json", "--plot", str(png)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["window"] == {"start": "2025-10", "end": "2026-10", "months": 12}
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"


def test_cli_help(run_cli):
    res = run_cli("tool", "churn_analyzer", "--help")
    assert res.code == 0 and "--accounts" in res.out and "--window" in res.out and "--as-of" in res.out


@pytest.mark.parametrize("text, needle", [
    ("", "is empty"),
    ("account_id,period\nA,2025-01\n", "mrr or arr"),
    ("account_id,mrr\nA,10\n", "period"),
    ("account_id,period,mrr\nA,2025-01,-10\n", "negative"),
    ("account_id,period,mrr\nA,2025-01,nan\n", "finite"),
    ("account_id,period,mrr\nA,2025-01,inf\n", "finite"),
    ("account_id,period,mrr\nA,2025-13,10\n", "row 2"),
    ("account_id,period,mrr\nA,04/05/2025,10\n", "dd/mm or mm/dd"),
    ("account_id,period,mrr\nA,2025-01,10\nA,2025-01,11\n", "rows 2 and 3"),
    ("account_id,period,mrr\nA,2025-01,10\nA,2025-02,11\n", "needs a snapshot for 2024-02"),
])
def test_malformed_input_exit_2_one_line(run_cli, tmp_path, text, needle):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    res = run_cli("tool", "churn_analyzer", str(path), "--json")
    assert res.code == 2 and res.out == ""
    assert needle in res.err and res.err.count("\n") == 1 and "Traceback" not in res.err


def test_non_utf8_and_bom_crlf(run_cli, tmp_path):
    legacy = tmp_path / "cp1252.csv"
    legacy.write_bytes("account_id,period,mrr\nCaf\xe9,2025-01,10\nCaf\xe9,2025-02,12\n".encode("cp1252"))
    res = run_cli("tool", "churn_analyzer", str(legacy), "--window", "1", "--json")
    data = json.loads(res.out)
    assert res.code == 0 and data["nrr"] == pytest.approx(1.2)
    assert any("Windows-1252" in w for w in data["warnings"])
    ok = tmp_path / "bom.csv"
    ok.write_bytes("\ufeffaccount_id,period,mrr\r\nA,2025-01,10\r\nA,2025-02,12\r\n".encode("utf-8"))
    res = run_cli("tool", "churn_analyzer", str(ok), "--window", "1", "--json")
    assert res.code == 0 and json.loads(res.out)["nrr"] == pytest.approx(1.2)


def test_stripe_churn_date_before_start_exit_2(run_cli, tmp_path):
    path = tmp_path / "stripe.csv"
    path.write_text(STRIPE.read_text().replace("2025-02-10 10:00,2025-03-20 08:00", "2024-12-01 10:00,2024-12-02 08:00"))
    res = run_cli("tool", "churn_analyzer", str(path))
    assert res.code == 2 and "row 4" in res.err and "before the start" in res.err


def test_bad_accounts_file_and_options(run_cli, tmp_path):
    acc = tmp_path / "acc.csv"
    acc.write_text("account_id,health_score\nA,140\n")
    res = run_cli("tool", "churn_analyzer", str(SMALL), "--accounts", str(acc), "--window", "3")
    assert res.code == 2 and "above 100" in res.err and "row 2" in res.err
    res = run_cli("tool", "churn_analyzer", str(SMALL), "--window", "2.5")
    assert res.code == 2 and "Traceback" not in res.err
    res = run_cli("tool", "churn_analyzer", str(SMALL), "--as-of", "2024-01-01")
    assert res.code == 2 and "before the first snapshot month" in res.err
    for bad in (["--as-of", "2026-13-01"], ["--as-of", "03/04/2026"], ["--window", "0"], ["--limit", "-1"]):
        res = run_cli("tool", "churn_analyzer", str(SMALL), *bad)
        assert res.code == 2 and res.err.count("\n") == 1 and "Traceback" not in res.err, bad


def test_zero_revenue_everywhere_is_na_not_a_crisis():
    # Pitfall: zero opening ARR reported as NRR 0% "Crisis", or a ZeroDivisionError.
    r = analyze(Snapshots.from_records([("A", "2025-01", 0), ("A", "2025-02", 0)]), ChurnOptions(window=1))
    assert r.nrr is None and r.grr is None and r.logo_retention is None
    assert r.concentration.largest_share is None and not r.at_risk
    assert {f.id for f in r.flags} == {"small_cohort"}


# ----------------------------------------------------------------------------- properties

def _one_money_cell_csv(tmp_path, cell: str) -> Path:
    path = tmp_path / "m.csv"
    quoted = '"' + cell.replace('"', '""') + '"'
    path.write_text(f"account_id,period,mrr\nA,2025-01,100\nA,2025-02,{quoted}\n", encoding="utf-8")
    return path


# Valid MRR cells in the spellings exports use, each paired with its value in dollars written out
# independently of the parser: "$1,234" → 1234, "1234.05" → 1234.05, "USD 1,234.05", "$12K" → 12000.
_CENTS = st.integers(0, 10**9)
VALID_MONEY = st.one_of(
    st.integers(0, 10**7).map(lambda n: (f"${n:,}", Decimal(n))),
    st.integers(0, 10**7).map(lambda n: (str(n), Decimal(n))),
    _CENTS.map(lambda c: (f"{c // 100}.{c % 100:02d}", Decimal(c) / 100)),
    _CENTS.map(lambda c: (f"USD {c // 100:,}.{c % 100:02d}", Decimal(c) / 100)),
    _CENTS.map(lambda c: (f"  ${c // 100:,}.{c % 100:02d} ", Decimal(c) / 100)),
    st.integers(0, 10**4).map(lambda n: (f"${n}K", Decimal(n) * 1000)),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(VALID_MONEY)
def test_valid_money_cell_is_parsed_right(run_cli, tmp_path, money):
    cell, mrr = money
    res = run_cli("tool", "churn_analyzer", str(_one_money_cell_csv(tmp_path, cell)), "--window", "1", "--json")
    assert res.code == 0, res.err
    # End ARR is the one account's February MRR × 12, computed here in exact decimals.
    assert Decimal(str(json.loads(res.out)["waterfall"]["end"])) == mrr * 12


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=12))
def test_any_text_money_cell_exits_0_or_2_without_traceback(run_cli, tmp_path, cell):
    res = run_cli("tool", "churn_analyzer", str(_one_money_cell_csv(tmp_path, cell)), "--window", "1", "--json")
    assert "Traceback" not in res.err and res.code in (0, 2)
    if res.code == 2:
        assert res.err.count("\n") == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_traceback(run_cli, tmp_path, blob):
    path = tmp_path / "x.csv"
    path.write_bytes(blob)
    res = run_cli("tool", "churn_analyzer", str(path), "--json")
    assert res.code in (0, 2) and "Traceback" not in res.err
    if res.code == 2:
        assert res.err.count("\n") == 1


paths = st.lists(st.lists(st.sampled_from([0, 0, 100, 250, 400]), min_size=5, max_size=5), min_size=1, max_size=10)
extras = st.lists(st.tuples(st.sampled_from([None, 20, 45, 80, 95]), st.sampled_from([None, -0.4, 0.0, 0.3])),
                  min_size=10, max_size=10)


@settings(max_examples=100, deadline=None)
@given(paths, extras, st.integers(1, 4))
def test_lists_are_disjoint_and_segments_add_up(rows, extra, window):
    from csuite.tools.snapshots import AccountInfo

    records = [(f"a{i}", month_label(month_index("2025-01") + j), v) for i, row in enumerate(rows)
               for j, v in enumerate(row)]
    accounts = {f"a{i}": AccountInfo(account_id=f"a{i}", segment="X" if i % 2 else "Y", health_score=h,
                                     usage_change=u) for i, (h, u) in enumerate(extra[:len(rows)])}
    r = analyze(Snapshots.from_records(records), ChurnOptions(window=window), accounts)
    assert not ({a.account_id for a in r.at_risk} & {a.account_id for a in r.expansion_candidates})
    # segment cohorts partition the whole cohort
    assert sum(s.cohort_size for s in r.segments) == r.cohort_size
    assert sum(s.start_arr for s in r.segments) == pytest.approx(r.decomposition.start_arr)
    if r.grr is not None:
        assert 0 <= r.grr <= 1 and r.grr <= r.nrr + 1e-12


# ----------------------------------------------------------------------------- review fixes

def test_render_lists_every_churned_account_up_to_limit_and_says_top_n_of_m(tmp_path):
    # 12 accounts churn in March (each paid i × 100 MRR before), one survivor. With --limit 11 the
    # render lists 11 churned accounts (not a silent 10) and says "(top 11 of 12)".
    lines = ["account_id,period,mrr"]
    for month in ("2024-12", "2025-01", "2025-02", "2025-03"):
        lines.append(f"S,{month},5000")
        for i in range(1, 13):
            lines.append(f"C{i:02d},{month},{0 if month == '2025-03' else i * 100}")
    path = tmp_path / "churn_many.csv"
    path.write_text("\n".join(lines) + "\n")
    from csuite.tools.churn_analyzer import render

    result = run(str(path), ChurnOptions(window=3, limit=11))
    assert result.totals.churned.accounts == 12 and len(result.churned) == 11
    text = render(result)
    assert "(top 11 of 12)" in text
    block = text.split("Churned in the window:")[1].split("\n\n")[0].splitlines()[1:]
    assert len(block) == 11
    # ARR lost: Σ i × 100 × 12 for i = 1..12 = 78 × 1,200 = 93,600.
    assert result.totals.churned.arr == 93_600


def test_render_uses_shared_formatters(small):
    from csuite.tools.churn_analyzer import render

    # NRR 3,700 / 4,300 = 86.046...% → "86.0%" (one decimal); cohort start ARR 51,600 → "$51,600".
    text = render(small)
    assert "NRR 86.0%" in text and "$51,600 ARR" in text
