"""The YAML spec format (documented in docs/spec-format.md)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal, cast

from ..exceptions import SpecificationError
from .annotations import parse_hypothesis_target
from .lavaan_syntax import parse_lavaan
from .statements import Statement, is_valid_name

_KNOWN_KEYS = {"name", "description", "constructs", "paths", "covariances", "defined",
               "hypotheses", "covariates", "lavaan", "single_item_error_variance"}
_SIGNS = {"+": "+", "-": "-", "positive": "+", "negative": "-", 1: "+", -1: "-"}


def _path_statements(entry: Any, index: int, source: str | None) -> list[Statement]:
    """One entry of ``paths:`` → regression statements."""
    if isinstance(entry, str):
        text = entry.strip()
        if "->" in text or "<-" in text:
            nodes = [n.strip() for n in re.split(r"->", text)] if "->" in text else \
                [n.strip() for n in reversed(text.split("<-"))]
            if any(not n for n in nodes):
                raise SpecificationError(f"paths[{index}]: cannot read {entry!r}; write 'A -> B'",
                                         source=source)
            return [Statement(b, "~", a) for a, b in zip(nodes, nodes[1:])]
        if "~" in text and "~~" not in text and "=~" not in text:
            return list(parse_lavaan(text, source=source))
        raise SpecificationError(
            f"paths[{index}]: cannot read {entry!r}; write 'A -> B', 'B ~ A' or "
            "{from: A, to: B, label: a}", source=source)
    if isinstance(entry, Mapping):
        unknown = set(entry) - {"from", "to", "label", "fixed"}
        if unknown or "from" not in entry or "to" not in entry:
            raise SpecificationError(
                f"paths[{index}]: a path needs 'from' and 'to' (optional 'label', 'fixed'); got "
                f"{sorted(entry)}", source=source)
        fixed = entry.get("fixed")
        return [Statement(str(entry["to"]), "~", str(entry["from"]), label=entry.get("label"),
                          fixed=None if fixed is None else float(fixed))]
    raise SpecificationError(f"paths[{index}]: expected text or a mapping, got {entry!r}", source=source)


def _covariance_statements(entry: Any, index: int, source: str | None) -> list[Statement]:
    if isinstance(entry, str) and "~~" in entry:
        return list(parse_lavaan(entry, source=source))
    if isinstance(entry, Mapping) and "between" in entry:
        pair = entry["between"]
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise SpecificationError(f"covariances[{index}]: 'between' needs two names", source=source)
        fixed = entry.get("fixed")
        return [Statement(str(pair[0]), "~~", str(pair[1]), label=entry.get("label"),
                          fixed=None if fixed is None else float(fixed))]
    raise SpecificationError(
        f"covariances[{index}]: cannot read {entry!r}; write 'a ~~ b' or {{between: [a, b]}}",
        source=source)


def spec_from_mapping(data: Mapping, *, source: str | None = None):
    """Build a :class:`ModelSpec` from a parsed YAML document."""
    from .model_spec import Hypothesis, ModelSpec

    if not isinstance(data, Mapping):
        raise SpecificationError("a YAML spec must be a mapping with 'constructs' and 'paths'",
                                 source=source)
    unknown = set(data) - _KNOWN_KEYS
    if unknown:
        raise SpecificationError(
            f"unknown key(s) {sorted(unknown)}; known keys are {sorted(_KNOWN_KEYS)}", source=source)
    constructs = data.get("constructs")
    if not constructs or not isinstance(constructs, Mapping):
        raise SpecificationError("the spec needs 'constructs': a mapping of construct name to items",
                                 source=source)
    single_item_error = float(data.get("single_item_error_variance", 0.0))
    statements: list[Statement] = []
    descriptions: dict[str, str] = {}
    items_seen: dict[str, str] = {}
    for name, body in constructs.items():
        name = str(name)
        if not is_valid_name(name):
            raise SpecificationError(f"bad construct name {name!r}: use letters, digits and '_'",
                                     source=source)
        if isinstance(body, Mapping):
            items = body.get("items")
            descriptions[name] = str(body.get("description", ""))
        else:
            items = body
        if isinstance(items, str):
            items = [items]
        if not items:
            raise SpecificationError(
                f"construct {name!r} has no items: list its survey items, e.g. {name}: [item_1, item_2]",
                source=source)
        for item in items:
            item = str(item)
            if item in constructs:
                raise SpecificationError(f"construct {name!r} lists {item!r} as an item, but "
                                         f"{item!r} is a construct", source=source)
            if item in items_seen and items_seen[item] != name:
                pass  # cross-loading: allowed
            items_seen[item] = name
            if not is_valid_name(item):
                raise SpecificationError(f"construct {name!r}: bad item name {item!r}", source=source)
            statements.append(Statement(name, "=~", item))
        if len(items) != len(set(map(str, items))):
            raise SpecificationError(f"construct {name!r} lists an item twice", source=source)
    covariates = [str(c) for c in data.get("covariates", []) or []]
    allowed = set(map(str, constructs)) | set(covariates)
    for index, entry in enumerate(data.get("paths", []) or []):
        for statement in _path_statements(entry, index, source):
            for end in (statement.lhs, statement.rhs):
                if end not in allowed:
                    raise SpecificationError(
                        f"path {statement.rhs} -> {statement.lhs}: unknown construct {end!r}; "
                        f"constructs are {', '.join(map(str, constructs))}"
                        + (f"; covariates are {', '.join(covariates)}" if covariates else
                           " (list observed predictors under 'covariates:')"),
                        source=source)
            statements.append(statement)
    for index, entry in enumerate(data.get("covariances", []) or []):
        statements.extend(_covariance_statements(entry, index, source))
    # single-item constructs: the item is the construct (error variance fixed)
    written = {(s.lhs, s.rhs) for s in statements if s.op == "~~"}
    for name, body in constructs.items():
        raw = body.get("items") if isinstance(body, Mapping) else body
        listed: list = [raw] if isinstance(raw, str) else list(raw or [])
        if len(listed) == 1 and (str(listed[0]), str(listed[0])) not in written:
            statements.append(Statement(str(listed[0]), "~~", str(listed[0]),
                                        fixed=single_item_error))
    defined = data.get("defined", {}) or {}
    if not isinstance(defined, Mapping):
        raise SpecificationError("'defined' must map names to expressions, e.g. serial: a*b*c",
                                 source=source)
    for name, expression in defined.items():
        statements.append(Statement(str(name), ":=", str(expression)))
    if data.get("lavaan"):
        statements.extend(parse_lavaan(str(data["lavaan"]), source=source))
    hypotheses = []
    raw_hypotheses = data.get("hypotheses", []) or []
    if isinstance(raw_hypotheses, Mapping):
        raw_hypotheses = [{"id": key, **value} for key, value in raw_hypotheses.items()]
    for index, entry in enumerate(raw_hypotheses):
        if not isinstance(entry, Mapping) or "id" not in entry:
            raise SpecificationError(f"hypotheses[{index}]: needs an 'id' and a 'path', "
                                     "'indirect' or 'effect'", source=source)
        sign = _SIGNS.get(entry.get("sign", "+"))
        if sign is None:
            raise SpecificationError(f"hypothesis {entry['id']}: sign must be '+' or '-', "
                                     f"got {entry.get('sign')!r}", source=source)
        targets = [key for key in ("path", "indirect", "effect") if key in entry]
        if len(targets) != 1:
            raise SpecificationError(f"hypothesis {entry['id']}: give exactly one of 'path', "
                                     "'indirect' or 'effect'", source=source)
        chain, effect = parse_hypothesis_target(str(entry[targets[0]]))
        if targets[0] == "effect":
            chain, effect = (), str(entry["effect"])
        elif effect is not None:
            raise SpecificationError(f"hypothesis {entry['id']}: write the path as 'A -> B'",
                                     source=source)
        if targets[0] == "path" and len(chain) != 2:
            raise SpecificationError(f"hypothesis {entry['id']}: a 'path' joins two constructs; "
                                     "use 'indirect' for a chain", source=source)
        if targets[0] == "indirect" and len(chain) < 3:
            raise SpecificationError(f"hypothesis {entry['id']}: an 'indirect' effect needs at "
                                     "least three constructs (A -> M -> B)", source=source)
        hypotheses.append(Hypothesis(str(entry["id"]), chain=chain,
                                     sign=cast("Literal['+', '-']", sign), effect=effect,
                                     description=str(entry.get("description", ""))))
    return ModelSpec(statements=tuple(statements), name=str(data.get("name", "model")),
                     description=str(data.get("description", "")), hypotheses=tuple(hypotheses),
                     construct_descriptions=descriptions, source=source)
