"""Is the solution admissible? Checks run on every fit, reported, never hidden.

The checks follow lavaan's ``lavInspect(fit, "post.check")`` (negative
variances, non-positive-definite latent and residual covariance matrices)
and add what loyalty researchers are told to look for in CB-SEM output:
standardized loadings, paths or correlations beyond ±1 (Jöreskog, 1999) and
latent correlations so close to 1 that two constructs cannot be told apart.

References
----------
Chen, F., Bollen, K. A., Paxton, P., Curran, P. J., & Kirby, J. B. (2001).
Improper solutions in structural equation models: Causes, consequences, and
strategies. Sociological Methods & Research, 29(4), 468-508.
Jöreskog, K. G. (1999). How large can a standardized coefficient be?
SSI Technical note.
Kolenikov, S., & Bollen, K. A. (2012). Testing negative error variances: Is a
Heywood case a symptom of misspecification? Sociological Methods & Research,
41(1), 124-167.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import (
    AdmissibilityWarning,
    ConvergenceWarning,
    HeywoodCaseWarning,
    IdentificationWarning,
    NotPositiveDefiniteWarning,
)

#: Latent correlations above this (in absolute value) are reported.
NEAR_SINGULAR_CORRELATION = 0.95
_EIGEN_TOLERANCE = 1e-8


@dataclass(frozen=True)
class Problem:
    """One admissibility problem: its warning class and message."""

    category: type[Warning]
    message: str

    @property
    def kind(self) -> str:
        """Short name of the problem class (e.g. ``"HeywoodCaseWarning"``)."""
        return self.category.__name__


def convergence_problem(optimizer_message: str) -> Problem:
    """The problem of a fit that did not converge, with the optimizer's reason."""
    return Problem(ConvergenceWarning,
                   f"the optimiser did not converge ({optimizer_message}); "
                   "estimates and fit statistics are not trustworthy")


def check_admissibility(
    estimates: pd.DataFrame,
    latent_cov: pd.DataFrame,
    residual_cov: pd.DataFrame | np.ndarray,
    *,
    converged: bool,
    optimizer_message: str,
    information_eigenvalues: np.ndarray,
) -> list[Problem]:
    """Collect the problems of a fitted solution.

    Parameters
    ----------
    estimates : pandas.DataFrame
        Parameter table with ``lhs, op, rhs, est, std_all``.
    latent_cov : pandas.DataFrame
        Model-implied covariance of the latent variables.
    residual_cov : pandas.DataFrame or ndarray
        Residual (Theta) covariance of the observed variables.
    converged : bool
    optimizer_message : str
    information_eigenvalues : ndarray
        Eigenvalues of the information matrix (identification).

    Returns
    -------
    list of Problem
    """
    problems: list[Problem] = []
    if not converged:
        problems.append(convergence_problem(optimizer_message))
    if information_eigenvalues.size:
        smallest, largest = information_eigenvalues.min(), information_eigenvalues.max()
        if smallest <= largest * 1e-10:
            problems.append(Problem(
                IdentificationWarning,
                f"the information matrix is singular (smallest eigenvalue {smallest:.3g}): "
                "some parameters are not identified and their standard errors are unreliable; "
                "check single-item constructs (fix the error variance) and marker loadings"))
    problems.extend(_improper_estimates(estimates, set(latent_cov.index)))
    if latent_cov.shape[0]:
        values = latent_cov.to_numpy()
        eigenvalues = np.linalg.eigvalsh(values)
        if eigenvalues.min() <= _EIGEN_TOLERANCE * max(1.0, abs(eigenvalues).max()):
            problems.append(Problem(
                NotPositiveDefiniteWarning,
                "the covariance matrix of the latent variables is not positive definite "
                f"(smallest eigenvalue {eigenvalues.min():.3g})"))
        sd = np.sqrt(np.abs(np.diag(values)))
        with np.errstate(divide="ignore", invalid="ignore"):
            correlations = values / np.outer(sd, sd)
        names = list(latent_cov.index)
        for i in range(len(names)):
            for j in range(i):
                r = correlations[i, j]
                if np.isfinite(r) and abs(r) >= NEAR_SINGULAR_CORRELATION:
                    problems.append(Problem(
                        AdmissibilityWarning,
                        f"latent correlation of {names[j]} and {names[i]} is {r:.3f} (|r| >= "
                        f"{NEAR_SINGULAR_CORRELATION}): the two constructs may not be empirically "
                        "distinct, and paths between or from them are unstable"))
    if residual_cov.shape[0]:
        eigenvalues = np.linalg.eigvalsh(np.asarray(residual_cov, dtype=float))
        if eigenvalues.min() < -_EIGEN_TOLERANCE * max(1.0, abs(eigenvalues).max()):
            problems.append(Problem(
                NotPositiveDefiniteWarning,
                "the residual covariance matrix of the observed variables (theta) is not "
                f"positive definite (smallest eigenvalue {eigenvalues.min():.3g})"))
    return problems


def fit_problems(estimates: pd.DataFrame, latent_cov: Sequence[pd.DataFrame],
                 observed: Sequence[str], *, converged: bool, optimizer_message: str,
                 vcov: np.ndarray, information_eigenvalues: np.ndarray,
                 groups: Sequence[str] = ("",)) -> list[Problem]:
    """The problems of a fit of one or several groups: convergence, identification (the
    whole information matrix), then each group's improper estimates and
    non-positive-definite matrices (:func:`check_admissibility`).

    Parameters
    ----------
    estimates : pandas.DataFrame
        The estimates table (``group, lhs, op, rhs, est, std_all``).
    latent_cov : sequence of pandas.DataFrame
        Each group's model-implied latent covariance.
    observed : sequence of str
        The observed variables that have residuals (not the fixed.x covariates).
    converged, optimizer_message : bool, str
    vcov : ndarray
        The covariance of the estimates (not finite: the standard errors are missing).
    information_eigenvalues : ndarray
        Of the information the covariance inverts.
    groups : sequence of str
        The groups' labels; with several groups each group's messages start with
        ``group <label>:``.

    Returns
    -------
    list of Problem
    """
    problems = [] if converged else [convergence_problem(optimizer_message)]
    if not np.all(np.isfinite(vcov)):
        problems.append(Problem(ConvergenceWarning, "the information matrix is singular: some "
                                "parameters are not identified; standard errors are not "
                                "available"))
    for g, name in enumerate(groups):
        block = estimates if len(groups) == 1 else estimates[estimates["group"] == name]
        found = check_admissibility(
            block, latent_cov[g], _residual_covariance(block, list(observed)), converged=True,
            optimizer_message="",
            information_eigenvalues=information_eigenvalues if g == 0 else np.zeros(0))
        problems += [p if len(groups) == 1 or "information matrix" in p.message
                     else Problem(p.category, f"group {name}: {p.message}") for p in found]
    return problems


def _residual_covariance(estimates: pd.DataFrame, observed: list[str]) -> np.ndarray:
    """Theta: the residual (co)variances among ``observed`` of the ``~~`` rows."""
    position = {name: i for i, name in enumerate(observed)}
    residual = np.zeros((len(observed), len(observed)))
    rows = estimates["op"].to_numpy() == "~~"
    for lhs, rhs, est in zip(estimates["lhs"].to_numpy()[rows], estimates["rhs"].to_numpy()[rows],
                             estimates["est"].to_numpy(dtype=float)[rows]):
        if lhs in position and rhs in position:
            residual[position[lhs], position[rhs]] = residual[position[rhs], position[lhs]] = est
    return residual


def _improper_estimates(estimates: pd.DataFrame, latent: set[str]) -> list[Problem]:
    """Negative variances, then standardized loadings/paths, then covariances beyond ±1."""
    lhs, op, rhs = (estimates[c].to_numpy() for c in ("lhs", "op", "rhs"))
    est = estimates["est"].to_numpy(dtype=float)
    std_all = estimates["std_all"].to_numpy(dtype=float)
    problems = []
    variance = (op == "~~") & (lhs == rhs)
    for i in np.flatnonzero(variance & (est < 0)):
        what = "latent variable" if lhs[i] in latent else "residual variance of"
        label = f"variance of {what} {lhs[i]}" if lhs[i] in latent else f"{what} {lhs[i]}"
        problems.append(Problem(HeywoodCaseWarning,
                                f"negative {label} ({est[i]:.4g}): Heywood case"))
    with np.errstate(invalid="ignore"):
        beyond = np.isfinite(std_all) & (np.abs(std_all) > 1)
    for i in np.flatnonzero(beyond & ((op == "=~") | (op == "~"))):
        kind = "loading" if op[i] == "=~" else "path"
        problems.append(Problem(
            HeywoodCaseWarning,
            f"standardized {kind} {lhs[i]} {op[i]} {rhs[i]} = {std_all[i]:.3f} exceeds 1 "
            "in absolute value"))
    for i in np.flatnonzero(beyond & (op == "~~") & (lhs != rhs)):
        problems.append(Problem(
            HeywoodCaseWarning,
            f"standardized covariance {lhs[i]} ~~ {rhs[i]} = {std_all[i]:.3f} exceeds 1 "
            "in absolute value (a correlation beyond ±1)"))
    return problems


def emit(problems: list[Problem], stacklevel: int = 3) -> None:
    """Issue each problem as a Python warning of its category."""
    for problem in problems:
        warnings.warn(problem.message, problem.category, stacklevel=stacklevel)
