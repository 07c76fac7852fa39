rule statistics:
    input:
        sequences="results/{lang}/vectorized/sequences.npz",
        metrics=all_models("metrics.json"),
        probs_test=all_models("probs_test.npy"),
        baselines="results/{lang}/baselines.json",
        best="results/{lang}/best/best.json",
    output:
        statistics="results/{lang}/statistics.json",
    log:
        "results/logs/{lang}/statistics.log",
    benchmark:
        "results/benchmarks/{lang}/statistics.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("stats.py", "metrics.py", "selection.py", "summary.py"),
        experiments=EXPERIMENT_IDS,
        settings=config["statistics"],
    script:
        "../scripts/statistics.py"
