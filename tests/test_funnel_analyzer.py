"""funnel_analyzer: every JSON field checked against figures computed here with the csv module and
plain Python (never the tool's own output), on a generated 1,200-deal Salesforce report with US
dates and money; stage history checked against numbers worked out by hand; bad input that stops
with one line, and bad input that only warns."""

from __future__ import annotations

import csv
import json
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest

from csuite.errors import InputError
from csuite.knowledge.thresholds import section
from csuite.tools import funnel_analyzer as fa
from csuite.tools.funnel_analyzer import FunnelOptions, run
from tests.conftest import EXAMPLES, ROOT
from tests.funnel_export import LOSS_REASONS, write_export

TOOL = "funnel_analyzer"
AS_OF = date(2026, 11, 23)
# 12 months before 2026-11-23 is 2025-11-23; the window starts the day after.
WINDOW_START = date(2025, 11, 24)
CFG = section(TOOL)


def funnel(source, **opts):
    opts.setdefault("as_of", AS_OF.isoformat())
    return run(str(source) if isinstance(source, Path) else source, FunnelOptions(**opts))


def write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ the reference, in plain Python

def money(text: str) -> float:
    return float(text.replace("$", "").replace(",", ""))


def mdy(text: str) -> date | None:
    return datetime.strptime(text, "%m/%d/%Y").date() if text else None


def quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def load(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for index, r in enumerate(rows):
        r["index"] = index
        r["amount"] = money(r["Amount"])
        r["close"], r["created"] = mdy(r["Close Date"]), mdy(r["Created Date"])
        r["status"] = {"Closed Won": "won", "Closed Lost": "lost"}.get(r["Stage"], "open")
    return rows


def closed_in_window(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["status"] != "open" and WINDOW_START <= r["close"] <= AS_OF]


def rates(rows: list[dict]) -> dict:
    won = [r for r in rows if r["status"] == "won"]
    lost = [r for r in rows if r["status"] == "lost"]
    won_amount, lost_amount = sum(r["amount"] for r in won), sum(r["amount"] for r in lost)
    return {"won": len(won), "lost": len(lost), "win_rate": len(won) / (len(won) + len(lost)),
            "win_rate_value": won_amount / (won_amount + lost_amount), "won_amount": won_amount,
            "lost_amount": lost_amount}


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A 1,200-deal export, a spend file and an account universe, with the tool's result."""
    folder = tmp_path_factory.mktemp("funnel")
    export = write_export(folder / "opportunities.csv", 1200)
    rows = load(export)
    spend = folder / "spend.csv"
    # Monthly spend; the 2025-10 row starts before the window and must not count.
    spend_rows = ["Channel,Month,Spend"]
    for month in ["2025-10", "2025-12", "2026-03", "2026-06", "2026-09"]:
        spend_rows += [f"Web,{month},\"$10,000.00\"", f"Outbound,{month},\"$12,000.00\"",
                       f"Partner Referral,{month},\"$3,000.00\""]
    spend.write_text("\n".join(spend_rows) + "\n", encoding="utf-8")
    accounts = sorted({r["Account Name"] for r in rows})
    universe_segment = {a: ("Enterprise" if k % 5 == 0 else "Mid-Market" if k % 2 else "SMB")
                        for k, a in enumerate(accounts) if k % 3 != 0}      # two thirds of the accounts
    universe_segment.update({f"Prospect {k}": "SMB" for k in range(100)})   # and 100 never sold to
    universe = folder / "universe.csv"
    with universe.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["Account Name", "Segment"])
        out.writerows(sorted(universe_segment.items()))
    result = funnel(export, spend=str(spend), accounts=str(universe), top=15)
    return {"rows": rows, "result": result, "universe": universe_segment, "export": export}


# ------------------------------------------------------------------ headline rates

def test_generated_export_is_big_and_varied(big):
    rows = big["rows"]
    assert len(rows) >= 1000
    assert len({r["Lead Source"] for r in rows}) >= 5 and len({r["Segment"] for r in rows}) == 3
    assert len({r["Loss Reason"] for r in rows if r["status"] == "lost"}) >= 8
    assert any(r["Close Date"][3:5] > "12" for r in rows)           # US order is provable from the data


def test_open_won_lost_and_win_rates(big):
    rows, r = big["rows"], big["result"]
    closed = closed_in_window(rows)
    expected = rates(closed)
    open_rows = [x for x in rows if x["status"] == "open"]
    assert r.open == len(open_rows) and r.open_pipeline == pytest.approx(sum(x["amount"] for x in open_rows))
    assert (r.won, r.lost) == (expected["won"], expected["lost"])
    assert r.win_rate == pytest.approx(expected["win_rate"])
    assert r.win_rate_value == pytest.approx(expected["win_rate_value"])
    assert r.won_amount == pytest.approx(expected["won_amount"])
    assert r.window_start == WINDOW_START and r.window_end == AS_OF
    outside = sum(1 for x in rows if x["status"] != "open" and not WINDOW_START <= x["close"] <= AS_OF)
    assert r.closed_outside_window == outside > 0


def test_by_period_and_trend(big):
    rows, r = big["rows"], big["result"]
    by_q: dict[str, list[dict]] = defaultdict(list)
    for x in closed_in_window(rows):
        by_q[quarter(x["close"])].append(x)
    assert list(r.by_period) == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    for label, p in r.by_period.items():
        exp = rates(by_q[label])
        assert (p.won, p.lost) == (exp["won"], exp["lost"]), label
        assert p.win_rate == pytest.approx(exp["win_rate"]) and p.win_rate_value == pytest.approx(exp["win_rate_value"])
        created = [x for x in rows if x["created"] and WINDOW_START <= x["created"] <= AS_OF
                   and quarter(x["created"]) == label]
        assert p.deals_created == len(created)
        assert p.pipeline_created == pytest.approx(sum(x["amount"] for x in created))
    # 2025-Q4 starts before the window and 2026-Q4 has not ended: only Q1–Q3 are complete.
    assert [p.complete for p in r.by_period.values()] == [False, True, True, True, False]
    complete = [rates(by_q[q])["win_rate"] for q in ("2026-Q1", "2026-Q2", "2026-Q3")]
    t = r.trend
    assert t.periods_used == 3
    assert t.slope_per_quarter == pytest.approx(statistics.linear_regression([0, 1, 2], complete).slope)
    falls = 0
    for later, earlier in ((complete[2], complete[1]), (complete[1], complete[0])):
        if later >= earlier:
            break
        falls += 1
    assert t.consecutive_declines == falls
    current = rates(by_q["2026-Q4"])
    trailing = rates([x for q in ("2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3") for x in by_q[q]])
    assert t.current_period == "2026-Q4" and t.current_closed == current["won"] + current["lost"]
    assert t.current_win_rate == pytest.approx(current["win_rate"])
    assert t.trailing_win_rate == pytest.approx(trailing["win_rate"])
    assert t.change_vs_trailing == pytest.approx(current["win_rate"] - trailing["win_rate"])
    assert t.latest_period == "2026-Q3" and t.latest_win_rate == pytest.approx(complete[2])


@pytest.mark.parametrize("column, field", [("Segment", "by_segment"), ("Opportunity Owner", "by_owner")])
def test_by_segment_and_owner(big, column, field):
    rows, r = big["rows"], big["result"]
    groups = getattr(r, field)
    assert set(groups) == {x[column] for x in rows}
    for name, g in groups.items():
        exp = rates([x for x in closed_in_window(rows) if x[column] == name])
        opened = [x for x in rows if x["status"] == "open" and x[column] == name]
        assert (g.won, g.lost, g.open) == (exp["won"], exp["lost"], len(opened)), name
        assert g.win_rate == pytest.approx(exp["win_rate"])
        assert g.open_pipeline == pytest.approx(sum(x["amount"] for x in opened))


def test_by_source_with_cac(big):
    rows, r = big["rows"], big["result"]
    # Spend in the window: four months each (2025-10 is outside).
    spend = {"Web": 40_000.0, "Outbound": 48_000.0, "Partner Referral": 12_000.0}
    for source, s in r.by_source.items():
        exp = rates([x for x in closed_in_window(rows) if x["Lead Source"] == source])
        created = [x for x in rows if x["Lead Source"] == source and WINDOW_START <= x["created"] <= AS_OF]
        assert (s.won, s.lost) == (exp["won"], exp["lost"]) and s.win_rate == pytest.approx(exp["win_rate"])
        assert s.won_amount == pytest.approx(exp["won_amount"])
        assert s.deals_created == len(created)
        assert s.pipeline_created == pytest.approx(sum(x["amount"] for x in created))
        if source in spend:
            assert s.spend == spend[source]
            assert s.cac == pytest.approx(spend[source] / exp["won"])
            assert s.cac_ratio == pytest.approx(spend[source] / exp["won_amount"])
        else:
            assert s.spend is None and s.cac is None
        won_cycles = [(x["close"] - x["created"]).days for x in closed_in_window(rows)
                      if x["status"] == "won" and x["Lead Source"] == source]
        assert s.cycle_days_median == pytest.approx(statistics.median(won_cycles))


def test_cycle_and_velocity(big):
    rows, r = big["rows"], big["result"]
    closed = closed_in_window(rows)
    won_days = [(x["close"] - x["created"]).days for x in closed if x["status"] == "won"]
    lost_days = [(x["close"] - x["created"]).days for x in closed if x["status"] == "lost"]
    c = r.cycle_days
    assert c.deals == len(won_days)
    assert c.median == pytest.approx(statistics.median(won_days)) and c.mean == pytest.approx(statistics.mean(won_days))
    assert c.lost_median == pytest.approx(statistics.median(lost_days))
    for segment, spread in c.by_segment.items():
        days = [(x["close"] - x["created"]).days for x in closed if x["status"] == "won" and x["Segment"] == segment]
        assert spread.median == pytest.approx(statistics.median(days)) and spread.deals == len(days)
    v = r.velocity_per_day
    open_n = sum(1 for x in rows if x["status"] == "open")
    exp = rates(closed)
    mean_won = statistics.mean(x["amount"] for x in closed if x["status"] == "won")
    assert (v.open_deals, v.win_rate) == (open_n, pytest.approx(exp["win_rate"]))
    assert v.mean_won_amount == pytest.approx(mean_won) and v.mean_cycle_days == pytest.approx(statistics.mean(won_days))
    assert v.value == pytest.approx(open_n * exp["win_rate"] * mean_won / statistics.mean(won_days))
    smb = [x for x in closed if x["Segment"] == "SMB"]
    smb_won_days = [(x["close"] - x["created"]).days for x in smb if x["status"] == "won"]
    smb_open = sum(1 for x in rows if x["status"] == "open" and x["Segment"] == "SMB")
    smb_mean = statistics.mean(x["amount"] for x in smb if x["status"] == "won")
    assert v.by_segment["SMB"].value == pytest.approx(
        smb_open * rates(smb)["win_rate"] * smb_mean / statistics.mean(smb_won_days))


def test_loss_reasons_by_hand_categories(big):
    rows, r = big["rows"], big["result"]
    lost = [x for x in closed_in_window(rows) if x["status"] == "lost"]
    counts = Counter(LOSS_REASONS[x["Loss Reason"]] for x in lost)
    amounts: dict[str, float] = defaultdict(float)
    for x in lost:
        amounts[LOSS_REASONS[x["Loss Reason"]]] += x["amount"]
    assert "no_decision" in r.loss_reasons and "price" in r.loss_reasons
    for category in set(LOSS_REASONS.values()):
        assert r.loss_reasons[category] == pytest.approx(counts[category] / len(lost)), category
        assert r.loss_value_shares[category] == pytest.approx(amounts[category] / sum(amounts.values()))
    assert sum(r.loss_reasons.values()) == pytest.approx(1.0)
    detail = {d.reason: d for d in r.loss_reason_detail}
    assert detail["Went dark after demo"].category == "no_decision"
    assert detail["(blank)"].category == "not_recorded"
    assert detail["Price"].lost == sum(1 for x in lost if x["Loss Reason"] == "Price")
    # The verdict, from the shares and the YAML lines, by the rule the skill states.
    lines = CFG["loss_diagnosis"]
    unclassified = (counts["other"] + counts["not_recorded"]) / len(lost)
    price, no_decision = counts["price"] / len(lost), counts["no_decision"] / len(lost)
    pv = r.loss_diagnosis
    assert (pv.price_share, pv.no_decision_share) == (pytest.approx(price), pytest.approx(no_decision))
    assert pv.unclassified_share == pytest.approx(unclassified) and pv.lost == len(lost)
    expected = ("reasons_missing" if unclassified > lines["unclassified_share_above"] else
                "both" if price > lines["price_share_above"] and no_decision > lines["no_decision_share_above"] else
                "price" if price > lines["price_share_above"] else
                "value" if no_decision > lines["no_decision_share_above"] else "neither")
    assert pv.verdict == expected


def test_value_and_discount_depth(big):
    rows, r = big["rows"], big["result"]
    won = [x for x in closed_in_window(rows) if x["status"] == "won"]
    assert r.value.mean_won == pytest.approx(statistics.mean(x["amount"] for x in won))
    assert r.value.median_won == pytest.approx(statistics.median(x["amount"] for x in won))
    for label, spread in r.value.by_period.items():
        amounts = [x["amount"] for x in won if quarter(x["close"]) == label]
        assert spread.deals == len(amounts) and spread.median == pytest.approx(statistics.median(amounts))
    ent = [x["amount"] for x in won if x["Segment"] == "Enterprise"]
    assert r.value.by_segment["Enterprise"].mean == pytest.approx(statistics.mean(ent))
    lists = [money(x["List Price"]) for x in won]
    d = r.value.discount
    assert d.source == "list price" and d.deals == len(won)
    assert d.weighted_depth == pytest.approx(1 - sum(x["amount"] for x in won) / sum(lists))
    assert d.median_depth == pytest.approx(statistics.median(1 - x["amount"] / p for x, p in zip(won, lists)))


def test_volumes_penetration_by_universe_segment(big):
    rows, r, universe = big["rows"], big["result"], big["universe"]
    customers = {x["Account Name"] for x in rows if x["status"] == "won" and x["close"] <= AS_OF}
    v = r.volumes
    assert v.customers == len(customers) and v.accounts == len(universe)
    inside = [a for a in customers if a in universe]
    assert v.customers_outside_universe == len(customers) - len(inside)
    assert v.penetration == pytest.approx(len(inside) / len(universe))
    for segment, p in v.by_segment.items():
        members = [a for a, s in universe.items() if s == segment]
        hit = [a for a in inside if universe[a] == segment]
        assert (p.accounts, p.customers) == (len(members), len(hit))
        assert p.penetration == pytest.approx(len(hit) / len(members))


def test_top_deals_and_their_signals(big):
    rows, r = big["rows"], big["result"]
    open_rows = sorted((x for x in rows if x["status"] == "open"), key=lambda x: (-x["amount"], x["close"], x["index"]))
    top = open_rows[:15]
    assert [d.deal_id for d in r.top_deals] == [x["Opportunity ID"] for x in top]
    early = {"Prospecting", "Qualification", "Needs Analysis"}          # 10%, 10%, 20%: at or below 20%
    for deal, x in zip(r.top_deals, top):
        expected = []
        if x["close"] < AS_OF:
            expected.append("close_date_past")
        if not x["Next Step"]:
            expected.append("no_next_step")
        last = mdy(x["Last Activity"])
        if last is None or (AS_OF - last).days > 30:
            expected.append("no_recent_activity")
        if x["Stage"] in early and 0 <= (x["close"] - AS_OF).days <= 30:
            expected.append("early_stage_near_close")
        if x["Economic Buyer"] in ("", "No"):
            expected.append("no_economic_buyer")
        assert deal.signals == expected, deal.deal_id
        assert len(deal.reasons) == len(expected)
    s = r.top_deals_summary
    assert s.deals == 15 and s.amount == pytest.approx(sum(x["amount"] for x in top))
    assert s.at_risk == sum(1 for d in r.top_deals if d.signals)


def test_every_json_field_the_issue_names(big, run_cli):
    res = run_cli("tool", TOOL, big["export"], "--as-of", AS_OF.isoformat(), "--json", "--top", "5")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    for key in ("open", "won", "lost", "win_rate", "win_rate_value", "by_period", "trend", "by_segment", "by_owner",
                "by_source", "cycle_days", "velocity_per_day", "loss_reasons", "stage_conversion", "lost_at_stage",
                "value", "volumes", "top_deals", "flags", "warnings"):
        assert key in data, key
    source = next(iter(data["by_source"].values()))
    assert {"win_rate", "won", "lost", "won_amount", "pipeline_created", "cac"} <= set(source)
    assert {"median", "mean", "by_segment"} <= set(data["cycle_days"])
    assert {"value", "open_deals", "win_rate", "mean_won_amount", "mean_cycle_days"} <= set(data["velocity_per_day"])
    assert "no_decision" in data["loss_reasons"] and len(data["top_deals"]) == 5
    assert {"mean_won", "median_won", "by_period", "by_segment", "discount"} <= set(data["value"])
    assert data["stage_conversion"] is None and data["lost_at_stage"] is None   # no --stage-history given


# ------------------------------------------------------------------ stage history, by hand

HISTORY_EXPORT = """Opportunity ID,Opportunity Name,Stage,Amount,Close Date,Created Date,Lead Source,Loss Reason
D1,Alpha,Closed Won,"$10,000.00",03/01/2026,01/05/2026,Web,
D2,Bravo,Closed Lost,"$20,000.00",02/20/2026,01/10/2026,Web,Price
D3,Charlie,Closed Lost,"$30,000.00",04/15/2026,02/01/2026,Outbound,No Decision
D4,Delta,Proposal/Price Quote,"$40,000.00",07/31/2026,03/01/2026,Outbound,
D5,Echo,Qualification,"$50,000.00",08/15/2026,05/01/2026,Web,
D6,Foxtrot,Closed Won,"$60,000.00",05/01/2026,02/01/2026,Outbound,
"""
HISTORY = """Opportunity ID,To Stage,Edit Date,Close Date
D1,Prospecting,01/05/2026,03/01/2026
D1,Qualification,01/15/2026,03/01/2026
D1,Proposal/Price Quote,02/01/2026,03/01/2026
D1,Negotiation/Review,02/10/2026,03/01/2026
D1,Closed Won,03/01/2026,03/01/2026
D2,Prospecting,01/10/2026,02/20/2026
D2,Qualification,01/20/2026,02/20/2026
D2,Proposal/Price Quote,02/01/2026,02/20/2026
D2,Closed Lost,02/20/2026,02/20/2026
D3,Prospecting,02/01/2026,04/15/2026
D3,Qualification,02/11/2026,04/15/2026
D3,Needs Analysis,03/01/2026,04/15/2026
D3,Qualification,03/10/2026,04/15/2026
D3,Closed Lost,04/15/2026,04/15/2026
D4,Prospecting,03/01/2026,06/15/2026
D4,Qualification,03/20/2026,06/15/2026
D4,Proposal/Price Quote,04/10/2026,07/31/2026
D5,Prospecting,05/01/2026,08/15/2026
D5,Qualification,05/20/2026,08/15/2026
D6,Prospecting,02/01/2026,05/01/2026
D6,Qualification,02/15/2026,05/01/2026
D6,Negotiation/Review,03/15/2026,05/01/2026
ZZ,Prospecting,03/01/2026,05/01/2026
"""


def test_stage_history_conversion_days_and_lost_at_stage(tmp_path):
    export = write(tmp_path, HISTORY_EXPORT)
    history = write(tmp_path, HISTORY, "history.csv")
    r = funnel(export, as_of="2026-06-30", stage_history=str(history))
    sc = r.stage_conversion
    # Ordered by the CRM's probability (Prospecting and Qualification are both 10%; Prospecting
    # comes first in the deals' paths).
    assert list(sc) == ["Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote", "Negotiation/Review"]
    # Prospecting: six visits, all moved on after 10, 10, 10, 19, 19 and 14 days → median 12.
    p = sc["Prospecting"]
    assert (p.entered, p.advanced, p.conversion, p.median_days, p.next_stage) == (6, 6, 1.0, 12, "Qualification")
    # Qualification: seven visits (D3 twice); D1, D2, D3 (to Needs Analysis, a 20% stage), D4, D6
    # moved on; D3's second visit ended Closed Lost; D5 is still there. 5 ÷ 6 ended visits.
    # Days of ended visits: 17, 12, 18, 36, 21, 28 → median (18 + 21) ÷ 2 = 19.5.
    q = sc["Qualification"]
    assert (q.entered, q.advanced, q.lost, q.still_open) == (7, 5, 1, 1)
    assert q.conversion == pytest.approx(5 / 6) and q.median_days == 19.5
    assert q.next_stage == "Proposal/Price Quote"
    # Needs Analysis → Qualification (10% < 20%) is a move back, after 9 days.
    n = sc["Needs Analysis"]
    assert (n.moved_back, n.conversion, n.median_days) == (1, 0.0, 9)
    # Proposal: D1 moved on (9 days), D2 lost (19 days), D4 still there: 1 ÷ 2, median 14.
    assert (sc["Proposal/Price Quote"].conversion, sc["Proposal/Price Quote"].median_days) == (0.5, 14)
    # Negotiation: D1 won after 19 days; D6's history stops there, the export says won on
    # 05/01 → 47 days. Both moved on: median (19 + 47) ÷ 2 = 33.
    neg = sc["Negotiation/Review"]
    assert (neg.advanced, neg.conversion, neg.median_days) == (2, 1.0, 33)
    # Lost deals: D2 from Proposal/Price Quote, D3 from Qualification.
    assert r.lost_at_stage == {"Proposal/Price Quote": 0.5, "Qualification": 0.5} and r.lost_with_history == 2
    # D4's close date moved from 06/15 to 07/31: pushed once.
    d4 = next(d for d in r.top_deals if d.deal_id == "D4")
    assert d4.pushes == 1 and "close_date_pushed" in d4.signals
    # First stage by source: Web (D1, D2, D5) and Outbound (D3, D4, D6) all moved on;
    # days 10, 10, 19 → 10 and 10, 19, 14 → 14.
    assert (r.by_source["Web"].stage1_conversion, r.by_source["Web"].stage1_days_median) == (1.0, 10)
    assert (r.by_source["Outbound"].stage1_conversion, r.by_source["Outbound"].stage1_days_median) == (1.0, 14)
    assert any("1 stage change(s) name deals that are not in the export" in w for w in r.warnings)


def test_hubspot_wide_stage_history(tmp_path):
    export = write(tmp_path, "Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Closed Lost Reason\n"
                             "1,A,closedwon,1000,2026-03-01,2026-01-01,\n"
                             "2,B,closedlost,1000,2026-03-10,2026-01-01,Budget\n"
                             "3,C,qualifiedtobuy,1000,2026-08-01,2026-02-01,\n", "hubspot.csv")
    history = write(tmp_path, 'Record ID,Date entered "Appointment Scheduled (Sales Pipeline)",'
                              'Date entered "Qualified To Buy (Sales Pipeline)",Date entered "Closed Won (Sales Pipeline)",'
                              'Date entered "Closed Lost (Sales Pipeline)"\n'
                              "1,2026-01-01,2026-01-11,2026-03-01,\n"
                              "2,2026-01-01,,,2026-03-10\n"
                              "3,2026-02-01,2026-02-21,,\n", "stages.csv")
    r = funnel(export, as_of="2026-06-30", stage_history=str(history))
    # Appointment Scheduled: A moved on after 10 days, B lost after 68, C moved on after 20.
    appointment = r.stage_conversion["Appointment Scheduled"]
    assert (appointment.advanced, appointment.lost, appointment.median_days) == (2, 1, 20)
    assert r.lost_at_stage == {"Appointment Scheduled": 1.0}
    assert r.loss_reasons["no_budget"] == 1.0 and r.format == "hubspot"


# ------------------------------------------------------------------ the metrics, one by one

def test_metric_functions_follow_their_formulas():
    assert fa.win_rate(3, 1) == 0.75 and fa.win_rate(0, 0) is None
    assert fa.win_rate_value(30.0, 70.0) == 0.3
    # 10 open × 25% × $40,000 ÷ 50 days = $2,000 per day.
    assert fa.sales_velocity(10, 0.25, 40_000, 50) == 2_000 and fa.sales_velocity(10, None, 1, 1) is None
    assert fa.cac(30_000, 4) == 7_500 and fa.cac(30_000, 0) is None
    assert fa.cac_ratio(30_000, 120_000) == 0.25 and fa.penetration(12, 48) == 0.25
    assert fa.discount_depth(80.0, 100.0) == pytest.approx(0.2)
    assert fa.stage_conversion_rate(3, 1, 0) == 0.75
    assert fa.least_squares_slope([0.31, 0.28, 0.25]) == pytest.approx(-0.03) and fa.least_squares_slope([1]) is None
    assert fa.consecutive_declines([0.2, 0.31, 0.28, 0.25]) == 2 and fa.consecutive_declines([0.3, 0.3]) == 0
    assert fa.shares({"a": 1, "b": 3}, 4) == {"a": 0.25, "b": 0.75}


@pytest.mark.parametrize("price, no_decision, unclassified, lost, verdict", [
    (0.30, 0.10, 0.05, 40, "price"), (0.10, 0.40, 0.05, 40, "value"), (0.30, 0.40, 0.0, 40, "both"),
    (0.10, 0.10, 0.0, 40, "neither"), (0.50, 0.50, 0.0, 19, "too_few_losses"), (0.3, 0.4, 0.30, 40, "reasons_missing"),
    (0.25, 0.30, 0.25, 20, "neither"),    # exactly on a line is not above it
])
def test_price_or_value_verdicts(price, no_decision, unclassified, lost, verdict):
    assert fa.price_or_value(price, no_decision, unclassified, lost, CFG["loss_diagnosis"]) == verdict


@pytest.mark.parametrize("text, category", [
    ("No Decision / Non-Responsive", "no_decision"), ("Stayed with spreadsheets", "no_decision"),
    ("Too expensive vs spreadsheets", "price"), ("Lost to BlackLine on price", "price"),
    ("Chose FloQast", "competitor"), ("Missing multi-currency feature", "product_gap"), ("No budget this year", "no_budget"),
    ("Not a fit", "bad_fit"), ("价格", "price"), ("无决策", "no_decision"), ("", "not_recorded"),
])
def test_loss_reason_categories(text, category):
    assert fa.classify_loss_reason(text) == (category, True)


def test_unplaceable_reason_is_other_and_not_placed():
    assert fa.classify_loss_reason("Legal hold-up") == ("other", False)


# ------------------------------------------------------------------ bad input: errors and warnings

HEADER = "Opportunity ID,Stage,Amount,Close Date,Created Date,Lead Source,Loss Reason\n"


def closed_rows(n: int = 4, reason: str = "Price") -> str:
    return "".join(f"X{i},{'Closed Won' if i % 2 else 'Closed Lost'},\"$1,000.00\",10/0{i % 9 + 1}/2026,"
                   f"08/13/2026,Web,{'' if i % 2 else reason}\n" for i in range(n))


BAD = {
    "no closed deals": HEADER + "A,Prospecting,$1,10/01/2026,09/13/2026,Web,\n",
    "closed deals only outside the window": HEADER + "A,Closed Won,$1,10/01/2020,09/13/2020,Web,\n",
    "header only": HEADER,
    "missing stage column": "Opportunity ID,Amount,Close Date\nA,$1,10/01/2026\n",
    "blank stage": HEADER + "A,,$1,10/01/2026,09/13/2026,Web,\n",
    "bad amount": HEADER + "A,Closed Won,lots,10/01/2026,09/13/2026,Web,\n",
    "negative amount": HEADER + "A,Closed Won,-$5.00,10/01/2026,09/13/2026,Web,\n",
    "blank close date": HEADER + "A,Closed Won,$1,,09/13/2026,Web,\n",
    "bad created date": HEADER + "A,Closed Won,$1,10/01/2026,13/45/2026,Web,\n",
    "date orders disagree": HEADER + "A,Closed Won,$1,10/13/2026,13/10/2026,Web,\n",
    "duplicate deal id": HEADER + "A,Closed Won,$1,10/01/2026,09/13/2026,Web,\nA,Closed Lost,$1,10/01/2026,09/13/2026,Web,\n",
    "mixed currencies": HEADER + "A,Closed Won,USD 5,10/01/2026,09/13/2026,Web,\nB,Closed Won,EUR 5,10/01/2026,09/13/2026,Web,\n",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_with_one_line(case, run_cli, tmp_path):
    path = write(tmp_path, BAD[case])
    res = run_cli("tool", TOOL, path, "--as-of", "2026-11-23", "--json")
    assert res.code == 2, (case, res.out, res.err)
    assert res.out == "" and "Traceback" not in res.err
    assert len(res.err.strip().splitlines()) == 1 and str(path) in res.err


def test_no_closed_deals_says_what_to_do(tmp_path):
    with pytest.raises(InputError) as info:
        funnel(write(tmp_path, BAD["no closed deals"]))
    assert "no closed deals" in info.value.message and "--window" in info.value.message


def test_errors_name_row_and_field(tmp_path):
    path = write(tmp_path, HEADER + closed_rows(3) + "Z,Closed Won,lots,10/01/2026,09/13/2026,Web,\n")
    with pytest.raises(InputError) as info:
        funnel(path)
    assert (info.value.row, info.value.field) == (5, "Amount")


def test_no_created_date_is_a_warning_and_cycle_is_none(tmp_path):
    text = "Opportunity ID,Stage,Amount,Close Date,Lead Source,Loss Reason\n" + "".join(
        f"X{i},{'Closed Won' if i % 2 else 'Closed Lost'},$1000,2026-10-0{i + 1},Web,Price\n" for i in range(4))
    r = funnel(write(tmp_path, text))
    assert r.cycle_days is None and r.velocity_per_day is None
    assert any("no Created Date column" in w for w in r.warnings)
    assert r.win_rate == 0.5 and r.by_source["Web"].pipeline_created is None


def test_unknown_loss_reasons_are_named_and_counted_as_other(tmp_path):
    path = write(tmp_path, HEADER + closed_rows(6, "Legal hold-up") + "Y,Closed Lost,$1,10/02/2026,08/13/2026,Web,Price\n")
    r = funnel(path)
    # 3 lost with "Legal hold-up", 1 with "Price": other 3 ÷ 4, price 1 ÷ 4.
    assert r.loss_reasons["other"] == 0.75 and r.loss_reasons["price"] == 0.25
    assert any("'Legal hold-up'" in w and "counted as other" in w for w in r.warnings)


def test_spend_for_a_channel_with_no_wins_warns_and_flags(tmp_path):
    export = write(tmp_path, HEADER + closed_rows(4) + "Y,Closed Lost,$1,10/02/2026,08/13/2026,Podcast,Price\n")
    spend = write(tmp_path, "Channel,Spend\nWeb,\"$4,000\"\nPodcast,$900\nBillboards,$50\n", "spend.csv")
    r = funnel(export, spend=str(spend))
    # Web: 2 won → CAC 4,000 ÷ 2 = 2,000. Podcast: spend, no win → no CAC.
    assert r.by_source["Web"].cac == 2_000
    assert r.by_source["Podcast"].spend == 900 and r.by_source["Podcast"].cac is None
    assert any("Podcast" in w and "no deal from it was won" in w for w in r.warnings)
    assert any("Billboards" in w and "matches no Lead Source" in w for w in r.warnings)
    assert "channel_without_wins" in {f.id for f in r.flags}


@pytest.mark.parametrize("spend, message", [
    ("Channel,Spend\nWeb,$1\nweb,$2\n", "repeats the channel of row 2"),
    ("Channel,Spend\nWeb,-$5\n", "negative"),
    ("Channel,Spend,Month\nWeb,$5,sometime\n", "is not a month"),
])
def test_bad_spend_file_exits_2(spend, message, run_cli, tmp_path):
    export = write(tmp_path, HEADER + closed_rows(4))
    path = write(tmp_path, spend, "spend.csv")
    res = run_cli("tool", TOOL, export, "--as-of", "2026-11-23", "--spend", path)
    assert res.code == 2 and message in res.err and len(res.err.strip().splitlines()) == 1


def test_spend_without_lead_source_is_an_error(tmp_path):
    export = write(tmp_path, "Stage,Amount,Close Date\nClosed Won,$1,2026-10-01\nClosed Lost,$1,2026-10-02\n")
    spend = write(tmp_path, "Channel,Spend\nWeb,$1\n", "spend.csv")
    with pytest.raises(InputError, match="Lead Source"):
        funnel(export, spend=str(spend))


def test_universe_with_a_repeated_account_is_an_error(tmp_path):
    export = write(tmp_path, "Account Name,Stage,Amount,Close Date\nA,Closed Won,$1,2026-10-01\nB,Closed Lost,$1,2026-10-02\n")
    universe = write(tmp_path, "Account Name,Segment\nA,SMB\na,SMB\n", "universe.csv")
    with pytest.raises(InputError) as info:
        funnel(export, accounts=str(universe))
    assert info.value.row == 3 and "repeats the account of row 2" in info.value.message


def test_deals_without_amount_count_by_number_not_value(tmp_path):
    path = write(tmp_path, "Stage,Amount,Close Date\nClosed Won,$300,2026-10-01\nClosed Lost,,2026-10-02\n"
                           "Closed Lost,$100,2026-10-03\n")
    r = funnel(path)
    # By count 1 ÷ 3; by value 300 ÷ (300 + 100) = 0.75.
    assert r.win_rate == pytest.approx(1 / 3) and r.win_rate_value == 0.75
    assert any("1 deal(s) have no amount" in w for w in r.warnings)


def test_push_count_column_and_economic_buyer(tmp_path):
    # Salesforce headers (Opportunity ID), so Prospecting has Salesforce's default 10%.
    path = write(tmp_path, "Opportunity ID,Stage,Amount,Close Date,Push Count,Economic Buyer,Next Step\n"
                           "A,Closed Won,$1,10/01/2026,,,\nB,Closed Lost,$1,10/02/2026,,,\n"
                           "C,Negotiation/Review,$500,12/20/2026,2,VP Finance,Send contract\n"
                           "D,Prospecting,$400,12/01/2026,0,no,\n")
    r = funnel(path, top=2)
    first, second = r.top_deals
    assert first.signals == ["close_date_pushed"] and first.pushes == 2
    # A 10% stage closing in 8 days; economic buyer "no"; next step blank.
    assert second.signals == ["no_next_step", "early_stage_near_close", "no_economic_buyer"]


# ------------------------------------------------------------------ the bundled sample, CLI, plot

def test_bundled_sample_story():
    """The sample's closed deals were built quarter by quarter (csv check below): 54 won and 142
    lost in the window, 51 of the lost on no decision (38 'No Decision / Non-Responsive' + 13
    'Stayed with spreadsheets') = 35.9% > 30%: a value problem; price 24 ÷ 142 = 16.9%."""
    rows = [r for r in csv.DictReader((EXAMPLES / "salesforce_funnel.csv").open(encoding="utf-8"))]
    closed = [r for r in rows if r["Stage"].startswith("Closed") and WINDOW_START <= mdy(r["Close Date"]) <= AS_OF]
    lost = [r for r in closed if r["Stage"] == "Closed Lost"]
    assert (len(closed) - len(lost), len(lost)) == (54, 142)
    r = funnel(EXAMPLES / "salesforce_funnel.csv", stage_history=str(EXAMPLES / "opportunity_history.csv"),
               spend=str(EXAMPLES / "channel_spend.csv"), accounts=str(EXAMPLES / "target_accounts.csv"))
    assert (r.won, r.lost) == (54, 142) and r.warnings == []
    assert r.loss_reasons["no_decision"] == pytest.approx(51 / 142) and r.loss_reasons["price"] == pytest.approx(24 / 142)
    assert r.loss_diagnosis.verdict == "value"
    # Partner Referral: $60,000 over 12 months ÷ 14 won; Trade Show: $180,000 ÷ 4 won.
    assert r.by_source["Partner Referral"].cac == pytest.approx(60_000 / 14)
    assert r.by_source["Trade Show"].cac == pytest.approx(45_000)
    ids = {f.id for f in r.flags}
    assert {"no_decision_losses_high", "win_rate_declining", "win_rate_below_trailing", "channel_cac_spread",
            "top_deals_at_risk"} <= ids


def test_script_json_and_plot(tmp_path):
    png = tmp_path / "funnel.png"
    proc = subprocess.run([sys.executable, "scripts/funnel_analyzer.py", "--as-of", AS_OF.isoformat(), "--json",
                           "--plot", str(png), "--spend", "examples/channel_spend.csv"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["by_source"]["Web"]["cac"] == pytest.approx(240_000 / 18)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "bundled sample" in proc.stderr


def test_text_output_and_help(run_cli):
    res = run_cli("tool", TOOL, "--as-of", AS_OF.isoformat())
    assert res.code == 0 and "Price or value? value" in res.out and "no_decision" in res.out
    res = run_cli("tool", TOOL, "--help")
    for flag in ("--as-of", "--window", "--json", "--plot", "--stage-history", "--spend", "--accounts", "--top"):
        assert flag in res.out


def test_window_option_changes_the_rates(tmp_path):
    # Closed 2026-10-01 (won) and 2026-03-01 (lost): a 3-month window sees only the win.
    path = write(tmp_path, "Stage,Amount,Close Date\nClosed Won,$1,2026-10-01\nClosed Lost,$1,2026-03-01\n")
    assert funnel(path, window=3).win_rate == 1.0 and funnel(path, window=12).win_rate == 0.5
    assert funnel(path, window=3).closed_outside_window == 1
