"""Path diagrams of CB-SEM and PLS-SEM fits, with matplotlib only (no graphviz).

Constructs are ellipses in layers in causal order (the layer of a construct
is the length of the longest structural path that reaches it; a second-order
factor comes before the constructs it measures); within a layer, constructs
are ordered by the barycenter heuristic to reduce crossings (Sugiyama, Tagawa
& Toda, 1981). When one row of layers would be wider than a journal column
(``width``, 7 in), :mod:`.layout` wraps the layers into bands, so that the
text stays legible once the figure is scaled to the column. Items are small
boxes on the side of their construct that its arrows leave free. Arrows are
clipped at the shapes' edges; an arrow or arc that would cross a shape bows
around it, and labels sit on their own arc where they cover no shape, label
or other arc (:mod:`.diagram_arcs`). Path labels carry the standardized
coefficient with significance stars; covariances between constructs
(exogenous constructs, residuals of outcomes) and the residual covariances of items
are double-headed arcs labelled with the correlation. A note under the diagram says what the stars
and dashes mean. A PLS-SEM fit shows its path coefficients, outer loadings
(Mode A) or weights (Mode B) and R² (:mod:`.diagram_values` reads either kind
of fit); its composites are drawn in their own colour with arrows from the
items.

References
----------
Sugiyama, K., Tagawa, S., & Toda, M. (1981). Methods for visual
understanding of hierarchical system structures. IEEE Transactions on
Systems, Man, and Cybernetics, 11(2), 109-125.
"""
from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import ArgumentError
from .diagram_arcs import (LITERAL_TEXT, NOTE_WIDTH, Canvas, arc_points, fit_limits, hits,
                           patch_box, text_box)
from .diagram_values import DiagramValues, OuterValues, diagram_values, outer_caption
from .layout import COLUMN_GAP, ELLIPSE_HEIGHT, Layout, Measures, PlacedNode, arrange, text_width

if TYPE_CHECKING:
    import pandas as pd

    from ..estimate import FitResult
    from ..pls import PLSResult
    from ..spec import ModelSpec

#: (face, edge) of a reflective construct and of a composite (PLS Mode B)
CONSTRUCT_COLOURS = ("#eef3fb", "#1f3b73")
COMPOSITE_COLOURS = ("#fbf1e4", "#9a5b13")
#: the names the tests and users restyle by (kept from the one-row layout)
_arc_points, _hits, _patch_box = arc_points, hits, patch_box


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


def path_diagram(result: FitResult | PLSResult, *, items: bool = True, hypotheses: bool = False,
                 loadings: bool = True, outer: OuterValues = "auto", ax=None,
                 fontsize: float = 9.0, alpha: float = 0.05, width: float = 7.0,
                 legend: bool = True, title: str | None = None, residuals: bool = False):
    """Draw a fitted model (CB-SEM or PLS-SEM) as a path diagram.

    Parameters
    ----------
    result : FitResult, PLSResult or a multi-group fit's ``group_view(g)``
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
    width : float
        The width (inches) the figure is meant for, 7 in for a journal column:
        layers wrap into bands so that the text stays at least 6 pt once the
        figure is scaled to it (and to a 9-in tall page).
    legend : bool
        A note under the diagram: what the numbers are, the stars (``* p <
        .05, ** p < .01, *** p < .001``), the dashes (not significant at
        ``alpha``; for a PLS-SEM fit without a bootstrap, that no test was
        made). Its text has gid ``legend``.
    title : str, optional
        A title above the diagram (gid ``title``); a group's view of a
        multi-group fit is titled with its group unless a title is given
        (``title=""`` for none).
    residuals : bool
        CB-SEM: each item's residual variance (standardized, ``std_all`` of
        its ``~~`` row) as a double-headed loop on the outer side of its box
        (gids ``residual:ITEM->ITEM`` and ``residuallabel:ITEM``).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.savefig("model.svg")`` (or .png, .pdf); its size is the
        drawing's, one data unit to the inch.

    Raises
    ------
    ArgumentError
        ``width`` is not positive, ``residuals=True`` for a PLS-SEM fit, or
        ``outer`` does not fit the result (:func:`.diagram_values`).

    Notes
    -----
    Mode B composites (PLS-SEM) are drawn in a different colour, with their
    arrows from the items to the composite; reflective constructs have arrows
    from the construct to its items. Every shape and text carries a gid
    (``node:NAME``, ``item:NAME``, ``arrow:A->B``, ``path:A->B``,
    ``pathlabel:A->B``, ``covariance:A->B``, ``legend``, ``title``), so a
    figure can be restyled after it is drawn (``legend=False`` leaves the note
    out).

    Examples
    --------
    >>> from loyaltysem.pls import fit_pls
    >>> result = fit_pls("models/corp_rep_extended.yaml", "corp_rep",
    ...                  missing="mean")  # doctest: +SKIP
    >>> path_diagram(result).savefig("corp_rep_extended.svg")  # doctest: +SKIP
    """
    if not (isinstance(width, (int, float)) and np.isfinite(width) and width > 0):
        raise ArgumentError(f"width must be a positive number of inches (7 for a journal "
                            f"column); got {width!r}")
    values = diagram_values(result, outer)
    if residuals and values.method != "CB-SEM":
        raise ArgumentError("residuals=True needs a CB-SEM fit (loyaltysem.fit): a PLS-SEM "
                            "fit has no residual variances; use residuals=False")
    nodes = set(_diagram_graph(result.spec).nodes)
    covariances = _construct_covariances(values.covariances, nodes)
    graph = _diagram_graph(result.spec, [(a, b) for a, b, _ in covariances])
    hypothesis_of = ({tuple(h.chain): h.id for h in result.spec.hypotheses if len(h.chain) == 2}
                     if hypotheses else {})
    texts = _path_texts(graph, values.paths, hypothesis_of)
    measures = _measures(graph, items=items, loadings=loadings, fontsize=fontsize,
                         residuals=residuals, labels=[t for t, _ in texts.values()])
    layout = arrange(graph.columns, list(graph.directed) + [(a, b) for a, b, _ in covariances],
                     measures, width=width)
    fig, ax = _diagram_axes(ax, layout)
    shapes = _draw_nodes(ax, layout.nodes, graph, values, fontsize, loadings=loadings)
    extra = _draw_residuals(ax, layout.nodes, values, fontsize) if residuals else []
    canvas = Canvas.after_nodes(ax, fontsize, layout.nodes, shapes, extra)
    _draw_paths(canvas, graph, texts, alpha)
    _draw_covariances(canvas, layout, covariances, alpha)
    if items:
        _draw_item_covariances(canvas, values.covariances, alpha)
    canvas.repair_labels()
    boxes = canvas.occupied + canvas.labels
    arcs = [points for gid, points in canvas.curves]
    shown = any(t.get_gid().startswith("label:") and "R²" in t.get_text() for t in ax.texts)
    caption = outer_caption(values, outer) if items and loadings else ""
    boxes += _draw_notes(fig, ax, result, values, boxes, arcs, fontsize=fontsize, title=title,
                         legend=legend, alpha=alpha, residuals=residuals, r2=shown,
                         items=caption)
    fit_limits(ax, boxes, arcs)
    return fig


def _measures(graph: _DiagramGraph, *, items: bool, loadings: bool, fontsize: float,
              residuals: bool, labels: list[str]) -> Measures:
    """The sizes of the diagram's shapes (inches) at ``fontsize``; columns far enough
    apart for the longest of the path ``labels``."""
    latent = graph.latent
    item_names = {n: [i for i in graph.constructs[n].items if i not in latent]
                  if items and n in graph.constructs else [] for n in graph.nodes}
    small = fontsize - 1
    item_widths = {i: max(0.5, text_width(max(i, "0.00", key=len) if loadings else i, small))
                   for names in item_names.values() for i in names}
    node_widths = {n: max(1.3, text_width(n, fontsize + 1) + 0.5) for n in graph.nodes}
    box_height = (2 if loadings else 1) * small * 1.25 / 72 + 0.14
    gap = max([COLUMN_GAP] + [text_width(t, fontsize) + 0.3 for t in labels])
    return Measures(item_names, node_widths, item_widths, box_height, residuals, gap)


def _diagram_axes(ax, layout: Layout):
    """``(figure, axes)``: a new figure sized to the layout unless ``ax`` is given; equal
    aspect, no axis (:func:`.fit_limits` sets the final limits)."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(max(layout.width, 1.0), max(layout.height, 1.0)))
    else:
        fig = ax.figure
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


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


def _diagram_graph(spec: ModelSpec, covaried: Sequence[tuple[str, str]] = ()) -> _DiagramGraph:
    """The nodes of ``spec``'s diagram, its arrows, and the layer and order of each node
    (``covaried``, the pairs of covarying nodes, count as neighbours in the ordering)."""
    constructs = spec.constructs
    latent = set(spec.roles.latent)
    structural = [(a, b) for a, b in spec.structural_paths]
    # second-order loadings (g =~ visual) are arrows between constructs, not item boxes
    higher_order = [(a, b) for a, c in constructs.items() for b in c.items if b in latent]
    directed = structural + higher_order
    nodes = list(dict.fromkeys(list(constructs) + [n for e in directed for n in e]))
    layer = layers(nodes, directed)
    neighbours = list(directed) + [p for p in covaried if p[0] in layer and p[1] in layer]
    return _DiagramGraph(constructs, frozenset(latent), tuple(structural), tuple(directed),
                         tuple(nodes), layer, order_layers(nodes, neighbours, layer))


def _draw_nodes(ax, placed: dict[str, PlacedNode], graph: _DiagramGraph, values: DiagramValues,
                fontsize: float, *, loadings: bool) -> dict[str, Any]:
    """Every node with its items; the node shapes by name."""
    targets = {b for _, b in graph.directed}
    shapes = {}
    for node in placed.values():
        label = node.name
        if node.name in values.r2.index and node.name in targets:
            label += f"\nR² = {values.r2[node.name]:.2f}"
        shapes[node.name] = _draw_node(ax, node, label, node.name in graph.constructs, fontsize,
                                       composite=node.name in values.composites)
        _draw_items(ax, node, shapes[node.name], values, fontsize - 1, loadings=loadings)
    return shapes


def _draw_node(ax, node: PlacedNode, label: str, is_latent: bool, fontsize: float, *,
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


def _draw_items(ax, node: PlacedNode, patch, values: DiagramValues, fontsize: float, *,
                loadings: bool) -> None:
    """The item boxes of ``node`` (with their loadings or weights), each with an arrow
    from the construct's shape ``patch`` (to it, for a composite)."""
    from matplotlib.patches import FancyArrowPatch, Rectangle

    composite = node.name in values.composites
    for item in node.boxes:
        box = Rectangle((item.x - item.width / 2, item.y - item.height / 2), item.width,
                        item.height, facecolor="white", edgecolor="#555555", linewidth=0.8,
                        zorder=2, gid=f"item:{item.name}")
        ax.add_patch(box)
        text = item.name
        if loadings and (node.name, item.name) in values.items:
            text += f"\n{values.items[(node.name, item.name)]:.2f}"
        ax.text(item.x, item.y, text, ha="center", va="center", fontsize=fontsize, zorder=3,
                gid=f"itemlabel:{item.name}", **LITERAL_TEXT)
        ends = [((node.x, node.y), patch, node.name), ((item.x, item.y), box, item.name)]
        if composite:  # Mode B: the items form the composite
            ends.reverse()
        (pos_a, patch_a, name_a), (pos_b, patch_b, name_b) = ends
        ax.add_patch(FancyArrowPatch(posA=pos_a, posB=pos_b, patchA=patch_a, patchB=patch_b,
                                     arrowstyle="-|>", mutation_scale=8,
                                     color=COMPOSITE_COLOURS[1] if composite else "#777777",
                                     linewidth=0.7, shrinkA=0, shrinkB=0, zorder=1,
                                     gid=f"arrow:{name_a}->{name_b}"))


def _draw_residuals(ax, placed: dict[str, PlacedNode], values: DiagramValues,
                    fontsize: float) -> list:
    """Each item's standardized residual variance: a double-headed loop on the outer side
    of its box, the value beyond it. The boxes of the values."""
    from matplotlib.patches import FancyArrowPatch

    table = values.covariances
    rows = table[(table["op"] == "~~") & (table["lhs"] == table["rhs"])]
    residual = dict(zip(rows["lhs"], rows["std_all"]))
    boxes = []
    size = fontsize - 1
    for node in placed.values():
        dx, dy = {"above": (0, 1), "below": (0, -1), "left": (-1, 0), "right": (1, 0)}[node.side]
        for item in node.boxes:
            if item.name not in residual:
                continue
            ex, ey = item.x + dx * item.width / 2, item.y + dy * item.height / 2
            spread = 0.09
            pos_a = (ex - spread * dy, ey + spread * dx)
            pos_b = (ex + spread * dy, ey - spread * dx)
            ax.add_patch(FancyArrowPatch(posA=pos_a, posB=pos_b, arrowstyle="<|-|>",
                                         connectionstyle="arc3,rad=-1.3", mutation_scale=5,
                                         linewidth=0.6, color="#777777", shrinkA=0, shrinkB=0,
                                         zorder=1, gid=f"residual:{item.name}->{item.name}"))
            text = f"{residual[item.name]:.2f}"
            box = text_box(0, 0, text, size)
            half_w, half_h = (box[2] - box[0]) / 2, (box[3] - box[1]) / 2
            reach = 0.16
            x = ex + dx * (reach + half_w)
            y = ey + dy * (reach + half_h)
            ax.text(x, y, text, ha="center", va="center", fontsize=size, color="#555555",
                    zorder=3, gid=f"residuallabel:{item.name}", **LITERAL_TEXT)
            boxes.append(text_box(x, y, text, size))
    return boxes


def _path_texts(graph: _DiagramGraph, std: pd.DataFrame,
                hypothesis_of: dict[tuple, str]) -> dict[tuple[str, str], tuple[str, Any]]:
    """Each structural path's and second-order loading's label (the standardized estimate,
    its stars and hypothesis id) and its row of ``std``, by ``(from, to)``."""
    structural = set(graph.structural)
    texts = {}
    for a, b in graph.directed:
        row = std.loc[(b, "~", a)] if (a, b) in structural else std.loc[(a, "=~", b)]
        text = f"{row['std_all']:.2f}{stars(row['pvalue'])}{_mark(row['std_all'])}"
        if (a, b) in hypothesis_of:
            text = f"{hypothesis_of[(a, b)]}: {text}"
        texts[(a, b)] = (text, row)
    return texts


def _draw_paths(canvas: Canvas, graph: _DiagramGraph, texts: dict, alpha: float) -> None:
    """The structural paths and second-order loadings: arrows (dashed when p >= ``alpha``)
    labelled by :func:`_path_texts`."""
    for a, b in graph.directed:
        text, row = texts[(a, b)]
        # dashed: not significant; fixed parameters (a marker loading) have no test
        significant = row["se"] == 0 or (np.isfinite(row["pvalue"]) and row["pvalue"] < alpha)
        canvas.connect(a, b, f"path:{a}->{b}", text, f"pathlabel:{a}->{b}", arrowstyle="-|>",
                       mutation_scale=12, linewidth=1.3, color="#1f3b73",
                       linestyle="-" if significant else (0, (4, 3)))


def _draw_covariances(canvas: Canvas, layout: Layout, covariances: list, alpha: float) -> None:
    """The free covariances between drawn nodes: double-headed arcs bowing away from the
    nodes' items, labelled with the correlation and its stars."""
    placed = canvas.placed
    for a, b, row in covariances:
        significant = np.isfinite(row.pvalue) and row.pvalue < alpha
        canvas.connect(a, b, f"covariance:{a}->{b}",
                       f"{row.std_all:.2f}{stars(row.pvalue)}{_mark(row.std_all)}",
                       f"covlabel:{a}->{b}", preferred=None,
                       side=_away_from_items(placed[a], placed[b], layout),
                       min_offset=max(placed[a].width, placed[b].width) / 2 + 0.25,
                       arrowstyle="<|-|>", mutation_scale=9, linewidth=0.9, color="#6b7fa8",
                       linestyle="-" if significant else (0, (4, 3)))


def _draw_item_covariances(canvas: Canvas, estimates, alpha: float) -> None:
    """The free residual covariances between drawn items (``x7 ~~ x8``): double-headed
    arcs between their boxes, bowing away from their constructs, labelled with the
    standardized value and its stars."""
    boxes = {box.name: (node, box) for node in canvas.placed.values() for box in node.boxes}
    rows = estimates[(estimates["op"] == "~~") & (estimates["lhs"] != estimates["rhs"])
                     & estimates["lhs"].isin(list(boxes)) & estimates["rhs"].isin(list(boxes))
                     & (estimates["se"] > 0)]
    patches = {p.get_gid(): p for p in canvas.ax.patches}
    for row in rows.itertuples(index=False):
        ends = []
        for name in (row.lhs, row.rhs):
            node, box = boxes[name]
            key = f"item:{name}"
            canvas.placed[key] = PlacedNode(key, box.x, box.y, box.width, [])
            canvas.shapes[key] = patches[key]
            ends.append((key, node))
        (a, node_a), (b, node_b) = ends
        centre = np.array([(node_a.x + node_b.x) / 2, (node_a.y + node_b.y) / 2])
        start, end = canvas.placed[a], canvas.placed[b]
        normal = np.array([end.y - start.y, -(end.x - start.x)])
        middle = np.array([(start.x + end.x) / 2, (start.y + end.y) / 2])
        significant = np.isfinite(row.pvalue) and row.pvalue < alpha
        canvas.connect(a, b, f"covariance:{row.lhs}->{row.rhs}",
                       f"{row.std_all:.2f}{stars(row.pvalue)}{_mark(row.std_all)}",
                       f"covlabel:{row.lhs}->{row.rhs}", preferred=None,
                       side=1.0 if float(np.dot(normal, middle - centre)) >= 0 else -1.0,
                       min_offset=0.2, arrowstyle="<|-|>", mutation_scale=7, linewidth=0.7,
                       color="#6b7fa8", linestyle="-" if significant else (0, (4, 3)))


def _away_from_items(start: PlacedNode, end: PlacedNode, layout: Layout) -> float:
    """+1 when an arc from start to end should bow to the side its normal ``(dy, -dx)``
    points to (away from the two nodes' items and towards the drawing's middle), else -1."""
    normal = np.array([end.y - start.y, -(end.x - start.x)])
    middle = np.array([(start.x + end.x) / 2, (start.y + end.y) / 2])
    pull = np.zeros(2)
    for node in (start, end):
        for box in node.boxes:
            pull += middle - np.array([box.x, box.y])
    if not pull.any():
        centre = np.mean([[n.x, n.y] for n in layout.nodes.values()], axis=0)
        pull = centre - middle
    toward = float(np.dot(normal, pull))
    return 1.0 if toward >= 0 else -1.0


def _construct_covariances(estimates, drawn: set[str]) -> list:
    """Free covariances between two drawn constructs (or structural observed variables)."""
    rows = estimates[(estimates["op"] == "~~") & (estimates["lhs"] != estimates["rhs"])
                     & estimates["lhs"].isin(list(drawn)) & estimates["rhs"].isin(list(drawn))
                     & (estimates["se"] > 0)]
    return [(row.lhs, row.rhs, row) for row in rows.itertuples(index=False)]


#: the mark of a standardized value beyond ±1 (inadmissible) on a diagram
INADMISSIBLE_MARK = "!"


def _mark(value: float) -> str:
    """``!`` after a standardized path or correlation beyond ±1: not an admissible value."""
    return INADMISSIBLE_MARK if np.isfinite(value) and abs(value) > 1 else ""


def legend_text(values: DiagramValues, *, alpha: float = 0.05, residuals: bool = False,
                r2: bool = True, items: str = "") -> str:
    """The note under a diagram: what its numbers are, its stars and its dashes.

    ``r2``: R² is shown in the outcomes; ``items``: what the item boxes show (e.g.
    :func:`.outer_caption`), nothing said when empty."""
    level = f"{alpha:.3f}".rstrip("0").lstrip("0") or "0"
    tested = values.method == "CB-SEM" or bool(values.paths["pvalue"].notna().any())
    first = "Standardized estimates (std.all)" if values.method == "CB-SEM" \
        else f"{values.method} path coefficients"
    parts = [first + ("; R² in the outcomes." if r2 else ".")]
    if items:
        parts.append(items[0].upper() + items[1:] + ".")
    if tested:
        # no-break spaces keep "p < .05" on one line when the note wraps
        parts.append("*\u00a0p\u00a0<\u00a0.05, **\u00a0p\u00a0<\u00a0.01, "
                     "***\u00a0p\u00a0<\u00a0.001"
                     + ("" if values.method == "CB-SEM" else " (bootstrap)")
                     + f"; dashed: not significant (p\u00a0≥\u00a0{level}).")
    else:
        parts.append("No bootstrap: no significance test (no stars, no dashes).")
    if residuals:
        parts.append("Loops: standardized residual variances of the items.")
    return " ".join(parts)


def _draw_notes(fig, ax, result, values: DiagramValues, boxes: list, arcs: list, *,
                fontsize: float, title: str | None, legend: bool, alpha: float,
                residuals: bool, r2: bool = True, items: str = "") -> list:
    """The title above the drawing, the legend and the inadmissibility note under it (see
    :func:`legend_text`, :func:`_note_inadmissible`); their boxes."""
    x0, y0, x1, y1 = _extent(boxes, arcs)
    # notes as wide as the drawing, at least 5 in (a narrow CFA would wrap them to shreds)
    chars = int(max(x1 - x0, NOTE_WIDTH) / (0.62 * (fontsize - 1) / 72)) - 2
    added = []
    if title is None:
        title = _group_title(result)
    if title:
        size = fontsize + 1
        y = y1 + 0.12
        ax.text((x0 + x1) / 2, y, title, ha="center", va="bottom", fontsize=size,
                fontweight="bold", gid="title", **LITERAL_TEXT)
        added.append(_note_box((x0 + x1) / 2, y, title, size, "center"))
    notes = []
    if legend:
        notes.append(("legend", legend_text(values, alpha=alpha, residuals=residuals,
                                            r2=r2, items=items), "#333333"))
    if not getattr(result, "admissible", True):
        notes.append(("inadmissible-note", "Inadmissible solution (see the fit's warnings): "
                      f"{INADMISSIBLE_MARK} marks standardized values beyond ±1.", "#b00020"))
    y = y0 - 0.1
    for gid, note, colour in notes:
        wrapped = "\n".join(textwrap.wrap(note, chars))
        target = fig if gid == "inadmissible-note" else ax
        target.text(x0, y, wrapped, ha="left", va="top", fontsize=fontsize - 1, color=colour,
                    transform=ax.transData, gid=gid, **LITERAL_TEXT)
        box = _note_box(x0, y, wrapped, fontsize - 1, "left")
        added.append(box)
        y = box[1] - 0.05
    return added


def _group_title(result) -> str:
    """``"Group: Pasteur (school)"`` for a group's view of a multi-group fit, else ``""``."""
    group, variable = getattr(result, "group", None), getattr(result, "group_variable", None)
    if not isinstance(group, str) or not isinstance(variable, str):
        return ""
    return f"Group: {getattr(result, 'group_name', None) or group} ({variable})"


def _note_box(x: float, y: float, text: str, size: float, align: str) -> tuple:
    """The box of a note whose top (``align="left"``: top left) or bottom (``"center"``:
    bottom centre) is at ``(x, y)``."""
    lines = text.split("\n")
    w = max(text_width(line, size) for line in lines)
    h = size / 72 * 1.25 * len(lines) + 0.04
    if align == "center":
        return (x - w / 2, y, x + w / 2, y + h)
    return (x, y - h, x + w, y)


def _extent(boxes: list, arcs: list) -> tuple[float, float, float, float]:
    """The box ``(x0, y0, x1, y1)`` around every shape, label and arc."""
    finite = [b for b in boxes if np.isfinite(b[0])]
    xs = [b[0] for b in finite] + [b[2] for b in finite]
    ys = [b[1] for b in finite] + [b[3] for b in finite]
    for points in arcs:
        xs += [float(points[:, 0].min()), float(points[:, 0].max())]
        ys += [float(points[:, 1].min()), float(points[:, 1].max())]
    return min(xs), min(ys), max(xs), max(ys)


