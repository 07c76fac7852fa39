"""Named model configurations from `config.yaml`, keyed by a stable id.

The id is derived from the hyperparameters alone, so two experiments that name
the same network ("2 Layers" and "Medium (64, 32)") share one training job.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import UserError


@dataclass(frozen=True)
class ModelConfig:
    units: tuple[int, ...]
    bidirectional: bool

    @property
    def id(self) -> str:
        kind = "bilstm" if self.bidirectional else "lstm"
        return f"{kind}-{'-'.join(map(str, self.units))}"


def parse_config(entry: dict, where: str) -> ModelConfig:
    units = entry.get("units")
    if not units or any(not isinstance(u, int) or isinstance(u, bool) or u <= 0 for u in units):
        raise UserError(
            f"{where}.units: expected a non-empty list of positive integers, got {units!r}"
        )
    return ModelConfig(tuple(units), bool(entry.get("bidirectional", False)))


def expand(experiments: dict) -> dict[str, dict[str, ModelConfig]]:
    """experiment -> display name -> config, checking names and emptiness."""
    if not experiments:
        raise UserError("experiments: at least one experiment is required")
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
            named[name] = parse_config(entry, f"{where}[{i}]")
        expanded[experiment] = named
    return expanded


def unique_configs(experiments: dict) -> dict[str, ModelConfig]:
    """config id -> config, one entry per distinct network, in first-seen order."""
    return {
        config.id: config for named in expand(experiments).values() for config in named.values()
    }
