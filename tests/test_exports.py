"""Real exports in: one Salesforce opportunity report written five ways (plain CSV, CSV with the
report footer, Windows-1252, European CSV, .xlsx) must give the same forecast, forecast categories
and stale deals. Expected figures are computed in plain Python from DEALS below."""

from __future__ import annotations

import json
from datetime import date

import pytest

from csuite.tools.revenue_forecast_model import ForecastOptions, run

AS_OF = date(2026, 11, 23)
PERIOD_START, PERIOD_END = date(2026, 10, 1), date(2026, 12, 31)
HEADER = ["Stage", "Opportunity Name", "Owner Role", "Amount", "Probability (%)", "Forecast Category",
          "Close Date", "Opportunity ID", "Last Activity"]
# stage, name, owner role, amount, probability %, category, close, id, last activity (None: blank)
DEALS = [
    ("Negotiation/Review", "Crème Brûlée Bakery", "AE West", 84_500.00, 90, "Commit", date(2026, 12, 15), "O1",
     date(2026, 11, 20)),
    ("Proposal/Price Quote", "Café Noël", "AE East", 40_000.00, 75, "Best Case", date(2026, 12, 1), "O2",
     date(2026, 8, 28)),
    ("Prospecting", "Müller GmbH", "AE West", 12_500.50, 10, "Pipeline", date(2026, 12, 20), "O3", date(2026, 11, 1)),
    ("Qualification", "Zoë Ltd", "AE East", 20_000.00, 10, "Omitted", date(2027, 1, 15), "O4", None),
    ("Closed Won", "Ångström AB", "AE West", 30_000.00, 100, "Closed", date(2026, 10, 10), "O5", date(2026, 10, 10)),
    ("Value Proposition", "Öko Energie", "AE East", 10_000.00, 50, "Pipeline", date(2026, 11, 5), "O6",
     date(2026, 11, 10)),
]
FOOTER = ["", '"Confidential Information - Do Not Distribute"',
          '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."']


def _expected() -> dict:
    """What every variant must produce, from DEALS in plain Python."""
    open_deals = [d for d in DEALS if d[0] != "Closed Won"]
    # A past-due open deal is counted from the as-of date, so it stays in the period.
    in_period = [d for d in open_deals if max(d[6], AS_OF) <= PERIOD_END]
    booked = sum(d[3] for d in DEALS if d[0] == "Closed Won" and PERIOD_START <= d[6] <= PERIOD_END)
    by_category = {c: sum(d[3] for d in in_period if d[5] == c) for c in ("Commit", "Best Case", "Pipeline", "Omitted")}
    stale = [d for d in open_deals if d[6] < AS_OF or (d[8] is not None and (AS_OF - d[8]).days > 30)]
    return {
        "base": sum(d[3] * d[4] / 100 for d in in_period),
        "pipeline": sum(d[3] for d in in_period),
        "booked": booked,
        "commit": by_category["Commit"], "best_case": by_category["Best Case"],
        "pipeline_category": by_category["Pipeline"], "omitted": by_category["Omitted"],
        "commit_call": booked + by_category["Commit"],
        "best_case_call": booked + by_category["Commit"] + by_category["Best Case"],
        "stale": [d[7] for d in sorted(stale, key=lambda d: -d[3])],
        "owners": {o: sum(d[3] for d in in_period if d[2] == o) for o in {d[2] for d in in_period}},
    }


def _us_rows() -> list[list[str]]:
    def day(d):
        return "" if d is None else f"{d.month}/{d.day}/{d.year}"
    return [[s, n, o, f"{a:,.2f}", str(p), c, day(close), i, day(act)] for s, n, o, a, p, c, close, i, act in DEALS]


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"'
    return "\n".join(delimiter.join(quote(c) for c in row) for row in [HEADER, *rows]) + "\n"


def _european() -> str:
    def money(a: float) -> str:  # 84500.0 → 84.500,00 €
        whole, cents = f"{a:,.2f}".split(".")
        return whole.replace(",", ".") + "," + cents + " €"

    def day(d):
        return "" if d is None else d.strftime("%d.%m.%Y")
    rows = [[s, n, o, money(a), str(p), c, day(close), i, day(act)] for s, n, o, a, p, c, close, i, act in DEALS]
    return _csv(rows, ";")


def _xlsx(path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Opportunity pipeline report"])
    sheet.append([])
    sheet.append(HEADER)
    for s, n, o, a, p, c, close, i, act in DEALS:
        sheet.append([s, n, o, a, p, c, close, i, act])
    sheet.append([])
    sheet.append(["Confidential Information - Do Not Distribute"])
    book.save(path)
    return path


def _variant(tmp_path, kind: str):
    if kind == "csv":
        path = tmp_path / "sf.csv"
        path.write_text(_csv(_us_rows()), encoding="utf-8")
    elif kind == "footer":
        path = tmp_path / "sf_footer.csv"
        path.write_text(_csv(_us_rows()) + "\n".join(FOOTER) + "\n", encoding="utf-8")
    elif kind == "cp1252":
        path = tmp_path / "sf_windows.csv"
        path.write_bytes(_csv(_us_rows()).replace("\n", "\r\n").encode("cp1252"))
    elif kind == "european":
        path = tmp_path / "sf_eu.csv"
        path.write_text(_european(), encoding="utf-8")
    else:
        path = _xlsx(tmp_path / "sf.xlsx")
    return path


@pytest.mark.parametrize("kind", ["csv", "footer", "cp1252", "european", "xlsx"])
def test_every_variant_gives_the_same_forecast(tmp_path, kind):
    expected = _expected()
    result = run(str(_variant(tmp_path, kind)), ForecastOptions(as_of=AS_OF, period="2026-Q4", simulations=200))
    assert result.format == "salesforce"
    assert result.weighted.base == pytest.approx(expected["base"])
    assert result.period_pipeline == pytest.approx(expected["pipeline"])
    assert result.booked == pytest.approx(expected["booked"])
    fc = result.forecast_categories
    assert fc is not None
    assert (fc.commit, fc.best_case, fc.pipeline, fc.omitted) == pytest.approx(
        (expected["commit"], expected["best_case"], expected["pipeline_category"], expected["omitted"]))
    assert fc.closed == pytest.approx(expected["booked"])
    assert fc.commit_call == pytest.approx(expected["commit_call"])
    assert fc.best_case_call == pytest.approx(expected["best_case_call"])
    assert [d.deal_id for d in result.stale_deals] == expected["stale"] and result.stale_count == len(expected["stale"])
    assert {g.key: g.pipeline for g in result.by_owner} == pytest.approx(expected["owners"])
    names = {d.deal_id: d.name for d in result.stale_deals}
    assert names["O2"] == "Café Noël"
    assert result.currency == ("EUR" if kind == "european" else "USD")


def test_stale_reasons_and_flags(tmp_path):
    result = run(str(_variant(tmp_path, "footer")), ForecastOptions(as_of=AS_OF, simulations=200))
    reasons = {d.deal_id: d.reasons for d in result.stale_deals}
    # O2: last activity 2026-08-28 is 87 days before 2026-11-23 (3 + 30 + 31 + 23); O6 closed on 11-05.
    assert reasons["O2"] == ["no activity for 87 days (last 2026-08-28; more than 30)"]
    assert reasons["O6"] == ["close date 2026-11-05 passed 18 days before 2026-11-23"]
    ids = {f.id: f for f in result.flags}
    assert ids["inactive_deals"].items == ["O2"] and ids["stale_deals"].items == ["O6"]
    assert any("skipped 2 line(s) after the last data row (row 7)" in w for w in result.warnings)
    # --stale-days 90: 87 days of silence is no longer stale.
    relaxed = run(str(_variant(tmp_path, "footer")), ForecastOptions(as_of=AS_OF, simulations=200, stale_days=90))
    assert [d.deal_id for d in relaxed.stale_deals] == ["O6"]


def test_european_file_says_its_currency(tmp_path, run_cli):
    res = run_cli("tool", "revenue_forecast_model", _variant(tmp_path, "european"), "--as-of", "2026-11-23",
                  "--simulations", "200")
    assert res.code == 0, res.err
    assert "€112,300" in res.out and "$112,300" not in res.out  # base 76,050 + 30,000 + 1,250.05 + 5,000
    assert "amounts are in EUR" in res.out
    data = json.loads(run_cli("tool", "revenue_forecast_model", _variant(tmp_path, "european"), "--as-of",
                              "2026-11-23", "--simulations", "200", "--json").out)
    assert data["currency"] == "EUR" and data["forecast_categories"]["commit"] == 84_500


def test_owner_role_is_the_owner_and_formula_names_are_inert(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("Stage,Opportunity Name,Owner Role,Amount,Close Date\n"
                    'Prospecting,"=HYPERLINK(""http://x"")",AE West,1000,2026-12-01\n', encoding="utf-8")
    result = run(str(path), ForecastOptions(as_of=AS_OF, simulations=200))
    assert [g.key for g in result.by_owner] == ["AE West"]
    flag = next(f for f in result.flags if f.id == "single_deal_concentration")
    assert "'=HYPERLINK" in flag.message


def test_unknown_forecast_category_names_the_row(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("Stage,Amount,Close Date,Forecast Category\nProspecting,1000,2026-12-01,Maybe\n",
                    encoding="utf-8")
    with pytest.raises(Exception) as err:
        run(str(path), ForecastOptions(as_of=AS_OF, simulations=200))
    assert "row 2" in str(err.value) and "Forecast Category" in str(err.value)


def test_no_category_column_means_no_categories(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("deal_id,stage,amount,close_date\nA,proposal,1000,2026-12-01\n", encoding="utf-8")
    assert run(str(path), ForecastOptions(as_of=AS_OF, simulations=200)).forecast_categories is None


# ----------------------------------------------------------------------------- retention exports

def _mrr_file(tmp_path, header_segment: str = "Plan"):
    """13 months (2025-01 … 2026-01). SMB: S1 1,000 → churned, S2 1,000 → 1,100, S3 1,000 → 1,000.
    Enterprise: E1 10,000 → 12,500. Only 2026-01 differs from the first twelve months."""
    start = {"S1": 1_000, "S2": 1_000, "S3": 1_000, "E1": 10_000}
    end = {"S2": 1_100, "S3": 1_000, "E1": 12_500}
    segment = {"S1": "SMB", "S2": "SMB", "S3": "SMB", "E1": "Enterprise"}
    lines = [f"account_id,month,mrr,{header_segment}"]
    for month in [f"2025-{m:02d}" for m in range(1, 13)]:
        lines += [f"{a},{month},{v},{segment[a]}" for a, v in start.items()]
    lines += [f"{a},2026-01,{v},{segment[a]}" for a, v in end.items()]
    path = tmp_path / "mrr.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, start, end, segment


@pytest.mark.parametrize("header", ["Plan", "Segment", "Tier"])
def test_segment_column_in_the_mrr_file_gives_segment_retention(tmp_path, run_cli, header):
    path, start, end, segment = _mrr_file(tmp_path, header)
    data = json.loads(run_cli("tool", "churn_analyzer", path, "--json").out)
    rows = {r["segment"]: r for r in data["segments"]}
    for name in ("SMB", "Enterprise"):
        members = [a for a in start if segment[a] == name]
        start_arr = sum(start[a] for a in members) * 12
        nrr = sum(end.get(a, 0) for a in members) * 12 / start_arr
        grr = sum(min(end.get(a, 0), start[a]) for a in members) * 12 / start_arr
        retained = sum(1 for a in members if end.get(a, 0) > 0)
        row = rows[name]
        assert row["start_arr"] == pytest.approx(start_arr)
        assert row["nrr"] == pytest.approx(nrr) and row["grr"] == pytest.approx(grr)
        assert row["logo_retention"] == pytest.approx(retained / len(members))
        assert row["churned_logos"] == len(members) - retained
    # SMB loses 30% (3,000 → 2,100) while Enterprise grows 25%: both hide in the blended 112%.
    assert rows["SMB"]["nrr"] == pytest.approx(0.70) and rows["Enterprise"]["nrr"] == pytest.approx(1.25)
    assert data["nrr"] == pytest.approx((2_100 + 12_500) / 13_000)


def test_stripe_cancel_at_period_end_is_at_risk(tmp_path, run_cli):
    path = tmp_path / "stripe.csv"
    path.write_text(
        "id,Customer ID,Customer Name,Status,Plan,Quantity,Amount,Interval,Start (UTC),Cancel At Period End,"
        "Canceled At (UTC),Ended At (UTC)\n"
        "sub_1,cus_A,Alpha,active,Pro,1,1000.00,month,2025-01-05 00:00,true,,\n"
        "sub_2,cus_B,Beta,active,Pro,1,1000.00,month,2025-01-05 00:00,false,,\n"
        "sub_3,cus_C,Gamma,active,Team,1,500.00,month,2025-01-05 00:00,,,\n", encoding="utf-8")
    res = run_cli("tool", "churn_analyzer", path, "--as-of", "2026-02-15", "--json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    risky = {a["account_id"]: a for a in data["at_risk"]}
    assert list(risky) == ["cus_A"] and risky["cus_A"]["signals"] == ["scheduled_cancel"]
    assert "cus_A" not in {a["account_id"] for a in data["expansion_candidates"]}
    assert {r["segment"] for r in data["segments"]} == {"Pro", "Team"}
    bad = tmp_path / "bad.csv"
    bad.write_text(path.read_text(encoding="utf-8").replace(",true,,", ",soon,,"), encoding="utf-8")
    res = run_cli("tool", "churn_analyzer", bad, "--as-of", "2026-02-15")
    assert res.code == 2 and "row 2" in res.err and "Cancel At Period End" in res.err
