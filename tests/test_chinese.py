"""Chinese in, Chinese out (issue 16): Chinese questions across both roles and the referrals, on
the bundled example company, each printed in Chinese and resting on the same evidence as the same
question asked in English.

"Chinese" is measured on the printed markdown: CJK characters are at least 60% of its letters,
once the names the answer quotes from the founder's files (accounts, deals, file names) are taken
out, since a Salesforce account name stays as the data spells it."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from csuite.answer import Answer
from csuite.knowledge.bilingual import cjk_share
from csuite.render.answer import to_markdown
from csuite.runner import Advisor
from tests.conftest import EXAMPLES

AS_OF = date(2026, 11, 23)
PIPELINE, OPPS = EXAMPLES / "pipeline.csv", EXAMPLES / "salesforce_opportunities.csv"
SNAPSHOTS, ACCOUNTS, COHORTS = EXAMPLES / "revenue_snapshots.csv", EXAMPLES / "accounts.csv", EXAMPLES / "retention_cohorts.csv"
CAPACITY, METRICS = EXAMPLES / "sales_capacity.yaml", EXAMPLES / "revenue_metrics.yaml"
BOOK, TEAM, CUSTOMERS = EXAMPLES / "cs_book.csv", EXAMPLES / "cs_team.yaml", EXAMPLES / "customers.csv"

# (Chinese question, its English twin, files): the same ask with the same numbers.
PAIRS = [
    # CRO
    ("第四季度90万美元的新增ARR目标能完成吗？", "Will we hit our Q4 target of $900K new ARR?", [PIPELINE]),
    ("这个季度要完成110万美元，需要多少管道？", "How much pipeline do we need to hit $1.1M this quarter?", [PIPELINE]),
    ("下个季度想再招4个AE，值得吗？", "We want to hire 4 more AEs next quarter. Is it worth it?", [CAPACITY, METRICS]),
    ("提成方案要不要改？", "Should we change the sales comp plan?", [CAPACITY, PIPELINE]),
    ("我们该涨价吗？", "Should we raise prices?", []),
    ("销售给的折扣太大了，要不要收紧折扣审批？", "Reps discount too much. Should we tighten discount approval?", [PIPELINE]),
    ("现在是招销售副总裁的时候吗？", "Is it time to hire a VP Sales?", [CAPACITY, METRICS]),
    ("我们的销售预测老是不准，怎么改进？", "Our sales forecast is always off. How do we make it more accurate?", [PIPELINE]),
    ("我们输单是因为价格还是价值？", "Are we losing deals on price or on value?", [OPPS]),
    ("本季度成败取决于哪几笔交易？", "Which deals make or break this quarter?", [PIPELINE]),
    ("明年营销预算该投在活动、合作伙伴还是外呼上？", "Should next year's budget go to events, partners or outbound?", [OPPS]),
    ("要不要进入欧洲市场？", "Should we expand into Europe?", [METRICS]),
    ("下周董事会上该展示哪些数字？", "What numbers should I show the board next week?", [SNAPSHOTS, METRICS]),
    ("我们的单位经济模型健康吗？", "Are our unit economics healthy?", [METRICS]),
    ("市场线索交给销售的SLA该定多久？", "What SLA should we set for handing marketing leads to sales?", [OPPS]),
    # CCO
    ("为什么中端市场客户流失这么多？", "Why is Mid-Market churning so much?", [SNAPSHOTS, ACCOUNTS, COHORTS]),
    ("净收入留存率NRR怎么从104%提升到110%？", "How do we get NRR from 104% to 110%?", [SNAPSHOTS]),
    ("我们需要多少个客户成功经理？", "How many CSMs do we need?", [BOOK]),
    ("客户成功团队下一个该招什么岗位？", "What role should the customer success team hire next?", [TEAM, BOOK]),
    ("哪些客户应该停止服务？", "Which customers should we stop serving?", [CUSTOMERS]),
    ("新客户上线太慢，怎么缩短价值实现时间？", "New customers take too long to go live. How do we shorten time to value?", [COHORTS]),
    ("客户健康度评分该怎么设计？", "How should we design a customer health score?", [CUSTOMERS, SNAPSHOTS]),
    ("Castellan Freight Group 占收入的五分之一，春天续约，怎么保住？",
     "Castellan Freight Group is a fifth of revenue and renews in the spring. How do we keep it?", [SNAPSHOTS, ACCOUNTS]),
    ("增购该由客户成功负责还是销售负责？", "Should customer success or sales own expansion?", [SNAPSHOTS]),
    ("下个季度的续约里有多少ARR有风险？", "How much renewal ARR is at risk next quarter?", [SNAPSHOTS, ACCOUNTS]),
    ("我们的NRR是真的好，还是扩张掩盖了流失？", "Is our NRR real, or is expansion hiding churn?", [COHORTS]),
    ("要不要停止向中小客户销售？", "Should we stop selling to SMB customers?", [CUSTOMERS, SNAPSHOTS, ACCOUNTS]),
    # Referrals: out of both seats
    ("如果收入不增长，我们的现金还能撑几个月？", "How many months of runway do we have if revenue stays flat?", []),
    ("我们要不要现在启动B轮融资？", "Should we raise our Series B now?", []),
    ("要不要招一个CTO？", "Should we hire a CTO?", []),
    ("我们的品牌定位要不要改？", "Should we change our brand positioning?", []),
    ("员工期权池该给多大？", "How big should our employee option pool be?", []),
]


@pytest.fixture(scope="module")
def advisor() -> Advisor:
    return Advisor(context=EXAMPLES / "company-context.md", as_of=AS_OF)


_ASKED: dict[tuple[str, str | None], Answer] = {}


def ask(advisor: Advisor, question: str, files, lang=None) -> Answer:
    key = (question, lang)
    if key not in _ASKED:
        _ASKED[key] = advisor.ask(question, data=[str(f) for f in files], lang=lang)
    return _ASKED[key]


def without_quoted_names(text: str, answer: Answer, files) -> str:
    """The printed answer without the names it quotes from the founder's files."""
    for name in sorted({*answer.names, *(f.name for f in files)}, key=len, reverse=True):
        text = text.replace(name, " ")
    return re.sub(r"_[^_\n]*\.(?:csv|yaml|json|md)[^_\n]*_", " ", text)


def test_the_set_covers_both_roles_the_referrals_and_thirty_questions():
    assert len(PAIRS) >= 30
    assert all(re.search(r"[\u4e00-\u9fff]", zh) and not re.search(r"[\u4e00-\u9fff]", en) for zh, en, _ in PAIRS)


@pytest.mark.parametrize("zh, en, files", PAIRS, ids=[p[1][:40] for p in PAIRS])
def test_a_chinese_question_is_answered_in_chinese(advisor, zh, en, files):
    answer = ask(advisor, zh, files)
    assert answer.language == "zh"
    printed = to_markdown(answer)
    share = cjk_share(without_quoted_names(printed, answer, files))
    assert share >= 0.6, f"{share:.2f} of the letters are Chinese:\n{printed}"


@pytest.mark.parametrize("zh, en, files", PAIRS, ids=[p[1][:40] for p in PAIRS])
def test_a_chinese_answer_rests_on_its_english_twins_evidence(advisor, zh, en, files):
    chinese, english = ask(advisor, zh, files), ask(advisor, en, files)
    assert (chinese.in_scope, chinese.role, chinese.referral) == (english.in_scope, english.role, english.referral)
    assert chinese.decision_id == english.decision_id and chinese.verdict == english.verdict
    assert [a.id for a in chinese.actions] == [a.id for a in english.actions]   # the same moves, in order
    assert evidence_json(chinese) == evidence_json(english)


@pytest.mark.parametrize("zh, en, files", PAIRS[:8], ids=[p[1][:40] for p in PAIRS[:8]])
def test_lang_sets_the_answer_language_and_nothing_else(advisor, zh, en, files):
    """`--lang zh` on the English question: a Chinese answer on the very same evidence."""
    forced = ask(advisor, en, files, lang="zh")
    assert forced.language == "zh" and cjk_share(to_markdown(forced)) > 0.5
    assert evidence_json(forced) == evidence_json(ask(advisor, en, files))


def evidence_json(answer: Answer) -> str:
    """The evidence as JSON, without what restates the question itself (its text and language)."""
    items = [e.model_dump(mode="json") for e in answer.evidence if not e.id.startswith("question.text")]
    return json.dumps(sorted(items, key=lambda e: e["id"]), ensure_ascii=False, sort_keys=True)
