"""Adapt TextVectorization on the training split; int sequences and labels of every split."""

from nusax_lstm import SPLITS
from nusax_lstm.data import read_split
from nusax_lstm.fileio import save_npz
from nusax_lstm.jobs import logged
from nusax_lstm.keras_model import configure_tensorflow, vectorize
from nusax_lstm.text import write_vocabulary

with logged(snakemake):
    configure_tensorflow(snakemake.threads, seed=0)
    texts, labels = {}, {}
    for split, path in zip(SPLITS, snakemake.input.splits, strict=True):
        texts[split], labels[split] = read_split(path)
    vocabulary, sequences = vectorize(
        texts["train"], texts, snakemake.params.max_tokens, snakemake.params.sequence_length
    )
    write_vocabulary(snakemake.output.vocabulary, vocabulary)
    arrays = {f"x_{s}": sequences[s] for s in SPLITS} | {f"y_{s}": labels[s] for s in SPLITS}
    save_npz(snakemake.output.sequences, **arrays)
    print(
        f"vocabulary: {len(vocabulary)} tokens; shapes:", {k: v.shape for k, v in sequences.items()}
    )
