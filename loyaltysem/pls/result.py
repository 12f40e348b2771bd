"""PLSResult: a fitted PLS-SEM (or PLSc) model, as tidy pandas tables."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast


import numpy as np
import pandas as pd

from ..exceptions import ArgumentError
from ..spec import ModelSpec
from ..summary import Summary, json_records, json_value
from ..validity.discriminant import fornell_larcker
from .chains import chain_effects, chain_name, defined_effects, hypothesis_table, specific_chains
from .estimates import total_effects
from .layout import PLSLayout
from .model_fit import distance_table, fit_unavailable, solution_implied
from .quality import (construct_quality, effects_table, f_squared, htmt_table, inner_vif,
                      outer_vif, quality_checks)


_rows = json_records


def _matrix(frame: pd.DataFrame) -> dict[str, Any]:
    return {"rows": [str(i) for i in frame.index], "cols": [str(c) for c in frame.columns],
            "values": [[json_value(v) for v in row] for row in frame.to_numpy()]}


#: the bootstrap columns of the paths and effects tables (DESIGN.md)
INFERENCE_COLUMNS = ("se", "t", "pvalue", "ci_lower", "ci_upper")


def _labelled(matrix: pd.DataFrame) -> pd.DataFrame:
    """A construct × construct matrix with its row names as the first column."""
    return matrix.rename_axis("construct").reset_index()


@dataclass(frozen=True)
class PLSSolution:
    """The arrays of one PLS-SEM fit, from which every table is made.

    Attributes
    ----------
    layout : PLSLayout
    item_correlations : ndarray (items, items)
    weights : ndarray (slots, K)
        Standardized outer weights.
    loadings : ndarray (slots,)
        Outer loadings (PLSc: consistent loadings of Mode A blocks).
    cross_loadings : ndarray (slots, K)
        Item–score correlations.
    correlations : ndarray (K, K)
        Construct correlations (PLSc: disattenuated).
    paths : ndarray (K, K)
        ``paths[i, j]``: the coefficient of i → j.
    r2 : ndarray (K,)
        NaN for exogenous constructs.
    rho_a : ndarray (K,)
    values : ndarray (N, items)
        The standardized items (the construct scores are ``values W``).
    index : pandas.Index
        The rows used.
    unstandardized : tuple of (int, tuple of float)
        Interaction constructs whose paths are in the metric of their items, with the
        items' SDs (:mod:`.moderation`, :func:`.estimates.unstandardized_paths`), as
        SmartPLS and seminr.
    """

    layout: PLSLayout
    item_correlations: np.ndarray
    weights: np.ndarray
    loadings: np.ndarray
    cross_loadings: np.ndarray
    correlations: np.ndarray
    paths: np.ndarray
    r2: np.ndarray
    rho_a: np.ndarray
    values: np.ndarray = field(repr=False)
    index: pd.Index = field(repr=False)
    unstandardized: tuple[tuple[int, tuple[float, ...]], ...] = ()


@dataclass(frozen=True)
class FitOptions:
    """The options of a fit, which its bootstrap resamples repeat."""

    scheme: str
    consistent: bool
    tol: float
    max_iter: int


@dataclass(frozen=True)
class PLSResult:
    """A PLS-SEM fit (:func:`loyaltysem.pls.fit_pls`).

    The tables are made when first asked for (a bootstrap or a robustness
    study that reads only the paths does not pay for the rest).

    Attributes
    ----------
    spec : ModelSpec
    method : {"PLS", "PLSc"}
        PLSc: consistent PLS (Dijkstra & Henseler 2015).
    scheme : {"path", "centroid", "factorial"}
        The inner weighting scheme.
    n : int
        Rows used.
    missing : {"listwise", "mean"}
    iterations : int
    converged : bool
    solution : PLSSolution
        The arrays behind the tables.
    warnings : tuple of str
        Non-convergence and other problems (shown first in every output).
    notes : tuple of str
        Missing-data handling and other facts about the fit.
    """

    spec: ModelSpec
    method: str
    scheme: str
    n: int
    missing: str
    iterations: int
    converged: bool
    solution: PLSSolution = field(repr=False)
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    options: FitOptions | None = field(default=None, repr=False)
    bootstrap: Any = field(default=None, repr=False)
    exact_fit: Any = field(default=None, repr=False)

    def with_bootstrap(self, boot: Any) -> "PLSResult":
        """The same fit with bootstrap inference (a :class:`~loyaltysem.pls.bootstrap.
        PLSBootstrap` of it): the paths and effects tables gain ``se, t, pvalue, ci_lower,
        ci_upper``, and failed resamples are among the warnings."""
        found = self.warnings
        if boot.n_failed:
            found = found + (f"{boot.n_failed} of {boot.n_boot} bootstrap resamples did not "
                             "converge; they are left out of the SEs and intervals",)
        return dataclasses.replace(self, bootstrap=boot, warnings=found)

    def with_exact_fit(self, test: Any) -> "PLSResult":
        """The same fit with its bootstrap test of exact fit (an :class:`~loyaltysem.pls.
        exact_fit.ExactFitTest` of it), shown beside the model fit in every output."""
        from .exact_fit import ExactFitTest

        if not isinstance(test, ExactFitTest):
            raise ArgumentError("with_exact_fit takes an ExactFitTest (from exact_fit_test)")
        observed = test.table.set_index(["model", "measure"])["value"]
        own = self.model_fit.set_index("measure")
        mine = [own.loc[measure, model] for model, measure in observed.index]
        if not np.allclose(observed.to_numpy(), mine, rtol=1e-12, atol=0, equal_nan=True):
            raise ArgumentError("this ExactFitTest was made from another fit (its distances "
                                "are not this fit's); run exact_fit_test on this result")
        return dataclasses.replace(
            self, exact_fit=test,
            warnings=self.warnings + tuple(w for w in test.warnings if w not in self.warnings),
            notes=self.notes + tuple(n for n in test.notes if n not in self.notes))

    @property
    def fit_unavailable(self) -> str | None:
        """Why SRMR, d_ULS and d_G are not defined for this model (None: they are)."""
        from .higher_order import higher_order_constructs

        nonlinear = bool(self.solution.unstandardized) or bool(self.spec.latent_interactions)
        return fit_unavailable(nonlinear, bool(higher_order_constructs(self.spec)),
                               self.solution.layout)

    @cached_property
    def model_fit(self) -> pd.DataFrame:
        """``measure, saturated, estimated``: SRMR, d_ULS and d_G of the saturated and the
        estimated model (:mod:`.model_fit`; cSEM's conventions); NaN where
        :attr:`fit_unavailable` says why."""
        solution = self.solution
        if self.fit_unavailable is not None:
            return pd.DataFrame({"measure": ["srmr", "d_uls", "d_g"], "saturated": np.nan,
                                 "estimated": np.nan})
        return distance_table(solution.item_correlations, solution_implied(solution))

    @property
    def _names(self) -> list[str]:
        return list(self.solution.layout.constructs)

    @cached_property
    def outer(self) -> pd.DataFrame:
        """``construct, item, mode, weight, loading``: standardized outer weights and
        loadings (PLSc: consistent loadings of Mode A blocks)."""
        layout, solution = self.solution.layout, self.solution
        rows = [{"construct": layout.constructs[k], "item": layout.items[i],
                 "mode": layout.modes[k], "weight": float(solution.weights[s, k]),
                 "loading": float(solution.loadings[s])}
                for s, (i, k) in enumerate(zip(layout.slot_item, layout.slot_construct))]
        return pd.DataFrame(rows, columns=["construct", "item", "mode", "weight", "loading"])

    @cached_property
    def paths(self) -> pd.DataFrame:
        """``from, to, est``: standardized path coefficients."""
        names, paths = self._names, self.solution.paths
        table = pd.DataFrame([{"from": names[i], "to": names[j], "est": float(paths[i, j])}
                              for i, j in self.solution.layout.paths],
                             columns=["from", "to", "est"])
        return self._with_inference(table, "path", table["from"] + " -> " + table["to"])

    @cached_property
    def r2(self) -> pd.Series:
        """R² of the endogenous constructs."""
        return pd.Series(self.solution.r2, index=self._names, name="r2").dropna()

    @cached_property
    def r2_adj(self) -> pd.Series:
        """Adjusted R², ``1 − (1 − R²)(n − 1)/(n − k − 1)`` with k predictors."""
        layout = self.solution.layout
        k = pd.Series({layout.constructs[c]: len(p) for c, p in layout.predecessors})
        value = 1 - (1 - self.r2) * (self.n - 1) / (self.n - k[self.r2.index] - 1)
        return value.rename("r2_adj")

    @cached_property
    def constructs(self) -> pd.DataFrame:
        """``construct, alpha, cr, rho_a, ave`` (see :func:`.quality.construct_quality`)."""
        solution = self.solution
        return construct_quality(solution.item_correlations, solution.loadings,
                                 solution.rho_a, solution.layout)

    @cached_property
    def htmt(self) -> pd.DataFrame:
        """HTMT, construct × construct (Henseler et al. 2015; absolute correlations)."""
        return htmt_table(self.solution.item_correlations, self.solution.layout,
                          geometric=False)

    @cached_property
    def htmt2(self) -> pd.DataFrame:
        """HTMT2, construct × construct (Roemer et al. 2021; geometric means)."""
        return htmt_table(self.solution.item_correlations, self.solution.layout,
                          geometric=True)

    @cached_property
    def construct_correlations(self) -> pd.DataFrame:
        """Correlations of the construct scores (PLSc: disattenuated by ρA)."""
        return pd.DataFrame(self.solution.correlations, index=self._names, columns=self._names)

    @cached_property
    def cross_loadings(self) -> pd.DataFrame:
        """Item × construct: each item's correlation with each construct score."""
        layout = self.solution.layout
        first = {int(i): s for s, i in reversed(list(enumerate(layout.slot_item)))}
        rows = [self.solution.cross_loadings[first[i]] for i in range(len(layout.items))]
        return pd.DataFrame(rows, index=list(layout.items), columns=self._names)

    @cached_property
    def vif_outer(self) -> pd.DataFrame:
        """``construct, item, vif`` within each block (see :func:`.quality.outer_vif`)."""
        return outer_vif(self.solution.item_correlations, self.solution.layout)

    @cached_property
    def vif_inner(self) -> pd.DataFrame:
        """``from, to, vif`` of the predictors of each endogenous construct."""
        return inner_vif(self.construct_correlations, self.solution.layout)

    @cached_property
    def f2(self) -> pd.DataFrame:
        """``from, to, value``: Cohen's f² of each path (see :func:`.quality.f_squared`)."""
        solution, options = self.solution, self.options
        if options is None:
            raise ValueError("f2 needs the fit's options (a PLSResult made by fit_pls)")

        def refit(slots: np.ndarray, layout: PLSLayout) -> np.ndarray:
            from .stack import fit_stack

            return fit_stack(slots, layout, scheme=cast(Any, options.scheme),
                             consistent=options.consistent, tol=options.tol,
                             max_iter=options.max_iter).r2[0]

        return f_squared(solution.item_correlations, solution.r2, solution.layout, refit)

    @cached_property
    def effects(self) -> pd.DataFrame:
        """``from, to, kind, est``: direct, (total) indirect and total effects."""
        paths = self.solution.paths
        table = effects_table(paths, total_effects(paths[None])[0], self.solution.layout)
        if self.bootstrap is None:
            return table
        return self._with_inference(table, table["kind"].replace({"direct": "path"}),
                                    table["from"] + " -> " + table["to"])

    @cached_property
    def specific_effects(self) -> pd.DataFrame:
        """``chain, from, to, est``: every specific indirect effect (product of the paths
        along a chain of two or more; :mod:`.chains`), with the bootstrap columns when
        bootstrapped."""
        layout = self.solution.layout
        chains = specific_chains(layout)
        values = chain_effects(self.solution.paths[None], chains)[0]
        table = pd.DataFrame({"chain": [chain_name(layout, c) for c in chains],
                              "from": [layout.constructs[c[0]] for c in chains],
                              "to": [layout.constructs[c[-1]] for c in chains],
                              "est": values})
        return self._with_inference(table, "specific", table["chain"])

    @cached_property
    def defined(self) -> pd.DataFrame:
        """``name, expression, est``: the spec's ``:=`` effects over path labels (NaN where a
        label is not a path's), with the bootstrap columns when bootstrapped."""
        spec = self.spec
        values = defined_effects(spec, self.solution.layout, self.solution.paths[None])[0]
        table = pd.DataFrame({"name": list(spec.defined_effects),
                              "expression": list(spec.defined_effects.values()),
                              "est": values})
        return self._with_inference(table, "defined", table["name"])

    @cached_property
    def hypotheses(self) -> pd.DataFrame:
        """The spec's hypotheses with estimates and, when bootstrapped, intervals, p values
        and verdicts (:func:`.chains.hypothesis_table`)."""
        estimates: dict[tuple[str, str], float] = {}
        for row in self.paths.itertuples(index=False):
            estimates[("path", f"{row[0]} -> {row[1]}")] = float(row.est)
        for row in self.specific_effects.itertuples(index=False):
            estimates[("specific", row.chain)] = float(row.est)
        for row in self.defined.itertuples(index=False):
            estimates[("defined", row.name)] = float(row.est)
        inference = None
        if self.bootstrap is not None:
            inference = self.bootstrap.table.set_index(["kind", "statistic"])
        return hypothesis_table(self.spec, estimates, inference)

    def _check_lines(self) -> list[str]:
        """The checks that do not pass, in words (all pass: one line that says so)."""
        checks = self.checks()
        words = {"loading": "outer loading", "alpha": "Cronbach's alpha", "cr": "rho_c",
                 "rho_a": "rho_A", "ave": "AVE", "htmt": "HTMT",
                 "fornell_larcker": "Fornell-Larcker margin", "vif": "VIF"}
        lines = [f"{row.verdict}: {words.get(row.check, row.check)} of {row.target} is "
                 f"{row.value:.3f} (threshold {row.threshold:g}; {row.source})"
                 for row in checks.itertuples(index=False) if row.verdict in ("warn", "fail")]
        return lines or [f"all {len(checks)} checks pass"]

    def checks(self, thresholds: Any = None) -> pd.DataFrame:
        """The quality criteria against their cited thresholds (``thresholds`` overrides them
        as in :func:`loyaltysem.validity.assess_measurement`): rows ``check, target, value,
        threshold, verdict, source`` (:func:`.quality.quality_checks`)."""
        from ..validity.thresholds import resolve_thresholds

        return quality_checks(self.constructs, self.outer, self.htmt, self.fornell_larcker,
                              self.vif_outer, self.vif_inner, resolve_thresholds(thresholds))

    def _with_inference(self, table: pd.DataFrame, kind: str | pd.Series, names: pd.Series
                        ) -> pd.DataFrame:
        """``table`` with the bootstrap columns of its rows (kind, statistic name) beside it,
        when bootstrapped."""
        if self.bootstrap is None:
            return table
        boot = self.bootstrap.table
        keyed = boot.set_index(["kind", "statistic"])[list(INFERENCE_COLUMNS)]
        kinds = kind if isinstance(kind, pd.Series) else pd.Series(kind, index=table.index)
        keys = pd.MultiIndex.from_arrays([kinds.to_numpy(), names.to_numpy()])
        return pd.concat([table, keyed.reindex(keys).reset_index(drop=True)], axis=1)

    def items_frame(self) -> pd.DataFrame:
        """The standardized (with mean replacement: imputed) items of the rows used, one
        column per item: the data of a second stage or a resample."""
        solution = self.solution
        return pd.DataFrame(solution.values, columns=list(solution.layout.items))

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Standardized construct scores, one row per row used."""
        solution = self.solution
        values = solution.values[:, solution.layout.slot_item] @ solution.weights
        return pd.DataFrame(values, index=solution.index, columns=self._names)

    @property
    def fornell_larcker(self) -> pd.DataFrame:
        """√AVE on the diagonal, construct correlations below (Fornell & Larcker 1981)."""
        ave = self.constructs.set_index("construct")["ave"]
        return fornell_larcker(ave, self.construct_correlations)

    @property
    def missing_text(self) -> str:
        """How missing values were handled, in words."""
        return ("mean replacement" if self.missing == "mean" else "listwise deletion")

    def summary(self, digits: int = 3) -> Summary:
        """Warnings, overview, outer model, paths, R², quality criteria, HTMT and f²."""
        overview = {"model": self.spec.name, "method": self.method,
                    "inner weighting": self.scheme, "observations": self.n,
                    "missing data": self.missing_text, "iterations": self.iterations,
                    "converged": self.converged}
        r2 = pd.DataFrame({"R2": self.r2, "R2 adjusted": self.r2_adj}).rename_axis(
            "construct").reset_index()
        sections: list[tuple[str, Any]] = [
            ("Warnings", list(self.warnings) or ["none"]),
            ("Model", overview),
            ("Outer weights and loadings", self.outer),
            ("Paths", self.paths),
            ("R-squared", r2),
            ("Model fit", self._fit_section()),
            ("Reliability and convergent validity", self.constructs),
            ("HTMT", _labelled(self.htmt)),
            ("Fornell-Larcker", _labelled(self.fornell_larcker)),
            ("Checks", self._check_lines()),
            ("Inner VIF", self.vif_inner),
            ("f-squared", self.f2),
            ("Effects", self.effects),
        ]
        if len(self.specific_effects):
            sections.append(("Specific indirect effects", self.specific_effects))
        if len(self.defined):
            sections.append(("Defined effects", self.defined))
        if len(self.hypotheses):
            sections.insert(5, ("Hypotheses", self.hypotheses.drop(columns=["description"])))
        if self.bootstrap is not None:
            boot = self.bootstrap
            sections.insert(2, ("Bootstrap", {
                "resamples": boot.n_boot, "failed": boot.n_failed, "seed": boot.seed,
                "sign changes": boot.sign_change,
                "intervals": f"{boot.ci}, {boot.level:.0%}",
                "p values": f"t = est / SE with N - 1 = {self.n - 1} df, two-sided"}))
        if self.notes:
            sections.append(("Notes", list(self.notes)))
        title = f"{self.method}-SEM: {self.spec.name}"
        return Summary(title, tuple(sections), digits)

    def _fit_section(self) -> Any:
        """SRMR, d_ULS, d_G (with the test of exact fit when run), or why not."""
        if self.fit_unavailable is not None:
            return [self.fit_unavailable]
        if self.exact_fit is None:
            return self.model_fit
        return self.exact_fit.table

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``loyaltysem pls --format json`` (../shared/DESIGN.md)."""
        return {
            "model": self.spec.name, "method": self.method, "scheme": self.scheme,
            "n": self.n, "missing": self.missing, "iterations": self.iterations,
            "converged": self.converged, "warnings": list(self.warnings),
            "notes": list(self.notes),
            "outer": _rows(self.outer), "paths": _rows(self.paths),
            "r2": {str(k): json_value(v) for k, v in self.r2.items()},
            "r2_adj": {str(k): json_value(v) for k, v in self.r2_adj.items()},
            "constructs": _rows(self.constructs),
            "htmt": _matrix(self.htmt), "htmt2": _matrix(self.htmt2),
            "f2": _rows(self.f2), "effects": _rows(self.effects),
            "specific_effects": _rows(self.specific_effects), "defined": _rows(self.defined),
            "hypotheses": _rows(self.hypotheses), "checks": _rows(self.checks()),
            "vif_outer": _rows(self.vif_outer), "vif_inner": _rows(self.vif_inner),
            "model_fit": _rows(self.model_fit), "model_fit_unavailable": self.fit_unavailable,
            "exact_fit": None if self.exact_fit is None else self.exact_fit.to_dict(),
            "bootstrap": None if self.bootstrap is None else {
                "n_boot": self.bootstrap.n_boot, "n_failed": self.bootstrap.n_failed,
                "seed": self.bootstrap.seed, "sign_change": self.bootstrap.sign_change,
                "ci": self.bootstrap.ci, "level": self.bootstrap.level},
        }
