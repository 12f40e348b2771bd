"""Exact values of the distribution functions of loyaltysem.distributions, by mpmath.

Run from the repository root:  python3 tests/reference/make_distributions_reference.py
(mpmath 1.3, about three minutes). Writes tests/reference/distributions/mpmath.json:
the grid of arguments and, for each function, the value computed with 30
significant digits and rounded to the nearest double (the "truth" the tests
measure relative errors against; ``tests/test_distributions.py``). The same
grid is read by make_distributions_reference.R, which adds R's values.

- normal: ``1 - Phi(x)`` on x in [-38.5, 38.5] (mpmath ``ncdf``), the quantile
  ``Phi^-1(q)`` for q from 1e-300 to 1 - 1e-16 and around 1/2 (six Newton steps
  in mpmath on the logarithm of the smaller tail from scipy's value);
- central chi-square: ``P(df/2, x/2)`` and ``Q(df/2, x/2)`` (``gammainc``) for
  df 0.5-500 and x 1e-8 to 5000, and
  quantiles for q 1e-300 to 1 - 1e-16 (Newton steps in mpmath on the logarithm
  of the smaller tail from scipy's value);
- noncentral chi-square: CDF and survival function, the Poisson mixture
  ``sum_i Pois(i; nc/2) P(df/2 + i, x/2)`` summed term by term (each term by
  ``gammainc``) outward from the largest term until the terms of both sums are
  below 1e-32 of them, for df 0.5-500, nc 1e-6-1000 and x from 1e-8 through the bulk to
  30 standard deviations above the mean.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import mpmath
import numpy as np
from scipy import stats

mpmath.mp.dps = 30
OUT = Path(__file__).resolve().parent / "distributions" / "mpmath.json"
DFS = [0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 24.0, 30.0, 50.0, 75.0, 100.0, 150.0,
       200.0, 300.0, 500.0]
QS = [1e-300, 1e-100, 1e-30, 1e-10, 1e-5, 0.001, 0.05, 0.3, 0.5, 0.7, 0.95, 0.999, 1 - 1e-5,
      1 - 1e-10, 1 - 1e-16]


def normal() -> dict:
    x = sorted(set(np.round(np.linspace(-38.5, 38.5, 309), 12).tolist()
                   + [-1e-8, 1e-8, 0.5, -0.5, 0.7071, 0.7072, 2.8284, 2.8285, 5.6568, 5.6569]))
    sf = [float(mpmath.ncdf(-mpmath.mpf(v))) for v in x]
    q = sorted(set(np.logspace(-300, -1, 120).tolist() + np.linspace(0.01, 0.99, 99).tolist()
                   + (1 - np.logspace(-16, -1, 60)).tolist()
                   + (0.5 + np.logspace(-17, -2, 30)).tolist()
                   + (0.5 - np.logspace(-17, -2, 30)).tolist()))
    ppf = []
    for p in q:
        z = mpmath.mpf(float(stats.norm.ppf(p)))
        target = mpmath.mpf(p)
        for _ in range(6):  # Newton on log Phi(z) (lower half) or log(1 - Phi(z))
            if p < 0.5:
                value, slope = mpmath.log(mpmath.ncdf(z)) - mpmath.log(target), \
                    mpmath.npdf(z) / mpmath.ncdf(z)
            else:
                value, slope = mpmath.log(mpmath.ncdf(-z)) - mpmath.log(1 - target), \
                    -mpmath.npdf(z) / mpmath.ncdf(-z)
            z -= value / slope
        ppf.append(float(z))
    return {"sf": {"x": x, "value": sf}, "ppf": {"q": q, "value": ppf}}


def central() -> dict:
    xs, dfs, lower, upper = [], [], [], []
    for k in DFS:
        a = mpmath.mpf(k) / 2
        for x in np.geomspace(1e-8, 5000, 64).tolist():
            y = mpmath.mpf(x) / 2
            p = mpmath.gammainc(a, 0, y, regularized=True)
            q = mpmath.gammainc(a, y, mpmath.inf, regularized=True)
            xs.append(x)
            dfs.append(k)
            lower.append(float(p))
            upper.append(float(q))
    quantile_q, quantile_df, quantile = [], [], []
    for k in DFS:
        a = mpmath.mpf(k) / 2
        for p in QS:
            start = float(stats.chi2.ppf(p, k)) / 2
            if not start > 0:
                continue
            u = mpmath.log(mpmath.mpf(start))
            target = mpmath.mpf(p) if p < 0.5 else 1 - mpmath.mpf(p)
            for _ in range(8):  # Newton in log y on log of the smaller tail
                y = mpmath.exp(u)
                density_y = mpmath.exp(a * u - y - mpmath.loggamma(a))  # y g(y)
                if p < 0.5:
                    tail = mpmath.gammainc(a, 0, y, regularized=True)
                    u -= (mpmath.log(tail) - mpmath.log(target)) * tail / density_y
                else:
                    tail = mpmath.gammainc(a, y, mpmath.inf, regularized=True)
                    u += (mpmath.log(tail) - mpmath.log(target)) * tail / density_y
            quantile_q.append(p)
            quantile_df.append(k)
            quantile.append(float(2 * mpmath.exp(u)))
    return {"cdf_sf": {"x": xs, "df": dfs, "cdf": lower, "sf": upper},
            "ppf": {"q": quantile_q, "df": quantile_df, "value": quantile}}


def _mixture(x: float, df: float, nc: float) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(CDF, SF) of the noncentral chi-square, both summed term by term."""
    y, a0, mu = mpmath.mpf(x) / 2, mpmath.mpf(df) / 2, mpmath.mpf(nc) / 2

    def term(i: int) -> tuple[mpmath.mpf, mpmath.mpf]:
        weight = mpmath.exp(-mu + i * mpmath.log(mu) - mpmath.loggamma(i + 1))
        return (weight * mpmath.gammainc(a0 + i, 0, y, regularized=True),
                weight * mpmath.gammainc(a0 + i, y, mpmath.inf, regularized=True))

    def negligible(t: tuple, totals: list) -> bool:
        small = mpmath.mpf(10) ** -32
        return t[0] <= small * totals[0] and t[1] <= small * totals[1]

    peak = max(0, int((mpmath.sqrt(a0 * a0 + 4 * mu * y) - a0) / 2))
    totals = [mpmath.mpf(0), mpmath.mpf(0)]
    i = peak
    while True:
        t = term(i)
        totals = [totals[0] + t[0], totals[1] + t[1]]
        if i > mu + 10 and i > peak + 10 and negligible(t, totals):
            break
        i += 1
    i = peak - 1
    while i >= 0:
        t = term(i)
        totals = [totals[0] + t[0], totals[1] + t[1]]
        if i < mu - 10 and i < peak - 10 and negligible(t, totals):
            break
        i -= 1
    return totals[0], totals[1]


def noncentral() -> dict:
    xs, dfs, ncs, lower, upper = [], [], [], [], []
    for k in [0.5, 1.0, 2.0, 5.0, 10.0, 24.0, 50.0, 100.0, 200.0, 500.0]:
        for nc in [1e-6, 0.5, 2.0, 10.0, 50.0, 100.0, 300.0, 1000.0]:
            mean, sd = k + nc, math.sqrt(2 * (k + 2 * nc))
            for x in [1e-8, 1e-3 * mean, mean - 2 * sd, mean - 0.5 * sd, mean, mean + sd,
                      mean + 3 * sd, mean + 10 * sd, mean + 30 * sd]:
                if x <= 0:
                    continue
                p, q = _mixture(x, k, nc)
                xs.append(float(x))
                dfs.append(k)
                ncs.append(nc)
                lower.append(float(p))
                upper.append(float(q))
    return {"x": xs, "df": dfs, "nc": ncs, "cdf": lower, "sf": upper}


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    data = {"mpmath": mpmath.__version__, "dps": mpmath.mp.dps, "normal": normal(),
            "chi2": central(), "ncx2": noncentral()}
    OUT.write_text(json.dumps(data, indent=None) + "\n")
    print(f"wrote {OUT}: {len(data['normal']['sf']['x'])} + {len(data['normal']['ppf']['q'])} "
          f"normal, {len(data['chi2']['cdf_sf']['x'])} + {len(data['chi2']['ppf']['q'])} "
          f"chi-square, {len(data['ncx2']['x'])} noncentral")


if __name__ == "__main__":
    main()
