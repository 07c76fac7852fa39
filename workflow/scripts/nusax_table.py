"""The NusaX table: every language beside the paper's numbers (results/nusax/table.*)."""

import numpy as np

from nusax_lstm.data import read_split
from nusax_lstm.fileio import read_json, write_json, write_text
from nusax_lstm.joblog import logged
from nusax_lstm.nusax_table import build, markdown
from nusax_lstm.plots import nusax_table

with logged(snakemake):
    inputs, params = snakemake.input, snakemake.params
    languages = params.languages
    labels = {lang: read_split(inputs[f"test_{lang}"])[1] for lang in languages}
    baselines = {lang: read_json(inputs[f"baselines_{lang}"]) for lang in languages}
    lstm = {
        "LSTM in-language (ours, selected on valid)": {
            lang: np.load(inputs[f"selected_{lang}"]).argmax(axis=1) for lang in languages
        }
    }
    table = build(languages, labels, baselines, lstm, dict(params.settings))
    write_json(snakemake.output.json, table)
    write_text(snakemake.output.md, markdown(table))
    nusax_table(table, snakemake.output.png)
    print(markdown(table))
