"""Path diagrams: legible for every shipped model (renderer bounding boxes)."""
from __future__ import annotations

import itertools
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Ellipse, FancyArrowPatch, Rectangle  # noqa: E402

import loyaltysem as ls  # noqa: E402
from loyaltysem.plot import path_diagram  # noqa: E402
from loyaltysem.plot.path_diagram import layers, stars  # noqa: E402

from lavaan_reference import MODEL_FILES, ROOT, SHIPPED  # noqa: E402

#: the shipped models, and reference models with second-order factors,
#: covariates beside latent predictors and layer-skipping paths
DIAGRAMS = [(ROOT / "models" / model, data) for model, data in SHIPPED] + [
    (MODEL_FILES["hs_second_order"], "holzinger_swineford"),
    (MODEL_FILES["hs_mixed"], "holzinger_swineford"),
    (MODEL_FILES["poldem_eq"], "political_democracy"),
]


@pytest.fixture(scope="module", params=DIAGRAMS, ids=[path.stem for path, _ in DIAGRAMS])
def diagram(request):
    model, data = request.param
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(model, data, emit_warnings=False)
    fig = path_diagram(result, hypotheses=True)
    fig.canvas.draw()
    return result, fig


def _owner(gid: str) -> str:
    """The shape a text belongs in: a node's label in its ellipse, an item's in its box
    (any other text, a residual's value, a legend, belongs in no shape)."""
    kind, _, name = (gid or "").partition(":")
    return name if kind in ("label", "itemlabel", "node", "item") else ""


def test_no_two_texts_or_shapes_overlap(diagram):
    _, fig = diagram
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    shapes = [(p.get_gid(), p.get_window_extent(renderer)) for p in ax.patches
              if isinstance(p, (Ellipse, Rectangle))]
    texts = [(t.get_gid(), t.get_window_extent(renderer)) for t in ax.texts + fig.texts
             if t.get_text()]
    for (a, box_a), (b, box_b) in itertools.combinations(shapes, 2):
        assert not box_a.overlaps(box_b), f"shapes {a} and {b} overlap"
    for (a, box_a), (b, box_b) in itertools.combinations(texts, 2):
        assert not box_a.overlaps(box_b), f"texts {a} and {b} overlap"
    for text_gid, text_box in texts:
        for shape_gid, shape_box in shapes:
            if _owner(text_gid) and _owner(text_gid) == _owner(shape_gid):
                assert shape_box.contains(*text_box.p0) and shape_box.contains(*text_box.p1), \
                    f"{text_gid} sticks out of its shape"
                continue
            assert not text_box.overlaps(shape_box), f"text {text_gid} overlaps {shape_gid}"


def test_every_arrow_ends_on_its_targets_edge(diagram):
    _, fig = diagram
    ax = fig.axes[0]
    by_gid = {p.get_gid(): p for p in ax.patches}
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert arrows
    for arrow in arrows:
        source, target = arrow.get_gid().split(":", 1)[1].split("->")
        shape = by_gid.get(f"node:{target}") or by_gid.get(f"item:{target}")
        tip = arrow.get_path().vertices.T  # data coordinates, arrow head included
        if isinstance(shape, Ellipse):
            cx, cy = shape.center
            radius = ((tip[0] - cx) / (shape.width / 2)) ** 2 + ((tip[1] - cy) / (shape.height / 2)) ** 2
            # distance of the tip from the outline, in data units (= inches): within 0.06"
            distance = np.abs(np.sqrt(radius) - 1) * max(shape.width, shape.height) / 2
            assert np.min(distance) < 0.06, f"{arrow.get_gid()} does not end on the edge"
        else:
            x0, y0 = shape.get_x(), shape.get_y()
            x1, y1 = x0 + shape.get_width(), y0 + shape.get_height()
            on_edge = (np.minimum.reduce([np.abs(tip[0] - x0), np.abs(tip[0] - x1),
                                          np.abs(tip[1] - y0), np.abs(tip[1] - y1)]) < 0.06) & \
                (tip[0] >= x0 - 0.06) & (tip[0] <= x1 + 0.06) & (tip[1] >= y0 - 0.06) & (tip[1] <= y1 + 0.06)
            assert on_edge.any(), f"{arrow.get_gid()} does not end on the box edge"


def test_saves_png_svg_pdf_and_accepts_ax(tmp_path, diagram):
    result, fig = diagram
    for suffix in ("png", "svg", "pdf"):
        fig.savefig(tmp_path / f"model.{suffix}")
        assert (tmp_path / f"model.{suffix}").stat().st_size > 1000
    import matplotlib.pyplot as plt

    own_fig, ax = plt.subplots(figsize=(8, 4))
    assert path_diagram(result, ax=ax, items=False) is own_fig
    plt.close("all")


def test_paths_are_labelled_with_standardized_coefficients_and_stars():
    result = ls.fit(ROOT / "models/loyalty_chain.yaml", "loyalty_chain")
    fig = path_diagram(result, hypotheses=True)
    labels = {t.get_gid(): t.get_text() for t in fig.axes[0].texts}
    std = result.paths.set_index(["rhs", "lhs"]).loc[("SAT", "TRU"), "std_all"]
    assert labels["pathlabel:SAT->TRU"] == f"H1: {std:.2f}***"
    assert "R² = " in labels["label:TRU"]


def test_layers_and_stars():
    assert layers(["A", "B", "C"], [("A", "B"), ("B", "C"), ("A", "C")]) == {"A": 0, "B": 1, "C": 2}
    assert [stars(p) for p in (0.0001, 0.005, 0.03, 0.2, np.nan)] == ["***", "**", "*", "", ""]


def test_a_twelve_construct_model_is_legible():
    """Any user spec up to 12 constructs: a random layered model of 12 constructs."""
    from diagram_models import twelve_constructs

    result = twelve_constructs()
    fig = path_diagram(result)
    fig.canvas.draw()
    test_no_two_texts_or_shapes_overlap((result, fig))
    test_every_arrow_ends_on_its_targets_edge((result, fig))


def _fitted(model, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ls.fit(model, data, emit_warnings=False)


def test_construct_covariances_are_double_headed_arcs_with_correlations():
    result = _fitted(ROOT / "models/corp_rep.yaml", "corp_rep")
    fig = path_diagram(result)
    gids = {p.get_gid(): p for p in fig.axes[0].patches}
    labels = {t.get_gid(): t.get_text() for t in fig.axes[0].texts}
    std = result.estimates.set_index(["lhs", "op", "rhs"]).loc[("COMP", "~~", "LIKE"), "std_all"]
    assert "covariance:COMP->LIKE" in gids
    assert labels["covlabel:COMP->LIKE"] == f"{std:.2f}***"


def test_second_order_loadings_are_arrows_between_constructs():
    result = _fitted(MODEL_FILES["hs_second_order"], "holzinger_swineford")
    fig = path_diagram(result)
    gids = {p.get_gid() for p in fig.axes[0].patches}
    assert {"path:g->visual", "path:g->textual", "path:g->speed"} <= gids
    assert not {"item:visual", "item:textual", "item:speed"} & gids
    assert {"item:x1", "item:x9"} <= gids


def test_paths_bow_around_constructs_in_their_way():
    """visual -> speed skips textual's layer; the arc must not cross textual."""
    from loyaltysem.plot.path_diagram import _arc_points, _hits, _patch_box

    result = _fitted(MODEL_FILES["hs_mixed"], "holzinger_swineford")
    fig = path_diagram(result)
    fig.canvas.draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    patches = {p.get_gid(): p for p in ax.patches}
    arrow_box = patches["path:visual->speed"].get_window_extent(renderer)
    assert arrow_box.width > 0
    # the drawn curve, flattened to line segments (Bezier control points are not on it)
    curve = patches["path:visual->speed"].get_path()
    path = np.array([segment(t) for segment, _ in curve.iter_bezier()
                     for t in np.linspace(0, 1, 50)])
    # neither textual nor its items (the boxes an arc must keep out of)
    boxes = [_patch_box(patches[gid]) for gid in ("node:textual", "item:x4", "item:x5", "item:x6")]
    assert _hits(path, boxes) == 0
    assert _hits(np.array([[0.0, 0.0], [5.0, 5.0]]), [(-1, -1, 1, 1)]) == 1
    assert _arc_points.__doc__


def test_names_are_drawn_literally_whatever_the_rcparams():
    """No mathtext and no TeX for names and labels (issue #10): with ``text.usetex`` on
    and no TeX installed the diagram still saves, and every text keeps its characters."""
    import io

    import matplotlib.pyplot as plt

    result = _fitted(ROOT / "models/loyalty_chain.yaml", "loyalty_chain")
    with matplotlib.rc_context({"text.usetex": True}):
        fig = path_diagram(result, hypotheses=True)
        fig.savefig(io.StringIO(), format="svg")
    texts = fig.axes[0].texts
    assert texts and all(not t.get_parse_math() and not t.get_usetex() for t in texts)
    plt.close(fig)


def test_inadmissible_values_are_marked_on_the_diagram():
    """#13: ECSI on mobi has standardized paths above 1 (3.27 Satisfaction -> Loyalty)."""
    import warnings

    import matplotlib.pyplot as plt

    from loyaltysem import fit, load_dataset
    from loyaltysem.plot import path_diagram

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit("ecsi", load_dataset("mobi"))
    fig = path_diagram(result)
    labels = {t.get_gid(): t.get_text() for t in fig.axes[0].texts if t.get_gid()}
    assert labels["pathlabel:Satisfaction->Loyalty"].endswith("!")
    assert not labels["pathlabel:Satisfaction->Complaints"].endswith("!")
    assert any(t.get_gid() == "inadmissible-note" for t in fig.texts)
    plt.close(fig)
    clean = path_diagram(fit("hs_cfa", load_dataset("holzinger_swineford")))
    assert not any(t.get_gid() == "inadmissible-note" for t in clean.texts)
    plt.close(clean)


def test_residual_covariances_of_items_are_drawn_between_their_boxes():
    """#13: ``x7 ~~ x8`` and ``x2 ~~ x6`` (across constructs) become labelled double-headed
    arcs between the item boxes that cross no other item box."""
    import numpy as np

    import loyaltysem as ls
    from loyaltysem.plot import path_diagram

    model = ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
             "x7 ~~ x8\nx2 ~~ x6")
    result = ls.fit(model, "holzinger_swineford", emit_warnings=False)
    fig = path_diagram(result)
    ax = fig.axes[0]
    patches = {p.get_gid(): p for p in ax.patches}
    labels = {t.get_gid(): t.get_text() for t in ax.texts}
    est = result.estimates.set_index(["lhs", "op", "rhs"])
    for a, b in (("x7", "x8"), ("x2", "x6")):
        assert f"covariance:{a}->{b}" in patches
        expected = f"{est.loc[(a, '~~', b), 'std_all']:.2f}"
        assert labels[f"covlabel:{a}->{b}"].startswith(expected)
        path = patches[f"covariance:{a}->{b}"].get_path()
        points = ax.transData.inverted().transform(
            patches[f"covariance:{a}->{b}"].get_transform().transform(path.vertices))
        for name in ("x1", "x3", "x4", "x5", "x9"):
            box = patches[f"item:{name}"].get_bbox()
            inside = ((points[:, 0] > box.x0) & (points[:, 0] < box.x1)
                      & (points[:, 1] > box.y0) & (points[:, 1] < box.y1))
            assert not inside.any(), (a, b, name)
