"""Specific indirect effects along the chain, defined effects and hypotheses of a PLS fit.

A specific indirect effect is the product of the path coefficients along one
chain of two or more paths (LIKE → CUSA → CUSL); the total indirect effect is
their sum (Hair et al. 2017, ch. 7; Nitzl, Roldán & Cepeda 2016). Defined
effects (``:=`` over path labels) are evaluated with the spec's own expression
evaluator, for the estimates and for every bootstrap draw at once.

References
----------
Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2017). A primer on
PLS-SEM (2nd ed.), ch. 7 (mediation). Nitzl, C., Roldán, J. L., & Cepeda, G.
(2016). Mediation analysis in partial least squares path modeling. Industrial
Management & Data Systems, 116(9), 1849-1864.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..effects.hypotheses import verdict
from ..spec import ModelSpec
from ..spec.expressions import parse_expression
from .layout import PLSLayout

#: the most chains enumerated (a dense inner model has exponentially many)
MAX_CHAINS = 10_000


def specific_chains(layout: PLSLayout) -> list[tuple[int, ...]]:
    """Every chain of two or more paths (construct indices from source to target), in the
    order of their source, then depth first."""
    successors = [np.flatnonzero(layout.path_matrix[k]) for k in range(len(layout.constructs))]
    chains: list[tuple[int, ...]] = []

    def extend(chain: tuple[int, ...]) -> None:
        for nxt in successors[chain[-1]]:
            longer = (*chain, int(nxt))
            if len(longer) > 2:
                chains.append(longer)
                if len(chains) > MAX_CHAINS:
                    raise ValueError(f"the inner model has more than {MAX_CHAINS:,} chains")
            extend(longer)

    for start in range(len(layout.constructs)):
        extend((start,))
    return chains


def chain_effects(paths: np.ndarray, chains: list[tuple[int, ...]]) -> np.ndarray:
    """(stack, chains): the product of the path coefficients along each chain."""
    out = np.ones((paths.shape[0], len(chains)))
    for c, chain in enumerate(chains):
        for a, b in zip(chain[:-1], chain[1:]):
            out[:, c] *= paths[:, a, b]
    return out


def chain_name(layout: PLSLayout, chain: tuple[int, ...]) -> str:
    """``LIKE -> CUSA -> CUSL``."""
    return " -> ".join(layout.constructs[k] for k in chain)


def path_labels(spec: ModelSpec, layout: PLSLayout) -> dict[str, tuple[int, int]]:
    """Path label (``a*x`` on a ``~``, YAML ``label:``) → its (from, to) constructs."""
    index = {name: k for k, name in enumerate(layout.constructs)}
    return {s.label: (index[s.rhs], index[s.lhs]) for s in spec.statements
            if s.op == "~" and s.label and s.rhs in index and s.lhs in index}


def defined_effects(spec: ModelSpec, layout: PLSLayout, paths: np.ndarray) -> np.ndarray:
    """(stack, defined effects): each ``:=`` of the spec evaluated on the path coefficients;
    NaN where it uses a label that is not a path's."""
    labels = path_labels(spec, layout)
    values: dict[str, np.ndarray] = {label: paths[:, i, j] for label, (i, j) in labels.items()}
    out = np.full((paths.shape[0], len(spec.defined_effects)), np.nan)
    for d, (name, text) in enumerate(spec.defined_effects.items()):
        expression = parse_expression(text)
        if all(n in values for n in expression.names):
            out[:, d] = expression.evaluate(values)
            values[name] = out[:, d]
    return out


def hypothesis_table(spec: ModelSpec, estimates: Mapping[tuple[str, str], float],
                     inference: pd.DataFrame | None) -> pd.DataFrame:
    """Every hypothesis of the spec with its PLS estimate and, when bootstrapped, its SE,
    interval, p and verdict (:func:`loyaltysem.effects.hypotheses.verdict`: supported when
    the interval excludes zero on the expected side); ``not tested`` without a bootstrap.

    ``estimates`` and ``inference`` (indexed like it) are keyed ``(kind, statistic)``.
    """
    rows: list[dict[str, Any]] = []
    for hypothesis in spec.hypotheses:
        if hypothesis.effect is not None:
            key, text = ("defined", hypothesis.effect), f"{hypothesis.effect} := " \
                f"{spec.defined_effects[hypothesis.effect]}"
        else:
            text = " -> ".join(hypothesis.chain)
            key = ("path" if len(hypothesis.chain) == 2 else "specific", text)
        row: dict[str, Any] = {"id": hypothesis.id, "hypothesis": text, "kind": hypothesis.kind,
               "expected_sign": hypothesis.sign, "est": estimates.get(key, np.nan),
               "se": np.nan, "ci_lower": np.nan, "ci_upper": np.nan, "pvalue": np.nan}
        if inference is not None and key in inference.index:
            row.update(inference.loc[key, ["se", "ci_lower", "ci_upper", "pvalue"]].to_dict())
        row["verdict"] = verdict(row["ci_lower"], row["ci_upper"], hypothesis.sign)
        row["description"] = hypothesis.description
        rows.append(row)
    return pd.DataFrame(rows, columns=["id", "hypothesis", "kind", "expected_sign", "est", "se",
                                       "ci_lower", "ci_upper", "pvalue", "verdict",
                                       "description"])
