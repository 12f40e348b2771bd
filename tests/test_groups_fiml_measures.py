"""Multi-group fit measures of lavaan 0.6-14 under full-information ML that need more
than the FIML likelihood, against tests/reference/groups/fm_*.json
(make_groups_fiml_measures_reference.R):

- GFI (``lav_fit_gfi``): each group's GFI on its pairwise sample statistics and
  missing-data patterns, weighted by ``N_g / N``; AGFI and PGFI on the sample statistics
  of all groups;
- robust CFI/TLI/NNFI/RNI and RMSEA (90% CI, close and not-close tests): those of the
  FIML-corrected statistic of all groups (``lav_fit_fiml_corrected``: statistics summed,
  informations block-diagonal weighted by ``N_g / N``; "V3" with MLR, "V6" with ML), the
  RMSEA times sqrt(G).

Cases: hs_cfa by school on hs_missing.csv (ML configural and metric, MLR scalar), the HS
MIMIC model (structural part with fixed.x covariates; ML configural, MLR metric) and
corp_rep by service type (latent paths, its own missing values; MLR metric).

Tolerances, about ten times the largest error observed over the cases (estimates agree
to lavaan's convergence):

- each group's GFI 4e-7 relative (observed 3.7e-8); GFI, AGFI, PGFI 6e-7 (5.7e-8);
- the corrected statistics: ``XX3`` 4e-6 (observed 4.1e-7), ``c.hat3`` 1e-6 (1.0e-7),
  ``XX3.scaled`` 5e-6 (5.1e-7), ``XX3.null`` 5e-7 (5.1e-8), ``c.hat3.null`` 2e-8 (2.0e-9);
- robust indices: 4e-5 relative (observed 3.3e-6 on a p-value of .0013), 1e-10 absolute
  (a p-value of 5e-8 is off by 1.2e-12);
- every measure lavaan reports: 2e-4 relative (observed 2.2e-5, rmsea.pvalue.scaled),
  1e-10 absolute (lavaan's baseline p-values are 0, ours below 1e-170).
"""
from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from loyaltysem.estimate.fiml_corrected import fiml_corrected
from loyaltysem.estimate.full_information import baseline_moments, sample_gfi
from loyaltysem.groups import fit_groups

from lavaan_reference import ROOT

CASES = ["fm_ml_hs_school_configural", "fm_ml_hs_school_metric", "fm_mlr_hs_school_scalar",
         "fm_ml_hs_mimic_school", "fm_mlr_hs_mimic_school", "fm_mlr_corp_rep_servicetype"]
CORRECTED_RTOL = {"XX3": 4e-6, "c.hat3": 1e-6, "XX3.scaled": 5e-6, "XX3.null": 5e-7,
                  "c.hat3.null": 2e-8}
_CACHE: dict = {}


def _load(case):
    return json.loads((ROOT / "tests/reference/groups" / f"{case}.json").read_text())


def _fit(case):
    if case not in _CACHE:
        reference = _load(case)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _CACHE[case] = fit_groups(
                ROOT / reference["model"], pd.read_csv(ROOT / reference["data"]),
                reference["group"], group_equal=[e for e in reference["group_equal"] if e],
                missing="ml", estimator=reference["estimator"],
                na_values=[float(v) for v in reference["na"]] or None)
    return _CACHE[case]


def _ours(fit_indices, lavaan_name):
    key = {"logl": "loglik", "unrestricted.logl": "unrestricted_loglik"}.get(
        lavaan_name, lavaan_name.replace(".", "_"))
    assert key in fit_indices.index, lavaan_name
    return float(fit_indices[key])


def _compare(fit_indices, reference, names, rtol, atol=1e-10):
    for name in names:
        value = reference["fit"][name]
        if value is None:  # lavaan's NA: ours is NaN
            assert math.isnan(_ours(fit_indices, name)), name
        else:
            assert _ours(fit_indices, name) == pytest.approx(value, rel=rtol, abs=atol), name
    return len(names)


def _covariates(result):
    order = list(result.core.layout.structure.observed)
    return [order.index(v) for v in result.spec.roles.ov_x]


@pytest.mark.parametrize("case", CASES)
def test_each_groups_gfi_matches_lavaan(case):
    """lav_fit_gfi's gfi.group: the pairwise statistics against the implied moments,
    weighted by the missing-data expected information of the group's patterns."""
    result = _fit(case)
    functions, x_index = result.core.functions(), _covariates(result)
    ours = [sample_gfi(moments, sigma, mu, x_index) for moments, (sigma, mu)
            in zip(functions.groups, functions.implied_moments(result.core.theta))]
    np.testing.assert_allclose(ours, _load(case)["gfi_group"], rtol=4e-7)


@pytest.mark.parametrize("case", CASES)
def test_gfi_agfi_pgfi_match_lavaan(case):
    assert _compare(_fit(case).fit_indices, _load(case), ("gfi", "agfi", "pgfi"), 6e-7) == 3


@pytest.mark.parametrize("version", ["V3", "V6"])
@pytest.mark.parametrize("case", CASES)
def test_fiml_corrected_statistics_of_all_groups_match_lavaan(case, version):
    """lavaan:::lav_fit_fiml_corrected(fit, version) of the multi-group fit (equality
    constraints across groups enter through the shared columns of Delta)."""
    result, reference = _fit(case), _load(case)["fiml_corrected"][version]
    x_index = _covariates(result)
    functions = result.core.functions()
    ours = fiml_corrected(functions, result.core.theta, x_index,
                          [baseline_moments(moments, x_index) for moments in functions.groups],
                          int(result.fit_indices["df"]), int(result.fit_indices["baseline_df"]),
                          scaled_test=version == "V3")
    assert ours.df == reference["df3"] and ours.baseline_df == reference["df3.null"]
    for name, value in (("XX3", ours.chisq), ("c.hat3", ours.scaling_factor),
                        ("XX3.scaled", ours.scaled_chisq), ("XX3.null", ours.baseline_chisq),
                        ("c.hat3.null", ours.baseline_scaling_factor)):
        assert value == pytest.approx(reference[name], rel=CORRECTED_RTOL[name]), name


@pytest.mark.parametrize("case", CASES)
def test_robust_indices_match_lavaan(case):
    reference = _load(case)
    names = [name for name in reference["fit"] if name.endswith(".robust")]
    assert _compare(_fit(case).fit_indices, reference, names, 4e-5) == 9


@pytest.mark.parametrize("case", CASES)
def test_every_lavaan_measure_is_reported_and_matches(case):
    """Every name of lavaan's fitMeasures() is in MultiGroupResult.fit_indices, within
    2e-4 (NaN exactly where lavaan gives NA)."""
    reference = _load(case)
    assert _compare(_fit(case).fit_indices, reference, list(reference["fit"]), 2e-4) >= 55


def test_cli_json_and_text_show_them():
    """The values reach ``loyaltysem fit --group --format json`` and the text summary."""
    from click.testing import CliRunner

    from loyaltysem.cli import main

    reference = _load("fm_mlr_hs_mimic_school")
    args = ["fit", str(ROOT / reference["model"]), "--data", str(ROOT / reference["data"]),
            "--group", "school", "--group-equal", "loadings", "--missing", "ml",
            "--estimator", "MLR"]
    run = CliRunner().invoke(main, [*args, "--format", "json"])
    assert run.exit_code == 0, run.output
    fit = json.loads(run.stdout)["fit"]
    for name in ("gfi", "agfi", "pgfi", "cfi_robust", "tli_robust", "rmsea_robust",
                 "rmsea_ci_upper_robust", "rmsea_notclose_pvalue_robust"):
        assert fit[name] == pytest.approx(reference["fit"][name.replace("_", ".")],
                                          rel=4e-5), name
    text = CliRunner().invoke(main, args)
    assert text.exit_code == 0, text.output
    assert "robust CFI" in text.stdout and "GFI" in text.stdout


def test_cli_fit_group_refuses_what_multigroup_fits_do_not_offer():
    """One usage error line (exit 2), no traceback."""
    from click.testing import CliRunner

    from loyaltysem.cli import main

    reference = _load("fm_ml_hs_school_metric")
    run = CliRunner().invoke(main, ["fit", str(ROOT / reference["model"]), "--data",
                                    str(ROOT / reference["data"]), "--group", "school",
                                    "--se", "bootstrap", "--std-lv"])
    assert run.exit_code == 2 and "Traceback" not in run.output
    # (--estimator MLM and --missing ml.x are fitted with --group now)
    assert "--group cannot be combined with --se bootstrap, --std-lv" in run.output
