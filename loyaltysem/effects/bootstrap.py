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
  one numpy call per operation for the whole stack); the resamples BFGS does
  not converge are refitted by Fisher scoring, as a stack
  (:func:`~loyaltysem.estimate.stacked_scoring.stacked_fisher_scoring`: every
  member follows the single-sample rules);
- inadmissible full-sample solutions (e.g. ECSI on mobi, whose resamples
  drift towards improper solutions): every resample by Fisher scoring with
  its divergence rule, which reports drifting resamples quickly — the
  resamples of a chunk as one stack too;
- multi-group fits (:class:`~loyaltysem.groups.MultiGroupResult`), as lavaan's
  ``se = "bootstrap"`` with ``group =``: rows are resampled **within each
  group** (group sizes fixed; resample ``b``'s generator draws group 1's rows,
  then group 2's, ...), and every resample is refitted on the core with all
  groups at once (one stack of moments per group); the statistics are every
  group's parameters and effects, the ``:=`` rows and the differences of every
  effect between groups (names: :mod:`.statistics`);
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
  members of its stack. BFGS stacks run on threads (numpy releases the
  GIL; no process start-up), Fisher-scoring chunks of inadmissible fits and
  FIML resamples on processes (joblib/loky); a progress bar (tqdm) counts
  resamples.

References
----------
Efron, B., & Tibshirani, R. J. (1993). An introduction to the bootstrap.
Chapman & Hall.
Bollen, K. A., & Stine, R. A. (1990). Direct and indirect effects: Classical
and bootstrap estimates of variability. Sociological Methodology, 20, 115-140.
Davison, A. C., & Hinkley, D. V. (1997). Bootstrap methods and their
application. Cambridge University Press (sec. 3.2: stratified resampling).
lavaan 0.6 ``lav_bootstrap.R`` (``lav_bootstrap_internal``: resampling within
groups) and ``lav_model_vcov.R`` (SE = SD of the successful draws, divisor n).
"""
from __future__ import annotations

import copy
import dataclasses
import queue
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import pandas as pd

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
from ..distributions import norm_sf
from ..estimate import FitResult
from ..estimate.constraints import check_refits_apply
from ..estimate.estimation import variance_index
from ..estimate.ml import CoreModel, MLFunctions
from ..estimate.moments import missing_moments, stacked_moments
from ..estimate.optimizer import batched_bfgs, fisher_scoring
from ..estimate.stacked_scoring import stacked_fisher_scoring
from ..exceptions import ArgumentError
from ..frame_rows import table_rows
from .intervals import Interpolation, bca_interval, bias_corrected_interval, percentile_interval
from .paths import Effect, enumerate_effects
from .statistics import GroupedStatisticsPlan, StatisticsPlan, parameter_name, statistic_names

if TYPE_CHECKING:
    from ..groups.results import MultiGroupResult

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


def _multigroup_result() -> "type[MultiGroupResult]":
    """:class:`~loyaltysem.groups.results.MultiGroupResult`, imported when a bootstrap
    runs: ``loyaltysem.groups`` and threadpoolctl stay out of a plain fit's start-up."""
    from ..groups.results import MultiGroupResult

    return MultiGroupResult


def _one_blas_thread() -> Any:
    """``threadpool_limits(limits=1)`` (threadpoolctl imported when first needed)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


@dataclass(frozen=True)
class RefitOutcome:
    """Refits of a stack of samples: one entry per sample."""

    converged: np.ndarray
    admissible: np.ndarray
    statistics: np.ndarray  # (B, k); NaN rows where not converged


Rows = np.ndarray | Sequence[np.ndarray]  # B x n row numbers, or one such array per group
Plan = StatisticsPlan | GroupedStatisticsPlan


class _Refitter:
    """Everything one worker needs to refit samples of the data (on the core).

    ``values`` is the data (N x p) of a single-group fit, or a sequence with
    every group's data (in the layout's group order); ``plan`` the statistics
    to record (default: a :class:`StatisticsPlan` of ``table``).
    """

    def __init__(self, table: pd.DataFrame, core: CoreModel,
                 values: np.ndarray | Sequence[np.ndarray], latent: Sequence[str],
                 effects: Sequence[Effect], batched: bool = False, *, plan: Plan | None = None):
        self.table = table
        self.core = core
        self.values = values
        self.group_values = tuple(values) if isinstance(values, (list, tuple)) else (values,)
        self.sizes = tuple(int(v.shape[0]) for v in self.group_values)
        self.theta_hat = core.theta
        self.latent = list(latent)
        self.effects = list(effects)
        self._given_plan = plan
        self.plan: Plan = plan if plan is not None else StatisticsPlan(
            table, core.layout, self.latent, self.effects)
        self.n_statistics = len(self.plan.names)
        self.variance_index = np.array(variance_index(core.functions()), dtype=int)
        self.batched = batched
        self._inverse_hessian = None
        if batched:
            try:
                self._inverse_hessian = np.linalg.inv(
                    2.0 * core.functions().information(core.theta))
            except np.linalg.LinAlgError:
                self.batched = False

    def clone(self) -> _Refitter:
        """A refitter of its own for another thread (same data, plan and method)."""
        plan = None if self._given_plan is None else copy.deepcopy(self._given_plan)
        return type(self)(self.table, self.core, self.values, self.latent, self.effects,
                          self.batched, plan=plan)

    def point_statistics(self) -> np.ndarray:
        """The statistics of the full-sample fit (``plan.names``)."""
        return self.plan.compute_many(self.theta_hat[None], self.core.functions())[0]

    def full_sample_admissible(self) -> bool:
        """No negative variance and positive-definite latent covariances at the fit."""
        return bool(self._admissible(self.theta_hat[None], self.core.functions(),
                                     np.zeros(1, dtype=int))[0])

    def by_group(self, rows: Rows) -> tuple[np.ndarray, ...]:
        """``rows`` as one (B x n_g) array per group."""
        if isinstance(rows, np.ndarray):
            return (np.atleast_2d(rows),)
        return tuple(np.atleast_2d(r) for r in rows)

    def samples(self, rows: Rows) -> MLFunctions:
        """The core's functions on the samples ``rows`` (B x n row numbers, one array per
        group in a multi-group fit), stacked."""
        return MLFunctions(self.core.layout, [stacked_moments(values, r) for values, r in
                                              zip(self.group_values, self.by_group(rows))])

    def fit_rows(self, rows: Rows, polish: bool = False) -> RefitOutcome:
        """Refit on each sample of ``rows`` (B samples of row numbers, per group);
        ``polish``: then Fisher scoring to the core's own tolerances (gradient 1e-9),
        for the jackknife, whose leave-one-out differences are O(1/N) of an estimate."""
        rows = self.by_group(rows)
        functions = self.samples(rows)
        n = rows[0].shape[0]
        thetas = np.repeat(self.theta_hat[None], n, axis=0)
        converged = np.zeros(n, dtype=bool)
        if self.batched:
            assert self._inverse_hessian is not None  # set whenever batched is True
            result = batched_bfgs(lambda index, x, gradient: functions.evaluate(x, gradient,
                                                                                index),
                                  thetas, self._inverse_hessian)
            thetas[result.converged] = result.x[result.converged]
            converged[:] = result.converged
        rest = np.flatnonzero(~converged)  # Fisher scoring: the fallback, or the method
        if rest.size:
            found = stacked_fisher_scoring(functions, self.theta_hat, rest,
                                           **BOOTSTRAP_TOLERANCES)
            converged[rest], thetas[rest] = found.converged, found.x
        if polish and converged.any():
            good = np.flatnonzero(converged)
            found = stacked_fisher_scoring(functions, thetas[good], good)
            converged[good], thetas[good] = found.converged, found.x
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
            blocks = self.plan.latent_covariance_blocks(thetas[ok], functions, index[ok])
            positive = np.ones(int(ok.sum()), dtype=bool)
            for latent_cov in blocks:  # every group's
                positive &= np.linalg.eigvalsh(latent_cov).min(axis=1) > 0
            ok[ok] = positive
        return ok


class _FimlRefitter(_Refitter):
    """Refits of a full-information (missing='ml') fit: every resample by Fisher scoring
    on its own missing-data patterns, warm-started at the full-sample estimates
    (intercepts included)."""

    def fit_rows(self, rows: Rows, polish: bool = False) -> RefitOutcome:
        rows = self.by_group(rows)[0]  # single-group fits only
        tolerances = {} if polish else BOOTSTRAP_TOLERANCES
        n = rows.shape[0]
        thetas = np.repeat(self.theta_hat[None], n, axis=0)
        converged = np.zeros(n, dtype=bool)
        statistics = np.full((n, self.n_statistics), np.nan)
        admissible = np.zeros(n, dtype=bool)
        for b in range(n):
            functions = MLFunctions(self.core.layout,
                                    [missing_moments(self.values[rows[b]], saturated=False)])
            found = fisher_scoring(functions.discrepancy, functions.gradient_and_information,
                                   self.theta_hat, **tolerances)
            converged[b], thetas[b] = found.converged, found.x
            if found.converged:
                outcome = self._outcome(thetas[b:b + 1], converged[b:b + 1], functions)
                statistics[b], admissible[b] = outcome.statistics[0], outcome.admissible[0]
        return RefitOutcome(converged, admissible, statistics)


def _resample_group_rows(seeds: Sequence[np.random.SeedSequence], sizes: Sequence[int]
                         ) -> tuple[np.ndarray, ...]:
    """Resample every group's rows within the group: one (B x n_g) array per group.

    Resample ``b``'s generator (``default_rng(seeds[b])``) draws ``n_1`` row
    numbers of group 1, then ``n_2`` of group 2, ...; the group sizes are those
    of the data, as lavaan's ``lav_bootstrap_internal`` (Davison & Hinkley, 1997,
    sec. 3.2: stratified resampling).
    """
    generators = [np.random.default_rng(seed) for seed in seeds]
    return tuple(np.array([rng.integers(0, n, n) for rng in generators]) for n in sizes)


def resample_rows(seeds: Sequence[np.random.SeedSequence], n: int) -> np.ndarray:
    """Resamples of one group of ``n`` rows (see :func:`_resample_group_rows`)."""
    return _resample_group_rows(seeds, (n,))[0]


def _refit_resamples(refitter: _Refitter, tasks) -> list:
    """Refit the resamples of ``tasks`` (pairs ``(index, seed)``) with one BLAS thread.

    One BLAS thread, in the parent and in every worker alike: the
    floating-point result of a refit must not depend on the threads a process uses.
    """
    with _one_blas_thread():
        rows = _resample_group_rows([seed for _, seed in tasks], refitter.sizes)
        outcome = refitter.fit_rows(rows)
    return [(index, bool(outcome.converged[k]), bool(outcome.admissible[k]),
             outcome.statistics[k]) for k, (index, _) in enumerate(tasks)]


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Draws of every parameter and effect over bootstrap resamples.

    Attributes
    ----------
    draws : pandas.DataFrame
        One row per *converged* resample (index = resample number), one column
        per statistic (names: :mod:`loyaltysem.effects.statistics`).
    point : pandas.Series
        The full-sample values of the same statistics.
    jackknife : pandas.DataFrame or None
        Leave-one-out values (for BCa), when computed; in a multi-group bootstrap
        one row per case left out of its group, indexed by that group (the
        strata of the jackknife influence values, :func:`.intervals.bca_interval`).
    n_requested, n_converged, n_inadmissible : int
    failed : tuple of int
        Resample numbers that did not converge (dropped).
    seed : int or None
    group_sizes : pandas.Series or None
        Multi-group bootstraps: the rows of every group, which every resample
        keeps (rows are resampled within groups); ``None`` for one group.
    notes : tuple of str
        What a summary line adds (an ordinal bootstrap: its sample statistics and why
        resamples failed, :mod:`.ordinal_bootstrap`).
    se_ddof : int
        The divisor of :attr:`se` is ``n_converged - se_ddof``: 0, lavaan's
        ``cov(COEF) * (n - 1) / n`` (``lav_model_vcov.R``), for one group and many.
    """

    draws: pd.DataFrame
    point: pd.Series
    n_requested: int
    n_converged: int
    n_inadmissible: int
    failed: tuple[int, ...]
    seed: int | None
    jackknife: pd.DataFrame | None = field(default=None, repr=False)
    group_sizes: pd.Series | None = field(default=None, repr=False)
    se_ddof: int = field(default=0, repr=False)
    notes: tuple[str, ...] = field(default=(), repr=False)

    @property
    def se(self) -> pd.Series:
        """Bootstrap standard errors: SD of the successful draws, divisor
        ``n_converged - se_ddof`` (lavaan 0.6 ``lav_model_vcov.R``: divisor n)."""
        return self.draws.std(ddof=self.se_ddof)

    def interval(self, method: str = "percentile", level: float = 0.95, *,
                 interpolation: Interpolation = "linear", accelerated: bool = True
                 ) -> pd.DataFrame:
        """Confidence intervals of every statistic.

        Parameters
        ----------
        method : {"percentile", "bca"}
            ``"percentile"``: lavaan's ``boot.ci.type = "perc"``; ``"bca"``:
            bias-corrected and accelerated (needs ``bootstrap(..., bca=True)``),
            or with ``accelerated=False`` bias-corrected only, lavaan's
            ``"bca.simple"`` (no jackknife needed; Efron & Tibshirani, 1993, ch. 14).
        level : float
        interpolation : {"linear", "norm_inter"}
            How the percentile and bca.simple limits are read from the draws:
            R's quantile type 7, or boot's ``norm.inter()`` as lavaan (equal to
            lavaan's intervals on the same draws to 1e-14).
        accelerated : bool
            ``False`` with ``method="bca"``: lavaan's bca.simple (``a = 0``, its
            ``z0`` from the share of draws strictly below the estimate).

        Returns
        -------
        pandas.DataFrame
            Columns ``lower, upper`` indexed by statistic.
        """
        check_choice("method", method, ("percentile", "bca"))
        level = check_probability("level", level, "a confidence level")
        check_choice("interpolation", interpolation, ("linear", "norm_inter"))
        check_bool("accelerated", accelerated)
        draws = self.draws.to_numpy(dtype=float)
        if method == "percentile":
            lower, upper = percentile_interval(draws, level, interpolation=interpolation)
        elif not accelerated:
            lower, upper = bias_corrected_interval(draws, self.point.to_numpy(dtype=float),
                                                   level, interpolation=interpolation)
        else:
            if self.jackknife is None:
                raise ArgumentError("BCa intervals need the jackknife: run bootstrap(..., bca=True)")
            strata = None if self.group_sizes is None else self.jackknife.index.to_numpy()
            lower, upper = bca_interval(draws, self.point.to_numpy(), self.jackknife.to_numpy(),
                                        level, strata)
        return pd.DataFrame({"lower": lower, "upper": upper}, index=self.draws.columns)

    def summary_line(self) -> str:
        """One line: requested, converged, dropped, inadmissible."""
        return (f"bootstrap: {self.n_requested} resamples, {self.n_converged} converged, "
                f"{len(self.failed)} did not converge (dropped), {self.n_inadmissible} "
                "inadmissible (kept)" + "".join(f"; {note}" for note in self.notes))


def _check_bootstrap_arguments(result: Any, n_boot: Any, seed: Any, n_jobs: Any, progress: Any,
                               bca: Any, effects: Any) -> None:
    """Refuse a bad argument of :func:`bootstrap` before any resample is drawn."""
    multigroup_result = _multigroup_result()
    if not isinstance(result, (FitResult, multigroup_result)):
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


def _single_group_refitter(result: FitResult, effects: list[Effect]) -> _Refitter:
    """The refitter of a single-group fit: stacked BFGS for admissible fits, Fisher
    scoring for inadmissible ones and FIML."""
    # admissible, well-conditioned solutions are refitted in stacks by BFGS from the
    # scoring metric; inadmissible ones (e.g. ECSI) one by one by Fisher scoring, whose
    # divergence rule reports drifting resamples quickly
    if result.core is None or result.data.shape[0] == 0:
        raise ArgumentError("the bootstrap needs the cases: this fit was made from summary "
                            "statistics")
    table = result.spec.parameter_table
    latent = list(result.spec.roles.latent)
    core = result.core
    values = result.data[list(core.layout.structure.observed)].to_numpy(dtype=float)
    if result.missing == "ml":  # every resample keeps its missing values (as lavaan)
        return _FimlRefitter(table, core, values, latent, effects)
    return _Refitter(table, core, values, latent, effects, bool(result.admissible))


def grouped_plan(result: MultiGroupResult, effects: Sequence[Effect],
                 table: pd.DataFrame | None = None) -> GroupedStatisticsPlan:
    """The statistics of a multi-group fit (every group's parameters and ``effects``, the
    ``:=`` rows, the differences of the effects between groups; names: :mod:`.statistics`)
    on its core: what its bootstrap records, and what :func:`.hypotheses.test_hypotheses`
    evaluates on Monte Carlo draws. ``table``: the core's table (default its layout's; a
    fit of ordinal items gives the one with its thresholds and scales)."""
    if table is None:
        table = result.core.layout.table  # groups numbered, fixed.x means marked exo
    labelled = table[(table["label"] != "") & (table["free"] > 0)]
    spec_defined = result.spec.parameter_table
    spec_defined = spec_defined[spec_defined["op"] == ":="]
    columns = ["lhs", "op", "rhs", "label", "free", "ustart"]
    defined = pd.concat([labelled[columns], spec_defined[columns]], ignore_index=True)
    return GroupedStatisticsPlan(table, result.core.layout, list(result.spec.roles.latent),
                                 effects, [str(g) for g in result.groups], defined)


def _multigroup_refitter(result: MultiGroupResult, effects: list[Effect]) -> _Refitter:
    """The refitter of a multi-group fit: every group's cases, the grouped statistics;
    stacked BFGS unless the full-sample fit has a negative variance or a non-positive-
    definite latent covariance matrix (then Fisher scoring, as single-group fits)."""
    core = result.core
    if core is None or not all(g.complete for g in core.groups):
        raise ArgumentError("the multi-group bootstrap needs complete cases: it is not "
                            "available for missing='ml' fits yet")
    try:
        values = [np.asarray(g.cases(), dtype=float) for g in core.groups]
    except ValueError:
        raise ArgumentError("the bootstrap needs the cases: this fit was made from summary "
                            "statistics") from None
    plan = grouped_plan(result, effects)
    refitter = _Refitter(core.layout.table, core, values, list(result.spec.roles.latent),
                         effects, True, plan=plan)
    if refitter.batched and not refitter.full_sample_admissible():
        refitter.batched = False
    return refitter


def _run_resamples(refitter: _Refitter, n_boot: int, seed: int | None, n_jobs: int,
                   progress: bool) -> list:
    """Refit ``n_boot`` resamples: ``(index, converged, admissible, statistics)`` sorted."""
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    tasks = list(enumerate(np.random.SeedSequence(seed).spawn(n_boot)))
    outputs: list = []
    finished: Iterable[list]
    bar = tqdm(total=n_boot, desc="bootstrap", unit="resample", disable=not progress)
    if refitter.batched:
        chunks = [tasks[i:i + BATCH] for i in range(0, n_boot, BATCH)]
        refitters: queue.SimpleQueue = queue.SimpleQueue()
        refitters.put(refitter)
        for _ in range(min(n_jobs, len(chunks)) - 1):
            refitters.put(refitter.clone())

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
                delayed(_refit_resamples)(refitter, chunk) for chunk in chunks)
    for chunk_out in finished:
        outputs.extend(chunk_out)
        bar.update(len(chunk_out))
    bar.close()
    outputs.sort(key=lambda item: item[0])
    return outputs


def bootstrap(result: FitResult | MultiGroupResult, n_boot: int = 1000, *,
              seed: int | None = None, n_jobs: int = 1, progress: bool = True,
              bca: bool = False, effects: Sequence[Effect] | None = None) -> BootstrapResult:
    """Nonparametric bootstrap: refit the model on ``n_boot`` resamples of the rows.

    Parameters
    ----------
    result : FitResult or MultiGroupResult
        The full-sample fit (its data and estimates are reused). A multi-group
        fit is resampled within each group (lavaan's ``se = "bootstrap"`` with
        ``group =``). A fit of ordinal items (WLSMV, ULSMV, DWLS, ULS, WLS) has its
        thresholds, polychoric correlations and weights recomputed on every resample,
        as lavaan's (:mod:`.ordinal_bootstrap`), in every group of a multi-group fit
        (on the pooled categories of the full data); a resample that lacks a category
        of an item (in some group) fails (dropped and counted).
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
        Also compute the jackknife needed for BCa intervals (N more refits; in a
        multi-group fit each case is left out of its own group, the others kept).
        Without it ``interval("bca", accelerated=False)`` gives lavaan's bca.simple.
    effects : sequence of Effect, optional
        Effects to bootstrap; default all effects of the structural model (in
        every group of a multi-group fit, with their differences between groups).

    Returns
    -------
    BootstrapResult

    Raises
    ------
    ArgumentError
        For an argument of the wrong value or type, before any resample.
    SpecificationError
        For a model with constraints the refits cannot apply (nonlinear or weighted
        ``==``, ``<``, ``>``; :mod:`loyaltysem.estimate.constraints`).

    Examples
    --------
    lavaan's ``sem(model, data = HolzingerSwineford1939, group = "school",
    se = "bootstrap", bootstrap = 1000)``:

    >>> fit = fit_groups(spec, "holzinger_swineford", "school")  # doctest: +SKIP
    >>> boot = bootstrap(fit, 1000, seed=1)                     # doctest: +SKIP
    >>> boot.interval("percentile").loc["ind1 :="]              # doctest: +SKIP
    """
    from .ordinal_bootstrap import (OrdinalRefitter, failure_notes, is_least_squares,
                                    ordinal_refitter)

    _check_bootstrap_arguments(result, n_boot, seed, n_jobs, progress, bca, effects)
    check_refits_apply(getattr(result, "spec", None), "the bootstrap")
    effects = list(effects) if effects is not None else enumerate_effects(result.spec.structural_paths)
    refitter: _Refitter
    if is_least_squares(result):  # every resample's thresholds, polychorics and weights
        refitter = ordinal_refitter(result, effects)  # (.ordinal_bootstrap; every group's)
    elif isinstance(result, FitResult):
        refitter = _single_group_refitter(result, effects)
    else:
        refitter = _multigroup_refitter(result, effects)
    outputs = _run_resamples(refitter, n_boot, seed, n_jobs, progress)
    names = list(refitter.plan.names)
    kept = [(index, stats) for index, converged, _, stats in outputs if converged]
    draws = pd.DataFrame([stats for _, stats in kept], index=[i for i, _ in kept], columns=names)
    point = pd.Series(refitter.point_statistics(), index=names)
    labels = None if isinstance(result, FitResult) else [str(g) for g in result.groups]
    failed = tuple(index for index, converged, _, _ in outputs if not converged)
    jackknife = _jackknife(refitter, names, progress, labels) if bca else None
    sizes = (pd.Series(refitter.sizes, index=labels, name="nobs")
             if labels is not None else None)
    return BootstrapResult(
        draws=draws, point=point, n_requested=n_boot, n_converged=len(kept),
        n_inadmissible=sum(1 for _, converged, admissible, _ in outputs if converged and not admissible),
        failed=failed, seed=seed, jackknife=jackknife, group_sizes=sizes, se_ddof=0,
        notes=(failure_notes(refitter, seed, n_boot, failed)
               if isinstance(refitter, OrdinalRefitter) else ()))


def _jackknife(refitter: _Refitter, names: list[str], progress: bool,
               labels: list[str] | None = None) -> pd.DataFrame:
    """Leave-one-out refits (for BCa); NaN rows for cases whose refit does not converge.

    In a multi-group fit (``labels``: the groups) case i of group g is left out of g
    and the other groups keep all their rows, as the resamples keep every group's size
    (stratified; Davison & Hinkley 1997, sec. 3.7); the rows are indexed by the group.
    """
    from tqdm.auto import tqdm

    sizes = refitter.sizes
    rows, index = [], []
    with _one_blas_thread(), tqdm(total=sum(sizes), desc="jackknife", unit="case",
                                  disable=not progress) as bar:
        for g, n in enumerate(sizes):
            everyone = np.arange(n)
            for start in range(0, n, BATCH):
                left_out = np.arange(start, min(start + BATCH, n))
                subsets = [np.repeat(np.arange(m)[None], left_out.size, axis=0) for m in sizes]
                subsets[g] = np.array([np.delete(everyone, i) for i in left_out])
                outcome = refitter.fit_rows(subsets if labels else subsets[0], polish=True)
                rows.append(outcome.statistics)
                index += [labels[g] if labels else None] * left_out.size
                bar.update(left_out.size)
    frame = pd.DataFrame(np.concatenate(rows), columns=names)
    if labels:
        frame.index = pd.Index(index, name="group")
    return frame


__all__ = ["BootstrapResult", "bootstrap", "statistic_names", "with_bootstrap_inference"]


@overload
def with_bootstrap_inference(result: FitResult, boot: BootstrapResult, method: str = ...,
                             level: float = ..., *, interpolation: Interpolation = ...,
                             accelerated: bool = ...) -> FitResult: ...


@overload
def with_bootstrap_inference(result: MultiGroupResult, boot: BootstrapResult, method: str = ...,
                             level: float = ..., *, interpolation: Interpolation = ...,
                             accelerated: bool = ...) -> MultiGroupResult: ...


def with_bootstrap_inference(result: FitResult | MultiGroupResult, boot: BootstrapResult,
                             method: str = "percentile", level: float = 0.95, *,
                             interpolation: Interpolation = "linear", accelerated: bool = True
                             ) -> FitResult | MultiGroupResult:
    """A copy of ``result`` whose SEs and intervals come from the bootstrap.

    As lavaan's ``se = "bootstrap"``: ``se`` is the SD of the draws, ``z`` and
    ``pvalue`` use it, and the interval is the percentile (or BCa,
    bca.simple) interval (see :meth:`BootstrapResult.interval`); fixed
    parameters keep SE 0 and the interval ``(est, est)``. A multi-group
    result's rows are matched by group (``"Pasteur: visual =~ x2"``), its
    ``:=`` rows by name.
    """

    multigroup_result = _multigroup_result()
    if not isinstance(result, (FitResult, multigroup_result)):
        raise fail("result", "a FitResult (from loyaltysem.fit)", result)
    if not isinstance(boot, BootstrapResult):
        raise fail("boot", "a BootstrapResult (from bootstrap(result, ...))", boot)
    intervals = boot.interval(method, level, interpolation=interpolation,
                              accelerated=accelerated)
    estimates = result.estimates.copy()
    keys = [parameter_name(r.lhs, r.op, r.rhs) for r in table_rows(estimates)]
    if isinstance(result, multigroup_result):
        keys = [f"{g}: {key}" if g != "" else key
                for g, key in zip(estimates["group"].astype(str), keys)]
    se = np.array(boot.se.reindex(keys).to_numpy(), dtype=float)
    fixed = result.estimates["se"].to_numpy() == 0
    se[fixed] = 0.0
    estimates["se"] = se
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, estimates["est"] / se, np.nan)
    estimates["z"] = z
    estimates["pvalue"] = 2 * norm_sf(np.abs(z))
    lower = intervals["lower"].reindex(keys).to_numpy()
    upper = intervals["upper"].reindex(keys).to_numpy()
    estimates["ci_lower"] = np.where(fixed, estimates["est"], lower)
    estimates["ci_upper"] = np.where(fixed, estimates["est"], upper)
    warnings = result.warnings + (boot.summary_line(),)
    if not isinstance(result, FitResult):  # a MultiGroupResult
        return dataclasses.replace(result, estimates=estimates, warnings=warnings)
    label = method if accelerated or method != "bca" else "bca.simple"
    return dataclasses.replace(result, estimates=estimates, se_type=f"bootstrap ({label})",
                               warnings=warnings)
