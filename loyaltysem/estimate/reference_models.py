"""The saturated (h1) and independence (baseline) models as layouts of the core.

Robust test statistics compare a model with two reference models of the same
data: the saturated model (every variance, covariance and mean free) and the
independence model (variances and means free, covariances 0; lavaan's
baseline). Both are laid out here directly — observed variables only, all
parameters in ``Theta`` and ``nu`` — so that their informations and casewise
scores come from the one ML implementation (:mod:`.ml`), for complete and
missing data alike. fixed.x covariates keep their sample moments (fixed, not
parameters), as lavaan.

The Yuan–Bentler trace of a model is ``tr(B E^-1)``, ``E`` the (observed)
information and ``B`` the mean outer product of the casewise scores, both per
case (Yuan & Bentler 2000; lavaan ``lav_test_yuan_bentler``).

References
----------
Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean
and covariance structure analysis with nonnormal missing data. Sociological
Methodology, 30, 165-200.
Bentler, P. M., & Bonett, D. G. (1980). Significance tests and goodness of fit
in the analysis of covariance structures. Psychological Bulletin, 88(3),
588-606 (the independence model).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .layout import NU, ParameterLayout
from .ml import MLFunctions
from .moments import GroupMoments
from .structure import THETA, ModelStructure


def _structure(p: int) -> ModelStructure:
    names = tuple(f"v{i}" for i in range(p))
    constants = (np.zeros((0, 0)), np.zeros((p, 0)), np.zeros((0, 0)), np.zeros((p, p)))
    return ModelStructure(names, (), (), constants, {})


def reference_layout(group: GroupMoments, *, diagonal: bool, meanstructure: bool,
                     x_index: Sequence[int] = ()) -> tuple[ParameterLayout, np.ndarray]:
    """The saturated (``diagonal=False``) or independence model of one group's data,
    and its ML estimates (the saturated moments; available-case means and variances).

    Returns
    -------
    layout : ParameterLayout
    theta : ndarray
    """
    p = group.p
    cov, mean = group.cov[0], group.mean[0]
    covariates = set(int(i) for i in x_index)
    base = [np.zeros((0, 0)), np.zeros((p, 0)), np.zeros((0, 0)), np.zeros((p, p)),
            np.zeros(p), np.zeros(0)]
    theta_fill: list[tuple[int, int, int, int]] = []
    values: list[float] = []
    variances = _available_variances(group) if diagonal else np.diag(cov)
    for i in range(p):
        for j in range(i + 1):
            if i in covariates and j in covariates:  # fixed.x: the sample moments
                base[THETA][i, j] = base[THETA][j, i] = cov[i, j]
            elif i == j or not diagonal:
                k = len(values)
                values.append(float(variances[i]) if i == j else float(cov[i, j]))
                theta_fill += [(0, i, j, k)] + ([(0, j, i, k)] if i != j else [])
    means = _available_means(group) if diagonal else mean
    nu_fill = []
    if meanstructure:
        for i in range(p):
            if i in covariates:
                base[NU][i] = mean[i]
            else:
                nu_fill.append((0, i, 0, len(values)))
                values.append(float(means[i]))

    def index(entries: list) -> tuple[np.ndarray, ...]:
        array = np.array(entries, dtype=int).reshape(-1, 4)
        return tuple(array[:, c].copy() for c in range(4))

    empty = index([])
    fill = (empty, empty, empty, index(theta_fill), index(nu_fill), empty)
    table = pd.DataFrame({"lhs": [], "op": [], "rhs": [], "free": [], "ustart": [], "exo": []})
    layout = ParameterLayout(
        structure=_structure(p), n_groups=1, n_free=len(values), meanstructure=meanstructure,
        base=(tuple(base),), fill=fill,  # type: ignore[arg-type]
        fixed_x_cov=tuple(np.zeros(0, dtype=int) for _ in range(5)),
        fixed_x_mean=tuple(np.zeros(0, dtype=int) for _ in range(3)), table=table)
    return layout, np.array(values)


def _available_means(group: GroupMoments) -> np.ndarray:
    if group.complete:
        return group.mean[0]
    return np.nanmean(group.cases(), axis=0)


def _available_variances(group: GroupMoments) -> np.ndarray:
    """The independence model's MLE: each variable's available-case variance (divisor:
    its number of values)."""
    if group.complete:
        return np.diag(group.cov[0])
    cases = group.cases()
    return np.nanmean((cases - np.nanmean(cases, axis=0)) ** 2, axis=0)


def yuan_bentler_trace(layout: ParameterLayout, group: GroupMoments, theta: np.ndarray,
                       information: str = "observed") -> float:
    """``tr(B E^-1)`` of a model at ``theta`` on one group's cases (module notes)."""
    functions = MLFunctions(layout, [group])
    unit = (functions.observed_information(theta) if information == "observed"
            else functions.information(theta))
    scores = functions.casewise_scores(theta)
    b = scores.T @ scores / float(group.n[0])
    return float(np.sum(b * np.linalg.inv(unit).T))


def reference_trace(group: GroupMoments, *, diagonal: bool, meanstructure: bool,
                    x_index: Sequence[int] = ()) -> float:
    """The Yuan–Bentler trace of the saturated or independence model of a group: at
    the saturated moments of complete data the observed information is the expected
    one (used; exact), otherwise the observed information (lavaan 0.6-14)."""
    layout, theta = reference_layout(group, diagonal=diagonal, meanstructure=meanstructure,
                                     x_index=x_index)
    exact = group.complete and not diagonal
    return yuan_bentler_trace(layout, group, theta, "expected" if exact else "observed")


__all__ = ["reference_layout", "reference_trace", "yuan_bentler_trace"]
