"""Test-sized networks as TrainingConfigs. A module of its own (no conftest, no pytest):
scripts that the tests run in a fresh interpreter from this folder import it too."""

from nusax_lstm.models.training_config import TrainingConfig

SMALL = {
    "cell": "lstm",
    "mask_zero": True,
    "padding": "post",
    "embedding_dim": 8,
    "dropout": 0.0,
    "optimizer": "adam",
    "learning_rate": 0.01,
    "batch_size": 16,
    "epochs": 1,
}


def network(units, bidirectional: bool = False, **settings) -> TrainingConfig:
    """`units` per recurrent layer, with SMALL's settings but those given."""
    return TrainingConfig(units=tuple(units), bidirectional=bidirectional, **(SMALL | settings))
