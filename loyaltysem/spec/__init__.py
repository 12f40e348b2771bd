"""Model specifications: constructs, paths, hypotheses; YAML and lavaan syntax.

The package layout: :mod:`.statements` (one parameter), :mod:`.lavaan_syntax`
(read/write lavaan), :mod:`.yaml_format` (the YAML format),
:mod:`.partable` (lavaan's defaults → full parameter table),
:mod:`.expressions` (``:=`` arithmetic), :mod:`.model_spec` (ModelSpec).
"""
from __future__ import annotations

from pathlib import Path

import yaml

from ..exceptions import SpecificationError
from .model_spec import Construct, Hypothesis, ModelSpec
from .statements import Statement

__all__ = ["Construct", "Hypothesis", "ModelSpec", "Statement", "load_spec"]


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise SpecificationError(
                    f"duplicate name {key!r} (also at line {seen[key]}): each construct, key "
                    "and hypothesis id may appear only once", line=line)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_spec(path: str | Path) -> ModelSpec:
    """Read a model spec from a ``.yaml``/``.yml`` or lavaan (``.lav``) file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    ModelSpec

    Raises
    ------
    SpecificationError
        If the file is missing, does not parse or describes an invalid model;
        the message names the file and, where it can, the line.

    Examples
    --------
    >>> spec = load_spec("models/corp_rep.yaml")   # doctest: +SKIP
    >>> spec.constructs["COMP"].items               # doctest: +SKIP
    ('comp_1', 'comp_2', 'comp_3')
    """
    path = Path(path)
    if not path.is_file():
        raise SpecificationError(f"spec file {str(path)!r} not found; give the path to a "
                                 ".yaml or .lav file (shipped specs are in models/)")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
        except SpecificationError as error:
            raise SpecificationError(str(error).split(": ", 1)[1], source=str(path),
                                     line=error.line) from error
        except yaml.YAMLError as error:
            line = None
            mark = getattr(error, "problem_mark", None)
            if mark is not None:
                line = mark.line + 1
            raise SpecificationError(f"not valid YAML: {getattr(error, 'problem', error)}",
                                     source=str(path), line=line) from error
        spec = ModelSpec.from_dict(data, source=str(path))
    else:
        spec = ModelSpec.from_lavaan(text, name=path.stem, source=str(path))
    return spec
