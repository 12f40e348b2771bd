"""PLS-SEM and consistent PLS (PLSc) from a loyaltysem spec.

Layout: :mod:`.layout` (the spec as constructs, modes and item slots),
:mod:`.algorithm` (the iterative estimation of the outer weights),
:mod:`.estimates` (scores' correlations, loadings, paths, R², ρA and the PLSc
corrections), :mod:`.quality` (α, ρc, ρA, AVE, HTMT, VIF, f², effects),
:mod:`.data` (the survey data, standardized), :mod:`.fit` (:func:`fit_pls`),
:mod:`.result` (:class:`PLSResult`).
"""
from __future__ import annotations

from .fit import fit_pls
from .result import PLSResult

__all__ = ["PLSResult", "fit_pls"]
