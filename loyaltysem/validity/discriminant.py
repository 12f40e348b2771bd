"""Discriminant validity: HTMT, HTMT2, Fornell–Larcker, cross-loadings, Rönkkö–Cho.

References
----------
Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models
with unobservable variables and measurement error. Journal of Marketing
Research, 18(1), 39-50.
Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for
assessing discriminant validity in variance-based structural equation
modeling. Journal of the Academy of Marketing Science, 43(1), 115-135.
Roemer, E., Schuberth, F., & Henseler, J. (2021). HTMT2 — an improved
criterion for assessing discriminant validity in structural equation
modeling. Industrial Management & Data Systems, 121(12), 2637-2650.
Rönkkö, M., & Cho, E. (2022). An updated guideline for assessing
discriminant validity. Organizational Research Methods, 25(1), 6-47.
semTools 0.5-6 ``htmt(absolute = TRUE, htmt2 = FALSE/TRUE)``.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..arguments import MAX_BOOTSTRAP, check_int, check_probability, check_seed


def _mean(values: np.ndarray, geometric: bool) -> float:
    if values.size == 0:
        return float("nan")
    if geometric:
        with np.errstate(divide="ignore"):
            return float(np.exp(np.mean(np.log(values))))
    return float(np.mean(values))


def htmt_from_correlations(correlations: np.ndarray, blocks: Sequence[Sequence[int]], *,
                           geometric: bool = False) -> np.ndarray:
    """HTMT (or HTMT2) matrix from an item correlation matrix.

    ``HTMT_ij = mean|r(heterotrait i, j)| / sqrt(mean|r(monotrait i)| *
    mean|r(monotrait j)|)`` with arithmetic means (Henseler et al., 2015) or
    geometric means (HTMT2, Roemer et al., 2021); absolute correlations, as
    semTools. Monotrait means are over distinct item pairs within a
    construct, so single-item constructs give NaN (undefined).

    Parameters
    ----------
    correlations : ndarray
        Item correlation matrix.
    blocks : sequence of index lists
        The items (columns of ``correlations``) of each construct.
    geometric : bool
        HTMT2 if True.

    Returns
    -------
    ndarray
        Symmetric matrix with 1 on the diagonal of multi-item constructs.
    """
    r = np.abs(np.asarray(correlations, dtype=float))
    m = len(blocks)
    mono = np.empty(m)
    for i, block in enumerate(blocks):
        sub = r[np.ix_(block, block)]
        mono[i] = _mean(sub[np.triu_indices(len(block), 1)], geometric)
    out = np.full((m, m), np.nan)
    for i in range(m):
        if np.isfinite(mono[i]):
            out[i, i] = 1.0
        for j in range(i):
            hetero = _mean(r[np.ix_(blocks[i], blocks[j])].ravel(), geometric)
            out[i, j] = out[j, i] = hetero / np.sqrt(mono[i] * mono[j])
    return out


def htmt(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]], *,
         geometric: bool = False) -> pd.DataFrame:
    """HTMT (``geometric=False``) or HTMT2 (``geometric=True``) of survey data.

    Parameters
    ----------
    data : pandas.DataFrame
        Complete cases of the items.
    constructs : mapping
        Construct → its items.

    Returns
    -------
    pandas.DataFrame
        Constructs × constructs; NaN where undefined (single-item constructs).

    Examples
    --------
    >>> from loyaltysem import load_dataset
    >>> mobi = load_dataset("mobi")
    >>> blocks = {"Satisfaction": ["CUSA1", "CUSA2", "CUSA3"], "Loyalty": ["CUSL1", "CUSL2", "CUSL3"]}
    >>> round(float(htmt(mobi, blocks).iloc[0, 1]), 4)  # semTools::htmt(model, mobi, htmt2 = FALSE)
    0.9566
    """
    items, blocks = _blocks(constructs)
    corr = np.corrcoef(data[items].to_numpy(dtype=float), rowvar=False)
    names = list(constructs)
    return pd.DataFrame(htmt_from_correlations(corr, blocks, geometric=geometric),
                        index=names, columns=names)


def _blocks(constructs: Mapping[str, Sequence[str]]) -> tuple[list[str], list[list[int]]]:
    items: list[str] = []
    blocks: list[list[int]] = []
    for block_items in constructs.values():
        block = []
        for item in block_items:
            if item not in items:
                items.append(item)
            block.append(items.index(item))
        blocks.append(block)
    return items, blocks


def htmt_bootstrap(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]], *,
                   n_boot: int = 1000, seed: int | None = 1, level: float = 0.95,
                   geometric: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Percentile bootstrap interval of every HTMT (Henseler et al., 2015, HTMT_inference).

    Rows are resampled with replacement ``n_boot`` times (numpy
    ``default_rng(seed)``: the same seed gives the same interval).

    Returns
    -------
    lower, upper : pandas.DataFrame
    """
    check_int("n_boot", n_boot, low=1, high=MAX_BOOTSTRAP)
    check_seed("seed", seed)
    check_probability("level", level, "a confidence level")
    items, blocks = _blocks(constructs)
    values = data[items].to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    n = values.shape[0]
    draws = np.empty((n_boot, len(blocks), len(blocks)))
    for b in range(n_boot):
        sample = values[rng.integers(0, n, n)]
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.corrcoef(sample, rowvar=False)
        draws[b] = htmt_from_correlations(corr, blocks, geometric=geometric)
    alpha = (1 - level) / 2
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells: single-item constructs
        lower = np.nanquantile(draws, alpha, axis=0)
        upper = np.nanquantile(draws, 1 - alpha, axis=0)
    names = list(constructs)
    single = [i for i, block in enumerate(blocks) if len(block) < 2]
    for i in single:
        lower[i, :] = lower[:, i] = upper[i, :] = upper[:, i] = np.nan
    return (pd.DataFrame(lower, index=names, columns=names),
            pd.DataFrame(upper, index=names, columns=names))


def fornell_larcker(ave: pd.Series, latent_correlations: pd.DataFrame) -> pd.DataFrame:
    """The Fornell–Larcker table: sqrt(AVE) on the diagonal, latent correlations below.

    Fornell & Larcker (1981): discriminant validity holds for a construct when
    ``sqrt(AVE)`` exceeds its correlations with every other construct.
    """
    names = list(latent_correlations.index)
    table = latent_correlations.copy().astype(float)
    for name in names:
        table.at[name, name] = float(np.sqrt(ave.get(name, np.nan)))
    upper = np.triu(np.ones(table.shape, dtype=bool), 1)
    return table.mask(upper)


def cross_loadings(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Correlations of every item with every construct's composite (mean of its items).

    A simple, well-defined variant of the cross-loadings table (Chin, 1998):
    an item should correlate more with its own construct's composite than
    with any other. The own composite includes the item (uncorrected).
    """
    items, _ = _blocks(constructs)
    composites = pd.DataFrame({name: data[list(block)].mean(axis=1)
                               for name, block in constructs.items()})
    values = np.corrcoef(np.column_stack([data[items].to_numpy(dtype=float),
                                          composites.to_numpy()]), rowvar=False)
    k = len(items)
    return pd.DataFrame(values[:k, k:], index=items, columns=list(constructs))


#: Rönkkö & Cho (2022, Table 9): upper limit of the latent correlation's CI.
RONKKO_CHO_CUTOFFS = ((0.80, "no problem"), (0.90, "marginal"), (1.00, "moderate"))


def ronkko_cho_class(upper_limit: float) -> str:
    """Severity of a discriminant-validity problem from the CI's upper limit.

    ``< .80`` no problem, ``.80–.90`` marginal, ``.90–1`` moderate, ``>= 1``
    severe (Rönkkö & Cho, 2022, CI_CFA(sys) with cutoffs .80/.90/1).
    """
    for cutoff, label in RONKKO_CHO_CUTOFFS:
        if abs(upper_limit) < cutoff:
            return label
    return "severe"
