checkpoint select_best:
    input:
        source_files("selection.py"),
        metrics=all_runs("metrics.json"),
    output:
        best="results/{lang}/best/best.json",
    log:
        "results/logs/{lang}/select_best.log",
    benchmark:
        "results/benchmarks/{lang}/select_best.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        metric=config["selection"]["metric"],
        names=CONFIG_NAMES,
    script:
        "../scripts/select_best.py"


rule export_weights:
    input:
        source_files("export.py", "text.py"),
        best="results/{lang}/best/best.json",
        model=best_run("model.keras"),
        weights=best_run("weights.npz"),
        architecture=best_run("architecture.json"),
        vocabulary="results/{lang}/vectorized/vocabulary.txt",
    output:
        keras_weights="results/{lang}/best/export/model.weights.h5",
        weights="results/{lang}/best/export/weights.npz",
        architecture="results/{lang}/best/export/architecture.json",
        vocabulary="results/{lang}/best/export/vocabulary.txt",
    log:
        "results/logs/{lang}/export_weights.log",
    benchmark:
        "results/benchmarks/{lang}/export_weights.tsv"
    conda:
        "../../envs/numpy.yaml"
    script:
        "../scripts/export_weights.py"
