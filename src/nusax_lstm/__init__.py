"""LSTM sentiment classification on NusaX-Senti, with a from-scratch NumPy twin."""

LABELS = ("negative", "neutral", "positive")
SPLITS = ("train", "valid", "test")
PADDINGS = ("post", "pre")  # where padding goes: after a text's tokens, or before


class UserError(Exception):
    """A problem with the user's input: reported as one clear line, no traceback."""
