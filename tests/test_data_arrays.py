"""The edge checks on one float array: same answers as the column-by-column checks,
the caller's data never changed, no copy where none is needed."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.data import checks
from loyaltysem.data.arrays import column_blocks, keep_rows
from loyaltysem.data.survey import prepare_survey
from loyaltysem.estimate.layout import build_parameter_layout
from loyaltysem.estimate.layout_cache import cached_layout, table_key
from loyaltysem.exceptions import MissingValueWarning


def _random_column(rng: np.random.Generator, t: int) -> np.ndarray:
    n = int(rng.integers(1, 60))
    pool = np.r_[rng.integers(-10, 10, 5), checks.TYPICAL_CODES,
                 rng.normal(size=3) * rng.choice([1, 100, 1e4])]
    column = rng.choice(pool, size=n)
    if t % 2:
        column = rng.integers(1, 8, n).astype(float)
        k = int(rng.integers(1, 6))
        column[rng.integers(0, n, k)] = rng.normal(size=k) * 10.0 ** rng.integers(0, 4)
    if t % 3 == 0:
        column[rng.integers(0, n, 2)] = np.nan
    if t % 5 == 0:
        column = np.r_[column, rng.choice([-99.0, 77.0, 20.0, -30.0], int(rng.integers(1, 15)))]
    return column


def test_suspect_codes_equal_the_column_by_column_search():
    rng = np.random.default_rng(20261202)
    for t in range(3000):
        column = _random_column(rng, t)
        expected = checks._suspects_in(column[np.isfinite(column)], "x")
        assert checks.suspect_codes(column[:, None], ["x"]) == expected


def test_suspect_codes_of_a_table_match_find_missing_codes():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({f"c{t}": np.r_[rng.integers(1, 8, 25),
                                         rng.choice([-99.0, 77.0, 4.0, 99.0], 5)]
                          for t in range(30)}).astype(float)
    table = checks.find_missing_codes(frame)
    found = checks.suspect_codes(frame.to_numpy(dtype=float), list(frame.columns))
    assert len(table) > 0
    assert [(r.column, r.value, r.count) for r in found] == list(
        zip(table["column"], table["value"], table["count"]))


def test_column_blocks_cover_every_column_within_the_budget():
    values = np.zeros((1000, 7))
    blocks = list(column_blocks(values, budget=2500))
    assert [b.shape[1] for _, b in blocks] == [2, 2, 2, 1]
    assert [w.start for w, _ in blocks] == [0, 2, 4, 6]


def test_keep_rows_compacts_in_place():
    values = np.asfortranarray(np.arange(20.0).reshape(10, 2))
    keep = np.arange(10) % 3 != 0
    expected = values[keep].copy()
    kept = keep_rows(values, keep)
    np.testing.assert_array_equal(kept, expected)
    assert np.shares_memory(kept, values)


def test_prepare_survey_leaves_the_callers_frame_alone():
    data = ls.load_dataset("holzinger_swineford")
    before = data.copy()
    names = [f"x{i}" for i in range(1, 10)]
    survey = prepare_survey(data, names)
    survey.data.iloc[0, 0] = 99.0  # copy-on-write: the survey's frame is writeable
    pd.testing.assert_frame_equal(data, before)


def test_a_float_frame_is_shared_not_copied():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    survey = prepare_survey(frame, ["a", "b", "c"])
    assert np.shares_memory(survey.data.to_numpy(), frame.to_numpy())


def test_listwise_rows_and_carried_columns_stay_aligned():
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0, 5.0, 2.0],
                          "b": [2.0, 1.0, np.nan, 3.0, 1.0, 4.0],
                          "g": ["u", "v", "w", "x", "y", "z"]}, index=[10, 11, 12, 13, 14, 15])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        survey = prepare_survey(frame, ["a", "b"], carry=["g"], allow_codes=True)
    assert survey.data["g"].tolist() == ["u", "x", "y", "z"]
    assert survey.data["a"].tolist() == [1.0, 4.0, 5.0, 2.0]
    assert survey.n_dropped == 2


def test_layouts_are_cached_by_content():
    spec = ls.load_spec("models/hs_cfa.lav")
    table = spec.parameter_table
    first, again = cached_layout(table), cached_layout(table.copy())
    assert first.structure is again.structure and first.table is not again.table
    fresh = build_parameter_layout(table)
    for a, b in zip(first.base[0], fresh.base[0]):
        np.testing.assert_array_equal(a, b)
    changed = table.copy()
    changed.loc[1, "ustart"] = 0.5
    assert table_key(changed) != table_key(table)


@pytest.mark.parametrize("missing", ["listwise", "ml"])
def test_fit_from_a_frame_with_extra_columns_matches(missing):
    data = ls.load_dataset("holzinger_swineford")
    spec = ls.load_spec("models/hs_cfa.lav")
    names = list(spec.observed_variables)
    full = ls.fit(spec, data, missing=missing, emit_warnings=False)
    only = ls.fit(spec, data[names].astype(float), missing=missing, emit_warnings=False)
    assert float(full.fit_indices["chisq"]) == float(only.fit_indices["chisq"])
