"""Declared answer scales and reverse-keyed items of a spec.

YAML: ``scale: [1, 7]`` at the top (every item), on a construct (its items) or
per item under ``scales: {loy_4: [1, 5]}`` (the most specific wins), and
``reverse: [loy_4]`` on a construct or at the top. lavaan syntax: the comments
``# @scale 1 7`` (every item), ``# @scale 1 5: sw_1 sw_2`` and ``# @reverse loy_4``.
A reverse-keyed item is recoded ``min + max - x`` (its scale must be declared).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from ..exceptions import SpecificationError
from .statements import format_number

Scale = tuple[float, float]


def checked_scale(value: object, where: str, source: str | None) -> Scale:
    """``[min, max]``: two finite numbers, min < max, a span of at most 1000."""
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, (int, float))
                   or not math.isfinite(v) for v in value)):
        raise SpecificationError(f"{where}: a scale is [min, max], two numbers, e.g. [1, 7]; "
                                 f"got {str(value)[:60]!r}", source=source)
    low, high = float(value[0]), float(value[1])
    if not low < high or high - low > 1000:
        raise SpecificationError(f"{where}: the scale [{format_number(low)}, "
                                 f"{format_number(high)}] needs min < max (and a span of at "
                                 "most 1000)", source=source)
    return low, high


def check_scales_and_keys(scales: Mapping[str, Scale], reverse: Iterable[str],
                          observed: set[str], source: str | None) -> None:
    """Every scaled or reversed item is an item of the model; every reversed one has a scale."""
    for item, scale in scales.items():
        if item not in observed:
            raise SpecificationError(f"a scale is declared for {item!r}, which is not an item "
                                     "of the model; correct the name", source=source)
        checked_scale(scale, f"the scale of {item}", source)
    for item in sorted(reverse):
        if item not in observed:
            raise SpecificationError(f"reverse lists {item!r}, which is not an item of the "
                                     "model; correct the name", source=source)
        if item not in scales:
            raise SpecificationError(f"the reverse-keyed item {item!r} has no declared scale: "
                                     "it is recoded min + max - x; declare its scale, e.g. "
                                     "scale: [1, 7]", source=source)


def indicator_items(statements: Iterable) -> list[str]:
    """The observed indicators of a model's constructs, in order (the items a scale is for)."""
    statements = list(statements)
    constructs = {s.lhs for s in statements if s.op in ("=~", "<~")}
    return list(dict.fromkeys(s.rhs for s in statements
                              if s.op in ("=~", "<~") and s.rhs not in constructs))


def item_scales(lines: Iterable[tuple[Scale, list[str]]], statements: Iterable
                ) -> dict[str, Scale]:
    """Item → scale from ``@scale`` lines: a line without items sets every indicator's, a
    line with items overrides them (in any order)."""
    lines = list(lines)
    scales: dict[str, Scale] = {}
    for scale, items in lines:
        if not items:
            scales.update({item: scale for item in indicator_items(statements)})
    for scale, items in lines:
        scales.update({item: scale for item in items})
    return scales


def scale_annotations(scales: Mapping[str, Scale], reverse: Iterable[str]) -> list[str]:
    """The ``@scale``/``@reverse`` annotations that write ``scales`` and ``reverse`` back."""
    by_scale: dict[Scale, list[str]] = {}
    for item, scale in scales.items():
        by_scale.setdefault(tuple(scale), []).append(item)   # type: ignore[arg-type]
    lines = [f"@scale {format_number(low)} {format_number(high)}: {' '.join(items)}"
             for (low, high), items in by_scale.items()]
    if reverse:
        lines.append("@reverse " + " ".join(sorted(reverse)))
    return lines


def parse_scale_annotation(value: str, source: str | None, line: int) -> tuple[Scale, list[str]]:
    """``1 7`` or ``1 5: sw_1 sw_2``: the scale and the items it names (none: every item)."""
    bounds, _, items = value.partition(":")
    try:
        numbers = [float(part) for part in bounds.split()]
    except ValueError:
        numbers = []
    if len(numbers) != 2:
        raise SpecificationError(f"cannot read the scale {value!r}: write '# @scale 1 7' or "
                                 "'# @scale 1 5: item_1 item_2'", source=source, line=line)
    return checked_scale(numbers, "@scale", source), items.split()
