"""The checks at the data edge (issue #10): missing-value codes, na_values, column types,
scales, FIML coverage and group values. Every refusal is one line that names the column
(or pair, or value), the count and the fix."""
from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.data import load_dataset, prepare_survey, read_table
from loyaltysem.data.checks import (
    coverage,
    find_missing_codes,
    group_labels,
    normalize_na_values,
)
from loyaltysem.data.registry import dataset_names
from loyaltysem.exceptions import DataError, MissingValueWarning

ROOT = Path(__file__).resolve().parents[1]
ITEMS = ["sat_1", "sat_2", "sat_3"]


def _survey(n: int = 60, seed: int = 1) -> pd.DataFrame:
    """Three correlated 1-7 items."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=n)
    columns = {name: np.clip(np.round(4 + 1.2 * common + rng.normal(size=n)), 1, 7)
               for name in ITEMS}
    return pd.DataFrame(columns)


def _one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


# --- missing-value codes -----------------------------------------------------------

def test_a_minus_99_code_left_in_a_seven_point_item_is_refused():
    data = _survey()
    data.loc[[3, 8, 20], "sat_3"] = -99
    with pytest.raises(DataError) as error:
        prepare_survey(data, ITEMS)
    message = _one_line(error)
    assert message.startswith("column 'sat_3' holds -99 in 3 rows, outside the range of its "
                              "other values (1 to 7)")
    assert "--na-values -99 (na_values=[-99] in Python)" in message
    assert "allow_codes=True" in message


def test_declared_codes_are_missing_and_the_fit_recovers():
    data = _survey()
    data.loc[[3, 8, 20], "sat_3"] = -99
    with pytest.warns(MissingValueWarning, match="3 of 60 rows dropped"):
        survey = prepare_survey(data, ITEMS, na_values=[-99])
    assert survey.n == 57
    with pytest.warns(MissingValueWarning):
        assert prepare_survey(data, ITEMS, na_values=-99).n == 57       # a scalar
    with pytest.warns(MissingValueWarning):
        assert prepare_survey(data, ITEMS, na_values="-99").n == 57     # a text, not '-', '9', '9'


def test_allow_codes_keeps_the_values_as_answers():
    data = _survey()
    data.loc[[3, 8, 20], "sat_3"] = -99
    survey = prepare_survey(data, ITEMS, allow_codes=True)
    assert survey.n == 60 and (survey.data["sat_3"] == -99).sum() == 3
    with pytest.raises(DataError, match="allow_codes must be True or False; got 'yes'"):
        prepare_survey(data, ITEMS, allow_codes="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize("code", [-9, -99, -999, 99, 999, 9999, 77, 88])
def test_typical_and_far_out_codes_are_found(code):
    data = _survey()
    data.loc[[0, 1], "sat_1"] = code
    table = find_missing_codes(data)
    assert table[["column", "value", "count"]].to_dict("records") == [
        {"column": "sat_1", "value": float(code), "count": 2}]
    with pytest.raises(DataError, match=f"column 'sat_1' holds {code} in 2 rows"):
        prepare_survey(data, ITEMS)


def test_two_codes_in_one_column_are_both_named():
    data = _survey()
    data.loc[[0, 1], "sat_2"] = -99
    data.loc[[2], "sat_2"] = -98
    assert sorted(find_missing_codes(data)["value"]) == [-99.0, -98.0]
    with pytest.raises(DataError, match=r"na_values=\[-99, -98\]|na_values=\[-98, -99\]"):
        prepare_survey(data, ITEMS)


@pytest.mark.parametrize("values", [
    list(range(18, 99)) + [99],                  # an age of 99 beside ages 18-98
    [0.5, 1.7, 2.2, 9.0, 3.1, -1.2, 4.4, 6.0],  # continuous scores
    list(range(0, 101)),                         # a 0-100 scale
    [0, 1, 1, 0, 1],                             # a 0/1 indicator
])
def test_genuine_values_are_not_codes(values):
    assert find_missing_codes(pd.DataFrame({"v": values})).empty


@pytest.mark.parametrize("name", dataset_names())
def test_no_shipped_dataset_trips_the_code_check(name):
    frame = load_dataset(name)
    assert find_missing_codes(frame).empty, name


def test_the_raw_corp_rep_file_is_caught_and_its_declared_codes_clear_it():
    raw = pd.read_csv(ROOT / "datasets/corp_rep/corp_rep.csv")
    found = find_missing_codes(raw)
    assert set(found["value"]) == {-99.0}
    with pytest.raises(DataError, match="column 'cusl_1' holds -99 in 3 rows"):
        prepare_survey(raw, ["cusl_1", "cusl_2", "cusl_3"])


def test_fit_refuses_codes_and_accepts_them_declared():
    data = _survey(n=200)
    data.loc[:19, "sat_3"] = -99
    with pytest.raises(DataError, match="column 'sat_3' holds -99 in 20 rows"):
        ls.fit("F =~ sat_1 + sat_2 + sat_3", data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit("F =~ sat_1 + sat_2 + sat_3", data, na_values="-99")
    assert result.n_obs == 180 if hasattr(result, "n_obs") else True


# --- na_values --------------------------------------------------------------------

@pytest.mark.parametrize("given, expected", [
    (None, None),
    (-99, [-99.0]),
    ("-99", ["-99", -99.0]),
    ([-99, "n/a"], [-99.0, "n/a"]),
    ((-99, -98.0), [-99.0, -98.0]),
    ([], None),
])
def test_na_values_is_a_code_or_a_list_of_codes(given, expected):
    assert normalize_na_values(given) == expected


@pytest.mark.parametrize("given, fragment", [
    ({"a": -99}, "na_values must be a code or a list of codes .*got a dict"),
    ([True], "na_values holds True"),
    ([float("nan")], "NaN and infinity are not codes"),
    ([[-99]], "na_values holds a list"),
])
def test_bad_na_values_are_refused(given, fragment):
    with pytest.raises(DataError, match=fragment):
        read_table(pd.DataFrame({"a": [1, 2]}), na_values=given)


def test_a_text_code_does_not_turn_nines_into_missing(tmp_path):
    frame = pd.DataFrame({"a": [9, -99, 9, 3], "b": [1, 2, 3, 4]})
    masked = read_table(frame, na_values="-99")
    assert masked["a"].isna().sum() == 1 and (masked["a"] == 9).sum() == 2
    path = tmp_path / "survey.csv"
    path.write_text("a,b\n9,1\n-99,2\n-99.0,3\n9,4\n")
    from_csv = read_table(path, na_values=-99)
    assert from_csv["a"].isna().sum() == 2 and (from_csv["a"] == 9).sum() == 2


# --- the frame and its column types ----------------------------------------------

@pytest.mark.parametrize("make, fragment", [
    (lambda d: d.assign(sat_1=d["sat_1"] + 1j),
     "column 'sat_1' is complex-valued; its imaginary part would be lost. Pass the real part"),
    (lambda d: d.assign(sat_1=pd.date_range("2020-01-01", periods=len(d))),
     r"column 'sat_1' is a date/time \(datetime64\[.s\]\), not an answer"),
    (lambda d: d.assign(sat_1=pd.to_timedelta(d["sat_1"], unit="D")),
     r"column 'sat_1' is a date/time \(timedelta64"),
    (lambda d: d.assign(sat_1=[dt.date(2020, 1, 1)] * len(d)),
     r"column 'sat_1' holds a date/time \(datetime.date\(2020, 1, 1\)\) in 60 rows"),
    (lambda d: d.assign(sat_1=d["sat_1"] > 3),
     r"column 'sat_1' is boolean \(True/False\); if it is a 0/1 indicator, convert it"),
    (lambda d: d.assign(sat_1=d["sat_1"].astype("category")),
     "column 'sat_1' is categorical; recode it to numbers"),
    (lambda d: d.assign(sat_1=d["sat_1"].astype(object).where(d.index != 5, "n/a")),
     r"column 'sat_1' is not numeric \(e.g. row 5: 'n/a'; 1 rows\).*--na-values n/a"),
    (lambda d: d.assign(sat_1=d["sat_1"].where(d.index > 1, np.inf)),
     r"column\(s\) 'sat_1' \(2 rows\) hold infinite values; replace them with NaN"),
])
def test_column_types_are_refused_as_what_they_are(make, fragment):
    with pytest.raises(DataError, match=fragment) as error:
        prepare_survey(make(_survey()), ITEMS)
    _one_line(error)


def test_numbers_stored_as_text_are_still_read():
    data = _survey().astype({"sat_1": str})
    assert prepare_survey(data, ITEMS).data["sat_1"].dtype == float


def test_duplicated_and_multiindex_columns_are_refused():
    data = _survey()
    duplicated = pd.concat([data, data[["sat_2"]]], axis=1)
    with pytest.raises(DataError, match=r"duplicated column names: 'sat_2' \(2 columns\); "
                                        "rename or drop the copies"):
        prepare_survey(duplicated, ITEMS)
    extra = pd.concat([data, data[["sat_2"]].rename(columns={"sat_2": "other"})] * 1, axis=1)
    extra.columns = list(data.columns) + ["sat_1"]
    with pytest.raises(DataError, match="'sat_1' \\(2 columns\\)"):
        ls.fit("F =~ sat_1 + sat_2 + sat_3", extra)
    unused = pd.concat([data, pd.DataFrame({"x": [1] * 60, "y": [2] * 60})], axis=1)
    unused.columns = ITEMS + ["x", "x"]
    assert prepare_survey(unused, ITEMS).n == 60                 # unused copies are harmless
    multi = data.copy()
    multi.columns = pd.MultiIndex.from_tuples([("sat", c) for c in ITEMS])
    with pytest.raises(DataError, match="MultiIndex columns .*flatten them"):
        prepare_survey(multi, ITEMS)


# --- scales ------------------------------------------------------------------------

def test_a_nearly_constant_item_is_diagnosed_as_such():
    data = _survey()
    data["sat_2"] = 4 + np.random.default_rng(3).normal(scale=1e-9, size=60)
    with pytest.raises(DataError, match=r"^item 'sat_2' has variance 1\.\d+e-18: it is \(nearly\) "
                                        "constant in the rows used; drop it") as error:
        prepare_survey(data, ITEMS)
    _one_line(error)


def test_items_on_scales_a_trillion_apart_are_told_to_rescale():
    data = _survey()
    data["sat_3"] = data["sat_3"] * 1e12
    with pytest.raises(DataError, match=r"^items differ in scale by a factor of 1\.\d+e\+12 "
                                        r"\(standard deviation of 'sat_3': .*\): rescale them .*"
                                        r"divide 'sat_3' by 1e\+12"):
        prepare_survey(data, ITEMS)


def test_the_fit_names_the_scale_problem_not_linear_dependence():
    data = _survey(n=200)
    data["sat_3"] = data["sat_3"] * 1e12
    with pytest.raises(DataError, match="differ in scale") as error:
        ls.fit("F =~ sat_1 + sat_2 + sat_3", data)
    assert "linearly dependent" not in str(error.value)
    data = _survey(n=200).assign(sat_2=pd.date_range("2020-01-01", periods=200))
    with pytest.raises(DataError, match="column 'sat_2' is a date/time"):
        ls.fit("F =~ sat_1 + sat_2 + sat_3", data)


def test_shipped_models_pass_the_scale_check():
    hs = load_dataset("holzinger_swineford")
    prepare_survey(hs, [f"x{i}" for i in range(1, 10)] + ["ageyr", "agemo"])
    poldem = load_dataset("political_democracy")
    prepare_survey(poldem, list(poldem.columns))


# --- FIML coverage -------------------------------------------------------------------

def test_coverage_matches_a_hand_count():
    frame = pd.DataFrame({"a": [1, 2, np.nan, 4, 5, np.nan],
                          "b": [1, np.nan, 3, 4, np.nan, np.nan],
                          "c": [1, 2, 3, np.nan, 5, np.nan]})
    table = coverage(frame)
    # row 6 is empty and left out (as lavaan): N = 5. a: rows 1,2,4,5; b: 1,3,4; c: 1,2,3,5
    expected = np.array([[4, 2, 3], [2, 3, 2], [3, 2, 4]]) / 5
    np.testing.assert_allclose(table.to_numpy(), expected, rtol=0, atol=1e-15)
    assert list(table.index) == list(table.columns) == ["a", "b", "c"]
    assert ls.data.coverage is coverage


def test_fiml_refuses_pairs_never_observed_together():
    data = _survey(n=200)
    data["sat_4"] = data["sat_3"] + np.random.default_rng(2).normal(size=200)
    data.loc[:99, "sat_3"] = np.nan                 # sat_3 only in rows 100-199
    data.loc[100:, "sat_4"] = np.nan                # sat_4 only in rows 0-99
    items = ITEMS + ["sat_4"]
    assert coverage(data, items).loc["sat_3", "sat_4"] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # no numpy RuntimeWarning leaks first
        with pytest.raises(DataError) as error:
            ls.fit("F =~ sat_1 + sat_2 + sat_3 + sat_4", data, missing="ml")
    assert _one_line(error) == (
        "1 pair(s) of variables are never observed together (coverage 0): sat_3 & sat_4; "
        "full-information ML cannot estimate their covariance. Collect rows that answer both, "
        "drop one of each pair, or see loyaltysem.data.coverage(df)")


def test_fiml_warns_below_ten_percent_coverage():
    data = _survey(n=200)
    data["sat_4"] = data["sat_3"] + np.random.default_rng(2).normal(size=200)
    data.loc[:109, "sat_3"] = np.nan                # sat_3 in rows 110-199
    data.loc[120:, "sat_4"] = np.nan                # sat_4 in rows 0-119: 10 rows together
    with pytest.warns(MissingValueWarning, match=r"1 pair\(s\) .* less than 10% .*"
                                                 r"\(lowest: sat_3 & sat_4, 5.0%\)"):
        survey = prepare_survey(data, ITEMS + ["sat_4"], missing="ml")
    assert any("less than 10%" in note for note in survey.notes)


# --- group values --------------------------------------------------------------------

def test_group_labels_accept_integers_and_names():
    assert list(group_labels(pd.Series([1, 2, 1]), "g")) == ["1", "2", "1"]
    assert list(group_labels(pd.Series([1.0, 2.0]), "g")) == ["1", "2"]
    assert list(group_labels(pd.Series(["Pasteur", "Grant-White", "Zürich_2"]), "school")) == [
        "Pasteur", "Grant-White", "Zürich_2"]


@pytest.mark.parametrize("values, fragment", [
    (["a", "b\nCONSTRAINT(1)", "a"], r"group column 'g' holds 'b\\nCONSTRAINT\(1\)' \(1 rows\)"),
    (["a", "b;c", "b;c"], r"holds 'b;c' \(2 rows\); group values must be integers or names"),
    ([1.5, 2.0], r"holds 1.5 \(1 rows\)"),
    ([True, False], "group column 'g' is boolean"),
    (["a", "x" * 101], "at most 100 characters"),
])
def test_bad_group_values_are_refused(values, fragment):
    with pytest.raises(DataError, match=fragment):
        group_labels(pd.Series(values), "g")


def test_fit_groups_refuses_a_hostile_group_value_and_a_bad_group_column_name():
    from loyaltysem.groups import fit_groups

    hs = load_dataset("holzinger_swineford").copy()
    hs.loc[hs["school"] == "Pasteur", "school"] = "Pasteur\nCONSTRAINT(__import__('os'))"
    with pytest.raises(DataError, match='group column .school. holds "Pasteur\\\\nCONSTRAINT'):
        fit_groups(ROOT / "models/hs_cfa.lav", hs, "school")
    renamed = load_dataset("holzinger_swineford").rename(columns={"school": "the school"})
    with pytest.raises(DataError, match="bad group column name 'the school'"):
        fit_groups(ROOT / "models/hs_cfa.lav", renamed, "the school")


def test_fit_and_fit_groups_take_allow_codes():
    from loyaltysem.groups import fit_groups

    data = _survey(n=200)
    data.loc[:1, "sat_3"] = 99
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit("F =~ sat_1 + sat_2 + sat_3", data, allow_codes=True)
    assert result is not None
    data["g"] = ["a", "b"] * 100
    with pytest.raises(DataError, match="column 'sat_3' holds 99 in 2 rows"):
        fit_groups("F =~ sat_1 + sat_2 + sat_3", data, "g")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert fit_groups("F =~ sat_1 + sat_2 + sat_3", data, "g", allow_codes=True) is not None


def test_fiml_coverage_is_checked_within_each_group():
    from loyaltysem.groups import fit_groups

    data = _survey(n=300)
    data["sat_4"] = data["sat_3"] + np.random.default_rng(4).normal(size=300)
    data["g"] = ["a"] * 150 + ["b"] * 150
    data.loc[:74, "sat_3"] = np.nan                 # group a: sat_3 in rows 75-149 ...
    data.loc[75:149, "sat_4"] = np.nan              # ... sat_4 in rows 0-74: never together
    data.loc[150:170, "sat_1"] = np.nan             # group b: some missing, all pairs covered
    assert coverage(data, ITEMS + ["sat_4"]).loc["sat_3", "sat_4"] > 0     # pooled: covered
    with pytest.raises(DataError, match="^group 'a' of 'g': 1 pair\\(s\\) of variables are never "
                                        "observed together \\(coverage 0\\): sat_3 & sat_4"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")          # refused before numpy warns
            fit_groups("F =~ sat_1 + sat_2 + sat_3 + sat_4", data, "g", missing="ml")


# --- the command line -----------------------------------------------------------------

@pytest.mark.parametrize("extra, code, fragment", [
    ([], 2, "column 'sat_3' holds -99 in 20 rows, outside the range of its other values (1 to "
            "7): a missing-value code? Declare it with --na-values -99"),
    (["--na-values", "-99"], 0, None),
])
def test_cli_refuses_undeclared_codes_with_exit_2(tmp_path, extra, code, fragment):
    from click.testing import CliRunner

    from loyaltysem.cli import main

    data = _survey(n=200)
    data.loc[:19, "sat_3"] = -99
    path = tmp_path / "survey.csv"
    data.to_csv(path, index=False)
    spec = tmp_path / "model.lav"
    spec.write_text("F =~ sat_1 + sat_2 + sat_3\n")
    result = CliRunner().invoke(main, ["fit", str(spec), "--data", str(path), *extra])
    assert result.exit_code == code, result.output
    if fragment:
        assert "Traceback" not in result.output
        assert fragment in result.output
        assert len([line for line in result.output.splitlines() if line.strip()]) == 1


@pytest.mark.parametrize("factor, fragment", [
    (1e300, r"^column 'sat_1' holds values as large as 7e\+300: their squares overflow; "
            r"rescale it"),
    (1e-5, r"^item 'sat_1' has standard deviation 1\.\d+e-05: its unit is too small for the "
           r"estimator; rescale it \(e\.g\. multiply it by 1e\+05\)"),
    (1e-300, r"^item 'sat_1' has standard deviation 1\.\d+e-300: it is \(nearly\) constant"),
])
def test_units_too_large_or_too_small_for_the_estimator(factor, fragment):
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # no numpy overflow/underflow warning
        with pytest.raises(DataError, match=fragment):
            prepare_survey(_survey() * factor, ITEMS)
    assert prepare_survey(_survey() * 1e-3, ITEMS).n == 60


def test_a_non_text_value_gets_no_command_line_hint():
    data = _survey().astype({"sat_1": object})
    data.loc[4, "sat_1"] = b"x"
    with pytest.raises(DataError, match=r"is not numeric \(e.g. row 4: b'x'; 1 rows\); recode "
                                        "it to numbers, or pass its missing-value code with "
                                        "na_values$"):
        prepare_survey(data, ITEMS)


def test_the_issue_case_loyalty_chain_with_minus_99_left_in():
    """Issue #10: -99 left in sat_3 moved its loading from .82 to .23 with no warning."""
    data = load_dataset("loyalty_chain").copy()
    data.loc[::10, "sat_3"] = -99
    spec = "SAT =~ sat_1 + sat_2 + sat_3 + sat_4"
    with pytest.raises(DataError, match="column 'sat_3' holds -99 in 50 rows"):
        ls.fit(spec, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        declared = ls.fit(spec, data, na_values=[-99])
        clean = ls.fit(spec, load_dataset("loyalty_chain"))
    # declared codes drop 50 of 500 rows: the loading stays near the clean data's
    est = {name: r.set_index(["lhs", "op", "rhs"]).loc[("SAT", "=~", "sat_3"), "std_all"]
           for name, r in (("declared", declared.estimates), ("clean", clean.estimates))}
    assert abs(est["declared"] - est["clean"]) < 0.1


def test_a_far_out_code_is_suggested_exactly():
    """The --na-values fix repeats the code losslessly (1234567.5, not 1.23457e+06)."""
    import pandas as pd

    from loyaltysem.data.checks import check_missing_codes
    from loyaltysem.exceptions import DataError

    frame = pd.DataFrame({"a": [1, 2, 3, 4, 5, 6, 7] * 10 + [1234567.5]})
    with pytest.raises(DataError, match=r"--na-values 1234567\.5 "):
        check_missing_codes(frame, ["a"])
