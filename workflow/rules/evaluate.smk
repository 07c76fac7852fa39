# Each model's scores, the seed ensembles and theirs, and the TF-IDF baselines.


rule evaluate:
    input:
        sequences="results/{lang}/vectorized/sequences.npz",
        probs_valid=f"{run_dir()}/probs_valid.npy",
        probs_test=f"{run_dir()}/probs_test.npy",
        info=f"{run_dir()}/info.json",
    output:
        metrics=f"{run_dir()}/metrics.json",
    log:
        "results/logs/{lang}/evaluate/{config_id}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{lang}/evaluate/{config_id}/seed{seed}.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("evaluate.py"),
        model_id=lambda wc: wc.config_id,
    script:
        "../scripts/evaluate.py"


rule baselines:
    input:
        splits=expand(
            "results/{{lang}}/data/{split}.csv", split=["train", "valid", "test"]
        ),
    output:
        baselines="results/{lang}/baselines.json",
    log:
        "results/logs/{lang}/baselines.log",
    benchmark:
        "results/benchmarks/{lang}/baselines.tsv"
    conda:
        "../../envs/sklearn.yaml"
    params:
        package=package_code("baselines.py"),
    script:
        "../scripts/baselines.py"


rule ensemble:
    input:
        probs_valid=get_seed_runs("probs_valid.npy"),
        probs_test=get_seed_runs("probs_test.npy"),
        info=get_seed_runs("info.json"),
    output:
        probs_valid=f"{ensemble_dir()}/probs_valid.npy",
        probs_test=f"{ensemble_dir()}/probs_test.npy",
        info=f"{ensemble_dir()}/info.json",
    log:
        "results/logs/{lang}/ensemble/{config_id}.log",
    benchmark:
        "results/benchmarks/{lang}/ensemble/{config_id}.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("ensemble.py"),
    script:
        "../scripts/ensemble.py"


rule evaluate_ensemble:
    input:
        sequences="results/{lang}/vectorized/sequences.npz",
        probs_valid=f"{ensemble_dir()}/probs_valid.npy",
        probs_test=f"{ensemble_dir()}/probs_test.npy",
        info=f"{ensemble_dir()}/info.json",
    output:
        metrics=f"{ensemble_dir()}/metrics.json",
    log:
        "results/logs/{lang}/evaluate/{config_id}/ensemble.log",
    benchmark:
        "results/benchmarks/{lang}/evaluate/{config_id}/ensemble.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("evaluate.py"),
        model_id=lambda wc: f"{wc.config_id}{ENSEMBLE}",
    script:
        "../scripts/evaluate.py"
