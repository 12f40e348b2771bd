"""Ordinal items: thresholds, polychoric and polyserial correlations, and their
asymptotic covariance, as lavaan's two-step sample statistics for WLSMV.

| module | job |
|---|---|
| :mod:`~loyaltysem.ordinal.categories` | check ordinal items, code categories 0..K-1 |
| :mod:`~loyaltysem.ordinal.bvn` | bivariate normal CDF (Genz 2004) and density |
| :mod:`~loyaltysem.ordinal.thresholds` | thresholds and their casewise scores |
| :mod:`~loyaltysem.ordinal.polychoric` | two-step polychoric correlations, empty cells |
| :mod:`~loyaltysem.ordinal.polyserial` | two-step polyserial correlations |
| :mod:`~loyaltysem.ordinal.pearson` | Pearson correlations of continuous pairs, their scores |
| :mod:`~loyaltysem.ordinal.estimates` | the two-step estimates of all statistics |
| :mod:`~loyaltysem.ordinal.scores` | casewise scores and A₂₁ in lavaan's order |
| :mod:`~loyaltysem.ordinal.acov` | the two-step asymptotic covariance (NACOV) |
| :mod:`~loyaltysem.ordinal.statistics` | :func:`sample_statistics`, :func:`polychoric_matrix` |
| :mod:`~loyaltysem.ordinal.groups` | :func:`group_statistics`: per group, on the pooled categories |
"""
from __future__ import annotations

from .groups import group_statistics
from .statistics import OrdinalStatistics, polychoric_matrix, sample_statistics

__all__ = ["OrdinalStatistics", "group_statistics", "polychoric_matrix", "sample_statistics"]
