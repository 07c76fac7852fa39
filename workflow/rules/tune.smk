# The hyperparameter search (tune.searches, docs/tuning.md): each search is one Optuna
# study in a journal file beside its results, to which its workers (jobs, local or under
# Slurm) add trials side by side; a killed search resumes from the trials stored.


rule tune:
    input:
        unpack(get_tune_texts),
    output:
        worker="results/tune/{search}/worker{worker}.json",
    log:
        "results/logs/tune/{search}/worker{worker}.log",
    benchmark:
        "results/benchmarks/tune/{search}/worker{worker}.tsv"
    conda:
        "../../envs/tune.yaml"
    threads: 1
    resources:
        mem_mb=3000,
        runtime=get_tune_runtime,
    params:
        package=package_code("tune.py"),
        study=get_tune_study,
        journal=TUNE_JOURNAL,
        seed=lambda wc: config["tune"]["seed"] + int(wc.worker),
    script:
        "../scripts/tune.py"


rule tune_report:
    input:
        workers=expand(
            "results/tune/{{search}}/worker{worker}.json",
            worker=range(config["tune"]["workers"]),
        ),
    output:
        best="results/tune/{search}/best.json",
        trials=report(
            "results/tune/{search}/trials.csv",
            caption="../report/tune_trials.rst",
            category="Search",
            labels={"search": "{search}", "figure": "trials"},
        ),
        history=report(
            "results/tune/{search}/history.png",
            caption="../report/tune_history.rst",
            category="Search",
            labels={"search": "{search}", "figure": "history"},
        ),
        importance=report(
            "results/tune/{search}/importance.png",
            caption="../report/tune_importance.rst",
            category="Search",
            labels={"search": "{search}", "figure": "importance"},
        ),
    log:
        "results/logs/tune/{search}/report.log",
    benchmark:
        "results/benchmarks/tune/{search}/report.tsv"
    conda:
        "../../envs/tune.yaml"
    params:
        package=package_code("tune_report.py"),
        study=get_tune_study,
        journal=TUNE_JOURNAL,
    script:
        "../scripts/tune_report.py"


# The searched settings as a study file: one config per search, for the table study.
rule tune_study:
    input:
        best=expand("results/tune/{search}/best.json", search=TUNE_SEARCHES),
    output:
        study="results/tune/study.yaml",
    log:
        "results/logs/tune/study.log",
    benchmark:
        "results/benchmarks/tune/study.tsv"
    conda:
        "../../envs/numpy.yaml"
    params:
        package=package_code("tune_study.py"),
        searches=TUNE_SEARCHES,
        data=config["data"],
        vectorize=config["vectorize"],
        table=config["table"],
    script:
        "../scripts/tune_study.py"
