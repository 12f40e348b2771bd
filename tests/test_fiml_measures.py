"""The fit measures of lavaan 0.6-14 under full-information ML that need more than the
FIML likelihood, against tests/reference/core/fm_*.json (make_fiml_measures_reference.R):

- GFI, AGFI, PGFI (``lav_fit_gfi``): the pairwise sample statistics (``wls.obs``) against
  the implied moments, weighted by the missing-data expected information at the implied
  moments;
- robust CFI/TLI/NNFI/RNI and RMSEA (90% CI, close and not-close tests): those of the
  FIML-corrected statistic (Zhang & Savalei 2023; ``lav_fit_fiml_corrected``, version
  "V3" with MLR, "V6" with ML);
- ``missing = "ml.x"`` with incomplete covariates: the h1 log-likelihood and the
  baseline model (and everything derived from the baseline).

Cases: hs_cfa (ML and MLR) and a saturated one-factor model (df = 0) on hs_missing.csv,
hs_mimic (complete covariates, MLR; incomplete ageyr with ml.x), pd_path (ml.x, MLR),
corp_rep (its own missing values, MLR).

Tolerances, about ten times the largest error observed over the cases (estimates agree
to lavaan's convergence, ~1e-4 of an SE for ml.x; EM h1 to 5e-14):

- sample statistics: 1e-12 relative (observed 1.4e-14; closed form);
- GFI, AGFI, PGFI: 2e-7 relative (observed 1.6e-8);
- the corrected statistics: ``XX3`` 4e-6 (observed 3.3e-7, hs_mimic ml.x), ``c.hat3``
  3e-6 (2.3e-7), ``XX3.scaled`` 4e-6 (2.9e-7), ``XX3.null`` 3e-7 (2.1e-8: lavaan's
  baseline estimates are nlminb's), ``c.hat3.null`` 2e-8 (1.7e-9);
- robust indices: 1e-5 relative (observed 1.0e-6, a p-value of .0026), 1e-8 absolute
  near zero;
- ml.x baseline and h1 measures: 4e-6 relative (observed 2.7e-7, rfi.scaled of pd_path);
- every measure of a fit with meanstructure=True: 1e-5 relative, the widest of the above
  (the same fit as without it).
"""
from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

import loyaltysem as ls
from loyaltysem.estimate.fiml_corrected import fiml_corrected
from loyaltysem.estimate.full_information import baseline_moments
from loyaltysem.estimate.moments import pairwise_moments

from core_reference import cached_fits, data_of, load

CASES = ["fm_ml_hs_cfa", "fm_mlr_hs_cfa", "fm_mlr_hs_mimic", "fm_mlx_hs_mimic",
         "fm_mlx_mlr_pd_path", "fm_mlr_corp_rep", "fm_ml_hs_saturated", "fm_mlr_hs_saturated"]
ML_X = ["fm_mlx_hs_mimic", "fm_mlx_mlr_pd_path"]
GFI = ("gfi", "agfi", "pgfi")
#: what lavaan derives from the baseline model and the h1 log-likelihood
BASELINE = ("unrestricted.logl", "baseline.chisq", "baseline.pvalue", "cfi", "tli", "nnfi",
            "rfi", "nfi", "pnfi", "ifi", "rni", "baseline.chisq.scaled",
            "baseline.pvalue.scaled", "baseline.chisq.scaling.factor", "cfi.scaled",
            "tli.scaled", "nnfi.scaled", "rfi.scaled", "nfi.scaled", "pnfi.scaled",
            "ifi.scaled", "rni.scaled")
CORRECTED_RTOL = {"XX3": 4e-6, "c.hat3": 3e-6, "XX3.null": 3e-7, "c.hat3.null": 2e-8}


@pytest.fixture(scope="module")
def fits():
    return cached_fits(lambda reference, data, options: ls.fit(
        ls.ModelSpec.from_lavaan(reference["syntax"]), data, missing=options["missing"],
        estimator=options.get("estimator", "ML"), emit_warnings=False))


def _ours(fit_indices, lavaan_name):
    key = {"logl": "loglik", "unrestricted.logl": "unrestricted_loglik"}.get(
        lavaan_name, lavaan_name.replace(".", "_"))
    assert key in fit_indices.index, lavaan_name
    return float(fit_indices[key])


def _compare(fit_indices, reference, names, rtol):
    compared = 0
    for name in names:
        if name not in reference["fit"]:
            continue
        value = reference["fit"][name]
        if value is None:  # lavaan's NA (or NaN): ours is NaN
            assert math.isnan(_ours(fit_indices, name)), name
        else:
            assert _ours(fit_indices, name) == pytest.approx(value, rel=rtol, abs=1e-8), name
        compared += 1
    return compared


def _covariate_positions(result):
    order = list(result.core.layout.structure.observed)
    return order, [order.index(v) for v in result.spec.roles.ov_x]


@pytest.mark.parametrize("case", CASES)
def test_sample_statistics_are_lavaans(case, fits):
    """lavaan's SampleStats with missing data: available-case means, pairwise covariances
    with divisor N (``wls.obs``)."""
    reference = load(case)
    order, _ = _covariate_positions(fits(case))
    cov, mean = pairwise_moments(fits(case).core.groups[0].cases())
    position = {name: i for i, name in enumerate(order)}
    ours = []
    for name in reference["wls_obs"]["names"]:
        if name.endswith("~1"):
            ours.append(mean[position[name[:-2]]])
        else:
            lhs, rhs = name.split("~~")
            ours.append(cov[position[lhs], position[rhs]])
    np.testing.assert_allclose(ours, reference["wls_obs"]["values"], rtol=1e-12, atol=0)


@pytest.mark.parametrize("case", CASES)
def test_gfi_agfi_pgfi_match_lavaan(case, fits):
    assert _compare(fits(case).fit_indices, load(case), GFI, rtol=2e-7) == 3


@pytest.mark.parametrize("version", ["V3", "V6"])
@pytest.mark.parametrize("case", CASES)
def test_fiml_corrected_statistics_match_lavaan(case, version, fits):
    """lavaan:::lav_fit_fiml_corrected(fit, version): V3 is what MLR reports, V6 what ML
    reports; both are computed here from the same FIML estimates."""
    result = fits(case)
    reference = load(case)["fiml_corrected"][version]
    _, x_index = _covariate_positions(result)
    moments = result.core.groups[0]
    ours = fiml_corrected(result.core.functions(), result.core.theta, x_index,
                          [baseline_moments(moments, x_index)], int(result.fit_indices["df"]),
                          int(result.fit_indices["baseline_df"]), scaled_test=version == "V3")
    assert ours.df == reference["df3"] and ours.baseline_df == reference["df3.null"]
    for name, value in (("XX3", ours.chisq), ("XX3.null", ours.baseline_chisq),
                        ("c.hat3.null", ours.baseline_scaling_factor)):
        assert value == pytest.approx(reference[name], rel=CORRECTED_RTOL[name], abs=1e-8), name
    if reference["df3"] > 0:
        assert ours.scaling_factor == pytest.approx(reference["c.hat3"],
                                                    rel=CORRECTED_RTOL["c.hat3"])
        assert ours.scaled_chisq == pytest.approx(reference["XX3.scaled"], rel=4e-6)
    else:  # lavaan divides a rounding residue by df = 0
        assert reference["c.hat3"] is None and math.isinf(ours.scaling_factor)
        assert ours.scaled_chisq == 0.0 and reference["XX3.scaled"] == 0


@pytest.mark.parametrize("case", CASES)
def test_robust_indices_match_lavaan(case, fits):
    reference = load(case)
    names = [name for name in reference["fit"] if name.endswith(".robust")]
    assert _compare(fits(case).fit_indices, reference, names, rtol=1e-5) == 9


@pytest.mark.parametrize("case", ["fm_ml_hs_cfa", "fm_mlr_hs_cfa"])
def test_an_explicit_mean_structure_gives_lavaans_measures(case):
    """missing = "ml" has a mean structure anyway (lavaan's): meanstructure=True must not
    change a measure; the single-group FIML df used to leave the means out of ndat when
    the spec had ~1 rows (df 15 instead of lavaan's 24)."""
    reference = load(case)
    options = reference["options"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(ls.ModelSpec.from_lavaan(reference["syntax"]), data_of(reference),
                        missing=options["missing"], estimator=options.get("estimator", "ML"),
                        meanstructure=True, emit_warnings=False)
    assert int(result.fit_indices["df"]) == reference["fit"]["df"]
    names = [name for name, value in reference["fit"].items() if value is not None]
    assert _compare(result.fit_indices, reference, names, rtol=1e-5) >= 40


def test_saturated_model_is_nan_where_lavaan_is_na(fits):
    """df = 0: lavaan gives the robust RMSEA tests (and the scaled RMSEA) as NA, the robust
    CFI/TLI/RNI as the plain ones (c.hat3 = Inf) and the robust RMSEA and its interval 0."""
    for case in ("fm_ml_hs_saturated", "fm_mlr_hs_saturated"):
        reference, ours = load(case), fits(case).fit_indices
        assert "rmsea.pvalue.robust" in reference["fit_nonfinite"]
        for name, kind in reference["fit_nonfinite"].items():
            assert kind == "NA" and math.isnan(_ours(ours, name)), name
        assert float(ours["rmsea_robust"]) == float(ours["rmsea_ci_upper_robust"]) == 0.0
        assert float(ours["cfi_robust"]) == pytest.approx(1.0, abs=1e-10)
        assert float(ours["agfi"]) == 1.0 and float(ours["pgfi"]) == 0.0


@pytest.mark.parametrize("case", ML_X)
def test_ml_x_h1_and_baseline_match_lavaan(case, fits):
    """missing = "ml.x": the h1 log-likelihood conditions on the covariates' pairwise
    moments (SampleStats@cov.x), the baseline fixes them there; no longer NaN."""
    result, reference = fits(case), load(case)
    assert np.isnan(result.core.groups[0].cases()[:, _covariate_positions(result)[1]]).any()
    names = [name for name in BASELINE if name in reference["fit"]]
    assert _compare(result.fit_indices, reference, names, rtol=4e-6) == len(names) >= 11
    assert not any("ml.x" in w for w in result.warnings)


@pytest.mark.parametrize("case", ML_X)
def test_ml_x_covariate_moments_are_lavaans(case, fits):
    """The covariates' moments of the h1 conditioning (cov.x) and of the baseline model
    (its fixed exo rows), closed forms: 1e-12."""
    result, reference = fits(case), load(case)
    order, x_index = _covariate_positions(result)
    cov, mean = baseline_moments(result.core.groups[0], x_index)
    names = reference["cov_x"]["names"]
    block = np.ix_([order.index(v) for v in names], [order.index(v) for v in names])
    np.testing.assert_allclose(cov[block], reference["cov_x"]["values"], rtol=1e-12)
    for row in reference["baseline_exo"]:
        i = order.index(row["lhs"])
        value = mean[i] if row["op"] == "~1" else cov[i, order.index(row["rhs"])]
        assert value == pytest.approx(row["est"], rel=1e-12), row


@pytest.mark.parametrize("case", CASES)
def test_every_lavaan_measure_is_reported(case, fits):
    """Every name of lavaan's fitMeasures() is in FitResult.fit_indices, finite where
    lavaan's is (NaN only where lavaan gives NA)."""
    reference, ours = load(case), fits(case).fit_indices
    for name, value in reference["fit"].items():
        assert math.isnan(_ours(ours, name)) == (value is None), name


def test_cli_json_and_text_show_them(tmp_path):
    """The values reach ``loyaltysem fit --format json`` and the text summary."""
    from click.testing import CliRunner

    from core_reference import ROOT
    from loyaltysem.cli import main

    reference = load("fm_mlx_mlr_pd_path")
    args = ["fit", str(ROOT / reference["model_file"]), "--data", str(ROOT / reference["data"]),
            "--missing", "ml.x", "--estimator", "MLR"]
    run = CliRunner().invoke(main, [*args, "--format", "json"])
    assert run.exit_code == 0, run.output
    fit = json.loads(run.stdout)["fit"]
    for name in ("gfi", "cfi", "cfi_robust", "rmsea_robust", "rmsea_notclose_pvalue_robust",
                 "unrestricted_loglik", "baseline_chisq"):
        lavaan_name = {"unrestricted_loglik": "unrestricted.logl"}.get(name,
                                                                       name.replace("_", "."))
        assert fit[name] == pytest.approx(reference["fit"][lavaan_name], rel=1e-5), name
    text = CliRunner().invoke(main, args)
    assert text.exit_code == 0, text.output
    assert "robust CFI" in text.stdout and "GFI" in text.stdout


def test_ml_summary_shows_the_robust_indices_as_lavaan(fits):
    """lavaan's summary(fit, fit.measures = TRUE) shows the robust CFI/TLI/RMSEA of an ML
    fit with missing = "ml"; so does ours."""
    text = fits("fm_ml_hs_cfa").summary().as_text()
    assert "robust CFI" in text and "robust RMSEA 90% CI upper" in text
    assert "scaled chi-square" not in text
