"""Direct, specific indirect and total effects as functions of the parameters.

An effect of X on Y is a sum over the directed paths from X to Y of the
product of the regression coefficients along each path (Bollen, 1987;
Preacher & Hayes, 2008). Paths are enumerated from the structural model
(``~`` statements), so the user writes no ``:=``.

References
----------
Bollen, K. A. (1987). Total, direct, and indirect effects in structural
equation models. Sociological Methodology, 17, 37-69.
Preacher, K. J., & Hayes, A. F. (2008). Asymptotic and resampling strategies
for assessing and comparing indirect effects in multiple mediator models.
Behavior Research Methods, 40(3), 879-891.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..frame_rows import table_rows


@dataclass(frozen=True)
class Effect:
    """One effect of ``source`` on ``target``.

    ``kind`` is ``"direct"``, ``"indirect"`` (one specific path through
    mediators), ``"total_indirect"`` or ``"total"``; ``paths`` are the chains
    summed (each a tuple of variables from source to target).
    """

    source: str
    target: str
    kind: str
    paths: tuple[tuple[str, ...], ...]

    @property
    def label(self) -> str:
        """Readable name, e.g. ``SAT -> TRU -> VAL -> LOY`` or ``total SAT -> LOY``."""
        if self.kind in ("direct", "indirect"):
            return " -> ".join(self.paths[0])
        prefix = "total indirect" if self.kind == "total_indirect" else "total"
        return f"{prefix} {self.source} -> {self.target}"


def all_paths(edges: Sequence[tuple[str, str]], source: str, target: str) -> list[tuple[str, ...]]:
    """Every directed path from ``source`` to ``target`` (the structural model is acyclic)."""
    children: dict[str, list[str]] = {}
    for a, b in edges:
        children.setdefault(a, []).append(b)
    found: list[tuple[str, ...]] = []

    def walk(node: str, trail: tuple[str, ...]) -> None:
        for child in children.get(node, []):
            if child in trail:
                continue  # feedback loops are not followed
            if child == target:
                found.append(trail + (child,))
            else:
                walk(child, trail + (child,))

    walk(source, (source,))
    return sorted(found, key=lambda p: (len(p), p))


def enumerate_effects(edges: Sequence[tuple[str, str]]) -> list[Effect]:
    """Direct, specific indirect, total indirect and total effects between all pairs.

    Only pairs joined by at least one indirect path get indirect and total
    rows; every edge gets a direct row.
    """
    nodes = list(dict.fromkeys(n for edge in edges for n in edge))
    effects: list[Effect] = []
    for source in nodes:
        for target in nodes:
            if source == target:
                continue
            paths = all_paths(edges, source, target)
            if not paths:
                continue
            direct = [p for p in paths if len(p) == 2]
            indirect = [p for p in paths if len(p) > 2]
            effects += [Effect(source, target, "direct", (p,)) for p in direct]
            effects += [Effect(source, target, "indirect", (p,)) for p in indirect]
            if indirect:
                effects.append(Effect(source, target, "total_indirect", tuple(indirect)))
                effects.append(Effect(source, target, "total", tuple(paths)))
    return effects


def effect_values(effects: Sequence[Effect], coefficients: dict[tuple[str, str], np.ndarray]
                  ) -> np.ndarray:
    """Values of the effects given path coefficients (arrays broadcast: draws work).

    Parameters
    ----------
    coefficients : dict
        ``(source, target) -> coefficient`` (scalar or array of draws).

    Returns
    -------
    ndarray
        Shape ``(n_effects,)`` or ``(n_effects, n_draws)``.
    """
    out = []
    for effect in effects:
        total: float | np.ndarray = 0.0
        for path in effect.paths:
            product: float | np.ndarray = 1.0
            for a, b in zip(path, path[1:]):
                product = product * coefficients[(a, b)]
            total = total + product
        out.append(total)
    return np.array(out)


def regression_coefficients(table: pd.DataFrame, values: np.ndarray
                            ) -> dict[tuple[str, str], np.ndarray]:
    """``(predictor, outcome) -> value`` for the ``~`` rows of a parameter table."""
    return {(row.rhs, row.lhs): values[i] for i, row in enumerate(table_rows(table))
            if row.op == "~"}
