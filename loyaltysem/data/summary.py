"""Summary statistics as data: a covariance (or correlation and SDs) matrix, N, means.

Published studies often report only a correlation table with SDs and N;
lavaan fits them with ``sem(model, sample.cov = S, sample.nobs = N)``. As
lavaan (``sample.cov.rescale = TRUE``), a covariance matrix is taken to have
divisor N − 1 (R's ``cov()``) and rescaled by (N − 1)/N to the ML divisor;
means are not rescaled. A correlation matrix with SDs gives
``S = D R D`` (D = diag(SD)).

Everything is checked once, here, at the edge: names follow the naming rule
of :mod:`loyaltysem.spec.names`, the matrix is square with the same names on
rows and columns, symmetric, finite and positive definite, a correlation
matrix has a unit diagonal and entries in [−1, 1], SDs are positive, N is an
integer larger than the number of variables.

References
----------
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
Journal of Statistical Software, 48(2), 1-36 (``sample.cov``, ``sample.nobs``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ..spec.names import describe_bad_name, is_valid_name

#: The largest matrix accepted (variables), the bound of the model size rule.
MAX_VARIABLES = 500


@dataclass(frozen=True)
class SummaryStatistics:
    """Checked summary statistics of one group.

    Attributes
    ----------
    cov : pandas.DataFrame
        Covariance with divisor N (rescaled as lavaan unless told otherwise).
    nobs : int
    mean : pandas.Series or None
    """

    cov: pd.DataFrame
    nobs: int
    mean: pd.Series | None = None


def _as_frame(matrix: object, what: str) -> pd.DataFrame:
    if isinstance(matrix, (str, Path)):
        return read_matrix_csv(matrix, what)
    if not isinstance(matrix, pd.DataFrame):
        raise DataError(f"the {what} must be a pandas DataFrame with the variable names as "
                        f"index and columns (or a CSV file); got {type(matrix).__name__}")
    return matrix


def read_matrix_csv(path: str | Path, what: str = "covariance matrix") -> pd.DataFrame:
    """A matrix from a CSV file whose first row and first column hold the variable names."""
    from .survey import read_table

    frame = read_table(path)
    if frame.shape[1] < 2:
        raise DataError(f"{path}: a {what} file needs the variable names in its first row and "
                        "first column")
    frame = frame.set_index(frame.columns[0])
    frame.index = [str(v).strip() for v in frame.index]
    frame.columns = [str(v).strip() for v in frame.columns]
    return frame


def _checked_matrix(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    rows, cols = [str(v) for v in frame.index], [str(v) for v in frame.columns]
    for name in rows + cols:
        if not is_valid_name(name):
            raise DataError(f"the {what}: " + describe_bad_name("variable", name))
    if len(rows) > MAX_VARIABLES:
        raise DataError(f"the {what} has {len(rows)} variables; at most {MAX_VARIABLES}")
    if sorted(rows) != sorted(cols) or len(set(rows)) != len(rows):
        raise DataError(f"the {what} must be square with the same variable names on its rows "
                        f"and columns (rows: {', '.join(rows[:10])}; columns: "
                        f"{', '.join(cols[:10])})")
    try:
        values = frame.loc[rows, rows].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"the {what} has entries that are not numbers") from None
    if not np.isfinite(values).all():
        i, j = np.argwhere(~np.isfinite(values))[0]
        raise DataError(f"the {what} has a missing or infinite entry at ({rows[i]}, {rows[j]})")
    scale = max(1.0, float(np.abs(values).max()))
    if np.abs(values - values.T).max() > 1e-8 * scale:
        i, j = np.unravel_index(int(np.argmax(np.abs(values - values.T))), values.shape)
        raise DataError(f"the {what} is not symmetric: ({rows[i]}, {rows[j]}) = {values[i, j]:g} "
                        f"but ({rows[j]}, {rows[i]}) = {values[j, i]:g}")
    values = (values + values.T) / 2
    return pd.DataFrame(values, index=rows, columns=rows)


def _check_positive_definite(cov: pd.DataFrame, what: str) -> None:
    eigenvalues = np.linalg.eigvalsh(cov.to_numpy())
    if eigenvalues.min() <= 1e-10 * max(eigenvalues.max(), 1.0):
        raise DataError(f"the {what} is not positive definite (smallest eigenvalue "
                        f"{eigenvalues.min():.3g}): check for a typo, a duplicated variable or a "
                        "matrix assembled from pairwise deletion")


def _checked_vector(values: object, names: Sequence[str], what: str) -> pd.Series:
    if isinstance(values, (str, Path)):
        frame = read_matrix_csv(values, what)
        values = frame.iloc[:, 0] if frame.shape[1] == 1 else frame.iloc[0]
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    series.index = [str(v) for v in series.index]
    missing = [v for v in names if v not in series.index]
    if missing:
        raise DataError(f"the {what} has no value for {', '.join(missing[:10])}")
    try:
        out = series[list(names)].astype(float)
    except (TypeError, ValueError):
        raise DataError(f"the {what} has entries that are not numbers") from None
    if not np.isfinite(out.to_numpy()).all():
        bad = out.index[~np.isfinite(out.to_numpy())][0]
        raise DataError(f"the {what} of {bad} is missing or infinite")
    return out


def summary_statistics(cov: object = None, nobs: object = None, *, mean: object = None,
                       cor: object = None, sd: object = None, rescale: bool = True,
                       where: str = "") -> SummaryStatistics:
    """Check summary statistics and put them in lavaan's ML form (module notes).

    Parameters
    ----------
    cov : pandas.DataFrame or path, optional
        Covariance matrix (divisor N − 1 unless ``rescale=False``).
    nobs : int
        Number of observations.
    mean : pandas.Series, mapping or path, optional
    cor, sd : optional
        A correlation matrix and the SDs, instead of ``cov``.
    rescale : bool
        Multiply ``cov`` by (N − 1)/N (lavaan's ``sample.cov.rescale = TRUE``).
    where : str
        Prefix of the error messages (e.g. the group).

    Raises
    ------
    DataError
        For anything that is not a usable covariance matrix, saying what.
    """
    prefix = f"{where}: " if where else ""
    if (cov is None) == (cor is None):
        raise DataError(f"{prefix}give either a covariance matrix or a correlation matrix "
                        "with SDs")
    if isinstance(nobs, bool) or not isinstance(nobs, (int, np.integer)):
        raise DataError(f"{prefix}nobs must be the number of observations (an integer); "
                        f"got {nobs!r}")
    n = int(nobs)
    if cor is not None:
        matrix = _checked_matrix(_as_frame(cor, "correlation matrix"), f"{prefix}correlation matrix")
        names = list(matrix.index)
        values = matrix.to_numpy()
        if np.abs(np.diag(values) - 1).max() > 1e-6 or np.abs(values).max() > 1 + 1e-8:
            raise DataError(f"{prefix}the correlation matrix needs 1 on its diagonal and entries "
                            "in [-1, 1]")
        if sd is None:
            raise DataError(f"{prefix}a correlation matrix needs the SDs (sd=... / --sd FILE)")
        sds = _checked_vector(sd, names, f"{prefix}SDs").to_numpy()
        if (sds <= 0).any():
            raise DataError(f"{prefix}every SD must be positive")
        matrix = pd.DataFrame(values * np.outer(sds, sds), index=names, columns=names)
    else:
        matrix = _checked_matrix(_as_frame(cov, "covariance matrix"), f"{prefix}covariance matrix")
    p = matrix.shape[0]
    if n <= p:
        raise DataError(f"{prefix}nobs must exceed the number of variables ({p}); got {n}")
    if rescale:
        matrix = matrix * ((n - 1) / n)
    _check_positive_definite(matrix, f"{prefix}covariance matrix")
    means = None if mean is None else _checked_vector(mean, list(matrix.index), f"{prefix}means")
    return SummaryStatistics(matrix, n, means)


def restricted(stats: SummaryStatistics, variables: Sequence[str]) -> SummaryStatistics:
    """The statistics of the model's variables (an error names those the matrix lacks)."""
    missing = [v for v in variables if v not in stats.cov.index]
    if missing:
        raise DataError("the covariance matrix has no row for the model variable(s) "
                        + ", ".join(missing[:10]) + " (its variables: "
                        + ", ".join(list(stats.cov.index)[:20]) + ")")
    names = list(variables)
    return SummaryStatistics(stats.cov.loc[names, names], stats.nobs,
                             None if stats.mean is None else stats.mean[names])


__all__ = ["SummaryStatistics", "read_matrix_csv", "restricted", "summary_statistics"]
