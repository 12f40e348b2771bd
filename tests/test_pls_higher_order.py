"""Higher-order constructs: repeated indicators and the two-stage approach, against the
hand-written first-order models they stand for."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from loyaltysem import load_dataset
from loyaltysem.exceptions import SpecificationError
from loyaltysem.pls import fit_pls

CORP_REP = load_dataset("corp_rep")
BASE = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ REP
CUSL ~ REP + CUSA
"""
REFLECTIVE = BASE + "REP =~ COMP + LIKE\n"
FORMATIVE = BASE + "REP <~ COMP + LIKE\n"
ITEMS = "comp_1 + comp_2 + comp_3 + like_1 + like_2 + like_3"


def fit(model, data=CORP_REP, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_pls(model, data, missing="mean", **options)


def paths(result):
    return result.paths.set_index(["from", "to"])["est"].sort_index()


@pytest.mark.parametrize("model, by_hand", [
    (REFLECTIVE, BASE + f"REP =~ {ITEMS}\nCOMP ~ REP\nLIKE ~ REP\n"),
    (FORMATIVE, BASE + f"REP <~ {ITEMS}\nREP ~ COMP + LIKE\n"),
])
def test_repeated_indicators_is_the_model_with_the_items_repeated(model, by_hand):
    np.testing.assert_allclose(paths(fit(model)), paths(fit(by_hand)), atol=1e-14)


def test_two_stage_is_a_second_model_on_the_first_stage_scores():
    result = fit(REFLECTIVE, higher_order="two_stage")
    first = fit(BASE + f"REP =~ {ITEMS}\nCOMP ~ REP\nLIKE ~ REP\n")
    data = CORP_REP.copy()
    data = data.fillna(data.mean(numeric_only=True))
    data["COMP_s"] = first.scores["COMP"].to_numpy()
    data["LIKE_s"] = first.scores["LIKE"].to_numpy()
    second = fit(BASE.replace("COMP =~ comp_1 + comp_2 + comp_3\n", "").replace(
        "LIKE =~ like_1 + like_2 + like_3\n", "") + "REP =~ COMP_s + LIKE_s\n", data)
    np.testing.assert_allclose(paths(result), paths(second), atol=1e-12)
    weights = result.outer.set_index("item")["weight"]
    expected = second.outer.set_index("item")["weight"]
    assert weights["COMP_score"] == pytest.approx(expected["COMP_s"], abs=1e-12)
    assert any("two-stage" in note for note in result.notes)


@pytest.mark.parametrize("extra, fragment", [
    ("REP =~ COMP + like_1\n", "measured by constructs .* and by items"),
    ("REP =~ COMP + LIKE\nTOP =~ REP + CUSA\n", "not third-order"),
])
def test_unsupported_higher_order_structures_are_refused(extra, fragment):
    with pytest.raises(SpecificationError, match=fragment):
        fit(BASE + extra)


def test_two_stage_refuses_paths_of_the_lower_order_constructs():
    with pytest.raises(SpecificationError, match="use higher_order='repeated'"):
        fit(REFLECTIVE + "CUSA ~ COMP\n", higher_order="two_stage")


def test_a_stage_two_column_that_is_already_an_item_is_refused():
    data = CORP_REP.assign(COMP_score=CORP_REP["comp_1"])
    model = REFLECTIVE + "X =~ COMP_score + like_1\nCUSL ~ X\n"
    with pytest.raises(SpecificationError, match="'COMP_score' is not a usable name"):
        fit(model, data, higher_order="two_stage")
