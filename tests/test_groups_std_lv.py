"""Multi-group std.lv models with equal loadings: the latent variances of the groups after
the first are free (lavaan 0.6-14; references by
tests/reference/make_groups_std_lv_reference.R). Observed agreement: χ² 4e-11 relative (ML)
and 3e-9 (WLSMV), latent variances 5.5e-7 and 2.1e-6 absolute; tolerances about ten times
the larger."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from loyaltysem.groups import fit_groups
from loyaltysem.spec import as_spec

REFERENCE = Path(__file__).parent / "reference"


@pytest.mark.parametrize("case", ["ml", "wlsmv"])
def test_std_lv_with_equal_loadings_frees_the_later_groups_variances(case):
    ref = json.loads((REFERENCE / "groups" / "std_lv_loadings.json").read_text())[case]
    spec = as_spec(ref["model"]).with_options(std_lv=True)
    if case == "ml":
        result = fit_groups(spec, "holzinger_swineford", "school", group_equal=["loadings"],
                            emit_warnings=False)
    else:
        data = pd.read_csv(REFERENCE / "ordinal" / "data" / "groups.csv")
        result = fit_groups(spec, data, "servicetype", ordered=True,
                            group_equal=["thresholds", "loadings"], emit_warnings=False)
    assert float(result.fit_indices["df"]) == ref["df"]
    assert float(result.fit_indices["chisq"]) == pytest.approx(ref["chisq"], rel=3e-8)
    ours = result.estimates.set_index(["group", "lhs", "op", "rhs"])
    for row in ref["estimates"]:
        if row["op"] != "~~" or row["lhs"] != row["rhs"] or row["lhs"] not in spec.roles.latent:
            continue
        mine = ours.loc[(ref["groups"][row["group"] - 1], row["lhs"], "~~", row["rhs"])]
        assert mine["est"] == pytest.approx(row["est"], abs=2e-5), row  # lavaan stops earlier
