"""Fuzzing the spec readers (hypothesis): parse or refuse, within a second, and round-trip.

The contract, for lavaan syntax and YAML alike: reading a text either gives a
:class:`ModelSpec` or raises :class:`SpecificationError` (never another
exception), within a second; and every accepted spec's ``to_lavaan()``
reads back as the same model (parameter table, hypotheses, name).

Texts are generated two ways: structured (statements built from names,
operators, modifiers and expressions, valid and hostile) and mutated (the
shipped specs with characters inserted, deleted and replaced, lines repeated
and dropped). The default run (CI) tries 1,400 lavaan texts and 800 YAML
specs; ``python3 -m pytest -m slow tests/test_fuzz_spec.py`` runs the full
size of issue #10: 10,000 lavaan texts and 5,000 YAML specs.
"""
from __future__ import annotations

import time
import warnings

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyaltysem.exceptions import SpecificationError
from loyaltysem.spec import ModelSpec
from loyaltysem.spec.safe_yaml import load_yaml

from lavaan_reference import ROOT

LAVAAN_SHIPPED = [p.read_text() for p in sorted((ROOT / "models").glob("*.lav"))]
YAML_SHIPPED = [p.read_text() for p in sorted((ROOT / "models").glob("*.yaml"))]

VALID = ["f1", "f2", "F3", "x1", "x2", "x3", "x4", "x5", "x6", "y1", "y2", "a", "b", "c",
         "SAT", "TRU", "sat_1", "ä_1", "満足"]
HOSTILE = ["1x", "x.1", "a b", "a\nb", "NA", "lambda", "_lsp1", "x-y", "$x$", "\\input{x}",
           "<script>", "CONSTRAINT(1>0)", "ﬁ", "", "x" * 120, "__import__('os')", "é́"]
NAMES = st.sampled_from(VALID) | st.sampled_from(HOSTILE) | st.text(min_size=0, max_size=6)
NUMBERS = st.sampled_from(["0", "1", "-1", "0.5", "1e-3", "NA", "1e999", "nan", "+2", ".5"])
OPERATORS = st.sampled_from(["=~", "~", "~~", ":=", "<~", "==", "|", "~*~", "~ 1"])

# the sizes: (default run, full run with -m slow)
LAVAAN_CASES = (1400, 10_000)
YAML_CASES = (800, 5_000)


def _term() -> st.SearchStrategy[str]:
    modifier = st.one_of(st.just(""), NUMBERS.map(lambda n: f"{n}*"), NAMES.map(lambda n: f"{n}*"),
                         NAMES.map(lambda n: f"label('{n}')*"), st.just("start(0.5)*"),
                         st.just("c(a, b)*"))
    return st.builds(lambda m, n: m + n, modifier, NAMES)


def _expression() -> st.SearchStrategy[str]:
    leaf = st.one_of(NAMES, NUMBERS)
    return st.recursive(leaf, lambda inner: st.one_of(
        st.builds(lambda a, op, b: f"{a}{op}{b}", inner, st.sampled_from(
            ["+", "-", "*", "/", "^", "**", " ", "%", "."]), inner),
        inner.map(lambda e: f"({e})"), inner.map(lambda e: f"-{e}")), max_leaves=12)


def _statement() -> st.SearchStrategy[str]:
    regular = st.builds(lambda lhs, op, terms: f"{lhs} {op} " + " + ".join(terms),
                        NAMES, OPERATORS, st.lists(_term(), min_size=1, max_size=4))
    defined = st.builds(lambda name, expr: f"{name} := {expr}", NAMES, _expression())
    annotation = st.builds(lambda i, t, s, d: f"# @hypothesis {i}: {t} ({s}) {d}",
                           NAMES, st.sampled_from(["f1 -> f2", "f2 -> f1", "d", "f1 -> f2 -> y1"]),
                           st.sampled_from(["+", "-", "?"]), st.text(max_size=8))
    return st.one_of(regular, regular, defined, annotation,
                     st.sampled_from(["# comment", "! comment", "", ";", "+ x3", "@name m"]))


@st.composite
def structured_lavaan(draw) -> str:
    base = ["f1 =~ x1 + a*x2 + x3", "f2 =~ x4 + x5 + x6", "f2 ~ b*f1"]
    keep = draw(st.lists(st.sampled_from(base), max_size=3, unique=True))
    extra = draw(st.lists(_statement(), max_size=5))
    lines = draw(st.permutations(keep + extra))
    return draw(st.sampled_from(["\n", "; ", "\n\n"])).join(lines)


@st.composite
def mutated(draw, texts: list[str]) -> str:
    text = draw(st.sampled_from(texts))
    alphabet = "=~*+-:;#!()|<>'\"\n 01aAxé_.,\t\\$&{}[]?@^/"
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "repeat", "drop"]))
        position = draw(st.integers(0, max(len(text) - 1, 0)))
        if kind == "insert":
            text = text[:position] + draw(st.text(alphabet, min_size=1, max_size=8)) + text[position:]
        elif kind == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 12)):]
        elif kind == "replace" and text:
            text = text[:position] + draw(st.sampled_from(alphabet)) + text[position + 1:]
        else:
            lines = text.splitlines()
            if lines:
                index = position % len(lines)
                lines = lines + [lines[index]] if kind == "repeat" else lines[:index] + lines[index + 1:]
                text = "\n".join(lines)
    return text


@st.composite
def structured_yaml(draw) -> str:
    names = NAMES | st.integers(-3, 3) | st.none() | st.booleans() | st.floats(allow_nan=True)
    scalar_or_list = names | st.lists(names, max_size=4)
    body = {"constructs": draw(st.one_of(
        st.dictionaries(NAMES, scalar_or_list | st.fixed_dictionaries(
            {"items": scalar_or_list}, optional={"description": names}), max_size=3),
        st.just({"F1": ["x1", "x2", "x3"], "F2": ["x4", "x5", "x6"]}), names))}
    optional = {
        "paths": st.lists(st.one_of(
            st.sampled_from(["F1 -> F2", "F2 ~ F1", "F1 -> F2 -> F1", "F1 <- F2", "x ~~ y"]),
            st.fixed_dictionaries({"from": names, "to": names},
                                  optional={"label": names, "fixed": names})), max_size=3) | names,
        "covariances": st.lists(st.one_of(
            st.sampled_from(["x1 ~~ x2", "F1 ~~ F2", "x1 ~~ 0*x4"]),
            st.fixed_dictionaries({"between": st.lists(names, max_size=3)},
                                  optional={"fixed": names, "label": names})), max_size=2) | names,
        "covariates": st.lists(names, max_size=2) | names,
        "defined": st.dictionaries(NAMES, _expression(), max_size=2) | names,
        "hypotheses": st.lists(st.fixed_dictionaries(
            {"id": names}, optional={"path": st.sampled_from(["F1 -> F2", "F2 -> F1", "F1"]),
                                     "indirect": names, "effect": names, "sign": names,
                                     "description": names}), max_size=2) | names,
        "name": names, "description": names, "lavaan": names | st.just("x1 ~~ x3"),
        "single_item_error_variance": names, "unknown": names,
    }
    for key, strategy in optional.items():
        if draw(st.booleans()) and draw(st.booleans()):
            body[key] = draw(strategy)
    return yaml.safe_dump(body, allow_unicode=True)


def _read(text: str, fmt: str) -> ModelSpec | None:
    """Read a text as the CLI would; None when it is refused with a SpecificationError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if fmt == "yaml":
                return ModelSpec.from_dict(load_yaml(text, source="fuzz.yaml"), source="fuzz.yaml")
            return ModelSpec.from_lavaan(text, source="fuzz.lav")
    except SpecificationError:
        return None


def check_contract(text: str, fmt: str) -> None:
    start = time.perf_counter()
    spec = _read(text, fmt)
    # a guard against runaway parsing (it takes milliseconds), with room for a loaded machine
    assert time.perf_counter() - start < 3.0, f"took over three seconds: {text!r}"
    if spec is None:
        return
    rendered = spec.to_lavaan()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = ModelSpec.from_lavaan(rendered)
    assert again.same_model_as(spec), rendered
    assert again.hypotheses == spec.hypotheses, rendered
    assert again.name == spec.name.strip(), rendered


def _run(strategy: st.SearchStrategy[str], fmt: str, examples: int) -> None:
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def case(text: str) -> None:
        check_contract(text, fmt)

    case()


LAVAAN = st.one_of(structured_lavaan(), mutated(LAVAAN_SHIPPED))
YAML = st.one_of(structured_yaml(), mutated(YAML_SHIPPED))


def test_fuzz_lavaan_syntax():
    _run(LAVAAN, "lavaan", LAVAAN_CASES[0])


def test_fuzz_yaml_specs():
    _run(YAML, "yaml", YAML_CASES[0])


@pytest.mark.slow
def test_fuzz_lavaan_syntax_full_size():
    _run(LAVAAN, "lavaan", LAVAAN_CASES[1])


@pytest.mark.slow
def test_fuzz_yaml_specs_full_size():
    _run(YAML, "yaml", YAML_CASES[1])


@pytest.mark.parametrize("text", [
    "f1 =~ x1 + x2 + x3\n# @hypothesis H1: f1 -> f1 (+)",
    "f1 =~ x1 + x2 + x3\nd := 1e999^2",
    "@name m\nf1 =~ x1 + x2 + x3",
])
def test_fuzz_regressions(text):
    """Cases the fuzzer found, kept so they stay fixed."""
    check_contract(text, "lavaan")
