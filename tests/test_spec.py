"""Model specs: lavaan syntax, the YAML format, lavaan's defaults, errors."""
from __future__ import annotations

import textwrap
import warnings

import pytest

from loyaltysem.exceptions import NotIdentifiedError, SpecificationError
from loyaltysem.spec import ModelSpec, load_spec
from loyaltysem.spec.lavaan_syntax import parse_lavaan

from lavaan_reference import MODEL_FILES, ROOT, estimates_frame, indexed, reference

SHIPPED = ["loyalty_chain.yaml", "ecsi.yaml", "corp_rep.yaml", "acsi.yaml", "hs_cfa.lav",
           "poldem.lav", "ecsi.lav", "corp_rep.lav"]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


# --------------------------------------------------------------- lavaan syntax
def test_parse_modifiers_comments_and_continuations():
    statements = parse_lavaan(textwrap.dedent("""
        # a comment
        f =~ x1 + a*x2 +   ! another comment
             0.5*x3
          + NA*x4 + start(0.7)*x5 + label("b")*x6
        y ~ f; z ~ -1.5*f
        f ~~ 1*f
        ind := a*b
    """))
    by_rhs = {(s.lhs, s.rhs): s for s in statements}
    assert [s.rhs for s in statements if s.op == "=~"] == ["x1", "x2", "x3", "x4", "x5", "x6"]
    assert by_rhs[("f", "x2")].label == "a"
    assert by_rhs[("f", "x3")].fixed == 0.5
    assert by_rhs[("f", "x4")].free_explicit
    assert by_rhs[("f", "x5")].fixed is None and by_rhs[("f", "x5")].label is None
    assert by_rhs[("f", "x6")].label == "b"
    assert by_rhs[("z", "f")].fixed == -1.5
    assert by_rhs[("y", "f")].line == 6
    assert [s for s in statements if s.op == ":="][0].rhs == "a*b"


def test_multiple_lhs_and_scientific_numbers():
    statements = parse_lavaan("y1, y2 ~ x\nf =~ 1e+00*x1 + x2")
    assert {(s.lhs, s.rhs) for s in statements if s.op == "~"} == {("y1", "x"), ("y2", "x")}
    assert statements[2].fixed == 1.0


@pytest.mark.parametrize("text, fragment", [
    ("f =~ x1 + x2\ny x1", "line 2: no operator"),
    ("f =~ x1 +\n", "incomplete statement"),
    ("f =~ x1 + + x2", "empty term"),
    ("f =~ x1 + x2\ny ~ x1:x2:x3", "has 3 factors"),
    ("f <~ 2*x1 + x2", "composite term .* has a modifier"),
    ("f <~ x1 + x2\nf =~ x3", "both with =~"),
    ("f =~ x1 + x2\na == b", "not a label"),
    ("f =~ c(a, 1b)*x1 + x2", "in the modifier c"),
    ("f =~ 2x*x1", "cannot read the modifier"),
    ("1f =~ x1", "bad variable name"),
    ("f =~ a*x1 + x2\nd := a*(b", "cannot read the expression"),
    ("f =~ x1 + x2\nd := a*", "ends with"),
])
def test_malformed_lavaan_names_the_line(text, fragment):
    with pytest.raises(SpecificationError, match=fragment):
        ModelSpec.from_lavaan(text)


def test_error_message_has_file_and_line(tmp_path):
    path = write(tmp_path, "bad.lav", "f =~ x1 + x2 + x3\n\ny ~~\n")
    with pytest.raises(SpecificationError) as info:
        load_spec(path)
    assert f"{path}, line 3" in str(info.value)
    assert info.value.line == 3


# ------------------------------------------------- lavaan defaults (parTable)
@pytest.mark.parametrize("name", list(MODEL_FILES))
def test_parameter_table_matches_lavaan_partable(name):
    """Which parameters exist, and which are free, exactly as lavaan's sem()."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = load_spec(MODEL_FILES[name])
    ours = indexed(spec.parameter_table)
    theirs = estimates_frame(reference(name)["estimates"])
    assert sorted(ours.index) == sorted(theirs.index)
    assert (ours["free"] > 0).equals((theirs.loc[ours.index, "free"] > 0))
    assert spec.n_free_parameters == reference(name)["fit"]["npar"]


def test_fixed_x_covariates_and_auto_cov_y():
    spec = ModelSpec.from_lavaan("y1 ~ x1 + x2\ny5 ~ x1 + y1\ny6 ~ x2")
    assert spec.roles.ov_x == ("x1", "x2")
    assert spec.roles.ov_y == ("y5", "y6")
    table = spec.parameter_table.set_index(["lhs", "op", "rhs"])
    assert table.loc[("y5", "~~", "y6"), "free"] > 0
    assert table.loc[("x1", "~~", "x2"), "exo"] == 1 and table.loc[("x1", "~~", "x2"), "free"] == 0


def test_equality_labels_share_one_free_parameter():
    spec = ModelSpec.from_lavaan("f =~ x1 + a*x2 + a*x3\ng =~ y1 + y2 + y3")
    table = spec.parameter_table.set_index(["lhs", "op", "rhs"])
    assert table.loc[("f", "=~", "x2"), "free"] == table.loc[("f", "=~", "x3"), "free"]


def test_explicitly_freed_marker_is_not_fixed():
    spec = ModelSpec.from_lavaan("f =~ NA*x1 + x2 + x3\nf ~~ 1*f")
    table = spec.parameter_table.set_index(["lhs", "op", "rhs"])
    assert table.loc[("f", "=~", "x1"), "free"] > 0
    assert table.loc[("f", "~~", "f"), "free"] == 0


# ------------------------------------------------------------ YAML and round trip
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_specs_load(name):
    spec = load_spec(ROOT / "models" / name)
    assert spec.constructs


@pytest.mark.parametrize("name", ["loyalty_chain", "ecsi", "corp_rep", "acsi"])
def test_yaml_and_its_lavaan_rendering_are_the_same_model(name):
    spec = load_spec(ROOT / "models" / f"{name}.yaml")
    again = ModelSpec.from_lavaan(spec.to_lavaan())
    assert spec.same_model_as(again)
    assert again.hypotheses == spec.hypotheses
    assert again.name == spec.name


@pytest.mark.parametrize("name", ["ecsi", "corp_rep"])
def test_shipped_yaml_and_lav_files_are_the_same_model(name):
    assert load_spec(ROOT / "models" / f"{name}.yaml").same_model_as(
        load_spec(ROOT / "models" / f"{name}.lav"))


def test_yaml_path_forms_and_single_item(tmp_path):
    path = write(tmp_path, "m.yaml", """
        constructs:
          A: [a1, a2, a3]
          B: {items: [b1, b2, b3], description: second}
          C: [c1]
        paths:
          - A -> B -> C
          - C ~ A
          - {from: A, to: B, label: ab}
        """)
    with pytest.raises(SpecificationError, match="duplicate statement B ~ A"):
        load_spec(path)
    path = write(tmp_path, "m.yaml", """
        constructs:
          A: [a1, a2, a3]
          B: {items: [b1, b2, b3], description: second}
          C: [c1]
        paths:
          - A -> B -> C
          - C ~ A
        """)
    spec = load_spec(path)
    assert set(spec.structural_paths) == {("A", "B"), ("B", "C"), ("A", "C")}
    table = spec.parameter_table.set_index(["lhs", "op", "rhs"])
    assert table.loc[("c1", "~~", "c1"), "free"] == 0  # single item: error variance fixed
    assert table.loc[("c1", "~~", "c1"), "ustart"] == 0.0
    assert spec.constructs["B"].description == "second"


@pytest.mark.parametrize("body, fragment", [
    ("constructs:\n  A: []\n  B: [b1, b2]\npaths: [A -> B]", "construct 'A' has no items"),
    ("constructs:\n  A: [a1, a2]\n  B: [b1, b2]\npaths: [A -> TRUST]",
     "unknown construct 'TRUST'; constructs are A, B"),
    ("constructs:\n  A: [a1, a2]\n  A: [b1, b2]\n", "line 3: duplicate name 'A'"),
    ("constructs:\n  A: [a1, a2, a1]\n", "lists an item twice"),
    ("constructs:\n  A: [a1, B]\n  B: [b1, b2]\n", "'B' is a construct"),
    ("constructs:\n  A: [a1, a2]\n  B: [b1, b2]\npaths: [A -> B]\nhypotheses:\n"
     "  - {id: H1, path: B -> A}", "does not have"),
    ("constructs:\n  A: [a1, a2]\n  B: [b1, b2]\npaths: [A -> B]\nhypotheses:\n"
     "  - {id: H1, path: A -> B}\n  - {id: H1, path: A -> B}", "used twice"),
    ("constructs:\n  A: [a1, a2]\n  B: [b1, b2]\npaths: [A -> B]\nhypotheses:\n"
     "  - {id: H1, path: A -> B, sign: up}", "sign must be"),
    ("constructs:\n  A: [a1, a2]\ndefined:\n  d: a*b\n", "which is not a label"),
    ("constructs:\n  A: [a1, a2]\nregressions: []\n", "unknown key"),
    ("constructs: [a, b\n", "not valid YAML"),
    ("- just a list\n", "must be a mapping"),
])
def test_yaml_errors(tmp_path, body, fragment):
    path = write(tmp_path, "bad.yaml", body)
    with pytest.raises(SpecificationError, match=fragment.replace("(", r"\(")):
        load_spec(path)


def test_more_parameters_than_moments():
    with pytest.warns(UserWarning), pytest.raises(
            NotIdentifiedError, match="2 free parameters but only 1 observed moments"):
        ModelSpec.from_lavaan("f =~ x1\nx1 ~~ x1")
    with pytest.raises(NotIdentifiedError, match="t-rule"):
        ModelSpec.from_lavaan("f =~ x1 + x2\ng =~ x3 + x4\nf ~~ 1*f\nx1 ~~ x2\nx3 ~~ x4\n"
                              "x1 ~~ x3\nx2 ~~ x4\nx1 ~~ x4\nx2 ~~ x3")


def test_single_item_construct_with_free_error_variance_warns():
    with pytest.warns(UserWarning, match="fix it, e.g. 'x7 ~~ 0\\*x7'"):
        ModelSpec.from_lavaan("f =~ x1 + x2 + x3\ng =~ x7\ng ~ f")


def test_missing_spec_file():
    with pytest.raises(SpecificationError, match="not found"):
        load_spec("models/does_not_exist.yaml")


def test_hypotheses_in_lavaan_comments():
    spec = ModelSpec.from_lavaan(textwrap.dedent("""
        # @hypothesis H1: A -> B (+) a claim
        # @hypothesis H2: ind (-)
        A =~ a1 + a2 + a3
        B =~ b1 + b2 + b3
        B ~ p*A
        ind := p*2
    """))
    assert [str(h) for h in spec.hypotheses] == ["H1: A -> B (+)", "H2: ind (-)"]
    assert spec.hypotheses[0].kind == "path" and spec.hypotheses[1].kind == "effect"


def _roles_reference():
    import json

    path = ROOT / "tests" / "reference" / "spec" / "roles.json"
    return json.loads(path.read_text())["models"]


@pytest.mark.parametrize("name", list(_roles_reference()))
def test_variable_roles_and_automatic_covariances_match_lavaan(name):
    """Against lavaanify(model, auto = TRUE, fixed.x = TRUE) (tests/reference/make_roles_reference.R)."""
    from loyaltysem.spec.lavaan_syntax import parse_lavaan
    from loyaltysem.spec.partable import VariableRoles, build_parameter_table

    expected = _roles_reference()[name]
    statements = parse_lavaan(expected["syntax"])
    roles = VariableRoles.from_statements(statements)
    for kind in ("lv_x", "lv_y", "ov_x", "ov_y"):
        assert set(getattr(roles, kind)) == set(expected[kind]), kind
    table = build_parameter_table(statements)
    covariances = table[(table["op"] == "~~") & (table["lhs"] != table["rhs"])]
    ours = {(frozenset((r.lhs, r.rhs)), bool(r.free > 0)) for r in covariances.itertuples()}
    theirs = {(frozenset((c["lhs"], c["rhs"])), c["free"]) for c in expected["covariances"]}
    assert ours == theirs


def test_several_left_hand_sides_share_the_right_hand_side():
    """lavaan's ``y1 + y2 ~ x1 + x2``: every lhs gets every term, lhs by lhs."""
    short = parse_lavaan("y1 + y2 ~ x1 + b*x2\nf + g =~ u1 + u2")
    written = parse_lavaan("y1 ~ x1 + b*x2\ny2 ~ x1 + b*x2\nf =~ u1 + u2\ng =~ u1 + u2")
    assert [(s.lhs, s.op, s.rhs, s.label) for s in short] == \
        [(s.lhs, s.op, s.rhs, s.label) for s in written]
