"""The atoms of a model: one lavaan-style statement per parameter.

Both spec formats (YAML and lavaan syntax) compile to a tuple of
:class:`Statement`; everything downstream (the parameter table, the semopy
model, the lavaan rendering) is built from that tuple.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from .names import is_valid_name

__all__ = ["OPERATORS", "Statement", "format_number", "is_valid_name"]

Operator = Literal["=~", "~", "~~", ":="]

#: Operators loyaltysem fits. Others of lavaan's are rejected with a reason.
OPERATORS: tuple[str, ...] = ("=~", "~", "~~", ":=")


@dataclass(frozen=True)
class Statement:
    """One parameter as a user specified it.

    Parameters
    ----------
    lhs, op, rhs : str
        lavaan notation: ``f =~ x`` (loading), ``y ~ x`` (regression),
        ``a ~~ b`` (variance/covariance), ``name := expr`` (defined parameter;
        ``rhs`` holds the expression).
    label : str, optional
        A name for the parameter. Parameters that share a label are
        constrained to be equal (as in lavaan).
    fixed : float, optional
        The value the parameter is fixed at (``0*x``, ``1*x``).
    free_explicit : bool
        True when the user freed the parameter explicitly (``NA*x``): it then
        escapes lavaan's automatic marker fixing.
    line : int, optional
        1-based line in the source file, for error messages.
    """

    lhs: str
    op: str
    rhs: str
    label: str | None = None
    fixed: float | None = None
    free_explicit: bool = False
    line: int | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """``(lhs, op, rhs)`` with covariances in a canonical order."""
        if self.op == "~~" and self.rhs < self.lhs:
            return (self.rhs, self.op, self.lhs)
        return (self.lhs, self.op, self.rhs)

    def to_lavaan(self) -> str:
        """Render as one line of lavaan syntax."""
        if self.op == ":=":
            return f"{self.lhs} := {self.rhs}"
        modifiers = []
        if self.fixed is not None:
            modifiers.append(format_number(self.fixed))
        elif self.free_explicit:
            modifiers.append("NA")
        if self.label is not None:
            modifiers.append(self.label)
        prefix = "".join(f"{modifier}*" for modifier in modifiers)
        return f"{self.lhs} {self.op} {prefix}{self.rhs}"


def format_number(value: float) -> str:
    """Format a fixed value compactly and losslessly (``1``, ``0.5``, ``-1e-05``)."""
    if math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return repr(float(value))
