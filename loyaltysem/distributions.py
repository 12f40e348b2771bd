"""The few distribution functions loyaltysem needs, from :mod:`scipy.special`.

``scipy.stats`` takes about half a second to import (its distribution
classes, ``scipy.spatial``, ``scipy.linalg`` ...), longer than lavaan's
whole run of a small model, while loyaltysem only needs the normal and
(noncentral) chi-square tails and quantiles. These functions call the very
ufuncs ``scipy.stats`` calls for them (scipy 1.17,
``scipy/stats/_continuous_distns.py``), with the same answers at the edges of
the support and for invalid parameters (NaN), so the values are the same
bit for bit (``tests/test_distributions.py``).

=====================  ======================================  ============================
function               formula (scipy.special)                 scipy.stats equivalent
=====================  ======================================  ============================
:func:`norm_cdf`       ``ndtr(x)``                             ``norm.cdf(x)``
:func:`norm_sf`        ``ndtr(-x)``                            ``norm.sf(x)``
:func:`norm_ppf`       ``ndtri(q)``                            ``norm.ppf(q)``
:func:`chi2_sf`        ``chdtrc(df, x)``                       ``chi2.sf(x, df)``
:func:`chi2_ppf`       ``2 gammaincinv(df / 2, q)``            ``chi2.ppf(q, df)``
:func:`ncx2_sf`        Boost's noncentral chi-square tail      ``ncx2.sf(x, df, nc)``
=====================  ======================================  ============================

Every function takes scalars or arrays (broadcast) and returns a NumPy
float for scalar input, an array otherwise (as ``scipy.stats`` does).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

try:  # the Boost ufunc scipy.stats.ncx2.sf calls (private name, present since scipy 1.8)
    from scipy.special._ufuncs import _ncx2_sf as _boost_ncx2_sf
except ImportError:  # pragma: no cover - a scipy without it: the complement of the CDF
    _boost_ncx2_sf = None


def _floats(*values: npt.ArrayLike) -> list[np.ndarray]:
    return list(np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values)))


def _half_line_sf(x: np.ndarray, valid: np.ndarray, tail: np.ndarray) -> Any:
    """scipy.stats' survival function on ``(0, inf)``: NaN for invalid parameters or
    NaN ``x``, 1 at or below 0, 0 at infinity, ``tail`` in between."""
    inside = np.where(x == np.inf, 0.0, tail)
    out = np.where(x <= 0, 1.0, inside)
    return np.where(valid & ~np.isnan(x), out, np.nan)[()]


def norm_cdf(x: npt.ArrayLike) -> Any:
    """Standard normal CDF ``Phi(x) = ndtr(x)`` (``scipy.stats.norm.cdf``)."""
    return special.ndtr(np.asarray(x, dtype=float))


def norm_sf(x: npt.ArrayLike) -> Any:
    """Standard normal upper tail ``1 - Phi(x) = ndtr(-x)``, without cancellation
    (``scipy.stats.norm.sf``; two-sided p-value: ``2 norm_sf(|z|)``)."""
    return special.ndtr(-np.asarray(x, dtype=float))


def norm_ppf(q: npt.ArrayLike) -> Any:
    """Standard normal quantile ``Phi^-1(q) = ndtri(q)`` (``scipy.stats.norm.ppf``):
    -inf at 0, inf at 1, NaN outside [0, 1]."""
    return special.ndtri(np.asarray(q, dtype=float))


def chi2_sf(x: npt.ArrayLike, df: npt.ArrayLike) -> Any:
    """Chi-square upper tail ``P(X > x) = Q(df/2, x/2) = chdtrc(df, x)``
    (``scipy.stats.chi2.sf``): 1 for ``x <= 0``, NaN unless ``df > 0``.

    Notes
    -----
    ``chdtrc`` is the regularized upper incomplete gamma function
    ``Gamma(df/2, x/2) / Gamma(df/2)`` (Cephes ``chdtrc``; Abramowitz & Stegun
    26.4.2).
    """
    x_, df_ = _floats(x, df)
    return _half_line_sf(x_, df_ > 0, special.chdtrc(df_, x_))


def chi2_ppf(q: npt.ArrayLike, df: npt.ArrayLike) -> Any:
    """Chi-square quantile ``2 P^-1(df/2, q)`` with ``P^-1`` the inverse of the
    regularized lower incomplete gamma function (``scipy.stats.chi2.ppf``):
    0 at ``q = 0``, inf at ``q = 1``, NaN outside [0, 1] or unless ``df > 0``."""
    q_, df_ = _floats(q, df)
    inner = np.where(q_ == 1, np.inf, 2 * special.gammaincinv(df_ / 2, q_))
    out = np.where(q_ == 0, 0.0, inner)
    valid = (df_ > 0) & (q_ >= 0) & (q_ <= 1)
    return np.where(valid, out, np.nan)[()]


def ncx2_sf(x: npt.ArrayLike, df: npt.ArrayLike, nc: npt.ArrayLike) -> Any:
    """Noncentral chi-square upper tail ``P(X > x | df, nc)`` (``scipy.stats.ncx2.sf``):
    the central :func:`chi2_sf` when ``nc == 0``; NaN unless ``df > 0`` is finite and
    ``nc >= 0``.

    Notes
    -----
    The tail is Boost's ``non_central_chi_squared`` complement CDF, the ufunc
    ``scipy.stats`` calls (Ding's series, Benton & Krishnamoorthy 2003:
    ``sum_i Poisson(i; nc/2) Q(df/2 + i, x/2)``). On a scipy without that
    ufunc the complement ``1 - chndtr(x, df, nc)`` is used (absolute error
    below 1e-14).

    References
    ----------
    Benton, D., & Krishnamoorthy, K. (2003). Computing discrete mixtures of
    continuous distributions: noncentral chisquare, noncentral t and the
    distribution of the square of the sample multiple correlation coefficient.
    *Computational Statistics & Data Analysis*, 43(2), 249-267.
    """
    x_, df_, nc_ = _floats(x, df, nc)
    valid = (df_ > 0) & np.isfinite(df_) & (nc_ >= 0)
    with np.errstate(over="ignore", invalid="ignore"):
        tail = ncx2_tail(x_, df_, nc_)
    central = special.chdtrc(df_, x_)
    return _half_line_sf(x_, valid, np.where(nc_ != 0, tail, central))


def ncx2_tail(x: np.ndarray, df: np.ndarray, nc: np.ndarray) -> np.ndarray:
    """The noncentral tail of :func:`ncx2_sf` inside the support (no edge handling)."""
    if _boost_ncx2_sf is not None:
        return np.asarray(_boost_ncx2_sf(x, df, nc))
    return 1.0 - np.asarray(special.chndtr(x, df, nc))


__all__ = ["chi2_ppf", "chi2_sf", "ncx2_sf", "ncx2_tail", "norm_cdf", "norm_ppf", "norm_sf"]
