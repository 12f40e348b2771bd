"""CVPAT: the cross-validated predictive ability test of a PLS path model.

The losses are those of PLSpredict's out-of-sample predictions
(:func:`~loyaltysem.pls.predict.predict_pls`): for case i, the mean squared
prediction error over the indicators of the endogenous constructs (overall)
or of one construct. The PLS model is tested against the indicator-average
(IA: each indicator predicted by its training mean) and the linear-model (LM)
benchmark by a paired t-test of the case-wise loss differences.

References
----------
Liengaard, B. D., Sharma, P. N., Hult, G. T. M., Jensen, M. B., Sarstedt, M.,
Hair, J. F., & Ringle, C. M. (2021). Prediction: coveted, yet forsaken?
Introducing a cross-validated predictive ability test in partial least squares
path modeling. Decision Sciences, 52(2), 362-392 (the losses, the test).
Sharma, P. N., Liengaard, B. D., Hair, J. F., Sarstedt, M., & Ringle, C. M.
(2023). Predictive model assessment and selection in composite-based modeling
using PLS-SEM: extensions and guidelines for using CVPAT. European Journal of
Marketing, 57(6), 1662-1677 (the IA and LM benchmarks).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..arguments import check_choice
from ..exceptions import ArgumentError

if TYPE_CHECKING:
    from .predict import PLSPredictResult

Alternative = Literal["greater", "two-sided"]


def case_losses(actual: np.ndarray, predicted: np.ndarray, groups: np.ndarray,
                names: list[str]) -> np.ndarray:
    """(N, groups + 1): each case's mean squared error over each group's indicators,
    then over all indicators (the overall loss of Liengaard et al. 2021)."""
    squared = (actual - predicted) ** 2
    columns = [squared[:, groups == g].mean(axis=1) for g in range(len(names))]
    return np.column_stack(columns + [squared.mean(axis=1)])


def paired_t(difference: np.ndarray, alternative: str) -> tuple[np.ndarray, np.ndarray]:
    """t and p of the mean of each column of (N, m) differences, df N − 1.

    ``t = D̄ / (s_D / √N)``; ``"greater"``: H1 E[D] > 0 (the PLS model predicts
    better than the benchmark, Liengaard et al. 2021), ``"two-sided"``: E[D] ≠ 0.
    """
    from scipy.special import stdtr

    n = difference.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = difference.mean(axis=0) / (difference.std(axis=0, ddof=1) / np.sqrt(n))
    p = stdtr(n - 1, -t) if alternative == "greater" else 2 * stdtr(n - 1, -np.abs(t))
    return t, p


def cvpat(prediction: "PLSPredictResult", *, alternative: Alternative = "greater"
          ) -> pd.DataFrame:
    """CVPAT of a PLSpredict result against the IA and LM benchmarks.

    Parameters
    ----------
    prediction : PLSPredictResult
        From :func:`~loyaltysem.pls.predict_pls`; its predictions (averaged over
        the repetitions per case) give the losses.
    alternative : {"greater", "two-sided"}
        ``"greater"`` tests whether the PLS model has a smaller expected loss than
        the benchmark (Liengaard et al.'s "M1 better out of sample than M2");
        ``"two-sided"`` whether the losses differ.

    Returns
    -------
    pandas.DataFrame
        ``benchmark, construct, pls_loss, benchmark_loss, loss_diff, t, df, pvalue``:
        one row per endogenous construct and one ``"Overall"`` row per
        benchmark (``"IA"``, ``"LM"``); ``loss_diff = benchmark_loss − pls_loss``
        (positive: PLS predicts better).

    Notes
    -----
    The loss of case i is ``L_i = (1/J) Σ_j (y_ij − ŷ_ij)²`` over the J
    indicators (of one construct, or of all endogenous constructs for
    ``Overall``), on the items' own scale (seminrExtras; Liengaard et al.
    standardize the items first, which weighs items of different scales
    differently). With ``D_i = L_i(benchmark) − L_i(PLS)``,
    ``t = D̄ / (s_D / √N)`` with N − 1 degrees of freedom (Liengaard et al.
    2021, eq. 6). ``Overall`` averages over all endogenous indicators, as
    Liengaard et al.'s code does (seminrExtras averages the construct losses
    instead, which weighs single-item constructs more). IA predicts each
    indicator by its training mean (Sharma et al. 2023; seminrExtras uses the
    full-sample mean, which is not out of sample). The bootstrap variants of
    the test (Liengaard et al. 2021, sec. 4; seminrExtras' ``Boot T value``)
    are not computed.

    Examples
    --------
    >>> from loyaltysem.pls import cvpat, predict_pls
    >>> table = cvpat(predict_pls("corp_rep", "corp_rep", missing="mean", seed=1))
    >>> table[table["construct"] == "Overall"]["benchmark"].tolist()
    ['IA', 'LM']
    >>> # seminrExtras: assess_cvpat(model, testtype = "greater", noFolds = 10, reps = 10)
    """
    check_choice("alternative", alternative, ("greater", "two-sided"))
    names = list(dict.fromkeys(prediction.constructs))
    groups = np.array([names.index(c) for c in prediction.constructs])
    pls = case_losses(prediction.actual, prediction.pls, groups, names)
    rows = []
    for label, benchmark in (("IA", prediction.naive), ("LM", prediction.lm)):
        other = case_losses(prediction.actual, benchmark, groups, names)
        t, p = paired_t(other - pls, alternative)
        for g, construct in enumerate(names + ["Overall"]):
            rows.append({"benchmark": label, "construct": construct,
                         "pls_loss": float(pls[:, g].mean()),
                         "benchmark_loss": float(other[:, g].mean()),
                         "loss_diff": float((other[:, g] - pls[:, g]).mean()),
                         "t": float(t[g]), "df": prediction.n - 1, "pvalue": float(p[g])})
    return pd.DataFrame(rows, columns=["benchmark", "construct", "pls_loss", "benchmark_loss",
                                       "loss_diff", "t", "df", "pvalue"])


def _aligned(first: "PLSPredictResult", second: "PLSPredictResult") -> np.ndarray:
    """Column order of ``second``'s indicators in ``first``'s order, once the two
    predictions are shown to be comparable."""
    if sorted(zip(first.constructs, first.items)) != sorted(zip(second.constructs, second.items)):
        raise ArgumentError("CVPAT compares models with the same endogenous constructs and "
                            f"indicators (Sharma et al. 2023); got {sorted(set(first.items))} "
                            f"and {sorted(set(second.items))}")
    if (first.n != second.n or not first.index.equals(second.index)
            or not np.array_equal(first.fold_ids, second.fold_ids)):
        raise ArgumentError("CVPAT compares two models on the same rows and folds: run "
                            "predict_pls on the same data with the same seed, folds and "
                            "repetitions (or the same fold_ids)")
    return np.array([second.items.index(item) for item in first.items])


def cvpat_compare(first: "PLSPredictResult", second: "PLSPredictResult", *,
                  alternative: Alternative = "greater") -> pd.DataFrame:
    """CVPAT of two PLS models' out-of-sample losses (Liengaard et al. 2021).

    Parameters
    ----------
    first, second : PLSPredictResult
        PLSpredict results of two models with the same endogenous constructs and
        indicators, on the same rows with the same folds (same data, ``seed``,
        ``folds`` and ``repetitions``, or the same ``fold_ids``).
    alternative : {"greater", "two-sided"}
        ``"greater"``: the first model has the smaller expected loss (Liengaard
        et al.'s "M1 better out of sample than M2"); ``"two-sided"``: they differ.

    Returns
    -------
    pandas.DataFrame
        ``construct, first_loss, second_loss, loss_diff, t, df, pvalue`` per
        endogenous construct and ``"Overall"``; ``loss_diff = second_loss −
        first_loss``, tested by the paired t-test of :func:`cvpat`.

    Raises
    ------
    ArgumentError
        Predictions of different indicators, rows or folds.

    Examples
    --------
    >>> # seminrExtras: assess_cvpat_compare(established, alternative, testtype = "greater")
    """
    check_choice("alternative", alternative, ("greater", "two-sided"))
    order = _aligned(first, second)
    names = list(dict.fromkeys(first.constructs))
    groups = np.array([names.index(c) for c in first.constructs])
    one = case_losses(first.actual, first.pls, groups, names)
    two = case_losses(second.actual[:, order], second.pls[:, order], groups, names)
    t, p = paired_t(two - one, alternative)
    return pd.DataFrame({"construct": names + ["Overall"], "first_loss": one.mean(axis=0),
                         "second_loss": two.mean(axis=0), "loss_diff": (two - one).mean(axis=0),
                         "t": t, "df": first.n - 1, "pvalue": p})
