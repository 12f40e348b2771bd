"""loyaltysem.distributions against the scipy.stats functions it replaces (the same
ufuncs, so the values are compared for exact equality: observed difference 0 on every
grid point, edges included), and estimate.roots.find_root against scipy's brentq."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize, special, stats

from loyaltysem import distributions as d
from loyaltysem.estimate.roots import find_root
from loyaltysem.exceptions import ConvergenceError

RNG = np.random.default_rng(20261202)
X = np.concatenate([RNG.uniform(-2, 400, 3000), [-1.0, 0.0, 1e-300, np.inf, np.nan, 3.0]])
DF = np.concatenate([RNG.integers(0, 300, 3000).astype(float), [2.0, 2.0, 2.0, 2.0, 2.0, np.inf]])
NC = np.concatenate([RNG.uniform(-0.5, 150, 3000), [1.0, 1.0, 1.0, 1.0, 1.0, 0.0]])
Q = np.concatenate([RNG.uniform(-0.1, 1.1, 3000), [0.0, 1.0, 0.5, 1e-300, np.nan, 0.975]])
Z = np.concatenate([RNG.normal(scale=6, size=3000), [0.0, -0.0, np.inf, -np.inf, np.nan, 40.0]])


@pytest.mark.parametrize(("ours", "theirs", "args"), [
    (d.norm_cdf, stats.norm.cdf, (Z,)),
    (d.norm_sf, stats.norm.sf, (Z,)),
    (d.norm_ppf, stats.norm.ppf, (Q,)),
    (d.chi2_sf, stats.chi2.sf, (X, DF)),
    (d.chi2_ppf, stats.chi2.ppf, (Q, DF)),
    (d.ncx2_sf, stats.ncx2.sf, (X, DF, NC)),
])
def test_each_function_equals_scipy_stats(ours, theirs, args):
    np.testing.assert_array_equal(ours(*args), theirs(*args))


@pytest.mark.parametrize(("ours", "theirs", "args"), [
    (d.norm_sf, stats.norm.sf, (1.7,)),
    (d.chi2_sf, stats.chi2.sf, (85.3, 24)),
    (d.ncx2_sf, stats.ncx2.sf, (85.3, 24, 18.06)),
    (d.norm_ppf, stats.norm.ppf, (0.975,)),
])
def test_scalars_give_numpy_floats_as_scipy_stats(ours, theirs, args):
    value = ours(*args)
    assert type(value) is type(theirs(*args)) is np.float64
    assert value == theirs(*args)


def test_a_series_argument_gives_an_array_not_a_realigned_series():
    import pandas as pd

    z = pd.Series([1.0, 2.0], index=[5, 7])
    assert isinstance(d.norm_sf(z), np.ndarray)


def test_the_ncx2_fallback_is_the_complement_of_the_cdf(monkeypatch):
    monkeypatch.setattr(d, "_boost_ncx2_sf", None)
    ok = (DF > 0) & np.isfinite(DF) & (NC >= 0)
    # 1 - CDF loses digits only in the far tail: observed absolute difference 1.6e-15
    np.testing.assert_allclose(d.ncx2_sf(X[ok], DF[ok], NC[ok]),
                               stats.ncx2.sf(X[ok], DF[ok], NC[ok]), rtol=0, atol=1e-14)


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
