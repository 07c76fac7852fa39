"""The from-scratch engine, NumPy only (no TensorFlow or Keras on this path): the forward
pass as the textbook writes it (reference.py) and fast (model.py, layers/, scan.py),
the backward pass likewise (backprop.py, packed_backprop.py), the LSTM core that both fast
paths share (cell.py), loading an export (loader.py, ensemble.py), and training (init.py,
adam.py, train.py). docs/engine.md walks through it.

No module is imported here: the Keras side reads the model format through layers/, and
a rule's rerun follows the modules its script imports (nusax_lstm.pipeline.closure), so an edit to
the inference engine must not reach the trainings through this file."""
