"""FitResult: everything one fit produced, frozen."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..frame_rows import table_rows
from ..spec import ModelSpec
from ..summary import Summary, json_value

#: Columns of :attr:`FitResult.estimates` (lavaan's ``parameterEstimates`` names with ``_``).
ESTIMATE_COLUMNS = ("lhs", "op", "rhs", "label", "est", "se", "z", "pvalue",
                    "ci_lower", "ci_upper", "std_lv", "std_all")

#: Fit indices of the JSON contract, in order.
CONTRACT_FIT = ("npar", "nobs", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower",
                "rmsea_ci_upper", "rmsea_pvalue", "srmr", "gfi", "agfi", "nfi", "aic", "bic",
                "loglik")


@dataclass(frozen=True, eq=False)
class FitResult:
    """The result of :func:`loyaltysem.fit`.

    Attributes
    ----------
    spec : ModelSpec
        The model that was fitted.
    estimates : pandas.DataFrame
        One row per parameter: ``lhs, op, rhs, label, est, se, z, pvalue,
        ci_lower, ci_upper, std_lv, std_all`` (lavaan's
        ``parameterEstimates(fit, standardized = TRUE)``), ``:=`` rows last.
    fit_indices : pandas.Series
        ``npar, nobs, chisq, df, pvalue, baseline_chisq, baseline_df,
        baseline_pvalue, cfi, tli, nfi, gfi, agfi, rmsea, rmsea_ci_lower,
        rmsea_ci_upper, rmsea_pvalue, srmr, loglik, unrestricted_loglik, aic,
        bic, bic2``.
    r2 : pandas.Series
        R² of every endogenous variable (indicators included, as lavaan).
    implied_cov, sample_cov : pandas.DataFrame
        Model-implied and sample (divisor N) covariance of the observed variables.
    latent_cov : pandas.DataFrame
        Model-implied covariance of the latent variables (lavaan ``cov.lv``).
    vcov : pandas.DataFrame
        Covariance matrix of the free parameters (labelled ``lhs op rhs``).
    converged : bool
    iterations : int
    warnings : tuple of str
        Everything the user must know: dropped rows, non-convergence,
        Heywood cases, non-positive-definite matrices.
    estimator : str
    data : pandas.DataFrame
        The rows that were analysed: complete cases, or with ``missing="ml"``
        every row with a value (NaN where missing).
    n_dropped : int
        Rows removed (listwise deletion, or rows without any value).
    theta : ndarray
        The free parameters in the order of ``free`` in the parameter table.
    core : loyaltysem.estimate.ml.CoreModel
        The fit as the estimation core sees it (layout, moments, all free
        parameters including intercepts).
    """

    spec: ModelSpec
    estimates: pd.DataFrame
    fit_indices: pd.Series
    r2: pd.Series
    implied_cov: pd.DataFrame
    sample_cov: pd.DataFrame
    latent_cov: pd.DataFrame
    vcov: pd.DataFrame
    converged: bool
    iterations: int
    warnings: tuple[str, ...]
    estimator: str
    data: pd.DataFrame = field(repr=False)
    n_dropped: int
    theta: np.ndarray = field(repr=False)
    problems: tuple[Any, ...] = field(default=(), repr=False)
    se_type: str = "standard"
    missing: str = "listwise"
    core: Any = field(default=None, repr=False)

    # ------------------------------------------------------------------ views
    @property
    def nobs(self) -> int:
        """Number of observations analysed."""
        return int(self.fit_indices["nobs"])

    @property
    def residual_cov(self) -> pd.DataFrame:
        """Raw residuals: sample minus implied covariance (lavaan ``resid(fit)``)."""
        return self.sample_cov - self.implied_cov

    @cached_property
    def residual_cor(self) -> pd.DataFrame:
        """Correlation residuals: observed minus implied correlations (lavaan ``type = "cor"``)."""
        def as_cor(frame: pd.DataFrame) -> pd.DataFrame:
            sd = np.sqrt(np.diag(frame.to_numpy()))
            return frame / np.outer(sd, sd)
        return as_cor(self.sample_cov) - as_cor(self.implied_cov)

    @cached_property
    def latent_cor(self) -> pd.DataFrame:
        """Model-implied correlations of the latent variables (lavaan ``cor.lv``)."""
        values = self.latent_cov.to_numpy()
        sd = np.sqrt(np.abs(np.diag(values)))
        return pd.DataFrame(values / np.outer(sd, sd), index=self.latent_cov.index,
                            columns=self.latent_cov.columns)

    @property
    def admissible(self) -> bool:
        """True if the fit converged and no admissibility problem was found."""
        return self.converged and not self.problems

    def standardized_solution(self) -> pd.DataFrame:
        """Completely standardized solution with delta-method SEs.

        lavaan's ``standardizedSolution(fit)`` (type ``std.all``): columns
        ``lhs, op, rhs, label, est_std, se, z, pvalue, ci_lower, ci_upper``.
        The standard errors come from the Jacobian of the standardized values
        with respect to the free parameters and :attr:`vcov` (delta method).
        """
        from .solution import standardized_solution

        return standardized_solution(self.spec.parameter_table, self.theta, self.vcov.to_numpy(),
                                     self.core, list(self.spec.roles.latent))

    def parameters(self, op: str | None = None) -> pd.DataFrame:
        """Estimates, optionally only rows with operator ``op`` (``"=~"``, ``"~"``, ...)."""
        if op is None:
            return self.estimates
        return self.estimates[self.estimates["op"] == op].reset_index(drop=True)

    @property
    def loadings(self) -> pd.DataFrame:
        """Rows ``=~``."""
        return self.parameters("=~")

    @property
    def paths(self) -> pd.DataFrame:
        """Rows ``~`` (structural regressions)."""
        return self.parameters("~")

    @property
    def defined(self) -> pd.DataFrame:
        """Rows ``:=`` (defined effects with delta-method SEs)."""
        return self.parameters(":=")

    # ------------------------------------------------------------- output
    def summary(self, digits: int = 3) -> Summary:
        """A readable summary: fit, estimates, R², warnings."""
        fit = self.fit_indices
        overview = {
            "model": self.spec.name,
            "estimator": self.estimator,
            "standard errors": self.se_type,
            "observations": self.nobs,
            "missing data": ("full-information ML" if self.missing == "ml"
                             else "listwise deletion"),
            "rows dropped": self.n_dropped,
            "free parameters": int(fit["npar"]),
            "converged": self.converged,
        }
        fit_block = {
            "chi-square": fit["chisq"], "df": int(fit["df"]), "p-value": fit["pvalue"],
            "baseline chi-square": fit.get("baseline_chisq", np.nan),
            "baseline df": fit.get("baseline_df", np.nan),
            "baseline p-value": fit.get("baseline_pvalue", np.nan),
            "CFI": fit["cfi"], "TLI": fit["tli"], "RMSEA": fit["rmsea"],
            "RMSEA 90% CI lower": fit["rmsea_ci_lower"], "RMSEA 90% CI upper": fit["rmsea_ci_upper"],
            "RMSEA p(RMSEA <= .05)": fit["rmsea_pvalue"],
            "RMSEA p(RMSEA >= .080)": fit.get("rmsea_notclose_pvalue", np.nan),
            "SRMR": fit["srmr"], "GFI": fit["gfi"],
        }
        if "loglik" in fit.index:  # the likelihood family
            fit_block.update({
                "log-likelihood (H0)": fit["loglik"],
                "log-likelihood unrestricted (H1)": fit.get("unrestricted_loglik", np.nan),
                "AIC": fit["aic"], "BIC": fit["bic"],
                "sample-size adjusted BIC": fit.get("bic2", np.nan)})
        else:  # least squares on ordinal statistics
            overview["parameterization"] = "delta"
            overview["missing data"] = "listwise deletion (complete cases)"
            fit_block["WRMR"] = fit.get("wrmr", np.nan)
        correction = {"MLR": "Yuan-Bentler", "MLM": "Satorra-Bentler", "WLSMV": "scaled-shifted",
                      "ULSMV": "scaled-shifted"}.get(self.estimator, "")
        rows = {f"scaled chi-square ({correction})": "chisq_scaled",
                "scaling factor": "scaling_factor", "scaled p-value": "pvalue_scaled",
                "scaling factor (lavaan's chisq.scaling.factor)": "chisq_scaling_factor",
                "shift parameter": "shift_parameter", "scaled TLI": "tli_scaled",
                "scaled RMSEA 90% CI lower": "rmsea_ci_lower_scaled",
                "scaled RMSEA 90% CI upper": "rmsea_ci_upper_scaled",
                "robust CFI": "cfi_robust", "robust TLI": "tli_robust",
                "robust RMSEA": "rmsea_robust",
                "robust RMSEA 90% CI lower": "rmsea_ci_lower_robust",
                "robust RMSEA 90% CI upper": "rmsea_ci_upper_robust",
                "scaled CFI": "cfi_scaled", "scaled RMSEA": "rmsea_scaled"}
        # MLR and MLM; with missing='ml' also ML, whose robust CFI/TLI/RMSEA lavaan reports
        # (the FIML-corrected ones, estimate.fiml_corrected) and shows in its summary
        fit_block.update({label: fit[key] for label, key in rows.items() if key in fit.index})
        shown = _blank_fixed(self.estimates)
        r2 = self.r2.rename("R2").reset_index().rename(columns={"index": "variable"})
        sections: list[tuple[str, Any]] = [("Model", overview), ("Fit", fit_block)]
        for op, heading in (("=~", "Measurement model"), ("~", "Structural paths"),
                            ("|", "Thresholds"),
                            ("~~", "Variances and covariances"), ("~1", "Intercepts and means"),
                            (":=", "Defined effects")):
            rows = shown[shown["op"] == op]
            if len(rows):
                sections.append((heading, rows.reset_index(drop=True)))
        sections.append(("R-squared", r2))
        sections.append(("Warnings", list(self.warnings) or ["none"]))
        return Summary(f"loyaltysem fit: {self.spec.name}", tuple(sections), digits=digits)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``loyaltysem fit --format json`` (see docs)."""
        rows = []
        for row in table_rows(self.estimates):
            rows.append({
                "lhs": row.lhs, "op": row.op, "rhs": row.rhs, "label": row.label,
                **{k: json_value(getattr(row, k)) for k in
                   ("est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all")},
            })
        fit = {name: json_value(self.fit_indices[name]) for name in self.fit_indices.index}
        return {
            "model": self.spec.name,
            "estimator": self.estimator,
            "se": self.se_type,
            "estimates": rows,
            "fit": fit,
            "r2": {k: json_value(v) for k, v in self.r2.items()},
            "converged": bool(self.converged),
            "warnings": list(self.warnings),
            "nobs": self.nobs,
            "n_dropped": int(self.n_dropped),
        }


def _blank_fixed(estimates: pd.DataFrame) -> pd.DataFrame:
    """The estimates as a summary shows them: a fixed parameter (SE 0, no z) has blank SE,
    z, p and interval cells, as lavaan's summary leaves them."""
    shown = estimates.copy()
    fixed = (shown["se"] == 0) & shown["z"].isna()
    shown.loc[fixed, ["se", "z", "pvalue", "ci_lower", "ci_upper"]] = np.nan
    return shown
