rule scratch_inference:
    input:
        weights="results/{lang}/best/export/weights.npz",
        architecture="results/{lang}/best/export/architecture.json",
        vocabulary="results/{lang}/best/export/vocabulary.txt",
        test="results/{lang}/data/test.csv",
    output:
        probs="results/{lang}/scratch/probs_test.npy",
        predictions="results/{lang}/scratch/predictions_test.csv",
    log:
        "results/logs/{lang}/scratch_inference.log",
    benchmark:
        "results/benchmarks/{lang}/scratch_inference.tsv"
    conda:
        "../../envs/numpy.yaml"
    threads: 2  # the engine shares big unmasked batches among threads
    params:
        package=package_code("scratch_inference.py"),
    script:
        "../scripts/scratch_inference.py"


rule explain:
    input:
        weights="results/{lang}/best/export/weights.npz",
        architecture="results/{lang}/best/export/architecture.json",
        vocabulary="results/{lang}/best/export/vocabulary.txt",
        probs="results/{lang}/scratch/probs_test.npy",
        test="results/{lang}/data/test.csv",
    output:
        json="results/{lang}/explanations.json",
        figures=report(
            directory("results/{lang}/figures/explanations"),
            patterns=["{name}.png"],
            caption="../report/explanations.rst",
            category="Explanations",
            labels={"language": "{lang}", "text": "{name}"},
        ),
    log:
        "results/logs/{lang}/explain.log",
    benchmark:
        "results/benchmarks/{lang}/explain.tsv"
    conda:
        "../../envs/sklearn.yaml"
    params:
        package=package_code("explain.py"),
        method=config["explain"]["method"],
        steps=config["explain"]["steps"],
        negation_texts=config["explain"]["negation_texts"],
        negations=get_negations,
    script:
        "../scripts/explain.py"


rule compare:
    input:
        best="results/{lang}/best/best.json",
        keras_probs=get_keras_probs,
        scratch_probs="results/{lang}/scratch/probs_test.npy",
        test="results/{lang}/data/test.csv",
    output:
        json="results/{lang}/comparison.json",
        md=report(
            "results/{lang}/comparison.md",
            caption="../report/comparison.rst",
            category="Keras vs scratch",
        ),
    log:
        "results/logs/{lang}/compare.log",
    benchmark:
        "results/benchmarks/{lang}/compare.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("compare.py"),
    script:
        "../scripts/compare.py"
