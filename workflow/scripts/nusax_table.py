"""The NusaX table: every language beside the paper's numbers (results/nusax/table.*)."""

import numpy as np

from nusax_lstm.data.nusax import read_split
from nusax_lstm.fileio import read_json, write_json, write_text
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.reports.nusax_table import build, markdown
from nusax_lstm.reports.plots import nusax_table

with logged(snakemake):
    inputs, params = snakemake.input, snakemake.params
    languages = params.languages
    labels = {lang: read_split(inputs[f"test_{lang}"])[1] for lang in languages}
    baselines = {lang: read_json(inputs[f"baselines_{lang}"]) for lang in languages}
    lstm = {  # the in-language row first: the multilingual one is tested against it
        "LSTM in-language (ours, selected on valid)": {
            lang: np.load(inputs[f"selected_{lang}"]).argmax(axis=1) for lang in languages
        }
    }
    if params.zero_shot_from:
        name = f"LSTM zero-shot from {params.zero_shot_from} (ours, its own vocabulary)"
        lstm[name] = {
            lang: np.load(inputs[f"zero_shot_{lang}"]).argmax(axis=1)
            for lang in languages
            if lang != params.zero_shot_from
        }
    if "multilingual" in inputs.keys():
        chunks = np.split(np.load(inputs.multilingual).argmax(axis=1), len(languages))
        name = "LSTM multilingual (ours, all training splits, selected on all valid)"
        lstm[name] = dict(zip(languages, chunks, strict=True))
    pairs = [(name, next(iter(lstm)))] if "multilingual" in inputs.keys() else []
    table = build(languages, labels, baselines, lstm, dict(params.settings), pairs)
    write_json(snakemake.output.json, table)
    write_text(snakemake.output.md, markdown(table))
    nusax_table(table, snakemake.output.png)
    print(markdown(table))
