"""The PLS-SEM view of a spec: constructs, their modes, their items and the inner model.

PLS path modeling estimates one weight per (construct, item) pair. An item may
appear in two constructs (repeated indicators of a higher-order construct), so
the algorithm works on *slots*: one slot per (construct, item) pair, in the
order written, and the item correlation matrix is expanded to the slots.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..exceptions import SpecificationError
from ..spec import ModelSpec


@dataclass(frozen=True)
class PLSLayout:
    """Constructs, modes, item slots and inner paths of a PLS-SEM model.

    Attributes
    ----------
    constructs : tuple of str
        In the order written.
    modes : tuple of {"A", "B"}
        Mode A (reflective, correlation weights) or B (composite, regression weights).
    items : tuple of str
        Every observed variable, each once, in the order first written.
    slot_item : ndarray of int
        For each slot, the index of its item in ``items``.
    slot_construct : ndarray of int
        For each slot, the index of its construct.
    paths : tuple of (int, int)
        ``(from, to)`` construct indices of the inner model.
    """

    constructs: tuple[str, ...]
    modes: tuple[str, ...]
    items: tuple[str, ...]
    slot_item: np.ndarray
    slot_construct: np.ndarray
    paths: tuple[tuple[int, int], ...]

    @property
    def n_slots(self) -> int:
        """Number of (construct, item) pairs."""
        return int(self.slot_item.size)

    @cached_property
    def mask(self) -> np.ndarray:
        """(slots, constructs) 0/1: slot ``s`` belongs to construct ``k``."""
        mask = np.zeros((self.n_slots, len(self.constructs)))
        mask[np.arange(self.n_slots), self.slot_construct] = 1.0
        return mask

    @cached_property
    def path_matrix(self) -> np.ndarray:
        """(constructs, constructs) 0/1: ``[i, j] = 1`` for the path i → j."""
        matrix = np.zeros((len(self.constructs),) * 2)
        for source, target in self.paths:
            matrix[source, target] = 1.0
        return matrix

    @cached_property
    def reachable(self) -> tuple[np.ndarray, np.ndarray]:
        """(K, K) bool: ``[i, j]`` when a chain of paths leads from i to j, and when a chain
        of two or more paths does (an indirect effect)."""
        identity = np.eye(len(self.constructs))
        reaches = np.linalg.inv(identity - self.path_matrix) - identity
        return reaches > 0.5, reaches - self.path_matrix > 0.5

    @cached_property
    def predecessors(self) -> tuple[tuple[int, np.ndarray], ...]:
        """``(construct, its predecessors)`` for every endogenous construct, in order."""
        return tuple((k, np.flatnonzero(self.path_matrix[:, k]))
                     for k in range(len(self.constructs)) if self.path_matrix[:, k].any())

    @cached_property
    def regression_index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The regressions of the endogenous constructs on their predecessors, padded to one
        size so that one batched solve serves all of them: ``(targets, predictors, valid)``
        with ``predictors[e]`` the predecessors of ``targets[e]`` (padded with 0) and
        ``valid[e]`` which of them are real."""
        width = max((preds.size for _, preds in self.predecessors), default=0)
        targets = np.array([k for k, _ in self.predecessors], dtype=int)
        predictors = np.zeros((targets.size, width), dtype=int)
        valid = np.zeros((targets.size, width), dtype=bool)
        for e, (_, preds) in enumerate(self.predecessors):
            predictors[e, :preds.size] = preds
            valid[e, :preds.size] = True
        return targets, predictors, valid

    @cached_property
    def regression_padding(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For :attr:`regression_index`: the real (predictor, predictor) pairs as 0/1, the
        unit rows and columns that pad the rest, and the (equation, position) of each real
        coefficient."""
        _, predictors, valid = self.regression_index
        pair = (valid[:, :, None] & valid[:, None, :]).astype(float)
        padding = np.eye(predictors.shape[1]) * (1.0 - pair)
        rows, columns = np.nonzero(valid)
        return pair, padding, rows, columns

    def without_path(self, source: int, target: int) -> tuple["PLSLayout", np.ndarray]:
        """The model without the path source → target, and where each construct went.

        A construct left without any path is omitted, as Hair et al. (2017, ch. 6)
        estimate the model "without the exogenous construct" for f²; ``positions[k]``
        is construct k's index in the new layout (-1 if omitted).
        """
        paths = [p for p in self.paths if p != (source, target)]
        linked = sorted({end for path in paths for end in path})
        positions = np.full(len(self.constructs), -1)
        positions[linked] = np.arange(len(linked))
        keep = positions[self.slot_construct] >= 0
        layout = PLSLayout(tuple(self.constructs[k] for k in linked),
                           tuple(self.modes[k] for k in linked), self.items,
                           self.slot_item[keep], positions[self.slot_construct[keep]],
                           tuple((int(positions[a]), int(positions[b])) for a, b in paths))
        return layout, positions

    def slots_of(self, construct: int) -> np.ndarray:
        """The slot indices of one construct."""
        return np.flatnonzero(self.slot_construct == construct)

    def item_names(self, construct: int) -> list[str]:
        """The item names of one construct, in the order written."""
        return [self.items[i] for i in self.slot_item[self.slots_of(construct)]]


def pls_layout(spec: ModelSpec) -> PLSLayout:
    """The PLS-SEM layout of a spec, refusing what PLS path modeling cannot estimate.

    Raises
    ------
    SpecificationError
        A regression between an observed variable and a construct (make the
        variable a single-item construct), a construct without paths, or a
        feedback loop (PLS path weighting and total effects need a recursive
        inner model).
    """
    constructs = spec.constructs
    names = tuple(constructs)
    index = {name: k for k, name in enumerate(names)}
    items: dict[str, int] = {}
    slot_item, slot_construct = [], []
    for k, construct in enumerate(constructs.values()):
        for item in construct.items:
            slot_item.append(items.setdefault(item, len(items)))
            slot_construct.append(k)
    paths = []
    for source, target in spec.structural_paths:
        for end in (source, target):
            if end not in index:
                raise SpecificationError(
                    f"the path {source} -> {target} uses {end!r}, which is not a construct; "
                    f"PLS-SEM relates constructs only: make {end!r} a single-item construct",
                    source=spec.source)
        paths.append((index[source], index[target]))
    layout = PLSLayout(names, tuple(c.mode for c in constructs.values()), tuple(items),
                       np.array(slot_item, dtype=int), np.array(slot_construct, dtype=int),
                       tuple(paths))
    _refuse_unconnected(layout, spec.source)
    _refuse_cycles(layout, spec.source)
    return layout


def _refuse_unconnected(layout: PLSLayout, source: str | None) -> None:
    if len(layout.constructs) < 2:
        raise SpecificationError("PLS-SEM needs at least two constructs and a path between "
                                 "them", source=source)
    linked = layout.path_matrix + layout.path_matrix.T
    for k, name in enumerate(layout.constructs):
        if not linked[k].any():
            raise SpecificationError(
                f"construct {name!r} has no path to or from another construct; PLS-SEM "
                "estimates a construct through its neighbours: add a path or remove it",
                source=source)


def _refuse_cycles(layout: PLSLayout, source: str | None) -> None:
    """Peel off constructs without incoming paths (Kahn); what is left is a loop."""
    alive = np.ones(len(layout.constructs), dtype=bool)
    while alive.any():
        incoming = layout.path_matrix[alive][:, alive].any(axis=0)
        if incoming.all():
            loop = [layout.constructs[k] for k in np.flatnonzero(alive)]
            raise SpecificationError(
                "the inner model has a feedback loop among " + ", ".join(loop) + "; PLS-SEM "
                "estimates recursive models only", source=source)
        alive[np.flatnonzero(alive)[~incoming]] = False
