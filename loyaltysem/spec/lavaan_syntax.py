"""Read and write lavaan model syntax.

Supported (lavaan 0.6 model syntax):

- ``=~`` loadings, ``~`` regressions, ``~~`` (co)variances, ``:=`` defined
  parameters over labels (products, sums, differences, quotients, powers);
- intercepts and means ``x ~ 1`` (op ``~1``, any of them turns lavaan's mean
  structure on), constraints ``a == b``, ``a < 0.5``, ``a > b`` between
  expressions over labels, interactions of observed variables ``y ~ x1:x2``;
- modifiers on right-hand terms: labels (``a*x``, ``label("a")*x``), fixed
  values (``0*x``, ``1*x``, ``-0.5*x``), explicit freeing (``NA*x``), start
  values (``start(0.5)*x``, accepted and ignored: loyaltysem picks its own) and
  per-group modifiers (``c(a, b)*x``, ``c(1, NA)*x``);
- comments (``#`` and ``!``), several statements on a line separated by
  ``;``, and statements that continue over several lines (a line that ends
  with an operator or ``+``, or a line that begins with ``+``).

- composites ``f <~ x1 + x2`` (formative, Mode B): kept as op ``<~``;
  :class:`~loyaltysem.spec.ModelSpec` records them as constructs estimated in
  Mode B by PLS-SEM (covariance-based fits refuse them).

- thresholds ``item | t1 + 0*t2 + a*t3`` of ordinal items (the item becomes ordinal;
  thresholds not written are free, as lavaan's): :class:`~loyaltysem.spec.ModelSpec`
  keeps them apart (``thresholds``) for the fits of ordinal items.

Anything else lavaan knows (scaling factors ``~*~``) is rejected with a message that
names the line and says what to do instead.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from ..exceptions import SpecificationError
from .names import describe_bad_name, is_valid_name
from .statements import CONSTRAINT_OPERATORS, GroupModifier, Statement, product_name

_OPERATOR_PATTERN = re.compile(r"(:=|=~|~~|~\*~|<~|==|<|>|\|~|\||~)")
_UNSUPPORTED = {
    "~*~": "scaling factors (~*~) are set by the fit of ordinal items (ordered=, the "
           "parameterization), not written in the model",
    "|~": "thresholds (|~) are not supported",
}
_CONTINUES_AFTER = ("+", "*", "=~", "<~", "~", "~~", ":=", "(", ",")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_FUNCTION_MODIFIER = re.compile(r"^(label|equal|start)\((.*)\)$")
_GROUP_MODIFIER = re.compile(r"^c\((.*)\)$")
#: the most groups a c(...) modifier may list
MAX_GROUP_MODIFIERS = 1000


def _strip_comment(line: str) -> str:
    for marker in ("#", "!"):
        position = line.find(marker)
        if position >= 0:
            line = line[:position]
    return line.strip()


def _logical_statements(text: str) -> list[tuple[int, str]]:
    """Join continued lines and split on ``;``; return ``(first line, text)``."""
    statements: list[tuple[int, str]] = []
    current = ""
    start_line = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _strip_comment(raw)
        if not line:
            continue
        if current and (current.endswith(_CONTINUES_AFTER) or line.startswith(("+", "*"))):
            current = f"{current} {line}"
            continue
        if current:
            statements.append((start_line, current))
        current, start_line = line, number
    if current:
        statements.append((start_line, current))
    split: list[tuple[int, str]] = []
    for number, statement in statements:
        split.extend((number, part.strip()) for part in statement.split(";") if part.strip())
    return split


def _group_elements(argument: str, term: str, line: int, source: str | None
                    ) -> list[GroupModifier]:
    """The elements of ``c(...)``: numbers (fixed), ``NA`` (free) or labels."""
    parts = [part.strip().strip("'\"") for part in argument.split(",")]
    if len(parts) > MAX_GROUP_MODIFIERS:
        raise SpecificationError(f"c(...) in {term!r} lists {len(parts):,} groups, more than "
                                 f"{MAX_GROUP_MODIFIERS:,}", source=source, line=line)
    elements = []
    for part in parts:
        if _NUMBER.match(part):
            elements.append(GroupModifier(fixed=float(part)))
        elif part in ("NA", "NaN"):
            elements.append(GroupModifier(free_explicit=True))
        elif is_valid_name(part):
            elements.append(GroupModifier(label=part))
        else:
            raise SpecificationError(
                f"cannot read {part!r} in the modifier c({argument}) of {term!r}: each group "
                "takes a number (fixed value), NA (free) or a label; "
                + describe_bad_name("label", part), source=source, line=line)
    return elements


def _merge_groups(current: list[GroupModifier] | None, new: list[GroupModifier], term: str,
                  line: int, source: str | None) -> list[GroupModifier]:
    """Combine stacked ``c()`` modifiers (``c(1, NA)*c(a, b)*x``) element by element."""
    if current is None:
        return new
    if len(current) != len(new):
        raise SpecificationError(f"the c(...) modifiers of {term!r} list different numbers of "
                                 "groups", source=source, line=line)
    merged = []
    for old, extra in zip(current, new):
        fixed = extra.fixed if extra.fixed is not None else old.fixed
        merged.append(GroupModifier(label=extra.label or old.label, fixed=fixed,
                                    free_explicit=fixed is None and (old.free_explicit
                                                                     or extra.free_explicit)))
    return merged


def _parse_modifiers(
    modifiers: list[str], term: str, line: int, source: str | None
) -> tuple[str | None, float | None, bool, tuple[GroupModifier, ...]]:
    label: str | None = None
    fixed: float | None = None
    free_explicit = False
    groups: list[GroupModifier] | None = None
    for modifier in modifiers:
        modifier = modifier.strip()
        function = _FUNCTION_MODIFIER.match(modifier)
        per_group = _GROUP_MODIFIER.match(modifier)
        if _NUMBER.match(modifier):
            fixed = float(modifier)
        elif modifier in ("NA", "NaN"):
            free_explicit = True
        elif function:
            kind, argument = function.groups()
            argument = argument.strip().strip("'\"")
            if kind == "start":
                continue  # start values are accepted and ignored
            if not is_valid_name(argument):
                raise SpecificationError(describe_bad_name("label", argument),
                                         source=source, line=line)
            label = argument
        elif per_group:
            groups = _merge_groups(groups, _group_elements(per_group.group(1), term, line,
                                                           source), term, line, source)
        elif is_valid_name(modifier):
            label = modifier
        else:
            raise SpecificationError(
                f"cannot read the modifier {modifier!r} in {term!r}: use a number "
                "(fixed value), NA (free), a label such as a, or c(...) per group",
                source=source, line=line,
            )
    if groups is None:
        return label, fixed, free_explicit, ()
    # a plain modifier next to c(...) applies to every group
    groups = [GroupModifier(label=g.label or label,
                            fixed=g.fixed if g.fixed is not None else fixed,
                            free_explicit=g.free_explicit or (free_explicit and g.fixed is None))
              for g in groups]
    first = groups[0]
    return first.label, first.fixed, first.free_explicit, tuple(groups)


def _right_hand_name(operator: str, rhs: str, line: int, source: str | None
                     ) -> tuple[str, tuple[str, str] | None]:
    """A term's variable; ``x1:x2`` in a regression is an interaction (product column)."""
    if operator == "~" and ":" in rhs:
        factors = [part.strip() for part in rhs.split(":")]
        if len(factors) != 2:
            raise SpecificationError(
                f"the interaction {rhs!r} has {len(factors)} factors; loyaltysem reads products "
                "of two observed variables (x1:x2)", source=source, line=line)
        for factor in factors:
            if not is_valid_name(factor):
                raise SpecificationError(describe_bad_name("variable", factor),
                                         source=source, line=line)
        name = product_name(factors[0], factors[1])
        if not is_valid_name(name):
            raise SpecificationError(f"the interaction {rhs!r}: the names are too long for its "
                                     f"product column {name!r}; shorten them", source=source,
                                     line=line)
        return name, (factors[0], factors[1])
    if not is_valid_name(rhs):
        raise SpecificationError(describe_bad_name("variable", rhs), source=source, line=line)
    return rhs, None


def _split_terms(rhs: str) -> list[str]:
    """Split a right-hand side on ``+`` outside parentheses (``1e+05`` stays whole)."""
    terms, depth, current = [], 0, ""
    for index, char in enumerate(rhs):
        depth += {"(": 1, ")": -1}.get(char, 0)
        in_exponent = index >= 2 and rhs[index - 1] in "eE" and rhs[index - 2].isdigit()
        if char == "+" and depth == 0 and not in_exponent:
            terms.append(current.strip())
            current = ""
        else:
            current += char
    terms.append(current.strip())
    return terms


def _parse_terms(operator: str, lhs_text: str, rhs_text: str, statement: str, line: int,
                 source: str | None) -> list[Statement]:
    """The statements of ``lhs op term + term ...`` (several left-hand sides allowed)."""
    # several left-hand sides share the right-hand side: "y1 + y2 ~ x" (lavaan)
    lhs_names = [name.strip() for name in re.split(r"[+,]", lhs_text)]
    for lhs in lhs_names:
        if not is_valid_name(lhs):
            raise SpecificationError(describe_bad_name("variable", lhs),
                                     source=source, line=line)
    terms: list[tuple[str, str, tuple[str, str] | None, str | None, float | None, bool,
                      tuple[GroupModifier, ...]]] = []
    for term in _split_terms(rhs_text):
        if not term:
            raise SpecificationError(f"empty term in {statement!r} (a stray '+'?)",
                                     source=source, line=line)
        *modifiers, rhs = [part.strip() for part in term.split("*")]
        if operator == "~" and rhs == "1":  # an intercept (observed) or a mean (latent)
            terms.append(("~1", "", None, *_parse_modifiers(modifiers, term, line, source)))
            continue
        name, product = _right_hand_name(operator, rhs, line, source)
        if operator == "<~" and modifiers:
            raise SpecificationError(
                f"the composite term {term!r} has a modifier; PLS-SEM estimates every weight "
                "of a composite, so write the item alone (f <~ x1 + x2)", source=source,
                line=line)
        terms.append((operator, name, product, *_parse_modifiers(modifiers, term, line, source)))
    parsed = []
    for lhs in lhs_names:  # lavaan's order: every term of the first lhs, then the next
        for op, rhs, product, label, fixed, free_explicit, groups in terms:
            parsed.append(Statement(lhs, op, rhs, label=label, fixed=fixed,
                                    free_explicit=free_explicit, line=line, groups=groups,
                                    product=product))
    return parsed


_THRESHOLD = re.compile(r"^t[1-9][0-9]{0,2}$")


def _check_thresholds(terms: list[Statement], statement: str, line: int,
                      source: str | None) -> None:
    """Thresholds ``item | t1 + 0*t2 + a*t3``: every right-hand name ``t<k>``."""
    for term in terms:
        if not _THRESHOLD.match(term.rhs):
            raise SpecificationError(
                f"{term.lhs} | {term.rhs}: thresholds are named t1, t2, ... in the order of "
                f"the categories (in {statement!r})", source=source, line=line)


def parse_lavaan(text: str, *, source: str | None = None) -> tuple[Statement, ...]:
    """Parse lavaan model syntax into statements.

    Parameters
    ----------
    text : str
        The model, in lavaan syntax.
    source : str, optional
        File name, used in error messages.

    Returns
    -------
    tuple of Statement
        One statement per parameter, in the order written.

    Raises
    ------
    SpecificationError
        With the line number, for a malformed or unsupported statement.

    Examples
    --------
    >>> statements = parse_lavaan("f =~ x1 + a*x2 + 0.5*x3")
    >>> [(s.rhs, s.label, s.fixed) for s in statements]
    [('x1', None, None), ('x2', 'a', None), ('x3', None, 0.5)]
    """
    if not isinstance(text, str):
        raise SpecificationError(f"lavaan syntax must be text, got {type(text).__name__}",
                                 source=source)
    parsed: list[Statement] = []
    for line, statement in _logical_statements(text):
        match = _OPERATOR_PATTERN.search(statement)
        if match is None:
            raise SpecificationError(
                f"no operator in {statement!r}: a statement needs one of =~ (loadings), "
                "~ (regressions), ~~ (covariances) or := (defined effects)",
                source=source, line=line,
            )
        operator = match.group(1)
        if operator in _UNSUPPORTED:
            raise SpecificationError(f"{_UNSUPPORTED[operator]} (in {statement!r})",
                                     source=source, line=line)
        lhs_text = statement[: match.start()].strip()
        rhs_text = statement[match.end():].strip()
        if rhs_text.endswith(("+", "*")):
            raise SpecificationError(
                f"incomplete statement {statement!r}: it ends with {rhs_text[-1]!r}",
                source=source, line=line)
        if not lhs_text or not rhs_text:
            raise SpecificationError(
                f"incomplete statement {statement!r}: both sides of {operator} are needed",
                source=source, line=line,
            )
        if operator == ":=":
            if not is_valid_name(lhs_text):
                raise SpecificationError(describe_bad_name("defined parameter", lhs_text),
                                         source=source, line=line)
            parsed.append(Statement(lhs_text, ":=", rhs_text, line=line))
            continue
        if operator in CONSTRAINT_OPERATORS:  # expressions, checked by ModelSpec
            parsed.append(Statement(lhs_text, operator, rhs_text, line=line))
            continue
        terms = _parse_terms(operator, lhs_text, rhs_text, statement, line, source)
        if operator == "|":
            _check_thresholds(terms, statement, line, source)
        parsed.extend(terms)
    if not parsed:
        raise SpecificationError("the model has no statements", source=source)
    return tuple(parsed)


def render_lavaan(statements: Iterable[Statement], *, header: str | None = None) -> str:
    """Render statements as lavaan syntax, grouping terms that share ``lhs op``.

    Parameters
    ----------
    statements : iterable of Statement
    header : str, optional
        A comment placed on top (each line prefixed with ``#``).

    Returns
    -------
    str
        Syntax that :func:`parse_lavaan` (and lavaan) reads back into the same
        statements.
    """
    lines: list[str] = []
    if header:
        lines.extend(f"# {line}".rstrip() for line in header.splitlines())
    groups: dict[tuple[str, str], list[str]] = {}
    order: list[tuple[str, str]] = []
    defined: list[str] = []
    for statement in statements:
        if statement.op == ":=" or statement.op in CONSTRAINT_OPERATORS:
            defined.append(statement.to_lavaan())
            continue
        if statement.op == "~1":  # one line each: "x1 ~ 1", "visual ~ 0*1"
            head = (statement.lhs, "~1")
            groups.setdefault(head, []).append(statement.to_lavaan())
            if head not in order:
                order.append(head)
            continue
        head = (statement.lhs, statement.op)
        if head not in groups:
            groups[head] = []
            order.append(head)
        groups[head].append(statement.to_lavaan().split(f" {statement.op} ", 1)[1])
    for lhs, op in order:
        if op == "~1":
            lines.extend(groups[(lhs, op)])
        else:
            lines.append(f"{lhs} {op} " + " + ".join(groups[(lhs, op)]))
    lines.extend(defined)
    return "\n".join(lines) + "\n"
