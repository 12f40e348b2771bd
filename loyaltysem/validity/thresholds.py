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
from dataclasses import dataclass

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


@dataclass(frozen=True)
class CheckLabel:
    """How the outputs name one check (the JSON keeps the raw key).

    Attributes
    ----------
    criterion : str
        The readable name (``"HTMT upper 95% bound"``).
    cite : str
        The short citation of the threshold (``"Henseler et al., 2015"``).
    met, not_met : str
        What a pass and a fail mean (``"discriminant validity established"``).
    bounded : bool
        The value cannot exceed 1 in absolute value (APA: no leading zero).
    """

    criterion: str
    cite: str
    met: str
    not_met: str
    bounded: bool = True


_DISCRIMINANT = ("discriminant validity established", "discriminant validity not established")
_RELIABLE = ("reliable", "reliability not established")
_METHOD = ("no sign of common-method bias", "possible common-method bias")
#: check key → its readable name, citation and meaning; the one table every output uses
CHECK_LABELS: dict[str, CheckLabel] = {
    "alpha": CheckLabel("Cronbach's α", "Nunnally & Bernstein, 1994", *_RELIABLE),
    "cr": CheckLabel("Composite reliability ρc", "Hair et al., 2019", *_RELIABLE),
    "omega": CheckLabel("McDonald's ω", "Hair et al., 2019", *_RELIABLE),
    "alpha_ordinal": CheckLabel("Ordinal α (polychoric; Zumbo et al., 2007)",
                                "Nunnally & Bernstein, 1994", *_RELIABLE),
    "omega_categorical": CheckLabel("Categorical ω (Green & Yang, 2009)", "Hair et al., 2019",
                                    *_RELIABLE),
    "rho_a": CheckLabel("Dijkstra–Henseler ρA", "Dijkstra & Henseler, 2015", *_RELIABLE),
    "ave": CheckLabel("AVE", "Fornell & Larcker, 1981", "convergent validity established",
                      "convergent validity not established"),
    "loading": CheckLabel("Standardized loading", "Hair et al., 2019",
                          "indicator reliability established", "weak indicator"),
    "item_total": CheckLabel("Corrected item–total correlation", "Nunnally & Bernstein, 1994",
                             "item discriminates", "item discriminates poorly"),
    "htmt": CheckLabel("HTMT", "Henseler et al., 2015", *_DISCRIMINANT),
    "htmt_polychoric": CheckLabel("HTMT (polychoric)", "Henseler et al., 2015", *_DISCRIMINANT),
    "htmt_ci_upper": CheckLabel("HTMT upper 95% bound", "Henseler et al., 2015", *_DISCRIMINANT),
    "fornell_larcker": CheckLabel("Fornell–Larcker: √AVE − largest |r|", "Fornell & Larcker, 1981",
                                  *_DISCRIMINANT),
    "latent_correlation_ci": CheckLabel("Latent correlation, CFA upper CI limit",
                                        "Rönkkö & Cho, 2022", *_DISCRIMINANT),
    "vif": CheckLabel("Structural VIF", "Kock, 2015; Hair et al., 2019",
                      "no collinearity problem", "collinearity problem", bounded=False),
    "full_collinearity_vif": CheckLabel("Full collinearity VIF", "Kock, 2015", *_METHOD,
                                        bounded=False),
    "harman": CheckLabel("Harman's single factor: variance share", "Podsakoff et al., 2003",
                         *_METHOD),
    "method_variance": CheckLabel("Method factor: variance share", "Williams et al., 1989",
                                  *_METHOD),
}
#: the comparison symbols of the thresholds, as the outputs print them
_SYMBOLS = {">=": "≥", "<=": "≤", "<": "<", ">": ">"}
_FAILED = {">=": "<", "<": "≥", "<=": ">", ">": "≤"}


def check_label(check: str) -> CheckLabel:
    """The :class:`CheckLabel` of a check key (an unknown key is named as it is)."""
    return CHECK_LABELS.get(check, CheckLabel(check, "", "met", "not met", bounded=False))


def readable_target(target: str) -> str:
    """A check's target as the tables print it: ``Image–Quality``, ``COMP → comp_1``."""
    return (str(target).replace(" - ", "–").replace(" -> ", " → ").replace(" =~ ", " → "))


def _threshold_parts(threshold: str) -> tuple[str, float]:
    op, _, number = str(threshold).partition(" ")
    return op, float(number)


def readable_threshold(check: str, threshold: str) -> str:
    """``">= 0.7"`` as ``"≥ .70"`` (APA digits; no leading zero when bounded)."""
    from ..apa import apa_number

    try:
        op, number = _threshold_parts(threshold)
    except ValueError:
        return str(threshold)
    if number.is_integer():
        return f"{_SYMBOLS.get(op, op)} {int(number)}"
    digits = 2 if abs(number * 100 - round(number * 100)) < 1e-9 else 3
    return f"{_SYMBOLS.get(op, op)} {apa_number(number, digits, check_label(check).bounded)}"


def readable_verdict(check: str, verdict_text: str, reason: str = "") -> str:
    """``"pass"``/``"warn"``/``"fail"`` as what they mean for this check."""
    label = check_label(check)
    if verdict_text == "pass":
        return label.met
    if verdict_text == "fail":
        return label.not_met
    if verdict_text == "warn":
        return f"marginal: {label.not_met}"
    if verdict_text == "skipped":
        return f"skipped: {reason}" if reason else "skipped"
    return str(verdict_text)


def check_sentence(row: Mapping[str, object]) -> str:
    """One check as a sentence: ``"HTMT upper 95% bound, Image–Quality: 1.006 ≥ 1
    (Henseler et al., 2015): discriminant validity not established"``."""
    from ..apa import apa_number

    check = str(row["check"])
    label = check_label(check)
    value = apa_number(row["value"], 3, label.bounded)  # type: ignore[arg-type]
    verdict_text = str(row["verdict"])
    try:
        op, _ = _threshold_parts(str(row["threshold"]))
        shown = readable_threshold(check, str(row["threshold"]))
        relation = (shown if verdict_text == "pass" else
                    f"{_FAILED.get(op, 'vs')} {shown.partition(' ')[2]}")
    except ValueError:
        relation = str(row["threshold"])
    cite = f" ({label.cite})" if label.cite else ""
    reason = str(row.get("source", "")) if verdict_text == "skipped" else ""
    return (f"{label.criterion}, {readable_target(str(row['target']))}: {value} {relation}{cite}: "
            f"{readable_verdict(check, verdict_text, reason)}")


def readable_checks(checks: pd.DataFrame, verdicts: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The checks rows of a :class:`~loyaltysem.validity.ValidityReport` as a readable table.

    Parameters
    ----------
    checks : pandas.DataFrame
        Rows of ``check, target, value, threshold, verdict, source``.
    verdicts : tuple of str, optional
        Keep only rows with these raw verdicts (e.g. ``("fail", "warn")``).

    Returns
    -------
    pandas.DataFrame
        ``Criterion, Target, Value, Threshold, Verdict, Source`` as text, grouped
        per criterion in the order of :data:`CHECK_LABELS` (the criterion is
        named on the first row of its group only); values to three decimals in
        APA style.
    """
    from ..apa import apa_number

    rows = checks if verdicts is None else checks[checks["verdict"].isin(verdicts)]
    order = {key: i for i, key in enumerate(CHECK_LABELS)}
    rows = rows.assign(_order=rows["check"].map(lambda c: order.get(c, len(order))))
    rows = rows.sort_values("_order", kind="stable")
    out, previous = [], None
    for row in rows.to_dict(orient="records"):
        check = str(row["check"])
        label = check_label(check)
        skipped = row["verdict"] == "skipped"
        out.append({
            "Criterion": label.criterion if check != previous else "",
            "Target": readable_target(str(row["target"])),
            "Value": apa_number(row["value"], 3, label.bounded),
            "Threshold": readable_threshold(check, str(row["threshold"])),
            "Verdict": readable_verdict(check, str(row["verdict"]),
                                        str(row["source"]) if skipped else ""),
            "Source": label.cite if not skipped else "",
        })
        previous = check
    return pd.DataFrame(out, columns=["Criterion", "Target", "Value", "Threshold", "Verdict",
                                      "Source"])
