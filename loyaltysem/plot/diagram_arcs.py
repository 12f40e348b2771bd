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
#: the narrowest a diagram's notes (legend, inadmissibility) are wrapped to, inches
NOTE_WIDTH = 5.0


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
    routes : dict
        By arc gid: its ends, how it was routed, its curvature and its label's index.
    patches : dict
        By arc gid: its FancyArrowPatch.
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
    routes: dict = field(default_factory=dict)
    patches: dict = field(default_factory=dict)

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

    def item_arrows(self) -> list:
        """The points of the arrows between constructs and their items."""
        return [points for gid, points in self.curves if gid.startswith("arrow:")]

    def arcs(self) -> list:
        """The points of the arrows and arcs between nodes drawn so far (not the items')."""
        return [points for gid, points in self.curves if not gid.startswith("arrow:")]

    def bounds(self, margin: float = 0.3) -> Box:
        """The box around every shape drawn before the arrows, ``margin`` wider all round
        and at least :data:`NOTE_WIDTH` wide: where arcs should stay."""
        finite = [b for b in self.occupied if np.isfinite(b[0])]
        x0, x1 = min(b[0] for b in finite) - margin, max(b[2] for b in finite) + margin
        spare = max(NOTE_WIDTH - (x1 - x0), 0.0) / 2  # the notes make it that wide anyway
        return (x0 - spare, min(b[1] for b in finite) - margin,
                x1 + spare, max(b[3] for b in finite) + margin)

    def obstacles(self, a: str, b: str) -> list:
        """What an arc from ``a`` to ``b`` should not cross: the other nodes (an ellipse's
        box marked ``"ellipse"``) and every item (its own nodes' items too)."""
        from matplotlib.patches import Ellipse

        nodes = [box + ("ellipse",) if isinstance(self.shapes[name], Ellipse) else box
                 for name, box in self.node_boxes.items() if name not in (a, b)]
        return nodes + [box for boxes in self.item_boxes.values() for box in boxes]

    def connect(self, a: str, b: str, gid: str, label: str, label_gid: str, *,
                preferred: float | None = 0.0, side: float = 0.0, min_offset: float = 0.0,
                **style: Any) -> None:
        """An arrow or arc from ``a`` to ``b`` routed by :func:`clear_rad` (its curvature
        ``preferred`` if nothing is in the way), and its ``label`` on it."""
        route = {"a": a, "b": b, "preferred": preferred, "side": side,
                 "min_offset": min_offset}
        rad = self._route(gid, route)
        self.draw_arc(a, b, rad, gid, **style)
        self.routes[gid] = {**route, "rad": rad, "label": len(self.texts)}
        self.draw_label(a, b, rad, label, label_gid, gid)

    def _route(self, gid: str, route: dict, own_label: int | None = None) -> float:
        """The curvature :func:`clear_rad` gives arc ``gid`` among what is drawn (its own
        label, ``own_label``, left out)."""
        a, b = route["a"], route["b"]
        labels = [box for i, box in enumerate(self.labels) if i != own_label]
        arcs = [points for name, points in self.curves
                if name != gid and not name.startswith("arrow:")]
        return clear_rad(self.placed[a], self.placed[b], route["preferred"],
                         self.obstacles(a, b), side=route["side"],
                         min_offset=route["min_offset"], curves=arcs, bounds=self.bounds(),
                         labels=labels, arrows=self.item_arrows())

    def draw_arc(self, a: str, b: str, rad: float, gid: str, **style: Any) -> None:
        """An arrow (arc3 curve of curvature ``rad``) between the shapes of ``a`` and ``b``."""
        from matplotlib.patches import FancyArrowPatch

        start, end = self.placed[a], self.placed[b]
        self.curves.append((gid, arc_points(start, end, rad, ends=True)))
        patch = FancyArrowPatch(
            posA=(start.x, start.y), posB=(end.x, end.y),
            patchA=self.shapes[a], patchB=self.shapes[b], connectionstyle=f"arc3,rad={rad}",
            shrinkA=0, shrinkB=0, zorder=1, gid=gid, **style)
        self.ax.add_patch(patch)
        self.patches[gid] = patch

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

    def conflicts(self) -> int:
        """How often a label sits on an arc not its own (each counts 1), an arc leaves the
        :meth:`bounds` (30) or crosses a shape (100 a shape)."""
        count = 0
        for box, (_, _, _, _, curve) in zip(self.labels, self.texts):
            count += hits_curves(box, [p for name, p in self.curves if name != curve])
        x0, y0, x1, y1 = self.bounds()
        for gid, route in self.routes.items():
            start, end = self.placed[route["a"]], self.placed[route["b"]]
            points = arc_points(start, end, route["rad"])
            count += 100 * hits(points, self.obstacles(route["a"], route["b"]))
            count += 30 * int(np.any((points[:, 0] < x0) | (points[:, 0] > x1)
                                     | (points[:, 1] < y0) | (points[:, 1] > y1)))
        return count

    def repair_labels(self, rounds: int = 3) -> None:
        """Where an arc drawn after a label crosses it: route that arc again now that
        every label is known, or move the label to where no arc crosses it; a change is
        kept when it lowers :meth:`conflicts`."""
        for _ in range(rounds):
            for i, (artist, a, b, rad, curve) in enumerate(self.texts):
                crossing = [name for name, points in self.curves
                            if name != curve and name in self.routes
                            and hits_curves(self.labels[i], [points])]
                for name in crossing:
                    self._reroute(name)
                    if hits_curves(self.labels[i], [dict(self.curves)[name]]):
                        self._bend(name)
                self._move_label(i)
                if any(name != curve and name in self.routes and hits_curves(self.labels[i], [p])
                       for name, p in self.curves):
                    self._bend(curve)

    def _reroute(self, gid: str) -> None:
        """Route arc ``gid`` again (with its label) if that lowers :meth:`conflicts`."""
        route = self.routes[gid]
        rad = self._route(gid, route, own_label=route["label"])
        if rad == route["rad"]:
            return
        before = self.conflicts()
        saved = (route["rad"], dict(self.curves)[gid], self.labels[route["label"]],
                 self.texts[route["label"]])
        self._set_rad(gid, rad)
        self._move_label(route["label"], force=True)
        if self.conflicts() >= before:  # no better: undo
            old_rad, old_points, old_box, old_text = saved
            self._set_rad(gid, old_rad)
            self.labels[route["label"]] = old_box
            self.texts[route["label"]] = old_text
            old_text[0].set_position(((old_box[0] + old_box[2]) / 2,
                                      (old_box[1] + old_box[3]) / 2))

    def _bend(self, gid: str, offsets: tuple[float, ...] = (0.15, 0.3, 0.5, 0.75)) -> None:
        """Bow arc ``gid`` a little more one way or the other (apex ``offsets`` inches
        further) where that lowers :meth:`conflicts`, its label moving along."""
        route = self.routes[gid]
        start, end = self.placed[route["a"]], self.placed[route["b"]]
        distance = float(np.hypot(end.x - start.x, end.y - start.y))
        if distance == 0:
            return
        best, best_count = route["rad"], self.conflicts()
        saved = (self.labels[route["label"]], self.texts[route["label"]][0].get_position())
        for offset in offsets:
            for sign in (1, -1):
                self._set_rad(gid, best + sign * 2 * offset / distance)
                self._move_label(route["label"], force=True)
                count = self.conflicts()
                if count < best_count:
                    best_count, saved = count, (self.labels[route["label"]],
                                                self.texts[route["label"]][0].get_position())
                    chosen = self.routes[gid]["rad"]
                    self._set_rad(gid, chosen)
                    best = chosen
        self._set_rad(gid, best)
        self.labels[route["label"]] = saved[0]
        self.texts[route["label"]][0].set_position(saved[1])

    def _set_rad(self, gid: str, rad: float) -> None:
        """Give arc ``gid`` the curvature ``rad`` (its patch, points and label record)."""
        route = self.routes[gid]
        route["rad"] = rad
        self.patches[gid].set_connectionstyle(f"arc3,rad={rad}")
        points = arc_points(self.placed[route["a"]], self.placed[route["b"]], rad, ends=True)
        self.curves = [(name, points if name == gid else p) for name, p in self.curves]
        artist, a, b, _, curve = self.texts[route["label"]]
        self.texts[route["label"]] = (artist, a, b, rad, curve)

    def _move_label(self, i: int, *, force: bool = False) -> None:
        """Move label ``i`` to a spot on its arc where no arc crosses it (``force``: to the
        best spot, as when its arc moved)."""
        artist, a, b, rad, curve = self.texts[i]
        others = [points for name, points in self.curves if name != curve]
        if not force and not hits_curves(self.labels[i], others):
            return
        text = artist.get_text()
        rest = self.occupied + self.labels[:i] + self.labels[i + 1:]
        x, y = free_spot(self.placed[a], self.placed[b], rad, text, self.fontsize, rest, others)
        box = text_box(x, y, text, self.fontsize)
        if force or (not hits_curves(box, others) and not any(overlaps(box, o) for o in rest)):
            artist.set_position((x, y))
            self.labels[i] = box


def _segment(p: tuple[float, float], q: tuple[float, float]) -> np.ndarray:
    """Points of the segment from p to q, 0.03 in apart (at least 8)."""
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


def hits(points: np.ndarray, boxes: list, *, clearance: float = 0.06) -> int:
    """How many of ``boxes`` the ``points`` enter; a box ``(x0, y0, x1, y1, "ellipse")``
    stands for the ellipse inscribed in it, grown by ``clearance`` inches."""
    count = 0
    for box in boxes:
        x0, y0, x1, y1 = box[:4]
        if len(box) == 5:
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            a, b = (x1 - x0) / 2 + clearance, (y1 - y0) / 2 + clearance
            count += int(np.any(((points[:, 0] - cx) / a) ** 2 + ((points[:, 1] - cy) / b) ** 2
                                < 1))
        else:
            count += int(np.any((points[:, 0] > x0) & (points[:, 0] < x1) & (points[:, 1] > y0)
                                & (points[:, 1] < y1)))
    return count


#: apex offsets (inches from the chord) an arc may bow by, smallest first
APEX_OFFSETS = (0.15, 0.3, 0.5, 0.75, 1.0, 1.3, 1.7, 2.2, 2.8, 3.5, 4.4)


def clear_rad(start: PlacedNode, end: PlacedNode, preferred: float | None, boxes: list, *,
              side: float = 0.0, min_offset: float = 0.0, curves: list | None = None,
              bounds: Box | None = None, labels: list | None = None,
              arrows: list | None = None) -> float:
    """The curvature of the arc from start to end that is least in the way.

    The candidates are ``preferred`` (a straight line) and bows to either
    side with their apex :data:`APEX_OFFSETS` (and ``min_offset``) inches
    from the chord; a bow under ``min_offset``, or straight when there is no
    ``preferred``, costs 1.5 more.
    Each costs 100 per box of ``boxes`` it crosses, 30 if it leaves
    ``bounds``, 12 per label of ``labels`` it crosses, 5 per item arrow of
    ``arrows`` it crosses (at most four), 1 if it runs along one of
    ``curves`` (the arcs drawn so far), and 0.5 per inch of bow (1 on the
    side other than ``side``: +1 is where the chord's normal ``(dy, -dx)``
    points, which is where ``rad > 0`` bows). The cheapest wins, the
    earliest among equals.
    """
    from scipy.spatial import cKDTree

    distance = float(np.hypot(end.x - start.x, end.y - start.y))
    if distance == 0:
        return 0.0
    offsets = sorted(set(APEX_OFFSETS) | {min_offset} - {0.0})
    candidates = [(preferred, 0.0)] if preferred is not None else []
    for o in offsets:
        for sign in (1.0, -1.0):
            # the apex of arc3 is rad * distance / 2 off the chord
            penalty = 0.5 * o * (1.0 if side == 0 or sign == side else 2.0)
            candidates.append((sign * 2 * o / distance, penalty + (1.5 if o < min_offset else 0)))
    if preferred is None:
        candidates.append((0.0, 1.5))
    others = cKDTree(np.concatenate(curves)) if curves else None
    crossing = _ArrowIndex(arrows or [])
    best, best_cost = candidates[0][0], np.inf
    for rad, penalty in candidates:
        points = arc_points(start, end, rad)
        cost = penalty + 100 * hits(points, boxes) + 12 * hits(points, labels or [])
        cost += 5 * min(crossing.count(points), 4)
        if others is not None:
            near = others.query(points[4:-4], distance_upper_bound=0.07)[0]
            cost += float(np.mean(np.isfinite(near)) > 0.1)
        if bounds is not None:
            x0, y0, x1, y1 = bounds
            cost += 30 * float(np.any((points[:, 0] < x0) | (points[:, 0] > x1)
                                      | (points[:, 1] < y0) | (points[:, 1] > y1)))
        if cost < best_cost - 1e-9:
            best, best_cost = rad, cost
    return best


class _ArrowIndex:
    """The points of the item arrows, to count how many of them a curve crosses."""

    def __init__(self, arrows: list) -> None:
        from scipy.spatial import cKDTree

        self.tree = cKDTree(np.concatenate(arrows)) if arrows else None
        self.owner = np.concatenate([np.full(len(a), i) for i, a in enumerate(arrows)]) \
            if arrows else np.empty(0, dtype=int)

    def count(self, points: np.ndarray, near: float = 0.03) -> int:
        """How many item arrows come within ``near`` inches of ``points``."""
        if self.tree is None:
            return 0
        found = self.tree.query_ball_point(points, near)
        return len({int(self.owner[j]) for hit in found for j in hit})


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
    """Whether boxes ``a`` and ``b`` overlap."""
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
              (0.35 * bx0, 0.0), (0.0, 0.42 * by1), (0.0, 0.42 * by0), (0.44 * bx1, 0.0),
              (0.44 * bx0, 0.0)]
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
