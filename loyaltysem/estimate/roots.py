"""A bracketing root finder for the one-dimensional equations of the fit indices.

The RMSEA confidence interval (:func:`.fit_indices.rmsea_ci`) solves two
equations ``P(X <= chisq | df, lambda) = target`` for the noncentrality in every
fit; importing ``scipy.optimize`` for them costs about 0.1 s of a command's
start-up. :func:`find_root` is the Illinois variant of regula falsi (Dowell &
Jarratt 1971): the secant through the ends of a bracket that always holds a
sign change, with the function value at an end that is kept twice in a row
halved, which makes it converge superlinearly (order about 1.44) where plain
regula falsi keeps one end fixed and slows down. It cannot leave the bracket.

:func:`find_root_near` starts instead from a good approximation of the root
(and of the slope there) and takes secant steps, order about 1.62 (Dennis &
Schnabel 1983, sec. 2.6), each kept inside the bracket the points evaluated so
far establish; a step that would leave it is replaced by the Illinois step on
the bracket. From an approximation within a few per cent the RMSEA equations
are solved to 1e-12 in five to seven evaluations instead of the sixteen to
twenty that :func:`find_root` needs from ``[0, 2^k chisq]``.

References
----------
Dennis, J. E., & Schnabel, R. B. (1983). Numerical methods for unconstrained
optimization and nonlinear equations. Prentice-Hall.
Dowell, M., & Jarratt, P. (1971). A modified regula falsi method for computing
the root of an equation. BIT Numerical Mathematics, 11(2), 168-174.
"""
from __future__ import annotations

import math
from collections.abc import Callable

from ..exceptions import ConvergenceError


def _value(f: Callable[[float], float], x: float) -> float:
    value = float(f(x))
    if math.isnan(value):
        raise ValueError(f"the function value at x={x!r} is NaN; no root can be bracketed")
    return value


def find_root(f: Callable[[float], float], lower: float, upper: float, *,
              xtol: float = 1e-12, rtol: float = 1e-12, max_iter: int = 500) -> float:
    """A root of the continuous ``f`` in ``[lower, upper]`` (Illinois method).

    Parameters
    ----------
    f : callable
        ``f(lower)`` and ``f(upper)`` of opposite signs (or one of them 0).
    lower, upper : float
        The bracket.
    xtol, rtol : float
        Stop once the bracket is narrower than ``xtol + rtol * |x|``.
    max_iter : int

    Returns
    -------
    float

    Raises
    ------
    ValueError
        No sign change on the bracket, or ``f`` is NaN at a point tried.
    ConvergenceError
        ``max_iter`` secant steps without reaching the tolerance.
    """
    a, b = float(lower), float(upper)
    fa, fb = _value(f, a), _value(f, b)
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    if (fa > 0) == (fb > 0):
        raise ValueError(f"f({a!r}) and f({b!r}) have the same sign: no root is bracketed")
    kept = 0  # +1: a was kept last step, -1: b was kept
    for _ in range(max_iter):
        x = (a * fb - b * fa) / (fb - fa)
        if not a < x < b and not b < x < a:  # rounding at a tiny bracket
            x = 0.5 * (a + b)
        fx = _value(f, x)
        if fx == 0.0:
            return x
        if (fx > 0) == (fb > 0):
            b, fb = x, fx
            if kept == 1:
                fa *= 0.5
            kept = 1
        else:
            a, fa = x, fx
            if kept == -1:
                fb *= 0.5
            kept = -1
        if abs(b - a) < xtol + rtol * abs(x):
            return x
    raise ConvergenceError(f"no root to {xtol:g} + {rtol:g}|x| in {max_iter} steps on "
                           f"[{lower!r}, {upper!r}]")


def find_root_near(f: Callable[[float], float], guess: float, slope: float, *,
                   lower: float, f_lower: float, xtol: float = 1e-12, rtol: float = 1e-12,
                   max_iter: int = 200) -> float:
    """A root of the continuous, decreasing ``f`` on ``[lower, inf)``, from a ``guess``.

    Parameters
    ----------
    f : callable
        Decreasing, with ``f(lower) = f_lower >= 0`` and a sign change above
        ``lower``.
    guess : float
        An approximation of the root (moved into ``(lower, inf)`` if outside).
    slope : float
        An approximation of ``f'`` at the guess (negative): the first step is
        Newton's with it, the later ones are secant steps.
    lower, f_lower : float
        The lower end of the bracket and its value.
    xtol, rtol : float
        Stop once a step or the bracket is narrower than ``xtol + rtol * |x|``.
    max_iter : int

    Returns
    -------
    float

    Raises
    ------
    ValueError
        ``f`` is NaN at a point tried.
    ConvergenceError
        ``max_iter`` evaluations without reaching the tolerance.
    """
    if f_lower == 0.0:
        return lower
    low, f_low = float(lower), float(f_lower)  # f > 0 at low, f < 0 at high
    high, f_high = math.inf, -math.inf
    x = guess if guess > low else low + max(1.0, abs(low))
    fx = _value(f, x)
    previous, f_previous = x, fx
    x_new = x - fx / slope if slope < 0 else x * 2.0
    secant = True  # the step to x_new is Newton's or a secant step (not a safeguard)
    for _ in range(max_iter):
        if fx == 0.0:
            return x
        if fx > 0:
            low, f_low = x, fx
        else:
            high, f_high = x, fx
        if high - low < xtol + rtol * abs(x):
            return x
        if not low < x_new < high:  # Illinois on the bracket, or doubling without one
            secant = False
            x_new = ((low * f_high - high * f_low) / (f_high - f_low) if math.isfinite(high)
                     else low + 2.0 * max(x - low, 1.0))
            if not low < x_new < high:
                x_new = 0.5 * (low + high)
        step = x_new - x
        previous, f_previous, x = x, fx, x_new
        fx = _value(f, x)
        if secant and abs(step) < xtol + rtol * abs(x):
            return x  # a secant step this short: the error is smaller still
        secant = fx != f_previous
        x_new = x - fx * (x - previous) / (fx - f_previous) if secant else 0.5 * (low + high)
        if secant and abs(x_new - x) < xtol + rtol * abs(x) and low < x_new < high:
            return x_new  # the next secant step is below the tolerance: its point is closer
    raise ConvergenceError(f"no root to {xtol:g} + {rtol:g}|x| in {max_iter} evaluations "
                           f"from {guess!r}")


__all__ = ["find_root", "find_root_near"]
