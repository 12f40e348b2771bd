"""Nonparametric bootstrap of a fitted model: every resample refitted.

Design:

- resample ``b`` draws its rows with ``numpy.random.default_rng`` seeded by
  child ``b`` of ``SeedSequence(seed)``, so a draw depends only on the seed
  and its index: results are identical whatever the number of workers;
- the model is built once per worker; a resample only changes the sample
  covariance, and is refitted warm-started at the full-sample estimates —
  by BFGS from the Fisher-scoring metric when the full-sample solution is
  admissible (Fisher scoring if that fails), by Fisher scoring with its
  divergence rule otherwise — with one BLAS thread so that the
  floating-point result does not depend on the process it runs in;
- convergence is lavaan's: relative change of F below 1e-10 with
  max |gradient| below 2e-3; a resample whose gradient is still above 1 after
  30 iterations is diverging (towards an improper solution) and is not
  converged; **rule**: resamples that do not converge are
  dropped and counted (as lavaan does); converged but inadmissible resamples
  (a negative variance or a non-positive-definite latent covariance matrix)
  are kept and counted (as lavaan does, which warns about them);
- workers are processes (joblib/loky); a progress bar (tqdm) counts resamples.

References
----------
Efron, B., & Tibshirani, R. J. (1993). An introduction to the bootstrap.
Chapman & Hall.
Bollen, K. A., & Stine, R. A. (1990). Direct and indirect effects: Classical
and bootstrap estimates of variability. Sociological Methodology, 20, 115-140.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..estimate import FitResult
from ..estimate.optimizer import fisher_scoring, scoring_bfgs
from ..estimate.semopy_engine import SemopyModel
from .intervals import bca_interval, percentile_interval
from .paths import Effect, enumerate_effects
from .statistics import StatisticsPlan

_CHUNK = 25
#: lavaan-grade convergence for resamples: relative change of F below 1e-10
#: with max |dF/dtheta| below 2e-3 (lavaan: rel.tol = 1e-10 and
#: optim.dx.tol = 1e-3 on F/2), at most 300 scoring iterations.
#: A resample whose gradient is still above 1 after 30 iterations is declared
#: non-convergent (diverging towards an improper solution).
BOOTSTRAP_TOLERANCES = {"gtol": 1e-9, "ftol": 1e-10, "dx_tol": 2e-3, "max_iter": 300,
                        "diverge_after": 30, "diverge_gradient": 1.0}


def statistic_names(table: pd.DataFrame, effects: Sequence[Effect]) -> list[str]:
    """Names of the bootstrapped statistics: parameters, effects, standardized effects."""
    names = [f"{r.lhs} {r.op} {r.rhs}" if r.op != ":=" else f"{r.lhs} :=" for r in
             table.itertuples(index=False)]
    names += [f"effect: {e.label}" for e in effects]
    names += [f"std effect: {e.label}" for e in effects]
    return names


class _Refitter:
    """Everything one worker needs to refit resamples."""

    def __init__(self, table: pd.DataFrame, data: pd.DataFrame, theta_hat: np.ndarray,
                 latent: Sequence[str], effects: Sequence[Effect], quasi_newton: bool = False):
        self.table = table
        self.quasi_newton = quasi_newton
        self.model = SemopyModel(table, data)
        self.values = data[self.model.observed].to_numpy(dtype=float)
        self.theta_hat = theta_hat
        self.latent = list(latent)
        self.effects = list(effects)
        self.plan = StatisticsPlan(table, self.model, self.latent, self.effects)
        self._latent_index = self.plan.latent_index

    def statistics(self, theta: np.ndarray, sample_cov: np.ndarray) -> np.ndarray:
        """Parameter values, effects and standardized effects (see :func:`statistic_names`)."""
        return self.plan.compute(theta, sample_cov)

    def fit_rows(self, rows: np.ndarray) -> tuple[bool, bool, np.ndarray, np.ndarray]:
        """Refit on the given rows: (converged, admissible, theta, statistics)."""
        sample = self.values[rows]
        cov = np.cov(sample, rowvar=False, bias=True)
        model = self.model
        logdet = float(np.linalg.slogdet(cov)[1])

        def objective(x: np.ndarray) -> float:
            return model.discrepancy(x, cov, logdet)

        def gradient_and_information(x: np.ndarray):
            return model.gradient_and_information(x, cov)

        result = None
        if self.quasi_newton:
            _, information = gradient_and_information(self.theta_hat)
            result = scoring_bfgs(objective, lambda x: model.gradient(x, cov), self.theta_hat,
                                  information)
        if result is None or not result.converged:
            result = fisher_scoring(objective, gradient_and_information, self.theta_hat,
                                    **BOOTSTRAP_TOLERANCES)
        theta = result.x
        if not result.converged:
            return False, False, theta, np.full(0, np.nan)
        admissible = bool(np.all(theta[model.variance_index] >= 0))
        if admissible and self.latent:
            inner = model.inner_covariance(theta)
            index = self._latent_index
            admissible = bool(np.linalg.eigvalsh(inner[np.ix_(index, index)]).min() > 0)
        return True, admissible, theta, self.statistics(theta, cov)


def _run_chunk(table, data, theta_hat, latent, effects, tasks, quasi_newton=False):
    # one BLAS thread, in the parent and in every worker alike: the floating-point
    # result of a refit must not depend on how many threads a process uses
    with threadpool_limits(limits=1):
        return _run_tasks(table, data, theta_hat, latent, effects, tasks, quasi_newton)


def _run_tasks(table, data, theta_hat, latent, effects, tasks, quasi_newton):
    refitter = _Refitter(table, data, theta_hat, latent, effects, quasi_newton)
    n = refitter.values.shape[0]
    out = []
    for index, seed in tasks:
        rows = np.random.default_rng(seed).integers(0, n, n)
        converged, admissible, _, stats = refitter.fit_rows(rows)
        out.append((index, converged, admissible, stats))
    return out


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
        if method == "percentile":
            lower, upper = percentile_interval(self.draws.to_numpy(), level)
        elif method == "bca":
            if self.jackknife is None:
                raise ValueError("BCa intervals need the jackknife: run bootstrap(..., bca=True)")
            lower, upper = bca_interval(self.draws.to_numpy(), self.point.to_numpy(),
                                        self.jackknife.to_numpy(), level)
        else:
            raise ValueError(f"method must be 'percentile' or 'bca'; got {method!r}")
        return pd.DataFrame({"lower": lower, "upper": upper}, index=self.draws.columns)

    def summary_line(self) -> str:
        """One line: requested, converged, dropped, inadmissible."""
        return (f"bootstrap: {self.n_requested} resamples, {self.n_converged} converged, "
                f"{len(self.failed)} did not converge (dropped), {self.n_inadmissible} "
                "inadmissible (kept)")


def bootstrap(result: FitResult, n_boot: int = 1000, *, seed: int | None = None,
              n_jobs: int = 1, progress: bool = True, bca: bool = False,
              effects: Sequence[Effect] | None = None) -> BootstrapResult:
    """Nonparametric bootstrap: refit the model on ``n_boot`` resamples of the rows.

    Parameters
    ----------
    result : FitResult
        The full-sample fit (its data and estimates are reused).
    n_boot : int
        Number of resamples.
    seed : int, optional
        Seed of the ``SeedSequence`` the resample seeds are spawned from.
    n_jobs : int
        Worker processes (``1``: in this process). Results do not depend on it.
    progress : bool
        Show a progress bar (tqdm).
    bca : bool
        Also compute the jackknife needed for BCa intervals (N more refits).
    effects : sequence of Effect, optional
        Effects to bootstrap; default all effects of the structural model.

    Returns
    -------
    BootstrapResult
    """
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1; got {n_boot}")
    table = result.spec.parameter_table
    effects = list(effects) if effects is not None else enumerate_effects(result.spec.structural_paths)
    latent = list(result.spec.roles.latent)
    # admissible, well-conditioned solutions are refitted by BFGS from the scoring metric
    # (about half the iterations); inadmissible ones (e.g. ECSI) by Fisher scoring, whose
    # divergence rule reports drifting resamples quickly
    quasi_newton = bool(result.admissible)
    children = np.random.SeedSequence(seed).spawn(n_boot)
    tasks = list(enumerate(children))
    # a worker builds the model once per chunk: few, large chunks when parallel
    size = _CHUNK if n_jobs == 1 else max(_CHUNK, -(-n_boot // (4 * n_jobs)))
    chunks = [tasks[i:i + size] for i in range(0, n_boot, size)]
    outputs: list = []
    bar = tqdm(total=n_boot, desc="bootstrap", unit="resample", disable=not progress)
    if n_jobs == 1:
        for chunk in chunks:
            outputs.extend(_run_chunk(table, result.data, result.theta, latent, effects, chunk,
                                      quasi_newton))
            bar.update(len(chunk))
    else:
        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        for chunk_out in parallel(delayed(_run_chunk)(table, result.data, result.theta, latent,
                                                      effects, chunk, quasi_newton)
                                  for chunk in chunks):
            outputs.extend(chunk_out)
            bar.update(len(chunk_out))
    bar.close()
    outputs.sort(key=lambda item: item[0])
    names = statistic_names(table, effects)
    kept = [(index, stats) for index, converged, _, stats in outputs if converged]
    draws = pd.DataFrame([stats for _, stats in kept], index=[i for i, _ in kept], columns=names)
    refitter = _Refitter(table, result.data, result.theta, latent, effects)
    point = pd.Series(refitter.statistics(result.theta, refitter.model.sample_cov), index=names)
    jackknife = None
    if bca:
        n = refitter.values.shape[0]
        rows = []
        iterator = tqdm(range(n), desc="jackknife", unit="case", disable=not progress)
        for i in iterator:
            converged, _, _, stats = refitter.fit_rows(np.delete(np.arange(n), i))
            rows.append(stats if converged else np.full(len(names), np.nan))
        jackknife = pd.DataFrame(rows, columns=names)
    return BootstrapResult(
        draws=draws, point=point, n_requested=n_boot, n_converged=len(kept),
        n_inadmissible=sum(1 for _, converged, admissible, _ in outputs if converged and not admissible),
        failed=tuple(index for index, converged, _, _ in outputs if not converged),
        seed=seed, jackknife=jackknife)


__all__ = ["BootstrapResult", "bootstrap", "statistic_names", "with_bootstrap_inference"]


def with_bootstrap_inference(result: FitResult, boot: BootstrapResult, method: str = "percentile",
                             level: float = 0.95) -> FitResult:
    """A copy of ``result`` whose SEs and intervals come from the bootstrap.

    As lavaan's ``se = "bootstrap"``: ``se`` is the SD of the draws, ``z`` and
    ``pvalue`` use it, and the interval is the percentile (or BCa) interval.
    """
    import dataclasses

    from scipy import stats

    intervals = boot.interval(method, level)
    estimates = result.estimates.copy()
    keys = [f"{r.lhs} :=" if r.op == ":=" else f"{r.lhs} {r.op} {r.rhs}"
            for r in estimates.itertuples(index=False)]
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
