"""Common-method bias: Harman's single-factor test and an unmeasured method factor.

References
----------
Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003).
Common method biases in behavioral research. Journal of Applied Psychology,
88(5), 879-903 (Harman's test; the unmeasured latent method factor).
Williams, L. J., Cote, J. A., & Buckley, M. R. (1989). Lack of method variance
in self-reported affect and perceptions at work: Reality or artifact?
Journal of Applied Psychology, 74(3), 462-468 (method variance ~25% of item
variance on average in self-reports).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..distributions import chi2_sf


def harman_single_factor(items: pd.DataFrame) -> float:
    """Share of the total item variance captured by the first unrotated component.

    The largest eigenvalue of the item correlation matrix divided by the
    number of items (the unrotated principal-component solution of Harman's
    test, Podsakoff et al. 2003). A share above 50% suggests a single
    dominant (method) factor.
    """
    return first_component_share(np.corrcoef(items.to_numpy(dtype=float), rowvar=False))


def first_component_share(correlations: np.ndarray) -> float:
    """The largest eigenvalue of a correlation matrix over its order: the share of the
    first unrotated principal component (Harman's test; for ordinal items on the
    polychoric correlations)."""
    correlations = np.asarray(correlations, dtype=float)
    return float(np.linalg.eigvalsh(correlations)[-1] / correlations.shape[0])


@dataclass(frozen=True)
class MethodFactorResult:
    """The substantive CFA against the same CFA plus an unmeasured method factor.

    Attributes
    ----------
    chisq_difference, df_difference, pvalue : float
        Likelihood-ratio test of the method factor.
    method_variance_share : float
        Mean over items of the squared standardized method loading.
    loadings : pandas.DataFrame
        Per item: ``construct``, ``std_loading`` (without the method factor),
        ``std_loading_with_method``, ``change``, ``method_loading``.
    converged, admissible : bool
        Of the model with the method factor.
    warnings : tuple of str
    """

    chisq_difference: float
    df_difference: int
    pvalue: float
    method_variance_share: float
    loadings: pd.DataFrame
    converged: bool
    admissible: bool
    warnings: tuple[str, ...]


def method_factor_statements(constructs: dict[str, tuple[str, ...]], name: str = "METHOD") -> str:
    """lavaan syntax of the method factor: on every item, unit variance, orthogonal."""
    items = list(dict.fromkeys(i for block in constructs.values() for i in block))
    lines = [f"{name} =~ " + " + ".join(f"NA*{item}" for item in items), f"{name} ~~ 1*{name}"]
    lines += [f"{name} ~~ 0*{construct}" for construct in constructs]
    return "\n".join(lines)


def compare_method_factor(substantive, with_method) -> MethodFactorResult:
    """Compare two fitted CFAs (FitResults): without and with the method factor."""
    chisq = float(substantive.fit_indices["chisq"] - with_method.fit_indices["chisq"])
    df = int(substantive.fit_indices["df"] - with_method.fit_indices["df"])
    pvalue = float(chi2_sf(chisq, df)) if df > 0 else float("nan")
    base = substantive.loadings.set_index(["lhs", "rhs"])["std_all"]
    extended = with_method.loadings.set_index(["lhs", "rhs"])["std_all"]
    method = with_method.loadings[with_method.loadings["lhs"] == "METHOD"].set_index("rhs")["std_all"]
    rows = []
    for (construct, item), value in base.items():
        after = extended.get((construct, item), np.nan)
        rows.append({"construct": construct, "item": item, "std_loading": value,
                     "std_loading_with_method": after, "change": after - value,
                     "method_loading": method.get(item, np.nan)})
    loadings = pd.DataFrame(rows)
    share = float(np.nanmean(loadings["method_loading"] ** 2))
    return MethodFactorResult(chisq, df, pvalue, share, loadings, with_method.converged,
                              with_method.admissible, with_method.warnings)
