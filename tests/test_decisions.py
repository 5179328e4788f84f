"""The decision catalogue (skills/*/decisions.yaml): complete, bilingual, runnable, in agreement
with the role skills, and able to recognise its own example questions and a held-out set.

The held-out set (tests/data/understand_holdout.jsonl) was written before the catalogue and the
classifier and is never used to tune them; its first run scored 24/30.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from csuite.errors import InputError
from csuite.knowledge.sources import ROLE_FOLDERS
from csuite.tools.registry import TOOLS
from csuite.understand import catalogue as catalogue_module
from csuite.understand import load_catalogue, understand
from csuite.understand.classify import score_decisions
from csuite.understand.lexicon import lexicon

ROOT = Path(__file__).resolve().parent.parent
HOLDOUT = Path(__file__).parent / "data" / "understand_holdout.jsonl"
CJK = re.compile(r"[\u4e00-\u9fff]")
# funnel_analyzer (win/loss, lead sources, hand-offs) is being built on another branch; the
# catalogue already names it for the four decisions it settles.
PENDING_TOOLS = {"funnel_analyzer"}
# hit_the_number reads it too: the quarter's win rate against the trailing rate (the expected-rate
# check) and the risk signal of the deal the quarter rides on; pipeline_needed for the founder's own
# win rate and sales cycle from closed deals.
FUNNEL_DECISIONS = {"win_loss", "channel_budget", "top_deals", "handoff_sla", "hit_the_number", "pipeline_needed"}
REQUIRED = {
    "cro": {"hit_the_number", "pipeline_needed", "hire_reps", "comp_plan", "pricing_change", "discounting",
            "sales_leader", "forecast_accuracy", "win_loss", "channel_budget", "top_deals", "handoff_sla",
            "market_move", "board_reporting", "unit_economics"},
    "cco": {"churn_diagnosis", "nrr_bridge", "cs_sizing", "cs_leader", "segment_kill", "onboarding",
            "health_score", "save_account", "expansion_motion", "renewal_forecast"},
}
# Hiring, comp, pricing and discounting, killing a plan or segment, a market move, board numbers.
HIGH_STAKES = {"hire_reps", "comp_plan", "pricing_change", "discounting", "sales_leader", "market_move",
               "board_reporting", "cs_sizing", "cs_leader", "segment_kill"}
AS_OF = date(2026, 10, 1)
CATALOGUE = load_catalogue()


def bilingual_texts(entry):
    yield "title", entry.title
    yield "question", entry.question
    yield "settles", entry.settles
    for i, option in enumerate(entry.options):
        yield f"options[{i}].option", option.option
        yield f"options[{i}].tradeoff", option.tradeoff


def test_every_required_decision_is_in_its_role_file():
    for role, ids in REQUIRED.items():
        assert {d.id for d in CATALOGUE.for_role(role)} == ids
    assert len(CATALOGUE.ids) == len(set(CATALOGUE.ids)) == 25


@pytest.mark.parametrize("entry", CATALOGUE.decisions, ids=lambda e: e.id)
def test_entry_is_complete_in_both_languages(entry):
    for name, text in bilingual_texts(entry):
        assert text.en.strip() and text.zh.strip(), name
        assert not CJK.search(text.en), f"{name}: Chinese in the English text"
        assert CJK.search(text.zh), f"{name}: the Chinese text has no Chinese"
    assert len(entry.examples.en) >= 4 and len(entry.examples.zh) >= 3
    assert not any(CJK.search(q) for q in entry.examples.en)
    assert all(CJK.search(q) for q in entry.examples.zh)
    assert entry.cues.en and entry.cues.zh
    assert 2 <= len(entry.options) <= 3
    assert entry.needs and entry.tools


@pytest.mark.parametrize("entry", CATALOGUE.decisions, ids=lambda e: e.id)
def test_tools_exist_and_stakes_follow_the_rule(entry):
    for tool in entry.tools:
        assert tool in TOOLS or tool in PENDING_TOOLS, tool
    assert ("funnel_analyzer" in entry.tools) == (entry.id in FUNNEL_DECISIONS)
    assert (entry.stakes == "high") == (entry.id in HIGH_STAKES)
    assert set(entry.params) <= set(entry.tools)


def test_no_sentence_is_shared_between_entries():
    """The options and their trade-offs are this decision's, never a stock sentence."""
    seen: dict[str, str] = {}
    for entry in CATALOGUE.decisions:
        for name, text in bilingual_texts(entry):
            for lang in ("en", "zh"):
                value = text.get(lang)
                assert value not in seen or seen[value] == entry.id, f"{entry.id}.{name} repeats {seen[value]}"
                seen[value] = entry.id


def test_examples_are_not_repeated_across_entries():
    examples = [q for entry in CATALOGUE.decisions for q in entry.example_questions()]
    assert len(examples) == len(set(examples))


def test_signals_point_at_catalogue_decisions():
    signals = lexicon().signals
    for decision in [*signals.counts.values(), signals.account, signals.target]:
        assert decision in CATALOGUE.ids


def _decided(question):
    return understand(question, as_of=AS_OF).decision


def test_every_example_classifies_to_its_own_entry():
    """In-sample share (the brief's measure) and leave-one-out share (each example removed from
    the similarity index before it is classified). The cues were tuned on these examples, so the
    held-out set below is the honest measure."""
    examples = [(entry.id, q) for entry in CATALOGUE.decisions for q in entry.example_questions()]
    in_sample = sum(_decided(q) == d for d, q in examples) / len(examples)
    left_out = 0
    for decision, question in examples:
        got = understand(question, as_of=AS_OF)
        scores = score_decisions(question, count_nouns=tuple(c.of for c in got.counts),
                                 named_account=bool(got.accounts), has_target=got.target is not None,
                                 leave_out=question)
        left_out += scores.best() == decision
    assert in_sample >= 0.90, in_sample
    assert left_out / len(examples) >= 0.85, left_out / len(examples)


def test_held_out_questions_classify_at_least_80_percent():
    rows = [json.loads(line) for line in HOLDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == 30 and sum(bool(CJK.search(r["question"])) for r in rows) == 12
    examples = {q for entry in CATALOGUE.decisions for q in entry.example_questions()}
    assert not examples & {r["question"] for r in rows}, "a held-out question was copied into the catalogue"
    names = ["Castellan Freight Group"]
    hits = sum(understand(r["question"], as_of=AS_OF, names=names).decision == r["decision"] for r in rows)
    assert hits / len(rows) >= 0.80, f"{hits}/{len(rows)}"


def test_out_of_scope_and_empty_questions_get_no_decision():
    for question in ["How do I hire a CTO?", "Should we raise a Series B now?", "帮我找一个CTO",
                     "Translate this into French.", "明年的预算应该怎么做？", ""]:
        assert _decided(question) is None, question


@pytest.mark.parametrize("folder", ROLE_FOLDERS.values())
def test_role_skill_lists_every_decision_with_its_question_and_file(folder):
    """SKILL.md states each decision's id, question and settling file as decisions.yaml does."""
    text = (ROOT / "skills" / folder / "SKILL.md").read_text(encoding="utf-8")
    section = text[text.index("## Decisions founders bring"):]
    section = section[:section.index("\n## ", 1)]
    rows = {m.group(1): (m.group(2).strip(), m.group(3).strip())
            for m in re.finditer(r"^\| `([a-z_]+)` \| (.+?) \| (.+?) \|$", section, re.M)}
    role = next(r for r, f in ROLE_FOLDERS.items() if f == folder)
    entries = CATALOGUE.for_role(role)
    assert set(rows) == {e.id for e in entries}
    for entry in entries:
        question, settles = rows[entry.id]
        assert question == entry.question.en
        assert settles.lower() == entry.settles.en.lower()


@pytest.mark.parametrize("content, message", [
    ("role: cro\ndecisions:\n  - id: x\n    role: cro\n", "decisions.0"),
    ("role: cro\ndecisions: [unclosed\n", "invalid YAML"),
    ("role: cco\ndecisions: []\n", "decisions"),
])
def test_a_broken_catalogue_is_one_error_naming_the_file(tmp_path, monkeypatch, content, message):
    bad = tmp_path / "decisions.yaml"
    bad.write_text(content, encoding="utf-8")
    real = catalogue_module.decisions_path
    monkeypatch.setattr(catalogue_module, "decisions_path", lambda role: bad if role == "cro" else real(role))
    load_catalogue.cache_clear()
    try:
        with pytest.raises(InputError) as caught:
            load_catalogue()
    finally:
        load_catalogue.cache_clear()
    assert str(bad) in str(caught.value) and message in str(caught.value)
    assert "\n" not in str(caught.value)
