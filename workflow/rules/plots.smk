rule plot_experiment:
    input:
        histories=get_experiment_runs("history.json"),
        metrics=get_experiment_metrics,
    output:
        report(
            "results/{lang}/figures/experiment_{experiment}.png",
            caption="../report/experiment.rst",
            category="Experiments",
            subcategory="{experiment}",
            labels={
                "language": "{lang}",
                "figure": "{experiment}: curves and test F1",
            },
        ),
    log:
        "results/logs/{lang}/plot_experiment/{experiment}.log",
    benchmark:
        "results/benchmarks/{lang}/plot_experiment/{experiment}.tsv"
    conda:
        "../../envs/sklearn.yaml"
    params:
        package=package_code("plot_experiment.py"),
        names=lambda wc: EXPERIMENT_IDS[wc.experiment],
    script:
        "../scripts/plot_experiment.py"


rule plot_study:
    input:
        best="results/{lang}/best/best.json",
        statistics="results/{lang}/statistics.json",
        best_metrics=get_best_metrics,
        best_histories=get_best_runs("history.json"),
        best_infos=get_best_runs("info.json"),
        keras_probs=get_best_model("probs_test.npy"),
        scratch_probs="results/{lang}/scratch/probs_test.npy",
    output:
        overview=report(
            "results/{lang}/figures/overview.png",
            caption="../report/overview.rst",
            category="Overview",
            labels={"language": "{lang}", "figure": "all configs and baselines"},
        ),
        confusion=report(
            "results/{lang}/figures/best_confusion.png",
            caption="../report/best_confusion.rst",
            category="Selected model",
            labels={"language": "{lang}", "figure": "confusion matrix"},
        ),
        history=report(
            "results/{lang}/figures/best_history.png",
            caption="../report/best_history.rst",
            category="Selected model",
            labels={"language": "{lang}", "figure": "training history"},
        ),
        scatter=report(
            "results/{lang}/figures/keras_vs_scratch.png",
            caption="../report/keras_vs_scratch.rst",
            category="Keras vs scratch",
            labels={"language": "{lang}", "figure": "probability scatter"},
        ),
    log:
        "results/logs/{lang}/plot_study.log",
    benchmark:
        "results/benchmarks/{lang}/plot_study.tsv"
    conda:
        "../../envs/sklearn.yaml"
    params:
        package=package_code("plot_study.py"),
        names=MODEL_NAMES,
        ensembles=[f"{c}{ENSEMBLE}" for c in ENSEMBLES],
    script:
        "../scripts/plot_study.py"
