"""Training speed: one epoch of the BiLSTM [64, 32] in NumPy against Keras, and on
subword inputs against words, side by side.

    python benchmarks/training.py [--epochs 5] [--data ../shared/data/nusax-senti]
                                  [--reference-epochs 2] [--only numpy-packed ...]
                                  [--buckets 32768]

The study's model and data: Indonesian NusaX train split (500 texts, the pipeline's
vectorizer: 10,000 tokens at most, length 100, end padding), Embedding 128 (mask_zero),
Bidirectional LSTM(64) returning sequences, Dropout 0.3, Bidirectional LSTM(32), Dropout
0.3, Dense(3) softmax; Adam at 0.001, batches of 32 in a new shuffled order each epoch,
float32. An epoch also scores the 100 validation texts, as the pipeline's does.

Each trainer runs in its own process (a Keras backend is fixed per process), with 1 and
2 threads, and the processes take turns: round r runs epoch r of every trainer, one after
the other, so that a slow spell of the machine falls on all of them alike and each round
gives a paired ratio:
- numpy-packed: the pipeline's NumPy training (scratch/train.py: Keras's initialisers,
  scratch/packed_backprop.py's gradients, scratch/adam.py, each batch cut after its
  longest text (exact under the mask), new dropout masks per batch, the validation texts
  through the scratch engine); 1 or 2 BLAS threads (threadpoolctl);
- numpy-reference: scratch/backprop.py's gradients instead (slow: --reference-epochs);
- numpy-subword: numpy-packed on subword inputs (config.yaml's vectorize.subwords: each
  token's word id and its character 3-5-grams' buckets, 24 at most, of --buckets,
  32,768 by default);
- keras-jax, keras-tensorflow: the pipeline's path (configure_keras, build_model, trim,
  keras_training.fit), `threads` as the pipeline passes a training's thread count; the
  first epoch compiles (no persistent compilation cache).
Prints the first epoch and the median of the later ones, each process's peak RSS
(ru_maxrss), and the ratios Keras / NumPy and subword / word of the later rounds: median (min-max).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from nusax_lstm import SPLITS
from nusax_lstm.data.nusax import read_folder
from nusax_lstm.data.subword import Subwords
from nusax_lstm.data.text import Vectorizer, trim, vectorize_splits
from nusax_lstm.models.training_config import TrainingConfig

REPO = Path(__file__).resolve().parents[1]
SEED = 0
# the default study's BiLSTM [64, 32], as config.yaml trains it
NETWORK = TrainingConfig(
    cell="lstm",
    units=(64, 32),
    bidirectional=True,
    mask_zero=True,
    padding="post",
    embedding_dim=128,
    dropout=0.3,
    optimizer="adam",
    learning_rate=0.001,
    batch_size=32,
    epochs=10,
)
BUCKETS = 32768  # config.yaml's vectorize.subwords, with n 3-5 and 24 n-grams a token
TRAINERS = ("numpy-packed", "numpy-reference", "numpy-subword", "keras-jax", "keras-tensorflow")


def splits(data: Path, subwords: Subwords | None = None) -> tuple[int, dict]:
    """The vocabulary's size and x_/y_ arrays of every split, as the pipeline makes them
    (with `subwords`, the subwords rule's inputs)."""
    rows, _ = read_folder(data / "indonesian", "ind", verify=True)
    texts = {split: [text for _, text, _ in rows[split]] for split in SPLITS}
    vocabulary, arrays = vectorize_splits(texts, 10_000, 100)
    if subwords:
        vectorize = Vectorizer(vocabulary, 100, subwords=subwords)
        arrays = {f"x_{split}": vectorize(t) for split, t in texts.items()}
    labels = ("negative", "neutral", "positive")
    for split in SPLITS:
        arrays[f"y_{split}"] = np.array([labels.index(label) for *_, label in rows[split]])
    return len(vocabulary), arrays


def turn() -> None:
    """Say ready, then wait for the parent's word to start the next epoch."""
    print("READY", flush=True)
    sys.stdin.readline()


def report(seconds: float) -> None:
    print(f"EPOCH {seconds}", flush=True)


def numpy_trainer(name: str, data: Path, epochs: int, threads: int, buckets: int) -> None:
    """Reports the epoch seconds of the pipeline's NumPy training (scratch.train.fit, one
    epoch per call: a new Adam each time, which changes no timing), with `threads` BLAS
    threads."""
    from nusax_lstm.scratch import backprop, packed_backprop
    from nusax_lstm.scratch.init import classifier, initial_weights
    from nusax_lstm.scratch.model import blas_controller
    from nusax_lstm.scratch.train import fit

    gradients = (backprop if name == "numpy-reference" else packed_backprop).forward_backward
    subwords = Subwords(buckets, 3, 5, 24) if name == "numpy-subword" else None
    vocab, arrays = splits(data, subwords)
    model = classifier(replace(NETWORK, subwords=subwords), vocab, 100)
    weights = initial_weights(model, SEED)
    batch, rate = NETWORK.batch_size, NETWORK.learning_rate
    with blas_controller().limit(limits=threads, user_api="blas"):
        for epoch in range(epochs):
            turn()
            start = time.perf_counter()
            fit(model, weights, arrays, 1, batch, rate, SEED + epoch, None, gradients)
            report(time.perf_counter() - start)


def keras_trainer(name: str, data: Path, epochs: int, threads: int) -> None:
    """Reports the epoch seconds of the pipeline's Keras training: the time between the
    shuffles that start each epoch (FilledBatches.shuffle), and from the last one to fit's
    return."""
    from nusax_lstm.models.keras_backend import configure_keras
    from nusax_lstm.models.keras_model import build_model

    configure_keras(name.removeprefix("keras-"), threads, SEED)
    from nusax_lstm.models import keras_training

    starts = []

    class TimedBatches(keras_training.FilledBatches):
        def shuffle(self) -> None:
            if starts:
                report(time.perf_counter() - starts[-1])
            turn()
            starts.append(time.perf_counter())
            super().shuffle()

    keras_training.FilledBatches = TimedBatches  # fit builds its batches from this name
    vocab, arrays = splits(data)
    x_train, evaluation = trim(arrays["x_train"]), trim(arrays["x_valid"])
    model = build_model(NETWORK, vocab, None)
    data = {"x_train": x_train, "y_train": arrays["y_train"]}
    data |= {"x_valid": evaluation, "y_valid": arrays["y_valid"]}
    keras_training.fit(model, data, epochs, NETWORK.batch_size, SEED, len(evaluation))
    report(time.perf_counter() - starts[-1])


def worker(name: str, data: Path, epochs: int, threads: int, buckets: int) -> None:
    """One training in this process, an epoch at each turn; then its peak RSS."""
    if name.startswith("keras"):
        keras_trainer(name, data, epochs, threads)
    else:
        numpy_trainer(name, data, epochs, threads, buckets)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"RSS {rss}", flush=True)


class Trainer:
    """A worker process, and its epoch seconds so far."""

    def __init__(self, name: str, data: Path, epochs: int, threads: int, buckets: int):
        command = [sys.executable, __file__, "--worker", name, "--threads", str(threads)]
        command += ["--data", str(data), "--epochs", str(epochs), "--buckets", str(buckets)]
        self.name, self.epochs, self.times = name, epochs, []
        self.log = tempfile.TemporaryFile(mode="w+")  # its stderr, shown if it fails
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            cwd=REPO,
        )

    def ready(self) -> bool:
        """Waits until the worker waits for its next turn (False: it has no more)."""
        if len(self.times) == self.epochs:
            return False
        self.line("READY")
        return True

    def line(self, prefix: str) -> str:
        """The rest of the worker's next line that starts with `prefix` (its trainings
        print their own lines too)."""
        for line in self.process.stdout:
            if line.startswith(prefix):
                return line.removeprefix(prefix).strip()
        self.log.seek(0)
        sys.exit(f"{self.name} failed:\n{self.log.read()[-3000:]}")

    def epoch(self) -> None:
        time.sleep(0.2)  # the previous trainer's thread pools go to sleep
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        self.times.append(float(self.line("EPOCH ")))

    def finish(self) -> float:
        """Its peak RSS in MiB."""
        rss = float(self.line("RSS "))
        self.process.wait()
        return rss


def ratios(slower: list[float], faster: list[float]) -> str:
    """Per later round, one trainer's epoch over another's: median (min-max)."""
    each = [s / f for s, f in zip(slower[1:], faster[1:], strict=False)]
    return f"{statistics.median(each):.2f}x ({min(each):.2f}-{max(each):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data/nusax-senti")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--reference-epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--only", nargs="+", choices=TRAINERS, default=list(TRAINERS))
    parser.add_argument("--buckets", type=int, default=BUCKETS, help="numpy-subword's")
    parser.add_argument("--worker", choices=TRAINERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.data, args.epochs, args.threads[0], args.buckets)

    sys.path.insert(0, str(Path(__file__).parent))
    from pipeline import cpu_model  # benchmarks/pipeline.py

    print(f"{cpu_model()}, {len(os.sched_getaffinity(0))} cores")
    trainers = {
        (name, threads): Trainer(
            name,
            args.data,
            args.reference_epochs if name == "numpy-reference" else args.epochs,
            threads,
            args.buckets,
        )
        for name in args.only
        for threads in args.threads
    }
    waiting = [trainer for trainer in trainers.values() if trainer.ready()]  # all set up
    while waiting:
        for trainer in waiting:
            trainer.epoch()
        waiting = [trainer for trainer in waiting if trainer.ready()]
    print("| trainer | threads | first epoch s | later epochs s (median) | peak RSS MiB |")
    print("|---|---|---|---|---|")
    for (name, threads), trainer in trainers.items():
        first, rest = trainer.times[0], trainer.times[1:]
        later = f"{statistics.median(rest):.2f}" if rest else "-"
        print(
            f"| {name} | {threads} | {first:.2f} | {later} ({len(rest)}) | {trainer.finish():.0f} |"
        )
    times = {key: trainer.times for key, trainer in trainers.items()}
    numpy = {key: t for key, t in times.items() if key[0] == "numpy-packed"}
    keras = {key: t for key, t in times.items() if key[0].startswith("keras")}
    if ("numpy-subword", 1) in times and ("numpy-packed", 1) in times and args.epochs > 1:
        paired = ratios(times["numpy-subword", 1], times["numpy-packed", 1])
        print(f"\nNumPy epoch on subwords / on words, one thread, per later round: {paired}")
    if numpy and keras and args.epochs > 1:
        print("\nKeras epoch / NumPy packed epoch, per later round: median (min-max)")
        for (name, threads), seconds in keras.items():
            if ("numpy-packed", threads) in numpy:
                paired = ratios(seconds, numpy["numpy-packed", threads])
                print(f"  {name}, {threads} threads: {paired}")
        fastest_keras = [min(each) for each in zip(*keras.values(), strict=True)]
        fastest_numpy = [min(each) for each in zip(*numpy.values(), strict=True)]
        print(f"fastest Keras / fastest NumPy: {ratios(fastest_keras, fastest_numpy)}")


if __name__ == "__main__":
    main()
