"""Reading a founder's question (csuite.understand): amounts, percentages, counts, accounts,
segments, period, target and the decision asked, in English and Chinese.

Every expected value below is written by hand from the question text (as of 1 October 2026,
fiscal year = calendar year, the example company's account and segment names), never copied
from the parser's output.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from csuite.errors import UsageError
from csuite.understand import Count, Understood, understand

AS_OF = date(2026, 10, 1)
NAMES = ["Castellan Freight Group", "Northwind Freight", "Halvorsen Marine Group", "Quillfield Health Partners",
         "Bramblecrest Foods", "Pembrook Supply", "Pembrook Foods", "Acme Corp", "Globex Corporation"]
SEGMENTS = ["Enterprise", "Mid-Market", "SMB"]
HOLDOUT = Path(__file__).parent / "data" / "understand_holdout.jsonl"


def case(question, decision, *, amounts=(), percentages=(), counts=(), accounts=(), segments=(), period=None,
         target=None, language=None):
    return pytest.param(question, Understood(
        language=language or ("zh" if any("\u4e00" <= c <= "\u9fff" for c in question) else "en"),
        decision=decision, amounts=list(amounts), percentages=list(percentages),
        counts=[Count(value=v, of=n) for v, n in counts], accounts=list(accounts), segments=list(segments),
        period=period, target=target), id=question[:60])


CASES = [
    # --- CRO, English ---
    case("Will we hit our Q4 number of $2.4M new ARR?", "hit_the_number",
         amounts=[2_400_000.0], period="2026-Q4", target=2_400_000.0),
    case("We've booked $610K and the quarter target is $2.4M. What's the chance we make it?", "hit_the_number",
         amounts=[610_000.0, 2_400_000.0], target=2_400_000.0),     # $610K is booked: in hand, not the goal
    case("Our pipeline is $2.1 million against a $3M target for Q1 2027. Can we make it?", "hit_the_number",
         amounts=[2_100_000.0, 3_000_000.0], period="2027-Q1", target=3_000_000.0),
    case("Can we close $900k in FY27 Q1 with 5 AEs, 2 of them still ramping?", "hit_the_number",
         amounts=[900_000.0], counts=[(5, "AE")], period="2027-Q1", target=900_000.0),
    case("I want to hire 4 more AEs next quarter. Is that the right call?", "hire_reps",
         counts=[(4, "AE")], period="2027-Q1"),
    case("Should we add 3 account executives in Q1 2027 to get to $7.5M ARR?", "hire_reps",
         amounts=[7_500_000.0], counts=[(3, "AE")], period="2027-Q1", target=7_500_000.0),
    case("How much pipeline do we need to close $1.8M next quarter if our win rate is 25%?", "pipeline_needed",
         amounts=[1_800_000.0], percentages=[0.25], period="2027-Q1", target=1_800_000.0),
    case("How should we redesign the AE comp plan so reps stop discounting 25% at quarter end?", "comp_plan",
         percentages=[0.25]),
    case("Should we raise prices 10% for Mid-Market customers next year?", "pricing_change",
         percentages=[0.10], segments=["Mid-Market"]),
    case("Our reps give away 30% discounts on deals over $50K. How do I stop it?", "discounting",
         amounts=[50_000.0], percentages=[0.30]),
    case("Are we ready to hire a VP Sales at $4.2M ARR?", "sales_leader", amounts=[4_200_000.0]),
    case("Our forecast was off by 18% last quarter. How do we fix it?", "forecast_accuracy",
         percentages=[0.18], period="2026-Q3"),
    case("Why does our win rate in Enterprise keep falling: is it price or value?", "win_loss",
         segments=["Enterprise"]),
    case("Should we move $200K from events to outbound SDRs next year?", "channel_budget", amounts=[200_000.0]),
    case("Which deals does Q4 ride on, and has Quillfield Health gone quiet?", "top_deals",
         accounts=["Quillfield Health Partners"], period="2026-Q4"),
    case("Inbound leads wait 2 days for a first call. What SLA should SDRs have?", "handoff_sla",
         counts=[(2, "day")]),
    case("Should we move upmarket into Enterprise in 2027?", "market_move", segments=["Enterprise"]),
    case("What should the revenue section of the Q3 board deck show?", "board_reporting", period="2026-Q3"),
    case("Is a magic number of 0.62 and a 21-month CAC payback good enough to keep spending?", "unit_economics",
         counts=[(21, "month")]),
    # --- CCO, English ---
    case("Why did 8 SMB customers churn last quarter?", "churn_diagnosis",
         counts=[(8, "customer")], segments=["SMB"], period="2026-Q3"),
    case("What does it take to get NRR from 96% to 110%?", "nrr_bridge", percentages=[0.96, 1.10]),
    case("Our 12m NRR is 104% and the AC-118 cohort is the worst. Is expansion hiding churn?", "nrr_bridge",
         percentages=[1.04], counts=[(12, "month")]),                  # 12m is twelve months; AC-118 an id
    case("We have 112 customers and 3 CSMs. How many CSMs do we need in 12 months?", "cs_sizing",
         counts=[(112, "customer"), (3, "CSM"), (12, "month")]),
    case("Should our first customer success leader be a Head of CS or a senior CSM?", "cs_leader"),
    case("Should we kill the SMB plan? It's 59 accounts and $525K of ARR.", "segment_kill",
         amounts=[525_000.0], counts=[(59, "account")], segments=["SMB"]),
    case("New customers take 90 days to go live. How do we get time to value under 30 days?", "onboarding",
         counts=[(90, "day"), (30, "day")]),
    case("Are QBRs worth it for our mid-size accounts?", "health_score", segments=["Mid-Market"]),
    case("Northwind Freight is 19% of ARR and renews in March. How do we protect that renewal?", "save_account",
         percentages=[0.19], accounts=["Northwind Freight"]),
    case("How do we get Acme to expand from 4 entities to 10?", "expansion_motion",
         counts=[(4, "entity")], accounts=["Acme Corp"]),
    case("How much of the $1.1M renewing next quarter will actually renew?", "renewal_forecast",
         amounts=[1_100_000.0], period="2027-Q1"),
    # --- Chinese ---
    case("本季度新增ARR目标是300万美元，现在签了80万，能完成吗？", "hit_the_number",
         amounts=[3_000_000.0, 800_000.0], period="2026-Q4", target=3_000_000.0),
    case("下个季度想再招4个AE，值得吗？", "hire_reps", counts=[(4, "AE")], period="2027-Q1"),
    case("招3个销售要多久才能回本？", "hire_reps", counts=[(3, "AE")]),
    case("NRR要在明年做到百分之一百一十，现在是百分之九十六，差多少钱？", "nrr_bridge", percentages=[1.10, 0.96]),
    case("要不要再招两个客户成功经理？", "cs_sizing", counts=[(2, "CSM")]),
    case("中型客户的流失为什么这么高？", "churn_diagnosis", segments=["Mid-Market"]),
    case("Halvorsen Marine的关键对接人离职了，三个月后续约，怎么保住？", "save_account",
         counts=[(3, "month")], accounts=["Halvorsen Marine Group"]),
    case("要不要砍掉中小客户这个细分？", "segment_kill", segments=["SMB"]),
    case("销售平均打八折成交，提成方案要不要改？", "comp_plan"),
    case("2027年第一季度的续约里有多少ARR有风险？", "renewal_forecast", period="2027-Q1"),
    case("明年要不要进入医疗行业，还是继续做中型企业？", "market_move", segments=["Mid-Market"]),
    case("董事会上怎么解释上季度没完成1.2亿的目标？", "board_reporting",
         amounts=[120_000_000.0], period="2026-Q3", target=120_000_000.0),
    case("用户上线要60天，怎么缩短到30天？", "onboarding", counts=[(60, "day"), (30, "day")]),
    case("健康分怎么设计才能提前三个月预警流失？", "health_score", counts=[(3, "month")]),
    case("哪个获客渠道的商机转化率最高，市场预算该怎么分？", "channel_budget"),
    case("这个季度主要靠Northwind和Bramblecrest两单吗？", "top_deals",
         counts=[(2, "deal")], accounts=["Northwind Freight", "Bramblecrest Foods"], period="2026-Q4"),
    case("预测偏差太大，上季度差了百分之二十，怎么改？", "forecast_accuracy", percentages=[0.20], period="2026-Q3"),
    case("我们输单主要是输给FloQast吗？", "win_loss"),
    case("Globex说要解约，他们占ARR的12%，怎么办？", "save_account", percentages=[0.12], accounts=["Globex Corporation"]),
]


@pytest.mark.parametrize("question, expected", CASES)
def test_founder_questions(question, expected):
    got = understand(question, as_of=AS_OF, names=NAMES, segments=SEGMENTS)
    assert got == expected, f"\n got: {got.model_dump()}\nwant: {expected.model_dump()}"


def test_the_case_list_covers_both_roles_and_both_languages():
    questions = [p.values[0] for p in CASES]
    chinese = [q for q in questions if any("\u4e00" <= c <= "\u9fff" for c in q)]
    assert len(questions) >= 40 and len(chinese) >= 15
    decided = {p.values[1].decision for p in CASES}
    assert {"hit_the_number", "hire_reps"} <= decided and {"nrr_bridge", "save_account"} <= decided
