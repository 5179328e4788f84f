"""Privacy: stable pseudonyms for customer, person and investor names; strict money ranges."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csuite.backends.privacy import (
    Pseudonymizer,
    label_kind,
    mask_money_text,
    money_range,
    name_candidates,
)
from csuite.context.parse import load_context
from tests.conftest import EXAMPLES

DAY = date(2026, 11, 23)

CONTEXT_EXTRA = """
## Key relationships
- **Largest customer:** Castellan Freight Group (19% of ARR)
- **Customer champion:** Champion Name (VP Finance)
- **Lead investor:** Harbor Ventures
- **Board members:** Board Member One, Board Member Two
"""


@pytest.fixture
def named_context(tmp_path):
    path = tmp_path / "company-context.md"
    path.write_text((EXAMPLES / "company-context.md").read_text(encoding="utf-8") + CONTEXT_EXTRA, encoding="utf-8")
    return load_context(path, as_of=DAY)


def column(name: str, header: str) -> list[str]:
    with open(EXAMPLES / name, encoding="utf-8") as handle:
        return [row[header] for row in csv.DictReader(handle)]


# ------------------------------------------------------------------ money ranges (strict mode)

@pytest.mark.parametrize("value, expected", [
    (4_200_000, "$4M–$5M"),      # step 10^6: floor(4.2) = 4 → 4M..5M
    (38_000, "$30K–$40K"),       # step 10^4: floor(3.8) = 3 → 30K..40K
    (14_000_000, "$10M–$20M"),   # step 10^7: floor(1.4) = 1 → 10M..20M
    (1_138_000, "$1M–$2M"),
    (999, "$900–$1K"),           # step 10^2: 9 → 900..1,000
    (4_000_000, "$4M–$5M"),      # an exact boundary belongs to the range it starts
    (0, "$0"),
    (-250_000, "-$300K–-$200K"),  # low bound first
])
def test_money_range_keeps_one_significant_figure(value, expected):
    assert money_range(value) == expected


def test_money_text_becomes_ranges_but_rates_years_and_counts_stay():
    text = "ARR $4.2M, fee USD 84,000.00, 38K deals, 25% win rate, 112 customers, since 2021, 2.4x"
    assert mask_money_text(text) == ("ARR $4M–$5M, fee $80K–$90K, $30K–$40K deals, 25% win rate, "
                                     "112 customers, since 2021, 2.4x")


# ------------------------------------------------------------------ finding names

def test_name_candidates_are_proper_names_not_titles_or_prose():
    assert name_candidates("Champion Name (VP Finance), Harbor Ventures and Contact Name") == \
        ["Champion Name", "Harbor Ventures", "Contact Name"]
    assert name_candidates("Former controller turned engineer; built the first close checklist engine") == []
    assert name_candidates("112 paying customers") == []
    assert name_candidates("Series A, $14M, March 2025") == []


def test_label_kinds():
    assert label_kind("Lead investor") == "investor"
    assert label_kind("Customer champion") == "person"  # the person, not the customer
    assert label_kind("Largest customer") == "customer"
    assert label_kind("Board members") == "person"
    assert label_kind("Pricing model") is None


def test_context_names_get_pseudonyms_and_the_founders_company_does_not(named_context):
    pseudo = Pseudonymizer.build(named_context)
    labelled = {real: fake for real, fake in pseudo.mapping.items() if not fake.startswith("Name ")}
    assert labelled == {"Castellan Freight Group": "Customer A", "Champion Name": "Person A",
                        "Harbor Ventures": "Investor A", "Board Member One": "Person B",
                        "Board Member Two": "Person C"}
    masked = pseudo.mask("Ledgerline's largest customer is Castellan Freight Group; Champion Name champions us.")
    assert masked == "Ledgerline's largest customer is Customer A; Person A champions us."


def test_the_example_context_masks_places_and_competitors_not_the_company_or_its_labels():
    # Free text is read for names too: the headquarters and the competitors are proper names;
    # the company itself, field labels ("Headquarters", "Founded"), titles and stages are not.
    pseudo = Pseudonymizer.build(load_context(EXAMPLES / "company-context.md", as_of=DAY))
    assert pseudo.mapping == {"Austin": "Name A", "Texas": "Name B", "FloQast": "Name C", "BlackLine": "Name D"}


def test_data_file_columns_give_customers_people_and_emails(tmp_path):
    owners = tmp_path / "owners.csv"
    owners.write_text("Deal Name,Deal owner,Amount\nNorthwind Freight - Renewal,Seller One,84000\n"
                      "Bramblecrest Foods,Seller Two,46000\nQuillfield Health,AE Enterprise,128000\n",
                      encoding="utf-8")
    files = [EXAMPLES / "salesforce_opportunities.csv", EXAMPLES / "stripe_subscriptions.csv", owners]
    pseudo = Pseudonymizer.build(None, files)
    mapping = pseudo.mapping
    # Opportunity Name "Northwind Freight - Close Automation" → the company part is the customer.
    assert mapping["Northwind Freight"].startswith("Customer ")
    assert "Northwind Freight - Close Automation" not in mapping
    assert mapping["Seller One"] == "Person A" and mapping["Seller Two"] == "Person B"
    assert "AE Enterprise" not in mapping  # a seat label, not a person
    assert mapping["ap@castellan.example"].endswith("@example.invalid")
    text = "Northwind Freight - Close Automation (owner Seller One, billing ap@castellan.example)"
    masked = pseudo.mask(text)
    assert "Northwind" not in masked and "Seller One" not in masked and "castellan" not in masked
    assert pseudo.unmask(masked) == text


def test_every_customer_in_the_examples_is_masked():
    files = [EXAMPLES / n for n in ("customers.csv", "pipeline.csv", "accounts.csv", "closed_deals.csv")]
    pseudo = Pseudonymizer.build(None, files)
    names = column("customers.csv", "Company name") + column("pipeline.csv", "name") + \
        column("accounts.csv", "name")
    text = "\n".join(f"- {n}: renewal at risk" for n in names)
    masked = pseudo.mask(text)
    assert not [n for n in names if n in masked]
    assert pseudo.unmask(masked) == text


def test_pseudonyms_are_stable_across_builds():
    files = [EXAMPLES / "pipeline.csv", EXAMPLES / "customers.csv"]
    assert Pseudonymizer.build(None, files).mapping == Pseudonymizer.build(None, files).mapping


def test_longest_name_first_and_evidence_id_slugs():
    pseudo = Pseudonymizer()
    assert pseudo.add("Kestrel", "customer") == "Customer A"
    assert pseudo.add("Kestrel Logistics", "customer") == "Customer B"
    assert pseudo.mask("Kestrel Logistics is not Kestrel.") == "Customer B is not Customer A."
    assert pseudo.mask("churn_analyzer.at_risk.Kestrel_Logistics.arr") == "churn_analyzer.at_risk.Customer_B.arr"
    assert pseudo.unmask("churn_analyzer.at_risk.Customer_B.arr") == "churn_analyzer.at_risk.Kestrel_Logistics.arr"


def test_single_word_names_match_only_as_capitalised_and_unmask_ignores_case():
    pseudo = Pseudonymizer()
    pseudo.add("Evergreen", "customer")
    pseudo.add("Juniper Labs", "customer")
    assert pseudo.mask("Evergreen says the evergreen clause renews JUNIPER LABS.") == \
        "Customer A says the evergreen clause renews Customer B."
    assert pseudo.unmask("customer a says customer b renews") == "Evergreen says Juniper Labs renews"


def test_names_inside_emails_and_words_are_left_alone():
    pseudo = Pseudonymizer()
    pseudo.add("Alder", "customer")
    assert pseudo.mask("Alderman wrote from ops@alder.example about Alder") == \
        "Alderman wrote from ops@alder.example about Customer A"


def test_off_mode_sends_as_is_and_strict_masks_money_too():
    off = Pseudonymizer("off")
    off.add("Juniper Labs", "customer")
    assert off.mask("Juniper Labs pays $48,000") == "Juniper Labs pays $48,000"
    strict = Pseudonymizer("strict")
    strict.add("Juniper Labs", "customer")
    assert strict.mask("Juniper Labs pays $48,000") == "Customer A pays $40K–$50K"
    assert strict.money(4_200_000.0, "usd") == "$4M–$5M"
    assert strict.money([1e6, 2.5e6], "usd") == ["$1M–$2M", "$2M–$3M"]
    assert strict.money(0.83, "fraction") == 0.83
    with pytest.raises(ValueError):
        Pseudonymizer("loose")  # type: ignore[arg-type]


def test_mask_data_walks_keys_and_values():
    pseudo = Pseudonymizer()
    pseudo.add("Juniper Labs", "customer")
    data = {"Juniper Labs": [{"name": "Juniper Labs", "arr": 48000}]}
    assert pseudo.mask_data(data) == {"Customer A": [{"name": "Customer A", "arr": 48000}]}
    assert pseudo.unmask_data(pseudo.mask_data(data)) == data


NAMES = column("customers.csv", "Company name")[:40] + ["Seller One", "Seller Two", "Evergreen"]
PSEUDO = Pseudonymizer.build(None, [EXAMPLES / "customers.csv", EXAMPLES / "pipeline.csv"])
PSEUDO.add("Seller One", "person")
PSEUDO.add("Seller Two", "person")
PSEUDO.add("Evergreen", "customer")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(NAMES), st.sampled_from(
    ["renews", "in", "Q4", "at", "$48,000", "and", "the", "(19%)", "deal", "-", "owner:", "churn_analyzer.x"])),
    max_size=25))
def test_unmask_inverts_mask(words):
    text = " ".join(words)
    masked = PSEUDO.mask(text)
    assert not any(n in masked for n in NAMES)
    assert PSEUDO.unmask(masked) == text


def test_negative_money_range_runs_low_to_high():
    from csuite.backends.privacy import money_range

    assert money_range(-4_200_000) == "-$5M–-$4M" and money_range(4_200_000) == "$4M–$5M"
