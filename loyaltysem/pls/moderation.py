"""Moderation in PLS-SEM: interactions of two constructs, two-stage or product indicators.

An interaction is written as in lavaan, ``CUSL ~ CUSA + SC + CUSA:SC``, with
both factors constructs. Stage 1 estimates the main-effects model (the spec
without its interaction terms); stage 2 adds each interaction term as a
single-item construct (named ``CUSA_x_SC``) whose item is the product of the
two constructs' stage-1 scores, and estimates the whole model again (Chin,
Marcolin & Newsted 2003; Henseler & Chin 2010; Fassott, Henseler & Coelho
2016, who recommend the two-stage approach; SmartPLS's default).

The product-indicator approach (Chin, Marcolin & Newsted 2003) measures the
interaction term by every product of a standardized item of one construct with a
standardized item of the other (named ``cusa_x_switch_1``), in one estimation. The
orthogonalizing approach (Little, Bovaird & Widaman 2006; Henseler & Chin 2010) takes
each product's residual from its regression on all the items of the two constructs
(``moderation="orthogonal"``, SmartPLS's "orthogonalizing" and seminr's ``orthogonal``).

References
----------
Chin, W. W., Marcolin, B. L., & Newsted, P. R. (2003). A partial least squares latent
variable modeling approach for measuring interaction effects. Information Systems
Research, 14(2), 189-217.
Little, T. D., Bovaird, J. A., & Widaman, K. F. (2006). On the merits of orthogonalizing
powered and product terms. Structural Equation Modeling, 13(4), 497-519.
Henseler, J., & Chin, W. W. (2010). A comparison of approaches for the analysis of
interaction effects between latent variables using partial least squares path
modeling. Structural Equation Modeling, 17(1), 82-109.
Fassott, G., Henseler, J., & Coelho, P. S. (2016). Testing moderating effects in
PLS path models with composite variables. Industrial Management & Data Systems,
116(9), 1887-1900.
"""
from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
import pandas as pd

from ..exceptions import SpecificationError
from ..spec import ModelSpec, Statement
from ..spec.names import is_valid_name

Moderation = Literal["two_stage", "product_indicator", "orthogonal"]
MODERATIONS: tuple[str, ...] = ("two_stage", "product_indicator", "orthogonal")


def derived_name(name: str, taken: "set[str] | pd.Index", what: str,
                 source: str | None) -> str:
    """A column a second stage makes (``CUSA_x_SC_item``, ``COMP_score``), refused with what
    to do when it breaks the naming rule (too long) or is a column already."""
    if not is_valid_name(name) or name in taken:
        raise SpecificationError(
            f"the {what} column {name!r} is not a usable name (too long, or a column of the "
            "data already); shorten the construct or item names", source=source)
    return name


def main_effects(spec: ModelSpec) -> ModelSpec:
    """The spec without its interactions of constructs (stage 1)."""
    products = spec.latent_interactions
    statements = tuple(s for s in spec.statements
                       if not (s.op == "~" and s.rhs in products))
    hypotheses = tuple(h for h in spec.hypotheses if not set(h.chain) & set(products))
    return ModelSpec(statements, name=spec.name, description=spec.description,
                     hypotheses=hypotheses, construct_descriptions=spec.construct_descriptions,
                     source=spec.source, composites=spec.composites)


def with_interaction_terms(spec: ModelSpec, scores: pd.DataFrame
                           ) -> tuple[ModelSpec, pd.DataFrame]:
    """Stage 2: each interaction a single-item construct measured by the product of the
    stage-1 scores (column ``<name>_item``); returns the spec and those columns."""
    products = spec.latent_interactions
    statements = [dataclasses.replace(s, product=None) if s.op == "~" and s.rhs in products
                  else s for s in spec.statements]
    items = {name: derived_name(f"{name}_item", scores.columns, "interaction", spec.source)
             for name in products}
    statements += [Statement(name, "=~", items[name]) for name in products]
    stage_two = ModelSpec(tuple(statements), name=spec.name, description=spec.description,
                          hypotheses=spec.hypotheses,
                          construct_descriptions=spec.construct_descriptions,
                          source=spec.source, composites=spec.composites)
    columns = pd.DataFrame({items[name]: (scores[a] * scores[b]).to_numpy()
                            for name, (a, b) in products.items()})
    return stage_two, columns


def with_product_indicators(spec: ModelSpec, items: pd.DataFrame, orthogonal: bool = False
                            ) -> tuple[ModelSpec, pd.DataFrame]:
    """Each interaction a construct measured by the products of the two constructs'
    standardized items (``items``: standardized, one column per item); returns the spec
    and the product columns (``<item>_x_<item>``).

    ``orthogonal``: each product replaced by its residual from the OLS regression (with
    intercept) on all items of the two constructs (Little, Bovaird & Widaman 2006;
    Henseler & Chin 2010), so the interaction is uncorrelated with the main effects."""
    constructs = spec.constructs
    products = spec.latent_interactions
    statements = [dataclasses.replace(s, product=None) if s.op == "~" and s.rhs in products
                  else s for s in spec.statements]
    columns: dict[str, object] = {}
    for name, (a, b) in products.items():
        for first in constructs[a].items:
            for second in constructs[b].items:
                column = derived_name(f"{first}_x_{second}", items.columns,
                                      f"product indicator of {a}:{b}", spec.source)
                product = (items[first] * items[second]).to_numpy()
                if orthogonal:
                    product = _residual(product, items[[*constructs[a].items,
                                                        *constructs[b].items]].to_numpy())
                columns[column] = product
                statements.append(Statement(name, "=~", column))
    stage = ModelSpec(tuple(statements), name=spec.name, description=spec.description,
                      hypotheses=spec.hypotheses,
                      construct_descriptions=spec.construct_descriptions, source=spec.source,
                      composites=spec.composites)
    return stage, pd.DataFrame(columns)


def _residual(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``y`` less its OLS fit on ``x`` with an intercept."""
    design = np.column_stack([np.ones(len(y)), x])
    return y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
