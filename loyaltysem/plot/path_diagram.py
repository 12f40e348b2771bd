"""Path diagrams of CB-SEM and PLS-SEM fits, with matplotlib only (no graphviz).

Constructs are ellipses in layers from left to right in causal order (the
layer of a construct is the length of the longest structural path that
reaches it; a second-order factor comes before the constructs it measures);
within a layer, constructs are ordered by the barycenter heuristic to reduce
crossings (Sugiyama, Tagawa & Toda, 1981). Items are small boxes in a row
above (upper half of a layer) or below the construct. Arrows are clipped at
the shapes' edges; an arrow that would cross another construct bows around
it. Path labels carry the standardized coefficient with significance stars
and are placed along their arrow where they collide with nothing else.
Covariances between constructs (exogenous constructs, residuals of
outcomes) are double-headed arcs labelled with the correlation. A PLS-SEM
fit shows its path coefficients, outer loadings (Mode A) or weights (Mode B)
and R² (:mod:`.diagram_values` reads either kind of fit); its composites are
drawn in their own colour with arrows from the items.

References
----------
Sugiyama, K., Tagawa, S., & Toda, M. (1981). Methods for visual
understanding of hierarchical system structures. IEEE Transactions on
Systems, Man, and Cybernetics, 11(2), 109-125.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .diagram_values import OuterValues, DiagramValues, diagram_values

if TYPE_CHECKING:
    import pandas as pd

    from ..estimate import FitResult
    from ..pls import PLSResult
    from ..spec import ModelSpec

ELLIPSE_HEIGHT = 0.8
ITEM_HEIGHT = 0.42
ITEM_GAP = 0.1
ROW_GAP = 0.45
#: (face, edge) of a reflective construct and of a composite (PLS Mode B)
CONSTRUCT_COLOURS = ("#eef3fb", "#1f3b73")
COMPOSITE_COLOURS = ("#fbf1e4", "#9a5b13")
#: names are drawn as they are: no mathtext (``$x$``) and no TeX, whatever the rcParams
LITERAL_TEXT = {"parse_math": False, "usetex": False}


def stars(pvalue: float) -> str:
    """``***`` p < .001, ``**`` p < .01, ``*`` p < .05."""
    if not np.isfinite(pvalue):
        return ""
    return "***" if pvalue < 0.001 else "**" if pvalue < 0.01 else "*" if pvalue < 0.05 else ""


def layers(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Layer of each node: 0 without predecessors, else 1 + the deepest predecessor."""
    predecessors: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        if a != b:
            predecessors[b].append(a)
    depth: dict[str, int] = {}

    def visit(node: str, trail: frozenset[str]) -> int:
        if node in depth:
            return depth[node]
        parents = [p for p in predecessors[node] if p not in trail]
        value = 0 if not parents else 1 + max(visit(p, trail | {node}) for p in parents)
        depth[node] = value
        return value

    for node in nodes:
        visit(node, frozenset())
    return depth


def order_layers(nodes: Sequence[str], edges: Sequence[tuple[str, str]], layer: dict[str, int],
                 sweeps: int = 6) -> list[list[str]]:
    """Order nodes within layers by repeated barycenter sweeps."""
    count = max(layer.values(), default=0) + 1
    columns = [[n for n in nodes if layer[n] == k] for k in range(count)]
    neighbours: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    for _ in range(sweeps):
        for column in columns:
            position = {n: i / max(len(c) - 1, 1) for c in columns for i, n in enumerate(c)}
            column.sort(key=lambda n: np.mean([position[m] for m in neighbours[n]])
                        if neighbours[n] else position[n])
    return columns


@dataclass
class _Node:
    name: str
    x: float
    y: float
    width: float
    items: list[str]
    items_above: bool


def _text_width(text: str, size: float) -> float:
    """Rough width in inches of a one-line label at ``size`` points."""
    return 0.62 * size / 72 * len(text) + 0.12


def path_diagram(result: FitResult | PLSResult, *, items: bool = True, hypotheses: bool = False,
                 loadings: bool = True, outer: OuterValues = "auto", ax=None,
                 fontsize: float = 9.0, alpha: float = 0.05):
    """Draw a fitted model (CB-SEM or PLS-SEM) as a path diagram.

    Parameters
    ----------
    result : FitResult or PLSResult
        A CB-SEM fit (:func:`loyaltysem.fit`: the standardized solution) or a
        PLS-SEM fit (:func:`loyaltysem.pls.fit_pls`: path coefficients, with
        stars by the bootstrap p values after ``result.with_bootstrap(...)``).
    items : bool
        Draw the items (boxes) beside their constructs.
    hypotheses : bool
        Prefix path labels with the hypothesis id (``H1: .52***``).
    loadings : bool
        Show each item's value in its box: the standardized loading (CB-SEM),
        the outer loading or weight (PLS-SEM, see ``outer``).
    outer : {"auto", "weights", "loadings"}
        PLS-SEM: the numbers in the item boxes; ``"auto"`` shows loadings for
        Mode A constructs and weights for Mode B composites. A CB-SEM fit
        takes ``"auto"`` or ``"loadings"``.
    ax : matplotlib Axes, optional
        Draw into these axes (the figure is sized by the caller then).
    fontsize : float
    alpha : float
        Significance level: paths with p >= alpha are dashed (a PLS-SEM path
        without a bootstrap has no test and is drawn solid, without stars).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.savefig("model.svg")`` (or .png, .pdf).

    Notes
    -----
    Mode B composites (PLS-SEM) are drawn in a different colour, with their
    arrows from the items to the composite; reflective constructs have arrows
    from the construct to its items. Every shape and text carries a gid
    (``node:NAME``, ``item:NAME``, ``arrow:A->B``, ``path:A->B``,
    ``pathlabel:A->B``), so a figure can be restyled after it is drawn.

    Examples
    --------
    >>> from loyaltysem.pls import fit_pls
    >>> result = fit_pls("models/corp_rep_extended.yaml", "corp_rep",
    ...                  missing="mean")  # doctest: +SKIP
    >>> path_diagram(result).savefig("corp_rep_extended.svg")  # doctest: +SKIP
    """
    values = diagram_values(result, outer)
    graph = _diagram_graph(result.spec)
    sizes = _Sizes(graph, items=items, loadings=loadings, fontsize=fontsize)
    placed, layer_gap, slot = _place_nodes(graph, sizes)
    fig, ax = _diagram_axes(ax, graph, layer_gap, slot)
    targets = {b for _, b in graph.directed}
    shapes = {}
    for node in placed.values():
        label = node.name
        if node.name in values.r2.index and node.name in targets:
            label += f"\nR² = {values.r2[node.name]:.2f}"
        shapes[node.name] = _draw_node(ax, node, label, node.name in graph.constructs, fontsize,
                                       composite=node.name in values.composites)
        _draw_items(ax, node, shapes[node.name], sizes, values)

    canvas = _Canvas.after_nodes(ax, fontsize, placed, shapes)
    hypothesis_of = ({tuple(h.chain): h.id for h in result.spec.hypotheses if len(h.chain) == 2}
                     if hypotheses else {})
    _draw_paths(canvas, graph, values.paths, slot, hypothesis_of, alpha)
    _draw_covariances(canvas, graph, values.covariances, alpha)
    _fit_limits(ax, canvas.occupied + canvas.label_boxes, canvas.arcs)
    _note_inadmissible(fig, result)
    return fig


#: the mark of a standardized value beyond ±1 (inadmissible) on a diagram
INADMISSIBLE_MARK = "!"


def _mark(value: float) -> str:
    """``!`` after a standardized path or correlation beyond ±1: not an admissible value."""
    return INADMISSIBLE_MARK if np.isfinite(value) and abs(value) > 1 else ""


def _note_inadmissible(fig, result) -> None:
    """A red line under a diagram of an inadmissible CB-SEM solution, saying what ``!``
    marks and where the problems are listed (#13: diagrams mark inadmissible values)."""
    if getattr(result, "admissible", True):
        return
    fig.text(0.01, 0.005, f"Inadmissible solution (see the fit's warnings): "
                          f"{INADMISSIBLE_MARK} marks standardized values beyond ±1.",
             color="#b00020", fontsize=8, ha="left", va="bottom", gid="inadmissible-note")


@dataclass(frozen=True)
class _DiagramGraph:
    """What a diagram shows: the constructs, the arrows between nodes and their layers.

    ``directed`` holds the structural paths ``(predictor, outcome)`` and then
    the second-order loadings ``(factor, construct)``; ``columns`` the nodes
    of each layer, in their order from the top.
    """

    constructs: dict[str, Any]
    latent: frozenset[str]
    structural: tuple[tuple[str, str], ...]
    directed: tuple[tuple[str, str], ...]
    nodes: tuple[str, ...]
    layer: dict[str, int]
    columns: list[list[str]]


def _diagram_graph(spec: ModelSpec) -> _DiagramGraph:
    """The nodes of ``spec``'s diagram, its arrows, and the layer and order of each node."""
    constructs = spec.constructs
    latent = set(spec.roles.latent)
    structural = [(a, b) for a, b in spec.structural_paths]
    # second-order loadings (g =~ visual) are arrows between constructs, not item boxes
    higher_order = [(a, b) for a, c in constructs.items() for b in c.items if b in latent]
    directed = structural + higher_order
    nodes = list(dict.fromkeys(list(constructs) + [n for e in directed for n in e]))
    layer = layers(nodes, directed)
    return _DiagramGraph(constructs, frozenset(latent), tuple(structural), tuple(directed),
                         tuple(nodes), layer, order_layers(nodes, directed, layer))


@dataclass(frozen=True)
class _Sizes:
    """The sizes (inches) of a diagram's shapes, from its options."""

    graph: _DiagramGraph
    items: bool
    loadings: bool
    fontsize: float

    @property
    def box_height(self) -> float:
        """Height of an item box: one line, two with the loading."""
        return ITEM_HEIGHT * (2 if self.loadings else 1)

    def item_names(self, name: str) -> list[str]:
        """The items drawn beside node ``name`` (none for an observed node or without items)."""
        if not self.items or name not in self.graph.constructs:
            return []
        return [i for i in self.graph.constructs[name].items if i not in self.graph.latent]

    def node_width(self, name: str) -> float:
        return max(1.3, _text_width(name, self.fontsize + 1) + 0.5)

    def item_width(self, item: str) -> float:
        label = item if not self.loadings else max(item, "0.00", key=len)
        return max(0.55, _text_width(label, self.fontsize - 1))

    def row_width(self, name: str) -> float:
        """Width of the row of item boxes of node ``name``."""
        names = self.item_names(name)
        return sum(self.item_width(i) for i in names) + ITEM_GAP * max(len(names) - 1, 0)


def _place_nodes(graph: _DiagramGraph, sizes: _Sizes) -> tuple[dict[str, _Node], float, float]:
    """Each node's place: ``(nodes, layer_gap, slot)``, layers ``layer_gap`` apart from the
    left, the nodes of a layer ``slot`` apart and centred on 0; the upper half of a layer
    has its items above, the lower half below."""
    layer_gap = max(max(sizes.row_width(n), sizes.node_width(n)) for n in graph.nodes) + 1.4
    slot = ELLIPSE_HEIGHT + (ROW_GAP + sizes.box_height if sizes.items else 0) + 0.9
    placed: dict[str, _Node] = {}
    for k, column in enumerate(graph.columns):
        top = (len(column) - 1) * slot / 2
        for i, name in enumerate(column):
            placed[name] = _Node(name, k * layer_gap, top - i * slot, sizes.node_width(name),
                                 sizes.item_names(name),
                                 items_above=i < len(column) / 2 or len(column) == 1)
    return placed, layer_gap, slot


def _diagram_axes(ax, graph: _DiagramGraph, layer_gap: float, slot: float):
    """``(figure, axes)``: a new figure sized to the layers unless ``ax`` is given; equal
    aspect, no axis, provisional limits (:func:`_fit_limits` sets the final ones)."""
    import matplotlib.pyplot as plt

    width = layer_gap * len(graph.columns)
    height = slot * max(len(c) for c in graph.columns) + 0.6
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(width, 4.0), max(height, 3.0)))
    else:
        fig = ax.figure
    ax.set_xlim(-layer_gap / 2, width - layer_gap / 2)
    ax.set_ylim(-height / 2, height / 2)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _draw_node(ax, node: _Node, label: str, is_latent: bool, fontsize: float, *,
               composite: bool = False):
    """An ellipse (construct; a composite in its own colours) or a box (observed variable)
    with its label; the shape."""
    from matplotlib.patches import Ellipse, Rectangle

    patch: Ellipse | Rectangle
    if is_latent:
        face, edge = COMPOSITE_COLOURS if composite else CONSTRUCT_COLOURS
        patch = Ellipse((node.x, node.y), node.width, ELLIPSE_HEIGHT, facecolor=face,
                        edgecolor=edge, linewidth=1.3, zorder=2)
    else:
        patch = Rectangle((node.x - node.width / 2, node.y - ELLIPSE_HEIGHT / 2), node.width,
                          ELLIPSE_HEIGHT, facecolor="#f6f6f6", edgecolor="#333333", zorder=2)
    ax.add_patch(patch)
    patch.set_gid(f"node:{node.name}")
    ax.text(node.x, node.y, label, ha="center", va="center", fontsize=fontsize,
            zorder=3, gid=f"label:{node.name}", **LITERAL_TEXT)
    return patch


def _draw_items(ax, node: _Node, patch, sizes: _Sizes, values: DiagramValues) -> None:
    """The row of item boxes of ``node`` (with their loadings or weights), each with an arrow
    from the construct's shape ``patch`` (to it, for a composite)."""
    from matplotlib.patches import FancyArrowPatch, Rectangle

    if not node.items:
        return
    widths = [sizes.item_width(i) for i in node.items]
    total = sum(widths) + ITEM_GAP * (len(widths) - 1)
    x = node.x - total / 2
    direction = 1 if node.items_above else -1
    box_height = sizes.box_height
    y_center = node.y + direction * (ELLIPSE_HEIGHT / 2 + ROW_GAP + box_height / 2)
    composite = node.name in values.composites
    for item, w in zip(node.items, widths):
        box = Rectangle((x, y_center - box_height / 2), w, box_height, facecolor="white",
                        edgecolor="#555555", linewidth=0.8, zorder=2, gid=f"item:{item}")
        ax.add_patch(box)
        text = item
        if sizes.loadings and (node.name, item) in values.items:
            text += f"\n{values.items[(node.name, item)]:.2f}"
        ax.text(x + w / 2, y_center, text, ha="center", va="center",
                fontsize=sizes.fontsize - 1, zorder=3, gid=f"itemlabel:{item}", **LITERAL_TEXT)
        ends = [((node.x, node.y), patch, node.name), ((x + w / 2, y_center), box, item)]
        if composite:  # Mode B: the items form the composite
            ends.reverse()
        (pos_a, patch_a, name_a), (pos_b, patch_b, name_b) = ends
        arrow = FancyArrowPatch(posA=pos_a, posB=pos_b, patchA=patch_a, patchB=patch_b,
                                arrowstyle="-|>", mutation_scale=8,
                                color=COMPOSITE_COLOURS[1] if composite else "#777777",
                                linewidth=0.7, shrinkA=0, shrinkB=0, zorder=1,
                                gid=f"arrow:{name_a}->{name_b}")
        ax.add_patch(arrow)
        x += w + ITEM_GAP


@dataclass
class _Canvas:
    """The nodes drawn so far and what the arrows and labels between them must avoid.

    Attributes
    ----------
    occupied : list of box
        Every shape drawn before the arrows (nodes, item boxes).
    node_boxes : dict of str to box
    item_boxes : list of box
    label_boxes : list of box
        The path and covariance labels drawn so far.
    arcs : list of (start, end, rad)
        The arcs drawn so far (for the axes limits).
    """

    ax: Any
    fontsize: float
    placed: dict[str, _Node]
    shapes: dict[str, Any]
    occupied: list
    node_boxes: dict[str, tuple[float, float, float, float]]
    item_boxes: list
    label_boxes: list = field(default_factory=list)
    arcs: list = field(default_factory=list)

    @classmethod
    def after_nodes(cls, ax, fontsize: float, placed: dict[str, _Node],
                    shapes: dict[str, Any]) -> "_Canvas":
        return cls(ax, fontsize, placed, shapes, occupied=[_patch_box(p) for p in ax.patches],
                   node_boxes={name: _patch_box(shapes[name]) for name in placed},
                   item_boxes=[_patch_box(p) for p in ax.patches
                               if p.get_gid() and p.get_gid().startswith("item:")])

    def obstacles(self, a: str, b: str) -> list:
        """What an arc from ``a`` to ``b`` should not cross: the other nodes and every item."""
        return [box for name, box in self.node_boxes.items() if name not in (a, b)] \
            + self.item_boxes

    def draw_arc(self, a: str, b: str, rad: float, gid: str, **style: Any) -> None:
        """An arrow (arc3 curve of curvature ``rad``) between the shapes of ``a`` and ``b``."""
        from matplotlib.patches import FancyArrowPatch

        start, end = self.placed[a], self.placed[b]
        self.arcs.append((start, end, rad))
        self.ax.add_patch(FancyArrowPatch(
            posA=(start.x, start.y), posB=(end.x, end.y),
            patchA=self.shapes[a], patchB=self.shapes[b], connectionstyle=f"arc3,rad={rad}",
            shrinkA=0, shrinkB=0, zorder=1, gid=gid, **style))

    def draw_label(self, a: str, b: str, rad: float, text: str, gid: str) -> None:
        """``text`` on the arc from ``a`` to ``b``, where it collides with nothing drawn."""
        x, y = _free_spot(self.placed[a], self.placed[b], rad, text, self.fontsize,
                          self.occupied + self.label_boxes)
        self.label_boxes.append(_text_box(x, y, text, self.fontsize))
        self.ax.text(x, y, text, ha="center", va="center", fontsize=self.fontsize, zorder=4,
                     bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                           "edgecolor": "none"},
                     gid=gid, **LITERAL_TEXT)


def _draw_paths(canvas: _Canvas, graph: _DiagramGraph, std: pd.DataFrame, slot: float,
                hypothesis_of: dict[tuple, str], alpha: float) -> None:
    """The structural paths and second-order loadings: arrows (dashed when p >= ``alpha``)
    labelled with the standardized estimate, its stars and the hypothesis id."""
    structural = set(graph.structural)
    for a, b in graph.directed:
        row = std.loc[(b, "~", a)] if (a, b) in structural else std.loc[(a, "=~", b)]
        # dashed: not significant; fixed parameters (a marker loading) have no test
        significant = row["se"] == 0 or (np.isfinite(row["pvalue"]) and row["pvalue"] < alpha)
        start, end = canvas.placed[a], canvas.placed[b]
        preferred = _layer_skipping_rad(start, end, graph.layer[b] - graph.layer[a], slot)
        rad = _clear_rad(start, end, preferred, canvas.obstacles(a, b))
        canvas.draw_arc(a, b, rad, f"path:{a}->{b}", arrowstyle="-|>", mutation_scale=12,
                        linewidth=1.3, color="#1f3b73",
                        linestyle="-" if significant else (0, (4, 3)))
        text = f"{row['std_all']:.2f}{stars(row['pvalue'])}{_mark(row['std_all'])}"
        if (a, b) in hypothesis_of:
            text = f"{hypothesis_of[(a, b)]}: {text}"
        canvas.draw_label(a, b, rad, text, f"pathlabel:{a}->{b}")


def _layer_skipping_rad(start: _Node, end: _Node, skip: int, slot: float) -> float:
    """The preferred curvature of an arrow: straight between neighbouring layers; an arc
    that skips layers bows below the row, deeper the more layers it skips."""
    distance = float(np.hypot(end.x - start.x, end.y - start.y))
    if skip == 1 or distance == 0:
        return 0.0
    preferred = (0.55 * slot * (abs(skip) - 1) + 0.7) / distance
    return -preferred if end.x < start.x else preferred


def _draw_covariances(canvas: _Canvas, graph: _DiagramGraph, estimates: pd.DataFrame,
                      alpha: float) -> None:
    """The free covariances between drawn nodes: double-headed arcs bowing outwards (left of
    the first layer, right of the others), labelled with the correlation and its stars."""
    placed = canvas.placed
    for a, b, row in _construct_covariances(estimates, placed):
        significant = np.isfinite(row.pvalue) and row.pvalue < alpha
        outward = -1.0 if graph.layer[a] == 0 else 1.0
        rad = _clear_rad(placed[a], placed[b], None, canvas.obstacles(a, b), side=outward,
                         min_offset=max(placed[a].width, placed[b].width) / 2 + 0.25)
        canvas.draw_arc(a, b, rad, f"covariance:{a}->{b}", arrowstyle="<|-|>",
                        mutation_scale=9, linewidth=0.9, color="#6b7fa8",
                        linestyle="-" if significant else (0, (4, 3)))
        canvas.draw_label(a, b, rad, f"{row.std_all:.2f}{stars(row.pvalue)}{_mark(row.std_all)}",
                          f"covlabel:{a}->{b}")


def _fit_limits(ax, boxes: list, arcs: list) -> None:
    """Axes limits that contain every shape, label and arc (with a margin)."""
    xs, ys = [], []
    for x0, y0, x1, y1 in boxes:
        if np.isfinite(x0):
            xs += [x0, x1]
            ys += [y0, y1]
    for start, end, rad in arcs:
        mx, my = (start.x + end.x) / 2, (start.y + end.y) / 2
        dx, dy = end.x - start.x, end.y - start.y
        xs.append(mx + rad * dy / 2)   # the arc's apex is halfway to its control point
        ys.append(my - rad * dx / 2)
    margin = 0.3
    ax.set_xlim(min(xs) - margin, max(xs) + margin)
    ax.set_ylim(min(ys) - margin, max(ys) + margin)
    width = ax.get_xlim()[1] - ax.get_xlim()[0]
    height = ax.get_ylim()[1] - ax.get_ylim()[0]
    if ax.figure.get_axes() == [ax]:
        ax.figure.set_size_inches(max(width, 4.0), max(height, 2.5))
        ax.set_position([0, 0, 1, 1])


def _construct_covariances(estimates, placed: dict) -> list:
    """Free covariances between two drawn constructs (or structural observed variables)."""
    rows = estimates[(estimates["op"] == "~~") & (estimates["lhs"] != estimates["rhs"])
                     & estimates["lhs"].isin(list(placed)) & estimates["rhs"].isin(list(placed))
                     & (estimates["se"] > 0)]
    return [(row.lhs, row.rhs, row) for row in rows.itertuples(index=False)]


def _arc_points(start: _Node, end: _Node, rad: float, n: int = 40) -> np.ndarray:
    """Points of the arc3 curve (a quadratic Bezier) from start to end, ends excluded."""
    (x0, y0), (x1, y1) = (start.x, start.y), (end.x, end.y)
    control = ((x0 + x1) / 2 + rad * (y1 - y0), (y0 + y1) / 2 - rad * (x1 - x0))
    t = np.linspace(0.04, 0.96, n)[:, None]
    return ((1 - t) ** 2 * np.array([x0, y0]) + 2 * (1 - t) * t * np.array(control)
            + t**2 * np.array([x1, y1]))


def _hits(points: np.ndarray, boxes: list) -> int:
    return sum(int(np.any((points[:, 0] > x0) & (points[:, 0] < x1) & (points[:, 1] > y0)
                          & (points[:, 1] < y1))) for x0, y0, x1, y1 in boxes)


def _clear_rad(start: _Node, end: _Node, preferred: float | None, boxes: list, *,
               side: float = 0.0, min_offset: float = 0.4) -> float:
    """The curvature of an arc from start to end that crosses no box, if one is found.

    ``preferred`` is tried first (straight lines and the layer-skipping bow);
    then arcs bowing to either side (``side`` -1/+1 prefers left/right) with
    their apex ``min_offset``, 1.5, 2.2 and 3 times as far from the chord.
    Ties in the number of boxes crossed go to the earlier candidate.
    """
    distance = float(np.hypot(end.x - start.x, end.y - start.y))
    if distance == 0:
        return 0.0
    candidates = [] if preferred is None else [preferred]
    normal_x = (end.y - start.y) / distance  # x of the apex direction for rad > 0
    for factor in (1.0, 1.5, 2.2, 3.0):
        rad = 2 * min_offset * factor / distance  # the apex is rad * distance / 2 off the chord
        pair = [rad, -rad]
        if side and normal_x * side < 0:
            pair.reverse()
        candidates += pair
    best, best_hits = candidates[0], None
    for rad in candidates:
        hits = _hits(_arc_points(start, end, rad), boxes)
        if hits == 0:
            return rad
        if best_hits is None or hits < best_hits:
            best, best_hits = rad, hits
    return best


def _patch_box(patch) -> tuple[float, float, float, float]:
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


def _text_box(x: float, y: float, text: str, fontsize: float) -> tuple[float, float, float, float]:
    w = _text_width(text, fontsize) + 0.1
    h = fontsize / 72 * 1.6
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def _overlaps(a, b) -> bool:
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


def _free_spot(start: _Node, end: _Node, rad: float, text: str, fontsize: float,
               occupied: list) -> tuple[float, float]:
    """A point along the arrow (arc) where the label collides with nothing drawn."""
    (x0, y0), (x1, y1) = (start.x, start.y), (end.x, end.y)
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    dx, dy = x1 - x0, y1 - y0
    control = (mx + rad * dy, my - rad * dx)  # arc3 control point
    candidates = [0.5, 0.4, 0.6, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8, 0.35, 0.65, 0.45, 0.55]
    best: tuple[float, float] | None = None
    for t in candidates:
        x = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * control[0] + t**2 * x1
        y = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * control[1] + t**2 * y1
        box = _text_box(x, y, text, fontsize)
        if not any(_overlaps(box, other) for other in occupied):
            return x, y
        if best is None:
            best = (x, y)
    for shift in (0.35, -0.35, 0.7, -0.7):
        x, y = mx, my + shift
        if not any(_overlaps(_text_box(x, y, text, fontsize), other) for other in occupied):
            return x, y
    return best if best is not None else (mx, my)
