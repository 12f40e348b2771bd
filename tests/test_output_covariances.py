"""Covariances as lavaan writes and lays them out, against lavaan 0.6-14
(tests/reference/core/out_*.json, made by make_core_structure_reference.R).

Written against lavaan's variable order, a covariance is stored with its names swapped
(``lav_partable_covariance_reorder``: ``x7 ~~ x2`` is the row ``x2 ~~ x7``), so the
estimates have lavaan's rows, single- and multi-group.

Observed outcomes that predict nothing, covarying with latent outcomes:
lavaan's ``auto.cov.y`` frees the covariances among the pure outcomes, latent or observed
(``textual ~~ x9`` for ``textual ~ visual`` and ``x9 ~ visual + sex``). semopy places such
an observed outcome with the indicators, where a covariance with a latent variable has no
place; the structure is then built as lavaan's, the outcome an inner variable. The fit used
to fail there with semopy's ``ValueError: 'textual' is not in list``. Tolerances in
tests/core_reference.py."""
from __future__ import annotations

import warnings

import pytest

import loyaltysem as ls
from loyaltysem.groups import fit_groups

from core_reference import check_fit_measures, data_of, estimate_errors, load, merged_estimates

CASES = ["out_hs_latent_cov", "out_hs_latent_cov_mlr", "out_hs_three_outcomes"]


@pytest.mark.parametrize("name", CASES)
def test_latent_and_observed_outcomes_covary_as_in_lavaan(name):
    case = load(name)
    options = case["options"] or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(case["syntax"], data_of(case), emit_warnings=False,
                        estimator=options.get("estimator", "ML"),
                        meanstructure=options.get("meanstructure") or None)
    rows = set(zip(result.estimates["lhs"], result.estimates["op"], result.estimates["rhs"]))
    assert ("textual", "~~", "x9") in rows
    errors = estimate_errors(result.estimates, case)
    assert errors["se_rel"] < 1e-4
    assert check_fit_measures(result.fit_indices, case) == len(case["fit"])
    assert result.fit_indices["df"] == case["fit"]["df"]


def test_reversed_covariances_are_lavaans_rows():
    case = load("out_hs_reversed_covariances")
    result = ls.fit(case["syntax"], data_of(case), emit_warnings=False)
    theirs = {(r["lhs"], r["op"], r["rhs"]) for r in case["estimates"]}
    ours = set(zip(result.estimates["lhs"], result.estimates["op"], result.estimates["rhs"]))
    assert ours == theirs
    assert {("x2", "~~", "x7"), ("visual", "~~", "speed"), ("x1", "~~", "x9")} <= ours
    estimate_errors(result.estimates, case)
    assert check_fit_measures(result.fit_indices, case) == len(case["fit"])


def test_reversed_covariances_of_groups_are_lavaans_rows():
    case = load("out_hs_school_reversed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = fit_groups(ls.ModelSpec.from_lavaan(case["syntax"]), data_of(case),
                            case["options"]["group"], group_equal=["loadings"],
                            emit_warnings=False)
    merged = merged_estimates(result.estimates, case)  # every lavaan row found, by name
    assert len(merged) == len(result.estimates)
    assert ("x4", "~~", "x6") in set(zip(merged["lhs"], merged["op"], merged["rhs"]))


def test_a_model_semopy_cannot_lay_out_is_a_specification_error(monkeypatch, tmp_path):
    """If semopy refuses a model both ways (its default and lavaan's layout), the fit
    ends with a SpecificationError (the CLI: one ``error:`` line, exit 2), not
    semopy's traceback."""
    import semopy
    from click.testing import CliRunner

    from loyaltysem.cli import main
    from loyaltysem.estimate import structure
    from loyaltysem.exceptions import SpecificationError

    class Refusing:
        def __init__(self, *args, **kwargs):
            raise ValueError("'textual' is not in list")

    monkeypatch.setattr(semopy, "Model", Refusing)
    with pytest.raises(SpecificationError, match="cannot be laid out"):
        structure._semopy_structure((("f", "=~", "x1"), ("f", "=~", "x2")), ())
    monkeypatch.setenv("LOYALTYSEM_NO_CACHE", "1")
    structure._cached_structure.cache_clear()
    model = tmp_path / "m.lav"
    model.write_text("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\n")
    run = CliRunner().invoke(main, ["fit", str(model), "--data", "holzinger_swineford"])
    assert run.exit_code == 2, run.output
    assert "cannot be laid out" in run.output and "Traceback" not in run.output
