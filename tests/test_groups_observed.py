"""Multi-group fits with observed outcomes in the structural model, against lavaan 0.6-14.

References: tests/reference/core/mg_hs_obs_outcome_*.json (``x7 ~ visual + textual`` by
school) and mg_hs_path_*.json (an observed path model by school), configural and with
``group.equal`` loadings/regressions/intercepts, ML and MLR (make_core_structure_reference.R).
An observed outcome's intercept is an inner-variable mean of the core (alpha), so it is
shared under ``intercepts`` as lavaan's. Tolerances: estimates 1e-5 relative or 2e-4 of
lavaan's SE (observed 3.1e-5 SE: lavaan's multi-group optimizer stops at ~1e-6), SEs 5e-5
relative (observed 7.8e-6), fit measures 5e-5 (observed 9.1e-6 on pvalue.scaled).
"""
from __future__ import annotations


import numpy as np
import pytest

import loyaltysem as ls
from loyaltysem.groups import fit_groups

from core_reference import cached_fits, load, merged_estimates

CASES = ["mg_hs_obs_outcome_configural", "mg_hs_obs_outcome_configural_mlr",
         "mg_hs_obs_outcome_equal", "mg_hs_obs_outcome_equal_mlr", "mg_hs_path_configural",
         "mg_hs_path_equal_intercepts", "mg_hs_path_equal_mlr"]


def _fit_groups(reference: dict, data, options: dict):
    equal = options.get("group.equal", [])
    return fit_groups(ls.ModelSpec.from_lavaan(reference["syntax"]), data, reference["group"],
                      group_equal=[equal] if isinstance(equal, str) else equal,
                      estimator=options.get("estimator", "ML"), emit_warnings=False)


@pytest.fixture(scope="module")
def fits():
    return cached_fits(_fit_groups)


@pytest.mark.parametrize("case", CASES)
def test_estimates_and_ses_match_lavaan(case, fits):
    merged = merged_estimates(fits(case).estimates, load(case))
    allowed = np.maximum(1e-5 * merged["est_lavaan"].abs() + 1e-8, 2e-4 * merged["se_lavaan"])
    assert (np.abs(merged["est"] - merged["est_lavaan"]) <= allowed).all()
    np.testing.assert_allclose(merged["se"], merged["se_lavaan"], rtol=5e-5, atol=1e-8)
    intercepts = merged[(merged["op"] == "~1") & merged["lhs"].isin(["x7", "x8", "x9"])]
    assert len(intercepts) > 0  # the observed outcomes' intercepts are there


@pytest.mark.parametrize("case", CASES)
def test_every_fit_measure_matches_lavaan(case, fits):
    ours = fits(case).fit_indices
    compared = 0
    for name, value in load(case)["fit"].items():
        key = {"logl": "loglik", "unrestricted.logl": "unrestricted_loglik"}.get(
            name, name.replace(".", "_"))
        if value is None or key not in ours.index:
            continue
        assert float(ours[key]) == pytest.approx(value, rel=5e-5, abs=1e-8), name
        compared += 1
    assert compared >= 40
