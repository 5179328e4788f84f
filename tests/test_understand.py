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
from csuite.understand.periods import quarter_bounds
from csuite.understand.functions import functions_named
from csuite.understand.parse import prepare

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
    # A price cut to win deals asks first whether price is why deals are lost; a rise is a pricing change.
    case("Should we cut our prices by 20% to win more deals?", "win_loss", percentages=[0.20]),
    case("Cut Mid-Market list price 15% because we keep losing on price. Should we?", "win_loss",
         percentages=[0.15], segments=["Mid-Market"]),
    case("要不要降价20%来多赢一些单？", "win_loss", percentages=[0.20]),
    case("我们总是因为价格丢单，要不要把中端市场的标价降15%？", "win_loss", percentages=[0.15], segments=["Mid-Market"]),
    case("Should we raise prices 15% for new customers next year?", "pricing_change", percentages=[0.15]),
    case("明年要不要给新客户涨价15%？", "pricing_change", percentages=[0.15]),
    case("Why are we losing so many deals, especially in mid-market?", "win_loss", segments=["Mid-Market"]),
    case("Why are we losing so many customers?", "churn_diagnosis"),
    # Chinese founders write "pipeline" in English
    case("2027年Q1要完成90万美元新增ARR，我们需要多少pipeline？", "pipeline_needed", amounts=[900_000.0],
         period="2027-Q1", target=900_000.0),
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


# --- amounts, percentages, counts ----------------------------------------------------------------

@pytest.mark.parametrize("question, amounts", [
    ("Can we book $2.4M?", [2_400_000.0]),
    ("We need 2.4 million in new ARR", [2_400_000.0]),
    ("a $900k gap", [900_000.0]),
    ("ARR is 1.1M", [1_100_000.0]),
    ("ARR of USD 485,000", [485_000.0]),
    ("目标是240万美元", [2_400_000.0]),
    ("营收1.2亿", [120_000_000.0]),
    ("三百万美元的目标", [3_000_000.0]),
    ("五千万", [50_000_000.0]),
    ("a $2-3M quarter", [2_000_000.0, 3_000_000.0]),             # the range's unit applies to both ends
    ("We did 2,400,000 ARR last year", [2_400_000.0]),
    ("$38K ACV and a $1,200,000 pipeline", [38_000.0, 1_200_000.0]),
])
def test_amounts_are_dollars(question, amounts):
    assert understand(question, as_of=AS_OF).amounts == amounts


@pytest.mark.parametrize("question", [
    "Is AC-118 churning?",                 # an identifier
    "What happens in 2026?",               # a year
    "Will Q4 close?", "What is FY27 going to look like?", "What is our P50?",
    "Our 12m NRR is flat",                 # twelve months
    "We have 10k users",                   # a count of users
    "合同额是240万元",                      # yuan: another currency is left out, never converted
    "The deal is €2M", "3x coverage", "Renewal on 2026-10-01", "Closed on 15/12/2026",
    "We have 5 m of runway",               # a spaced single letter is no unit
])
def test_identifiers_years_periods_and_other_currencies_are_not_amounts(question):
    assert understand(question, as_of=AS_OF).amounts == []


@pytest.mark.parametrize("question, percentages", [
    ("NRR 96% → 110%", [0.96, 1.10]),
    ("win rates of 25–33%", [0.25, 0.33]),
    ("from 96 to 110%", [0.96, 1.10]),
    ("打了百分之十五的折扣", [0.15]),
    ("流失率百分之15", [0.15]),
    ("毛利率百分之三点五", [0.035]),
    ("提升5个百分点", [0.05]),
    ("GRR 83 percent", [0.83]),
])
def test_percentages_are_fractions(question, percentages):
    assert understand(question, as_of=AS_OF).percentages == pytest.approx(percentages)


@pytest.mark.parametrize("question, counts", [
    ("hire 4 AEs", [(4, "AE")]),
    ("4 more account executives", [(4, "AE")]),
    ("two SDRs and one sales engineer", [(2, "SDR"), (1, "SE")]),
    ("招3个销售", [(3, "AE")]),
    ("两个客户成功经理", [(2, "CSM")]),
    ("十二个月", [(12, "month")]),
    ("三个季度", [(3, "quarter")]),
    ("a team of 5 reps", [(5, "rep")]),
    ("20单", [(20, "deal")]),
    ("第3周的会议", []),                       # an ordinal counts nothing
    ("2027年的计划", []),                      # a year, not 2027 years
    ("销售额3个亿", []),                       # 销售额 is revenue, not reps (and 3个亿 is no dollar amount)
    ("3 AE hires", [(3, "AE")]),
])
def test_counts_name_what_they_count(question, counts):
    got = understand(question, as_of=AS_OF).counts
    assert [(c.value, c.of) for c in got] == counts


# --- period ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("question, as_of, start_month, period", [
    ("Will we make Q4?", date(2026, 10, 1), 1, "2026-Q4"),
    ("Will we make Q4?", date(2027, 1, 10), 1, "2027-Q4"),          # the current fiscal year's Q4
    ("this quarter", date(2026, 11, 23), 1, "2026-Q4"),
    ("next quarter", date(2026, 11, 23), 1, "2027-Q1"),
    ("last quarter", date(2026, 1, 5), 1, "2025-Q4"),
    ("Q1 2027", date(2026, 10, 1), 1, "2027-Q1"),
    ("FY27 Q1", date(2026, 10, 1), 1, "2027-Q1"),
    ("Q3'27", date(2026, 10, 1), 1, "2027-Q3"),
    ("2027年第一季度", date(2026, 10, 1), 1, "2027-Q1"),
    ("下个季度", date(2026, 10, 1), 1, "2027-Q1"),
    ("本季度", date(2026, 10, 1), 1, "2026-Q4"),
    ("明年一季度", date(2026, 10, 1), 1, "2027-Q1"),
    ("Q1 next year", date(2026, 10, 1), 1, "2027-Q1"),
    # A fiscal year from February, named by the year it ends in: 1 Oct 2026 is FY2027 Q3.
    ("this quarter", date(2026, 10, 1), 2, "2027-Q3"),
    ("Q4", date(2026, 10, 1), 2, "2027-Q4"),
    ("next quarter", date(2027, 1, 15), 2, "2028-Q1"),
    # A bare quarter already over (before the one just ended) is the coming one: hiring "in Q1"
    # asked in November means next year's Q1; "Q3" asked in Q4 is the quarter just closed.
    ("Should we hire 4 AEs in Q1?", date(2026, 11, 23), 1, "2027-Q1"),
    ("第一季度再招4个AE？", date(2026, 11, 23), 1, "2027-Q1"),
    ("How did Q3 go?", date(2026, 11, 23), 1, "2026-Q3"),
    ("Plan for Q2", date(2026, 11, 23), 1, "2027-Q2"),
    ("this year's Q1 numbers", date(2026, 11, 23), 1, "2026-Q1"),
    ("no period here", date(2026, 10, 1), 1, None),
    ("三个季度都在下滑", date(2026, 10, 1), 1, None),                  # three quarters, not Q3
])
def test_period_is_the_fiscal_quarter(question, as_of, start_month, period):
    assert understand(question, as_of=as_of, fiscal_year_start_month=start_month).period == period


def test_quarter_bounds_follow_the_fiscal_calendar():
    assert quarter_bounds("2027-Q1", 2) == (date(2026, 2, 1), date(2026, 4, 30))
    assert quarter_bounds("2026-Q4", 1) == (date(2026, 10, 1), date(2026, 12, 31))
    assert quarter_bounds("2027-Q4", 2) == (date(2026, 11, 1), date(2027, 1, 31))


def test_fiscal_year_start_month_out_of_range_is_a_usage_error():
    with pytest.raises(UsageError):
        understand("Q4?", as_of=AS_OF, fiscal_year_start_month=13)


# --- accounts and segments ------------------------------------------------------------------------

@pytest.mark.parametrize("question, accounts", [
    ("How do we save Acme?", ["Acme Corp"]),                        # the legal ending may go
    ("acme corp is at risk", ["Acme Corp"]),                        # full names ignore case
    ("Castellan Freight renews in February", ["Castellan Freight Group"]),
    ("Northwind has gone quiet", ["Northwind Freight"]),            # a shortened name, capitalised
    ("northwind has gone quiet", []),                               # ... in lower case it could be a word
    ("Acmeville is a town", []),                                    # never inside another word
    ("Pembrook is churning", []),                                   # Pembrook Supply or Pembrook Foods?
    ("Pembrook Foods and Globex both renew", ["Pembrook Foods", "Globex Corporation"]),
    ("Acme续约有风险", ["Acme Corp"]),
])
def test_accounts_match_names_from_the_data(question, accounts):
    assert understand(question, as_of=AS_OF, names=NAMES).accounts == accounts


def test_chinese_account_names_match_without_their_legal_ending():
    got = understand("华为技术要续约了，怎么保住？", as_of=AS_OF, names=["华为技术有限公司"])
    assert got.accounts == ["华为技术有限公司"]


@pytest.mark.parametrize("question, data, segments", [
    ("中型客户的流失", ["Enterprise", "Mid-Market", "SMB"], ["Mid-Market"]),
    ("mid-size churn", ["Enterprise", "Mid Market", "SMB"], ["Mid Market"]),     # the data's spelling
    ("midmarket churn", ["ENT", "MM", "SB"], ["MM"]),
    ("small business and enterprise", ["SMB", "Enterprise"], ["SMB", "Enterprise"]),
    ("中小客户和大客户", ["SMB", "Enterprise"], ["SMB", "Enterprise"]),
    ("我们最大客户要续约", ["Enterprise"], []),                       # the biggest customer, not a segment
    ("mid-size churn", [], ["Mid-Market"]),                           # no data: the canonical name
    ("key accounts need sponsors", ["Enterprise"], []),               # a tier only when the data has it
    ("key accounts need sponsors", ["Strategic", "Key", "Core"], ["Key"]),
    ("Is the Healthcare segment worth it?", ["Healthcare", "Retail"], ["Healthcare"]),
])
def test_segments_are_normalised_to_the_data(question, data, segments):
    assert understand(question, as_of=AS_OF, segments=data).segments == segments


# --- target, language, odd questions --------------------------------------------------------------

@pytest.mark.parametrize("question, target", [
    ("We need $900K this quarter and have $310K booked.", 900_000.0),
    ("We have $310K booked and need $900K.", 900_000.0),
    ("Commit says $700K against a $1M target.", 1_000_000.0),
    ("How do we grow from $4.2M to $7.5M ARR?", 7_500_000.0),
    ("We are at 4.2M ARR.", None),
    ("Our burn is $400K a month.", None),
    ("现在ARR是420万美元，12个月内做到750万美元现实吗？", 7_500_000.0),
    ("上季度完成了80万美元", None),
])
def test_target_is_the_goal_amount_not_the_amount_in_hand(question, target):
    assert understand(question, as_of=AS_OF).target == target


def test_language_is_detected_or_given():
    assert understand("NRR 怎么提升？", as_of=AS_OF).language == "zh"
    assert understand("How do we lift NRR?", as_of=AS_OF).language == "en"
    assert understand("How do we lift NRR?", as_of=AS_OF, lang="zh").language == "zh"


@pytest.mark.parametrize("question", ["", "   ", "???", "🙂", "asdf qwer", "x" * 5000, "1 2 3 4 5", "$$$ %%% 万万万"])
def test_odd_questions_give_empty_parts_not_errors(question):
    got = understand(question, as_of=AS_OF, names=NAMES, segments=SEGMENTS)
    assert got.decision is None and got.accounts == [] and got.target is None and got.period is None


def test_json_shape_is_the_issue_shape_plus_target():
    got = understand("Will we hit our Q4 number of $2.4M new ARR?", as_of=AS_OF)
    data = json.loads(got.model_dump_json())
    assert list(data) == ["language", "decision", "amounts", "percentages", "counts", "accounts", "segments",
                          "period", "target"]
    assert data["counts"] == [] and data["amounts"] == [2400000.0]


def test_understand_is_pure():
    first = understand("招3个销售，下个季度能完成300万美元吗？", as_of=AS_OF, names=NAMES, segments=SEGMENTS)
    second = understand("招3个销售，下个季度能完成300万美元吗？", as_of=AS_OF, names=NAMES, segments=SEGMENTS)
    assert first == second and first.counts == [Count(value=3, of="AE")] and first.target == 3_000_000.0


@pytest.mark.parametrize("question, roles", [
    ("Should sales or customer success own renewals?", ["cro", "cco"]),
    ("该由客户成功还是销售负责续约？", ["cco", "cro"]),
    ("Why is SMB churning?", []),
    ("我们要不要停止向中小客户销售？", []),                        # 销售 as a verb: to sell
    ("Should we stop selling to SMB customers?", []),
    ("为什么中小客户流失这么多？", []),
    ("Our CSMs are stretched: do we need more?", ["cco"]),
    ("Should we hire 4 more AEs?", ["cro"]),
    ("What does our salesforce export say about Q4?", []),   # a CRM's name is not the sales team
])
def test_functions_named_decide_who_is_consulted(question, roles):
    assert functions_named(prepare(question)) == roles
