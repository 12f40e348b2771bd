"""The YAML spec format (documented in docs/spec-format.md).

Every field is type-checked here, where the parsed YAML enters; a value of the
wrong kind (``constructs: {F1: 5}``, ``paths: true``, ``fixed: abc``) is a
:class:`~loyaltysem.exceptions.SpecificationError` that names the field and
the form it takes. Names are then checked by the naming rule of
:mod:`.names` when the :class:`ModelSpec` is built.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Literal, cast

from ..exceptions import SpecificationError
from .annotations import parse_hypothesis_target
from .lavaan_syntax import parse_lavaan
from .scales import checked_scale
from .names import describe_bad_name, is_valid_name
from .statements import Statement

_KNOWN_KEYS = {"name", "description", "constructs", "paths", "covariances", "defined",
               "hypotheses", "covariates", "lavaan", "single_item_error_variance", "constraints",
               "options", "scale", "scales", "reverse", "ordered"}
#: lavaan options a YAML spec may set (``options: {std_lv: true}``)
_OPTIONS = ("meanstructure", "std_lv")
_SIGNS: dict[object, str] = {"+": "+", "-": "-", "positive": "+", "negative": "-"}
_SCALAR = (str, int, float)


def _fail(message: str, source: str | None) -> SpecificationError:
    return SpecificationError(message, source=source)


def _scalar_text(value: Any, where: str, source: str | None) -> str:
    """A YAML scalar (text or number) as text; lists, mappings, null and booleans refused."""
    if isinstance(value, bool) or not isinstance(value, _SCALAR):
        shown = "nothing" if value is None else f"a {type(value).__name__}"
        raise _fail(f"{where} must be text, got {shown}", source)
    return str(value).strip() if isinstance(value, str) else str(value)


def _number(value: Any, where: str, source: str | None) -> float:
    """A finite number (YAML int or float; text such as 'abc' refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(f"{where} must be a finite number, got {value!r}"[:200], source)
    return float(value)


def _name_list(value: Any, where: str, source: str | None) -> list[str]:
    """One name or a list of names."""
    if isinstance(value, (list, tuple)):
        return [_scalar_text(item, f"{where}[{index}]", source) for index, item in enumerate(value)]
    return [_scalar_text(value, where, source)]


def _modifiers(entry: Mapping, where: str, source: str | None) -> dict[str, Any]:
    label = entry.get("label")
    fixed = entry.get("fixed")
    return {"label": None if label is None else _scalar_text(label, f"{where}: label", source),
            "fixed": None if fixed is None else _number(fixed, f"{where}: fixed", source)}


def _path_statements(entry: Any, index: int, source: str | None) -> list[Statement]:
    """One entry of ``paths:`` → regression statements."""
    where = f"paths[{index}]"
    if isinstance(entry, str):
        text = entry.strip()
        if "->" in text or "<-" in text:
            nodes = [n.strip() for n in re.split(r"->", text)] if "->" in text else \
                [n.strip() for n in reversed(text.split("<-"))]
            if any(not n for n in nodes):
                raise _fail(f"{where}: cannot read {entry!r}; write 'A -> B'", source)
            return [Statement(b, "~", a) for a, b in zip(nodes, nodes[1:])]
        if "~" in text and "~~" not in text and "=~" not in text:
            return list(parse_lavaan(text, source=source))
        raise _fail(f"{where}: cannot read {entry!r}; write 'A -> B', 'B ~ A' or "
                    "{from: A, to: B, label: a}", source)
    if isinstance(entry, Mapping):
        keys = [str(key) for key in entry]
        if set(keys) - {"from", "to", "label", "fixed"} or "from" not in entry or "to" not in entry:
            raise _fail(f"{where}: a path needs 'from' and 'to' (optional 'label', 'fixed'); "
                        f"got {sorted(keys)}", source)
        return [Statement(_scalar_text(entry["to"], f"{where}: to", source), "~",
                          _scalar_text(entry["from"], f"{where}: from", source),
                          **_modifiers(entry, where, source))]
    raise _fail(f"{where}: expected text or a mapping, got {type(entry).__name__}", source)


def _covariance_statements(entry: Any, index: int, source: str | None) -> list[Statement]:
    where = f"covariances[{index}]"
    if isinstance(entry, str) and "~~" in entry:
        return list(parse_lavaan(entry, source=source))
    if isinstance(entry, Mapping) and "between" in entry:
        unknown = {str(key) for key in entry} - {"between", "label", "fixed"}
        if unknown:
            raise _fail(f"{where}: unknown key(s) {sorted(unknown)}; use between, label, fixed",
                        source)
        pair = entry["between"]
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise _fail(f"{where}: 'between' needs two names", source)
        first, second = (_scalar_text(name, f"{where}: between", source) for name in pair)
        return [Statement(first, "~~", second, **_modifiers(entry, where, source))]
    raise _fail(f"{where}: cannot read {entry!r}; write 'a ~~ b' or {{between: [a, b]}}"[:300],
                source)


def _entries(data: Mapping, key: str, source: str | None) -> list:
    """A list-valued key (``paths``, ``covariances``): absent or null is empty."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(f"'{key}' must be a list (one entry per line starting with '-'), "
                    f"got {type(value).__name__}", source)
    return value


_MODES = {"A": "A", "B": "B", "reflective": "A", "composite": "B", "formative": "B"}


def _construct_mode(name: str, body: Mapping, source: str | None) -> str:
    """``mode:`` of a construct: ``A`` (reflective, the default) or ``B`` (composite)."""
    mode = body.get("mode", "A")
    if not isinstance(mode, str) or mode not in _MODES:
        raise _fail(f"construct {name!r}: mode must be A (reflective, the default) or B "
                    f"(composite, formative), got {str(mode)[:40]!r}", source)
    return _MODES[mode]


def _construct_items(name: str, body: Any, source: str | None) -> tuple[list[str], str, str]:
    """Items, description and mode (A or B) of one construct (short or long form)."""
    description = ""
    items = body
    mode = "A"
    if isinstance(body, Mapping):
        unknown = {str(key) for key in body} - {"items", "description", "mode", "scale",
                                                "reverse", "ordered"}
        if unknown:
            raise _fail(f"construct {name!r}: unknown key(s) {sorted(unknown)}; use items, "
                        "description, mode, scale, reverse and ordered", source)
        mode = _construct_mode(name, body, source)
        items = body.get("items")
        if body.get("description") is not None:
            description = _scalar_text(body["description"], f"construct {name!r}: description",
                                       source)
    if items is None or items == [] or items == "":
        raise _fail(f"construct {name!r} has no items: list its survey items, e.g. "
                    f"{name}: [item_1, item_2]", source)
    listed = _name_list(items, f"construct {name!r}: items", source)
    if len(listed) != len(set(listed)):
        raise _fail(f"construct {name!r} lists an item twice", source)
    return listed, description, mode


def _construct_statements(data: Mapping, source: str | None
                          ) -> tuple[list[Statement], dict[str, str], list[str], list[str]]:
    """``constructs:`` → loadings, descriptions, construct names and single items."""
    constructs = data.get("constructs")
    if not constructs or not isinstance(constructs, Mapping):
        raise _fail("the spec needs 'constructs': a mapping of construct name to items", source)
    names = [_scalar_text(name, "a construct name", source) for name in constructs]
    statements: list[Statement] = []
    descriptions: dict[str, str] = {}
    single_items: list[str] = []
    for name, body in zip(names, constructs.values()):
        if not is_valid_name(name):
            raise _fail(describe_bad_name("construct", name), source)
        items, descriptions[name], mode = _construct_items(name, body, source)
        for item in items:
            if item in names:
                raise _fail(f"construct {name!r} lists {item!r} as an item, but {item!r} is a "
                            "construct", source)
            if not is_valid_name(item):
                raise _fail(f"construct {name!r}: " + describe_bad_name("item", item), source)
            statements.append(Statement(name, "<~" if mode == "B" else "=~", item))
        if len(items) == 1:
            single_items.append(items[0])
    return statements, descriptions, names, single_items


def _structural_statements(data: Mapping, names: list[str], source: str | None
                           ) -> list[Statement]:
    covariates = _name_list(data.get("covariates") or [], "covariates", source)
    for covariate in covariates:
        if not is_valid_name(covariate):
            raise _fail(describe_bad_name("covariate", covariate), source)
    allowed = set(names) | set(covariates)
    statements: list[Statement] = []
    for index, entry in enumerate(_entries(data, "paths", source)):
        for statement in _path_statements(entry, index, source):
            for end in (statement.lhs, statement.rhs):
                if end not in allowed:
                    raise _fail(
                        f"path {statement.rhs} -> {statement.lhs}: unknown construct {end!r}; "
                        f"constructs are {', '.join(names)}"
                        + (f"; covariates are {', '.join(covariates)}" if covariates else
                           " (list observed predictors under 'covariates:')"), source)
            statements.append(statement)
    for index, entry in enumerate(_entries(data, "covariances", source)):
        statements.extend(_covariance_statements(entry, index, source))
    return statements


def _defined_statements(data: Mapping, source: str | None) -> list[Statement]:
    defined = data.get("defined") or {}
    if not isinstance(defined, Mapping):
        raise _fail("'defined' must map names to expressions, e.g. serial: a*b*c", source)
    return [Statement(_scalar_text(name, "a defined name", source), ":=",
                      _scalar_text(expression, f"defined: {name}", source))
            for name, expression in defined.items()]


def _constraint_statements(data: Mapping, source: str | None) -> list[Statement]:
    """``constraints:``: a list of lavaan constraints (``a == b``, ``a < 0.5``, ``a > 0``)."""
    statements: list[Statement] = []
    for index, entry in enumerate(_entries(data, "constraints", source)):
        text = _scalar_text(entry, f"constraints[{index}]", source)
        parsed = parse_lavaan(text, source=source)
        if len(parsed) != 1 or parsed[0].op not in ("==", "<", ">"):
            raise _fail(f"constraints[{index}]: cannot read {text!r} as one constraint; write "
                        "'a == b', 'a < 0.5' or 'a > 0' over labels"[:300], source)
        statements.extend(parsed)
    return statements


def _options(data: Mapping, source: str | None) -> dict[str, bool]:
    """``options:``: lavaan's ``meanstructure`` and ``std.lv`` (true/false)."""
    raw = data.get("options") or {}
    if not isinstance(raw, Mapping):
        raise _fail("'options' must be a mapping, e.g. options: {std_lv: true}", source)
    unknown = {str(key) for key in raw} - set(_OPTIONS)
    if unknown:
        raise _fail(f"options: unknown key(s) {sorted(unknown)}; known options are "
                    f"{', '.join(_OPTIONS)}", source)
    for key, value in raw.items():
        if not isinstance(value, bool):
            raise _fail(f"options: {key} must be true or false, got {value!r}"[:200], source)
    return {str(key): bool(value) for key, value in raw.items()}


def _hypothesis(entry: Any, index: int, source: str | None):
    from .model_spec import Hypothesis

    if not isinstance(entry, Mapping) or "id" not in entry:
        raise _fail(f"hypotheses[{index}]: needs an 'id' and a 'path', 'indirect' or 'effect'",
                    source)
    identifier = _scalar_text(entry["id"], f"hypotheses[{index}]: id", source)
    unknown = {str(key) for key in entry} - {"id", "path", "indirect", "effect", "sign",
                                             "description"}
    if unknown:
        raise _fail(f"hypothesis {identifier}: unknown key(s) {sorted(unknown)}; use path, "
                    "indirect or effect, sign and description", source)
    raw_sign = entry.get("sign", "+")
    sign = None
    if isinstance(raw_sign, str):
        sign = _SIGNS.get(raw_sign.strip())
    elif isinstance(raw_sign, (int, float)) and not isinstance(raw_sign, bool):
        sign = {1.0: "+", -1.0: "-"}.get(float(raw_sign))
    if sign is None:
        raise _fail(f"hypothesis {identifier}: sign must be '+' or '-', got {raw_sign!r}"[:200],
                    source)
    targets = [key for key in ("path", "indirect", "effect") if key in entry]
    if len(targets) != 1:
        raise _fail(f"hypothesis {identifier}: give exactly one of 'path', 'indirect' or "
                    "'effect'", source)
    target = _scalar_text(entry[targets[0]], f"hypothesis {identifier}: {targets[0]}", source)
    chain, effect = parse_hypothesis_target(target)
    if targets[0] == "effect":
        chain, effect = (), target
    elif effect is not None:
        raise _fail(f"hypothesis {identifier}: write the path as 'A -> B'", source)
    if targets[0] == "path" and len(chain) != 2:
        raise _fail(f"hypothesis {identifier}: a 'path' joins two constructs; use 'indirect' "
                    "for a chain", source)
    if targets[0] == "indirect" and len(chain) < 3:
        raise _fail(f"hypothesis {identifier}: an 'indirect' effect needs at least three "
                    "constructs (A -> M -> B)", source)
    description = entry.get("description")
    return Hypothesis(identifier, chain=chain, sign=cast("Literal['+', '-']", sign),
                      effect=effect,
                      description="" if description is None else
                      _scalar_text(description, f"hypothesis {identifier}: description", source))


def _hypotheses(data: Mapping, source: str | None) -> list:
    raw = data.get("hypotheses") or []
    if isinstance(raw, Mapping):
        entries = []
        for key, value in raw.items():
            if not isinstance(value, Mapping):
                raise _fail(f"hypothesis {key!r}: write its body as a mapping, e.g. "
                            f"{key}: {{path: SAT -> TRU, sign: '+'}}"[:300], source)
            entries.append({"id": key, **value})
        raw = entries
    if not isinstance(raw, list):
        raise _fail(f"'hypotheses' must be a list or a mapping of id to body, got "
                    f"{type(raw).__name__}", source)
    return [_hypothesis(entry, index, source) for index, entry in enumerate(raw)]


def spec_from_mapping(data: Mapping, *, source: str | None = None):
    """Build a :class:`ModelSpec` from a parsed YAML document."""
    from .model_spec import ModelSpec

    if not isinstance(data, Mapping):
        raise _fail("a YAML spec must be a mapping with 'constructs' and 'paths'", source)
    unknown = {str(key) for key in data} - _KNOWN_KEYS
    if unknown:
        raise _fail(f"unknown key(s) {sorted(unknown)}; known keys are {sorted(_KNOWN_KEYS)}",
                    source)
    single_item_error = _number(data.get("single_item_error_variance", 0.0),
                                "single_item_error_variance", source)
    statements, descriptions, names, single_items = _construct_statements(data, source)
    statements += _structural_statements(data, names, source)
    written = {(s.lhs, s.rhs) for s in statements if s.op == "~~"}
    statements += [Statement(item, "~~", item, fixed=single_item_error)
                   for item in single_items if (item, item) not in written]
    statements += _defined_statements(data, source)
    statements += _constraint_statements(data, source)
    if data.get("lavaan"):
        statements.extend(parse_lavaan(_scalar_text(data["lavaan"], "lavaan", source),
                                       source=source))
    name = data.get("name")
    description = data.get("description")
    options = _options(data, source)
    scales, reverse = _scales_and_keys(data, source)
    ordered = _ordered_items(data, statements, source)
    return ModelSpec(statements=tuple(statements),
                     name="model" if name is None else _scalar_text(name, "name", source),
                     description="" if description is None else
                     _scalar_text(description, "description", source),
                     hypotheses=tuple(_hypotheses(data, source)),
                     construct_descriptions=descriptions, source=source,
                     meanstructure=options.get("meanstructure", False),
                     std_lv=options.get("std_lv", False), scales=scales, reverse=reverse,
                     ordered=ordered)


def _ordered_items(data: Mapping, statements: list[Statement], source: str | None
                   ) -> frozenset[str]:
    """``ordered``: ``true`` (every item) or a list of items at the top, ``true`` on a
    construct (its items)."""
    from .scales import indicator_items

    def declared(value: Any, where: str, items: list[str]) -> set[str]:
        if value is None or value is False:
            return set()
        if value is True:
            return set(items)
        if isinstance(value, (list, tuple)):
            return set(_name_list(value, where, source))
        raise _fail(f"{where}: ordered is true, false or a list of items, e.g. ordered: "
                    "[sat_1, sat_2]", source)

    found = declared(data.get("ordered"), "ordered", indicator_items(statements))
    for name, body in (data.get("constructs") or {}).items():
        if isinstance(body, Mapping) and body.get("ordered") is not None:
            if not isinstance(body["ordered"], bool):
                raise _fail(f"construct {name!r}: ordered is true or false", source)
            items = [s.rhs for s in statements if s.op in ("=~", "<~") and s.lhs == name]
            found |= declared(body["ordered"], f"construct {name!r}", items)
    return frozenset(found)


def _scales_and_keys(data: Mapping, source: str | None
                     ) -> tuple[dict[str, tuple[float, float]], frozenset[str]]:
    """``scale`` (top, construct), ``scales`` (item) and ``reverse`` (top, construct):
    item → scale, the most specific declaration winning; the reverse-keyed items."""
    constructs = data.get("constructs") or {}
    scales: dict[str, tuple[float, float]] = {}
    reverse: set[str] = set(_name_list(data.get("reverse") or [], "reverse", source))
    if data.get("scale") is not None:
        top = checked_scale(data["scale"], "scale", source)
        for body in constructs.values():
            items = body.get("items") if isinstance(body, Mapping) else body
            scales.update({item: top for item in _name_list(items, "items", source)})
    for name, body in constructs.items():
        if not isinstance(body, Mapping):
            continue
        if body.get("scale") is not None:
            own = checked_scale(body["scale"], f"construct {name!r}: scale", source)
            scales.update({item: own for item in _name_list(body.get("items"), "items",
                                                              source)})
        reverse |= set(_name_list(body.get("reverse") or [], f"construct {name!r}: reverse",
                                  source))
    per_item = data.get("scales") or {}
    if not isinstance(per_item, Mapping):
        raise _fail("'scales' maps items to [min, max], e.g. scales: {loy_4: [1, 5]}", source)
    for item, value in per_item.items():
        scales[_scalar_text(item, "scales", source)] = checked_scale(value, f"scales: {item}",
                                                                     source)
    return scales, frozenset(reverse)
