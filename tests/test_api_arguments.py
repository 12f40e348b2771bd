"""Arguments of the public API: every wrong value is refused before any work, with
loyaltysem's ArgumentError (a ValueError and a TypeError) and one message shape,
``"<argument> must be <what>; got <value>"`` (issue #10, point 6)."""
from __future__ import annotations

import re
import time
import warnings

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.arguments import MAX_BOOTSTRAP, MAX_DRAWS
from loyaltysem.effects import bootstrap, hypotheses, monte_carlo_intervals
from loyaltysem.effects.bootstrap import BootstrapResult, with_bootstrap_inference
from loyaltysem.exceptions import (
    ArgumentError,
    DataError,
    LoyaltySemError,
    SpecificationError,
)
from loyaltysem.groups import compare_paths, fit_groups, invariance_ladder
from loyaltysem.validity import assess_measurement
from loyaltysem.validity.discriminant import htmt_bootstrap
from loyaltysem.validity.reliability import cronbach_alpha

from lavaan_reference import ROOT

HS = ROOT / "models/hs_cfa.lav"


@pytest.fixture(scope="module")
def hs_data() -> pd.DataFrame:
    return ls.load_dataset("holzinger_swineford")


@pytest.fixture(scope="module")
def hs_fit(hs_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ls.fit(HS, hs_data, emit_warnings=False)


@pytest.fixture(scope="module")
def chain_fit():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ls.fit(ROOT / "models/loyalty_chain.yaml", "loyalty_chain", emit_warnings=False)


def refused(message: str):
    """pytest.raises for an ArgumentError whose whole message is ``message``."""
    return pytest.raises(ArgumentError, match="^" + re.escape(message) + "$")


def test_argument_error_is_a_loyaltysem_value_and_type_error():
    assert issubclass(ArgumentError, LoyaltySemError)
    assert issubclass(ArgumentError, ValueError) and issubclass(ArgumentError, TypeError)


# --- fit() ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"estimator": "XYZ"}, "estimator must be one of 'ML', 'MLR', 'MLM', 'WLSMV', 'ULSMV', "
                           "'DWLS', 'ULS', 'WLS'; got 'XYZ'"),
    ({"estimator": "mlr"}, "estimator must be one of 'ML', 'MLR', 'MLM', 'WLSMV', 'ULSMV', "
                           "'DWLS', 'ULS', 'WLS'; got 'mlr' (did you mean 'MLR'?)"),
    ({"estimator": 3}, "estimator must be one of 'ML', 'MLR', 'MLM', 'WLSMV', 'ULSMV', "
                       "'DWLS', 'ULS', 'WLS'; got 3"),
    ({"ordered": "yes"}, "ordered must be True, False or a list of item names; got 'yes'"),
    ({"ordered": True, "missing": "ml"}, "missing='ml' with ordered items: loyaltysem fits "
                                         "ordinal data on the complete cases "
                                         "(missing='listwise')"),
    ({"missing": "pairwise"}, "missing must be one of 'listwise', 'ml', 'ml.x'; got 'pairwise'"),
    ({"emit_warnings": "no"}, "emit_warnings must be True or False; got 'no'"),
])
def test_fit_refuses_a_wrong_option(kwargs, message, hs_data):
    with refused(message):
        ls.fit(HS, hs_data, **kwargs)


def test_fit_refuses_start_values_of_the_wrong_length_or_not_finite(hs_data, hs_fit):
    n = len(hs_fit.theta)
    with refused(f"start must be a vector of {n} finite numbers (one per free parameter, e.g. "
                 "a previous fit's theta); got shape (3,)"):
        ls.fit(HS, hs_data, start=[1.0, 2.0, 3.0])
    bad = hs_fit.theta.copy()
    bad[4] = np.inf
    with refused(f"start must be a vector of {n} finite numbers; got inf at position 4"):
        ls.fit(HS, hs_data, start=bad)
    with pytest.raises(ArgumentError, match="^start must be a vector of 21 finite numbers"):
        ls.fit(HS, hs_data, start="abc")
    with warnings.catch_warnings():  # the right length is used
        warnings.simplefilter("ignore")
        again = ls.fit(HS, hs_data, start=hs_fit.theta, emit_warnings=False)
    np.testing.assert_allclose(again.theta, hs_fit.theta, atol=1e-6)


# --- bootstrap() ---------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"seed": -1}, "seed must be an integer in [0, 4294967295]; got -1"),
    ({"seed": 2**32}, "seed must be an integer in [0, 4294967295]; got 4294967296"),
    ({"seed": 1.5}, "seed must be an integer in [0, 4294967295]; got 1.5"),
    ({"n_boot": 0}, f"n_boot must be an integer in [1, {MAX_BOOTSTRAP}]; got 0"),
    ({"n_boot": -1}, f"n_boot must be an integer in [1, {MAX_BOOTSTRAP}]; got -1"),
    ({"n_boot": 1e9}, f"n_boot must be an integer in [1, {MAX_BOOTSTRAP}]; got 1000000000.0"),
    ({"n_boot": 10**9}, f"n_boot must be an integer in [1, {MAX_BOOTSTRAP}]; got 1000000000"),
    ({"n_boot": True}, f"n_boot must be an integer in [1, {MAX_BOOTSTRAP}]; got True"),
    ({"n_boot": np.int64(0)}, f"n_boot must be an integer in [1, {MAX_BOOTSTRAP}]; got 0"),
    ({"n_boot": "100"}, f"n_boot must be an integer in [1, {MAX_BOOTSTRAP}]; got '100'"),
    ({"n_jobs": 0}, "n_jobs must be an integer in [1, 1024]; got 0"),
    ({"n_jobs": -1}, "n_jobs must be an integer in [1, 1024]; got -1"),
    ({"progress": "no"}, "progress must be True or False; got 'no'"),
    ({"effects": "a -> b"}, "effects must be a list of Effect (see enumerate_effects); "
                            "got 'a -> b'"),
])
def test_bootstrap_refuses_wrong_arguments_before_any_resample(kwargs, message, hs_fit):
    started = time.perf_counter()
    with refused(message):
        bootstrap(hs_fit, **{"n_boot": 10, "progress": False, **kwargs})
    assert time.perf_counter() - started < 1.0   # before allocation: a huge n_boot is instant


def test_bootstrap_refuses_what_is_not_a_fit():
    with refused("result must be a FitResult (from loyaltysem.fit); got 'corp_rep'"):
        bootstrap("corp_rep", 10)


def _toy_boot(jackknife: bool = False) -> BootstrapResult:
    draws = pd.DataFrame({"a": np.linspace(0, 1, 20)})
    return BootstrapResult(draws=draws, point=pd.Series({"a": 0.5}), n_requested=20,
                           n_converged=20, n_inadmissible=0, failed=(), seed=1,
                           jackknife=draws if jackknife else None)


def test_bootstrap_intervals_refuse_a_wrong_method_or_level(hs_fit):
    boot = _toy_boot()
    with refused("method must be 'percentile' or 'bca'; got 'basic'"):
        boot.interval("basic")
    for level in (0, 1, 1.5, -0.1, float("nan")):
        with refused(f"level must be a confidence level strictly between 0 and 1; got {level!r}"):
            boot.interval("percentile", level)
    with pytest.raises(ArgumentError, match=r"BCa intervals need the jackknife"):
        boot.interval("bca")
    with refused("boot must be a BootstrapResult (from bootstrap(result, ...)); got None"):
        with_bootstrap_inference(hs_fit, None)  # type: ignore[arg-type]


# --- test_hypotheses(), monte_carlo_intervals() --------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"interval": "xyz"}, "interval must be one of 'delta', 'percentile', 'bca', 'montecarlo'; "
                          "got 'xyz'"),
    ({"interval": "Delta"}, "interval must be one of 'delta', 'percentile', 'bca', "
                            "'montecarlo'; got 'Delta' (did you mean 'delta'?)"),
    ({"interval": "percentile"}, "interval='percentile' needs a bootstrap: pass "
                                 "boot=bootstrap(result, ...)"),
    ({"level": 95}, "level must be a confidence level strictly between 0 and 1; got 95"),
    ({"level": 0.0}, "level must be a confidence level strictly between 0 and 1; got 0.0"),
    ({"n_draws": 0}, f"n_draws must be an integer in [2, {MAX_DRAWS}]; got 0"),
    ({"n_draws": 10**12}, f"n_draws must be an integer in [2, {MAX_DRAWS}]; got 1000000000000"),
    ({"seed": -1}, "seed must be an integer in [0, 4294967295]; got -1"),
    ({"boot": "yes"}, "boot must be None or a BootstrapResult (from bootstrap(result, ...)); "
                      "got 'yes'"),
])
def test_test_hypotheses_refuses_wrong_arguments(kwargs, message, chain_fit):
    with refused(message):
        hypotheses.test_hypotheses(chain_fit, **kwargs)


def test_bca_hypotheses_need_the_jackknife(chain_fit):
    with refused("interval='bca' needs the jackknife: pass boot=bootstrap(result, ..., "
                 "bca=True)"):
        hypotheses.test_hypotheses(chain_fit, interval="bca", boot=_toy_boot())


def test_monte_carlo_intervals_refuse_a_huge_number_of_draws_before_drawing(chain_fit):
    started = time.perf_counter()
    with refused(f"n_draws must be an integer in [2, {MAX_DRAWS}]; got 1000000000"):
        monte_carlo_intervals(chain_fit, n_draws=10**9)
    assert time.perf_counter() - started < 1.0
    with refused("level must be a confidence level strictly between 0 and 1; got 1"):
        monte_carlo_intervals(chain_fit, level=1)


# --- validity --------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"n_boot": -1}, f"n_boot must be an integer in [0, {MAX_BOOTSTRAP}]; got -1"),
    ({"n_boot": 10**8}, f"n_boot must be an integer in [0, {MAX_BOOTSTRAP}]; got 100000000"),
    ({"n_boot": 2.5}, f"n_boot must be an integer in [0, {MAX_BOOTSTRAP}]; got 2.5"),
    ({"seed": -1}, "seed must be an integer in [0, 4294967295]; got -1"),
    ({"method_factor": 1}, "method_factor must be True or False; got 1"),
    ({"thresholds": {"alpha": "high"}}, "thresholds['alpha'] must be a finite number; "
                                        "got 'high'"),
    ({"thresholds": [0.7]}, "thresholds must be None, a mapping {check: value} or a DataFrame; "
                            "got [0.7] (list)"),
])
def test_assess_measurement_refuses_wrong_arguments_before_any_fit(kwargs, message, hs_fit):
    started = time.perf_counter()
    with refused(message):
        assess_measurement(hs_fit, **kwargs)
    assert time.perf_counter() - started < 1.0


def test_assess_measurement_needs_data_for_a_spec_and_a_model():
    with refused("data must be given when model is not a FitResult (the data to fit the model "
                 "to); got None"):
        assess_measurement(HS)
    with refused("model must be a FitResult, a ModelSpec, a spec file path or lavaan syntax; "
                 "got 5"):
        assess_measurement(5, "holzinger_swineford")  # type: ignore[arg-type]


def test_htmt_bootstrap_and_alpha_refuse_wrong_sizes_and_levels(hs_data):
    blocks = {"visual": ("x1", "x2", "x3"), "textual": ("x4", "x5", "x6")}
    with refused(f"n_boot must be an integer in [1, {MAX_BOOTSTRAP}]; got 0"):
        htmt_bootstrap(hs_data, blocks, n_boot=0)
    with refused("level must be a confidence level strictly between 0 and 1; got 1.0"):
        htmt_bootstrap(hs_data, blocks, level=1.0)
    with refused("ci must be a confidence level strictly between 0 and 1; got 95"):
        cronbach_alpha(hs_data[["x1", "x2", "x3"]], ci=95)


# --- groups ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"group_equal": ["loading"]}, "group_equal must be a list of any of 'loadings', "),
    ({"group_equal": "loading"}, "group_equal must be a list of any of 'loadings', "),
    ({"group_equal": [1]}, "group_equal must be a list of strings; got 1"),
    ({"group_partial": 5}, "group_partial must be a list of strings; got 5"),
    ({"estimator": "WLS"}, "estimator 'WLS' is for ordinal items: say which they are"),
    ({"estimator": "MLM", "missing": "ml"}, "estimator 'MLM' with missing='ml' is not available"),
    ({"missing": "pairwise"}, "missing must be one of 'listwise', 'ml', 'ml.x'; got 'pairwise'"),
])
def test_fit_groups_refuses_wrong_arguments_before_any_work(kwargs, message, hs_data):
    with pytest.raises(ArgumentError, match="^" + re.escape(message)):
        fit_groups(HS, hs_data, "school", **kwargs)


def test_an_unknown_group_equal_class_names_the_closest():
    with pytest.raises(ArgumentError, match=re.escape("got 'loading' (did you mean "
                                                      "'loadings'?)")):
        fit_groups(HS, "holzinger_swineford", "school", group_equal=["loading"])


def test_the_group_must_be_a_column_with_two_groups_at_least(hs_data):
    with refused("group must be the name of the column that defines the groups (a string); "
                 "got None"):
        fit_groups(HS, hs_data, None)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="no column 'scool' to define the groups; did you "
                                        "mean 'school'"):
        fit_groups(HS, hs_data, "scool")
    one = hs_data.assign(school="Pasteur")
    with pytest.raises(DataError, match=re.escape("group must be a column with at least two "
                                                  "groups; column 'school' has 1 (every row "
                                                  "is 'Pasteur')")):
        fit_groups(HS, one, "school")


def test_a_single_group_equal_string_is_one_class(hs_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        as_string = fit_groups(HS, hs_data, "school", group_equal="loadings",
                               emit_warnings=False)
    assert as_string.group_equal == ("loadings",)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"steps": ["configural", "metrik"]}, "steps must be a list of any of 'configural', "),
    ({"steps": []}, "steps must be a non-empty list of any of 'configural', "),
    ({"estimator": "XYZ"}, "estimator must be one of 'ML', 'MLR', 'MLM'; got 'XYZ'"),
    ({"estimator": "mlm"}, "estimator must be one of 'ML', 'MLR', 'MLM'; got 'mlm' (did you "
                           "mean 'MLM'?)"),
    ({"missing": "fiml"}, "missing must be one of 'listwise', 'ml', 'ml.x'; got 'fiml'"),
    ({"estimator": "MLM", "missing": "ml"}, "estimator 'MLM' with missing='ml' is not "
                                            "available"),
    ({"estimator": "MLM", "missing": "ml.x"}, "estimator 'MLM' with missing='ml.x' is not "
                                              "available"),
])
def test_invariance_ladder_refuses_wrong_arguments(kwargs, message, hs_data):
    with pytest.raises(ArgumentError, match="^" + re.escape(message)):
        invariance_ladder(HS, hs_data, "school", **kwargs)


def test_compare_paths_refuses_wrong_arguments(hs_data):
    with refused("alpha must be a significance level strictly between 0 and 1; got 5"):
        compare_paths(ROOT / "models/corp_rep.yaml", "corp_rep", "servicetype", alpha=5)
    with refused("baseline_equal must leave the paths free (any class but 'regressions'); "
                 "got 'regressions'"):
        compare_paths(ROOT / "models/corp_rep.yaml", "corp_rep", "servicetype",
                      baseline_equal=["loadings", "regressions"])
    with pytest.raises(ArgumentError, match=re.escape(
            "baseline_equal must be a list of any of 'loadings', ") + ".*" + re.escape(
            "got 'intercept' (did you mean 'intercepts'?)")):
        compare_paths(ROOT / "models/corp_rep.yaml", "corp_rep", "servicetype",
                      baseline_equal="intercept")
    with refused("estimator 'MLM' with missing='ml' is not available (lavaan does not offer "
                 "it either: Gamma needs complete data); use estimator 'MLR'"):
        compare_paths(ROOT / "models/corp_rep.yaml", "corp_rep", "servicetype",
                      estimator="MLM", missing="ml")
    with refused("estimator must be one of 'ML', 'MLR', 'MLM'; got 'WLSMV'"):
        compare_paths(ROOT / "models/corp_rep.yaml", "corp_rep", "servicetype",
                      estimator="WLSMV")  # type: ignore[arg-type]
    with pytest.raises(SpecificationError, match="no structural paths to compare across groups; "
                                                 "for measurement invariance use "
                                                 "invariance_ladder()"):
        compare_paths(HS, hs_data, "school")


def test_effects_and_interval_helpers_refuse_wrong_arguments(chain_fit):
    from loyaltysem.effects import effects_table
    from loyaltysem.effects.intervals import bca_interval, percentile_interval

    with refused("result must be a FitResult (from loyaltysem.fit) or a MultiGroupResult "
                 "(from loyaltysem.groups.fit_groups); got 'chain'"):
        effects_table("chain")  # type: ignore[arg-type]
    with refused("level must be a confidence level strictly between 0 and 1; got 2"):
        percentile_interval(np.zeros((5, 2)), 2)
    with refused("level must be a confidence level strictly between 0 and 1; got -0.5"):
        bca_interval(np.zeros((5, 2)), np.zeros(2), np.zeros((5, 2)), -0.5)


def test_the_hypothesis_table_names_its_level(chain_fit):
    table = hypotheses.test_hypotheses(chain_fit, level=0.9)
    assert table.level == 0.9
    assert table.summary().title == "Hypotheses (delta 90% intervals)"


def test_fit_survey_and_bootstrap_inference_refuse_what_is_not_theirs(hs_fit):
    from loyaltysem.estimate.fit import fit_survey

    with refused("survey must be a Survey (from loyaltysem.data.survey.prepare_survey); "
                 "got 'holzinger_swineford'"):
        fit_survey(hs_fit.spec, "holzinger_swineford")  # type: ignore[arg-type]
    with refused("spec must be a ModelSpec (fit() also reads files and lavaan syntax); "
                 "got 'x.lav'"):
        fit_survey("x.lav", None)  # type: ignore[arg-type]
    with refused("result must be a FitResult (from loyaltysem.fit); got None"):
        with_bootstrap_inference(None, _toy_boot())  # type: ignore[arg-type]
