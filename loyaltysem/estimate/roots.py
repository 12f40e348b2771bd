"""A bracketing root finder for the one-dimensional equations of the fit indices.

The RMSEA confidence interval (:func:`.fit_indices.rmsea_ci`) solves two
equations ``P(X <= chisq | df, lambda) = target`` for the noncentrality in every
fit; importing ``scipy.optimize`` for them costs about 0.1 s of a command's
start-up. :func:`find_root` is the Illinois variant of regula falsi (Dowell &
Jarratt 1971): the secant through the ends of a bracket that always holds a
sign change, with the function value at an end that is kept twice in a row
halved, which makes it converge superlinearly (order about 1.44) where plain
regula falsi keeps one end fixed and slows down. It cannot leave the bracket.

References
----------
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


__all__ = ["find_root"]
