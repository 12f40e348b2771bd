"""The measurement-quality tables of a model of ordinal items (``fit(..., ordered=...)``).

:func:`~loyaltysem.validity.assess_measurement` calls these for a fit with
threshold rows: reliability, item statistics and HTMT on the polychoric
correlations the model was fitted to, never on Pearson correlations of the
category codes (see :mod:`.ordinal_reliability` for the definitions).
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..estimate import FitResult
from ..ordinal.categories import code_items
from .convergent import ave_fornell_larcker, ave_ratio_of_sums, composite_reliability, omega
from .discriminant import _blocks, htmt_bootstrap_intervals, htmt_from_correlations
from .ordinal_reliability import categorical_omega, item_statistics_from_correlations
from .reliability import cronbach_alpha, item_statistics, standardized_alpha

#: How every output names the correlations of an ordinal fit's item statistics.
POLYCHORIC = "polychoric"
#: How the HTMT intervals of an ordinal fit are computed.
ORDINAL_HTMT_CI = ("HTMT and HTMT2 intervals: percentile bootstrap with the polychoric "
                   "correlations recomputed in every resample (categories as observed in the "
                   "resample)")
#: Why the method-factor check of an ordinal fit is skipped.
NO_ORDINAL_METHOD_FACTOR = ("the method-factor check is not available for ordinal items: the "
                            "WLSMV chi-square difference needs a scaled difference test")
#: The checks of an ordinal fit's reliabilities and the thresholds they are judged by.
ORDINAL_CHECK_THRESHOLDS = {"alpha_ordinal": "alpha", "omega_categorical": "omega",
                            "htmt_polychoric": "htmt"}
MIXED_REASON = ("ordinal and continuous items in one construct: alpha and omega are not "
                "defined (semTools compRelSEM() gives NA)")
CONTINUOUS_NOTE = "continuous items: Cronbach's alpha and omega as in an ML fit"


def ordinal_items(result: FitResult) -> tuple[str, ...]:
    """The ordinal items of a fit: those with threshold (``|``) rows, in model order."""
    estimates = result.estimates
    return tuple(dict.fromkeys(estimates.loc[estimates["op"] == "|", "lhs"].astype(str)))


def fit_correlations(result: FitResult) -> pd.DataFrame:
    """The correlations a model of ordinal items was fitted to: polychoric for two ordinal
    items, polyserial for an ordinal and a continuous one, Pearson for two continuous ones
    (lavaan's ``lavInspect(fit, "sampstat")$cov`` rescaled to correlations)."""
    cov = result.sample_cov
    sd = np.sqrt(np.diag(cov.to_numpy(dtype=float)))
    return pd.DataFrame(cov.to_numpy(dtype=float) / np.outer(sd, sd), index=cov.index,
                        columns=cov.columns)


def _thresholds(result: FitResult, item: str) -> np.ndarray:
    rows = result.estimates[(result.estimates["op"] == "|") & (result.estimates["lhs"] == item)]
    return rows["std_all"].to_numpy(dtype=float)


def ordinal_construct_tables(result: FitResult, constructs: Mapping[str, Any],
                             data_used: pd.DataFrame, notes: list[str]
                             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per construct and per item, for a fit of ordinal items.

    Per construct: ``alpha`` is the ordinal alpha (``alpha_ordinal``, Zumbo et al. 2007;
    standardized alpha of the polychoric correlations), ``omega`` the categorical omega
    (``omega_categorical``, Green & Yang 2009; semTools' ``compRelSEM()`` default for
    ordinal items), ``omega_latent`` the omega of the latent responses, ``alpha_categorical``
    Cronbach's alpha of the category codes (``compRelSEM(tau.eq = TRUE)``), ``cr`` and
    ``ave`` from the standardized loadings. No interval of alpha (Feldt's assumes
    continuous items). Per item: the standardized loading (``se`` missing: the standardized
    solution's SEs are not available for ordinal fits; ``z``, ``pvalue`` of the
    unstandardized loading), alpha if dropped and ``r_drop`` on the polychorics.

    A construct of continuous items beside ordinal ones has Cronbach's raw alpha (with
    Feldt's interval), semTools' omega of its covariances, and alpha if dropped and
    ``r_drop`` of its item scores, as in an ML fit (the ordinal columns NaN); a construct
    of ordinal and continuous items has no alpha or omega (semTools gives NA). The column
    ``scale`` says which: ``ordinal``, ``continuous`` or ``mixed``.
    """
    ordinal = set(ordinal_items(result))
    correlations = fit_correlations(result)
    estimates = result.estimates
    loadings = estimates[estimates["op"] == "=~"].set_index(["lhs", "rhs"])
    construct_rows, item_rows = [], []
    for name, construct in constructs.items():
        items = list(construct.items)
        row: dict[str, Any] = {"construct": name, "n_items": len(items)}
        if len(items) >= 2:
            lam = np.array([loadings.at[(name, item), "std_all"] for item in items], dtype=float)
            sub = correlations.loc[items, items]
            n_ordinal = sum(item in ordinal for item in items)
            row.update({key: np.nan for key in ORDINAL_CONSTRUCT_COLUMNS},
                       cr=composite_reliability(lam), ave=ave_fornell_larcker(lam),
                       ave_ratio=ave_fornell_larcker(lam))
            if n_ordinal == len(items):
                codes = pd.DataFrame(code_items(data_used[items], True).codes, columns=items)
                omega_categorical = categorical_omega(
                    lam, [_thresholds(result, item) for item in items], sub.to_numpy())
                alpha_ordinal = standardized_alpha(sub.to_numpy())
                row.update(scale="ordinal", alpha=alpha_ordinal, alpha_std=alpha_ordinal,
                           omega=omega_categorical, alpha_ordinal=alpha_ordinal,
                           alpha_categorical=cronbach_alpha(codes).alpha,
                           omega_categorical=omega_categorical,
                           omega_latent=omega(lam, 1.0, sub.to_numpy()), note="")
                stats = item_statistics_from_correlations(sub)
            elif n_ordinal == 0:
                row.update(scale="continuous", note=CONTINUOUS_NOTE,
                           **_continuous_reliability(result, name, items, data_used))
                stats = item_statistics(data_used[items])
            else:
                row.update(scale="mixed", note=MIXED_REASON)
                stats = item_statistics_from_correlations(sub)
            negative = [item for item, value in zip(items, lam) if value < 0]
            if negative:
                notes.append(f"{name}: negative loading(s) of {', '.join(negative)} — negatively "
                             "keyed items? Recode them (reverse the scale) before interpreting "
                             "alpha, omega, CR and AVE")
        else:
            from .report import SINGLE_ITEM_REASON

            stats = pd.DataFrame(index=items, data={"alpha_if_dropped": np.nan, "r_drop": np.nan})
            row.update({key: np.nan for key in ORDINAL_CONSTRUCT_COLUMNS}, note=SINGLE_ITEM_REASON,
                       scale="ordinal" if all(item in ordinal for item in items)
                       else "continuous")
        construct_rows.append(row)
        for item in items:
            estimate = loadings.loc[(name, item)]
            item_rows.append({"construct": name, "item": item,
                              "std_loading": float(estimate["std_all"]), "se": np.nan,
                              "z": float(estimate["z"]), "pvalue": float(estimate["pvalue"]),
                              "alpha_if_dropped": stats.at[item, "alpha_if_dropped"],
                              "r_drop": stats.at[item, "r_drop"]})
    return pd.DataFrame(construct_rows), pd.DataFrame(item_rows)


def _continuous_reliability(result: FitResult, name: str, items: list[str],
                            data: pd.DataFrame) -> dict[str, float]:
    """Cronbach's alpha (raw, standardized, Feldt's interval), semTools' omega and AVE
    (ratio of sums) of a construct of continuous items in a fit with ordinal items
    elsewhere."""
    alpha = cronbach_alpha(data[items])
    raw = result.loadings.set_index(["lhs", "rhs"])["est"]
    cov = result.sample_cov.loc[items, items].to_numpy(dtype=float)
    lam = np.array([raw[(name, item)] for item in items])
    psi = float(result.latent_cov.at[name, name])
    return {"alpha": alpha.alpha, "alpha_std": alpha.std_alpha, "alpha_ci_lower": alpha.ci_lower,
            "alpha_ci_upper": alpha.ci_upper, "omega": omega(lam, psi, cov),
            "ave_ratio": ave_ratio_of_sums(lam, psi, np.diag(cov))}


#: The columns of an ordinal fit's construct table in the text summary.
ORDINAL_SUMMARY_COLUMNS = ("construct", "n_items", "scale", "alpha_ordinal", "alpha_categorical",
                           "cr", "omega_categorical", "omega_latent", "ave", "note")
#: The per-construct numbers of an ordinal fit (``n_items`` and ``note`` besides).
ORDINAL_CONSTRUCT_COLUMNS = ("alpha", "alpha_std", "alpha_ci_lower", "alpha_ci_upper", "cr",
                             "omega", "ave", "ave_ratio", "alpha_ordinal", "alpha_categorical",
                             "omega_categorical", "omega_latent")


def polychoric_htmt(result: FitResult, blocks: Mapping[str, Sequence[str]]
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """HTMT and HTMT2 of the item blocks on the fit's polychoric correlations, as semTools'
    ``htmt(model, data, ordered = items)``."""
    correlations = fit_correlations(result)
    items, index = _blocks(blocks)
    values = correlations.loc[items, items].to_numpy()
    names = list(blocks)
    first, second = (pd.DataFrame(htmt_from_correlations(values, index, geometric=geometric),
                                  index=names, columns=names) for geometric in (False, True))
    return first, second


def polychoric_htmt_intervals(result: FitResult, data: pd.DataFrame,
                              blocks: Mapping[str, Sequence[str]], *, n_boot: int,
                              seed: int | None, progress: bool = False
                              ) -> tuple[tuple[pd.DataFrame, ...], int]:
    """Percentile bootstrap intervals of HTMT and HTMT2 on polychoric correlations.

    The rows of ``data`` are resampled as :func:`.discriminant.htmt_bootstrap_intervals`
    does (the same seed, the same resamples) and the polychoric (polyserial, Pearson)
    correlations of the items are recomputed in each resample
    (:func:`loyaltysem.ordinal.polychoric_matrix`, lavaan's two-step estimates).

    Returns
    -------
    (lower, upper, lower2, upper2), failed
        The intervals and the number of resamples whose correlations could not be
        computed (an item left with a single category): they are left out.
    """
    from ..ordinal import polychoric_matrix

    ordinal = set(ordinal_items(result))
    failed = 0

    def correlation(sample: pd.DataFrame) -> np.ndarray:
        nonlocal failed
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return polychoric_matrix(sample, [c for c in sample.columns if c in ordinal]
                                         ).to_numpy()
            except ValueError:
                failed += 1
                raise

    intervals = htmt_bootstrap_intervals(data, blocks, n_boot=n_boot, seed=seed,
                                         progress=progress, correlation=correlation)
    return intervals, failed


def ordinal_notes(result: FitResult) -> list[str]:
    """What every output of an ordinal fit says about its statistics."""
    items = ordinal_items(result)
    return [f"ordinal items ({len(items)}: {', '.join(items)}), estimator {result.estimator}: "
            "alpha is the ordinal alpha (Zumbo et al. 2007) and HTMT/HTMT2 are computed on "
            "the polychoric correlations; omega is the categorical omega (Green & Yang 2009; "
            "semTools compRelSEM() default); omega_latent the omega of the latent responses; "
            "alpha_categorical Cronbach's alpha of the category codes; CR and AVE come from "
            "the standardized loadings; Fornell-Larcker uses the model's latent correlations",
            "no interval for the ordinal alpha (Feldt's interval assumes continuous items)",
            "item statistics (alpha if dropped, r_drop) are on the polychoric correlations; "
            "standardized SEs are not available for ordinal fits: the items' z and p are those "
            "of the unstandardized loadings",
            "cross-loadings and the composite VIFs use the mean of the category codes as the "
            "composite score (Pearson correlations of the codes)"]
