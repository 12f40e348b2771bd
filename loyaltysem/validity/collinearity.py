"""Collinearity among the predictors of the structural model.

References
----------
Hair, J. F., Risher, J. J., Sarstedt, M., & Ringle, C. M. (2019). When to use
and how to report the results of PLS-SEM. European Business Review, 31(1),
2-24 (VIF < 5, ideally < 3).
Kock, N. (2015). Common method bias in PLS-SEM: A full collinearity
assessment approach. International Journal of e-Collaboration, 11(4), 1-10
(full-collinearity VIF > 3.3 signals collinearity or common-method bias).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.outliers_influence import variance_inflation_factor


def vif_from_correlations(correlations: np.ndarray) -> np.ndarray:
    """VIF of each variable from their correlation matrix: ``diag(R^-1)``, which is
    ``1 / (1 − R²_j)`` of variable j regressed on the others; inf when singular."""
    correlations = np.asarray(correlations, dtype=float)
    try:
        return np.diag(np.linalg.inv(correlations))
    except np.linalg.LinAlgError:
        return np.full(correlations.shape[0], np.inf)


def latent_vif(latent_correlations: pd.DataFrame,
               equations: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """VIF of each predictor of each structural equation, from latent correlations.

    ``VIF_j = [R^-1]_jj`` with ``R`` the model-implied correlation matrix of
    the equation's predictors (lavaan ``cor.lv``): the disattenuated
    collinearity the structural coefficients actually face in CB-SEM.

    Returns
    -------
    pandas.DataFrame
        ``equation, predictor, vif``; equations with one predictor have VIF 1.
    """
    rows = []
    for outcome, predictors in equations.items():
        predictors = list(predictors)
        diagonal = vif_from_correlations(
            latent_correlations.loc[predictors, predictors].to_numpy(dtype=float))
        rows += [{"equation": outcome, "predictor": p, "vif": float(v)}
                 for p, v in zip(predictors, diagonal)]
    return pd.DataFrame(rows, columns=["equation", "predictor", "vif"])


def composite_scores(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Unit-weighted composite (mean of the items) of every construct."""
    return pd.DataFrame({name: data[list(items)].mean(axis=1) for name, items in constructs.items()})


def _vif_columns(frame: pd.DataFrame) -> dict[str, float]:
    exog = np.column_stack([np.ones(len(frame)), frame.to_numpy(dtype=float)])
    return {name: float(variance_inflation_factor(exog, i + 1)) for i, name in enumerate(frame)}


def composite_vif(scores: pd.DataFrame, equations: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """VIF of each predictor of each equation, from composite scores (statsmodels OLS)."""
    rows = []
    for outcome, predictors in equations.items():
        predictors = list(predictors)
        values = _vif_columns(scores[predictors]) if len(predictors) > 1 else {predictors[0]: 1.0}
        rows += [{"equation": outcome, "predictor": p, "vif": values[p]} for p in predictors]
    return pd.DataFrame(rows, columns=["equation", "predictor", "vif"])


def full_collinearity_vif(scores: pd.DataFrame) -> pd.Series:
    """Kock's (2015) full-collinearity VIF: each construct on all the others.

    Computed with statsmodels' ``variance_inflation_factor`` on the composite
    scores of all constructs. Kock uses PLS latent scores; the unit-weighted
    composite is the CB-SEM analogue.
    """
    if scores.shape[1] < 2:
        return pd.Series(dtype=float, name="vif")
    return pd.Series(_vif_columns(scores), name="vif")
