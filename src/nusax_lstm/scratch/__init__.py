"""The trained classifier's forward pass in NumPy only: no TensorFlow on this path."""

from .model import Sequential, from_export, load

__all__ = ["Sequential", "from_export", "load"]
