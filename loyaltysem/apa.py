"""Numbers as APA 7 writes them: one implementation for every table and sentence.

* :func:`apa_number`: fixed digits; no leading zero for a statistic that cannot
  exceed 1 in absolute value (p, standardized β, loadings, α, ρc, ω, AVE, R²,
  CFI, TLI, RMSEA, SRMR, correlations, HTMT); a leading zero for unbounded ones
  (B, SE, z, χ², VIF).
* :func:`apa_p`: the exact p to three decimals, ``< .001`` below.
* :func:`apa_interval`: ``[lower, upper]`` in the same style.

References
----------
American Psychological Association (2020). Publication manual of the American
Psychological Association (7th ed.), sections 6.36 (leading zeros) and 6.44
(statistics).

Examples
--------
>>> apa_number(0.456, bounded=True), apa_number(-0.016, 3, bounded=True), apa_number(1.456)
('.46', '-.016', '1.46')
>>> apa_p(0.0004), apa_p(0.0312)
('< .001', '.031')
"""
from __future__ import annotations

import math

__all__ = ["MISSING", "apa_interval", "apa_number", "apa_p"]

#: what a table shows where a value is undefined (a fixed parameter's SE, a single-item AVE)
MISSING = "—"


def _undefined(value: object) -> bool:
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def apa_number(value: float | None, digits: int = 2, bounded: bool = False) -> str:
    """``value`` to ``digits`` decimals; without the leading zero when ``bounded``.

    Parameters
    ----------
    value : float or None
        NaN, infinity and None give :data:`MISSING`.
    digits : int
    bounded : bool
        The statistic cannot exceed 1 in absolute value (APA: no leading zero).
        A value of 1 or more (a Heywood loading, an HTMT above 1) keeps its digit.
    """
    if _undefined(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    text = f"{number:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # no "-0.00"
    if bounded and abs(float(text)) < 1:
        text = text.replace("0.", ".", 1)
    return text


def apa_p(p: float | None) -> str:
    """``< .001`` or the exact p to three decimals without the leading zero."""
    if _undefined(p):
        return MISSING
    return "< .001" if float(p) < 0.001 else apa_number(p, 3, bounded=True)  # type: ignore[arg-type]


def apa_interval(lower: float | None, upper: float | None, digits: int = 2,
                 bounded: bool = False) -> str:
    """``[lower, upper]`` by :func:`apa_number`; :data:`MISSING` when either is undefined."""
    if _undefined(lower) or _undefined(upper):
        return MISSING
    return f"[{apa_number(lower, digits, bounded)}, {apa_number(upper, digits, bounded)}]"
