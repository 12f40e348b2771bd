"""Estimation: the only package that talks to semopy.

- :mod:`.semopy_engine` builds the model with semopy and computes Sigma and
  its derivatives;
- :mod:`.optimizer` drives it to lavaan's optimum (Fisher scoring);
- :mod:`.fit_indices`, :mod:`.standardize`, :mod:`.defined`,
  :mod:`.admissibility` compute what semopy lacks or gets wrong;
- :mod:`.fit` ties them together into a frozen :class:`.results.FitResult`.
"""
from __future__ import annotations

from .fit import fit, fit_survey
from .results import FitResult

__all__ = ["FitResult", "fit", "fit_survey"]
