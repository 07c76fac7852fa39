localrules:
    summary,


rule summary:
    input:
        package("report.py"),
        metrics=expand(all_runs("metrics.json"), lang=LANG),
        best=expand("results/{lang}/best/best.json", lang=LANG),
        comparison=expand("results/{lang}/comparison.json", lang=LANG),
        provenance=expand("results/{lang}/data/provenance.json", lang=LANG),
    output:
        report(
            "results/summary.json",
            caption="../report/summary.rst",
            category="Summary",
        ),
    log:
        "results/logs/summary.log",
    benchmark:
        "results/benchmarks/summary.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        experiments={
            experiment: {name: c.id for name, c in named.items()}
            for experiment, named in EXPERIMENTS.items()
        },
    script:
        "../scripts/summary.py"
