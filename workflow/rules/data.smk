# Every rule here is cheap and every later job waits on it: before any training
# (trainings' priorities are their costs, train.smk).
PRIORITY_DATA = 1000


localrules:
    download,


rule download:
    output:
        splits=expand(
            "results/{{lang}}/data/{split}.csv", split=["train", "valid", "test"]
        ),
        provenance="results/{lang}/data/provenance.json",
    log:
        "results/logs/{lang}/download.log",
    benchmark:
        "results/benchmarks/{lang}/download.tsv"
    priority: PRIORITY_DATA
    conda:
        "../../envs/data.yaml"
    params:
        package=package_code("download.py"),
        source=config["data"]["source"],
        local_dir=config["data"]["local_dir"],
        mirrors=config["data"]["mirrors"],
    script:
        "../scripts/download.py"


rule vectorize:
    input:
        splits=expand(
            "results/{{lang}}/data/{split}.csv", split=["train", "valid", "test"]
        ),
    output:
        vocabulary="results/{lang}/vectorized/vocabulary.txt",
        sequences="results/{lang}/vectorized/sequences.npz",
    log:
        "results/logs/{lang}/vectorize.log",
    benchmark:
        "results/benchmarks/{lang}/vectorize.tsv"
    priority: PRIORITY_DATA
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("vectorize.py"),
        max_tokens=get_max_tokens,
        sequence_length=config["vectorize"]["sequence_length"],
    script:
        "../scripts/vectorize.py"


# Subword inputs (configs with input: subword): per token its word id and its character
# n-grams' buckets (of `buckets` buckets), from the vocabulary vectorize adapted.
rule subwords:
    input:
        splits=expand(
            "results/{{lang}}/data/{split}.csv", split=["train", "valid", "test"]
        ),
        vocabulary="results/{lang}/vectorized/vocabulary.txt",
    output:
        subwords="results/{lang}/vectorized/subwords-{buckets}.npz",
    log:
        "results/logs/{lang}/subwords-{buckets}.log",
    benchmark:
        "results/benchmarks/{lang}/subwords-{buckets}.tsv"
    priority: PRIORITY_DATA
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("subwords.py"),
        sequence_length=config["vectorize"]["sequence_length"],
        subwords=lambda wc: config["vectorize"]["subwords"]
        | {"buckets": int(wc.buckets)},
    script:
        "../scripts/subwords.py"
