"""Hostile specs: no name reaches semopy unchecked, work is bounded, every error is one line.

The payload of issue #10 point 1 is a covariate named
``z\\nCONSTRAINT(__import__('os').system(...) > 0)``: semopy evaluates
``CONSTRAINT`` lines with sympy's ``parse_expr``. Every entry point is tried
with a payload that would create a marker file; the marker must stay absent
and the error must name the bad name.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from loyaltysem import fit
from loyaltysem.cli import main
from loyaltysem.estimate.structure import model_structure
from loyaltysem.exceptions import SpecificationError
from loyaltysem.spec import ModelSpec, Statement, load_spec
from loyaltysem.spec.expressions import ExpressionError, parse_expression
from loyaltysem.spec.names import describe_bad_name, is_valid_name, suggest_name

from lavaan_reference import ROOT


def payload(marker) -> str:
    return f"z\nCONSTRAINT(__import__('os').system('touch {marker}') > 0)"


def survey(columns, n=120, seed=1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(n, 1))
    return pd.DataFrame(factor + rng.normal(size=(n, len(columns))), columns=columns)


def write_yaml(tmp_path, body: dict, name="m.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(body, allow_unicode=True))
    return path


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# ------------------------------------------------------------------ the naming rule
@pytest.mark.parametrize("name", ["sat_1", "SAT", "_x", "Zufriedenheit_ä", "満足度", "x1"])
def test_valid_names(name):
    assert is_valid_name(name)


@pytest.mark.parametrize("name, reason", [
    ("1x", "starts with a digit"), ("sat 1", "contains ' '"), ("x.1", "contains '.'"),
    ("a\nb", "contains '\\n'"), ("", "is empty"), ("x" * 101, "longer than 100"),
    ("lambda", "reserved"), ("NA", "reserved"), ("_lsp3", "reserves for its own"),
    ("ﬁ", "NFKC"), ("x²", "contains '²'"), ("a-b", "contains '-'"),
])
def test_invalid_names_say_why_and_propose_a_rename(name, reason):
    assert not is_valid_name(name)
    message = describe_bad_name("item", name)
    assert reason in message
    assert is_valid_name(suggest_name(name))


# ----------------------------------------------------------- point 1: no code runs
def _yaml_entry_points(bad: str) -> dict[str, dict]:
    base = {"constructs": {"F": ["x1", "x2", "x3"]}}
    return {
        "covariate": {**base, "covariates": [bad], "paths": [{"from": bad, "to": "F"}]},
        "covariances between": {**base, "covariances": [{"between": ["x1", bad]}]},
        "construct": {"constructs": {bad: ["x1", "x2", "x3"]}},
        "item": {"constructs": {"F": ["x1", "x2", bad]}},
        "path label": {**base, "covariates": ["x4"], "paths": [{"from": "x4", "to": "F",
                                                                "label": bad}]},
        "covariance label": {**base, "covariances": [{"between": ["x1", "x2"], "label": bad}]},
        "defined name": {**base, "covariates": ["x4"], "paths": [{"from": "x4", "to": "F",
                                                                  "label": "a"}],
                         "defined": {bad: "a*2"}},
        "hypothesis id": {**base, "covariates": ["x4"], "paths": ["x4 -> F"],
                          "hypotheses": [{"id": bad, "path": "x4 -> F"}]},
        "lavaan block": {**base, "lavaan": f"F ~ {bad}"},
    }


@pytest.mark.parametrize("entry", list(_yaml_entry_points("x")))
def test_payload_through_yaml_runs_nothing(tmp_path, entry):
    marker = tmp_path / "PWNED"
    bad = payload(marker)
    spec_path = write_yaml(tmp_path, _yaml_entry_points(bad)[entry])
    survey(["x1", "x2", "x3", "x4", bad]).to_csv(tmp_path / "d.csv", index=False)
    result = cli("fit", spec_path, "--data", tmp_path / "d.csv")
    assert result.exit_code == 2, result.output
    if entry != "lavaan block":  # there the second line is refused as a '>' constraint
        assert "bad" in result.stderr and "name" in result.stderr
    assert "Traceback" not in result.output
    with pytest.raises(SpecificationError):
        load_spec(spec_path)
    assert not marker.exists()


@pytest.mark.parametrize("template", [
    "F =~ x1 + x2 + {bad}", "F =~ x1 + x2 + x3\nF ~ {bad}", "F =~ x1 + x2 + {bad}*x3",
    "F =~ x1 + x2 + label('{bad}')*x3", "F =~ x1 + x2 + x3\n{bad} := 1",
])
def test_payload_through_lavaan_syntax_runs_nothing(tmp_path, template):
    marker = tmp_path / "PWNED"
    bad = payload(marker).replace("\n", " ")  # one line: the statement parser splits lines
    path = tmp_path / "m.lav"
    path.write_text(template.format(bad=bad))
    with pytest.raises(SpecificationError):
        load_spec(path)
    result = cli("fit", path, "--data", "holzinger_swineford")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not marker.exists()


def test_payload_in_a_data_header_never_reaches_the_model(tmp_path):
    """A hostile column the spec does not name is ignored; one it names is refused by the spec."""
    marker = tmp_path / "PWNED"
    data = survey(["x1", "x2", "x3", payload(marker)])
    result = fit("F =~ x1 + x2 + x3", data)
    assert result.converged
    with pytest.raises(SpecificationError, match="bad variable name"):
        fit(ModelSpec((Statement("F", "=~", "x1"), Statement("F", "=~", "x2"),
                       Statement("F", "=~", payload(marker)))), data)
    assert not marker.exists()


def test_model_structure_refuses_an_unchecked_name(tmp_path):
    """Defence in depth: a parameter table built around the spec is still checked."""
    marker = tmp_path / "PWNED"
    table = ModelSpec.from_lavaan("F =~ x1 + x2 + x3").parameter_table.copy()
    table.loc[2, "rhs"] = payload(marker)
    with pytest.raises(SpecificationError, match="bad variable name"):
        model_structure(table)
    assert not marker.exists()


# ------------------------------------------------------------ point 2: bounded work
@pytest.mark.parametrize("expression, fragment", [
    ("a*9**9**9", "exponent"), ("a^(2^7)", "exponent"), ("- " * 3000 + "a", "characters"),
    ("+".join(["a"] * 3000), "characters"), ("^".join(["a"] * 900), "terms"),
    ("- " * 60 + "a", "nested"), ("(" * 60 + "a" + ")" * 60, "nested"),
    ("__import__('os')", "not allowed"), ("a.real", "not allowed"), ("sqrt(a)", "unexpected"),
])
def test_hostile_defined_expressions_are_refused_at_once(expression, fragment):
    start = time.perf_counter()
    with pytest.raises(ExpressionError, match=fragment):
        parse_expression(expression)
    assert time.perf_counter() - start < 1.0


def test_hostile_defined_effect_in_a_yaml_spec(tmp_path):
    path = write_yaml(tmp_path, {"constructs": {"F": ["x1", "x2", "x3"]},
                                 "covariates": ["x4"],
                                 "paths": [{"from": "x4", "to": "F", "label": "a"}],
                                 "defined": {"d": "a*9**9**9"}})
    start = time.perf_counter()
    result = cli("fit", path, "--data", "holzinger_swineford")
    assert time.perf_counter() - start < 10
    assert result.exit_code == 2 and "exponent" in result.stderr


def test_expressions_keep_r_semantics():
    values = {"a": 2.0, "b": 3.0}
    assert parse_expression("-a^2").evaluate(values) == -4.0      # R: -(a^2)
    assert parse_expression("a^b^2").evaluate(values) == 2.0 ** 9  # right-associative
    assert parse_expression("a**-1").evaluate(values) == 0.5
    assert parse_expression("2*a - b/4 + (a+b)*0.5").evaluate(values) == pytest.approx(5.75)
    assert np.isnan(parse_expression("a/(b-b)").evaluate(values))  # no ZeroDivisionError
    draws = {"a": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0])}
    np.testing.assert_array_equal(parse_expression("a*b").evaluate(draws), [3.0, 8.0])


def test_yaml_aliases_are_refused_quickly(tmp_path):
    """A 364-byte 'billion laughs' spec grew to 2.9 GB before; now it is refused on sight."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{k}: &a{k} [" + ",".join([f"*a{k - 1}"] * 9) + "]" for k in range(1, 10)]
    lines += ["constructs: {F: [x1, x2, x3]}", "description: *a9"]
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines))
    start = time.perf_counter()
    with pytest.raises(SpecificationError, match="aliases"):
        load_spec(path)
    assert time.perf_counter() - start < 1.0


def test_deep_yaml_and_large_files_are_refused(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("constructs: " + "[" * 5000 + "]" * 5000)
    with pytest.raises(SpecificationError, match="nested"):
        load_spec(deep)
    large = tmp_path / "large.lav"
    large.write_text("F =~ x1 + x2 + x3\n" + "# padding\n" * 200_000)
    with pytest.raises(SpecificationError, match="more than the"):
        load_spec(large)


# --------------------------------------------------- point 6: one line, never a traceback
MINIMAL_CASES = [
    ("constructs: {F1: 5}", "bad item name '5'"),
    ("constructs: {F1: {items: {a: 1}}}", "items must be text"),
    ("constructs: {F: [x1, x2, x3]}\ncovariates: 5", "bad covariate name '5'"),
    ("constructs: {F: [x1, x2, x3]}\npaths: true", "'paths' must be a list"),
    ("constructs: {F: [x1, x2, x3]}\ncovariances: 5", "'covariances' must be a list"),
    ("constructs: {F: [x1, x2, x3]}\nhypotheses: true", "'hypotheses' must be a list"),
    ("constructs: {F: [x1, x2, x3]}\nhypotheses: {H1: x}", "as a mapping"),
    ("constructs: {F: [x1, x2, x3], G: [x4, x5, x6]}\npaths: [F -> G]\n"
     "hypotheses: [{id: H1, path: F -> G, sign: []}]", "sign must be"),
    ("constructs: {F: [x1, x2, x3], G: [x4, x5, x6]}\n"
     "paths: [{from: F, to: G, label: [a]}]", "label must be text"),
    ("constructs: {F: [x1, x2, x3], G: [x4, x5, x6]}\n"
     "paths: [{from: F, to: G, fixed: abc}]", "fixed must be a finite number"),
    ("constructs: {F: [x1, x2, x3]}\nsingle_item_error_variance: abc",
     "single_item_error_variance must be a finite number"),
    ("constructs: {F: [x1, x2, x3]}\npaths: [{1: a, b: c}]", "a path needs 'from' and 'to'"),
    ("? ?\n", "complex key"),
    ("constructs: {F: [x1, x2, x3], G: [x4, x5, x6]}\npaths: [F -> G]\n"
     "hypotheses: [{id: H 1, path: F -> G}]", "bad hypothesis id name 'H 1'"),
    ("constructs: {F: [x1, x2, x3]}\nname: \"a\\nb\"", "keep it on one line"),
    ("constructs: {F: [x1, x2, x3]}\ncovariances: [{between: [x1, x2], fixed: .nan}]",
     "finite number"),
    ("constructs: !!python/object/apply:os.system ['id']", "not valid YAML"),
    ("constructs: {F: [x1, x2, x3]}\nhypotheses: [{id: H1, path: F -> G, foo: 1}]",
     "unknown key"),
    ("- a\n- b", "must be a mapping"),
    ("", "must be a mapping"),
]


@pytest.mark.parametrize("body, fragment", MINIMAL_CASES)
def test_minimal_bad_yaml_cases_are_one_line_errors(tmp_path, body, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    with pytest.raises(SpecificationError, match=fragment):
        load_spec(path)
    result = cli("fit", path, "--data", "holzinger_swineford")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert fragment.split("'")[0] in result.stderr


@pytest.mark.parametrize("name", ["garbage.yaml", "garbage.lav", "garbage"])
def test_binary_garbage_as_a_spec(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(bytes(range(256)) * 4)
    result = cli("fit", path, "--data", "holzinger_swineford")
    assert result.exit_code == 2 and "binary file" in result.stderr
    latin = tmp_path / f"latin1_{name}"
    latin.write_bytes("F =~ x1 + x2 + x3 # Zufriedenheit \xe4\n".encode("latin-1"))
    with pytest.raises(SpecificationError, match="not UTF-8 text"):
        load_spec(latin)


def test_load_spec_refuses_what_is_not_a_path():
    with pytest.raises(SpecificationError, match="given as a path"):
        load_spec(None)  # type: ignore[arg-type]
    with pytest.raises(SpecificationError, match="must be text"):
        ModelSpec.from_lavaan(None)  # type: ignore[arg-type]


def test_an_unexpected_failure_is_one_line_not_a_traceback(monkeypatch, tmp_path):
    import loyaltysem.estimate as estimate

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(estimate, "fit", broken)
    result = cli("fit", ROOT / "models/hs_cfa.lav", "--data", "holzinger_swineford")
    assert result.exit_code == 1
    assert "internal error (KeyError" in result.stderr and "Traceback" not in result.output


def test_rendered_specs_parse_back():
    """Every shipped spec renders to lavaan text that reads back as the same model."""
    for path in sorted((ROOT / "models").glob("*.*")):
        spec = load_spec(path)
        again = ModelSpec.from_lavaan(spec.to_lavaan())
        assert again.same_model_as(spec), path
        assert again.hypotheses == spec.hypotheses
        assert again.name == spec.name
        assert again.description.split() == spec.description.split()


@pytest.mark.parametrize("args, fragment", [
    (["fit", ROOT / "models/hs_cfa.lav", "--data", "holzinger_swineford", "--seed", "-1"],
     "'--seed': -1 is not in the range"),
    (["nope"], "No such command 'nope'"),
    (["fit"], "Missing argument 'SPEC'"),
    (["fit", ROOT / "models/hs_cfa.lav", "--data", "holzinger_swineford", "--jobs", "0"],
     "'--jobs'"),
])
def test_usage_errors_are_one_line(args, fragment):
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert fragment in result.stderr and "--help" in result.stderr


def test_unicode_names_fit_as_ascii_names():
    """The rule admits letters of any script; semopy must handle them identically."""
    unicode_names = ["zufr_ä1", "満足2", "Ω3", "x_4"]
    data = survey(unicode_names, n=300)
    with_unicode = fit("Zufriedenheit =~ zufr_ä1 + 満足2 + Ω3 + x_4", data)
    ascii_data = data.set_axis(["a1", "a2", "a3", "a4"], axis=1)
    with_ascii = fit("F =~ a1 + a2 + a3 + a4", ascii_data)
    assert with_unicode.fit_indices["chisq"] == pytest.approx(with_ascii.fit_indices["chisq"],
                                                              rel=1e-9)
    np.testing.assert_allclose(with_unicode.estimates["est"], with_ascii.estimates["est"],
                               rtol=1e-8)


def test_payload_as_a_group_value_runs_nothing(tmp_path):
    """Group values are checked at the edge (data.checks) before any group is fitted."""
    from loyaltysem.exceptions import DataError
    from loyaltysem.groups import fit_groups

    marker = tmp_path / "PWNED"
    data = survey(["x1", "x2", "x3"], n=200)
    data["g"] = ["a"] * 100 + [payload(marker)] * 100
    with pytest.raises(DataError, match="group column 'g'"):
        fit_groups("F =~ x1 + x2 + x3", data, "g")
    data.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "m.lav").write_text("F =~ x1 + x2 + x3\n")
    result = cli("invariance", tmp_path / "m.lav", "--data", tmp_path / "d.csv", "--group", "g")
    assert result.exit_code == 2 and "group column 'g'" in result.stderr
    assert not marker.exists()


@pytest.mark.parametrize("text, fragment", [
    ("\n".join(f"F{i} =~ x{i}_1 + x{i}_2 + x{i}_3" for i in range(1000)),
     r"1,000 constructs \(latent variables\), more than the 100"),
    ("y ~ " + " + ".join(f"x{i}" for i in range(600)), "601 observed variables, more than the 500"),
])
def test_models_too_large_to_read_are_refused_at_once(text, fragment):
    """A 32 KB spec of 1,000 constructs took 66 s to build its parameter table before."""
    start = time.perf_counter()
    with pytest.raises(SpecificationError, match=fragment):
        ModelSpec.from_lavaan(text)
    assert time.perf_counter() - start < 1.0


def test_error_lines_carry_no_terminal_escape_sequences(tmp_path):
    """A file name with an ESC sequence is shown without its control characters."""
    path = tmp_path / "evil\x1b]0;pwned\x07.lav"
    path.write_bytes(b"\x00binary")
    result = cli("fit", path, "--data", "holzinger_swineford")
    assert result.exit_code == 2 and "binary file" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_study_page_title_is_escaped_once():
    import pandas as pd

    from loyaltysem.cli import _study_html

    page = _study_html("a&b <i>", "", pd.DataFrame(), False)
    assert "<title>a&amp;b &lt;i&gt;</title>" in page


@pytest.mark.parametrize("syntax", ["f1 := 0", "d := 2*3", "a == b\nf1 := 0"])
def test_a_spec_of_only_definitions_is_a_specification_error(syntax, tmp_path):
    """Found by the fuzzer: no model statements once left an empty table (KeyError)."""
    with pytest.raises(SpecificationError) as error:
        ModelSpec.from_lavaan(syntax)
    assert "statements" in str(error.value) or "label" in str(error.value)
    path = tmp_path / "m.lav"
    path.write_text(syntax + "\n")
    result = cli("fit", path, "--data", "holzinger_swineford")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "error" in result.output
