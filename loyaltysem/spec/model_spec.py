"""ModelSpec: a loyalty model, validated when it is built."""
from __future__ import annotations

import dataclasses
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
from .partable import (
    VariableRoles,
    build_parameter_table,
    check_identification,
    constraint_statements,
)
from .names import (
    MAX_LATENT_VARIABLES,
    MAX_OBSERVED_VARIABLES,
    MAX_STATEMENTS,
    describe_bad_name,
    is_valid_name,
    text_problem,
)
from .scales import check_scales_and_keys, item_scales, scale_annotations
from .statements import CONSTRAINT_OPERATORS, OPERATORS, Statement

Sign = Literal["+", "-"]


@dataclass(frozen=True)
class Construct:
    """A construct and its survey items.

    ``mode`` is ``"A"`` for a reflective construct (``=~``) and ``"B"`` for a
    composite (``<~``, formative), the PLS-SEM estimation modes (Lohmöller 1989).
    """

    name: str
    items: tuple[str, ...]
    description: str = ""
    mode: Literal["A", "B"] = "A"


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
    meanstructure : bool
        lavaan's ``meanstructure = TRUE``: intercepts of every observed variable
        (free) and latent means (0) in the parameter table. Also on when the
        statements write any ``~1``.
    std_lv : bool
        lavaan's ``std.lv = TRUE``: the latent variables' (residual) variances
        are fixed at 1 and their first loadings are free.
    composites : frozenset of str
        Constructs that are composites (formative, estimated in Mode B by
        PLS-SEM): written ``f <~ x1 + x2`` in lavaan syntax or ``mode: B`` in
        YAML. Their items are held as ``=~`` statements; covariance-based fits
        refuse a spec with composites (see :attr:`parameter_table`).
    scales : mapping of str to (float, float)
        Declared answer scales of items, ``{"loy_1": (1, 7)}``: values outside
        are refused by the data checks (:mod:`loyaltysem.data.scales`).
    reverse : frozenset of str
        Reverse-keyed items (each with a declared scale), recoded as
        ``min + max - x`` before any fit, and said so in its output.
    thresholds : tuple of Statement
        Thresholds written in lavaan syntax (``item | t1 + 0*t2 + a*t3``: fixed or
        labelled; those not written are free), for the fits of ordinal items; their
        items are ordinal.
    ordered : frozenset of str
        Ordinal items (YAML ``ordered: true`` at the top or on a construct, or a list;
        lavaan syntax ``# @ordered all`` or ``# @ordered item ...``): :func:`loyaltysem.fit`
        fits them by WLSMV on polychoric correlations unless told otherwise.

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
    meanstructure: bool = False
    std_lv: bool = False
    composites: frozenset[str] = frozenset()
    scales: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    reverse: frozenset[str] = frozenset()
    ordered: frozenset[str] = frozenset()
    thresholds: tuple[Statement, ...] = ()

    def __post_init__(self) -> None:
        statements, composites = _split_composites(tuple(self.statements), self.composites,
                                                   self.source)
        written = tuple(s for s in statements if s.op == "|")
        if written:  # lavaan: an item with thresholds in the model is ordinal
            statements = tuple(s for s in statements if s.op != "|")
            object.__setattr__(self, "thresholds", tuple(self.thresholds) + written)
            object.__setattr__(self, "ordered",
                               frozenset(self.ordered) | {s.lhs for s in written})
        object.__setattr__(self, "thresholds", tuple(self.thresholds))
        object.__setattr__(self, "statements", statements)
        object.__setattr__(self, "composites", composites)
        object.__setattr__(self, "hypotheses", tuple(self.hypotheses))
        object.__setattr__(self, "construct_descriptions",
                           MappingProxyType(dict(self.construct_descriptions)))
        object.__setattr__(self, "scales", MappingProxyType(dict(self.scales)))
        object.__setattr__(self, "reverse", frozenset(self.reverse))
        object.__setattr__(self, "ordered", frozenset(self.ordered))
        self._check()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["construct_descriptions"] = dict(self.construct_descriptions)
        state["scales"] = dict(self.scales)
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        state["construct_descriptions"] = MappingProxyType(state["construct_descriptions"])
        state["scales"] = MappingProxyType(state.get("scales", {}))
        state.setdefault("reverse", frozenset())
        state.setdefault("ordered", frozenset())
        state.setdefault("thresholds", ())
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
            if statement.op in CONSTRAINT_OPERATORS:
                continue  # expressions over labels: checked by _check_constraints
            check("defined effect" if statement.op == ":=" else "variable", statement.lhs,
                  statement.line)
            if statement.op == "~1":
                if statement.rhs != "":
                    raise self._error(f"an intercept row ({statement.lhs} ~1) has no right-hand "
                                      f"variable; got {statement.rhs!r}", statement.line)
            elif statement.op != ":=":
                check("variable", statement.rhs, statement.line)
            for label in {statement.label, *(g.label for g in statement.groups)} - {None}:
                check("label", label, statement.line)
            for factor in statement.product or ():
                check("variable", factor, statement.line)
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
        observed = {name for s in self.statements if s.op not in (":=", *CONSTRAINT_OPERATORS)
                    for name in (s.lhs, s.rhs) if isinstance(name, str) and name} - latent
        for kind, count, limit in (("constructs (latent variables)", len(latent),
                                    MAX_LATENT_VARIABLES),
                                   ("observed variables", len(observed), MAX_OBSERVED_VARIABLES)):
            if count > limit:
                raise self._error(f"the model has {count:,} {kind}, more than the {limit:,} "
                                  "loyaltysem fits; split it into smaller models")

    def _check_thresholds(self) -> None:
        """Thresholds of observed variables, each written once, valid labels."""
        observed = set(self.roles.observed)
        seen: set[tuple[str, str]] = set()
        for statement in self.thresholds:
            if statement.lhs not in observed:
                raise self._error(f"{statement.lhs} | {statement.rhs}: {statement.lhs!r} is not "
                                  "an observed variable of the model; thresholds belong to its "
                                  "ordinal items", statement.line)
            if (statement.lhs, statement.rhs) in seen:
                raise self._error(f"duplicate threshold {statement.lhs} | {statement.rhs}: "
                                  "write each once", statement.line)
            seen.add((statement.lhs, statement.rhs))
            for label in {statement.label, *(g.label for g in statement.groups)} - {None}:
                if not is_valid_name(label):
                    raise self._error(describe_bad_name("label", label), statement.line)
            if statement.fixed is not None and not math.isfinite(float(statement.fixed)):
                raise self._error(f"{statement.lhs} | {statement.rhs}: the fixed value must be "
                                  "a finite number", statement.line)

    def _check(self) -> None:
        self._check_names()
        self._check_interactions({s.lhs for s in self.statements if s.op == "=~"})
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
        for name in sorted(self.composites - latent):
            raise self._error(f"composite {name!r} has no items; write '{name} <~ item_1 + "
                              "item_2' (or list its items in YAML with mode: B)")
        for statement in self.statements:
            if statement.op == "=~" and statement.lhs == statement.rhs:
                raise self._error(f"construct {statement.lhs!r} is measured by itself", statement.line)
            if statement.op == "~" and statement.lhs == statement.rhs:
                raise self._error(f"{statement.lhs!r} is regressed on itself", statement.line)
        self._check_thresholds()
        for option in ("meanstructure", "std_lv"):
            if not isinstance(getattr(self, option), bool):
                raise self._error(f"{option} must be true or false; got "
                                  f"{getattr(self, option)!r}"[:200])
        labels = self.labels
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
        self._check_constraints(labels, defined_names)
        self._check_hypotheses(defined_names)
        check_scales_and_keys(self.scales, self.reverse, set(self.roles.observed), self.source)
        unknown = sorted(set(self.ordered) - set(self.roles.observed))
        if unknown:
            raise self._error(f"ordered lists {', '.join(map(repr, unknown))}, which "
                              "are not items of the model; correct the names")
        if self.composites or self.latent_interactions:
            return  # a PLS-SEM model: the covariance-based checks do not apply
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
        n_equalities = sum(1 for c in self.constraints if c.op == "==")
        check_identification(self.parameter_table, self.roles, source=self.source,
                             n_constraints=n_equalities)

    def _check_interactions(self, latent: set[str]) -> None:
        """``y ~ x1:x2``: two observed factors; the product's name is not used otherwise."""
        products = {s.rhs: s.product for s in self.statements if s.product}
        for statement in self.statements:
            if statement.product:
                bad = [f for f in statement.product if f in latent]
                if len(bad) == 1:
                    raise self._error(
                        f"the interaction {':'.join(statement.product)} multiplies the "
                        f"construct {bad[0]!r} by an observed variable; multiply observed "
                        "variables (lavaan's x1:x2), or two constructs (a PLS-SEM moderation: "
                        "make the variable a single-item construct)", statement.line)
                if statement.product[0] == statement.product[1]:
                    raise self._error(f"the interaction {':'.join(statement.product)} multiplies "
                                      "a variable by itself; write its square as a data column",
                                      statement.line)
            elif statement.op not in (":=", *CONSTRAINT_OPERATORS):
                for name in (statement.lhs, statement.rhs):
                    if name in products:
                        raise self._error(
                            f"{name!r} is the name loyaltysem gives the product "
                            f"{':'.join(products[name])}; rename that variable", statement.line)

    def _check_constraints(self, labels: set[str], defined_names: set[str]) -> None:
        """``==``, ``<``, ``>``: arithmetic over labels (and defined names) on both sides."""
        for statement in self.statements:
            if statement.op not in CONSTRAINT_OPERATORS:
                continue
            text = f"{statement.lhs} {statement.op} {statement.rhs}"
            names: list[str] = []
            for side in (statement.lhs, statement.rhs):
                try:
                    names += parse_expression(side).names
                except ExpressionError as error:
                    raise self._error(f"the constraint {text}: {error}", statement.line) from error
            unknown = [n for n in names if n not in labels and n not in defined_names]
            if unknown:
                raise self._error(
                    f"the constraint {text} uses {', '.join(map(repr, unknown))}, which is not "
                    "a label; label the parameters first (e.g. 'f =~ a*x2')", statement.line)
            if not names:
                raise self._error(f"the constraint {text} has no label on either side",
                                  statement.line)

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

    def _refuse_composites(self) -> None:
        if self.latent_interactions:
            name, (a, b) = next(iter(self.latent_interactions.items()))
            raise self._error(
                f"the interaction {a}:{b} multiplies two constructs, which covariance-based "
                "SEM does not estimate here; fit the moderation by PLS-SEM (loyaltysem pls: "
                "two-stage), or multiply observed variables")
        if self.composites:
            names = ", ".join(sorted(self.composites))
            raise self._error(
                f"construct(s) {names} are composites (<~, mode: B), which covariance-based "
                "SEM does not estimate here; fit the model by PLS-SEM (loyaltysem pls, "
                "loyaltysem.pls.fit_pls), or measure the construct reflectively (=~, mode: A)")

    @cached_property
    def parameter_table(self) -> pd.DataFrame:
        """The full parameter table with lavaan's defaults (see :mod:`.partable`).

        Raises
        ------
        SpecificationError
            For a spec with composites (Mode B constructs): they are estimated
            by PLS-SEM only.
        """
        self._refuse_composites()
        return build_parameter_table(self.statements, source=self.source,
                                     meanstructure=self.meanstructure, std_lv=self.std_lv)

    @property
    def labels(self) -> set[str]:
        """Every label written (``a*x``, and each group's of ``c(a, b)*x``)."""
        return {label for s in self.statements
                for label in (s.label, *(g.label for g in s.groups)) if label}

    @property
    def constraints(self) -> tuple[Statement, ...]:
        """The ``==``/``<``/``>`` statements the parameter table does not absorb: every
        inequality, and equalities other than label == label or label == number."""
        return constraint_statements(self.statements)

    @property
    def interactions(self) -> dict[str, tuple[str, str]]:
        """Product columns of ``y ~ x1:x2``: internal name → the two factors."""
        return {s.rhs: s.product for s in self.statements if s.product}

    @property
    def latent_interactions(self) -> dict[str, tuple[str, str]]:
        """Products of two constructs (``y ~ A:M``, a PLS-SEM moderation): name → factors."""
        latent = {s.lhs for s in self.statements if s.op == "=~"}
        return {name: pair for name, pair in self.interactions.items()
                if pair[0] in latent and pair[1] in latent}

    @property
    def n_groups_written(self) -> int:
        """The most groups a ``c(...)`` modifier lists (1 without any)."""
        return max([len(s.groups) for s in self.statements] + [1])

    def with_options(self, *, meanstructure: bool | None = None,
                     std_lv: bool | None = None) -> "ModelSpec":
        """The same model with lavaan's ``meanstructure``/``std.lv`` switched (a new spec)."""
        new_meanstructure = self.meanstructure if meanstructure is None else meanstructure
        new_std_lv = self.std_lv if std_lv is None else std_lv
        if (new_meanstructure, new_std_lv) == (self.meanstructure, self.std_lv):
            return self
        return dataclasses.replace(self, meanstructure=new_meanstructure, std_lv=new_std_lv)

    def with_parameter_table(self, table: pd.DataFrame) -> "ModelSpec":
        """The same model with ``table`` as its parameter table: the table a fit rewrote
        from the spec's (lavaan's table with ordinal items: thresholds, fixed residual
        variances), so that the result's spec, ``theta`` and ``vcov`` number the free
        parameters alike."""
        new = dataclasses.replace(self)
        new.__dict__["parameter_table"] = table
        return new

    def group_table(self, group: int, n_groups: int, *,
                    free_latent_means: bool = False) -> pd.DataFrame:
        """The parameter table of one group of a multi-group model (mean structure on).

        Each statement takes its ``c(...)`` modifier of that group (lavaan's
        per-group labels and values); lavaan's defaults are applied as in
        :attr:`parameter_table`, so every group's table has the same rows.

        Raises
        ------
        SpecificationError
            When a ``c(...)`` modifier does not list one value per group.
        """
        statements = []
        for statement in self.statements:
            if statement.groups and len(statement.groups) != n_groups:
                raise self._error(
                    f"{statement.to_lavaan()}: c(...) lists {len(statement.groups)} values but "
                    f"the data has {n_groups} groups; give one value per group", statement.line)
            if statement.groups:
                modifier = statement.groups[group]
                statement = dataclasses.replace(statement, label=modifier.label,
                                                fixed=modifier.fixed,
                                                free_explicit=modifier.free_explicit)
            statements.append(statement)
        self._refuse_composites()
        return build_parameter_table(statements, source=self.source, meanstructure=True,
                                     std_lv=self.std_lv, free_latent_means=free_latent_means)

    @property
    def constructs(self) -> dict[str, Construct]:
        """Latent constructs → items, in the order written."""
        items: dict[str, list[str]] = {}
        for statement in self.statements:
            if statement.op == "=~":
                items.setdefault(statement.lhs, []).append(statement.rhs)
        return {name: Construct(name, tuple(names), self.construct_descriptions.get(name, ""),
                                "B" if name in self.composites else "A")
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

    @cached_property
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
        statements = [dataclasses.replace(s, op="<~")
                      if s.op == "=~" and s.lhs in self.composites else s
                      for s in self.statements]
        header += scale_annotations(self.scales, self.reverse)
        if self.ordered:
            header.append("@ordered " + " ".join(
                v for v in self.roles.observed if v in self.ordered))
        return render_lavaan(statements + list(self.thresholds), header="\n".join(header))

    @classmethod
    def from_lavaan(cls, text: str, *, name: str = "model", source: str | None = None,
                    hypotheses: Sequence[Hypothesis] = (), description: str = "") -> "ModelSpec":
        """Build from lavaan syntax (``# @hypothesis`` comments are read too)."""
        from .annotations import read_annotations

        if not isinstance(text, str):
            raise SpecificationError(f"lavaan syntax must be text, got {type(text).__name__}",
                                     source=source)
        annotations = read_annotations(text, source=source)
        statements = parse_lavaan(text, source=source)
        ordered = annotations.get("ordered", frozenset())
        if "all" in ordered:
            from .scales import indicator_items

            ordered = frozenset(indicator_items(statements)) | (ordered - {"all"})
        return cls(
            statements=statements,
            name=annotations.get("name", name),
            description=description or annotations.get("description", ""),
            hypotheses=tuple(hypotheses) or annotations.get("hypotheses", ()),
            source=source,
            scales=item_scales(annotations.get("scale_lines", ()), statements),
            reverse=annotations.get("reverse", frozenset()),
            ordered=ordered,
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

        if self.composites or other.composites:
            return self.composites == other.composites and (
                {s.key for s in self.statements} == {s.key for s in other.statements})
        return canonical(self.parameter_table).equals(canonical(other.parameter_table))


def _split_composites(statements: tuple[Statement, ...], composites: object,
                      source: str | None) -> tuple[tuple[Statement, ...], frozenset[str]]:
    """``f <~ x`` statements → ``f =~ x`` with ``f`` among the composites (Mode B).

    A construct is measured one way: both ``f =~ x1`` and ``f <~ x2`` is an error.
    """
    if isinstance(composites, str) or not isinstance(composites, (set, frozenset, tuple,
                                                                  list)):
        raise SpecificationError("composites must be a set of construct names, got "
                                 f"{type(composites).__name__}", source=source)
    names = set(composites)
    written = {s.lhs for s in statements if s.op == "<~"}
    reflective = {s.lhs for s in statements if s.op == "=~"} - names
    both = sorted(written & reflective)
    if both:
        raise SpecificationError(
            f"construct {both[0]!r} is written both with =~ (reflective) and <~ (composite); "
            "choose one mode for all of its items", source=source)
    converted = tuple(dataclasses.replace(s, op="=~") if s.op == "<~" else s
                      for s in statements)
    return converted, frozenset(names | written)
