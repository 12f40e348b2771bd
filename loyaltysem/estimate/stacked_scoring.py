"""Fisher scoring for a stack of samples: :func:`~.optimizer.fisher_scoring`, member by
member, in one numpy call per operation.

Every member of the stack follows the rules of
:func:`~loyaltysem.estimate.optimizer.fisher_scoring` on its own sample — the
structured secant step below ``correct_below``, else the damped scoring step
with Armijo backtracking (Levenberg–Marquardt safeguard), and the same stopping
rules (gradient, small change, drift, stall, iteration limit) with the same
messages — so a member ends where the single-sample run ends (to rounding:
the stacked products may sum in another order). Members run in lockstep, one
iteration at a time; a member that stops leaves the stack. What is stacked:
the discrepancy of all candidates, and the gradient and expected information
(:meth:`~.ml.MLFunctions.scoring_terms`) of all accepted points; linear solves
are batched (a singular member is solved alone).

A member's arithmetic does not depend on the other members of its stack, so
results do not depend on how samples are grouped into stacks.

References
----------
Lee, S.-Y., & Jennrich, R. I. (1979). A study of algorithms for covariance
structure analysis with specific comparisons using factor analysis.
Psychometrika, 44(1), 99-113.
Dennis, J. E., Gay, D. M., & Welsch, R. E. (1981). An adaptive nonlinear
least-squares algorithm. ACM Transactions on Mathematical Software, 7(3), 348-368.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .ml import MLFunctions
from .optimizer import StoppingRules

#: Armijo backtracking of the damped step: alpha = 1, 1/2, ... while alpha > 1e-4.
_ALPHAS = 0.5 ** np.arange(14)
#: Tried in these groups, each group's candidates evaluated as one stack.
_ALPHA_GROUPS = tuple(np.split(_ALPHAS, [1, 2, 4, 8]))
_DAMPING_TRIES = 30


@dataclass(frozen=True)
class StackedOptimization:
    """Outcome of :func:`stacked_fisher_scoring`: one entry per member of the stack."""

    x: np.ndarray  # (S, n)
    fun: np.ndarray  # (S,)
    gradient: np.ndarray  # (S, n)
    information: np.ndarray  # (S, n, n)
    converged: np.ndarray  # (S,) bool
    iterations: np.ndarray  # (S,) int
    messages: tuple[str, ...]


def _solve(matrices: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``matrices^-1 vectors`` of a stack and a mask of the solvable (finite) ones."""
    out = np.full(vectors.shape, np.nan)
    ok = np.ones(len(vectors), dtype=bool)
    try:
        out = np.linalg.solve(matrices, vectors[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        for k in range(len(vectors)):
            try:
                out[k] = np.linalg.solve(matrices[k], vectors[k])
            except np.linalg.LinAlgError:
                ok[k] = False
    return out, ok & np.isfinite(out).all(axis=1)


class _Stack:
    """The state of every member and the stacked evaluations of :func:`stacked_fisher_scoring`."""

    def __init__(self, functions: MLFunctions, x0: np.ndarray, index: np.ndarray):
        self.functions, self.index = functions, index
        size, n = x0.shape
        self.x = x0.astype(float).copy()
        self.f = self.objective(np.arange(size), self.x)
        self.g = np.full((size, n), np.nan)
        self.info = np.full((size, n, n), np.nan)
        self.damping = np.zeros(size)
        self.correction = np.zeros((size, n, n))
        self.corrected = np.zeros(size, dtype=bool)  # a correction is held
        self.converged = np.zeros(size, dtype=bool)
        self.iterations = np.zeros(size, dtype=int)
        self.messages = ["maximum number of iterations reached"] * size
        # the members that moved in the last step, their previous points and gradients
        self.previous: tuple[np.ndarray, np.ndarray, np.ndarray] = (
            np.zeros(0, dtype=int), np.zeros((0, n)), np.zeros((0, n)))

    def objective(self, members: np.ndarray, x: np.ndarray) -> np.ndarray:
        return self.functions.evaluate(x, False, self.index[members])[0]

    def terms(self, members: np.ndarray, x: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.functions.scoring_terms(x, self.index[members])

    def stop(self, members: np.ndarray, message: str, converged: bool = False) -> None:
        for k in members:
            self.messages[k] = message
        self.converged[members] = converged


def _secant_steps(stack: _Stack, members: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Full steps on ``2 I + A`` for the members holding a correction: (accepted mask,
    candidates, F) over ``members``."""
    accepted = np.zeros(members.size, dtype=bool)
    candidate, f_new = stack.x[members].copy(), stack.f[members].copy()
    held = np.flatnonzero(stack.corrected[members])
    if held.size:
        k = members[held]
        step, ok = _solve(2.0 * stack.info[k] + stack.correction[k], -stack.g[k])
        slope = (stack.g[k] * step).sum(axis=1)
        ok &= slope < 0
        trial = held[ok]
        if trial.size:
            x = stack.x[members[trial]] + step[ok]
            f = stack.objective(members[trial], x)
            good = np.isfinite(f) & (f <= stack.f[members[trial]] + 1e-4 * slope[ok])
            accepted[trial[good]] = True
            candidate[trial[good]], f_new[trial[good]] = x[good], f[good]
    return accepted, candidate, f_new


def _damped_steps(stack: _Stack, members: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The damped scoring step with Armijo backtracking for ``members``: (accepted,
    candidates, F, alpha); ``stack.damping`` is updated as the single-sample rule."""
    size, n = members.size, stack.x.shape[1]
    accepted = np.zeros(size, dtype=bool)
    candidate, f_new = stack.x[members].copy(), stack.f[members].copy()
    alpha, slopes, steps = np.zeros(size), np.zeros(size), np.zeros((size, n))
    hessian = 2.0 * stack.info[members]
    diagonal = np.diagonal(hessian, axis1=1, axis2=2).copy()
    diagonal[diagonal <= 0] = 1.0
    pending = np.arange(size)
    for _ in range(_DAMPING_TRIES):
        if not pending.size:
            break
        k = members[pending]
        damped = hessian[pending] + stack.damping[k][:, None, None] * (
            diagonal[pending][:, :, None] * np.eye(n))
        steps[pending], solved = _solve(damped, -stack.g[k])
        slopes[pending] = (stack.g[k] * steps[pending]).sum(axis=1)
        searching = pending[solved]
        for alphas in _ALPHA_GROUPS:  # the full step, then shorter ones a few at a time
            if not searching.size:
                break
            _backtrack(stack, members, searching, steps, slopes, alphas,
                       (accepted, candidate, f_new, alpha))
            searching = searching[~accepted[searching]]
        failed = pending[~accepted[pending]]
        stack.damping[members[failed]] = np.maximum(1e-6, stack.damping[members[failed]] * 10)
        pending = failed
    return accepted, candidate, f_new, alpha


def _backtrack(stack: _Stack, members: np.ndarray, searching: np.ndarray, steps: np.ndarray,
               slopes: np.ndarray, alphas: np.ndarray,
               out: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]) -> None:
    """Armijo's rule on the step lengths ``alphas`` for ``searching`` (positions in
    ``members``), all candidates evaluated as one stack; each member takes the first
    (longest) length that passes, as the sequential search would."""
    accepted, candidate, f_new, alpha = out
    k = members[searching]
    x = stack.x[k][None] + alphas[:, None, None] * steps[searching][None]  # (A, m, n)
    f = stack.objective(np.tile(k, alphas.size), x.reshape(-1, x.shape[-1]))
    f = f.reshape(alphas.size, searching.size)
    good = np.isfinite(f) & (f <= stack.f[k][None] + 1e-4 * alphas[:, None] * slopes[searching])
    passed = good.any(axis=0)
    first = np.argmax(good, axis=0)[passed]
    done = searching[passed]
    accepted[done], alpha[done] = True, alphas[first]
    candidate[done] = x[first, np.flatnonzero(passed)]
    f_new[done] = f[first, np.flatnonzero(passed)]


def _secant_updates(stack: _Stack, members: np.ndarray, s: np.ndarray, y: np.ndarray) -> None:
    """Dennis, Gay & Welsch's update of ``A`` for ``members`` so that
    ``(2 I(x_new) + A_new) s = y`` (:func:`~.optimizer._secant_update`): from no
    correction the update starts at ``A = 0``; ``s' y <= 1e-16`` drops the correction."""
    sy = (s * y).sum(axis=1)
    keep = sy > 1e-16
    stack.corrected[members[~keep]] = False
    k, s, y, sy = members[keep], s[keep], y[keep], sy[keep]
    if not k.size:
        return
    a = np.where(stack.corrected[k][:, None, None], stack.correction[k], 0.0)
    r = y - np.matmul(2.0 * stack.info[k], s[:, :, None])[:, :, 0] \
        - np.matmul(a, s[:, :, None])[:, :, 0]
    ry = r[:, :, None] * y[:, None, :]
    yy = y[:, :, None] * y[:, None, :]
    rs = (r * s).sum(axis=1)
    stack.correction[k] = a + (ry + ry.transpose(0, 2, 1)) / sy[:, None, None] \
        - rs[:, None, None] * yy / (sy ** 2)[:, None, None]
    stack.corrected[k] = True


def stacked_fisher_scoring(
    functions: MLFunctions,
    x0: np.ndarray,
    index: np.ndarray | None = None,
    *,
    correct_below: float = 1e-2,
    **rules: Any,
) -> StackedOptimization:
    """Minimise the ML discrepancy of every sample of a stack by
    :func:`~loyaltysem.estimate.optimizer.fisher_scoring` (module notes).

    Parameters
    ----------
    functions : MLFunctions
        On a stack of samples (complete or missing data, one or many groups).
    x0 : ndarray, shape (S, n) or (n,)
        Start values, one row per member (a single row is every member's).
    index : ndarray of int, shape (S,), optional
        The samples of ``functions``' stack the members fit (default: all, in order).
    correct_below : float
        As :func:`~loyaltysem.estimate.optimizer.fisher_scoring`.
    **rules
        The fields of :class:`~loyaltysem.estimate.optimizer.StoppingRules`.

    Returns
    -------
    StackedOptimization
    """
    stopping = StoppingRules(**rules)
    index = np.arange(functions.size) if index is None else np.asarray(index, dtype=int)
    x0 = np.broadcast_to(np.atleast_2d(np.asarray(x0, dtype=float)),
                         (index.size, functions.n_free))
    stack = _Stack(functions, x0, index)
    f_history = np.full((stopping.max_iter + 1, index.size), np.nan)
    f_history[0] = stack.f
    active = _start(stack)
    g_history = np.full((stopping.max_iter + 1, index.size), np.nan)
    g_history[0, active] = np.abs(stack.g[active]).max(axis=1)
    for iteration in range(1, stopping.max_iter + 1):
        if not active.size:
            break
        stack.iterations[active] = iteration
        small = np.abs(stack.g[active]).max(axis=1) < stopping.gtol
        stack.stop(active[small], "gradient below tolerance", True)
        active = active[~small]
        moved, change, alpha = _step(stack, active)
        if moved.size < active.size:
            stack.stop(np.setdiff1d(active, moved),
                       "no step decreases the discrepancy (line search failed)")
        active = _new_points(stack, moved, correct_below)
        f_history[iteration, active] = stack.f[active]
        g_history[iteration, active] = np.abs(stack.g[active]).max(axis=1)
        position = np.searchsorted(moved, active)
        stop, converged, messages = stopping.after_step(
            iteration, change[position], alpha[position], f_history, g_history, active)
        for k, message, ok in zip(active[stop], np.array(messages, dtype=object)[stop],
                                  converged[stop]):
            stack.stop(np.array([k]), str(message), bool(ok))
        active = active[~stop]
    return StackedOptimization(stack.x, stack.f, stack.g, stack.info, stack.converged,
                               stack.iterations, tuple(stack.messages))


def _start(stack: _Stack) -> np.ndarray:
    """Gradient and information at the start values; the members that can start."""
    everyone = np.arange(stack.x.shape[0])
    finite = np.isfinite(stack.f)
    stack.stop(everyone[~finite], "the start values give a non-positive-definite implied "
               "covariance matrix")
    members = everyone[finite]
    if members.size:
        g, info, ok = stack.terms(members, stack.x[members])
        stack.g[members], stack.info[members] = g, info
        stack.stop(members[~ok], "singular implied covariance matrix at the start")
        members = members[ok]
    return members


def _step(stack: _Stack, members: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One accepted step per member where one exists: (members that moved, their
    change of F, their alpha); ``stack.x``/``stack.f`` hold the candidates afterwards
    and the old points and gradients are kept in ``stack.previous``."""
    accepted, candidate, f_new = _secant_steps(stack, members)
    alpha = np.ones(members.size)
    rest = np.flatnonzero(~accepted)
    stack.corrected[members[rest]] = False
    if rest.size:
        ok, x, f, a = _damped_steps(stack, members[rest])
        accepted[rest], candidate[rest], f_new[rest], alpha[rest] = ok, x, f, a
    moved = members[accepted]
    change = stack.f[moved] - f_new[accepted]
    damping = stack.damping[moved]
    stack.damping[moved] = np.where(damping > 1e-8, damping / 10, 0.0)
    stack.previous = (moved, stack.x[moved].copy(), stack.g[moved].copy())
    stack.x[moved], stack.f[moved] = candidate[accepted], f_new[accepted]
    return moved, change, alpha[accepted]


def _new_points(stack: _Stack, moved: np.ndarray, correct_below: float) -> np.ndarray:
    """Gradient, information and secant correction at the accepted points; the members
    whose implied covariance stayed positive definite (the others stop)."""
    if not moved.size:
        return moved
    _, x_old, g_old = stack.previous
    g_new, info, ok = stack.terms(moved, stack.x[moved])
    stack.stop(moved[~ok], "the implied covariance matrix became singular")
    good = np.flatnonzero(ok)
    k = moved[good]
    stack.info[k] = info[good]
    near = np.abs(g_new[good]).max(axis=1) < correct_below
    if near.any():
        _secant_updates(stack, k[near], stack.x[k[near]] - x_old[good][near],
                        g_new[good][near] - g_old[good][near])
    stack.g[k] = g_new[good]
    return k


__all__ = ["StackedOptimization", "stacked_fisher_scoring"]
