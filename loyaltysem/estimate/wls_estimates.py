"""The estimates table of a least-squares fit on ordinal items: the rows lavaan derives.

After :func:`.estimates_table.estimates_table`, per group and ordinal item ``j`` with
scale ``s_j = Sigma_jj^(-1/2)`` (:mod:`.wls`), as lavaan 0.6-14's
``parameterEstimates(standardized = TRUE)`` and ``standardizedSolution()``:

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
from dataclasses import dataclass

import numpy as np

from .estimates_table import EstimatesTable
from .wls import WLSFunctions


@dataclass(frozen=True)
class DerivedRows:
    """The rows of ordinal items whose values a least-squares fit derives (module notes):
    row positions and their values; ``est`` NaN where the row keeps its own value."""

    rows: np.ndarray
    est: np.ndarray
    std_lv: np.ndarray
    std_all: np.ndarray
    r2: list[dict[str, float]]

    def apply(self, est: np.ndarray, std_lv: np.ndarray, std_all: np.ndarray) -> None:
        """Write the derived values into the columns (in place)."""
        derived = ~np.isnan(self.est)
        est[self.rows[derived]] = self.est[derived]
        std_lv[self.rows] = np.where(np.isnan(self.std_lv), std_lv[self.rows], self.std_lv)
        std_all[self.rows] = self.std_all


def derived_rows(functions: WLSFunctions, theta: np.ndarray, lhs: np.ndarray, op: np.ndarray,
                 rhs: np.ndarray, group: np.ndarray, est: np.ndarray) -> DerivedRows:
    """The derived values (module notes) of the rows ``lhs, op, rhs`` of groups ``group``
    (0..), whose current values are ``est``."""
    order = list(functions.layout.structure.observed)
    rows, values, lv, std, r2 = [], [], [], [], []
    delta = functions.parameterization == "delta"
    for g, spec in enumerate(functions.statistics_of):
        ordinal = [order[k] for k in spec.ordinal]
        scale = dict(zip(ordinal, functions.scales(theta, g)[0, spec.ordinal].tolist()))
        residual = dict(zip(ordinal, functions.residual_variances(theta, g).tolist()))
        here = group == g
        for item in ordinal:
            s, theta_jj = scale[item], residual[item]
            for r in np.flatnonzero(here & (lhs == item)):
                if op[r] == "~*~":
                    rows.append(r); values.append(np.nan if delta else s)
                    lv.append(s); std.append(1.0)
                elif op[r] == "~~" and rhs[r] == item:
                    rows.append(r); values.append(theta_jj if delta else np.nan)
                    lv.append(theta_jj if delta else np.nan); std.append(theta_jj * s * s)
                elif op[r] == "|":
                    rows.append(r); values.append(np.nan)
                    lv.append(est[r]); std.append(est[r] * s)
        r2.append({item: 1.0 - residual[item] * scale[item] ** 2 for item in ordinal})
    return DerivedRows(np.array(rows, dtype=int), np.array(values, dtype=float),
                       np.array(lv, dtype=float), np.array(std, dtype=float), r2)


def latent_response_estimates(table: EstimatesTable, functions: WLSFunctions,
                              theta: np.ndarray, groups: Sequence[str]) -> EstimatesTable:
    """``table`` with the derived rows of the ordinal items (module notes); a derived
    value has no SE and its interval is the value."""
    estimates = table.estimates.copy()
    index = {name: g for g, name in enumerate(groups)}
    group = np.array([index.get(name, -1) for name in estimates["group"]])
    lhs, op, rhs = (estimates[c].to_numpy() for c in ("lhs", "op", "rhs"))
    est = estimates["est"].to_numpy(dtype=float).copy()
    std_lv = estimates["std_lv"].to_numpy(dtype=float).copy()
    std_all = estimates["std_all"].to_numpy(dtype=float).copy()
    derived = derived_rows(functions, theta, lhs, op, rhs, group, est)
    derived.apply(est, std_lv, std_all)
    changed = derived.rows[~np.isnan(derived.est)]
    for name in ("ci_lower", "ci_upper"):
        values = estimates[name].to_numpy(dtype=float).copy()
        values[changed] = est[changed]
        estimates[name] = values
    estimates["est"], estimates["std_lv"], estimates["std_all"] = est, std_lv, std_all
    r2 = [{**values, **extra} for values, extra in zip(table.r2, derived.r2)]
    return EstimatesTable(estimates, r2, table.latent_cov)


__all__ = ["DerivedRows", "derived_rows", "latent_response_estimates"]
