"""Chi-square difference tests of nested models: the statistics behind :func:`compare`.

Notation (lavaan 0.6, ``R/lav_test_LRT.R`` and ``R/lav_test_diff.R``): model
1 is the less restricted, model 0 the more restricted; ``T`` the standard
likelihood-ratio statistics, ``r`` their degrees of freedom, ``c`` the
scaling factors of the scaled tests (MLR: Yuan–Bentler (Mplus); MLM:
Satorra–Bentler) and ``m = r0 - r1``.

- ML: ``T0 - T1`` on ``m`` df;
- Satorra & Bentler (2001): ``cd = (r0 c0 - r1 c1) / m``, ``T = (T0 - T1) / cd``
  (``c1 = 1`` for a saturated model 1; ``cd <= 0``: undefined);
- Satorra & Bentler (2010): the same with ``c1`` replaced by ``c10``, the
  scaling factor of model 1 evaluated at model 0's estimates (the M10 model,
  :func:`mapped_parameters` and :func:`scaling_factor_at`), which cannot be
  negative for nested models;
- Satorra (2000): ``cd = tr(U_d Gamma) / m`` from the constraints that turn
  model 1 into model 0 (:func:`satorra_2000_traces`), and its scaled-and-shifted
  form ``a (T0 - T1) + b`` (``a = sqrt(m / tr((U_d Gamma)^2))``, ``b = m - a
  tr(U_d Gamma)``), lavaan's ``lavTestLRT`` default (``scaled.shifted = TRUE``).

References
----------
Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample
analysis of moment structures. In Heijmans, Pollock & Satorra (Eds.),
Innovations in multivariate statistical analysis (pp. 233-247). Kluwer.
Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test
statistic for moment structure analysis. Psychometrika, 66(4), 507-514.
Satorra, A., & Bentler, P. M. (2010). Ensuring positiveness of the scaled
difference chi-square test statistic. Psychometrika, 75(2), 243-248.
Asparouhov, T., & Muthén, B. (2010). Simple second order chi-square correction.
Mplus technical appendix (the scaled-and-shifted statistic).
lavaan 0.6: ``R/lav_test_LRT.R``, ``R/lav_test_diff.R``,
``R/lav_test_yuan_bentler.R``.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..distributions import chi2_sf
from .inference import sandwich_vcov
from .ml import CoreModel, MLFunctions
from .robust import (moment_jacobian, normal_weight, satorra_bentler_inference,
                     second_moment_covariance)


def chisq_difference(chisq0: float, df0: float, chisq1: float, df1: float
                     ) -> tuple[float, float, float]:
    """ML chi-square difference test of nested models (lavaan's ``lavTestLRT``, ML).

    Parameters
    ----------
    chisq0, df0 : float
        The more restricted model.
    chisq1, df1 : float
        The less restricted model.

    Returns
    -------
    tuple of float
        ``(T0 - T1, df0 - df1, p)``, p from chi-square(df0 - df1); NaN p when
        the df do not differ.
    """
    difference, df_difference = chisq0 - chisq1, df0 - df1
    if df_difference <= 0:
        return difference, df_difference, float("nan")
    return difference, df_difference, float(chi2_sf(max(difference, 0.0), df_difference))


def scaled_difference_test(chisq0: float, df0: float, c0: float, chisq1: float, df1: float,
                           c1: float) -> tuple[float, float, float, float]:
    """Scaled chi-square difference of nested models (0: more restricted).

    Satorra & Bentler (2001): ``cd = (df0 c0 - df1 c1) / (df0 - df1)`` and
    ``T = (chisq0 - chisq1) / cd``; with ``c1`` the scaling factor of model 1
    at its own estimates (SB2001) or at model 0's (``c10``, Satorra & Bentler
    2010). ``c1 = 1`` when ``df1 = 0`` (lavaan: a saturated model).

    Returns
    -------
    tuple of float
        ``(T, df0 - df1, p, cd)``; ``T`` and ``p`` NaN when the df do not
        differ or ``cd <= 0`` (lavaan 0.6 ``lav_test_diff_SatorraBentler2001``:
        "scaling factor is negative").
    """
    df_difference = df0 - df1
    if df1 == 0:
        c1 = 1.0
    if df_difference <= 0:
        return float("nan"), df_difference, float("nan"), float("nan")
    cd = (df0 * c0 - df1 * c1) / df_difference
    if not cd > 0:
        return float("nan"), df_difference, float("nan"), float(cd)
    statistic = (chisq0 - chisq1) / cd
    p = float(chi2_sf(max(statistic, 0.0), df_difference))
    return float(statistic), df_difference, p, float(cd)


def rmsea_difference(chisq_difference: float, df_difference: float, n: float,
                     n_groups: int) -> float:
    """RMSEA of a chi-square difference, lavaan's ``lavTestLRT`` ``RMSEA`` column (ML):
    ``sqrt(max(0, (dT / N) / ddf - 1 / N)) sqrt(G)``."""
    if not df_difference > 0:
        return float("nan")
    return math.sqrt(max(0.0, chisq_difference / n / df_difference - 1.0 / n)) \
        * math.sqrt(n_groups)


# ---------------------------------------------------------------- the M10 model
def _row_key(group: int, lhs: str, op: str, rhs: str) -> tuple[int, str, str, str]:
    if op == "~~" and rhs < lhs:
        lhs, rhs = rhs, lhs
    return (group, lhs, op, rhs)


def _keys(table: pd.DataFrame) -> list[tuple[int, str, str, str]]:
    groups = table["group"].to_numpy(dtype=int) if "group" in table else np.zeros(len(table), int)
    return [_row_key(int(g), str(a), str(b), str(c))
            for g, a, b, c in zip(groups, table["lhs"], table["op"], table["rhs"])]


def mapped_parameters(core1: CoreModel, core0: CoreModel) -> tuple[np.ndarray, list[str]]:
    """Model 1's free parameters at model 0's estimates (lavaan's M10 model).

    Each free parameter of model 1 takes the value of the row with the same
    group, lhs, op and rhs in model 0 (its estimate, or its fixed value);
    rows model 0 does not have are 0 (model 0's fixed-to-zero parameters), as
    lavaan 0.6's ``lav_test_diff_m10``.

    Returns
    -------
    theta : ndarray
    unmatched : list of str
        Model 1's free parameters without a row in model 0.
    """
    table0 = core0.layout.table
    table0 = table0[table0["op"] != ":="]
    values: dict[tuple[int, str, str, str], float] = {}
    for key, free, start in zip(_keys(table0), table0["free"].to_numpy(dtype=int),
                                table0["ustart"].to_numpy(dtype=float)):
        values[key] = float(core0.theta[free - 1]) if free > 0 else float(start)
    table1 = core1.layout.table
    table1 = table1[(table1["op"] != ":=") & (table1["free"] > 0)]
    theta = np.zeros(core1.layout.n_free)
    unmatched = []
    for key, free in zip(_keys(table1), table1["free"].to_numpy(dtype=int)):
        if key in values and np.isfinite(values[key]):
            theta[free - 1] = values[key]
        else:
            unmatched.append(" ".join(key[1:]) + (f" (group {key[0] + 1})" if key[0] else ""))
    return theta, unmatched


def covariate_positions(core: CoreModel) -> list[int]:
    """Positions (in the structure's variable order) of the fixed.x covariates."""
    return sorted({int(a) for a in core.layout.fixed_x_cov[3]}
                  | {int(a) for a in core.layout.fixed_x_mean[2]})


def scaling_factor_at(core: CoreModel, theta: np.ndarray, df: int, estimator: str,
                      scaling_factor: float) -> float:
    """The scaling factor of a fitted model's test statistic at other parameter values.

    Parameters
    ----------
    core : CoreModel
        The fitted model (its estimates ``core.theta``).
    theta : ndarray
        Where to evaluate it (model 0's estimates mapped by :func:`mapped_parameters`:
        Satorra & Bentler's 2010 ``c10``).
    df : int
        The model's degrees of freedom.
    estimator : {"MLR", "MLM"}
    scaling_factor : float
        The fit's own scaling factor (at ``core.theta``).

    Notes
    -----
    MLR, Yuan–Bentler (Mplus): ``c = [tr(B1 A1^-1) - tr(B0 E^-1)] / df``; the
    saturated part is unstructured (the sample moments, not ``theta``) and
    cancels: ``c(theta) = c + [tr(B0 E^-1)(theta_hat) - tr(B0 E^-1)(theta)] / df``
    with ``E`` the observed information and ``B0`` the outer product of the
    casewise scores at each point (lavaan 0.6 ``R/lav_test_yuan_bentler.R``,
    ``lav_test_yuan_bentler_mplus_trace``). MLM, Satorra–Bentler:
    ``tr(U Gamma) / df`` with ``U`` at ``theta`` (``R/lav_test_satorra_bentler.R``).
    """
    if df <= 0:
        return float("nan")
    functions = core.functions()
    if estimator == "MLM":  # one or several groups, with or without a mean structure
        return satorra_bentler_inference(functions, theta, df,
                                         covariate_positions(core)).scaling_factor
    shift = sandwich_vcov(functions, core.theta).trace_h0 - sandwich_vcov(functions, theta).trace_h0
    return float(scaling_factor + shift / df)


# ------------------------------------------------------------- Satorra (2000)
def _group_pieces(core: CoreModel, theta: np.ndarray, g: int, order: list[str]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Group ``g``'s moment Jacobian ``Delta`` ((means,) vec(Sigma) by the parameters,
    :func:`.robust.moment_jacobian`) in the variable order ``order``, and the
    implied covariance in that order."""
    implied, d_sigma, d_mu = core.functions().jacobian(theta, g)
    perm = [list(core.layout.structure.observed).index(v) for v in order]
    d_sigma = d_sigma[:, perm][:, :, perm]
    delta = moment_jacobian(d_sigma, d_mu[:, perm] if core.layout.meanstructure else None)
    return delta, implied.sigma[0][np.ix_(perm, perm)]


def _vech_rows(p: int, meanstructure: bool) -> np.ndarray:
    """The rows of the (means,) vec layout that hold the means and vech(Sigma)."""
    rows, cols = np.tril_indices(p)
    vech = (p if meanstructure else 0) + rows * p + cols
    return np.concatenate([np.arange(p), vech]) if meanstructure else vech


class Satorra2000(NamedTuple):
    """The traces of Satorra's (2000) difference test (:func:`satorra_2000_traces`).

    Attributes
    ----------
    trace : float
        ``tr(U_d Gamma)``, summed over the groups with weights ``N_g / N``.
    trace_squared : float
        ``tr((U_d Gamma)^2)`` of all groups at once (block-diagonal ``Gamma`` weighted by
        ``N_g / N``).
    df : int
        ``m``, the difference of the degrees of freedom.
    """

    trace: float
    trace_squared: float
    df: int

    @property
    def scaling_factor(self) -> float:
        """``cd = tr(U_d Gamma) / m``: the scaled difference is ``(T0 - T1) / cd``."""
        return self.trace / self.df

    def scaled_shifted(self, difference: float) -> float:
        """lavaan's ``lavTestLRT(method = "satorra.2000")`` default (``scaled.shifted =
        TRUE``): ``a (T0 - T1) + b`` with ``a = sqrt(m / tr((U_d Gamma)^2))`` and
        ``b = m - a tr(U_d Gamma)``, referred to chi-square(m) (Asparouhov & Muthén 2010);
        equal to ``(T0 - T1) / cd`` when ``m = 1``."""
        a = math.sqrt(self.df / self.trace_squared)
        return a * difference + self.df - a * self.trace


def satorra_2000_traces(core1: CoreModel, core0: CoreModel, df_difference: int,
                        estimator: str) -> Satorra2000:
    """The traces of Satorra's (2000) scaled difference of nested models.

    With model 1's moment Jacobian ``Pi``, information ``P`` (expected for
    MLM, observed for MLR, as the fit's own), weight ``W`` and ``Gamma`` per
    group, and ``A`` the Jacobian of the constraints that turn model 1 into
    model 0 — the orthogonal complement of ``H = Delta1^+ Delta0`` (model 0's
    Jacobian at its estimates) —
    ``U_d = W Pi P^-1 A' (A P^-1 A')^+ A P^-1 Pi' W`` over all groups, and
    ``cd = (1/m) sum_g (N_g/N) tr(U_d,g Gamma_g)`` (lavaan 0.6
    ``lav_test_diff_Satorra2000``, ``A.method = "delta"``).

    ``W`` and ``Gamma`` are those of the Satorra–Bentler scaling
    (:func:`.robust.normal_weight`, :func:`.robust.second_moment_covariance`): with
    fixed.x covariates ``Gamma`` is the covariance of the casewise moments minus those
    predicted from the covariates, so the covariates' moments carry no sampling
    variance (lavaan's ``lav_samplestats_Gamma(fixed.x = TRUE)``); the model's
    Jacobians have no rows for them. ``H`` is computed over the non-redundant
    moments (means and vech(Sigma)), as lavaan's ``computeDelta``; the traces are the
    same over vec(Sigma).
    """
    functions1 = core1.functions()
    order = list(core1.layout.structure.observed)
    means = core1.layout.meanstructure
    x_index = covariate_positions(core1)
    deltas1, deltas0, weights, gammas = [], [], [], []
    for g, moments in enumerate(core1.groups):
        delta1, sigma1 = _group_pieces(core1, core1.theta, g, order)
        deltas1.append(delta1)
        deltas0.append(_group_pieces(core0, core0.theta, g, order)[0])
        weights.append(normal_weight(sigma1, means))
        cases = moments.cases()
        gammas.append(float(functions1.weights[g][0])
                      * second_moment_covariance(cases - cases.mean(axis=0), x_index, means))
    from scipy import linalg  # scipy.linalg: 0.06 s of start-up, only for scaled differences

    # H over (means,) vech(Sigma), as lavaan's computeDelta: the least-squares fit of
    # model 0's Jacobian by model 1's weighs each covariance once
    vech = _vech_rows(len(order), means)
    h = np.linalg.pinv(np.vstack([d[vech] for d in deltas1])) \
        @ np.vstack([d[vech] for d in deltas0])
    a = linalg.null_space(h.T).T
    information = (functions1.information(core1.theta) if estimator == "MLM"
                   else functions1.observed_information(core1.theta))
    p_inv = np.linalg.inv(information)
    apa = a @ p_inv @ a.T
    empty = (np.abs(apa.sum(axis=0)) < np.finfo(float).eps ** 0.5) \
        & (np.abs(apa.sum(axis=1)) < np.finfo(float).eps ** 0.5)
    a = a[~empty]
    middle = p_inv @ a.T @ np.linalg.pinv(a @ p_inv @ a.T) @ a @ p_inv
    # the traces over vec(Sigma) equal those over vech(Sigma) (Gamma_vec = D Gamma D',
    # D' W_vec D = W, Delta_vec = D Delta)
    wpi = linalg.block_diag(*weights) @ np.vstack(deltas1)
    u_gamma = wpi @ middle @ wpi.T @ linalg.block_diag(*gammas)
    return Satorra2000(float(np.trace(u_gamma)), float(np.sum(u_gamma * u_gamma.T)),
                       int(df_difference))
