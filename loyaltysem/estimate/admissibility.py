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
from ..frame_rows import table_rows

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


def check_admissibility(
    estimates: pd.DataFrame,
    latent_cov: pd.DataFrame,
    residual_cov: pd.DataFrame,
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
    residual_cov : pandas.DataFrame
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
        problems.append(Problem(ConvergenceWarning,
                                f"the optimiser did not converge ({optimizer_message}); "
                                "estimates and fit statistics are not trustworthy"))
    if information_eigenvalues.size:
        smallest, largest = information_eigenvalues.min(), information_eigenvalues.max()
        if smallest <= largest * 1e-10:
            problems.append(Problem(
                IdentificationWarning,
                f"the information matrix is singular (smallest eigenvalue {smallest:.3g}): "
                "some parameters are not identified and their standard errors are unreliable; "
                "check single-item constructs (fix the error variance) and marker loadings"))
    variances = estimates[(estimates["op"] == "~~") & (estimates["lhs"] == estimates["rhs"])]
    latent = set(latent_cov.index)
    for row in table_rows(variances):
        if row.est < 0:
            what = "latent variable" if row.lhs in latent else "residual variance of"
            label = f"variance of {what} {row.lhs}" if row.lhs in latent else f"{what} {row.lhs}"
            problems.append(Problem(HeywoodCaseWarning,
                                    f"negative {label} ({row.est:.4g}): Heywood case"))
    directed = estimates[estimates["op"].isin(["=~", "~"])]
    for row in table_rows(directed):
        if np.isfinite(row.std_all) and abs(row.std_all) > 1:
            kind = "loading" if row.op == "=~" else "path"
            problems.append(Problem(
                HeywoodCaseWarning,
                f"standardized {kind} {row.lhs} {row.op} {row.rhs} = {row.std_all:.3f} exceeds 1 "
                "in absolute value"))
    covariances = estimates[(estimates["op"] == "~~") & (estimates["lhs"] != estimates["rhs"])]
    for row in table_rows(covariances):
        if np.isfinite(row.std_all) and abs(row.std_all) > 1:
            problems.append(Problem(
                HeywoodCaseWarning,
                f"standardized covariance {row.lhs} ~~ {row.rhs} = {row.std_all:.3f} exceeds 1 "
                "in absolute value (a correlation beyond ±1)"))
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
        eigenvalues = np.linalg.eigvalsh(residual_cov.to_numpy())
        if eigenvalues.min() < -_EIGEN_TOLERANCE * max(1.0, abs(eigenvalues).max()):
            problems.append(Problem(
                NotPositiveDefiniteWarning,
                "the residual covariance matrix of the observed variables (theta) is not "
                f"positive definite (smallest eigenvalue {eigenvalues.min():.3g})"))
    return problems


def emit(problems: list[Problem], stacklevel: int = 3) -> None:
    """Issue each problem as a Python warning of its category."""
    for problem in problems:
        warnings.warn(problem.message, problem.category, stacklevel=stacklevel)
