"""What the estimation core does with lavaan's constraints and per-group modifiers.

The parameter table (:mod:`loyaltysem.spec.partable`) absorbs the constraints
that are a reparameterisation by free numbers: shared labels, ``a == b``
between two labels (one free parameter, which gives lavaan's estimates, SEs,
``npar`` and ``df``) and ``a == 0.5`` (fixed). The others — nonlinear or
weighted equalities (``p2*p3 == 0.5``, ``a == b^2``, ``a1 - a2 == 0.1``) and
inequalities (``a < 0.5``, ``b > 0``) — are handled here, for every fit of the
core: one or several groups (labels of ``c(a1, a2)*`` modifiers), mean
structures, FIML, estimators ML, MLR and MLM. The constraints are functions of
the core's free parameters (``functions.layout.table``), whatever the groups
and patterns:

- estimation: the unconstrained estimates, then SLSQP on the core's ``F`` and
  gradient with the constraints, then Newton steps on the first-order
  conditions of the active set ``h(theta) = 0`` (equalities and the
  inequalities at their bound), with ``2 I`` (the expected Hessian) for the
  Hessian of ``F``, to a projected gradient below 1e-10;
- inference: wherever an inverse information enters (SEs from the expected or
  observed information, the sandwich of MLR and MLM, the Yuan–Bentler and
  Satorra–Bentler traces, the FIML-corrected statistic), the inverse
  restricted to the null space ``Z`` of the active constraints' Jacobian ``H``,
  ``Z (Z' A Z)^-1 Z'`` (:func:`projected_inverse`) — the top-left block of the
  inverse of lavaan's augmented information ``[[A, H'], [H, 0]]``; a parameter
  held at its bound gets SE 0 and the others those of the model with it fixed
  there, as lavaan's; inactive inequalities are ignored;
- ``npar`` = free parameters − equality constraints (inequalities do not count,
  active or not), ``df`` = moments − ``npar``, as lavaan's ``fitMeasures``.

References
----------
lavaan 0.6: ``R/lav_partable_constraints.R``, ``R/lav_model_vcov.R``
(``lav_model_information_augment_invert``), ``R/lav_model_estimate.R``
(constrained optimisation with ``nlminb``).
Nocedal, J., & Wright, S. J. (2006). Numerical optimization (2nd ed., ch. 18:
sequential quadratic programming). Springer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import SpecificationError
from ..frame_rows import table_rows
from ..spec import ModelSpec
from ..spec.expressions import Expression, parse_expression
from .ml import MLFunctions
from .optimizer import OptimizationResult

_STEP = 1e-20
#: an inequality within this of its bound is active
ACTIVE_TOLERANCE = 1e-7


def check_supported(spec: ModelSpec, estimator: str = "ML", *, n_groups: int = 1,
                    fiml: bool = False) -> None:
    """Refuse what the core cannot fit, naming the statement and the way out.

    Constraints (``==``, ``<``, ``>``) are fitted in every fit the core offers (one or
    several groups, mean structures, FIML, ML, MLR and MLM); what is refused here is
    not about them: ``c(...)`` modifiers in a single-group fit, and MLR/MLM with a
    mean structure on complete data.

    Parameters
    ----------
    spec : ModelSpec
    estimator : str
    n_groups : int
        1 for :func:`loyaltysem.fit`; the number of groups for
        :func:`loyaltysem.groups.fit_groups`.
    fiml : bool
        Whether the single-group fit is full-information ML (a mean structure anyway).

    Raises
    ------
    SpecificationError
    """
    if n_groups == 1 and spec.n_groups_written > 1:
        statement = next(s for s in spec.statements if len(s.groups) > 1)
        raise SpecificationError(
            f"{statement.to_lavaan()} gives {len(statement.groups)} groups' modifiers, but this "
            "is a single-group fit; fit the groups with loyaltysem.groups.fit_groups(spec, "
            "data, group=...), or write one modifier", source=spec.source, line=statement.line)


@dataclass(frozen=True)
class Constraints:
    """The constraints of a spec as functions of the free parameters.

    Attributes
    ----------
    equalities : tuple of (Expression, Expression)
        ``lhs == rhs``: ``h(theta) = lhs - rhs = 0``.
    inequalities : tuple of (Expression, Expression)
        ``lhs > rhs`` (and ``rhs < lhs``): ``g(theta) = lhs - rhs >= 0``.
    sources : mapping of label to (kind, value)
        ``("free", index)`` or ``("fixed", value)`` (as :mod:`.defined`).
    """

    equalities: tuple[tuple[Expression, Expression], ...]
    inequalities: tuple[tuple[Expression, Expression], ...]
    sources: dict[str, tuple[str, float]]

    @classmethod
    def from_spec(cls, spec: ModelSpec, table: pd.DataFrame | None = None) -> "Constraints":
        """The spec's constraints over the free parameters of ``table``: the core's
        table of the fit (``functions.layout.table``: one or several groups, the mean
        structure rows of FIML), ``spec.parameter_table`` by default."""
        sources: dict[str, tuple[str, float]] = {}
        table = spec.parameter_table if table is None else table
        for row in table_rows(table, ("op", "label", "free", "ustart")):
            if row.label and row.op != ":=" and row.label not in sources:
                sources[row.label] = (("free", float(row.free - 1)) if row.free > 0
                                      else ("fixed", float(row.ustart)))
        equalities, inequalities = [], []
        for statement in spec.constraints:
            lhs, rhs = parse_expression(statement.lhs), parse_expression(statement.rhs)
            if statement.op == "==":
                equalities.append((lhs, rhs))
            else:
                inequalities.append((lhs, rhs) if statement.op == ">" else (rhs, lhs))
        return cls(tuple(equalities), tuple(inequalities), sources)

    def __len__(self) -> int:
        return len(self.equalities) + len(self.inequalities)

    def _scope(self, theta: np.ndarray) -> dict[str, complex]:
        return {label: theta[int(where)] if kind == "free" else where
                for label, (kind, where) in self.sources.items()}

    def values(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``h(theta)`` (equalities) and ``g(theta)`` (inequalities, >= 0 when met)."""
        scope = self._scope(theta)
        h = [np.real(a.evaluate(scope) - b.evaluate(scope)) for a, b in self.equalities]
        g = [np.real(a.evaluate(scope) - b.evaluate(scope)) for a, b in self.inequalities]
        return np.array(h, dtype=float), np.array(g, dtype=float)

    def jacobians(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``dh/dtheta`` and ``dg/dtheta`` by the complex step (exact for this arithmetic)."""
        n = theta.size
        jh, jg = np.zeros((len(self.equalities), n)), np.zeros((len(self.inequalities), n))
        for k in range(n):
            shifted = theta.astype(complex)
            shifted[k] += 1j * _STEP
            scope = self._scope(shifted)
            for i, (a, b) in enumerate(self.equalities):
                jh[i, k] = np.imag(a.evaluate(scope) - b.evaluate(scope)) / _STEP
            for i, (a, b) in enumerate(self.inequalities):
                jg[i, k] = np.imag(a.evaluate(scope) - b.evaluate(scope)) / _STEP
        return jh, jg

    def active_jacobian(self, theta: np.ndarray) -> np.ndarray:
        """The Jacobian of the equalities and of the inequalities at their bound."""
        jh, jg = self.jacobians(theta)
        _, g = self.values(theta)
        return np.vstack([jh, jg[g <= ACTIVE_TOLERANCE]])

    def null_space(self, theta: np.ndarray) -> np.ndarray | None:
        """An orthonormal basis ``Z`` (columns) of the null space of the active
        constraints' Jacobian at ``theta``; None when no constraint is active."""
        if not len(self):
            return None
        jac = self.active_jacobian(theta)
        if not jac.size:
            return None
        _, singular, vt = np.linalg.svd(jac)
        rank = int((singular > 1e-10 * max(singular.max(), 1.0)).sum())
        return np.ascontiguousarray(vt[rank:].T)


def constrained_minimize(functions: MLFunctions, spec: ModelSpec,
                         unconstrained: OptimizationResult) -> OptimizationResult:
    """The ML estimates under the spec's constraints (module notes), from the
    unconstrained estimates; returns ``unconstrained`` when there are none."""
    if not spec.constraints:
        return unconstrained
    constraints = Constraints.from_spec(spec, functions.layout.table)
    if not len(constraints):
        return unconstrained
    from scipy.optimize import minimize as scipy_minimize

    def gradient(x: np.ndarray) -> np.ndarray:
        _, g = functions.evaluate(x)
        assert g is not None
        return g[0]

    pieces = []
    if constraints.equalities:
        pieces.append({"type": "eq", "fun": lambda x: constraints.values(x)[0],
                       "jac": lambda x: constraints.jacobians(x)[0]})
    if constraints.inequalities:
        pieces.append({"type": "ineq", "fun": lambda x: constraints.values(x)[1],
                       "jac": lambda x: constraints.jacobians(x)[1]})
    x = unconstrained.x.copy()
    for _ in range(3):  # SLSQP stops early on badly scaled problems: restart from its point
        step = scipy_minimize(functions.discrepancy, x, jac=gradient, method="SLSQP",
                              constraints=pieces, options={"ftol": 1e-14, "maxiter": 2000})
        if np.isfinite(functions.discrepancy(step.x)):
            x = step.x
        if step.success:
            break
    x, converged, iterations = _newton_on_active_set(functions, constraints, x)
    g, information = functions.gradient_and_information(x)
    return OptimizationResult(
        x=x, fun=functions.discrepancy(x), gradient=g, information=information,
        converged=converged, iterations=unconstrained.iterations + iterations,
        message="converged (constrained)" if converged else
        "the constrained optimum was not reached (projected gradient above 1e-8)")


def _newton_on_active_set(functions: MLFunctions, constraints: Constraints, x: np.ndarray,
                          max_iterations: int = 100) -> tuple[np.ndarray, bool, int]:
    """Solve ``grad F + H' lambda = 0, h = 0`` on the active set, ``2 I`` as the Hessian."""
    _, g_values = constraints.values(x)
    active = g_values <= ACTIVE_TOLERANCE

    def active_values(point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, g = constraints.values(point)
        jh, jg = constraints.jacobians(point)
        return np.concatenate([h, g[active]]), np.vstack([jh, jg[active]])

    for iteration in range(1, max_iterations + 1):
        gradient, information = functions.gradient_and_information(x)
        c, jac = active_values(x)
        k = c.size
        system = np.block([[2.0 * information, jac.T], [jac, np.zeros((k, k))]])
        solution = np.linalg.lstsq(system, -np.concatenate([gradient, c]), rcond=None)[0]
        step = solution[:x.size]
        if not np.isfinite(functions.discrepancy(x + step)):
            step = step / 2.0
        x = x + step
        gradient = functions.gradient_and_information(x)[0]
        c, jac = active_values(x)
        projected = gradient - jac.T @ np.linalg.lstsq(jac.T, gradient, rcond=None)[0] \
            if k else gradient
        if np.abs(projected).max() < 1e-10 and (not k or np.abs(c).max() < 1e-12):
            return x, True, iteration
    return x, bool(np.abs(projected).max() < 1e-8), max_iterations


def active_null_space(functions: MLFunctions, spec: ModelSpec, theta: np.ndarray
                      ) -> np.ndarray | None:
    """``Z`` of :meth:`Constraints.null_space` for the spec's constraints over the free
    parameters of ``functions`` (any number of groups, mean structure or FIML); None
    without constraints or when none is active."""
    if not spec.constraints:
        return None
    return Constraints.from_spec(spec, functions.layout.table).null_space(theta)


def projected_inverse(information: np.ndarray, null_space: np.ndarray | None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of an information under the active constraints, and the eigenvalues
    of the information it inverts (the identification check).

    Parameters
    ----------
    information : ndarray
        Expected, observed or first-order information (n, n) of the free parameters.
    null_space : ndarray or None
        ``Z`` (n, k) of :func:`active_null_space`; None: the plain inverse.

    Returns
    -------
    inverse, eigenvalues : ndarray
        ``Z (Z' A Z)^-1 Z'`` and the eigenvalues of ``Z' A Z`` (of ``A`` with None).

    Notes
    -----
    ``Z (Z' A Z)^-1 Z'`` is the top-left block of the inverse of the augmented
    information ``[[A, H'], [H, 0]]`` with ``H`` the Jacobian of the active constraints
    (lavaan's ``lav_model_information_augment_invert``; Aitchison & Silvey 1958;
    Bentler & Dijkstra 1985). lavaan uses it in place of ``A^-1`` everywhere: SEs, the
    sandwich ``E^-1 B E^-1`` (MLR, MLM) and the traces of the scaled tests.

    References
    ----------
    Aitchison, J., & Silvey, S. D. (1958). Maximum-likelihood estimation of parameters
    subject to restraints. Annals of Mathematical Statistics, 29(3), 813-828.
    Bentler, P. M., & Dijkstra, T. (1985). Efficient estimation via linearization in
    structural models. In P. R. Krishnaiah (Ed.), Multivariate analysis VI (pp. 9-42).
    North-Holland.
    """
    if null_space is None:
        eigenvalues = np.linalg.eigvalsh(information) if information.size else np.zeros(0)
        try:
            inverse = np.linalg.inv(information)
            if not np.all(np.isfinite(inverse)):
                raise np.linalg.LinAlgError
        except np.linalg.LinAlgError:
            inverse = np.linalg.pinv(information)
        return inverse, eigenvalues
    inner = null_space.T @ information @ null_space
    inner_inverse, eigenvalues = projected_inverse(inner, None)
    return null_space @ inner_inverse @ null_space.T, eigenvalues


def check_refits_apply(spec: ModelSpec | None, what: str) -> None:
    """Refuse resampling refits (``what``: "the bootstrap", "the Bollen–Stine
    bootstrap") of a model with constraints of this module: the refits run the
    unconstrained core (stacked BFGS, Fisher scoring), so their draws would come from
    another model.

    Raises
    ------
    SpecificationError
        Naming the first such constraint, its line and what to do instead.
    """
    if spec is None or not spec.constraints:
        return
    statement = spec.constraints[0]
    raise SpecificationError(
        f"{statement.to_lavaan()}: {what} refits do not apply constraints other than "
        "equalities between labels (a == b) or with a number (a == 0.5), so the draws would "
        "come from another model; use the fit's standard errors (delta method for := rows), "
        "or write the constraint with labels", source=spec.source, line=statement.line)


def n_equality_constraints(spec: ModelSpec) -> int:
    """Equality constraints the parameter table does not absorb (they reduce lavaan's npar)."""
    return sum(1 for statement in spec.constraints if statement.op == "==")


__all__ = ["Constraints", "active_null_space", "check_refits_apply", "check_supported", "constrained_minimize",
           "n_equality_constraints", "projected_inverse"]
