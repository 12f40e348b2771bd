"""The closed-form observed information and the MLR standard errors built on it against
lavaan 0.6-14 (``tests/reference/make_observed_information_reference.R`` →
``tests/reference/observed/*.json``).

Both are evaluated at lavaan's estimates (its ``coef(fit)`` placed in loyaltysem's
parameter vector), so the comparison is of the formulas, not of two optimisers' stopping
points. lavaan keeps one parameter per group with equality constraints where loyaltysem
shares one parameter (``group.equal``): with ``K`` the 0/1 map of loyaltysem's parameters
to lavaan's (``theta_lavaan = K theta``), loyaltysem's information is ``K' I_lavaan K``.

Tolerances: lavaan 0.6-14 computes the Hessian by finite differences of its analytic
gradient (``lav_model_hessian``: the four-point rule at h = 1e-6, error O(h^4)).
Observed agreement: 4e-11 to 9e-11 relative to the largest entry (information) and
6e-10 to 1.3e-9 relative (SEs); tested at 1e-8, about 10x the observed.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.estimate.inference import sandwich_vcov

ROOT = Path(__file__).resolve().parents[1]
CASES = ["hs_cfa", "poldem_meanstructure", "poldem_mlr", "hs_cfa_fiml_mlr",
         "hs_school_metric_fiml_mlr"]
RTOL = 1e-8


def _case(name: str):
    """The reference, loyaltysem's core of the same fit and ``K`` (module notes)."""
    case = json.loads((ROOT / "tests" / "reference" / "observed" / f"{name}.json").read_text())
    data = pd.read_csv(ROOT / case["data"])
    if case["data_rownames_dropped"]:
        data = data.iloc[:, 1:]
    options = dict(case["options"]) if isinstance(case["options"], dict) else {}
    kwargs = {"estimator": options.get("estimator", "ML"),
              "missing": options.get("missing", "listwise"), "emit_warnings": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if "group" in options:
            result = ls.groups.fit_groups(ROOT / case["model_file"], data, options["group"],
                                          group_equal=[options["group.equal"]], **kwargs)
            labels = list(dict.fromkeys(result.estimates["group"].astype(str)))
        else:
            if options.get("meanstructure"):
                kwargs["meanstructure"] = True
            result = ls.fit(ROOT / case["model_file"], data, **kwargs)
            labels = [""]
    core = result.core
    table = core.layout.table
    groups = table["group"].to_numpy(int) if "group" in table else np.zeros(len(table), int)
    ours = {(int(g), lhs, op, str(rhs) if op != "~1" else ""): int(free)
            for g, lhs, op, rhs, free in zip(groups, table["lhs"], table["op"], table["rhs"],
                                             table["free"]) if free > 0}
    rows = pd.DataFrame(case["partable"])
    k = np.zeros((len(rows), core.layout.n_free))
    for i, row in enumerate(rows.itertuples(index=False)):
        g = labels.index(case["group_labels"][row.group - 1]) if labels != [""] else 0
        k[i, ours[(g, row.lhs, row.op, row.rhs if row.op != "~1" else "")] - 1] = 1.0
    assert (k.sum(axis=0) >= 1).all()  # every parameter of ours is one of lavaan's
    theta = np.linalg.lstsq(k, np.asarray(case["coef"]), rcond=None)[0]
    np.testing.assert_allclose(k @ theta, case["coef"], rtol=1e-12)  # equal where shared
    return case, core, k, theta


@pytest.mark.parametrize("name", CASES)
def test_observed_information_equals_lavaans(name):
    case, core, k, theta = _case(name)
    ours = core.functions().observed_information(theta)
    theirs = k.T @ np.asarray(case["information_observed"]) @ k
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=RTOL * np.abs(theirs).max())


@pytest.mark.parametrize("name", [c for c in CASES if "mlr" in c])
def test_mlr_standard_errors_equal_lavaans(name):
    case, core, k, theta = _case(name)
    vcov = sandwich_vcov(core.functions(), theta).vcov
    np.testing.assert_allclose(np.sqrt(np.diag(k @ vcov @ k.T)), case["se"], rtol=RTOL)
