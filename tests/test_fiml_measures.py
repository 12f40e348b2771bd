"""The fit measures of lavaan 0.6-14 under full-information ML that need more than the
FIML likelihood, against tests/reference/core/fm_*.json (make_fiml_measures_reference.R):

- GFI, AGFI, PGFI (``lav_fit_gfi``): the pairwise sample statistics (``wls.obs``) against
  the implied moments, weighted by the missing-data expected information at the implied
  moments.

Cases: hs_cfa (ML and MLR) and a saturated one-factor model (df = 0) on hs_missing.csv,
hs_mimic (complete covariates, MLR; incomplete ageyr with ml.x), pd_path (ml.x, MLR),
corp_rep (its own missing values, MLR).

Tolerances, about ten times the largest error observed over the cases (estimates agree
to lavaan's convergence, ~1e-4 of an SE for ml.x; EM h1 to 5e-14):

- sample statistics: 1e-12 relative (observed 1.4e-14; closed form);
- GFI, AGFI, PGFI: 2e-7 relative (observed 1.6e-8).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import loyaltysem as ls
from loyaltysem.estimate.moments import pairwise_moments

from core_reference import cached_fits, load

CASES = ["fm_ml_hs_cfa", "fm_mlr_hs_cfa", "fm_mlr_hs_mimic", "fm_mlx_hs_mimic",
         "fm_mlx_mlr_pd_path", "fm_mlr_corp_rep", "fm_ml_hs_saturated", "fm_mlr_hs_saturated"]
GFI = ("gfi", "agfi", "pgfi")


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
