"""The classical baselines (evaluation/baselines.py): every model tuned on validation, and
the strongest simple one reading character n-grams where words fail."""

from __future__ import annotations

import pytest

from nusax_lstm.evaluation.baselines import FEATURES, MODELS, STRONGEST, tune_and_score, vectorizer

# Test words never seen in training, each sharing its stem with a training word: only
# character n-grams connect them.
TEXTS = {
    "train": [
        "enak sekali",
        "enak banget",
        "buruk sekali",
        "buruk banget",
        "biasa saja",
        "biasa aja",
    ],
    "valid": ["enakk sekali", "burukk banget", "biasaa saja"],
    "test": ["enaknya", "buruknya", "biasanya"],
}
LABELS = {"train": [2, 2, 0, 0, 1, 1], "valid": [2, 0, 1], "test": [2, 0, 1]}


@pytest.fixture(scope="module")
def results():
    return tune_and_score(TEXTS, LABELS)


def test_every_model_is_tuned_on_validation(results):
    assert list(results) == list(MODELS)
    for name, (_, features, param, values) in MODELS.items():
        r = results[name]
        assert (r["param"], r["features"]) == (param, FEATURES[features])
        assert list(r["grid"]) == [str(v) for v in values]
        assert r["val_macro_f1"] == max(r["grid"].values()) == r["grid"][str(r["value"])]
        first_best = next(v for v in values if r["grid"][str(v)] == r["val_macro_f1"])
        assert r["value"] == first_best  # ties: the first, the strongest regularisation
        assert len(r["test_predictions"]) == len(TEXTS["test"])


def test_character_ngrams_reach_words_never_seen_in_training(results):
    assert results[STRONGEST]["test_macro_f1"] == 1.0
    assert results[STRONGEST]["test_predictions"] == LABELS["test"]
    assert results["LogisticRegression"]["test_macro_f1"] < 1.0  # words alone cannot


def test_the_strongest_reads_words_and_characters_within_word_boundaries():
    fitted = vectorizer("word+char").fit(["enak sekali"])
    names = set(fitted.get_feature_names_out())
    assert {"word__enak sekali", "char__ en", "char__enak ", "char__ sek"} <= names
    assert not any("k s" in n for n in names if n.startswith("char__"))  # none across words
