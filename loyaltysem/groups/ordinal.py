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

from collections.abc import Sequence

import pandas as pd

from ..estimate.admissibility import emit
from ..estimate.core_fit import fit_core
from ..estimate.ml import CoreModel
from ..estimate.ordinal_fit import least_squares_functions, ordered_items
from ..estimate.ordinal_table import latent_response_rows, layout_rows, threshold_rows
from ..estimate.structure import model_structure
from ..exceptions import DataError
from ..ordinal import OrdinalStatistics, group_statistics
from ..spec import ModelSpec
from .layout import build_layout, core_table, label_classes
from .results import MULTIGROUP_COLUMNS, MultiGroupResult


def ordinal_group_tables(spec: ModelSpec, n_groups: int, items: Sequence[str],
                         group_equal: Sequence[str], parameterization: str
                         ) -> list[pd.DataFrame]:
    """Each group's parameter table with lavaan's rows for ordinal items (module notes)."""
    equal = set(group_equal)
    thresholds = "thresholds" in equal
    means_free = (thresholds or "intercepts" in equal) and "means" not in equal
    canonical = label_classes(spec.statements)
    tables = []
    for g in range(n_groups):
        table = spec.group_table(g, n_groups, free_latent_means=means_free and g > 0)
        table = latent_response_rows(table, items, parameterization, first_group=g == 0,
                                     free_residuals=thresholds and "residuals" not in equal)
        labels = table["label"].fillna("").astype(str)
        table["share"] = [canonical.get(label, label) for label in labels]
        tables.append(table)
    return tables


def _statistics(frame: pd.DataFrame, code: str, groups: Sequence, observed: list[str],
                items: list[str]) -> list[OrdinalStatistics]:
    """Each group's statistics, in the order of ``groups`` (``code``: the column of
    their numbers 0..)."""
    by_code = group_statistics(frame[observed + [code]], code, ordered=items)
    out = []
    for i, name in enumerate(groups):
        stats = by_code.get(str(i))
        if stats is None:
            raise DataError(f"group {name!r} has no complete rows")
        out.append(stats)
    return out


def fit_ordinal_groups(spec: ModelSpec, frame: pd.DataFrame, code: str, group: str,
                       groups: list, ordered: bool | Sequence[str], group_equal: tuple[str, ...],
                       group_partial: tuple[str, ...], estimator: str, parameterization: str,
                       emit_warnings: bool, n_dropped: int, survey_notes: tuple[str, ...]
                       ) -> MultiGroupResult:
    """Fit ``spec`` to the groups of the checked ``frame`` (its column ``code`` numbers
    the groups) with ordinal items (module notes; see :func:`.fit.fit_groups`)."""
    items = ordered_items(spec, ordered)
    observed = list(spec.observed_variables)
    try:
        statistics = _statistics(frame, code, groups, observed, items)
    except DataError as error:
        raise DataError(str(error).replace(f"group {code!r}", f"{group!r}")
                        .replace(repr(code), repr(group))) from error
    structure = model_structure(spec.parameter_table)
    thresholds_partial = tuple(p for p in group_partial if "|" in p)
    layout = build_layout(
        ordinal_group_tables(spec, len(groups), items, group_equal, parameterization),
        tuple(structure.observed), structure.latent, groups,
        tuple(c for c in group_equal if c != "thresholds"),
        tuple(p for p in group_partial if "|" not in p))
    full = threshold_rows(layout.table, statistics, groups, parameterization,
                          equal="thresholds" in group_equal, partial=thresholds_partial)
    table = core_table(full, groups, spec)
    functions = least_squares_functions(table, layout_rows(table), statistics,
                                        list(range(len(groups))), estimator,
                                        parameterization)  # type: ignore[arg-type]
    fitted = fit_core(spec, functions, table, estimator=estimator, groups=list(groups))
    if emit_warnings:
        emit(fitted.problems, stacklevel=4)
    continuous = len(observed) - len(items)
    notes = [f"ordinal items ({len(items)})"
             + (f" and {continuous} continuous" if continuous else "")
             + f": estimator {estimator}, {parameterization} parameterization, thresholds "
             + ("equal across groups" if "thresholds" in group_equal else "free in every group")
             + "; polychoric correlations by lavaan's two-step method, per group"]
    estimates = fitted.table.estimates
    return MultiGroupResult(
        spec=spec, group=group, groups=tuple(groups), group_equal=tuple(group_equal),
        group_partial=tuple(group_partial),
        estimates=estimates[list(MULTIGROUP_COLUMNS)],
        fit_indices=pd.Series(fitted.fit_indices, dtype=object),
        nobs=pd.Series([s.nobs for s in statistics], index=list(groups), name="nobs"),
        n_dropped=int(n_dropped), converged=bool(fitted.result.converged),
        estimator=estimator, theta=fitted.theta, vcov=fitted.covariance.vcov, table=full,
        warnings=tuple([p.message for p in fitted.problems] + notes + list(survey_notes)),
        r2=pd.DataFrame(fitted.table.r2, index=list(groups)).T,
        core=CoreModel.of(functions, fitted.theta))


__all__ = ["fit_ordinal_groups", "ordinal_group_tables"]
