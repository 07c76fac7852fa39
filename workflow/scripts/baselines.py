"""The classical baselines (evaluation/baselines.py), each tuned on the validation split."""

from nusax_lstm import SPLITS
from nusax_lstm.data.nusax import read_split
from nusax_lstm.evaluation.baselines import tune_and_score
from nusax_lstm.fileio import write_json
from nusax_lstm.pipeline.joblog import logged

with logged(snakemake):
    texts, labels = {}, {}
    for split, path in zip(SPLITS, snakemake.input.splits, strict=True):
        texts[split], labels[split] = read_split(path)
    results = tune_and_score(texts, labels)
    for name, r in results.items():
        scores = f"val {r['val_macro_f1']:.4f} test {r['test_macro_f1']:.4f}"
        print(f"{name}: {r['param']}={r['value']} {scores}")
    write_json(snakemake.output.baselines, results)
