"""Keras's backend, set up before anything imports keras: JAX or TensorFlow, thread pools,
determinism, the persistent compilation cache, the device."""

from __future__ import annotations

import contextlib
import logging
import os
import sys

log = logging.getLogger(__name__)


BACKENDS = ("jax", "tensorflow")
COMPILE_CACHE_BYTES = 1 << 30  # least recently used entries go beyond this


def configure_keras(backend: str, threads: int, seed: int, compile_cache: str | None = None) -> str:
    """Select Keras's backend and set it up: thread pools, determinism, the persistent
    compilation cache (JAX), the device. Call before anything imports keras: the backend is
    fixed at import. Returns the device, in words."""
    loaded = sys.modules.get("keras")
    if loaded is not None and loaded.backend.backend() != backend:
        raise RuntimeError(f"keras is already loaded on {loaded.backend.backend()}, not {backend}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    os.environ["KERAS_BACKEND"] = backend
    if backend != "tensorflow":
        # Keras imports TensorFlow whenever it is installed, to seed tf.random and to check
        # for tf types (3-8 s, 600 MB); a None entry makes that import fail, as if absent.
        sys.modules.setdefault("tensorflow", None)
    device = (setup_jax if backend == "jax" else setup_tensorflow)(threads, compile_cache)
    import keras

    keras.utils.set_random_seed(seed)
    log.info("Keras %s on %s: %s, seed %d", keras.__version__, backend, device, seed)
    return device


def setup_jax(threads: int, compile_cache: str | None) -> str:
    """XLA's CPU thread pool of `threads` threads, the persistent compilation cache in
    `compile_cache` (None: off), GPU memory allocated as needed (not 75 % up front)."""
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    # XLA sizes its pool from the CPUs the process may use when its backend starts, and
    # has no flag for it: narrow them for the start, then free every thread again.
    # Two trainings side by side on 2 cores, one thread each, step 1.3-1.6x faster than
    # with a pool of 2 each (measured). Results depend on the pool's size, not the cores.
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, sorted(allowed)[:threads])
    import jax

    devices = jax.devices()
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(ProcessLookupError):  # a thread that has ended since
            os.sched_setaffinity(int(task), allowed)
    if compile_cache:
        jax.config.update("jax_compilation_cache_dir", os.path.abspath(compile_cache))
        # Keep every entry: CPU compilations are quick one by one, but add up per shape.
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
        # A size limit makes JAX lock the folder around each read and write, so jobs side
        # by side never read an entry that another is still writing.
        jax.config.update("jax_compilation_cache_max_size", COMPILE_CACHE_BYTES)
    gpus = [d for d in devices if d.platform == "gpu"]
    return f"GPU ({gpus[0].device_kind})" if gpus else f"CPU ({threads} threads)"


def setup_tensorflow(threads: int, compile_cache: str | None) -> str:
    """Thread pools and op determinism; GPUs grow their memory. TensorFlow keeps no
    compilation cache between processes (`compile_cache` is unused)."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        tf.config.experimental.set_memory_growth(gpu, True)
    tf.config.experimental.enable_op_determinism()
    return f"GPU ({gpus[0].name}, memory growth on)" if gpus else f"CPU ({threads} threads)"


def skip_unused_imports() -> None:
    """Keras imports scikit-learn and matplotlib when installed, for wrappers and plots
    that a pipeline job never uses (2 s a job): a None entry makes the import fail, as if
    absent. Call before keras is imported."""
    for unused in ("sklearn", "matplotlib"):
        sys.modules.setdefault(unused, None)
