"""Model specifications: constructs, paths, hypotheses; YAML and lavaan syntax.

The package layout: :mod:`.statements` (one parameter), :mod:`.lavaan_syntax`
(read/write lavaan), :mod:`.yaml_format` (the YAML format),
:mod:`.partable` (lavaan's defaults → full parameter table),
:mod:`.expressions` (``:=`` arithmetic), :mod:`.model_spec` (ModelSpec).
"""
from __future__ import annotations

from pathlib import Path

from .model_spec import Construct, Hypothesis, ModelSpec
from ..exceptions import SpecificationError
from .safe_yaml import load_yaml, read_text_file
from .shipped_models import list_models, shipped_model_path
from .statements import Statement

__all__ = ["Construct", "Hypothesis", "ModelSpec", "Statement", "as_spec", "list_models",
           "load_spec"]


def load_spec(path: str | Path) -> ModelSpec:
    """Read a model spec from a ``.yaml``/``.yml`` or lavaan (``.lav``) file, or a shipped model.

    Parameters
    ----------
    path : str or Path
        A spec file; where no such file exists, the name of a shipped model
        (``"corp_rep"``, ``"hs_cfa.lav"``: see :func:`list_models`).

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
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "visual.lav"
    >>> _ = path.write_text("visual =~ x1 + x2 + x3")
    >>> spec = load_spec(path)                 # models/*.yaml and models/*.lav alike
    >>> spec.constructs["visual"].items
    ('x1', 'x2', 'x3')
    >>> load_spec("ecsi").name                 # a shipped model, by name
    'ecsi'
    """
    if isinstance(path, (str, Path)) and not Path(path).is_file():
        shipped = shipped_model_path(str(path))
        if shipped is not None:
            path = shipped
        elif len(Path(path).parts) == 1:  # a bare name: say which names are shipped
            names = ", ".join(list_models()["name"])
            raise SpecificationError(f"spec file {str(path)!r} not found, and it is not a "
                                     f"shipped model; shipped models: {names}")
    text = read_text_file(path, "spec file")
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        data = load_yaml(text, source=str(path))
        return ModelSpec.from_dict(data, source=str(path))
    return ModelSpec.from_lavaan(text, name=_name_from_stem(path.stem), source=str(path))


def as_spec(spec: ModelSpec | str | Path) -> ModelSpec:
    """A ModelSpec from a spec, a spec file, a shipped model's name or lavaan syntax.

    Raises
    ------
    SpecificationError
        For anything else, or a spec that does not parse.
    """
    if isinstance(spec, ModelSpec):
        return spec
    if isinstance(spec, Path) or (isinstance(spec, str) and "\n" not in spec and (
            Path(spec).suffix.lower() in (".yaml", ".yml", ".lav", ".txt")
            or shipped_model_path(spec) is not None)):
        return load_spec(spec)
    if isinstance(spec, str):
        return ModelSpec.from_lavaan(spec)
    raise SpecificationError(f"spec must be a ModelSpec, a spec file path, a shipped model's "
                             f"name or lavaan syntax; got {type(spec).__name__}")


def _name_from_stem(stem: str) -> str:
    """A file name as a one-line model name (the file name may hold anything)."""
    return "".join(char for char in stem if char.isprintable())[:100] or "model"
