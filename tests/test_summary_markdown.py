"""The summary's sentences say what the numbers under them say."""

import pytest

from nusax_lstm.reports.summary_markdown import conclusion


def row(val: float, test: float) -> dict:
    return {"val": {"mean": val, "std": 0.01}, "test": {"mean": test}, "seeds": [42, 43]}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            {"A": row(0.80, 0.70), "B": row(0.75, 0.72)},
            "depth: A has the best mean validation macro F1, 0.050 above B, more than the "
            "seed spread (0.010). On the test split B is best (0.720).",
        ),
        (
            {"A": row(0.80, 0.74), "B": row(0.795, 0.72), "C": row(0.70, 0.73)},
            "depth: A has the best mean validation macro F1, 0.005 above B, within the seed "
            "spread (0.010): no clear winner. On validation the weakest, C, trails it by "
            "0.100, more than the seed spread (0.010). On the test split A is also best "
            "(0.740).",
        ),
    ],
)
def test_the_conclusion_says_validation_first_then_test(rows, expected):
    """Every validation gap comes before the test split's sentence, and says it is one."""
    assert conclusion("depth", rows) == expected
