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

__all__ = ["CONSTRAINT_OPERATORS", "GroupModifier", "OPERATORS", "Statement", "format_number",
           "is_valid_name", "product_name"]

Operator = Literal["=~", "<~", "~", "~~", "~1", ":=", "==", "<", ">"]

#: Operators loyaltysem fits (``~1``: intercepts and means, ``rhs`` empty; ``==``, ``<``,
#: ``>``: constraints between expressions over labels; ``<~``: a composite's items, read
#: by :class:`~loyaltysem.spec.ModelSpec` as a Mode B construct). Others of lavaan's are
#: rejected.
OPERATORS: tuple[str, ...] = ("=~", "<~", "~", "~~", "~1", ":=", "==", "<", ">")
#: Constraint operators: ``lhs`` and ``rhs`` hold expressions, not variables.
CONSTRAINT_OPERATORS: tuple[str, ...] = ("==", "<", ">")


@dataclass(frozen=True)
class GroupModifier:
    """The modifier of one group in lavaan's ``c(...)*`` (``c(a, b)*x``, ``c(1, NA)*x``).

    Attributes
    ----------
    label : str, optional
        The group's label (the same label in two groups makes the parameters equal).
    fixed : float, optional
        The group's fixed value.
    free_explicit : bool
        ``NA`` in that group's position: freed (also a marker loading).
    """

    label: str | None = None
    fixed: float | None = None
    free_explicit: bool = False

    def to_lavaan(self) -> str:
        """The element as written inside ``c(...)``."""
        if self.fixed is not None:
            return format_number(self.fixed)
        return self.label if self.label is not None else "NA"


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
    groups : tuple of GroupModifier
        lavaan's per-group modifiers (``c(a, b)*x``): one per group, empty when
        the statement has none; ``label``/``fixed``/``free_explicit`` then hold
        the first group's (what a single-group table uses).
    product : tuple of str, optional
        For an interaction term ``y ~ x1:x2``: the two factors; ``rhs`` is then
        the product's internal name (:func:`product_name`).
    """

    lhs: str
    op: str
    rhs: str
    label: str | None = None
    fixed: float | None = None
    free_explicit: bool = False
    line: int | None = None
    groups: tuple[GroupModifier, ...] = ()
    product: tuple[str, str] | None = None

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
        if self.op in CONSTRAINT_OPERATORS:
            return f"{self.lhs} {self.op} {self.rhs}"
        modifiers = []
        if self.groups:
            both = any(g.label is not None and g.fixed is not None for g in self.groups)
            if both:  # c(1, NA)*c(a, b)*x: values, then labels
                modifiers.append("c(" + ", ".join(format_number(g.fixed) if g.fixed is not None
                                                  else "NA" for g in self.groups) + ")")
                modifiers.append("c(" + ", ".join(g.label or "NA" for g in self.groups) + ")")
            else:
                modifiers.append("c(" + ", ".join(g.to_lavaan() for g in self.groups) + ")")
        elif self.fixed is not None:
            modifiers.append(format_number(self.fixed))
        elif self.free_explicit:
            modifiers.append("NA")
        if self.label is not None and not self.groups:
            modifiers.append(self.label)
        prefix = "".join(f"{modifier}*" for modifier in modifiers)
        if self.op == "~1":
            return f"{self.lhs} ~ {prefix}1"
        rhs = ":".join(self.product) if self.product else self.rhs
        return f"{self.lhs} {self.op} {prefix}{rhs}"


def product_name(first: str, second: str) -> str:
    """The internal name of the product column of an interaction ``first:second``.

    lavaan names the column ``first:second``, which is not a loyaltysem name (and
    never reaches semopy); loyaltysem calls it ``first_x_second`` inside the model
    and shows lavaan's name in its output (``FitResult.estimates``).
    """
    return f"{first}_x_{second}"


def format_number(value: float) -> str:
    """Format a fixed value compactly and losslessly (``1``, ``0.5``, ``-1e-05``)."""
    if math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return repr(float(value))
