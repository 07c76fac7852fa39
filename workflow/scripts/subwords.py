"""Subword inputs of every split: per token its word id (as in sequences.npz) and its
character n-grams' buckets (nusax_lstm.data.subword), and the labels."""

from nusax_lstm import SPLITS
from nusax_lstm.data.nusax import read_split
from nusax_lstm.data.subword import Subwords
from nusax_lstm.data.text import Vectorizer, read_vocabulary
from nusax_lstm.fileio import save_npz
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    p = snakemake.params
    vocabulary = read_vocabulary(snakemake.input.vocabulary)
    vectorize = Vectorizer(vocabulary, p.sequence_length, subwords=Subwords(**p.subwords))
    arrays = {}
    for split, path in zip(SPLITS, snakemake.input.splits, strict=True):
        texts, arrays[f"y_{split}"] = read_split(path)
        arrays[f"x_{split}"] = vectorize(texts)
    save_npz(snakemake.output.subwords, **arrays)
    print("inputs:", {k: v.shape for k, v in arrays.items() if k.startswith("x_")})
