"""The estimates table of a least-squares fit on ordinal items: the rows lavaan derives.

After :func:`.estimates_table.estimates_table`, per group and ordinal item ``j`` with
scale ``s_j = Sigma_jj^(-1/2)`` (:mod:`.wls`), as lavaan 0.6-14's
``parameterEstimates(standardized = TRUE)``:

- the scaling factor ``j ~*~ j``: ``s_j`` (a parameter in the delta parameterization,
  derived in the theta one), standardized 1;
- the residual variance in the delta parameterization, ``1 / s_j^2 - diag(Lambda C Psi
  C' Lambda')_jj`` (no SE: not a parameter), standardized ``theta_jj s_j^2``;
- the thresholds, standardized ``tau s_j`` (``std_lv`` is the estimate);
- the item's R², ``1 - theta_jj s_j^2``.

References
----------
Muthén, B., & Asparouhov, T. (2002). Latent variable analysis with categorical
outcomes: multiple-group and growth modeling in Mplus. Mplus Web Note 4.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .estimates_table import EstimatesTable
from .wls import WLSFunctions

_DERIVED = ("est", "ci_lower", "ci_upper", "std_lv")


def latent_response_estimates(table: EstimatesTable, functions: WLSFunctions,
                              theta: np.ndarray, groups: Sequence[str]) -> EstimatesTable:
    """``table`` with the derived rows of the ordinal items (module notes)."""
    estimates = table.estimates.copy()
    order = list(functions.layout.structure.observed)
    lhs, op, rhs = (estimates[c].to_numpy() for c in ("lhs", "op", "rhs"))
    group = estimates["group"].to_numpy()
    est = estimates["est"].to_numpy(dtype=float)
    r2 = [dict(values) for values in table.r2]
    column = {name: estimates.columns.get_loc(name) for name in estimates.columns}
    for g, name in enumerate(groups):
        spec = functions.statistics_of[g]
        ordinal = [order[k] for k in spec.ordinal]
        scale = dict(zip(ordinal, functions.scales(theta, g)[0, spec.ordinal].tolist()))
        residual = dict(zip(ordinal, functions.residual_variances(theta, g).tolist()))
        here = group == name
        for item in ordinal:
            s = scale[item]
            rows = np.flatnonzero(here & (lhs == item) & (op == "~*~"))
            _set(estimates, rows, column, s, 1.0, derived=functions.parameterization == "theta")
            estimates.iloc[rows, column["std_lv"]] = s
            rows = np.flatnonzero(here & (lhs == item) & (op == "~~") & (rhs == item))
            _set(estimates, rows, column, residual[item], residual[item] * s * s,
                 derived=functions.parameterization == "delta")
            rows = np.flatnonzero(here & (lhs == item) & (op == "|"))
            estimates.iloc[rows, column["std_lv"]] = est[rows]
            estimates.iloc[rows, column["std_all"]] = est[rows] * s
            r2[g][item] = 1.0 - residual[item] * s * s
    return EstimatesTable(estimates, r2, table.latent_cov)


def _set(estimates, rows: np.ndarray, column: dict, value: float, standardized: float,
         *, derived: bool) -> None:
    """Write a derived value (est, interval, std_lv; no SE) or just the standardized one."""
    if not rows.size:
        return
    if derived:
        for name in _DERIVED:
            estimates.iloc[rows, column[name]] = value
    estimates.iloc[rows, column["std_all"]] = standardized


__all__ = ["latent_response_estimates"]
