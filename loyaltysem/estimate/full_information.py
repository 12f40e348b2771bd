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
from .optimizer import (
    OptimizationResult,
    fisher_scoring,
    observed_information_from_gradient,
)
from .semopy_engine import SemopyModel

_Z975 = float(stats.norm.ppf(0.975))


def check_fiml_supported(spec: ModelSpec, estimator: str, data: pd.DataFrame) -> None:
    """Refuse what full-information ML does not cover yet, saying what to do."""
    covariates = list(spec.roles.ov_x)
    if covariates and estimator != "ML":
        raise SpecificationError(
            f"estimator {estimator!r} with missing='ml' and fixed.x covariates ("
            + ", ".join(covariates) + ") is not available yet; use estimator 'ML'",
            source=spec.source)
    incomplete = [v for v in covariates if data[v].isna().any()]
    if incomplete:
        raise SpecificationError(
            "missing='ml' needs the fixed.x covariates to be complete; "
            + ", ".join(incomplete) + " have missing values (drop those rows, or model the "
            "covariates as single-item constructs)", source=spec.source)
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
    n_fixed_means: int = 0  # fixed.x covariates: means fixed, not parameters

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
        npar = int(indices["npar"]) + self.nu.size - self.n_fixed_means
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


class _FixedCovariateMeans:
    """A :class:`FimlObjective` with the covariates' means fixed (fixed.x): it works on
    the free parameters only and expands them with the fixed means."""

    def __init__(self, objective: FimlObjective, fixed: dict[int, float]):
        self.objective = objective
        size = objective.q + objective.p
        self.free = np.array([k for k in range(size) if k - objective.q not in fixed],
                             dtype=int)
        self.base = np.zeros(size)
        for position, value in fixed.items():
            self.base[objective.q + position] = value

    def full(self, x: np.ndarray) -> np.ndarray:
        out = self.base.copy()
        out[self.free] = x
        return out

    def discrepancy(self, x: np.ndarray) -> float:
        return self.objective.discrepancy(self.full(x))

    def gradient_and_information(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gradient, information = self.objective.gradient_and_information(self.full(x))
        return gradient[self.free], information[np.ix_(self.free, self.free)]

    def observed_information(self, x: np.ndarray) -> np.ndarray:
        return observed_information_from_gradient(
            lambda y: self.gradient_and_information(y)[0], x)


def fit_fiml(model: SemopyModel, values: np.ndarray, start: OptimizationResult,
             em_mean: np.ndarray, loglik_h1: float, robust: bool = False,
             covariates: Sequence[int] = ()) -> FimlFit:
    """Full-information ML from the covariance-structure fit to the EM moments;
    ``robust``: MLR's sandwich covariance and Yuan–Bentler scaling (see :func:`robust_fiml`);
    ``covariates``: positions of fixed.x covariates (complete), whose means are fixed at
    their sample values and whose moments are not data (the log-likelihoods are
    conditional on them, as lavaan's)."""
    patterns = missing_patterns(values)
    objective = FimlObjective(model, patterns)
    fixed = {int(j): float(np.mean(values[:, j])) for j in covariates}
    reduced = _FixedCovariateMeans(objective, fixed)
    x0 = np.concatenate([start.x, em_mean])[reduced.free]
    found_free = fisher_scoring(reduced.discrepancy, reduced.gradient_and_information, x0)
    found_x = reduced.full(found_free.x)
    q = model.n_free
    n = objective.n_obs
    constant = sum(pattern.n * pattern.observed.size for pattern in patterns) * math.log(2 * math.pi)
    f_h1 = (-2.0 * loglik_h1 - constant) / n
    observed_free = reduced.observed_information(found_free.x)
    size = q + objective.p
    observed = np.zeros((size, size))
    observed[np.ix_(reduced.free, reduced.free)] = observed_free
    vcov = np.zeros((size, size))
    try:
        vcov[np.ix_(reduced.free, reduced.free)] = np.linalg.inv(n * observed_free)
    except np.linalg.LinAlgError:
        vcov[np.ix_(reduced.free, reduced.free)] = np.linalg.pinv(n * observed_free)
    found = OptimizationResult(found_x, found_free.fun, np.zeros(size), np.zeros((size, size)),
                               found_free.converged, found_free.iterations, found_free.message)
    found.gradient[reduced.free] = found_free.gradient
    found.information[np.ix_(reduced.free, reduced.free)] = found_free.information
    marginal_x = 0.0
    if fixed:
        x_values = values[:, list(fixed)]
        centred = x_values - x_values.mean(axis=0)
        s_xx = centred.T @ centred / x_values.shape[0]
        marginal_x = fi.normal_loglik(s_xx, s_xx, x_values.shape[0])
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
    if fixed:  # the baseline keeps the covariates' joint moments; logliks conditional on x
        others = [j for j in range(values.shape[1]) if j not in fixed]
        loglik_baseline = baseline_loglik(missing_patterns(values[:, others]), len(others))
    else:
        loglik_baseline = baseline_loglik(patterns, values.shape[1])
        marginal_x = 0.0
    return FimlFit(result, found.x[q:], vcov, observed,
                   objective.loglik(found.x) - marginal_x, loglik_h1 - marginal_x,
                   loglik_baseline, em_mean, scaling,
                   n_fixed_means=len(fixed))
