"""Brent's root finder, step for step as ``scipy.optimize.brentq``.

The RMSEA confidence interval (:func:`.fit_indices.rmsea_ci`) solves two
one-dimensional equations in every fit; ``scipy.optimize`` costs about
0.1 s to import for that. :func:`brentq` is a line-by-line port of scipy's C
routine (``scipy/optimize/Zeros/brentq.c``, Charles Harris), so it takes the
same steps in the same IEEE double arithmetic and returns the same root bit
for bit (``tests/test_distributions.py``).
"""
from __future__ import annotations

import math
from collections.abc import Callable

from ..exceptions import ConvergenceError


def _signbit(value: float) -> bool:
    return math.copysign(1.0, value) < 0


def _value(f: Callable[[float], float], x: float) -> float:
    value = float(f(x))
    if math.isnan(value):  # as scipy's brentq: a NaN stops the search
        raise ValueError(f"The function value at x={x} is NaN; solver cannot continue.")
    return value


def brentq(f: Callable[[float], float], xa: float, xb: float, *, xtol: float = 2e-12,
           rtol: float = 8.881784197001252e-16, maxiter: int = 100) -> float:
    """A root of ``f`` in ``[xa, xb]`` by Brent's method (Brent 1973, ch. 4).

    Parameters
    ----------
    f : callable
        A continuous function with ``f(xa)`` and ``f(xb)`` of opposite signs.
    xa, xb : float
        The bracket.
    xtol, rtol : float
        The root is returned once the bracket is narrower than
        ``xtol + rtol |x|`` (scipy's defaults).
    maxiter : int
        Maximum number of iterations.

    Returns
    -------
    float
        The root (scipy's ``brentq(f, xa, xb, xtol=xtol, rtol=rtol)``).

    Raises
    ------
    ValueError
        If ``f(xa)`` and ``f(xb)`` have the same sign, or ``f`` returns NaN.
    ConvergenceError
        If ``maxiter`` iterations do not reach the tolerance.

    Notes
    -----
    Each step tries inverse quadratic (or linear) interpolation between the
    current estimate, the previous one and the bracket end, and bisects when
    the step would leave the bracket or shrink it too slowly.

    References
    ----------
    Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*.
    Prentice-Hall.
    """
    xpre, xcur = float(xa), float(xb)
    fpre, fcur = _value(f, xpre), _value(f, xcur)
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if _signbit(fpre) == _signbit(fcur):
        raise ValueError(f"f({xa}) and f({xb}) must have different signs; got {fpre}, {fcur}")
    xblk = fblk = spre = scur = 0.0
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and _signbit(fpre) != _signbit(fcur):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        spre, scur = _next_step(xpre, xcur, xblk, fpre, fcur, fblk, spre, scur, sbis, delta)
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = _value(f, xcur)
    raise ConvergenceError(f"brentq did not converge in {maxiter} iterations (last x = {xcur})")


def _next_step(xpre: float, xcur: float, xblk: float, fpre: float, fcur: float, fblk: float,
               spre: float, scur: float, sbis: float, delta: float) -> tuple[float, float]:
    """The (previous, current) step sizes of one Brent iteration: interpolation when it
    is a good short step, bisection otherwise."""
    if abs(spre) > delta and abs(fcur) < abs(fpre):
        if xpre == xblk:  # interpolate
            stry = -fcur * (xcur - xpre) / (fcur - fpre)
        else:  # extrapolate
            dpre = (fpre - fcur) / (xpre - xcur)
            dblk = (fblk - fcur) / (xblk - xcur)
            stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
        if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):  # good short step
            return scur, stry
    return sbis, sbis


__all__ = ["brentq"]
