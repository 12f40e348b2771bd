"""Ordinal sample statistics against lavaan 0.6-14 (tests/reference/make_ordinal_reference.R).

Each case's JSON has lavaan's thresholds, polychoric/polyserial matrix
(``lavCor``), ``sampstat`` covariance, ``WLS.obs``, NACOV (``lavInspect(fit,
"gamma")``; bfi: every 12th row) and ``diag(lavInspect(fit, "wls.v"))``; the
data are the CSVs the script wrote beside them (bfi: benchmarks/data/bfi.csv,
written by benchmarks/export_bfi.R; psych is GPL, so that test skips without it).

Tolerances are about 10x the largest error observed (stated per test).
lavaan's correlations come from nlminb (relative tolerance 1e-10 on the
log-likelihood), loyaltysem's from Newton's method to |Δρ| < 1e-12: the
difference (<= 4e-8) is lavaan's optimizer stopping, and it carries over to
NACOV and the weights. The thresholds are closed forms (Φ⁻¹ of proportions).
lavaan's polyserial correlations stop less tightly still: on a 40-data-set fuzz
(not committed) they were off by up to 2e-4 relative where loyaltysem's score is
0 to 1e-14 (lavaan's log-likelihood lower by ~1e-13 relative); in the committed
cases (not chosen for it) lavaan's polyserials are within 2.2e-8.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyaltysem.exceptions import (ArgumentError, CategoricalDataWarning, DataError,
                                   LoyaltySemError, MissingValueWarning)
from loyaltysem.ordinal import (OrdinalStatistics, group_statistics, polychoric_matrix,
                                sample_statistics)

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "reference" / "ordinal"
BFI_CSV = ROOT / "benchmarks" / "data" / "bfi.csv"
CASES = ["corp_rep", "binary", "empty_cells", "mixed", "mixed2", "small_mixed",
         "corp_rep_pairwise", "mixed_pairwise", "bfi", "bfi_pairwise"]


def _reference(case: str) -> dict:
    return json.loads((REF / f"{case}.json").read_text())


_CACHE: dict[str, tuple[dict, OrdinalStatistics]] = {}


def _case(case: str) -> tuple[dict, OrdinalStatistics]:
    if case not in _CACHE:
        ref = _reference(case)
        if case.startswith("bfi"):
            if not BFI_CSV.exists():
                pytest.skip("benchmarks/data/bfi.csv absent: Rscript benchmarks/export_bfi.R")
            data = pd.read_csv(BFI_CSV)[ref["variables"]]
        else:
            data = pd.read_csv(ROOT / ref["data"])[ref["variables"]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MissingValueWarning)  # bfi: 364 incomplete rows
            _CACHE[case] = (ref, sample_statistics(data, ref["ordered"], missing=ref["missing"]))
    return _CACHE[case]


@pytest.mark.parametrize("case", CASES)
def test_nobs_and_layout(case):
    ref, stats = _case(case)
    assert stats.nobs == ref["nobs"]
    assert list(stats.variables) == ref["variables"]
    assert list(stats.ordered) == ref["ordered"]
    assert list(stats.thresholds.index) == ref["thresholds"]["names"]
    assert len(stats.statistics) == len(ref["wls_obs"]) == len(stats.wls_v)
    assert stats.th_idx.tolist() == ref["th_idx"]


@pytest.mark.parametrize("case", CASES)
def test_thresholds(case):
    # closed form: observed <= 6e-15
    ref, stats = _case(case)
    np.testing.assert_allclose(stats.thresholds.to_numpy(), ref["thresholds"]["values"],
                               rtol=0, atol=1e-13)


@pytest.mark.parametrize("case", CASES)
def test_correlations(case):
    # lavCor: observed max |diff| 3.8e-8 (bfi), 1.9e-8 corp_rep, 1.5e-8 mixed and mixed2
    # (polyserial; mixed2's Pearson pair is exact), 2.2e-8 mixed_pairwise, 1.7e-8
    # corp_rep_pairwise, 1.3e-9 small_mixed (a polyserial whose
    # floored probabilities fake a score sign change near -1: lavaan -0.432, not the bound),
    # 6.8e-9 binary, 3.1e-9 empty_cells
    ref, stats = _case(case)
    assert list(stats.correlation.index) == ref["cor"]["names"]
    np.testing.assert_allclose(stats.correlation.to_numpy(), ref["cor"]["values"], rtol=0, atol=4e-7)


@pytest.mark.parametrize("case", CASES)
def test_covariance_and_means(case):
    # sampstat$cov: the polyserial correlation times the SD (divisor N); observed 1.7e-8 (mixed)
    ref, stats = _case(case)
    np.testing.assert_allclose(stats.covariance.to_numpy(), ref["cov"]["values"], rtol=0, atol=4e-7)
    if ref.get("mean"):
        np.testing.assert_allclose(stats.means.to_numpy(), ref["mean"]["values"], rtol=1e-13)


@pytest.mark.parametrize("case", CASES)
def test_statistics_vector(case):
    # WLS.obs (thresholds, -mean, variance, covariances in vech order): observed 3.8e-8
    ref, stats = _case(case)
    np.testing.assert_allclose(stats.statistics.to_numpy(), ref["wls_obs"], rtol=0, atol=4e-7)


@pytest.mark.parametrize("case", CASES)
def test_nacov(case):
    # lavInspect(fit, "gamma"): observed max |diff| / max |NACOV| 1.5e-8 (binary), 7e-9 (bfi),
    # 3.7e-9 (empty_cells), 2.0e-9 (mixed_pairwise), 1.2e-9 (corp_rep, mixed, mixed2),
    # 1.1e-9 (corp_rep_pairwise); elementwise abs 7e-8
    ref, stats = _case(case)
    expected = np.array(ref["nacov"])
    rows = np.array(ref["nacov_rows"]) - 1
    got = stats.nacov.to_numpy()[rows]
    scale = np.abs(expected).max()
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-7 * scale)
    full = stats.nacov.to_numpy()
    np.testing.assert_allclose(full, full.T, rtol=0, atol=1e-12 * scale)


@pytest.mark.parametrize("case", CASES)
def test_dwls_weights(case):
    # diag(lavInspect(fit, "wls.v")) = 1/diag(NACOV): observed relative 8.7e-8 (corp_rep)
    ref, stats = _case(case)
    np.testing.assert_allclose(stats.wls_v.to_numpy(), ref["wls_v_diag"], rtol=1e-6)
    np.testing.assert_allclose(np.diag(stats.weight_matrix("DWLS")), ref["wls_v_diag"], rtol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_empty_cell_tables(case):
    # lavaan's zero.cell.tables: the ordinal pairs with an empty cell (before zero.add)
    ref, stats = _case(case)
    expected = {tuple(sorted(pair)) for pair in ref["zero_cell_tables"]}
    assert {tuple(sorted(pair)) for pair in stats.empty_cell_pairs} == expected


def test_zero_add_matters_for_the_empty_2x2_tables():
    # the b1 x b2 and b1 x b3 tables each have one empty cell: without lavaan's
    # zero.add = c(0.5, 0) with zero.keep.margins their ρ is off by 0.12 (observed);
    # adding to the empty cell only (zero.keep.margins = FALSE) by 0.0017
    ref = _reference("empty_cells")
    data = pd.read_csv(ROOT / ref["data"])
    expected = np.array(ref["cor"]["values"])
    default = polychoric_matrix(data).to_numpy()
    np.testing.assert_allclose(default, expected, rtol=0, atol=4e-8)  # observed 3.1e-9
    with pytest.warns(CategoricalDataWarning, match="nearly"):  # ρ at lavaan's bound 0.999
        without = polychoric_matrix(data, zero_add=0.0).to_numpy()
    assert np.abs(without - expected).max() > 0.1
    assert np.abs(polychoric_matrix(data, zero_keep_margins=False).to_numpy()
                  - expected).max() > 1e-3


def test_polychoric_matrix_is_lavcor():
    ref = _reference("corp_rep")
    data = pd.read_csv(ROOT / ref["data"])
    cor = polychoric_matrix(data)
    assert list(cor.columns) == ref["variables"]
    np.testing.assert_allclose(cor.to_numpy(), ref["cor"]["values"], rtol=0, atol=4e-7)


def test_results_render():
    ref, stats = _case("mixed")
    text = stats.summary()
    assert "N = 301" in text and "x2o|t1" in text and str(stats) == text
    assert stats.statistics.index[stats.statistics.index.get_loc("x1~1")] == "x1~1"
    assert "x1~~x1" in stats.statistics.index and "x2o~~x3o" in stats.statistics.index
    np.testing.assert_allclose(stats.acov.to_numpy() * stats.nobs, stats.nacov.to_numpy())
    np.testing.assert_allclose(stats.weight_matrix("WLS") @ stats.nacov.to_numpy(),
                               np.eye(len(stats.statistics)), atol=1e-8)
    assert np.array_equal(stats.weight_matrix("ULS"), np.eye(len(stats.statistics)))
    with pytest.raises(ArgumentError, match="estimator must be"):
        stats.weight_matrix("GLS")  # type: ignore[arg-type]


def test_groups():
    # multi-group cfa(group = "servicetype"): lavaan's group order ("2" first), each group's
    # thresholds (observed 5e-15), covariances and WLS.obs (1.0e-8), NACOV (2.5e-9 of its
    # largest) and DWLS weights (4.9e-8 relative) on the pooled categories
    ref = _reference("groups")
    data = pd.read_csv(ROOT / ref["data"])[[ref["group"]] + ref["variables"]]
    stats = group_statistics(data, ref["group"], ref["ordered"])
    assert list(stats) == [g["label"] for g in ref["groups"]]
    for expected in ref["groups"]:
        got = stats[expected["label"]]
        assert got.nobs == expected["nobs"]
        assert list(got.thresholds.index) == expected["thresholds"]["names"]
        np.testing.assert_allclose(got.thresholds.to_numpy(), expected["thresholds"]["values"],
                                   rtol=0, atol=1e-13)
        np.testing.assert_allclose(got.covariance.to_numpy(), expected["cov"]["values"], rtol=0, atol=4e-7)
        np.testing.assert_allclose(got.statistics.to_numpy(), expected["wls_obs"], rtol=0, atol=4e-7)
        nacov = np.array(expected["nacov"])
        np.testing.assert_allclose(got.nacov.to_numpy(), nacov, rtol=0, atol=2e-7 * np.abs(nacov).max())
        np.testing.assert_allclose(got.wls_v.to_numpy(), expected["wls_v_diag"], rtol=1e-6)


def test_a_category_empty_in_a_group_is_named():
    # lavaan: "some categories of variable `cusa' are empty in group 1; frequencies are
    # [3 9 22 67 69 42 0]" (its group 1 is servicetype 2). The empty category is really
    # the value 1 (servicetype 2 answers cusa 2..7 only): lavaan tabulates the group's own
    # codes 1..6 into the pooled 7 bins, so its frequencies put the gap last
    ref = _reference("groups")
    assert "`cusa' are empty in group 1" in ref["empty_category_error"]
    assert "[3 9 22 67 69 42 0]" in ref["empty_category_error"]
    data = pd.read_csv(ROOT / ref["data"])
    assert sorted(data.loc[data["servicetype"] == 2, "cusa"].unique()) == [2, 3, 4, 5, 6, 7]
    with pytest.raises(DataError, match=(r"in group '2' of 'servicetype': ordinal item 'cusa' has "
                                         r"empty categories \['1'\] \(frequencies "
                                         r"\[0, 3, 9, 22, 67, 69, 42\]")):
        group_statistics(data, "servicetype")
    with pytest.raises(DataError, match="group column 'region' is not in the data"):
        group_statistics(data, "region")
    # the same with cusa as an ordered categorical (its categories are the dtype's)
    data["cusa"] = pd.Categorical(data["cusa"], categories=range(1, 8), ordered=True)
    with pytest.raises(DataError, match=r"in group '2' of 'servicetype': ordinal item 'cusa' has "
                                        r"empty categories \['1'\]"):
        group_statistics(data, "servicetype")


# --- bad input -----------------------------------------------------------------------------

def _frame(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_errors_are_loyaltysem_errors():
    # the CLI maps LoyaltySemError to exit status 2
    assert issubclass(DataError, LoyaltySemError)


def test_single_category_item_is_named():
    data = _frame(a=[1, 2, 3, 1, 2, 3], b=[4, 4, 4, 4, 4, 4])
    with pytest.raises(DataError, match=r"'b' has fewer than two observed categories \(only 4\)"):
        sample_statistics(data)


def test_non_integer_values_are_refused():
    data = _frame(a=[1, 2, 3, 1, 2, 3], b=[1.0, 2.5, 1.0, 2.0, 1.0, 2.0])
    with pytest.raises(DataError, match=r"'b' has non-integer values \(2.5\)"):
        sample_statistics(data)
    # the same column is fine as a continuous variable beside ordinal ones
    assert polychoric_matrix(data, ordered=["a"]).shape == (2, 2)


def test_many_categories_warn():
    rng = np.random.default_rng(1)
    data = _frame(a=rng.integers(1, 13, 200), b=rng.integers(1, 4, 200))
    with pytest.warns(CategoricalDataWarning, match=r"'a' has 12 categories .*continuous"):
        polychoric_matrix(data)


def test_unknown_ordered_column():
    data = _frame(a=[1, 2, 1, 2], b=[1, 2, 2, 1])
    with pytest.raises(DataError, match=r"ordered items \['c'\] are not columns"):
        sample_statistics(data, ordered=["a", "c"])


def test_non_numeric_column():
    data = _frame(a=[1, 2, 1, 2], b=["x", "y", "x", "y"])
    with pytest.raises(DataError, match=r"column 'b' is not numeric"):
        sample_statistics(data)


def test_missing_rows_warn_and_are_dropped():
    data = _frame(a=[1, 2, 1, 2, np.nan, 1], b=[1, 2, 2, 1, 2, 2])
    with pytest.warns(MissingValueWarning, match="1 of 6 rows"):
        stats = sample_statistics(data)
    assert stats.nobs == 5


def test_bad_zero_add():
    data = _frame(a=[1, 2, 1, 2], b=[1, 2, 2, 1])
    with pytest.raises(ArgumentError, match="zero_add must be"):
        sample_statistics(data, zero_add=(-1.0, 0.0))


def test_two_empty_cells_warn():
    data = _frame(a=[0, 0, 1, 1, 0, 1], b=[0, 0, 1, 1, 0, 1])
    with pytest.warns(CategoricalDataWarning) as caught:
        cor = polychoric_matrix(data)
    assert any("two empty cells in the 2x2 table of 'a' x 'b'" in str(w.message) for w in caught)
    assert cor.loc["a", "b"] == 1.0  # lavaan: 1, with the same warning
    with pytest.warns(CategoricalDataWarning), pytest.raises(
            DataError, match=r"tetrachoric correlations of \[\('a', 'b'\)\] are \+-1"):
        sample_statistics(data)


def test_declared_levels():
    # declaring the observed categories changes nothing (lavaan's values, as above)
    ref, stats = _case("corp_rep")
    data = pd.read_csv(ROOT / ref["data"])
    declared = sample_statistics(data, levels={"comp_1": range(1, 8), "cusa": range(1, 8)})
    np.testing.assert_allclose(declared.nacov.to_numpy(), stats.nacov.to_numpy(), rtol=0, atol=1e-12)
    # an empty declared category is refused (lavaan: "some categories of variable `x' are empty")
    small = _frame(a=[1, 2, 3, 1, 2, 3], b=[1, 2, 2, 1, 2, 1])
    with pytest.raises(DataError, match=r"'b' has empty categories \['3'\] \(frequencies \[3, 3, 0\]"):
        sample_statistics(small, levels={"b": [1, 2, 3]})
    with pytest.raises(DataError, match=r"'a' has values \['3'\] outside its declared categories"):
        sample_statistics(small, levels={"a": [1, 2]})
    with pytest.raises(DataError, match=r"levels are declared for \['c'\]"):
        sample_statistics(small, levels={"c": [1, 2]})


def test_bivariate_normal_cdf_against_quadrature():
    # Φ₂(h, k; ρ) = ∫_{-∞}^{h} φ(x) Φ((k - ρx)/√(1 - ρ²)) dx by adaptive quadrature (an
    # independent computation), over all three of Genz's point rules and the |ρ| >= 0.925
    # branch, both signs; observed max |diff| 3.3e-16
    from scipy import integrate
    from scipy.special import ndtr
    from scipy.stats import norm

    from loyaltysem.ordinal.bvn import bvn_cdf

    rng = np.random.default_rng(20261203)
    h, k = rng.normal(scale=1.5, size=(2, 40))
    rho = np.concatenate([rng.uniform(-0.3, 0.3, 10), rng.uniform(0.3, 0.75, 10),
                          -rng.uniform(0.75, 0.925, 10), rng.choice([-1, 1], 10) * rng.uniform(0.925, 0.9999, 10)])
    exact = [integrate.quad(lambda x, kk=kk, r=r: norm.pdf(x) * ndtr((kk - r * x) / np.sqrt(1 - r * r)),
                            -np.inf, hh, epsabs=1e-15, epsrel=1e-13, limit=200)[0]
             for hh, kk, r in zip(h, k, rho)]
    np.testing.assert_allclose(bvn_cdf(h, k, rho), exact, rtol=0, atol=5e-15)
    # the infinite limits are the margins
    assert bvn_cdf(np.inf, 0.3, 0.5) == pytest.approx(ndtr(0.3), abs=1e-16)
    assert bvn_cdf(-np.inf, 0.3, 0.5) == 0.0


def test_categories_are_the_sorted_observed_values():
    # any increasing recoding of the answers (here x -> x² + 10, non-contiguous codes)
    # leaves lavaan's corp_rep values: only the order of the categories counts
    ref, _ = _case("corp_rep")
    data = pd.read_csv(ROOT / ref["data"]) ** 2 + 10
    stats = sample_statistics(data)
    np.testing.assert_allclose(stats.thresholds.to_numpy(), ref["thresholds"]["values"], rtol=0, atol=1e-13)
    np.testing.assert_allclose(stats.correlation.to_numpy(), ref["cor"]["values"], rtol=0, atol=4e-7)
    np.testing.assert_allclose(stats.wls_v.to_numpy(), ref["wls_v_diag"], rtol=1e-6)


def test_every_public_attribute_renders():
    _, stats = _case("mixed2")
    for name in [n for n in dir(stats) if not n.startswith("_")]:
        value = getattr(stats, name)
        if callable(value):
            continue
        assert repr(value)
    assert stats.empty_cell_pairs and stats.zero_add == (0.5, 0.0) and stats.zero_keep_margins
    assert stats.means["x1"] != 0 and stats.means["x2o"] == 0


def test_no_ordered_item():
    data = _frame(x=[0.1, 0.5, 0.3, 0.9], y=[1.0, 2.0, 3.0, 5.0])
    with pytest.raises(DataError, match="no ordered items"):
        sample_statistics(data, ordered=False)


def test_a_correlation_without_information_is_refused():
    # the only v4 = 1 answer sits in v3's lowest category: ρ goes to lavaan's bound 0.999,
    # where every casewise score underflows to 0 (lavaan: a generalized inverse, zero rows)
    data = _frame(v3=[5, 5, 3, 2, 5, 3, 5, 2, 2, 2, 2, 5, 3, 2, 3],
                  v4=[2, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 2])
    with pytest.warns(CategoricalDataWarning, match="nearly"), pytest.raises(
            DataError, match=r"\('v3', 'v4', 0.999\)\] have no information at their estimate"):
        sample_statistics(data)
    with pytest.warns(CategoricalDataWarning, match="nearly"):
        assert polychoric_matrix(data).loc["v3", "v4"] == 0.999


def test_ordered_categoricals_are_ordinal_items():
    # corp_rep's answers as ordered categoricals with text labels (an R ordered factor):
    # lavaan's values; an unused category is an empty one, an unordered categorical refused
    ref, _ = _case("corp_rep")
    labels = ["very bad", "bad", "poor", "neutral", "fair", "good", "very good"]
    data = pd.read_csv(ROOT / ref["data"]).apply(
        lambda x: pd.Categorical.from_codes(x - 1, categories=labels, ordered=True))
    stats = sample_statistics(data)
    np.testing.assert_allclose(stats.correlation.to_numpy(), ref["cor"]["values"], rtol=0, atol=4e-7)
    np.testing.assert_allclose(stats.wls_v.to_numpy(), ref["wls_v_diag"], rtol=1e-6)
    small = _frame(a=pd.Categorical(["lo", "mid", "lo", "mid"], categories=["lo", "mid", "hi"],
                                    ordered=True), b=[1, 2, 2, 1])
    with pytest.raises(DataError, match=r"'a' has empty categories \['hi'\] \(frequencies \[2, 2, 0\] "
                                         r"of \['lo', 'mid', 'hi'\]\)"):
        sample_statistics(small)
    with pytest.raises(DataError, match="'a' is an unordered categorical"):
        sample_statistics(small.assign(a=small["a"].cat.as_unordered()))
    with pytest.raises(DataError, match="'a' is an ordered categorical but not an ordered item"):
        sample_statistics(small, ordered=["b"])


def test_pairwise_missing():
    # listwise is the default and warns; pairwise keeps every row with an answer
    ref = _reference("corp_rep_pairwise")
    data = pd.read_csv(ROOT / ref["data"])
    with pytest.warns(MissingValueWarning, match="8 of 344 rows have a missing value"):
        assert sample_statistics(data).nobs == 336
    assert polychoric_matrix(data, missing="pairwise").shape == (10, 10)
    with pytest.raises(ArgumentError, match="missing must be 'listwise' or 'pairwise'"):
        sample_statistics(data, missing="ml")  # type: ignore[arg-type]
    empty_row = pd.concat([data, pd.DataFrame([[np.nan] * 10], columns=data.columns)])
    with pytest.warns(MissingValueWarning, match="1 of 345 rows have no answer"):
        assert sample_statistics(empty_row, missing="pairwise").nobs == 344
