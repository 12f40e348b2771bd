"""Nested-model comparison: lavaan's ``lavTestLRT`` / ``anova``.

:func:`compare` puts fits of nested models to the same data side by side,
ordered by their degrees of freedom (least restricted first), and tests each
against the one before it: the chi-square difference test for ML, a scaled
difference for MLR and MLM (the statistics are in :mod:`.difference`), with
AIC, BIC and the changes in CFI and RMSEA (robust versions too for MLR/MLM).

References
----------
Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample
analysis of moment structures. In Heijmans, Pollock & Satorra (Eds.),
Innovations in multivariate statistical analysis (pp. 233-247). Kluwer.
Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test
statistic for moment structure analysis. Psychometrika, 66(4), 507-514.
Satorra, A., & Bentler, P. M. (2010). Ensuring positiveness of the scaled
difference chi-square test statistic. Psychometrika, 75(2), 243-248.
lavaan 0.6: ``R/lav_test_LRT.R``, ``R/lav_test_diff.R``.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..arguments import check_choice, fail
from ..exceptions import ArgumentError, ConvergenceError, DataError
from ..summary import Summary, json_value
from . import difference as diff
from .wls_inference import LEAST_SQUARES

Method = Literal["default", "satorra.bentler.2001", "satorra.bentler.2010", "satorra.2000"]
METHODS = ("default", "satorra.bentler.2001", "satorra.bentler.2010", "satorra.2000")
#: relative tolerance on model 1's chi-square at model 0's estimates (the M10 model)
#: against model 0's own: above it the models are not nested by parameter names
M10_TOLERANCE = 1e-6


@dataclass(frozen=True)
class DifferenceTest:
    """One difference test of two nested models (a value object).

    Attributes
    ----------
    name : str
        The method: ``"chi-square difference"``, ``"satorra.bentler.2001"``, ...
    less_restricted, more_restricted : str
        Model names (models 1 and 0).
    statistic, df, pvalue : float
        The (scaled) difference, its df and p-value (chi-square distribution).
    scaling_factor : float
        ``cd`` of a scaled difference (NaN for ML).
    unscaled : float
        ``T0 - T1``.
    c10 : float
        Satorra–Bentler (2010) only: model 1's scaling factor at model 0's estimates.
    reason : str
        Why the test is not available (then ``statistic`` is NaN); empty otherwise.
    """

    name: str
    less_restricted: str
    more_restricted: str
    statistic: float
    df: float
    pvalue: float
    scaling_factor: float = float("nan")
    unscaled: float = float("nan")
    c10: float = float("nan")
    reason: str = ""

    @property
    def null(self) -> str:
        """The null hypothesis."""
        return (f"the restrictions of {self.more_restricted} on {self.less_restricted} hold "
                "in the population")

    def __str__(self) -> str:
        head = f"{self.more_restricted} vs {self.less_restricted} ({self.name})"
        if self.reason:
            return f"{head}: not available: {self.reason}"
        return f"{head}: statistic {self.statistic:.4f}, df {self.df:g}, p = {self.pvalue:.4g}"


@dataclass(frozen=True, eq=False)
class ModelComparison:
    """Nested models side by side (lavaan's ``lavTestLRT`` table and more).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model, least restricted first: ``model, npar, df, chisq,
        aic, bic, cfi, rmsea`` (for MLR/MLM also ``chisq_scaled,
        scaling_factor, cfi_robust, rmsea_robust``), then the comparison with
        the row before: ``chisq_diff, df_diff, pvalue_diff`` (``chisq_diff`` is
        the scaled difference for MLR/MLM, as lavaan's ``Chisq diff``),
        ``scaling_factor_diff`` (``cd``; MLR/MLM), ``rmsea_diff`` (ML: lavaan's
        ``RMSEA`` column), ``delta_cfi, delta_rmsea`` (and ``_robust``).
    tests : tuple of DifferenceTest
        The test of each row against the one before it.
    method : str
    estimator : str
    notes : tuple of str
    """

    table: pd.DataFrame
    tests: tuple[DifferenceTest, ...]
    method: str
    estimator: str
    notes: tuple[str, ...] = ()

    def summary(self, digits: int = 3) -> Summary:
        """The table, the tests and the notes."""
        heading = ("Chi-squared difference test" if self.estimator == "ML" else
                   f"Scaled chi-squared difference test (method = {self.method})")
        notes = list(self.notes) + [str(t) for t in self.tests if t.reason]
        if self.estimator != "ML":
            notes.append("chisq is the standard statistic of each model; chisq_diff is the "
                         "scaled difference (a function of two standard statistics)")
        return Summary(f"Model comparison: {heading}",
                       (("Models", self.table), ("Notes", notes or ["none"])), digits=digits)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __str__(self) -> str:
        return self.summary().as_text()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the rows, the method and the notes."""
        return {"method": self.method, "estimator": self.estimator,
                "models": [{k: json_value(v) for k, v in row.items()}
                           for row in self.table.to_dict("records")],
                "notes": list(self.notes) + [str(t) for t in self.tests if t.reason]}


def _kinds() -> tuple[type, ...]:
    from ..groups.results import MultiGroupResult
    from .results import FitResult

    return (FitResult, MultiGroupResult)


def _observed_moments(result: Any) -> list[tuple[float, dict[str, int], np.ndarray]]:
    """Per group: N, the variables' positions by name, and the sample covariance."""
    core = result.core
    order = list(core.layout.structure.observed)
    return [(float(g.n[0]), {v: i for i, v in enumerate(order)}, g.cov[0])
            for g in core.groups]


def _check_same_data(fits: Sequence[Any], names: Sequence[str]) -> None:
    """Refuse fits that do not look like nested models of the same data."""
    first = _observed_moments(fits[0])
    for fit, name in zip(fits[1:], names[1:]):
        other = _observed_moments(fit)
        if len(other) != len(first):
            raise DataError(f"{name} has {len(other)} groups and {names[0]} {len(first)}: "
                            "nested models are fitted to the same groups")
        for (n0, order0, cov0), (n1, order1, cov1) in zip(first, other):
            if n0 != n1:
                raise DataError(f"{name} was fitted to {n1:g} observations and {names[0]} to "
                                f"{n0:g}: nested models must be fitted to the same data")
            if set(order0) != set(order1):
                raise DataError(f"{name} and {names[0]} use different observed variables "
                                f"({sorted(set(order0) ^ set(order1))}): nested models must "
                                "be fitted to the same variables (as lavaan requires)")
            perm = [order1[v] for v in order0]
            if not np.allclose(cov1[np.ix_(perm, perm)], cov0, rtol=1e-10, atol=1e-12):
                raise DataError(f"{name} and {names[0]} were fitted to different data (their "
                                "sample covariances differ): compare fits of the same data")


def _check_fits(fits: tuple[Any, ...], method: Any, names: Any) -> list[str]:
    """Refuse bad arguments of :func:`compare` before any work; the model names."""
    if len(fits) < 2:
        raise ArgumentError(f"compare needs at least two fits; got {len(fits)}")
    kinds = _kinds()
    for k, fit in enumerate(fits):
        if not isinstance(fit, kinds) or getattr(fit, "core", None) is None:
            raise fail(f"fit {k + 1}", "a FitResult (loyaltysem.fit) or a MultiGroupResult "
                       "(loyaltysem.groups.fit_groups)", fit)
    if len({type(f) for f in fits}) > 1:
        raise ArgumentError("fits must all be single-group (FitResult) or all multi-group "
                            "(MultiGroupResult); got a mix")
    estimators = [f.estimator for f in fits]
    if len(set(estimators)) > 1:
        raise ArgumentError(f"fits must use the same estimator; got {', '.join(estimators)}")
    check_choice("method", method, METHODS)
    if estimators[0] in LEAST_SQUARES and method not in ("default", "satorra.2000"):
        raise ArgumentError(f"method {method!r} is for ML-based robust fits; fits by "
                            f"{estimators[0]} are compared by method 'satorra.2000' (the "
                            "default, as lavaan's lavTestLRT)")
    if estimators[0] == "ML" and method != "default":
        raise ArgumentError(f"method {method!r} scales the difference of robust (MLR, MLM) "
                            "fits; for ML fits use method='default'")
    if names is None:
        names = [f.spec.name for f in fits]
        if len(set(names)) < len(names):
            names = [f"model {k + 1}" for k in range(len(fits))]
    elif (isinstance(names, (str, bytes)) or len(names) != len(fits)
          or not all(isinstance(n, str) and n for n in names) or len(set(names)) < len(names)):
        raise fail("names", f"{len(fits)} different non-empty strings", names)
    return list(names)


def _n_groups(fit: Any) -> int:
    return int(fit.core.layout.n_groups)


def _complete(fit: Any) -> bool:
    return all(g.complete for g in fit.core.groups)


def _model_row(name: str, fit: Any) -> dict[str, Any]:
    f = fit.fit_indices

    def value(key: str) -> float:
        return float(f[key]) if key in f.index and f[key] is not None else math.nan

    row: dict[str, Any] = {"model": name, "npar": int(f["npar"]), "df": int(f["df"]),
                           "chisq": value("chisq")}
    if fit.estimator != "ML":
        row.update(chisq_scaled=value("chisq_scaled"), scaling_factor=value("scaling_factor"))
    row.update(aic=value("aic"), bic=value("bic"), cfi=value("cfi"), rmsea=value("rmsea"))
    if fit.estimator != "ML":
        row.update(cfi_robust=value("cfi_robust"), rmsea_robust=value("rmsea_robust"))
    return row


def _scaled_test(fit1: Any, fit0: Any, names: tuple[str, str], method: str
                 ) -> DifferenceTest:
    """The scaled difference of two robust fits by ``method`` (module notes)."""
    f1, f0 = fit1.fit_indices, fit0.fit_indices
    t1, r1, c1 = float(f1["chisq"]), int(f1["df"]), float(f1["scaling_factor"])
    t0, r0, c0 = float(f0["chisq"]), int(f0["df"]), float(f0["scaling_factor"])
    if fit1.estimator in LEAST_SQUARES:  # WLSMV and its kin: lavTestLRT's satorra.2000
        method = "satorra.2000"
    name = "satorra.bentler.2001" if method == "default" else method
    c10, reason = math.nan, ""
    if method == "satorra.bentler.2010":
        c10, reason = _c10(fit1, fit0, t0, r1)
        c1 = c10
    if method == "satorra.2000":  # lavTestLRT's default: scaled and shifted
        traces, reason = _satorra_2000(fit1, fit0, r0 - r1)
        cd = traces.scaling_factor if traces is not None else math.nan
        statistic = traces.scaled_shifted(t0 - t1) if traces is not None and cd > 0 \
            else math.nan
        pvalue = diff.chisq_difference(statistic, r0, 0.0, r1)[2] if cd > 0 else math.nan
    else:
        statistic, _, pvalue, cd = (diff.scaled_difference_test(t0, r0, c0, t1, r1, c1)
                                    if not reason else (math.nan, r0 - r1, math.nan, math.nan))
        if not reason and not cd > 0 and r0 > r1:
            reason = f"the scaling factor of the difference is not positive (cd = {cd:.4g})"
    return DifferenceTest(name, names[0], names[1], statistic, r0 - r1, pvalue, cd, t0 - t1,
                          c10, reason)


def _c10(fit1: Any, fit0: Any, chisq0: float, df1: int) -> tuple[float, str]:
    """Satorra–Bentler (2010)'s ``c10`` and, if it cannot be had, why."""
    theta, _ = diff.mapped_parameters(fit1.core, fit0.core)
    functions = fit1.core.functions()
    chisq10 = float(functions.n_total[0]) * functions.discrepancy(theta)
    if not abs(chisq10 - chisq0) <= M10_TOLERANCE * max(1.0, chisq0):
        return math.nan, (f"the less restricted model at the more restricted model's estimates "
                          f"(matched by lhs, op, rhs) has chi-square {chisq10:.6g}, not "
                          f"{chisq0:.6g}: the models are not nested by parameter names (lavaan "
                          "reports a meaningless value here); use satorra.bentler.2001")
    try:
        return diff.scaling_factor_at(fit1.core, theta, df1, fit1.estimator,
                                      float(fit1.fit_indices["scaling_factor"])), ""
    except (ConvergenceError, np.linalg.LinAlgError, NotImplementedError) as error:
        return math.nan, f"the scaling factor at the restricted estimates: {error}"


def _satorra_2000(fit1: Any, fit0: Any, df_difference: int
                  ) -> tuple[diff.Satorra2000 | None, str]:
    """Satorra's (2000) traces and, if they cannot be had, why."""
    if fit1.estimator in LEAST_SQUARES:
        from .wls_difference import least_squares_difference

        try:
            return least_squares_difference(fit1.core.functions(), fit1.core.theta,
                                            fit0.core.functions(), fit0.core.theta,
                                            df_difference), ""
        except (ValueError, np.linalg.LinAlgError) as error:
            return None, str(error)
    if not (_complete(fit1) and _complete(fit0)):
        return None, "satorra.2000 needs complete data (Gamma); use satorra.bentler.2001"
    try:
        return diff.satorra_2000_traces(fit1.core, fit0.core, df_difference, fit1.estimator), ""
    except np.linalg.LinAlgError as error:
        return None, f"singular information matrix: {error}"


def _pair_test(fit1: Any, fit0: Any, names: tuple[str, str], method: str) -> DifferenceTest:
    """The test of model 0 (more restricted) against model 1."""
    f1, f0 = fit1.fit_indices, fit0.fit_indices
    t1, r1, t0, r0 = float(f1["chisq"]), int(f1["df"]), float(f0["chisq"]), int(f0["df"])
    if r0 == r1:
        return DifferenceTest("chi-square difference" if fit1.estimator == "ML" else method,
                              names[0], names[1], math.nan, 0, math.nan, unscaled=t0 - t1,
                              reason="the models have the same degrees of freedom (they are "
                              "not nested, or equivalent)")
    if fit1.estimator == "ML":
        statistic, df, pvalue = diff.chisq_difference(t0, r0, t1, r1)
        return DifferenceTest("chi-square difference", names[0], names[1], statistic, df,
                              pvalue, unscaled=statistic)
    return _scaled_test(fit1, fit0, names, method)


def _comparison_columns(row: dict[str, Any], previous: dict[str, Any], test: DifferenceTest,
                        fit: Any) -> None:
    """Add the comparison of ``row`` with ``previous`` to ``row``."""
    row.update(chisq_diff=test.statistic, df_diff=test.df, pvalue_diff=test.pvalue)
    if fit.estimator == "ML":
        n = float(fit.core.functions().n_total[0])
        row["rmsea_diff"] = diff.rmsea_difference(test.statistic, test.df, n, _n_groups(fit))
    else:
        row["scaling_factor_diff"] = test.scaling_factor
    suffixes = ("", "_robust") if fit.estimator != "ML" else ("",)
    for suffix in suffixes:
        for index in ("cfi", "rmsea"):
            row[f"delta_{index}{suffix}"] = row[index + suffix] - previous[index + suffix]


def compare(*fits: Any, method: Method = "default",
            names: Sequence[str] | None = None) -> ModelComparison:
    """Compare nested models fitted to the same data (lavaan's ``lavTestLRT`` / ``anova``).

    Parameters
    ----------
    *fits : FitResult or MultiGroupResult
        Two or more fits of nested models to the same data with the same
        estimator, in any order: they are sorted by df (least restricted
        first; ties keep the given order), as lavaan does.
    method : {"default", "satorra.bentler.2001", "satorra.bentler.2010", "satorra.2000"}
        For MLR/MLM fits, how the difference is scaled: ``"default"`` is
        Satorra–Bentler (2001), lavaan's default. ML fits: ``"default"`` only
        (the chi-square difference test).
    names : sequence of str, optional
        Model names, in the order of ``fits`` (default: the specs' names, or
        ``model 1, model 2, ...`` when they repeat).

    Returns
    -------
    ModelComparison
        ``.table`` (one row per model) and ``.tests`` (each row against the one
        before); a test that does not apply says why (``DifferenceTest.reason``).

    Raises
    ------
    ArgumentError
        Fewer than two fits, something else than fits, a mix of single- and
        multi-group fits or of estimators, an unknown method.
    DataError
        Fits of different data (groups, N, variables or sample moments differ).

    Notes
    -----
    ML: ``T0 - T1`` on ``r0 - r1`` df and lavaan's RMSEA of the difference
    ``sqrt(max(0, (dT/N)/ddf - 1/N)) sqrt(G)``. MLR/MLM: ``chisq`` is each
    model's standard statistic and ``chisq_diff`` the scaled difference
    (:mod:`loyaltysem.estimate.difference`: Satorra & Bentler 2001, 2010;
    Satorra 2000). Satorra–Bentler (2010) matches the parameters by lhs, op,
    rhs and group, as lavaan; unlike lavaan it refuses (with a reason) when the
    less restricted model at those values does not reproduce the restricted
    model's chi-square, i.e. when the models are not nested by parameter names.
    Satorra (2000) is scaled and shifted, ``a (T0 - T1) + b``, as lavaan's
    ``lavTestLRT`` (``scaled.shifted = TRUE``, its default); the test's
    ``scaling_factor`` is ``cd = tr(U_d Gamma) / m``.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> three = ls.fit("models/hs_cfa.lav", "holzinger_swineford")
    >>> one = ls.fit("g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9",
    ...              "holzinger_swineford")
    >>> result = ls.compare(three, one, names=["three", "one"])  # lavTestLRT(three, one)
    >>> round(float(result.table["chisq_diff"].iat[1]), 3)
    226.959
    """
    names = _check_fits(fits, method, names)
    _check_same_data(fits, names)
    order = sorted(range(len(fits)), key=lambda k: int(fits[k].fit_indices["df"]))
    notes = [f"{names[k]} did not converge: its statistics are not trustworthy"
             for k in order if not fits[k].converged]
    rows: list[dict[str, Any]] = []
    tests: list[DifferenceTest] = []
    for position, k in enumerate(order):
        row = _model_row(names[k], fits[k])
        if position:
            before = order[position - 1]
            test = _pair_test(fits[before], fits[k], (names[before], names[k]), method)
            tests.append(test)
            _comparison_columns(row, rows[-1], test, fits[k])
        rows.append(row)
    return ModelComparison(table=pd.DataFrame(rows), tests=tuple(tests),
                           method=("satorra.2000" if fits[0].estimator in LEAST_SQUARES
                                   else "satorra.bentler.2001" if method == "default"
                                   and fits[0].estimator != "ML" else method),
                           estimator=fits[0].estimator, notes=tuple(notes))


__all__ = ["DifferenceTest", "METHODS", "ModelComparison", "compare"]
