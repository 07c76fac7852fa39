"""The study file's experiments expanded to configs (nusax_lstm.pipeline.configs): names, ids,
defaults, and every bad setting stopped with the key that is wrong."""

from __future__ import annotations

import copy
import re

import pytest
import yaml
from conftest import REPO, TINY_CONFIG
from snakemake.exceptions import WorkflowError

from nusax_lstm import UserError
from nusax_lstm.models.training_config import TrainingConfig
from nusax_lstm.pipeline.configs import (
    ModelConfig,
    check_study,
    expand,
    model_params,
    parse_config,
    train_params,
)
from nusax_lstm.pipeline.studyfile import in_schema_order, study_config, validated
from nusax_lstm.tuning.space import check_searches

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def unique_configs(experiments: dict, defaults: dict | None = None) -> dict[str, ModelConfig]:
    """config id -> config, one entry per distinct network, in first-seen order."""
    return {
        config.id: config
        for named in expand(experiments, defaults).values()
        for config in named.values()
    }


def test_default_config_has_twenty_one_names_and_thirteen_networks():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    named = expand(config["experiments"], config["train"])
    assert sum(len(n) for n in named.values()) == 21
    ids = unique_configs(config["experiments"], config["train"])
    assert list(ids) == [
        "lstm-64",
        "lstm-64-32",
        "lstm-64-32-16",
        "lstm-32-16",
        "lstm-128-64",
        "bilstm-64-32",
        "lstm-64-32-nomask",
        "lstm-64-32-nomask-pre",
        "lstm-64-32-es",
        "bilstm-64-32-es",
        "bilstm-64-32-subword",
        "lstm-64-32-numpy",
        "bilstm-64-32-numpy",
    ]
    assert (
        named["layers"]["2 Layers"].id
        == named["units"]["Medium (64, 32)"].id
        == named["direction"]["Unidirectional"].id
        == named["padding"]["End padding, mask"].id
        == named["schedule"]["Uni, 10 epochs"].id
        == named["engine"]["Uni, Keras"].id
    )
    numpy = config["train"] | {"engine": "numpy"}  # the engine experiment's twins merge
    assert len(unique_configs(config["experiments"], numpy)) == 11


@pytest.mark.parametrize(
    ("experiments", "message"),
    [
        ({"e": []}, "experiments.e: empty experiment"),
        (
            {"e": [{"name": "a", "units": [4]}, {"name": "a", "units": [5]}]},
            r"experiments.e\[1\].name: duplicate",
        ),
        (
            {"e": [{"name": "a", "units": [4, -1]}]},
            r"experiments.e\[0\].units: expected a list of positive",
        ),
        ({"e": [{"name": "a", "units": []}]}, r"experiments.e\[0\].units"),
    ],
)
def test_bad_experiments_name_the_key(experiments, message):
    with pytest.raises(UserError, match=message):
        expand(experiments)


def test_config_id_depends_on_hyperparameters_only():
    assert ModelConfig((64, 32), True).id == "bilstm-64-32"
    assert ModelConfig((64, 32), False).id != ModelConfig((64, 32), True).id
    assert ModelConfig((8,), False, mask_zero=False, padding="pre").id == "lstm-8-nomask-pre"
    assert ModelConfig((8,), True, early_stopping=True).id == "bilstm-8-es"


def test_config_defaults_come_from_the_train_section():
    entries = {"e": [{"name": "a", "units": [4]}, {"name": "b", "units": [4], "mask_zero": True}]}
    named = expand(entries, {"mask_zero": False, "padding": "pre"})["e"]
    assert (named["a"].mask_zero, named["a"].padding) == (False, "pre")
    assert named["b"].id == "lstm-4-pre"
    stopping = expand(entries, {"early_stopping": {"enabled": True}})["e"]
    assert stopping["a"].early_stopping and stopping["a"].id == "lstm-4-es"
    with pytest.raises(UserError, match=r"experiments.e\[0\].padding: 'middle'"):
        expand({"e": [{"name": "a", "units": [4], "padding": "middle"}]})


CONFIG_ERRORS = [
    ("unknown key", lambda c: c["train"].update(epoch=3), "epoch"),
    ("wrong type", lambda c: c["train"].update(batch_size="big"), "batch_size"),
    ("empty units", lambda c: c["experiments"]["tiny"][0].update(units=[]), "units"),
    ("units <= 0", lambda c: c["experiments"]["tiny"][0].update(units=[8, 0]), "units"),
    ("unknown language", lambda c: c["data"].update(languages=["ind", "xyz"]), "languages"),
    ("no language", lambda c: c["data"].update(languages=[]), "languages"),
    ("empty seeds", lambda c: c["train"].update(seeds=[]), "seeds"),
    ("bad padding", lambda c: c["train"].update(padding="middle"), "padding"),
    (
        "duplicate names",
        lambda c: c["experiments"]["tiny"][1].update(name="Uni"),
        "duplicate config name 'Uni'",
    ),
    ("empty experiment", lambda c: c["experiments"].update(nothing=[]), "nothing"),
    ("epochs < 1", lambda c: c["train"].update(epochs=0), "epochs"),
    ("dropout 1", lambda c: c["train"].update(dropout=1.0), "dropout"),
    ("batch 0", lambda c: c["train"].update(batch_size=0), "batch_size"),
    ("sequence length 0", lambda c: c["vectorize"].update(sequence_length=0), "sequence_length"),
    ("max_tokens < 3", lambda c: c["vectorize"].update(max_tokens=2), "max_tokens"),
    ("dropout < 0", lambda c: c["train"].update(dropout=-0.1), "dropout"),
    (
        "experiment name",
        lambda c: c["experiments"].update({"a b/c": c["experiments"]["tiny"]}),
        "a b/c",
    ),
    ("selection metric", lambda c: c.update(selection={"metric": "accuracy"}), "metric"),
    ("engine", lambda c: c["train"].update(engine="theano"), "engine"),
    ("keras_backend", lambda c: c["train"].update(keras_backend="numpy"), "keras_backend"),
    ("config engine", lambda c: c["experiments"]["tiny"][0].update(engine="jax"), "engine"),
    (
        "renamed backend",
        lambda c: c["train"].update(backend="numpy"),
        "train.backend: renamed, use train.engine (keras or numpy) and train.keras_backend",
    ),
    (
        "renamed config backend",
        lambda c: c["experiments"]["tiny"][0].update(backend="numpy"),
        "experiments.tiny[0].backend: renamed, use experiments.tiny[0].engine",
    ),
    (
        "buckets without subwords",
        lambda c: c["experiments"]["tiny"][0].update(buckets=512),
        "n-gram buckets need input: subword",
    ),
    (
        "subwords with cross-validation",
        lambda c: (c.update(selection={"cv_folds": 3}), c["train"].update(input="subword")),
        "configs with input: subword select on validation",
    ),
    (
        "a search outside the study's languages",
        lambda c: c.update(tune={"searches": {"s": {"languages": ["sun"], "trials": 2}}}),
        "tune.searches.s.languages: ['sun'] not in data.languages",
    ),
    (
        "numpy with sgd",
        lambda c: (c["train"].update(optimizer="sgd"), c["train"].update(engine="numpy")),
        "the NumPy engine trains with adam",
    ),
    ("trim_padding", lambda c: c["train"].update(trim_padding="yes"), "trim_padding"),
    ("patience 0", lambda c: c["train"].update(early_stopping={"patience": 0}), "patience"),
    ("resamples", lambda c: c.update(statistics={"resamples": 10}), "resamples"),
    ("cv_folds 1", lambda c: c.update(selection={"cv_folds": 1}), "cv_folds"),
    (
        "cv_folds on test",
        lambda c: c.update(selection={"cv_folds": 3, "metric": "test_macro_f1"}),
        "choose one",
    ),
    (
        "ensembles of one seed",
        lambda c: c.update(selection={"candidates": ["ensembles"]}),
        "needs at least two train.seeds",
    ),
]


def check(config: dict) -> None:
    """What the Snakefile does with a config before it plans a job."""
    config = validated(config, SCHEMA)
    check_study(config)
    check_searches(config["tune"], config["data"]["languages"])
    expand(config["experiments"], config["train"])


def test_the_tiny_config_passes():
    check(copy.deepcopy(TINY_CONFIG))


@pytest.mark.parametrize(
    ("case", "mutate", "needle"), CONFIG_ERRORS, ids=[c[0] for c in CONFIG_ERRORS]
)
def test_a_bad_setting_is_named(case, mutate, needle):
    config = copy.deepcopy(TINY_CONFIG)
    mutate(config)
    with pytest.raises((WorkflowError, UserError), match=re.escape(needle)):
        check(config)


def write_yaml(path, data) -> str:
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_a_study_file_replaces_and_other_files_and_config_override_it(tmp_path):
    """The study is taken whole; a file without study: and then --config override its keys
    in that order; without a study file among them, Snakemake's own merge stands."""
    study = write_yaml(tmp_path / "s.yaml", {"study": "s", "train": {"epochs": 3, "seeds": [1]}})
    tweak = write_yaml(tmp_path / "t.yaml", {"train": {"epochs": 5, "dropout": 0.1}})
    assert study_config([tweak, study], {"train": {"seeds": [2]}}) == {
        "study": "s",
        "train": {"epochs": 5, "seeds": [2], "dropout": 0.1},
    }
    assert study_config([tweak], {}) is None


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"a.yaml": {"study": "a"}, "b.yaml": {"study": "b"}}, "are both study files"),
        ({"a.yaml": "- a list"}, "expected a mapping of config sections"),
        ({"a.yaml": "train: [unclosed"}, "a.yaml: line 1: not YAML"),
    ],
    ids=["two studies", "not a mapping", "not yaml"],
)
def test_bad_config_files_are_one_line(tmp_path, files, message):
    paths = []
    for name, data in files.items():
        paths.append(tmp_path / name)
        paths[-1].write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    with pytest.raises(UserError, match=message) as err:
        study_config(paths, {})
    assert "\n" not in str(err.value)


def test_keys_go_in_the_schemas_order_and_experiments_in_the_files():
    config = copy.deepcopy(TINY_CONFIG)
    config["experiments"] = {"b": [{"units": [2], "name": "x"}], "a": [{"name": "y", "units": [1]}]}
    shuffled = {k: config[k] for k in reversed(config)}
    shuffled["train"] = {k: config["train"][k] for k in sorted(config["train"])}
    schema = yaml.safe_load(SCHEMA.read_text())
    ordered = in_schema_order(shuffled, schema)
    assert ordered == config
    assert list(ordered) == [k for k in schema["properties"] if k in config]
    assert list(ordered["train"]) == [
        k for k in schema["properties"]["train"]["properties"] if k in config["train"]
    ]
    assert list(ordered["experiments"]) == ["b", "a"]
    assert [list(e[0]) for e in ordered["experiments"].values()] == [["name", "units"]] * 2


def test_a_configs_own_settings_give_it_an_id_of_its_own_and_reach_its_training():
    train = validated(copy.deepcopy(TINY_CONFIG), SCHEMA)["train"]
    subwords = {"buckets": 32768, "min_n": 3, "max_n": 5, "per_token": 24}
    plain = parse_config({"units": [8], "input": "subword"}, train, "a")
    own = {"units": [8], "input": "subword", "learning_rate": 0.002, "buckets": 512}
    tuned = parse_config(own, train, "b")
    assert tuned.id.startswith("lstm-8-subword-s") and tuned.id != plain.id
    assert parse_config(dict(reversed(own.items())), train, "c").id == tuned.id  # key order
    config = TrainingConfig.of(model_params(tuned, train, subwords), train_params(train))
    assert (config.learning_rate, config.subwords.buckets) == (0.002, 512)
    assert config.embedding_dim == train["embedding_dim"]  # what it does not set: the study's
