"""loyaltysem.distributions against exact values, R and scipy.stats; and
estimate.roots.find_root against scipy's brentq.

References: ``tests/reference/distributions/mpmath.json`` (30-digit values by
``make_distributions_reference.py``: the "truth"), ``r.json`` (R 4.2.2's
``pnorm``, ``qnorm``, ``pchisq``, ``qchisq``: what lavaan computes with, by
``make_distributions_reference.R``) on the same grid, and scipy.stats on
wide random grids. Relative errors are checked in two bands: values of at
least 1e-20, and values in [1e-300, 1e-20), where a tail probability ``p`` is
``exp(-E)`` with an exponent ``E = -log p`` of up to 690 that no double
computation holds to better than an ulp of ``E`` (1.1e-13 at ``E = 690``), so
the relative error grows with ``E`` (scipy's and R's alike). Below 1e-300
both sides must be below 1e-300. Each tolerance is about ten times the largest
error observed (given in the comment), where 1e-13 would not be reached
at three times it.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, special, stats

from loyaltysem import distributions as d
from loyaltysem.estimate import fit_indices
from loyaltysem.estimate.roots import find_root, find_root_near
from loyaltysem.exceptions import ConvergenceError

REFERENCE = Path(__file__).parent / "reference" / "distributions"
EXACT = json.loads((REFERENCE / "mpmath.json").read_text())
R = json.loads((REFERENCE / "r.json").read_text())
RNG = np.random.default_rng(20261202)


def check(ours, reference, rtol: float, rtol_tail: float | None = None, *,
          tiny: float = 1e-300) -> None:
    """``|ours - reference| <= rtol |reference|`` for reference values of at
    least 1e-20, ``rtol_tail`` in [tiny, 1e-20) (None: not checked there, a
    reference that is not accurate there), both below ``tiny`` under it; the same
    NaN positions."""
    ours, reference = np.asarray(ours, dtype=float), np.asarray(reference, dtype=float)
    assert ours.shape == reference.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(reference))
    ok = ~np.isnan(reference)
    ours, reference = ours[ok], reference[ok]
    same = ours == reference  # infinities included
    error = np.abs(ours - reference)
    big = np.abs(reference) >= 1e-20
    bad = big & ~same & (error > rtol * np.abs(reference))
    if rtol_tail is not None:
        tail = ~big & (np.abs(reference) >= tiny)
        bad |= tail & ~same & (error > rtol_tail * np.abs(reference))
        bad |= (np.abs(reference) < tiny) & (np.abs(ours) >= tiny)
    assert not bad.any(), (
        f"{bad.sum()} of {bad.size} values off, e.g. {ours[bad][:3]} against {reference[bad][:3]} "
        f"(absolute {error[bad][:3]})")


# --------------------------------------------------------------------------- exact values
NORMAL, CHI2, NCX2 = EXACT["normal"], EXACT["chi2"], EXACT["ncx2"]
X_N, Q_N = np.array(NORMAL["sf"]["x"]), np.array(NORMAL["ppf"]["q"])
X_C, DF_C = np.array(CHI2["cdf_sf"]["x"]), np.array(CHI2["cdf_sf"]["df"])
Q_C, DF_Q = np.array(CHI2["ppf"]["q"]), np.array(CHI2["ppf"]["df"])
X_NC, DF_NC, NC_NC = (np.array(NCX2[key]) for key in ("x", "df", "nc"))


def test_the_normal_functions_against_exact_values():
    # observed: 4.8e-16 (tail and cdf), 4.5e-16 (quantile, q from 1e-300 to 1 - 1e-16)
    check(d.norm_sf(X_N), NORMAL["sf"]["value"], 5e-15, 5e-15)
    check(d.norm_cdf(-X_N), NORMAL["sf"]["value"], 5e-15, 5e-15)
    check(d.norm_ppf(Q_N), NORMAL["ppf"]["value"], 5e-15)


def test_the_chi_square_functions_against_exact_values():
    # df 0.5-500, x 1e-8-5000. observed (>= 1e-20 / tail): CDF 2.3e-14 / 1.4e-13,
    # upper tail 5.2e-15 / 6.4e-14: a few ulps of the exponent of the prefactor
    check(d.chi2_cdf(X_C, DF_C), CHI2["cdf_sf"]["cdf"], 2.5e-13, 1.5e-12)
    check(d.chi2_sf(X_C, DF_C), CHI2["cdf_sf"]["sf"], 5e-14, 6.5e-13)


def test_the_chi_square_quantile_against_exact_values():
    # q 1e-300 to 1 - 1e-16. observed (quantiles >= 1e-20 / below): 4.6e-15 / 3.6e-14
    # (at q = 1e-300: log q = -690.8 carries an ulp of 1.1e-13, over d log P / d log x
    # = df/2); the upper tail by chi2_isf 2.7e-15
    check(d.chi2_ppf(Q_C, DF_Q), CHI2["ppf"]["value"], 5e-14, 4e-13)
    upper = Q_C >= 0.5  # isf of 1 - q (exact there) is the same quantile
    check(d.chi2_isf(1 - Q_C[upper], DF_Q[upper]), np.array(CHI2["ppf"]["value"])[upper], 3e-14)


def test_the_noncentral_chi_square_against_exact_values():
    # df 0.5-500, nc 1e-6-1000, x from 1e-8 to 30 SDs above the mean. observed
    # (>= 1e-20 / tail): CDF 4.7e-15 / 8.1e-14, upper tail 8.0e-15 / 3.9e-14
    check(d.ncx2_cdf(X_NC, DF_NC, NC_NC), NCX2["cdf"], 5e-14, 8e-13)
    check(d.ncx2_sf(X_NC, DF_NC, NC_NC), NCX2["sf"], 8e-14, 4e-13)
    check(d.ncx2_tail(X_NC, DF_NC, NC_NC), NCX2["sf"], 8e-14, 4e-13)


# --------------------------------------------------------------------------- R
def test_the_normal_and_chi_square_functions_against_r():
    # observed: normal 5.6e-16, quantile 5.1e-16; chi-square (>= 1e-20 / tail) CDF
    # 2.6e-14 / 1.4e-13, upper tail 8.4e-15 / 7.2e-14; qchisq 2.5e-14 / 5.5e-14
    check(d.norm_sf(X_N), R["normal_sf"], 6e-15, 5e-15)
    check(d.norm_ppf(Q_N), R["normal_ppf"], 5e-15)
    check(d.chi2_cdf(X_C, DF_C), R["chi2_cdf"], 3e-13, 1.4e-12)
    check(d.chi2_sf(X_C, DF_C), R["chi2_sf"], 8e-14, 7e-13)
    check(d.chi2_ppf(Q_C, DF_Q), R["chi2_ppf"], 2.5e-13, 5.5e-13)


def test_the_noncentral_chi_square_against_r_within_its_accuracy():
    """R's ``pchisq(x, df, ncp)`` sums to an absolute error of 1e-12 (``errmax`` of
    its pnchisq.c) and takes the upper tail as the complement: against the exact
    values its absolute error is 2.3e-13 and its upper tail has no relative
    accuracy below 1e-8; ours is exact to 2e-14 there (above)."""
    np.testing.assert_allclose(d.ncx2_cdf(X_NC, DF_NC, NC_NC), R["ncx2_cdf"], rtol=0, atol=2.5e-12)
    np.testing.assert_allclose(d.ncx2_sf(X_NC, DF_NC, NC_NC), R["ncx2_sf"], rtol=0, atol=2.5e-12)


# --------------------------------------------------------------------------- scipy
Z = np.concatenate([RNG.normal(scale=8, size=3000), np.linspace(-38.4, 38.4, 1001)])
Q = np.concatenate([10 ** RNG.uniform(-300, -1, 1000), RNG.uniform(0, 1, 1000),
                    1 - 10 ** RNG.uniform(-16, -1, 500), 0.5 + 10 ** RNG.uniform(-17, -2, 250),
                    0.5 - 10 ** RNG.uniform(-17, -2, 250)])
DF = np.exp(RNG.uniform(np.log(0.5), np.log(500), 6000))
X = np.concatenate([DF[:3000] * np.exp(RNG.uniform(np.log(1e-3), np.log(10), 3000)),
                    10 ** RNG.uniform(-8, 0, 1500),
                    DF[4500:] + np.sqrt(2 * DF[4500:]) * RNG.uniform(5, 40, 1500)])
NC = np.concatenate([np.exp(RNG.uniform(np.log(1e-6), np.log(1000), 5500)), np.zeros(500)])
MEAN, SD = DF + NC, np.sqrt(2 * (DF + 2 * NC))
X_NONCENTRAL = np.concatenate([np.abs(MEAN[:4000] + SD[:4000] * RNG.uniform(-6, 15, 4000)),
                               10 ** RNG.uniform(-8, 1, 2000)])


def test_the_normal_functions_against_scipy():
    # observed (>= 1e-20 / tail): 1.3e-14 / 2.4e-13: scipy's ndtr rounds x / sqrt 2
    # first, an error of x^2 ulps in the tail (ours: 4.8e-16 from the exact values);
    # scipy's tail underflows to 0 below 5e-311, ours is subnormal down to x = -38.5
    check(d.norm_cdf(Z), stats.norm.cdf(Z), 1.5e-13, 2.5e-12)
    check(d.norm_sf(Z), stats.norm.sf(Z), 1.5e-13, 2.5e-12)
    check(d.norm_ppf(Q), stats.norm.ppf(Q), 6e-15)  # observed 6.1e-16


def test_the_chi_square_functions_against_scipy():
    # observed (>= 1e-20 / tail): CDF 1.7e-13 / 3.8e-13, upper tail 3.2e-13 / 2.9e-13:
    # scipy's (Cephes igam/igamc) errors, up to 3e-13 from the exact values at large df
    # where ours are within 2.3e-14 (above); quantiles 1.1e-14 / 1.2e-13, isf 1e-14
    check(d.chi2_cdf(X, DF), stats.chi2.cdf(X, DF), 2e-12, 4e-12)
    check(d.chi2_sf(X, DF), stats.chi2.sf(X, DF), 3e-12, 3e-12)
    check(d.chi2_ppf(Q[:2000], DF[:2000]), stats.chi2.ppf(Q[:2000], DF[:2000]), 1e-13, 1.2e-12)
    check(d.chi2_isf(Q[:2000], DF[:2000]), stats.chi2.isf(Q[:2000], DF[:2000]), 1e-13, 1e-13)


def test_the_noncentral_chi_square_against_scipy():
    # observed (>= 1e-20 / tail): upper tail (Boost) 3.0e-14 / 4.9e-14; CDF 2.7e-14
    # above 1e-20; below it scipy's chndtr (cdflib) loses all digits (5e-3 at 3e-47,
    # against the exact value: not compared)
    # Boost's tgamma overflows at x < 3e-8 with nc > 300 (9 points, where the tail is 1:
    # ours observed 8e-16 below 1, the rounding of its few hundred Poisson weights)
    fails = (X_NONCENTRAL < 1e-7) & (NC > 300)
    x, df, nc = X_NONCENTRAL[~fails], DF[~fails], NC[~fails]
    check(d.ncx2_sf(x, df, nc), stats.ncx2.sf(x, df, nc), 3e-13, 5e-13)
    check(d.ncx2_cdf(x, df, nc), stats.ncx2.cdf(x, df, nc), 3e-13)
    np.testing.assert_allclose(d.ncx2_sf(X_NONCENTRAL[fails], DF[fails], NC[fails]), 1.0,
                               rtol=1e-14)


# --------------------------------------------------------------------------- edges
EDGE_X = np.array([-1.0, 0.0, 1e-300, 1.0, 3.0, np.inf, np.nan, 2.0, 2.0, 2.0, 2.0, 2.0])
EDGE_DF = np.array([2.0, 2.0, 2.0, 2.0, np.inf, 2.0, 2.0, 0.0, -1.0, np.nan, np.inf, 2.0])
EDGE_NC = np.array([1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, -1.0])
EDGE_Q = np.array([0.0, 1.0, 0.5, -0.1, 1.1, np.nan, 1e-300, 1 - 1e-16, 0.0, 1.0, 0.5, 0.5])


@pytest.mark.parametrize(("ours", "theirs", "args"), [
    (d.norm_cdf, stats.norm.cdf, (np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 40.0, -40.0]),)),
    (d.norm_sf, stats.norm.sf, (np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 40.0, -40.0]),)),
    (d.norm_ppf, stats.norm.ppf, (np.array([0.0, 1.0, 0.5, -0.1, 1.1, np.nan, 1.0 - 2**-53]),)),
    (d.chi2_cdf, stats.chi2.cdf, (EDGE_X, EDGE_DF)),
    (d.chi2_sf, stats.chi2.sf, (EDGE_X, EDGE_DF)),
    (d.chi2_ppf, stats.chi2.ppf, (EDGE_Q, EDGE_DF)),
    (d.chi2_isf, stats.chi2.isf, (EDGE_Q, EDGE_DF)),
    (d.ncx2_sf, stats.ncx2.sf, (EDGE_X, EDGE_DF, EDGE_NC)),
    (d.ncx2_cdf, stats.ncx2.cdf, (EDGE_X, EDGE_DF, EDGE_NC)),
])
def test_the_edges_of_the_support_and_invalid_parameters_as_scipy_stats(ours, theirs, args):
    """NaN for invalid parameters and NaN arguments, 0 and 1 (or 0 and inf) at the
    ends, as scipy.stats: compared for equality, the values inside included (the
    exact ends of the normal functions: 0, 1/2, 1)."""
    np.testing.assert_allclose(ours(*args), theirs(*args), rtol=1e-13, atol=0)


def test_an_infinite_noncentrality_is_invalid():
    # scipy's ncx2.sf gives NaN and its cdf 0 for nc = inf; both NaN here
    assert np.isnan(d.ncx2_sf(2.0, 2.0, np.inf)) and np.isnan(d.ncx2_cdf(2.0, 2.0, np.inf))


@pytest.mark.parametrize(("ours", "theirs", "args"), [
    (d.norm_sf, stats.norm.sf, (1.7,)),
    (d.norm_cdf, stats.norm.cdf, (-1.7,)),
    (d.norm_ppf, stats.norm.ppf, (0.975,)),
    (d.chi2_sf, stats.chi2.sf, (85.3, 24)),
    (d.chi2_cdf, stats.chi2.cdf, (85.3, 24)),
    (d.chi2_ppf, stats.chi2.ppf, (0.95, 24)),
    (d.chi2_isf, stats.chi2.isf, (0.05, 24)),
    (d.ncx2_sf, stats.ncx2.sf, (85.3, 24, 18.06)),
    (d.ncx2_cdf, stats.ncx2.cdf, (85.3, 24, 18.06)),
])
def test_scalars_give_numpy_floats_as_scipy_stats(ours, theirs, args):
    value = ours(*args)
    assert type(value) is type(theirs(*args)) is np.float64
    assert value == pytest.approx(theirs(*args), rel=1e-14, abs=0)


def test_arguments_broadcast_and_a_series_gives_an_array_not_a_realigned_series():
    import pandas as pd

    z = pd.Series([1.0, 2.0], index=[5, 7])
    assert isinstance(d.norm_sf(z), np.ndarray)
    assert isinstance(d.chi2_sf(z, 3), np.ndarray)
    assert d.ncx2_sf(np.ones((2, 1)), [1.0, 2.0, 3.0], 0.5).shape == (2, 3)
    assert d.chi2_ppf(0.5, np.array([[1.0], [2.0]])).shape == (2, 1)
    assert d.norm_ppf([[0.1, 0.9]]).shape == (1, 2)


def test_the_p_values_of_wald_statistics_are_twice_the_normal_tail():
    # assemble.inference_columns: 2 norm_sf(|z|) = erfc(|z| / sqrt 2); observed from
    # scipy (>= 1e-20 / tail) 1.4e-14 / 1.6e-13: scipy's rounding of |z| / sqrt 2
    from loyaltysem.estimate.assemble import inference_columns

    est, se = RNG.normal(scale=10, size=2000), RNG.uniform(0.3, 3, 2000)
    pvalue = inference_columns(est, se)["pvalue"]
    check(pvalue, special.erfc(np.abs(est / se) / np.sqrt(2.0)), 1.5e-13, 1.6e-12)


def test_the_fit_path_does_not_import_scipy_special():
    import subprocess
    import sys

    code = ("import sys; import loyaltysem.estimate.fit, loyaltysem.estimate.fit_indices, "
            "loyaltysem.estimate.robust, loyaltysem.estimate.assemble, loyaltysem.groups.fit, "
            "loyaltysem.distributions; print(sorted(m for m in sys.modules if m.startswith('scipy')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).parent.parent)
    assert done.stdout.strip() == "[]"


# --------------------------------------------------------------------------- find_root
def _rmsea_gap(chisq: float, df: float, target: float):
    return lambda lam: float(special.chndtr(chisq, df, lam) if lam > 0
                             else special.chdtr(df, chisq)) - target


def test_find_root_solves_the_rmsea_equations_as_scipys_brentq():
    """The noncentrality equations are monotone in lambda: one root, found to the
    tolerance by both methods (observed 1e-12 relative)."""
    solved = 0
    for _ in range(500):
        chisq, target = RNG.uniform(0.5, 500), RNG.uniform(0.01, 0.99)
        df = float(RNG.integers(1, 300))
        gap = _rmsea_gap(chisq, df, target)
        if gap(0.0) < 0:
            continue
        upper = max(chisq, 1.0)
        while gap(upper) > 0:
            upper *= 2
        ours = find_root(gap, 0.0, upper, xtol=1e-12, rtol=1e-12)
        reference = optimize.brentq(gap, 0.0, upper, xtol=1e-12, rtol=1e-12)
        assert ours == pytest.approx(reference, rel=1e-11, abs=1e-11)
        solved += 1
    assert solved > 100


def test_the_rmsea_noncentralities_match_scipys_brentq():
    """The interval's equations solved from the cube-root approximation by safeguarded
    secant steps (``fit_indices._noncentrality``) against brentq on scipy's ncx2 CDF
    (Boost), over small, moderate and large chi-squares and targets in the tails and
    the middle (observed 4e-14 relative)."""
    solved = 0
    for _ in range(600):
        chisq = float(RNG.choice([RNG.uniform(0.01, 5), RNG.uniform(0.5, 500),
                                  RNG.uniform(500, 20000)]))
        df = float(RNG.integers(1, 400))
        target = float(RNG.choice([0.95, 0.05, RNG.uniform(0.001, 0.999)]))
        gap = _rmsea_gap(chisq, df, target)
        if gap(0.0) < 0:
            assert fit_indices._noncentrality(chisq, df, target) == 0.0
            continue
        upper = max(chisq, 1.0)
        while gap(upper) > 0:
            upper *= 2
        reference = optimize.brentq(gap, 0.0, upper, xtol=1e-14, rtol=1e-14)
        ours = fit_indices._noncentrality(chisq, df, target)
        assert ours == pytest.approx(reference, rel=5e-13, abs=1e-12)
        solved += 1
    assert solved > 200


def test_find_root_near_keeps_inside_its_bracket_from_a_poor_guess():
    """A guess far off, a slope of the wrong size or none: the safeguards (Illinois
    on the bracket, doubling without one) still reach the root of a decreasing f."""
    f = lambda x: 2.0 - math.log1p(x)  # noqa: E731  root e^2 - 1
    root = math.e**2 - 1.0
    for guess, slope in [(1e6, -1.0), (1e-9, -1e9), (3.0, math.nan), (50.0, -1e-12)]:
        assert find_root_near(f, guess, slope, lower=0.0, f_lower=2.0) == pytest.approx(
            root, rel=1e-12)
    assert find_root_near(f, 5.0, -0.1, lower=root, f_lower=0.0) == root
    with pytest.raises(ValueError, match="is NaN"):
        find_root_near(lambda x: math.nan, 1.0, -1.0, lower=0.0, f_lower=1.0)


def test_find_root_brackets_a_root_of_polynomials():
    for _ in range(300):
        coefficients = RNG.normal(size=4)
        f = lambda x, c=coefficients: float(np.polyval(c, x))  # noqa: E731
        if np.sign(f(-5.0)) == np.sign(f(5.0)):
            continue
        x = find_root(f, -5.0, 5.0, xtol=1e-13, rtol=1e-13)
        step = 1e-12 * max(1.0, abs(x))
        assert f(x) == 0.0 or np.sign(f(x - step)) != np.sign(f(x + step))


def test_find_root_returns_an_exact_end_and_refuses_a_bracket_without_a_sign_change():
    assert find_root(lambda x: x - 1.0, 1.0, 3.0) == 1.0
    with pytest.raises(ValueError, match="same sign"):
        find_root(lambda x: x * x + 1.0, -1.0, 1.0)
    with pytest.raises(ValueError, match="is NaN"):
        find_root(lambda x: float("nan"), 0.0, 1.0)
    with pytest.raises(ConvergenceError, match="no root"):
        find_root(lambda x: x**3 - 2.0, 0.0, 2.0, xtol=1e-300, rtol=1e-16, max_iter=2)
