"""The Bollen–Stine bootstrap of the chi-square test of model fit.

The nonparametric bootstrap of a test statistic must resample from a
population in which the null hypothesis holds. Bollen & Stine (1992)
transform the data so that their sample covariance matrix (divisor N) is the
fitted one,

    Z = (X - 1 xbar') S^(-1/2) Sigma_hat^(1/2)   (+ 1 mu_hat' with a mean structure),

with symmetric square roots (eigen decomposition; lavaan 0.6
``R/lav_bootstrap.R``, ``type = "bollen.stine"``), per group. Every resample
of N rows of Z (within each group) is refitted and its likelihood-ratio
statistic ``T_b`` recorded; the p-value is lavaan's
``#{T_b > T} / B_ok``: strictly greater, over the resamples that converged
(those that did not are dropped; converged but inadmissible ones are kept and
counted, as lavaan does).

Engineering (as :mod:`loyaltysem.effects.bootstrap`):

- resample ``b`` draws its rows with ``numpy.random.default_rng`` seeded by
  child ``b`` of ``SeedSequence(seed)`` (groups in order), so a draw depends
  only on the seed and its index, never on ``n_jobs``;
- resamples are refitted in stacks of :data:`BATCH` of fixed composition on
  the core (:func:`~loyaltysem.estimate.moments.stacked_moments`,
  :class:`~loyaltysem.estimate.ml.MLFunctions`,
  :func:`~loyaltysem.estimate.optimizer.batched_bfgs`), warm-started at the
  estimates (the exact optimum for Z itself), with one BLAS thread; the
  resamples BFGS does not converge are refitted by Fisher scoring, as a stack
  (:func:`~loyaltysem.estimate.stacked_scoring.stacked_fisher_scoring`).

This module lives in :mod:`loyaltysem.estimate` beside the other tests of
model fit (:mod:`.fit_indices`, :mod:`.compare`): it is a statistic of the
fit, needs only the core, and is used without any effect.

References
----------
Bollen, K. A., & Stine, R. A. (1992). Bootstrapping goodness-of-fit measures
in structural equation models. Sociological Methods & Research, 21(2),
205-229.
lavaan 0.6: ``R/lav_bootstrap.R`` (``lav_bootstrap_internal``),
``R/lav_test.R`` (``test = "bollen.stine"``).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..arguments import MAX_BOOTSTRAP, MAX_JOBS, check_bool, check_int, check_seed, fail
from ..exceptions import ArgumentError
from ..summary import Summary, json_value
from .estimation import variance_index
from .ml import CoreModel, MLFunctions
from .moments import stacked_moments
from .optimizer import batched_bfgs
from .stacked_scoring import stacked_fisher_scoring

#: resamples refitted together (fixed: a stack's composition never depends on n_jobs)
BATCH = 100
#: Fisher-scoring fallback: lavaan-grade convergence (relative change of F below
#: 1e-10 with max |dF/dtheta| below 2e-3), the bootstrap's divergence rule
TOLERANCES: dict[str, Any] = {"gtol": 1e-9, "ftol": 1e-10, "dx_tol": 2e-3, "max_iter": 300,
                              "diverge_after": 30, "diverge_gradient": 1.0}


def _symmetric_power(matrix: np.ndarray, power: float) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    if values.min() <= 0:
        raise ArgumentError("the Bollen-Stine transformation needs positive-definite sample "
                            f"and implied covariance matrices (smallest eigenvalue {values.min():.3g})")
    return (vectors * values**power) @ vectors.T


def bollen_stine_transform(values: np.ndarray, sigma: np.ndarray,
                           mu: np.ndarray | None = None) -> np.ndarray:
    """Transform complete cases so that their covariance (divisor N) is ``sigma``.

    Parameters
    ----------
    values : ndarray, shape (N, p)
    sigma : ndarray, shape (p, p)
        The model-implied covariance.
    mu : ndarray, shape (p,), optional
        The model-implied means (models with a mean structure); otherwise
        the transformed data have mean 0.

    Returns
    -------
    ndarray, shape (N, p)
        ``(X - 1 xbar') S^(-1/2) Sigma^(1/2) (+ 1 mu')`` with ``S`` the sample
        covariance (divisor N) and symmetric eigen square roots (Bollen & Stine
        1992; lavaan 0.6 ``R/lav_bootstrap.R``).
    """
    values = np.asarray(values, dtype=float)
    centred = values - values.mean(axis=0)
    sample = centred.T @ centred / values.shape[0]
    z = centred @ _symmetric_power(sample, -0.5) @ _symmetric_power(np.asarray(sigma), 0.5)
    return z if mu is None else z + np.asarray(mu, dtype=float)


def transformed_data(core: CoreModel) -> list[np.ndarray]:
    """The Bollen–Stine data of every group of a fit (in the core's variable order)."""
    implied = core.functions().implied_moments(core.theta)
    return [bollen_stine_transform(group.cases(), sigma,
                                   mu if core.layout.meanstructure else None)
            for group, (sigma, mu) in zip(core.groups, implied)]


@dataclass(frozen=True, eq=False)
class BollenStineResult:
    """The Bollen–Stine bootstrap of a model's chi-square.

    Attributes
    ----------
    statistic : float
        The fit's likelihood-ratio statistic ``T`` (standard, not scaled).
    df : int
    pvalue : float
        ``#{T_b > T} / n_converged`` (lavaan's ``test = "bollen.stine"``).
    pvalue_standard : float
        The p-value from the chi-square distribution, for comparison.
    draws : pandas.Series
        ``T_b`` of the converged resamples, indexed by resample number.
    n_requested, n_converged, n_inadmissible : int
        Inadmissible: converged with a negative variance (kept).
    failed : tuple of int
        Resamples that did not converge (dropped).
    seed : int or None
    """

    statistic: float
    df: int
    pvalue: float
    pvalue_standard: float
    draws: pd.Series
    n_requested: int
    n_converged: int
    n_inadmissible: int
    failed: tuple[int, ...]
    seed: int | None

    @property
    def n_greater(self) -> int:
        """Resamples with ``T_b > T``."""
        return int((self.draws > self.statistic).sum())

    def summary(self, digits: int = 3) -> Summary:
        """The test, the resamples and how they were counted."""
        test = {"chi-square (T)": self.statistic, "df": self.df,
                "Bollen-Stine p-value": self.pvalue,
                "p-value (chi-square distribution)": self.pvalue_standard,
                "resamples with T_b > T": self.n_greater}
        draws = {"requested": self.n_requested, "converged (used)": self.n_converged,
                 "did not converge (dropped)": len(self.failed),
                 "inadmissible (kept)": self.n_inadmissible, "seed": str(self.seed)}
        notes = ["p = #{T_b > T} / converged resamples (Bollen & Stine 1992; lavaan's "
                 "test = 'bollen.stine')"]
        return Summary("Bollen-Stine bootstrap", (("Test", test), ("Resamples", draws),
                                                  ("Notes", notes)), digits=digits)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __str__(self) -> str:
        return (f"Bollen-Stine bootstrap: T = {self.statistic:.4f} (df {self.df}), p = "
                f"{self.pvalue:.4g} from {self.n_converged} of {self.n_requested} resamples")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values (the draws as a list, resample order)."""
        return {"statistic": self.statistic, "df": self.df, "pvalue": json_value(self.pvalue),
                "pvalue_standard": json_value(self.pvalue_standard),
                "n_requested": self.n_requested, "n_converged": self.n_converged,
                "n_inadmissible": self.n_inadmissible, "failed": list(self.failed),
                "seed": self.seed, "draws": [float(v) for v in self.draws]}


class _Refitter:
    """Refits of stacks of Bollen–Stine resamples (read-only: shared by threads)."""

    def __init__(self, core: CoreModel):
        self.core = core
        self.data = transformed_data(core)
        functions = core.functions()
        self.variances = np.array(variance_index(functions), dtype=int)
        self.inverse_hessian = np.linalg.inv(2.0 * functions.information(core.theta))

    def rows(self, seeds: Sequence[np.random.SeedSequence]) -> list[np.ndarray]:
        """Per group, the row numbers of every resample (B x N_g)."""
        generators = [np.random.default_rng(seed) for seed in seeds]
        sizes = [z.shape[0] for z in self.data]
        draws = [[rng.integers(0, n, n) for n in sizes] for rng in generators]
        return [np.array([d[g] for d in draws]) for g in range(len(sizes))]

    def functions(self, rows: list[np.ndarray]) -> MLFunctions:
        return MLFunctions(self.core.layout, [stacked_moments(z, r)
                                              for z, r in zip(self.data, rows)])

    def refit(self, seeds: Sequence[np.random.SeedSequence]) -> tuple[np.ndarray, np.ndarray]:
        """``T_b`` (NaN where not converged) and admissibility of each resample."""
        from threadpoolctl import threadpool_limits  # here: not in a plain fit's start-up

        with threadpool_limits(limits=1):
            rows = self.rows(seeds)
            functions = self.functions(rows)
            size = len(seeds)
            start = np.repeat(self.core.theta[None], size, axis=0)
            found = batched_bfgs(lambda index, x, gradient: functions.evaluate(x, gradient, index),
                                 start, self.inverse_hessian)
            thetas = np.where(found.converged[:, None], found.x, start)
            converged = found.converged.copy()
            rest = np.flatnonzero(~converged)
            if rest.size:
                result = stacked_fisher_scoring(functions, self.core.theta, rest, **TOLERANCES)
                converged[rest], thetas[rest] = result.converged, result.x
            f = functions.evaluate(thetas, gradient=False)[0]
        statistic = np.where(converged & np.isfinite(f), functions.n_total * f, np.nan)
        admissible = np.all(thetas[:, self.variances] >= 0, axis=1)
        return statistic, admissible


def _check_arguments(result: Any, n_boot: Any, seed: Any, n_jobs: Any, progress: Any) -> None:
    """Refuse a bad argument of :func:`bollen_stine` before any resample is drawn."""
    from ..groups.results import MultiGroupResult
    from .results import FitResult

    if not isinstance(result, (FitResult, MultiGroupResult)):
        raise fail("result", "a FitResult (loyaltysem.fit) or a MultiGroupResult "
                   "(loyaltysem.groups.fit_groups)", result)
    check_int("n_boot", n_boot, low=1, high=MAX_BOOTSTRAP)
    check_seed("seed", seed)
    check_int("n_jobs", n_jobs, low=1, high=MAX_JOBS)
    check_bool("progress", progress)
    core = result.core
    if core is None or any(g.patterns[0].rows is None for g in core.groups):
        raise ArgumentError("the Bollen-Stine bootstrap needs the cases: this fit was made "
                            "from summary statistics")
    if not all(g.complete for g in core.groups):
        raise ArgumentError("the Bollen-Stine bootstrap needs complete data: the fit used "
                            "missing='ml' (lavaan's EM-based transformation for missing data "
                            "is not implemented); refit with missing='listwise'")


def bollen_stine(result: Any, n_boot: int = 1000, *, seed: int | None = None,
                 n_jobs: int = 1, progress: bool = True) -> BollenStineResult:
    """The Bollen–Stine bootstrap p-value of a model's chi-square (lavaan's
    ``test = "bollen.stine"`` / ``bootstrapLavaan(type = "bollen.stine")``).

    Parameters
    ----------
    result : FitResult or MultiGroupResult
        A fit to complete data (its cases and estimates are reused).
    n_boot : int
        Resamples, 1 to :data:`~loyaltysem.arguments.MAX_BOOTSTRAP`.
    seed : int, optional
        Seed of the ``SeedSequence`` the resample seeds are spawned from (0 to 2**32 - 1).
    n_jobs : int
        Threads (1 to :data:`~loyaltysem.arguments.MAX_JOBS`); results do not depend on it.
    progress : bool
        Show a progress bar with the time left (tqdm).

    Returns
    -------
    BollenStineResult

    Raises
    ------
    ArgumentError
        For a wrong argument, a fit from summary statistics or with missing data,
        before any resample.
    SpecificationError
        For a model with constraints the refits cannot apply (:mod:`.constraints`).

    Notes
    -----
    See the module notes: the data are transformed so that their covariance is
    the fitted one (the null hypothesis holds), each resample is refitted and
    ``p = #{T_b > T} / B_ok``. ``T`` is the standard likelihood-ratio statistic
    also for MLR/MLM fits (as lavaan).

    Examples
    --------
    >>> import loyaltysem as ls
    >>> fit = ls.fit("models/poldem.lav", "political_democracy")
    >>> test = ls.bollen_stine(fit, 200, seed=1, progress=False)  # sem(..., test = "bollen.stine")
    >>> 0.2 < test.pvalue < 0.7
    True
    """
    from .ordinal_fit import refuse_least_squares

    refuse_least_squares(result, "the Bollen-Stine bootstrap")
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    _check_arguments(result, n_boot, seed, n_jobs, progress)
    from .constraints import check_refits_apply

    check_refits_apply(getattr(result, "spec", None), "the Bollen–Stine bootstrap")
    refitter = _Refitter(result.core)
    seeds = np.random.SeedSequence(seed).spawn(n_boot)
    chunks = [(start, seeds[start:start + BATCH]) for start in range(0, n_boot, BATCH)]

    def run(chunk: tuple[int, list]) -> tuple[int, np.ndarray, np.ndarray]:
        return (chunk[0], *refitter.refit(chunk[1]))

    finished: Iterable[tuple[int, np.ndarray, np.ndarray]]
    if n_jobs == 1 or len(chunks) == 1:
        finished = map(run, chunks)
    else:
        finished = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator_unordered")(
            delayed(run)(chunk) for chunk in chunks)
    statistics = np.full(n_boot, np.nan)
    admissible = np.ones(n_boot, dtype=bool)
    with tqdm(total=n_boot, desc="Bollen-Stine", unit="resample", disable=not progress) as bar:
        for start, values, ok in finished:
            statistics[start:start + values.size] = values
            admissible[start:start + values.size] = ok
            bar.update(values.size)
    return _result(result, statistics, admissible, seed)


def _result(result: Any, statistics: np.ndarray, admissible: np.ndarray,
            seed: int | None) -> BollenStineResult:
    converged = np.isfinite(statistics)
    draws = pd.Series(statistics[converged], index=np.flatnonzero(converged), name="chisq")
    observed = float(result.fit_indices["chisq"])
    n_used = int(converged.sum())
    return BollenStineResult(
        statistic=observed, df=int(result.fit_indices["df"]),
        pvalue=float((draws > observed).sum() / n_used) if n_used else float("nan"),
        pvalue_standard=float(result.fit_indices["pvalue"]), draws=draws,
        n_requested=int(statistics.size), n_converged=n_used,
        n_inadmissible=int((converged & ~admissible).sum()),
        failed=tuple(int(b) for b in np.flatnonzero(~converged)), seed=seed)


__all__ = ["BATCH", "BollenStineResult", "bollen_stine", "bollen_stine_transform",
           "transformed_data"]
