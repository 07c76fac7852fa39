# Each model's scores, the seed ensembles and theirs, and the TF-IDF baselines.


# One job per config (Snakemake's cost per job, not the work, is what these cost): the
# scores of each seed's run, and with two seeds or more the seed ensemble's, a model of
# its own (the runs' class probabilities averaged) with its scores.
rule evaluate:
    input:
        sequences="results/{lang}/vectorized/sequences.npz",
        probs_valid=get_seed_runs("probs_valid.npy"),
        probs_test=get_seed_runs("probs_test.npy"),
        info=get_seed_runs("info.json"),
    output:
        **ensemble_files(),
        metrics=config_metrics(),
    log:
        "results/logs/{lang}/evaluate/{config_id}.log",
    benchmark:
        "results/benchmarks/{lang}/evaluate/{config_id}.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("evaluate.py"),
        ensemble=ENSEMBLE,
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
