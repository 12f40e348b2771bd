"""Bootstrap inference for PLS-SEM: resamples stacked, percentile and BCa intervals.

Each resample draws N rows with replacement (its own generator, spawned from
the seed, so the draws do not depend on the chunking or the number of workers),
standardizes them again and is fitted with the options of the original fit.
The resamples of a chunk are one stack of correlation matrices, so one numpy
call serves all of them (:func:`~loyaltysem.pls.stack.fit_stack`).

References
----------
Efron, B., & Tibshirani, R. J. (1993). An introduction to the bootstrap.
Chapman & Hall (standard errors ch. 6, percentile ch. 13).
Efron, B. (1987). Better bootstrap confidence intervals. JASA, 82(397), 171-185 (BCa).
Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M., & Lauro, C. (2005). PLS path
modeling. Computational Statistics & Data Analysis, 48(1), 159-205 (sign changes,
sec. 3.2: individual and construct-level).
Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2017). A primer on
PLS-SEM (2nd ed.), ch. 5: t = estimate / bootstrap SE, with N − 1 degrees of freedom.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..arguments import (MAX_BOOTSTRAP, ArgumentError, MAX_JOBS, check_bool, check_choice, check_int,
                         check_probability, check_seed, fail)
from ..effects.intervals import bca_interval, percentile_interval
from .draws import (Statistics, inner_standard_errors, jackknife_correlations,
                    resample_correlations, statistics_of)
from .result import PLSResult

SignChange = Literal["none", "construct", "individual"]
Interval = Literal["percentile", "bca", "studentized"]
#: inner resamples per outer resample of the studentized interval (Efron & Tibshirani
#: 1993, sec. 12.5, suggest 25 to 200)
N_INNER = 50
SIGN_CHANGES: tuple[str, ...] = ("none", "construct", "individual")
#: resamples per stack: large enough for numpy to dominate, small enough for the cache
CHUNK = 200


@dataclass(frozen=True)
class PLSBootstrap:
    """Bootstrap draws and inference of a PLS-SEM fit.

    Attributes
    ----------
    n_boot : int
        Resamples drawn.
    n_failed : int
        Resamples that did not converge (left out of every statistic below).
    seed : int or None
    sign_change : {"none", "construct", "individual"}
    ci : {"percentile", "bca"}
        The interval in ``ci_lower``/``ci_upper``.
    level : float
    draws : pandas.DataFrame
        One column per statistic (``(kind, statistic)``), one row per resample; NaN
        rows for resamples that did not converge.
    table : pandas.DataFrame
        ``statistic, kind, est, mean, se, t, pvalue, ci_lower, ci_upper``; kinds
        weight, loading, path, indirect, total, r2, htmt.
    """

    n_boot: int
    n_failed: int
    seed: int | None
    sign_change: str
    ci: str
    level: float
    draws: pd.DataFrame = field(repr=False)
    table: pd.DataFrame = field(repr=False)


def _checked(result: Any, n_boot: Any, seed: Any, n_jobs: Any, sign_change: Any,
             level: Any, progress: Any, ci: Any) -> tuple[int, int | None, int]:
    """The checked ``n_boot``, ``seed`` and ``n_jobs`` (as Python ints)."""
    if not isinstance(result, PLSResult):
        raise fail("result", "a PLSResult (from fit_pls)", result)
    checked = (check_int("n_boot", n_boot, low=2, high=MAX_BOOTSTRAP), check_seed("seed", seed),
               check_int("n_jobs", n_jobs, low=1, high=MAX_JOBS))
    check_choice("sign_change", sign_change, SIGN_CHANGES)
    check_probability("level", level, "a confidence level")
    check_bool("progress", progress)
    check_choice("ci", ci, ("percentile", "bca", "studentized"))
    if ci == "studentized" and sign_change != "none":
        raise ArgumentError("ci='studentized' takes no sign changes (its inner resamples "
                            "are not sign-corrected); use sign_change='none'")
    return checked


def bootstrap_pls(result: PLSResult, n_boot: int = 5000, *, seed: int | None = None,
                  n_jobs: int = 1, sign_change: SignChange = "none", ci: Interval = "percentile",
                  level: float = 0.95, progress: bool = False) -> PLSBootstrap:
    """Bootstrap SEs, t values, p values, percentile and BCa intervals of a PLS fit.

    Parameters
    ----------
    result : PLSResult
    n_boot : int
        Resamples (SmartPLS's default: 5,000).
    seed : int, optional
        The same seed gives the same draws on any number of workers.
    n_jobs : int
        Threads that fit chunks of resamples at once.
    sign_change : {"none", "construct", "individual"}
        SmartPLS's options (Tenenhaus et al. 2005): ``"individual"`` gives each
        resample's weight, loading and path the sign of the original estimate;
        ``"construct"`` flips all of a construct's weights and loadings (and the
        signs of its paths) when its loadings are closer to the negated original
        ones (``|sum(l0 - l)| > |sum(l0 + l)|``).
    ci : {"percentile", "bca", "studentized"}
        Percentile intervals (Efron & Tibshirani 1993, ch. 13), BCa (Efron
        1987; its acceleration from a jackknife: N more fits, stacked) or the
        studentized (bootstrap-t) interval ``[est - t*(1-a/2) SE, est - t*(a/2) SE]``
        with ``t* = (est* - est) / SE*``, each resample's ``SE*`` from
        :data:`N_INNER` resamples of its own rows (Efron & Tibshirani 1993, sec.
        12.5; SmartPLS's "studentized bootstrap"): ``n_boot`` x 50 more fits.
    level : float
        Confidence level of the intervals.
    progress : bool
        A progress bar with the time left (tqdm).

    Returns
    -------
    PLSBootstrap
        With mean-replaced data, the imputed data are resampled (the
        replacement is not repeated per resample).
    """
    n_boot, seed, n_jobs = _checked(result, n_boot, seed, n_jobs, sign_change, level,
                                    progress, ci)
    stats = statistics_of(result)
    draws, converged = resample_correlations(result, stats, n_boot, seed=seed, n_jobs=n_jobs,
                                             chunk=CHUNK, progress=progress)
    draws = _sign_corrected(draws, stats, sign_change)
    kept = draws[converged]
    jackknife = jackknife_correlations(result, stats) if ci == "bca" else None
    table = _inference_table(stats, kept, jackknife, level, result.n)
    if ci == "studentized":
        inner = inner_standard_errors(result, stats, n_boot, N_INNER, seed, progress)[converged]
        table["ci_lower"], table["ci_upper"] = _studentized(stats.estimates, kept, inner,
                                                            table["se"].to_numpy(), level)
    frame = pd.DataFrame(draws, columns=pd.MultiIndex.from_arrays([stats.kinds, stats.names],
                                                                 names=["kind", "statistic"]))
    frame[~converged] = np.nan
    return PLSBootstrap(n_boot, int((~converged).sum()), seed, sign_change, ci, level, frame,
                        table)


def _studentized(estimates: np.ndarray, draws: np.ndarray, inner_se: np.ndarray,
                 se: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The bootstrap-t interval of each statistic (Efron & Tibshirani 1993, eq. 12.22)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (draws - estimates) / inner_se
    t[~np.isfinite(t)] = np.nan
    alpha = (1 - level) / 2
    upper_t = np.nanquantile(t, 1 - alpha, axis=0)
    lower_t = np.nanquantile(t, alpha, axis=0)
    return estimates - upper_t * se, estimates - lower_t * se


def _sign_corrected(draws: np.ndarray, stats: Statistics, sign_change: str) -> np.ndarray:
    """The draws after SmartPLS's sign-change option (see :func:`bootstrap_pls`)."""
    if sign_change == "none":
        return draws
    corrected = draws.copy()
    signed = stats.sign_columns   # weights, loadings, paths, direct/indirect/total effects
    if sign_change == "individual":
        corrected[:, signed] = np.abs(draws[:, signed]) * np.sign(stats.estimates[signed])
        return corrected
    flips = np.ones((draws.shape[0], stats.n_constructs))
    for k, columns in enumerate(stats.loading_columns):
        original = stats.estimates[columns]
        resampled = draws[:, columns]
        flip = np.abs((original - resampled).sum(axis=1)) > np.abs((original + resampled).sum(
            axis=1))
        flips[flip, k] = -1.0
    flips = np.concatenate([flips, np.ones((draws.shape[0], 1))], axis=1)   # "none"
    corrected[:, signed] *= flips[:, stats.sign_first] * flips[:, stats.sign_second]
    return corrected


def _inference_table(stats: Statistics, draws: np.ndarray, jackknife: np.ndarray | None,
                     level: float, n: int) -> pd.DataFrame:
    """est, mean, se, t, p and the intervals of every statistic."""
    se = draws.std(axis=0, ddof=1) if draws.shape[0] > 1 else np.full(draws.shape[1], np.nan)
    from scipy.special import stdtr

    with np.errstate(divide="ignore", invalid="ignore"):
        t = stats.estimates / se
    if jackknife is None:
        lower, upper = percentile_interval(draws, level)
    else:
        lower, upper = bca_interval(draws, stats.estimates, jackknife, level)
    table = pd.DataFrame({"statistic": stats.names, "kind": stats.kinds,
                          "est": stats.estimates, "mean": draws.mean(axis=0), "se": se, "t": t,
                          "pvalue": 2 * stdtr(n - 1, -np.abs(t)), "ci_lower": lower,
                          "ci_upper": upper})
    return table
