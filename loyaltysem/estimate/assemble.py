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
from scipy import special

#: The normal quantile of 95% intervals.
Z975 = 1.959963984540054


def with_inference_columns(rows: pd.DataFrame, est: np.ndarray, se: np.ndarray,
                           level_z: float = Z975) -> pd.DataFrame:
    """``rows`` with ``est, se, z, pvalue, ci_lower, ci_upper`` (module notes)."""
    est = np.asarray(est, dtype=float)
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    out = rows.copy()
    out["est"] = est
    out["se"] = se
    out["z"] = z
    out["pvalue"] = special.erfc(np.abs(z) / np.sqrt(2.0))
    out["ci_lower"] = est - level_z * se
    out["ci_upper"] = est + level_z * se
    return out


__all__ = ["Z975", "with_inference_columns"]
