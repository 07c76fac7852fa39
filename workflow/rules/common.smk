import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SRC = Path(workflow.basedir) / "src"
# One import route: the package of this checkout, first on the path of the Snakefile and
# of every job (PYTHONPATH comes before site-packages, so no installed copy, editable or
# not, shadows it; jobs inherit it locally, in conda environments and under Slurm).
sys.path.insert(0, str(SRC))
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        [str(SRC), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    )
)

from nusax_lstm import UserError
from nusax_lstm.configs import expand as expand_experiments

validate(config, schema="../schemas/config.schema.yaml")

try:
    EXPERIMENTS = expand_experiments(config["experiments"], config["train"])
except UserError as err:
    raise WorkflowError(f"config: {err}") from None

# experiment -> config name -> config id
EXPERIMENT_IDS = {
    experiment: {name: c.id for name, c in named.items()}
    for experiment, named in EXPERIMENTS.items()
}
# config id -> display names (aliases) and the config itself
CONFIG_NAMES = {}
CONFIGS = {}
for named in EXPERIMENTS.values():
    for name, model_config in named.items():
        CONFIG_NAMES.setdefault(model_config.id, []).append(name)
        CONFIGS[model_config.id] = model_config


def local_gpu_count():
    """GPUs this machine shows (CUDA_VISIBLE_DEVICES first, then nvidia-smi); 0 if none."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        ids = [d.strip() for d in visible.split(",") if d.strip()]
        return 0 if not ids or ids[0].startswith("-") else len(ids)
    if shutil.which("nvidia-smi") is None:
        return 0
    try:
        listed = subprocess.run(
            ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return 0
    lines = listed.stdout.splitlines() if listed.returncode == 0 else []
    return sum(line.startswith("GPU ") for line in lines)


# Trainings ask for gpu=1. Locally at most one training runs per GPU: the cap is the GPU
# count, unless --resources gpu=N says otherwise. Without a GPU there is no cap, so the
# trainings run side by side as the cores allow. Never a cap of 0: a cap also lowers each
# job's request, and would strip --gpus from Slurm jobs sent from a CPU-only login node.
# (Jobs re-parse this file without the user's --resources: only the main process decides.)
if workflow.is_main_process and "gpu" not in workflow.resource_settings.resources:
    LOCAL_GPUS = local_gpu_count()
    if LOCAL_GPUS:
        workflow.global_resources["gpu"] = LOCAL_GPUS

# The study's languages; with table.multilingual, also "mul": all of them together,
# a language of its own to every rule after the download.
LANGS = config["data"]["languages"]
MULTILINGUAL = config["table"]["enabled"] and config["table"]["multilingual"]["enabled"]
STUDY_LANGS = [*LANGS, "mul"] if MULTILINGUAL else LANGS
SEEDS = config["train"]["seeds"]


wildcard_constraints:
    lang="[a-z]{3}",
    config_id="[a-z0-9-]+",
    seed=r"\d+",
    fold=r"\d+",
    experiment="[A-Za-z0-9_-]+",


# What every training shares; masking and padding belong to each model config. Where the
# compilation cache lives changes no result, so it is no param (a move reruns nothing).
TRAIN_PARAMS = {
    k: v
    for k, v in config["train"].items()
    if k
    not in (
        "seeds",
        "mask_zero",
        "padding",
        "compile_cache",
        "early_stopping",
        "backend",
    )
}
# Keras trains on train.backend, or on JAX where that is numpy (for configs that say keras).
KERAS_BACKEND = (
    "jax" if config["train"]["backend"] == "numpy" else config["train"]["backend"]
)
# Config ids of NumPy-trained configs end in -numpy (configs.ModelConfig.id).
NUMPY_ID = "[a-z0-9-]+-numpy"
KERAS_ID = "[a-z0-9-]+(?<!-numpy)"


def model_params(config_id):
    """What one config trains with beyond TRAIN_PARAMS; early stopping's settings only
    where it is on (editing them retrains only those configs)."""
    c = CONFIGS[config_id]
    stopping = config["train"]["early_stopping"]
    return {
        "backend": "numpy" if c.numpy else KERAS_BACKEND,
        "units": list(c.units),
        "bidirectional": c.bidirectional,
        "mask_zero": c.mask_zero,
        "padding": c.padding,
        "early_stopping": (
            {"monitor": stopping["monitor"], "patience": stopping["patience"]}
            if c.early_stopping
            else None
        ),
    }


def training_cost(wildcards):
    """A training's rough cost, its priority: the costliest start first, so that none runs
    last alone. Per step, one sequential scan per layer and direction (its latency), plus
    the multiply-adds (per 50,000)."""
    c = CONFIGS[wildcards.config_id]
    directions = 2 if c.bidirectional else 1
    widths = [config["train"]["embedding_dim"], *(u * directions for u in c.units[:-1])]
    macs = sum(4 * u * (w + u) * directions for u, w in zip(c.units, widths))
    return len(c.units) * directions + macs / 50_000


# The package's modules behind a training, by Keras and by the NumPy engine
TRAINING_SOURCES = (
    "keras_model.py",
    "keras_training.py",
    "training.py",
    "export.py",
    "metrics.py",
    "text.py",
)
NUMPY_TRAINING_SOURCES = (
    "scratch",
    "training.py",
    "export.py",
    "metrics.py",
    "text.py",
)


def package_code(*modules):
    """The package's files (modules, or folders of them) that a rule's script runs, each with
    a hash of its bytes: as a param, an edit to one reruns the rule, while a move of the
    project or a checkout that leaves the bytes as they were reruns nothing."""
    root = SRC / "nusax_lstm"
    files = []
    for m in ("__init__.py", "fileio.py", "joblog.py", *modules):
        files += sorted((root / m).glob("*.py")) if (root / m).is_dir() else [root / m]
    return {str(f.relative_to(root)): file_hash(f) for f in files}


@functools.cache
def file_hash(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def run_dir(config_id="{config_id}", seed="{seed}"):
    return f"results/{{lang}}/models/{config_id}/seed{seed}"


def run_files(folder):
    """A training's outputs in `folder`, but the Keras model (which a NumPy training
    leaves to keras_twin)."""
    files = {
        "history": "history.json",
        "probs_valid": "probs_valid.npy",
        "probs_test": "probs_test.npy",
        "info": "info.json",
        "weights": "weights.npz",
        "architecture": "architecture.json",
    }
    return {name: f"{folder}/{file}" for name, file in files.items()}


# A config's seed ensemble (its runs' probabilities averaged) is a model of its own, with
# this suffix on the config id; with one seed there is none (it would be the run itself).
ENSEMBLE = "-ensemble"
ENSEMBLES = list(CONFIGS) if len(SEEDS) > 1 else []
CANDIDATES = config["selection"]["candidates"]
if CANDIDATES == ["ensembles"] and not ENSEMBLES:
    raise WorkflowError(
        "config: selection.candidates: [ensembles] needs at least two train.seeds"
    )


# Cross-validated selection (selection.cv_folds: k): every config and seed also trains
# once per fold of train + valid; the selection score is the mean held-out macro F1.
CV_FOLDS = config["selection"]["cv_folds"] or 0
FOLDS = list(range(CV_FOLDS))
SELECTION_METRIC = "cv_macro_f1" if CV_FOLDS else config["selection"]["metric"]
if CV_FOLDS and config["selection"]["metric"] == "test_macro_f1":
    raise WorkflowError(
        "config: selection.cv_folds selects on cross-validation over train + valid, "
        "selection.metric: test_macro_f1 on the test split: choose one"
    )


def cv_dir(fold="{fold}"):
    return f"results/{{lang}}/cv/fold{fold}"


def fold_run_dir():
    return f"{cv_dir()}/models/{{config_id}}/seed{{seed}}"


def cv_scores(lang="{lang}"):
    """The cross-validated scores of a language's models, as a list: empty without
    cross-validation."""
    return [f"results/{lang}/cv/scores.json"] if CV_FOLDS else []


def fold_runs(suffix):
    """The file `suffix` of every fold run of a language: per config, per seed, per fold."""
    return [
        f"{cv_dir(fold)}/models/{config_id}/seed{seed}/{suffix}"
        for config_id in CONFIGS
        for seed in SEEDS
        for fold in FOLDS
    ]


def ensemble_dir(config_id="{config_id}"):
    return f"results/{{lang}}/models/{config_id}/ensemble"


# model id -> display names: configs and their ensembles
MODEL_NAMES = CONFIG_NAMES | {
    f"{c}{ENSEMBLE}": [f"{name} (seed ensemble)" for name in CONFIG_NAMES[c]]
    for c in ENSEMBLES
}


def seed_runs(suffix):
    """Input function: the file `suffix` of every seed's run of one config."""

    def inputs(wildcards):
        return [
            f"{run_dir(wildcards.config_id, seed)}/{suffix}".format(lang=wildcards.lang)
            for seed in SEEDS
        ]

    return inputs


def experiment_runs(suffix):
    """Input function: the run file `suffix` of every (config, seed) of one experiment."""

    def inputs(wildcards):
        ids = dict.fromkeys(EXPERIMENT_IDS[wildcards.experiment].values())
        return [
            f"results/{wildcards.lang}/models/{i}/seed{s}/{suffix}"
            for i in ids
            for s in SEEDS
        ]

    return inputs


def chosen(wildcards):
    """best.json of a language. select_best is a checkpoint: Snakemake runs it before it
    asks an input function that calls this for files."""
    best = checkpoints.select_best.get(lang=wildcards.lang).output.best
    with open(best) as fh:
        return json.load(fh)


def best_model(suffix):
    """Input function: the chosen model's file `suffix`: its run's, or its ensemble's."""

    def inputs(wildcards):
        best = chosen(wildcards)
        config_id = best["config_id"].removesuffix(ENSEMBLE)
        if best["config_id"].endswith(ENSEMBLE):
            folder = ensemble_dir(config_id)
        else:
            folder = run_dir(config_id, best["seed"])
        return f"{folder}/{suffix}".format(lang=wildcards.lang)

    return inputs


def best_runs(suffix):
    """Input function: the file `suffix` of each run behind the chosen model (one run, or
    the members of a seed ensemble), in best.json's member order."""

    def inputs(wildcards):
        best = chosen(wildcards)
        config_id = best["config_id"].removesuffix(ENSEMBLE)
        return [
            f"{run_dir(config_id, seed)}/{suffix}".format(lang=wildcards.lang)
            for seed in best["members"]
        ]

    return inputs


def keras_probs(wildcards):
    """Input function: the chosen model's Keras probabilities on the test split, as a
    list: its training's (Keras-trained), or each member's Keras twin's (NumPy-trained;
    averaged like an ensemble's)."""
    if CONFIGS[chosen(wildcards)["config_id"].removesuffix(ENSEMBLE)].numpy:
        return best_runs("keras_probs_test.npy")(wildcards)
    return [best_model("probs_test.npy")(wildcards)]


def per_language(**files):
    """Input function for unpack(): every `name=pattern` once per language, as `name_<lang>`
    (the pattern's {lang} filled in), so a script finds each language's files by name.
    """

    def inputs(wildcards):
        return {
            f"{name}_{lang}": expand(pattern, lang=lang)
            for name, pattern in files.items()
            for lang in STUDY_LANGS
        }

    return inputs


def all_runs(suffix):
    """One path per (config, seed) of a language, for the given run file."""
    return [
        f"{run_dir(config_id, seed)}/{suffix}"
        for config_id in CONFIGS
        for seed in SEEDS
    ]


def all_models(suffix, kinds=("configs", "ensembles")):
    """The file `suffix` of every model of a language of the kinds named: every run of
    every config, then every config's ensemble."""
    runs = all_runs(suffix) if "configs" in kinds else []
    return runs + [
        f"{ensemble_dir(c)}/{suffix}" for c in ENSEMBLES if "ensembles" in kinds
    ]


def run_outputs(folder, config_id):
    """Every file a training leaves in `folder`: model.keras too where Keras trained it."""
    files = [*run_files(folder).values()]
    return files if CONFIGS[config_id].numpy else [*files, f"{folder}/model.keras"]


def get_final_output():
    """What a run leaves, per language, as the README lists it: the default target asks
    for every file, so that a deleted one is remade by a plain rerun."""
    per_lang = [
        *expand("results/{{lang}}/data/{split}.csv", split=["train", "valid", "test"]),
        "results/{lang}/data/provenance.json",
        "results/{lang}/vectorized/vocabulary.txt",
        "results/{lang}/vectorized/sequences.npz",
        *all_runs("metrics.json"),
        *[f for c in CONFIGS for s in SEEDS for f in run_outputs(run_dir(c, s), c)],
        *[
            f"{ensemble_dir(c)}/{name}"
            for c in ENSEMBLES
            for name in (
                "probs_valid.npy",
                "probs_test.npy",
                "info.json",
                "metrics.json",
            )
        ],
        *cv_scores(),
        *expand(
            f"{cv_dir()}/{{name}}",
            fold=FOLDS,
            name=["vocabulary.txt", "sequences.npz"],
            allow_missing=True,
        ),
        *[
            f
            for c in CONFIGS
            for s in SEEDS
            for fold in FOLDS
            for f in run_outputs(f"{cv_dir(fold)}/models/{c}/seed{s}", c)
        ],
        "results/{lang}/best/best.json",
        *expand(
            "results/{{lang}}/best/export/{name}",
            name=["keras", "weights.npz", "architecture.json", "vocabulary.txt"],
        ),
        "results/{lang}/scratch/probs_test.npy",
        "results/{lang}/scratch/predictions_test.csv",
        *expand(
            "results/{{lang}}/{name}",
            name=[
                "comparison.json",
                "comparison.md",
                "baselines.json",
                "statistics.json",
            ],
        ),
        *expand(
            "results/{{lang}}/figures/experiment_{experiment}.png",
            experiment=EXPERIMENTS,
        ),
        *expand(
            "results/{{lang}}/figures/{name}.png",
            name=["overview", "best_confusion", "best_history", "keras_vs_scratch"],
        ),
    ]
    table = expand("results/nusax/table.{ext}", ext=["json", "md", "png"])
    baselines = expand("results/{lang}/paper_baselines.json", lang=LANGS)
    return [
        "results/summary.json",
        "results/summary.md",
        *expand(per_lang, lang=STUDY_LANGS),
        *(table + baselines if TABLE else []),
    ]


TABLE = config["table"]["enabled"]
ZERO_SHOT_FROM = config["table"]["zero_shot_from"]
if TABLE and ZERO_SHOT_FROM and ZERO_SHOT_FROM not in LANGS:
    raise WorkflowError(
        f"config: table.zero_shot_from: {ZERO_SHOT_FROM} is not in data.languages"
    )


def get_max_tokens(wildcards):
    """The vocabulary's size: table.multilingual's for the multilingual data."""
    if wildcards.lang == "mul":
        return config["table"]["multilingual"]["max_tokens"]
    return config["vectorize"]["max_tokens"]


def get_table_inputs(wildcards):
    """Per language: the test split, the paper's baselines, and the selected model's test
    probabilities (after its select_best checkpoint)."""
    inputs = {}
    for lang in LANGS:
        where = SimpleNamespace(lang=lang)
        inputs[f"test_{lang}"] = f"results/{lang}/data/test.csv"
        inputs[f"baselines_{lang}"] = f"results/{lang}/paper_baselines.json"
        inputs[f"selected_{lang}"] = best_model("probs_test.npy")(where)
        if ZERO_SHOT_FROM and lang != ZERO_SHOT_FROM:
            zero_shot = f"results/{lang}/zero_shot/from_{ZERO_SHOT_FROM}/probs_test.npy"
            inputs[f"zero_shot_{lang}"] = zero_shot
    if MULTILINGUAL:
        inputs["multilingual"] = best_model("probs_test.npy")(
            SimpleNamespace(lang="mul")
        )
    return inputs
