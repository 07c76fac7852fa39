"""The NusaX paper's classical baselines (NB, SVM, LR x BoW, TF-IDF) by its authors' recipe."""

from nusax_lstm import SPLITS
from nusax_lstm.data.nusax import read_split
from nusax_lstm.evaluation.paper_baselines import FEATURES, run
from nusax_lstm.fileio import write_json
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    texts, labels = {}, {}
    for split, path in zip(SPLITS, snakemake.input.splits, strict=True):
        texts[split], labels[split] = read_split(path)
    results = run(texts, labels)
    for r in results.values():
        scores = ", ".join(f"{f} {r[f]['test_macro_f1']:.4f} ({r[f]['params']})" for f in FEATURES)
        print(f"{r['name']}: test macro F1 {scores}; chosen on valid: {r['chosen']}")
    write_json(snakemake.output.baselines, results)
