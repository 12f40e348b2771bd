"""Groups named by their value labels (issue #13): codebooks, .sav-like frames, escaping."""
from __future__ import annotations

import json
import shutil
import warnings

import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.data.checks import group_names
from loyaltysem.data.labels import parse_value_labels
from loyaltysem.exceptions import DataError
from loyaltysem.groups import fit_groups
from loyaltysem.report import make_report, render_report

SPEC = "models/corp_rep.yaml"


@pytest.fixture(scope="module")
def servicetype_report():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make_report(SPEC, "corp_rep", group="servicetype", n_boot=0)


def test_the_corp_rep_codebook_names_the_service_types():
    frame = ls.load_dataset("corp_rep")
    assert frame.attrs["value_labels"] == {"servicetype": {1: "prepaid plan", 2: "contract plan"}}
    assert sorted(frame["servicetype"].unique()) == [1, 2]        # the data keep their codes
    assert ls.load_codebook("corp_rep").set_index("variable").loc[
        "servicetype", "value_labels"] == "1 = prepaid plan; 2 = contract plan"


def test_a_group_report_by_servicetype_shows_the_names(servicetype_report):
    text = render_report(servicetype_report, "md")
    assert "across servicetype: contract plan (N = 212), prepaid plan (N = 124)" in text
    assert "| B (contract plan) | B (prepaid plan) |" in text
    assert "2 (N = 212)" not in text and "B (1)" not in text


def test_the_fit_keeps_the_codes_as_keys_and_adds_the_names():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit_groups(ls.load_spec(SPEC), ls.load_dataset("corp_rep"), "servicetype")
    assert result.groups == ("2", "1") and dict(result.nobs) == {"2": 212, "1": 124}
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["groups"] == ["2", "1"] and payload["nobs"] == {"2": 212, "1": 124}
    assert payload["group_labels"] == {"1": "prepaid plan", "2": "contract plan"}
    assert {row["group"] for row in payload["estimates"]} <= {"1", "2", ""}
    text = str(result.summary())
    assert "servicetype: contract plan (N = 212), prepaid plan (N = 124)" in text
    assert "Group prepaid plan" in text and "Group 1\n" not in text
    view = result.group_view("1")
    assert (view.group, view.group_name) == ("1", "prepaid plan")


def test_the_diagram_of_a_group_is_titled_by_its_name():
    from loyaltysem.plot.path_diagram import _group_title

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit_groups(ls.load_spec(SPEC), ls.load_dataset("corp_rep"), "servicetype")
    assert _group_title(result.group_view("2")) == "Group: contract plan (servicetype)"


def test_a_sav_like_frame_gets_its_labels():
    column = pd.Series([1.0, 2.0, 2.0, None], name="school").dropna()
    column.attrs["value_labels"] = {"school": {1.0: "Pasteur", 2.0: "Grant-White"}}
    assert group_names(column, "school") == {"1": "Pasteur", "2": "Grant-White"}


HOSTILE = "<script>x</script> \\input{x} | *y*"


@pytest.fixture(scope="module")
def hostile_report():
    frame = ls.load_dataset("corp_rep")
    frame.attrs["value_labels"] = {"servicetype": {1: HOSTILE, 2: "contract plan"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make_report(SPEC, frame, group="servicetype", n_boot=0)


def test_a_hostile_label_is_escaped_in_html(hostile_report):
    page = render_report(hostile_report, "html")
    assert "<script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt; \\input{x} | *y*" in page


def test_a_hostile_label_is_escaped_in_latex(hostile_report):
    tex = render_report(hostile_report, "tex")
    assert "\\input{x}" not in tex
    assert "\\textbackslash{}input\\{x\\}" in tex


def test_a_hostile_label_is_escaped_in_markdown(hostile_report):
    text = render_report(hostile_report, "md")
    assert "<script>" not in text and "| *y*" not in text
    assert "\\*y\\*" in text and "\\|" in text


@pytest.mark.parametrize("cell, problem", [
    ("1 prepaid plan", "'1 prepaid plan', which is not 'code = label'"),
    ("1 = a; 1 = b", "'1 = b', which repeats a code"),
    ("one = a", "'one = a', which is not 'code = label'"),
])
def test_a_malformed_labels_cell_is_refused_clearly(cell, problem):
    with pytest.raises(DataError) as info:
        parse_value_labels(cell, source="my/codebook.csv", variable="servicetype")
    assert str(info.value).startswith(f"my/codebook.csv: the value_labels of 'servicetype' has "
                                      f"{problem}; write integer codes")
    assert "'1 = prepaid plan; 2 = contract plan'" in str(info.value)


def test_a_malformed_shipped_codebook_fails_the_cli_with_exit_2(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from loyaltysem.cli import main
    from loyaltysem.data import registry

    shutil.copytree(registry.datasets_dir() / "corp_rep", tmp_path / "corp_rep")
    path = tmp_path / "corp_rep" / "codebook.csv"
    path.write_text(path.read_text().replace("1 = prepaid plan; 2 = contract plan",
                                             "1: prepaid plan; 2: contract plan"))
    monkeypatch.setenv("LOYALTYSEM_DATASETS", str(tmp_path))
    registry._metadata.cache_clear()
    try:
        run = CliRunner().invoke(main, ["fit", SPEC, "--data", "corp_rep"])
    finally:
        registry._metadata.cache_clear()
    assert run.exit_code == 2, run.output
    assert "codebook.csv: the value_labels of 'servicetype' has '1: prepaid plan'" in run.output


def test_mga_and_micom_summaries_name_the_groups():
    from loyaltysem.pls import mga, micom

    frame = ls.load_dataset("corp_rep")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compared = mga(SPEC, frame, "servicetype", n_permutations=20, seed=1)
        invariance = micom(SPEC, frame, "servicetype", n_permutations=20, seed=1)
    for result in (compared, invariance):
        assert list(result.n) == ["2", "1"]
        assert "contract plan (n = 212), prepaid plan (n = 124)" in str(result.summary())


def test_invariance_and_path_comparison_notes_name_the_groups():
    from loyaltysem.groups import compare_paths, invariance_ladder

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ladder = invariance_ladder("models/corp_rep.yaml", "corp_rep", "servicetype",
                                   na_values=[-99], steps=["configural", "metric"])
        paths = compare_paths("models/corp_rep.yaml", "corp_rep", "servicetype",
                              na_values=[-99])
    expected = "groups (servicetype): contract plan (N = 212), prepaid plan (N = 124)"
    assert expected in ladder.summary().as_text()
    assert expected in paths.summary().as_text()
