"""What the estimation core does with lavaan's constraints and per-group modifiers.

The parameter table (:mod:`loyaltysem.spec.partable`) absorbs the constraints
that are a reparameterisation by free numbers: shared labels, ``a == b``
between two labels (one free parameter, which gives lavaan's estimates, SEs,
``npar`` and ``df``) and ``a == 0.5`` (fixed). What it does not absorb —
nonlinear equalities (``p2*p3 == 0.5``, ``a == b^2``), linear ones with
coefficients (``a == 2*b``) and inequalities (``a < 0.5``) — is refused here,
before any work, with what to do instead.

References
----------
lavaan 0.6: ``R/lav_partable_constraints.R``, ``R/lav_model_vcov.R``
(constrained information).
"""
from __future__ import annotations

from ..exceptions import SpecificationError
from ..spec import ModelSpec


def check_supported(spec: ModelSpec, estimator: str = "ML", *, n_groups: int = 1,
                    fiml: bool = False) -> None:
    """Refuse what the core cannot fit yet, naming the statement and the way out.

    Parameters
    ----------
    spec : ModelSpec
    estimator : str
    n_groups : int
        1 for :func:`loyaltysem.fit`; the number of groups for
        :func:`loyaltysem.groups.fit_groups`.
    fiml : bool
        Whether the single-group fit is full-information ML (a mean structure anyway).

    Raises
    ------
    SpecificationError
    """
    for statement in spec.constraints:
        text = statement.to_lavaan()
        kind = ("an inequality constraint" if statement.op in ("<", ">") else
                "an equality constraint that is not between two labels or a label and a "
                "number")
        raise SpecificationError(
            f"{text} is {kind}, which loyaltysem does not fit yet; write equalities between "
            "labels (a == b, or the same label twice: a*x1 + a*x2) or fix the parameter "
            "(0.5*x2)", source=spec.source, line=statement.line)
    if n_groups == 1 and spec.n_groups_written > 1:
        statement = next(s for s in spec.statements if len(s.groups) > 1)
        raise SpecificationError(
            f"{statement.to_lavaan()} gives {len(statement.groups)} groups' modifiers, but this "
            "is a single-group fit; fit the groups with loyaltysem.groups.fit_groups(spec, "
            "data, group=...), or write one modifier", source=spec.source, line=statement.line)
    means = bool((spec.parameter_table["op"] == "~1").any())
    if n_groups == 1 and means and not fiml and estimator != "ML":
        raise SpecificationError(
            f"estimator {estimator!r} with a mean structure (~1 rows or meanstructure=True) on "
            "complete data is not available yet; use estimator 'ML', or drop the intercepts "
            "(with free intercepts only, the covariance-structure fit is the same)",
            source=spec.source)


__all__ = ["check_supported"]
