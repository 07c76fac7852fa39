"""results/summary.json and summary.md: every config's scores over seeds, baselines, the
selected model and the Keras-vs-scratch check, per language."""

from nusax_lstm.evaluation.selection import by_config, model_scores
from nusax_lstm.fileio import read_json, write_json, write_text
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.reports.summary import language_summary, study_summary
from nusax_lstm.reports.summary_markdown import summary_markdown

with logged(snakemake):
    inputs, languages = snakemake.input, {}
    # per language, the cross-validated scores (selection.cv_folds); none without
    cv = dict(zip(snakemake.params.languages, map(read_json, inputs.cv_scores), strict=False))
    for lang in snakemake.params.languages:
        # Inputs are named per language: metrics_<lang> (every config's), best_<lang>, ...
        metrics = by_config(model_scores(map(read_json, inputs[f"metrics_{lang}"])))
        best, comparison, provenance, baselines, statistics = (
            read_json(inputs[f"{name}_{lang}"][0])
            for name in ("best", "comparison", "provenance", "baselines", "statistics")
        )
        languages[lang] = language_summary(
            snakemake.params.experiments,
            metrics,
            best,
            comparison,
            provenance,
            baselines,
            statistics,
            cv.get(lang),
        )
    result = study_summary(languages)
    write_json(snakemake.output.json, result)
    write_text(snakemake.output.md, summary_markdown(result))
