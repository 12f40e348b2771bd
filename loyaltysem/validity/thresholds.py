"""Cited thresholds for measurement-quality verdicts (user-overridable).

``DEFAULT_THRESHOLDS`` is a DataFrame indexed by check name with columns
``pass`` (the value a check must reach), ``warn`` (a softer bound: between
``warn`` and ``pass`` the verdict is "warn"; NaN for none), ``direction``
(``">="``: larger is better; ``"<"``: smaller is better) and ``source``.
Pass ``thresholds={"alpha": 0.80}`` (or a full DataFrame) to override.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from ..arguments import check_finite_number, fail
from ..exceptions import ArgumentError

_ROWS = [
    ("alpha", 0.70, math.nan, ">=", "Nunnally & Bernstein (1994), Psychometric Theory, 3rd ed."),
    ("cr", 0.70, math.nan, ">=", "Hair, Risher, Sarstedt & Ringle (2019), Eur. Bus. Rev. 31(1)"),
    ("omega", 0.70, math.nan, ">=", "Hair, Risher, Sarstedt & Ringle (2019), Eur. Bus. Rev. 31(1)"),
    ("rho_a", 0.70, math.nan, ">=",
     "Dijkstra & Henseler (2015), MIS Q. 39(2); Hair, Risher, Sarstedt & Ringle (2019)"),
    ("ave", 0.50, math.nan, ">=", "Fornell & Larcker (1981), J. Mark. Res. 18(1)"),
    ("loading", 0.708, 0.40, ">=", "Hair, Risher, Sarstedt & Ringle (2019); .40-.708: consider removal"),
    ("item_total", 0.30, math.nan, ">=", "Nunnally & Bernstein (1994): corrected item-total r >= .30"),
    ("htmt", 0.85, 0.90, "<", "Henseler, Ringle & Sarstedt (2015), JAMS 43(1): .85 strict, .90 liberal"),
    ("htmt_ci_upper", 1.0, math.nan, "<", "Henseler, Ringle & Sarstedt (2015): HTMT_inference, CI below 1"),
    ("fornell_larcker", 0.0, math.nan, ">=",
     "Fornell & Larcker (1981): sqrt(AVE) minus the largest |latent correlation| must be positive"),
    ("latent_correlation_ci", 0.80, 0.90, "<",
     "Ronkko & Cho (2022), Org. Res. Methods 25(1): upper CI limit < .80 none, < .90 marginal"),
    ("vif", 3.3, 5.0, "<", "Kock (2015) 3.3; Hair, Risher, Sarstedt & Ringle (2019) 5"),
    ("full_collinearity_vif", 3.3, math.nan, "<", "Kock (2015), Int. J. e-Collaboration 11(4)"),
    ("harman", 0.50, math.nan, "<", "Podsakoff, MacKenzie, Lee & Podsakoff (2003), J. Appl. Psychol. 88(5)"),
    ("method_variance", 0.25, 1.0, "<",
     "Williams, Cote & Buckley (1989), J. Appl. Psychol. 74(3): ~25% typical method variance; "
     "above it a warning only, the method factor also absorbs substantive covariance "
     "(Richardson, Simmering & Sturman 2009, Org. Res. Methods 12(4))"),
]

DEFAULT_THRESHOLDS = pd.DataFrame(
    _ROWS, columns=["check", "pass", "warn", "direction", "source"]).set_index("check")


def resolve_thresholds(overrides: Mapping[str, float] | pd.DataFrame | None) -> pd.DataFrame:
    """The default table with the user's overrides applied.

    Raises
    ------
    ArgumentError
        For an unknown check name or a value that is not a finite number.
    """
    table = DEFAULT_THRESHOLDS.copy()
    if overrides is None:
        return table
    if isinstance(overrides, pd.DataFrame):
        missing = [c for c in table.index if c not in overrides.index]
        columns = [c for c in ("pass", "warn", "direction", "source") if c not in overrides.columns]
        if missing or columns:
            raise ArgumentError("thresholds must be a mapping {check: value} or a DataFrame "
                                "like DEFAULT_THRESHOLDS; got a DataFrame without "
                                + ", ".join(missing or columns))
        return overrides
    if not isinstance(overrides, Mapping):
        raise fail("thresholds", "None, a mapping {check: value} or a DataFrame", overrides)
    for check, value in overrides.items():
        if check not in table.index:
            import difflib

            close = difflib.get_close_matches(str(check), list(table.index), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ArgumentError(f"thresholds must name checks among {', '.join(table.index)}; "
                                f"got {check!r}{hint}")
        table.at[check, "pass"] = check_finite_number(f"thresholds[{check!r}]", value)
        table.at[check, "source"] = "user override"
    return table


def verdict(value: float, row: pd.Series) -> str:
    """``"pass"``, ``"warn"`` or ``"fail"`` of a value against one threshold row."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "skipped"
    larger_is_better = row["direction"] == ">="
    passes = value >= row["pass"] if larger_is_better else value < row["pass"]
    if passes:
        return "pass"
    warn = row["warn"]
    if not math.isnan(warn):
        within = value >= warn if larger_is_better else value < warn
        if within:
            return "warn"
    return "fail"
