"""What a search explores, and what a trial's choices mean: a model config (an experiments
entry of the study file the search writes) that the NumPy engine can train.

Layers halve their units as the study's configs do ([64, 32]); subword inputs come with a
bucket count; epochs are searched (no early stopping: the held-out fold that scores a
trial must not also choose its epoch).
"""

from __future__ import annotations

from typing import Any

from .. import UserError
from ..data.subword import Subwords
from ..models.training_config import TrainingConfig

# name -> how a trial suggests it: ("categorical", choices), ("int", low, high),
# ("float", low, high) or ("log", low, high) for a log-uniform float
SPACE: dict[str, tuple] = {
    "cell": ("categorical", ("lstm", "gru")),
    "layers": ("int", 1, 2),
    "units": ("categorical", (32, 64, 128)),
    "bidirectional": ("categorical", (False, True)),
    "input": ("categorical", ("word", "subword")),
    "buckets": ("categorical", (4096, 16384, 65536)),  # subword inputs only
    "embedding_dim": ("categorical", (64, 128, 256)),
    "dropout": ("float", 0.0, 0.5),
    "word_dropout": ("float", 0.0, 0.3),
    "learning_rate": ("log", 3e-4, 3e-3),
    "batch_size": ("categorical", (16, 32, 64)),
    "epochs": ("int", 4, 16),
}


def space(overrides: dict, where: str = "tune.space") -> dict[str, tuple]:
    """SPACE with overrides (those at `where` in the config): choices for a categorical
    parameter, [low, high] for a numeric one."""
    unknown = overrides.keys() - SPACE.keys()
    if unknown:
        raise UserError(f"{where}: {sorted(unknown)} not among {list(SPACE)}")
    chosen = dict(SPACE)
    for name, values in overrides.items():
        kind = SPACE[name][0]
        if kind != "categorical" and (len(values) != 2 or values[0] > values[1]):
            raise UserError(f"{where}.{name}: expected [low, high], got {values}")
        chosen[name] = (kind, tuple(values)) if kind == "categorical" else (kind, *values)
    return chosen


def search_space(tune: dict, search: str) -> dict[str, tuple]:
    """What search `search` explores: SPACE with tune.space's overrides, then its own."""
    return space(tune["space"] | tune["searches"][search].get("space", {}))


def check_searches(tune: dict, languages: list[str]) -> None:
    """The tune section against what the schema cannot say: each search covers the
    study's languages (mul: all of them as one), its space can be searched."""
    space(tune["space"])
    for name, search in tune["searches"].items():
        outside = [lang for lang in search["languages"] if lang not in [*languages, "mul"]]
        if outside:
            raise UserError(f"tune.searches.{name}.languages: {outside} not in data.languages")
        space(search.get("space", {}), f"tune.searches.{name}.space")


def suggest(trial: Any, searched: dict[str, tuple]) -> dict:
    """A trial's choices from a space (`buckets` only where the input is subword)."""
    params = {}
    for name, (kind, *args) in searched.items():
        if name == "buckets" and params["input"] != "subword":
            continue
        if kind == "categorical":
            params[name] = trial.suggest_categorical(name, args[0])
        elif kind == "int":
            params[name] = trial.suggest_int(name, *args)
        else:
            params[name] = trial.suggest_float(name, *args, log=kind == "log")
    return params


def units(params: dict) -> list[int]:
    """Each layer's units: the first layer's, halved per layer after it."""
    return [max(params["units"] >> i, 1) for i in range(params["layers"])]


def training_config(params: dict, subwords: dict) -> TrainingConfig:
    """The network a trial trains: its choices, with masking, end padding and Adam;
    `subwords`: vectorize.subwords (n-gram lengths, n-grams per token) but the buckets."""
    grams = None
    if params["input"] == "subword":
        grams = Subwords(**(subwords | {"buckets": params["buckets"]}))
    return TrainingConfig(
        cell=params["cell"],
        units=tuple(units(params)),
        bidirectional=params["bidirectional"],
        mask_zero=True,
        padding="post",
        embedding_dim=params["embedding_dim"],
        dropout=params["dropout"],
        optimizer="adam",
        learning_rate=params["learning_rate"],
        batch_size=params["batch_size"],
        epochs=params["epochs"],
        word_dropout=params["word_dropout"],
        subwords=grams,
    )


# A trial's training settings that a config of the study file carries as its own.
SETTINGS = ("embedding_dim", "dropout", "word_dropout", "learning_rate", "batch_size", "epochs")


def winners(bests: dict[str, dict]) -> dict[str, dict]:
    """Of searches over the same data sets (same folds, so comparable scores), the one
    whose best trial scores highest: search name -> its best.json, in the given order."""
    top: dict[tuple, str] = {}
    for name, best in bests.items():
        data = tuple(sorted(best["languages"]))
        if data not in top or best["cv_macro_f1"] > bests[top[data]]["cv_macro_f1"]:
            top[data] = name
    return {name: best for name, best in bests.items() if name in top.values()}


def study_entry(name: str, params: dict) -> dict:
    """A trial's choices as an experiments entry of a study file (configs.parse_config
    reads it back into the network training_config makes)."""
    entry = {
        "name": name,
        "units": units(params),
        "bidirectional": params["bidirectional"],
        "cell": params["cell"],
        "input": params["input"],
        "engine": "numpy",
    }
    entry |= {key: params[key] for key in SETTINGS}
    if params["input"] == "subword":
        entry["buckets"] = params["buckets"]
    return entry
