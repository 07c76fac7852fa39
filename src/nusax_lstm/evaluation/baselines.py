"""Classical baselines, each tuned on the validation split: TF-IDF word 1-2-grams with a
linear model, and the strongest simple one that a practitioner tries first, word 1-2-grams
and character 2-5-grams within word boundaries (TF-IDF, sublinear tf) with logistic
regression. Every vectorizer is fit on train only."""

from __future__ import annotations

from .metrics import macro_f1

FEATURES = {
    "word": "tf-idf word 1-2-grams",
    "word+char": "tf-idf word 1-2-grams + character 2-5-grams",
}
# model -> (its estimator, features, hyperparameter, values tried); the value with the
# best validation macro F1 wins (ties: the first, i.e. the strongest regularisation)
MODELS = {
    "LinearSVC": ("LinearSVC", "word", "C", [0.01, 0.1, 1.0, 10.0]),
    "LogisticRegression": ("LogisticRegression", "word", "C", [0.1, 1.0, 10.0, 100.0]),
    "MultinomialNB": ("MultinomialNB", "word", "alpha", [0.01, 0.1, 0.5, 1.0]),
    "LogisticRegression, word + char n-grams": (
        "LogisticRegression",
        "word+char",
        "C",
        [0.3, 1.0, 3.0, 10.0, 30.0, 100.0],
    ),
}
STRONGEST = "LogisticRegression, word + char n-grams"  # the simple baseline to beat


def vectorizer(features: str):
    """The TF-IDF features of FEATURES[features], unfitted."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    if features == "word":
        return word
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    return FeatureUnion([("word", word), ("char", char)])


def make_model(estimator: str, value: float, seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.svm import LinearSVC

    if estimator == "LinearSVC":
        return LinearSVC(C=value, random_state=seed)
    if estimator == "LogisticRegression":
        return LogisticRegression(C=value, max_iter=5000)
    return MultinomialNB(alpha=value)


def tune_and_score(
    texts: dict[str, list[str]], labels: dict[str, list[int]], seed: int = 0
) -> dict:
    """Per model: the chosen hyperparameter, validation and test macro F1, the whole grid,
    and the test predictions."""
    x = {}
    for features in FEATURES:
        fitted = vectorizer(features)
        x[features] = {"train": fitted.fit_transform(texts["train"])}
        x[features] |= {split: fitted.transform(texts[split]) for split in ("valid", "test")}
    results = {}
    for name, (estimator, features, param, values) in MODELS.items():
        data, scores, models = x[features], {}, {}
        for value in values:
            model = make_model(estimator, value, seed).fit(data["train"], labels["train"])
            scores[value], models[value] = (
                macro_f1(labels["valid"], model.predict(data["valid"])),
                model,
            )
        chosen = max(values, key=lambda v: scores[v])
        test_predictions = models[chosen].predict(data["test"])
        results[name] = {
            "features": FEATURES[features],
            "param": param,
            "value": chosen,
            "val_macro_f1": scores[chosen],
            "test_macro_f1": macro_f1(labels["test"], test_predictions),
            "grid": {str(v): s for v, s in scores.items()},
            "test_predictions": test_predictions.tolist(),
        }
    return results
