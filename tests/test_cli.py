"""The command line: outputs, the JSON contract, and errors without tracebacks."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from loyaltysem.cli import main

from lavaan_reference import ROOT

CONTRACT_ROW = {"lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"}
CONTRACT_FIT = {"npar", "nobs", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower",
                "rmsea_ci_upper", "rmsea_pvalue", "srmr", "gfi", "agfi", "nfi", "aic", "bic",
                "loglik"}


def run(*args):
    result = CliRunner().invoke(main, list(args))
    return result


def fit_json(*args):
    result = run("fit", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_contract():
    out = fit_json(str(ROOT / "models/corp_rep.yaml"), "--data", "corp_rep", "--na-values", "-99")
    assert CONTRACT_ROW <= set(out["estimates"][0])
    assert CONTRACT_FIT <= set(out["fit"])
    assert {"estimates", "fit", "r2", "converged", "warnings"} <= set(out)
    defined = [row for row in out["estimates"] if row["op"] == ":="]
    assert {row["lhs"] for row in defined} == {"COMP_CUSL_ind", "LIKE_CUSL_ind", "COMP_CUSL_total"}
    assert defined[0]["rhs"] == "c1*s"
    assert out["converged"] is True
    assert any("8 of 344 rows dropped" in w for w in out["warnings"])


def test_yaml_and_lav_give_the_same_numbers():
    """Issue #2: the corp_rep model as YAML and as lavaan syntax, same output."""
    yaml_out = fit_json(str(ROOT / "models/corp_rep.yaml"), "--data", "corp_rep",
                        "--na-values", "-99")
    lav_out = fit_json(str(ROOT / "models/corp_rep.lav"), "--data", "corp_rep",
                       "--na-values", "-99")
    assert yaml_out["fit"] == lav_out["fit"]
    assert yaml_out["r2"] == lav_out["r2"]
    by_key = {(r["lhs"], r["op"], r["rhs"]): r for r in lav_out["estimates"]}
    for row in yaml_out["estimates"]:
        assert row == by_key[(row["lhs"], row["op"], row["rhs"])]


def test_csv_path_with_na_values(tmp_path):
    out = fit_json(str(ROOT / "models/corp_rep.lav"), "--data",
                   str(ROOT / "datasets/corp_rep/corp_rep.csv"), "--na-values", "-99")
    assert out["fit"]["nobs"] == 336


@pytest.mark.parametrize("fmt, marker", [("text", "Structural paths"), ("markdown", "| lhs |")])
def test_text_and_markdown(fmt, marker, tmp_path):
    target = tmp_path / "out.txt"
    result = run("fit", str(ROOT / "models/hs_cfa.lav"), "--data", "holzinger_swineford",
                 "--format", fmt, "--out", str(target))
    assert result.exit_code == 0
    text = target.read_text()
    assert "85.306" in text
    assert (marker in text) or fmt == "text"


def test_datasets_command():
    result = run("datasets")
    assert result.exit_code == 0
    for name in ("mobi", "corp_rep", "holzinger_swineford", "political_democracy", "loyalty_chain"):
        assert name in result.output


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_bad_inputs_exit_2_with_a_message(tmp_path):
    model = str(ROOT / "models/hs_cfa.lav")
    cases = {
        "missing spec": (["fit", str(tmp_path / "none.lav"), "--data", "mobi"], "not found"),
        "missing data": (["fit", model, "--data", str(tmp_path / "none.csv")],
                         "neither a data file (CSV, .sav, .dta, .xlsx, .parquet) nor a shipped "
                         "dataset"),
        "unknown column": (["fit", model, "--data", "mobi"],
                           "no column 'x1' (item of construct visual)"),
        "non-numeric": (["fit", model, "--data",
                         _write(tmp_path, "nn.csv", "x1,x2,x3,x4,x5,x6,x7,x8,x9\n"
                                + "1,2,3,4,5,6,7,8,abc\n" * 20)], "column 'x9' is not numeric"),
        "empty data": (["fit", model, "--data", _write(tmp_path, "e.csv",
                                                       "x1,x2,x3,x4,x5,x6,x7,x8,x9\n")],
                       "no rows"),
        "too few rows": (["fit", model, "--data", _write(
            tmp_path, "few.csv", "x1,x2,x3,x4,x5,x6,x7,x8,x9\n1,2,3,4,5,6,7,8,9\n2,1,3,4,5,6,7,8,9\n")],
            "only 2 complete rows for 9 variables"),
        "spec does not parse": (["fit", _write(tmp_path, "bad.lav", "f =~ x1 + x2\nf x3\n"),
                                 "--data", "holzinger_swineford"], "line 2"),
        "bad yaml": (["fit", _write(tmp_path, "bad.yaml", "constructs: [\n"), "--data", "mobi"],
                     "not valid YAML"),
    }
    for label, (args, fragment) in cases.items():
        result = run(*args)
        assert result.exit_code == 2, (label, result.output)
        assert fragment in result.stderr, (label, result.stderr)
        assert "Traceback" not in result.output + result.stderr, label


def test_installed_entry_point_runs_without_traceback(tmp_path):
    """The real console script, as a user runs it."""
    completed = subprocess.run(
        [sys.executable, "-m", "loyaltysem.cli", "fit", str(tmp_path / "none.lav"), "--data", "mobi"],
        capture_output=True, text=True, cwd=ROOT)
    assert completed.returncode == 2
    assert completed.stderr.startswith("error: spec file")
    assert "Traceback" not in completed.stderr


def test_validate_json_contract():
    result = run("validate", str(ROOT / "models/corp_rep.yaml"), "--data", "corp_rep",
                 "--bootstrap", "50", "--format", "json", "--no-method-factor")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {"construct", "n_items", "alpha", "alpha_ci_lower", "alpha_ci_upper", "cr", "omega",
            "ave"} <= set(out["constructs"][0])
    assert set(out["htmt"]) == {"rows", "cols", "values"}
    assert set(out["htmt2"]) == {"rows", "cols", "values"}
    assert {"sqrt_ave", "latent_correlations"} <= set(out["fornell_larcker"])
    assert {"check", "target", "value", "threshold", "verdict", "source"} <= set(out["checks"][0])


def test_validate_text_and_errors(tmp_path):
    result = run("validate", str(ROOT / "models/ecsi.yaml"), "--data", "mobi", "--bootstrap", "20")
    assert result.exit_code == 0
    assert "Checks" in result.output and "reliability not established" in result.output
    checks = result.stdout[result.stdout.index("Checks"):]
    # readable verdicts, not the raw keys of the JSON (issue #13)
    assert "HTMT upper 95% bound" in checks and "htmt_ci_upper" not in checks
    assert not re.search(r"\b(pass|fail|warn)\b", checks)
    assert "Why two correlations of one pair differ" in result.stdout
    result = run("validate", str(ROOT / "models/ecsi.yaml"), "--data", "corp_rep")
    assert result.exit_code == 2 and "no column" in result.stderr


def test_mlr_json_has_the_robust_statistics():
    out = fit_json(str(ROOT / "models/corp_rep.yaml"), "--data", "corp_rep", "--estimator", "MLR")
    for name in ("chisq_scaled", "pvalue_scaled", "scaling_factor", "cfi_robust", "tli_robust",
                 "rmsea_robust"):
        assert isinstance(out["fit"][name], float), name
    assert out["estimator"] == "MLR"
    assert abs(out["fit"]["scaling_factor"] - 1.28636698) < 1e-5   # lavaan chisq.scaling.factor


def test_mlm_json_has_the_satorra_bentler_statistics():
    out = fit_json(str(ROOT / "models/corp_rep.yaml"), "--data", "corp_rep", "--estimator", "MLM")
    assert out["estimator"] == "MLM" and out["se"].startswith("robust.sem")
    assert abs(out["fit"]["scaling_factor"] - 1.3821596) < 1e-5   # lavaan, estimator = "MLM"
    assert "scaling_factor_h1" not in out["fit"]  # Yuan-Bentler's only


def test_bootstrap_options_and_json():
    out = fit_json(str(ROOT / "models/loyalty_chain.yaml"), "--data", "loyalty_chain",
                   "--se", "bootstrap", "--bootstrap", "40", "--seed", "1", "--jobs", "1",
                   "--no-progress")
    assert out["se"] == "bootstrap (percentile)"
    assert out["ci"] == "percentile"
    assert [h["id"] for h in out["hypotheses"]] == ["H1", "H2", "H3", "H4"]
    assert {"effect", "kind", "est", "se", "ci_lower", "ci_upper", "std_all"} <= set(out["effects"][0])
    assert any("bootstrap: 40 resamples" in w for w in out["warnings"])
    again = fit_json(str(ROOT / "models/loyalty_chain.yaml"), "--data", "loyalty_chain",
                     "--se", "bootstrap", "--bootstrap", "40", "--seed", "1", "--jobs", "2",
                     "--no-progress")
    assert again["estimates"] == out["estimates"]   # same seed, any number of workers


def test_montecarlo_ci_and_bad_combination():
    out = fit_json(str(ROOT / "models/loyalty_chain.yaml"), "--data", "loyalty_chain",
                   "--ci", "montecarlo", "--seed", "3")
    assert out["ci"] == "montecarlo"
    h4 = [h for h in out["hypotheses"] if h["id"] == "H4"][0]
    assert h4["verdict"] == "supported"
    result = run("fit", str(ROOT / "models/loyalty_chain.yaml"), "--data", "loyalty_chain",
                 "--ci", "bca")
    assert result.exit_code == 2 and "needs --se bootstrap" in result.output


def test_simulate_writes_a_reproducible_survey(tmp_path):
    from loyaltysem.data.synthetic import loyalty_chain_population, simulate_survey

    out = tmp_path / "survey.csv"
    result = run("simulate", "--n", "50", "--seed", "3", "--likert", "7", "--out", str(out))
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    expected = simulate_survey(loyalty_chain_population(), 50, seed=3, likert_points=7)
    pd.testing.assert_frame_equal(written, expected, check_dtype=False)
    fitted = run("fit", str(ROOT / "models/loyalty_chain.yaml"), "--data", str(out))
    assert fitted.exit_code == 0, fitted.output


def test_diagram_command_writes_the_figure_formats(tmp_path):
    from click.testing import CliRunner
    from loyaltysem.cli import main as cli_main

    for name, extra in (("cb.svg", []), ("pls.png", ["--method", "pls", "--missing", "mean",
                                                     "--dpi", "60"]),
                        ("cb.pdf", ["--hypotheses"])):
        out = tmp_path / name
        run = CliRunner().invoke(cli_main, ["diagram", "corp_rep", "--data", "corp_rep",
                                            "--na-values", "-99", "--out", str(out), *extra])
        assert run.exit_code == 0, run.output
        head = out.read_bytes()[:8]
        assert head.startswith({"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF"}[
            name.split(".")[1]])
    for extra, fragment in ((["--out", str(tmp_path / "x.txt")], ".svg, .png or .pdf"),
                            (["--out", str(tmp_path / "y.svg"), "--missing", "mean"],
                             "not an option of --method cb")):
        bad = CliRunner().invoke(cli_main, ["diagram", "corp_rep", "--data", "corp_rep", *extra])
        assert bad.exit_code == 2 and fragment in bad.output
