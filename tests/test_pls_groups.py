"""MICOM and PLS multi-group analysis: the stacked permutations against a plain loop of
fit_pls calls on permuted data, Henseler's MGA against seminr and a plain double loop,
and the messages for bad groups."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyaltysem import load_dataset
from loyaltysem.exceptions import ArgumentError, DataError, MissingValueWarning
from loyaltysem.pls import bootstrap_pls, fit_pls, mga, micom
from loyaltysem.pls.mga import henseler_p

CORP_REP = load_dataset("corp_rep")
REFERENCE = Path(__file__).parent / "reference" / "pls" / "groups"
SEED = 11
N_PERM = 30
# stacked and one-by-one fits run the same algorithm on the same matrices, only
# batched: they agree to rounding (tol=1e-12 makes both fully converged)
TOL = 1e-10
# ties within 1e-10 count as extreme (a single item's mean difference ties exactly)
TIES = 1e-10


def _pooled(model: str) -> tuple[pd.DataFrame, np.ndarray, int]:
    """The model's items, mean-replaced over all rows; group 1's rows first, then group 2's
    (data order), as loyaltysem.pls.groups documents the pair's pooled data."""
    items = list(fit_pls(model, CORP_REP, missing="mean").solution.layout.items)
    data = CORP_REP[items].fillna(CORP_REP[items].mean())
    first = (CORP_REP["servicetype"] == 1).to_numpy()
    pooled = pd.concat([data[first], data[~first]]).reset_index(drop=True)
    return pooled, np.array(items), int(first.sum())


def _permutations(seed: int, count: int, n: int) -> list[np.ndarray]:
    """The documented permutations: default_rng(SeedSequence(seed).spawn(P)[p]).permutation(n)."""
    return [np.random.default_rng(s).permutation(n)
            for s in np.random.SeedSequence(seed).spawn(count)]


def _scores(result, frame: pd.DataFrame) -> pd.DataFrame:
    """Scores of ``frame`` (standardized on itself) with the weights of ``result``."""
    z = (frame - frame.mean()) / frame.std(ddof=1)
    outer = result.outer
    return pd.DataFrame({c: z[rows["item"]].to_numpy() @ rows["weight"].to_numpy()
                         for c, rows in outer.groupby("construct", sort=False)})


def _plain_split(model: str, pooled: pd.DataFrame, rows: np.ndarray, n_first: int,
                 pooled_fit) -> dict[str, pd.Series]:
    """One split the plain way: fit_pls on each group's rows, MICOM's c on the pooled
    rows, step 3 from the pooled fit's scores."""
    one = fit_pls(model, pooled.iloc[rows[:n_first]], tol=1e-12)
    two = fit_pls(model, pooled.iloc[rows[n_first:]], tol=1e-12)
    s1, s2 = _scores(one, pooled), _scores(two, pooled)
    c = pd.Series({k: np.corrcoef(s1[k], s2[k])[0, 1] for k in s1.columns})
    scores = pooled_fit.scores.reset_index(drop=True)
    g1, g2 = scores.iloc[rows[:n_first]], scores.iloc[rows[n_first:]]
    key = one.paths["from"] + " -> " + one.paths["to"]
    total_1 = one.effects[one.effects["kind"] == "total"]
    total_2 = two.effects[two.effects["kind"] == "total"]
    return {"path": pd.Series(one.paths["est"].to_numpy() - two.paths["est"].to_numpy(),
                              index=key.to_numpy()),
            "total": pd.Series(total_1["est"].to_numpy() - total_2["est"].to_numpy(),
                               index=(total_1["from"] + " -> " + total_1["to"]).to_numpy()),
            "loading": pd.Series(one.outer["loading"].to_numpy() - two.outer["loading"]
                                 .to_numpy(), index=(one.outer["construct"] + ": "
                                                     + one.outer["item"]).to_numpy()),
            "r2": one.r2 - two.r2, "c": c, "mean_diff": g1.mean() - g2.mean(),
            "log_var_diff": np.log(g1.var(ddof=1)) - np.log(g2.var(ddof=1))}


@pytest.fixture(scope="module", params=["corp_rep", "corp_rep_extended"])
def plain(request):
    """Both analyses with N_PERM permutations, and the plain loop over the same ones."""
    model = request.param
    pooled, _, n_first = _pooled(model)
    pooled_fit = fit_pls(model, pooled, tol=1e-12)
    splits = [_plain_split(model, pooled, rows, n_first, pooled_fit)
              for rows in _permutations(SEED, N_PERM, len(pooled))]
    observed = _plain_split(model, pooled, np.arange(len(pooled)), n_first, pooled_fit)
    options = dict(groups=[1, 2], seed=SEED, missing="mean", tol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        inv = micom(model, CORP_REP, "servicetype", n_permutations=N_PERM, **options)
        perm = mga(model, CORP_REP, "servicetype", n_permutations=N_PERM, **options)
    return model, splits, observed, inv, perm


def test_permuted_c_means_and_variances_equal_the_plain_loop(plain):
    _, splits, _, inv, _ = plain
    draws = inv.draws["1 vs 2"]
    for quantity in ("c", "mean_diff", "log_var_diff"):
        expected = pd.DataFrame([s[quantity] for s in splits])
        np.testing.assert_allclose(draws[quantity].to_numpy(), expected[draws[quantity]
                                   .columns].to_numpy(), rtol=0, atol=TOL)


def test_permuted_differences_equal_the_plain_loop(plain):
    _, splits, _, _, perm = plain
    draws = perm.draws["1 vs 2"]
    for kind in ("path", "total", "r2", "loading"):
        got = draws[kind]
        expected = pd.DataFrame([s[kind] for s in splits])[list(got.columns)]
        np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=0, atol=TOL)


def test_observed_statistics_equal_the_plain_computation(plain):
    _, _, observed, inv, perm = plain
    step2 = inv.compositional.set_index("construct")
    np.testing.assert_allclose(step2["c"], observed["c"][step2.index], rtol=0, atol=TOL)
    for table, quantity in ((inv.means, "mean_diff"), (inv.variances, "log_var_diff")):
        frame = table.set_index("construct")
        np.testing.assert_allclose(frame["diff"], observed[quantity][frame.index], rtol=0,
                                   atol=TOL)
    paths = perm.table[perm.table["kind"] == "path"].set_index("statistic")
    np.testing.assert_allclose(paths["diff"], observed["path"][paths.index], rtol=0, atol=TOL)


def test_p_values_and_intervals_from_the_plain_loop(plain):
    """The p values and intervals computed here from the plain loop's permutations."""
    _, splits, observed, inv, perm = plain
    c = pd.DataFrame([s["c"] for s in splits])
    step2 = inv.compositional.set_index("construct")
    multi = [k for k in step2.index if k != "CUSA"]  # CUSA: single item, c = 1 by construction
    p = (c[multi] <= observed["c"][multi] + TIES).mean()
    np.testing.assert_allclose(step2.loc[multi, "pvalue"], p[multi], rtol=0, atol=1e-12)
    np.testing.assert_allclose(step2.loc[multi, "c_quantile"], c[multi].quantile(0.05),
                               rtol=0, atol=TOL)
    assert step2.loc["CUSA", "c"] == 1.0 and step2.loc["CUSA", "pvalue"] == 1.0
    means = inv.means.set_index("construct")
    mean_diff = pd.DataFrame([s["mean_diff"] for s in splits])[means.index]
    p_mean = (mean_diff.abs() >= observed["mean_diff"][means.index].abs() - TIES).mean()
    np.testing.assert_allclose(means["pvalue"], p_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(means["ci_lower"], mean_diff.quantile(0.025), atol=TOL)
    np.testing.assert_allclose(means["ci_upper"], mean_diff.quantile(0.975), atol=TOL)
    paths = perm.table[perm.table["kind"] == "path"].set_index("statistic")
    diffs = pd.DataFrame([s["path"] for s in splits])[paths.index]
    p_path = (diffs.abs() >= observed["path"][paths.index].abs() - TIES).mean()
    np.testing.assert_allclose(paths["pvalue"], p_path, rtol=0, atol=1e-12)


def test_group_estimates_are_fit_pls_of_each_group(plain):
    model, _, _, _, perm = plain
    pooled, _, n_first = _pooled(model)
    paths = perm.paths
    for column, rows in (("est_1", pooled.iloc[:n_first]), ("est_2", pooled.iloc[n_first:])):
        alone = fit_pls(model, rows, tol=1e-12)
        np.testing.assert_allclose(paths[column], alone.paths["est"], rtol=0, atol=1e-12)
    assert perm.results["1"].n == n_first and perm.n == {"1": n_first, "2": 344 - n_first}


def test_draws_do_not_depend_on_the_number_of_workers():
    options = dict(groups=[1, 2], seed=3, missing="mean", n_permutations=250)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        one = micom("corp_rep", CORP_REP, "servicetype", n_jobs=1, **options)
        two = micom("corp_rep", CORP_REP, "servicetype", n_jobs=3, **options)
    assert one.draws["1 vs 2"].equals(two.draws["1 vs 2"])
    assert one.compositional.equals(two.compositional)


# --- Henseler's MGA -----------------------------------------------------------------------

def _reference(model: str) -> dict:
    return json.loads((REFERENCE / f"mga_{model}.json").read_text())


@pytest.fixture(scope="module", params=["corp_rep", "corp_rep_extended"])
def henseler(request):
    ref = _reference(request.param)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        result = mga(request.param, CORP_REP, "servicetype", method="henseler", groups=[1, 2],
                     n_boot=ref["n_boot"], seed=ref["seed"], missing="mean", tol=ref["tol"],
                     max_iter=ref["max_iter"])
    return ref, result


def test_henseler_against_seminr(henseler):
    """seminr 0.2.1's estimate_pls_mga given the same resamples
    (tests/reference/make_pls_groups_reference.py): per-group estimates and bootstrap means
    are iterative estimates at a stop criterion of 1e-13 in both (observed: 2e-15, so
    1e-12); the p values count pairs of resamples, so they agree exactly (observed: equal)
    unless a pair sits within rounding of a tie."""
    ref, result = henseler
    expected = pd.DataFrame(ref["paths"])
    got = result.paths
    assert list(got["from"]) == list(expected["from"]) and list(got["to"]) == list(
        expected["to"])
    for column in ("est_1", "est_2", "diff", "mean_1", "mean_2"):
        np.testing.assert_allclose(got[column], expected[column], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(got["p_henseler"], expected["p_henseler"])
    assert result.n == {"1": ref["n"][0], "2": ref["n"][1]}


def test_henseler_p_equals_the_double_loop(henseler):
    _, result = henseler
    first = result.draws["1"]["path"].to_numpy()
    second = result.draws["2"]["path"].to_numpy()
    m1, m2 = first.mean(axis=0), second.mean(axis=0)
    loop = [1 - np.mean([[(2 * m1[s] - a - 2 * m2[s] + b) > 0 for b in second[:, s]]
                         for a in first[:, s]]) for s in range(first.shape[1])]
    np.testing.assert_allclose(henseler_p(first, second), loop, rtol=0, atol=1e-15)
    p = result.paths["p_henseler"].to_numpy()
    np.testing.assert_allclose(result.paths["pvalue"], 2 * np.minimum(p, 1 - p), atol=1e-15)


def test_henseler_draws_are_each_groups_bootstrap(henseler):
    ref, result = henseler
    state = np.random.SeedSequence(ref["seed"]).generate_state(2)
    boot = bootstrap_pls(result.results["2"], ref["n_boot"], seed=int(state[1]))
    np.testing.assert_array_equal(result.draws["2"]["path"].to_numpy(),
                                  boot.draws["path"].to_numpy())


def test_henseler_p_is_small_when_group_one_is_larger():
    rng = np.random.default_rng(0)
    big, small = rng.normal(1.0, 0.1, (500, 1)), rng.normal(0.0, 0.1, (400, 1))
    assert henseler_p(big, small)[0] < 1e-3 and henseler_p(small, big)[0] > 1 - 1e-3


# --- more than two groups, sensitivity ----------------------------------------------------

def test_three_groups_are_compared_pairwise_on_their_own_rows():
    data = CORP_REP.assign(segment=np.array(["a", "b", "c"])[np.arange(len(CORP_REP)) % 3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        three = mga("corp_rep", data, "segment", n_permutations=40, seed=5)
        two = mga("corp_rep", data, "segment", groups=["a", "c"], n_permutations=40, seed=5)
    assert set(three.draws) == {"a vs b", "a vs c", "b vs c"}
    pair = three.table[(three.table["group_1"] == "a") & (three.table["group_2"] == "c")]
    pd.testing.assert_frame_equal(pair.reset_index(drop=True), two.table)
    assert any("multiple comparisons" in note for note in three.notes)


def test_micom_sees_shifted_means_and_changed_weights():
    data = CORP_REP.copy()
    second = data["servicetype"] == 2
    for item in ("like_1", "like_2", "like_3"):
        data[item] = data[item].astype(float)
        data.loc[second, item] = data.loc[second, item] + 1.5
    rng = np.random.default_rng(1)
    data.loc[second, "comp_1"] = rng.permutation(data.loc[second, "comp_1"].to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        result = micom("corp_rep", data, "servicetype", groups=[1, 2], n_permutations=300,
                       seed=2, missing="mean")
    verdict = result.invariance.set_index("construct")
    assert not verdict.loc["LIKE", "equal_means"]
    assert result.means.set_index("construct").loc["LIKE", "pvalue"] < 0.01
    assert not verdict.loc["COMP", "compositional"]
    assert verdict.loc["COMP", "invariance"] == "none"


# --- results -------------------------------------------------------------------------------

def test_results_render_and_serialize(plain):
    _, _, _, inv, perm = plain
    for result in (inv, perm):
        text = str(result)
        assert "Warnings" in text and "servicetype" in text
        summary = result.summary()
        for render in (summary.as_html, summary.as_markdown, summary.as_latex):
            assert render()
        payload = json.loads(json.dumps(result.to_dict(), allow_nan=False))
        assert payload["group"] == "servicetype" and payload["groups"] == ["1", "2"]
    assert {"configural", "compositional", "means", "variances", "invariance"} <= set(
        inv.to_dict())
    assert inv.configural["verdict"].all()
    row = perm.to_dict()["comparisons"][0]
    assert {"group_1", "group_2", "kind", "statistic", "est_1", "est_2", "diff", "pvalue",
            "ci_lower", "ci_upper"} <= set(row)


# --- bad input -------------------------------------------------------------------------------

def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        return function(*args, **kwargs)


def test_a_column_with_one_group_is_refused():
    data = CORP_REP.assign(one=1)
    with pytest.raises(DataError, match=r"column 'one' has 1 \(every row is '1'\)"):
        _quiet(micom, "corp_rep", data, "one", n_permutations=10)


def test_a_small_group_is_refused_with_the_sizes():
    data = CORP_REP.copy()
    data.loc[data.index[:7], "servicetype"] = 3
    with pytest.raises(DataError, match=r"group '3' of 'servicetype' has 7 rows.*at least 10"
                                        r".*sizes: '3': 7 rows, '1': 123 rows, '2': 206 rows"):
        _quiet(mga, "corp_rep", data, "servicetype", n_permutations=10)


def test_a_group_with_fewer_rows_than_a_block_is_refused():
    data = CORP_REP.copy()
    data.loc[data.index[:9], "servicetype"] = 3
    with pytest.raises(DataError, match=r"has 9 rows.*at least 10 .*8 items of the largest "
                                        "block, QUAL"):
        _quiet(mga, "corp_rep_extended", data, "servicetype", n_permutations=10)


def test_missing_group_values_are_dropped_with_a_note():
    data = CORP_REP.copy()
    data.loc[data.index[:5], "servicetype"] = np.nan
    with pytest.warns(MissingValueWarning, match="5 of 344 rows have no value of the grouping "
                                                 "column 'servicetype'"):
        result = mga("corp_rep", data, "servicetype", n_permutations=10, seed=1,
                     missing="mean")
    assert sum(result.n.values()) == 339
    assert any("5 of 344 rows" in note for note in result.notes)


def test_too_many_groups_are_refused():
    data = CORP_REP.assign(many=np.arange(len(CORP_REP)) % 12)
    with pytest.raises(DataError, match=r"column 'many' has 12 groups \('0': 29 rows.*at most "
                                        r"10 .*groups="):
        _quiet(micom, "corp_rep", data, "many", n_permutations=10)


def test_unknown_column_and_group_are_refused():
    with pytest.raises(DataError, match="no column 'servicetyp'.*did you mean 'servicetype'"):
        _quiet(micom, "corp_rep", CORP_REP, "servicetyp", n_permutations=10)
    with pytest.raises(DataError, match=r"groups names '7'.*'2': 219 rows, '1': 125 rows"):
        _quiet(micom, "corp_rep", CORP_REP, "servicetype", groups=[1, 7], n_permutations=10)


def test_an_item_constant_within_a_group_is_refused():
    data = CORP_REP.copy()
    data.loc[data["servicetype"] == 1, "cusa"] = 5
    with pytest.raises(DataError, match=r"within group '1' of 'servicetype' item\(s\) cusa do "
                                        "not vary"):
        _quiet(micom, "corp_rep", data, "servicetype", n_permutations=10, missing="mean")


@pytest.mark.parametrize("kwargs, message", [
    ({"group": 3}, "group must be the name of the column"),
    ({"n_permutations": 1}, r"n_permutations must be an integer in \[2, 100000\]"),
    ({"method": "chin"}, "method must be 'permutation' or 'henseler'"),
    ({"n_boot": 100}, "n_boot must be None with method='permutation'"),
    ({"method": "henseler", "n_permutations": 100}, "n_permutations must be None with"),
    ({"groups": [1]}, "groups must be a list of at least two different group values"),
    ({"groups": [1, 1.5]}, "groups must be a list of group values"),
    ({"sign_change": "individual"}, "sign_change must be 'none' with method='permutation'"),
    ({"seed": -1}, "seed must be"),
    ({"level": 1.5}, "level must be"),
])
def test_bad_arguments_are_refused_before_any_work(kwargs, message):
    arguments = {"group": "servicetype", **kwargs}
    with pytest.raises(ArgumentError, match=message):
        mga("corp_rep", CORP_REP, **arguments)


def test_listwise_deletion_keeps_each_row_in_its_group(tmp_path):
    """Rows with a missing item are dropped before the split; every other row keeps its
    group (read from a CSV file, as the CLI reads it)."""
    path = tmp_path / "corp_rep.csv"
    CORP_REP.to_csv(path, index=False)
    result = _quiet(mga, "corp_rep", path, "servicetype", groups=[1, 2], n_permutations=10,
                    seed=1)
    items = list(result.results["1"].solution.layout.items)
    complete = CORP_REP.dropna(subset=items)
    for label in ("1", "2"):
        rows = complete[complete["servicetype"] == int(label)]
        alone = fit_pls("corp_rep", rows)
        column = "est_1" if label == "1" else "est_2"
        np.testing.assert_allclose(result.paths[column], alone.paths["est"], rtol=0, atol=1e-12)
        assert result.n[label] == len(rows)
    assert any("listwise" in note for note in result.notes)
