"""The shared revenue-snapshot core: reading, Stripe conversion, and the retention definitions.

Golden numbers are worked by hand from tests/data/snapshots_small.csv (MRR, × 12 for ARR):

    account  2024-12  2025-01(S) 2025-02  2025-03  2025-04(E)
    A           1000     1000      1000     1200     1500     expands twice
    B           2000     2000      1500     1500     1800     contracts, then expands below S
    C            500      500       500        0        0     churns in 03
    D            800      800         0        0      400     churns in 02, reactivates in 04
    E              -        -       300      300      300     new in 02
    F              -        -         -      700        0     new in 03, churns in 04 (explicit 0 row)
    H            600        -         -      600      600     at 0 in S, reactivates in 03 (not cohort)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import writer
from hypothesis import given, settings
from hypothesis import strategies as st

from csuite.errors import InputError
from csuite.tools.snapshots import (
    Snapshots,
    cohort_matrix,
    kaplan_meier,
    month_index,
    month_label,
    movements,
    read_accounts,
    read_snapshots,
    retention_window,
    tenure,
)

DATA = Path(__file__).resolve().parent / "data"
SMALL = DATA / "snapshots_small.csv"
STRIPE = DATA / "snapshots_stripe.csv"


write = writer("snaps.csv")


# ----------------------------------------------------------------------------- golden numbers

def test_retention_window_hand_computed():
    r = retention_window(read_snapshots(SMALL), window_months=3)
    assert (r.start, r.end) == ("2025-01", "2025-04")
    # Cohort at S = A, B, C, D: Σ MRR(S) = 1000 + 2000 + 500 + 800 = 4300 (H is at 0 in S).
    assert r.cohort_size == 4
    assert r.start_arr == 4300 * 12
    # NRR = (1500 + 1800 + 0 + 400) / 4300 = 3700 / 4300
    assert r.nrr == pytest.approx(3700 / 4300)
    # GRR caps each at S: min(1500,1000) + min(1800,2000) + 0 + min(400,800) = 3200 / 4300
    assert r.grr == pytest.approx(3200 / 4300)
    # A, B and D are active at E: 3 of 4
    assert r.logo_retention == pytest.approx(0.75)
    assert r.retained_logos == 3


def test_waterfall_hand_computed_and_exact():
    w = retention_window(read_snapshots(SMALL), window_months=3).waterfall
    # MRR: new E 300 + F 700; reactivation H 600 + D 400; expansion A 200 + A 300 + B 300;
    # contraction B 500; churn D 800 + C 500 + F 700; end 1500+1800+400+300+0+600 = 4600.
    assert w.start == 51_600 and w.end == 55_200
    assert (w.new, w.reactivation, w.expansion, w.contraction, w.churn) == (12_000, 12_000, 9_600, 6_000, 24_000)
    d = {k: Decimal(str(v)) for k, v in w.model_dump().items()}
    assert d["start"] + d["new"] + d["reactivation"] + d["expansion"] - d["contraction"] - d["churn"] == d["end"]


def test_monthly_movements_hand_computed():
    months = movements(read_snapshots(SMALL), "2025-01", "2025-04")
    assert [m.period for m in months] == ["2025-02", "2025-03", "2025-04"]
    feb, mar, apr = months
    # Feb: B −500 contraction, D −800 churn, E +300 new: 4300 → 3300
    assert (feb.start, feb.new, feb.contraction, feb.churn, feb.end) == (51_600, 3_600, 6_000, 9_600, 39_600)
    assert (feb.new_logos, feb.churned_logos) == (1, 1)
    # Mar: A +200, C −500, F +700 new, H +600 reactivation: 3300 → 4300
    assert (mar.expansion, mar.churn, mar.new, mar.reactivation, mar.end) == (2_400, 6_000, 8_400, 7_200, 51_600)
    assert mar.reactivated_logos == 1
    # Apr: A +300, B +300, D +400 reactivation, F −700 churn: 4300 → 4600
    assert (apr.expansion, apr.reactivation, apr.churn, apr.end) == (7_200, 4_800, 8_400, 55_200)


def test_only_movements_inside_the_window_count():
    # Pitfall: lifetime expansion credited to a period. A grew before the window, flat inside it.
    snaps = Snapshots.from_records([("A", "2025-01", 100), ("A", "2025-02", 300), ("A", "2025-03", 300),
                                    ("A", "2025-04", 300)])
    r = retention_window(snaps, window_months=2)
    assert r.nrr == 1.0 and r.waterfall.expansion == 0


def test_arr_column_and_end_option():
    snaps = Snapshots.from_records([("A", "2025-01", 12000), ("A", "2025-02", 6000), ("B", "2025-02", 1200)],
                                   unit="arr")
    assert snaps.unit == "arr"
    r = retention_window(snaps, end="2025-02", window_months=1)
    assert r.nrr == 0.5 and r.grr == 0.5 and r.waterfall.contraction == 6000 and r.waterfall.new == 1200


def test_empty_cohort_gives_na_not_zero():
    snaps = Snapshots.from_records([("A", "2025-01", 0), ("A", "2025-02", 100)])
    r = retention_window(snaps, window_months=1)
    assert r.nrr is None and r.grr is None and r.logo_retention is None and r.cohort_size == 0


def test_stripe_export_becomes_monthly_customer_snapshots():
    snaps = read_snapshots(STRIPE, as_of=date(2025, 4, 30))
    assert snaps.source_kind == "stripe" and snaps.periods == ["2025-01", "2025-02", "2025-03", "2025-04"]
    mrr = {a: list(snaps.arr[i] // 12 // 100) for i, a in enumerate(snaps.accounts)}
    # cus_A: 1200/yr = 100/mo from Jan; + 2 × 50/mo add-on from Mar 5
    assert mrr["cus_A"] == [100, 100, 200, 200]
    # cus_B: ended 2025-03-20 → billed at the Jan and Feb month ends only
    assert mrr["cus_B"] == [300, 300, 0, 0]
    # cus_C: 600/yr = 50/mo, counted only after the trial ends 2025-03-15
    assert mrr["cus_C"] == [0, 0, 50, 50]
    # cus_E: plan switch 100 → 150 on Feb 15 is expansion for one customer, not churn + new
    assert mrr["cus_E"] == [100, 150, 150, 150]
    assert "cus_D" not in snaps.accounts  # incomplete_expired never billed
    assert snaps.names["cus_A"] == "Acme Fixtures"
    w = retention_window(snaps, window_months=3)
    # S = Jan: A 100, B 300, E 100 = 500; E: 200 + 0 + 150 = 350 → NRR 0.70;
    # GRR: 100 + 0 + 100 = 200 → 0.40; logos 2/3. Waterfall (ARR): start 6000, new C 600,
    # expansion E 600 + A 1200 = 1800, churn B 3600, end 4800.
    assert w.nrr == pytest.approx(0.7) and w.grr == pytest.approx(0.4)
    assert w.logo_retention == pytest.approx(2 / 3)
    assert w.waterfall.model_dump() == {"start": 6000, "new": 600, "reactivation": 0, "expansion": 1800,
                                        "contraction": 0, "churn": 3600, "end": 4800}


def test_stripe_without_as_of_measures_to_latest_date_and_says_so():
    snaps = read_snapshots(STRIPE)
    assert snaps.periods[-1] == "2025-04"
    assert any("latest date" in w for w in snaps.warnings)


def test_stripe_end_before_start_is_an_error(tmp_path):
    text = STRIPE.read_text().replace("2025-02-10 10:00,2025-03-20 08:00", "2025-02-10 10:00,2024-12-20 08:00")
    with pytest.raises(InputError) as exc:
        read_snapshots(write(tmp_path, text))
    assert exc.value.row == 4 and "before the start" in exc.value.message
    assert exc.value.field == "Ended At (UTC)"


def test_stripe_unix_seconds_and_cents_free_amounts(tmp_path):
    text = ("id,Customer ID,Status,Amount,Interval,Quantity,Start (UTC),Ended At (UTC)\n"
            "s1,cus_1,active,$1,200.00,year,1,1735689600,\n")  # 2025-01-01 00:00 UTC
    text = text.replace("$1,200.00", '"$1,200.00"')
    snaps = read_snapshots(write(tmp_path, text), as_of=date(2025, 2, 28))
    assert snaps.periods == ["2025-01", "2025-02"] and list(snaps.arr[0]) == [120_000, 120_000]


# ----------------------------------------------------------------------------- reading rules

def test_duplicate_account_period_names_both_rows(tmp_path):
    path = write(tmp_path, "account_id,period,mrr\nA,2025-01,10\nB,2025-01,5\nA,2025-01,12\n")
    with pytest.raises(InputError) as exc:
        read_snapshots(path)
    # The account's id is the file's content: the rows say where, the id itself is not echoed.
    assert "rows 2 and 4" in str(exc.value) and "'A'" not in str(exc.value) and "2025-01" in str(exc.value)


def test_missing_month_is_an_error_not_mass_churn(tmp_path):
    path = write(tmp_path, "account_id,period,mrr\nA,2025-01,10\nA,2025-03,10\n")
    with pytest.raises(InputError, match="no rows for 2025-02"):
        read_snapshots(path)


@pytest.mark.parametrize("value, message", [("-5", "negative"), ("nan", "finite"), ("inf", "finite"),
                                            ("", "empty"), ("ten", "not an amount")])
def test_bad_money_names_row_and_field(tmp_path, value, message):
    path = write(tmp_path, f"account_id,period,mrr\nA,2025-01,10\nB,2025-01,{value}\n")
    with pytest.raises(InputError) as exc:
        read_snapshots(path)
    assert message in exc.value.message and exc.value.row == 3 and exc.value.field == "mrr"


def test_formatted_money_and_month_formats(tmp_path):
    path = write(tmp_path, 'Customer ID,Month,MRR\nA,Jan 2025,"$5,000"\nA,2025-02-28,$5.5K\n')
    snaps = read_snapshots(path)
    assert snaps.periods == ["2025-01", "2025-02"] and list(snaps.arr[0]) == [6_000_000, 6_600_000]


@pytest.mark.parametrize("period", ["2025-Q1", "2025-13", "13/13/2025", "soon"])
def test_bad_period_is_an_error(tmp_path, period):
    with pytest.raises(InputError) as exc:
        read_snapshots(write(tmp_path, f"account_id,period,mrr\nA,{period},10\n"))
    assert exc.value.row == 2 and exc.value.field == "period"


def test_ambiguous_day_month_column_is_refused(tmp_path):
    with pytest.raises(InputError, match="dd/mm or mm/dd"):
        read_snapshots(write(tmp_path, "account_id,period,mrr\nA,03/04/2025,10\n"))


def test_both_units_or_neither_is_an_error(tmp_path):
    with pytest.raises(InputError, match="both an MRR and an ARR"):
        read_snapshots(write(tmp_path, "account_id,period,mrr,arr\nA,2025-01,1,12\n"))
    with pytest.raises(InputError, match="mrr or arr"):
        read_snapshots(write(tmp_path, "account_id,period,revenue\nA,2025-01,1\n"))


def test_window_longer_than_data_is_an_error():
    with pytest.raises(InputError, match="needs a snapshot for 2024-04"):
        retention_window(read_snapshots(SMALL), window_months=12)


def test_as_of_drops_later_months():
    snaps = read_snapshots(SMALL, as_of=date(2025, 3, 10))
    assert snaps.periods[-1] == "2025-03"


def test_bom_crlf(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffaccount_id,period,mrr\r\nA,2025-01,10\r\nA,2025-02,12\r\n".encode("utf-8"))
    r = retention_window(read_snapshots(path), window_months=1)
    assert r.nrr == pytest.approx(1.2)


def test_month_helpers():
    assert month_label(month_index("2026-10")) == "2026-10"
    assert month_index("2027-01") - month_index("2026-12") == 1


# ----------------------------------------------------------------------------- cohorts, survival

def test_cohort_matrix_month_zero_is_full_and_lists_stop_when_unobserved():
    rows = {r.cohort: r for r in cohort_matrix(read_snapshots(SMALL))}
    # Each account's own first month: E starts 2025-02, F 2025-03; A–D and H in 2024-12.
    assert rows["2025-02"].revenue == [1.0, 1.0, 1.0]
    assert rows["2025-03"].revenue == [1.0, 0.0] and rows["2025-03"].logos == [1.0, 0.0]
    first = rows["2024-12"]
    assert first.left_truncated and first.size == 5 and first.revenue[0] == 1.0
    # 2024-12 cohort: 1000+2000+500+800+600 = 4900; at 2025-04: 1500+1800+0+400+600 = 4300
    assert first.revenue[-1] == pytest.approx(4300 / 4900)
    assert first.logos[-1] == pytest.approx(4 / 5)


def test_kaplan_meier_handles_censoring():
    durations, churned, _ = tenure(read_snapshots(SMALL))
    # A,B censored at 4; C churns at 3; D at 2; H at 1; E censored at 2; F churns at 1.
    assert sorted(zip(durations.tolist(), churned.tolist())) == sorted(
        [(4, False), (4, False), (3, True), (2, True), (1, True), (2, False), (1, True)])
    s = {p.month: p.survival for p in kaplan_meier(durations, churned)}
    # k=1: 7 at risk, 2 churn → 5/7; k=2: 5 at risk, 1 churn → ×4/5; k=3: 3 at risk (A,B,C) → ×2/3
    assert s[1] == pytest.approx(5 / 7)
    assert s[2] == pytest.approx(5 / 7 * 4 / 5)
    assert s[3] == pytest.approx(5 / 7 * 4 / 5 * 2 / 3)
    assert s[4] == pytest.approx(s[3])


def test_kaplan_meier_matches_lifelines():
    import lifelines
    rng = np.random.default_rng(7)
    durations = rng.integers(0, 24, 300)
    observed = rng.random(300) < 0.4
    ours = {p.month: p.survival for p in kaplan_meier(durations, observed)}
    kmf = lifelines.KaplanMeierFitter().fit(durations, observed)
    for k, value in ours.items():
        assert value == pytest.approx(float(kmf.survival_function_at_times(k).iloc[0]))


# ----------------------------------------------------------------------------- accounts file

def test_read_accounts(tmp_path):
    path = write(tmp_path, "account_id,name,segment,churn_reason,health_score,renewal_date\n"
                           "A,Acme,Mid-Market,,7.5,15/03/2026\nB,Birch,SMB,moved to a competitor,4,2026-01-31\n",
                 "accounts.csv")
    accounts = read_accounts(path)
    assert accounts["A"].health_score == 75.0 and accounts["A"].renewal_date == date(2026, 3, 15)
    assert accounts["B"].churn_reason == "moved to a competitor"


def test_read_accounts_duplicate(tmp_path):
    path = write(tmp_path, "account_id,name\nA,x\nA,y\n", "accounts.csv")
    with pytest.raises(InputError, match="rows 2 and 3"):
        read_accounts(path)


# ----------------------------------------------------------------------------- properties

matrices = st.lists(st.lists(st.integers(0, 5) .map(lambda k: k * 250), min_size=6, max_size=6),
                    min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(matrices, st.integers(1, 5))
def test_properties_waterfall_reconciles_and_grr_bounded(rows, window):
    records = [(f"a{i}", month_label(month_index("2025-01") + j), v)
               for i, row in enumerate(rows) for j, v in enumerate(row)]
    r = retention_window(Snapshots.from_records(records), window_months=window)
    w = {k: Decimal(str(v)) for k, v in r.waterfall.model_dump().items()}
    assert w["start"] + w["new"] + w["reactivation"] + w["expansion"] - w["contraction"] - w["churn"] == w["end"]
    if r.grr is not None:
        assert 0 <= r.grr <= 1 and r.grr <= r.nrr + 1e-12 and 0 <= r.logo_retention <= 1


def test_row_numbers_survive_blank_lines_and_quotes(tmp_path):
    # A blank line and a quoted cell force the csv-module path; row numbers stay spreadsheet rows.
    path = write(tmp_path, 'account_id,period,mrr\nA,2025-01,"1,000"\n\nB,2025-01,-3\n')
    with pytest.raises(InputError) as exc:
        read_snapshots(path)
    assert exc.value.row == 4
    plain = write(tmp_path, "account_id,period,mrr\nA,2025-01,10\nB,2025-01,oops\n", "plain.csv")
    with pytest.raises(InputError) as exc:
        read_snapshots(plain)
    assert exc.value.row == 3


def test_json_rows_and_booleans(tmp_path):
    snaps = read_snapshots([{"account_id": 7, "period": "2025-01", "mrr": 10.5}])
    assert snaps.accounts == ("7",) and int(snaps.arr[0, 0]) == 12_600
    with pytest.raises(InputError):
        read_snapshots([{"account_id": "A", "period": "2025-01", "mrr": True}])


def test_implausible_amount_is_refused_not_overflowed(tmp_path):
    # 1E100 would overflow integer cents and come back as 0 or garbage: refuse it with the row.
    with pytest.raises(InputError) as exc:
        read_snapshots(write(tmp_path, "account_id,period,mrr\nA,2025-01,100\nA,2025-02,1E100\n"))
    assert exc.value.row == 3 and "implausibly large" in exc.value.message


def test_line_break_in_a_cell_keeps_the_error_on_one_line(tmp_path):
    with pytest.raises(InputError) as exc:
        read_snapshots(write(tmp_path, 'account_id,period,mrr\nA,2025-01,"1\n2"\n'))
    assert "\n" not in str(exc.value)


def test_bad_stripe_interval_count_names_its_own_field(tmp_path):
    # Quantity 2 is fine; Interval Count 0 is below the minimum 1: the error must name
    # 'Interval Count' (it used to say 'Quantity', sending the founder to the wrong column).
    path = tmp_path / "stripe_bad_count.csv"
    path.write_text("id,Customer ID,Status,Quantity,Amount,Interval,Interval Count,Start (UTC)\n"
                    "sub_1,cus_A,active,2,100.00,month,0,2025-01-10\n")
    with pytest.raises(InputError) as err:
        read_snapshots(str(path))
    assert err.value.field == "Interval Count" and err.value.row == 2


def test_a_name_column_beside_the_id_names_the_accounts(tmp_path):
    """ChartMogul exports 'Customer ID, Customer Name': answers named at-risk accounts 'cus_1001'."""
    path = write(tmp_path, "Customer ID,Customer Name,Month,MRR\n"
                           "cus_1,Halcyon Health,2026-09,100\ncus_2,Ridgeline,2026-09,50\n"
                           "cus_1,Halcyon Health Partners,2026-10,90\ncus_2,,2026-10,50\n")
    snaps = read_snapshots(path)
    # the latest non-blank name wins, as for segments
    assert snaps.names == {"cus_1": "Halcyon Health Partners", "cus_2": "Ridgeline"}
    only_names = write(tmp_path, "Account Name,Month,MRR\nHalcyon,2026-09,100\nHalcyon,2026-10,90\n")
    assert read_snapshots(only_names).names == {}   # the id is the name already
