"""Estimation: the one core (the only package that talks to semopy).

- :mod:`.structure` asks semopy where every parameter-table row lives in the
  model matrices (once per table, cached); :mod:`.layout` places the global
  parameter vector in every group; :mod:`.moments` holds the data per group ×
  missing-data pattern × stack of samples;
- :mod:`.ml` is the one ML discrepancy, gradient, information and casewise
  scores; :mod:`.starts` and :mod:`.estimation` find the estimates;
  :mod:`.inference`, :mod:`.robust` and :mod:`.reference_models` turn them into
  standard errors and scaled tests;
- :mod:`.core_fit` is the one assembly of a fit of any number of groups:
  :mod:`.inference` (``fit_inference``), :mod:`.estimates_table` (with
  :mod:`.standardize`, :mod:`.defined`, :mod:`.assemble`), :mod:`.fit_measures`
  (the statistics of :mod:`.fit_indices`) and :mod:`.admissibility`;
- :mod:`.fit` prepares one group's data and builds a frozen
  :class:`.results.FitResult` from it (multi-group fits: :mod:`loyaltysem.groups`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names
from .fit import fit, fit_survey
from .results import FitResult

if TYPE_CHECKING:
    from .bollen_stine import BollenStineResult, bollen_stine
    from .compare import DifferenceTest, ModelComparison, compare
    from .modindices import modification_indices
    from .score_test import score_test, wald_test

__all__ = ["BollenStineResult", "DifferenceTest", "FitResult", "ModelComparison", "bollen_stine",
           "compare", "fit", "fit_survey", "modification_indices", "score_test", "wald_test"]

# loaded on first use (loyaltysem._lazy): none of them is part of a plain fit
lazy_names(__name__, {"BollenStineResult": "bollen_stine", "bollen_stine": "bollen_stine",
                      "DifferenceTest": "compare", "ModelComparison": "compare",
                      "compare": "compare", "modification_indices": "modindices",
                      "score_test": "score_test", "wald_test": "score_test"})
