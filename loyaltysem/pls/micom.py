"""MICOM: measurement invariance of composites across groups, by permutation.

Henseler, Ringle & Sarstedt (2016) test in three steps whether the composites
of a PLS path model mean the same in two groups:

1. *configural invariance*: the same model, the same items and the same data
   treatment and algorithm settings in every group (checks, not a test);
2. *compositional invariance*: ``c``, the correlation on the pooled data of the
   scores made with group 1's weights and with group 2's weights, is not
   significantly below 1 — below the (1 − level) quantile of its permutation
   distribution (the group labels permuted, each group refitted);
3. *equal composite means and variances*: with the pooled data's weights, the
   groups' differences of the score means and of the log score variances lie
   inside the two-sided permutation intervals.

Steps 1 and 2 give *partial* measurement invariance (the groups' path
coefficients may be compared, e.g. by :func:`~loyaltysem.pls.mga`); steps 1–3 give
*full* invariance (the groups' data may be pooled).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..arguments import check_probability
from ..data.checks import NaValues, group_title
from ..spec import ModelSpec
from ..summary import Summary, json_records
from .algorithm import Scheme
from .data import PLSMissing
from .draws import statistics_of
from .fit import DEFAULT_MAX_ITER, DEFAULT_TOL
from .groups import (PairDraws, PLSGroups, check_common, group_data, make_pair,
                     observed_draws, permutation_draws, share_as_extreme,
                     share_at_or_below)
from .result import PLSResult


#: a table as JSON-able rows (NaN → None)
records = json_records


@dataclass(frozen=True)
class MICOMResult:
    """MICOM of a PLS-SEM model across groups (:func:`micom`).

    Every table has one row per pair of groups and construct, with
    ``group_1, group_2`` first (differences are group 1 minus group 2).

    Attributes
    ----------
    group : str
        The grouping column.
    groups : tuple of str
        The group codes (the keys of ``n``, ``results`` and the tables).
    group_names : dict of str to str
        Group code → its name for people (the grouping column's value labels), shown by
        :meth:`summary`; empty without labels.
    n : dict
        Rows of each group.
    n_permutations : int
    n_failed : dict
        Per pair (``"1 vs 2"``): permutations in which a group's fit did not
        converge (left out of every distribution).
    seed : int or None
    level : float
    configural : pandas.DataFrame
        Step 1: ``check, verdict, detail``.
    compositional : pandas.DataFrame
        Step 2: ``group_1, group_2, construct, c, c_quantile, pvalue, invariant`` —
        ``c_quantile`` the (1 − level) quantile of the permuted c, ``pvalue`` the share
        of permuted c at or below the observed one.
    means, variances : pandas.DataFrame
        Step 3: ``group_1, group_2, construct, diff, ci_lower, ci_upper, pvalue, equal``
        — the difference of the score means (of the log score variances), the
        permutation interval, and the share of permuted ``|diff|`` at or above the
        observed one.
    invariance : pandas.DataFrame
        ``group_1, group_2, construct, compositional, equal_means, equal_variances,
        invariance`` (``"full"``, ``"partial"`` or ``"none"``).
    results : dict of PLSResult
        Each group's fit.
    draws : dict of pandas.DataFrame
        Per pair, the permuted ``c``, ``mean_diff`` and ``log_var_diff`` (columns
        ``(quantity, construct)``; NaN rows for failed permutations).
    """

    group: str
    groups: tuple[str, ...]
    n: dict[str, int]
    n_permutations: int
    n_failed: dict[str, int]
    seed: int | None
    level: float
    configural: pd.DataFrame
    compositional: pd.DataFrame
    means: pd.DataFrame
    variances: pd.DataFrame
    invariance: pd.DataFrame
    results: dict[str, PLSResult] = field(repr=False)
    draws: dict[str, pd.DataFrame] = field(repr=False)
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    group_names: dict[str, str] = field(default_factory=dict, repr=False)

    def summary(self, digits: int = 3) -> Summary:
        """Warnings, the settings, steps 1–3 and the verdicts."""
        overview = {"grouping column": self.group,
                    "groups": ", ".join(f"{group_title(g, self.group_names)} (n = {n})"
                                        for g, n in self.n.items()),
                    "permutations": self.n_permutations,
                    "failed permutations": ", ".join(f"{k}: {v}"
                                                     for k, v in self.n_failed.items()),
                    "seed": "none" if self.seed is None else self.seed,
                    "level": f"{self.level:.0%}"}
        sections: list[tuple[str, Any]] = [
            ("Warnings", list(self.warnings) or ["none"]),
            ("MICOM (Henseler, Ringle & Sarstedt 2016)", overview),
            ("Step 1: configural invariance", self.configural),
            ("Step 2: compositional invariance", self.compositional),
            ("Step 3a: equal composite means", self.means),
            ("Step 3b: equal composite variances (log ratio)", self.variances),
            ("Measurement invariance", self.invariance)]
        if self.notes:
            sections.append(("Notes", list(self.notes)))
        return Summary(f"MICOM by {self.group}", tuple(sections), digits)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: settings, ``configural``, ``compositional``, ``means``,
        ``variances`` and ``invariance`` as rows, warnings and notes."""
        return {"group": self.group, "groups": list(self.groups), "n": dict(self.n),
                "n_permutations": self.n_permutations, "n_failed": dict(self.n_failed),
                "seed": self.seed, "level": self.level,
                "configural": records(self.configural),
                "compositional": records(self.compositional),
                "means": records(self.means), "variances": records(self.variances),
                "invariance": records(self.invariance),
                "warnings": list(self.warnings), "notes": list(self.notes)}


def micom(spec: ModelSpec | str | Path, data: pd.DataFrame | str | Path, group: str, *,
          groups: Sequence[Any] | None = None, n_permutations: int = 5000,
          seed: int | None = None, level: float = 0.95, n_jobs: int = 1,
          scheme: Scheme = "path", missing: PLSMissing = "listwise",
          na_values: NaValues = None, allow_codes: bool = False, tol: float = DEFAULT_TOL,
          max_iter: int = DEFAULT_MAX_ITER, progress: bool = False) -> MICOMResult:
    """Measurement invariance of composites (MICOM) across groups, steps 1–3.

    Parameters
    ----------
    spec, data
        As :func:`~loyaltysem.pls.fit_pls`.
    group : str
        The column whose values define the groups (in order of first appearance).
    groups : list, optional
        The groups to compare, in this order (values of ``group``); the other rows
        are left out. With more than two groups every pair is compared on its
        own rows (each pair as a two-group MICOM of those rows; no correction
        for multiple comparisons).
    n_permutations : int
        Permutations of the group labels (5,000 by default, as SmartPLS).
    seed : int, optional
        The same seed gives the same permutations on any number of workers
        (:mod:`loyaltysem.pls.groups`).
    level : float
        Step 2 compares c with the (1 − level) quantile of its permutation
        distribution; step 3 uses the central ``level`` permutation intervals.
    n_jobs : int
        Threads that fit chunks of permutations at once.
    scheme, missing, na_values, allow_codes, tol, max_iter
        As :func:`~loyaltysem.pls.fit_pls`; missing values are treated on the
        pooled rows before the groups are split. (MICOM compares the composites'
        weights and scores, which consistent PLS does not change: there is no
        ``consistent`` option.)
    progress : bool
        A progress bar (tqdm).

    Returns
    -------
    MICOMResult

    Raises
    ------
    ArgumentError
        A bad option, before any work.
    DataError
        As :func:`~loyaltysem.pls.groups.group_data`: no such column, one group,
        more than ten groups, a group too small or with a constant item.

    Notes
    -----
    Step 2: with ``w_1``, ``w_2`` the groups' standardized weights of a construct
    and ``S`` the pooled item correlations, ``c = w_1'S w_2 / sqrt(w_1'S w_1 ·
    w_2'S w_2)``, the correlation of the pooled scores ``X w_1`` and ``X w_2``;
    ``pvalue`` is the share of permuted c at or below the observed c, and
    compositional invariance holds when c is at or above the (1 − level)
    quantile. A single-item construct has c = 1 in every group (invariant by
    construction). Step 3: the pooled rows' scores with the pooled fit's weights
    (standardized on the pooled rows); ``diff`` = mean₁ − mean₂ and
    log(var₁) − log(var₂) (divisor n − 1), equal when inside the permutation
    interval. The same permutations serve steps 2 and 3 (cSEM's ``testMICOM``
    draws two sets). A permutation where a group's fit did not converge is left
    out and counted.

    References
    ----------
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2016). Testing measurement
    invariance of composites using partial least squares. International
    Marketing Review, 33(3), 405-431.
    Hair, J. F., Sarstedt, M., Ringle, C. M., & Gudergan, S. P. (2018). Advanced
    issues in partial least squares structural equation modeling. Sage, ch. 4.

    Examples
    --------
    >>> from loyaltysem.pls import micom
    >>> result = micom("corp_rep", "corp_rep", "servicetype", groups=[1, 2],
    ...                missing="mean", n_permutations=200, seed=1)
    >>> list(result.invariance["invariance"])
    ['full', 'full', 'full', 'full']

    (R: ``cSEM::testMICOM(csem(data, model, .id = "servicetype"))``.)
    """
    labels = check_common(group, groups, n_permutations, "n_permutations", seed, n_jobs,
                          progress)
    check_probability("level", level, "a confidence level")
    found = group_data(spec, data, group, labels, scheme=scheme, consistent=False,
                       missing=missing, na_values=na_values, allow_codes=allow_codes,
                       tol=tol, max_iter=max_iter)
    results = {label: found.fit_group(g) for g, label in enumerate(found.labels)}
    stats = statistics_of(next(iter(results.values())))
    tables: dict[str, list[pd.DataFrame]] = {"c": [], "m": [], "v": []}
    failed, draws, unconverged = {}, {}, []
    for g, h in found.pairs:
        pair = make_pair(found, g, h, stats)
        observed = observed_draws(pair)
        permuted = permutation_draws(pair, n_permutations, seed=seed, n_jobs=n_jobs,
                                     progress=progress)
        key = found.pair_key(g, h)
        if not pair.converged:
            unconverged.append(key)
        failed[key] = int((~permuted.converged).sum())
        draws[key] = _draws_frame(found, permuted)
        ends = {"group_1": found.labels[g], "group_2": found.labels[h]}
        kept = _kept(permuted)
        tables["c"].append(_compositional(found, ends, observed, kept, level))
        tables["m"].append(_equality(found, ends, observed.mean_diff[0], kept.mean_diff, level))
        tables["v"].append(_equality(found, ends, observed.log_var_diff[0], kept.log_var_diff,
                                     level))
    compositional, means, variances = (pd.concat(tables[k], ignore_index=True)
                                       for k in ("c", "m", "v"))
    return MICOMResult(
        group=group, groups=found.labels, n=found.sizes, n_permutations=n_permutations,
        n_failed=failed, seed=seed, level=float(level),
        configural=_configural(found, results), compositional=compositional, means=means,
        variances=variances, invariance=_verdicts(compositional, means, variances),
        results=results, draws=draws,
        warnings=_warnings(results, failed, n_permutations, unconverged),
        notes=found.notes + _notes(found), group_names=found.names)


def _kept(draws: PairDraws) -> PairDraws:
    ok = draws.converged
    return PairDraws(draws.statistics[ok], draws.c[ok], draws.mean_diff[ok],
                     draws.log_var_diff[ok], ok[ok])


def _draws_frame(found: PLSGroups, draws: PairDraws) -> pd.DataFrame:
    names = list(found.layout.constructs)
    parts = {"c": draws.c, "mean_diff": draws.mean_diff, "log_var_diff": draws.log_var_diff}
    frame = pd.concat({k: pd.DataFrame(v, columns=names) for k, v in parts.items()}, axis=1)
    frame.columns.names = ["quantity", "construct"]
    frame[~draws.converged] = np.nan
    return frame


def _single_item(found: PLSGroups) -> np.ndarray:
    layout = found.layout
    return np.array([layout.slots_of(k).size == 1 for k in range(len(layout.constructs))])


def _compositional(found: PLSGroups, ends: dict[str, str], observed: PairDraws,
                   kept: PairDraws, level: float) -> pd.DataFrame:
    """Step 2: c, its permutation quantile and p value per construct."""
    c = observed.c[0].copy()
    single = _single_item(found)
    permuted = np.where(single, 1.0, kept.c)
    c[single] = 1.0
    quantile = np.quantile(permuted, 1 - level, axis=0) if len(permuted) else np.nan * c
    pvalue = share_at_or_below(permuted, c) if len(permuted) else np.nan * c
    pvalue[single] = 1.0
    quantile = np.where(single, 1.0, quantile)
    return pd.DataFrame({**ends, "construct": list(found.layout.constructs), "c": c,
                         "c_quantile": quantile, "pvalue": pvalue,
                         "invariant": (c >= quantile) | single})


def _equality(found: PLSGroups, ends: dict[str, str], observed: np.ndarray,
              permuted: np.ndarray, level: float) -> pd.DataFrame:
    """Step 3: a difference, its two-sided permutation interval and p value."""
    tail = (1 - level) / 2
    if len(permuted):
        lower, upper = np.quantile(permuted, [tail, 1 - tail], axis=0)
        pvalue = share_as_extreme(permuted, observed)
    else:
        lower = upper = pvalue = np.full(observed.shape, np.nan)
    return pd.DataFrame({**ends, "construct": list(found.layout.constructs), "diff": observed,
                         "ci_lower": lower, "ci_upper": upper, "pvalue": pvalue,
                         "equal": (observed >= lower) & (observed <= upper)})


def _verdicts(compositional: pd.DataFrame, means: pd.DataFrame,
              variances: pd.DataFrame) -> pd.DataFrame:
    """Full (steps 1–3), partial (steps 1–2) or no measurement invariance per construct."""
    out = compositional[["group_1", "group_2", "construct"]].copy()
    out["compositional"] = compositional["invariant"].to_numpy()
    out["equal_means"] = means["equal"].to_numpy()
    out["equal_variances"] = variances["equal"].to_numpy()
    full = out["compositional"] & out["equal_means"] & out["equal_variances"]
    out["invariance"] = np.where(full, "full", np.where(out["compositional"], "partial",
                                                         "none"))
    return out


def _configural(found: PLSGroups, results: dict[str, PLSResult]) -> pd.DataFrame:
    """Step 1, as checks: what holds by construction, and the groups' convergence."""
    layout, options = found.layout, found.options
    treatment = ("listwise deletion" if found.missing == "listwise"
                 else "mean replacement") + " on the pooled rows, before the split"
    not_converged = [g for g, r in results.items() if not r.converged]
    rows = [
        ("same model", True, f"one spec ({found.spec.name}): {len(layout.constructs)} "
         f"constructs, {len(layout.paths)} paths, in every group"),
        ("same items", True, f"{layout.n_slots} construct-item pairs, each varying within "
         "every group"),
        ("same data treatment", True, treatment + "; items standardized within each group"),
        ("same algorithm settings", True, f"{options.scheme} weighting, stop criterion "
         f"{options.tol:g}, at most {options.max_iter} iterations"),
        ("every group converged", not not_converged,
         "yes" if not not_converged else "not in " + ", ".join(not_converged))]
    return pd.DataFrame(rows, columns=["check", "verdict", "detail"])


def _warnings(results: dict[str, PLSResult], failed: dict[str, int], total: int,
              unconverged: list[str]) -> tuple[str, ...]:
    found = [f"{key}: the fit of the pooled rows did not converge; step 3's scores are not "
             "interpretable: raise max_iter" for key in unconverged]
    found += [f"group {g}: {w}" for g, r in results.items() for w in r.warnings]
    found += [f"{k}: {v} of {total} permutations did not converge; they are left out"
              for k, v in failed.items() if v]
    return tuple(found)


def _notes(found: PLSGroups) -> tuple[str, ...]:
    notes = []
    if len(found.labels) > 2:
        notes.append(f"{len(found.labels)} groups: every pair is compared on its own rows, "
                     "without a correction for multiple comparisons")
    single = [found.layout.constructs[k] for k in np.flatnonzero(_single_item(found))]
    if single:
        notes.append("single-item construct(s) " + ", ".join(single) + ": c = 1 by "
                     "construction (compositionally invariant)")
    return tuple(notes)
