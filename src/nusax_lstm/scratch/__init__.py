"""The trained classifier's forward pass in NumPy only: no TensorFlow on this path."""

from .loader import from_export, load
from .model import Sequential

__all__ = ["Sequential", "from_export", "load"]
