"""Read and write lavaan model syntax.

Supported (lavaan 0.6 model syntax, single group):

- ``=~`` loadings, ``~`` regressions, ``~~`` (co)variances, ``:=`` defined
  parameters over labels (products, sums, differences, quotients, powers);
- modifiers on right-hand terms: labels (``a*x``, ``label("a")*x``), fixed
  values (``0*x``, ``1*x``, ``-0.5*x``), explicit freeing (``NA*x``) and start
  values (``start(0.5)*x``, accepted and ignored: loyaltysem picks its own);
- comments (``#`` and ``!``), several statements on a line separated by
  ``;``, and statements that continue over several lines (a line that ends
  with an operator or ``+``, or a line that begins with ``+``).

Anything else lavaan knows (intercepts ``~ 1``, thresholds ``|``, composites
``<~``, constraints ``==``/``<``/``>``, multi-group ``c(...)`` modifiers) is
rejected with a message that names the line and says what to do instead.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from ..exceptions import SpecificationError
from .names import describe_bad_name, is_valid_name
from .statements import Statement

_OPERATOR_PATTERN = re.compile(r"(:=|=~|~~|~\*~|<~|==|<|>|\|~|\||~)")
_UNSUPPORTED = {
    "~*~": "scaling factors (~*~) are for categorical data, which loyaltysem does not fit",
    "<~": "composites (<~) are not supported; model the construct reflectively with =~",
    "==": "equality constraints with '==' are not supported; give the parameters the same label instead (a*x1 + a*x2)",
    "<": "inequality constraints are not supported",
    ">": "inequality constraints are not supported",
    "|": "thresholds (|) are for ordinal data, which loyaltysem does not fit",
    "|~": "thresholds (|~) are not supported",
}
_CONTINUES_AFTER = ("+", "*", "=~", "~", "~~", ":=", "(", ",")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_FUNCTION_MODIFIER = re.compile(r"^(label|equal|start)\((.*)\)$")


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


def _parse_modifiers(
    modifiers: list[str], term: str, line: int, source: str | None
) -> tuple[str | None, float | None, bool]:
    label: str | None = None
    fixed: float | None = None
    free_explicit = False
    for modifier in modifiers:
        modifier = modifier.strip()
        function = _FUNCTION_MODIFIER.match(modifier)
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
        elif modifier.startswith("c("):
            raise SpecificationError(
                f"multi-group modifier {modifier!r} in {term!r} is not supported: "
                "fit each group separately or use loyaltysem.groups",
                source=source, line=line,
            )
        elif is_valid_name(modifier):
            label = modifier
        else:
            raise SpecificationError(
                f"cannot read the modifier {modifier!r} in {term!r}: use a number "
                "(fixed value), NA (free) or a label such as a",
                source=source, line=line,
            )
    return label, fixed, free_explicit


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
        # several left-hand sides share the right-hand side: "y1 + y2 ~ x" (lavaan)
        lhs_names = [name.strip() for name in re.split(r"[+,]", lhs_text)]
        for lhs in lhs_names:
            if not is_valid_name(lhs):
                raise SpecificationError(describe_bad_name("variable", lhs),
                                         source=source, line=line)
        terms = []
        for term in _split_terms(rhs_text):
            if not term:
                raise SpecificationError(f"empty term in {statement!r} (a stray '+'?)",
                                         source=source, line=line)
            *modifiers, rhs = [part.strip() for part in term.split("*")]
            if operator == "~" and rhs == "1":
                raise SpecificationError(
                    f"intercepts ({lhs_text} ~ 1) are not supported: loyaltysem fits "
                    "covariance structures only; remove the statement",
                    source=source, line=line,
                )
            if not is_valid_name(rhs):
                raise SpecificationError(describe_bad_name("variable", rhs),
                                         source=source, line=line)
            terms.append((rhs, *_parse_modifiers(modifiers, term, line, source)))
        for lhs in lhs_names:  # lavaan's order: every term of the first lhs, then the next
            for rhs, label, fixed, free_explicit in terms:
                parsed.append(Statement(lhs, operator, rhs, label=label, fixed=fixed,
                                        free_explicit=free_explicit, line=line))
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
        if statement.op == ":=":
            defined.append(statement.to_lavaan())
            continue
        head = (statement.lhs, statement.op)
        if head not in groups:
            groups[head] = []
            order.append(head)
        groups[head].append(statement.to_lavaan().split(f" {statement.op} ", 1)[1])
    for lhs, op in order:
        lines.append(f"{lhs} {op} " + " + ".join(groups[(lhs, op)]))
    lines.extend(defined)
    return "\n".join(lines) + "\n"
