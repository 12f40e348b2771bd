"""The inference columns of every estimates table: ``z, pvalue, ci_lower, ci_upper``.

Wald statistics ``z = est / se``, two-sided normal p-values and 95% normal
intervals ``est ± 1.96 se``, as lavaan's ``parameterEstimates()``; fixed
parameters (``se = 0``) get ``z`` and ``pvalue`` NaN and an interval of zero
width.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
Journal of Statistical Software, 48(2), 1-36.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..distributions import norm_sf

#: The normal quantile of 95% intervals.
Z975 = 1.959963984540054


def inference_columns(est: np.ndarray, se: np.ndarray, level_z: float = Z975
                      ) -> dict[str, np.ndarray]:
    """``est, se, z, pvalue, ci_lower, ci_upper`` as arrays (module notes)."""
    est = np.asarray(est, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    return {"est": est, "se": se, "z": z, "pvalue": 2.0 * norm_sf(np.abs(z)),
            "ci_lower": est - level_z * se, "ci_upper": est + level_z * se}


def with_inference_columns(rows: pd.DataFrame, est: np.ndarray, se: np.ndarray,
                           level_z: float = Z975) -> pd.DataFrame:
    """``rows`` with ``est, se, z, pvalue, ci_lower, ci_upper`` (module notes)."""
    out = rows.copy()
    for name, values in inference_columns(est, se, level_z).items():
        out[name] = values
    return out


__all__ = ["Z975", "inference_columns", "with_inference_columns"]
