"""Asymptotic covariance of the two-step ordinal sample statistics (lavaan's NACOV).

The statistics are estimated in two steps: θ₁ (thresholds; a continuous
item's mean and variance) from the univariate likelihoods, then each
correlation ρ_k from its own bivariate likelihood with θ₁ fixed. Stacking
the estimating equations, with casewise scores s_i = (s₁ᵢ, s₂ᵢ) (univariate
scores of θ₁; bivariate scores of ρ), the two-step estimator's sandwich is
(Muthén 1984; Muthén, du Toit & Spisic 1997, eqs. 10-13)

    ACOV = A⁻¹ B A⁻ᵀ,   B = Σ_i s_i s_iᵀ,   A = [[A₁₁, 0], [A₂₁, A₂₂]],

with, as lavaan's ``muthen1984`` computes them from the outer products of
the scores (the expected information of the multinomial and bivariate
likelihoods, estimated by its empirical version):

- A₁₁ block diagonal: per variable Σ_i s₁ᵢ s₁ᵢᵀ over its own θ₁;
- A₂₂ diagonal: Σ_i s_ρᵢ²;
- A₂₁ row of ρ_k: Σ_i s_ρᵢ ∂ℓ_kᵢ/∂θ₁ (the bivariate log-likelihood's
  derivatives with respect to the thresholds/moments of its two variables).

A⁻¹ = [[A₁₁⁻¹, 0], [-A₂₂⁻¹A₂₁A₁₁⁻¹, A₂₂⁻¹]]. lavaan's NACOV (``lavInspect(fit,
"gamma")``) is N · ACOV (``gamma.n.minus.one = FALSE``). With continuous
items the correlations of their pairs become covariances σ_ij = ρ_ij σ_i σ_j
(a polyserial one ρ σ_i), by the delta method with the Jacobian H
(lavaan's H₂₁, H₂₂), and a continuous item's "threshold" is minus its mean
(its rows and columns change sign).

References
----------
Muthén, B. (1984). A general structural equation model with dichotomous,
ordered categorical, and continuous latent variable indicators.
Psychometrika, 49(1), 115-132.
Muthén, B., du Toit, S. H. C., & Spisic, D. (1997). Robust inference using
weighted least squares and quadratic estimating equations in latent variable
modeling with categorical and continuous outcomes. Unpublished manuscript.
Rosseel, Y. lavaan 0.6-14: ``lav_samplestats_wls.R`` (``muthen1984``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def two_step_acov(uni_scores: np.ndarray, blocks: Sequence[np.ndarray], cor_scores: np.ndarray,
                  a21: np.ndarray) -> np.ndarray:
    """A⁻¹ B A⁻ᵀ of the stacked two-step estimates (not multiplied by N).

    Parameters
    ----------
    uni_scores : numpy.ndarray, shape (n, q1)
        Casewise univariate scores (thresholds and moments, in statistic order).
    blocks : sequence of int arrays
        Column indices of ``uni_scores`` belonging to each variable (A₁₁'s blocks).
    cor_scores : numpy.ndarray, shape (n, q2)
        Casewise scores of the correlations.
    a21 : numpy.ndarray, shape (q2, q1)
        Σ_i s_ρᵢ ∂ℓᵢ/∂θ₁ of each correlation's bivariate likelihood.

    Returns
    -------
    numpy.ndarray, shape (q1 + q2, q1 + q2)
    """
    scores = np.hstack([uni_scores, cor_scores])
    inner = scores.T @ scores
    q1 = uni_scores.shape[1]
    a11_inv = np.zeros((q1, q1))
    for block in blocks:
        a11_inv[np.ix_(block, block)] = np.linalg.inv(inner[np.ix_(block, block)])
    a22_inv = 1.0 / np.einsum("ij,ij->j", cor_scores, cor_scores)
    b_inv = np.zeros_like(inner)
    b_inv[:q1, :q1] = a11_inv
    b_inv[q1:, :q1] = -(a22_inv[:, None] * a21) @ a11_inv
    b_inv[q1:, q1:] = np.diag(a22_inv)
    return b_inv @ inner @ b_inv.T


def covariance_jacobian(n_uni: int, pair_sd: np.ndarray, pair_rho: np.ndarray,
                        pair_var_columns: Sequence[Sequence[tuple[int, float]]]) -> np.ndarray:
    """H = ∂(θ₁, σ)/∂(θ₁, ρ): correlations of pairs with continuous items to covariances.

    ``pair_sd`` is σ_i σ_j of each pair (1 for an ordinal item); each
    ``pair_var_columns[k]`` lists (column of a continuous item's variance,
    the other item's σ or 1) for pair k, giving ∂σ_ij/∂σ²_i = ρ σ_j / (2σ_i).
    """
    q2 = len(pair_sd)
    jac = np.eye(n_uni + q2)
    for k in range(q2):
        jac[n_uni + k, n_uni + k] = pair_sd[k]
        for column, other_sd in pair_var_columns[k]:
            own_sd = pair_sd[k] / other_sd
            jac[n_uni + k, column] = pair_rho[k] * other_sd / (2.0 * own_sd)
    return jac
