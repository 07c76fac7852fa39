"""The k folds of train + valid for cross-validated selection: per fold, a vocabulary
adapted on the other folds, their ids as the training split, the fold's as validation.
The test split stays out (its arrays are empty); a sentence's translations (the
multilingual data) share a fold."""

import numpy as np

from nusax_lstm.data.crossval import fold_of, pooled
from nusax_lstm.data.text import vectorize_splits, write_vocabulary
from nusax_lstm.fileio import save_npz
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    p, out = snakemake.params, snakemake.output
    texts, labels, sentences = pooled(snakemake.input.splits)  # train, valid
    folds = fold_of(labels, len(out.sequences), p.seed, sentences)
    for fold, (vocabulary_path, sequences_path) in enumerate(
        zip(out.vocabulary, out.sequences, strict=True)
    ):
        rows = {"train": np.flatnonzero(folds != fold), "valid": np.flatnonzero(folds == fold)}
        split_texts = {split: [texts[i] for i in r] for split, r in rows.items()}
        vocabulary, arrays = vectorize_splits(
            split_texts | {"test": []}, p.max_tokens, p.sequence_length
        )
        arrays |= {f"y_{split}": labels[r] for split, r in rows.items()}
        arrays["y_test"] = labels[:0]
        write_vocabulary(vocabulary_path, vocabulary)
        save_npz(sequences_path, **arrays)
        print(f"fold {fold}: {len(vocabulary)} tokens;", {k: len(v) for k, v in arrays.items()})
