"""Scaled chi-square differences of nested multi-group models (lavaan's ``lavTestLRT``
default for MLR and MLM).

The robust inference of a multi-group fit is that of every fit, the groups being the
groups of the core (:func:`loyaltysem.estimate.inference.fit_inference`: the sandwich
and the Yuan–Bentler scaling for MLR, Satorra–Bentler for MLM; the baseline's scaling
in :func:`loyaltysem.estimate.fit_measures.baseline_scaling_factor`).

References
----------
Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test
statistic for moment structure analysis. Psychometrika, 66(4), 507-514.
lavaan 0.6: ``R/lav_test_diff.R``.
"""
from __future__ import annotations

from ..estimate.difference import scaled_difference_test


def scaled_difference(chisq0: float, df0: float, c0: float, chisq1: float, df1: float,
                      c1: float) -> tuple[float, float, float]:
    """Satorra–Bentler (2001) scaled difference of nested models (0: more restricted).

    ``(T, df0 - df1, p)`` of :func:`loyaltysem.estimate.difference.scaled_difference_test`
    (the one implementation; NaN when the df do not differ or ``cd <= 0``).
    """
    return scaled_difference_test(chisq0, df0, c0, chisq1, df1, c1)[:3]
