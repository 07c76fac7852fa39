# Ids, paths and input functions. Names: get_* are input functions (or make them: what
# Snakemake calls per job, with its wildcards); nouns are fixed paths and patterns.
import json
from types import SimpleNamespace

from nusax_lstm.pipeline import closure
from nusax_lstm.pipeline.configs import model_params, train_params
from nusax_lstm.pipeline.memo import digest
from nusax_lstm.pipeline.scheduling import training_cost
from nusax_lstm.tuning.space import search_space

SCRIPTS = Path(workflow.basedir) / "workflow" / "scripts"

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

# The study's languages; with table.multilingual, also "mul": all of them together,
# a language of its own to every rule after the download.
LANGS = config["data"]["languages"]
TABLE = config["table"]["enabled"]
MULTILINGUAL = TABLE and config["table"]["multilingual"]["enabled"]
STUDY_LANGS = [*LANGS, "mul"] if MULTILINGUAL else LANGS
ZERO_SHOT_FROM = config["table"]["zero_shot_from"]
SEEDS = config["train"]["seeds"]


wildcard_constraints:
    lang="[a-z]{3}",
    config_id="[a-z0-9-]+",
    seed=r"\d+",
    fold=r"\d+",
    buckets=r"\d+",
    experiment="[A-Za-z0-9_-]+",
    search="[a-z0-9_]+",
    worker=r"\d+",


TRAIN_PARAMS = train_params(config["train"])
SUBWORD_BUCKETS = config["vectorize"]["subwords"]["buckets"]
KERAS_BACKEND = config["train"]["keras_backend"]
# Config ids of NumPy-trained configs end in -numpy (configs.ModelConfig.id).
NUMPY_ID = "[a-z0-9-]+-numpy"
KERAS_ID = "[a-z0-9-]+(?<!-numpy)"

# A config's seed ensemble (its runs' probabilities averaged) is a model of its own, with
# this suffix on the config id; with one seed there is none (it would be the run itself).
ENSEMBLE = "-ensemble"
ENSEMBLES = list(CONFIGS) if len(SEEDS) > 1 else []
CANDIDATES = config["selection"]["candidates"]
# The hyperparameter search (tune.smk): search name -> its languages and trials.
TUNE_SEARCHES = list(config["tune"]["searches"])
TUNE_JOURNAL = "results/tune/{search}/journal.log"

# model id -> display names: configs and their ensembles
MODEL_NAMES = CONFIG_NAMES | {
    f"{c}{ENSEMBLE}": [f"{name} (seed ensemble)" for name in CONFIG_NAMES[c]]
    for c in ENSEMBLES
}

# Cross-validated selection (selection.cv_folds: k): every config and seed also trains
# once per fold of train + valid; the selection score is the mean held-out macro F1.
CV_FOLDS = config["selection"]["cv_folds"] or 0
FOLDS = list(range(CV_FOLDS))
SELECTION_METRIC = "cv_macro_f1" if CV_FOLDS else config["selection"]["metric"]


def package_code(script):
    """The package's files that workflow/scripts/`script` reaches (nusax_lstm.pipeline.closure),
    with a hash of each, as a rule's param: an edit to one reruns exactly the rules whose
    scripts import it. Memoised by the bytes of the package and the script."""
    path = SCRIPTS / script
    key = digest("closure", closure.package_digest(), script, path.read_bytes())
    return MEMO.get(key, lambda: closure.package_code(path))


def get_model_params(wildcards):
    model_config = CONFIGS[wildcards.config_id]
    return model_params(model_config, config["train"], config["vectorize"]["subwords"])


def subword_file(config_id):
    """A config's inputs with its tokens' n-grams, in its count of buckets."""
    buckets = dict(CONFIGS[config_id].own).get("buckets", SUBWORD_BUCKETS)
    return f"results/{{lang}}/vectorized/subwords-{buckets}.npz"


def get_sequences(wildcards):
    """A config's inputs: word ids, or with input: subword also each token's n-grams."""
    if CONFIGS[wildcards.config_id].input == "subword":
        return subword_file(wildcards.config_id).format(lang=wildcards.lang)
    return f"results/{wildcards.lang}/vectorized/sequences.npz"


def get_training_cost(wildcards):
    # "mul" trains on every language's texts
    texts = len(LANGS) if wildcards.lang == "mul" else 1
    return training_cost(
        CONFIGS[wildcards.config_id], config["train"]["embedding_dim"], texts
    )


def get_max_tokens(wildcards):
    """The vocabulary's size: table.multilingual's for the multilingual data."""
    if wildcards.lang == "mul":
        return config["table"]["multilingual"]["max_tokens"]
    return config["vectorize"]["max_tokens"]


def explanations():
    """The explain rule's outputs of a language, as a list: empty with explain.enabled off."""
    if not config["explain"]["enabled"]:
        return []
    return ["results/{lang}/explanations.json", "results/{lang}/figures/explanations"]


def get_negations(wildcards):
    """The words that count as a negation in the language (none for "mul")."""
    return config["explain"]["negations"].get(wildcards.lang, [])


# Paths: folders and files of a run (one config, one seed), of an ensemble, of a fold.
def run_dir(config_id="{config_id}", seed="{seed}"):
    return f"results/{{lang}}/models/{config_id}/seed{seed}"


def ensemble_dir(config_id="{config_id}"):
    return f"results/{{lang}}/models/{config_id}/ensemble"


def config_metrics(config_id="{config_id}"):
    """The scores of a config's models: each seed's run and its seed ensemble (one
    evaluate job writes them)."""
    return f"results/{{lang}}/models/{config_id}/metrics.json"


def ensemble_files():
    """A config's seed ensemble's files, by output name: none with one seed."""
    names = ("probs_valid.npy", "probs_test.npy")
    return {
        f"ensemble_{name.split('.')[0]}": f"{ensemble_dir()}/{name}"
        for name in names
        if ENSEMBLES
    }


def cv_dir(fold="{fold}"):
    return f"results/{{lang}}/cv/fold{fold}"


def fold_run_dir():
    return f"{cv_dir()}/models/{{config_id}}/seed{{seed}}"


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


def run_outputs(folder, config_id):
    """Every file a training leaves in `folder`: model.keras too where Keras trained it."""
    files = [*run_files(folder).values()]
    return files if CONFIGS[config_id].numpy else [*files, f"{folder}/model.keras"]


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


def all_runs(suffix):
    """One path per (config, seed) of a language, for the given run file."""
    return [
        f"{run_dir(config_id, seed)}/{suffix}"
        for config_id in CONFIGS
        for seed in SEEDS
    ]


def all_models(suffix):
    """The file `suffix` of every model of a language: every run of every config, then
    every config's ensemble (the order of selection.model_scores)."""
    return all_runs(suffix) + [f"{ensemble_dir(c)}/{suffix}" for c in ENSEMBLES]


def all_metrics():
    """Every config's scores file of a language."""
    return [config_metrics(c) for c in CONFIGS]


def get_seed_runs(suffix):
    """The file `suffix` of every seed's run of one config."""

    def inputs(wildcards):
        return [
            f"{run_dir(wildcards.config_id, seed)}/{suffix}".format(lang=wildcards.lang)
            for seed in SEEDS
        ]

    return inputs


def experiment_configs(experiment):
    """An experiment's config ids, each once, in its order."""
    return list(dict.fromkeys(EXPERIMENT_IDS[experiment].values()))


def get_experiment_runs(suffix):
    """The run file `suffix` of every (config, seed) of one experiment."""

    def inputs(wildcards):
        return [
            f"results/{wildcards.lang}/models/{i}/seed{s}/{suffix}"
            for i in experiment_configs(wildcards.experiment)
            for s in SEEDS
        ]

    return inputs


def get_experiment_metrics(wildcards):
    """The scores files of one experiment's configs, in get_experiment_runs' order."""
    return [
        config_metrics(i).format(lang=wildcards.lang)
        for i in experiment_configs(wildcards.experiment)
    ]


def read_best(wildcards):
    """best.json of a language. select_best is a checkpoint: Snakemake runs it before it
    asks an input function that calls this for files."""
    best = checkpoints.select_best.get(lang=wildcards.lang).output.best
    with open(best) as fh:
        return json.load(fh)


def get_best_model(suffix):
    """The chosen model's file `suffix`: its run's, or its ensemble's."""

    def inputs(wildcards):
        best = read_best(wildcards)
        config_id = best["config_id"].removesuffix(ENSEMBLE)
        if best["config_id"].endswith(ENSEMBLE):
            folder = ensemble_dir(config_id)
        else:
            folder = run_dir(config_id, best["seed"])
        return f"{folder}/{suffix}".format(lang=wildcards.lang)

    return inputs


def get_best_metrics(wildcards):
    """The scores file of the chosen model's config."""
    config_id = read_best(wildcards)["config_id"].removesuffix(ENSEMBLE)
    return config_metrics(config_id).format(lang=wildcards.lang)


def get_best_runs(suffix):
    """The file `suffix` of each run behind the chosen model (one run, or the members of
    a seed ensemble), in best.json's member order."""

    def inputs(wildcards):
        best = read_best(wildcards)
        config_id = best["config_id"].removesuffix(ENSEMBLE)
        return [
            f"{run_dir(config_id, seed)}/{suffix}".format(lang=wildcards.lang)
            for seed in best["members"]
        ]

    return inputs


def get_keras_probs(wildcards):
    """The chosen model's Keras probabilities on the test split, as a list: its
    training's (Keras-trained), or each member's Keras twin's (NumPy-trained; averaged
    like an ensemble's)."""
    if CONFIGS[read_best(wildcards)["config_id"].removesuffix(ENSEMBLE)].numpy:
        return get_best_runs("keras_probs_test.npy")(wildcards)
    return [get_best_model("probs_test.npy")(wildcards)]


def get_per_language(**files):
    """For unpack(): every `name=pattern` once per language, as `name_<lang>` (the
    pattern's {lang} filled in), so a script finds each language's files by name."""

    def inputs(wildcards):
        return {
            f"{name}_{lang}": expand(pattern, lang=lang)
            for name, pattern in files.items()
            for lang in STUDY_LANGS
        }

    return inputs


def get_table_inputs(wildcards):
    """Per language: the test split, the paper's baselines and ours, and the selected
    model's test probabilities (after its select_best checkpoint)."""
    inputs = {}
    for lang in LANGS:
        where = SimpleNamespace(lang=lang)
        inputs[f"test_{lang}"] = f"results/{lang}/data/test.csv"
        inputs[f"paper_{lang}"] = f"results/{lang}/paper_baselines.json"
        inputs[f"baselines_{lang}"] = f"results/{lang}/baselines.json"
        inputs[f"selected_{lang}"] = get_best_model("probs_test.npy")(where)
        if ZERO_SHOT_FROM and lang != ZERO_SHOT_FROM:
            zero_shot = f"results/{lang}/zero_shot/from_{ZERO_SHOT_FROM}/probs_test.npy"
            inputs[f"zero_shot_{lang}"] = zero_shot
    if MULTILINGUAL:
        inputs["multilingual"] = get_best_model("probs_test.npy")(
            SimpleNamespace(lang="mul")
        )
        inputs["baselines_mul"] = "results/mul/baselines.json"
    return inputs


def get_final_output():
    """What a run leaves, as the README lists it. The default target asks for the files
    nothing else reads (their jobs pull in every other job, so each is checked for a
    rerun) and for any other file that is missing: Snakemake checks only the files
    something asks for, and so a deleted one is remade by a plain rerun. Asking for every
    file would match each to its rule at every start (benchmarks/README.md, no-op)."""
    ends, others = final_files()
    return ends + [path for path in others if not os.path.exists(path)]


def final_files():
    """What a run leaves: the files nothing else reads, and the others."""
    per_lang_ends = [
        "results/{lang}/scratch/predictions_test.csv",
        "results/{lang}/comparison.md",
        *explanations(),
        *expand(
            "results/{{lang}}/figures/experiment_{experiment}.png",
            experiment=EXPERIMENTS,
        ),
        *expand(
            "results/{{lang}}/figures/{name}.png",
            name=["overview", "best_confusion", "best_history", "keras_vs_scratch"],
        ),
    ]
    per_lang_others = [
        *expand("results/{{lang}}/data/{split}.csv", split=["train", "valid", "test"]),
        "results/{lang}/data/provenance.json",
        "results/{lang}/vectorized/vocabulary.txt",
        "results/{lang}/vectorized/sequences.npz",
        *{subword_file(c) for c in CONFIGS if CONFIGS[c].input == "subword"},
        *all_metrics(),
        *[f for c in CONFIGS for s in SEEDS for f in run_outputs(run_dir(c, s), c)],
        *expand(
            list(ensemble_files().values()), config_id=ENSEMBLES, allow_missing=True
        ),
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
        *expand(
            "results/{{lang}}/{name}",
            name=["comparison.json", "baselines.json", "statistics.json"],
        ),
    ]
    table = expand("results/nusax/table.{ext}", ext=["json", "md", "png"])
    study_ends = [
        "results/summary.json",
        "results/summary.md",
        *expand(per_lang_ends, lang=STUDY_LANGS),
        *(table if TABLE else []),
    ]
    study_others = [
        *expand(per_lang_others, lang=STUDY_LANGS),
        *(expand("results/{lang}/paper_baselines.json", lang=LANGS) if TABLE else []),
    ]
    search_ends = [
        *expand(
            "results/tune/{search}/{name}",
            search=TUNE_SEARCHES,
            name=["best.json", "trials.csv", "history.png", "importance.png"],
        ),
        *(["results/tune/study.yaml"] if TUNE_SEARCHES else []),
    ]
    if not EXPERIMENTS:
        return search_ends, []
    return study_ends + search_ends, study_others


def get_tune_study(wildcards):
    """A search's study: its languages and trials, the settings every trial shares, and
    a name that changes with them, the space included (a changed search starts a new
    study in the journal rather than mixing its trials with the old ones')."""
    tune, vectorize = config["tune"], config["vectorize"]
    search = tune["searches"][wildcards.search]
    settings = {
        "space": search_space(tune, wildcards.search),
        "folds": tune["folds"],
        "fold_seed": tune["fold_seed"],
        "max_tokens": {
            lang: get_max_tokens(SimpleNamespace(lang=lang))
            for lang in search["languages"]
        },
        "sequence_length": vectorize["sequence_length"],
        "subwords": vectorize["subwords"],
        "seed": SEEDS[0],
    }
    key = digest("tune", json.dumps([search["languages"], settings]))
    name = f"{wildcards.search}-{key[:8]}"
    return {"name": name, **search, "settings": settings}


def get_tune_texts(wildcards):
    """The train and valid splits of a search's languages (never test), by name."""
    languages = config["tune"]["searches"][wildcards.search]["languages"]
    return {
        f"{lang}_{split}": f"results/{lang}/data/{split}.csv"
        for lang in languages
        for split in ("train", "valid")
    }


def get_tune_runtime(wildcards):
    return config["tune"]["runtime"]
