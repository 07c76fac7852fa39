rule train:
    input:
        package("keras_model.py", "text.py"),
        sequences="results/{lang}/vectorized/sequences.npz",
        vocabulary="results/{lang}/vectorized/vocabulary.txt",
    output:
        model=f"{run_dir()}/model.keras",
        history=f"{run_dir()}/history.json",
        probs_valid=f"{run_dir()}/probs_valid.npy",
        probs_test=f"{run_dir()}/probs_test.npy",
        info=f"{run_dir()}/info.json",
    log:
        "results/logs/{lang}/train/{config_id}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{lang}/train/{config_id}/seed{seed}.tsv"
    conda:
        "../../envs/tensorflow.yaml"
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=60,
    params:
        units=lambda wc: list(CONFIGS[wc.config_id].units),
        bidirectional=lambda wc: CONFIGS[wc.config_id].bidirectional,
        train={k: v for k, v in config["train"].items() if k != "seeds"},
    script:
        "../scripts/train.py"


rule evaluate:
    input:
        package("metrics.py"),
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
    script:
        "../scripts/evaluate.py"
