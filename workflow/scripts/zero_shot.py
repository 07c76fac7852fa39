"""Zero-shot transfer: one language's selected model (its export, through its own
vocabulary) on another language's test split."""

from pathlib import Path

from nusax_lstm.data.nusax import read_split
from nusax_lstm.evaluation.metrics import macro_f1
from nusax_lstm.fileio import save_npy
from nusax_lstm.pipeline.joblog import logged
from nusax_lstm.scratch.loader import load_export

with logged(snakemake):
    export = load_export(Path(snakemake.input.architecture).parent)
    texts, labels = read_split(snakemake.input.test)
    probs = export.model.predict_proba(export.vectorizer(texts), threads=snakemake.threads)
    save_npy(snakemake.output.probs, probs)
    print(f"test macro F1 {macro_f1(labels, probs.argmax(axis=1)):.4f}")
