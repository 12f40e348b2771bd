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
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..arguments import MAX_BOOTSTRAP, check_int, check_probability, check_seed


def _mean(values: np.ndarray, geometric: bool) -> np.ndarray:
    """Arithmetic or geometric mean over the last axis (NaN for none)."""
    if values.shape[-1] == 0:
        return np.full(values.shape[:-1], np.nan)
    if geometric:
        with np.errstate(divide="ignore"):
            return np.exp(np.mean(np.log(values), axis=-1))
    return np.mean(values, axis=-1)


def htmt_from_correlations(correlations: np.ndarray, blocks: Sequence[Sequence[int]], *,
                           geometric: bool = False,
                           single_item_monotrait: float | None = None) -> np.ndarray:
    """HTMT (or HTMT2) matrix from an item correlation matrix, or a stack of them.

    ``HTMT_ij = mean|r(heterotrait i, j)| / sqrt(mean|r(monotrait i)| *
    mean|r(monotrait j)|)`` with arithmetic means (Henseler et al., 2015) or
    geometric means (HTMT2, Roemer et al., 2021); absolute correlations, as
    semTools, SmartPLS and seminr. Monotrait means are over distinct item pairs
    within a construct, so single-item constructs give NaN (undefined), unless
    ``single_item_monotrait`` sets their monotrait mean (seminr and SmartPLS
    use 1).

    Parameters
    ----------
    correlations : ndarray, (items, items) or (stack, items, items)
        Item correlation matrix (or matrices).
    blocks : sequence of index lists
        The items (columns of ``correlations``) of each construct.
    geometric : bool
        HTMT2 if True.
    single_item_monotrait : float, optional
        The monotrait mean of a single-item construct (None: NaN).

    Returns
    -------
    ndarray
        Symmetric matrix (or stack of them) with 1 on the diagonal where the
        monotrait mean is defined.
    """
    r = np.abs(np.asarray(correlations, dtype=float))
    stacked = r if r.ndim == 3 else r[None]
    m = len(blocks)
    indices = [np.asarray(block, dtype=int) for block in blocks]
    mono = np.empty((stacked.shape[0], m))
    for i, block in enumerate(indices):
        upper = np.triu_indices(block.size, 1)
        sub = stacked[:, block[:, None], block[None, :]][:, upper[0], upper[1]]
        mono[:, i] = _mean(sub, geometric)
        if block.size == 1 and single_item_monotrait is not None:
            mono[:, i] = single_item_monotrait
    out = np.full((stacked.shape[0], m, m), np.nan)
    for i in range(m):
        out[:, i, i] = np.where(np.isfinite(mono[:, i]), 1.0, np.nan)
        for j in range(i):
            hetero = stacked[:, indices[i][:, None], indices[j][None, :]]
            value = _mean(hetero.reshape(stacked.shape[0], -1), geometric) / np.sqrt(
                mono[:, i] * mono[:, j])
            out[:, i, j] = out[:, j, i] = value
    return out if r.ndim == 3 else out[0]


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
                   geometric: bool = False, progress: bool = False
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Percentile bootstrap interval of every HTMT (Henseler et al., 2015, HTMT_inference).

    Rows are resampled with replacement ``n_boot`` times (numpy
    ``default_rng(seed)``: the same seed gives the same interval).

    Returns
    -------
    lower, upper : pandas.DataFrame
    """
    intervals = htmt_bootstrap_intervals(data, constructs, n_boot=n_boot, seed=seed,
                                         level=level, progress=progress)
    return intervals[2:] if geometric else intervals[:2]


def htmt_bootstrap_intervals(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]], *,
                             n_boot: int = 1000, seed: int | None = 1, level: float = 0.95,
                             progress: bool = False,
                             correlation: Callable[[pd.DataFrame], np.ndarray] | None = None
                             ) -> tuple[pd.DataFrame, ...]:
    """The intervals of :func:`htmt_bootstrap` for HTMT and HTMT2 from one set of resamples
    (the same resamples each would draw alone): ``(lower, upper, lower2, upper2)``; a
    progress bar with the time left when ``progress``.

    ``correlation`` computes the item correlations of a resample (a DataFrame of the items,
    in the order of ``constructs``): Pearson's by default; for ordinal items the
    polychoric correlations (:func:`loyaltysem.ordinal.polychoric_matrix`), recomputed in
    every resample. A resample whose correlations it cannot compute (it raises
    ``ValueError``, e.g. an item left with one category) counts as missing."""
    from tqdm.auto import tqdm

    check_int("n_boot", n_boot, low=1, high=MAX_BOOTSTRAP)
    check_seed("seed", seed)
    check_probability("level", level, "a confidence level")
    items, blocks = _blocks(constructs)
    values = data[items].to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    n = values.shape[0]
    draws = np.empty((2, n_boot, len(blocks), len(blocks)))
    for b in tqdm(range(n_boot), desc="HTMT bootstrap", unit="resample", disable=not progress):
        sample = values[rng.integers(0, n, n)]
        if correlation is not None:
            try:
                corr = np.asarray(correlation(pd.DataFrame(sample, columns=items)), dtype=float)
            except ValueError:
                draws[:, b] = np.nan
                continue
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                corr = np.corrcoef(sample, rowvar=False)
        draws[0, b] = htmt_from_correlations(corr, blocks)
        draws[1, b] = htmt_from_correlations(corr, blocks, geometric=True)
    alpha = (1 - level) / 2
    names = list(constructs)
    single = [i for i, block in enumerate(blocks) if len(block) < 2]
    out = []
    for kind in range(2):
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN cells: single items
            lower = np.nanquantile(draws[kind], alpha, axis=0)
            upper = np.nanquantile(draws[kind], 1 - alpha, axis=0)
        for i in single:
            lower[i, :] = lower[:, i] = upper[i, :] = upper[:, i] = np.nan
        out += [pd.DataFrame(lower, index=names, columns=names),
                pd.DataFrame(upper, index=names, columns=names)]
    return tuple(out)


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
