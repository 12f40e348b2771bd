"""From start values to the ML estimates: a bounded warm-up, then Fisher scoring.

The one optimisation path of every covariance-structure fit (one or many
groups, complete or missing data). From the data-based start values of
:mod:`.starts` an L-BFGS-B warm-up with variances kept non-negative brings
the parameters into the basin of the optimum; Fisher scoring on the expected
information (:mod:`.optimizer`) then converges to the unbounded optimum, as
lavaan's: negative variances (Heywood cases) are found and reported, not
hidden by a bound. A warm start (a previous fit's estimates) is tried first.

References
----------
Lee, S.-Y., & Jennrich, R. I. (1979). A study of algorithms for covariance
structure analysis with specific comparisons using factor analysis.
Psychometrika, 44(1), 99-113.
"""
from __future__ import annotations

import numpy as np

from .ml import MLFunctions
from .optimizer import OptimizationResult, bounded_warmup, fisher_scoring
from .starts import start_values


def variance_index(functions: MLFunctions) -> list[int]:
    """Positions in ``theta`` of the free variances (bounded at 0 in the warm-up)."""
    table = functions.layout.table
    is_variance = ((table["op"] == "~~") & (table["lhs"] == table["rhs"])
                   & (table["free"] > 0)).to_numpy()
    return sorted({int(k) - 1 for k in table["free"].to_numpy()[is_variance]})


def _gradient(functions: MLFunctions):
    def gradient(x: np.ndarray) -> np.ndarray:
        g = functions.evaluate(x)[1]
        assert g is not None
        return g[0]
    return gradient


def minimize(functions: MLFunctions, start: np.ndarray | None = None, *,
             gtol: float = 1e-9) -> OptimizationResult:
    """The ML estimates of ``functions`` (see the module notes).

    Parameters
    ----------
    functions : MLFunctions
        On a single sample.
    start : ndarray, optional
        A warm start, tried before the data-based start values.
    gtol : float
        Converged when ``max |dF/dtheta| < gtol``.

    Returns
    -------
    OptimizationResult
        The better of the warm start's and the start values' runs (converged
        first, then the smaller discrepancy); ``fun`` is ``F`` (``chisq = N F``).
    """
    best: OptimizationResult | None = None
    if start is not None:
        best = fisher_scoring(functions.discrepancy, functions.gradient_and_information,
                              np.asarray(start, dtype=float), gtol=gtol)
        if best.converged:
            return best
    x0 = start_values(functions.layout, functions.groups)
    seed = bounded_warmup(functions.discrepancy, _gradient(functions), x0,
                          variance_index(functions))
    result = fisher_scoring(functions.discrepancy, functions.gradient_and_information, seed,
                            gtol=gtol)
    if best is None or result.converged or (np.isfinite(result.fun) and result.fun < best.fun):
        best = result
    return best


__all__ = ["minimize", "variance_index"]
