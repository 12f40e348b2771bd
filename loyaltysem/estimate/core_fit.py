"""One fit on the core, any number of groups: estimation, inference, the estimates
table, the fit measures and the admissibility checks.

:func:`loyaltysem.fit` (one group) and :func:`loyaltysem.groups.fit_groups` (several)
prepare the data and the parameter layout and build their results from what
:func:`fit_core` returns; everything between is this one path:

1. ML estimates (:func:`.estimation.minimize`), under the spec's constraints
   (:func:`.constraints.constrained_minimize`);
2. the covariance of the estimates and the scaling of the test
   (:func:`.inference.fit_inference`: information, sandwich, Satorra–Bentler);
3. the estimates table with the standardized solution and R²
   (:func:`.estimates_table.estimates_table`);
4. lavaan's fit measures (:func:`.fit_measures.fit_measures`);
5. the admissibility checks (:func:`.admissibility.fit_problems`).

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2), 1-36.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import ConvergenceError
from ..spec import ModelSpec
from ..spec.interactions import lavaan_names
from .admissibility import Problem, fit_problems
from .constraints import (
    active_null_space,
    check_supported,
    constrained_minimize,
    n_equality_constraints,
)
from .estimates_table import EstimatesTable, estimates_table
from .estimation import minimize
from .fit_measures import degrees_of_freedom, fit_measures
from .inference import Covariance, fit_inference
from .ml import MLFunctions
from .optimizer import OptimizationResult
from .wls import WLSFunctions
from .wls_estimates import latent_response_estimates
from .wls_inference import least_squares_inference
from .wls_measures import least_squares_measures


@dataclass(frozen=True)
class CoreFit:
    """What one fit on the core produced.

    Attributes
    ----------
    result : OptimizationResult
        The optimiser's result (``x``: all free parameters of the core).
    covariance : Covariance
        The covariance of the estimates (robust for MLR and MLM).
    table : EstimatesTable
        Estimates (product columns under lavaan's names), R², latent covariances.
    fit_indices : dict
        lavaan's ``fitMeasures()``.
    problems : list of Problem
        Convergence and admissibility problems.
    """

    result: OptimizationResult
    covariance: Covariance
    table: EstimatesTable
    fit_indices: dict[str, float]
    problems: list[Problem]

    @property
    def theta(self) -> np.ndarray:
        return self.result.x


def fit_core(spec: ModelSpec, functions: MLFunctions, table: pd.DataFrame, *,
             estimator: str, start: np.ndarray | None = None,
             groups: Sequence[str] = ("",)) -> CoreFit:
    """Fit ``spec`` on the core's groups and assess the fit (module notes).

    Parameters
    ----------
    spec : ModelSpec
    functions : MLFunctions
        The layout of the model on every group's moments.
    table : pandas.DataFrame
        The core's parameter table with the ``:=`` rows (see
        :func:`.estimates_table.estimates_table`).
    estimator : {"ML", "MLR", "MLM"}
    start : ndarray, optional
        Start values tried first.
    groups : sequence of str
        The groups' labels (one group: ``("",)``).

    Returns
    -------
    CoreFit

    Raises
    ------
    ConvergenceError
        If no start values give positive-definite implied covariance matrices.
    """
    fiml = not all(moments.complete for moments in functions.groups)
    check_supported(spec, estimator, n_groups=len(groups), fiml=fiml)
    result = constrained_minimize(functions, spec, minimize(functions, start))
    if not np.isfinite(result.fun):
        where = " in every group" if len(groups) > 1 else ""
        raise ConvergenceError(
            f"{spec.name}: no start values give a positive-definite implied covariance "
            f"matrix{where}; check the model (e.g. fixed values) or provide start values")
    theta = result.x
    observed = list(functions.layout.structure.observed)
    if isinstance(functions, WLSFunctions):  # the least-squares family (ordinal data)
        covariance, adjustment = least_squares_inference(functions, theta, estimator)
        estimated = latent_response_estimates(
            estimates_table(functions, theta, covariance.vcov, table, latent=spec.roles.latent,
                            endogenous=spec.roles.endogenous, groups=groups),
            functions, theta, groups)
        indices = least_squares_measures(functions, theta, result.fun, adjustment)
    else:
        x_index = [observed.index(v) for v in spec.roles.ov_x]
        n_equalities = n_equality_constraints(spec)
        null_space = active_null_space(functions, spec, theta)
        covariance, robust = fit_inference(
            functions, theta, estimator, degrees_of_freedom(functions, x_index, n_equalities),
            x_index, null_space)
        estimated = estimates_table(functions, theta, covariance.vcov, table,
                                    latent=spec.roles.latent,
                                    endogenous=spec.roles.endogenous, groups=groups)
        indices = fit_measures(functions, theta, x_index, n_equalities=n_equalities,
                               estimator=estimator, robust=robust, null_space=null_space)
    estimates = lavaan_names(estimated.estimates, spec.interactions)
    covariates = set(spec.roles.ov_x)
    residuals = [v for v in observed if v not in covariates]
    if spec.interactions:
        residuals = lavaan_names(pd.DataFrame({"lhs": residuals}),
                                 spec.interactions)["lhs"].tolist()
    problems = fit_problems(estimates, estimated.latent_cov, residuals,
                            converged=result.converged, optimizer_message=result.message,
                            vcov=covariance.vcov,
                            information_eigenvalues=covariance.information_eigenvalues,
                            groups=groups)
    return CoreFit(result, covariance,
                   EstimatesTable(estimates, estimated.r2, estimated.latent_cov),
                   indices, problems)


__all__ = ["CoreFit", "fit_core"]
