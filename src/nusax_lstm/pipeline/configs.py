"""Named model configurations from `config.yaml`, keyed by a stable id.

The id is derived from the hyperparameters alone, so two experiments that name
the same network ("2 Layers" and "Medium (64, 32)") share one training job.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from .. import UserError
from ..data.text import PADDINGS

CELLS = ("lstm", "gru")  # a config's recurrent cell (Keras's LSTM, GRU)
# What trains a config: Keras (on train.keras_backend) or the NumPy engine.
ENGINES = ("keras", "numpy")
# What a config reads per token: its word id, or that and its character n-grams
# (data.subword, with vectorize.subwords' settings).
INPUTS = ("word", "subword")
# What a config may set for itself (else the train section's, or vectorize.subwords'
# buckets): its id then ends in a digest of them (tuning writes such configs).
OWN = (
    "embedding_dim",
    "dropout",
    "word_dropout",
    "learning_rate",
    "weight_decay",
    "batch_size",
    "epochs",
    "buckets",
)


@dataclass(frozen=True)
class ModelConfig:
    units: tuple[int, ...]
    bidirectional: bool
    mask_zero: bool = True
    padding: str = "post"
    early_stopping: bool = False
    numpy: bool = False  # trained by the NumPy engine, not by Keras
    cell: str = "lstm"
    input: str = "word"
    own: tuple[tuple[str, Any], ...] = ()  # its own settings (OWN), sorted by name

    @property
    def id(self) -> str:
        """e.g. lstm-64-32, bilstm-64-32, gru-64, lstm-64-32-nomask-pre, lstm-64-32-es,
        lstm-64-subword, bilstm-64-32-numpy, gru-128-s3f09a1 (its own settings' digest;
        suffixes only off the default)."""
        kind = f"bi{self.cell}" if self.bidirectional else self.cell
        mask = "" if self.mask_zero else "-nomask"
        padding = "" if self.padding == "post" else "-pre"
        stopping = "-es" if self.early_stopping else ""
        subword = "-subword" if self.input == "subword" else ""
        own = f"-s{hashlib.sha1(repr(self.own).encode()).hexdigest()[:6]}" if self.own else ""
        engine = "-numpy" if self.numpy else ""
        units = "-".join(map(str, self.units))
        return f"{kind}-{units}{mask}{padding}{stopping}{subword}{own}{engine}"


def parse_config(entry: dict, defaults: dict, where: str) -> ModelConfig:
    units = entry.get("units")
    if not units or any(not isinstance(u, int) or isinstance(u, bool) or u <= 0 for u in units):
        raise UserError(f"{where}.units: expected a list of positive integers, got {units!r}")
    padding = entry.get("padding", defaults.get("padding", "post"))
    if padding not in PADDINGS:
        raise UserError(f"{where}.padding: {padding!r} is not one of {list(PADDINGS)}")
    stopping = defaults.get("early_stopping", {}).get("enabled", False)
    engine = entry.get("engine", defaults.get("engine", "keras"))
    if engine not in ENGINES:
        raise UserError(f"{where}.engine: {engine!r} is not one of {list(ENGINES)}")
    cell = entry.get("cell", "lstm")
    if cell not in CELLS:
        raise UserError(f"{where}.cell: {cell!r} is not one of {list(CELLS)}")
    kind = entry.get("input", defaults.get("input", "word"))
    if kind not in INPUTS:
        raise UserError(f"{where}.input: {kind!r} is not one of {list(INPUTS)}")
    if "buckets" in entry and kind != "subword":
        raise UserError(f"{where}.buckets: n-gram buckets need input: subword")
    optimizer = defaults.get("optimizer", "adam")
    if engine == "numpy" and optimizer != "adam":
        raise UserError(
            f"{where}: the NumPy engine trains with adam, not train.optimizer {optimizer}"
        )
    return ModelConfig(
        tuple(units),
        bool(entry.get("bidirectional", False)),
        bool(entry.get("mask_zero", defaults.get("mask_zero", True))),
        padding,
        bool(entry.get("early_stopping", stopping)),
        engine == "numpy",
        cell,
        kind,
        tuple(sorted((key, entry[key]) for key in OWN if key in entry)),
    )


def expand(experiments: dict, defaults: dict | None = None) -> dict[str, dict[str, ModelConfig]]:
    """experiment -> display name -> config, checking names and emptiness.

    `defaults` (the `train` section) supplies `mask_zero`, `padding`, `early_stopping.enabled`,
    `engine` and `input` where a config omits them.
    """
    expanded = {}
    for experiment, entries in experiments.items():
        where = f"experiments.{experiment}"
        if not entries:
            raise UserError(f"{where}: empty experiment, list at least one model config")
        named: dict[str, ModelConfig] = {}
        for i, entry in enumerate(entries):
            name = entry.get("name")
            if name in named:
                raise UserError(f"{where}[{i}].name: duplicate config name {name!r}")
            named[name] = parse_config(entry, defaults or {}, f"{where}[{i}]")
        expanded[experiment] = named
    return expanded


def check_study(config: dict) -> None:
    """What the schema cannot say: settings that contradict each other."""
    selection, table = config["selection"], config["table"]
    if not config["experiments"] and not config["tune"]["searches"]:
        raise UserError("experiments: at least one experiment is required (or tune.searches)")
    if selection["candidates"] == ["ensembles"] and len(config["train"]["seeds"]) < 2:
        raise UserError("selection.candidates: [ensembles] needs at least two train.seeds")
    if selection["cv_folds"] and selection["metric"] == "test_macro_f1":
        raise UserError(
            "selection.cv_folds selects on cross-validation over train + valid, "
            "selection.metric: test_macro_f1 on the test split: choose one"
        )
    subwords = config["vectorize"]["subwords"]
    default, experiments = config["train"]["input"], config["experiments"].values()
    inputs = {entry.get("input", default) for entries in experiments for entry in entries}
    if selection["cv_folds"] and "subword" in inputs:
        raise UserError(
            "selection.cv_folds: cross-validated selection reads word ids only; "
            "configs with input: subword select on validation (cv_folds: null)"
        )
    if subwords["min_n"] > subwords["max_n"]:
        raise UserError(
            f"vectorize.subwords: min_n {subwords['min_n']} is above max_n {subwords['max_n']}"
        )
    source = table["zero_shot_from"]
    if table["enabled"] and source and source not in config["data"]["languages"]:
        raise UserError(f"table.zero_shot_from: {source} is not in data.languages")


# The train settings that belong to each config (model_params) or change no result
# (where the compilation cache lives: a move reruns nothing).
PER_CONFIG = (
    "seeds",
    "mask_zero",
    "padding",
    "compile_cache",
    "early_stopping",
    "engine",
    "keras_backend",
    "input",
)


def train_params(train: dict) -> dict:
    """What every training shares: the train section but PER_CONFIG."""
    return {k: v for k, v in train.items() if k not in PER_CONFIG}


def model_params(config: ModelConfig, train: dict, subwords: dict) -> dict:
    """What one config trains with beyond train_params; early stopping's settings only
    where it is on, `subwords` (vectorize.subwords, or its own buckets) only with subword
    inputs (editing them retrains only those configs), and its own settings."""
    own = dict(config.own)
    if "buckets" in own:
        subwords = subwords | {"buckets": own.pop("buckets")}
    stopping = train["early_stopping"]
    return {
        "engine": "numpy" if config.numpy else "keras",
        "keras_backend": None if config.numpy else train["keras_backend"],
        "cell": config.cell,
        "units": list(config.units),
        "bidirectional": config.bidirectional,
        "mask_zero": config.mask_zero,
        "padding": config.padding,
        "early_stopping": (
            {"monitor": stopping["monitor"], "patience": stopping["patience"]}
            if config.early_stopping
            else None
        ),
        "subwords": subwords if config.input == "subword" else None,
    } | own
