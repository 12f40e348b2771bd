"""The normal and (noncentral) chi-square distribution functions loyaltysem needs.

Written here from the numerical literature instead of imported from
:mod:`scipy.special`: importing ``scipy.special`` costs a ``loyaltysem fit``
about 0.2 s of its 0.7 s (scipy 1.17's ``_support_alternative_backends``
imports the vendored array-api-compat, which imports ``numpy.f2py``), while
the fit needs only a few tails and quantiles. Only :mod:`math` and NumPy are
imported. The values agree with ``scipy.stats`` (and so with R's ``pnorm``,
``pchisq``, ``qchisq``) to a relative error of about 1e-14 or better
(``tests/test_distributions.py`` gives the observed maxima and checks them);
the edges of the support and invalid parameters give what ``scipy.stats``
gives (NaN).

=====================  ===============================================  ===================
function               computed as                                      scipy.stats
=====================  ===============================================  ===================
:func:`norm_cdf`       ``erfc(-x / sqrt 2) / 2`` (Cody 1969)            ``norm.cdf(x)``
:func:`norm_sf`        ``erfc(x / sqrt 2) / 2``                         ``norm.sf(x)``
:func:`norm_ppf`       A&S 26.2.23 start, Halley steps on the tail      ``norm.ppf(q)``
:func:`chi2_cdf`       ``P(df/2, x/2)``: series A&S 6.5.29               ``chi2.cdf(x, df)``
:func:`chi2_sf`        ``Q(df/2, x/2)``: Legendre fraction A&S 6.5.31    ``chi2.sf(x, df)``
:func:`chi2_ppf`       Wilson-Hilferty start, Newton steps on the tail  ``chi2.ppf(q, df)``
:func:`chi2_isf`       the same, for the upper tail probability         ``chi2.isf(q, df)``
:func:`ncx2_cdf`       Poisson mixture of ``P`` from the mode (AS 275)  ``ncx2.cdf(x, df, nc)``
:func:`ncx2_sf`        Poisson mixture of ``Q`` from the mode           ``ncx2.sf(x, df, nc)``
=====================  ===============================================  ===================

Every function takes scalars or arrays (broadcast) and returns a NumPy float
for scalar input, an array otherwise (as ``scipy.stats`` does). The normal
functions are vectorized NumPy (they evaluate the p-values of large
arrays); the gamma and noncentral functions are scalar :mod:`math` code
applied element by element, which keeps a scalar call (the RMSEA interval's
root finder calls the noncentral CDF some 30 times per fit) in the tens of
microseconds.

References
----------
Abramowitz, M., & Stegun, I. A. (1964). *Handbook of Mathematical Functions*.
National Bureau of Standards (6.1.40, 6.5.29, 6.5.31, 26.2.23, 26.4.17).
Benton, D., & Krishnamoorthy, K. (2003). Computing discrete mixtures of
continuous distributions: noncentral chisquare, noncentral t and the
distribution of the square of the sample multiple correlation coefficient.
*Computational Statistics & Data Analysis*, 43(2), 249-267.
Cody, W. J. (1969). Rational Chebyshev approximations for the error function.
*Mathematics of Computation*, 23(107), 631-637.
Ding, C. G. (1992). Algorithm AS 275: Computing the non-central chi-squared
distribution function. *Applied Statistics*, 41(2), 478-482.
Lentz, W. J. (1976). Generating Bessel functions in Mie scattering calculations
using continued fractions. *Applied Optics*, 15(3), 668-671; modified by
Thompson, I. J., & Barnett, A. R. (1986). *Journal of Computational Physics*,
64(2), 490-509.
Loader, C. (2000). Fast and accurate computation of binomial probabilities
(the saddle-point form of Poisson probabilities used in :func:`_log_term`).
Wilson, E. B., & Hilferty, M. M. (1931). The distribution of chi-square.
*Proceedings of the National Academy of Sciences*, 17(12), 684-688.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

#: Relative rounding of a double, the stopping threshold of every series.
_EPS = 2.0**-53
_SQRT1_2 = 0.70710678118654752440
_SQRT_2PI = 2.50662827463100050242
_INV_SQRT_PI = 0.56418958354775628695
#: Terms of any one series, fraction or mixture before it is declared divergent.
_MAX_TERMS = 100_000

# --------------------------------------------------------------------------- normal
# Cody (1969), as tabulated in his SPECFUN routine CALERF (ACM TOMS 715, 1993):
# erf(t) = t A(t^2) / B(t^2) for |t| <= 0.5, erfc(t) = exp(-t^2) C(t) / D(t) for
# 0.5 < t <= 4, erfc(t) = exp(-t^2) / t (1/sqrt(pi) + t^-2 P(t^-2) / Q(t^-2)) beyond.
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)


def _half_erf_small(t: np.ndarray) -> np.ndarray:
    """``erf(t) / 2`` for ``|t| <= 0.5`` (Cody's first approximation, relative error
    below 1e-16: no cancellation near 0)."""
    s = t * t
    num, den = _A[4] * s, s
    for k in range(3):
        num = (num + _A[k]) * s
        den = (den + _B[k]) * s
    return 0.5 * t * (num + _A[3]) / (den + _B[3])


def _mills_half(t: np.ndarray) -> np.ndarray:
    """``exp(t^2) erfc(t) / 2`` for ``t >= 0.5`` (Cody's second and third
    approximations): the upper normal tail at ``x = t sqrt 2`` is this times
    ``exp(-x^2 / 2)``."""
    mid = np.minimum(t, 4.0)
    num, den = _C[8] * mid, mid
    for k in range(7):
        num = (num + _C[k]) * mid
        den = (den + _D[k]) * mid
    middle = (num + _C[7]) / (den + _D[7])
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 1.0 / (np.maximum(t, 4.0) ** 2)
        num, den = _P[5] * r, r
        for k in range(4):
            num = (num + _P[k]) * r
            den = (den + _Q[k]) * r
        far = (_INV_SQRT_PI - r * (num + _P[4]) / (den + _Q[4])) / np.maximum(t, 4.0)
    return 0.5 * np.where(t <= 4.0, middle, far)


def _half_square_split(ax: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(h, d)`` with ``x^2 / 2 = h + d``, ``h`` exact: ``x`` cut to a multiple of
    1/16 (Cody's device), so ``exp(-x^2/2) = exp(-h) exp(-d)`` keeps full relative
    precision where ``x^2`` itself would lose ``x^2`` ulps in the exponent."""
    cut = np.trunc(ax * 16.0) / 16.0
    return 0.5 * cut * cut, 0.5 * (ax - cut) * (ax + cut)


def _upper_tail(ax: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(1 - Phi(x), log(1 - Phi(x)))`` for ``x = ax >= 0.5 sqrt 2`` (finite)."""
    h, d = _half_square_split(ax)
    mills = _mills_half(ax * _SQRT1_2)
    with np.errstate(under="ignore"):
        return np.exp(-h) * np.exp(-d) * mills, np.log(mills) - h - d


def _log_sf_and_mills(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(log(1 - Phi(x)), (1 - Phi(x)) / phi(x))`` for finite ``x >= 0``: the
    logarithm of the upper tail and the Mills ratio, neither of which underflows."""
    t = x * _SQRT1_2
    small = t < 0.5
    _, log_tail = _upper_tail(np.where(small, 1.0, x))
    mills_tail = _mills_half(np.where(small, 1.0, t)) * _SQRT_2PI
    central = 0.5 - _half_erf_small(np.where(small, t, 0.0))
    log_sf = np.where(small, np.log(central), log_tail)
    mills = np.where(small, central * _SQRT_2PI * np.exp(0.5 * x * x), mills_tail)
    return log_sf, mills


def _sf(x: np.ndarray) -> np.ndarray:
    """``1 - Phi(x)`` on a float array, NaN kept, ``+-inf`` handled."""
    ax = np.abs(x)
    finite = np.where(np.isfinite(ax), ax, 0.0)
    small = ax * _SQRT1_2 <= 0.5
    central = 0.5 - _half_erf_small(np.where(small, x, 0.0) * _SQRT1_2)
    tail, _ = _upper_tail(np.where(small, 1.0, finite))
    tail = np.where(ax == np.inf, 0.0, tail)
    out = np.where(small, central, np.where(x > 0, tail, 1.0 - tail))
    return np.where(np.isnan(x), np.nan, out)


def norm_cdf(x: npt.ArrayLike) -> Any:
    """Standard normal CDF ``Phi(x)`` (``scipy.stats.norm.cdf``, R's ``pnorm``).

    Notes
    -----
    ``Phi(x) = erfc(-x / sqrt 2) / 2`` with Cody's (1969) rational Chebyshev
    approximations of ``erf`` on ``|t| <= 0.5`` and of ``exp(t^2) erfc(t)`` on
    ``[0.5, 4]`` and beyond 4; the factor ``exp(-x^2 / 2)`` is taken with
    ``x`` split at a multiple of 1/16 so the lower tail keeps full relative
    precision down to its underflow near ``x = -38.5``.
    """
    return _sf(-np.asarray(x, dtype=float))[()]


def norm_sf(x: npt.ArrayLike) -> Any:
    """Standard normal upper tail ``1 - Phi(x) = Phi(-x)``, without cancellation
    (``scipy.stats.norm.sf``; two-sided p-value: ``2 norm_sf(|z|)``). Computed as
    :func:`norm_cdf` (Cody 1969)."""
    return _sf(np.asarray(x, dtype=float))[()]


def norm_ppf(q: npt.ArrayLike) -> Any:
    """Standard normal quantile ``Phi^-1(q)`` (``scipy.stats.norm.ppf``, R's
    ``qnorm``): -inf at 0, inf at 1, NaN outside [0, 1].

    Notes
    -----
    Start: Abramowitz & Stegun 26.2.23 (absolute error below 4.5e-4) on the
    smaller tail ``p = min(q, 1 - q)`` (exact: ``1 - q`` is, for ``q >= 1/2``). Then
    Halley steps on the equation in the form that keeps relative precision:
    in the centre (``|q - 0.5| <= 0.26``) on ``erf(x / sqrt 2) / 2 = q - 0.5``
    (``q - 0.5`` exact, so a quantile near 0 has full relative precision), in
    the tails on ``log(1 - Phi(x)) = log p`` through the Mills ratio, which
    neither underflows nor cancels. Halley's method converges cubically: three
    steps from the start reach the rounding level; a fourth is taken.
    """
    q_ = np.asarray(q, dtype=float)
    r = q_ - 0.5
    p = np.where(r <= 0, q_, 1.0 - q_)  # the smaller tail, exactly
    ok = (p > 0) & (p <= 0.5)
    p_ok = np.where(ok, p, 0.25)
    t = np.sqrt(-2.0 * np.log(p_ok))
    x = t - (2.515517 + t * (0.802853 + t * 0.010328)) / (
        1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)))  # x > 0: the upper quantile of p
    central = np.abs(r) <= 0.26
    log_p = np.log(p_ok)
    for _ in range(4):
        # centre: g(x) = erf(x/sqrt2)/2 - |r|, g' = phi(x), g''/g' = -x
        small = _half_erf_small(np.minimum(x, 0.7071) * _SQRT1_2)
        phi = np.exp(-0.5 * x * x) / _SQRT_2PI
        h_centre = (small - np.abs(r)) / phi
        x_centre = x - h_centre / (1.0 + 0.5 * x * h_centre)
        # tail: g(x) = log(1 - Phi(x)) - log p; h = (sf - p) / phi = M(x) (1 - p / sf)
        log_sf, mills = _log_sf_and_mills(np.clip(x, 0.0, 40.0))
        h_tail = -mills * np.expm1(log_p - log_sf)
        x_tail = x + h_tail / (1.0 - 0.5 * x * h_tail)
        x = np.where(central, x_centre, x_tail)
    out = np.where(r < 0, -x, x)
    out = np.where(p == 0, np.where(r < 0, -np.inf, np.inf), out)
    out = np.where(r == 0, 0.0, out)
    return np.where((q_ >= 0) & (q_ <= 1), out, np.nan)[()]


# --------------------------------------------------------------------------- gamma
#: Stirling's series of ``log Gamma(a) - (a - 1/2) log a + a - log sqrt(2 pi)``
#: (A&S 6.1.40): ``B_2k / (2k (2k - 1))`` for k = 1..8; truncation below 1e-17 at a >= 10.
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156,
             -3617 / 122400)


def _stirling_correction(a: float) -> float:
    """``log Gamma(a) - ((a - 1/2) log a - a + log sqrt(2 pi))`` for ``a >= 10``."""
    r = 1.0 / (a * a)
    total = 0.0
    for c in reversed(_STIRLING):
        total = total * r + c
    return total / a


def _deviance(a: float, y: float) -> float:
    """``a log(a / y) + y - a >= 0`` without cancellation when ``a`` is near ``y``.

    With ``v = (a - y) / (a + y)``, ``log(a / y) = 2 (v + v^3/3 + v^5/5 + ...)``, so
    the deviance is ``v (a - y) + 2a (v^3/3 + v^5/5 + ...)``, whose terms do not
    cancel; used for ``|v| < 1/2`` (at most about 26 terms). The direct form
    would lose ``a`` ulps: ``a log(a/y)`` and ``y - a`` are each of the order of
    ``a``, their sum can be far smaller. Beyond ``|v| = 1/2`` they cancel by at
    most a factor 2.5."""
    if abs(a - y) < 0.5 * (a + y):
        v = (a - y) / (a + y)
        v2 = v * v
        first = (a - y) * v
        power = 2.0 * a * v
        tail = 0.0  # summed apart from the first term: fewer roundings at its scale
        k = 1
        while True:
            power *= v2
            piece = power / (2 * k + 1)
            tail += piece
            if abs(piece) <= _EPS * (first + tail):
                return first + tail
            k += 1
    return a * math.log(a / y) + y - a


def _log_term(a: float, y: float) -> tuple[float, float]:
    """``(t, log t)`` of ``t = y^a exp(-y) / Gamma(a + 1)`` (``a >= 0``, ``y > 0``).

    This is the prefactor of both incomplete gamma functions and, for integer
    ``a``, the Poisson probability of ``a`` at mean ``y``. Its logarithm is the
    difference of terms of the order of ``a log y``: for ``a >= 10`` it is taken
    in the saddle-point form ``-(a log(a/y) + y - a) - log sqrt(2 pi a) - s(a)``
    (:func:`_deviance`, Stirling's correction ``s``; Loader 2000), whose terms
    are small near the peak; below 10 directly, with ``exp(-y)`` a factor of
    its own (``y`` is exact, so it is correctly rounded where ``a log y - y``
    would lose ``y`` ulps).
    """
    if a >= 10.0:
        head = -_stirling_correction(a) - 0.5 * math.log(2.0 * math.pi * a)
        deviance = _deviance(a, y)
        log_t = head - deviance
        return (math.exp(head) * math.exp(-deviance) if deviance < 700.0
                else math.exp(log_t)), log_t
    head = (a * math.log(y) if a > 0 else 0.0) - math.lgamma(a + 1.0)
    log_t = head - y
    if y < 700.0 and abs(head) < 700.0:
        return math.exp(head) * math.exp(-y), log_t
    return (math.exp(log_t) if log_t > -745.2 else 0.0), log_t


def _lower_series(a: float, y: float) -> float:
    """``S`` with ``P(a, y) = t S`` (A&S 6.5.29): ``sum_n y^n / ((a+1)...(a+n))``,
    positive terms that shrink once ``n > y - a`` (used for ``y < a + 1``)."""
    term = total = 1.0
    n = a
    for _ in range(_MAX_TERMS):
        n += 1.0
        term *= y / n
        total += term
        if term <= _EPS * total:
            return total
    return math.nan  # pragma: no cover - y < a + 1 converges in O(sqrt(a)) terms


def _upper_fraction(a: float, y: float) -> float:
    """``F`` with ``Q(a, y) = a t F`` (A&S 6.5.31, Legendre's continued fraction
    ``1 / (y + 1 - a - 1(1 - a) / (y + 3 - a - 2(2 - a) / (y + 5 - a - ...)))``),
    evaluated forward by the modified Lentz method (used for ``y >= a + 1``,
    where every denominator is positive)."""
    tiny = 1e-300
    b = y + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    f = d
    for i in range(1, _MAX_TERMS):
        numerator = -i * (i - a)
        b += 2.0
        d = numerator * d + b
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = b + numerator / c
        if abs(c) < tiny:
            c = tiny
        delta = c * d
        f *= delta
        if abs(delta - 1.0) <= _EPS:
            return f
    return math.nan  # pragma: no cover


def _gamma_pq(a: float, y: float) -> tuple[float, float, float]:
    """``(P(a, y), Q(a, y), t)``, the regularized incomplete gamma functions and
    their prefactor :func:`_log_term`, for ``a > 0``, ``0 < y < inf``. The one
    of the two on its side of ``a + 1`` is computed directly (full relative
    precision, the small one is always this one), the other as its complement."""
    t, _ = _log_term(a, y)
    if y < a + 1.0:
        p = t * _lower_series(a, y)
        return p, 1.0 - p, t
    q = a * t * _upper_fraction(a, y)
    return 1.0 - q, q, t


def _normal_start(p: float) -> float:
    """The upper normal quantile of ``0 < p <= 1/2`` to 4.5e-4 (A&S 26.2.23)."""
    t = math.sqrt(-2.0 * math.log(p))
    return t - (2.515517 + t * (0.802853 + t * 0.010328)) / (
        1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)))


def _gamma_inverse(a: float, p: float, q: float) -> float:
    """``y`` with ``P(a, y) = p`` and ``Q(a, y) = q`` (``p + q = 1``, the smaller
    one exact), ``0 < p, q < 1``.

    Newton's method in ``u = log y`` on the logarithm of the smaller tail:
    ``log P(a, e^u)`` and ``log Q(a, e^u)`` are concave in ``u`` (they are the
    tails of ``log Y``, ``Y ~ Gamma(a)``, whose density ``exp(a u - e^u)`` is
    log-concave), so the iteration converges from any start, crossing the root
    at most once. The logarithms of the tails come from :func:`_log_term` and the
    series or fraction (no underflow), and ``y`` is updated by the factor
    ``exp(step)`` so it keeps its own relative precision.

    Start: Wilson & Hilferty (1931; A&S 26.4.17)
    ``a (1 - 1/(9a) + z / (3 sqrt a))^3``, ``z`` the normal quantile of ``p``
    (to 4.5e-4, A&S 26.2.23: the start needs no more);
    in the lower tail at least ``(p Gamma(a + 1))^(1/a)`` (the root of the
    series' first term, never above the root); in the upper tail at most the
    root of ``Q ~ y^(a-1) e^-y / Gamma(a)`` where that is beyond ``a + 1``.
    """
    lower = p <= q
    z = -_normal_start(p) if lower else _normal_start(q)
    c = 1.0 / (9.0 * a)
    base = 1.0 - c + z * math.sqrt(c)
    wilson = a * base**3 if base > 0 else 0.0  # 0: no start
    if lower:
        log_small = (math.log(p) + math.lgamma(a + 1.0)) / a
        if log_small < -700.0:  # the root is below 1e-304: the first term is exact
            return math.exp(log_small)
        y = max(math.exp(log_small), wilson)
    else:
        y = wilson if wilson > 0 else a + 1.0 - math.log(q)
        large = -math.log(q) - math.lgamma(a)
        if large > a + 1.0:
            for _ in range(3):
                large = -math.log(q) - math.lgamma(a) + (a - 1.0) * math.log(large)
            if a + 1.0 < large < y:
                y = large
    log_target = math.log(p if lower else q)
    for _ in range(200):
        t, log_t = _log_term(a, y)
        if y < a + 1.0:
            s = _lower_series(a, y)
            if lower:
                value, slope = log_t + math.log(s), a / s
            else:
                value, slope = math.log1p(-t * s), -a * t / (1.0 - t * s)
        else:
            f = _upper_fraction(a, y)
            if lower:
                value, slope = math.log1p(-a * t * f), a * t / (1.0 - a * t * f)
            else:
                value, slope = log_t + math.log(a * f), -1.0 / f
        step = -(value - log_target) / slope
        step = min(max(step, -5.0), 5.0)
        y *= math.exp(step)
        if abs(step) < 1e-12:
            break
    return y


def _elementwise(function: Callable[..., float], inner: np.ndarray,
                 *arrays: np.ndarray) -> np.ndarray:
    """``function`` at the ``inner`` positions of the broadcast ``arrays``, 0 elsewhere."""
    out = np.zeros(inner.shape)
    if inner.any():
        out[inner] = np.frompyfunc(function, len(arrays), 1)(
            *(array[inner] for array in arrays)).astype(float)
    return out


def _floats(*values: npt.ArrayLike) -> list[np.ndarray]:
    return list(np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values)))


_SCALAR = (int, float, np.integer, np.floating)


def _scalars(*values: npt.ArrayLike) -> tuple[float, ...] | None:
    """The values as floats if every one is a real scalar (the fast path of a
    scalar call, which skips the array machinery: a few microseconds instead of
    some fifty), else None."""
    if all(isinstance(v, _SCALAR) for v in values):
        return tuple(float(v) for v in values)  # type: ignore[arg-type]
    return None


def _inside(x: float, *parameters: float) -> bool:
    """``0 < x < inf`` and every parameter in ``(0, inf)``: no edge to handle."""
    return 0.0 < x < math.inf and all(0.0 < v < math.inf for v in parameters)


def _half_line(x: np.ndarray, valid: np.ndarray, inside: np.ndarray, *,
               upper: bool) -> Any:
    """A distribution function on ``(0, inf)`` as ``scipy.stats`` gives it: NaN for
    invalid parameters or NaN ``x``, the ends of the support (the survival
    function 1 at or below 0 and 0 at infinity, the CDF the reverse), ``inside``
    in between."""
    at_zero, at_inf = (1.0, 0.0) if upper else (0.0, 1.0)
    out = np.where(x <= 0, at_zero, np.where(x == np.inf, at_inf, inside))
    return np.where(valid & ~np.isnan(x), out, np.nan)[()]


def _chi2_inside(x: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(valid, inner)`` of the central chi-square: ``df > 0``; ``0 < x < inf``."""
    valid = df > 0
    inner = valid & (x > 0) & (x < np.inf) & (df < np.inf)
    return valid, inner


def _chi2_p(x: float, df: float) -> float:
    return _gamma_pq(0.5 * df, 0.5 * x)[0]


def _chi2_q(x: float, df: float) -> float:
    return _gamma_pq(0.5 * df, 0.5 * x)[1]


def chi2_cdf(x: npt.ArrayLike, df: npt.ArrayLike) -> Any:
    """Chi-square CDF ``P(X <= x) = P(df/2, x/2)`` (``scipy.stats.chi2.cdf``, R's
    ``pchisq``): 0 for ``x <= 0``, NaN unless ``df > 0``.

    Notes
    -----
    ``P(a, y) = y^a e^-y / Gamma(a + 1) sum_n y^n / ((a+1)...(a+n))`` (A&S
    6.5.29) for ``y < a + 1``, else ``1 - Q`` with ``Q`` from the continued
    fraction of :func:`chi2_sf`.
    """
    scalars = _scalars(x, df)
    if scalars is not None and _inside(*scalars):
        return np.float64(_chi2_p(*scalars))
    x_, df_ = _floats(x, df)
    valid, inner = _chi2_inside(x_, df_)
    inside = _elementwise(_chi2_p, inner, x_, df_)
    inside = np.where(df_ == np.inf, 0.0, inside)  # scipy: the mass escapes to infinity
    return _half_line(x_, valid, inside, upper=False)


def chi2_sf(x: npt.ArrayLike, df: npt.ArrayLike) -> Any:
    """Chi-square upper tail ``P(X > x) = Q(df/2, x/2)`` (``scipy.stats.chi2.sf``,
    R's ``pchisq(lower.tail = FALSE)``): 1 for ``x <= 0``, NaN unless ``df > 0``.

    Notes
    -----
    ``Q(a, y) = Gamma(a, y) / Gamma(a)``, the regularized upper incomplete gamma
    function (A&S 26.4.2): for ``y >= a + 1`` Legendre's continued fraction
    (A&S 6.5.31) evaluated by the modified Lentz method (Lentz 1976; Thompson &
    Barnett 1986), else ``1 - P`` with the series of :func:`chi2_cdf`. The
    prefactor ``y^a e^-y / Gamma(a)`` is taken in a saddle-point form for large
    ``a`` (:func:`_log_term`), where the plain logarithm would lose about
    ``a log y`` ulps.
    """
    scalars = _scalars(x, df)
    if scalars is not None and _inside(*scalars):
        return np.float64(_chi2_q(*scalars))
    x_, df_ = _floats(x, df)
    valid, inner = _chi2_inside(x_, df_)
    inside = _elementwise(_chi2_q, inner, x_, df_)
    inside = np.where(df_ == np.inf, 1.0, inside)
    return _half_line(x_, valid, inside, upper=True)


def _chi2_quantile(lower: np.ndarray, upper: np.ndarray, df: np.ndarray) -> Any:
    """The chi-square quantile with lower tail ``lower`` and upper tail ``upper``
    (``lower + upper = 1``): 0 where ``lower == 0``, inf where ``upper == 0``."""
    valid = (df > 0) & (lower >= 0) & (upper >= 0) & ~np.isnan(lower) & ~np.isnan(upper)
    inner = valid & (lower > 0) & (upper > 0) & (df < np.inf)
    inside = 2.0 * _elementwise(lambda p, q, k: _gamma_inverse(0.5 * k, p, q),
                                inner, lower, upper, df)
    out = np.where(lower == 0, 0.0, np.where(upper == 0, np.inf, inside))
    return np.where(valid & (df < np.inf), out, np.nan)[()]


def chi2_ppf(q: npt.ArrayLike, df: npt.ArrayLike) -> Any:
    """Chi-square quantile ``x`` with ``P(X <= x) = q`` (``scipy.stats.chi2.ppf``, R's
    ``qchisq``): 0 at ``q = 0``, inf at ``q = 1``, NaN outside [0, 1] or unless
    ``0 < df < inf``.

    Notes
    -----
    ``2 y`` with ``P(df/2, y) = q``, solved by Newton's method in ``log y`` on
    the logarithm of the smaller tail from a Wilson & Hilferty (1931) start
    (:func:`_gamma_inverse`). ``1 - q`` is exact for ``q >= 1/2``, so an upper
    quantile keeps the precision ``q`` carries; for upper tails below 1e-16
    use :func:`chi2_isf`.
    """
    scalars = _scalars(q, df)
    if scalars is not None and 0.0 < scalars[0] < 1.0 and 0.0 < scalars[1] < math.inf:
        return np.float64(2.0 * _gamma_inverse(0.5 * scalars[1], scalars[0], 1.0 - scalars[0]))
    q_, df_ = _floats(q, df)
    out = _chi2_quantile(q_, 1.0 - q_, df_)  # the lower tail is used below 1/2
    return np.where((q_ >= 0) & (q_ <= 1), out, np.nan)[()]


def chi2_isf(q: npt.ArrayLike, df: npt.ArrayLike) -> Any:
    """Chi-square upper quantile ``x`` with ``P(X > x) = q`` (``scipy.stats.chi2.isf``,
    R's ``qchisq(q, df, lower.tail = FALSE)``; Hoelter's critical N): inf at
    ``q = 0``, 0 at ``q = 1``; as :func:`chi2_ppf` with the tails exchanged."""
    scalars = _scalars(q, df)
    if scalars is not None and 0.0 < scalars[0] < 1.0 and 0.0 < scalars[1] < math.inf:
        return np.float64(2.0 * _gamma_inverse(0.5 * scalars[1], 1.0 - scalars[0], scalars[0]))
    q_, df_ = _floats(q, df)
    out = _chi2_quantile(1.0 - q_, q_, df_)
    return np.where((q_ >= 0) & (q_ <= 1), out, np.nan)[()]


# --------------------------------------------------------------------------- noncentral
def _ncx2_mixture(x: float, df: float, nc: float, upper: bool) -> float:
    """The noncentral chi-square CDF (``upper`` false) or survival function at
    ``0 < x < inf``, ``df > 0``, ``0 < nc < inf``: the Poisson mixture
    ``sum_i w_i P(df/2 + i, x/2)`` or ``sum_i w_i Q(df/2 + i, x/2)``, ``w_i`` the
    Poisson(nc/2) probabilities (A&S 26.4.25).

    Summed outward in both directions from the largest term (Benton &
    Krishnamoorthy 2003 start at the Poisson mode ``m``; a forward-only sum from
    ``i = 0`` as in Ding 1992 underflows ``e^(-nc/2)``). In the bulk that is the
    Poisson mode; in the far lower tail the CDF's terms peak below it, in the
    far upper tail the survival function's above it, where the terms at the
    mode can underflow: at the peak of ``w_i t_i``, ``t_i = y^(a_i) e^-y /
    Gamma(a_i + 1)``, ``a_i = df/2 + i``, ``y = x/2``, where ``(i + 1)(a_i + 1) =
    y nc/2``; so the CDF starts at the smaller of the two, the survival function
    at the larger. One incomplete gamma evaluation there, then the
    recurrences ``w_(i+1) = w_i (nc/2) / (i + 1)``, ``t_(i+1) = t_i y / (a_i + 1)``,
    ``Q(a + 1, y) = Q(a, y) + t`` and ``P(a + 1, y) = P(a, y) - t`` (Ding 1992).
    ``Q`` forward and ``P`` backward add positive terms; the other two
    subtract, so they are recomputed from the series or the fraction once the
    value has fallen eightfold since the last exact one (its relative error is
    then at most 8 ulps per step since). Each direction stops once a bound of
    the rest, a geometric bound of the Poisson tail (``sum_(j > i) w_j <=
    w_(i+1) / (1 - mu / (i + 2))`` beyond the mode, ``sum_(j < i) w_j <= w_i i /
    (mu - i)`` below it) times the monotone ``P`` or ``Q``, is below one ulp of
    the sum.
    """
    y, a0, mu = 0.5 * x, 0.5 * df, 0.5 * nc
    k = _mixture_start(y, a0, mu, upper)
    w_start, _ = _log_term(float(k), mu)
    p_start, q_start, t_start = _gamma_pq(a0 + k, y)
    start = _MixtureTerm(k, w_start, t_start, q_start if upper else p_start)
    total = w_start * start.gamma
    if upper:
        total = _upper_sum_forward(start, y, a0, mu, total)
        total = _upper_sum_backward(start, y, a0, mu, total)
    else:
        total = _lower_sum_forward(start, y, a0, mu, total)
        total = _lower_sum_backward(start, y, a0, mu, total)
    return min(total, 1.0)


class _MixtureTerm(NamedTuple):
    """The term of the Poisson mixture a sum starts from (see :func:`_ncx2_mixture`).

    Attributes
    ----------
    poisson_index : int
        ``i``, the Poisson index of the term.
    weight : float
        ``w_i``, the Poisson(nc/2) probability of ``i``.
    density : float
        ``t_i = y^(a_i) e^-y / Gamma(a_i + 1)``, the step of the gamma recurrences.
    gamma : float
        ``P(a_i, y)`` for the CDF, ``Q(a_i, y)`` for the survival function.
    """

    poisson_index: int
    weight: float
    density: float
    gamma: float


def _mixture_start(y: float, a0: float, mu: float, upper: bool) -> int:
    """The index the sums of :func:`_ncx2_mixture` start from: the smaller (CDF) or the
    larger (survival function) of the Poisson mode and the peak of ``w_i t_i``."""
    peak = max(0, math.floor(0.5 * (math.sqrt(a0 * a0 + 4.0 * mu * y) - a0)))
    mode = math.floor(mu)
    return max(peak, mode) if upper else min(peak, mode)


def _upper_sum_forward(start: _MixtureTerm, y: float, a0: float, mu: float,
                       total: float) -> float:
    """``total`` plus the survival function's terms above ``start``.

    ``Q(a + 1, y) = Q(a, y) + t``: sums of positive terms, stopped once the
    Poisson tail beyond ``i`` (``Q <= 1``) is below one ulp of the sum.
    """
    w, t, i, q = start.weight, start.density, start.poisson_index, start.gamma
    for _ in range(_MAX_TERMS):
        q += t
        i += 1
        t *= y / (a0 + i)
        w *= mu / i
        total += w * q
        if i + 1 > mu and w * (mu / (i + 1)) / (1.0 - mu / (i + 2)) <= _EPS * total:
            break  # the rest is below sum_(j > i) w_j (Q <= 1)
    return total


def _lower_sum_forward(start: _MixtureTerm, y: float, a0: float, mu: float,
                       total: float) -> float:
    """``total`` plus the CDF's terms above ``start``.

    ``P(a + 1, y) = P(a, y) - t`` subtracts: ``P`` is recomputed from the
    series or the fraction once it has fallen eightfold since the last exact
    value; stopped once the Poisson tail times ``P`` (decreasing in ``i``) is
    below one ulp of the sum.
    """
    w, t, i = start.weight, start.density, start.poisson_index
    p = exact = start.gamma
    for _ in range(_MAX_TERMS):
        p -= t
        i += 1
        t *= y / (a0 + i)
        if 8.0 * p < exact:
            a = a0 + i
            p = exact = (t * _lower_series(a, y) if y < a + 1.0
                         else 1.0 - a * t * _upper_fraction(a, y))
        w *= mu / i
        total += w * p
        if i + 1 > mu and w * (mu / (i + 1)) / (1.0 - mu / (i + 2)) * p <= _EPS * total:
            break  # P decreases in i
    return total


def _upper_sum_backward(start: _MixtureTerm, y: float, a0: float, mu: float,
                        total: float) -> float:
    """``total`` plus the survival function's terms below ``start``.

    ``Q(a - 1, y) = Q(a, y) - t(a - 1)`` subtracts: ``Q`` is recomputed once it
    has fallen eightfold; stopped once ``Q_i sum_(j < i) w_j`` is below one ulp
    of the sum.
    """
    w, t, i = start.weight, start.density, start.poisson_index
    q = exact = start.gamma
    while i > 0:
        t *= (a0 + i) / y
        q -= t
        w *= i / mu
        i -= 1
        if 8.0 * q < exact:
            a = a0 + i
            q = exact = (a * t * _upper_fraction(a, y) if y >= a + 1.0
                         else 1.0 - t * _lower_series(a, y))
        total += w * q
        if i < mu and w * i / (mu - i) * q <= _EPS * total:
            break  # the rest is below Q_i sum_(j < i) w_j
    return total


def _lower_sum_backward(start: _MixtureTerm, y: float, a0: float, mu: float,
                        total: float) -> float:
    """``total`` plus the CDF's terms below ``start``.

    ``P(a - 1, y) = P(a, y) + t(a - 1)``: sums of positive terms, stopped once
    the Poisson tail below ``i`` (``P <= 1``) is below one ulp of the sum.
    """
    w, t, i, p = start.weight, start.density, start.poisson_index, start.gamma
    while i > 0:
        t *= (a0 + i) / y
        p += t
        w *= i / mu
        i -= 1
        total += w * p
        if i < mu and w * i / (mu - i) <= _EPS * total:
            break
    return total


def _ncx2_inside(x: np.ndarray, df: np.ndarray, nc: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(valid, noncentral, central)`` positions: ``0 < df < inf``, ``0 <= nc < inf``;
    inside the support with ``nc > 0``, and with ``nc == 0``."""
    valid = (df > 0) & np.isfinite(df) & (nc >= 0) & np.isfinite(nc)
    inside = valid & (x > 0) & (x < np.inf)
    return valid, inside & (nc > 0), inside & (nc == 0)


def _ncx2(x: npt.ArrayLike, df: npt.ArrayLike, nc: npt.ArrayLike, *, upper: bool) -> Any:
    """The noncentral chi-square CDF (``upper=False``) or tail, with the edges of
    :func:`_half_line` and the central functions where ``nc == 0``."""
    scalars = _scalars(x, df, nc)
    if scalars is not None and _inside(*scalars):
        return np.float64(_ncx2_mixture(scalars[0], scalars[1], scalars[2], upper))
    x_, df_, nc_ = _floats(x, df, nc)
    valid, noncentral, central = _ncx2_inside(x_, df_, nc_)
    inside = (_elementwise(lambda x, k, nc: _ncx2_mixture(x, k, nc, upper), noncentral,
                           x_, df_, nc_)
              + _elementwise(_chi2_q if upper else _chi2_p, central, x_, df_))
    return _half_line(x_, valid, inside, upper=upper)


def ncx2_cdf(x: npt.ArrayLike, df: npt.ArrayLike, nc: npt.ArrayLike) -> Any:
    """Noncentral chi-square CDF ``P(X <= x | df, nc)`` (``scipy.stats.ncx2.cdf``,
    R's ``pchisq(x, df, ncp)``): the central :func:`chi2_cdf` when ``nc == 0``;
    NaN unless ``df > 0`` and ``nc >= 0`` are finite (the tail sum of
    :func:`ncx2_sf`, Ding 1992, Benton & Krishnamoorthy 2003)."""
    return _ncx2(x, df, nc, upper=False)


def ncx2_sf(x: npt.ArrayLike, df: npt.ArrayLike, nc: npt.ArrayLike) -> Any:
    """Noncentral chi-square upper tail ``P(X > x | df, nc)`` (``scipy.stats.ncx2.sf``,
    R's ``pchisq(x, df, ncp, lower.tail = FALSE)``): the central :func:`chi2_sf`
    when ``nc == 0``; NaN unless ``df > 0`` and ``nc >= 0`` are finite.

    Notes
    -----
    ``sum_i Pois(i; nc/2) Q(df/2 + i, x/2)``, summed outward from the Poisson
    mode with the recurrences of Ding (1992, AS 275) and Benton &
    Krishnamoorthy (2003); see :func:`_ncx2_mixture`.
    """
    return _ncx2(x, df, nc, upper=True)


def ncx2_tail(x: npt.ArrayLike, df: npt.ArrayLike, nc: npt.ArrayLike) -> np.ndarray:
    """The noncentral tail of :func:`ncx2_sf` for ``0 < x < inf``, ``df > 0``,
    ``nc > 0`` (all finite; no edge handling), as an array."""
    x_, df_, nc_ = _floats(x, df, nc)
    inner = np.ones(x_.shape, dtype=bool)
    return _elementwise(lambda x, k, nc: _ncx2_mixture(x, k, nc, True), inner, x_, df_, nc_)


__all__ = ["chi2_cdf", "chi2_isf", "chi2_ppf", "chi2_sf", "ncx2_cdf", "ncx2_sf", "ncx2_tail",
           "norm_cdf", "norm_ppf", "norm_sf"]
