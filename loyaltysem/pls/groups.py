"""The groups of a PLS-SEM data set, and the permutation of their labels.

:func:`group_data` checks a grouping column once, at the edge, for
:func:`~loyaltysem.pls.micom` and :func:`~loyaltysem.pls.mga`: the column named
by ``group=`` (the conventions of :func:`loyaltysem.groups.fit_groups`: groups in
order of first appearance, integer or name labels, rows without a group value
left out with a :class:`~loyaltysem.exceptions.MissingValueWarning`), the
missing-data treatment applied to the pooled rows before they are split (the
same treatment for every group and every permutation: MICOM's step 1), and
every group large enough to be fitted on its own.

:func:`permutation_draws` is the permutation engine of both tests. Two groups
g, h are compared on their own rows, group g's first, then group h's, in data
order (the pair's *pooled* data, ``n = n_g + n_h`` rows). Permutation ``p``
draws ``numpy.random.default_rng(SeedSequence(seed).spawn(P)[p]).permutation(n)``;
its first ``n_g`` positions form group g, the rest group h. Each generator is
the permutation's own, so the draws do not depend on the chunking or on the
number of workers, and a pair of a many-group analysis sees the same
permutations as a two-group analysis of its rows with the same seed. The
permutations of a chunk are one stack of 2 × chunk correlation matrices, fitted
by one call of :func:`~loyaltysem.pls.stack.fit_stack`; the same permutations
serve MICOM's steps 2 and 3 and the permutation MGA.

References
----------
Chin, W. W., & Dibbern, J. (2010). An introduction to a permutation based
procedure for multi-group PLS analysis. In V. Esposito Vinzi et al. (Eds.),
Handbook of partial least squares (pp. 171-193). Springer.
Henseler, J., Ringle, C. M., & Sarstedt, M. (2016). Testing measurement
invariance of composites using partial least squares. International Marketing
Review, 33(3), 405-431.
"""
from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from ..arguments import MAX_JOBS, check_bool, check_int, check_seed, fail
from ..data.checks import NaValues, group_labels, group_names, refuse_absent_group_column
from ..exceptions import DataError, MissingValueWarning
from ..spec import ModelSpec, as_spec
from .algorithm import Scheme
from .data import PLSMissing
from .draws import Statistics, statistic_vectors
from .fit import _checked_options, fit_pls
from .layout import PLSLayout, pls_layout
from .result import FitOptions, PLSResult
from .stack import fit_stack, slot_stack

#: More groups than this are refused (45 pairwise comparisons); choose some with groups=.
MAX_GROUPS = 10
#: The fewest rows a group may have (and more rows than the items of its largest block).
MIN_GROUP_SIZE = 10
#: The most permutations a call may ask for.
MAX_PERMUTATIONS = 100_000
#: The group code column carried through the edge checks.
_CODE = "__loyaltysem_group__"
#: Permutations per stack (two fits each).
CHUNK = 100
#: Permuted statistics within this (relative) distance of the observed one are ties, and
#: ties count as extreme: discrete items give exact ties that rounding would split at random.
TIES = 1e-10


def share_as_extreme(permuted: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Two-sided permutation p values: the share of ``|permuted| >= |observed|`` per column
    (ties within :data:`TIES` included; Chin & Dibbern 2010)."""
    bound = np.abs(observed) - TIES * np.maximum(1.0, np.abs(observed))
    return (np.abs(permuted) >= bound).mean(axis=0)


def share_at_or_below(permuted: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """One-sided (lower tail) permutation p values: the share of ``permuted <= observed``
    (ties within :data:`TIES` included; MICOM's step 2)."""
    return (permuted <= observed + TIES * np.maximum(1.0, np.abs(observed))).mean(axis=0)


@dataclass(frozen=True)
class PLSGroups:
    """The checked rows of a multi-group PLS-SEM analysis.

    Attributes
    ----------
    spec : ModelSpec
    layout : PLSLayout
    column : str
        The grouping column.
    labels : tuple of str
        The groups compared, in order (first appearance, or as ``groups=`` lists them).
    codes : ndarray of int (N,)
        Each row's group (an index into ``labels``).
    values : ndarray (N, items)
        The model's items after the missing-data treatment of the pooled rows.
    missing : {"listwise", "mean"}
    options : FitOptions
    notes : tuple of str
        Rows left out and values replaced.
    names : dict of str to str
        Group code → its name for people (:func:`~loyaltysem.data.checks.group_names`).
    """

    spec: ModelSpec
    layout: PLSLayout
    column: str
    labels: tuple[str, ...]
    codes: np.ndarray
    values: np.ndarray
    missing: str
    options: FitOptions
    notes: tuple[str, ...]
    names: dict[str, str] = field(default_factory=dict)

    @property
    def sizes(self) -> dict[str, int]:
        """Rows of each group."""
        return {label: int((self.codes == g).sum()) for g, label in enumerate(self.labels)}

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """Every pair of groups (g < h), in order."""
        return list(itertools.combinations(range(len(self.labels)), 2))

    def pair_values(self, g: int, h: int) -> np.ndarray:
        """The pooled rows of groups g and h: group g's first, then group h's (data order)."""
        return np.concatenate([self.values[self.codes == g], self.values[self.codes == h]])

    def fit_group(self, g: int) -> PLSResult:
        """:func:`~loyaltysem.pls.fit_pls` of group g's rows, with the analysis' options."""
        frame = pd.DataFrame(self.values[self.codes == g], columns=list(self.layout.items))
        options = self.options
        return fit_pls(self.spec, frame, scheme=cast(Scheme, options.scheme),
                       consistent=options.consistent, missing=cast(PLSMissing, self.missing),
                       allow_codes=True,  # the pooled rows passed the code checks
                       tol=options.tol, max_iter=options.max_iter)

    def pair_key(self, g: int, h: int) -> str:
        """``"1 vs 2"``: how results name the pair of groups g and h."""
        return f"{self.labels[g]} vs {self.labels[h]}"

    def sizes_text(self) -> str:
        """``"'1': 125 rows, '2': 219 rows"``, for messages."""
        return ", ".join(f"{label!r}: {n} rows" for label, n in self.sizes.items())


def check_common(group: Any, groups: Any, n: Any, n_name: str, seed: Any, n_jobs: Any,
                 progress: Any) -> tuple[str, ...] | None:
    """Refuse a bad argument shared by micom and mga before any work; ``groups`` as labels."""
    if not isinstance(group, str) or not group:
        raise fail("group", "the name of the column that defines the groups (a string)", group)
    check_int(n_name, n, low=2, high=MAX_PERMUTATIONS)
    check_seed("seed", seed)
    check_int("n_jobs", n_jobs, low=1, high=MAX_JOBS)
    check_bool("progress", progress)
    if groups is None:
        return None
    if isinstance(groups, (str, bytes)) or not isinstance(groups, Sequence):
        raise fail("groups", "a list of at least two group values, or None", groups)
    labels = tuple(_label(value) for value in groups)
    if len(labels) < 2 or len(set(labels)) < len(labels):
        raise fail("groups", "a list of at least two different group values, or None", groups)
    return labels


def _label(value: Any) -> str:
    """A group value as the labels of :func:`loyaltysem.data.checks.group_labels` spell it."""
    try:
        labels = group_labels(pd.Series([value], dtype=object), "groups")
    except DataError:
        raise fail("groups", "a list of group values (integers or names)", value) from None
    return str(labels.iloc[0])


def group_data(spec: ModelSpec | str | Path, data: pd.DataFrame | str | Path, group: str,
               groups: tuple[str, ...] | None, *, scheme: Any, consistent: Any, missing: Any,
               na_values: NaValues, allow_codes: Any, tol: Any, max_iter: Any) -> PLSGroups:
    """Check the grouping column and the items, treat missing values on the pooled rows.

    Raises
    ------
    ArgumentError
        Bad PLS options (as :func:`~loyaltysem.pls.fit_pls`).
    DataError
        No column ``group``; fewer than two groups or more than :data:`MAX_GROUPS`;
        ``groups`` naming a value the column does not hold; a group with fewer rows
        than :data:`MIN_GROUP_SIZE` or than the items of a block need; an item
        constant within a group. Each message names the column, the groups and
        their sizes.
    """
    from ..estimate.fit import model_frame

    scheme, missing = _checked_options(scheme, consistent, missing, allow_codes, tol, max_iter)
    model = as_spec(spec)
    layout = pls_layout(model)
    frame = model_frame(model, data, na_values=na_values, allow_codes=allow_codes)
    labels, notes = _group_column(frame, group)
    frame, labels, chosen, more = _chosen_groups(frame, labels, group, groups)
    codes = labels.map({g: i for i, g in enumerate(chosen)}).to_numpy(dtype=float)
    values, codes, treated = _treated(model, layout, frame.assign(**{_CODE: codes}), missing,
                                      na_values, bool(allow_codes))
    found = PLSGroups(model, layout, group, tuple(chosen), codes, values, missing,
                      FitOptions(scheme, bool(consistent), float(tol), int(max_iter)),
                      notes + more + treated, group_names(frame[group].dropna(), group))
    _check_sizes(found)
    return found


def _treated(spec: ModelSpec, layout: PLSLayout, frame: pd.DataFrame, missing: str,
             na_values: NaValues, allow_codes: bool
             ) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The items of the pooled rows after the edge checks and the missing-data treatment
    (as :func:`~loyaltysem.pls.data.pls_data`), with each kept row's group code."""
    from ..data.survey import prepare_survey

    roles = {item: f"item of construct {name}"
             for name, construct in spec.constructs.items() for item in construct.items}
    survey = prepare_survey(frame, layout.items, carry=[_CODE],
                            missing="ml" if missing == "mean" else "listwise",
                            na_values=na_values, roles=roles, allow_codes=allow_codes)
    values = survey.data[list(layout.items)].to_numpy(dtype=float)
    notes = [note for note in survey.notes if not note.startswith("full-information ML")]
    holes = np.isnan(values)
    if missing == "mean" and holes.any():
        values = np.where(holes, np.nanmean(values, axis=0), values)
        notes.append(f"{int(holes.sum())} missing values in {int(holes.any(axis=0).sum())} "
                     "items were replaced by the item means of the pooled rows "
                     "(missing='mean'), before the groups were split")
    return values, survey.data[_CODE].to_numpy(dtype=int), tuple(notes)


def _group_column(frame: pd.DataFrame, group: str) -> tuple[pd.Series, tuple[str, ...]]:
    """The group labels of the rows that have one (index reset), and a note on the others."""
    refuse_absent_group_column(frame, group)
    column = frame[group]
    if isinstance(column, pd.DataFrame):
        group_labels(column, group)  # refuses duplicate columns, naming them
    keep = column.notna().to_numpy()
    labels = group_labels(column[keep], group)
    notes: tuple[str, ...] = ()
    dropped = int((~keep).sum())
    if dropped:
        notes = (f"{dropped} of {len(frame)} rows have no value of the grouping column "
                 f"{group!r} and are left out",)
        warnings.warn(notes[0], MissingValueWarning, stacklevel=4)
    return labels.reset_index(drop=True), notes


def _chosen_groups(frame: pd.DataFrame, labels: pd.Series, group: str,
                   groups: tuple[str, ...] | None
                   ) -> tuple[pd.DataFrame, pd.Series, list[str], tuple[str, ...]]:
    """The rows of the groups compared (all, or those of ``groups`` in its order)."""
    keep_rows = frame[frame[group].notna()].reset_index(drop=True)
    present = list(pd.unique(labels))
    counts = labels.value_counts()
    listing = ", ".join(f"{g!r}: {int(counts[g])} rows" for g in present)
    if groups is None:
        chosen = present
    else:
        unknown = [g for g in groups if g not in present]
        if unknown:
            raise DataError(f"groups names {unknown[0]!r}, which column {group!r} does not "
                            f"hold; its groups are {listing}")
        chosen = list(groups)
    if len(chosen) < 2:
        only = f" (every row is {chosen[0]!r})" if chosen else " (every value is missing)"
        raise DataError(f"group must be a column with at least two groups; column {group!r} "
                        f"has {len(chosen)}{only}: choose another grouping column, or fit one "
                        "model with fit_pls()")
    if len(chosen) > MAX_GROUPS:
        raise DataError(f"column {group!r} has {len(chosen)} groups ({listing}); at most "
                        f"{MAX_GROUPS} can be compared pairwise at once: choose some with "
                        "groups=[...] or merge groups")
    inside = labels.isin(chosen).to_numpy()
    notes: tuple[str, ...] = ()
    if not inside.all():
        notes = (f"{int((~inside).sum())} rows of groups not in groups= are left out",)
    return (keep_rows[inside].reset_index(drop=True), labels[inside].reset_index(drop=True),
            chosen, notes)


def _check_sizes(found: PLSGroups) -> None:
    """Every group large enough to fit on its own, and no item constant within a group."""
    layout = found.layout
    blocks = [layout.slots_of(k).size for k in range(len(layout.constructs))]
    largest = int(np.argmax(blocks))
    need = max(MIN_GROUP_SIZE, blocks[largest] + 1)
    after = " after listwise deletion" if found.missing == "listwise" else ""
    for g, label in enumerate(found.labels):
        rows = found.values[found.codes == g]
        if rows.shape[0] < need:
            raise DataError(
                f"group {label!r} of {found.column!r} has {rows.shape[0]} rows{after}; a "
                f"group needs at least {need} ({MIN_GROUP_SIZE}, or one more than the "
                f"{blocks[largest]} items of the largest block, {layout.constructs[largest]}, "
                "if that is more): merge it with another group or leave it out with "
                f"groups=[...] (sizes: {found.sizes_text()})")
        spread = rows.std(axis=0)
        constant = np.flatnonzero(spread <= 1e-12 * max(float(spread.max()), 1.0))
        if constant.size:
            names = ", ".join(layout.items[i] for i in constant)
            raise DataError(f"within group {label!r} of {found.column!r} item(s) {names} "
                            "do not vary, so the group's weights are not defined: merge the "
                            f"group with another or leave it out (sizes: {found.sizes_text()})")


@dataclass(frozen=True)
class PairDraws:
    """Group g minus group h, for the observed split (one row) or for permutations.

    Attributes
    ----------
    statistics : ndarray (P, S)
        Differences of the statistic vectors (:func:`~loyaltysem.pls.draws.statistic_vectors`).
    c : ndarray (P, K)
        MICOM's c: the correlation, on the pooled rows, of the scores made with group g's
        and with group h's weights.
    mean_diff, log_var_diff : ndarray (P, K)
        Group g minus group h: means and log variances (divisor n − 1) of the pooled
        scores (pooled weights, standardized on the pooled rows).
    converged : ndarray of bool (P,)
        Both groups' fits converged.
    """

    statistics: np.ndarray
    c: np.ndarray
    mean_diff: np.ndarray
    log_var_diff: np.ndarray
    converged: np.ndarray


@dataclass(frozen=True)
class Pair:
    """The pooled rows of two groups, standardized, with their pooled fit."""

    values: np.ndarray        # (n, items) standardized on the pooled rows
    n_first: int
    slot_correlations: np.ndarray  # (slots, slots) pooled
    scores: np.ndarray        # (n, K) pooled scores, pooled weights
    layout: PLSLayout
    options: FitOptions
    stats: Statistics         # the statistics compared (names, effects' pairs and chains)
    converged: bool           # the pooled fit


def make_pair(found: PLSGroups, g: int, h: int, stats: Statistics) -> Pair:
    """Groups g and h's pooled rows, standardized, and the pooled fit's scores
    (``stats``: the statistics of a fit of the model, :func:`~loyaltysem.pls.draws.statistics_of`)."""
    raw = found.pair_values(g, h)
    values = (raw - raw.mean(axis=0)) / raw.std(axis=0, ddof=1)
    correlations = values.T @ values / (values.shape[0] - 1)
    layout, options = found.layout, found.options
    slots = slot_stack(correlations[None], layout)
    pooled = fit_stack(slots, layout, scheme=cast(Scheme, options.scheme), consistent=False,
                       tol=options.tol, max_iter=options.max_iter)
    scores = values[:, layout.slot_item] @ pooled.weights[0]
    return Pair(values, int((found.codes == g).sum()), slots[0], scores, layout, options,
                stats, bool(pooled.converged[0]))


def _correlations(cross: np.ndarray, sums: np.ndarray, n: int) -> np.ndarray:
    """Correlation matrices from cross-products (stack, p, p) and sums (stack, p) of n rows."""
    covariance = cross - sums[:, :, None] * sums[:, None, :] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 1 / np.sqrt(np.einsum("bii->bi", covariance))
    return covariance * scale[:, :, None] * scale[:, None, :]


def split_correlations(values: np.ndarray, rows: np.ndarray, n_first: int) -> np.ndarray:
    """The item correlations of both groups of each split (2 × stack, items, items): the
    first ``stack`` for positions ``[:n_first]`` of ``rows``, then the rest. Only the
    smaller group's cross-products are summed; the other's are the pooled ones minus them."""
    n = values.shape[0]
    first_small = n_first <= n - n_first
    sample = values[rows[:, :n_first] if first_small else rows[:, n_first:]]
    cross, sums = np.swapaxes(sample, 1, 2) @ sample, sample.sum(axis=1)
    rest_cross, rest_sums = values.T @ values - cross, values.sum(axis=0) - sums
    small = _correlations(cross, sums, sample.shape[1])
    large = _correlations(rest_cross, rest_sums, n - sample.shape[1])
    return np.concatenate([small, large] if first_small else [large, small])


def split_draws(pair: Pair, rows: np.ndarray) -> PairDraws:
    """Fit both groups of each split ``rows`` (stack, n): positions ``[:n_first]`` form
    group g, the rest group h; all splits in one stacked call."""
    stack, first = rows.shape[0], pair.n_first
    correlations = split_correlations(pair.values, rows, first)
    options, layout = pair.options, pair.layout
    fitted = fit_stack(slot_stack(correlations, layout), layout,
                       scheme=cast(Scheme, options.scheme), consistent=options.consistent,
                       tol=options.tol, max_iter=options.max_iter)
    with np.errstate(invalid="ignore"):
        vectors = statistic_vectors(fitted, correlations, layout, pair.stats)
    w1, w2 = fitted.weights[:stack], fitted.weights[stack:]
    r = pair.slot_correlations
    r_w2 = r @ w2
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (w1 * r_w2).sum(axis=1) / np.sqrt((w1 * (r @ w1)).sum(axis=1)
                                              * (w2 * r_w2).sum(axis=1))
    scores_1, scores_2 = pair.scores[rows[:, :first]], pair.scores[rows[:, first:]]
    mean_diff = scores_1.mean(axis=1) - scores_2.mean(axis=1)
    log_var = np.log(scores_1.var(axis=1, ddof=1)) - np.log(scores_2.var(axis=1, ddof=1))
    converged = fitted.converged[:stack] & fitted.converged[stack:]
    return PairDraws(vectors[:stack] - vectors[stack:], c, mean_diff, log_var, converged)


def observed_draws(pair: Pair) -> PairDraws:
    """The observed split: the groups as they are."""
    return split_draws(pair, np.arange(pair.values.shape[0])[None])


def permutation_draws(pair: Pair, n_permutations: int, *, seed: int | None, n_jobs: int,
                      progress: bool, chunk: int = CHUNK) -> PairDraws:
    """``n_permutations`` random splits of the pooled rows (see the module notes), fitted
    in stacks of ``chunk``, on ``n_jobs`` threads (the same result for any number)."""
    from joblib import Parallel, delayed
    from threadpoolctl import threadpool_limits
    from tqdm.auto import tqdm

    seeds = np.random.SeedSequence(seed).spawn(n_permutations)
    n = pair.values.shape[0]

    def run(start: int) -> tuple[int, PairDraws]:
        rows = np.array([np.random.default_rng(s).permutation(n)
                         for s in seeds[start:start + chunk]])
        return start, split_draws(pair, rows)

    starts = range(0, n_permutations, chunk)
    parts: dict[int, PairDraws] = {}
    # one BLAS thread (process-wide, so in every worker thread too): the floating-point
    # result must not depend on the threads a process uses
    with threadpool_limits(limits=1), tqdm(total=n_permutations, desc="PLS permutations",
                                           unit="permutation", disable=not progress) as bar:
        finished: Iterator = (map(run, starts) if n_jobs == 1 else Parallel(
            n_jobs=n_jobs, prefer="threads", return_as="generator_unordered")(
                delayed(run)(start) for start in starts))
        for start, part in finished:
            parts[start] = part
            bar.update(part.converged.size)
    ordered = [parts[start] for start in starts]
    return PairDraws(*(np.concatenate([getattr(p, name) for p in ordered])
                       for name in ("statistics", "c", "mean_diff", "log_var_diff",
                                    "converged")))

