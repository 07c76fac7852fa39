"""Adapt the vocabulary on the training split; int sequences and labels of every split."""

from nusax_lstm import SPLITS
from nusax_lstm.data.nusax import read_split
from nusax_lstm.data.text import vectorize_splits, write_vocabulary
from nusax_lstm.fileio import save_npz
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    p = snakemake.params
    texts, labels = {}, {}
    for split, path in zip(SPLITS, snakemake.input.splits, strict=True):
        texts[split], labels[split] = read_split(path)
    vocabulary, arrays = vectorize_splits(texts, p.max_tokens, p.sequence_length)
    write_vocabulary(snakemake.output.vocabulary, vocabulary)
    arrays |= {f"y_{s}": labels[s] for s in SPLITS}
    save_npz(snakemake.output.sequences, **arrays)
    print(f"vocabulary: {len(vocabulary)} tokens; rows:", {k: len(v) for k, v in arrays.items()})
