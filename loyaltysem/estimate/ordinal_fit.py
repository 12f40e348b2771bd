"""Fits of models with ordinal indicators: lavaan's ``ordered =`` with WLSMV and its kin.

The spec's parameter table becomes lavaan's for ordinal indicators in the delta
parameterization (:func:`ordinal_table`): one free threshold ``item | t<k>`` per
category boundary of every ordinal item, and the residual variances of the ordinal
items no longer free (they are ``1 - diag(Lambda C Psi C' Lambda')``, reported in the
estimates table). The sample statistics are lavaan's two-step thresholds and
polychoric correlations with their asymptotic covariance
(:func:`loyaltysem.ordinal.sample_statistics`); the model is fitted on the one core
with the least-squares discrepancy of :mod:`.wls` (:func:`.core_fit.fit_core`).

Not yet: continuous indicators beside ordinal ones, observed covariates (lavaan's
``conditional.x``), several groups, the theta parameterization; each is refused with
what to do.

References
----------
Muthén, B. (1984). A general structural equation model with dichotomous, ordered
categorical, and continuous latent variable indicators. Psychometrika, 49(1), 115-132.
lavaan 0.6-14: ``lavaanify(..., ordered =)``, ``lav_partable_flat`` (threshold rows),
``parameterization = "delta"``.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..arguments import ArgumentError
from ..data.survey import Survey
from ..exceptions import SpecificationError
from ..ordinal import OrdinalStatistics, sample_statistics
from ..spec import ModelSpec
from .layout_cache import cached_layout
from .moments import summary_moments
from .results import FitResult
from .wls import OrdinalMoments, WLSFunctions


def refuse_least_squares(result: object, what: str) -> None:
    """Refuse ``what`` (a likelihood-based method) for a fit of ordinal items.

    Raises
    ------
    ArgumentError
        When ``result`` was fitted by WLSMV, ULSMV, DWLS, ULS or WLS.
    """
    estimator = getattr(result, "estimator", "ML")
    if estimator in ("WLSMV", "ULSMV", "DWLS", "ULS", "WLS"):
        raise ArgumentError(
            f"{what} is not available for a fit of ordinal items by {estimator} yet (it "
            "refits or extends the likelihood); use the fit's robust SEs and the delta-"
            "method intervals of its effects, or fit the items as continuous by ML")


def ordered_items(spec: ModelSpec, ordered: bool | Sequence[str]) -> list[str]:
    """The spec's observed variables that are ordinal (``True``: all of them).

    Raises
    ------
    SpecificationError
        An ordered name that is not an observed variable of the model, a model with
        continuous observed variables beside ordinal ones or with observed covariates.
    """
    observed = list(spec.observed_variables)
    if ordered is True:
        items = observed
    else:
        items = list(dict.fromkeys(str(v) for v in ordered))  # type: ignore[union-attr]
        unknown = [v for v in items if v not in observed]
        if unknown:
            raise SpecificationError(
                f"ordered names {', '.join(unknown)}, which are not observed variables of "
                f"the model ({', '.join(observed)}); give the ordinal items of the model")
    continuous = [v for v in observed if v not in items]
    if continuous:
        raise SpecificationError(
            f"the model's {', '.join(continuous)} would be continuous beside the ordinal "
            f"{', '.join(items)}; loyaltysem fits ordinal models whose observed variables "
            "are all ordinal: declare them ordered too, or fit the model by ML")
    if spec.roles.ov_x:
        raise SpecificationError(
            f"observed covariates ({', '.join(spec.roles.ov_x)}) in an ordinal model need "
            "lavaan's conditional.x, which loyaltysem does not fit yet; measure them as "
            "ordinal items of a construct, or fit the model by ML")
    return items


def ordinal_table(table: pd.DataFrame, statistics: OrdinalStatistics) -> pd.DataFrame:
    """lavaan's parameter table with ordinal items (module notes): the residual variances
    of the ordinal items fixed (``ustart`` 0 here: their value comes from the model),
    the free parameters renumbered, and the threshold rows, numbered after all other
    free parameters in the order of the statistics, placed after the regressions."""
    table = table.copy()
    ordinal = set(statistics.ordered)
    residual = ((table["op"] == "~~") & (table["lhs"] == table["rhs"])
                & table["lhs"].isin(ordinal)).to_numpy()
    table.loc[residual, "free"] = 0
    table.loc[residual, "ustart"] = 0.0
    free = table["free"].to_numpy()
    numbers = {old: new for new, old in enumerate(sorted(set(free[free > 0])), start=1)}
    table["free"] = [numbers.get(int(v), 0) for v in free]
    q = len(numbers)
    names = [str(name).split("|") for name in statistics.thresholds.index]
    thresholds = pd.DataFrame({
        "lhs": [item for item, _ in names], "op": "|", "rhs": [t for _, t in names],
        "free": np.arange(q + 1, q + 1 + len(names)), "label": "", "ustart": np.nan})
    for column in table.columns:
        if column not in thresholds:
            thresholds[column] = 0 if table[column].dtype.kind in "iuf" else ""
    thresholds = thresholds[list(table.columns)].astype(table.dtypes.to_dict())
    structural = np.flatnonzero(table["op"].isin(["=~", "~"]).to_numpy())
    at = int(structural.max()) + 1 if structural.size else 0
    return pd.concat([table.iloc[:at], thresholds, table.iloc[at:]], ignore_index=True)


def least_squares_weight(statistics: OrdinalStatistics, estimator: str) -> np.ndarray:
    """``W``: DWLS for WLSMV and DWLS, the identity for ULSMV and ULS, ``Gamma^-1`` for
    WLS (lavaan's ``WLS.V``)."""
    family = {"WLSMV": "DWLS", "DWLS": "DWLS", "ULSMV": "ULS", "ULS": "ULS",
              "WLS": "WLS"}[estimator]
    return np.asarray(statistics.weight_matrix(family), dtype=float)  # type: ignore[arg-type]


def ordinal_functions(spec: ModelSpec, frame: pd.DataFrame, items: list[str],
                      estimator: str) -> tuple[WLSFunctions, pd.DataFrame, OrdinalStatistics]:
    """The least-squares functions of ``spec`` on the ordinal ``items`` of ``frame``,
    the full parameter table (thresholds included) and the sample statistics."""
    statistics = sample_statistics(frame[items], ordered=True)
    full = ordinal_table(spec.parameter_table, statistics)
    layout = cached_layout(full[full["op"] != "|"].reset_index(drop=True))
    order = list(layout.structure.observed)
    position = {name: k for k, name in enumerate(order)}
    index = [items.index(v) for v in order]
    correlation = statistics.correlation.to_numpy()[np.ix_(index, index)]
    n = statistics.nobs
    labels = list(statistics.statistics.index)
    t = len(statistics.thresholds)
    pairs = np.array([[position[a], position[b]] for a, b in
                      (label.split("~~") for label in labels[t:])], dtype=int).reshape(-1, 2)
    moments = OrdinalMoments(
        statistics=statistics.statistics.to_numpy(dtype=float),
        weight=least_squares_weight(statistics, estimator),
        gamma=statistics.nacov.to_numpy(dtype=float), nobs=n, n_thresholds=t, pairs=pairs,
        ordinal=np.array([position[v] for v in statistics.ordered], dtype=int))
    group = summary_moments(correlation, np.zeros(len(order)), float(n))
    return WLSFunctions(layout, group, moments), full, statistics




def fit_ordinal(spec: ModelSpec, survey: Survey, ordered: bool | Sequence[str], estimator: str,
                *, emit_warnings: bool = True) -> FitResult:
    """Fit ``spec`` to the checked ``survey`` with ordinal items (module notes; see
    :func:`loyaltysem.fit`, ``ordered=``)."""
    from .fit import _fit_moments

    items = ordered_items(spec, ordered)
    functions, table, statistics = ordinal_functions(spec, survey.data, items, estimator)
    spec = spec.with_parameter_table(table)
    notes = (f"ordinal items ({len(items)}): estimator {estimator}, delta parameterization, "
             f"{len(statistics.thresholds)} thresholds; polychoric correlations by lavaan's "
             "two-step method",)
    return _fit_moments(spec, functions, estimator=estimator, start=None,
                        emit_warnings=emit_warnings, frame=survey.data,
                        notes=tuple(survey.notes) + notes, n_dropped=survey.n_dropped,
                        fiml=False, table=table)


__all__ = ["fit_ordinal", "least_squares_weight", "ordered_items", "ordinal_functions",
           "ordinal_table"]
