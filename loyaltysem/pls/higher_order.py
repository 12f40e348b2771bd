"""Higher-order constructs in PLS-SEM: the repeated-indicators and the two-stage approach.

A higher-order construct (HOC) is written as in lavaan, measured by
lower-order constructs (LOCs): ``REP =~ COMP + LIKE`` (reflective HOC) or
``REP <~ COMP + LIKE`` (formative HOC). PLS-SEM cannot use constructs as
items, so the spec is rewritten:

- **repeated indicators** (Wold; Lohmöller 1989): the HOC is measured by all
  the items of its LOCs, and the LOCs are linked to it in the inner model —
  HOC → LOC for a reflective HOC (Mode A), LOC → HOC for a formative one
  (Mode B, as Becker, Klein & Wetzels 2012 recommend);
- **two-stage** (embedded; Ringle, Sarstedt & Straub 2012; Sarstedt et al.
  2019): the repeated-indicators model gives the LOCs' scores, and a second
  model measures the HOC by those scores (columns ``<LOC>_score``), without
  the LOCs.

References
----------
Becker, J.-M., Klein, K., & Wetzels, M. (2012). Hierarchical latent variable
models in PLS-SEM. Long Range Planning, 45(5-6), 359-394.
Sarstedt, M., Hair, J. F., Cheah, J.-H., Becker, J.-M., & Ringle, C. M. (2019).
How to specify, estimate, and validate higher-order constructs in PLS-SEM.
Australasian Marketing Journal, 27(3), 197-211.
"""
from __future__ import annotations

from typing import Literal

import pandas as pd

from ..exceptions import SpecificationError
from ..spec import ModelSpec, Statement
from .moderation import derived_name

HigherOrder = Literal["repeated", "two_stage"]


def higher_order_constructs(spec: ModelSpec) -> dict[str, tuple[str, ...]]:
    """HOC → its lower-order constructs (constructs measured by constructs)."""
    constructs = spec.constructs
    found = {}
    for name, construct in constructs.items():
        inner = [item for item in construct.items if item in constructs]
        if not inner:
            continue
        if len(inner) != len(construct.items):
            raise SpecificationError(
                f"construct {name!r} is measured by constructs ({', '.join(inner)}) and by "
                "items; a higher-order construct is measured by constructs only",
                source=spec.source)
        if any(lower in found for lower in inner) or any(
                any(i in constructs for i in constructs[lower].items) for lower in inner):
            raise SpecificationError(f"construct {name!r}: loyaltysem's PLS-SEM estimates "
                                     "second-order constructs, not third-order ones",
                                     source=spec.source)
        found[name] = tuple(inner)
    return found


def repeated_indicators(spec: ModelSpec) -> ModelSpec:
    """The spec with every HOC measured by its LOCs' items and linked to them by paths."""
    hocs = higher_order_constructs(spec)
    if not hocs:
        return spec
    constructs = spec.constructs
    statements: list[Statement] = []
    for statement in spec.statements:
        if statement.op == "=~" and statement.lhs in hocs:
            statements += [Statement(statement.lhs, "=~", item)
                           for item in constructs[statement.rhs].items]
            if statement.lhs in spec.composites:
                statements.append(Statement(statement.lhs, "~", statement.rhs))
            else:
                statements.append(Statement(statement.rhs, "~", statement.lhs))
        else:
            statements.append(statement)
    return ModelSpec(tuple(statements), name=spec.name, description=spec.description,
                     hypotheses=spec.hypotheses, construct_descriptions=spec.construct_descriptions,
                     source=spec.source, composites=spec.composites)


def two_stage(spec: ModelSpec, scores: pd.DataFrame) -> tuple[ModelSpec, pd.DataFrame]:
    """The second stage: each HOC measured by its LOCs' first-stage scores, the LOCs gone.

    Returns the stage-two spec and the data columns it needs (``<LOC>_score``).
    """
    hocs = higher_order_constructs(spec)
    lower = {loc for locs in hocs.values() for loc in locs}
    items = set(spec.observed_variables)
    names = {loc: derived_name(f"{loc}_score", items, "lower-order score", spec.source)
             for loc in lower}
    statements: list[Statement] = []
    for statement in spec.statements:
        if statement.op == "=~" and statement.lhs in hocs:
            statements.append(Statement(statement.lhs, "=~", names[statement.rhs]))
        elif statement.lhs in lower or statement.rhs in lower:
            if statement.op == "~":
                raise SpecificationError(
                    f"the path {statement.rhs} -> {statement.lhs} involves a lower-order "
                    "construct, which the two-stage approach removes in its second stage; "
                    "use higher_order='repeated'", source=spec.source)
            continue
        else:
            statements.append(statement)
    hypotheses = tuple(h for h in spec.hypotheses if not set(h.chain) & lower)
    stage_two = ModelSpec(tuple(statements), name=spec.name, description=spec.description,
                          hypotheses=hypotheses, source=spec.source,
                          composites=spec.composites - lower)
    columns = pd.DataFrame({names[loc]: scores[loc] for loc in sorted(lower)})
    return stage_two, columns
