"""The router's learned component: the shipped weights load, are up to date and deterministic,
and the model generalises to a labelled file it was not trained on."""

from __future__ import annotations

import json

from csuite.resources import data_path
from csuite.routing import train as rt
from csuite.routing.model import (
    LABELS,
    MODEL_FILE,
    LinearModel,
    arbitrate,
    posterior,
    shipped_model,
)
from csuite.routing.router import route


def test_weights_file_loads_with_the_ten_labels():
    model = shipped_model()
    assert model.labels == LABELS
    assert len(model.bias) == len(LABELS)
    assert len(model.weights) > 1000
    assert all(len(row) == len(LABELS) for row in model.weights.values())
    data = json.loads(data_path(MODEL_FILE).read_text(encoding="utf-8"))
    assert data["meta"]["questions"] >= 1000


def test_shipped_weights_are_the_json_floats_kept_in_one_array(tmp_path):
    """The shipped rows (one flat array, WeightRows) read back as the JSON's floats, survive the
    disk cache, and give the posteriors a model of plain tuples gives, to the last bit."""
    import pickle

    from csuite.resources import cached_build
    from csuite.routing.model import WeightRows, _read_shipped_model

    data = json.loads(data_path(MODEL_FILE).read_text(encoding="utf-8"))
    plain = LinearModel(LABELS, tuple(float(b) for b in data["bias"]),
                        {f: tuple(float(v) for v in row) for f, row in data["weights"].items()})
    model = shipped_model()
    assert isinstance(model.weights, WeightRows)
    assert list(model.weights) == list(plain.weights) and dict(model.weights.items()) == plain.weights
    assert model == plain and model.weights.get("no such feature") is None and "no such feature" not in model.weights
    kept = cached_build("model", [data_path(MODEL_FILE)], _read_shipped_model, folder=tmp_path)
    again = cached_build("model", [data_path(MODEL_FILE)], lambda: None, folder=tmp_path)  # read from disk
    assert kept == again == pickle.loads(pickle.dumps(model)) == plain
    for question in ("How much runway do we have if revenue stays flat?", "Should we hire 4 AEs?",
                     "我们这个季度能完成目标吗？", "Why are we losing deals to a cheaper competitor?"):
        assert posterior(question, again) == posterior(question, plain)
    assert plain.to_json() == model.to_json()


def test_posterior_is_a_distribution_and_deterministic():
    first = posterior("How much runway do we have if revenue stays flat?")
    assert set(first) == set(LABELS)
    assert abs(sum(first.values()) - 1.0) < 1e-9
    assert first == posterior("How much runway do we have if revenue stays flat?")
    assert max(first, key=first.get) == "cfo"


def test_training_is_deterministic_and_the_committed_weights_are_current():
    # Same data, same bytes: the committed file is what `python -m csuite.routing.train` writes.
    assert rt.build() == data_path(MODEL_FILE).read_text(encoding="utf-8")


def test_training_twice_gives_the_same_model():
    examples = rt.yaml_examples()
    assert rt.train(examples).to_json() == rt.train(examples).to_json()


def test_arbitration_keeps_confident_keyword_decisions():
    post = dict.fromkeys(LABELS, 0.0) | {"cfo": 0.9, "cro": 0.1}
    assert arbitrate("cro", 0.9, post, min_posterior=0.8, max_margin=0.7) == "cro"   # router sure
    assert arbitrate("cro", 0.2, post, min_posterior=0.8, max_margin=0.7) == "cfo"   # router unsure
    assert arbitrate("cro", 0.2, post, min_posterior=0.95, max_margin=0.7) == "cro"  # model unsure


def test_keywords_only_route_and_overrides_ignore_the_model():
    question = "How much runway do we have?"
    assert route(question, model=False).referral == "cfo"
    assert route(question, role_override="cco").primary == "cco"
    assert not any(m.kind == "learned" for m in route(question, role_override="cco").matched)
    assert any(m.kind == "learned" for m in route(question).matched)


def test_a_model_passed_in_is_used():
    # A model that only ever says "other" overrules a weak keyword route, never a clear one.
    bias = tuple(10.0 if label == "other" else 0.0 for label in LABELS)
    always_other = LinearModel(LABELS, bias, {})
    weak = "How much will churn take out of next year's ARR plan?"   # CRO, keyword margin 0.45
    assert route(weak, model=False).primary == "cro"
    assert route(weak, model=always_other).referral == "other"
    sure = "Prospects love the demo and then disappear."              # CRO, keyword margin 1.0
    assert route(sure, model=always_other).primary == "cro"


def test_leave_one_file_out_accuracy_of_the_model_alone():
    """Trained without a labelled file, the model still labels most of that file correctly.
    Figures when written: 74% eval, 72/60/56/66% fresh 1-4, 88% holdout, 72.5% pooled
    (benchmarks/eval_routing_generalisation.py prints them with the router's)."""
    correct = total = 0
    for path in rt.labelled_files():
        model = rt.train(rt.training_set(exclude=path))
        for question, label in rt.file_examples(path):
            post = model.posterior(rt.featurise(question))
            correct += max(post, key=post.get) == label
            total += 1
    assert total >= 700
    assert correct / total >= 0.68


def test_public_posterior_featurises_like_route_time():
    """posterior() must see purpose clauses the way route() does (it once ignored them)."""
    from csuite.routing.index import build_index as _index
    from csuite.routing.model import features, posterior, shipped_model
    from csuite.routing.text import normalise, purpose_spans

    question = "Should we hire two more CSMs so that onboarding is faster?"
    text = normalise(question)
    at_route_time = shipped_model().posterior(features(text, purpose_spans(text, _index().purpose)))
    assert purpose_spans(text, _index().purpose)  # the question does have a purpose clause
    assert posterior(question) == at_route_time
