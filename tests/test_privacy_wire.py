"""Privacy by construction, checked on the wire: what the real `anthropic` SDK sends to the fake
Messages API (tests/fake_anthropic.py) holds no name from free text under `standard`, and no
exact money under `strict` (issue 17, "Privacy")."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from csuite.backends.claude import ClaudeBackend
from csuite.backends.privacy import Pseudonymizer, free_text_names
from csuite.io.numbers import format_value
from csuite.runner import Advisor
from tests.conftest import EXAMPLES
from tests.fake_anthropic import (
    FakeAnthropic,
    answer_payload,
    data_block,
    message,
    tool_use,
)

DAY = date(2026, 11, 23)
CONTEXT = EXAMPLES / "company-context.md"

# Eight names, each only in a free-text sentence under a label that names no one (so the labelled
# pass of the privacy map cannot see them): four invented companies and four people, written as
# obvious placeholders ("Exampleperson Alpha") rather than as anyone's real-looking name.
PLANTED = ["Quorvane Logistics", "Exampleperson Alpha", "Brightwater Health", "Exampleperson Beta",
           "Tallisker Foods", "Exampleperson Gamma", "Pemberly Analytics", "Exampleperson Delta"]
FREE_TEXT = """
## What happened this year
- **Biggest risk:** Renewal of Quorvane Logistics slipped after Exampleperson Alpha left.
- **Open question:** Exampleperson Beta wants a plan before the Brightwater Health renewal.
- **Recent win:** We closed Tallisker Foods with help from Exampleperson Gamma in September.
- **Churn story:** Pemberly Analytics churned when Exampleperson Delta moved on; nobody owned the account.
"""


@pytest.fixture
def fake(monkeypatch):
    with FakeAnthropic() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        yield server


def context_with(tmp_path, extra: str, base: str | None = None):
    path = tmp_path / "company-context.md"
    path.write_text((base or CONTEXT.read_text(encoding="utf-8")) + extra, encoding="utf-8")
    return path


def sent(fake: FakeAnthropic) -> str:
    """Every byte of every request body, as the server received it."""
    return "\n".join(r.text for r in fake.requests)


def present(name: str, raw: str) -> bool:
    # JSON escapes nothing in these names; also look for the evidence-id slug form.
    return name in raw or name.replace(" ", "_") in raw


def test_eight_names_in_free_text_never_reach_the_api_and_come_back_in_the_answer(fake, tmp_path):
    context = context_with(tmp_path, FREE_TEXT)

    def reply(body):
        # The model writes a pseudonym it was shown; the founder reads the real name.
        text = body["system"][0]["text"]
        who = re.search(r"Renewal of (\w+ \w) slipped", text).group(1)
        return message(tool_use("submit_answer", answer_payload(
            text=f"{who} is the renewal to save; ARR is [[ctx.arr]]", cite="ctx.arr")))

    fake.push(reply)
    question = ("Which renewals are at risk now that Pemberly Analytics churned and Exampleperson Delta left "
                "Quorvane Logistics?")
    answer = Advisor(context=context, as_of=DAY, backend=ClaudeBackend(max_retries=0, timeout=20)).ask(
        question, data=[EXAMPLES / "pipeline.csv"])
    raw = sent(fake)
    leaked = [n for n in PLANTED if present(n, raw)]
    assert leaked == []
    assert "Name A" in raw  # the pseudonyms did go out
    assert answer.backend == "claude"
    texts = [f.text for f in answer.findings] + [f.text for v in (answer.synthesis.views if answer.synthesis else [])
                                                 for f in v.findings]
    assert any(t.startswith("Quorvane Logistics is the renewal to save") for t in texts), texts
    assert answer.question == question  # the founder's own words, unmasked


def test_the_free_text_pass_finds_each_planted_name():
    found = [n for line in FREE_TEXT.splitlines() for n in free_text_names(line.split(":**", 1)[-1])]
    assert found == ["Quorvane Logistics", "Exampleperson Alpha", "Exampleperson Beta", "Brightwater Health",
                     "Tallisker Foods", "Exampleperson Gamma", "Pemberly Analytics", "Exampleperson Delta"]


@pytest.mark.parametrize("text, expected", [
    ("Renewal of Quorvane Logistics slipped after Exampleperson Alpha left.",
     ["Quorvane Logistics", "Exampleperson Alpha"]),
    ("Castellan Freight Group and Northwind Freight: which accounts churn?",
     ["Castellan Freight Group", "Northwind Freight"]),
    ("Our deal with Bank of Lisbon needs the CFO and VP Finance.", ["Bank of Lisbon"]),
    ("Will we make the Q4 number with 2 AEs and our SDRs?", []),       # titles, quarters, acronyms
    ("Customer Success and Sales Ops report to the CEO.", []),          # ordinary words, capitalised
    ("Series A, $14M, March 2025; Tier 1 accounts", []),               # labels, months
    ("Email contact.alpha@quorvane.example before Friday.", ["contact.alpha@quorvane.example"]),
    ("Acme's champion left", ["Acme"]),                                 # the possessive is not the name
])
def test_free_text_names(text, expected):
    assert free_text_names(text) == expected


def test_free_text_in_data_files_is_read_for_names(tmp_path):
    notes = tmp_path / "accounts.csv"
    notes.write_text("account_id,segment,notes\nA1,Enterprise,Champion Exampleperson Epsilon left in May\n"
                     "A2,Enterprise,Renewal looks fine\n", encoding="utf-8")
    pseudo = Pseudonymizer.build(None, [notes])
    assert "Exampleperson Epsilon" in pseudo.mapping and "Enterprise" not in pseudo.mapping
    assert pseudo.mask("Exampleperson Epsilon signed") == f"{pseudo.mapping['Exampleperson Epsilon']} signed"


def test_known_kinds_win_over_free_text(tmp_path):
    # A name seen in a labelled field or a name column keeps that kind when it recurs in prose.
    context = context_with(tmp_path, "\n- **Largest customer:** Quorvane Logistics\n"
                                     "- **Biggest risk:** Renewal of Quorvane Logistics slipped\n")
    from csuite.context.parse import load_context

    pseudo = Pseudonymizer.build(load_context(context, as_of=DAY), question="Is Quorvane Logistics safe?")
    assert pseudo.mapping["Quorvane Logistics"] == "Customer A"


# ------------------------------------------------------------------ strict: no exact money

BARE_MONEY = """
## Finance
- **Cash in bank:** 2716000
"""


def renderings(value: float) -> list[str]:
    """The ways an exact amount can appear in a request: as JSON numbers and as we format it."""
    forms = {f"{value:.0f}", f"{value:,.0f}", f"{value:.1f}", format_value(value, "usd")}
    return [f for f in forms if len(f.strip("$")) >= 4]


def test_strict_sends_no_exact_money(fake, tmp_path):
    base = CONTEXT.read_text(encoding="utf-8").replace("- **ARR:** $4.2M", "- **ARR:** 4200000")
    context = context_with(tmp_path, BARE_MONEY, base=base)
    advisor = Advisor(context=context, as_of=DAY, backend=ClaudeBackend(privacy="strict", max_retries=0, timeout=20))
    answer = advisor.ask("Will we make the Q4 number?", data=[EXAMPLES / "pipeline.csv"])
    assert answer.backend == "claude"
    bodies = fake.bodies()
    raw = "\n".join(json.dumps([b.get("system"), b["messages"]], ensure_ascii=False) for b in bodies)
    money = [e for e in answer.evidence if e.unit == "usd" and isinstance(e.value, (int, float))
             and abs(e.value) >= 1000 and e.kind == "founder_data"]
    assert any(e.id == "ctx.arr" for e in money)
    exposed = {e.id: form for e in money for form in renderings(float(e.value))
               if re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d])", raw)}
    assert exposed == {}
    # The ARR written as a bare number in the context's field reaches the model only as a range.
    assert "$4M–$5M" in raw and "4200000" not in raw
    assert data_block(bodies[0])["company"]["metrics"]["arr"] == "$4M–$5M"
    # ...and the founder still reads the exact value.
    assert answer.findings[0].text == "The number that matters is $4.2M"


def test_single_word_names_inside_evidence_ids_become_slugs_and_come_back():
    # "Switched_to_FloQast" used to keep the competitor ('_' counted as part of a word), and
    # "at_risk.Kestrel.arr" became "at_risk.Customer A.arr", an id with a space no one can cite.
    pseudo = Pseudonymizer()
    pseudo.add("FloQast", "name")
    pseudo.add("Kestrel", "customer")
    ids = "retention.reasons.Switched_to_FloQast.count churn_analyzer.at_risk.Kestrel.arr"
    masked = pseudo.mask(ids)
    assert masked == "retention.reasons.Switched_to_Name_A.count churn_analyzer.at_risk.Customer_A.arr"
    assert pseudo.unmask(masked) == ids
    assert pseudo.mask("We lost Kestrel. FloQast won.") == "We lost Customer A. Name A won."


def test_categorical_columns_are_not_read_as_prose(tmp_path):
    # Stage names are the CRM's vocabulary ("Perception Analysis", "Value Proposition"), not names.
    deals = tmp_path / "deals.csv"
    deals.write_text("deal_id,name,stage,amount,close_date,next_step\n"
                     "1,Quorvane Logistics,Perception Analysis,100,2026-12-01,Call Exampleperson Alpha\n",
                     encoding="utf-8")
    mapping = Pseudonymizer.build(None, [deals]).mapping
    assert "Perception Analysis" not in mapping
    assert mapping["Quorvane Logistics"] == "Customer A" and "Exampleperson Alpha" in mapping
