"""Self-verify: numbers traced to cited evidence decide the tags; failures are exact."""

from datetime import date

import pytest

from csuite.answer import Action, Answer, Decision, Evidence, Finding
from csuite.checks.verify import verify, with_confidence_note
from csuite.knowledge.phrases import phrase

LOW_CONFIDENCE_NOTE = phrase("notes.low_confidence", "en")
from csuite.context.parse import parse_context
from csuite.io.numbers import find_mentions, format_money, matches

EV = [
    Evidence(id="ctx.nrr", label="NRR", value=1.04, unit="fraction", source="ctx", kind="founder_data"),
    Evidence(id="ctx.grr", label="GRR", value=0.8333, unit="fraction", source="ctx", kind="founder_data"),
    Evidence(id="ctx.arr", label="ARR", value=4_234_000, unit="usd", source="ctx", kind="founder_data"),
    Evidence(id="bench.grr", label="GRR median", value=0.92, unit="fraction", source="SaaS Capital", kind="benchmark"),
    Evidence(id="tool.p50", label="P50", value=1_180_000, unit="usd", source="forecast", kind="founder_data"),
    Evidence(id="guess", label="churn cut", value=0.4, unit="fraction", source="assumption", kind="assumption"),
]
CTX = parse_context("- **NRR:** 104%\n- **GRR:** 83%\n- **ARR:** $4.2M\n- **Last updated:** 2026-11-01\n",
                    as_of=date(2026, 11, 23), path="company-context.md")


def answer(*findings, **kw):
    return Answer(question="q", role="cco", bottom_line="Fix churn first.", findings=list(findings), **kw)


def f(text, *sources, tag="verified"):
    return Finding(text=text, so_what="so the bucket leaks faster than it fills", sources=list(sources), tag=tag)


@pytest.mark.parametrize("written", ["$4.2M", "4.2m", "$4,234,000", "423.4万", "4.23M"])
def test_money_forms_ground(written):
    out = verify(answer(f(f"ARR is {written}", "ctx.arr")), EV, ctx=CTX)
    assert out.findings[0].tag == "verified", out.verification


@pytest.mark.parametrize("written", ["83%", "83.3%", "0.83"])
def test_percent_forms_ground(written):
    assert verify(answer(f(f"GRR is {written}", "ctx.grr")), EV).findings[0].tag == "verified"


def test_rounding_has_limits():
    m = find_mentions("$4.5M")[0]
    assert not matches(m, [4_234_000])
    assert matches(find_mentions("$4.2M")[0], [4_234_000])


def test_benchmark_number_makes_it_medium():
    out = verify(answer(f("GRR 83% trails the 92% median for your ACV band", "ctx.grr", "bench.grr")), EV)
    assert out.findings[0].tag == "medium"
    assert out.verification.downgrades[0].claimed == "verified"


def test_planted_number_is_downgraded_and_recorded():
    out = verify(answer(f("NRR is 104% and churn will fall 35% next year", "ctx.nrr")), EV, ctx=CTX)
    finding = out.findings[0]
    assert finding.tag == "assumed" and "35%" in finding.assumption
    assert out.verification.ungrounded == ["finding 1: 35%"] and not out.verification.passed
    assert out.verification.downgrades[0].reason.startswith("numbers not in cited evidence")


def test_number_must_be_in_cited_evidence_not_just_anywhere():
    out = verify(answer(f("ARR is $4.2M", "ctx.nrr")), EV)
    assert out.findings[0].tag == "assumed"


def test_unknown_source_ids_are_reported_and_dropped():
    out = verify(answer(f("NRR is 104%", "ctx.nrr", "made.up")), EV)
    assert "unknown evidence 'made.up'" in out.verification.ungrounded[0]
    assert out.findings[0].sources == ["ctx.nrr"]


def test_assumption_evidence_is_red():
    assert verify(answer(f("A save desk could cut churn 40%", "guess")), EV).findings[0].tag == "assumed"


def test_no_numbers_no_sources_is_assumed_with_stated_assumption():
    out = verify(answer(f("Customers love the product")), EV)
    assert out.findings[0].tag == "assumed" and out.findings[0].assumption


def test_contradiction_with_context():
    out = verify(answer(f("NRR is 110%, comfortably healthy", "tool.p50")), EV, ctx=CTX)
    assert out.verification.contradictions and "104" not in out.verification.contradictions[0].split("says")[0]
    assert out.findings[0].tag == "assumed"


def test_so_what_and_format_checks():
    bare = Finding(text="NRR is 104%", so_what="", sources=["ctx.nrr"])
    actions = [Action(action=f"a{i}", owner="CEO", deadline="2026-12-01") for i in range(6)]
    actions[0] = Action(action="x", owner="", deadline="soon")
    out = verify(answer(bare, actions=actions), EV)
    issues = " | ".join(out.verification.format_issues)
    assert out.verification.so_what_missing == [0]
    assert "actions has 6 bullets" in issues and "no owner" in issues and "'soon'" in issues
    assert len(out.actions) == 5


def test_rejected_recommendations_never_resurface():
    acts = [Action(id="cco.retention.1", action="Hire a churn analyst", owner="CEO", deadline="2026-12-01"),
            Action(id="cco.retention.2", action="Call the top 10 accounts", owner="CCO", deadline="2026-12-01")]
    decision = Decision(question="q", recommendation="Hire a churn analyst")
    out = verify(answer(f("NRR is 104%", "ctx.nrr"), actions=acts, decision=decision), EV,
                 rejected=["cco.retention.1", "hire a churn analyst"])
    assert [a.id for a in out.actions] == ["cco.retention.2"]
    assert "rejection" in out.decision.recommendation


def test_low_confidence_when_most_findings_are_assumed():
    out = verify(answer(f("A", tag="assumed"), f("B"), f("NRR is 104%", "ctx.nrr")), EV, ctx=CTX)
    assert out.confidence == "low" and out.verification.assumed_share == pytest.approx(2 / 3)
    assert LOW_CONFIDENCE_NOTE in with_confidence_note(out).bottom_line


def test_high_confidence_when_verified():
    out = verify(answer(f("NRR is 104%", "ctx.nrr"), f("GRR is 83%", "ctx.grr")), EV, ctx=CTX)
    assert out.confidence == "high" and out.verification.passed


def test_dates_years_and_quarters_are_not_claims():
    assert find_mentions("In 2026-Q4 (Q1 2027 too), on 2026-11-23, in 2026, the top-3 drivers") == []


def test_format_money():
    assert [format_money(v) for v in (4_200_000, 4_234_000, 600_000, 5_000)] == ["$4.2M", "$4.23M", "$600K", "$5,000"]


def test_word_scales_ground_like_letters():
    assert matches(find_mentions("ARR is 2.4 million")[0], [2_400_000])
    assert matches(find_mentions("a $1.2 billion market")[0], [1_200_000_000])


def test_money_formats_round_before_choosing_the_unit():
    from csuite.io.numbers import pct, usd

    assert format_money(999_999) == "$1M" and format_money(12_500_000) == "$12.5M"
    assert usd(-1200) == "-$1,200" and usd(-0.3) == "$0" and usd(None) == "n/a" and pct(0.962) == "96.2%"


def test_every_contradicted_metric_is_reported_in_readable_form():
    evidence = EV + [Evidence(id="ctx.grr", label="GRR", value=0.83, unit="fraction", source="ctx", kind="founder_data")]
    out = verify(answer(f("NRR is 80% and GRR is 70%", "tool.p50")), evidence, ctx=CTX)
    issues = out.verification.contradictions
    assert len(issues) == 2  # one for NRR (context 104%), one for GRR (context 83%)
    assert issues[0].endswith("is 104%") and "GRR 70%" in issues[1]


@pytest.mark.parametrize("text", ["Opportunities 0065g00001Fn0212 and 0065g00001Fn0185 are stale",
                                  "ticket 4521a_b", "record 12ab"])
def test_record_ids_are_not_numbers_to_ground(text):
    # A CRM record id starts with digits; it names a row, it claims no figure.
    assert find_mentions(text) == []


def test_numbers_before_units_and_chinese_are_still_numbers():
    assert [m.text for m in find_mentions("3x coverage, 22个月, 5 个 AE, $2.4M")] == ["3x", "22个月", "5", "$2.4M"]


def test_a_metric_qualified_by_without_is_another_measure():
    """"NRR without that account is 88.3%" (a tool's concentration note) is not the company's
    NRR: no contradiction with a context that says 93%. An unqualified 88.3% is one."""
    from types import SimpleNamespace

    from csuite.checks.verify import contradictions

    ctx = SimpleNamespace(found=True, metrics=SimpleNamespace(nrr=0.93), path="company-context.md",
                          metric_labels={"nrr": "NRR"})
    qualified = "Granite Peak is 51.1% of the cohort's expansion; NRR without it is 88.3%"
    assert contradictions(qualified, "risk 1", ctx, {}) == []
    assert contradictions("NRR is 88.3% this year", "risk 1", ctx, {})
    assert contradictions("NRR is less than 88.3% now", "risk 1", ctx, {})   # "less" qualifies nothing


def test_uncited_text_is_checked_against_evidence_in_the_metrics_unit_only():
    """Text citing nothing (a risk, the bottom line) may state any evidence value in the metric's
    unit: a tool's 88.3% NRR is a second measurement, not a contradiction; a count of 88.3 or an
    assumption of 88.3% is not evidence for it."""
    from types import SimpleNamespace

    from csuite.checks.verify import contradictions

    ctx = SimpleNamespace(found=True, metrics=SimpleNamespace(nrr=0.93), path="company-context.md",
                          metric_labels={"nrr": "NRR"})

    def item(ident: str, value: float, unit: str, kind: str = "founder_data") -> Evidence:
        return Evidence(id=ident, label=ident, value=value, unit=unit, source="tool", kind=kind)

    measured = {"t.nrr": item("t.nrr", 0.883, "fraction")}
    other = {"t.n": item("t.n", 88.3, "count"), "t.a": item("t.a", 0.883, "fraction", "assumption")}
    assert contradictions("NRR is 88.3% this year", "risk 1", ctx, measured) == []
    assert contradictions("NRR is 88.3% this year", "risk 1", ctx, other)
    # a finding is held to what it cites, not to the rest of the evidence
    assert contradictions("NRR is 88.3% this year", "finding 1", ctx, measured, cited=[])
    assert contradictions("NRR is 88.3% this year", "finding 1", ctx, measured, cited=["t.nrr"]) == []
