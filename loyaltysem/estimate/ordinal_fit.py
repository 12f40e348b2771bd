"""Fits of models with ordinal indicators: lavaan's ``ordered =`` with WLSMV and its kin.

The spec's parameter table becomes lavaan's for ordinal indicators
(:mod:`.ordinal_table`): free thresholds ``item | t<k>``, the ordinal items' intercepts
fixed at 0, their residual variances derived (delta parameterization) or fixed at 1
(theta), scaling factors ``~*~``; continuous items beside them keep their intercepts and
residual variances. The sample statistics are lavaan's two-step thresholds, polychoric
and polyserial correlations with their asymptotic covariance
(:func:`loyaltysem.ordinal.sample_statistics`); the model is fitted on the one core
with the least-squares discrepancy of :mod:`.wls` (:func:`.core_fit.fit_core`). Several
groups: :func:`loyaltysem.groups.fit_groups` with ``ordered=``.

Not yet: observed covariates (lavaan's ``conditional.x``), refused with what to do.

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
from .ordinal_table import latent_response_rows, layout_rows, threshold_rows
from .wls import GroupStatistics, Parameterization, WLSFunctions


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
    """The spec's observed variables that are ordinal (``True``: all of them); the
    others are continuous.

    Raises
    ------
    SpecificationError
        An ordered name that is not an observed variable of the model, or a model with
        observed covariates.
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
    ordinal = set(observed if ordered is True else items)
    written = [s for s in spec.statements if s.op == "~1" and s.lhs in ordinal]
    if written:
        raise SpecificationError(
            f"{', '.join(s.lhs + ' ~ 1' for s in written)}: the intercepts of ordinal items "
            "are fixed at 0 (their thresholds place the categories; lavaan's default); drop "
            "the statement, or write the thresholds instead (item | t1 + ...)",
            source=spec.source)
    if spec.roles.ov_x:
        raise SpecificationError(
            f"observed covariates ({', '.join(spec.roles.ov_x)}) in an ordinal model need "
            "lavaan's conditional.x, which loyaltysem does not fit yet; measure them as "
            "items of a construct, or fit the model by ML")
    return [v for v in observed if v in items]


def single_item_notes(spec: ModelSpec, items: Sequence[str]) -> tuple[str, ...]:
    """What to do about constructs measured by one ordinal item: the latent response's
    variance is fixed, so the construct's variance and the item's residual variance are
    not both identified (lavaan cannot estimate them either)."""
    notes = []
    for construct in spec.constructs.values():
        if len(construct.items) == 1 and construct.items[0] in items:
            item = construct.items[0]
            notes.append(f"{construct.name} is measured by the single ordinal item {item!r}: "
                         "its variance is not identified beside the item's (the latent "
                         "response has a fixed variance; lavaan cannot compute the SEs "
                         f"either): fit {item!r} as continuous (leave it out of ordered=), "
                         "or fix the construct's variance")
    return tuple(notes)


def declared_levels(spec: ModelSpec, items: Sequence[str]) -> dict[str, list[float]]:
    """The categories of the ordinal ``items`` whose answer scale the spec declares
    (``scale: [1, 7]``: 1, 2, ..., 7), as lavaan takes an ordered factor's levels: a
    declared category nobody chose is then an error that names it."""
    out = {}
    for item in items:
        bounds = spec.scales.get(item)
        if bounds is not None and all(float(b).is_integer() for b in bounds):
            out[item] = [float(v) for v in range(int(bounds[0]), int(bounds[1]) + 1)]
    return out


def least_squares_weight(statistics: OrdinalStatistics, estimator: str) -> np.ndarray:
    """``W``: DWLS for WLSMV and DWLS, the identity for ULSMV and ULS, ``Gamma^-1`` for
    WLS (lavaan's ``WLS.V``)."""
    family = {"WLSMV": "DWLS", "DWLS": "DWLS", "ULSMV": "ULS", "ULS": "ULS",
              "WLS": "WLS"}[estimator]
    return np.asarray(statistics.weight_matrix(family), dtype=float)  # type: ignore[arg-type]


def _group_statistics(statistics: OrdinalStatistics, rows: pd.DataFrame, order: list[str],
                      estimator: str) -> GroupStatistics:
    """One group's statistics and where the parameters of its ``rows`` (the full table's
    rows of the group) enter them."""
    position = {name: k for k, name in enumerate(order)}
    free = {(r.lhs, r.op, r.rhs): int(r.free) - 1 for r in rows.itertuples(index=False)}
    fixed = {(r.lhs, r.rhs): float(r.ustart) for r in rows.itertuples(index=False)
             if r.op == "|" and int(r.free) == 0}
    labels = list(statistics.statistics.index)
    first = len(statistics.th_idx)
    slot_item, slot_threshold, slot_fixed = [], [], []
    for label in labels[:first]:
        item, _, threshold = label.partition("|")
        slot_item.append(position[item.removesuffix("~1")])
        slot_threshold.append(free[(item, "|", threshold)] if threshold else -1)
        slot_fixed.append(fixed.get((item, threshold), np.nan))
    continuous = [v for v in statistics.variables if v not in statistics.ordered]
    pair_labels = labels[first + len(continuous):]
    pairs = np.array([[position[a], position[b]] for a, b in
                      (label.split("~~") for label in pair_labels)], dtype=int).reshape(-1, 2)
    return GroupStatistics(
        statistics=statistics.statistics.to_numpy(dtype=float),
        weight=least_squares_weight(statistics, estimator),
        gamma=statistics.nacov.to_numpy(dtype=float), nobs=statistics.nobs,
        slot_item=np.array(slot_item, dtype=int), slot_threshold=np.array(slot_threshold, int),
        variances=np.array([position[v] for v in continuous], dtype=int), pairs=pairs,
        ordinal=np.array([position[v] for v in statistics.ordered], dtype=int),
        scale=np.array([free.get((v, "~*~", v), -1) for v in statistics.ordered], dtype=int),
        slot_fixed=np.array(slot_fixed, dtype=float))


def least_squares_functions(full: pd.DataFrame, layout_table: pd.DataFrame,
                            statistics: Sequence[OrdinalStatistics], groups: Sequence,
                            estimator: str, parameterization: Parameterization
                            ) -> WLSFunctions:
    """The least-squares functions of the full table (thresholds and scales included;
    a ``group`` column holding ``groups`` with several) on each group's statistics;
    ``layout_table`` is the table the layout reads (the core's)."""
    layout = cached_layout(layout_table)
    order = list(layout.structure.observed)
    multi = "group" in full
    specs, moments = [], []
    for name, stats in zip(groups, statistics):
        rows = full[full["group"] == name] if multi else full
        specs.append(_group_statistics(stats, rows, order, estimator))
        index = [list(stats.variables).index(v) for v in order]
        cov = stats.covariance.to_numpy()[np.ix_(index, index)]
        moments.append(summary_moments(cov, stats.means.to_numpy()[index], float(stats.nobs)))
    n_free = int(full["free"].max())
    start = np.ones(n_free - layout.n_free)
    sums = np.zeros_like(start)
    counts = np.zeros_like(start)
    for spec, stats in zip(specs, statistics):
        which = spec.slot_threshold[spec.slot_ordinal]  # in the order of stats.thresholds
        values = stats.thresholds.to_numpy(dtype=float)
        np.add.at(sums, which[which >= 0] - layout.n_free, values[which >= 0])
        np.add.at(counts, which[which >= 0] - layout.n_free, 1.0)
    start = np.where(counts > 0, sums / np.maximum(counts, 1.0), start)
    return WLSFunctions(layout, moments, specs, n_free, parameterization, start)


def ordinal_functions(spec: ModelSpec, frame: pd.DataFrame, items: list[str], estimator: str,
                      parameterization: Parameterization = "delta"
                      ) -> tuple[WLSFunctions, pd.DataFrame, OrdinalStatistics]:
    """The least-squares functions of ``spec`` on the ordinal ``items`` (the other
    observed variables continuous) of ``frame``, the full parameter table (thresholds
    included) and the sample statistics."""
    observed = list(spec.observed_variables)
    statistics = sample_statistics(frame[observed], ordered=items,
                                   levels=declared_levels(spec, items) or None)
    continuous = len(items) < len(observed)
    base = spec.group_table(0, 1) if continuous else spec.parameter_table
    table = latent_response_rows(base, items, parameterization)
    full = threshold_rows(table, [statistics], [0], parameterization, written=spec.thresholds)
    layout_table = layout_rows(full)
    functions = least_squares_functions(full, layout_table, [statistics], [0], estimator,
                                        parameterization)
    return functions, full, statistics


def fit_ordinal(spec: ModelSpec, survey: Survey, ordered: bool | Sequence[str], estimator: str,
                *, parameterization: Parameterization = "delta",
                emit_warnings: bool = True) -> FitResult:
    """Fit ``spec`` to the checked ``survey`` with ordinal items (module notes; see
    :func:`loyaltysem.fit`, ``ordered=``)."""
    from .fit import _fit_moments

    items = ordered_items(spec, ordered)
    functions, table, statistics = ordinal_functions(spec, survey.data, items, estimator,
                                                     parameterization)
    spec = spec.with_parameter_table(table)
    continuous = len(statistics.variables) - len(items)
    mixed = f" and {continuous} continuous" if continuous else ""
    notes: tuple[str, ...] = (f"ordinal items ({len(items)}){mixed}: estimator {estimator}, "
             f"{parameterization} parameterization, {len(statistics.thresholds)} thresholds; "
             "polychoric correlations by lavaan's two-step method",)
    notes += single_item_notes(spec, items)
    return _fit_moments(spec, functions, estimator=estimator, start=None,
                        emit_warnings=emit_warnings, frame=survey.data,
                        notes=tuple(survey.notes) + notes, n_dropped=survey.n_dropped,
                        fiml=False, table=table)


__all__ = ["declared_levels", "fit_ordinal", "least_squares_functions", "least_squares_weight",
           "ordered_items", "ordinal_functions"]
