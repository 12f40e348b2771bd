"""loyaltysem fit from summary statistics: --cov / --cor --sd / --means with --nobs.

The chi-square is checked against lavaan's fit of the same data (tests/reference/lavaan/
hs_cfa.json, 5e-5 relative as in test_against_lavaan.py); the argument clashes are usage
errors (exit 2, one line) and a robust estimator or the bootstrap are refused.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import loyaltysem as ls
from loyaltysem.cli import main

from lavaan_reference import ROOT

ITEMS = [f"x{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("summary")
    data = ls.load_dataset("holzinger_swineford")[ITEMS]
    paths = {name: folder / f"{name}.csv" for name in ("cov", "cor", "sd", "means")}
    data.cov().to_csv(paths["cov"])
    data.corr().to_csv(paths["cor"])
    data.std().rename("sd").to_csv(paths["sd"])
    data.mean().rename("mean").to_csv(paths["means"])
    return paths


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _lavaan_chisq() -> float:
    return json.loads((ROOT / "tests/reference/lavaan/hs_cfa.json").read_text())["fit"]["chisq"]


def test_fit_from_a_covariance_file_matches_lavaan(files):
    out = _run("fit", ROOT / "models/hs_cfa.lav", "--cov", files["cov"], "--nobs", 301,
               "--format", "json")
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["fit"]["chisq"] == pytest.approx(_lavaan_chisq(), rel=5e-5)
    assert payload["fit"]["nobs"] == 301
    assert any("summary statistics" in w for w in payload["warnings"])


def test_fit_from_correlations_sds_and_means(files):
    out = _run("fit", ROOT / "models/hs_cfa.lav", "--cor", files["cor"], "--sd", files["sd"],
               "--means", files["means"], "--nobs", 301, "--format", "json")
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["fit"]["chisq"] == pytest.approx(_lavaan_chisq(), rel=5e-5)
    assert payload["fit"]["npar"] == 21 + 9  # the intercepts of the mean structure
    assert sum(row["op"] == "~1" for row in payload["estimates"]) >= 9


@pytest.mark.parametrize("extra, message", [
    ((), "--nobs"),
    (("--nobs", 301, "--data", "holzinger_swineford"), "exclude each other"),
    (("--nobs", 301, "--estimator", "MLR"), "needs the cases"),
    (("--nobs", 301, "--se", "bootstrap"), "needs the cases"),
    (("--nobs", 5), "nobs must exceed"),
])
def test_clashes_and_impossible_requests_are_one_line_errors(files, extra, message):
    out = _run("fit", ROOT / "models/hs_cfa.lav", "--cov", files["cov"], *extra)
    assert out.exit_code == 2, out.output
    assert message in out.output and "Traceback" not in out.output


def test_out_may_not_overwrite_the_covariance_file(files):
    out = _run("fit", ROOT / "models/hs_cfa.lav", "--cov", files["cov"], "--nobs", 301,
               "--out", files["cov"])
    assert out.exit_code == 2 and "covariance file" in out.output
    assert files["cov"].read_text().startswith(",x1")


def test_a_file_that_is_not_a_matrix_is_refused(files):
    out = _run("fit", ROOT / "models/hs_cfa.lav", "--cov", ROOT / "models/hs_cfa.lav",
               "--nobs", 301)
    assert out.exit_code == 2 and "first row and first column" in out.output


def test_text_summary_shows_what_lavaan_summary_shows():
    """#13: lavaan's summary(fit, fit.measures = TRUE, standardized = TRUE) on HS: baseline
    918.852 on 36 df, H0/H1 log-likelihoods -3737.745/-3695.092, SABIC 7528.739, p(RMSEA >=
    .080) 0.840 (lavaan 0.6 prints these), Std.lv, and blank SEs for the fixed loadings."""
    import warnings

    from loyaltysem import fit, load_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = fit("hs_cfa", load_dataset("holzinger_swineford")).summary().as_text()
    for shown in ("baseline chi-square               918.852", "baseline df                       36",
                  "log-likelihood (H0)               -3737.745",
                  "log-likelihood unrestricted (H1)  -3695.092",
                  "sample-size adjusted BIC          7528.739",
                  "RMSEA p(RMSEA >= .080)            0.840", "std_lv"):
        assert shown in text, shown
    first_loading = next(line for line in text.splitlines() if "=~  x1" in line)
    assert "0.000" not in first_loading and first_loading.split()[3] == "1.000"
