"""The measurement-invariance ladder: configural → metric → scalar → strict.

Each step constrains one more class of measurement parameters equal across
groups (Meredith 1993; Vandenberg & Lance 2000) and is compared with the step
before it:

- the chi-square difference test, as lavaan 0.6-14's ``lavTestLRT`` with its
  default ``method``: for ML (complete data or full-information, ``missing =
  "ml"``/``"ml.x"``) the difference of the chi-squares on the difference of
  the df; for MLR (Yuan–Bentler test) and MLM (Satorra–Bentler test), with or
  without missing data, the Satorra–Bentler (2001) scaled difference
  (``lavTestLRT`` picks ``method = "satorra.bentler.2001"`` whenever the test is
  ``"satorra.bentler"``, ``"yuan.bentler"`` or ``"yuan.bentler.mplus"``),
  computed by :mod:`loyaltysem.estimate.difference`, as :func:`loyaltysem.compare`
  does;
- the change in CFI, with invariance retained when CFI drops by no more than
  .010 (Cheung & Rensvold 2002), and the change in RMSEA, retained when RMSEA
  rises by no more than .015 (Chen 2007). With large samples the chi-square
  test rejects trivial differences, so the verdict uses the changes in CFI
  and RMSEA and the test is reported beside it. The CFI, TLI and RMSEA are
  lavaan's ``fitMeasures()`` of each step: ``cfi``, ``tli``, ``rmsea`` for ML
  (with missing data too, as lavaan's first "Model Test User Model" column),
  ``cfi.robust``, ``tli.robust``, ``rmsea.robust`` for MLR and MLM
  (Brosseau-Liard, Savalei & Li 2012; Brosseau-Liard & Savalei 2014; with
  missing data lavaan's FIML-corrected versions, Zhang & Savalei 2023).

References
----------
Meredith, W. (1993). Measurement invariance, factor analysis and factorial
invariance. Psychometrika, 58(4), 525-543.
Vandenberg, R. J., & Lance, C. E. (2000). A review and synthesis of the
measurement invariance literature. Organizational Research Methods, 3(1), 4-70.
Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes
for testing measurement invariance. Structural Equation Modeling, 9(2), 233-255.
Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of
measurement invariance. Structural Equation Modeling, 14(3), 464-504.
Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test
statistic for moment structure analysis. Psychometrika, 66(4), 507-514.
Brosseau-Liard, P. E., Savalei, V., & Li, L. (2012). An investigation of the
sample performance of two nonnormality corrections for RMSEA. Multivariate
Behavioral Research, 47(6), 904-930.
Brosseau-Liard, P. E., & Savalei, V. (2014). Adjusting incremental fit indices
for nonnormality. Multivariate Behavioral Research, 49(5), 460-470.
Zhang, X., & Savalei, V. (2023). New computations for RMSEA and CFI following
FIML and TS estimation with missing data. Psychological Methods, 28(2), 263-283.
lavaan 0.6-14: ``lavTestLRT`` (``R/lav_test_LRT.R``), ``fitMeasures``.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from ..arguments import check_names
from ..estimate.difference import chisq_difference, scaled_difference_test
from ..estimate.fit import ESTIMATORS
from ..exceptions import ArgumentError
from ..distributions import chi2_sf
from ..spec import ModelSpec, as_spec
from ..summary import Summary, json_value
from .fit import check_group_arguments, fit_groups
from .results import MultiGroupResult

#: the steps of the ladder and the classes each constrains equal across groups
STEPS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
#: the steps of the ladder of ordinal items (``ordered=``): thresholds first, then
#: loadings (Wu & Estabrook 2016's order), with lavaan's identification of each step
#: (:mod:`.ordinal`); "scalar" adds the continuous items' intercepts, "strict" the
#: residual variances (theta parameterization)
ORDINAL_STEPS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "thresholds": ("thresholds",),
    "metric": ("thresholds", "loadings"),
    "scalar": ("thresholds", "loadings", "intercepts"),
    "strict": ("thresholds", "loadings", "intercepts", "residuals"),
}
#: largest tolerated drop in CFI (Cheung & Rensvold, 2002)
DELTA_CFI = -0.010
#: largest tolerated rise in RMSEA (Chen, 2007)
DELTA_RMSEA = 0.015
#: the estimators whose steps are compared by the Satorra-Bentler (2001) scaled
#: difference, with the robust CFI, TLI and RMSEA (lavaan's ``lavTestLRT`` default)
SCALED_ESTIMATORS = ("MLR", "MLM")
#: the estimators of an ordinal ladder, compared by Satorra's (2000) scaled-and-shifted
#: difference (lavaan's ``lavTestLRT`` default for them)
SHIFTED_ESTIMATORS = ("WLSMV", "ULSMV")


@dataclass(frozen=True, eq=False)
class InvarianceResult:
    """The fits of each step and their comparison.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per step: ``step, equal, npar, chisq, df, pvalue, cfi, tli,
        rmsea, srmr, aic, bic, chisq_diff, df_diff, pvalue_diff, delta_cfi,
        delta_rmsea, verdict`` (the verdict compares the step with the one
        before it; see the module notes).
    fits : dict of str to MultiGroupResult
    """

    table: pd.DataFrame
    fits: dict[str, MultiGroupResult]

    @property
    def highest_level(self) -> str:
        """The last step of an unbroken run of retained steps (``"configural"`` if none)."""
        level = self.table["step"].iat[0]
        for row in self.table.iloc[1:].itertuples(index=False):
            if row.verdict != "retained":
                break
            level = row.step
        return level

    def summary(self, digits: int = 3) -> Summary:
        first = next(iter(self.fits.values()))
        notes = [f"groups ({first.group}): " + ", ".join(f"{first.group_title(g)} (N = {n})"
                                                        for g, n in first.nobs.items()),
                 f"invariance retained up to: {self.highest_level}",
                 f"a step is retained when CFI drops by at most {abs(DELTA_CFI):.3f} "
                 f"(Cheung & Rensvold 2002) and RMSEA rises by at most {DELTA_RMSEA:.3f} "
                 "(Chen 2007); the chi-square difference test is reported beside it"]
        if first.estimator in SCALED_ESTIMATORS:
            notes.append(f"{first.estimator}: Satorra-Bentler (2001) scaled chi-square "
                         "differences; CFI, TLI and RMSEA are the robust versions")
        elif first.estimator in SHIFTED_ESTIMATORS:
            notes.append(f"{first.estimator} on ordinal items: Satorra (2000) scaled-and-"
                         "shifted chi-square differences (lavaan's lavTestLRT); CFI, TLI "
                         "and RMSEA are the scaled versions")
        seen: set[str] = set()
        for name, fit in self.fits.items():
            for warning in fit.warnings:
                if "did not converge" in warning:
                    notes.append(f"{name}: {warning}")
                elif warning not in seen:
                    seen.add(warning)
                    notes.append(warning)
        return Summary(f"Measurement invariance: {first.spec.name}",
                       (("Steps", self.table), ("Notes", notes)), digits=digits)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict[str, Any]:
        return {"steps": [{k: json_value(v) for k, v in row.items()}
                          for row in self.table.to_dict("records")],
                "highest_level": self.highest_level}


def invariance_ladder(
    spec: ModelSpec | str | Path,
    data: pd.DataFrame | str | Path,
    group: str,
    *,
    steps: Sequence[str] | None = None,
    group_partial: Sequence[str] = (),
    estimator: str | None = None,
    missing: Literal["listwise", "ml", "ml.x"] = "listwise",
    na_values: list[float | str] | None = None,
    allow_codes: bool = False,
    ordered: bool | Sequence[str] | None = None,
    parameterization: Literal["delta", "theta"] = "delta",
    identification: Literal["wu.estabrook", "lavaan"] = "wu.estabrook",
) -> InvarianceResult:
    """Fit the steps of the invariance ladder and compare each with the one before.

    Parameters
    ----------
    spec : ModelSpec, path or str
    data : DataFrame, path or dataset name
    group : str
        The grouping column.
    steps : sequence of str, optional
        Any of :data:`STEPS` (ordinal items: :data:`ORDINAL_STEPS`), in order; by
        default configural, metric, scalar, strict (ordinal items: configural,
        thresholds, metric, with scalar when there are continuous items and strict in
        the theta parameterization, where residual variances are parameters).
    group_partial : sequence of str
        Parameters left free across groups in every step (partial
        invariance, e.g. ``["x3~1", "x7~1"]`` after scalar invariance fails).
    estimator : {"ML", "MLR", "MLM", "WLSMV", "ULSMV"}, optional
        Default ML (ordinal items: WLSMV, whose steps are compared by lavaan's
        ``lavTestLRT`` default, Satorra's (2000) scaled-and-shifted difference,
        :mod:`loyaltysem.estimate.wls_difference`, with the scaled CFI, TLI and RMSEA).
        With ``"MLR"`` or ``"MLM"`` the steps are compared by the
        Satorra–Bentler (2001) scaled chi-square difference of their
        Yuan–Bentler or Satorra–Bentler statistics (lavaan's ``lavTestLRT``
        default for both), and the CFI, TLI and RMSEA columns and their changes
        are lavaan's robust ones (see the module notes);
        ``chisq_scaled`` and ``scaling_factor`` are added.
    missing : {"listwise", "ml", "ml.x"}
        ``"ml"``, ``"ml.x"``: every step by full-information ML (see
        :func:`fit_groups`; not with ``"MLM"``, which needs complete data).
    na_values : list, optional
    allow_codes : bool
        Keep values that look like missing-value codes (see :func:`fit_groups`).
    ordered : bool or list of str, optional
        Ordinal items (as :func:`fit_groups`; None: those the spec declares).
    parameterization : {"delta", "theta"}
        With ordinal items (as :func:`fit_groups`).
    identification : {"wu.estabrook", "lavaan"}
        With ordinal items: the steps identified as Wu & Estabrook (2016) (the default,
        as semTools' ``measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016")``:
        latent variances 1 in the first group; equal thresholds free the items'
        intercepts and scales (theta: residual variances) in the other groups, equal
        loadings their latent variances, equal intercepts their latent means), or by
        lavaan's ``group.equal`` conventions (see :func:`fit_groups`).

    Returns
    -------
    InvarianceResult

    Examples
    --------
    >>> result = invariance_ladder("models/hs_cfa.lav", "holzinger_swineford", "school")  # doctest: +SKIP
    >>> result.table[["step", "chisq", "df", "delta_cfi", "verdict"]]   # doctest: +SKIP
    """
    spec = as_spec(spec)
    if ordered is None:
        ordered = sorted(spec.ordered) or None
    ordinal = ordered not in (None, False, [], ())
    ladder = ORDINAL_STEPS if ordinal else STEPS
    if steps is None:
        steps = _default_steps(spec, ordered, parameterization, identification)
    steps = check_names("steps", steps, tuple(ladder))
    if not steps:
        raise ArgumentError("steps must be a non-empty list of any of "
                            + ", ".join(map(repr, ladder)) + "; got an empty list")
    estimator = estimator or ("WLSMV" if ordinal else "ML")
    if ordinal and estimator not in SHIFTED_ESTIMATORS:
        raise ArgumentError(f"the ordinal ladder compares steps by the scaled-and-shifted "
                            f"difference: estimator 'WLSMV' or 'ULSMV'; got {estimator!r}")
    check_group_arguments(group, (), group_partial, estimator, missing,
                          estimators=SHIFTED_ESTIMATORS if ordinal else ESTIMATORS)
    if isinstance(data, (str, Path)):
        from ..data.registry import resolve_data

        data = resolve_data(data, na_values=na_values)
    options: dict[str, Any] = {"ordered": ordered, "parameterization": parameterization,
                               "identification": identification} if ordinal else {}
    fits = {step: fit_groups(spec, data, group, group_equal=ladder[step],
                             group_partial=group_partial, estimator=estimator,
                             missing=missing, na_values=na_values, allow_codes=allow_codes,
                             **options)
            for step in steps}
    kind = "shifted" if ordinal else "scaled" if estimator in SCALED_ESTIMATORS else "ml"
    rows: list[dict[str, Any]] = []
    for step, result in fits.items():
        row = _step_row(step, ladder[step], result.fit_indices, kind)
        if not rows:
            row.update(chisq_diff=np.nan, df_diff=np.nan, pvalue_diff=np.nan, delta_cfi=np.nan,
                       delta_rmsea=np.nan, verdict="baseline")
        else:
            previous = rows[-1]
            converged = result.converged and fits[previous["step"]].converged
            test = _shifted(fits[previous["step"]], result) if ordinal else None
            row.update(_step_comparison(row, previous, converged=converged,
                                        robust=kind == "scaled", test=test))
        rows.append(row)
    return InvarianceResult(table=pd.DataFrame(rows), fits=fits)


def _default_steps(spec: ModelSpec, ordered: Any, parameterization: str,
                   identification: str) -> tuple[str, ...]:
    """The default ladder (see :func:`invariance_ladder`): with ordinal items the scalar
    step when it constrains something (Wu & Estabrook's intercepts, or continuous
    items' intercepts) and the strict step in the theta parameterization."""
    if ordered in (None, False, [], ()):
        return tuple(STEPS)
    items = set(spec.observed_variables) if ordered is True else set(ordered)
    continuous = any(v not in items for v in spec.observed_variables)
    scalar = continuous or identification == "wu.estabrook"
    return (("configural", "thresholds", "metric") + (("scalar",) if scalar else ())
            + (("strict",) if parameterization == "theta" else ()))


def _shifted(fit1: MultiGroupResult, fit0: MultiGroupResult) -> tuple[float, float, float]:
    """:func:`.ordinal.shifted_difference`, imported when a ladder has ordinal items (the
    ordinal statistics import scipy)."""
    from .ordinal import shifted_difference

    return shifted_difference(fit1, fit0)


def _step_row(step: str, equal: tuple[str, ...], f: pd.Series, kind: str) -> dict[str, Any]:
    """The fit of one step: ``step, equal, npar, chisq, df, pvalue, cfi, tli, rmsea, srmr,
    aic, bic``; with MLR or MLM (``kind`` "scaled") also ``chisq_scaled,
    scaling_factor``, the scaled p-value and the robust CFI, TLI and RMSEA (the scaled
    ones where lavaan does not compute the robust ones); with WLSMV/ULSMV ("shifted")
    the scaled-shifted statistic and the scaled CFI, TLI and RMSEA (lavaan reports
    the robust ones only for some steps of an ordinal ladder), no AIC or BIC."""
    robust = kind != "ml"
    suffix = {"scaled": "_robust", "shifted": "_scaled"}.get(kind, "")
    return {
        "step": step, "equal": ", ".join(equal) or "-", "npar": int(f["npar"]),
        "chisq": float(f["chisq"]), "df": int(f["df"]),
        **({"chisq_scaled": float(f["chisq_scaled"]), "scaling_factor": float(
            f["scaling_factor"]), "pvalue": float(f["pvalue_scaled"])} if robust
           else {"pvalue": float(f["pvalue"])}),
        **{k: float(f[k + suffix] if k + suffix in f.index else f[k + "_scaled"])
           for k in ("cfi", "tli", "rmsea")},
        **{k: float(f[k]) for k in (("srmr",) if kind == "shifted" else ("srmr", "aic", "bic"))}}


def _step_comparison(row: dict[str, Any], previous: dict[str, Any], *, converged: bool,
                     robust: bool, test: tuple[float, float, float] | None = None
                     ) -> dict[str, Any]:
    """A step against the one before it: ``chisq_diff, df_diff, pvalue_diff`` (scaled
    with MLR and MLM), ``delta_cfi, delta_rmsea`` and the verdict (``retained`` within
    :data:`DELTA_CFI` and :data:`DELTA_RMSEA`, ``rejected``, or ``not converged``)."""
    if test is not None:  # ordinal steps: the scaled-and-shifted difference
        difference, df_difference, p = test
    elif robust:
        difference, df_difference, p, _ = scaled_difference_test(
            row["chisq"], row["df"], row["scaling_factor"], previous["chisq"],
            previous["df"], previous["scaling_factor"])
    else:
        difference, df_difference, p = chisq_difference(row["chisq"], row["df"],
                                                         previous["chisq"], previous["df"])
    delta_cfi, delta_rmsea = row["cfi"] - previous["cfi"], row["rmsea"] - previous["rmsea"]
    retained = delta_cfi >= DELTA_CFI and delta_rmsea <= DELTA_RMSEA
    return {"chisq_diff": difference, "df_diff": df_difference, "pvalue_diff": p,
            "delta_cfi": delta_cfi, "delta_rmsea": delta_rmsea,
            "verdict": ("not converged" if not converged
                        else "retained" if retained else "rejected")}
