"""The bootstrap of a fit of ordinal items (WLSMV, ULSMV, DWLS, ULS, WLS), as lavaan's.

lavaan's ``se = "bootstrap"`` with ordered items (``lav_bootstrap_internal``)
resamples the rows and, on every resample, computes the sample statistics again
(thresholds, polychoric correlations, their asymptotic covariance and the weight
matrix ``WLS.V``) and refits the model from the full-sample estimates. This module
does the same, one resample at a time:

- resample ``b`` draws its rows exactly as the ML bootstrap (child ``b`` of
  ``SeedSequence(seed)``, :func:`.bootstrap.resample_rows`), so a draw depends only on
  the seed and its index and the results do not depend on the number of workers;
- its statistics come from
  :func:`loyaltysem.estimate.ordinal_fit.ordinal_functions` on the resampled rows
  (the same function a fit uses), and the model is refitted by the fit's own optimizer
  (:func:`loyaltysem.estimate.estimation.minimize`) warm-started at the full-sample
  estimates; no SEs or fit measures are computed for a resample;
- a resample in which a category of an item is not observed cannot be refitted
  with the full sample's thresholds: it fails, as a resample whose refit does not
  converge or whose statistics cannot be computed (e.g. a perfect tetrachoric
  correlation); failed resamples are dropped and counted
  (:attr:`~.bootstrap.BootstrapResult.failed`, with the number that lacked a
  category in :attr:`~.bootstrap.BootstrapResult.notes`); converged but
  inadmissible resamples (a negative variance, including a delta residual variance
  ``1 - diag(Lambda C Psi C' Lambda')``, or a non-positive-definite latent covariance
  matrix) are kept and counted, as in the ML bootstrap;
- the statistics are those of the ML bootstrap (:mod:`.statistics`: every row of the
  parameter table, thresholds included, the ``:=`` rows, the effects and the
  standardized effects), the residual variances of the ordinal items taking their
  delta-parameterization values, as the fit's estimates table;
- multi-group fits (:func:`loyaltysem.groups.fit_groups` with ``ordered=``;
  :class:`OrdinalGroupsRefitter`): the rows are resampled **within each group** with the
  draws of the multi-group ML bootstrap (:func:`.bootstrap._resample_group_rows`: the
  same seed gives the same rows), every group's statistics are computed on the pooled
  categories of the full data and the model is refitted on the fit's own multi-group
  table (:func:`loyaltysem.groups.ordinal.group_functions`: the thresholds, equalities
  and identification of the fit, delta or theta); a resample that loses a category in
  any group fails; the statistics are those of the multi-group ML bootstrap
  (:func:`.bootstrap.grouped_plan`: every group's parameters and effects, the ``:=``
  rows, the differences of the effects between groups), each group's derived rows as
  its estimates table.

Resamples run in processes (joblib) in chunks of fixed composition; a progress bar
with the time left counts them (:func:`.bootstrap.bootstrap`).

References
----------
lavaan 0.6 ``lav_bootstrap.R`` (``lav_bootstrap_internal``: for categorical data the
sample statistics, ``WLS.V`` and ``NACOV``, are recomputed on every resample).
Efron, B., & Tibshirani, R. J. (1993). An introduction to the bootstrap. Chapman & Hall.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from ..estimate import FitResult
from ..estimate.estimation import minimize
from ..estimate.ml import MLFunctions
from ..estimate.ordinal_fit import ordinal_functions
from ..estimate.wls import Parameterization, WLSFunctions
from ..exceptions import ArgumentError, LoyaltySemError
from ..frame_rows import table_rows
from ..spec import ModelSpec
from ..ordinal import sample_statistics
from .bootstrap import RefitOutcome, Rows, _Refitter, _resample_group_rows, grouped_plan
from .paths import Effect
from .statistics import GroupedStatisticsPlan, StatisticsPlan

if TYPE_CHECKING:
    from ..groups.results import MultiGroupResult

#: the estimators of ordinal data (lavaan's least-squares family)
LEAST_SQUARES = ("WLSMV", "ULSMV", "DWLS", "ULS", "WLS")


def is_least_squares(result: object) -> bool:
    """Whether ``result`` was fitted by one of :data:`LEAST_SQUARES` (ordinal items)."""
    return getattr(result, "estimator", "ML") in LEAST_SQUARES


class OrdinalStatisticsPlan(StatisticsPlan):
    """:class:`~.statistics.StatisticsPlan` of a fit of ordinal items: the residual
    variance rows of the ordinal items hold ``1 / delta^2 - diag(Lambda C Psi C'
    Lambda')`` in the delta parameterization (as the estimates table), not their fixed
    0; in the theta parameterization they are parameters and the scale rows ``~*~`` hold
    ``Sigma_jj^(-1/2)``."""

    def __init__(self, table: pd.DataFrame, functions: WLSFunctions, latent: Sequence[str],
                 effects: Sequence[Effect], *, group: int = 0):
        super().__init__(table, functions.layout, latent, effects, group=group)
        order = list(functions.layout.structure.observed)
        ordinal = [order[k] for k in functions.statistics_of[group].ordinal]
        position = {name: k for k, name in enumerate(ordinal)}
        # delta: the residual variances are derived; theta: the scales (~*~) are
        self.delta = functions.parameterization == "delta"
        derived = "~~" if self.delta else "~*~"
        rows = [(i, position[r.lhs]) for i, r in enumerate(table_rows(table))
                if r.op == derived and r.lhs == r.rhs and r.lhs in position]
        self.residual_rows = np.array([i for i, _ in rows], dtype=int)
        self.residual_items = np.array([k for _, k in rows], dtype=int)

    def compute_many(self, thetas: np.ndarray, functions: MLFunctions,
                     index: np.ndarray | None = None) -> np.ndarray:
        """The statistics of ``thetas`` (B, n) on ``functions`` (a resample's
        :class:`~loyaltysem.estimate.wls.WLSFunctions`) -> (B, k)."""
        out = super().compute_many(thetas, functions, index)
        if self.residual_rows.size and isinstance(functions, WLSFunctions):
            g = self.group
            if self.delta:
                values = np.array([functions.residual_variances(theta, g) for theta in thetas])
            else:
                values = functions.scales(thetas, g)[:, functions.statistics_of[g].ordinal]
            out[:, self.residual_rows] = values[:, self.residual_items]
        return out


def original_spec(result: FitResult) -> ModelSpec:
    """The spec as the user gave it: an ordinal fit's spec carries the parameter table
    it rewrote (thresholds, fixed residual variances); a copy computes it afresh."""
    return dataclasses.replace(result.spec)


def ordinal_items(result: FitResult) -> list[str]:
    """The ordinal items of a fit, in the order of its thresholds (the order of its
    sample statistics)."""
    table = result.spec.parameter_table
    return list(dict.fromkeys(table.loc[table["op"] == "|", "lhs"].astype(str)))


class OrdinalRefitter(_Refitter):
    """Refits of resamples of an ordinal fit (module notes): the resampled rows' sample
    statistics, then the fit's optimizer from the full-sample estimates.

    Duck-compatible with the ML refitter for :func:`.bootstrap.bootstrap`'s runner and
    jackknife (``plan``, ``sizes``, ``batched``, ``fit_rows``, ``point_statistics``).
    """

    def __init__(self, result: FitResult, effects: Sequence[Effect]):  # noqa: D107
        # not the ML refitter's __init__: nothing of the likelihood's core is reused
        if result.core is None or result.data.shape[0] == 0:
            raise ArgumentError("the bootstrap needs the cases: this fit was made from "
                                "summary statistics")
        self.spec = original_spec(result)
        self.estimator = str(result.estimator)
        self.items = ordinal_items(result)
        self.parameterization: Parameterization = getattr(result.core.functions(),
                                                          "parameterization", "delta")
        observed = list(self.spec.observed_variables)
        self.frame = result.data[observed].reset_index(drop=True)
        self.group_frames: tuple[pd.DataFrame, ...] = (self.frame,)
        # every ordinal item's answers as codes 0..K-1 (any dtype: numbers, ordered
        # categoricals); continuous items beside them are resampled with the rows
        self.cases: np.ndarray = np.column_stack(
            [pd.factorize(self.frame[name], sort=True)[0] for name in self.items])
        self.group_cases: tuple[np.ndarray, ...] = (self.cases,)
        self.values = self.cases
        self.n_levels = self.cases.max(axis=0) + 1
        functions, table, _ = self._functions(self.frame)
        expected = result.spec.parameter_table
        if (len(table) != len(expected)
                or not (table["free"].to_numpy() == expected["free"].to_numpy()).all()):
            raise ArgumentError("the ordinal fit's parameter table cannot be rebuilt from its "
                                "data (its thresholds differ); refit the model and bootstrap "
                                "the new fit")
        self.full_functions = functions
        self.table = expected
        self.theta_hat = np.asarray(result.core.theta, dtype=float)
        self.latent = list(result.spec.roles.latent)
        self.effects = list(effects)
        self.plan = OrdinalStatisticsPlan(expected, functions, self.latent, self.effects)
        self.n_statistics = len(self.plan.names)
        self.sizes = (int(self.cases.shape[0]),)
        self.group_values = (self.cases,)
        self.batched = False
        self._inverse_hessian = None
        self._given_plan = None
        is_variance = ((expected["op"] == "~~") & (expected["lhs"] == expected["rhs"])
                       & (expected["free"] > 0)).to_numpy()
        self.variance_index = np.unique(expected["free"].to_numpy()[is_variance] - 1
                                        ).astype(int)

    def clone(self) -> OrdinalRefitter:
        """Refitters are used by one process each (no threads): the same object."""
        return self

    def _functions(self, frame: pd.DataFrame) -> tuple[WLSFunctions, pd.DataFrame, object]:
        return ordinal_functions(self.spec, frame, self.items, self.estimator,
                                 self.parameterization)

    def functions_of(self, frames: Sequence[pd.DataFrame]) -> WLSFunctions:
        """The least-squares functions of the model on the (resampled) rows ``frames``, one
        frame per group: their sample statistics, the full sample's parameter table."""
        return self._functions(frames[0])[0]

    def point_statistics(self) -> np.ndarray:
        """The statistics of the full-sample fit (``plan.names``)."""
        return self.plan.compute_many(self.theta_hat[None], self.full_functions)[0]

    def full_sample_admissible(self) -> bool:
        """No negative variance and positive-definite latent covariances at the fit."""
        return self._admissible_one(self.theta_hat, self.full_functions)

    def lacks_a_category(self, rows: Sequence[np.ndarray]) -> bool:
        """Whether the resample ``rows`` (one array of row numbers per group) misses a
        category of an item in some group (a code of the full sample's answers that the
        group's resample does not draw)."""
        for cases, drawn in zip(self.group_cases, rows):
            sample = cases[drawn]
            if any(np.bincount(sample[:, j], minlength=self.n_levels[j]).min() == 0
                   for j in range(sample.shape[1])):
                return True
        return False

    def fit_rows(self, rows: Rows, polish: bool = False) -> RefitOutcome:
        """Refit every sample of ``rows`` (B x n row numbers, one such array per group of
        a multi-group fit); ``polish`` is implied (the fit's optimizer polishes to its
        gradient tolerance)."""
        by_group = self.by_group(rows)
        n = by_group[0].shape[0]
        converged = np.zeros(n, dtype=bool)
        admissible = np.zeros(n, dtype=bool)
        statistics = np.full((n, self.n_statistics), np.nan)
        for b in range(n):
            drawn = [group_rows[b] for group_rows in by_group]
            if self.lacks_a_category(drawn):
                continue
            outcome = self.refit([frame.iloc[r].reset_index(drop=True)
                                  for frame, r in zip(self.group_frames, drawn)])
            if outcome is not None:
                converged[b], admissible[b], statistics[b] = True, outcome[0], outcome[1]
        return RefitOutcome(converged, admissible, statistics)

    def refit(self, frames: Sequence[pd.DataFrame]) -> tuple[bool, np.ndarray] | None:
        """``(admissible, statistics)`` of the refit on ``frames`` (one per group), None
        when it fails."""
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")   # counted in the result, not per resample
                functions = self.functions_of(frames)
                found = minimize(functions, self.theta_hat)
                if not (found.converged and np.isfinite(found.x).all()):
                    return None
                values = self.plan.compute_many(found.x[None], functions)[0]
        except (LoyaltySemError, ValueError, np.linalg.LinAlgError, FloatingPointError):
            return None
        return self._admissible_one(found.x, functions), values

    def _admissible_one(self, theta: np.ndarray, functions: WLSFunctions) -> bool:
        """No negative variance (a parameter, or a delta residual variance) and a
        positive-definite latent covariance matrix, in every group."""
        if np.any(theta[self.variance_index] < 0):
            return False
        if any(np.any(functions.residual_variances(theta, g) < 0)
               for g in range(len(functions.statistics_of))):
            return False
        if self.latent:
            blocks = self.plan.latent_covariance_blocks(theta[None], functions)
            return all(bool(np.linalg.eigvalsh(block[0]).min() > 0) for block in blocks)
        return True


class OrdinalGroupsRefitter(OrdinalRefitter):
    """Refits of resamples of a multi-group fit of ordinal items: rows resampled within
    every group (as the multi-group ML bootstrap), each group's sample statistics on the
    pooled categories of the full data, the fit's table and optimizer (module notes)."""

    def __init__(self, result: MultiGroupResult, effects: Sequence[Effect]):  # noqa: D107
        from ..groups.layout import core_table

        if result.core is None or result.data is None:
            raise ArgumentError("the bootstrap needs the cases: this multi-group fit keeps "
                                "none (refit it with loyaltysem.groups.fit_groups)")
        self.spec = result.spec
        self.estimator = str(result.estimator)
        self.full_functions = cast(WLSFunctions, result.core.functions())
        self.parameterization = self.full_functions.parameterization
        self.table = core_table(result.table, result.groups, result.spec)
        self.items = list(dict.fromkeys(
            self.table.loc[self.table["op"] == "|", "lhs"].astype(str)))
        observed = list(self.spec.observed_variables)
        labels = result.data[result.group].astype(str).to_numpy()
        self.group_frames = tuple(result.data.loc[labels == str(g), observed]
                                  .reset_index(drop=True) for g in result.groups)
        self.frame = pd.concat(self.group_frames, ignore_index=True)
        # the pooled categories of the full data (lavaan's, loyaltysem.ordinal.
        # group_statistics'): every group's resample is coded and summarized on them
        self.levels = {item: np.unique(self.frame[item].dropna().to_numpy(dtype=float)).tolist()
                       for item in self.items
                       if not isinstance(self.frame[item].dtype, pd.CategoricalDtype)}
        self.group_cases = tuple(np.column_stack([self._codes(frame[item]) for item in self.items])
                                 for frame in self.group_frames)
        self.cases = self.group_cases[0]
        self.values = self.group_cases
        self.n_levels = np.array([len(self.levels[item]) if item in self.levels
                                  else len(self.frame[item].cat.categories)
                                  for item in self.items])
        self.theta_hat = np.asarray(result.core.theta, dtype=float)
        self.latent = list(self.spec.roles.latent)
        self.effects = list(effects)
        self.plan = ordinal_grouped_plan(result, self.table, self.full_functions, self.effects)
        self.n_statistics = len(self.plan.names)
        self.sizes = tuple(int(frame.shape[0]) for frame in self.group_frames)
        self.group_values = self.group_cases
        self.batched = False
        self._inverse_hessian = None
        self._given_plan = None
        table = self.table
        is_variance = ((table["op"] == "~~") & (table["lhs"] == table["rhs"])
                       & (table["free"] > 0)).to_numpy()
        self.variance_index = np.unique(table["free"].to_numpy()[is_variance] - 1).astype(int)

    def _codes(self, answers: pd.Series) -> np.ndarray:
        """An item's answers as the codes 0..K-1 of the pooled categories."""
        if isinstance(answers.dtype, pd.CategoricalDtype):
            return np.asarray(answers.cat.codes, dtype=int)
        levels = np.asarray(self.levels[str(answers.name)], dtype=float)
        return np.searchsorted(levels, answers.to_numpy(dtype=float)).astype(int)

    def functions_of(self, frames: Sequence[pd.DataFrame]) -> WLSFunctions:
        """Every group's sample statistics on the pooled categories, on the fit's table
        (:func:`loyaltysem.groups.ordinal.group_functions`, as the fit)."""
        from ..groups.ordinal import group_functions

        statistics = [sample_statistics(frame, ordered=self.items, levels=self.levels or None)
                      for frame in frames]
        return group_functions(self.table, statistics, self.estimator, self.parameterization)


def ordinal_grouped_plan(result: MultiGroupResult, table: pd.DataFrame,
                         functions: WLSFunctions, effects: Sequence[Effect]
                         ) -> GroupedStatisticsPlan:
    """The statistics of a multi-group ordinal fit: those of the multi-group ML bootstrap
    (:func:`.bootstrap.grouped_plan`: every group's parameters, thresholds included, and
    effects, the ``:=`` rows, the differences of the effects between groups), every
    group's derived rows of the ordinal items as its estimates table
    (:class:`OrdinalStatisticsPlan`)."""
    plan = grouped_plan(result, effects, table)
    latent = list(result.spec.roles.latent)
    plan.plans = [OrdinalStatisticsPlan(table[table["group"] == g].reset_index(drop=True),
                                        functions, latent, effects, group=g)
                  for g in range(len(plan.plans))]  # the same names (statistic_names)
    return plan


def ordinal_refitter(result: FitResult | MultiGroupResult, effects: Sequence[Effect]
                     ) -> OrdinalRefitter:
    """The refitter of :func:`.bootstrap.bootstrap` for a fit of ordinal items (one group
    or several)."""
    if isinstance(result, FitResult):
        return OrdinalRefitter(result, effects)
    return OrdinalGroupsRefitter(result, effects)


def category_failures(refitter: OrdinalRefitter, seed: int | None, n_boot: int,
                      failed: Sequence[int]) -> int:
    """How many of the ``failed`` resamples lacked a category in some group (their rows
    drawn again from their seeds: a draw depends only on the seed and its index)."""
    if not failed:
        return 0
    seeds = np.random.SeedSequence(seed).spawn(n_boot)
    rows = _resample_group_rows([seeds[b] for b in failed], refitter.sizes)
    return int(sum(refitter.lacks_a_category([r[k] for r in rows])
                   for k in range(len(failed))))


def failure_notes(refitter: OrdinalRefitter, seed: int | None, n_boot: int,
                  failed: Sequence[int]) -> tuple[str, ...]:
    """The notes of an ordinal bootstrap: its sample statistics and its failures."""
    lacking = category_failures(refitter, seed, n_boot, failed)
    where = " in every group" if len(refitter.sizes) > 1 else ""
    notes = [f"ordinal items ({len(refitter.items)}): thresholds, polychoric correlations "
             f"and {refitter.estimator} weights recomputed on every resample{where}, as "
             "lavaan"]
    if failed:
        notes.append(f"{lacking} of the {len(failed)} failed resamples lacked a category "
                     f"of an item, {len(failed) - lacking} did not converge or had no "
                     "sample statistics")
    return tuple(notes)


__all__ = ["LEAST_SQUARES", "OrdinalGroupsRefitter", "OrdinalRefitter", "OrdinalStatisticsPlan",
           "failure_notes", "is_least_squares", "ordinal_grouped_plan", "ordinal_items",
           "ordinal_refitter", "original_spec"]
