"""The model matrices as semopy lays them out — the one place that imports semopy.

semopy reads a model description, classifies the variables (observed,
latent, and the *inner* variables of the structural part: latent variables,
exogenous covariates and observed variables that predict others) and lays
the parameters out in its LISREL-type matrices ``Beta, Lambda, Psi, Theta``
with

    Sigma = Lambda (I - Beta)^-1 Psi (I - Beta)^-T Lambda' + Theta.

:func:`model_structure` asks semopy once per parameter table where
every row of the table lives: the table is written as a description in which
each row is its own named parameter (``_lsp<row>``), so the mapping from
rows to matrix entries is exact whatever is free, fixed or shared. No data
are loaded: building the structure takes well under a millisecond, and start
values, moments and estimation are loyaltysem's own (:mod:`.layout`,
:mod:`.ml`). The structure is kept in memory and on disk
(:mod:`.structure_cache`): a later process fitting the same model does not
import semopy at all (its import takes about 0.6 s).

Rows of the table that semopy never sees: fixed.x covariances (``exo``; they
live in ``Psi`` among the covariates and are filled from each sample's
moments) and ``~1`` rows (means live in the vectors ``nu`` and ``alpha`` of
:mod:`.layout`).
"""
from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import SpecificationError
from ..frame_rows import table_rows
from ..spec.names import describe_bad_name, is_valid_name

_PREFIX = "_lsp"
#: Matrix numbers of a location: ``Beta, Lambda, Psi, Theta``.
BETA, LAMBDA, PSI, THETA = range(4)
#: Operators semopy is given (``~1`` and ``:=`` are not semopy's).
STRUCTURE_OPS = ("=~", "~", "~~")


@dataclass(frozen=True)
class Location:
    """Where one table row sits: ``matrix`` (:data:`BETA`...), ``row``, ``col``;
    ``symmetric`` rows also fill ``(col, row)``."""

    matrix: int
    row: int
    col: int
    symmetric: bool


@dataclass(frozen=True)
class ModelStructure:
    """The matrix layout of one model (one group).

    Attributes
    ----------
    observed : tuple of str
        Order of the rows of ``Lambda`` and ``Theta`` (of Sigma and mu).
    inner : tuple of str
        Order of ``Beta``/``Psi`` (latent variables, covariates, observed
        variables of the structural part).
    latent : tuple of str
        The latent variables, in inner order.
    constants : tuple of ndarray
        ``Beta, Lambda, Psi, Theta`` with semopy's structural constants (the
        unit loadings that carry inner observed variables), zeros elsewhere.
    locations : mapping
        ``(lhs, op, rhs) -> tuple of Location`` for every row semopy lays out
        and every fixed.x covariance (``Psi`` among the covariates).
    """

    observed: tuple[str, ...]
    inner: tuple[str, ...]
    latent: tuple[str, ...]
    constants: tuple[np.ndarray, ...]
    locations: Mapping[tuple[str, str, str], tuple[Location, ...]]

    @property
    def shapes(self) -> tuple[tuple[int, int], ...]:
        return tuple(m.shape for m in self.constants)

    def observed_index(self, name: str) -> int:
        return self.observed.index(name)

    def inner_index(self, name: str) -> int:
        return self.inner.index(name)


def _checked(table: pd.DataFrame) -> list[tuple[str, str, str]]:
    rows = []
    for row in table_rows(table):
        if row.op in (":=", "~1") or row.exo:
            continue
        for name in (row.lhs, row.rhs):  # defence in depth: semopy evaluates some lines
            if not is_valid_name(name):
                raise SpecificationError(describe_bad_name("variable", name))
        if row.op not in STRUCTURE_OPS:
            raise SpecificationError(f"operator {row.op!r} cannot be handed to semopy")
        key = (str(row.lhs), str(row.op), str(row.rhs))
        if key not in rows:
            rows.append(key)
    return rows


def model_structure(table: pd.DataFrame) -> ModelStructure:
    """The structure of the model of a parameter table (see the module notes).

    Parameters
    ----------
    table : pandas.DataFrame
        Rows ``lhs, op, rhs, exo`` (a single-group table; in a multi-group
        table every group has the same rows, so one group's rows suffice).

    Raises
    ------
    SpecificationError
        If a name breaks the naming rule of :mod:`loyaltysem.spec.names`
        (specs are checked when built; this guards every other way in).
    """
    rows = tuple(_checked(table))
    exo = tuple(sorted({(str(r.lhs), str(r.rhs)) for r in table_rows(table)
                        if r.exo and r.op == "~~"}))
    return _cached_structure(rows, exo)


@functools.lru_cache(maxsize=256)
def _cached_structure(rows: tuple[tuple[str, str, str], ...],
                      exo: tuple[tuple[str, str], ...]) -> ModelStructure:
    """The structure from the disk cache (:mod:`.structure_cache`), else built by semopy
    and stored there; kept in memory for the rest of the process."""
    from .structure_cache import load_structure, save_structure

    structure = load_structure(rows, exo)
    if structure is None:
        structure = _semopy_structure(rows, exo)
        save_structure(structure, rows, exo)
    return structure


def _semopy_structure(rows: tuple[tuple[str, str, str], ...],
                      exo: tuple[tuple[str, str], ...]) -> ModelStructure:
    import semopy  # only here: the rest of loyaltysem never imports semopy

    description = "\n".join(f"{lhs} {op} {_PREFIX}{k}*{rhs}"
                            for k, (lhs, op, rhs) in enumerate(rows))
    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.ERROR)  # semopy reports through logging
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                model = semopy.Model(description, cov_diag=True)
            except ValueError:
                # semopy places an observed outcome that predicts nothing ("output") with
                # the indicators; a covariance between it and a latent variable (lavaan's
                # auto.cov.y: textual ~~ x9 for textual ~ visual, x9 ~ visual) has no
                # place there. lavaan's representation makes the outcome an inner
                # variable, as semopy does with mimic_lavaan.
                model = _mimic_lavaan_model(semopy, description)
    finally:
        logger.setLevel(level)
    unknown = [name for name, parameter in model.parameters.items()
               if not name.startswith(_PREFIX) and getattr(parameter, "active", False)]
    if unknown:  # every row is explicit: semopy must not add parameters of its own
        raise SpecificationError("semopy added parameters the table does not have: "
                                 + ", ".join(unknown))
    matrices = model.matrices[:4]
    locations: dict[tuple[str, str, str], tuple[Location, ...]] = {}
    constants = [np.array(m, dtype=float) for m in matrices]
    for k, key in enumerate(rows):
        parameter = model.parameters[f"{_PREFIX}{k}"]
        found = []
        for location in parameter.locations:
            number = next(i for i, m in enumerate(matrices) if m is location.matrix)
            i, j = int(location.indices[0]), int(location.indices[1])
            found.append(Location(number, i, j, bool(location.symmetric)))
            constants[number][i, j] = 0.0
            if location.symmetric:
                constants[number][j, i] = 0.0
        locations[key] = tuple(found)
    inner = tuple(model.vars["inner"])
    for a, b in exo:  # fixed.x: Psi among the covariates (inner variables in semopy)
        i, j = inner.index(a), inner.index(b)
        locations[(a, "~~", b)] = (Location(PSI, i, j, True),)
    latent = tuple(v for v in inner if v in set(model.vars["latent"]))
    for matrix in constants:
        matrix.setflags(write=False)
    return ModelStructure(tuple(model.vars["observed"]), inner, latent, tuple(constants),
                          locations)


def _mimic_lavaan_model(semopy: Any, description: str) -> Any:
    """semopy's model with every outcome an inner variable (``mimic_lavaan``); a model
    semopy cannot lay out either way is a SpecificationError, not a traceback."""
    try:
        return semopy.Model(description, cov_diag=True, mimic_lavaan=True)
    except (ValueError, KeyError, IndexError) as error:
        raise SpecificationError(
            f"the model's matrices cannot be laid out ({error}); check covariances between "
            "latent variables and observed variables that are not outcomes") from None


__all__ = ["BETA", "LAMBDA", "PSI", "THETA", "Location", "ModelStructure", "model_structure"]
