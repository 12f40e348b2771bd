"""lavaan's default start values (loyaltysem.estimate.starts.lavaan_start_rows) against
lavaan 0.6-14, and the estimation's fourth run from them (loyaltysem.estimate.estimation).

Reference: tests/reference/start_values.json, written by
tests/reference/make_start_values_reference.R: ``parTable(fit)$start`` of
``sem(..., do.fit = FALSE)`` (what ``lavInspect(fit, "start")`` shows as matrices), row by
row, for one-group models with one to seven items per factor, single-item factors, a
second-order factor, std.lv, fixed.x covariates, a path model without latent variables,
residual covariances, and corp_rep by service provider with equality constraints.

Tolerance: 1e-12 absolute (closed forms on the same sample moments; observed 1e-14).
"""
from __future__ import annotations

import json
import re
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.estimate.estimation import DRIFT_AFTER, DRIFT_GRADIENT, minimize
from loyaltysem.estimate.optimizer import fisher_scoring
from loyaltysem.estimate.starts import lavaan_start_rows, lavaan_start_values, start_values
from loyaltysem.groups import fit_groups

from lavaan_reference import ROOT

REFERENCE = json.loads((ROOT / "tests/reference/start_values.json").read_text())
#: closed forms on the same moments (module notes)
ATOL = 1e-12


def _strip_labels(syntax: str) -> str:
    """The R script's strip_labels: labels and := lines removed."""
    lines = [line for line in syntax.splitlines() if ":=" not in line]
    return "\n".join(re.sub(r"[A-Za-z_][A-Za-z0-9_.]*\*", "", line) for line in lines)


@lru_cache(maxsize=None)
def _functions(name: str):
    case = REFERENCE[name]
    data = pd.read_csv(ROOT / case["data"], na_values=case["na"] or None)
    data = data.drop(columns=[c for c in ("X", "Unnamed: 0") if c in data])
    syntax = (ROOT / case["model"]).read_text()
    if case["strip"]:
        syntax = _strip_labels(syntax)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case["group"]:
            result = fit_groups(syntax, data, case["group"], group_equal=case["group_equal"],
                                group_partial=case["group_partial"], emit_warnings=False)
        else:
            result = ls.fit(syntax, data, emit_warnings=False, std_lv=case["std_lv"] or None)
    return result.core.functions()


@pytest.mark.parametrize("name", list(REFERENCE))
def test_every_row_starts_where_lavaan_starts(name):
    functions = _functions(name)
    table = functions.layout.table
    ours = lavaan_start_rows(functions.layout, functions.groups)
    lavaan = {(row["lhs"], row["op"], row["rhs"], row["group"]): row["start"]
              for row in REFERENCE[name]["rows"]}
    compared = 0
    for k, row in enumerate(table.to_dict("records")):
        if row["op"] == ":=":
            assert np.isnan(ours[k])
            continue
        group = int(row.get("group", 0)) + 1
        key = (row["lhs"], row["op"], row["rhs"], group)
        theirs = lavaan.get(key, lavaan.get((row["rhs"], row["op"], row["lhs"], group)))
        assert theirs is not None, key
        assert abs(ours[k] - theirs) <= ATOL, (key, ours[k], theirs)
        compared += 1
    assert compared >= 10


def test_a_shared_parameter_starts_at_the_mean_of_its_rows():
    """lavaan projects its start vector onto the equality constraints: the mean."""
    functions = _functions("corp_rep_provider")
    table = functions.layout.table
    rows = lavaan_start_rows(functions.layout, functions.groups)
    shared = table.loc[(table["lhs"] == "COMP") & (table["rhs"] == "comp_2"), "free"]
    assert shared.nunique() == 1 and len(shared) == 4
    assert lavaan_start_values(functions.layout, functions.groups)[shared.iloc[0] - 1] \
        == pytest.approx(rows[shared.index].mean(), rel=1e-14)


def test_the_fourth_run_from_lavaans_start_values_fits_what_the_others_do_not():
    """corp_rep by provider, CUSA ~ LIKE equal across the four groups (the constrained model
    of tests/test_groups_estimators.py): from our data-based start values scoring drifts
    along a ridge (given up, chi-square ~269.6); from lavaan's it converges to lavaan's
    optimum (chi-square 267.0646, tests/reference/groups/estimators.json), and so does
    minimize, which tries them last."""
    functions = _functions("corp_rep_provider")
    n = float(functions.n_total[0])
    rules = {"gtol": 1e-9, "diverge_after": DRIFT_AFTER, "diverge_gradient": DRIFT_GRADIENT}
    ours = fisher_scoring(functions.discrepancy, functions.gradient_and_information,
                          start_values(functions.layout, functions.groups), **rules)
    assert not ours.converged and ours.message.startswith("diverging")
    theirs = fisher_scoring(functions.discrepancy, functions.gradient_and_information,
                            lavaan_start_values(functions.layout, functions.groups), **rules)
    assert theirs.converged
    fitted = minimize(functions)
    assert fitted.converged and np.max(np.abs(fitted.gradient)) < np.sqrt(1e-9)
    assert n * fitted.fun == pytest.approx(267.0646, abs=1e-4)
    assert fitted.fun == pytest.approx(theirs.fun, rel=1e-10)
