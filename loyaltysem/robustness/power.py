"""Power: Monte Carlo shares and the Satorra–Saris noncentral chi-square approximation.

References
----------
Satorra, A., & Saris, W. E. (1985). Power of the likelihood ratio test in
covariance structure analysis. Psychometrika, 50(1), 83-90.
Muthén, L. K., & Muthén, B. O. (2002). How to use a Monte Carlo study to
decide on sample size and determine power. Structural Equation Modeling,
9(4), 599-620.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.summary import SummaryStatistics
from ..distributions import chi2_ppf, ncx2_sf
from ..estimate.fit import fit_summary
from ..spec import ModelSpec
from ..spec.statements import Statement


_NOBS = 1_000_000  # any N: chisq / N is the discrepancy F0 of the population covariance


def satorra_saris_power(spec: ModelSpec, population_cov: pd.DataFrame, path: tuple[str, str],
                        sample_sizes, alpha: float = 0.05) -> pd.Series:
    """Power to detect one path by the likelihood-ratio test (Satorra & Saris, 1985).

    The model with the path fixed to 0 is fitted to the population
    covariance matrix; its minimum discrepancy ``F0`` gives the
    noncentrality ``lambda = N F0`` (lavaan's N convention) of a chi-square
    with 1 df, and power is ``P(chi2_1(lambda) > chi2_1,1-alpha)``.

    Parameters
    ----------
    spec : ModelSpec
        The model (with the path).
    population_cov : pandas.DataFrame
        Population covariance of the items.
    path : (source, target)
    sample_sizes : iterable of int
    alpha : float
    """
    source, target = path
    restricted = tuple(Statement(s.lhs, s.op, s.rhs, fixed=0.0) if (s.op == "~" and s.lhs == target
                                                                    and s.rhs == source) else s
                       for s in spec.statements)
    restricted_spec = ModelSpec(restricted, name=f"{spec.name} without {source} -> {target}")
    columns = list(restricted_spec.observed_variables)
    population = SummaryStatistics(population_cov.loc[columns, columns].astype(float),
                                   _NOBS)
    fitted = fit_summary(restricted_spec, population, emit_warnings=False)
    f0 = float(fitted.fit_indices["chisq"]) / _NOBS  # the minimum discrepancy at the population
    critical = chi2_ppf(1 - alpha, 1)
    return pd.Series({int(n): float(ncx2_sf(critical, 1, n * f0)) for n in sample_sizes},
                     name="power")


def power_table(results: pd.DataFrame) -> pd.DataFrame:
    """Monte Carlo power per statistic and sample size.

    For hypotheses the share of replications in which the hypothesis is
    supported; for paths and defined effects the share with p < .05. With
    its Monte Carlo standard error ``sqrt(p (1 - p) / R)``.
    """
    columns = ["statistic", "variant", "estimator", "n", "power", "replications", "mc_se"]
    if results.empty or "statistic" not in results or "pvalue" not in results:
        return pd.DataFrame(columns=columns)   # no replication finished ok
    ok = results[(results["status"] == "ok") & results["sample"].str.startswith("simulate")].copy()
    ok = ok[ok["statistic"] != "fit"]
    ok["n"] = ok["sample"].str.split().str[1].astype(int)
    if "supported" not in ok:
        ok["supported"] = np.nan
    hit = np.where(ok["statistic"].str.startswith("hypothesis"), ok["supported"],
                   (ok["pvalue"] < 0.05).astype(float))
    ok["hit"] = hit
    table = ok.groupby(["statistic", "variant", "estimator", "n"])["hit"].agg(["mean", "count"])
    table = table.rename(columns={"mean": "power", "count": "replications"}).reset_index()
    table["mc_se"] = np.sqrt(table["power"] * (1 - table["power"]) / table["replications"])
    return table
