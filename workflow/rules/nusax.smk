# The NusaX table (table.enabled): the paper's classical baselines by its authors' recipe
# per language, and every language of the study beside the paper's published numbers.


localrules:
    download_multilingual,


ruleorder: download_multilingual > download


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


rule paper_baselines:
    input:
        splits=expand(
            "results/{{lang}}/data/{split}.csv", split=["train", "valid", "test"]
        ),
    output:
        baselines="results/{lang}/paper_baselines.json",
    log:
        "results/logs/{lang}/paper_baselines.log",
    benchmark:
        "results/benchmarks/{lang}/paper_baselines.tsv"
    conda:
        "../../envs/classical.yaml"
    params:
        package=package_code("paper_baselines.py"),
    script:
        "../scripts/paper_baselines.py"


rule zero_shot:
    input:
        architecture="results/{source}/best/export/architecture.json",
        weights="results/{source}/best/export/weights.npz",
        vocabulary="results/{source}/best/export/vocabulary.txt",
        test="results/{lang}/data/test.csv",
    output:
        probs="results/{lang}/zero_shot/from_{source}/probs_test.npy",
    log:
        "results/logs/{lang}/zero_shot/from_{source}.log",
    benchmark:
        "results/benchmarks/{lang}/zero_shot/from_{source}.tsv"
    wildcard_constraints:
        source="[a-z]{3}",
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("zero_shot.py"),
    script:
        "../scripts/zero_shot.py"


rule nusax_table:
    input:
        unpack(get_table_inputs),
    output:
        json="results/nusax/table.json",
        md=report(
            "results/nusax/table.md",
            caption="../report/nusax_table.rst",
            category="NusaX table",
        ),
        png=report(
            "results/nusax/table.png",
            caption="../report/nusax_table.rst",
            category="NusaX table",
        ),
    log:
        "results/logs/nusax_table.log",
    benchmark:
        "results/benchmarks/nusax_table.tsv"
    conda:
        "../../envs/sklearn.yaml"
    params:
        package=package_code("nusax_table.py"),
        languages=LANGS,
        zero_shot_from=ZERO_SHOT_FROM,
        settings=config["statistics"],
    script:
        "../scripts/nusax_table.py"
