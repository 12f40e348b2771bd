"""Robust ML (lavaan's ``estimator = "MLR"``) for multi-group models with a mean structure.

As :mod:`loyaltysem.estimate.robust` for one group, over all groups at once:

- sandwich covariance ``V = E^-1 B0 E^-1 / N`` with ``E`` the observed unit
  information (Hessian of ``F / 2``, ``F = sum_g (N_g/N) F_g``) and ``B0`` the
  mean outer product of the casewise scores of all cases;
- the Yuan–Bentler (Mplus) scaling ``c = (tr_h1 - tr_h0) / df`` with
  ``tr_h0 = tr(B0 E^-1)`` and ``tr_h1 = sum_g [p + tr(B1_g A1_g^-1)]``, the
  saturated model of each group (means: trace p; covariances: as for one
  group);
- the baseline (free means and variances in every group), whose trace has a
  closed form: ``sum_g sum_j [1 + (m4_j / s_jj^2 - 1) / 2]`` (m4: fourth
  central moment);
- the Satorra–Bentler (2001) scaled chi-square difference of nested models,
  lavaan's ``lavTestLRT`` default for MLR.

References
----------
Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean
and covariance structure analysis with nonnormal missing data. Sociological
Methodology, 30, 165-200.
Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test
statistic for moment structure analysis. Psychometrika, 66(4), 507-514.
lavaan 0.6: ``R/lav_test_yuan_bentler.R``, ``R/lav_test_diff.R``.
"""
from __future__ import annotations

import numpy as np

from ..estimate.difference import scaled_difference_test
from ..estimate.inference import sandwich_vcov
from ..estimate.ml import MLFunctions
from ..estimate.reference_models import reference_trace
from ..estimate.robust import RobustInference


def saturated_traces(functions: MLFunctions, x_index: list[int]) -> np.ndarray:
    """``tr(B1_g A1_g^-1)`` of each group's saturated mean-and-covariance model (the
    fixed.x covariates' means and moments are data, not parameters)."""
    return np.array([reference_trace(group, diagonal=False, meanstructure=True,
                                     x_index=x_index) for group in functions.groups])


def baseline_traces(functions: MLFunctions, x_index: list[int]) -> np.ndarray:
    """``tr(B0 E^-1)`` of each group's independence model (free means and variances)."""
    return np.array([reference_trace(group, diagonal=True, meanstructure=True,
                                     x_index=x_index) for group in functions.groups])


def multigroup_robust(functions: MLFunctions, theta: np.ndarray, df: int,
                      x_index: list[int], null_space: np.ndarray | None = None
                      ) -> RobustInference:
    """Sandwich covariance and Yuan–Bentler scaling of a fitted multi-group model
    (``null_space``: ``Z`` of the active constraints, see :func:`.estimate.inference.
    sandwich_vcov`)."""
    covariance = sandwich_vcov(functions, theta, null_space)
    trace_h1 = float(saturated_traces(functions, x_index).sum())
    scaling = (trace_h1 - covariance.trace_h0) / df if df > 0 else float("nan")
    if scaling < 0:
        scaling = float("nan")
    return RobustInference(covariance.vcov, float(scaling), trace_h1, covariance.trace_h0)


def scaled_difference(chisq0: float, df0: float, c0: float, chisq1: float, df1: float,
                      c1: float) -> tuple[float, float, float]:
    """Satorra–Bentler (2001) scaled difference of nested models (0: more restricted).

    ``(T, df0 - df1, p)`` of :func:`loyaltysem.estimate.difference.scaled_difference_test`
    (the one implementation; NaN when the df do not differ or ``cd <= 0``).
    """
    return scaled_difference_test(chisq0, df0, c0, chisq1, df1, c1)[:3]
