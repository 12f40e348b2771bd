"""Block-diagonal matrices without scipy (the fit path does not import it)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def block_diagonal(blocks: Sequence[np.ndarray]) -> np.ndarray:
    """The block-diagonal matrix of ``blocks`` (as ``scipy.linalg.block_diag``)."""
    rows, cols = sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)
    out = np.zeros((rows, cols))
    i = j = 0
    for block in blocks:
        out[i:i + block.shape[0], j:j + block.shape[1]] = block
        i, j = i + block.shape[0], j + block.shape[1]
    return out


__all__ = ["block_diagonal"]
