"""The Monte Carlo error of a quantile of draws, shared by the bootstrap tests."""
from __future__ import annotations

import numpy as np


def sd_of_quantile(draws: np.ndarray, p: float) -> float:
    """Monte Carlo SD of the ``p`` quantile of ``draws``: half the distance between the
    order statistics one binomial SD of ranks either side of it."""
    t = np.sort(draws)
    n = t.size
    half = np.sqrt(n * p * (1 - p))
    low = int(np.clip(np.floor(n * p - half), 0, n - 1))
    high = int(np.clip(np.ceil(n * p + half), 0, n - 1))
    return float((t[high] - t[low]) / 2)
