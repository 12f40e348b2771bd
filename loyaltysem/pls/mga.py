"""Multi-group analysis of PLS-SEM estimates: the permutation test and Henseler's MGA.

Each parameter (outer weights and loadings, paths, indirect and total effects,
R²) is estimated in every group on its own; two groups' estimates are compared
by

- the *permutation test* (Chin & Dibbern 2010): the difference θ₁ − θ₂
  against its distribution when the group labels are permuted (each group
  refitted), with the same permutations as :func:`~loyaltysem.pls.micom`
  (:mod:`loyaltysem.pls.groups`); or
- *Henseler's MGA* (Henseler 2007; Henseler, Ringle & Sinkovics 2009;
  Sarstedt, Henseler & Ringle 2011): each group bootstrapped separately and
  every pair of resamples compared.

References
----------
Chin, W. W., & Dibbern, J. (2010). An introduction to a permutation based
procedure for multi-group PLS analysis. In V. Esposito Vinzi et al. (Eds.),
Handbook of partial least squares (pp. 171-193). Springer.
Henseler, J., Ringle, C. M., & Sinkovics, R. R. (2009). The use of partial least
squares path modeling in international marketing. Advances in International
Marketing, 20, 277-319 (the PLS-MGA probability).
Sarstedt, M., Henseler, J., & Ringle, C. M. (2011). Multigroup analysis in
partial least squares (PLS) path modeling: alternative methods and empirical
results. Advances in International Marketing, 22, 195-218.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..arguments import check_choice, check_probability, fail
from ..data.checks import NaValues, group_title
from ..spec import ModelSpec
from ..summary import Summary
from .algorithm import Scheme
from .bootstrap import SIGN_CHANGES, SignChange, bootstrap_pls
from .data import PLSMissing
from .draws import Statistics, statistics_of
from .fit import DEFAULT_MAX_ITER, DEFAULT_TOL
from .groups import (PLSGroups, check_common, group_data, make_pair, permutation_draws,
                     share_as_extreme)
from .micom import records
from .result import PLSResult

Method = Literal["permutation", "henseler"]
#: the statistics compared (HTMT, a validity criterion, is not)
MGA_KINDS = ("weight", "loading", "path", "indirect", "specific", "total", "r2", "defined")
#: summary sections, in order
_SECTIONS = {"path": "Paths", "indirect": "Total indirect effects",
             "specific": "Specific indirect effects", "total": "Total effects",
             "defined": "Defined effects", "r2": "R-squared", "weight": "Outer weights",
             "loading": "Outer loadings"}


@dataclass(frozen=True)
class MGAResult:
    """Multi-group comparison of PLS-SEM estimates (:func:`mga`).

    Attributes
    ----------
    method : {"permutation", "henseler"}
    group : str
        The grouping column.
    groups : tuple of str
        The group codes (the keys of ``n``, ``results`` and the tables).
    group_names : dict of str to str
        Group code → its name for people (the grouping column's value labels), shown by
        :meth:`summary`; empty without labels.
    n : dict
        Rows of each group.
    n_draws : int
        Permutations (``"permutation"``) or resamples per group (``"henseler"``).
    n_failed : dict
        Permutations per pair (``"1 vs 2"``), or resamples per group, that did not
        converge (left out).
    seed : int or None
    level : float
    table : pandas.DataFrame
        One row per pair of groups and statistic: ``group_1, group_2, kind,
        statistic, est_1, est_2, diff`` (group 1 minus group 2), then for the
        permutation test ``ci_lower, ci_upper`` (the central ``level`` interval of
        the permuted differences) and ``pvalue`` (the share of permuted ``|diff|`` at
        or above the observed one); for Henseler's MGA ``mean_1, mean_2, se_1, se_2``
        (the groups' bootstrap means and SEs), ``p_henseler`` and ``pvalue`` (see
        :func:`mga`). Kinds: weight, loading (multi-item blocks), path, indirect
        (total indirect), specific (each chain's indirect effect), total, r2 and
        defined (the spec's ``:=`` effects), as :func:`~loyaltysem.pls.bootstrap_pls`
        names them.
    results : dict of PLSResult
        Each group's fit.
    draws : dict of pandas.DataFrame
        The permuted differences per pair, or each group's bootstrap draws.
    """

    method: str
    group: str
    groups: tuple[str, ...]
    n: dict[str, int]
    n_draws: int
    n_failed: dict[str, int]
    seed: int | None
    level: float
    table: pd.DataFrame
    results: dict[str, PLSResult] = field(repr=False)
    draws: dict[str, pd.DataFrame] = field(repr=False)
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    group_names: dict[str, str] = field(default_factory=dict, repr=False)

    def _kind(self, kinds: Sequence[str]) -> pd.DataFrame:
        rows = self.table[self.table["kind"].isin(kinds)]
        ends = rows["statistic"].str.split(" -> ", n=1, expand=True)
        out = rows.drop(columns="statistic").reset_index(drop=True)
        out.insert(3, "from", ends[0].to_numpy())
        out.insert(4, "to", ends[1].to_numpy())
        return out

    @property
    def paths(self) -> pd.DataFrame:
        """The path rows of :attr:`table`, with ``from, to`` for ``statistic``."""
        return self._kind(["path"]).drop(columns="kind")

    @property
    def effects(self) -> pd.DataFrame:
        """The indirect and total effect rows of :attr:`table`, with ``from, to``."""
        return self._kind(["indirect", "total"])

    def summary(self, digits: int = 3) -> Summary:
        """Warnings, the settings, then the comparisons: paths first."""
        name = ("permutation test (Chin & Dibbern 2010)" if self.method == "permutation"
                else "Henseler's MGA (Henseler et al. 2009)")
        overview = {"method": name, "grouping column": self.group,
                    "groups": ", ".join(f"{group_title(g, self.group_names)} (n = {n})"
                                        for g, n in self.n.items()),
                    ("permutations" if self.method == "permutation"
                     else "resamples per group"): self.n_draws,
                    "failed": ", ".join(f"{k}: {v}" for k, v in self.n_failed.items()),
                    "seed": "none" if self.seed is None else self.seed,
                    "differences": "group_1 - group_2"}
        sections: list[tuple[str, Any]] = [("Warnings", list(self.warnings) or ["none"]),
                                           ("Multi-group analysis", overview)]
        for kind, heading in _SECTIONS.items():
            rows = self.table[self.table["kind"] == kind]
            if len(rows):
                sections.append((heading, rows.drop(columns="kind").reset_index(drop=True)))
        if self.notes:
            sections.append(("Notes", list(self.notes)))
        return Summary(f"PLS-SEM multi-group analysis by {self.group}", tuple(sections),
                       digits)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: the settings (``n_permutations`` or ``n_boot``, the other null) and
        ``comparisons``, the rows of :attr:`table`."""
        return {"method": self.method, "group": self.group, "groups": list(self.groups),
                "n": dict(self.n),
                "n_permutations": self.n_draws if self.method == "permutation" else None,
                "n_boot": self.n_draws if self.method == "henseler" else None,
                "n_failed": dict(self.n_failed),
                "seed": self.seed, "level": self.level,
                "comparisons": records(self.table), "warnings": list(self.warnings),
                "notes": list(self.notes)}


def mga(spec: ModelSpec | str | Path, data: pd.DataFrame | str | Path, group: str, *,
        method: Method = "permutation", groups: Sequence[Any] | None = None,
        n_permutations: int | None = None, n_boot: int | None = None,
        seed: int | None = None, level: float = 0.95, n_jobs: int = 1,
        sign_change: SignChange = "none", scheme: Scheme = "path", consistent: bool = False,
        missing: PLSMissing = "listwise", na_values: NaValues = None,
        allow_codes: bool = False, tol: float = DEFAULT_TOL,
        max_iter: int = DEFAULT_MAX_ITER, progress: bool = False) -> MGAResult:
    """Compare the groups' PLS-SEM estimates: permutation test or Henseler's MGA.

    Parameters
    ----------
    spec, data
        As :func:`~loyaltysem.pls.fit_pls`.
    group : str
        The column whose values define the groups (in order of first appearance).
    method : {"permutation", "henseler"}
        Chin & Dibbern's (2010) permutation test, or Henseler's bootstrap MGA.
    groups : list, optional
        The groups to compare, in this order; the other rows are left out. With
        more than two groups every pair is compared on its own rows (no correction
        for multiple comparisons).
    n_permutations : int, optional
        Permutations (``method="permutation"``; 5,000 by default, as SmartPLS).
    n_boot : int, optional
        Bootstrap resamples of each group (``method="henseler"``; 5,000 by default).
    seed : int, optional
        The same seed gives the same draws on any number of workers.
    level : float
        Level of the permutation intervals.
    n_jobs : int
        Threads.
    sign_change : {"none", "construct", "individual"}
        Henseler's MGA: the groups' bootstraps' sign-change option
        (:func:`~loyaltysem.pls.bootstrap_pls`).
    scheme, consistent, missing, na_values, allow_codes, tol, max_iter
        As :func:`~loyaltysem.pls.fit_pls` (``consistent=True``: PLSc estimates are
        compared); missing values are treated on the pooled rows before the split.
    progress : bool

    Returns
    -------
    MGAResult

    Raises
    ------
    ArgumentError
        A bad option (``n_boot`` with the permutation test, ``n_permutations`` with
        Henseler's MGA...), before any work.
    DataError
        As :func:`~loyaltysem.pls.micom`.

    Notes
    -----
    Permutation test: ``pvalue`` = share of permutations with ``|θ*₁ − θ*₂| ≥
    |θ₁ − θ₂|`` (two-sided; Chin & Dibbern 2010), as SmartPLS reports it; no
    +1 correction. Henseler's MGA, with ``θ*ₖ`` group k's ``Jₖ`` converged
    bootstrap estimates and ``θ̄ₖ`` their mean (Henseler et al. 2009; Sarstedt et
    al. 2011; as R seminr's ``estimate_pls_mga``):

        p_henseler = 1 − (1 / (J₁ J₂)) Σⱼ Σᵢ Θ(2θ̄₁ − θ*₁ⱼ − 2θ̄₂ + θ*₂ᵢ),

    Θ the unit step (1 for a positive argument): a one-sided p value for
    θ₁ > θ₂ — below 0.05 group 1's parameter is significantly larger, above
    0.95 significantly smaller (Sarstedt et al. 2011; SmartPLS's reading);
    ``pvalue = 2 min(p_henseler, 1 − p_henseler)`` is the two-sided one. It is
    computed by sorting, not over all J₁ J₂ pairs. Group k's resamples are
    :func:`~loyaltysem.pls.bootstrap_pls` of its fit with the seed
    ``SeedSequence(seed).generate_state(G)[k]``.

    References
    ----------
    See :mod:`loyaltysem.pls.mga`; Hair, J. F., Sarstedt, M., Ringle, C. M., &
    Gudergan, S. P. (2018). Advanced issues in partial least squares structural
    equation modeling. Sage, ch. 4.

    Examples
    --------
    >>> from loyaltysem.pls import mga
    >>> result = mga("corp_rep", "corp_rep", "servicetype", missing="mean",
    ...              n_permutations=200, seed=1)
    >>> list(result.paths.columns[:6])
    ['group_1', 'group_2', 'from', 'to', 'est_1', 'est_2']

    (R: ``seminr::estimate_pls_mga(model, condition, nboot)`` is Henseler's MGA;
    ``cSEM::testMGD(.approach_mgd = "Chin")`` the permutation test.)
    """
    check_choice("method", method, ("permutation", "henseler"))
    draws_count = _checked_counts(method, n_permutations, n_boot)
    labels = check_common(group, groups, draws_count, "n_boot" if method == "henseler"
                          else "n_permutations", seed, n_jobs, progress)
    check_probability("level", level, "a confidence level")
    check_choice("sign_change", sign_change, SIGN_CHANGES)
    if method == "permutation" and sign_change != "none":
        raise fail("sign_change", "'none' with method='permutation' (a bootstrap option of "
                   "method='henseler')", sign_change)
    found = group_data(spec, data, group, labels, scheme=scheme, consistent=consistent,
                       missing=missing, na_values=na_values, allow_codes=allow_codes,
                       tol=tol, max_iter=max_iter)
    results = {label: found.fit_group(g) for g, label in enumerate(found.labels)}
    stats = statistics_of(next(iter(results.values())))
    keep = _compared(found, stats)
    estimates = [statistics_of(r).estimates for r in results.values()]
    if method == "permutation":
        table, failed, draws = _permutation(found, stats, keep, estimates, draws_count, seed,
                                            level, n_jobs, progress)
    else:
        table, failed, draws = _henseler(found, results, stats, keep, estimates, draws_count,
                                         seed, n_jobs, sign_change, progress)
    warned = [f"group {g}: {w}" for g, r in results.items() for w in r.warnings]
    what = "permutations" if method == "permutation" else "resamples"
    warned += [f"{k}: {v} of {draws_count} {what} did not converge; they are left out"
               for k, v in failed.items() if v]
    notes = found.notes
    if len(found.labels) > 2:
        notes += (f"{len(found.labels)} groups: every pair is compared on its own rows, "
                  "without a correction for multiple comparisons",)
    return MGAResult(method, group, found.labels, found.sizes, draws_count, failed, seed,
                     float(level), table, results, draws, tuple(warned), notes, found.names)


def _checked_counts(method: str, n_permutations: Any, n_boot: Any) -> Any:
    """The number of draws of the method; the other method's count refused."""
    if method == "permutation":
        if n_boot is not None:
            raise fail("n_boot", "None with method='permutation' (use n_permutations)",
                       n_boot)
        return 5000 if n_permutations is None else n_permutations
    if n_permutations is not None:
        raise fail("n_permutations", "None with method='henseler' (use n_boot)",
                   n_permutations)
    return 5000 if n_boot is None else n_boot


def _compared(found: PLSGroups, stats: Statistics) -> np.ndarray:
    """The statistics compared: MGA_KINDS, without single-item blocks' weights and
    loadings (1 in every group)."""
    layout = found.layout
    keep = np.isin(stats.kinds, MGA_KINDS)
    single = np.array([layout.slots_of(k).size == 1 for k in layout.slot_construct])
    keep[:layout.n_slots] &= ~single
    keep[layout.n_slots:2 * layout.n_slots] &= ~single
    return keep


def _base_rows(found: PLSGroups, stats: Statistics, keep: np.ndarray, g: int, h: int,
               est_1: np.ndarray, est_2: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"group_1": found.labels[g], "group_2": found.labels[h],
                         "kind": np.array(stats.kinds)[keep],
                         "statistic": np.array(stats.names)[keep],
                         "est_1": est_1[keep], "est_2": est_2[keep],
                         "diff": est_1[keep] - est_2[keep]})


def _columns(stats: Statistics, keep: np.ndarray) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([np.array(stats.kinds)[keep], np.array(stats.names)[keep]],
                                     names=["kind", "statistic"])


def _permutation(found: PLSGroups, stats: Statistics, keep: np.ndarray,
                 estimates: list[np.ndarray], n_permutations: int, seed: int | None,
                 level: float, n_jobs: int, progress: bool
                 ) -> tuple[pd.DataFrame, dict[str, int], dict[str, pd.DataFrame]]:
    """Chin & Dibbern's test of every pair of groups."""
    tables, failed, draws = [], {}, {}
    tail = (1 - level) / 2
    for g, h in found.pairs:
        pair = make_pair(found, g, h, stats)
        permuted = permutation_draws(pair, n_permutations, seed=seed, n_jobs=n_jobs,
                                     progress=progress)
        key = found.pair_key(g, h)
        failed[key] = int((~permuted.converged).sum())
        kept = permuted.statistics[permuted.converged][:, keep]
        draws[key] = pd.DataFrame(permuted.statistics[:, keep], columns=_columns(stats, keep))
        rows = _base_rows(found, stats, keep, g, h, estimates[g], estimates[h])
        diff = rows["diff"].to_numpy()
        if len(kept):
            lower, upper = np.quantile(kept, [tail, 1 - tail], axis=0)
            pvalue = share_as_extreme(kept, diff)
        else:
            lower = upper = pvalue = np.full(diff.shape, np.nan)
        tables.append(rows.assign(ci_lower=lower, ci_upper=upper, pvalue=pvalue))
    return pd.concat(tables, ignore_index=True), failed, draws


def henseler_p(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Henseler et al.'s (2009) PLS-MGA probability of each column (statistic).

    Parameters
    ----------
    first, second : ndarray (J1, S), (J2, S)
        The two groups' bootstrap estimates (converged resamples only).

    Returns
    -------
    ndarray (S,)
        ``1 − #{(j, i): 2θ̄₁ − θ*₁ⱼ − 2θ̄₂ + θ*₂ᵢ > 0} / (J₁ J₂)``: for each j, the
        resamples i of group 2 with ``θ*₂ᵢ > θ*₁ⱼ − 2θ̄₁ + 2θ̄₂`` are counted by a
        binary search in group 2's sorted estimates (``O(J log J)``, not ``J₁ J₂``).
    """
    out = np.empty(first.shape[1])
    for s in range(first.shape[1]):
        a, b = first[:, s], second[:, s]
        if not (np.isfinite(a).all() and np.isfinite(b).all()) or not (a.size and b.size):
            out[s] = np.nan
            continue
        thresholds = a - 2 * a.mean() + 2 * b.mean()
        ordered = np.sort(b)
        above = b.size - np.searchsorted(ordered, thresholds, side="right")
        out[s] = 1 - above.sum() / (a.size * b.size)
    return out


def _henseler(found: PLSGroups, results: dict[str, PLSResult], stats: Statistics,
              keep: np.ndarray, estimates: list[np.ndarray], n_boot: int, seed: int | None,
              n_jobs: int, sign_change: SignChange, progress: bool
              ) -> tuple[pd.DataFrame, dict[str, int], dict[str, pd.DataFrame]]:
    """Henseler's MGA of every pair of groups, from one bootstrap of each group."""
    count = len(found.labels)
    seeds = ([None] * count if seed is None
             else [int(s) for s in np.random.SeedSequence(seed).generate_state(count)])
    boots = [bootstrap_pls(results[label], n_boot, seed=seeds[g], n_jobs=n_jobs,
                           sign_change=sign_change, progress=progress)
             for g, label in enumerate(found.labels)]
    values = [boot.draws.to_numpy()[:, keep] for boot in boots]
    kept = [v[~np.isnan(v).all(axis=1)] for v in values]
    tables = []
    for g, h in found.pairs:
        rows = _base_rows(found, stats, keep, g, h, estimates[g], estimates[h])
        p = henseler_p(kept[g], kept[h])
        tables.append(rows.assign(
            mean_1=kept[g].mean(axis=0), mean_2=kept[h].mean(axis=0),
            se_1=kept[g].std(axis=0, ddof=1), se_2=kept[h].std(axis=0, ddof=1),
            p_henseler=p, pvalue=np.minimum(2 * np.minimum(p, 1 - p), 1.0)))
    failed = {label: boot.n_failed for label, boot in zip(found.labels, boots)}
    draws = {label: pd.DataFrame(v, columns=_columns(stats, keep))
             for label, v in zip(found.labels, values)}
    return pd.concat(tables, ignore_index=True), failed, draws
