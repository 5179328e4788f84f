"""Every decision in the catalogue has an analysis, and every verdict an analysis can reach
renders in both languages with the figures it owes: with no data at all, with the context alone,
and with the bundled example files."""

from __future__ import annotations

from datetime import date

import pytest

from csuite.analysis.brief import ANALYSES
from csuite.analysis.common import date_label
from csuite.io.numbers import find_mentions, matches, numeric_values
from csuite.runner import Advisor
from csuite.understand.catalogue import load_catalogue
from tests.conftest import EXAMPLES

DAY = date(2026, 11, 23)
CONTEXT = EXAMPLES / "company-context.md"
# The example files that settle each data kind (what a founder would send for the decision).
FILES = {
    "pipeline": ["pipeline.csv"], "opportunities": ["salesforce_funnel.csv"],
    "snapshots": ["revenue_snapshots.csv", "accounts.csv"], "cohorts": ["retention_cohorts.csv"],
    "customers": ["customers.csv"], "book": ["cs_book.csv"], "capacity": ["sales_capacity.yaml"],
    "metrics": ["revenue_metrics.yaml"],
}
ENTRIES = {e.id: e for e in load_catalogue().decisions}


def test_every_catalogue_decision_has_an_analysis():
    assert set(ENTRIES) <= set(ANALYSES), sorted(set(ENTRIES) - set(ANALYSES))


def _files(entry) -> list:
    names = dict.fromkeys(f for kind in entry.needs for f in FILES[kind])
    if "cs_next_hire" in entry.tools:
        names["cs_team.yaml"] = None
    return [EXAMPLES / name for name in names]


def _question(entry, lang: str) -> str:
    return entry.examples.zh[0] if lang == "zh" else entry.examples.en[0]


@pytest.mark.parametrize("setting, lang", [("nothing", "en"), ("context", "zh"), ("files", "en"), ("files", "zh")])
@pytest.mark.parametrize("decision", sorted(ENTRIES))
def test_each_decision_renders_its_verdict_with_the_figures_it_owes(tmp_path, decision, setting, lang):
    entry = ENTRIES[decision]
    advisor = Advisor(context=None if setting == "nothing" else CONTEXT, as_of=DAY, cwd=tmp_path, home=tmp_path)
    answer = advisor.ask(_question(entry, lang), data=_files(entry) if setting == "files" else [], lang=lang)
    if answer.decision_id != decision:
        pytest.skip(f"the example question classifies as {answer.decision_id}; the brief is tested with its own")
    assert answer.verdict is not None and answer.language == lang
    assert answer.verification.passed, answer.verification.failures()
    assert not answer.verification.verdict_issues and not answer.verification.removed
    # Every figure the bottom line cites is stated in it, as the founder reads it.
    pool = {e.id: e for e in answer.evidence}
    stated = find_mentions(answer.bottom_line)
    for evidence_id in answer.bottom_line_sources:
        values = numeric_values(pool[evidence_id].value) if evidence_id in pool else []
        assert not values or any(matches(m, values) for m in stated), (evidence_id, answer.bottom_line)


@pytest.mark.parametrize("day, lang, label", [
    (date(2025, 1, 1), "en", "January 2025"), (date(2025, 1, 1), "zh", "2025年1月"),
    (date(2025, 1, 15), "en", "2025-01-15"), (date(2025, 1, 15), "zh", "2025年1月15日"),
])
def test_a_month_the_founder_wrote_is_not_printed_as_a_day(day, lang, label):
    assert date_label(day, lang) == label
