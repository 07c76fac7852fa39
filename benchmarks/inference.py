"""Inference speed on the test split: the scratch engine against Keras and ONNX Runtime.

    python benchmarks/inference.py [--results results] [--lang ind] [--repeats 7]

Reads a finished run: per config under results/<lang>/models, its first seed's run (the
selected seed, marked *, where a single run was selected), built in Keras from the run's
weights.npz (a NumPy-trained run has no model.keras); where the selected model is a seed
ensemble, a row of its own: the export folder that `nusax-lstm predict` runs, against its
members averaged in Keras. A masked model also runs as an unmasked twin with the same
weights, each on inputs padded as the model was trained. Times are medians of at
least --repeats runs (in rounds of blocks, see median_ms), on all test rows in one
batch. ONNX Runtime needs the benchmark extra: pip install -e ".[benchmark]".
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
import tracemalloc
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import yaml
from pipeline import cpu_model  # benchmarks/pipeline.py, next to this script

from nusax_lstm.data.text import pad
from nusax_lstm.evaluation.seed_ensembles import average
from nusax_lstm.fileio import read_json
from nusax_lstm.models.keras_backend import configure_keras
from nusax_lstm.models.keras_model import from_architecture, to_engine
from nusax_lstm.models.training_config import TrainingConfig
from nusax_lstm.pipeline.configs import train_params
from nusax_lstm.scratch.loader import from_export, load
from nusax_lstm.scratch.model import usable_cpus

ROUNDS = 3
# the study's shared training settings (the Keras models are compiled with its optimizer)
CONFIG = Path(__file__).resolve().parents[1] / "config.yaml"
TRAIN = train_params(yaml.safe_load(CONFIG.read_text())["train"])


def per_block(repeats: int) -> int:
    """Timed runs per block, so that ROUNDS blocks give at least `repeats`."""
    return -(-repeats // ROUNDS)


def median_ms(runs: dict, repeats: int) -> dict:
    """Median ms of each run over at least `repeats` timings, taken in ROUNDS blocks per
    run in turn, so that drift on a shared machine hits every engine alike. Each block
    starts after a pause, which lets the previous engine's spinning threads go idle, and
    one warm-up run."""
    times: dict = {name: [] for name in runs}
    for _ in range(ROUNDS):
        for name, run in runs.items():
            time.sleep(0.5)
            run()
            for _ in range(per_block(repeats)):
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
    return {name: 1000 * statistics.median(t) for name, t in times.items()}


def peak_mib(run) -> float:
    """Peak of the memory NumPy and Python allocate during one run (tracemalloc)."""
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def onnx_session(model, steps: int, threads: int):
    """The model converted with tf2onnx, in an ONNX Runtime CPU session; None if not installed."""
    try:
        import onnxruntime as ort
        import tensorflow as tf
        import tf2onnx
    except ImportError:
        return None
    spec = [tf.TensorSpec((None, steps), tf.int32, name="tokens")]
    function = tf.function(lambda t: model(t, training=False), input_signature=spec)
    proto, _ = tf2onnx.convert.from_function(function, input_signature=spec, opset=17)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(proto.SerializeToString(), options, ["CPUExecutionProvider"])
    return lambda x: session.run(None, {session.get_inputs()[0].name: x})[0]


def keras_run(folder: Path, mask_zero: bool | None = None):
    """A run's network in Keras, from its weights.npz and info.json (mask_zero: the run's
    own unless given)."""
    info = read_json(folder / "info.json")
    config = TrainingConfig.of(info, TRAIN)
    if mask_zero is not None:
        config = replace(config, mask_zero=mask_zero)
    with np.load(folder / "weights.npz") as arrays:
        return from_architecture(read_json(folder / "architecture.json"), dict(arrays), config)


def bench(models: list, scratch, x: np.ndarray, repeats: int, threads: int) -> dict:
    """Keras models (one run, or an ensemble's members, averaged) against the scratch
    model, and ONNX Runtime on each member."""

    def keras_predict():
        return average([m.predict(x, batch_size=len(x), verbose=0) for m in models])

    def keras_call():
        return average([np.asarray(m(x, training=False)) for m in models])

    expected = keras_predict()
    predict_proba = partial(scratch.predict_proba, x, threads=threads)
    got = predict_proba()
    runs = {
        "scratch": predict_proba,
        "scratch_1": partial(scratch.predict_proba, x, threads=1),
        "keras_predict": keras_predict,
        "keras_call": keras_call,
    }
    sessions = [onnx_session(m, x.shape[1], threads) for m in models]
    if all(sessions):
        runs["onnx"] = lambda: average([session(x) for session in sessions])
    row = {"onnx": float("nan"), **median_ms(runs, repeats)}
    row["max_dp"] = float(np.abs(got - expected).max())
    row["scratch_peak_mib"] = peak_mib(predict_proba)
    return row


def rows(root: Path, best: dict):
    """(label, mask, Keras models, scratch model, padding) per benchmark row: each config's
    first seed (or the selected seed), a masked one also as its unmasked twin, then the
    selected seed ensemble's export."""
    for config in sorted(p for p in (root / "models").iterdir() if p.is_dir()):
        selected = config.name == best["config_id"]
        seeds = sorted(config.glob("seed*"), key=lambda p: int(p.name.removeprefix("seed")))
        run = config / f"seed{best['seed']}" if selected else seeds[0]
        padding = read_json(run / "info.json")["padding"]
        model = keras_run(run)
        label = f"{config.name}/{run.name}{'*' if selected else ''}"
        masked = model.layers[0].mask_zero
        yield label, "on" if masked else "off", [model], scratch_twin(model), padding
        if masked:
            twin = keras_run(run, mask_zero=False)
            yield label, "off (twin)", [twin], scratch_twin(twin), padding
    if best["config_id"].endswith("-ensemble"):
        config = root / "models" / best["config_id"].removesuffix("-ensemble")
        members = [keras_run(config / f"seed{seed}") for seed in best["members"]]
        padding = read_json(config / f"seed{best['members'][0]}" / "info.json")["padding"]
        label = f"{best['config_id']} ({len(members)} seeds, the export)*"
        yield label, "on", members, load(root / "best" / "export"), padding


def scratch_twin(model):
    """The Keras model's weights in the scratch engine."""
    arrays, layers = to_engine(model)
    return from_export({"layers": layers}, arrays)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="results")
    parser.add_argument("--lang", default="ind")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    threads = usable_cpus()
    configure_keras("tensorflow", threads, seed=0)

    root = Path(args.results) / args.lang
    with np.load(root / "vectorized" / "sequences.npz") as data:
        x = data["x_test"]
    best = read_json(root / "best" / "best.json")
    print(
        f"{cpu_model()}, {os.cpu_count()} cores; "
        f"{len(x)} test rows x {x.shape[1]} steps, {np.mean(x != 0) * 100:.1f} % real tokens, "
        f"{threads} threads, median of {ROUNDS * per_block(args.repeats)} runs in {ROUNDS} rounds"
    )
    header = (
        "model",
        "mask",
        "scratch ms",
        "scratch 1 thread ms",
        "Keras predict ms",
        "Keras call ms",
        "ONNX RT ms",
        "scratch/predict",
        "scratch/ONNX",
        "max \\|Δp\\|",
        "scratch peak MiB",
    )
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for label, masked, models, scratch, padding in rows(root, best):
        r = bench(models, scratch, pad(x, padding), args.repeats, threads)
        cells = (
            label,
            masked,
            f"{r['scratch']:.1f}",
            f"{r['scratch_1']:.1f}",
            f"{r['keras_predict']:.1f}",
            f"{r['keras_call']:.1f}",
            f"{r['onnx']:.1f}",
            f"{r['scratch'] / r['keras_predict']:.2f}",
            f"{r['scratch'] / r['onnx']:.2f}",
            f"{r['max_dp']:.1e}",
            f"{r['scratch_peak_mib']:.1f}",
        )
        print("| " + " | ".join(cells) + " |", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nbenchmark process peak RSS (TensorFlow, ONNX Runtime and all models): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
