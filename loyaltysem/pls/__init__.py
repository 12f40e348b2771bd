"""PLS-SEM and consistent PLS (PLSc) from a loyaltysem spec.

Layout: :mod:`.layout` (the spec as constructs, modes and item slots),
:mod:`.algorithm` (the iterative estimation of the outer weights),
:mod:`.estimates` (scores' correlations, loadings, paths, R², ρA and the PLSc
corrections), :mod:`.quality` (α, ρc, ρA, AVE, HTMT, VIF, f², effects),
:mod:`.data` (the survey data, standardized), :mod:`.fit` (:func:`fit_pls`),
:mod:`.result` (:class:`PLSResult`), :mod:`.stack` (a stack of fits at once),
:mod:`.draws` and :mod:`.bootstrap` (resamples, jackknife, intervals),
:mod:`.predict` (PLSpredict), :mod:`.cvpat` (CVPAT), :mod:`.ipma` (IPMA),
:mod:`.model_fit` (SRMR, d_ULS, d_G) and :mod:`.exact_fit` (their bootstrap test).
"""
from __future__ import annotations

from .bootstrap import PLSBootstrap, bootstrap_pls
from .cvpat import cvpat, cvpat_compare
from .exact_fit import ExactFitTest, exact_fit_test
from .fit import fit_pls
from .ipma import IPMAResult, ipma
from .predict import PLSPredictResult, predict_pls
from .result import PLSResult
from .mga import MGAResult, mga
from .micom import MICOMResult, micom

__all__ = ["IPMAResult", "PLSBootstrap", "PLSPredictResult", "PLSResult", "bootstrap_pls", "cvpat",
           "cvpat_compare", "fit_pls", "ipma", "predict_pls"]
__all__ += ["ExactFitTest", "MGAResult", "MICOMResult", "exact_fit_test", "mga", "micom"]
