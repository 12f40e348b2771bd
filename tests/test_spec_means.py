"""Single-group mean structures (``~ 1``, ``meanstructure=True``) and ``std_lv`` against
lavaan 0.6-14 (tests/reference/core/ms_*.json, tests/reference/inference/stdlv_*.json;
tolerances in tests/core_reference.py)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import loyaltysem as ls
from loyaltysem.exceptions import SpecificationError
from loyaltysem.spec import ModelSpec
from loyaltysem.spec.lavaan_syntax import parse_lavaan

from core_reference import ROOT, check_fit_measures, data_of, estimate_errors, load

MEAN_CASES = ["ms_hs_cfa", "ms_hs_explicit_intercept", "ms_hs_latent_means",
              "ms_hs_obs_outcomes", "ms_pd_path", "ms_poldem"]
STDLV_CASES = ["stdlv_hs_cfa", "stdlv_poldem", "stdlv_corp_rep"]


def _fit(case: dict, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ls.fit(case["syntax"], data_of(case), emit_warnings=False, **options)


@pytest.mark.parametrize("name", MEAN_CASES)
def test_mean_structures_match_lavaan(name):
    case = load(name)
    meanstructure = bool(case["options"] and case["options"].get("meanstructure")) or None
    result = _fit(case, meanstructure=meanstructure)
    errors = estimate_errors(result.estimates, case)
    assert errors["se_rel"] < 1e-4          # observed 1.1e-6 (ms_hs_latent_means)
    assert check_fit_measures(result.fit_indices, case) == len(case["fit"])
    assert result.fit_indices["npar"] == case["fit"]["npar"]
    assert result.fit_indices["df"] == case["fit"]["df"]


@pytest.mark.parametrize("name", STDLV_CASES)
def test_std_lv_matches_lavaan(name):
    case = load(name, "inference")
    result = _fit(case, std_lv=True)
    estimate_errors(result.estimates, case)
    assert check_fit_measures(result.fit_indices, case) == len(case["fit"])


def test_any_intercept_turns_the_mean_structure_on_for_every_variable():
    spec = ModelSpec.from_lavaan("f =~ x1 + x2 + x3\ny ~ f + z\nx1 ~ 1\nf ~ 0*1")
    table = spec.parameter_table
    means = table[table["op"] == "~1"].set_index("lhs")
    assert set(means.index) == {"x1", "x2", "x3", "y", "z", "f"}
    assert (means.loc[["x1", "x2", "x3", "y"], "free"] > 0).all()
    assert means.at["z", "exo"] == 1 and means.at["z", "free"] == 0   # fixed.x: a sample mean
    assert means.at["f", "free"] == 0 and means.at["f", "ustart"] == 0.0
    assert (means["rhs"] == "").all()


def test_meanstructure_option_and_std_lv_in_the_table():
    spec = ModelSpec.from_lavaan("f =~ x1 + x2 + x3\ng =~ x4 + x5 + x6\ng ~ f")
    assert not (spec.parameter_table["op"] == "~1").any()
    table = spec.with_options(meanstructure=True, std_lv=True).parameter_table.set_index(
        ["lhs", "op", "rhs"])
    assert table.loc[("x1", "~1", ""), "free"] > 0
    assert table.loc[("f", "=~", "x1"), "free"] > 0 and table.loc[("g", "=~", "x4"), "free"] > 0
    for name in ("f", "g"):  # exogenous variance and endogenous residual variance
        assert table.loc[(name, "~~", name), "free"] == 0
        assert table.loc[(name, "~~", name), "ustart"] == 1.0


def test_yaml_options_and_intercepts(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("constructs:\n  visual: [x1, x2, x3]\n  textual: [x4, x5, x6]\n"
                    "options: {std_lv: true, meanstructure: true}\n"
                    "lavaan: |\n  x1 ~ 1\n")
    spec = ls.load_spec(path)
    assert spec.std_lv and spec.meanstructure
    assert ("x1", "~1", "") in {s.key for s in spec.statements}
    for bad, fragment in (("options: {std_lv: 1}", "true or false"),
                          ("options: {std.lv: true}", "unknown key")):
        path.write_text(f"constructs:\n  visual: [x1, x2, x3]\n{bad}\n")
        with pytest.raises(SpecificationError, match=fragment):
            ls.load_spec(path)


def test_intercepts_round_trip_through_lavaan_syntax():
    text = "visual =~ x1 + x2 + x3\nx1 ~ 1\nx2 ~ a*1\nvisual ~ 0*1\nx3 ~ NA*1"
    spec = ModelSpec.from_lavaan(text)
    again = ModelSpec.from_lavaan(spec.to_lavaan())
    assert again.same_model_as(spec)
    assert [s.to_lavaan() for s in parse_lavaan(text) if s.op == "~1"] == [
        "x1 ~ 1", "x2 ~ a*1", "visual ~ 0*1", "x3 ~ NA*1"]


def test_a_mean_structure_with_mlr_on_complete_data_is_fitted():
    # was refused; tests/test_mean_robust.py compares MLR and MLM with means with lavaan
    case = load("ms_hs_cfa")
    result = _fit(case, meanstructure=True, estimator="MLR")
    assert result.fit_indices["df"] == case["fit"]["df"]
    assert (result.estimates["op"] == "~1").sum() == 12


def test_mean_structure_df_counts_the_means():
    case = load("ms_hs_cfa")
    plain = _fit(case)
    means = _fit(case, meanstructure=True)
    np.testing.assert_allclose(means.fit_indices["chisq"], plain.fit_indices["chisq"],
                               rtol=1e-8)
    assert means.fit_indices["npar"] == plain.fit_indices["npar"] + 9
    assert means.fit_indices["df"] == plain.fit_indices["df"]


def test_cli_fit_std_lv_and_meanstructure():
    import json

    from click.testing import CliRunner

    from loyaltysem.cli import main

    case = load("stdlv_hs_cfa", "inference")
    result = CliRunner().invoke(main, ["fit", str(ROOT / "models" / "hs_cfa.lav"), "--data",
                                       "holzinger_swineford", "--std-lv", "--meanstructure",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["fit"]["npar"] == case["fit"]["npar"] + 9 and out["fit"]["df"] == 24
    first = next(r for r in out["estimates"] if r["rhs"] == "x1" and r["op"] == "=~")
    lavaan = next(r for r in case["estimates"] if r["rhs"] == "x1" and r["op"] == "=~")
    assert first["est"] == pytest.approx(lavaan["est"], rel=1e-5)
