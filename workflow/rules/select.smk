checkpoint select_best:
    input:
        metrics=all_metrics(),
        cv_scores=cv_scores(),
    output:
        best="results/{lang}/best/best.json",
    log:
        "results/logs/{lang}/select_best.log",
    benchmark:
        "results/benchmarks/{lang}/select_best.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("select_best.py"),
        metric=SELECTION_METRIC,
        candidates=CANDIDATES,
        names=MODEL_NAMES,
    script:
        "../scripts/select_best.py"


rule export_weights:
    input:
        best="results/{lang}/best/best.json",
        model=get_best_runs("model.keras"),
        weights=get_best_runs("weights.npz"),
        architecture=get_best_runs("architecture.json"),
        vocabulary="results/{lang}/vectorized/vocabulary.txt",
    output:
        keras=directory("results/{lang}/best/export/keras"),
        weights="results/{lang}/best/export/weights.npz",
        architecture="results/{lang}/best/export/architecture.json",
        vocabulary="results/{lang}/best/export/vocabulary.txt",
    log:
        "results/logs/{lang}/export_weights.log",
    benchmark:
        "results/benchmarks/{lang}/export_weights.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("export_weights.py"),
    script:
        "../scripts/export_weights.py"
