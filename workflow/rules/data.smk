# Every rule here is cheap and every later job waits on it: before any training
# (trainings' priorities are their costs, train.smk).
PRIORITY_DATA = 1000


localrules:
    download,
    download_multilingual,


ruleorder: download_multilingual > download


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


# With table.multilingual: every language's splits together, as the language "mul".
rule download_multilingual:
    input:
        train=expand("results/{lang}/data/train.csv", lang=LANGS),
        valid=expand("results/{lang}/data/valid.csv", lang=LANGS),
        test=expand("results/{lang}/data/test.csv", lang=LANGS),
        provenance=expand("results/{lang}/data/provenance.json", lang=LANGS),
    output:
        splits=expand("results/mul/data/{split}.csv", split=["train", "valid", "test"]),
        provenance="results/mul/data/provenance.json",
    log:
        "results/logs/mul/download.log",
    benchmark:
        "results/benchmarks/mul/download.tsv"
    priority: PRIORITY_DATA
    conda:
        "../../envs/data.yaml"
    params:
        package=package_code("download_multilingual.py"),
        languages=LANGS,
    script:
        "../scripts/download_multilingual.py"


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
