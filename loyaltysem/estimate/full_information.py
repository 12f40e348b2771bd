"""What full-information ML (``missing="ml"``, ``"ml.x"``) adds to a fit: the mean
structure (lavaan's: free intercepts of the observed variables, latent means fixed at 0,
the covariates' means fixed at their sample values) and the pieces of the fit statistics
that the EM h1 and the incomplete data change: the covariates' parts of the
log-likelihoods, the baseline model's moments, the GFI on the missing-data patterns.
:mod:`.fit_measures` assembles them with the rest for any number of groups; the
likelihood itself is the core's (:mod:`.ml` over the missing-data patterns of
:mod:`.moments`).

References
----------
Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data.
In Marcoulides & Schumacker (Eds.), Advanced structural equation modeling (pp. 243-277).
Erlbaum.
Jöreskog, K. G., & Sörbom, D. (1981). LISREL V. National Educational Resources (GFI).
Zhang, X., & Savalei, V. (2023). New computations for RMSEA and CFI following FIML and
TS estimation with missing data. Psychological Methods, 28(2), 263-283.
doi:10.1037/met0000445
lavaan 0.6-14: ``lav_model_loglik``, ``lav_h1_logl``, ``lav_object_independence`` (the
log-likelihoods and the baseline), ``lav_samplestats_from_data`` (the pairwise sample
statistics and ``cov.x`` with missing data), ``lav_fit_gfi_lavobject``,
``lav_fit_cfi_lavobject``, ``lav_fit_rmsea_lavobject``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..exceptions import SpecificationError
from ..frame_rows import table_rows
from ..spec import ModelSpec
from . import fit_indices as fi
from .moments import (
    GroupMoments,
    loglik_constant,
    missing_moments,
    pairwise_moments,
    pattern_sum,
)
from .structure import model_structure


def check_fiml_supported(spec: ModelSpec, estimator: str, data: pd.DataFrame) -> None:
    """Refuse what full-information ML does not offer, saying what to do."""
    if estimator == "MLM":
        raise SpecificationError("estimator 'MLM' with missing='ml' is not available (lavaan "
                                 "does not offer it either); use estimator 'MLR'",
                                 source=spec.source)


def with_mean_structure(table: pd.DataFrame) -> pd.DataFrame:
    """The parameter table with lavaan's mean structure rows (``~1``) appended.

    A free intercept for every observed variable (in the structure's order),
    a fixed mean for every fixed.x covariate (``exo``: its sample mean) and
    latent means fixed at 0. A table that has a mean structure already (``~1``
    rows: the spec's ``meanstructure`` or intercepts in the syntax, which lavaan
    completes for every variable) is returned as it is.
    """
    if (table["op"] == "~1").any():
        return table
    structure = model_structure(table)
    covariates = {str(r.lhs) for r in table_rows(table) if r.exo}
    q = int(table["free"].max()) if len(table) else 0
    rows = []
    for name in structure.observed:
        fixed = name in covariates
        rows.append({"lhs": name, "free": 0 if fixed else q + 1, "ustart": np.nan,
                     "exo": int(fixed)})
        q += 0 if fixed else 1
    for name in structure.latent:
        rows.append({"lhs": name, "free": 0, "ustart": 0.0, "exo": 0})
    means = pd.DataFrame(rows)
    means["op"], means["rhs"], means["label"], means["user"] = "~1", "", "", 0
    return pd.concat([table, means], ignore_index=True)


def sample_gfi(moments: GroupMoments, sigma: np.ndarray, mu: np.ndarray,
               x_index: Sequence[int]) -> float:
    """One group's GFI as lavaan 0.6-14 computes it (``lav_fit_gfi``), complete or not.

    Complete data: :func:`.fit_indices.gfi_with_means` on the sample moments. Missing
    data: on lavaan's sample statistics (``wls.obs``: available-case means and pairwise
    covariances, :func:`.moments.pairwise_moments`), weighted by the expected information
    of the missing-data patterns at the implied moments. A multi-group GFI weights these
    by ``N_g / N``.
    """
    if moments.complete:
        return fi.gfi_with_means(moments.cov[0], sigma, moments.mean[0], mu, list(x_index))
    sample_cov, sample_mean = pairwise_moments(moments.cases())
    return fi.gfi_with_means(sample_cov, sigma, sample_mean, mu, list(x_index),
                             patterns=[(q.observed, float(q.n[0])) for q in moments.patterns])


def baseline_moments(moments: GroupMoments, x_index: Sequence[int]
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The baseline model's implied covariance and means at its FIML estimates.

    Each variable's available-case variance (divisor: its number of values) and mean,
    no covariances but the fixed.x covariates' block, at their pairwise sample moments
    (:func:`.moments.pairwise_moments`): the values at which lavaan 0.6-14's
    ``lav_object_independence`` fixes them (``SampleStats@cov.x``; the means of
    incomplete ones from ``SampleStats@mean``).

    Returns
    -------
    cov : ndarray, shape (p, p)
    mean : ndarray, shape (p,)
    """
    cases = moments.cases()
    mean = np.nanmean(cases, axis=0)
    cov = np.diag(np.nanmean((cases - mean) ** 2, axis=0))
    if len(x_index):
        block = np.ix_(x_index, x_index)
        cov[block] = pairwise_moments(cases[:, list(x_index)])[0]
    return cov, mean


class CovariateLogliks(NamedTuple):
    """What the fixed.x covariates contribute to lavaan's FIML log-likelihoods.

    Attributes
    ----------
    model : float
        The normal log-likelihood of their EM moments as if all N cases had them: what
        the model's log-likelihood conditions on (lavaan ``lav_model_loglik``).
    h1 : float
        The same at their pairwise sample moments
        (:func:`.moments.pairwise_moments`): what the h1 log-likelihood conditions on
        (``lav_h1_logl``, ``SampleStats@cov.x``).
    baseline : float
        Their full-information log-likelihood at those pairwise means and covariances,
        at which the baseline model fixes them.

    All three are equal when the covariates are complete (``missing = "ml"``), and 0
    without covariates.
    """

    model: float
    h1: float
    baseline: float


def covariate_logliks(moments: GroupMoments, x_index: Sequence[int]) -> CovariateLogliks:
    """The covariates' parts of the model, h1 and baseline log-likelihoods of a FIML fit
    (see :class:`CovariateLogliks`; lavaan 0.6-14, also with ``missing = "ml.x"``)."""
    if not len(x_index):
        return CovariateLogliks(0.0, 0.0, 0.0)
    x_index = list(x_index)
    n = int(moments.n[0])
    s_xx = moments.cov[0][np.ix_(x_index, x_index)]
    marginal = fi.normal_loglik(s_xx, s_xx, n)
    values = None if moments.complete else moments.cases()[:, x_index]
    if values is None or not np.isnan(values).any():
        return CovariateLogliks(marginal, marginal, marginal)
    cov, mean = pairwise_moments(values)
    alone = missing_moments(values, saturated=False)
    baseline = -0.5 * (pattern_sum(alone.patterns, mean, cov)
                       + loglik_constant(alone.patterns))
    return CovariateLogliks(marginal, fi.normal_loglik(cov, cov, n), baseline)


__all__ = ["CovariateLogliks", "baseline_moments", "check_fiml_supported", "covariate_logliks",
           "sample_gfi", "with_mean_structure"]
