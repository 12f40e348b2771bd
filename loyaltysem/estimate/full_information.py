"""A full-information ML fit (``missing="ml"``): from the covariance-structure start to
estimates, standard errors and the statistics that the mean structure and the EM h1
change. The likelihood, EM and the robust informations are in :mod:`.fiml`.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import ConvergenceError, SpecificationError
from ..spec import ModelSpec
from . import fit_indices as fi
from .fiml import (
    FimlObjective,
    baseline_loglik,
    baseline_trace,
    missing_patterns,
    robust_fiml,
)
from .optimizer import OptimizationResult, fisher_scoring
from .semopy_engine import SemopyModel

_Z975 = float(stats.norm.ppf(0.975))


def check_fiml_supported(spec: ModelSpec, estimator: str) -> None:
    if spec.roles.ov_x:
        raise SpecificationError(
            "missing='ml' is not available for models with fixed.x covariates ("
            + ", ".join(spec.roles.ov_x) + ") yet; use missing='listwise'", source=spec.source)
    if estimator == "MLM":
        raise SpecificationError("estimator 'MLM' with missing='ml' is not available (lavaan "
                                 "does not offer it either); use estimator 'MLR'",
                                 source=spec.source)


@dataclass(frozen=True)
class FimlFit:
    """What a full-information fit adds to the covariance-structure fit."""

    result: OptimizationResult  # x: the covariance parameters; fun: F - F_h1
    nu: np.ndarray
    vcov: np.ndarray  # of (theta, nu)
    observed_information: np.ndarray
    loglik: float
    loglik_h1: float
    loglik_baseline: float
    em_mean: np.ndarray
    # MLR: (scaling factor, trace h1, trace h0, baseline scaling factor)
    robust: tuple[float, float, float, float] | None = None

    def intercept_rows(self, model: SemopyModel, order: list[str], latent_names: Sequence[str],
                       total_variance: dict[str, float]) -> pd.DataFrame:
        """Rows ``~1``: the observed intercepts (free) and the latent intercepts (fixed at 0).

        The fit's means are saturated (``mu = nu``); lavaan reports the
        intercepts of its own parameterisation, ``mu = tau + Lambda E[eta]``:
        they are derived by :func:`lavaan_intercepts`, with delta-method SEs.
        """
        q = self.vcov.shape[0] - self.nu.size
        x = np.concatenate([self.result.x, self.nu])
        intercepts = lavaan_intercepts(model, x)
        jacobian = np.zeros((intercepts.size, x.size))
        for k in range(x.size):
            step = 1e-6 * max(1.0, abs(x[k]))
            up, down = x.copy(), x.copy()
            up[k] += step
            down[k] -= step
            jacobian[:, k] = (lavaan_intercepts(model, up) - lavaan_intercepts(model, down)) \
                / (2 * step)
        se = np.sqrt(np.clip(np.einsum("ik,kl,il->i", jacobian, self.vcov, jacobian), 0, None))
        sd = np.sqrt([total_variance[v] for v in order])
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, intercepts / se, np.nan)
        latent = pd.DataFrame({  # latent means, fixed at 0 (lavaan lists them)
            "lhs": list(latent_names), "op": "~1", "rhs": "", "free": 0, "label": "",
            "ustart": 0.0, "user": 0, "exo": 0, "line": None, "est": 0.0, "se": 0.0,
            "z": np.nan, "pvalue": np.nan, "ci_lower": 0.0, "ci_upper": 0.0, "std_lv": 0.0,
            "std_all": 0.0})
        observed = pd.DataFrame({
            "lhs": order, "op": "~1", "rhs": "", "free": np.arange(q + 1, q + 1 + self.nu.size),
            "label": "", "ustart": np.nan, "user": 0, "exo": 0, "line": None, "est": intercepts,
            "se": se, "z": z, "pvalue": 2 * stats.norm.sf(np.abs(z)),
            "ci_lower": intercepts - _Z975 * se, "ci_upper": intercepts + _Z975 * se,
            "std_lv": intercepts, "std_all": intercepts / sd})
        return pd.concat([observed, latent], ignore_index=True)

    def fit_indices(self, indices: dict, sample_cov: np.ndarray, sigma: np.ndarray,
                    n: int) -> dict[str, float]:
        """The statistics that change with a mean structure and the EM h1 (lavaan's FIML)."""
        npar = int(indices["npar"]) + self.nu.size
        baseline_chisq = 2.0 * (self.loglik_h1 - self.loglik_baseline)
        chisq, df, baseline_df = indices["chisq"], indices["df"], indices["baseline_df"]
        out: dict[str, float] = {
            "npar": npar, "baseline_chisq": baseline_chisq,
            "baseline_pvalue": fi.chisq_pvalue(baseline_chisq, baseline_df),
            **fi.incremental_indices(chisq, df, baseline_chisq, baseline_df),
            "srmr": fi.srmr_with_means(sample_cov, sigma, self.em_mean - self.nu),
            "loglik": self.loglik, "unrestricted_loglik": self.loglik_h1,
            **fi.information_criteria(self.loglik, npar, n),
            "ecvi": fi.ecvi(chisq, npar, n),
            **fi.residual_summaries_with_means(sample_cov, sigma, self.em_mean, self.nu),
            # lavaan's GFI family with a mean structure is not reproduced: not reported
            "gfi": math.nan, "agfi": math.nan, "pgfi": math.nan,
        }
        if self.robust is not None:
            c, trace_h1, trace_h0, c_b = self.robust
            chisq_scaled = chisq / c if df > 0 else chisq
            baseline_scaled = baseline_chisq / c_b
            lower, upper = fi.rmsea_ci(chisq, df * c, n) if df > 0 else (0.0, 0.0)
            moments = self.nu.size * (self.nu.size + 1) // 2 + self.nu.size
            out.update({
                "chisq_scaled": chisq_scaled, "df_scaled": df,
                "pvalue_scaled": fi.chisq_pvalue(chisq_scaled, df), "scaling_factor": c,
                "baseline_chisq_scaled": baseline_scaled, "baseline_scaling_factor": c_b,
                "baseline_pvalue_scaled": fi.chisq_pvalue(baseline_scaled, baseline_df),
                **{f"{name}_scaled": value for name, value in fi.incremental_indices(
                    chisq_scaled, df, baseline_scaled, baseline_df).items()},
                "rmsea_scaled": fi.rmsea(chisq_scaled, df, n),
                "rmsea_ci_lower_scaled": lower, "rmsea_ci_upper_scaled": upper,
                "rmsea_pvalue_scaled": (fi.rmsea_pvalue(chisq, df * c, n) if df > 0
                                        else math.nan),
                "rmsea_notclose_pvalue_scaled": (fi.rmsea_notclose_pvalue(chisq, df * c, n)
                                                 if df > 0 else math.nan),
                "scaling_factor_h1": trace_h1 / moments, "scaling_factor_h0": trace_h0 / npar,
            })
        return out


def lavaan_intercepts(model: SemopyModel, x: np.ndarray) -> np.ndarray:
    """lavaan's observed intercepts from the saturated means ``mu`` of a FIML fit.

    With ``eta = B eta + tau`` (latent intercepts 0, observed variables of the
    structural model carrying their own intercept) the inner means solve
    ``E[eta_latent] = (I - B_ll)^-1 B_lo E[eta_observed]`` with
    ``E[eta_observed] = mu``; then an indicator's intercept is
    ``mu_i - Lambda_i E[eta]`` and a structural observed variable's
    ``mu_y - B_y E[eta]``. ``x = (theta, mu)``; returns the intercepts in the
    model's observed order.
    """
    q = model.n_free
    theta, mu = x[:q], x[q:]
    beta, lam, _, _ = model.matrices(theta)
    inner, observed = list(model.latent_inner), list(model.observed)
    observed_inner = [i for i, v in enumerate(inner) if v in observed]
    latent_inner = [i for i, v in enumerate(inner) if v not in observed]
    means = np.zeros(len(inner))
    for i in observed_inner:
        means[i] = mu[observed.index(inner[i])]
    if latent_inner:
        block = np.eye(len(latent_inner)) - beta[np.ix_(latent_inner, latent_inner)]
        means[latent_inner] = np.linalg.solve(
            block, beta[np.ix_(latent_inner, observed_inner)] @ means[observed_inner])
    out = np.empty(len(observed))
    for k, name in enumerate(observed):
        if name in inner:
            out[k] = mu[k] - beta[inner.index(name)] @ means
        else:
            out[k] = mu[k] - lam[k] @ means
    return out


def fit_fiml(model: SemopyModel, values: np.ndarray, start: OptimizationResult,
              em_mean: np.ndarray, loglik_h1: float, robust: bool = False) -> FimlFit:
    """Full-information ML from the covariance-structure fit to the EM moments;
    ``robust``: MLR's sandwich covariance and Yuan–Bentler scaling (see :func:`robust_fiml`)."""
    patterns = missing_patterns(values)
    objective = FimlObjective(model, patterns)
    x0 = np.concatenate([start.x, em_mean])
    found = fisher_scoring(objective.discrepancy, objective.gradient_and_information, x0)
    q = model.n_free
    n = objective.n_obs
    constant = sum(pattern.n * pattern.observed.size for pattern in patterns) * math.log(2 * math.pi)
    f_h1 = (-2.0 * loglik_h1 - constant) / n
    observed = objective.observed_information(found.x)
    try:
        vcov = np.linalg.inv(n * observed)
    except np.linalg.LinAlgError:
        vcov = np.linalg.pinv(n * observed)
    scaling = None
    if robust:
        p = values.shape[1]
        df = p * (p + 1) // 2 - q
        try:
            vcov, c, trace_h1, trace_h0 = robust_fiml(objective, found.x, df, em_mean,
                                                      model.sample_cov)
        except np.linalg.LinAlgError as error:
            raise ConvergenceError("the observed information matrix is singular: robust (MLR) "
                                   "standard errors cannot be computed for this solution") \
                from error
        c_b = (trace_h1 - baseline_trace(patterns, p)) / (p * (p - 1) // 2)
        scaling = (c, trace_h1, trace_h0, c_b)
    result = OptimizationResult(found.x[:q], found.fun - f_h1, found.gradient[:q],
                                found.information[:q, :q], found.converged,
                                start.iterations + found.iterations, found.message)
    return FimlFit(result, found.x[q:], vcov, observed, objective.loglik(found.x), loglik_h1,
                    baseline_loglik(patterns, values.shape[1]), em_mean, scaling)
