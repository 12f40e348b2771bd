"""Multi-group fits of ordinal items, as lavaan's ``cfa(..., ordered =, group =,
group.equal =)`` with WLSMV and its kin.

Every group has its own two-step statistics on the pooled categories
(:func:`loyaltysem.ordinal.group_statistics`: a category empty in one group is an
error naming it) and the model's parameter table with lavaan's conventions for
categorical items (:mod:`loyaltysem.estimate.ordinal_table`): thresholds free per group
or one parameter across groups under ``group_equal=["thresholds"]``, the ordinal
items' intercepts fixed at 0, with equal thresholds the latent means and the scaling
factors (delta) or residual variances (theta) free in groups 2... The groups' least-
squares discrepancies are summed on the one core (:mod:`loyaltysem.estimate.wls`), with
the robust SEs, scaled-shifted test and fit measures of :mod:`~loyaltysem.estimate.
wls_inference` and :mod:`~loyaltysem.estimate.wls_measures`.

References
----------
Muthén, B., & Asparouhov, T. (2002). Latent variable analysis with categorical outcomes:
multiple-group and growth modeling in Mplus. Mplus Web Note 4.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
Statistical Software, 48(2), 1-36.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..distributions import chi2_sf
from ..estimate.admissibility import emit
from ..estimate.core_fit import fit_core
from ..estimate.ordinal_fit import declared_levels, least_squares_functions, ordered_items
from ..estimate.ordinal_table import latent_response_rows, layout_rows, threshold_rows
from ..estimate.structure import model_structure
from ..estimate.wls import WLSFunctions
from ..exceptions import ArgumentError, DataError
from ..ordinal import OrdinalStatistics, group_statistics
from ..spec import ModelSpec
from .layout import build_layout, core_table, free_latent_variances, label_classes
from .results import MultiGroupResult, multigroup_result


#: how the steps of a multi-group ordinal model are identified: lavaan's group.equal
#: conventions, or Wu & Estabrook's (2016), as semTools' ``measEq.syntax(ID.fac =
#: "std.lv", ID.cat = "Wu.Estabrook.2016")``
IDENTIFICATIONS = ("lavaan", "wu.estabrook")


def ordinal_group_tables(spec: ModelSpec, n_groups: int, items: Sequence[str],
                         group_equal: Sequence[str], parameterization: str,
                         identification: str = "lavaan") -> list[pd.DataFrame]:
    """Each group's parameter table with the rows of ordinal items (module notes).

    ``identification="wu.estabrook"`` (Wu & Estabrook 2016, with latent variances 1 and
    every loading free): in groups 2.., with equal thresholds the ordinal items'
    intercepts (unless intercepts are equal too) and their residual variances (theta,
    unless residuals are equal); with equal loadings the latent variances; with equal
    intercepts the latent means. The scaling factors follow the thresholds
    (:func:`~loyaltysem.estimate.ordinal_table.threshold_rows`).
    """
    equal = set(group_equal)
    thresholds = "thresholds" in equal
    if identification == "wu.estabrook":
        spec = spec.with_options(std_lv=True)
        means_free = "intercepts" in equal and "means" not in equal
    else:
        means_free = (thresholds or "intercepts" in equal) and "means" not in equal
    canonical = label_classes(spec.statements)
    latent = set(spec.roles.latent)
    tables = []
    for g in range(n_groups):
        table = spec.group_table(g, n_groups, free_latent_means=means_free and g > 0)
        if spec.std_lv and g > 0:  # Wu & Estabrook's, and lavaan's std.lv = TRUE
            table = free_latent_variances(table, latent, equal)
        table = latent_response_rows(table, items, parameterization, first_group=g == 0,
                                     free_residuals=thresholds and "residuals" not in equal,
                                     free_intercepts=identification == "wu.estabrook"
                                     and g > 0 and thresholds and "intercepts" not in equal)
        labels = table["label"].fillna("").astype(str)
        table["share"] = [canonical.get(label, label) for label in labels]
        tables.append(table)
    return tables


def _statistics(spec: ModelSpec, frame: pd.DataFrame, code: str, groups: Sequence,
                observed: list[str], items: list[str]) -> list[OrdinalStatistics]:
    """Each group's statistics, in the order of ``groups`` (``code``: the column of
    their numbers 0..)."""
    by_code = group_statistics(frame[observed + [code]], code, ordered=items,
                               levels=declared_levels(spec, items) or None)
    out = []
    for i, name in enumerate(groups):
        stats = by_code.get(str(i))
        if stats is None:
            raise DataError(f"group {name!r} has no complete rows")
        out.append(stats)
    return out


def _check_identification(identification: str, group_equal: Sequence[str],
                          parameterization: str, statistics: Sequence[OrdinalStatistics]
                          ) -> None:
    """Refuse an unknown identification, and what Wu & Estabrook's cannot identify:
    equal residuals in the delta parameterization, binary items."""
    if identification not in IDENTIFICATIONS:
        raise ArgumentError(f"identification must be one of {', '.join(map(repr, IDENTIFICATIONS))}; "
                            f"got {identification!r}")
    if identification != "wu.estabrook":
        return
    if "residuals" in group_equal and parameterization == "delta":
        raise ArgumentError("residual variances are not parameters in the delta "
                            "parameterization: test their invariance with "
                            "parameterization='theta' (as semTools' measEq.syntax)")
    binary = sorted({label.split("|")[0] for stats in statistics
                     for label in stats.thresholds.index if label.endswith("|t1")}
                    - {label.split("|")[0] for stats in statistics
                       for label in stats.thresholds.index if label.endswith("|t2")})
    if binary and "thresholds" in group_equal and "loadings" not in group_equal:
        raise ArgumentError(f"binary items ({', '.join(binary)}) have one threshold: Wu & "
                            "Estabrook's threshold step does not identify them; test "
                            "thresholds and loadings together, or use identification='lavaan'")


def fit_ordinal_groups(spec: ModelSpec, frame: pd.DataFrame, code: str, group: str,
                       groups: list, ordered: bool | Sequence[str], group_equal: tuple[str, ...],
                       group_partial: tuple[str, ...], estimator: str, parameterization: str,
                       emit_warnings: bool, n_dropped: int, survey_notes: tuple[str, ...],
                       identification: str = "lavaan") -> MultiGroupResult:
    """Fit ``spec`` to the groups of the checked ``frame`` (its column ``code`` numbers
    the groups) with ordinal items (module notes; see :func:`.fit.fit_groups`)."""
    items = ordered_items(spec, ordered)
    observed = list(spec.observed_variables)
    try:
        statistics = _statistics(spec, frame, code, groups, observed, items)
    except DataError as error:
        raise DataError(str(error).replace(f"group {code!r}", f"{group!r}")
                        .replace(repr(code), repr(group))) from error
    _check_identification(identification, group_equal, parameterization, statistics)
    if identification == "lavaan" and {"thresholds", "intercepts"} & set(group_equal):
        # lavaan 0.6-14 with ordered items: either class makes both equal (the thresholds
        # of ordinal items, the intercepts of continuous ones)
        group_equal = tuple(dict.fromkeys(tuple(group_equal) + ("thresholds", "intercepts")))
    if identification == "wu.estabrook":
        spec = spec.with_options(std_lv=True)
    structure = model_structure(spec.parameter_table)
    thresholds_partial = tuple(p for p in group_partial if "|" in p)
    layout = build_layout(
        ordinal_group_tables(spec, len(groups), items, group_equal, parameterization,
                             identification),
        tuple(structure.observed), structure.latent, groups,
        tuple(c for c in group_equal if c != "thresholds"),
        tuple(p for p in group_partial if "|" not in p))
    full = threshold_rows(layout.table, statistics, groups, parameterization,
                          equal="thresholds" in group_equal, partial=thresholds_partial,
                          written=spec.thresholds)
    table = core_table(full, groups, spec)
    functions = group_functions(table, statistics, estimator, parameterization)
    fitted = fit_core(spec, functions, table, estimator=estimator, groups=list(groups))
    if emit_warnings:
        emit(fitted.problems, stacklevel=4)
    continuous = len(observed) - len(items)
    notes = [f"ordinal items ({len(items)})"
             + (f" and {continuous} continuous" if continuous else "")
             + f": estimator {estimator}, {parameterization} parameterization, thresholds "
             + ("equal across groups" if "thresholds" in group_equal else "free in every group")
             + ("; identified as Wu & Estabrook (2016), latent variances 1"
                if identification == "wu.estabrook" else "")
             + "; polychoric correlations by lavaan's two-step method, per group"]
    return multigroup_result(
        spec, fitted, functions, group=group, groups=groups, group_equal=group_equal,
        group_partial=group_partial, nobs=[s.nobs for s in statistics], n_dropped=n_dropped,
        estimator=estimator, table=full, notes=notes + list(survey_notes),
        data=frame[observed].assign(**{group: [groups[int(c)] for c in frame[code]]}))


def shifted_difference(fit1: MultiGroupResult, fit0: MultiGroupResult
                        ) -> tuple[float, float, float]:
    """Satorra's (2000) scaled-and-shifted difference of two nested multi-group fits of
    ordinal items (``fit0`` the more restricted): ``(statistic, df, p)``, as lavaan's
    ``lavTestLRT`` (:mod:`loyaltysem.estimate.wls_difference`)."""
    from ..estimate.wls_difference import least_squares_difference

    df0, df1 = int(fit0.fit_indices["df"]), int(fit1.fit_indices["df"])
    if df0 <= df1:
        return math.nan, df0 - df1, math.nan
    traces = least_squares_difference(fit1.core.functions(), fit1.theta,
                                      fit0.core.functions(), fit0.theta, df0 - df1)
    statistic = traces.scaled_shifted(float(fit0.fit_indices["chisq"])
                                      - float(fit1.fit_indices["chisq"]))
    return statistic, df0 - df1, float(chi2_sf(max(statistic, 0.0), df0 - df1))


def group_functions(table: pd.DataFrame, statistics: Sequence[OrdinalStatistics],
                    estimator: str, parameterization: str) -> WLSFunctions:
    """The least-squares functions of the core's multi-group ``table`` (groups numbered
    0.., thresholds and scales included) on each group's ``statistics``, in group order:
    a fit's, and a bootstrap resample's with the fit's table
    (:mod:`loyaltysem.effects.ordinal_bootstrap`)."""
    return least_squares_functions(table, layout_rows(table), statistics,
                                   list(range(len(statistics))), estimator,
                                   parameterization)  # type: ignore[arg-type]


__all__ = ["IDENTIFICATIONS", "fit_ordinal_groups", "group_functions",
           "ordinal_group_tables", "shifted_difference"]
