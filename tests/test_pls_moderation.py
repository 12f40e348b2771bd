"""PLS-SEM moderation by the two-stage approach, against seminr 0.2.1
(tests/reference/make_pls_moderation_reference.py) and the definition."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from loyaltysem import fit, load_dataset
from loyaltysem.exceptions import SpecificationError
from loyaltysem.pls import bootstrap_pls, fit_pls

FOLDER = Path(__file__).parent / "reference" / "pls"
REFERENCE = json.loads((FOLDER / "moderation_two_stage.json").read_text())
PRODUCTS = json.loads((FOLDER / "moderation_product_indicator.json").read_text())
ORTHOGONAL = json.loads((FOLDER / "moderation_orthogonal.json").read_text())
CORP_REP = load_dataset("corp_rep")
MODEL = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
SC =~ switch_1 + switch_2 + switch_3 + switch_4
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA + SC + CUSA:SC
"""


@pytest.fixture(scope="module")
def moderated():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fit_pls(MODEL, CORP_REP, missing="mean", tol=1e-13, max_iter=1000)


@pytest.mark.parametrize("method, reference", [("two_stage", REFERENCE),
                                               ("product_indicator", PRODUCTS),
                                               ("orthogonal", ORTHOGONAL)])
def test_paths_and_r2_match_seminr(method, reference):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        moderated = fit_pls(MODEL, CORP_REP, missing="mean", tol=1e-13, max_iter=1000,
                            moderation=method)
    paths = moderated.paths.set_index(["from", "to"])["est"]
    for key, value in reference["paths"].items():
        source, target = key.replace("CUSA*SC", "CUSA_x_SC").split(" -> ")
        assert abs(paths[(source, target)] - value) < 1e-10, key   # observed 8e-12 (two stages)
    for name, value in reference["r2"].items():
        assert abs(moderated.r2[name] - value) < 1e-10


def test_the_interaction_path_is_in_the_metric_of_the_score_product(moderated):
    """Stage 2 by hand: OLS of the CUSL score on the stage-1 scores and their raw product."""
    scores = moderated.scores
    product = moderated.solution.values[:, list(moderated.solution.layout.items).index(
        "CUSA_x_SC_item")]
    # the product of the main-effects scores, standardized by the algorithm; its raw SD
    raw_sd = moderated.solution.unstandardized[0][1][0]
    x = np.column_stack([scores[c] for c in ("COMP", "LIKE", "CUSA", "SC")]
                        + [product * raw_sd])
    beta = np.linalg.lstsq(x, scores["CUSL"].to_numpy(), rcond=None)[0]
    paths = moderated.paths.set_index(["from", "to"])["est"]
    assert beta[-1] == pytest.approx(paths[("CUSA_x_SC", "CUSL")], abs=1e-10)


def test_bootstrap_draws_of_the_interaction_follow_each_resample(moderated):
    boot = bootstrap_pls(moderated, 4, seed=2)
    items = moderated.solution.values
    draws = boot.draws[("path", "CUSA_x_SC -> CUSL")].to_numpy()
    for b, seed in enumerate(np.random.SeedSequence(2).spawn(4)):
        rows = np.random.default_rng(seed).integers(0, len(items), len(items))
        import pandas as pd

        frame = pd.DataFrame(items[rows], columns=list(moderated.solution.layout.items))
        frame["CUSA_x_SC_item"] *= moderated.solution.unstandardized[0][1][0]
        stage_two = MODEL.replace("CUSA:SC", "CUSA_x_SC") + "CUSA_x_SC =~ CUSA_x_SC_item\n"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            alone = fit_pls(stage_two, frame, tol=1e-13, max_iter=1000)
        scores = alone.scores
        x = np.column_stack([scores[c] for c in ("COMP", "LIKE", "CUSA", "SC")]
                            + [frame["CUSA_x_SC_item"] - frame["CUSA_x_SC_item"].mean()])
        y = scores["CUSL"].to_numpy()
        beta = np.linalg.lstsq(x, y, rcond=None)[0]
        assert draws[b] == pytest.approx(beta[-1], abs=1e-8)


def test_covariance_based_sem_refuses_an_interaction_of_constructs():
    with pytest.raises(SpecificationError, match="two constructs.*PLS-SEM"):
        fit(MODEL + "cusa ~~ 0*cusa\n", CORP_REP, na_values=[-99])


def test_an_interaction_of_a_construct_and_an_item_is_refused():
    with pytest.raises(SpecificationError, match="construct 'CUSA' by an observed variable"):
        fit_pls(MODEL.replace("CUSA:SC", "CUSA:switch_1"), CORP_REP)


def test_orthogonalized_interaction_is_uncorrelated_with_the_main_effects():
    """Little et al. (2006): each product's residual on the two constructs' items, so the
    interaction's score is uncorrelated with CUSA's and SC's (observed 1e-16) while the
    plain product indicators' is not (.36 and .20 here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        orthogonal = fit_pls(MODEL, CORP_REP, missing="mean", moderation="orthogonal")
        products = fit_pls(MODEL, CORP_REP, missing="mean", moderation="product_indicator")
    for result, small in ((orthogonal, True), (products, False)):
        correlations = result.scores.corr().loc["CUSA_x_SC", ["CUSA", "SC"]].abs()
        assert (correlations < 1e-12).all() == small, correlations
    assert any("orthogonalized" in note for note in orthogonal.notes)
