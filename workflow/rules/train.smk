rule train:
    input:
        sequences="results/{lang}/vectorized/sequences.npz",
        vocabulary="results/{lang}/vectorized/vocabulary.txt",
    output:
        **run_files(run_dir()),
        model=f"{run_dir()}/model.keras",
    log:
        "results/logs/{lang}/train/{config_id}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{lang}/train/{config_id}/seed{seed}.tsv"
    wildcard_constraints:
        config_id=KERAS_ID,
    priority: training_cost
    conda:
        "../../envs/keras.yaml"
    threads: 1
    resources:
        gpu=1,
        mem_mb=1500,
        runtime=60,
    params:
        package=package_code(*TRAINING_SOURCES),
        model=lambda wc: model_params(wc.config_id),
        train=TRAIN_PARAMS,
    script:
        "../scripts/train.py"


# The NumPy engine's training (configs with backend: numpy): the same files but the
# Keras model, which keras_twin builds from the weights where something asks for it.
rule train_numpy:
    input:
        sequences="results/{lang}/vectorized/sequences.npz",
        vocabulary="results/{lang}/vectorized/vocabulary.txt",
    output:
        **run_files(run_dir()),
    log:
        "results/logs/{lang}/train/{config_id}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{lang}/train/{config_id}/seed{seed}.tsv"
    wildcard_constraints:
        config_id=NUMPY_ID,
    priority: training_cost
    conda:
        "../../envs/numpy.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=60,
    params:
        package=package_code(*NUMPY_TRAINING_SOURCES),
        model=lambda wc: model_params(wc.config_id),
        train=TRAIN_PARAMS,
    script:
        "../scripts/train.py"


# A NumPy-trained network as a Keras model, and Keras's probabilities on the test split
# (the Keras side of the Keras-vs-scratch check).
rule keras_twin:
    input:
        sequences="results/{lang}/vectorized/sequences.npz",
        weights=f"{run_dir()}/weights.npz",
        architecture=f"{run_dir()}/architecture.json",
    output:
        model=f"{run_dir()}/model.keras",
        probs_test=f"{run_dir()}/keras_probs_test.npy",
    log:
        "results/logs/{lang}/keras_twin/{config_id}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{lang}/keras_twin/{config_id}/seed{seed}.tsv"
    wildcard_constraints:
        config_id=NUMPY_ID,
    conda:
        "../../envs/keras.yaml"
    threads: 1
    resources:
        mem_mb=1500,
    params:
        package=package_code(
            "keras_model.py", "keras_training.py", "metrics.py", "training.py"
        ),
        model=lambda wc: model_params(wc.config_id),
        train=TRAIN_PARAMS,
        backend=KERAS_BACKEND,
    script:
        "../scripts/keras_twin.py"


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
        package=package_code("metrics.py"),
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
        package=package_code("baselines.py", "metrics.py", "data.py"),
    script:
        "../scripts/baselines.py"


rule ensemble:
    input:
        probs_valid=seed_runs("probs_valid.npy"),
        probs_test=seed_runs("probs_test.npy"),
        info=seed_runs("info.json"),
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
        package=package_code("metrics.py"),
        model_id=lambda wc: f"{wc.config_id}{ENSEMBLE}",
    script:
        "../scripts/evaluate.py"
