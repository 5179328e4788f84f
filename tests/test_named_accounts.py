"""A question that names an account: the name is matched as the founder's data spells it, routing
reads what is asked (not the words the company's name is made of), and the account's ARR comes
from its revenue rows, never from a deal's amount."""

from __future__ import annotations

from datetime import date

import pytest

from csuite.io.numbers import format_money, format_percent
from csuite.runner import Advisor
from csuite.understand.names import match_accounts, without_accounts

AS_OF = date(2026, 11, 23)
MONTHS = [f"2025-{m}" for m in ("11", "12")] + [f"2026-{m:02d}" for m in range(1, 12)]   # 13 months
MRR = {  # customer: (segment, MRR in each month: flat, then the last two)
    "Granite Peak Builders": ("Enterprise", [48_000] * 11 + [50_000, 55_000]),
    "Harborline Construction": ("Enterprise", [31_000] * 11 + [34_000, 34_000]),
    "Quarry Lane Homes": ("SMB", [4_000] * 12 + [3_000]),
}


@pytest.fixture()
def files(tmp_path):
    mrr = tmp_path / "mrr_by_customer.csv"
    lines = ["Customer,Month,MRR,Segment"]
    for name, (segment, values) in MRR.items():
        lines += [f'{name},{month},"${value:,.2f}",{segment}' for month, value in zip(MONTHS, values)]
    mrr.write_text("\n".join(lines) + "\n", encoding="utf-8")
    deals = tmp_path / "opportunities.csv"
    deals.write_text(
        "Opportunity Name,Account Name,Stage,Amount,Close Date,Probability (%),Type\n"
        'Harborline Construction - Expansion,Harborline Construction,Prospecting,"$12,000.00",12/26/2026,10,'
        "Existing Business\n"
        'Quarry Lane Homes - Renewal,Quarry Lane Homes,Closed Won,"$36,000.00",10/02/2026,100,Existing Business\n',
        encoding="utf-8")
    context = tmp_path / "company-context.md"
    context.write_text("# Tallyforge\n\n- Last updated: 2026-11-01\n- ARR: $1.1M\n", encoding="utf-8")
    return context, [str(deals), str(mrr)]


def test_a_name_written_in_full_beats_a_deal_that_starts_with_it():
    names = ["Harborline Construction - Expansion", "Harborline Construction", "Granite Peak Builders"]
    assert match_accounts("How do we save Harborline Construction?", names) == ["Harborline Construction"]
    assert match_accounts("How is the Harborline Construction - Expansion deal?", names) == [
        "Harborline Construction - Expansion"]
    # a bare first word two names share stays unmatched rather than guessed
    assert match_accounts("How is Harborline doing?", names) == []


def test_routing_reads_the_question_without_the_accounts_name():
    assert without_accounts("How do we save Granite Peak Builders?", ["Granite Peak Builders"]) == \
        "How do we save the account?"
    assert without_accounts("Granite Peak 要续约了，怎么保住？", ["Granite Peak Builders"], "zh") == "这个客户 要续约了，怎么保住？"


@pytest.mark.parametrize("question", ["How do we save Granite Peak Builders?", "How do we save Harborline Construction?"])
def test_saving_a_named_account_is_the_ccos_save_decision(files, question):
    context, data = files
    answer = Advisor(context=context, as_of=AS_OF, allow=[context.parent]).ask(question, data=data)
    assert (answer.in_scope, answer.role, answer.decision_id) == (True, "cco", "save_account")
    assert answer.bottom_line.startswith(answer.understood.accounts[0])


@pytest.mark.parametrize("question", [
    "Is Granite Peak Builders going to churn?", "Will Harborline Construction renew?",
    "Granite Peak Builders 这个客户会不会流失？", "Harborline Construction 一月续约会不会流失？",
])
def test_will_a_named_account_leave_is_the_save_decision(files, question):
    """'Is <account> going to churn?' asks about that account, not the company's churn: it was read
    as a churn diagnosis, and a name's own words ('... Partners') sent one to the channel budget."""
    context, data = files
    answer = Advisor(context=context, as_of=AS_OF, allow=[context.parent]).ask(question, data=data)
    assert answer.decision_id == "save_account"
    assert answer.bottom_line.startswith(answer.understood.accounts[0])


def test_the_decision_is_read_without_the_accounts_name():
    from csuite.understand import understand

    names = ["Halcyon Health Partners", "Granite Peak Builders"]
    for question in ("Will Halcyon Health Partners renew?", "How do we save Granite Peak Builders?"):
        understood = understand(question, as_of=AS_OF, names=names)
        assert understood.decision == "save_account", question


def test_the_accounts_arr_is_its_revenue_not_a_deal_amount(files):
    """Harborline: $34,000 MRR in 2026-11 → $408,000 a year, 408,000 ÷ (12 × (55,000 + 34,000 +
    3,000)) = 36.96% of ARR; its $12,000 expansion deal is not its ARR."""
    context, data = files
    answer = Advisor(context=context, as_of=AS_OF, allow=[context.parent]).ask("How do we save Harborline Construction?", data=data)
    assert format_money(408_000) in answer.bottom_line
    assert format_percent(408_000 / (12 * 92_000)) in answer.bottom_line
    assert format_money(12_000) not in answer.bottom_line


def test_a_question_outside_every_seat_reads_as_english():
    answer = Advisor(as_of=AS_OF).ask("What colour should our office walls be?")
    assert not answer.in_scope
    assert "your a " not in answer.bottom_line
