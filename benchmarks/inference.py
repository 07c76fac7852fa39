"""Inference speed on the test split: the scratch engine against Keras and ONNX Runtime.

    python benchmarks/inference.py [--results results] [--lang ind] [--repeats 7]

Reads a finished run: one model per config under results/<lang>/models (the exported
one, marked *, or the first seed). A masked model also runs as an unmasked twin with the
same weights, each on inputs padded as the model was trained. Times are medians of at
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
from functools import partial
from pathlib import Path

import numpy as np
from pipeline import cpu_model  # benchmarks/pipeline.py, next to this script

from nusax_lstm.fileio import read_json
from nusax_lstm.keras_model import build_model, configure_keras, export
from nusax_lstm.scratch import from_export
from nusax_lstm.scratch.model import usable_cpus
from nusax_lstm.text import pad

ROUNDS = 3


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


def unmasked_twin(model, vocab_size: int, steps: int, info: dict):
    twin = build_model(
        vocab_size,
        steps,
        tuple(info["units"]),
        info["bidirectional"],
        model.layers[0].output_dim,
        0.3,
        False,
        1e-3,
    )
    twin.set_weights(model.get_weights())
    return twin


def bench(model, x: np.ndarray, repeats: int, threads: int) -> dict:
    arrays, layers = export(model)
    scratch = from_export({"layers": layers}, arrays)
    expected = model.predict(x, batch_size=len(x), verbose=0)
    predict_proba = partial(scratch.predict_proba, x, threads=threads)
    got = predict_proba()
    runs = {
        "scratch": predict_proba,
        "scratch_1": partial(scratch.predict_proba, x, threads=1),
        "keras_predict": lambda: model.predict(x, batch_size=len(x), verbose=0),
        "keras_call": lambda: model(x, training=False),
    }
    onnx = onnx_session(model, x.shape[1], threads)
    if onnx:
        runs["onnx"] = lambda: onnx(x)
    row = {"onnx": float("nan"), **median_ms(runs, repeats)}
    row["max_dp"] = float(np.abs(got - expected).max())
    row["scratch_peak_mib"] = peak_mib(predict_proba)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="results")
    parser.add_argument("--lang", default="ind")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    threads = usable_cpus()
    configure_keras("tensorflow", threads, seed=0)
    import keras

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
    for config in sorted(p for p in (root / "models").iterdir() if p.is_dir()):
        exported = config.name == best["config_id"]
        seed = f"seed{best['seed']}" if exported else sorted(p.name for p in config.iterdir())[0]
        model = keras.models.load_model(config / seed / "model.keras")
        info = read_json(config / seed / "info.json")
        inputs = pad(x, info["padding"])  # as the model was trained: end or start padding
        variants = [("on" if model.layers[0].mask_zero else "off", model)]
        if model.layers[0].mask_zero:
            twin = unmasked_twin(model, model.layers[0].input_dim, x.shape[1], info)
            variants.append(("off (twin)", twin))
        for masked, m in variants:
            r = bench(m, inputs, args.repeats, threads)
            cells = (
                f"{config.name}/{seed}{'*' if exported else ''}",
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
