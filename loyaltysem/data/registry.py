"""The registry of shipped datasets (``datasets/<name>/``).

Each folder holds the CSV, ``dataset.yaml`` (title, N, missing-value codes,
source, licence, provenance) and ``codebook.csv`` (item → construct, wording,
scale; a ``value_labels`` column names the codes, ``1 = prepaid plan; 2 = contract plan``). The folder is found next to the package (an editable install or a
source checkout), in an installed wheel's package data
(:mod:`loyaltysem.shipped`), or through the ``LOYALTYSEM_DATASETS`` environment
variable.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import DataError
from ..shipped import shipped_dir
from .checks import NaValues
from .labels import parse_value_labels
from .survey import read_table


def datasets_dir() -> Path:
    """The folder that holds the shipped datasets."""
    override = os.environ.get("LOYALTYSEM_DATASETS")
    if override:
        return Path(override)
    return shipped_dir("datasets")


@lru_cache(maxsize=None)
def _metadata(name: str) -> dict[str, Any]:
    import yaml  # only when a shipped dataset is used: not on the start-up of every command

    path = datasets_dir() / name / "dataset.yaml"
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def dataset_names() -> list[str]:
    """Names of the shipped datasets."""
    root = datasets_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "dataset.yaml").is_file())


def _check_name(name: str) -> None:
    if name not in dataset_names():
        raise DataError(f"no shipped dataset {name!r}; available: {', '.join(dataset_names())}")


def dataset_info(name: str) -> dict[str, Any]:
    """The metadata of a dataset (``dataset.yaml``)."""
    _check_name(name)
    return dict(_metadata(name))


def load_dataset(name: str) -> pd.DataFrame:
    """Load a shipped dataset, with its missing-value codes already turned into NaN.

    Parameters
    ----------
    name : str
        One of :func:`dataset_names` (``mobi``, ``corp_rep``,
        ``holzinger_swineford``, ``political_democracy``, ``loyalty_chain``).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> corp_rep = load_dataset("corp_rep")
    >>> int(corp_rep["cusa"].isna().sum())    # the -99 code became NaN
    1
    """
    _check_name(name)
    meta = _metadata(name)
    path = datasets_dir() / name / meta["file"]
    frame = read_table(path, na_values=meta.get("missing_values") or None)
    index_col = meta.get("index_col")
    if index_col is not None:
        frame = frame.set_index(frame.columns[int(index_col)])
        frame.index.name = None
    labels = codebook_value_labels(load_codebook(name), str(datasets_dir() / name / "codebook.csv"))
    frame.attrs["value_labels"] = {c: m for c, m in labels.items() if c in frame.columns}
    return frame


def load_codebook(name: str) -> pd.DataFrame:
    """The codebook of a dataset: variable, construct, wording, scale, notes, value labels.

    Raises
    ------
    DataError
        If a ``value_labels`` cell is not ``code = label`` pairs (naming the file,
        the variable and what to write).
    """
    _check_name(name)
    path = datasets_dir() / name / "codebook.csv"
    codebook = pd.read_csv(path)
    if "value_labels" in codebook.columns:
        codebook_value_labels(codebook, str(path))  # checked at the edge
    return codebook


def codebook_value_labels(codebook: pd.DataFrame, source: str) -> dict[str, dict[int, str]]:
    """Variable → (code → label) from a codebook's ``value_labels`` column.

    As SPSS's and Stata's value labels in ``frame.attrs["value_labels"]``
    (:func:`~loyaltysem.data.survey.read_table`); variables without labels are left
    out. The cells are parsed by :func:`~loyaltysem.data.labels.parse_value_labels`.

    Examples
    --------
    >>> codebook_value_labels(load_codebook("corp_rep"), "codebook.csv")
    {'servicetype': {1: 'prepaid plan', 2: 'contract plan'}}
    """
    if "value_labels" not in codebook.columns:
        return {}
    parsed = {str(row.variable): parse_value_labels(row.value_labels, source=source,
                                                    variable=str(row.variable))
              for row in codebook[["variable", "value_labels"]].itertuples(index=False)}
    return {variable: labels for variable, labels in parsed.items() if labels}


def list_datasets() -> pd.DataFrame:
    """One row per shipped dataset: name, title, rows, scale, missing codes, default model."""
    rows = []
    for name in dataset_names():
        meta = _metadata(name)
        rows.append({
            "name": name,
            "title": meta.get("title", ""),
            "n_rows": meta.get("n_rows"),
            "scale": meta.get("scale", ""),
            "missing_values": ", ".join(map(str, meta.get("missing_values") or [])),
            # the shipped model's name (load_spec and SPEC take it), not a checkout's path
            "default_model": Path(str(meta.get("default_model", ""))).name,
        })
    return pd.DataFrame(rows)


def resolve_data(source: str | Path, *, na_values: NaValues = None) -> pd.DataFrame:
    """A data file (any format :func:`~loyaltysem.data.survey.read_table` reads) or the name
    of a shipped dataset → DataFrame.

    Raises
    ------
    DataError
        If ``source`` is neither an existing file nor a dataset name.
    """
    path = Path(source)
    if path.is_file():
        return read_table(path, na_values=na_values)
    if str(source) in dataset_names():
        return load_dataset(str(source))
    raise DataError(f"{str(source)!r} is neither a data file (CSV, .sav, .dta, .xlsx, .parquet) "
                    "nor a shipped dataset; shipped "
                    f"datasets: {', '.join(dataset_names())}")
