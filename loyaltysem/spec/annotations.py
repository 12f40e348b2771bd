"""Annotations that lavaan files can carry in comments.

lavaan ignores comments, so a ``.lav`` file stays valid lavaan syntax while
telling loyaltysem its name and hypotheses::

    # @name loyalty_chain
    # @hypothesis H1: SAT -> TRU (+) Satisfaction builds trust
    # @hypothesis H4: SAT -> TRU -> VAL -> LOY (+)
    # @hypothesis H5: serial (+)          (a := defined effect)
    # @scale 1 7                          (every item; or '# @scale 1 5: sw_1 sw_2')
    # @reverse loy_4
    # @ordered all                        (or '# @ordered sat_1 sat_2': ordinal items)
"""
from __future__ import annotations

import re
from typing import Any

from ..exceptions import SpecificationError
from .scales import parse_scale_annotation

_ANNOTATION = re.compile(r"^\s*#\s*@(\w+)\s*(.*)$")
_HYPOTHESIS = re.compile(r"^(\w[\w.]*)\s*:\s*(.+?)\s*\(\s*([+-])\s*\)\s*(.*)$")


def parse_hypothesis_target(target: str) -> tuple[tuple[str, ...], str | None]:
    """Read ``"A -> B -> C"`` (a chain) or ``"name"`` (a defined effect)."""
    parts = [part.strip() for part in target.split("->")]
    if len(parts) == 1:
        return (), parts[0]
    return tuple(parts), None


def read_annotations(text: str, *, source: str | None = None) -> dict[str, Any]:
    """Collect ``# @name``, ``# @description`` and ``# @hypothesis`` lines."""
    from .model_spec import Hypothesis

    found: dict[str, Any] = {}
    hypotheses = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ANNOTATION.match(line)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "hypothesis":
            parsed = _HYPOTHESIS.match(value)
            if not parsed:
                raise SpecificationError(
                    f"cannot read the hypothesis {value!r}: write '# @hypothesis H1: SAT -> TRU (+)'",
                    source=source, line=number)
            identifier, target, sign, description = parsed.groups()
            chain, effect = parse_hypothesis_target(target)
            hypotheses.append(Hypothesis(identifier, chain=chain, sign=sign,  # type: ignore[arg-type]
                                         effect=effect, description=description))
        elif key == "description":  # several lines make one multi-line description
            found[key] = f"{found[key]}\n{value}" if key in found else value
        elif key == "name":
            found[key] = value
        elif key == "scale":
            scale, items = parse_scale_annotation(value, source, number)
            found.setdefault("scale_lines", []).append((scale, items))
        elif key == "reverse":
            found["reverse"] = frozenset(found.get("reverse", frozenset()) | set(value.split()))
        elif key == "ordered":  # '# @ordered all' or '# @ordered item item ...'
            found["ordered"] = frozenset(found.get("ordered", frozenset()) | set(value.split()))
    if hypotheses:
        found["hypotheses"] = tuple(hypotheses)
    if "scale_lines" in found:
        found["scale_lines"] = tuple(found["scale_lines"])
    return found
