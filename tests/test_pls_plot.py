"""Path diagrams of PLS-SEM fits: path coefficients, outer weights or loadings, R², Mode B."""
from __future__ import annotations

import warnings
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Ellipse  # noqa: E402

from loyaltysem.exceptions import ArgumentError  # noqa: E402
from loyaltysem.plot import path_diagram  # noqa: E402
from loyaltysem.pls import bootstrap_pls, fit_pls  # noqa: E402

from lavaan_reference import ROOT  # noqa: E402
from test_plot import test_every_arrow_ends_on_its_targets_edge as arrows_end_on_edges  # noqa: E402
from test_plot import test_no_two_texts_or_shapes_overlap as nothing_overlaps  # noqa: E402

SIMPLE = ROOT / "models" / "corp_rep.yaml"
EXTENDED = ROOT / "models" / "corp_rep_extended.yaml"


@pytest.fixture(scope="module")
def simple():
    return fit_pls(SIMPLE, "corp_rep", missing="mean", na_values=[-99])


@pytest.fixture(scope="module")
def extended():
    result = fit_pls(EXTENDED, "corp_rep", missing="mean", na_values=[-99])
    return result.with_bootstrap(bootstrap_pls(result, 100, seed=3))


def _labels(fig: Figure) -> dict[str, str]:
    return {t.get_gid(): t.get_text() for t in fig.axes[0].texts}


def _patches(fig: Figure) -> dict:
    return {p.get_gid(): p for p in fig.axes[0].patches}


def test_a_figure_with_paths_loadings_and_r2(simple):
    fig = path_diagram(simple)
    assert isinstance(fig, Figure)
    labels = _labels(fig)
    paths = simple.paths.set_index(["from", "to"])["est"]
    # no bootstrap: the coefficient without stars, the arrow solid
    assert labels["pathlabel:COMP->CUSA"] == f"{paths['COMP', 'CUSA']:.2f}" == "0.16"
    assert labels["pathlabel:CUSA->CUSL"] == "0.50"
    assert _patches(fig)["path:COMP->CUSL"].get_linestyle() == "-"
    assert labels["label:CUSA"] == "CUSA\nR² = 0.29" and labels["label:CUSL"].endswith("0.56")
    assert "R²" not in labels["label:COMP"]
    loading = simple.outer.set_index("item").at["comp_1", "loading"]
    assert labels["itemlabel:comp_1"] == f"comp_1\n{loading:.2f}"
    # Mode A: arrows from the construct to its items
    assert "arrow:COMP->comp_1" in _patches(fig)
    plt.close(fig)


def test_mode_b_composites_have_arrows_from_their_items_and_show_weights(extended):
    fig = path_diagram(extended)
    patches, labels = _patches(fig), _labels(fig)
    assert {"arrow:qual_1->QUAL", "arrow:attr_3->ATTR", "arrow:COMP->comp_1"} <= set(patches)
    assert "arrow:QUAL->qual_1" not in patches
    outer = extended.outer.set_index("item")
    assert labels["itemlabel:qual_6"] == f"qual_6\n{outer.at['qual_6', 'weight']:.2f}"
    assert labels["itemlabel:like_1"] == f"like_1\n{outer.at['like_1', 'loading']:.2f}"
    composite, reflective = patches["node:QUAL"], patches["node:COMP"]
    assert isinstance(composite, Ellipse)
    assert composite.get_facecolor() != reflective.get_facecolor()
    assert composite.get_edgecolor() != reflective.get_edgecolor()
    fig.canvas.draw()
    nothing_overlaps((extended, fig))
    arrows_end_on_edges((extended, fig))
    plt.close(fig)


def test_bootstrap_stars_and_dashed_non_significant_paths(extended):
    fig = path_diagram(extended, hypotheses=True)
    labels, patches = _labels(fig), _patches(fig)
    paths = extended.paths.set_index(["from", "to"])
    for (a, b), row in paths.iterrows():
        stars = "***" if row.pvalue < .001 else "**" if row.pvalue < .01 else \
            "*" if row.pvalue < .05 else ""
        assert labels[f"pathlabel:{a}->{b}"].endswith(f"{row.est:.2f}{stars}")
        dashed = patches[f"path:{a}->{b}"].get_linestyle() != "-"
        assert dashed == (row.pvalue >= 0.05)
    assert labels["pathlabel:CUSA->CUSL"].startswith("H3: ")
    plt.close(fig)


@pytest.mark.parametrize("outer, column", [("weights", "weight"), ("loadings", "loading")])
def test_outer_option_chooses_weights_or_loadings(extended, outer, column):
    fig = path_diagram(extended, outer=outer)
    labels = _labels(fig)
    values = extended.outer.set_index("item")[column]
    for item in ("qual_1", "comp_2", "cusl_3"):
        assert labels[f"itemlabel:{item}"] == f"{item}\n{values[item]:.2f}"
    plt.close(fig)


def test_bad_outer_option_and_weights_of_a_cb_sem_fit(simple):
    import loyaltysem as ls

    with pytest.raises(ArgumentError, match="outer must be one of 'auto', 'weights'"):
        path_diagram(simple, outer="weight")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cb = ls.fit(SIMPLE, "corp_rep", na_values=[-99], emit_warnings=False)
    with pytest.raises(ArgumentError, match="needs a PLS-SEM fit"):
        path_diagram(cb, outer="weights")
    plt.close(path_diagram(cb, outer="loadings"))
    # a multi-group fit's group_view is a SimpleNamespace with spec, estimates and r2
    view = SimpleNamespace(spec=cb.spec, estimates=cb.estimates, r2=cb.r2)
    plt.close(path_diagram(view))
    with pytest.raises(ArgumentError, match="result must be a FitResult"):
        path_diagram(cb.estimates)


def test_draws_into_given_axes_and_can_be_restyled(simple):
    own, ax = plt.subplots(figsize=(8, 4))
    assert path_diagram(simple, ax=ax, items=False) is own
    patches = _patches(own)
    patches["node:CUSL"].set_facecolor("yellow")     # a restyle by gid
    assert "item:comp_1" not in patches
    plt.close(own)
