"""Which config a run uses, and in what key order.

A study file (config.yaml, studies/*.yaml) says `study: <name>` at its top. Given with
`--configfile`, with or without `--replace-workflow-config`, it replaces config.yaml
whole: Snakemake's own merge would add config.yaml's experiments to the study's. Config
files without `study:` still only override keys, as Snakemake documents.

Keys are put in the schema's order, so that rule params (compared by their repr) depend
on the values only, not on how a file orders its sections and settings. The experiments
keep the file's order: it is the study's (tables, figures, ties in selection).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from .. import UserError


def load(path: Path) -> dict:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: cannot read it ({err})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}: line {mark.line + 1}" if mark else str(path)
        raise UserError(f"{where}: not YAML ({getattr(err, 'problem', None) or err})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of config sections at the top")
    return data


def study_config(files: Sequence[Path], overrides: Mapping) -> dict | None:
    """The config of the study file among `files` (the --configfile paths), with the other
    files and then `overrides` (--config) merged over it; None when no file is a study."""
    from snakemake.utils import update_config  # Snakemake's own merge of config files

    loaded = [(Path(f), load(f)) for f in files]
    studies = [f for f, data in loaded if "study" in data]
    if not studies:
        return None
    if len(studies) > 1:
        names = " and ".join(map(str, studies))
        raise UserError(f"--configfile: {names} are both study files (they say study:): give one")
    config = copy.deepcopy(next(data for f, data in loaded if f == studies[0]))
    for path, data in loaded:
        if path != studies[0]:
            update_config(config, data)
    update_config(config, dict(overrides))
    return config


def in_schema_order(value, schema: Mapping):
    """`value` with the keys of every mapping in the order its schema lists them; a
    mapping of user-named entries (experiments, negations) keeps its own order."""
    if isinstance(value, dict):
        listed = [k for k in schema.get("properties", {}) if k in value]
        keys = listed + [k for k in value if k not in listed]
        return {k: in_schema_order(value[k], property_schema(schema, k)) for k in keys}
    if isinstance(value, list):
        items = schema.get("items", {})
        return [in_schema_order(v, items if isinstance(items, Mapping) else {}) for v in value]
    return value


def property_schema(schema: Mapping, key: str) -> Mapping:
    """The schema of `key` in a mapping described by `schema`."""
    extra = schema.get("additionalProperties")
    return schema.get("properties", {}).get(key) or (extra if isinstance(extra, Mapping) else {})


# Keys a config may still carry from an older version of this workflow -> what replaced them.
RENAMED = {
    "backend": "engine (keras or numpy) and train.keras_backend (jax or tensorflow)",
}


def check_renamed(config: Mapping) -> None:
    """One line for a key this workflow renamed, in train or in an experiment's config,
    before the schema's less helpful 'additional property'."""
    train = config.get("train")
    places = [("train", train)] if isinstance(train, Mapping) else []
    experiments = config.get("experiments")
    for name, entries in experiments.items() if isinstance(experiments, Mapping) else ():
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            places.append((f"experiments.{name}[{i}]", entry))
    for where, section in places:
        for old in RENAMED.keys() & (section.keys() if isinstance(section, Mapping) else set()):
            raise UserError(f"{where}.{old}: renamed, use {where}.{RENAMED[old]}")


def validated(config: dict, schema: Path) -> dict:
    """`config` checked against the schema file by Snakemake's validate, which fills the
    defaults, with its keys in the schema's order."""
    from snakemake.utils import validate

    check_renamed(config)
    validate(config, str(schema))
    return in_schema_order(config, load(schema))
