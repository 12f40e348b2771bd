"""The arrows, arcs and labels of a path diagram, routed around what is drawn.

An arrow or covariance arc is an ``arc3`` curve (a quadratic Bézier) between
the centres of its two shapes, clipped at their edges. Its curvature is the
first of a few candidates (straight, then bows to either side further and
further from the chord) that passes through no other shape; a label goes on
its own curve where its box covers no shape, no other label and no other
curve, so that no label sits on a crossing.

All coordinates are inches (the diagram's data units).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .layout import PlacedNode, text_width

#: names are drawn as they are: no mathtext (``$x$``) and no TeX, whatever the rcParams
LITERAL_TEXT = {"parse_math": False, "usetex": False}

Box = tuple[float, float, float, float]


@dataclass
class Canvas:
    """The shapes drawn so far and what the arrows and labels between them must avoid.

    Attributes
    ----------
    occupied : list of box
        Every shape drawn before the arrows (nodes, item boxes) and every text.
    node_boxes : dict of str to box
    item_boxes : dict of str to box
        The boxes of the items, by the node they belong to.
    curves : list of (str, ndarray)
        The gid and the points of every arrow and arc drawn so far.
    labels : list of box
        The boxes of the path and covariance labels drawn so far.
    texts : list
        Those labels: ``(text artist, a, b, rad, gid of their arc)``.
    """

    ax: Any
    fontsize: float
    placed: dict[str, PlacedNode]
    shapes: dict[str, Any]
    occupied: list
    node_boxes: dict[str, Box]
    item_boxes: dict[str, list[Box]]
    curves: list = field(default_factory=list)
    labels: list = field(default_factory=list)
    texts: list = field(default_factory=list)

    @classmethod
    def after_nodes(cls, ax, fontsize: float, placed: dict[str, PlacedNode],
                    shapes: dict[str, Any], extra: list | None = None) -> "Canvas":
        """The canvas of ``ax`` once its nodes and items are drawn (``extra``: the boxes
        of texts drawn beside them)."""
        items = {name: [(b.x - b.width / 2, b.y - b.height / 2, b.x + b.width / 2,
                         b.y + b.height / 2) for b in node.boxes]
                 for name, node in placed.items()}
        canvas = cls(ax, fontsize, placed, shapes,
                     occupied=[patch_box(p) for p in ax.patches] + list(extra or []),
                     node_boxes={name: patch_box(shapes[name]) for name in placed},
                     item_boxes=items)
        for name, node in placed.items():
            for box in node.boxes:
                canvas.curves.append((f"arrow:{name}", _segment((node.x, node.y),
                                                                 (box.x, box.y))))
        return canvas

    def arcs(self) -> list:
        """The points of the arrows and arcs between nodes drawn so far (not the items')."""
        return [points for gid, points in self.curves if not gid.startswith("arrow:")]

    def bounds(self, margin: float = 0.3) -> Box:
        """The box around every shape drawn before the arrows, ``margin`` wider all round:
        where arcs should stay."""
        finite = [b for b in self.occupied if np.isfinite(b[0])]
        return (min(b[0] for b in finite) - margin, min(b[1] for b in finite) - margin,
                max(b[2] for b in finite) + margin, max(b[3] for b in finite) + margin)

    def obstacles(self, a: str, b: str) -> list:
        """What an arc from ``a`` to ``b`` should not cross: the other nodes and every item
        (its own nodes' items too)."""
        return [box for name, box in self.node_boxes.items() if name not in (a, b)] \
            + [box for boxes in self.item_boxes.values() for box in boxes]

    def draw_arc(self, a: str, b: str, rad: float, gid: str, **style: Any) -> None:
        """An arrow (arc3 curve of curvature ``rad``) between the shapes of ``a`` and ``b``."""
        from matplotlib.patches import FancyArrowPatch

        start, end = self.placed[a], self.placed[b]
        self.curves.append((gid, arc_points(start, end, rad, ends=True)))
        self.ax.add_patch(FancyArrowPatch(
            posA=(start.x, start.y), posB=(end.x, end.y),
            patchA=self.shapes[a], patchB=self.shapes[b], connectionstyle=f"arc3,rad={rad}",
            shrinkA=0, shrinkB=0, zorder=1, gid=gid, **style))

    def draw_label(self, a: str, b: str, rad: float, text: str, gid: str, curve: str) -> None:
        """``text`` on the arc ``curve`` from ``a`` to ``b``, where it covers no shape, no
        label and no other arc drawn so far (arcs drawn later keep out of it)."""
        others = [points for name, points in self.curves if name != curve]
        x, y = free_spot(self.placed[a], self.placed[b], rad, text, self.fontsize,
                         self.occupied + self.labels, others)
        self.labels.append(text_box(x, y, text, self.fontsize))
        artist = self.ax.text(x, y, text, ha="center", va="center", fontsize=self.fontsize,
                              zorder=4, bbox={"boxstyle": "round,pad=0.15",
                                              "facecolor": "white", "edgecolor": "none"},
                              gid=gid, **LITERAL_TEXT)
        self.texts.append((artist, a, b, rad, curve))

    def repair_labels(self) -> None:
        """Move each label that an arc drawn after it crosses to where no arc crosses it
        (if there is such a place on its own arc)."""
        for i, (artist, a, b, rad, curve) in enumerate(self.texts):
            others = [points for name, points in self.curves if name != curve]
            if not hits_curves(self.labels[i], others):
                continue
            text = artist.get_text()
            rest = self.occupied + self.labels[:i] + self.labels[i + 1:]
            x, y = free_spot(self.placed[a], self.placed[b], rad, text, self.fontsize, rest,
                             others)
            box = text_box(x, y, text, self.fontsize)
            if not hits_curves(box, others) and not any(overlaps(box, o) for o in rest):
                artist.set_position((x, y))
                self.labels[i] = box


def _segment(p: tuple[float, float], q: tuple[float, float]) -> np.ndarray:
    n = max(int(np.hypot(q[0] - p[0], q[1] - p[1]) / 0.03), 8)
    t = np.linspace(0, 1, n)[:, None]
    return (1 - t) * np.array(p) + t * np.array(q)


def arc_points(start: PlacedNode, end: PlacedNode, rad: float, n: int = 40, *,
               ends: bool = False) -> np.ndarray:
    """Points of the arc3 curve (a quadratic Bezier) from start to end, ends excluded
    (``ends=True``: the whole curve, a point every 0.03 in at least)."""
    (x0, y0), (x1, y1) = (start.x, start.y), (end.x, end.y)
    control = ((x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0))
    if ends:
        length = np.hypot(x1 - x0, y1 - y0) * (1 + abs(rad))
        t = np.linspace(0.0, 1.0, max(n, int(length / 0.03)))[:, None]
    else:
        t = np.linspace(0.04, 0.96, n)[:, None]
    return ((1 - t) ** 2 * np.array([x0, y0]) + 2 * (1 - t) * t * np.array(control)
            + t**2 * np.array([x1, y1]))


def hits(points: np.ndarray, boxes: list) -> int:
    """How many of ``boxes`` the ``points`` enter."""
    return sum(int(np.any((points[:, 0] > x0) & (points[:, 0] < x1) & (points[:, 1] > y0)
                          & (points[:, 1] < y1))) for x0, y0, x1, y1 in boxes)


def clear_rad(start: PlacedNode, end: PlacedNode, preferred: float | None, boxes: list, *,
              side: float = 0.0, min_offset: float = 0.4, curves: list | None = None,
              bounds: Box | None = None, labels: list | None = None) -> float:
    """The curvature of an arc from start to end that crosses no box, if one is found.

    ``preferred`` is tried first (a straight line); then arcs bowing to either
    side (``side`` +1 tries first the side the normal ``(dy, -dx)`` of the
    chord from start to end points to, where ``rad > 0`` bows; -1 the other) with their
    apex 0.5 (without a side), 1, 1.5, 2.2, 3, 4, 5.5 and 7.5 (with a side)
    times ``min_offset`` from the chord
    (without ``preferred``: then a straight line and slight bows). A
    candidate that crosses no box and none of ``labels``, runs along none of
    ``curves`` (the arcs drawn so far) and stays within ``bounds`` is taken;
    failing that, the one that crosses the fewest boxes, then stays within
    the bounds, then crosses the fewest labels, then runs along the fewest
    arcs. Ties go to the earlier candidate.
    """
    distance = float(np.hypot(end.x - start.x, end.y - start.y))
    if distance == 0:
        return 0.0
    candidates = [] if preferred is None else [preferred]
    # the apex is rad * distance / 2 off the chord
    factors = (1.0, 1.5, 2.2, 3.0, 4.0, 5.5, 7.5) if side else (0.5, 1.0, 1.5, 2.2, 3.0, 4.0, 5.5)
    rads = [2 * min_offset * factor / distance for factor in factors]
    if side:  # every bow on the preferred side first
        candidates += [r * side for r in rads] + [-r * side for r in rads]
    else:
        candidates += [r * sign for r in rads for sign in (1, -1)]
    if preferred is None:  # an arc that must bow: a straight line and slight bows last
        slight = 0.6 / distance
        candidates += [0.0, slight, -slight]
    others = np.concatenate(curves) if curves else np.empty((0, 2))
    best, best_hits = candidates[0], None
    for rad in candidates:
        points = arc_points(start, end, rad)
        # a box crossed is worst, then leaving the bounds, then running along an arc
        count = 100 * hits(points, boxes) + 10 * hits(points, labels or []) \
            + _runs_along(points, others)
        if bounds is not None:
            x0, y0, x1, y1 = bounds
            count += 30 * int(np.any((points[:, 0] < x0) | (points[:, 0] > x1)
                                     | (points[:, 1] < y0) | (points[:, 1] > y1)))
        if count == 0:
            return rad
        if best_hits is None or count < best_hits:
            best, best_hits = rad, count
    return best


def _runs_along(points: np.ndarray, others: np.ndarray, *, near: float = 0.07) -> int:
    """1 when more than a tenth of ``points`` (away from the ends) lie within ``near``
    inches of ``others``: the two curves would be drawn on top of each other."""
    if not len(others):
        return 0
    inner = points[4:-4]
    close = np.zeros(len(inner), dtype=bool)
    for chunk in range(0, len(others), 2000):
        block = others[chunk:chunk + 2000]
        d = np.hypot(inner[:, None, 0] - block[None, :, 0], inner[:, None, 1] - block[None, :, 1])
        close |= d.min(axis=1) < near
    return int(close.mean() > 0.1)


def patch_box(patch) -> Box:
    """Data-coordinate box (x0, y0, x1, y1) of an ellipse or rectangle."""
    from matplotlib.patches import Ellipse

    if isinstance(patch, Ellipse):
        cx, cy = patch.center
        return (cx - patch.width / 2, cy - patch.height / 2, cx + patch.width / 2,
                cy + patch.height / 2)
    if hasattr(patch, "get_x"):
        return (patch.get_x(), patch.get_y(), patch.get_x() + patch.get_width(),
                patch.get_y() + patch.get_height())
    return (np.inf, np.inf, -np.inf, -np.inf)


def text_box(x: float, y: float, text: str, fontsize: float) -> Box:
    """The box of a label centred at ``(x, y)`` (its white background included)."""
    lines = text.split("\n")
    w = max(text_width(line, fontsize) for line in lines) + 0.1
    h = fontsize / 72 * (1.25 * len(lines) + 0.35)
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def overlaps(a: Box, b: Box) -> bool:
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


def free_spot(start: PlacedNode, end: PlacedNode, rad: float, text: str, fontsize: float,
              occupied: list, curves: list | None = None) -> tuple[float, float]:
    """A point for a label on the arrow (arc) from start to end where the label's box
    covers no box in ``occupied`` and no point of ``curves`` (other arrows); else the
    point with the fewest collisions (shapes count ten times a curve).

    Points along the arc from its middle outwards come first, the label centred on the
    arc; then the same points with the label pushed to one side of the arc (which still
    runs through it)."""
    (x0, y0), (x1, y1) = (start.x, start.y), (end.x, end.y)
    control = ((x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0))
    steps = np.round(np.arange(0.0, 0.45, 0.02), 3)
    ts = [0.5] + [0.5 + s * sign for s in steps[1:] for sign in (-1, 1)]
    bx0, by0, bx1, by1 = text_box(0.0, 0.0, text, fontsize)
    shifts = [(0.0, 0.0), (0.0, 0.3 * by1), (0.0, 0.3 * by0), (0.35 * bx1, 0.0),
              (0.35 * bx0, 0.0)]
    best, best_count = (0.0, 0.0), None
    for dx, dy in shifts:
        for t in ts:
            x = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * control[0] + t**2 * x1 + dx
            y = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * control[1] + t**2 * y1 + dy
            box = text_box(x, y, text, fontsize)
            count = sum(overlaps(box, other) for other in occupied) * 10
            count += hits_curves(box, curves or [])
            if count == 0:
                return x, y
            if best_count is None or count < best_count:
                best, best_count = (x, y), count
    return best


def hits_curves(box: Box, curves: list) -> int:
    """How many of ``curves`` (point arrays) pass through ``box``."""
    x0, y0, x1, y1 = box
    return sum(int(np.any((p[:, 0] > x0) & (p[:, 0] < x1) & (p[:, 1] > y0) & (p[:, 1] < y1)))
               for p in curves)


def fit_limits(ax, boxes: list, arcs: list) -> tuple[float, float]:
    """Axes limits that contain every shape, label and arc (with a margin); the figure
    (when ``ax`` is its only axes) sized to them at one data unit per inch. Returns the
    drawing's ``(width, height)``."""
    xs, ys = [], []
    for x0, y0, x1, y1 in boxes:
        if np.isfinite(x0):
            xs += [x0, x1]
            ys += [y0, y1]
    for points in arcs:
        xs += [float(points[:, 0].min()), float(points[:, 0].max())]
        ys += [float(points[:, 1].min()), float(points[:, 1].max())]
    margin = 0.15
    ax.set_xlim(min(xs) - margin, max(xs) + margin)
    ax.set_ylim(min(ys) - margin, max(ys) + margin)
    width = ax.get_xlim()[1] - ax.get_xlim()[0]
    height = ax.get_ylim()[1] - ax.get_ylim()[0]
    if ax.figure.get_axes() == [ax]:
        ax.figure.set_size_inches(width, height)
        ax.set_position([0, 0, 1, 1])
    return width, height
