"""Defined parameters (lavaan's ``:=``): parse and evaluate arithmetic over labels.

Expressions may use labels, earlier defined names, numbers, ``+ - * / **``
(``^`` is read as ``**``, as in R) and parentheses. They are parsed once with
:mod:`ast` into a small tree that is evaluated without ``eval``; evaluation
also works on complex numbers, which gives exact derivatives by the complex
step (used for delta-method standard errors).
"""
from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class ExpressionError(ValueError):
    """An expression uses something other than names, numbers and + - * / ^."""


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
    _tree: ast.expr

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """Evaluate with ``values`` (name → number, real or complex)."""
        return _evaluate(self._tree, values)


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
        If the text is not arithmetic over names and numbers.

    Examples
    --------
    >>> expr = parse_expression("c2 + c1*s")
    >>> expr.names
    ('c2', 'c1', 's')
    >>> expr.evaluate({"c2": 0.1, "c1": 0.5, "s": 0.4})
    0.30000000000000004
    """
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(f"cannot read the expression {text!r}: {error.msg}") from error
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in names:
                names.append(node.id)
        elif isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Load)) or isinstance(
            node, tuple(_BINARY) + tuple(_UNARY)
        ):
            if isinstance(node, ast.BinOp) and type(node.op) not in _BINARY:
                raise ExpressionError(f"operator not allowed in {text!r}: use + - * / ^")
            if isinstance(node, ast.UnaryOp) and type(node.op) not in _UNARY:
                raise ExpressionError(f"operator not allowed in {text!r}: use + - * / ^")
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            continue
        else:
            raise ExpressionError(
                f"{text!r} is not arithmetic over labels: only labels, numbers, "
                "+ - * / ^ and parentheses are allowed"
            )
    return Expression(text=text, names=tuple(names), _tree=tree)


def _evaluate(node: ast.expr, values: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_evaluate(node.left, values), _evaluate(node.right, values))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_evaluate(node.operand, values))
    raise ExpressionError(f"cannot evaluate {ast.dump(node)}")  # unreachable after parsing
