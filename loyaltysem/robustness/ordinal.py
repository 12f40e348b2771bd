"""Robustness studies of ordinal items: ``estimators: [WLSMV]`` (or ULSMV, DWLS, WLS, ULS).

Which items are ordinal: the study's ``ordered:`` (``true``: every observed
variable of the model; a list: those items), else the model's own declaration
(YAML ``ordered:``, lavaan syntax ``# @ordered``; a ``{spec: file}`` variant that
declares ordinal items of its own uses its declaration). The other observed variables
of a task's model are continuous beside them (polyserial and Pearson correlations, as
``loyaltysem.fit(..., ordered=[items])``), in every variant: a ``drop_each_item``
variant keeps the ordinal items it still has, and a variant left with none of them
cannot be fitted by an ordinal estimator (its tasks fail, status ``error``, saying so).

The tasks of an ordinal estimator are fitted one by one (:func:`loyaltysem.fit` with
``ordered=``; never the stacked ML path): the full sample, every resample and every
simulated sample gets its own thresholds, polychoric correlations and weights, as
lavaan's bootstrap does. The likelihood estimators of the same study (ML, MLR, MLM) fit
the items as continuous (``ordered=False``), so a study can set WLSMV beside ML.

The tasks:

- **resamples** (``bootstrap``, ``jackknife``, ``subsample``) keep the observed
  categories of the condition's rows; a resample that loses a category of an item
  cannot be compared threshold by threshold with the full sample and fails (status
  ``error``, naming the item and the category), as a resample of
  :func:`loyaltysem.effects.bootstrap` with ordinal items;
- **simulations** discretize the simulated continuous responses at the fixed
  thresholds of ``likert_points`` (:func:`loyaltysem.data.synthetic.simulate_survey`)
  and fit each sample with the categories it has;
- ``missing: ml`` (full-information ML) and ``method: pls`` do not go with ordinal
  estimators: refused when the study is read (:mod:`.config`).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import SpecificationError
from ..spec import ModelSpec
from .config import ORDINAL_ESTIMATORS, StudyConfig


def is_ordinal_estimator(estimator: str) -> bool:
    """Whether ``estimator`` fits ordinal items (WLSMV, ULSMV, DWLS, WLS, ULS)."""
    return estimator in ORDINAL_ESTIMATORS


def ordinal_study(config: StudyConfig, declared: frozenset[str]) -> bool:
    """Whether the study has ordinal items: its ``ordered:`` or the model's declaration."""
    return bool(config.ordered) or bool(declared)


def ordered_argument(config: StudyConfig, declared: frozenset[str], spec: ModelSpec,
                     estimator: str) -> bool | list[str] | None:
    """``fit``'s ``ordered=`` for a task: the items of the variant ``spec`` that are ordinal
    (ordinal estimators; the others continuous beside them), ``False`` for a likelihood
    estimator of an ordinal study (the items as continuous), ``None`` otherwise (a study
    without ordinal items).

    Raises
    ------
    SpecificationError
        An ordinal estimator for a variant that has none of the ordinal items (e.g. the
        ``drop_each_item`` variant without the one ordinal item).
    """
    if not is_ordinal_estimator(estimator):
        return False if ordinal_study(config, declared) else None
    if config.ordered is True:
        return True
    names = set(config.ordered or spec.ordered or declared)
    items = [v for v in spec.observed_variables if v in names]
    if not items:
        listed = sorted(names)
        raise SpecificationError(
            f"estimator {estimator} needs ordinal items, and this variant of the model "
            f"({spec.name}) has none of the study's ({', '.join(listed[:10])}"
            f"{' ...' if len(listed) > 10 else ''}): its items are all continuous; keep an "
            "ordinal item in the variant, or fit it with ML or MLR")
    return items


def check_ordinal_plan(config: StudyConfig, spec: ModelSpec) -> None:
    """Refuse an ordinal estimator without ordinal items, and ``ordered:`` names that are
    not observed variables of the model (before any task runs).

    Raises
    ------
    SpecificationError
    """
    source = str(config.source) if config.source else None
    ordinal = [e for e in config.estimators if is_ordinal_estimator(e)]
    if isinstance(config.ordered, tuple):
        unknown = [v for v in config.ordered if v not in spec.observed_variables]
        if unknown:
            raise SpecificationError(
                f"ordered: names {unknown[:10]}, which are not observed variables of the "
                "model; list the model's items, or write ordered: true", source=source)
    if ordinal and not ordinal_study(config, frozenset(spec.ordered)):
        raise SpecificationError(
            f"the estimator(s) {', '.join(ordinal)} are for ordinal items, and neither the "
            "study nor the model declares any: add ordered: true to the study (or list "
            "the items), or declare them ordered in the model", source=source)


def lost_category(full: pd.DataFrame, rows: np.ndarray, items: Any) -> str | None:
    """The message of a resample ``rows`` of ``full`` that lacks a category of an ordinal
    item (``items``: ``True`` for every column of ``full``, or the names), else None."""
    names = list(full.columns) if items is True else list(items)
    for name in names:
        values = full[name].to_numpy()
        present = np.unique(values[rows])
        missing = np.setdiff1d(np.unique(values), present)
        if missing.size:
            shown = missing[0].item() if hasattr(missing[0], "item") else missing[0]
            return (f"the resample has no answer {shown!r} of the ordinal item {name}: its "
                    "thresholds cannot match the full sample's (as lavaan's bootstrap, the "
                    "resample fails)")
    return None


__all__ = ["check_ordinal_plan", "is_ordinal_estimator", "lost_category", "ordered_argument",
           "ordinal_study"]
