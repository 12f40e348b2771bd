"""The result of a multi-group fit."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ..data.checks import group_title
from ..spec import ModelSpec
from ..summary import Summary, json_value

#: Columns of :attr:`MultiGroupResult.estimates`.
MULTIGROUP_COLUMNS = ("group", "lhs", "op", "rhs", "label", "free", "est", "se", "z", "pvalue",
                      "ci_lower", "ci_upper", "std_lv", "std_all")


@dataclass(frozen=True, eq=False)
class MultiGroupResult:
    """A multi-group ML fit (see :func:`loyaltysem.groups.fit_groups`).

    Attributes
    ----------
    spec : ModelSpec
    group : str
        The grouping column.
    groups : tuple of str
        Group codes, the keys of every per-group table (order of first appearance in
        the data).
    group_equal : tuple of str
        The classes constrained equal across groups.
    group_partial : tuple of str
        Parameters exempt from ``group_equal`` (partial invariance).
    estimates : pandas.DataFrame
        ``group, lhs, op, rhs, label, free, est, se, z, pvalue, ci_lower,
        ci_upper, std_all`` — every parameter of every group (intercepts and
        latent means as op ``~1``), then ``:=`` rows (group ``""``; their
        ``std_all`` at the standardized values of their labels, a label shared
        by the groups taking the first group's, as lavaan).
    fit_indices : pandas.Series
        lavaan's ``fitMeasures()`` names with ``_`` for ``.``.
    nobs : pandas.Series
        Complete cases per group.
    n_dropped : int
        Rows not used: without a value of the grouping column, or dropped by
        listwise deletion.
    converged : bool
    warnings : tuple of str
    theta, vcov : ndarray
        Global free parameters (``free`` column) and their covariance.
    table : pandas.DataFrame
        The multi-group parameter table.
    estimator : {"ML", "MLR", "MLM", "WLSMV", "ULSMV", "DWLS", "ULS", "WLS"}
    r2 : pandas.DataFrame
        R² of every endogenous variable (rows) in every group (columns).
    core : loyaltysem.estimate.ml.CoreModel
        The fit as the estimation core sees it (layout over all groups, each
        group's moments, theta).
    data : pandas.DataFrame or None
        A fit of ordinal items: its checked cases (the model's observed variables and
        the grouping column, holding the group labels), which its bootstrap resamples
        (the core holds only their polychoric statistics); None for ML fits, whose
        core keeps the cases.
    group_names : dict of str to str
        Group code → its name for people (the grouping column's value labels, from an
        SPSS/Stata file or a shipped codebook; :func:`~loyaltysem.data.checks.group_names`),
        shown by :meth:`summary`, the reports and the diagrams; empty without labels.
    """

    spec: ModelSpec
    group: str
    groups: tuple[str, ...]
    group_equal: tuple[str, ...]
    group_partial: tuple[str, ...]
    estimates: pd.DataFrame
    fit_indices: pd.Series
    nobs: pd.Series
    n_dropped: int
    converged: bool
    warnings: tuple[str, ...]
    theta: np.ndarray = field(repr=False)
    vcov: np.ndarray = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    estimator: str = "ML"
    r2: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    core: Any = field(default=None, repr=False)
    data: pd.DataFrame | None = field(default=None, repr=False)
    group_names: dict[str, str] = field(default_factory=dict, repr=False)

    def group_title(self, group: str) -> str:
        """A group's name for people: its value label, else its code."""
        return group_title(group, self.group_names)

    def group_view(self, group: str) -> SimpleNamespace:
        """One group's results with the attributes a single-group fit has for figures
        (``spec``, ``estimates`` without the group column, ``r2``), with ``group`` (the
        group's code), ``group_name`` (its name for people) and ``group_variable`` (the
        group column) for the diagram's title: e.g. ``path_diagram(result.group_view("1"))``."""
        if group not in self.groups:
            raise ValueError(f"no group {group!r}; groups: {', '.join(self.groups)}")
        rows = self.estimates[self.estimates["group"] == group].drop(columns=["group"])
        return SimpleNamespace(spec=self.spec, estimates=rows.reset_index(drop=True),
                               r2=self.r2[group] if group in self.r2 else pd.Series(dtype=float),
                               group=group, group_name=self.group_title(group),
                               group_variable=self.group)

    def standardized_solution(self) -> pd.DataFrame:
        """Completely standardized solution of every group with delta-method SEs.

        lavaan's ``standardizedSolution(fit)`` (type ``std.all``) of a multi-group fit:
        each group standardized by its own model-implied variances, the standard errors
        from the Jacobian of all groups' standardized values with respect to the free
        parameters and :attr:`vcov` (the same computation as
        :meth:`FitResult.standardized_solution`). Columns ``group, lhs, op, rhs, label,
        est_std, se, z, pvalue, ci_lower, ci_upper``; ``:=`` rows (group ``""``) at the
        standardized values of their labels (a label shared by the groups: the first
        group's, as lavaan).
        """
        from ..estimate.solution import standardized_solution
        from .layout import core_table

        table = core_table(self.table, self.groups, self.spec)
        out = standardized_solution(table, self.theta, self.vcov, self.core,
                                    list(self.spec.roles.latent))
        out.insert(0, "group", [self.groups[g] if g >= 0 else "" for g in table["group"]])
        return out

    def parameters(self, op: str, group: str | None = None) -> pd.DataFrame:
        """Rows of one operator (``=~``, ``~``, ``~~``, ``~1``, ``:=``), optionally one group."""
        rows = self.estimates[self.estimates["op"] == op]
        if group is not None:
            rows = rows[rows["group"] == group]
        return rows.reset_index(drop=True)

    def summary(self, digits: int = 3) -> Summary:
        """Fit, then the estimates of each group."""
        fit = self.fit_indices
        overview = {
            "model": self.spec.name, "groups": f"{self.group}: " + ", ".join(
                f"{self.group_title(g)} (N = {n})" for g, n in self.nobs.items()),
            "equal across groups": ", ".join(self.group_equal) or "nothing (configural)",
            "free despite that (partial)": ", ".join(self.group_partial) or "-",
            "estimator": self.estimator,
            "free parameters": int(fit["npar"]), "converged": self.converged,
        }
        fit_block = {"chi-square": fit["chisq"], "df": int(fit["df"]), "p-value": fit["pvalue"],
                     "CFI": fit["cfi"], "TLI": fit["tli"], "RMSEA": fit["rmsea"],
                     "RMSEA 90% CI lower": fit["rmsea_ci_lower"],
                     "RMSEA 90% CI upper": fit["rmsea_ci_upper"], "SRMR": fit["srmr"]}
        fit_block.update({name: fit[key] for name, key in (("AIC", "aic"), ("BIC", "bic"),
                                                           ("WRMR", "wrmr")) if key in fit})
        if "gfi" in fit:
            fit_block["GFI"] = fit["gfi"]
        if self.estimator in ("MLR", "MLM"):
            method = "Yuan-Bentler" if self.estimator == "MLR" else "Satorra-Bentler"
            fit_block.update({
                f"scaled chi-square ({method})": fit["chisq_scaled"],
                "scaling factor": fit["scaling_factor"], "scaled p-value": fit["pvalue_scaled"]})
        if "shift_parameter" in fit:  # WLSMV, ULSMV on ordinal items
            fit_block.update({
                "scaled-shifted chi-square": fit["chisq_scaled"],
                "scaling factor": fit["scaling_factor"], "shift": fit["shift_parameter"],
                "scaled p-value": fit["pvalue_scaled"], "scaled CFI": fit["cfi_scaled"],
                "scaled TLI": fit["tli_scaled"], "scaled RMSEA": fit["rmsea_scaled"]})
        if "cfi_robust" in fit and pd.notna(fit["cfi_robust"]):  # MLR, and FIML with ML too (as lavaan's summary)
            fit_block.update({"robust CFI": fit["cfi_robust"], "robust TLI": fit["tli_robust"],
                              "robust RMSEA": fit["rmsea_robust"]})
        sections: list[tuple[str, Any]] = [("Model", overview), ("Fit", fit_block)]
        shown = self.estimates.drop(columns=["free"])
        for name in self.groups:
            block = shown[shown["group"] == name].drop(columns=["group"]).reset_index(drop=True)
            sections.append((f"Group {self.group_title(name)}", block))
        defined = shown[shown["op"] == ":="]
        if len(defined):
            sections.append(("Defined effects", defined.drop(columns=["group"])
                             .reset_index(drop=True)))
        if len(self.r2):
            sections.append(("R-squared", self.r2.reset_index(names="variable")))
        sections.append(("Warnings", list(self.warnings) or ["none"]))
        return Summary(f"loyaltysem multi-group fit: {self.spec.name}", tuple(sections),
                       digits=digits)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the single-group contract plus ``group`` (the code) on every estimate
        row; ``group_labels``: code → name for the groups that have one."""
        rows = [{"group": r.group, "lhs": r.lhs, "op": r.op, "rhs": r.rhs, "label": r.label,
                 **{k: json_value(getattr(r, k)) for k in
                    ("est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all")}}
                for r in self.estimates.itertuples(index=False)]
        return {
            "model": self.spec.name, "estimator": self.estimator, "group": self.group,
            "groups": list(self.groups), "group_labels": dict(self.group_names),
            "group_equal": list(self.group_equal), "group_partial": list(self.group_partial),
            "estimates": rows,
            "fit": {k: json_value(v) for k, v in self.fit_indices.items()},
            "nobs": {k: int(v) for k, v in self.nobs.items()},
            "converged": bool(self.converged), "warnings": list(self.warnings),
        }


def multigroup_result(spec: ModelSpec, fitted: Any, functions: Any, *, group: str,
                      groups: Sequence[str], group_equal: Sequence[str],
                      group_partial: Sequence[str], nobs: Sequence[int], n_dropped: int,
                      estimator: str, table: pd.DataFrame, notes: Sequence[str],
                      data: pd.DataFrame | None = None) -> MultiGroupResult:
    """The :class:`MultiGroupResult` of a fit on the core (``fitted``:
    :class:`loyaltysem.estimate.core_fit.CoreFit`; ``functions``: its functions), the
    admissibility problems first among the warnings, then ``notes``."""
    from ..estimate.ml import CoreModel

    estimates = fitted.table.estimates
    return MultiGroupResult(
        spec=spec, group=group, groups=tuple(groups), group_equal=tuple(group_equal),
        group_partial=tuple(group_partial),
        estimates=estimates[list(MULTIGROUP_COLUMNS)],
        fit_indices=pd.Series(fitted.fit_indices, dtype=object),
        nobs=pd.Series([int(n) for n in nobs], index=list(groups), name="nobs"),
        n_dropped=int(n_dropped), converged=bool(fitted.result.converged),
        estimator=estimator, theta=fitted.theta, vcov=fitted.covariance.vcov, table=table,
        warnings=tuple([p.message for p in fitted.problems] + list(notes)),
        r2=pd.DataFrame(fitted.table.r2, index=list(groups)).T,
        core=CoreModel.of(functions, fitted.theta), data=data)
