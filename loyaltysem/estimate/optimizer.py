"""Fisher scoring for the ML discrepancy, to lavaan-grade convergence.

semopy's default (SLSQP on bounded variances) stops early on several loyalty
models (corp_rep: chi-square 168.8 where lavaan's optimum is 105.1). ML
estimation of covariance structures has a natural second-order method: the
expected Hessian of ``F`` is twice the Fisher information, available in closed
form from the derivatives of Sigma. Scoring steps with a Levenberg–Marquardt
safeguard and a backtracking line search converge in a few dozen iterations
from semopy's start values and in a handful from a warm start (bootstrap).

Variances are not bounded (as in lavaan): negative variance estimates
(Heywood cases) are reported, not hidden by a bound.

References
----------
Lee, S.-Y., & Jennrich, R. I. (1979). A study of algorithms for covariance
structure analysis with specific comparisons using factor analysis.
Psychometrika, 44(1), 99-113.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize


@dataclass(frozen=True)
class OptimizationResult:
    """Outcome of :func:`fisher_scoring`."""

    x: np.ndarray
    fun: float
    gradient: np.ndarray
    information: np.ndarray
    converged: bool
    iterations: int
    message: str


def fisher_scoring(
    objective: Callable[[np.ndarray], float],
    gradient_and_information: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    x0: np.ndarray,
    *,
    gtol: float = 1e-9,
    ftol: float = 1e-14,
    max_iter: int = 500,
    dx_tol: float | None = None,
    stall_window: int = 25,
    diverge_after: int | None = None,
    diverge_gradient: float = 1.0,
) -> OptimizationResult:
    """Minimise an ML discrepancy by damped Fisher scoring.

    Parameters
    ----------
    objective : callable
        ``F(x)``; ``inf`` where the implied covariance is not positive definite.
    gradient_and_information : callable
        ``x -> (dF/dx, I(x))`` with ``2 I`` the expected Hessian of ``F``.
    x0 : ndarray
        Start values.
    gtol : float
        Converged when ``max |dF/dx| < gtol``.
    ftol : float
        ... or when a full step changes ``F`` by less than ``ftol * (1 + F)``
        and the gradient is below ``sqrt(gtol)`` (or ``dx_tol``, if given).
    max_iter : int
    dx_tol : float, optional
        lavaan's acceptance rule (``optim.dx.tol = 1e-3`` on ``F/2``): with
        ``dx_tol`` set, a step that changes ``F`` by less than ``ftol (1 + F)``
        ends the search as converged when ``max |dF/dx| < dx_tol``.
    stall_window : int
        When ``F`` has decreased by less than ``ftol (1 + F)`` per iteration
        over this many iterations: converged if the gradient is below the
        acceptance bound (``sqrt(gtol)``, or ``dx_tol``), otherwise stop as not
        converged — the estimates drift along a direction without an interior
        optimum (improper solutions in bootstrap resamples).
    diverge_after, diverge_gradient : int, float
        If set: stop as not converged when, after ``diverge_after`` scoring
        iterations, the gradient is still above ``diverge_gradient``. From a
        warm start a regular resample is within 1e-2 of its optimum after a
        few dozen iterations; one whose gradient is still large is drifting
        towards an improper solution (used by the bootstrap).

    Returns
    -------
    OptimizationResult
    """
    x = np.asarray(x0, dtype=float).copy()
    f = objective(x)
    if not np.isfinite(f):
        return OptimizationResult(x, f, np.full_like(x, np.nan), np.full((x.size, x.size), np.nan),
                                  False, 0, "the start values give a non-positive-definite "
                                  "implied covariance matrix")
    damping = 0.0
    try:
        g, info = gradient_and_information(x)
    except np.linalg.LinAlgError:
        return OptimizationResult(x, f, np.full_like(x, np.nan), np.full((x.size, x.size), np.nan),
                                  False, 0, "singular implied covariance matrix at the start")
    message = "maximum number of iterations reached"
    converged = False
    iteration = 0
    history = [f]
    accept = np.sqrt(gtol) if dx_tol is None else dx_tol
    for iteration in range(1, max_iter + 1):
        if np.max(np.abs(g)) < gtol:
            converged, message = True, "gradient below tolerance"
            break
        hessian = 2.0 * info
        diagonal = np.diag(hessian).copy()
        diagonal[diagonal <= 0] = 1.0
        accepted = False
        for _ in range(30):
            try:
                step = -np.linalg.solve(hessian + damping * np.diag(diagonal), g)
            except np.linalg.LinAlgError:
                damping = max(1e-6, damping * 10)
                continue
            if not np.all(np.isfinite(step)):
                damping = max(1e-6, damping * 10)
                continue
            alpha = 1.0
            while alpha > 1e-4:
                candidate = x + alpha * step
                f_new = objective(candidate)
                if np.isfinite(f_new) and f_new <= f + 1e-4 * alpha * float(g @ step):
                    accepted = True
                    break
                alpha *= 0.5
            if accepted:
                break
            damping = max(1e-6, damping * 10)
        if not accepted:
            message = "no step decreases the discrepancy (line search failed)"
            break
        change = f - f_new
        x, f = candidate, f_new
        damping = damping / 10 if damping > 1e-8 else 0.0
        try:
            g, info = gradient_and_information(x)
        except np.linalg.LinAlgError:
            message = "the implied covariance matrix became singular"
            break
        history.append(f)
        small_change = change < ftol * (1.0 + f)
        if small_change and np.max(np.abs(g)) < accept and (alpha == 1.0 or dx_tol is not None):
            converged, message = True, "relative change in the discrepancy below tolerance"
            break
        if diverge_after is not None and iteration >= diverge_after \
                and np.max(np.abs(g)) > diverge_gradient:
            message = (f"diverging: gradient {np.max(np.abs(g)):.2g} after {iteration} "
                       "iterations (estimates drift towards an improper solution)")
            break
        if (len(history) > stall_window
                and history[-stall_window - 1] - f < ftol * (1.0 + f) * stall_window):
            if np.max(np.abs(g)) < accept:
                converged, message = True, "the discrepancy no longer decreases; gradient small"
                break
            message = (f"stalled: the discrepancy no longer decreases but the gradient is "
                       f"{np.max(np.abs(g)):.2g} (no interior optimum; estimates drift)")
            break
    return OptimizationResult(x, f, g, info, converged, iteration, message)


def bounded_warmup(
    objective: Callable[[np.ndarray], float],
    gradient: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    variance_index: Sequence[int],
    *,
    max_iter: int = 300,
) -> np.ndarray:
    """Bring poor start values into the basin of the optimum.

    L-BFGS-B with variances kept non-negative; from arbitrary start values
    unbounded scoring can drift along directions where one variance goes to
    -inf and another to +inf. The result only seeds :func:`fisher_scoring`,
    which then finds the unbounded (lavaan) optimum, negative variances
    included.
    """
    bounds: list[tuple[float | None, float | None]] = [(None, None)] * len(x0)
    start = np.asarray(x0, dtype=float).copy()
    for k in variance_index:
        bounds[k] = (0.0, None)
        start[k] = max(start[k], 1e-3)

    def safe_objective(x: np.ndarray) -> float:
        value = objective(x)
        return value if np.isfinite(value) else 1e10

    def safe_gradient(x: np.ndarray) -> np.ndarray:
        if not np.isfinite(objective(x)):
            return np.zeros_like(x)
        try:
            return gradient(x)
        except np.linalg.LinAlgError:  # singular implied covariance on the boundary
            return np.zeros_like(x)

    result = optimize.minimize(safe_objective, start, jac=safe_gradient, method="L-BFGS-B",
                               bounds=bounds, options={"maxiter": max_iter, "ftol": 1e-12,
                                                       "gtol": 1e-8})
    return result.x if np.isfinite(objective(result.x)) else start


def scoring_bfgs(
    objective: Callable[[np.ndarray], float],
    gradient: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    information: np.ndarray,
    *,
    ftol: float = 1e-10,
    dx_tol: float = 2e-3,
    max_iter: int = 60,
) -> OptimizationResult:
    """BFGS started from the Fisher-scoring metric, for warm-started refits.

    The inverse Hessian starts at ``(2 I(x0))^-1`` — the first step is a
    Fisher-scoring step — and is refined by BFGS updates (Nocedal & Wright
    2006, eq. 6.17), which learn the misfit part of the Hessian that scoring
    ignores: about half the iterations of scoring on well-conditioned models,
    each needing only a gradient. Converged on lavaan's rule (relative change
    of ``F`` below ``ftol`` and ``max |grad| < dx_tol``).

    References
    ----------
    Nocedal, J., & Wright, S. J. (2006). Numerical optimization (2nd ed.).
    Springer.
    """
    x = np.asarray(x0, dtype=float).copy()
    f = objective(x)
    g = gradient(x)
    empty = np.full((x.size, x.size), np.nan)
    try:
        inverse = np.linalg.inv(2.0 * information)
    except np.linalg.LinAlgError:
        return OptimizationResult(x, f, g, empty, False, 0, "singular information")
    identity = np.eye(x.size)
    for iteration in range(1, max_iter + 1):
        step = -inverse @ g
        slope = float(g @ step)
        if slope >= 0:
            return OptimizationResult(x, f, g, empty, False, iteration, "not a descent direction")
        alpha = 1.0
        while True:
            candidate = x + alpha * step
            f_new = objective(candidate)
            if np.isfinite(f_new) and f_new <= f + 1e-4 * alpha * slope:
                break
            alpha *= 0.5
            if alpha < 1e-6:
                return OptimizationResult(x, f, g, empty, False, iteration, "line search failed")
        g_new = gradient(candidate)
        s, y = candidate - x, g_new - g
        sy = float(s @ y)
        if sy > 1e-16:
            rho = 1.0 / sy
            v = identity - rho * np.outer(s, y)
            inverse = v @ inverse @ v.T + rho * np.outer(s, s)
        change = f - f_new
        x, f, g = candidate, f_new, g_new
        if change < ftol * (1.0 + f) and np.max(np.abs(g)) < dx_tol:
            return OptimizationResult(x, f, g, empty, True, iteration,
                                      "relative change in the discrepancy below tolerance")
    return OptimizationResult(x, f, g, empty, False, max_iter, "maximum number of iterations reached")


def observed_information_from_gradient(gradient: Callable[[np.ndarray], np.ndarray],
                                       x: np.ndarray, relative_step: float = 1e-5) -> np.ndarray:
    """Observed unit information ``Hessian(F) / 2`` from the analytic gradient of ``F``.

    Central differences of the gradient with step ``relative_step * max(1, |x_k|)``,
    symmetrised — lavaan's ``observed.information = "hessian"`` (the Hessian of
    ``F / 2`` with ``F`` the discrepancy per case).
    """
    n = x.size
    hessian = np.zeros((n, n))
    for k in range(n):
        step = relative_step * max(1.0, abs(x[k]))
        up, down = x.copy(), x.copy()
        up[k] += step
        down[k] -= step
        hessian[:, k] = (gradient(up) - gradient(down)) / (2 * step)
    return 0.25 * (hessian + hessian.T)
