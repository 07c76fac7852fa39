"""The glue every workflow script shares: its log file, and user errors as one clear line."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Iterator
from typing import Any

from .. import UserError


@contextlib.contextmanager
def logged(snakemake: Any) -> Iterator[None]:
    """Send stdout, stderr (file descriptors too, for TensorFlow's C++ logs) to the job's log."""
    with open(snakemake.log[0], "w", buffering=1) as log:
        saved = [os.dup(1), os.dup(2)]
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        logging.basicConfig(
            level=logging.INFO,
            format="%(asctime)s %(name)s: %(message)s",
            stream=sys.stderr,
            force=True,
        )
        try:
            yield
        except UserError as err:  # expected: one line, no traceback
            print(f"error: {err}", file=sys.stderr, flush=True)
            raise SystemExit(1) from None
        except BaseException:  # a bug or a crash: its traceback belongs in the log too
            traceback.print_exc()
            raise
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
