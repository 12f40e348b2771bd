"""Exceptions and warnings raised by loyaltysem.

Errors name the offending thing (column, construct, line) and say what to do.
Warnings go through :func:`warnings.warn`, never through logging, so that
scripts can filter or escalate them.
"""
from __future__ import annotations


class LoyaltySemError(Exception):
    """Base class of every error loyaltysem raises on purpose."""


class SpecificationError(LoyaltySemError, ValueError):
    """A model specification is malformed or inconsistent.

    Parameters
    ----------
    message : str
        What is wrong and how to fix it.
    source : str, optional
        The file the specification came from.
    line : int, optional
        The 1-based line of the offending statement.
    """

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.source = source
        self.line = line
        where = ""
        if source is not None and line is not None:
            where = f"{source}, line {line}: "
        elif source is not None:
            where = f"{source}: "
        elif line is not None:
            where = f"line {line}: "
        super().__init__(where + message)


class NotIdentifiedError(SpecificationError):
    """The model has more free parameters than observed moments (t-rule)."""


class DataError(LoyaltySemError, ValueError):
    """Survey data cannot be used as given (missing column, non-numeric, empty...)."""


class ConvergenceError(LoyaltySemError, RuntimeError):
    """The estimator could not produce any usable solution."""


class LoyaltySemWarning(UserWarning):
    """Base class of loyaltysem's warnings."""


class ConvergenceWarning(LoyaltySemWarning):
    """The optimiser stopped before reaching lavaan-grade convergence."""


class AdmissibilityWarning(LoyaltySemWarning):
    """The solution is not admissible or not interpretable as it stands."""


class HeywoodCaseWarning(AdmissibilityWarning):
    """A variance is negative or a standardized coefficient exceeds 1 in absolute value."""


class NotPositiveDefiniteWarning(AdmissibilityWarning):
    """A latent or residual covariance matrix is not positive definite."""


class MissingValueWarning(LoyaltySemWarning):
    """Rows were dropped or values treated as missing."""


class CategoricalDataWarning(LoyaltySemWarning):
    """Ordinal items that can be used but deserve a look: many categories,
    empty cells in a bivariate table, a polychoric correlation near 1."""


class IdentificationWarning(LoyaltySemWarning):
    """The information matrix is singular: some parameters are not identified."""


class StoreError(LoyaltySemError, RuntimeError):
    """A robustness study's result store cannot be used (locked, damaged, unwritable...)."""


class OutputError(LoyaltySemError, ValueError):
    """An output file cannot be written as asked (unknown format, missing folder, an input...)."""


class ArgumentError(LoyaltySemError, ValueError, TypeError):
    """An argument of a public function has a wrong value or type.

    The message has one shape, ``"<argument> must be <what>; got <value>"``
    (scikit-learn's ``InvalidParameterError``, which is also both a
    ``ValueError`` and a ``TypeError``, so that either ``except`` catches it).
    """
