"""ModelSpec: a loyalty model, validated when it is built."""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Literal

import pandas as pd

from ..exceptions import SpecificationError
from .expressions import ExpressionError, parse_expression
from .lavaan_syntax import parse_lavaan, render_lavaan
from .partable import VariableRoles, build_parameter_table, check_identification
from .names import (
    MAX_LATENT_VARIABLES,
    MAX_OBSERVED_VARIABLES,
    MAX_STATEMENTS,
    describe_bad_name,
    is_valid_name,
    text_problem,
)
from .statements import OPERATORS, Statement

Sign = Literal["+", "-"]


@dataclass(frozen=True)
class Construct:
    """A latent construct and its survey items (reflective measurement)."""

    name: str
    items: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class Hypothesis:
    """A directional claim to test.

    Parameters
    ----------
    id : str
        For example ``"H1"``.
    chain : tuple of str
        Two constructs for a direct path (``("SAT", "TRU")`` means SAT → TRU),
        three or more for a specific (serial) indirect effect; empty when the
        hypothesis is about a defined effect.
    sign : {"+", "-"}
        The expected sign.
    effect : str, optional
        Name of a ``:=`` defined effect the hypothesis is about.
    description : str
    """

    id: str
    chain: tuple[str, ...] = ()
    sign: Sign = "+"
    effect: str | None = None
    description: str = ""

    @property
    def kind(self) -> Literal["path", "indirect", "effect"]:
        """``"path"``, ``"indirect"`` or ``"effect"``."""
        if self.effect is not None:
            return "effect"
        return "path" if len(self.chain) == 2 else "indirect"

    def __str__(self) -> str:
        target = self.effect if self.effect is not None else " -> ".join(self.chain)
        return f"{self.id}: {target} ({self.sign})"


@dataclass(frozen=True)
class ModelSpec:
    """A structural equation model of loyalty.

    Build it with :func:`loyaltysem.spec.load_spec` (YAML or lavaan files),
    :meth:`from_lavaan` or :meth:`from_dict`; it is checked when built.

    Parameters
    ----------
    statements : tuple of Statement
        The model in lavaan terms.
    name : str
    description : str
    hypotheses : tuple of Hypothesis
    construct_descriptions : mapping of str to str
    source : str, optional
        Where the spec was read from (for messages).

    Raises
    ------
    SpecificationError
        Duplicate statements, a construct measured by itself, ``:=`` over
        unknown labels, hypotheses about paths the model does not have.
    NotIdentifiedError
        More free parameters than observed moments.
    """

    statements: tuple[Statement, ...]
    name: str = "model"
    description: str = ""
    hypotheses: tuple[Hypothesis, ...] = ()
    construct_descriptions: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "statements", tuple(self.statements))
        object.__setattr__(self, "hypotheses", tuple(self.hypotheses))
        object.__setattr__(self, "construct_descriptions",
                           MappingProxyType(dict(self.construct_descriptions)))
        self._check()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["construct_descriptions"] = dict(self.construct_descriptions)
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        state["construct_descriptions"] = MappingProxyType(state["construct_descriptions"])
        self.__dict__.update(state)

    # ------------------------------------------------------------------ checks
    def _error(self, message: str, line: int | None = None) -> SpecificationError:
        return SpecificationError(message, source=self.source, line=line)

    def _check_names(self) -> None:
        """The naming rule (:mod:`.names`) for every name, before anything else is looked at."""
        def check(kind: str, name: object, line: int | None = None) -> None:
            if not is_valid_name(name):
                raise self._error(describe_bad_name(kind, name), line)

        self._check_size()
        for statement in self.statements:
            if statement.op not in OPERATORS:
                raise self._error(f"unknown operator {statement.op!r}", statement.line)
            check("defined effect" if statement.op == ":=" else "variable", statement.lhs,
                  statement.line)
            if statement.op != ":=":
                check("variable", statement.rhs, statement.line)
            if statement.label is not None:
                check("label", statement.label, statement.line)
            if statement.fixed is not None and not (
                    isinstance(statement.fixed, (int, float)) and math.isfinite(statement.fixed)):
                raise self._error(f"{statement.lhs} {statement.op} {statement.rhs}: the fixed "
                                  f"value {statement.fixed!r} must be a finite number",
                                  statement.line)
        for hypothesis in self.hypotheses:
            check("hypothesis id", hypothesis.id)
            for name in hypothesis.chain:
                check("construct", name)
            if hypothesis.effect is not None:
                check("defined effect", hypothesis.effect)
            problem = text_problem(hypothesis.description, multiline=False)
            if problem:
                raise self._error(f"the description of hypothesis {hypothesis.id} {problem}")
        for kind, text, multiline in (("model name", self.name, False),
                                      ("description", self.description, True)):
            problem = text_problem(text, multiline=multiline)
            if problem:
                raise self._error(f"the {kind} {problem}")
        for construct, text in self.construct_descriptions.items():
            problem = text_problem(text, multiline=True)
            if problem:
                raise self._error(f"the description of construct {construct!r} {problem}")

    def _check_size(self) -> None:
        """Bounds of :mod:`.names`, checked before any quadratic work (the parameter table)."""
        if len(self.statements) > MAX_STATEMENTS:
            raise self._error(f"the model has {len(self.statements):,} statements, more than the "
                              f"{MAX_STATEMENTS:,} loyaltysem reads")
        latent = {s.lhs for s in self.statements if s.op == "=~"}
        observed = {name for s in self.statements if s.op != ":=" for name in (s.lhs, s.rhs)
                    if isinstance(name, str)} - latent
        for kind, count, limit in (("constructs (latent variables)", len(latent),
                                    MAX_LATENT_VARIABLES),
                                   ("observed variables", len(observed), MAX_OBSERVED_VARIABLES)):
            if count > limit:
                raise self._error(f"the model has {count:,} {kind}, more than the {limit:,} "
                                  "loyaltysem fits; split it into smaller models")

    def _check(self) -> None:
        self._check_names()
        seen: dict[tuple[str, str, str], Statement] = {}
        for statement in self.statements:
            if statement.op != ":=" and statement.key in seen:
                first = seen[statement.key]
                where = f" (first at line {first.line})" if first.line else ""
                raise self._error(
                    f"duplicate statement {statement.lhs} {statement.op} {statement.rhs}{where}: "
                    "write each parameter once", statement.line)
            seen[statement.key] = statement
        latent = {s.lhs for s in self.statements if s.op == "=~"}
        for statement in self.statements:
            if statement.op == "=~" and statement.lhs == statement.rhs:
                raise self._error(f"construct {statement.lhs!r} is measured by itself", statement.line)
            if statement.op == "~" and statement.lhs == statement.rhs:
                raise self._error(f"{statement.lhs!r} is regressed on itself", statement.line)
        labels = {s.label for s in self.statements if s.label}
        defined_names: set[str] = set()
        for statement in self.statements:
            if statement.op != ":=":
                continue
            if statement.lhs in labels or statement.lhs in defined_names:
                raise self._error(f"the defined name {statement.lhs!r} is already used", statement.line)
            if statement.lhs in latent or statement.lhs in self.roles.observed:
                raise self._error(f"the defined name {statement.lhs!r} is also a variable", statement.line)
            try:
                expression = parse_expression(statement.rhs)
            except ExpressionError as error:
                raise self._error(f"{statement.lhs} := {statement.rhs}: {error}", statement.line) from error
            unknown = [n for n in expression.names if n not in labels and n not in defined_names]
            if unknown:
                raise self._error(
                    f"{statement.lhs} := {statement.rhs} uses {', '.join(map(repr, unknown))}, "
                    "which is not a label; label the parameters first (e.g. 'y ~ a*x')",
                    statement.line)
            defined_names.add(statement.lhs)
        self._check_hypotheses(defined_names)
        for construct in self.constructs.values():
            if len(construct.items) == 1:
                item = construct.items[0]
                fixed = any(s.op == "~~" and s.lhs == item and s.rhs == item and s.fixed is not None
                            for s in self.statements)
                if not fixed:
                    warnings.warn(
                        f"construct {construct.name!r} has one item ({item}) and a free residual "
                        f"variance, so it is not identified; fix it, e.g. '{item} ~~ 0*{item}'",
                        UserWarning, stacklevel=4)
        check_identification(self.parameter_table, self.roles, source=self.source)

    def _check_hypotheses(self, defined_names: set[str]) -> None:
        ids: set[str] = set()
        regressions = {(s.rhs, s.lhs) for s in self.statements if s.op == "~"}
        for hypothesis in self.hypotheses:
            if hypothesis.id in ids:
                raise self._error(f"hypothesis id {hypothesis.id!r} is used twice")
            ids.add(hypothesis.id)
            if hypothesis.sign not in ("+", "-"):
                raise self._error(f"hypothesis {hypothesis.id}: sign must be '+' or '-', got {hypothesis.sign!r}")
            if hypothesis.effect is not None:
                if hypothesis.effect not in defined_names:
                    raise self._error(f"hypothesis {hypothesis.id} is about {hypothesis.effect!r}, "
                                      "which is not a defined effect (:=)")
                continue
            if len(hypothesis.chain) < 2:
                raise self._error(f"hypothesis {hypothesis.id} needs a path such as 'SAT -> TRU'")
            for a, b in zip(hypothesis.chain, hypothesis.chain[1:]):
                if (a, b) not in regressions:
                    raise self._error(
                        f"hypothesis {hypothesis.id} uses the path {a} -> {b}, which the model "
                        f"does not have; add '{b} ~ {a}' or correct the hypothesis")

    # -------------------------------------------------------------- structure
    @cached_property
    def roles(self) -> VariableRoles:
        """Variable classification (latent, observed, exogenous, ...)."""
        return VariableRoles.from_statements(self.statements)

    @cached_property
    def parameter_table(self) -> pd.DataFrame:
        """The full parameter table with lavaan's defaults (see :mod:`.partable`)."""
        return build_parameter_table(self.statements, source=self.source)

    @property
    def constructs(self) -> dict[str, Construct]:
        """Latent constructs → items, in the order written."""
        items: dict[str, list[str]] = {}
        for statement in self.statements:
            if statement.op == "=~":
                items.setdefault(statement.lhs, []).append(statement.rhs)
        return {name: Construct(name, tuple(names), self.construct_descriptions.get(name, ""))
                for name, names in items.items()}

    @property
    def observed_variables(self) -> tuple[str, ...]:
        """Every observed variable the model uses (the columns it needs)."""
        return self.roles.observed

    @property
    def structural_paths(self) -> tuple[tuple[str, str], ...]:
        """``(from, to)`` pairs of the regressions."""
        return tuple((s.rhs, s.lhs) for s in self.statements if s.op == "~")

    @property
    def defined_effects(self) -> dict[str, str]:
        """Defined effect name → expression."""
        return {s.lhs: s.rhs for s in self.statements if s.op == ":="}

    @property
    def n_free_parameters(self) -> int:
        """Number of free parameters (shared labels count once; 0 for an empty table)."""
        free = self.parameter_table["free"]
        return int(free.max()) if len(free) else 0

    # ---------------------------------------------------------------- io
    def to_lavaan(self) -> str:
        """Render as lavaan syntax; hypotheses become ``# @hypothesis`` comments."""
        header = [f"@name {self.name}"]
        if self.description.strip():
            header += [f"@description {line}".rstrip()
                       for line in self.description.strip().splitlines()]
        for hypothesis in self.hypotheses:
            target = hypothesis.effect if hypothesis.effect else " -> ".join(hypothesis.chain)
            text = f"@hypothesis {hypothesis.id}: {target} ({hypothesis.sign})"
            if hypothesis.description:
                text += f" {hypothesis.description}"
            header.append(text)
        return render_lavaan(self.statements, header="\n".join(header))

    @classmethod
    def from_lavaan(cls, text: str, *, name: str = "model", source: str | None = None,
                    hypotheses: Sequence[Hypothesis] = (), description: str = "") -> "ModelSpec":
        """Build from lavaan syntax (``# @hypothesis`` comments are read too)."""
        from .annotations import read_annotations

        if not isinstance(text, str):
            raise SpecificationError(f"lavaan syntax must be text, got {type(text).__name__}",
                                     source=source)
        annotations = read_annotations(text, source=source)
        return cls(
            statements=parse_lavaan(text, source=source),
            name=annotations.get("name", name),
            description=description or annotations.get("description", ""),
            hypotheses=tuple(hypotheses) or annotations.get("hypotheses", ()),
            source=source,
        )

    @classmethod
    def from_dict(cls, data: Mapping, *, source: str | None = None) -> "ModelSpec":
        """Build from the YAML structure documented in docs/spec-format.md."""
        from .yaml_format import spec_from_mapping

        return spec_from_mapping(data, source=source)

    def same_model_as(self, other: "ModelSpec") -> bool:
        """True if both specs give the same parameter table (names, ops, free/fixed, values)."""
        columns = ["lhs", "op", "rhs", "free", "ustart", "exo"]

        def canonical(table: pd.DataFrame) -> pd.DataFrame:
            table = table[columns].copy()
            swap = (table["op"] == "~~") & (table["rhs"] < table["lhs"])
            table.loc[swap, ["lhs", "rhs"]] = table.loc[swap, ["rhs", "lhs"]].to_numpy()
            table["free"] = table["free"] > 0
            return table.sort_values(["op", "lhs", "rhs"]).reset_index(drop=True)

        return canonical(self.parameter_table).equals(canonical(other.parameter_table))
