"""Defined parameters (lavaan's ``:=``): parse and evaluate arithmetic over labels.

Expressions may use labels, earlier defined names, numbers, ``+ - * / ^``
(``**`` is read as ``^``, as in R) and parentheses, with R's precedence
(``-a^2`` is ``-(a^2)``; ``^`` is right-associative). They are read by a small
recursive-descent parser of our own — nothing is ever passed to ``eval`` or
:mod:`ast` — into a tree that is evaluated directly; evaluation also works on
complex numbers and numpy arrays, which gives exact derivatives by the complex
step (delta-method standard errors) and vectorised Monte Carlo draws.

The work is bounded: an expression has at most :data:`MAX_LENGTH` characters,
:data:`MAX_TOKENS` tokens and :data:`MAX_DEPTH` levels of nesting, and an exponent that is a constant
has an absolute value of at most :data:`MAX_EXPONENT`, so a hostile spec
(``a*9^9^9``, thousands of nested minus signs) is refused at once instead of
hanging or exhausting memory.
"""
from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Union

import numpy as np

from .names import is_valid_name

#: Longest expression accepted (characters).
MAX_LENGTH = 2000
#: Deepest nesting accepted (parentheses, signs and powers each add a level).
MAX_DEPTH = 50
#: Most tokens (names, numbers, operators, parentheses) accepted.
MAX_TOKENS = 500
#: Largest absolute value of a constant exponent.
MAX_EXPONENT = 64.0

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "^": operator.pow,
}
_TOKEN = re.compile(r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
                    r"|(?P<name>[^\W\d]\w*)|(?P<op>\*\*|[-+*/^()]))")


class ExpressionError(ValueError):
    """An expression uses something other than names, numbers and + - * / ^, or is too large."""


@dataclass(frozen=True)
class _Number:
    value: float


@dataclass(frozen=True)
class _Name:
    name: str


@dataclass(frozen=True)
class _Unary:
    sign: str
    operand: "_Node"


@dataclass(frozen=True)
class _Binary:
    op: str
    left: "_Node"
    right: "_Node"


_Node = Union[_Number, _Name, _Unary, _Binary]


@dataclass(frozen=True)
class Expression:
    """A parsed ``:=`` right-hand side.

    Attributes
    ----------
    text : str
        The expression as written.
    names : tuple of str
        The names it refers to, in order of first appearance.
    """

    text: str
    names: tuple[str, ...]
    _tree: _Node

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """Evaluate with ``values`` (name → number, real or complex, or numpy array).

        Division by zero and overflow give NaN (as R's arithmetic gives
        ``Inf``/``NaN``) instead of raising.
        """
        with np.errstate(all="ignore"):
            try:
                return _evaluate(self._tree, values)
            except (ArithmeticError, ValueError):
                return math.nan


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            bad = text[position:].lstrip()[:1]
            raise ExpressionError(f"{text!r} is not arithmetic over labels: {bad!r} is not "
                                  "allowed; use labels, numbers, + - * / ^ and parentheses")
        kind = match.lastgroup or "op"
        value = match.group(kind)
        if kind == "name" and not is_valid_name(value):
            raise ExpressionError(f"{value!r} in {text!r} is not a valid label name")
        tokens.append((kind, "^" if value == "**" else value))
        if len(tokens) > MAX_TOKENS:
            raise ExpressionError(f"the expression has more than {MAX_TOKENS} terms and "
                                  "operators; split it into several defined effects")
        position = match.end()
    return tokens


class _Parser:
    """expr := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*;
    unary := ('+'|'-') unary | power; power := atom ('^' unary)?;
    atom := number | name | '(' expr ')'."""

    def __init__(self, text: str, tokens: list[tuple[str, str]]):
        self.text, self.tokens, self.position, self.depth = text, tokens, 0, 0

    def _peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise ExpressionError(f"cannot read the expression {self.text!r}: it ends too "
                                  "early (an operand or a ')' is missing)")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep; "
                                  "simplify it or split it into several defined effects")

    def parse(self) -> _Node:
        node = self.expr()
        if self.position != len(self.tokens):
            raise ExpressionError(f"cannot read the expression {self.text!r}: unexpected "
                                  f"{self.tokens[self.position][1]!r}")
        return node

    def expr(self) -> _Node:
        node = self.term()
        while self._peek() in ("+", "-"):
            node = _Binary(self._take()[1], node, self.term())
        return node

    def term(self) -> _Node:
        node = self.unary()
        while self._peek() in ("*", "/"):
            node = _Binary(self._take()[1], node, self.unary())
        return node

    def unary(self) -> _Node:
        if self._peek() in ("+", "-"):
            self._enter()
            node: _Node = _Unary(self._take()[1], self.unary())
            self.depth -= 1
            return node
        return self.power()

    def power(self) -> _Node:
        base = self.atom()
        if self._peek() != "^":
            return base
        self._take()
        self._enter()
        exponent = self.unary()
        self.depth -= 1
        _check_exponent(self.text, exponent)
        return _Binary("^", base, exponent)

    def atom(self) -> _Node:
        kind, value = self._take()
        if kind == "number":
            return _Number(float(value))
        if kind == "name":
            return _Name(value)
        if value != "(":
            raise ExpressionError(f"cannot read the expression {self.text!r}: unexpected {value!r}")
        self._enter()
        node = self.expr()
        self.depth -= 1
        if self._take()[1] != ")":
            raise ExpressionError(f"cannot read the expression {self.text!r}: a ')' is missing")
        return node


def _constant_value(node: _Node) -> float | None:
    """The value of a subtree without names (None if it has names)."""
    if isinstance(node, _Number):
        return node.value
    if isinstance(node, _Name):
        return None
    if isinstance(node, _Unary):
        inner = _constant_value(node.operand)
        return None if inner is None else (-inner if node.sign == "-" else inner)
    left, right = _constant_value(node.left), _constant_value(node.right)
    if left is None or right is None:
        return None
    with np.errstate(all="ignore"):
        try:
            return float(_BINARY[node.op](left, right))
        except (ArithmeticError, ValueError):
            return math.inf


def _check_exponent(text: str, exponent: _Node) -> None:
    value = _constant_value(exponent)
    if value is not None and not abs(value) <= MAX_EXPONENT:
        raise ExpressionError(f"the exponent in {text!r} is larger than {MAX_EXPONENT:g} in "
                              "absolute value; an effect needs no such power")


@lru_cache(maxsize=1024)  # Expression is immutable; a fit parses every := row
def parse_expression(text: str) -> Expression:
    """Parse a defined-parameter expression.

    Parameters
    ----------
    text : str
        For example ``"a*b*c"`` or ``"c2 + c1*s"``.

    Raises
    ------
    ExpressionError
        If the text is not arithmetic over names and numbers, or exceeds the
        bounds of the module docstring.

    Examples
    --------
    >>> expr = parse_expression("c2 + c1*s")
    >>> expr.names
    ('c2', 'c1', 's')
    >>> expr.evaluate({"c2": 0.1, "c1": 0.5, "s": 0.4})
    0.30000000000000004
    """
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression has {len(text)} characters, more than the "
                              f"{MAX_LENGTH} allowed; split it into several defined effects")
    tokens = _tokenize(text)
    if not tokens:
        raise ExpressionError("the expression is empty")
    tree = _Parser(text, tokens).parse()
    names = list(dict.fromkeys(value for kind, value in tokens if kind == "name"))
    return Expression(text=text, names=tuple(names), _tree=tree)


def _evaluate(node: _Node, values: Mapping[str, Any]) -> Any:
    if isinstance(node, _Number):
        return node.value
    if isinstance(node, _Name):
        return values[node.name]
    if isinstance(node, _Unary):
        operand = _evaluate(node.operand, values)
        return -operand if node.sign == "-" else operand
    return _BINARY[node.op](_evaluate(node.left, values), _evaluate(node.right, values))
