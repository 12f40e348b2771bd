"""Estimation: the only package that talks to semopy.

- :mod:`.semopy_engine` builds the model with semopy and computes Sigma and
  its derivatives;
- :mod:`.optimizer` drives it to lavaan's optimum (Fisher scoring);
- :mod:`.fit_indices`, :mod:`.standardize`, :mod:`.defined`,
  :mod:`.admissibility` compute what semopy lacks or gets wrong;
- :mod:`.fit` ties them together into a frozen :class:`.results.FitResult`.
"""
from __future__ import annotations

from .bollen_stine import BollenStineResult, bollen_stine
from .compare import DifferenceTest, ModelComparison, compare
from .fit import fit, fit_survey
from .modindices import modification_indices
from .results import FitResult
from .score_test import score_test, wald_test

__all__ = ["BollenStineResult", "DifferenceTest", "FitResult", "ModelComparison", "bollen_stine",
           "compare", "fit", "fit_survey", "modification_indices", "score_test", "wald_test"]
