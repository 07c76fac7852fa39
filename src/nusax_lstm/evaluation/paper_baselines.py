"""The NusaX paper's classical baselines, by its authors' recipe (IndoNLP/nusax,
code/notebook/sentiment_analysis_nusax_classical.ipynb).

Texts are tokenized as `nltk.word_tokenize` does (Punkt sentences, then NLTK's Treebank
word tokenizer) and joined by spaces; a CountVectorizer ("bow") or TfidfVectorizer
("tfidf") with scikit-learn's defaults is fit on train only; each classifier's grid is
searched by GridSearchCV over a PredefinedSplit (fit on train, scored by accuracy on
valid), and the best is refit on train + valid; the score is test macro F1.

`word_tokenize` needs NLTK's trained English Punkt model (a data download); Punkt without
parameters splits at the same sentence ends but for English abbreviations, and a split
there only detaches a period, which the vectorizers drop: the features are the same.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from .metrics import macro_f1

FEATURES = ("bow", "tfidf")
# classifier -> its grid, as in the authors' notebook
GRIDS = {
    "nb": {"alpha": np.linspace(0.001, 1, 50)},
    "svm": {"C": [0.01, 0.1, 1, 10, 100], "kernel": ["rbf", "linear"]},
    "lr": {"C": np.linspace(0.001, 10, 100)},
}
NAMES = {"nb": "Naive Bayes", "svm": "SVM", "lr": "Logistic regression"}


@cache
def _tokenizers():
    from nltk.tokenize import NLTKWordTokenizer
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    return PunktSentenceTokenizer(), NLTKWordTokenizer()


def tokenize(text: str) -> str:
    """`" ".join(nltk.word_tokenize(text))`, without NLTK's data download."""
    sentences, words = _tokenizers()
    return " ".join(w for s in sentences.tokenize(text) for w in words.tokenize(s))


def _classifier(name: str):
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.svm import SVC

    return {"nb": MultinomialNB, "svm": SVC, "lr": LogisticRegression}[name]()


def _vectorizer(feature: str):
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    return {"bow": CountVectorizer, "tfidf": TfidfVectorizer}[feature]()


def _plain(params: dict) -> dict:
    return {k: v.item() if hasattr(v, "item") else v for k, v in params.items()}


def fit_one(texts: dict, labels: dict, classifier: str, feature: str) -> dict:
    """One cell of the paper's table: the grid searched on valid, refit on train + valid;
    the chosen parameters, validation accuracy and test macro F1 and predictions."""
    import warnings

    from scipy.sparse import vstack
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV, PredefinedSplit

    vectorizer = _vectorizer(feature).fit(texts["train"])
    x = {split: vectorizer.transform(t) for split, t in texts.items()}
    fold = PredefinedSplit([-1] * len(labels["train"]) + [0] * len(labels["valid"]))
    search = GridSearchCV(_classifier(classifier), GRIDS[classifier], cv=fold)
    with warnings.catch_warnings():  # lbfgs's default 100 iterations, as the authors ran it
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(vstack([x["train"], x["valid"]]), labels["train"] + labels["valid"])
    predictions = search.predict(x["test"])
    return {
        "params": _plain(search.best_params_),
        "val_accuracy": float(search.best_score_),
        "test_macro_f1": macro_f1(labels["test"], predictions),
        "test_predictions": predictions.tolist(),
    }


def run(texts: dict[str, list[str]], labels: dict[str, list[int]]) -> dict:
    """Every classifier with both feature types, and per classifier the feature type that
    validation chooses (higher validation accuracy; a tie keeps bow, listed first)."""
    tokenized = {split: [tokenize(t) for t in split_texts] for split, split_texts in texts.items()}
    results = {}
    for classifier in GRIDS:
        cells = {f: fit_one(tokenized, labels, classifier, f) for f in FEATURES}
        chosen = max(FEATURES, key=lambda f: cells[f]["val_accuracy"])
        results[classifier] = {"name": NAMES[classifier], "chosen": chosen, **cells}
    return results
