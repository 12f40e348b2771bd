"""The multi-group bootstrap (lavaan's ``se = "bootstrap"`` with ``group =``) against lavaan 0.6-14.

Reference: tests/reference/core/boot_hs_school_chain.json (HS by school, the chain
visual -> textual -> speed with per-group labels, ``ind1 := a1*b1``, ``ind2 := a2*b2``,
``diff := ind1 - ind2``; 1000 draws, ``set.seed(20261123)``: SEs, percentile and bca.simple
intervals, failure counts, the draws of a1..c2, ind1, ind2, diff) and
boot_hs_school_chain_delta.json (the delta-method fit). Written by
tests/reference/make_core_fiml_reference.R.

Python cannot reproduce R's random numbers, so the bootstrap itself is compared
statistically, with tolerances derived from the number of draws (n = 1000 each):

- SE: the SD of n draws has Monte Carlo SD ``s sqrt((k - 1) / (4 n))`` (k the kurtosis of
  the draws; 2.2% of s for normal draws); ours and lavaan's are independent, so they may
  differ by 4 SD of the difference, ``4 sqrt(sd_ours^2 + sd_lavaan^2)`` (about 13% of the
  SE for normal draws; far wider for the Heywood-prone Pasteur variances whose draws have
  kurtosis in the hundreds). Only draws with kurtosis up to :data:`MAX_KURTOSIS` are
  compared: beyond it a handful of Heywood draws set the SD (lavaan's SE of Pasteur's
  x7 ~~ x7 is 1.95, ours 0.35, for percentile limits that agree to 0.03 SE) and the
  fourth moment that the Monte Carlo error needs is itself not estimable; those
  statistics are checked through their percentile limits (55 of 63 SEs are compared);
- interval limits: the Monte Carlo SD of the 2.5% quantile of n draws is estimated from the
  draws by the order statistics one binomial SD (``sqrt(n p (1 - p))`` ranks) either side
  of it (half their distance); limits may differ by 4 SD of the difference (about 0.35 SE
  for normal draws);
- counts (failed, inadmissible): binomial, 4 SD of the difference of two counts.

The interval arithmetic itself is exact: on lavaan's own draws ours gives lavaan's
percentile and bca.simple limits and SEs to 1e-12.

BCa with the jackknife (``bca=True``; lavaan has bca.simple only): tests/reference/
mean_robust.json "bca" (make_mean_robust_reference.R) holds lavaan's leave-one-out fits of
every case within its group, the acceleration of the stratified jackknife and the BCa
limits computed in R on lavaan's draws of this file; no random numbers are involved.
"""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import loyaltysem as ls
from loyaltysem.effects.bootstrap import (
    BootstrapResult,
    _multigroup_refitter,
    _resample_group_rows,
    bootstrap,
    with_bootstrap_inference,
)
from loyaltysem.effects.intervals import bias_corrected_interval, percentile_interval
from loyaltysem.effects.paths import enumerate_effects
from loyaltysem.effects.statistics import parameter_name
from loyaltysem.exceptions import ArgumentError
from loyaltysem.groups import fit_groups

import core_reference as cr
from monte_carlo_error import sd_of_quantile

N_BOOT = 1000
SEED = 20261123
#: Monte Carlo SDs allowed between two independent bootstraps (module notes)
Z = 4.0
#: SEs are compared where the draws' kurtosis is at most this (module notes)
MAX_KURTOSIS = 20.0


@pytest.fixture(scope="module")
def case() -> dict:
    return cr.load("boot_hs_school_chain")


@pytest.fixture(scope="module")
def fit(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_groups(ls.ModelSpec.from_lavaan(case["syntax"]), cr.data_of(case), "school",
                          emit_warnings=False)


@pytest.fixture(scope="module")
def boot(fit) -> BootstrapResult:
    return bootstrap(fit, N_BOOT, seed=SEED, progress=False)


def _reference(case: dict, kind: str = "estimates_perc") -> pd.DataFrame:
    """lavaan's bootstrap rows, indexed by our statistic names."""
    rows = pd.DataFrame(case["bootstrap"][kind])
    rows["rhs"] = rows["rhs"].fillna("")
    labels = case["group_labels"]
    rows.index = [parameter_name(r.lhs, r.op, r.rhs) if r.op == ":=" else
                  f"{labels[int(r.group) - 1]}: {parameter_name(r.lhs, r.op, r.rhs)}"
                  for r in rows.itertuples()]
    return rows


def _lavaan_draws(case: dict) -> pd.DataFrame:
    """lavaan's draws of a1..c2, ind1, ind2, diff by our names (failed draws dropped)."""
    draws = pd.DataFrame({k: [np.nan if v is None else v for v in values]
                          for k, values in case["bootstrap"]["draws"].items()})
    rows = _reference(case)
    by_label = {r.label: name for name, r in rows.iterrows() if r.label}
    return draws.rename(columns=by_label).dropna()


def _sd_of_sd(draws: np.ndarray) -> float:
    """Monte Carlo SD of the SD of ``draws``: ``s sqrt((k - 1) / (4 n))``."""
    m2 = np.mean((draws - draws.mean())**2)
    return float(np.sqrt(m2 * (_kurtosis(draws) - 1) / (4 * draws.size)))


def _kurtosis(draws: np.ndarray) -> float:
    centred = draws - draws.mean()
    return float(np.mean(centred**4) / np.mean(centred**2)**2)


def test_the_fit_reproduces_lavaans_delta_method_fit(fit):
    """Point estimates (1e-5 relative) and delta-method SEs (1e-4) of the _delta case."""
    errors = cr.estimate_errors(fit.estimates, cr.load("boot_hs_school_chain_delta"))
    assert errors["se_rel"] < 1e-4


def test_interval_arithmetic_is_lavaans_on_lavaans_draws(case):
    """boot's norm.inter percentile limits, bca.simple and SE (divisor n) to 1e-12."""
    draws = _lavaan_draws(case)
    perc, bca = _reference(case), _reference(case, "estimates_bca_simple")
    values = draws.to_numpy()
    lower, upper = percentile_interval(values, 0.95, interpolation="norm_inter")
    np.testing.assert_allclose(lower, perc.loc[draws.columns, "ci.lower"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(upper, perc.loc[draws.columns, "ci.upper"], rtol=0, atol=1e-12)
    lower, upper = bias_corrected_interval(values, perc.loc[draws.columns, "est"].to_numpy())
    np.testing.assert_allclose(lower, bca.loc[draws.columns, "ci.lower"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(upper, bca.loc[draws.columns, "ci.upper"], rtol=0, atol=1e-12)
    boot = BootstrapResult(draws=draws, point=perc.loc[draws.columns, "est"], n_requested=1000,
                           n_converged=len(draws), n_inadmissible=0, failed=(), seed=None,
                           se_ddof=0)
    sd_n = case["bootstrap"]["def_sd_divisor_n"]
    expected = [sd_n[name[:-3]] if name.endswith(" :=") else perc.at[name, "se"]
                for name in draws.columns]
    np.testing.assert_allclose(boot.se, expected, rtol=1e-12)


def test_counts_sizes_and_points(fit, boot, case):
    reference = case["bootstrap"]
    assert boot.n_requested == N_BOOT and boot.n_converged + len(boot.failed) == N_BOOT
    assert not set(boot.failed) & set(boot.draws.index)
    assert boot.group_sizes.to_dict() == {"Pasteur": 156, "Grant-White": 145}
    for ours, theirs in ((len(boot.failed), reference["n_failed"]),
                         (boot.n_inadmissible, reference["n_nonadmissible"])):
        p = (ours + theirs) / (2 * N_BOOT)
        assert abs(ours - theirs) <= Z * np.sqrt(2 * N_BOOT * p * (1 - p)), (ours, theirs)
    rows = _reference(case)
    np.testing.assert_allclose(boot.point[rows.index], rows["est"], rtol=1e-4, atol=1e-5)


def test_ses_match_lavaan_within_monte_carlo_error(boot, case):
    rows = _reference(case)
    lavaan = _lavaan_draws(case)
    sd_n = case["bootstrap"]["def_sd_divisor_n"]
    free = rows[(rows["se"].fillna(1.0) > 0)]
    compared = 0
    for name, row in free.iterrows():
        ours = boot.draws[name].to_numpy()
        if _kurtosis(ours) > MAX_KURTOSIS:
            continue
        compared += 1
        theirs = sd_n[row.lhs] if row.op == ":=" else row.se
        spread = _sd_of_sd(ours)
        if name in lavaan:  # lavaan's own Monte Carlo error from its draws
            other = _sd_of_sd(lavaan[name].to_numpy())
        else:
            other = spread * theirs / ours.std()
        allowed = Z * np.hypot(spread, other)
        assert abs(boot.se[name] - theirs) <= allowed, (name, boot.se[name], theirs, allowed)
    assert compared >= 50 and all(_kurtosis(boot.draws[name].to_numpy()) <= MAX_KURTOSIS
                                  for name in lavaan.columns if "Pasteur: speed ~ visual" != name)


@pytest.mark.parametrize("method,kind", [("percentile", "estimates_perc"),
                                         ("bca", "estimates_bca_simple")])
def test_interval_limits_match_lavaan_within_monte_carlo_error(boot, case, method, kind):
    """Percentile and bca.simple (``accelerated=False``) limits."""
    rows = _reference(case, kind)
    lavaan = _lavaan_draws(case)
    intervals = boot.interval(method, interpolation="norm_inter", accelerated=False)
    free = rows[rows["se"].fillna(1.0) > 0]
    for name, row in free.iterrows():
        ours = boot.draws[name].to_numpy()
        for column, p in (("lower", 0.025), ("upper", 0.975)):
            spread = sd_of_quantile(ours, p)
            other = sd_of_quantile(lavaan[name].to_numpy(), p) if name in lavaan else spread
            allowed = Z * np.hypot(spread, other)
            theirs = row[f"ci.{column}"]
            assert abs(intervals.at[name, column] - theirs) <= allowed, \
                (name, column, intervals.at[name, column], theirs, allowed)


def test_group_effects_and_their_differences_are_the_defined_parameters(boot):
    """ind1 = a1*b1 is Pasteur's indirect effect; diff the difference between groups."""
    chain = "visual -> textual -> speed"
    draws = boot.draws
    np.testing.assert_allclose(draws[f"Pasteur: effect: {chain}"], draws["ind1 :="], rtol=1e-12)
    np.testing.assert_allclose(draws[f"Grant-White: effect: {chain}"], draws["ind2 :="],
                               rtol=1e-12)
    np.testing.assert_allclose(draws[f"effect difference: {chain} (Pasteur - Grant-White)"],
                               draws["diff :="], rtol=1e-12, atol=1e-15)
    assert np.all(np.isfinite(draws[f"Pasteur: std effect: {chain}"]))


def test_a_draw_is_the_multigroup_fit_of_its_resample(fit, boot):
    """Rows resampled within each group; refitting that data gives the draw (1e-4)."""
    seeds = np.random.SeedSequence(SEED).spawn(N_BOOT)
    b = int(boot.draws.index[3])
    rows = _resample_group_rows(seeds[b:b + 1], [156, 145])
    assert [r.shape for r in rows] == [(1, 156), (1, 145)]
    observed = list(fit.core.layout.structure.observed)
    frames = []
    for label, moments, picked in zip(fit.groups, fit.core.groups, rows):
        frame = pd.DataFrame(moments.cases()[picked[0]], columns=observed)
        frames.append(frame.assign(school=label))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refit = fit_groups(fit.spec, pd.concat(frames, ignore_index=True), "school",
                           emit_warnings=False)
    keys = [f"{r.group}: {parameter_name(r.lhs, r.op, r.rhs)}" if r.group else
            parameter_name(r.lhs, r.op, r.rhs) for r in refit.estimates.itertuples()]
    np.testing.assert_allclose(boot.draws.loc[b, keys].to_numpy(dtype=float),
                               refit.estimates["est"].to_numpy(dtype=float), atol=1e-4)


def test_draws_are_reproducible_and_do_not_depend_on_workers(fit, boot):
    """Stacks of fixed composition (150 draws cross a stack boundary), one BLAS thread."""
    one = bootstrap(fit, 150, seed=SEED, n_jobs=1, progress=False)
    two = bootstrap(fit, 150, seed=SEED, n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(one.draws, two.draws)
    assert one.failed == two.failed and one.n_inadmissible == two.n_inadmissible
    # the first 150 resamples of the 1000-draw run are the same resamples
    first = boot.draws.loc[boot.draws.index < 150]
    pd.testing.assert_frame_equal(one.draws, first)


def test_fisher_scoring_path_agrees_with_the_stacks(fit, boot):
    """The one-by-one path (inadmissible full-sample fits, and the fallback) reaches the
    same optima and flags the same resamples. Both stop at lavaan's rule (max |gradient|
    < 2e-3), which on the flat directions of Pasteur's speed factor leaves estimates up to
    7e-4 of their bootstrap SE apart (5e-4 on speed =~ x9, SE 0.75): allowed 1e-2 SE."""
    effects = enumerate_effects(fit.spec.structural_paths)
    stacked = _multigroup_refitter(fit, effects)
    single = _multigroup_refitter(fit, effects)
    single.batched = False
    rows = _resample_group_rows(np.random.SeedSequence(7).spawn(4), stacked.sizes)
    a, b = stacked.fit_rows(rows), single.fit_rows(rows)
    assert a.converged.all() and b.converged.all()
    np.testing.assert_array_equal(a.admissible, b.admissible)
    allowed = 1e-2 * boot.se.to_numpy() + 1e-8
    assert np.all(np.abs(a.statistics - b.statistics) <= allowed)


def test_failed_resamples_do_not_converge_alone(fit, boot):
    """A dropped resample also fails by Fisher scoring on its own."""
    assert boot.failed
    refitter = _multigroup_refitter(fit, enumerate_effects(fit.spec.structural_paths))
    seeds = np.random.SeedSequence(SEED).spawn(N_BOOT)
    b = boot.failed[0]
    outcome = refitter.fit_rows(_resample_group_rows(seeds[b:b + 1], refitter.sizes))
    assert not outcome.converged[0] and np.isnan(outcome.statistics[0]).all()


def test_se_divisor_is_lavaans(boot):
    pd.testing.assert_series_equal(boot.se, boot.draws.std(ddof=0))


def test_bootstrap_inference_on_a_multigroup_result(fit, boot):
    simple = with_bootstrap_inference(fit, boot, "bca", accelerated=False)
    assert simple.estimates["ci_lower"].iat[1] == boot.interval(
        "bca", accelerated=False).at["Pasteur: visual =~ x2", "lower"]
    inferred = with_bootstrap_inference(fit, boot, "percentile", interpolation="norm_inter")
    est = inferred.estimates
    assert isinstance(inferred, type(fit)) and inferred.warnings[-1] == boot.summary_line()
    row = est[(est["group"] == "Grant-White") & (est["lhs"] == "textual") & (est["op"] == "~")]
    name = "Grant-White: textual ~ visual"
    assert row["se"].iat[0] == boot.se[name]
    limits = boot.interval("percentile", interpolation="norm_inter").loc[name]
    assert (row["ci_lower"].iat[0], row["ci_upper"].iat[0]) == (limits["lower"], limits["upper"])
    fixed = est["free"].eq(0) & est["op"].ne(":=")
    assert (est.loc[fixed, "se"] == 0).all()
    assert est.loc[est["op"] == ":=", "se"].to_numpy() == pytest.approx(
        boot.se[["ind1 :=", "ind2 :=", "diff :="]].to_numpy())


def test_refusals(fit):
    observed = list(fit.core.layout.structure.observed)
    covs = {g: pd.DataFrame(m.cov[0] * m.n[0] / (m.n[0] - 1), index=observed, columns=observed)
            for g, m in zip(fit.groups, fit.core.groups)}
    means = {g: pd.Series(m.mean[0], index=observed) for g, m in zip(fit.groups, fit.core.groups)}
    summary = fit_groups(fit.spec, sample_cov=covs, nobs=dict(fit.nobs), sample_mean=means,
                         emit_warnings=False)
    with pytest.raises(ArgumentError, match="needs the cases"):
        bootstrap(summary, 10, progress=False)


# ------------------------------------------------------------------ BCa (the jackknife)
# Reference: tests/reference/mean_robust.json "bca" (make_mean_robust_reference.R): lavaan's
# leave-one-out fits of every case in its group, the acceleration of the stratified
# jackknife influence values, and the BCa limits on lavaan's own draws of this file.
def _bca_reference() -> dict:
    return json.loads((cr.ROOT / "tests/reference/mean_robust.json").read_text())["bca"]


def _names_by_label(fit) -> dict[str, str]:
    est = fit.estimates
    names = {r.label: f"{r.group}: {parameter_name(r.lhs, r.op, r.rhs)}"
             for r in est.itertuples() if r.label and r.op != ":="}
    names.update({r.lhs: parameter_name(r.lhs, r.op, r.rhs)
                  for r in est.itertuples() if r.op == ":="})
    return names


@pytest.fixture(scope="module")
def jackknifed(fit) -> BootstrapResult:
    return bootstrap(fit, 50, seed=SEED, progress=False, bca=True)


def test_multigroup_jackknife_leaves_each_case_out_of_its_group(fit, jackknifed):
    ref = _bca_reference()
    jack = jackknifed.jackknife
    assert list(jack.index.unique()) == list(fit.groups) and len(jack) == 301
    # lavaan's rows are in data order; ours group by group, each in data order
    theirs = pd.DataFrame(ref["jackknife"]["values"], columns=ref["statistics"])
    theirs["group"], theirs["position"] = ref["jackknife"]["group"], ref["jackknife"]["position"]
    theirs = pd.concat([theirs[theirs["group"] == g].sort_values("position")
                        for g in fit.groups])
    names = _names_by_label(fit)
    for stat in ref["statistics"]:
        # both sides fitted tightly (ours: polished by Fisher scoring; lavaan's: BFGS to
        # reltol 1e-14): the house tolerance of estimates, 1e-5 (observed 2.2e-6)
        np.testing.assert_allclose(jack[names[stat]].to_numpy(), theirs[stat].to_numpy(),
                                   rtol=1e-5, atol=1e-9)


def test_multigroup_acceleration_matches_the_stratified_formula(fit, jackknifed):
    from loyaltysem.effects.intervals import acceleration

    ref = _bca_reference()
    names = _names_by_label(fit)
    groups = np.unique(jackknifed.jackknife.index.to_numpy(), return_inverse=True)[1]
    for stat in ref["statistics"]:
        ours = acceleration(jackknifed.jackknife[names[stat]].to_numpy(), groups)
        # a sums cubes of leave-one-out differences (~1e-3 of an estimate) whose errors
        # are ~1e-6 of it: 1e-4 relative (observed 2.7e-5, ind1 with a = -6e-4)
        assert ours == pytest.approx(ref["acceleration"][stat], rel=1e-4, abs=1e-9)


def test_multigroup_bca_limits_on_fixed_draws(fit):
    """The BCa arithmetic on lavaan's draws with lavaan's jackknife: R's limits to 1e-12."""
    from loyaltysem.effects.intervals import bca_interval

    ref = _bca_reference()
    draws = _lavaan_draws(cr.load("boot_hs_school_chain"))
    names = _names_by_label(fit)
    columns = [names[s] for s in ref["statistics"]]
    point = np.array([ref["point"][s] for s in ref["statistics"]])
    jack = np.array(ref["jackknife"]["values"])
    lower, upper = bca_interval(draws[columns].to_numpy(), point, jack, 0.95,
                                np.array(ref["jackknife"]["group"]))
    np.testing.assert_allclose(lower, [i["lower"] for i in ref["intervals"]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(upper, [i["upper"] for i in ref["intervals"]], rtol=0, atol=1e-12)


def test_multigroup_bca_interval_from_a_bootstrap(fit, jackknifed):
    bca = jackknifed.interval("bca")
    simple = jackknifed.interval("bca", accelerated=False, interpolation="linear")
    assert bca.notna().all().all() and list(bca.index) == list(simple.index)
    inferred = with_bootstrap_inference(fit, jackknifed, "bca")
    row = inferred.estimates[inferred.estimates["lhs"] == "ind1"]
    assert row["ci_lower"].iat[0] == bca.at["ind1 :=", "lower"]
