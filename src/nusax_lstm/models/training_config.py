"""What one network trains with but its seed, as one object: what a training rule's params
(pipeline.configs.model_params and train_params) become in the job, and what both
engines and the search take. Its own module: editing how the Snakefile reads a config
retrains nothing, editing this retrains every network."""

from __future__ import annotations

from dataclasses import dataclass, fields

from ..data.subword import Subwords


@dataclass(frozen=True)
class TrainingConfig:
    """Everything one network trains with but its seed, as one object: its config's
    settings (model_params) and the study's (train_params)."""

    cell: str
    units: tuple[int, ...]
    bidirectional: bool
    mask_zero: bool
    padding: str
    embedding_dim: int
    dropout: float
    optimizer: str
    learning_rate: float
    batch_size: int
    epochs: int
    trim_padding: bool = True
    early_stopping: dict | None = None  # monitor and patience, where it is on
    word_dropout: float = 0.0  # whole tokens dropped while training, after the embedding
    weight_decay: float | None = None  # the optimizer's decoupled decay; None: its default
    subwords: Subwords | None = None  # subword inputs (data.subword); None: word ids only

    @classmethod
    def of(cls, model: dict, train: dict) -> TrainingConfig:
        """From a training rule's params: model_params' and train_params' dicts (a field
        they lack takes its default)."""
        subwords = model.get("subwords")
        settings = train | model | {"units": tuple(model["units"])}  # a config's own first
        settings["subwords"] = Subwords(**subwords) if subwords else None
        return cls(**{f.name: settings[f.name] for f in fields(cls) if f.name in settings})
