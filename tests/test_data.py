"""Datasets and survey validation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyaltysem.data import (dataset_info, list_datasets, load_codebook, load_dataset,
                             prepare_survey, read_table)
from loyaltysem.exceptions import DataError, MissingValueWarning

NAMES = ["corp_rep", "holzinger_swineford", "loyalty_chain", "mobi", "political_democracy"]


def test_registry_lists_every_dataset():
    table = list_datasets()
    assert sorted(table["name"]) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_dataset_matches_its_metadata_and_codebook(name):
    frame = load_dataset(name)
    info = dataset_info(name)
    assert len(frame) == info["n_rows"]
    codebook = load_codebook(name)
    assert list(codebook["variable"]) == list(frame.columns)
    for key in ("source", "licence", "origin"):
        assert info.get(key), f"{name}: {key} missing in dataset.yaml"


@pytest.mark.parametrize("name, n", [("corp_rep", 344), ("mobi", 250), ("holzinger_swineford", 301),
                                     ("political_democracy", 75), ("loyalty_chain", 500)])
def test_sizes(name, n):
    assert len(load_dataset(name)) == n


def test_corp_rep_missing_code_becomes_nan():
    frame = load_dataset("corp_rep")
    assert not (frame == -99).any().any()
    assert int(frame.isna().sum().sum()) == 11           # 11 cells in 8 rows (provenance)
    assert int(frame.isna().any(axis=1).sum()) == 8


def test_listwise_deletion_warns_with_counts():
    data = pd.DataFrame({"a": [1.0, 2, np.nan, 4, 5, 3], "b": [2.0, 1, 3, 4, 5, 1],
                         "c": [1.0, 2, 3, 5, 4, 2], "unused": [np.nan] * 6})
    with pytest.warns(MissingValueWarning, match="1 of 6 rows dropped .*a: 1"):
        survey = prepare_survey(data, ["a", "b", "c"])
    assert survey.n == 5 and survey.n_dropped == 1


@pytest.mark.parametrize("data, variables, fragment", [
    (pd.DataFrame({"comp_1": [1, 2, 3], "x": [1, 2, 3]}), ["comp_l"],
     "no column 'comp_l' — did you mean 'comp_1'"),
    (pd.DataFrame({"a": ["1", "2", "x"], "b": [1, 2, 3]}), ["a", "b"],
     "column 'a' is not numeric \\(e.g. row 2: 'x'; 1 rows\\)"),
    (pd.DataFrame({"a": [], "b": []}), ["a", "b"], "no rows"),
    (pd.DataFrame({"a": [1.0, 2], "b": [2.0, 1]}), ["a", "b"], "only 2 complete rows for 2"),
    (pd.DataFrame({"a": [1.0, 1, 1, 1], "b": [2.0, 1, 3, 4]}), ["a", "b"], "constant"),
    (pd.DataFrame({"a": [np.nan] * 4, "b": [2.0, 1, 3, 4]}), ["a", "b"], "no values at all"),
])
def test_bad_survey_data(data, variables, fragment):
    with pytest.raises(DataError, match=fragment):
        prepare_survey(data, variables)


def test_item_role_is_named_in_the_message():
    with pytest.raises(DataError, match="'sat_9' \\(item of construct SAT\\)"):
        prepare_survey(pd.DataFrame({"sat_1": [1, 2, 3]}), ["sat_9"],
                       roles={"sat_9": "item of construct SAT"})


def test_read_table_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_table(tmp_path / "none.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="cannot read"):
        read_table(empty)


def test_na_values_on_a_frame():
    frame = read_table(pd.DataFrame({"a": [1, -99, 3]}), na_values=[-99])
    assert frame["a"].isna().sum() == 1
