"""Constraints and per-group modifiers against lavaan 0.6-14 (tests/reference/core/:
con_*.json, mg_hs_clabels.json, mg_hs_label_scalar_partial.json,
mg_cr_shared_labels.json; tolerances in tests/core_reference.py)."""
from __future__ import annotations

import warnings

import pytest

import loyaltysem as ls
from loyaltysem.exceptions import SpecificationError
from loyaltysem.groups import fit_groups
from loyaltysem.spec import ModelSpec
from loyaltysem.spec.lavaan_syntax import parse_lavaan

from core_reference import check_fit_measures, data_of, estimate_errors, load

GROUP_CASES = ["mg_hs_clabels", "mg_hs_label_scalar_partial", "mg_cr_shared_labels"]


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, emit_warnings=False, **kwargs)


def test_linear_equalities_between_labels_match_lavaan():
    case = load("con_pd_linear")
    result = _quiet(ls.fit, case["syntax"], data_of(case))
    estimate_errors(result.estimates, case)
    assert check_fit_measures(result.fit_indices, case) == len(case["fit"])
    # lavaan: npar = free parameters - '==' rows (31 - 2), df one per constraint more
    assert result.fit_indices["npar"] == 29 == case["fit"]["npar"]
    rows = result.estimates.set_index(["lhs", "op", "rhs"])
    assert rows.at[("dem60", "=~", "y2"), "est"] == rows.at[("dem65", "=~", "y6"), "est"]


def test_equality_with_a_number_fixes_the_labelled_parameter():
    spec = ModelSpec.from_lavaan("f =~ x1 + a*x2 + b*x3\na == 0.5\nb == a")
    table = spec.parameter_table.set_index(["lhs", "op", "rhs"])
    assert table.loc[("f", "=~", "x2"), "free"] == 0
    assert table.loc[("f", "=~", "x2"), "ustart"] == 0.5
    assert spec.constraints == ()


@pytest.mark.parametrize("name", GROUP_CASES)
def test_per_group_labels_and_values_match_lavaan(name):
    case = load(name)
    equal = case["options"].get("group.equal", ())
    result = _quiet(fit_groups, case["syntax"], data_of(case), case["group"], group_equal=equal)
    estimate_errors(result.estimates, case)
    assert check_fit_measures(result.fit_indices, case) == len(case["fit"])


def test_c_modifiers_are_read_per_group():
    (x2, x3, x5, x9, x1) = [s for s in parse_lavaan(
        "f =~ x1 + c(l2, l2)*x2 + c(l3a, l3b)*x3 + c(1, NA)*x5\nx9 ~~ c(0.5, 0.5)*x9\n"
        "x1 ~ c(i1, i1)*1")][1:]
    assert [g.label for g in x3.groups] == ["l3a", "l3b"]
    assert [g.fixed for g in x5.groups] == [1.0, None] and x5.groups[1].free_explicit
    assert [g.fixed for g in x9.groups] == [0.5, 0.5]
    assert x1.op == "~1" and [g.label for g in x1.groups] == ["i1", "i1"]
    assert x2.label == "l2"


def test_c_modifiers_must_match_the_groups():
    case = load("mg_hs_clabels")
    three = data_of(case).assign(school=lambda d: [("a", "b", "c")[i % 3] for i in range(len(d))])
    with pytest.raises(SpecificationError, match="lists 2 values but the data has 3 groups"):
        _quiet(fit_groups, case["syntax"], three, "school")
    with pytest.raises(SpecificationError, match="single-group fit"):
        _quiet(ls.fit, case["syntax"], data_of(case))


@pytest.mark.parametrize("name", ["con_pd_nonlinear_product", "con_hs_nonlinear_square",
                                  "con_hs_inequality", "con_pd_inequality"])
def test_nonlinear_equalities_and_inequalities_match_lavaan(name):
    case = load(name)
    result = _quiet(ls.fit, case["syntax"], data_of(case))
    assert result.converged
    # lavaan's constrained nlminb stops early: its chi-square is 1.6e-6 (con_pd_inequality)
    # to 2.3e-6 (con_hs_nonlinear_square) above ours at constraints met exactly (lavaan's
    # slack: 5e-8 to 1.4e-7), which moves the estimates by up to 2.6e-4 SE (observed)
    errors = estimate_errors(result.estimates, case, se_fraction=5e-4)
    assert errors["se_rel"] < 1e-4
    assert check_fit_measures(result.fit_indices, case) == len(case["fit"])
    # npar = free - '==' rows; inequalities never count, active or not
    assert result.fit_indices["npar"] == case["fit"]["npar"]
    rows = result.estimates.set_index("label")
    for row in case["estimates"]:
        if row.get("label") and row["se"] == 0 and row["op"] != ":=":  # held at its bound
            assert rows.at[row["label"], "se"] == pytest.approx(0.0, abs=1e-7)
            assert rows.at[row["label"], "est"] == pytest.approx(row["est"], abs=1e-6)


@pytest.mark.parametrize("text, fragment", [
    ("f =~ x1 + a*x2 + x3\na == zz", "not a label"),
    ("f =~ x1 + a*x2 + x3\na == __import__('os')", "not arithmetic over labels"),
    ("f =~ x1 + a*x2 + x3\na == 9^9^9", "exponent"),
    ("f =~ x1 + c(a, b c)*x2 + x3", "cannot read"),
    ("f =~ x1 + c(a, 'x;y')*x2 + x3", "bad variable name"),
    ("f =~ x1 + x2 + x3\n1 == 1", "no label"),
])
def test_hostile_constraints_and_modifiers_are_refused(text, fragment):
    with pytest.raises(SpecificationError, match=fragment):
        ModelSpec.from_lavaan(text)


def test_constraints_round_trip():
    text = "f =~ x1 + a*x2 + b*x3 + c(1, NA)*x4\na == b\nb < 2*a"
    spec = ModelSpec.from_lavaan(text)
    again = ModelSpec.from_lavaan(spec.to_lavaan())
    assert [s.to_lavaan() for s in again.statements] == [s.to_lavaan() for s in spec.statements]


def test_general_equalities_give_the_label_merge():
    """``a == 1*b`` and ``c - d == 0`` go through the constrained optimiser (not the label
    merge of the parameter table) and must give lavaan's con_pd_linear fit."""
    case = load("con_pd_linear")
    syntax = case["syntax"].replace("a == b", "a == 1*b").replace("c == d", "c - d == 0")
    spec = ModelSpec.from_lavaan(syntax)
    assert len(spec.constraints) == 2
    result = _quiet(ls.fit, spec, data_of(case))
    estimate_errors(result.estimates, case)
    assert check_fit_measures(result.fit_indices, case) == len(case["fit"])
