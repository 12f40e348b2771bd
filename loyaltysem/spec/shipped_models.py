"""The shipped model library (``models/``: loyalty_chain, ecsi, acsi, corp_rep, ...).

A shipped model's name is its file name (``corp_rep.yaml``, ``hs_cfa.lav``);
its stem (``hs_cfa``) names it too where one file alone has that stem, or
the YAML file where a YAML and a lavaan file share it. A name is looked up in
the listing of the folder, never joined into a path, so a hostile name finds
nothing.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..shipped import shipped_dir

MODEL_SUFFIXES = (".yaml", ".yml", ".lav")


def _model_files() -> dict[str, Path]:
    root = shipped_dir("models")
    if not root.is_dir():
        return {}
    return {path.name: path for path in sorted(root.iterdir())
            if path.is_file() and path.suffix.lower() in MODEL_SUFFIXES}


def model_names() -> list[str]:
    """File names of the shipped models."""
    return list(_model_files())


def shipped_model_path(name: str) -> Path | None:
    """The file of the shipped model ``name`` (file name or stem), or None.

    Examples
    --------
    >>> shipped_model_path("hs_cfa").name
    'hs_cfa.lav'
    >>> shipped_model_path("corp_rep").name           # the YAML beside corp_rep.lav
    'corp_rep.yaml'
    >>> shipped_model_path("../etc/passwd") is None
    True
    """
    files = _model_files()
    if name in files:
        return files[name]
    by_stem = [path for path in files.values() if path.stem == name]
    by_stem.sort(key=lambda path: MODEL_SUFFIXES.index(path.suffix.lower()))
    return by_stem[0] if by_stem else None


def list_models() -> pd.DataFrame:
    """One row per shipped model: ``name`` (what ``load_spec`` and the CLI take), ``file``,
    ``format`` (``yaml`` or ``lavaan``)."""
    rows = [{"name": path.stem if shipped_model_path(path.stem) == path else path.name,
             "file": path.name,
             "format": "lavaan" if path.suffix.lower() == ".lav" else "yaml"}
            for path in _model_files().values()]
    return pd.DataFrame(rows, columns=["name", "file", "format"])
