"""Defined parameters (``:=``) and their delta-method standard errors.

The Jacobian of the defined parameters with respect to the free parameters is
computed by the complex step (Squire & Trapp, 1998), exact to machine
precision for the arithmetic expressions ``:=`` allows; the covariance is
``J V J'`` (delta method), as lavaan computes it.

References
----------
Squire, W., & Trapp, G. (1998). Using complex variables to estimate
derivatives of real functions. SIAM Review, 40(1), 110-112.
Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in
structural equation models. Sociological Methodology, 13, 290-312.
lavaan 0.6: ``R/lav_model_vcov.R`` (``def.cov``), ``lav_func_jacobian_complex``.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..frame_rows import table_rows
from ..spec.expressions import parse_expression

_STEP = 1e-20


class DefinedParameters:
    """Evaluate ``:=`` rows of a parameter table as functions of the free parameters.

    Parameters
    ----------
    table : pandas.DataFrame
        Parameter table with ``lhs, op, rhs, label, free, ustart``.
    """

    def __init__(self, table: pd.DataFrame):
        self.names: list[str] = []
        self._expressions = []
        self._label_source: dict[str, tuple[str, float]] = {}
        for row in table_rows(table, ("lhs", "op", "rhs", "label", "free", "ustart")):
            if row.op == ":=":
                self.names.append(row.lhs)
                self._expressions.append(parse_expression(row.rhs))
            elif row.label:
                if row.free > 0:
                    self._label_source[row.label] = ("free", row.free - 1)
                else:
                    self._label_source[row.label] = ("fixed", float(row.ustart))

    def __len__(self) -> int:
        return len(self.names)

    def values(self, theta: Sequence[complex] | np.ndarray) -> np.ndarray:
        """Defined parameters at ``theta`` (real or complex)."""
        scope: dict[str, complex] = {}
        for label, (kind, where) in self._label_source.items():
            scope[label] = theta[int(where)] if kind == "free" else where
        out = []
        for name, expression in zip(self.names, self._expressions):
            value = expression.evaluate(scope)
            scope[name] = value
            out.append(value)
        return np.array(out)

    def values_from_draws(self, thetas: np.ndarray) -> np.ndarray:
        """Defined parameters for many parameter vectors (rows of ``thetas``): (n_draws, n_defined)."""
        scope: dict[str, object] = {}
        for label, (kind, where) in self._label_source.items():
            scope[label] = thetas[:, int(where)] if kind == "free" else np.full(len(thetas), where)
        out = []
        for name, expression in zip(self.names, self._expressions):
            value = np.broadcast_to(np.asarray(expression.evaluate(scope), dtype=float),
                                    (len(thetas),))
            scope[name] = value
            out.append(value)
        return np.array(out).T if out else np.zeros((len(thetas), 0))

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """``d defined / d theta`` by the complex step, shape (n_defined, q)."""
        q = len(theta)
        jac = np.zeros((len(self.names), q))
        for k in range(q):
            shifted = theta.astype(complex)
            shifted[k] += 1j * _STEP
            jac[:, k] = np.imag(self.values(shifted)) / _STEP
        return jac

    def covariance(self, theta: np.ndarray, vcov: np.ndarray) -> np.ndarray:
        """Delta-method covariance ``J V J'`` of the defined parameters."""
        jac = self.jacobian(theta)
        return jac @ vcov @ jac.T
