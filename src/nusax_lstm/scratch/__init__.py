"""The from-scratch engine, NumPy only (no TensorFlow or Keras on this path): the forward
pass as the textbook writes it (reference.py) and fast (model.py, layers/, scan.py),
the backward pass likewise (backprop.py, packed_backprop.py), the LSTM core that both fast
paths share (cell.py), loading an export (loader.py, ensemble.py), and training (init.py,
adam.py, train.py). docs/engine.md walks through it."""

from .loader import from_export, load
from .model import Sequential

__all__ = ["Sequential", "from_export", "load"]
