"""Interactions of observed variables (``y ~ x1 + x2 + x1:x2``) against lavaan 0.6-14
(tests/reference/core/int_*.json; tolerances in tests/core_reference.py)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.exceptions import DataError, SpecificationError
from loyaltysem.spec import ModelSpec
from loyaltysem.spec.interactions import with_product_columns

from core_reference import check_fit_measures, data_of, estimate_errors, load

CASES = ["int_pd_path", "int_hs_ageyr_grade", "int_hs_latent_sex_ageyr"]


def _fit(case, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ls.fit(case["syntax"], data_of(case), emit_warnings=False, **options)


@pytest.mark.parametrize("name", CASES)
def test_interactions_match_lavaan(name):
    case = load(name)
    meanstructure = bool(case["options"] and case["options"].get("meanstructure")) or None
    result = _fit(case, meanstructure=meanstructure)
    estimate_errors(result.estimates, case)
    assert check_fit_measures(result.fit_indices, case) == len(case["fit"])
    assert result.nobs == sum(case["nobs"])   # the product is NA where a factor is
    products = [r for r in result.estimates.itertuples() if ":" in r.rhs or ":" in r.lhs]
    assert products   # shown under lavaan's name


def test_the_product_is_raw_and_missing_with_either_factor():
    data = pd.DataFrame({"a": [1.0, 2.0, np.nan, -99.0], "b": [3.0, np.nan, 1.0, 2.0]})
    out = with_product_columns(data, {"a_x_b": ("a", "b")}, na_values=[-99], allow_codes=True)
    np.testing.assert_array_equal(out["a_x_b"].to_numpy(), [3.0, np.nan, np.nan, np.nan])
    assert "a_x_b" not in data


def test_interaction_spec_rules():
    spec = ModelSpec.from_lavaan("y ~ x1 + x2 + x1:x2")
    assert spec.interactions == {"x1_x_x2": ("x1", "x2")}
    assert "x1_x_x2" in spec.roles.ov_x
    assert spec.to_lavaan().splitlines()[-1] == "y ~ x1 + x2 + x1:x2"
    for text, fragment in (("f =~ a + b + c\ny ~ f:x1", "construct .f. by an observed variable"),
                           ("y ~ x1:x1", "by itself"),
                           ("y ~ x1:x2 + x1_x_x2", "rename"),
                           ("y ~ x1:os.system", "bad variable name"),
                           ("y ~ x1:x2:x3", "3 factors")):
        with pytest.raises(SpecificationError, match=fragment):
            ModelSpec.from_lavaan(text)


def test_interaction_data_checks():
    case = load("int_pd_path")
    data = data_of(case)
    with pytest.raises(DataError, match="needs the column 'x2'"):
        _fit(dict(case), **{}) if False else ls.fit(case["syntax"], data.drop(columns="x2"))
    with pytest.raises(DataError, match="already has a column 'x1_x_x2'"):
        ls.fit(case["syntax"], data.assign(x1_x_x2=1.0))
    with pytest.raises(DataError, match="x2"):
        ls.fit(case["syntax"], data.assign(x2="text"))
