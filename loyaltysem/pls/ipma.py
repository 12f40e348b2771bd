"""IPMA: the importance-performance map analysis of a PLS path model.

For a target construct, each of its direct and indirect antecedents gets an
importance (its unstandardized total effect on the target) and a performance
(its mean score on a 0–100 scale); so does each of their indicators.

References
----------
Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from your PLS-SEM
results: The importance-performance map analysis. Industrial Management & Data
Systems, 116(9), 1865-1886 (the rescaling, the unstandardized weights, the
construct and indicator importance and performance).
Hair, J. F., Sarstedt, M., Ringle, C. M., & Gudergan, S. P. (2018). Advanced
issues in partial least squares structural equation modeling. Sage, ch. 3.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..arguments import fail
from ..data.checks import NaValues
from ..exceptions import DataError, SpecificationError
from ..spec import ModelSpec, as_spec
from ..summary import Summary
from .algorithm import Scheme
from .data import PLSMissing, pls_items
from .estimates import total_effects
from .fit import DEFAULT_MAX_ITER, DEFAULT_TOL, fit_pls
from .layout import PLSLayout, pls_layout

Scale = tuple[float, float] | Literal["data"]


def rescaled_items(values: np.ndarray, scale: Any, items: tuple[str, ...]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items rescaled to 0–100, ``100 (x − min) / (max − min)``, and the mins and maxima.

    ``scale=(min, max)`` is every item's theoretical range (e.g. ``(1, 7)``);
    ``"data"`` takes each item's observed range (Ringle & Sarstedt 2016, step 2).

    Raises
    ------
    ArgumentError
        A scale that is not ``"data"`` or two finite numbers ``min < max``.
    DataError
        An answer outside ``scale``.
    """
    if isinstance(scale, str) and scale == "data":
        low, high = values.min(axis=0), values.max(axis=0)
    else:
        try:
            low_value, high_value = (float(v) for v in scale)
        except (TypeError, ValueError):
            raise fail("scale", "'data' or (min, max), e.g. (1, 7)", scale) from None
        if not (np.isfinite(low_value) and np.isfinite(high_value) and low_value < high_value):
            raise fail("scale", "(min, max) with finite min < max", scale)
        low, high = np.full(values.shape[1], low_value), np.full(values.shape[1], high_value)
        outside = (values < low) | (values > high)
        if outside.any():
            row, column = (int(i[0]) for i in np.nonzero(outside))
            raise DataError(f"item {items[column]} has the value {values[row, column]:g}, outside "
                            f"the scale ({low_value:g}, {high_value:g}): give the items' real "
                            "scale, or scale='data' for the observed ranges")
    return 100 * (values - low) / (high - low), low, high


def unstandardized_weights(weights: np.ndarray, rescaled: np.ndarray, layout: PLSLayout
                           ) -> np.ndarray:
    """(slots,) outer weights on the 0–100 items: ``w / SD(x̃)``, summing to 1 per construct
    (Ringle & Sarstedt 2016, step 3)."""
    slots = np.arange(layout.n_slots)
    raw = weights[slots, layout.slot_construct] / rescaled[:, layout.slot_item].std(
        axis=0, ddof=1)
    sums = np.bincount(layout.slot_construct, weights=raw, minlength=len(layout.constructs))
    return raw / sums[layout.slot_construct]


@dataclass(frozen=True)
class IPMAResult:
    """An importance-performance map analysis (:func:`ipma`).

    Attributes
    ----------
    target : str
    target_performance : float
        The target's mean rescaled score.
    scale : str
        ``"(min, max)"`` or ``"data"``.
    constructs : pandas.DataFrame
        ``construct, importance, importance_std, performance`` for every construct
        with a total effect on the target: unstandardized and standardized total
        effects, mean rescaled score (0–100).
    indicators : pandas.DataFrame
        ``construct, item, weight, importance, performance``: the rescaled
        unstandardized weight, weight × the construct's importance, mean rescaled item.
    scores : pandas.DataFrame
        The rescaled (0–100) construct scores.
    warnings, notes : tuple of str
    """

    target: str
    target_performance: float
    scale: str
    constructs: pd.DataFrame
    indicators: pd.DataFrame
    scores: pd.DataFrame = field(repr=False)
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON: the target, its performance and the construct and indicator tables."""
        from ..summary import json_records as rows, json_value

        return {"target": self.target, "target_performance": json_value(self.target_performance),
                "scale": self.scale, "warnings": list(self.warnings),
                "constructs": rows(self.constructs), "indicators": rows(self.indicators)}

    def summary(self, digits: int = 3) -> Summary:
        """Warnings, the target, the construct and the indicator maps."""
        overview = {"target": self.target, "target performance": self.target_performance,
                    "scale": self.scale}
        sections: list[tuple[str, Any]] = [
            ("Warnings", list(self.warnings) or ["none"]), ("IPMA", overview),
            ("Constructs", self.constructs), ("Indicators", self.indicators)]
        if self.notes:
            sections.append(("Notes", list(self.notes)))
        return Summary(f"IPMA: {self.target}", tuple(sections), digits)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def _target_index(layout: PLSLayout, target: Any) -> int:
    if not isinstance(target, str) or target not in layout.constructs:
        raise fail("target", "one of the model's constructs (" + ", ".join(layout.constructs)
                   + ")", target)
    k = layout.constructs.index(target)
    if k not in dict(layout.predecessors):
        raise SpecificationError(f"the IPMA target {target} is exogenous: nothing has an effect "
                                 "on it; choose an endogenous construct")
    return k


def ipma(spec: ModelSpec | str | Path, data: pd.DataFrame | str | Path, target: str, *,
         scale: Scale = (1, 7), scheme: Scheme = "path", missing: PLSMissing = "listwise",
         na_values: NaValues = None, allow_codes: bool = False, tol: float = DEFAULT_TOL,
         max_iter: int = DEFAULT_MAX_ITER) -> IPMAResult:
    """Importance-performance map analysis of a target construct (Ringle & Sarstedt 2016).

    Parameters
    ----------
    spec, data
        As :func:`~loyaltysem.pls.fit_pls`; ``data`` on the items' own scale, every
        item coded so that higher is better.
    target : str
        An endogenous construct.
    scale : (min, max) or "data"
        The items' theoretical range (default 1–7, corp_rep's) or ``"data"`` for
        each item's observed range.
    scheme, missing, na_values, allow_codes, tol, max_iter
        As :func:`~loyaltysem.pls.fit_pls` (PLS, not PLSc).

    Returns
    -------
    IPMAResult

    Raises
    ------
    ArgumentError
        A bad scale or an unknown target.
    SpecificationError
        An exogenous target.
    DataError
        As :func:`~loyaltysem.pls.fit_pls`, and answers outside ``scale``.

    Notes
    -----
    Items are rescaled to ``x̃ = 100 (x − min) / (max − min)``; the PLS model's
    standardized weights (which rescaling does not change) are unstandardized,
    ``w / SD(x̃)``, and normed to sum to 1 per construct, and the rescaled scores
    ``LV = Σ w̃ x̃`` give the performance, ``mean(LV)``. Because ``LV`` is an
    affine function of the standardized score, the unstandardized total effect
    (the importance) is the standardized one times ``SD(LV_target) / SD(LV_j)``:
    what OLS of the rescaled scores along the inner model gives. An indicator's
    importance is its normed weight times its construct's importance, its
    performance the mean of ``x̃`` (Ringle & Sarstedt 2016, steps 2-4). Negative
    weights break the 0–100 range and are warned about.

    Examples
    --------
    >>> from loyaltysem.pls import ipma
    >>> result = ipma("corp_rep", "corp_rep", "CUSL", missing="mean")
    >>> result.constructs["construct"].tolist()
    ['COMP', 'LIKE', 'CUSA']
    >>> # seminrExtras: assess_ipma(model, target = "CUSL", scale_min = 1, scale_max = 7)
    """
    model = as_spec(spec)
    layout = pls_layout(model)
    k = _target_index(layout, target)
    items = pls_items(model, layout, data, missing=missing, na_values=na_values,
                      allow_codes=allow_codes)
    rescaled, _, _ = rescaled_items(items.values, scale, layout.items)
    fit = fit_pls(model, pd.DataFrame(items.values, columns=list(layout.items)),
                  scheme=scheme, tol=tol, max_iter=max_iter)
    weights = unstandardized_weights(fit.solution.weights, rescaled, layout)
    matrix = np.zeros((layout.n_slots, len(layout.constructs)))
    matrix[np.arange(layout.n_slots), layout.slot_construct] = weights
    scores = rescaled[:, layout.slot_item] @ matrix
    spread = scores.std(axis=0, ddof=1)
    standardized = total_effects(fit.solution.paths[None])[0][:, k]
    importance = standardized * spread[k] / spread
    drivers = np.flatnonzero(np.linalg.inv(np.eye(len(layout.constructs))
                                           - layout.path_matrix)[:, k] != 0)
    drivers = drivers[drivers != k]
    names = layout.constructs
    table = pd.DataFrame({"construct": [names[j] for j in drivers],
                          "importance": importance[drivers],
                          "importance_std": standardized[drivers],
                          "performance": scores.mean(axis=0)[drivers]})
    slots = np.flatnonzero(np.isin(layout.slot_construct, drivers))
    indicators = pd.DataFrame({
        "construct": [names[layout.slot_construct[s]] for s in slots],
        "item": [layout.items[layout.slot_item[s]] for s in slots],
        "weight": weights[slots],
        "importance": weights[slots] * importance[layout.slot_construct[slots]],
        "performance": rescaled[:, layout.slot_item[slots]].mean(axis=0)})
    negative = [f"{names[layout.slot_construct[s]]}: {layout.items[layout.slot_item[s]]}"
                for s in np.flatnonzero(weights < 0)]
    found = fit.warnings + (() if not negative else (
        "negative rescaled outer weights (" + ", ".join(negative) + "): the performance "
        "is no longer bounded by 0 and 100 (Ringle & Sarstedt 2016 require positive "
        "weights); recode the item or drop it",))
    return IPMAResult(target=names[k], target_performance=float(scores[:, k].mean()),
                      scale="data" if isinstance(scale, str) else
                      f"({float(scale[0]):g}, {float(scale[1]):g})",
                      constructs=table, indicators=indicators,
                      scores=pd.DataFrame(scores, index=items.index, columns=list(names)),
                      warnings=found, notes=items.notes)
