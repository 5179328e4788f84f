"""Writes the founder test company's data files: Rostrella, an invented Series A company selling
shift scheduling to multi-site care providers (~$5.2M ARR). Every name is invented.

Run from the repository root: `python tests/data/founder/make_data.py`. The output is fully
determined by the seed below, and the generated files are committed beside this script, so the
tests read fixed numbers and this script is how they were made (re-running rewrites the same bytes).

Files, in the shapes real systems export them:
- salesforce_opportunities.csv  a Salesforce opportunity report (won, lost and open deals, 2025-Q3 to 2027-Q1)
- mrr_by_customer.csv           a billing tool's MRR-by-customer export (one row per customer per month)
- accounts.csv                  the CS platform's account list (segment, health, renewal date, churn reason)
- sales_capacity.yaml           the AE capacity plan for 2027
- revenue_metrics.yaml          quarterly board metrics (waterfall computed from the MRR export)
- cs_book.csv                   the CS book of business by tier
- cs_team.yaml                  today's CS team and what it misses
- customers.csv                 a CRM company export with ICP-fit flags and cost to serve
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261123
AS_OF = date(2026, 11, 23)
FIRST_MONTH = (2025, 1)
LAST_MONTH = (2026, 11)
LARGEST = "Marrowfield Health Network"

PARTS_A = ["Alder", "Birch", "Cinder", "Dorn", "Elder", "Fallow", "Gorse", "Heron", "Ivel", "Juni", "Kestrel", "Larch",
           "Mossy", "Nettle", "Oriel", "Pellin", "Quarrel", "Rookery", "Sedge", "Thistle", "Umber", "Vetch", "Wrenna",
           "Yarrow", "Bramble", "Corrie", "Dunnock", "Ember", "Furze", "Glade"]
PARTS_B = ["brook", "cote", "field", "ford", "gate", "hollow", "mere", "stead", "wick", "moor", "ridge", "holt"]
KINDS = ["Care Group", "Family Clinics", "Veterinary Partners", "Dental Studios", "Home Care", "Physio Network",
         "Health Partners", "Urgent Care", "Senior Living", "Pediatrics", "Eye Clinics", "Rehab Centers"]
SEGMENTS = ("Enterprise", "Mid-Market", "SMB")


def months() -> list[str]:
    out = []
    year, month = FIRST_MONTH
    while (year, month) <= LAST_MONTH:
        out.append(f"{year}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


MONTHS = months()


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


class Names:
    """Invented company names, never the same twice."""

    def __init__(self, rng: random.Random) -> None:
        combos = [f"{a}{b} {k}" for a in PARTS_A for b in PARTS_B for k in KINDS]
        rng.shuffle(combos)
        self._combos = [c for c in combos if not c.startswith("Marrowfield")]

    def next(self) -> str:
        return self._combos.pop()


def money(value: float) -> str:
    return f"${value:,.2f}"


def us_date(day: date) -> str:
    return day.strftime("%m/%d/%Y")


# ------------------------------------------------------------------------------------ pipeline

STAGES_OPEN = [  # (Salesforce stage, default probability %, forecast category)
    ("Prospecting", 10, "Pipeline"), ("Qualification", 10, "Pipeline"), ("Needs Analysis", 20, "Pipeline"),
    ("Value Proposition", 50, "Pipeline"), ("Id. Decision Makers", 60, "Best Case"),
    ("Perception Analysis", 70, "Best Case"), ("Proposal/Price Quote", 75, "Commit"),
    ("Negotiation/Review", 90, "Commit"),
]
OWNERS = {"Enterprise": ["AE Enterprise East", "AE Enterprise West"],
          "Mid-Market": ["AE Mid-Market 1", "AE Mid-Market 2", "AE Mid-Market 3"],
          "SMB": ["AE Inside 1", "AE Inside 2"]}
SOURCES = ["Web", "Outbound", "Partner Referral", "Events", "Customer Referral"]
PRODUCTS = {"Enterprise": "Enterprise rollout", "Mid-Market": "Scheduling + Compliance", "SMB": "Starter"}
# Salesforce "Closed Lost Reason" picklist values, with how often each is picked.
LOSS_REASONS = [("Price", 32), ("No Decision / Non-Responsive", 22), ("Lost to Competitor", 18),
                ("Missing Features", 10), ("Timing", 7), ("No Budget", 5), ("", 6)]
# Closed deals per quarter and the share won: the win rate slides quarter after quarter.
QUARTERS = [  # (label, first day, last day, closed deals, deals won)
    ("2025-Q3", date(2025, 7, 1), date(2025, 9, 30), 38, 12),
    ("2025-Q4", date(2025, 12, 1), date(2025, 12, 31), 36, 11),   # none closed 2025-10-01..11-30: keeps the
    ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), 40, 11),     # 12-month window edge (2025-11-23) clean
    ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30), 40, 11),
    ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), 42, 10),
    ("2026-Q4", date(2026, 10, 1), date(2026, 11, 20), 29, 6),
]


def segment_for(rng: random.Random) -> str:
    roll = rng.random()
    return "Enterprise" if roll < 0.10 else ("Mid-Market" if roll < 0.55 else "SMB")


def amount_for(segment: str, rng: random.Random) -> int:
    low, high = {"Enterprise": (70, 160), "Mid-Market": (22, 55), "SMB": (5, 12)}[segment]
    return rng.randint(low, high) * 1000


def day_between(first: date, last: date, rng: random.Random) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def pick_reason(rng: random.Random) -> str:
    roll = rng.uniform(0, sum(w for _, w in LOSS_REASONS))
    for reason, weight in LOSS_REASONS:
        roll -= weight
        if roll <= 0:
            return reason
    return LOSS_REASONS[-1][0]


def opportunity(account: str, segment: str, stage: str, amount: int, close: date, probability: int,
                category: str, created: date, activity: date, kind: str, source: str, reason: str,
                owner: str) -> dict[str, str]:
    return {
        "Opportunity Name": f"{account} - {PRODUCTS[segment] if kind == 'New Business' else 'Add sites'}",
        "Account Name": account, "Stage": stage, "Amount": money(amount), "Close Date": us_date(close),
        "Probability (%)": f"{probability}%", "Opportunity Owner": owner, "Type": kind, "Lead Source": source,
        "Created Date": us_date(created), "Closed Lost Reason": reason, "Forecast Category": category,
        "Segment": segment, "Last Activity": us_date(activity),
    }


# Open deals that decide Q4, written out so the tests can name them.
Q4_BIG_DEALS = [  # account, segment, stage, amount, close date, last activity
    ("Oriel Senior Living Group", "Enterprise", "Negotiation/Review", 186000, date(2026, 12, 18), date(2026, 11, 19)),
    ("Kestrelmoor Urgent Care", "Enterprise", "Proposal/Price Quote", 148000, date(2026, 12, 22), date(2026, 10, 9)),
    ("Thistlegate Rehab Centers", "Enterprise", "Id. Decision Makers", 112000, date(2026, 12, 29), date(2026, 11, 17)),
]


def pipeline(rng: random.Random, names: Names) -> tuple[list[dict[str, str]], list[tuple[str, str, int, date]]]:
    """The opportunity report, and the new logos it won (account, segment, ARR, close date)."""
    rows: list[dict[str, str]] = []
    won: list[tuple[str, str, int, date]] = []
    for label, first, last, closed, wins in QUARTERS:
        outcomes = [True] * wins + [False] * (closed - wins)
        rng.shuffle(outcomes)
        for is_won in outcomes:
            segment = segment_for(rng)
            account = names.next()
            amount = amount_for(segment, rng)
            close = day_between(first, last, rng)
            created = close - timedelta(days=rng.randint(35, 150))
            owner = rng.choice(OWNERS[segment])
            source = rng.choice(SOURCES)
            if is_won:
                rows.append(opportunity(account, segment, "Closed Won", amount, close, 100, "Closed", created,
                                        close - timedelta(days=rng.randint(0, 4)), "New Business", source, "",
                                        owner))
                won.append((account, segment, amount, close))
            else:
                rows.append(opportunity(account, segment, "Closed Lost", amount, close, 0, "Omitted", created,
                                        close - timedelta(days=rng.randint(0, 20)), "New Business", source,
                                        pick_reason(rng), owner))
    # Open pipeline: Q4 (the rest of the quarter), a few slipped past their close date, and Q1.
    for account, segment, stage, amount, close, activity in Q4_BIG_DEALS:
        probability, category = next((p, c) for s, p, c in STAGES_OPEN if s == stage)
        rows.append(opportunity(account, segment, stage, amount, close, probability, category,
                                close - timedelta(days=160), activity, "New Business", "Outbound", "",
                                OWNERS[segment][0]))
    windows = [(date(2026, 11, 24), date(2026, 12, 31), 28), (date(2026, 10, 20), date(2026, 11, 16), 3),
               (date(2027, 1, 5), date(2027, 3, 30), 18)]
    for first, last, count in windows:
        for _ in range(count):
            segment = "Mid-Market" if rng.random() < 0.6 else "SMB"
            account = names.next()
            stage, probability, category = rng.choice(STAGES_OPEN[1:7] if first.year == 2026 else STAGES_OPEN[:5])
            close = day_between(first, last, rng)
            created = min(close, AS_OF) - timedelta(days=rng.randint(30, 120))
            activity = AS_OF - timedelta(days=rng.choice([1, 2, 3, 5, 8, 12, 19, 41]))
            rows.append(opportunity(account, segment, stage, amount_for(segment, rng), close, probability, category,
                                    created, max(activity, created), "New Business", rng.choice(SOURCES), "",
                                    rng.choice(OWNERS[segment])))
    return rows, won


def add_upsell(rows: list[dict[str, str]], accounts: list["Account"]) -> None:
    """One existing customer added sites this quarter (Type = Existing Business): booked in the
    report, and its MRR steps up from October."""
    account = next(a for a in accounts if a.segment == "Mid-Market" and a.series.get(MONTHS[-1])
                   and a.start == MONTHS[0])
    rows.append(opportunity(account.name, "Mid-Market", "Closed Won", 18000, date(2026, 10, 14), 100, "Closed",
                            date(2026, 8, 20), date(2026, 10, 13), "Existing Business", "Customer Referral", "",
                            "AE Mid-Market 1"))
    for month in ("2026-10", "2026-11"):
        account.series[month] += 1500.0


def sort_report(rows: list[dict[str, str]]) -> None:
    rows.sort(key=lambda r: (r["Close Date"][6:] + r["Close Date"][:5], r["Opportunity Name"]))


# ------------------------------------------------------------------------------------ revenue

CHURN_MONTHLY = {"Enterprise": 0.002, "Mid-Market": 0.009, "SMB": 0.034}
EXPAND_MONTHLY = {"Enterprise": 0.03, "Mid-Market": 0.018, "SMB": 0.006}
CONTRACT_MONTHLY = {"Enterprise": 0.01, "Mid-Market": 0.012, "SMB": 0.015}
CHURN_REASONS = {"SMB": ["Too expensive for a single site", "Closed a location", "Never finished onboarding",
                         "Switched to a cheaper scheduling app", "Budget cuts"],
                 "Mid-Market": ["Moved to a competitor", "New operations director chose another tool",
                                "Missing payroll integration", "Implementation stalled"],
                 "Enterprise": ["Acquired by a larger group"]}


class Account:
    def __init__(self, name: str, segment: str, start: str, mrr: float) -> None:
        self.name, self.segment, self.start, self.mrr = name, segment, start, mrr
        self.series: dict[str, float] = {}
        self.churned: str | None = None
        self.reason = ""


def base_accounts(rng: random.Random, names: Names) -> list[Account]:
    accounts = [Account(LARGEST, "Enterprise", MONTHS[0], 66000.0)]
    for segment, count, low, high in (("Enterprise", 6, 6000, 12000), ("Mid-Market", 40, 2000, 4000),
                                      ("SMB", 60, 450, 950)):
        for _ in range(count):
            accounts.append(Account(names.next(), segment, MONTHS[0], float(rng.randint(low // 10, high // 10) * 10)))
    return accounts


def early_logos(rng: random.Random, names: Names) -> list[Account]:
    """New customers won before the opportunity report starts (2025-02 to 2025-06)."""
    out = []
    for month in MONTHS[1:6]:
        for segment, count in (("Mid-Market", 2), ("SMB", 3)):
            for _ in range(count):
                out.append(Account(names.next(), segment, month, amount_for(segment, rng) / 12))
    return out


def simulate(accounts: list[Account], rng: random.Random) -> None:
    for account in accounts:
        mrr = account.mrr
        for month in MONTHS:
            if month < account.start:
                continue
            if account.churned:
                break
            if month > account.start and account.name != LARGEST:
                roll = rng.random()
                if roll < CHURN_MONTHLY[account.segment]:
                    account.churned = month
                    account.reason = rng.choice(CHURN_REASONS[account.segment])
                    break
                roll = rng.random()
                if roll < EXPAND_MONTHLY[account.segment]:
                    mrr = round(mrr * rng.uniform(1.05, 1.25) / 10) * 10
                elif roll < EXPAND_MONTHLY[account.segment] + CONTRACT_MONTHLY[account.segment]:
                    mrr = round(mrr * rng.uniform(0.7, 0.9) / 10) * 10
            if account.name == LARGEST and month == "2025-07":
                mrr = 78000.0  # added its last twelve sites at the 2025 renewal
            account.series[month] = mrr


def accounts_rows(accounts: list[Account], rng: random.Random) -> list[dict[str, str]]:
    rows = []
    for account in accounts:
        # The next anniversary; customers from before 2025 signed in any month of the year.
        start_month = int(account.start[5:]) if account.start > MONTHS[0] else rng.randint(1, 12)
        renewal = date(2026 if start_month == 12 else 2027, start_month, 1)
        if account.name == LARGEST:
            renewal, health, usage = date(2027, 3, 31), 61, "-18%"
        elif account.churned:
            health, usage = rng.randint(15, 40), "-100%"
        else:
            health = rng.randint(35, 95) if account.segment == "SMB" else rng.randint(55, 95)
            change = rng.randint(-30, 25)
            usage = f"{change:+d}%"
        rows.append({"Customer": account.name, "Segment": account.segment, "Health Score": str(health),
                     "Renewal Date": renewal.isoformat() if not account.churned else "",
                     "Churn Reason": account.reason, "Usage Trend": usage})
    return rows


def waterfall(accounts: list[Account], first: str, last: str) -> dict[str, float]:
    """ARR movements over the months after `first` up to `last` (month to month, ×12)."""
    totals = {"new": 0.0, "expansion": 0.0, "contraction": 0.0, "churn": 0.0}
    index = {m: i for i, m in enumerate(MONTHS)}
    for account in accounts:
        for i in range(index[first] + 1, index[last] + 1):
            before = account.series.get(MONTHS[i - 1], 0.0)
            after = account.series.get(MONTHS[i], 0.0)
            if before == 0 and after > 0:
                totals["new"] += after * 12
            elif before > 0 and after == 0:
                totals["churn"] += before * 12
            elif after > before:
                totals["expansion"] += (after - before) * 12
            elif after < before:
                totals["contraction"] += (before - after) * 12
    return totals


def arr_at(accounts: list[Account], month: str) -> float:
    return sum(a.series.get(month, 0.0) for a in accounts) * 12


def metrics_yaml(accounts: list[Account]) -> str:
    quarter_ends = [("2025-Q2", "2025-03", "2025-06"), ("2025-Q3", "2025-06", "2025-09"),
                    ("2025-Q4", "2025-09", "2025-12"), ("2026-Q1", "2025-12", "2026-03"),
                    ("2026-Q2", "2026-03", "2026-06"), ("2026-Q3", "2026-06", "2026-09")]
    sm_spend = [690000, 720000, 760000, 800000, 840000, 880000]
    net_burn = [1050000, 1100000, 1150000, 1180000, 1210000, 1240000]
    lines = ["# Rostrella: quarterly board metrics (finance export, USD). The ARR waterfall is computed",
             "# from mrr_by_customer.csv by make_data.py; S&M spend and net burn come from the P&L.",
             "company: Rostrella", "profit_margin_basis: operating margin", "", "quarters:"]
    index = {m: i for i, m in enumerate(MONTHS)}
    for n, (quarter, before, end) in enumerate(quarter_ends):
        moves = waterfall(accounts, before, end)
        revenue = sum(arr_at(accounts, MONTHS[i]) / 12 for i in range(index[before] + 1, index[end] + 1))
        lines.append(f"  - quarter: {quarter}")
        if n == 0:
            lines.append(f"    arr_start: ${arr_at(accounts, before):,.0f}")
        for key in ("new", "expansion", "contraction", "churn"):
            lines.append(f"    {key}: ${moves[key]:,.0f}")
        lines += [f"    arr: ${arr_at(accounts, end):,.0f}", f"    revenue: ${revenue:,.0f}",
                  f"    sm_spend: ${sm_spend[n]:,}", "    gross_margin: 78%", f"    net_burn: ${net_burn[n]:,}"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------ plans

CAPACITY = """\
# Rostrella: 2027 new-logo capacity plan (quota-carrying AEs only; SDRs carry no quota).
company: Rostrella
as_of: 2026-11-23

quota: $720K                # annual new-ARR quota of a fully ramped AE
attainment: 68%             # ramped AEs booked 68% of quota on average over the last 4 quarters
ramp_curve: [0%, 10%, 25%, 45%, 65%, 85%, 100%]   # share of quota in tenure months 1-7, then 100%
annual_attrition: 22%
avg_deal_size: $42,000
win_rate: 22%
sales_cycle_days: 84
time_to_hire_days: 70

reps:
  - {name: AE Enterprise East, start_date: 2023-02-06}
  - {name: AE Enterprise West, start_date: 2024-01-08}
  - {name: AE Mid-Market 1, start_date: 2024-05-13}
  - {name: AE Mid-Market 2, start_date: 2025-03-03}
  - {name: AE Mid-Market 3, start_date: 2026-06-01}     # ramping
  - {name: AE Inside 1, start_date: 2025-01-13, quota: $480K}
  - {name: AE Inside 2, start_date: 2026-09-14, quota: $480K}   # ramping

targets:                    # new-logo ARR to book each quarter
  2027-Q1: $1,150,000
  2027-Q2: $1,250,000
  2027-Q3: $1,350,000
  2027-Q4: $1,450,000
"""

CS_TEAM = """\
# Rostrella: the customer-success team today.
company: Rostrella
stage: Series A
customers: {customers}
arr: ${arr:,.0f}
new_customers_last_12_months: {new_12m}
target_arr_12_months: $7.8M
team:
  CSMs: 3
  Support engineers: 3
  Onboarding specialist: 1
missed_outcomes:
  - SMB customers churn before their second renewal; nobody owns the first 90 days
  - Renewal risk surfaces in the last month; health scores exist but nobody acts on them
  - The CEO personally runs the Marrowfield relationship
"""


def cs_book(accounts: list[Account]) -> list[dict[str, str]]:
    active = sorted((a for a in accounts if a.series.get(MONTHS[-1])), key=lambda a: -a.series[MONTHS[-1]])
    tiers = [("Strategic", "Named + executive sponsor", active[:4], 1, "15%", "0%"),
             ("Key", "Named", active[4:22], 1, "30%", "20%"),
             ("Core", "Pooled", active[22:75], 1, "35%", "30%"),
             ("Long tail", "Tech-touch", active[75:], 0, "20%", "25%")]
    return [{"Tier": name, "Coverage model": model, "Accounts": str(len(group)),
             "ARR": f"${sum(a.series[MONTHS[-1]] for a in group) * 12:,.0f}", "Current CSMs": str(csms),
             "ARR growth (12m)": arr_growth, "Account growth (12m)": account_growth}
            for name, model, group, csms, arr_growth, account_growth in tiers]


def customers_export(accounts: list[Account], rng: random.Random) -> list[dict[str, str]]:
    """A CRM company export: ICP-fit flags and cost to serve for every paying customer."""
    rows = []
    index = {m: i for i, m in enumerate(MONTHS)}
    for number, account in enumerate(a for a in accounts if a.series.get(MONTHS[-1])):
        arr = account.series[MONTHS[-1]] * 12
        small = account.segment == "SMB"
        flags = {"Industry fit": rng.random() < (0.6 if small else 0.9),
                 "Company size fit": rng.random() < (0.3 if small else 0.85),
                 "Workflow fit": rng.random() < (0.5 if small else 0.85),
                 "Executive sponsor": rng.random() < (0.2 if small else 0.7),
                 "Advocacy": rng.random() < (0.15 if small else 0.4),
                 "Expansion potential": rng.random() < (0.2 if small else 0.6),
                 "Low competitive pressure": rng.random() < (0.3 if small else 0.5)}
        cost = arr * (rng.uniform(0.45, 0.9) if small else rng.uniform(0.05, 0.15))
        tenure = len(MONTHS) - index[account.start] + 2
        rows.append({"Record ID": str(3110450000 + number * 7), "Company name": account.name,
                     "ARR": f"{arr:.0f}", "Tenure (months)": str(tenure),
                     **{k: "Yes" if v else "No" for k, v in flags.items()},
                     "Annual cost to serve": f"{cost:.0f}"})
    return rows


# ------------------------------------------------------------------------------------ write

def write_csv(name: str, rows: list[dict[str, str]]) -> None:
    with open(HERE / name, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    rng = random.Random(SEED)
    names = Names(rng)
    opportunities, won = pipeline(rng, names)
    accounts = base_accounts(rng, names) + early_logos(rng, names)
    for account, segment, amount, close in won:
        accounts.append(Account(account, segment, month_of(close), amount / 12))
    simulate(accounts, rng)
    add_upsell(opportunities, accounts)
    sort_report(opportunities)
    write_csv("salesforce_opportunities.csv", opportunities)
    write_csv("mrr_by_customer.csv", [{"Customer": a.name, "Month": m, "MRR": f"{a.series[m]:.2f}"}
                                      for m in MONTHS for a in accounts if a.series.get(m)])
    write_csv("accounts.csv", accounts_rows(accounts, rng))
    write_csv("cs_book.csv", cs_book(accounts))
    write_csv("customers.csv", customers_export(accounts, rng))
    (HERE / "revenue_metrics.yaml").write_text(metrics_yaml(accounts), encoding="utf-8")
    (HERE / "sales_capacity.yaml").write_text(CAPACITY, encoding="utf-8")
    active = [a for a in accounts if a.series.get(MONTHS[-1])]
    new_12m = sum(1 for a in accounts if a.start > "2025-11")
    (HERE / "cs_team.yaml").write_text(CS_TEAM.format(customers=len(active), arr=arr_at(accounts, MONTHS[-1]),
                                                      new_12m=new_12m), encoding="utf-8")


if __name__ == "__main__":
    main()
