"""The NusaX table: every language beside the paper's numbers (results/nusax/table.*)."""

import numpy as np

from nusax_lstm.data.nusax import read_split
from nusax_lstm.evaluation.baselines import STRONGEST
from nusax_lstm.fileio import read_json, write_json, write_text
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.reports.nusax_table import build, markdown
from nusax_lstm.reports.plots import nusax_table

with logged(snakemake):
    inputs, params = snakemake.input, snakemake.params
    languages = params.languages
    labels = {lang: read_split(inputs[f"test_{lang}"])[1] for lang in languages}
    paper = {lang: read_json(inputs[f"paper_{lang}"]) for lang in languages}
    multilingual = "multilingual" in inputs.keys()

    def per_language(predictions) -> dict:
        """The multilingual test split's predictions, cut into its languages' (parallel)."""
        return dict(zip(languages, np.split(np.asarray(predictions), len(languages)), strict=True))

    # Rows of ours: the strongest simple baseline's, then the LSTM's
    simple = f"{STRONGEST} in-language (ours, C chosen on valid)"
    ours = {
        simple: {
            lang: read_json(inputs[f"baselines_{lang}"])[STRONGEST]["test_predictions"]
            for lang in languages
        }
    }
    if multilingual:
        name = f"{STRONGEST} multilingual (ours, all training splits, C on all valid)"
        ours[name] = per_language(read_json(inputs.baselines_mul)[STRONGEST]["test_predictions"])
    in_language = "LSTM in-language (ours, selected on valid)"
    selected = {lang: np.load(inputs[f"selected_{lang}"]) for lang in languages}  # [400, 3]
    ours[in_language] = {lang: probs.argmax(axis=1) for lang, probs in selected.items()}
    pairs = [(in_language, simple)]
    if params.zero_shot_from:
        name = f"LSTM zero-shot from {params.zero_shot_from} (ours, its own vocabulary)"
        ours[name] = {
            lang: np.load(inputs[f"zero_shot_{lang}"]).argmax(axis=1)
            for lang in languages
            if lang != params.zero_shot_from
        }
    if multilingual:
        name = "LSTM multilingual (ours, all training splits, selected on all valid)"
        probs = per_language(np.load(inputs.multilingual))
        ours[name] = {lang: p.argmax(axis=1) for lang, p in probs.items()}
        # the two err differently: their probabilities averaged, a fixed rule (no choice)
        both = "LSTM in-language + multilingual (ours, their probabilities averaged)"
        ours[both] = {lang: (selected[lang] + probs[lang]).argmax(axis=1) for lang in languages}
        pairs += [(name, in_language), (name, simple), (both, simple)]
    table = build(languages, labels, paper, ours, dict(params.settings), pairs)
    write_json(snakemake.output.json, table)
    write_text(snakemake.output.md, markdown(table))
    nusax_table(table, snakemake.output.png)
    print(markdown(table))
