"""Score and Wald tests against lavaan 0.6-14's lavTestScore() and lavTestWald()
(tests/reference/inference/{score,wald}_*.json, make_inference_reference.R).

Tolerances. Score statistics are checked twice: at lavaan's estimates (the formulas:
1e-8 relative, observed ~1e-11) and end to end on our own fit, 1e-5 relative where the
statistic is not near 0 — lavaan's fits stop with gradients of ~1e-6 (poldem_eq, whose
constrained fit lavaan stops with estimates 1.2e-4 from ours, 2e-5: observed 1.1e-5),
and univariate statistics below 0.1 (0.004, 0.016) at 1e-3 relative (observed 2.4e-4).
Wald statistics are end to end: 1e-5 relative (observed 3.9e-6) except for
constraints whose h is near 0 (``c1*s == 0``: h = -0.0086, ``a*b == a2*b2``), where
W ∝ h² amplifies lavaan's optimizer tolerance: 1e-4 (observed 6e-5).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyaltysem.estimate.score_test import (ScoreTestResult, WaldTestResult,
                                            equality_constraints, score_test, wald_test)
from loyaltysem.exceptions import SpecificationError

from test_modindices import at_lavaan_estimates, fit_reference, key, reference


def _fit(name: str, part: str = "fit", *, exact: bool = False):
    entry = reference(name)
    fit = entry[part] if part != "mlr" else entry["mlr"]["fit"]
    result = _cached(name, part)
    return at_lavaan_estimates(result, fit) if exact else result


_CACHE: dict = {}


def _cached(name: str, part: str):
    if (name, part) not in _CACHE:
        entry = reference(name)
        fit = entry[part] if part != "mlr" else entry["mlr"]["fit"]
        _CACHE[(name, part)] = fit_reference(fit)
    return _CACHE[(name, part)]


def _plabels(fit: dict) -> dict:
    """lavaan plabel -> (lhs, op, rhs, group) from the reference parTable."""
    return {r["plabel"]: key(r["lhs"], r["op"], r["rhs"], r.get("group", 1))
            for r in fit["partable"] if r.get("plabel")}


def _constraint_keys(result, table: pd.DataFrame) -> list:
    """(lhs parameter, rhs parameter) of our constraints, keyed like the reference."""
    constraints = equality_constraints(result).set_index("lhs", drop=False)
    rows = result.core.layout.table
    out = []
    for lhs, rhs in zip(table["lhs"], table["rhs"]):
        pair = []
        for plabel in (lhs, rhs):
            r = rows.iloc[int(plabel.strip(".p")) - 1]
            group = int(r["group"]) + 1 if "group" in rows else 1
            pair.append(key(r["lhs"], r["op"], "" if r["op"] == "~1" else r["rhs"], group))
        out.append(tuple(pair))
    assert len(constraints) >= len(out)
    return out


def _reference_keys(fit: dict, rows: list[dict]) -> list:
    plabels = _plabels(fit)
    return [(plabels[r["lhs"]], plabels[r["rhs"]]) for r in rows]


# ---------------------------------------------------------------- score tests
@pytest.mark.parametrize("exact, rtol", [(True, 1e-8), (False, 2e-5)])
@pytest.mark.parametrize("name", ["score_poldem_eq", "score_hs_school_metric"])
def test_total_and_univariate(name, exact, rtol):
    ref = reference(name)
    result = _fit(name, exact=exact)
    test = score_test(result, cumulative=True)
    expected = ref["default"]["test"][0]
    np.testing.assert_allclose(test.statistic, expected["X2"], rtol=rtol)
    assert test.df == expected["df"]
    np.testing.assert_allclose(test.pvalue, expected["p.value"], rtol=10 * rtol)
    uni = ref["default"]["uni"]
    assert _constraint_keys(result, test.univariate) == _reference_keys(ref["fit"], uni)
    for mine, theirs in zip(test.univariate["x2"], uni):
        tolerance = rtol if exact or theirs["X2"] > 0.1 else 1e-3
        np.testing.assert_allclose(mine, theirs["X2"], rtol=tolerance)
    cumulative = ref["cumulative"]["cumulative"]
    assert _constraint_keys(result, test.cumulative) == _reference_keys(ref["fit"], cumulative)
    np.testing.assert_allclose(test.cumulative["x2"], [r["X2"] for r in cumulative], rtol=rtol)
    assert list(test.cumulative["df"]) == [r["df"] for r in cumulative]


@pytest.mark.parametrize("release, part", [([1, 2], "release_1_2"), ([3], "release_3"),
                                           (3, "release_3")])
def test_release(release, part):
    ref = reference("score_poldem_eq")[part]
    test = score_test(_fit("score_poldem_eq", exact=True), release=release)
    np.testing.assert_allclose(test.statistic, ref["test"][0]["X2"], rtol=1e-8)
    assert test.df == ref["test"][0]["df"]
    np.testing.assert_allclose(test.univariate["x2"], [r["X2"] for r in ref["uni"]], rtol=1e-8)


def _compare_epc(result, table: pd.DataFrame, rows: list[dict], rtol: float, atol: float):
    labels = getattr(result, "groups", None)
    ours = {}
    for row in table.to_dict("records"):
        group = labels.index(row["group"]) + 1 if labels and "group" in row else 1
        ours[key(row["lhs"], row["op"], row["rhs"], group)] = row
    for row in rows:
        mine = ours[key(row["lhs"], row["op"], row["rhs"], row.get("group", 1))]
        for column in ("est", "epc", "epv", "sepc.lv", "sepc.all", "sepc.nox"):
            expected = row[column]
            if expected is None:
                assert np.isnan(mine[column.replace(".", "_")]), (row, column)
            else:
                np.testing.assert_allclose(mine[column.replace(".", "_")], expected,
                                           rtol=rtol, atol=atol, err_msg=f"{row} {column}")


@pytest.mark.parametrize("name", ["score_poldem_eq", "score_hs_school_metric"])
def test_epc_table(name):
    """epc/epv/sepc of releasing every constraint, at lavaan's estimates: 1e-7 (abs 1e-9)."""
    ref = reference(name)
    result = _fit(name, exact=True)
    test = score_test(result, epc=True)
    _compare_epc(result, test.epc, ref["epc"]["epc"], 1e-7, 1e-9)


def test_mlr_is_the_ordinary_test():
    ref = reference("score_poldem_eq")["mlr"]
    result = _fit("score_poldem_eq", "mlr")
    test = score_test(result)
    np.testing.assert_allclose(test.statistic, ref["default"]["test"][0]["X2"], rtol=2e-5)


@pytest.mark.parametrize("exact, rtol", [(True, 1e-8), (False, 1e-5)])
def test_add(exact, rtol):
    ref = reference("score_hs_cfa_add")
    result = _fit("score_hs_cfa_add", exact=exact)
    one = score_test(result, add="x1 ~~ x9")
    np.testing.assert_allclose(one.statistic, ref["add_x1x9"]["result"]["test"][0]["X2"],
                               rtol=rtol)
    assert one.constraints["lhs"].tolist() == ["x1~~x9"]
    two = ref["add_two"]["result"]
    test = score_test(result, add=["x1 ~~ x9", "visual =~ x9"], cumulative=True, epc=True)
    np.testing.assert_allclose(test.statistic, two["test"][0]["X2"], rtol=rtol)
    assert test.df == 2
    np.testing.assert_allclose(test.univariate["x2"], [r["X2"] for r in two["uni"]], rtol=rtol)
    np.testing.assert_allclose(test.univariate["epc"], [r["epc"] for r in two["uni"]],
                               rtol=10 * rtol)
    np.testing.assert_allclose(test.cumulative["x2"], [r["X2"] for r in two["cumulative"]],
                               rtol=rtol)
    # lavaan's spelling: "x1 ~~ x9" beside "visual =~ x9" is "x9~~x1" (the added syntax's
    # variables in lavaanify's order: the indicator x9 first)
    assert test.univariate["lhs"].tolist() == [r["lhs"] for r in two["uni"]]
    assert test.cumulative["lhs"].tolist() == [r["lhs"] for r in two["cumulative"]]
    if exact:
        _compare_epc(result, test.epc, two["epc"], 1e-7, 1e-9)
        single = score_test(result, add="x1 ~~ x9", epc=True)
        _compare_epc(result, single.epc, ref["add_x1x9_epc"]["result"]["epc"], 1e-7, 1e-9)


def test_score_result_renders():
    test = score_test(_fit("score_poldem_eq"), cumulative=True, epc=True)
    assert isinstance(test, ScoreTestResult)
    assert "X2 = 2.04" in str(test)
    summary = test.summary()
    for text in (summary.as_text(), summary.as_markdown(), summary.as_html(),
                 summary.as_latex()):
        assert "score" in text.lower()
    assert list(test.test.columns) == ["test", "x2", "df", "pvalue"]


def test_score_errors():
    result = _fit("score_poldem_eq")
    with pytest.raises(ValueError, match="release"):
        score_test(result, release=[4])
    with pytest.raises(ValueError, match="release"):
        score_test(result, release="1")
    with pytest.raises(ValueError, match="together"):
        score_test(result, release=[1], add="y1 ~~ y3")
    with pytest.raises(ValueError, match="add"):
        score_test(result, add="y1 ~~ y5")  # already in the model
    with pytest.raises(ValueError, match="add"):
        score_test(result, add="nosuch ~~ y1")
    with pytest.raises(SpecificationError, match="no equality constraints"):
        score_test(_fit("score_hs_cfa_add"))


# ----------------------------------------------------------------- Wald tests
def _wald_tolerance(statistic: float, h: list[float]) -> float:
    return 1e-4 if min(abs(v) for v in h) < 0.01 or statistic < 0.5 else 1e-5


@pytest.mark.parametrize("part", ["fit", "mlr"])
@pytest.mark.parametrize("name", ["wald_poldem_labelled", "wald_corp_rep"])
def test_wald(name, part):
    ref = reference(name)
    tests = ref["tests"] if part == "fit" else ref["mlr"]["tests"]
    result = _fit(name, part)
    for expected in tests:
        test = wald_test(result, expected["constraints"])
        rtol = _wald_tolerance(expected["stat"], expected["h"])
        np.testing.assert_allclose(test.statistic, expected["stat"], rtol=rtol,
                                   err_msg=expected["constraints"])
        assert test.df == expected["df"]
        np.testing.assert_allclose(test.pvalue, expected["p.value"], rtol=10 * rtol)
        np.testing.assert_allclose(test.constraints["h"], expected["h"], rtol=1e-4, atol=1e-6)
        names = expected["jacobian"]["columns"]
        jac = np.asarray(expected["jacobian"]["values"], dtype=float)
        assert test.jacobian.shape == jac.shape
        # the same columns up to order: compare the nonzero pattern and values by sorting
        np.testing.assert_allclose(np.sort(test.jacobian, axis=1), np.sort(jac, axis=1),
                                   rtol=1e-4, atol=1e-6, err_msg=f"{names}")


def test_wald_result_and_errors():
    result = _fit("wald_corp_rep")
    test = wald_test(result, "c1 == l1\nc2 == 0")
    assert isinstance(test, WaldTestResult) and test.df == 2
    assert "W = " in str(test) and "c1 == l1" in test.summary().as_text()
    defined = wald_test(result, "COMP_CUSL_ind == 0")  # a := name
    np.testing.assert_allclose(defined.statistic, wald_test(result, "c1*s == 0").statistic,
                               rtol=1e-12)
    for bad in ("", "c1", "c1 = l1", "c1 == nosuch", "c1 == __import__('os')", 5,
                "c1 == " + "(" * 80 + "1" + ")" * 80):
        with pytest.raises(ValueError):
            wald_test(result, bad)
    with pytest.raises(ValueError, match="dependent"):
        wald_test(result, "c1 == l1; l1 == c1")
