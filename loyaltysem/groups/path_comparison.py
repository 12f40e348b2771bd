"""Do structural paths differ between groups? (multi-group analysis of the structural model)

For every regression path: the baseline multi-group model (equal loadings by
default: metric invariance, which makes path coefficients comparable) against
the same model with that one path constrained equal across groups, by the
chi-square difference test (df = G - 1; lavaan 0.6-14's ``lavTestLRT`` default:
the plain difference for ML, with complete data or full-information ML, and
the Satorra–Bentler (2001) scaled difference for MLR and MLM); the estimates of every group are
reported beside it, and for two groups the Wald test of the difference,
``z = (b2 - b1) / sqrt(se1^2 + se2^2)`` (the groups are independent samples).
Labels and ``:=`` definitions are dropped from the model first: in lavaan a
label written once makes a path equal in every group.

References
----------
Jöreskog, K. G. (1971). Simultaneous factor analysis in several populations.
Psychometrika, 36(4), 409-426.
Byrne, B. M. (2012). Structural equation modeling with Mplus, ch. 9.
Routledge (testing equality of structural paths across groups).
Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test
statistic for moment structure analysis. Psychometrika, 66(4), 507-514.
Clogg, C. C., Petkova, E., & Haritou, A. (1995). Statistical methods for
comparing regression coefficients between models. American Journal of
Sociology, 100(5), 1261-1293 (the Wald difference of independent estimates).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..arguments import check_probability
from ..distributions import norm_sf
from ..estimate.difference import chisq_difference
from ..estimate.fit import ESTIMATORS, _as_spec
from ..exceptions import ArgumentError, SpecificationError
from ..spec import ModelSpec
from ..summary import Summary, json_value
from .fit import check_group_arguments, fit_groups
from .results import MultiGroupResult
from .robust import scaled_difference


def without_labels(spec: ModelSpec) -> ModelSpec:
    """The spec with every label and ``:=`` definition removed (hypotheses on paths kept)."""
    statements = tuple(dataclasses.replace(s, label=None) for s in spec.statements
                       if s.op != ":=")
    hypotheses = tuple(h for h in spec.hypotheses if h.effect is None)
    return ModelSpec(statements=statements, name=spec.name, description=spec.description,
                     hypotheses=hypotheses,
                     construct_descriptions=dict(spec.construct_descriptions),
                     source=spec.source)


@dataclass(frozen=True, eq=False)
class PathComparison:
    """Path-by-path comparison across groups.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per path: ``path, lhs, rhs``, ``est_<group>`` and ``se_<group>``
        for every group, ``difference, z, pvalue_wald`` (two groups only),
        ``chisq_diff, df_diff, pvalue`` (the chi-square difference test) and
        ``differs`` (p < alpha).
    baseline : MultiGroupResult
        The model every constrained fit is compared with.
    alpha : float
    """

    table: pd.DataFrame
    baseline: MultiGroupResult
    alpha: float

    def summary(self, digits: int = 3) -> Summary:
        base = self.baseline
        notes = [f"groups ({base.group}): " + ", ".join(f"{base.group_title(g)} (N = {n})"
                                                       for g, n in base.nobs.items()),
                 "baseline: " + (", ".join(base.group_equal) or "nothing") + " equal across "
                 f"groups (chi-square {float(base.fit_indices['chisq']):.3f}, "
                 f"df {int(base.fit_indices['df'])}); each path is then constrained equal "
                 "and compared by the chi-square difference test",
                 *base.warnings]
        return Summary(f"Paths across groups: {base.spec.name}",
                       (("Paths", self.table), ("Notes", notes)), digits=digits)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict[str, Any]:
        return {"paths": [{k: json_value(v) for k, v in row.items()}
                          for row in self.table.to_dict("records")],
                "baseline": {"group_equal": list(self.baseline.group_equal),
                             "chisq": json_value(self.baseline.fit_indices["chisq"]),
                             "df": int(self.baseline.fit_indices["df"])}}


def compare_paths(
    spec: ModelSpec | str | Path,
    data: pd.DataFrame | str | Path,
    group: str,
    *,
    baseline_equal: Sequence[str] | None = None,
    alpha: float = 0.05,
    estimator: str | None = None,
    missing: Literal["listwise", "ml", "ml.x"] = "listwise",
    na_values: list[float | str] | None = None,
    allow_codes: bool = False,
    ordered: bool | Sequence[str] | None = None,
    parameterization: Literal["delta", "theta"] = "delta",
) -> PathComparison:
    """Test, path by path, whether structural paths differ across groups.

    Parameters
    ----------
    spec : ModelSpec, path or str
    data : DataFrame, path or dataset name
    group : str
        The grouping column.
    baseline_equal : sequence of str, optional
        Classes equal across groups in the baseline (default ``("loadings",)``:
        metric invariance, with ordinal items ``("thresholds", "loadings")``; ``()``
        compares against the configural model).
    alpha : float
        Level of the ``differs`` flag.
    estimator : {"ML", "MLR", "MLM", "WLSMV", "ULSMV"}, optional
        Default ML (ordinal items: WLSMV, compared by Satorra's (2000) scaled-and-shifted
        difference, lavaan's ``lavTestLRT`` default).
        ``"MLR"``, ``"MLM"``: robust SEs in the Wald test (sandwich, or the
        Satorra–Bentler robust SEs) and the Satorra–Bentler (2001) scaled
        chi-square difference of the Yuan–Bentler or Satorra–Bentler statistics.
    missing : {"listwise", "ml", "ml.x"}
        ``"ml"``, ``"ml.x"``: full-information ML (see :func:`fit_groups`; not
        with ``"MLM"``).
    na_values : list, optional
    allow_codes : bool
        Keep values that look like missing-value codes (see :func:`fit_groups`).
    ordered, parameterization
        Ordinal items (as :func:`fit_groups`; None: those the spec declares).

    Returns
    -------
    PathComparison

    Examples
    --------
    >>> compare_paths("models/corp_rep.yaml", "corp_rep", "servicetype").table  # doctest: +SKIP
    """
    spec = without_labels(_as_spec(spec))
    if ordered is None:
        ordered = sorted(spec.ordered) or None
    ordinal = ordered not in (None, False, [], ())
    estimator = estimator or ("WLSMV" if ordinal else "ML")
    if baseline_equal is None:  # the metric model
        baseline_equal = ("thresholds", "loadings") if ordinal else ("loadings",)
    baseline_equal = _check_comparison_arguments(group, baseline_equal, alpha, estimator,
                                                 missing, ordinal)
    options: dict[str, Any] = {"ordered": ordered, "parameterization": parameterization} \
        if ordinal else {}
    if isinstance(data, (str, Path)):
        from ..data.registry import resolve_data

        data = resolve_data(data, na_values=na_values)
    paths = list(dict.fromkeys(spec.structural_paths))
    if not paths:
        raise SpecificationError(f"{spec.name} has no structural paths to compare across "
                                 "groups; for measurement invariance use invariance_ladder()",
                                 source=spec.source)
    baseline = fit_groups(spec, data, group, group_equal=baseline_equal, estimator=estimator,
                          missing=missing, na_values=na_values, emit_warnings=False,
                          allow_codes=allow_codes, **options)
    estimates = baseline.parameters("~")
    rows = []
    for source, target in paths:
        others = [f"{b}~{a}" for a, b in paths if (a, b) != (source, target)]
        constrained = fit_groups(spec, data, group,
                                 group_equal=tuple(baseline_equal) + ("regressions",),
                                 group_partial=others, estimator=estimator, missing=missing,
                                 na_values=na_values, emit_warnings=False,
                                 allow_codes=allow_codes, **options)
        row: dict[str, Any] = {"path": f"{source} -> {target}", "lhs": target, "rhs": source}
        row.update(_group_estimates(estimates, source, target, baseline.groups))
        difference, df_difference, p = _constrained_difference(constrained, baseline,
                                                               estimator)
        row.update(chisq_diff=difference, df_diff=int(df_difference), pvalue=p,
                   differs=bool(p < alpha) if np.isfinite(p) else False)
        if not constrained.converged:
            row["differs"] = False
            row["note"] = "the constrained model did not converge"
        rows.append(row)
    return PathComparison(table=pd.DataFrame(rows), baseline=baseline, alpha=alpha)


def _check_comparison_arguments(group: Any, baseline_equal: Any, alpha: Any, estimator: Any,
                                missing: Any, ordinal: bool = False) -> tuple[str, ...]:
    """Refuse a bad argument of :func:`compare_paths` before any fit; the baseline classes."""
    baseline_equal, _ = check_group_arguments(group, baseline_equal, (), estimator, missing,
                                              equal_name="baseline_equal",
                                              estimators=("WLSMV", "ULSMV") if ordinal
                                              else ESTIMATORS)
    if "regressions" in baseline_equal:
        raise ArgumentError("baseline_equal must leave the paths free (any class but "
                            "'regressions'); got 'regressions'")
    check_probability("alpha", alpha, "a significance level")
    return baseline_equal


def _group_estimates(estimates: pd.DataFrame, source: str, target: str,
                     groups: Sequence[Any]) -> dict[str, Any]:
    """``est_<group>, se_<group>`` of the path ``source -> target`` in the baseline; for two
    groups also the Wald test of their difference: ``difference, z, pvalue_wald``."""
    row: dict[str, Any] = {}
    block = estimates[(estimates["lhs"] == target) & (estimates["rhs"] == source)]
    by_group = block.set_index("group")
    for name in groups:
        row[f"est_{name}"] = float(by_group.at[name, "est"])
        row[f"se_{name}"] = float(by_group.at[name, "se"])
    if len(groups) == 2:
        first, second = groups
        diff = row[f"est_{second}"] - row[f"est_{first}"]
        se = float(np.hypot(row[f"se_{first}"], row[f"se_{second}"]))
        z = diff / se if se > 0 else np.nan
        row.update(difference=diff, z=z, pvalue_wald=float(2 * norm_sf(abs(z))))
    return row


def _constrained_difference(constrained: MultiGroupResult, baseline: MultiGroupResult,
                            estimator: str) -> tuple[float, float, float]:
    """Chi-square difference of a constrained fit against the baseline: ``(difference, df,
    p)``, the Satorra-Bentler (2001) scaled difference with MLR and MLM (lavaan 0.6-14's
    ``lavTestLRT`` default for Yuan-Bentler and Satorra-Bentler tests)."""
    chisq, df = float(constrained.fit_indices["chisq"]), float(constrained.fit_indices["df"])
    chisq_base = float(baseline.fit_indices["chisq"])
    df_base = float(baseline.fit_indices["df"])
    if estimator in ("WLSMV", "ULSMV"):
        from .ordinal import shifted_difference  # the ordinal statistics import scipy

        return shifted_difference(baseline, constrained)
    if estimator in ("MLR", "MLM"):
        return scaled_difference(
            chisq, df, float(constrained.fit_indices["scaling_factor"]), chisq_base, df_base,
            float(baseline.fit_indices["scaling_factor"]))
    return chisq_difference(chisq, df, chisq_base, df_base)
