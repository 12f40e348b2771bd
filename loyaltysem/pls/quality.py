"""Quality criteria of a PLS-SEM fit: reliability, validity, collinearity, effect sizes.

Each criterion is the project's one implementation (:mod:`loyaltysem.validity`)
applied to the PLS quantities: the item correlations, the outer loadings and
the construct score correlations.

References
----------
Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2017). A primer on
partial least squares structural equation modeling (2nd ed.), Chapters 4-6.
Cohen, J. (1988). Statistical power analysis for the behavioral sciences (2nd
ed.): f² = (R²_included − R²_excluded) / (1 − R²_included).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..validity.collinearity import latent_vif, vif_from_correlations
from ..validity.convergent import ave_fornell_larcker, composite_reliability
from ..validity.discriminant import htmt_from_correlations
from ..validity.reliability import standardized_alpha
from ..validity.thresholds import verdict
from .layout import PLSLayout


def construct_quality(item_correlations: np.ndarray, loadings: np.ndarray,
                      rho_a: np.ndarray, layout: PLSLayout) -> pd.DataFrame:
    """Standardized α, ρc, ρA and AVE of each construct.

    ``alpha`` from the item correlations (:func:`~loyaltysem.validity.reliability.
    standardized_alpha`), ``cr`` (ρc) and ``ave`` from the outer loadings
    (PLSc: the consistent loadings), ``rho_a`` Dijkstra & Henseler's ρA. Mode B
    constructs get NaN for α, ρc and AVE, which assume reflective measurement
    (Hair et al. 2017, ch. 5); single items NaN for α and ρA of 1.
    """
    rows = []
    for k, name in enumerate(layout.constructs):
        slots = layout.slots_of(k)
        items = layout.slot_item[slots]
        reflective = layout.modes[k] == "A"
        block = item_correlations[np.ix_(items, items)]
        rows.append({
            "construct": name,
            "alpha": standardized_alpha(block) if reflective else np.nan,
            "cr": composite_reliability(loadings[slots]) if reflective else np.nan,
            "rho_a": float(rho_a[k]) if reflective and slots.size > 1 else np.nan,
            "ave": ave_fornell_larcker(loadings[slots]) if reflective else np.nan,
        })
    return pd.DataFrame(rows, columns=["construct", "alpha", "cr", "rho_a", "ave"])


#: the monotrait mean of a single-item construct in PLS-SEM's HTMT (SmartPLS, seminr)
SINGLE_ITEM_MONOTRAIT = 1.0


def htmt_table(item_correlations: np.ndarray, layout: PLSLayout, *, geometric: bool
               ) -> pd.DataFrame:
    """HTMT (or HTMT2, ``geometric=True``) of the constructs, from absolute item correlations
    (as SmartPLS and seminr; Henseler et al. 2015, Roemer et al. 2021); a single-item
    construct's monotrait mean is 1, as theirs."""
    blocks = [list(layout.slot_item[layout.slots_of(k)]) for k in range(len(layout.constructs))]
    values = htmt_from_correlations(item_correlations, blocks, geometric=geometric,
                                    single_item_monotrait=SINGLE_ITEM_MONOTRAIT)
    return pd.DataFrame(values, index=list(layout.constructs), columns=list(layout.constructs))


def block_vif(item_correlations: np.ndarray, items: np.ndarray) -> np.ndarray:
    """VIF of each item of one block: the diagonal of the inverse of its correlations
    (``1 / (1 − R²_j)`` of the item on the others); inf when they are collinear."""
    return vif_from_correlations(item_correlations[np.ix_(items, items)])


def outer_vif(item_correlations: np.ndarray, layout: PLSLayout) -> pd.DataFrame:
    """VIF of each item within its block, ``[R_kk^-1]_jj`` (Hair et al. 2017, ch. 5: the
    collinearity check of formative indicators; reported for every block)."""
    rows = []
    for k, name in enumerate(layout.constructs):
        items = layout.slot_item[layout.slots_of(k)]
        rows += [{"construct": name, "item": layout.items[i], "vif": float(v)}
                 for i, v in zip(items, block_vif(item_correlations, items))]
    return pd.DataFrame(rows, columns=["construct", "item", "vif"])


def inner_vif(correlations: pd.DataFrame, layout: PLSLayout) -> pd.DataFrame:
    """VIF of each predictor of each endogenous construct from the construct correlations
    (Hair et al. 2017, ch. 6): rows ``from, to, vif``. Under PLSc these are the
    disattenuated correlations the paths are estimated from (seminr uses the composites'
    correlations there)."""
    equations = {layout.constructs[k]: [layout.constructs[i] for i in preds]
                 for k, preds in layout.predecessors}
    table = latent_vif(correlations, equations)
    return table.rename(columns={"equation": "to", "predictor": "from"})[["from", "to", "vif"]]


def f_squared(item_correlations: np.ndarray, r2: np.ndarray, layout: PLSLayout,
              refit: Callable[[np.ndarray, PLSLayout], np.ndarray]) -> pd.DataFrame:
    """Cohen's f² of each path, ``(R²_incl − R²_excl) / (1 − R²_incl)``.

    ``R²_excl`` is the target's R² when the model is estimated again without the path
    (Hair et al. 2017, ch. 6: "estimating the PLS path model twice"; seminr's
    ``fSquared``), the source omitted if it has no other path; 0 when the target is
    left without predictors. ``refit(slot correlations, layout)`` returns the R² of
    such a fit.
    """
    rows = []
    for k, preds in layout.predecessors:
        for dropped in preds:
            excluded = 0.0
            if preds.size > 1:
                reduced, positions = layout.without_path(int(dropped), k)
                slots = item_correlations[np.ix_(reduced.slot_item, reduced.slot_item)][None]
                excluded = float(refit(slots, reduced)[positions[k]])
            rows.append({"from": layout.constructs[dropped], "to": layout.constructs[k],
                         "value": (r2[k] - excluded) / (1 - r2[k])})
    return pd.DataFrame(rows, columns=["from", "to", "value"])


def effects_table(paths: np.ndarray, total: np.ndarray, layout: PLSLayout) -> pd.DataFrame:
    """Direct, total indirect and total effects along the chain: rows ``from, to, kind,
    est`` (kind ``direct`` where there is a path, ``indirect`` where a chain of two or more
    paths leads from one construct to the other, ``total`` where either does)."""
    names = layout.constructs
    direct = layout.path_matrix > 0.5
    reaches, chained = layout.reachable
    rows = []
    for i, j in np.argwhere(reaches):
        for kind, present, value in (("direct", direct[i, j], paths[i, j]),
                                     ("indirect", chained[i, j], total[i, j] - paths[i, j]),
                                     ("total", True, total[i, j])):
            if present:
                rows.append({"from": names[i], "to": names[j], "kind": kind,
                             "est": float(value)})
    return pd.DataFrame(rows, columns=["from", "to", "kind", "est"])


def quality_checks(constructs: pd.DataFrame, outer: pd.DataFrame, htmt: pd.DataFrame,
                   fornell_larcker: pd.DataFrame, vif_outer: pd.DataFrame,
                   vif_inner: pd.DataFrame, thresholds: pd.DataFrame) -> pd.DataFrame:
    """Every criterion against its cited threshold (:mod:`loyaltysem.validity.thresholds`):
    rows ``check, target, value, threshold, verdict, source``.

    Mode A (multi-item) constructs: loadings, α, ρc, ρA, AVE and Fornell–Larcker;
    every pair of Mode A constructs: HTMT (Hair et al. 2017, ch. 4: it assesses
    reflective constructs); Mode B items: outer VIF; every predictor: inner VIF
    (Hair, Risher, Sarstedt & Ringle 2019 list the same criteria for PLS-SEM).
    """
    modes = dict(zip(outer["construct"], outer["mode"]))
    sizes = outer.groupby("construct", sort=False).size()
    reflective = [c for c in constructs["construct"] if modes[c] == "A" and sizes[c] > 1]
    rows: list[tuple[str, str, float]] = []
    rows += [("loading", f"{r.construct}: {r.item}", r.loading)
             for r in outer.itertuples(index=False) if r.construct in reflective]
    table = constructs.set_index("construct")
    for check in ("alpha", "cr", "rho_a", "ave"):
        rows += [(check, c, float(table.at[c, check])) for c in reflective]
    names = list(htmt.index)
    rows += [("htmt", f"{names[j]} - {names[i]}", float(htmt.iat[i, j]))   # reflective only
             for i in range(len(names)) for j in range(i) if np.isfinite(htmt.iat[i, j])
             and modes[names[i]] == "A" and modes[names[j]] == "A"]
    for c in reflective:
        others = fornell_larcker.loc[c].drop(c).abs().max() if len(names) > 1 else np.nan
        column = fornell_larcker[c].drop(c).abs().max()
        largest = np.nanmax([others, column])
        rows.append(("fornell_larcker", c, float(fornell_larcker.at[c, c] - largest)))
    rows += [("vif", f"{r.construct}: {r.item}", r.vif) for r in vif_outer.itertuples(index=False)
             if modes[r.construct] == "B"]
    rows += [("vif", f"{r[0]} -> {r[1]}", r.vif) for r in vif_inner.itertuples(index=False)]
    return pd.DataFrame([{"check": check, "target": target, "value": value,
                          "threshold": thresholds.at[check, "pass"],
                          "verdict": verdict(value, thresholds.loc[check]),
                          "source": thresholds.at[check, "source"]}
                         for check, target, value in rows],
                        columns=["check", "target", "value", "threshold", "verdict", "source"])
