"""Router: accuracy on the labelled sets, overrides, referrals, consults, and the two CLI commands."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csuite.errors import UsageError
from csuite.routing.evaluate import evaluate_routing, load_routing_cases
from csuite.routing.model import posterior
from csuite.routing.router import REFERRALS, route
from tests.conftest import DATA, ROOT

EVAL = DATA / "routing_eval.jsonl"
HOLDOUT = DATA / "routing_holdout.jsonl"
# Fresh batches of 50, each written before the router change it was then used to tune: their
# untuned first runs were 62% (1), 80% (2), 82% (3) and 64% (4).
FRESH = [DATA / f"routing_fresh_{n}.jsonl" for n in (1, 2, 3, 4)]
CJK = re.compile(r"[\u4e00-\u9fff]")
MENTIONS_REVENUE_OR_CUSTOMERS = re.compile(r"revenue|customer|arr\b|sales|收入|客户|销售|ARR", re.I)


def cases(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- the labelled sets ---------------------------------------------------------------------------

def test_eval_set_shape():
    items = cases(EVAL)
    assert len(items) >= 150
    chinese = [c for c in items if CJK.search(c["question"])]
    assert len(chinese) / len(items) >= 0.30
    out_of_scope = [c for c in items if c["primary"] is None]
    assert {c["referral"] for c in out_of_scope} == set(REFERRALS)
    # Out-of-scope questions that still talk about revenue or customers: the hard cases.
    assert sum(bool(MENTIONS_REVENUE_OR_CUSTOMERS.search(c["question"])) for c in out_of_scope) >= 20
    assert len({c["question"] for c in items}) == len(items)


def test_eval_accuracy_at_least_95_percent():
    report = evaluate_routing(load_routing_cases(EVAL))
    misses = "\n".join(f"{m.expected}->{m.predicted}: {m.question}" for m in report.misses)
    assert report.accuracy >= 0.95, misses


def test_holdout_accuracy_at_least_90_percent():
    """Questions written after the router's keywords were frozen; never tuned on."""
    items = cases(HOLDOUT)
    assert len(items) >= 40
    assert not {c["question"] for c in items} & {c["question"] for c in cases(EVAL)}
    report = evaluate_routing(load_routing_cases(HOLDOUT))
    misses = "\n".join(f"{m.expected}->{m.predicted}: {m.question}" for m in report.misses)
    assert report.accuracy >= 0.90, misses


BLIND = DATA / "routing_blind.jsonl"


def test_blind_set_is_never_trained_on_and_holds():
    """100 questions written by someone who never saw the router, its keywords or any labelled
    set; measured once, untuned: 85% with the keyword router alone, 90% with the learned model
    (the 10 misses are kept as they are). Never tune on this file; the trainer skips it."""
    from csuite.routing.train import labelled_files

    assert BLIND not in labelled_files()
    items = cases(BLIND)
    assert len(items) == 100
    others = [c["question"] for f in [EVAL, HOLDOUT, *FRESH] for c in cases(f)]
    assert not {c["question"] for c in items} & set(others)
    report = evaluate_routing(load_routing_cases(BLIND))
    assert report.accuracy >= 0.88, "\n".join(f"{m.expected}->{m.predicted}: {m.question}" for m in report.misses)


@pytest.mark.parametrize("path", FRESH, ids=lambda p: p.stem)
def test_fresh_batches(path):
    items = cases(path)
    assert len(items) == 50
    assert sum(bool(CJK.search(c["question"])) for c in items) / len(items) >= 0.35
    assert 0.35 <= sum(c["primary"] is None for c in items) / len(items) <= 0.45
    others = [c["question"] for f in [EVAL, HOLDOUT, *FRESH] if f != path for c in cases(f)]
    assert not {c["question"] for c in items} & set(others)
    report = evaluate_routing(load_routing_cases(path))
    misses = "\n".join(f"{m.expected}->{m.predicted}: {m.question}" for m in report.misses)
    assert report.accuracy >= 0.95, misses


def test_knowledge_examples_route_to_their_own_role():
    """Every example question in the role knowledge routes to the role that owns it."""
    from csuite.knowledge.models import all_knowledge

    wrong = []
    for role, knowledge in all_knowledge().items():
        for topic in knowledge.topics:
            for question in topic.examples.en + topic.examples.zh:
                if route(question).primary != role:
                    wrong.append((role, topic.id, question))
    assert len(wrong) <= 3, wrong


# --- behaviour ------------------------------------------------------------------------------------

@pytest.mark.parametrize("question, referral", [
    ("How much runway do we have if revenue stays flat?", "cfo"),
    ("如果收入持平，我们的现金还能撑多久？", "cfo"),
    ("Should we raise our Series B now that customers renew at 120%?", "cfo"),
    ("Which database should we use to store customer invoices?", "cto"),
    ("How much equity should the new Head of Sales get?", "chro"),
    ("Should we rebrand so enterprise customers take us seriously?", "cmo"),
    ("A customer asks for our SOC 2 report before renewal.", "ciso"),
    ("Can a customer terminate the contract early under the indemnification clause?", "legal"),
    ("Customers want a mobile app: should it go on the roadmap?", "cpo"),
    ("What's the weather in Austin?", "other"),
])
def test_out_of_scope_even_when_revenue_or_customers_are_mentioned(question, referral):
    result = route(question)
    assert result.in_scope is False and result.primary is None
    assert result.referral == referral
    assert result.consult == []


@pytest.mark.parametrize("question, referral", [
    ("How do I hire a CTO?", "cto"),
    ("帮我找一个CTO", "cto"),
    ("CTO怎么招？", "cto"),
    # Role words and a revenue keyword decision do not take an explicit ask away ...
    ("Our pipeline coverage is thin and win rates keep falling; should we hire a CTO?", "cto"),
    ("Our sales team keeps growing, so should we hire a CTO or a VP of Engineering first?", "cto"),
    ("客户续约率很高，销售也在增长，我们该不该招一个技术合伙人？", "cto"),
    ("Should we raise a Series B now?", "cfo"),
    # ... nor does the learned model, which on its own puts this one with the CRO (next test).
    ("Do we need a fractional CFO to review our sales comp plan?", "cfo"),
    ("We need a lawyer to review the Acme renewal contract.", "legal"),
    ("Should we recruit a head of marketing before we add more SDRs?", "cmo"),
])
def test_an_explicit_ask_goes_to_its_referral_even_among_role_words(question, referral):
    result = route(question)
    assert (result.primary, result.referral) == (None, referral), result.scores
    assert any(m.kind == "referral" and m.target == referral and m.weight >= 5 for m in result.matched)


def test_the_learned_model_alone_would_have_kept_that_ask_with_the_cro():
    chances = posterior("Do we need a fractional CFO to review our sales comp plan?")
    assert max(chances, key=chances.get) == "cro"


@pytest.mark.parametrize("question, role", [
    ("Are we ready to hire a VP Sales?", "cro"),            # a sales or CS title is no referral's ask
    ("要不要招一个销售副总裁？", "cro"),
    ("Should our next customer success hire be a CSM or CS Ops?", "cco"),
    ("Should we raise prices before the Series B?", "cro"),  # "raise" + prices is not "raise a round"
])
def test_in_scope_hires_and_raises_stay_in_scope(question, role):
    assert route(question).primary == role


def test_an_ask_stated_as_a_purpose_or_overridden_by_role_is_not_referred():
    assert route("Should we push to close more Q4 deals so we can hire a CTO next year?").primary == "cro"
    assert route("这个季度怎么提高赢单率，为了明年能招一个CTO？").primary == "cro"
    assert route("@cro How do I hire a CTO?").primary == "cro"
    assert route("How do I hire a CTO?", role_override="cco").primary == "cco"


def test_longer_in_scope_phrase_beats_the_referral_word_inside_it():
    # "burn" alone is the CFO's; "burn multiple" is a sales-efficiency metric.
    assert route("Is our burn multiple good for a Series A company?").primary == "cro"
    assert route("我们的烧钱倍数算好吗？").primary == "cro"
    # "customer success" is not also the bare hint "customer".
    hits = [m.text for m in route("How big should the customer success team be?").matched if m.kind == "hint"]
    assert "customer" not in hits


def test_english_keywords_match_word_prefixes_but_short_ones_do_not():
    result = route("How are we forecasting the quarter?")
    assert any(m.text == "forecast" for m in result.matched)
    assert result.primary == "cro" and result.topic == "pipeline_forecasting"
    # "arr" must not match inside "arrive" or "arrange".
    assert not any(m.text.lower() == "arr" for m in route("When will the new laptops arrive?").matched)


def test_chinese_keywords_match_as_substrings():
    result = route("第四季度能不能完成？管道覆盖率不到3倍")
    assert result.primary == "cro"
    assert {"管道", "覆盖率"} <= {m.text for m in result.matched}


def test_question_without_keywords_routes_by_example_similarity():
    result = route("Prospects love the demo and then disappear.")
    assert result.primary == "cro"
    assert any(m.kind == "example" for m in result.matched)


def test_two_role_questions_name_the_consulted_role():
    result = route("How much will churn take out of next year's ARR plan?")
    assert result.primary == "cro" and result.consult == ["cco"]
    result = route("Should CSMs carry an expansion quota?")
    assert result.primary == "cco" and result.consult == ["cro"]
    result = route("How should sales and customer success split renewals?")
    assert set([result.primary, *result.consult]) == {"cro", "cco"}


@pytest.mark.parametrize("question, role", [
    ("@cco Will we make the Q4 number?", "cco"),
    ("@CRO 客户为什么流失？", "cro"),
])
def test_at_mention_overrides(question, role):
    result = route(question)
    assert result.primary == role and result.override == role and result.in_scope
    assert result.matched[0].kind == "override"


def test_role_override_argument_wins_even_out_of_scope():
    result = route("How much runway do we have?", role_override="cco")
    assert result.primary == "cco" and result.referral is None and result.in_scope
    with pytest.raises(UsageError):
        route("Anything", role_override="cfo")


def test_empty_question_is_a_usage_error():
    with pytest.raises(UsageError):
        route("   ")


def test_route_is_deterministic_and_scores_every_target():
    first = route("Should our next CS hire be a CSM or CS Ops?")
    second = route("Should our next CS hire be a CSM or CS Ops?")
    assert first == second
    assert set(first.scores) == {"cro", "cco", *REFERRALS}
    assert first.primary == "cco" and first.topic == "cs_org_next_hire"
    assert 0.0 <= first.margin <= 1.0


def test_role_topics_rank_each_roles_topics_from_the_route_scores():
    result = route("Should CSMs carry an expansion quota?")
    assert set(result.role_topics) == {"cro", "cco"}
    assert result.role_topics["cco"][0] == result.topic == "renewals_expansion_handoff"
    assert result.role_topics["cro"]          # the consulted role gets its own ranking
    assert route("What's the weather in Austin?").role_topics == {"cro": [], "cco": []}


def test_planner_takes_its_topics_from_the_route():
    import csuite.evidence.plan as planning
    from csuite.knowledge.models import load_knowledge

    assert not hasattr(planning, "topic_scores")   # one topic scorer: the router's
    question = "Our three CSMs are drowning. What coverage model fits our size?"
    cco = load_knowledge("cco")
    assert planning.plan(question, cco, []).topics[0] == route(question).role_topics["cco"][0] == "cs_coverage"
    assert planning.plan(question, cco, [], topics=["health_scoring", "nope"]).topics == ["health_scoring"]
    assert planning.plan(question, cco, [], topics=[]).topics == [planning.DEFAULT_TOPIC["cco"]]


def test_purpose_clause_and_team_names_do_not_outweigh_the_ask():
    # The customer success team is who it is about; going remote is what it asks.
    assert route("Our customer success team wants to go fully remote. Should we allow it?").referral == "chro"
    assert route("Should we rebuild the integration layer so onboarding new customers is faster?").referral == "cto"
    # The customer's CFO is the buyer, not the founder's finance question.
    assert route("怎么跟客户的CFO建立关系？").primary == "cco"
    # Without an out-of-scope ask, team names still route to the role.
    assert route("Our customer success team is drowning. What coverage model fits?").primary == "cco"


def test_the_customers_own_function_counts_as_a_soft_cue():
    # 2.25 = referral_strong 1.5 × the two-word phrase weight 1.5; the customer's team: × 0.6 / 1.5 = 0.9
    ours = {m.text: m.weight for m in route("Our engineering team wants SSO before renewal").matched}
    theirs = {m.text: m.weight for m in route("Their engineering team wants SSO before renewal").matched}
    assert ours["engineering team"] == 2.25 and theirs["engineering team"] == 0.9


def test_exact_term_beats_a_prefix_match_on_the_same_word():
    hits = {(m.target, m.text) for m in route("Our sales team is showing burnout. What do we do?").matched}
    assert ("chro", "burnout") in hits and ("cfo", "burn") not in hits


def test_router_imports_neither_numpy_nor_anthropic():
    code = ("import sys; from csuite.cli import main; main(['route', 'Will we make Q4?']); "
            "print(sorted(m for m in ('numpy', 'anthropic', 'jinja2', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


# --- CLI -----------------------------------------------------------------------------------------

def test_cli_route_json(run_cli):
    res = run_cli("route", "How much runway do we have if revenue stays flat?", "--json")
    assert res.code == 0
    data = json.loads(res.out)
    assert {"primary", "consult", "in_scope", "referral", "scores", "matched"} <= set(data)
    assert data["primary"] is None and data["referral"] == "cfo" and data["in_scope"] is False


def test_cli_route_text_and_role_flag(run_cli):
    res = run_cli("route", "Will we make the Q4 number?", "--role", "cco")
    assert res.code == 0
    assert res.out.startswith("primary: CCO") and "(forced)" in res.out
    res = run_cli("route", "明年要招几个销售？")
    assert res.code == 0 and res.out.startswith("primary: CRO")


def test_cli_route_refers_an_explicit_ask_instead_of_answering_as_a_role(run_cli):
    res = run_cli("route", "How do I hire a CTO?", "--json")
    data = json.loads(res.out)
    assert res.code == 0 and data["primary"] is None and data["referral"] == "cto" and not data["in_scope"]
    res = run_cli("route", "How do I hire a CTO?")
    assert res.code == 0 and res.out.startswith("out of scope: refer to CTO") and "CRO" not in res.out.splitlines()[0]


def test_cli_route_errors(run_cli):
    res = run_cli("route", "  ")
    assert res.code == 2 and "Traceback" not in res.err and res.err.count("\n") == 1
    res = run_cli("route", "x", "--role", "cfo")
    assert res.code == 2


def test_cli_eval_routing_text_and_json(run_cli):
    res = run_cli("eval", "routing", str(EVAL))
    assert res.code == 0
    assert res.out.startswith("accuracy: ") and "confusion" in res.out
    res = run_cli("eval", "routing", str(EVAL), "--json")
    data = json.loads(res.out)
    assert data["total"] == len(cases(EVAL)) and 0.95 <= data["accuracy"] <= 1.0
    assert sum(sum(row.values()) for row in data["confusion"].values()) == data["total"]
    assert {"misses", "by_label", "labels"} <= set(data)


def test_cli_eval_reports_misses(tmp_path, run_cli):
    path = tmp_path / "tiny.jsonl"
    path.write_text(
        '{"question": "Will we make the Q4 number?", "primary": "cro", "referral": null}\n'
        '{"question": "What is the weather tomorrow?", "primary": "cco", "referral": null}\n',
        encoding="utf-8")
    res = run_cli("eval", "routing", str(path))
    assert res.code == 0
    assert "accuracy: 50.0% (1/2)" in res.out
    assert "line 2: expected cco, got other" in res.out


@pytest.mark.parametrize("line, message", [
    ('{"question": "x", "primary": "cro"', "row 2: invalid JSON"),
    ('{"question": "", "primary": "cro", "referral": null}', "row 2, field 'question'"),
    ('{"question": "x", "primary": "ceo", "referral": null}', "row 2, field 'primary'"),
    ('{"question": "x", "primary": null, "referral": null}', "row 2: give exactly one"),
    ('["x"]', "row 2: expected a JSON object"),
])
def test_cli_eval_bad_line_exits_2_naming_the_line(tmp_path, run_cli, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "Will we make Q4?", "primary": "cro", "referral": null}\n' + line + "\n",
                    encoding="utf-8")
    res = run_cli("eval", "routing", str(path))
    assert res.code == 2
    assert message in res.err and "Traceback" not in res.err
    assert res.err.count("\n") == 1


def test_cli_eval_missing_file(run_cli, tmp_path):
    res = run_cli("eval", "routing", str(tmp_path / "nope.jsonl"))
    assert res.code == 2 and "file not found" in res.err


def test_csuite_route_subprocess():
    out = subprocess.run([sys.executable, "-m", "csuite", "route", "谁应该负责续约？", "--json"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["primary"] == "cco"


# --- explicit asks: compiled only when an object word is present ----------------------------

def _ask_words() -> tuple[list[str], list[str], list[str]]:
    from csuite.resources import load_data_yaml

    asks = load_data_yaml("routing.yaml")["asks"]
    verbs = [str(w) for lang in ("en", "zh") for w in asks["verbs"][lang]]
    fillers = [str(w) for lang in ("en", "zh") for w in asks["fillers"][lang]]
    objects = [str(w) for spec in asks["objects"].values() for lang in ("en", "zh") for w in spec.get(lang) or []]
    return verbs, fillers, objects


_VERBS, _FILLERS, _OBJECTS = _ask_words()


@given(verb=st.sampled_from(_VERBS), fillers=st.lists(st.sampled_from(_FILLERS), max_size=3),
       obj=st.sampled_from(_OBJECTS), before=st.sampled_from(["", "how do i ", "我们", "should we "]),
       after=st.sampled_from(["", "?", " before the renewal", "吗", "-ish", "s"]),
       order=st.booleans(), spacer=st.sampled_from([" ", "", "-", "  "]))
@settings(max_examples=400, deadline=None)
def test_ask_prefilter_never_hides_a_match(verb, fillers, obj, before, after, order, spacer):
    """The needle check in front of each ask pattern only skips texts the pattern cannot match."""
    from csuite.routing.index import build_index
    from csuite.routing.text import normalise

    words = [verb, *fillers, obj] if order else [obj, *fillers, verb]
    text = normalise(before + spacer.join(words) + after)
    for ask in build_index().asks:
        full = [m.span() for m in re.compile(ask.source).finditer(text)]
        assert [m.span() for m in ask.finditer(text)] == full, (ask.referral, text)


def test_ask_prefilter_skips_questions_without_an_object_word():
    from csuite.routing.index import build_index

    cfo = next(ask for ask in build_index().asks if ask.referral == "cfo")
    assert list(cfo.finditer("will we make the quarter?")) == []
    assert [m.group() for m in cfo.finditer("how do i hire a cfo?")] == ["hire a cfo"]
