"""Classical baselines: TF-IDF word 1-2-grams with a linear model, tuned on the validation split."""

from __future__ import annotations

from .metrics import macro_f1

# model -> (hyperparameter, values tried); the value with the best validation macro F1 wins
# (ties: the first, i.e. the strongest regularisation).
GRIDS = {
    "LinearSVC": ("C", [0.01, 0.1, 1.0, 10.0]),
    "LogisticRegression": ("C", [0.1, 1.0, 10.0, 100.0]),
    "MultinomialNB": ("alpha", [0.01, 0.1, 0.5, 1.0]),
}


def make_model(name: str, value: float, seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.svm import LinearSVC

    if name == "LinearSVC":
        return LinearSVC(C=value, random_state=seed)
    if name == "LogisticRegression":
        return LogisticRegression(C=value, max_iter=5000)
    return MultinomialNB(alpha=value)


def tune_and_score(
    texts: dict[str, list[str]], labels: dict[str, list[int]], seed: int = 0
) -> dict:
    """Per model: the chosen hyperparameter, validation and test macro F1, the whole grid,
    and the test predictions."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    x = {"train": tfidf.fit_transform(texts["train"])}
    x |= {split: tfidf.transform(texts[split]) for split in ("valid", "test")}
    results = {}
    for name, (param, values) in GRIDS.items():
        scores, models = {}, {}
        for value in values:
            model = make_model(name, value, seed).fit(x["train"], labels["train"])
            scores[value], models[value] = (
                macro_f1(labels["valid"], model.predict(x["valid"])),
                model,
            )
        chosen = max(values, key=lambda v: scores[v])
        test_predictions = models[chosen].predict(x["test"])
        results[name] = {
            "features": "tf-idf word 1-2-grams",
            "param": param,
            "value": chosen,
            "val_macro_f1": scores[chosen],
            "test_macro_f1": macro_f1(labels["test"], test_predictions),
            "grid": {str(v): s for v, s in scores.items()},
            "test_predictions": test_predictions.tolist(),
        }
    return results
