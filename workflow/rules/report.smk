localrules:
    summary,


rule summary:
    input:
        package("report.py", "metrics.py", "selection.py"),
        metrics=expand(all_runs("metrics.json"), lang=LANGS),
        best=expand("results/{lang}/best/best.json", lang=LANGS),
        comparison=expand("results/{lang}/comparison.json", lang=LANGS),
        provenance=expand("results/{lang}/data/provenance.json", lang=LANGS),
        baselines=expand("results/{lang}/baselines.json", lang=LANGS),
    output:
        json=report(
            "results/summary.json",
            caption="../report/summary.rst",
            category="Summary",
        ),
        md=report(
            "results/summary.md",
            caption="../report/summary_md.rst",
            category="Summary",
        ),
    log:
        "results/logs/summary.log",
    benchmark:
        "results/benchmarks/summary.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        languages=LANGS,
        experiments={
            experiment: {name: c.id for name, c in named.items()}
            for experiment, named in EXPERIMENTS.items()
        },
    script:
        "../scripts/summary.py"
