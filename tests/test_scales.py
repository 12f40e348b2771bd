"""Declared scales and reverse-keyed items (#13): in the spec, at the edge, in the outputs."""
from __future__ import annotations


import numpy as np
import pytest
from click.testing import CliRunner

from loyaltysem import fit, load_dataset
from loyaltysem.cli import main
from loyaltysem.exceptions import DataError, SpecificationError
from loyaltysem.pls import fit_pls
from loyaltysem.spec import ModelSpec

CORP_REP = load_dataset("corp_rep")
ITEMS = {"COMP": ["comp_1", "comp_2", "comp_3"], "LIKE": ["like_1", "like_2", "like_3"]}


def spec(**comp):
    return ModelSpec.from_dict({"constructs": {"COMP": {"items": ITEMS["COMP"], **comp},
                                               "LIKE": ITEMS["LIKE"]},
                                "paths": ["COMP -> LIKE"]})


def test_scales_from_every_level_of_the_yaml_most_specific_first():
    declared = ModelSpec.from_dict({
        "constructs": {"COMP": {"items": ITEMS["COMP"], "scale": [1, 7], "reverse": ["comp_2"]},
                       "LIKE": ITEMS["LIKE"]},
        "paths": ["COMP -> LIKE"], "scale": [1, 5], "scales": {"like_3": [0, 10]}})
    assert declared.scales["comp_1"] == (1.0, 7.0)
    assert declared.scales["like_1"] == (1.0, 5.0)
    assert declared.scales["like_3"] == (0.0, 10.0)
    assert declared.reverse == {"comp_2"}
    again = ModelSpec.from_lavaan(declared.to_lavaan())      # @scale / @reverse annotations
    assert dict(again.scales) == dict(declared.scales) and again.reverse == declared.reverse


def test_lavaan_annotations_declare_scales():
    text = ("# @scale 1 7\n# @scale 1 5: like_3\n# @reverse comp_2\n"
            "COMP =~ comp_1 + comp_2 + comp_3\nLIKE =~ like_1 + like_2 + like_3\nLIKE ~ COMP")
    declared = ModelSpec.from_lavaan(text)
    assert declared.scales["comp_1"] == (1.0, 7.0) and declared.scales["like_3"] == (1.0, 5.0)
    assert declared.reverse == {"comp_2"}


@pytest.mark.parametrize("options, fragment", [
    ({"reverse": ["comp_2"]}, "no declared scale"),
    ({"scale": [7, 1]}, "needs min < max"),
    ({"scale": [1]}, "two numbers"),
    ({"scale": [1, 7], "reverse": ["zz"]}, "not an item of the model"),
])
def test_bad_declarations_are_refused(options, fragment):
    with pytest.raises(SpecificationError, match=fragment):
        spec(**options)


def test_a_reverse_keyed_item_is_recoded_before_the_fit():
    reversed_data = CORP_REP.assign(comp_2=8 - CORP_REP["comp_2"])
    plain = fit(spec(), CORP_REP, na_values=[-99])
    recoded = fit(spec(scale=[1, 7], reverse=["comp_2"]), reversed_data, na_values=[-99])
    np.testing.assert_allclose(recoded.estimates["est"], plain.estimates["est"], atol=1e-10)
    assert any("comp_2 is reverse-keyed: recoded as 8 - x" in w for w in recoded.warnings)
    pls = fit_pls(spec(scale=[1, 7], reverse=["comp_2"]), reversed_data, missing="mean")
    np.testing.assert_allclose(pls.paths["est"], fit_pls(spec(), CORP_REP, missing="mean")
                               .paths["est"], atol=1e-12)
    assert any("reverse-keyed" in note for note in pls.notes)


def test_values_outside_the_scale_are_refused_with_column_count_and_fix():
    data = CORP_REP.assign(comp_1=CORP_REP["comp_1"].replace({1: 9}))
    count = int((CORP_REP["comp_1"] == 1).sum())
    with pytest.raises(DataError, match=rf"'comp_1' has {count} values outside its declared "
                                        r"scale 1-7 \(9\).*na-values"):
        fit(spec(scale=[1, 7]), data, na_values=[-99])


def test_a_declared_scale_overrides_the_missing_code_guess():
    # 99 on a 0-100 scale is an answer; undeclared it would look like a missing-value code
    data = CORP_REP.assign(comp_1=(CORP_REP["comp_1"] - 1) * 16.5)
    data.loc[:5, "comp_1"] = 99
    with pytest.raises(DataError, match="missing"):
        fit(spec(), data, na_values=[-99])
    declared = ModelSpec.from_dict({"constructs": {"COMP": ITEMS["COMP"], "LIKE": ITEMS["LIKE"]},
                                    "paths": ["COMP -> LIKE"], "scales": {"comp_1": [0, 100]}})
    assert fit(declared, data, na_values=[-99]).converged


def test_cli_exit_2_on_out_of_scale_values(tmp_path):
    model = tmp_path / "m.yaml"
    model.write_text("constructs:\n  COMP: {items: [comp_1, comp_2, comp_3], scale: [1, 5]}\n"
                     "  LIKE: [like_1, like_2, like_3]\npaths: [COMP -> LIKE]\n")
    run = CliRunner().invoke(main, ["fit", str(model), "--data", "corp_rep", "--format", "json"])
    assert run.exit_code == 2 and "outside its declared scale 1-5" in run.output
    assert "Traceback" not in run.output
    json_run = CliRunner().invoke(main, ["pls", str(model).replace("m.yaml", "m.yaml"), "--data",
                                         "corp_rep"])
    assert json_run.exit_code == 2
