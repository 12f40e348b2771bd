"""Where a path diagram's shapes go: a two-dimensional layered layout sized for a column.

The layers of the structural model (see :func:`layers`) are laid left to
right. When one row of layers would make the figure wider than the target
width (a journal column, 7 in by default), the layers wrap into bands that
run alternately left to right and right to left (a "snake", so that the
arrow from the end of one band to the start of the next stays short); a
measurement model without structural paths splits its one layer into
side-by-side columns. Of the arrangements tried (1, 2, ... bands) the one
whose text stays largest once the figure is scaled into a column of the
target width and :data:`COLUMN_HEIGHT` is kept, with the fewest bands among
equals.

Each construct's items sit on one side of it (above, below, left or right),
the side its arrows and neighbours leave most free: items above or below are
a row of boxes, items to the left or right a column of boxes.

All lengths are inches (the diagram's data units).

References
----------
Sugiyama, K., Tagawa, S., & Toda, M. (1981). Methods for visual
understanding of hierarchical system structures. IEEE Transactions on
Systems, Man, and Cybernetics, 11(2), 109-125.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

ELLIPSE_HEIGHT = 0.8
#: gap between a construct and its row (above/below) or column (left/right) of items
ROW_GAP = 0.36
SIDE_GAP = 0.36
ITEM_GAP = 0.07
#: gaps between the columns of constructs, stacked constructs and bands
COLUMN_GAP = 1.0
STACK_GAP = 0.5
BAND_GAP = 0.7
#: the tallest a figure may be in a column (a journal page's text block, inches)
COLUMN_HEIGHT = 9.0
#: room beyond an item box for its residual variance (loop and value): beside a row of
#: items (above or below) and beside a column (left or right)
RESIDUAL_ROOM = {"row": 0.4, "column": 0.7}

Side = Literal["above", "below", "left", "right"]
_DIRECTIONS: dict[str, tuple[float, float]] = {
    "above": (0.0, 1.0), "below": (0.0, -1.0), "left": (-1.0, 0.0), "right": (1.0, 0.0)}


def text_width(text: str, size: float) -> float:
    """Rough width in inches of a one-line text at ``size`` points."""
    return 0.62 * size / 72 * len(text) + 0.12


@dataclass(frozen=True)
class ItemBox:
    """An item's box: its centre and size."""

    name: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class PlacedNode:
    """A construct (or observed variable) of the diagram, where it is drawn.

    ``side`` is where its items are; ``boxes`` the item boxes.
    """

    name: str
    x: float
    y: float
    width: float
    items: list[str]
    side: Side = "above"
    boxes: list[ItemBox] = field(default_factory=list)


@dataclass(frozen=True)
class Measures:
    """The sizes of a diagram's shapes (inches), from its options.

    ``items`` maps each node to the item boxes drawn beside it (empty for an
    observed variable or without items); ``node_widths`` and ``item_widths``
    the widths of the shapes; ``column_gap`` the room between columns (wide
    enough for the longest path label).
    """

    items: dict[str, list[str]]
    node_widths: dict[str, float]
    item_widths: dict[str, float]
    box_height: float
    residuals: bool = False
    column_gap: float = COLUMN_GAP

    def block(self, name: str, side: str) -> tuple[float, float]:
        """``(width, height)`` of the row or column of ``name``'s item boxes."""
        names = self.items[name]
        if not names:
            return 0.0, 0.0
        widths = [self.item_widths[i] for i in names]
        if side in ("above", "below"):
            return sum(widths) + ITEM_GAP * (len(widths) - 1), self.box_height
        return max(widths), len(names) * self.box_height + ITEM_GAP * (len(names) - 1)

    def extents(self, name: str, side: str) -> tuple[float, float, float, float]:
        """How far node ``name`` with its items reaches ``(left, right, down, up)`` from
        its centre."""
        half_w, half_h = self.node_widths[name] / 2, ELLIPSE_HEIGHT / 2
        left = right = half_w
        down = up = half_h
        if not self.items[name]:
            return left, right, down, up
        w, h = self.block(name, side)
        room = RESIDUAL_ROOM["row" if side in ("above", "below") else "column"] \
            if self.residuals else 0.0
        if side in ("above", "below"):
            left = right = max(half_w, w / 2)
            reach = half_h + ROW_GAP + h + room
            up, down = (reach, half_h) if side == "above" else (half_h, reach)
        else:
            down = up = max(half_h, h / 2)
            reach = half_w + SIDE_GAP + w + room
            left, right = (reach, half_w) if side == "left" else (half_w, reach)
        return left, right, down, up


@dataclass(frozen=True)
class Layout:
    """A diagram's arrangement: the placed nodes and the drawing's size (inches)."""

    nodes: dict[str, PlacedNode]
    width: float
    height: float
    bands: int

    def scale(self, column: float) -> float:
        """The factor the drawing is scaled by to fit a column ``column`` inches wide
        and :data:`COLUMN_HEIGHT` tall (at most 1)."""
        return min(1.0, column / self.width, COLUMN_HEIGHT / self.height)


def arrange(columns: Sequence[Sequence[str]], edges: Sequence[tuple[str, str]],
            measures: Measures, *, width: float) -> Layout:
    """The arrangement of ``columns`` (the ordered layers) that reads best at ``width``.

    Parameters
    ----------
    columns : sequence of sequences of str
        The nodes of each layer, in their order from the top.
    edges : sequence of (str, str)
        Every arrow and arc between nodes (paths, second-order loadings,
        covariances): the items go where these leave room.
    measures : Measures
    width : float
        The target width (inches), e.g. a journal column's 7 in.
    """
    grids = _candidate_grids(columns)  # the first: every layer in one row
    best = _best_sides(grids[0], edges, measures, width)
    for grid in grids[1:]:
        if best.scale(width) >= 1.0:
            break
        layout = _best_sides(grid, edges, measures, width)
        if layout.scale(width) > best.scale(width) + 0.02:
            best = layout
    return best


def _candidate_grids(columns: Sequence[Sequence[str]]) -> list[list[list[list[str]]]]:
    """Arrangements to try, fewest bands first: each a list of bands, a band a list of
    columns (left to right as drawn), a column a list of nodes."""
    bases = [[list(c) for c in columns]]
    if len(columns) == 1 and len(columns[0]) > 1:  # a measurement model: split its layer
        for parts in range(2, min(len(columns[0]), 3) + 1):
            bases.append(_split(columns[0], parts))
    elif any(len(c) > 3 for c in columns):  # tall layers side by side in two columns
        bases.append([part for c in columns for part in (_split(c, 2) if len(c) > 3 else [list(c)])])
    grids = []
    for base in bases:
        for per_band in range(len(base), 0, -1):
            bands = [base[i:i + per_band] for i in range(0, len(base), per_band)]
            grids.append([band if k % 2 == 0 else _right_aligned(band, per_band)[::-1]
                          for k, band in enumerate(bands)])
    return grids


def _split(column: Sequence[str], parts: int) -> list[list[str]]:
    """``column`` cut into ``parts`` columns of (nearly) equal length, in order."""
    size = -(-len(column) // parts)
    return [list(column[i:i + size]) for i in range(0, len(column), size)]


def _right_aligned(band: list[list[str]], per_band: int) -> list[list[str]]:
    """A band running right to left, padded with empty columns so that it starts under
    the previous band's last column."""
    return band + [[] for _ in range(per_band - len(band))]


def _grid_positions(grid: list[list[list[str]]]) -> dict[str, tuple[int, int, float]]:
    """Each node's ``(band, column, row)``: row counted from the top of its band, centred
    on the band's tallest column."""
    positions = {}
    for b, band in enumerate(grid):
        tallest = max(len(c) for c in band)
        for g, column in enumerate(band):
            offset = (tallest - len(column)) / 2
            for i, name in enumerate(column):
                positions[name] = (b, g, offset + i)
    return positions


def _best_sides(grid: list[list[list[str]]], edges: Sequence[tuple[str, str]],
                measures: Measures, width: float) -> Layout:
    """``grid`` placed with each node's items on its freest side (:func:`_side_costs`),
    then on another nearly as free side wherever that makes the drawing fit ``width``
    better (nodes with the most items first)."""
    costs = _side_costs(grid, edges, measures)
    sides: dict[str, Side] = {n: next(iter(c)) for n, c in costs.items()}  # type: ignore
    layout = _place(grid, sides, measures)
    for name in sorted(costs, key=lambda n: -len(measures.items[n])):
        if len(measures.items[name]) < 2:
            continue
        for side, cost in costs[name].items():
            if side == sides[name] or cost > costs[name][sides[name]] + 0.3:
                continue
            trial = _place(grid, {**sides, name: side}, measures)  # type: ignore[dict-item]
            if trial.scale(width) > layout.scale(width) + 0.03:
                sides[name], layout = side, trial  # type: ignore[assignment]
    return layout


def _side_costs(grid: list[list[list[str]]], edges: Sequence[tuple[str, str]],
                measures: Measures) -> dict[str, dict[str, float]]:
    """How crowded each side of each node is, for its items: arrows leaving that way,
    a construct stacked on that side; a column of items (left or right) costs by its
    length and is cheap only on the outside of the outer columns. The cheapest side
    comes first in each node's dict on ties (above in the upper half of a column, below
    in the lower half)."""
    positions = _grid_positions(grid)
    rows_before = np.cumsum([0] + [max(len(c) for c in band) + 0.8 for band in grid])
    point = {n: np.array([3.0 * g, -(rows_before[b] + r) * 1.6])
             for n, (b, g, r) in positions.items()}
    neighbours: dict[str, list[str]] = {n: [] for n in positions}
    for one, other in edges:
        if one in positions and other in positions and one != other:
            neighbours[one].append(other)
            neighbours[other].append(one)
    n_columns = max(len(band) for band in grid)
    costs: dict[str, dict[str, float]] = {}
    for name, (b, g, r) in positions.items():
        if not measures.items[name]:
            costs[name] = {"above": 0.0}
            continue
        column = grid[b][g]
        cost = {}
        for side, direction in _DIRECTIONS.items():
            value = 0.0
            for other in neighbours[name]:
                d = point[other] - point[name]
                c = float(np.dot(d, direction) / (np.hypot(*d) or 1.0))
                value += max(c, 0.0) ** 2
            index = column.index(name)
            if side == "above" and index > 0 or side == "below" and index < len(column) - 1:
                value += 0.6  # a construct stacked on that side
            if side in ("left", "right"):
                value += 0.12 * len(measures.items[name])
                outer = g == 0 if side == "left" else g == n_columns - 1
                value += -0.85 if outer else 0.8
            cost[side] = value
        preferred = ("above", "below") if r < (len(column) - 1) / 2 + 0.01 else ("below", "above")
        order = sorted(list(preferred) + ["left", "right"],
                       key=lambda s: round(cost[s], 6))  # stable: ties keep this order
        costs[name] = {side: cost[side] for side in order}
    return costs


def _place(grid: list[list[list[str]]], sides: dict[str, Side], measures: Measures) -> Layout:
    """Metric positions of ``grid`` with items on ``sides``: columns as wide as their
    widest node, the nodes of a column stacked and centred in their band, bands one under
    another."""
    reach = {n: measures.extents(n, sides[n]) for band in grid for c in band for n in c}
    n_columns = max(len(band) for band in grid)
    lefts = [max([reach[n][0] for band in grid if g < len(band) for n in band[g]], default=0.0)
             for g in range(n_columns)]
    rights = [max([reach[n][1] for band in grid if g < len(band) for n in band[g]],
                  default=0.0) for g in range(n_columns)]
    xs = [0.0]
    for g in range(1, n_columns):
        xs.append(xs[-1] + rights[g - 1] + measures.column_gap + lefts[g])
    nodes: dict[str, PlacedNode] = {}
    top = 0.0
    for band in grid:
        heights = [sum(reach[n][2] + reach[n][3] for n in c) + STACK_GAP * max(len(c) - 1, 0)
                   for c in band]
        band_height = max(heights)
        for g, column in enumerate(band):
            y = top - (band_height - heights[g]) / 2
            for name in column:
                y -= reach[name][3]
                nodes[name] = _placed(name, xs[g], y, sides[name], measures)
                y -= reach[name][2] + STACK_GAP
        top -= band_height + BAND_GAP
    left = min(n.x - reach[n.name][0] for n in nodes.values())
    right = max(n.x + reach[n.name][1] for n in nodes.values())
    return Layout(nodes, right - left, -top - BAND_GAP, len(grid))


def _placed(name: str, x: float, y: float, side: Side, measures: Measures) -> PlacedNode:
    """Node ``name`` at ``(x, y)`` with its item boxes on ``side``."""
    items = measures.items[name]
    node = PlacedNode(name, x, y, measures.node_widths[name], list(items), side)
    if not items:
        return node
    w, h = measures.block(name, side)
    height = measures.box_height
    if side in ("above", "below"):
        sign = 1 if side == "above" else -1
        cy = y + sign * (ELLIPSE_HEIGHT / 2 + ROW_GAP + height / 2)
        cx = x - w / 2
        for item in items:
            iw = measures.item_widths[item]
            node.boxes.append(ItemBox(item, cx + iw / 2, cy, iw, height))
            cx += iw + ITEM_GAP
    else:
        sign = 1 if side == "right" else -1
        cx = x + sign * (node.width / 2 + SIDE_GAP + w / 2)
        cy = y + h / 2
        for item in items:
            node.boxes.append(ItemBox(item, cx, cy - height / 2, measures.item_widths[item],
                                      height))
            cy -= height + ITEM_GAP
    return node


__all__ = ["ELLIPSE_HEIGHT", "ItemBox", "Layout", "Measures", "PlacedNode", "arrange",
           "text_width"]
