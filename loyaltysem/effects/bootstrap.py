"""Nonparametric bootstrap of a fitted model: every resample refitted.

Design:

- resample ``b`` draws its rows with ``numpy.random.default_rng`` seeded by
  child ``b`` of ``SeedSequence(seed)``, so a draw depends only on the seed
  and its index;
- the model is built once; a resample only changes the sample covariance
  (and, with fixed.x covariates, their fixed block), and is refitted
  warm-started at the full-sample estimates;
- admissible full-sample solutions: resamples are refitted in stacks of
  :data:`BATCH` by :func:`~loyaltysem.estimate.batched.batched_bfgs` (BFGS from
  the Fisher-scoring metric, every resample its own step and stopping rule,
  one numpy call per operation for the whole stack); a resample BFGS does not
  converge is refitted alone by Fisher scoring;
- inadmissible full-sample solutions (e.g. ECSI on mobi, whose resamples
  drift towards improper solutions): every resample by Fisher scoring with
  its divergence rule, which reports drifting resamples quickly;
- full-information fits (``missing="ml"``): every resample keeps its missing
  values and is refitted by FIML (Fisher scoring on its own missing-data
  patterns, warm-started at the full-sample estimates and intercepts), as
  lavaan's ``se = "bootstrap"`` with ``missing = "ml"``;
- convergence is lavaan's: relative change of F below 1e-10 with
  max |gradient| below 2e-3; a resample whose gradient is still above 1 after
  30 scoring iterations is diverging and is not converged;
- **rule**: resamples that do not converge are dropped and counted (as
  lavaan does); converged but inadmissible resamples (a negative variance or
  a non-positive-definite latent covariance matrix) are kept and counted (as
  lavaan does, which warns about them);
- results do not depend on the number of workers: stacks have a fixed
  composition (resamples ``0..BATCH-1``, ``BATCH..``), every refit runs with
  one BLAS thread, and a resample's arithmetic does not depend on the other
  members of its stack. Stacked refits run on threads (numpy releases the
  GIL; no process start-up), Fisher-scoring refits on processes
  (joblib/loky); a progress bar (tqdm) counts resamples.

References
----------
Efron, B., & Tibshirani, R. J. (1993). An introduction to the bootstrap.
Chapman & Hall.
Bollen, K. A., & Stine, R. A. (1990). Direct and indirect effects: Classical
and bootstrap estimates of variability. Sociological Methodology, 20, 115-140.
"""
from __future__ import annotations

import queue
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..arguments import (
    MAX_BOOTSTRAP,
    MAX_JOBS,
    check_bool,
    check_choice,
    check_int,
    check_probability,
    check_seed,
    fail,
)
from ..estimate import FitResult
from ..estimate.estimation import variance_index
from ..estimate.ml import CoreModel, MLFunctions
from ..estimate.moments import missing_moments, stacked_moments
from ..estimate.optimizer import batched_bfgs, fisher_scoring
from ..exceptions import ArgumentError
from ..frame_rows import table_rows
from .intervals import bca_interval, percentile_interval
from .paths import Effect, enumerate_effects
from .statistics import StatisticsPlan

#: resamples refitted together (fixed: the composition of a stack never depends
#: on the number of workers)
BATCH = 100
_CHUNK = 25  # resamples per task of the Fisher-scoring (process) path
#: lavaan-grade convergence for resamples: relative change of F below 1e-10
#: with max |dF/dtheta| below 2e-3 (lavaan: rel.tol = 1e-10 and
#: optim.dx.tol = 1e-3 on F/2), at most 300 scoring iterations.
#: A resample whose gradient is still above 1 after 30 iterations is declared
#: non-convergent (diverging towards an improper solution).
BOOTSTRAP_TOLERANCES: dict[str, Any] = {"gtol": 1e-9, "ftol": 1e-10, "dx_tol": 2e-3, "max_iter": 300,
                        "diverge_after": 30, "diverge_gradient": 1.0}


def statistic_names(table: pd.DataFrame, effects: Sequence[Effect]) -> list[str]:
    """Names of the bootstrapped statistics: parameters, effects, standardized effects."""
    names = [f"{r.lhs} {r.op} {r.rhs}" if r.op != ":=" else f"{r.lhs} :=" for r in
             table_rows(table)]
    names += [f"effect: {e.label}" for e in effects]
    names += [f"std effect: {e.label}" for e in effects]
    return names


@dataclass(frozen=True)
class RefitOutcome:
    """Refits of a stack of samples: one entry per sample."""

    converged: np.ndarray
    admissible: np.ndarray
    statistics: np.ndarray  # (B, k); NaN rows where not converged


class _Refitter:
    """Everything one worker needs to refit samples of the data (on the core)."""

    def __init__(self, table: pd.DataFrame, core: CoreModel, values: np.ndarray,
                 latent: Sequence[str], effects: Sequence[Effect], batched: bool = False):
        self.table = table
        self.core = core
        self.values = values
        self.theta_hat = core.theta
        self.latent = list(latent)
        self.effects = list(effects)
        self.plan = StatisticsPlan(table, core.layout, self.latent, self.effects)
        self.n_statistics = len(statistic_names(table, self.effects))
        self.variance_index = np.array(variance_index(core.functions()), dtype=int)
        self.batched = batched
        self._inverse_hessian = None
        if batched:
            try:
                self._inverse_hessian = np.linalg.inv(
                    2.0 * core.functions().information(core.theta))
            except np.linalg.LinAlgError:
                self.batched = False

    def point_statistics(self) -> np.ndarray:
        """The statistics of the full-sample fit (see :func:`statistic_names`)."""
        return self.plan.compute_many(self.theta_hat[None], self.core.functions())[0]

    def samples(self, rows: np.ndarray) -> MLFunctions:
        """The core's functions on the samples ``rows`` (B x n row numbers), stacked."""
        return MLFunctions(self.core.layout, [stacked_moments(self.values, rows)])

    def fit_rows(self, rows: np.ndarray) -> RefitOutcome:
        """Refit on each row of ``rows`` (B samples of row numbers)."""
        rows = np.atleast_2d(rows)
        functions = self.samples(rows)
        n = rows.shape[0]
        thetas = np.repeat(self.theta_hat[None], n, axis=0)
        converged = np.zeros(n, dtype=bool)
        if self.batched:
            assert self._inverse_hessian is not None  # set whenever batched is True
            result = batched_bfgs(lambda index, x, gradient: functions.evaluate(x, gradient,
                                                                                index),
                                  thetas, self._inverse_hessian)
            thetas[result.converged] = result.x[result.converged]
            converged[:] = result.converged
        for b in np.flatnonzero(~converged):  # Fisher scoring: the fallback, or the method
            alone = self.samples(rows[b:b + 1])
            found = fisher_scoring(alone.discrepancy, alone.gradient_and_information,
                                   self.theta_hat, **BOOTSTRAP_TOLERANCES)
            converged[b], thetas[b] = found.converged, found.x
        return self._outcome(thetas, converged, functions)

    def _outcome(self, thetas: np.ndarray, converged: np.ndarray,
                 functions: MLFunctions) -> RefitOutcome:
        n = thetas.shape[0]
        statistics = np.full((n, self.n_statistics), np.nan)
        admissible = np.zeros(n, dtype=bool)
        if converged.any():
            good = np.flatnonzero(converged)
            statistics[good] = self.plan.compute_many(thetas[good], functions, good)
            admissible[good] = self._admissible(thetas[good], functions, good)
        return RefitOutcome(converged, admissible, statistics)

    def _admissible(self, thetas: np.ndarray, functions: MLFunctions,
                    index: np.ndarray) -> np.ndarray:
        """No negative variance and a positive-definite latent covariance matrix."""
        ok = np.all(thetas[:, self.variance_index] >= 0, axis=1)
        if self.latent and ok.any():
            latent_cov = self.plan.latent_covariances(thetas[ok], functions, index[ok])
            ok[ok] = np.linalg.eigvalsh(latent_cov).min(axis=1) > 0
        return ok


class _FimlRefitter(_Refitter):
    """Refits of a full-information (missing='ml') fit: every resample by Fisher scoring
    on its own missing-data patterns, warm-started at the full-sample estimates
    (intercepts included)."""

    def fit_rows(self, rows: np.ndarray) -> RefitOutcome:
        rows = np.atleast_2d(rows)
        n = rows.shape[0]
        thetas = np.repeat(self.theta_hat[None], n, axis=0)
        converged = np.zeros(n, dtype=bool)
        statistics = np.full((n, self.n_statistics), np.nan)
        admissible = np.zeros(n, dtype=bool)
        for b in range(n):
            functions = MLFunctions(self.core.layout,
                                    [missing_moments(self.values[rows[b]], saturated=False)])
            found = fisher_scoring(functions.discrepancy, functions.gradient_and_information,
                                   self.theta_hat, **BOOTSTRAP_TOLERANCES)
            converged[b], thetas[b] = found.converged, found.x
            if found.converged:
                outcome = self._outcome(thetas[b:b + 1], converged[b:b + 1], functions)
                statistics[b], admissible[b] = outcome.statistics[0], outcome.admissible[0]
        return RefitOutcome(converged, admissible, statistics)


def _resample_rows(seeds: Sequence[np.random.SeedSequence], n: int) -> np.ndarray:
    return np.array([np.random.default_rng(seed).integers(0, n, n) for seed in seeds])


def _refit_resamples(refitter: _Refitter, tasks) -> list:
    """Refit the resamples of ``tasks`` (pairs ``(index, seed)``) with one BLAS thread.

    One BLAS thread, in the parent and in every worker alike: the
    floating-point result of a refit must not depend on the threads a process uses.
    """
    with threadpool_limits(limits=1):
        rows = _resample_rows([seed for _, seed in tasks], refitter.values.shape[0])
        outcome = refitter.fit_rows(rows)
    return [(index, bool(outcome.converged[k]), bool(outcome.admissible[k]),
             outcome.statistics[k]) for k, (index, _) in enumerate(tasks)]


def _refit_in_process(table, core, values, latent, effects, tasks, fiml=False):
    """A process worker's task: refit one chunk by Fisher scoring."""
    kind = _FimlRefitter if fiml else _Refitter
    return _refit_resamples(kind(table, core, values, latent, effects), tasks)


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Draws of every parameter and effect over bootstrap resamples.

    Attributes
    ----------
    draws : pandas.DataFrame
        One row per *converged* resample (index = resample number), one column
        per statistic (see :func:`statistic_names`).
    point : pandas.Series
        The full-sample values of the same statistics.
    jackknife : pandas.DataFrame or None
        Leave-one-out values (for BCa), when computed.
    n_requested, n_converged, n_inadmissible : int
    failed : tuple of int
        Resample numbers that did not converge (dropped).
    seed : int or None
    """

    draws: pd.DataFrame
    point: pd.Series
    n_requested: int
    n_converged: int
    n_inadmissible: int
    failed: tuple[int, ...]
    seed: int | None
    jackknife: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def se(self) -> pd.Series:
        """Bootstrap standard errors (SD of the draws, divisor B - 1, as lavaan)."""
        return self.draws.std(ddof=1)

    def interval(self, method: str = "percentile", level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals of every statistic.

        Parameters
        ----------
        method : {"percentile", "bca"}
        level : float

        Returns
        -------
        pandas.DataFrame
            Columns ``lower, upper`` indexed by statistic.
        """
        check_choice("method", method, ("percentile", "bca"))
        level = check_probability("level", level, "a confidence level")
        if method == "percentile":
            lower, upper = percentile_interval(self.draws.to_numpy(), level)
        elif method == "bca":
            if self.jackknife is None:
                raise ArgumentError("BCa intervals need the jackknife: run bootstrap(..., bca=True)")
            lower, upper = bca_interval(self.draws.to_numpy(), self.point.to_numpy(),
                                        self.jackknife.to_numpy(), level)
        return pd.DataFrame({"lower": lower, "upper": upper}, index=self.draws.columns)

    def summary_line(self) -> str:
        """One line: requested, converged, dropped, inadmissible."""
        return (f"bootstrap: {self.n_requested} resamples, {self.n_converged} converged, "
                f"{len(self.failed)} did not converge (dropped), {self.n_inadmissible} "
                "inadmissible (kept)")


def _check_bootstrap_arguments(result: Any, n_boot: Any, seed: Any, n_jobs: Any, progress: Any,
                               bca: Any, effects: Any) -> None:
    """Refuse a bad argument of :func:`bootstrap` before any resample is drawn."""
    if not isinstance(result, FitResult):
        raise fail("result", "a FitResult (from loyaltysem.fit)", result)
    check_int("n_boot", n_boot, low=1, high=MAX_BOOTSTRAP)
    check_seed("seed", seed)
    check_int("n_jobs", n_jobs, low=1, high=MAX_JOBS)
    check_bool("progress", progress)
    check_bool("bca", bca)
    if effects is not None:
        if isinstance(effects, (str, bytes)) or not isinstance(effects, Iterable):
            raise fail("effects", "a list of Effect (see enumerate_effects)", effects)
        wrong = [e for e in effects if not isinstance(e, Effect)]
        if wrong:
            raise fail("effects", "a list of Effect (see enumerate_effects)", wrong[0])


def bootstrap(result: FitResult, n_boot: int = 1000, *, seed: int | None = None,
              n_jobs: int = 1, progress: bool = True, bca: bool = False,
              effects: Sequence[Effect] | None = None) -> BootstrapResult:
    """Nonparametric bootstrap: refit the model on ``n_boot`` resamples of the rows.

    Parameters
    ----------
    result : FitResult
        The full-sample fit (its data and estimates are reused).
    n_boot : int
        Number of resamples, 1 to :data:`~loyaltysem.arguments.MAX_BOOTSTRAP`.
    seed : int, optional
        Seed of the ``SeedSequence`` the resample seeds are spawned from
        (0 to 2**32 - 1).
    n_jobs : int
        Workers, 1 to :data:`~loyaltysem.arguments.MAX_JOBS` (``1``: in this process): threads for stacked BFGS refits,
        processes for Fisher-scoring refits. Results do not depend on it.
    progress : bool
        Show a progress bar (tqdm).
    bca : bool
        Also compute the jackknife needed for BCa intervals (N more refits).
    effects : sequence of Effect, optional
        Effects to bootstrap; default all effects of the structural model.

    Returns
    -------
    BootstrapResult

    Raises
    ------
    ArgumentError
        For an argument of the wrong value or type, before any resample.
    """
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    _check_bootstrap_arguments(result, n_boot, seed, n_jobs, progress, bca, effects)
    table = result.spec.parameter_table
    effects = list(effects) if effects is not None else enumerate_effects(result.spec.structural_paths)
    latent = list(result.spec.roles.latent)
    # admissible, well-conditioned solutions are refitted in stacks by BFGS from the
    # scoring metric; inadmissible ones (e.g. ECSI) one by one by Fisher scoring, whose
    # divergence rule reports drifting resamples quickly
    if result.core is None or result.data.shape[0] == 0:
        raise ArgumentError("the bootstrap needs the cases: this fit was made from summary "
                            "statistics")
    core = result.core
    values = result.data[list(core.layout.structure.observed)].to_numpy(dtype=float)
    fiml = result.missing == "ml"  # every resample keeps its missing values (as lavaan)
    refitter: _Refitter = (_FimlRefitter(table, core, values, latent, effects) if fiml else
                           _Refitter(table, core, values, latent, effects,
                                     bool(result.admissible)))
    batched = refitter.batched
    tasks = list(enumerate(np.random.SeedSequence(seed).spawn(n_boot)))
    outputs: list = []
    finished: Iterable[list]
    bar = tqdm(total=n_boot, desc="bootstrap", unit="resample", disable=not progress)
    if batched:
        chunks = [tasks[i:i + BATCH] for i in range(0, n_boot, BATCH)]
        refitters: queue.SimpleQueue = queue.SimpleQueue()
        refitters.put(refitter)
        for _ in range(min(n_jobs, len(chunks)) - 1):
            refitters.put(_Refitter(table, core, values, latent, effects, True))

        def run(chunk):
            worker = refitters.get()  # a refitter is used by one thread at a time
            try:
                return _refit_resamples(worker, chunk)
            finally:
                refitters.put(worker)

        if n_jobs == 1:
            finished = map(run, chunks)
        else:
            finished = Parallel(n_jobs=n_jobs, prefer="threads",
                                return_as="generator_unordered")(delayed(run)(c) for c in chunks)
    else:
        # a process builds the model once per chunk: few, large chunks when parallel
        size = _CHUNK if n_jobs == 1 else max(_CHUNK, -(-n_boot // (4 * n_jobs)))
        chunks = [tasks[i:i + size] for i in range(0, n_boot, size)]
        if n_jobs == 1:
            finished = (_refit_resamples(refitter, chunk) for chunk in chunks)
        else:
            finished = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                delayed(_refit_in_process)(table, core, values, latent, effects, chunk, fiml)
                for chunk in chunks)
    for chunk_out in finished:
        outputs.extend(chunk_out)
        bar.update(len(chunk_out))
    bar.close()
    outputs.sort(key=lambda item: item[0])
    names = statistic_names(table, effects)
    kept = [(index, stats) for index, converged, _, stats in outputs if converged]
    draws = pd.DataFrame([stats for _, stats in kept], index=[i for i, _ in kept], columns=names)
    point = pd.Series(refitter.point_statistics(), index=names)
    jackknife = None
    if bca:
        jackknife = _jackknife(refitter, names, progress)
    return BootstrapResult(
        draws=draws, point=point, n_requested=n_boot, n_converged=len(kept),
        n_inadmissible=sum(1 for _, converged, admissible, _ in outputs if converged and not admissible),
        failed=tuple(index for index, converged, _, _ in outputs if not converged),
        seed=seed, jackknife=jackknife)


def _jackknife(refitter: _Refitter, names: list[str], progress: bool) -> pd.DataFrame:
    """Leave-one-out refits (for BCa); NaN rows for cases whose refit does not converge."""
    from tqdm.auto import tqdm

    n = refitter.values.shape[0]
    everyone = np.arange(n)
    rows = []
    with threadpool_limits(limits=1), tqdm(total=n, desc="jackknife", unit="case",
                                           disable=not progress) as bar:
        for start in range(0, n, BATCH):
            left_out = np.arange(start, min(start + BATCH, n))
            subsets = np.array([np.delete(everyone, i) for i in left_out])
            rows.append(refitter.fit_rows(subsets).statistics)
            bar.update(left_out.size)
    return pd.DataFrame(np.concatenate(rows), columns=names)


__all__ = ["BootstrapResult", "bootstrap", "statistic_names", "with_bootstrap_inference"]


def with_bootstrap_inference(result: FitResult, boot: BootstrapResult, method: str = "percentile",
                             level: float = 0.95) -> FitResult:
    """A copy of ``result`` whose SEs and intervals come from the bootstrap.

    As lavaan's ``se = "bootstrap"``: ``se`` is the SD of the draws, ``z`` and
    ``pvalue`` use it, and the interval is the percentile (or BCa) interval.
    """
    import dataclasses

    from scipy import stats

    if not isinstance(result, FitResult):
        raise fail("result", "a FitResult (from loyaltysem.fit)", result)
    if not isinstance(boot, BootstrapResult):
        raise fail("boot", "a BootstrapResult (from bootstrap(result, ...))", boot)
    intervals = boot.interval(method, level)
    estimates = result.estimates.copy()
    keys = [f"{r.lhs} :=" if r.op == ":=" else f"{r.lhs} {r.op} {r.rhs}"
            for r in table_rows(estimates)]
    se = np.array(boot.se.reindex(keys).to_numpy(), dtype=float)
    fixed = result.estimates["se"].to_numpy() == 0
    se[fixed] = 0.0
    estimates["se"] = se
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, estimates["est"] / se, np.nan)
    estimates["z"] = z
    estimates["pvalue"] = 2 * stats.norm.sf(np.abs(z))
    lower = intervals["lower"].reindex(keys).to_numpy()
    upper = intervals["upper"].reindex(keys).to_numpy()
    estimates["ci_lower"] = np.where(fixed, estimates["est"], lower)
    estimates["ci_upper"] = np.where(fixed, estimates["est"], upper)
    return dataclasses.replace(result, estimates=estimates, se_type=f"bootstrap ({method})",
                               warnings=result.warnings + (boot.summary_line(),))
