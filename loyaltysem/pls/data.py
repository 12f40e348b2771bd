"""Survey data for PLS-SEM: checked at the edge, missing values handled, items standardized."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..data.checks import NaValues
from ..data.survey import prepare_survey
from ..exceptions import DataError
from ..spec import ModelSpec
from .layout import PLSLayout

PLSMissing = Literal["listwise", "mean"]


@dataclass(frozen=True)
class PLSData:
    """Standardized items of a PLS-SEM fit.

    Attributes
    ----------
    values : ndarray (N, items)
        The items standardized with divisor N − 1 (as SmartPLS and seminr),
        missing values replaced by the item mean first (``missing="mean"``).
    n_total : int
        Rows before listwise deletion.
    notes : tuple of str
        What was dropped or replaced.
    index : pandas.Index
        The rows used (for the construct scores).
    """

    values: np.ndarray
    n_total: int
    notes: tuple[str, ...]
    index: pd.Index

    @property
    def n(self) -> int:
        """Rows used."""
        return int(self.values.shape[0])

    def correlations(self) -> np.ndarray:
        """The item correlation matrix."""
        return (self.values.T @ self.values) / (self.n - 1)


@dataclass(frozen=True)
class PLSItems:
    """The model's items on their own scale, after the missing-data policy.

    Attributes
    ----------
    values : ndarray (N, items)
        Raw item values (``missing="mean"``: holes filled with the item means).
    n_total : int
        Rows before listwise deletion.
    notes : tuple of str
    index : pandas.Index
        The rows used.
    """

    values: np.ndarray
    n_total: int
    notes: tuple[str, ...]
    index: pd.Index


def pls_items(spec: ModelSpec, layout: PLSLayout, data: pd.DataFrame | str | Path, *,
              missing: PLSMissing, na_values: NaValues, allow_codes: bool) -> PLSItems:
    """Check the data against the model's items, apply the missing-data policy, keep the scale.

    ``missing="listwise"`` drops rows with a missing item (the project's
    default, with a warning); ``"mean"`` replaces each missing value by its
    item's mean (SmartPLS's and seminr's default), keeping every row with at
    least one answer. PLSpredict and IPMA need the items on their own scale;
    :func:`pls_data` standardizes them.

    Raises
    ------
    DataError
        As :func:`loyaltysem.data.prepare_survey` (absent or non-numeric
        columns, undeclared missing-value codes, constant items...), and for
        fewer rows than three.
    """
    from ..estimate.fit import model_frame

    frame = model_frame(spec, data, na_values=na_values, allow_codes=allow_codes)
    roles = {item: f"item of construct {name}"
             for name, construct in spec.constructs.items() for item in construct.items}
    survey = prepare_survey(frame, layout.items, missing="ml" if missing == "mean" else "listwise",
                            na_values=na_values, roles=roles, allow_codes=allow_codes,
                            scales=spec.scales, reverse=spec.reverse)
    values = survey.data[list(layout.items)].to_numpy(dtype=float)
    notes = [note for note in survey.notes if not note.startswith("full-information ML")]
    if missing == "mean":
        holes = np.isnan(values)
        if holes.any():
            means = np.nanmean(values, axis=0)
            values = np.where(holes, means, values)
            notes.append(f"{int(holes.sum())} missing values in {int(holes.any(axis=0).sum())} "
                         "items were replaced by the item means (missing='mean')")
    if values.shape[0] < 3:
        raise DataError(f"PLS-SEM needs at least 3 rows; {values.shape[0]} are left")
    assert survey.rows is not None  # prepare_survey records them
    return PLSItems(values, survey.n_total, tuple(notes), frame.index[survey.rows])


def pls_data(spec: ModelSpec, layout: PLSLayout, data: pd.DataFrame | str | Path, *,
             missing: PLSMissing, na_values: NaValues, allow_codes: bool) -> PLSData:
    """The items of :func:`pls_items`, standardized (divisor N − 1).

    Raises
    ------
    DataError
        As :func:`pls_items`.
    """
    items = pls_items(spec, layout, data, missing=missing, na_values=na_values,
                      allow_codes=allow_codes)
    values = items.values
    standardized = (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)
    return PLSData(standardized, items.n_total, items.notes, items.index)
