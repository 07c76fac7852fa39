localrules:
    summary,


rule summary:
    input:
        unpack(
            get_per_language(
                metrics=all_metrics(),
                best="results/{lang}/best/best.json",
                comparison="results/{lang}/comparison.json",
                provenance="results/{lang}/data/provenance.json",
                baselines="results/{lang}/baselines.json",
                statistics="results/{lang}/statistics.json",
            )
        ),
        cv_scores=[path for lang in STUDY_LANGS for path in cv_scores(lang)],
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
        package=package_code("summary.py"),
        languages=STUDY_LANGS,
        experiments=EXPERIMENT_IDS,
    script:
        "../scripts/summary.py"
