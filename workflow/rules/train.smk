rule train:
    input:
        sequences=get_sequences,
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
    priority: get_training_cost
    conda:
        "../../envs/keras.yaml"
    threads: 1
    resources:
        gpu=1,
        mem_mb=1500,
        runtime=60,
    params:
        package=package_code("train_keras.py"),
        model=get_model_params,
        train=TRAIN_PARAMS,
    script:
        "../scripts/train_keras.py"


# The NumPy engine's training (configs with engine: numpy): the same files but the
# Keras model, which keras_twin builds from the weights where something asks for it.
rule train_numpy:
    input:
        sequences=get_sequences,
        vocabulary="results/{lang}/vectorized/vocabulary.txt",
    output:
        **run_files(run_dir()),
    log:
        "results/logs/{lang}/train/{config_id}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{lang}/train/{config_id}/seed{seed}.tsv"
    wildcard_constraints:
        config_id=NUMPY_ID,
    priority: get_training_cost
    conda:
        "../../envs/numpy.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=60,
    params:
        package=package_code("train_numpy.py"),
        model=get_model_params,
        train=TRAIN_PARAMS,
    script:
        "../scripts/train_numpy.py"


# A NumPy-trained network's runs (every seed, in one Keras process) as Keras models, and
# Keras's probabilities on the test split (the Keras side of the Keras-vs-scratch check).
rule keras_twin:
    input:
        sequences=get_sequences,
        weights=expand(f"{run_dir()}/weights.npz", seed=SEEDS, allow_missing=True),
        architecture=expand(
            f"{run_dir()}/architecture.json", seed=SEEDS, allow_missing=True
        ),
    output:
        model=expand(f"{run_dir()}/model.keras", seed=SEEDS, allow_missing=True),
        probs_test=expand(
            f"{run_dir()}/keras_probs_test.npy", seed=SEEDS, allow_missing=True
        ),
    log:
        "results/logs/{lang}/keras_twin/{config_id}.log",
    benchmark:
        "results/benchmarks/{lang}/keras_twin/{config_id}.tsv"
    wildcard_constraints:
        config_id=NUMPY_ID,
    conda:
        "../../envs/keras.yaml"
    threads: 1
    resources:
        mem_mb=1500,
    params:
        package=package_code("keras_twin.py"),
        model=get_model_params,
        train=TRAIN_PARAMS,
        keras_backend=KERAS_BACKEND,
    script:
        "../scripts/keras_twin.py"
