"""From start values to the ML estimates: a bounded warm-up, then Fisher scoring.

The one optimisation path of every covariance-structure fit (one or many
groups, complete or missing data): Fisher scoring on the expected information
(:mod:`.optimizer`) from a warm start (a previous fit's estimates; with
missing data the fit to the EM moments) and from the data-based start values
of :mod:`.starts` (a run still far from any optimum, or whose gradient keeps
growing, is given up: :func:`~.optimizer.drifting`); only if neither converges,
a bounded warm-up (BFGS with the variances written as squares,
:func:`~.optimizer.bounded_warmup`) brings the parameters into the basin of the
optimum before scoring again; only if that run fails too, scoring starts once more
from lavaan's own start values (:func:`~.starts.lavaan_start_values`: FABIN 3
loadings, latent variances 0.05). Those start from a nearly diagonal implied
covariance matrix, where ours start from large factor variances: on corp_rep by
service provider with one path equal across the groups (an improper optimum, a
latent correlation of 1.2 in one group) the three other runs drift along a ridge
towards an improper solution while the run from lavaan's values converges to
lavaan's optimum in 31 iterations. A fit that converges in an earlier run never
computes them. A stack of samples (a bootstrap, a robustness
study) goes through the same runs with the same rules, each run stacked
(:func:`minimize_stack`; :func:`~.stacked_scoring.stacked_fisher_scoring`; the
warm-up is written for stacks and serves a single fit as a stack of one).
Scoring converges to the unbounded optimum, as lavaan's: negative variances (Heywood cases) are found and reported, not
hidden by a bound.

References
----------
Lee, S.-Y., & Jennrich, R. I. (1979). A study of algorithms for covariance
structure analysis with specific comparisons using factor analysis.
Psychometrika, 44(1), 99-113.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .ml import MLFunctions
from .moments import summary_moments
from .optimizer import OptimizationResult, bounded_warmup, fisher_scoring, warmup_start
from .stacked_scoring import StackedOptimization, stacked_fisher_scoring
from .starts import lavaan_start_values, start_values

#: A run whose gradient is still above 1 after 100 iterations, or above 1 and growing
#: after 50, is drifting towards an improper solution (converging runs of the shipped
#: and reference models take at most ~70): it is stopped as not converged and the next
#: start is tried (:func:`~.optimizer.drifting`).
DRIFT_AFTER, DRIFT_GRADIENT = 100, 1.0
#: The last run (from lavaan's start values, after the three others failed) is given up
#: when its gradient is still above 1 after 30 iterations (the bootstrap's rule): from
#: lavaan's nearly diagonal start a run that converges does so within a few dozen
#: iterations (about 30 on corp_rep by provider with one path equal, its gradient below
#: 1 after a dozen; the five models of that comparison 26-30), and the improper
#: resamples of a robustness study that reach this run mostly drift.
LAST_DRIFT_AFTER = 30


def variance_index(functions: MLFunctions) -> list[int]:
    """Positions in ``theta`` of the free variances (bounded at 0 in the warm-up)."""
    table = functions.layout.table
    is_variance = ((table["op"] == "~~") & (table["lhs"] == table["rhs"])
                   & (table["free"] > 0)).to_numpy()
    return sorted({int(k) - 1 for k in table["free"].to_numpy()[is_variance]})


def warmed_up(functions: MLFunctions, x0: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The bounded warm-up (:func:`~.optimizer.bounded_warmup`) of the samples ``index``
    of ``functions``' stack from ``x0`` (one row per sample), from the scoring metric
    ``(2 I)^-1`` at ``x0`` (the identity for a sample whose information is singular)."""
    position = variance_index(functions)
    start = warmup_start(x0, position)
    _, information, ok = functions.scoring_terms(start, index, gradient=False)
    metric = np.repeat(np.eye(start.shape[1])[None], start.shape[0], axis=0)
    for k in np.flatnonzero(ok & np.isfinite(information).all(axis=(1, 2))):
        try:
            metric[k] = np.linalg.inv(2.0 * information[k])
        except np.linalg.LinAlgError:
            pass
    return bounded_warmup(lambda members, x, gradient: functions.evaluate(
        x, gradient, index[members]), start, position, metric)


def minimize(functions: MLFunctions, start: np.ndarray | None = None, *,
             gtol: float = 1e-9) -> OptimizationResult:
    """The ML estimates of ``functions`` (see the module notes).

    Parameters
    ----------
    functions : MLFunctions
        On a single sample.
    start : ndarray, optional
        A warm start, tried before the data-based start values.
    gtol : float
        Converged when ``max |dF/dtheta| < gtol``.

    Returns
    -------
    OptimizationResult
        The first converged run (warm start, start values, warm-up, lavaan's start
        values), else the one with the smallest discrepancy; ``fun`` is ``F``
        (``chisq = N F``).
    """
    if start is None and not all(group.complete for group in functions.groups):
        start = _saturated_start(functions, gtol)
    tried = [] if start is None else [functions.full_start(start)]
    tried.append(functions.full_start(start_values(functions.layout, functions.groups)))
    # (start values, drift limit, polished): a warm start, the data-based start values,
    # the bounded warm-up from them, lavaan's start values; each computed when reached
    runs: list[tuple[Callable[[], np.ndarray], int, bool]] = [
        *((lambda x0=x0: x0, DRIFT_AFTER, True) for x0 in tried),
        (lambda: warmed_up(functions, tried[-1], np.zeros(1, dtype=int))[0], DRIFT_AFTER,
         False),
        (lambda: functions.full_start(lavaan_start_values(functions.layout, functions.groups)),
         LAST_DRIFT_AFTER, True)]
    best: OptimizationResult | None = None
    for seed, diverge_after, polish in runs:
        result = fisher_scoring(functions.discrepancy, functions.gradient_and_information,
                                seed(), gtol=gtol, diverge_after=diverge_after,
                                diverge_gradient=DRIFT_GRADIENT)
        best = _better(best, result)
        if result.converged:
            return _polished(functions, result, gtol) if polish else result
    assert best is not None
    return best


def _polished(functions: MLFunctions, result: OptimizationResult, gtol: float,
              max_steps: int = 10) -> OptimizationResult:
    """Finish a fit that scoring accepted on its small-change rule (``max |g|`` up to
    ``sqrt(gtol)``) with full scoring steps while they lower ``F`` and the gradient, so
    that every converged fit sits at ``max |g| < gtol`` where the likelihood allows."""
    x, f, g, info = result.x, result.fun, result.gradient, result.information
    steps = 0
    while np.max(np.abs(g)) >= gtol and steps < max_steps:
        try:
            candidate = x - np.linalg.solve(2.0 * info, g)
            f_new = functions.discrepancy(candidate)
            g_new, info_new = functions.gradient_and_information(candidate)
        except np.linalg.LinAlgError:
            break
        if not (np.isfinite(f_new) and f_new <= f + 1e-15 * (1.0 + abs(f))
                and np.max(np.abs(g_new)) < np.max(np.abs(g))):
            break
        x, f, g, info = candidate, f_new, g_new, info_new
        steps += 1
    if not steps:
        return result
    return OptimizationResult(x, f, g, info, True, result.iterations + steps, result.message)


def _better(best: OptimizationResult | None, result: OptimizationResult) -> OptimizationResult:
    """Converged first, then the smaller discrepancy."""
    if best is None or (result.converged and not best.converged):
        return result
    if result.converged == best.converged and np.isfinite(result.fun) and result.fun < best.fun:
        return result
    return best


def _saturated_start(functions: MLFunctions, gtol: float) -> np.ndarray | None:
    """With missing data: the estimates of the model fitted to each group's saturated
    (EM) moments as if they were complete — one pattern per group, a cheap fit whose
    estimates are close to the full-information ones."""
    groups = [summary_moments(g.cov[0], g.mean[0], g.n[0]) for g in functions.groups]
    result = minimize(MLFunctions(functions.layout, groups), gtol=gtol)
    return result.x if np.isfinite(result.fun) else None


def minimize_stack(functions: MLFunctions, start: np.ndarray,
                   index: np.ndarray | None = None, *, gtol: float = 1e-9
                   ) -> StackedOptimization:
    """:func:`minimize` for samples of a stack of complete data, from a warm start.

    The runs of :func:`minimize` — scoring from ``start``, then from each sample's
    start values, then from the bounded warm-up, then from each sample's lavaan start
    values (each a stacked run for the samples still not converged) — each as one
    stacked scoring run
    (:func:`~.stacked_scoring.stacked_fisher_scoring`, the same rules member by
    member); per sample the better run is kept (converged first, then the smaller
    discrepancy). Converged samples are not polished here (``max |g|`` may be up to
    ``sqrt(gtol)`` where scoring stopped on a small change).

    Parameters
    ----------
    functions : MLFunctions
        On a stack of complete-data samples.
    start : ndarray, shape (n,)
        The warm start (e.g. the full-sample estimates).
    index : ndarray of int, optional
        The samples of the stack to fit (default: all).
    gtol : float

    Returns
    -------
    StackedOptimization
        One entry per sample of ``index``.
    """
    if not all(group.complete for group in functions.groups):
        raise ValueError("minimize_stack needs complete data (one pattern per group)")
    index = np.arange(functions.size) if index is None else np.asarray(index, dtype=int)
    options: dict[str, Any] = {"gtol": gtol, "diverge_after": DRIFT_AFTER,
                               "diverge_gradient": DRIFT_GRADIENT}
    best = stacked_fisher_scoring(functions, start, index, **options)
    rest = np.flatnonzero(~best.converged)
    starts = {int(k): start_values(functions.layout, _member(functions, index[k]))
              for k in rest}
    if rest.size:
        runs = stacked_fisher_scoring(functions, np.array([starts[int(k)] for k in rest]),
                                      index[rest], **options)
        best = _better_members(best, rest, runs)
        rest = np.flatnonzero(~best.converged)
    if rest.size:
        seeds = warmed_up(functions, np.array([starts[int(k)] for k in rest]), index[rest])
        runs = stacked_fisher_scoring(functions, seeds, index[rest], **options)
        best = _better_members(best, rest, runs)
        rest = np.flatnonzero(~best.converged)
    if rest.size:
        seeds = np.array([lavaan_start_values(functions.layout, _member(functions, index[k]))
                          for k in rest])
        runs = stacked_fisher_scoring(functions, seeds, index[rest],
                                      **{**options, "diverge_after": LAST_DRIFT_AFTER})
        best = _better_members(best, rest, runs)
    return best


def _member(functions: MLFunctions, k: int) -> list:
    """Sample ``k`` of a stack of complete data, as single-sample moments per group."""
    return [summary_moments(g.cov[k], g.mean[k], g.n[k]) for g in functions.groups]


def _better_members(best: StackedOptimization, members: np.ndarray,
                    runs: StackedOptimization) -> StackedOptimization:
    """``best`` with member ``members[i]`` replaced by run ``i`` where it is better
    (:func:`_better`: converged first, then the smaller discrepancy)."""
    old = best.converged[members]
    finite_smaller = np.isfinite(runs.fun) & (runs.fun < best.fun[members])
    take = (runs.converged & ~old) | ((runs.converged == old) & finite_smaller)
    chosen = members[take]
    fields = {}
    for name in ("x", "fun", "gradient", "information", "converged", "iterations"):
        values = getattr(best, name).copy()
        values[chosen] = getattr(runs, name)[take]
        fields[name] = values
    messages = list(best.messages)
    for k, message in zip(chosen, np.array(runs.messages, dtype=object)[take]):
        messages[k] = message
    return StackedOptimization(**fields, messages=tuple(messages))


__all__ = ["minimize", "minimize_stack", "variance_index"]
