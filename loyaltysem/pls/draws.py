"""The statistics a PLS bootstrap draws, and the stacks of resamples that draw them.

A fit's statistics are one vector: outer weights and loadings (one per slot),
path coefficients, total indirect and total effects, R² and HTMT. The same
vector is read off the original fit, every resample and every jackknife
(leave-one-out) sample, each a stack of correlation matrices fitted at once.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from ..effects.bootstrap import resample_rows
from .algorithm import Scheme
from ..spec import ModelSpec
from ..validity.discriminant import htmt_from_correlations
from .chains import chain_effects, chain_name, defined_effects, specific_chains
from .layout import PLSLayout
from .quality import SINGLE_ITEM_MONOTRAIT
from .result import PLSResult
from .estimates import unstandardized_paths
from .stack import StackFit, fit_stack, slot_stack

#: resample rows (chunk, N) -> (draws, convergence) of the chunk
Evaluate = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Statistics:
    """Names, kinds and original values of the bootstrapped statistics.

    ``sign_columns`` are the columns whose sign a sign change may alter, with
    ``sign_first``/``sign_second`` the constructs whose flips multiply them
    (index ``n_constructs`` stands for "none"); ``loading_columns`` are each
    construct's loading columns.
    """

    names: list[str]
    kinds: list[str]
    n_constructs: int
    sign_columns: np.ndarray
    sign_first: np.ndarray
    sign_second: np.ndarray
    loading_columns: list[np.ndarray]
    pairs: np.ndarray          # (pairs, 2): constructs i, j of the effects
    indirect_pairs: np.ndarray  # those with an indirect effect
    chains: list[tuple[int, ...]]
    spec: ModelSpec
    estimates: np.ndarray = field(default_factory=lambda: np.empty(0))


def _htmt_blocks(layout: PLSLayout) -> list[np.ndarray]:
    return [layout.slot_item[layout.slots_of(k)] for k in range(len(layout.constructs))]


def statistic_vectors(fitted: StackFit, item_correlations: np.ndarray, layout: PLSLayout,
                      stats: Statistics) -> np.ndarray:
    """(stack, statistics): every statistic of every fit of the stack, in a fixed order."""
    pairs, indirect_pairs = stats.pairs, stats.indirect_pairs
    stack = fitted.weights.shape[0]
    slots = np.arange(layout.n_slots)
    weights = fitted.weights[:, slots, layout.slot_construct]
    sources = np.array([i for i, _ in layout.paths], dtype=int)
    targets = np.array([j for _, j in layout.paths], dtype=int)
    paths = fitted.paths[:, sources, targets]
    identity = np.eye(len(layout.constructs))
    with np.errstate(invalid="ignore"):
        total = np.linalg.inv(identity - np.nan_to_num(fitted.paths)) - identity
    indirect = total - fitted.paths
    endogenous = [k for k, _ in layout.predecessors]
    parts = [weights, fitted.loadings, paths,
             indirect[:, indirect_pairs[:, 0], indirect_pairs[:, 1]],
             total[:, pairs[:, 0], pairs[:, 1]], chain_effects(fitted.paths, stats.chains),
             fitted.r2[:, endogenous], _htmt_stack(item_correlations, _htmt_blocks(layout)),
             defined_effects(stats.spec, layout, fitted.paths)]
    out = np.concatenate([part.reshape(stack, -1) for part in parts], axis=1)
    out[~fitted.converged] = np.nan
    return out


def _htmt_stack(item_correlations: np.ndarray, blocks: list[np.ndarray]) -> np.ndarray:
    """HTMT of every pair of constructs (lower triangle, row by row), for a stack of item
    correlations (:func:`~loyaltysem.validity.discriminant.htmt_from_correlations`)."""
    values = htmt_from_correlations(item_correlations, [list(b) for b in blocks],
                                    single_item_monotrait=SINGLE_ITEM_MONOTRAIT)
    lower = np.tril_indices(len(blocks), -1)
    return values[:, lower[0], lower[1]]


def statistics_of(result: PLSResult) -> Statistics:
    """The statistics of a fit: their names, kinds, original values and sign structure."""
    layout = result.solution.layout
    names = layout.constructs
    reaches, chained = layout.reachable
    pairs, indirect_pairs = np.argwhere(reaches), np.argwhere(chained)
    labels: list[tuple[str, str]] = []
    labels += [("weight", f"{names[k]}: {layout.items[i]}")
               for i, k in zip(layout.slot_item, layout.slot_construct)]
    labels += [("loading", f"{names[k]}: {layout.items[i]}")
               for i, k in zip(layout.slot_item, layout.slot_construct)]
    labels += [("path", f"{names[i]} -> {names[j]}") for i, j in layout.paths]
    labels += [("indirect", f"{names[i]} -> {names[j]}") for i, j in indirect_pairs]
    labels += [("total", f"{names[i]} -> {names[j]}") for i, j in pairs]
    chains = specific_chains(layout)
    labels += [("specific", chain_name(layout, chain)) for chain in chains]
    labels += [("r2", names[k]) for k, _ in layout.predecessors]
    labels += [("htmt", f"{names[i]}, {names[j]}") for i in range(len(names)) for j in range(i)]
    labels += [("defined", name) for name in result.spec.defined_effects]
    first, second, columns = _sign_structure(layout, pairs, indirect_pairs, chains)
    n_slots = layout.n_slots
    loading_columns = [n_slots + layout.slots_of(k) for k in range(len(names))]
    stats = Statistics([name for _, name in labels], [kind for kind, _ in labels],
                       len(names), columns, first, second, loading_columns, pairs,
                       indirect_pairs, chains, result.spec)
    return dataclasses.replace(stats, estimates=_original_vector(result, stats))


def _original_vector(result: PLSResult, stats: Statistics) -> np.ndarray:
    solution = result.solution
    fitted = StackFit(solution.weights[None], solution.cross_loadings[None],
                      solution.loadings[None], solution.rho_a[None],
                      solution.correlations[None], solution.paths[None], solution.r2[None],
                      np.array([result.iterations]), np.array([True]))
    return statistic_vectors(fitted, solution.item_correlations[None], solution.layout,
                             stats)[0]


def _sign_structure(layout: PLSLayout, pairs: np.ndarray, indirect_pairs: np.ndarray,
                    chains: list[tuple[int, ...]]
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each signed column: the constructs whose sign flips multiply it (a chain's
    inner constructs flip twice: only its ends count)."""
    none = len(layout.constructs)
    first = list(layout.slot_construct) * 2
    second = [none] * (2 * layout.n_slots)
    ends = [*layout.paths, *map(tuple, indirect_pairs), *map(tuple, pairs),
            *((chain[0], chain[-1]) for chain in chains)]
    for i, j in ends:
        first.append(int(i))
        second.append(int(j))
    return np.array(first), np.array(second), np.arange(len(first))


def correlation_stack(values: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Correlation matrices of the row selections ``rows`` (stack, m) of ``values``, and the
    items' SDs in each selection."""
    sample = values[rows]
    centered = sample - sample.mean(axis=1, keepdims=True)
    covariance = np.swapaxes(centered, 1, 2) @ centered
    squares = np.einsum("bii->bi", covariance)
    scale = 1 / np.sqrt(squares)
    return (covariance * scale[:, :, None] * scale[:, None, :],
            np.sqrt(squares / (rows.shape[1] - 1)))


def _fit_correlations(result: PLSResult, stats: Statistics, correlations: np.ndarray,
                      item_sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    options = result.options
    assert options is not None  # fit_pls sets them
    layout = result.solution.layout
    fitted = fit_stack(slot_stack(correlations, layout), layout,
                       scheme=cast(Scheme, options.scheme),
                       consistent=options.consistent, tol=options.tol,
                       max_iter=options.max_iter)
    if result.solution.unstandardized:
        fitted = dataclasses.replace(fitted, paths=unstandardized_paths(
            fitted.paths, layout, result.solution.unstandardized, fitted.loadings, item_sd))
    vectors = statistic_vectors(fitted, correlations, layout, stats)
    return vectors, fitted.converged


def resample_stack(values: np.ndarray, n_boot: int, evaluate: Evaluate, *, seed: int | None,
                   n_jobs: int, chunk: int, progress: bool, desc: str
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``evaluate`` of ``n_boot`` resamples of the rows of ``values``, a chunk of them at a
    time: the rows of its first array (draws) and of its second (convergence), in resample
    order. Resample ``b`` draws its rows from the ``b``-th generator spawned from ``seed``,
    so the draws do not depend on the chunking or the number of threads."""
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    seeds = np.random.SeedSequence(seed).spawn(n_boot)
    starts = range(0, n_boot, chunk)

    def run(start: int) -> tuple[int, np.ndarray, np.ndarray]:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            vectors, converged = evaluate(resample_rows(seeds[start:start + chunk],
                                                        values.shape[0]))
        return start, vectors, converged

    draws: np.ndarray | None = None
    converged: np.ndarray | None = None
    finished: Iterator = (map(run, starts) if n_jobs == 1 else Parallel(
        n_jobs=n_jobs, prefer="threads", return_as="generator_unordered")(
            delayed(run)(start) for start in starts))
    with tqdm(total=n_boot, desc=desc, unit="resample", disable=not progress) as bar:
        for start, vectors, ok in finished:
            if draws is None or converged is None:
                draws = np.empty((n_boot,) + vectors.shape[1:])
                converged = np.empty((n_boot,) + ok.shape[1:], dtype=bool)
            draws[start:start + len(ok)] = vectors
            converged[start:start + len(ok)] = ok
            bar.update(len(ok))
    if draws is None or converged is None:
        raise ValueError("resample_stack needs n_boot >= 1")
    return draws, converged


def resample_correlations(result: PLSResult, stats: Statistics, n_boot: int, *,
                          seed: int | None, n_jobs: int, chunk: int, progress: bool
                          ) -> tuple[np.ndarray, np.ndarray]:
    """The statistics of ``n_boot`` resamples (rows of the draws) and their convergence."""
    values = result.solution.values

    def evaluate(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _fit_correlations(result, stats, *correlation_stack(values, rows))

    return resample_stack(values, n_boot, evaluate, seed=seed, n_jobs=n_jobs, chunk=chunk,
                          progress=progress, desc="PLS bootstrap")


def jackknife_correlations(result: PLSResult, stats: Statistics, chunk: int = 200
                           ) -> np.ndarray:
    """The statistics of the N leave-one-out samples (for BCa's acceleration), from the
    item sums and cross-products with each row removed (no copy of N − 1 rows)."""
    values = result.solution.values
    n = values.shape[0]
    total = values.sum(axis=0)
    products = values.T @ values
    out = np.empty((n, stats.estimates.size))
    for start in range(0, n, chunk):
        rows = values[start:start + chunk]
        sums = total - rows
        cross = products - rows[:, :, None] * rows[:, None, :]
        covariance = cross - sums[:, :, None] * sums[:, None, :] / (n - 1)
        squares = np.einsum("bii->bi", covariance)
        scale = 1 / np.sqrt(squares)
        correlations = covariance * scale[:, :, None] * scale[:, None, :]
        out[start:start + rows.shape[0]] = _fit_correlations(
            result, stats, correlations, np.sqrt(squares / (n - 2)))[0]
    return out


def inner_standard_errors(result: PLSResult, stats: Statistics, n_boot: int, n_inner: int,
                          seed: int | None, progress: bool) -> np.ndarray:
    """(n_boot, statistics): each outer resample's bootstrap SE from ``n_inner`` resamples of
    its own rows (the studentized interval's denominators). Outer resample ``b`` is the
    one :func:`resample_correlations` draws; its inner resamples come from generators
    spawned from ``b``'s seed."""
    from tqdm.auto import tqdm

    values = result.solution.values
    n = values.shape[0]
    seeds = np.random.SeedSequence(seed).spawn(n_boot)
    out = np.empty((n_boot, stats.estimates.size))
    for b in tqdm(range(n_boot), desc="inner bootstraps", unit="resample", disable=not progress):
        outer = values[resample_rows(seeds[b:b + 1], n)[0]]
        rows = resample_rows(seeds[b].spawn(n_inner), n)
        vectors, converged = _fit_correlations(result, stats, *correlation_stack(outer, rows))
        kept = vectors[converged]
        out[b] = kept.std(axis=0, ddof=1) if kept.shape[0] > 1 else np.nan
    return out
