# Cross-validated selection, with selection.cv_folds: k (see common.smk).


rule cv_split:
    input:
        splits=expand("results/{{lang}}/data/{split}.csv", split=["train", "valid"]),
    output:
        vocabulary=expand(f"{cv_dir()}/vocabulary.txt", fold=FOLDS, allow_missing=True),
        sequences=expand(f"{cv_dir()}/sequences.npz", fold=FOLDS, allow_missing=True),
    log:
        "results/logs/{lang}/cv_split.log",
    benchmark:
        "results/benchmarks/{lang}/cv_split.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("cv_split.py"),
        max_tokens=config["vectorize"]["max_tokens"],
        sequence_length=config["vectorize"]["sequence_length"],
        seed=config["selection"]["cv_seed"],
    script:
        "../scripts/cv_split.py"


# A fold's training: the study's training on the fold's data (its held-out fold as the
# validation split, which early stopping watches too), by Keras or by the NumPy engine.
use rule train as train_fold with:
    input:
        sequences=f"{cv_dir()}/sequences.npz",
        vocabulary=f"{cv_dir()}/vocabulary.txt",
    output:
        **run_files(fold_run_dir()),
        model=f"{fold_run_dir()}/model.keras",
    log:
        "results/logs/{lang}/cv/fold{fold}/train/{config_id}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{lang}/cv/fold{fold}/train/{config_id}/seed{seed}.tsv"


use rule train_numpy as train_fold_numpy with:
    input:
        sequences=f"{cv_dir()}/sequences.npz",
        vocabulary=f"{cv_dir()}/vocabulary.txt",
    output:
        **run_files(fold_run_dir()),
    log:
        "results/logs/{lang}/cv/fold{fold}/train/{config_id}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{lang}/cv/fold{fold}/train/{config_id}/seed{seed}.tsv"


rule cross_validate:
    input:
        sequences=expand(f"{cv_dir()}/sequences.npz", fold=FOLDS, allow_missing=True),
        probs=fold_runs("probs_valid.npy"),
    output:
        scores="results/{lang}/cv/scores.json",
    log:
        "results/logs/{lang}/cross_validate.log",
    benchmark:
        "results/benchmarks/{lang}/cross_validate.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("cross_validate.py"),
        configs=list(CONFIGS),
        seeds=SEEDS,
        ensemble=ENSEMBLE,
    script:
        "../scripts/cross_validate.py"
