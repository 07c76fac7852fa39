"""LSTM sentiment classification on NusaX-Senti, with a from-scratch NumPy twin."""

LABELS = ("negative", "neutral", "positive")
SPLITS = ("train", "valid", "test")


class UserError(Exception):
    """A problem with the user's input: reported as one clear line, no traceback."""
