"""fit_pls: PLS-SEM and consistent PLS of a loyaltysem spec."""
from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..arguments import check_bool, check_choice, check_int, fail
from ..data.checks import NaValues
from ..spec import ModelSpec, as_spec
from .algorithm import SCHEMES, Scheme
from .data import PLSMissing, pls_data
from .estimates import unstandardized_paths
from .higher_order import HigherOrder, higher_order_constructs, repeated_indicators, two_stage
from .layout import pls_layout
from .moderation import (MODERATIONS, Moderation, main_effects, with_interaction_terms,
                         with_product_indicators)
from .quality import block_vif
from .result import FitOptions, PLSResult, PLSSolution
from .stack import fit_stack, slot_stack

#: SmartPLS 4's defaults: stop criterion 1e-7, at most 3,000 iterations.
DEFAULT_TOL = 1e-7
DEFAULT_MAX_ITER = 3000
#: Hair et al. (2017, ch. 5): VIF of 5 or more signals critical collinearity.
VIF_LIMIT = 5.0


def fit_pls(spec: ModelSpec | str | Path, data: pd.DataFrame | str | Path, *,
            scheme: Scheme = "path", consistent: bool = False,
            missing: PLSMissing = "listwise", na_values: NaValues = None,
            allow_codes: bool = False, tol: float = DEFAULT_TOL,
            max_iter: int = DEFAULT_MAX_ITER,
            higher_order: HigherOrder = "repeated",
            moderation: Moderation = "two_stage") -> PLSResult:
    """Fit a model by PLS path modeling (Lohmöller 1989) or consistent PLS.

    Parameters
    ----------
    spec : ModelSpec, path or str
        The model: ``=~`` (YAML: the default ``mode: A``) constructs are
        estimated in Mode A, ``<~`` (``mode: B``) composites in Mode B.
    data : pandas.DataFrame, path or str
        Survey data, a CSV path or a shipped dataset's name.
    scheme : {"path", "centroid", "factorial"}
        Inner weighting scheme (path weighting is SmartPLS's default).
    consistent : bool
        Consistent PLS (PLSc; Dijkstra & Henseler 2015): Mode A loadings and
        the construct correlations corrected by ρA, paths from the corrected
        correlations.
    missing : {"listwise", "mean"}
        Rows with a missing item dropped (the project's default), or missing
        values replaced by the item's mean (SmartPLS's and seminr's default).
    na_values, allow_codes
        Missing-value codes, as :func:`loyaltysem.fit`.
    tol : float
        Stop criterion: the sum of the absolute changes of the outer weights
        between two iterations.
    max_iter : int
    higher_order : {"repeated", "two_stage"}
        How constructs measured by constructs (``REP =~ COMP + LIKE``) are
        estimated: repeated indicators, or the embedded two-stage approach
        (:mod:`.higher_order`).
    moderation : {"two_stage", "product_indicator", "orthogonal"}
        How an interaction of constructs (``y ~ A + M + A:M``) is estimated
        (:mod:`.moderation`): two-stage, product indicators or orthogonalized product
        indicators.

    Returns
    -------
    PLSResult

    Raises
    ------
    ArgumentError, SpecificationError, DataError
        Bad options, a model PLS-SEM cannot estimate (paths to observed
        variables, feedback loops), bad data (constant items, perfectly
        collinear composite items), each with what to do.

    Notes
    -----
    The items are standardized (divisor N − 1); the algorithm starts from unit
    weights and alternates inner and outer estimation on the item correlation
    matrix (:mod:`.algorithm`). Loadings are the item–score correlations and
    paths the OLS coefficients of the standardized scores (:mod:`.estimates`).

    References
    ----------
    Lohmöller, J.-B. (1989). Latent variable path modeling with partial least squares.
    Physica. Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares
    path modeling. MIS Quarterly, 39(2), 297-316. Hair, J. F., Hult, G. T. M., Ringle,
    C. M., & Sarstedt, M. (2017). A primer on partial least squares structural
    equation modeling (2nd ed.). Sage.

    Examples
    --------
    >>> from loyaltysem.pls import fit_pls
    >>> result = fit_pls("corp_rep", "corp_rep", missing="mean")
    >>> round(float(result.paths.set_index(["from", "to"]).loc[("COMP", "CUSA"), "est"]), 3)
    0.162
    """
    scheme, missing = _checked_options(scheme, consistent, missing, allow_codes, tol, max_iter)
    check_choice("higher_order", higher_order, ("repeated", "two_stage"))
    check_choice("moderation", moderation, MODERATIONS)
    model = as_spec(spec)
    if model.latent_interactions:
        fit_moderated = (_fit_moderation if moderation == "two_stage"
                         else functools.partial(_fit_product_indicators,
                                                orthogonal=moderation == "orthogonal"))
        return fit_moderated(model, data, scheme=scheme, consistent=consistent,
                             missing=missing, na_values=na_values, allow_codes=allow_codes,
                             tol=tol, max_iter=max_iter, higher_order=higher_order)
    if higher_order_constructs(model):
        return _fit_higher_order(model, data, higher_order, scheme=scheme,
                                 consistent=consistent, missing=missing, na_values=na_values,
                                 allow_codes=allow_codes, tol=tol, max_iter=max_iter)
    layout = pls_layout(model)
    prepared = pls_data(model, layout, data, missing=missing, na_values=na_values,
                        allow_codes=allow_codes)
    correlations = prepared.correlations()
    fitted = fit_stack(slot_stack(correlations[None], layout), layout, scheme=scheme,
                       consistent=consistent, tol=tol, max_iter=max_iter)
    solution = PLSSolution(layout, correlations, fitted.weights[0], fitted.loadings[0],
                           fitted.cross_loadings[0], fitted.correlations[0], fitted.paths[0],
                           fitted.r2[0], fitted.rho_a[0], prepared.values, prepared.index)
    converged = bool(fitted.converged[0])
    found = _warnings(solution, converged, tol=tol, max_iter=max_iter, consistent=consistent)
    return PLSResult(spec=model, method="PLSc" if consistent else "PLS", scheme=scheme,
                     n=prepared.n, missing=missing, iterations=int(fitted.iterations[0]),
                     converged=converged, solution=solution, warnings=found,
                     notes=prepared.notes, options=FitOptions(scheme, consistent, tol,
                                                              max_iter))


def _fit_higher_order(spec: ModelSpec, data: pd.DataFrame | str | Path,
                      higher_order: str, **options: Any) -> PLSResult:
    """Repeated indicators, and for ``"two_stage"`` a second fit on the LOCs' scores."""
    expanded = repeated_indicators(spec)
    first = fit_pls(expanded, data, **options)
    if higher_order == "repeated":
        return dataclasses.replace(first, notes=first.notes + (
            "higher-order constructs by repeated indicators (the items of their "
            "lower-order constructs)",))
    stage_two, columns = two_stage(spec, first.scores)
    items = first.items_frame()
    data_two = pd.concat([items, columns.reset_index(drop=True)], axis=1)
    second = fit_pls(stage_two, data_two,
                     **{**options, "missing": "listwise", "na_values": None})
    return dataclasses.replace(second, spec=spec, notes=first.notes + (
        "higher-order constructs by the two-stage approach: stage 1 repeated indicators, "
        "stage 2 the lower-order constructs' scores as items",))


def _fit_moderation(spec: ModelSpec, data: pd.DataFrame | str | Path,
                    **options: Any) -> PLSResult:
    """The two-stage approach (:mod:`.moderation`): main effects, then the products of
    their scores as single-item constructs."""
    first = fit_pls(main_effects(spec), data, **options)
    stage_two, columns = with_interaction_terms(spec, first.scores)
    items = first.items_frame()
    second = fit_pls(stage_two, pd.concat([items, columns], axis=1),
                     **{**options, "missing": "listwise", "na_values": None})
    solution = _interaction_metric(second, spec, columns)
    names = ", ".join(f"{name} = {a} x {b}" for name, (a, b) in spec.latent_interactions.items())
    return dataclasses.replace(second, solution=solution, notes=first.notes + (
        f"interactions by the two-stage approach ({names}: products of the main-effects "
        "model's scores, as single-item constructs; their paths in the metric of the "
        "product, as SmartPLS and seminr)",))


def _fit_product_indicators(spec: ModelSpec, data: pd.DataFrame | str | Path, *,
                            orthogonal: bool = False, **options: Any) -> PLSResult:
    """The product-indicator approach (:mod:`.moderation`): the main-effects model's
    standardized items and their cross products (orthogonalized: their residuals on the
    two constructs' items), in one estimation."""
    base = main_effects(spec)
    layout = pls_layout(base)
    prepared = pls_data(base, layout, data, missing=options["missing"],
                        na_values=options["na_values"], allow_codes=options["allow_codes"])
    items = pd.DataFrame(prepared.values, columns=list(layout.items))
    stage, columns = with_product_indicators(spec, items, orthogonal)
    result = fit_pls(stage, pd.concat([items, columns], axis=1),
                     **{**options, "missing": "listwise", "na_values": None})
    names = ", ".join(f"{name} = {a} x {b}" for name, (a, b) in spec.latent_interactions.items())
    return dataclasses.replace(result, solution=_interaction_metric(result, spec, columns),
                               notes=prepared.notes + (
        f"interactions by orthogonalized product indicators ({names}: the residuals of every "
        "product of the two constructs' standardized items on those items; Little et al. "
        "2006)" if orthogonal else
        f"interactions by product indicators ({names}: every product of the two "
        "constructs' standardized items; Chin et al. 2003)",))


def _interaction_metric(result: PLSResult, spec: ModelSpec, columns: pd.DataFrame
                        ) -> PLSSolution:
    """The solution with the interaction constructs' paths in their items' metric
    (:func:`.estimates.unstandardized_paths`; the SDs of the product columns)."""
    layout = result.solution.layout
    sds = columns.std(ddof=1)
    scales = tuple((layout.constructs.index(name),
                    tuple(float(sds[item]) for item in layout.item_names(
                        layout.constructs.index(name))))
                   for name in spec.latent_interactions)
    paths = unstandardized_paths(result.solution.paths[None], layout, scales,
                                 result.solution.loadings[None])[0]
    return dataclasses.replace(result.solution, unstandardized=scales, paths=paths)


def _checked_options(scheme: Any, consistent: Any, missing: Any, allow_codes: Any, tol: Any,
                     max_iter: Any) -> tuple[Scheme, PLSMissing]:
    check_choice("scheme", scheme, SCHEMES)
    check_choice("missing", missing, ("listwise", "mean"))
    check_bool("consistent", consistent)
    check_bool("allow_codes", allow_codes)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 < tol < 1:
        raise fail("tol", "a number in (0, 1)", tol)
    check_int("max_iter", max_iter, low=1, high=1_000_000)
    return scheme, missing


def _warnings(solution: PLSSolution, converged: bool, *, tol: float, max_iter: int,
              consistent: bool) -> tuple[str, ...]:
    """Non-convergence first, then collinear composites, negative loadings and (PLSc)
    inadmissible corrections."""
    layout = solution.layout
    found = []
    if not converged:
        found.append(f"the PLS algorithm did not converge in {max_iter} iterations (stop "
                     f"criterion {tol:g}); the estimates are not interpretable: raise max_iter "
                     "or simplify the model")
    for k, name in enumerate(layout.constructs):
        items = layout.slot_item[layout.slots_of(k)]
        if layout.modes[k] == "B" and items.size > 1:
            vif = block_vif(solution.item_correlations, items)
            for item, value in zip(items, vif):
                if value >= VIF_LIMIT:
                    found.append(f"composite {name}: item {layout.items[item]} has VIF "
                                 f"{value:.2f} (>= {VIF_LIMIT:g}, Hair et al. 2017): its Mode B "
                                 "weight is unstable")
    for s, (i, k) in enumerate(zip(layout.slot_item, layout.slot_construct)):
        if layout.modes[k] == "A" and solution.loadings[s] < 0:
            found.append(f"construct {layout.constructs[k]}: item {layout.items[i]} loads "
                         f"{solution.loadings[s]:.3f}; a reverse-keyed item? recode it so that "
                         "all items point one way")
    if consistent:
        found.extend(_consistent_warnings(solution))
    return tuple(found)


def _consistent_warnings(solution: PLSSolution) -> list[str]:
    found = []
    for k, name in enumerate(solution.layout.constructs):
        if not 0 < solution.rho_a[k] <= 1:
            found.append(f"construct {name}: rho_A = {solution.rho_a[k]:.3f} is outside (0, 1]; "
                         "its consistent loadings and correlations are not admissible")
    layout = solution.layout
    for s, (i, k) in enumerate(zip(layout.slot_item, layout.slot_construct)):
        if abs(solution.loadings[s]) > 1 + 1e-10:
            found.append(f"construct {layout.constructs[k]}: the consistent loading of "
                         f"{layout.items[i]} is {solution.loadings[s]:.3f}, above 1 (a Heywood "
                         "case): the PLSc solution is not admissible")
    upper = np.abs(solution.correlations[np.triu_indices(len(solution.layout.constructs), 1)])
    if (upper > 1).any():
        found.append("a consistent construct correlation exceeds 1 in absolute value "
                     f"({upper.max():.3f}): the PLSc solution is not admissible")
    return found
