"""PLS-SEM and consistent PLS (PLSc) from a loyaltysem spec.

Layout: :mod:`.layout` (the spec as constructs, modes and item slots),
:mod:`.algorithm` (the iterative estimation of the outer weights),
:mod:`.estimates` (scores' correlations, loadings, paths, R², ρA and the PLSc
corrections), :mod:`.quality` (α, ρc, ρA, AVE, HTMT, VIF, f², effects),
:mod:`.data` (the survey data, standardized), :mod:`.fit` (:func:`fit_pls`),
:mod:`.result` (:class:`PLSResult`), :mod:`.stack` (a stack of fits at once),
:mod:`.draws` and :mod:`.bootstrap` (resamples, jackknife, intervals).
"""
from __future__ import annotations

from .bootstrap import PLSBootstrap, bootstrap_pls
from .fit import fit_pls
from .result import PLSResult
from .mga import MGAResult, mga
from .micom import MICOMResult, micom

__all__ = ["PLSBootstrap", "PLSResult", "bootstrap_pls", "fit_pls"]
__all__ += ["MGAResult", "MICOMResult", "mga", "micom"]
