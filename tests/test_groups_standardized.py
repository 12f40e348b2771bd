"""``MultiGroupResult.standardized_solution()`` against lavaan 0.6-14's
``standardizedSolution()`` of multi-group fits (tests/reference/groups/standardized.json,
made by make_groups_standardized_reference.R with lavaan run to a tight optimum).

Cases: the HS CFA by school with equal loadings; the HS MIMIC model (fixed.x covariates)
by school with equal loadings and intercepts (standardized ``~1`` rows); corp_rep by
service type, configural MLR (sandwich covariance) and FIML with equal loadings; its
``:=`` indirect effects use labels shared by the groups (the first group's standardized
values, as lavaan).
Tolerances: est.std 1e-5 relative or, where the likelihood is flat, a fraction of its SE
(``EST_RTOL`` and ``EST_SE_FRACTION`` of tests/core_reference.py: the standardized
intercepts of the scalar MIMIC model, ~5 with SE 0.68, differ by 1.1e-5 while the two
chi-squares agree to 1e-12: 1.7e-5 of an SE), SEs 1e-4 relative (observed 3e-6).
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyaltysem.data.registry import resolve_data
from loyaltysem.groups import fit_groups

from core_reference import EST_RTOL, EST_SE_FRACTION

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = json.loads((ROOT / "tests/reference/groups/standardized.json").read_text())
DATA = {"models/hs_cfa.lav": "holzinger_swineford",
        "tests/reference/models/hs_mimic.lav": "holzinger_swineford",
        "models/corp_rep.lav": "corp_rep"}


def _solution(case: dict) -> pd.DataFrame:
    na = case["na"] or None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit_groups(ROOT / case["model"], resolve_data(DATA[case["model"]],
                                                               na_values=na),
                            case["group"], group_equal=tuple(e for e in case["group_equal"] if e),
                            estimator=case["estimator"], missing=case["missing"],
                            na_values=na)
    assert result.converged
    return result.standardized_solution()


@pytest.mark.parametrize("name", list(REFERENCE))
def test_standardized_solution_of_every_group_matches_lavaan(name):
    case = REFERENCE[name]
    ours = _solution(case)
    theirs = pd.DataFrame(case["rows"]).rename(columns={"group_label": "group"})
    for frame in (ours, theirs):  # := rows by name (the expression is spelled either way)
        frame.loc[frame["op"] == ":=", "rhs"] = ""
    ours = ours.set_index(["group", "lhs", "op", "rhs"])
    theirs = theirs.set_index(["group", "lhs", "op", "rhs"])
    theirs.index.names = ours.index.names
    assert set(ours.index) == set(theirs.index)
    assert (ours.index.get_level_values("op") == ":=").sum() == (
        pd.DataFrame(case["rows"])["op"] == ":=").sum()
    theirs = theirs.loc[ours.index]
    allowed = np.maximum(EST_RTOL * theirs["est.std"].abs() + 1e-9,
                         EST_SE_FRACTION * theirs["se"].fillna(0))
    error = (ours["est_std"] - theirs["est.std"]).abs()
    assert (error <= allowed).all(), ours[error > allowed]
    free = theirs["se"].fillna(0).to_numpy() > 0
    np.testing.assert_allclose(ours["se"].to_numpy()[free], theirs["se"].to_numpy()[free],
                               rtol=1e-4)
    assert (ours["se"].to_numpy()[~free] == 0).all()
