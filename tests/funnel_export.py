"""A synthetic Salesforce opportunity report for funnel_analyzer tests and benchmarks.

US formats throughout (`$12,500.00`, `03/14/2026`), several lead sources, segments, owners and
loss reasons, open deals with next steps, last activity and an economic-buyer column, and some
accounts with more than one deal. The loss-reason labels carry the category a person would file
them under (LOSS_REASONS), written here by hand, so tests can check the tool's classification
against something it did not compute.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

HEADER = ["Opportunity ID", "Opportunity Name", "Account Name", "Opportunity Owner", "Stage", "Amount",
          "Probability (%)", "Close Date", "Created Date", "Lead Source", "Loss Reason", "Segment",
          "Forecast Category", "Next Step", "Last Activity", "List Price", "Economic Buyer"]
SOURCES = ["Web", "Outbound", "Partner Referral", "Trade Show", "Webinar"]
SEGMENTS = ["SMB", "Mid-Market", "Enterprise"]
OWNERS = ["AE East", "AE West", "AE Central", "AE Enterprise", "AE Inside"]
OPEN_STAGES = {"Prospecting": 10, "Qualification": 10, "Needs Analysis": 20, "Value Proposition": 50,
               "Proposal/Price Quote": 75, "Negotiation/Review": 90}
# As a CRM writes it → the category a reader files it under.
LOSS_REASONS = {
    "No Decision / Non-Responsive": "no_decision",
    "Went dark after demo": "no_decision",
    "Price": "price",
    "Too expensive": "price",
    "Lost to Competitor": "competitor",
    "Missing Features": "product_gap",
    "No Budget": "no_budget",
    "Timing": "timing",
    "Not a Fit": "bad_fit",
    "Other": "other",
    "": "not_recorded",
}
# Win chance by source, so channels differ; amount ranges by segment.
WIN_CHANCE = {"Web": 0.30, "Outbound": 0.20, "Partner Referral": 0.45, "Trade Show": 0.15, "Webinar": 0.25}
AMOUNTS = {"SMB": (5_000, 25_000), "Mid-Market": (25_000, 80_000), "Enterprise": (80_000, 250_000)}
CYCLE = {"SMB": (20, 60), "Mid-Market": (45, 120), "Enterprise": (90, 200)}


def us_date(day: date) -> str:
    return f"{day.month:02d}/{day.day:02d}/{day.year}"


def us_money(value: float) -> str:
    return f"${value:,.2f}"


def write_export(path: Path, n: int, *, as_of: date = date(2026, 11, 23), seed: int = 7,
                 open_share: float = 0.2) -> Path:
    """n deals: about `open_share` open, the rest closed over the 15 months before as-of."""
    rnd = random.Random(seed)
    reasons = list(LOSS_REASONS)
    reason_weights = [22, 8, 12, 6, 14, 9, 8, 6, 5, 4, 6]
    accounts = [f"Account {k:05d}" for k in range(max(1, n * 3 // 4))]
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for i in range(n):
            segment = rnd.choices(SEGMENTS, [50, 35, 15])[0]
            source = rnd.choice(SOURCES)
            owner = "AE Enterprise" if segment == "Enterprise" else rnd.choice(OWNERS[:3] + OWNERS[4:])
            low, high = AMOUNTS[segment]
            amount = float(rnd.randrange(low, high, 250))
            list_price = amount / (1 - rnd.choice([0.0, 0.05, 0.10, 0.15, 0.20]))
            account = rnd.choice(accounts)
            reason, next_step, activity, buyer = "", "", "", ""
            if rnd.random() < open_share:
                stage = rnd.choice(list(OPEN_STAGES))
                probability = f"{OPEN_STAGES[stage]}%"
                close = as_of + timedelta(days=rnd.randint(-20, 150))
                created = as_of - timedelta(days=rnd.randint(5, 200))
                category = "Commit" if stage == "Negotiation/Review" else "Pipeline"
                next_step = rnd.choice(["", "Send proposal", "Security review", "CFO call"])
                activity = us_date(as_of - timedelta(days=rnd.randint(0, 80))) if rnd.random() > 0.1 else ""
                buyer = rnd.choice(["", "Yes", "No", "VP Finance"])
            else:
                close = as_of - timedelta(days=rnd.randint(0, 460))
                created = close - timedelta(days=rnd.randint(*CYCLE[segment]))
                won = rnd.random() < WIN_CHANCE[source]
                stage, probability, category = ("Closed Won", "100%", "Closed") if won else \
                    ("Closed Lost", "0%", "Omitted")
                if not won:
                    reason = rnd.choices(reasons, reason_weights)[0]
            out.writerow([f"006{i:012d}", f"{account} - deal {i}", account, owner, stage, us_money(amount),
                          probability, us_date(close), us_date(created), source, reason, segment, category,
                          next_step, activity, us_money(round(list_price, 2)), buyer])
    return path
