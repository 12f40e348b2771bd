"""Modification indices and expected parameter changes, as lavaan's ``modindices()``.

For every parameter the model does not estimate — a *candidate* — the
modification index is the score (Lagrange-multiplier) statistic of freeing it
alone, with the model's own parameters free (Sörbom 1989):

    MI_j = N g_j^2 / V_jj,   EPC_j = -g_j / V_jj,   V = I11 - I12 I22^-1 I21,

with ``g`` the gradient of lavaan's ``fmin`` (= F / 2) and ``I`` the unit
expected information of the model extended by all candidates at once
(:mod:`.extension`; 1 = candidates, 2 = the model's free parameters, shared
``free`` numbers being equality constraints), N the total sample size. A
candidate with ``V_jj < eps^(1/3)`` is not identified beside the model's
parameters (freeing a marker loading, a covariance beside a regression of the
same pair): its MI is NaN.

**Constraints** the parameter table does not absorb (nonlinear or weighted ``==``,
``<`` / ``>`` at their bound; :mod:`.constraints`) restrict the model's parameters
to the null space ``Z`` of their Jacobian: ``I22^-1`` becomes ``Z (Z' I22 Z)^-1 Z'``,
the top-left block of the inverse of lavaan's augmented information
(``lav_model_information_augment_invert``; Aitchison & Silvey 1958). Shared labels,
``a == b`` and ``a == 0.5`` are already in the parameterisation; rows that a written
``label == value`` fixes are parameters in lavaan, so not candidates. The MIs are
those of ``information = "expected"`` (lavaan's default): with our optimum and
lavaan's refitted to gradients of ~5e-9 they agree to 2e-7 relative; lavaan's default
nlminb stops at gradients of ~1e-6, which alone moves its MIs by up to 1.5e-4.

The candidates are lavaan 0.6-14's (``lav_partable_full`` +
``lav_object_extended(all.free = TRUE)``), per group:

- every row the model fixes (marker loadings, ``x ~~ 0*x``, fixed.x moments,
  latent means in multi-group models), its EPC relative to the fixed value;
- loadings of every latent variable on every observed variable that is not
  a fixed.x covariate and does not occur in a ``~`` formula;
- (residual) variances and covariances among the observed indicators, and
  among the fixed.x covariates;
- variances and covariances among the latent variables;
- regressions in both directions among the variables of the ``~`` formulas
  (not of an indicator on a latent variable);
- with a mean structure, the intercepts of every observed and latent variable;

minus the rows the model already has.

**Rows, order and spelling** are lavaan's: the fixed rows in the order of lavaan's
parameter table, then the rows above group by group, each covariance with its two
names in the order of lavaan's variable list ``(lv, ov)`` of the group
(``lav_partable_vnames``: indicators, observed outcomes, observed predictors, then
the names of other rows; :class:`VariableNames`). A model listing x9 before x7 gets
``x9 ~~ x7``, and a fixed ``x7 ~~ 0*x2`` with x2 listed first is written
``x2 ~~ x7`` (``lav_partable_covariance_reorder``).

**Missing data and mean structures.** ``modindices()`` uses ``information =
"expected"`` whatever information the fit's SEs use (FIML fits: observed). For
``missing = "ml"`` and ``"ml.x"`` that is the expected information of the
incomplete-data likelihood, pattern by pattern at the model-implied moments
(lavaan's ``h1.information = "structured"``; :meth:`.ml.MLFunctions.information`),
and the gradient that of the FIML discrepancy; mean structures add the intercepts
(``~1``) of every variable as candidates. lavaan evaluates its extended model at its
starting values, which ``lav_start_check_cov`` alters where the estimates imply a
correlation beyond ±1 or a negative variance product; loyaltysem evaluates at the
estimates, so on such inadmissible solutions the two differ.

**Standardized EPC** (cov.std = TRUE; Kaplan 1989; Chou & Bentler 1990): the
|EPC| is standardized like an estimate with the fitted model's variances,
then given the EPC's sign (see :func:`standardized_change`).

References
----------
Sörbom, D. (1989). Model modification. Psychometrika, 54(3), 371-384.
Saris, W. E., Satorra, A., & Sörbom, D. (1987). The detection and correction of
specification errors in structural equation models. Sociological Methodology, 17,
105-129 (the EPC).
Aitchison, J., & Silvey, S. D. (1958). Maximum-likelihood estimation of parameters
subject to restraints. Annals of Mathematical Statistics, 29(3), 813-828.
Kaplan, D. (1989). Model modification in covariance structure analysis:
Application of the expected parameter change statistic. Multivariate
Behavioral Research, 24(3), 285-305.
Chou, C.-P., & Bentler, P. M. (1990). Model modification in covariance
structure modeling: A comparison among likelihood ratio, Lagrange multiplier,
and Wald tests. Multivariate Behavioral Research, 25(1), 115-136.
Rosseel, Y. (2012). lavaan: An R package for structural equation modeling.
Journal of Statistical Software, 48(2), 1-36 (source files
``lav_modification.R``, ``lav_partable_full.R``, ``lav_standardize.R``, 0.6-14).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..arguments import check_bool, fail
from ..spec import ModelSpec
from ..spec.expressions import parse_expression
from ..spec.partable import lavaan_vnames
from ..spec.statements import Statement
from .constraints import Constraints, projected_inverse
from .extension import (PARAMETER_OPS, covariates_of, extend, model_rows, parameter_rows,
                        row_key, row_values)
from .ml import CoreModel

#: Columns of :func:`modification_indices` (lavaan's names with ``_`` for ``.``).
MI_COLUMNS = ("lhs", "op", "rhs", "mi", "epc", "sepc_lv", "sepc_all", "sepc_nox")
_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class VariableNames:
    """lavaan's variable sets of one group (``lav_partable_vnames``)."""

    lv: tuple[str, ...]
    ov: tuple[str, ...]
    ov_x: tuple[str, ...]
    ov_ind: tuple[str, ...]
    eqs: tuple[str, ...]

    @property
    def ov_nox(self) -> tuple[str, ...]:
        return tuple(v for v in self.ov if v not in self.ov_x)

    @classmethod
    def of(cls, rows: pd.DataFrame, covariates: tuple[str, ...]) -> "VariableNames":
        """The sets of one group's parameter rows, in lavaan's order.

        ``lv``: the ``=~`` left-hand sides; ``ov`` (``lav_partable_vnames``, 0.6-14):
        the indicators (``=~`` right-hand sides), then the observed ``~`` outcomes, the
        observed ``~`` predictors, then the other observed names of ``~~`` rows
        (left-hand sides, then right-hand sides) and of ``~1`` rows, each first
        occurrence in row order."""
        def unique(names: Any) -> tuple[str, ...]:
            return tuple(dict.fromkeys(str(n) for n in names))
        op = rows["op"].to_numpy()
        lhs, rhs = rows["lhs"].astype(str).to_numpy(), rows["rhs"].astype(str).to_numpy()
        lv, ov_ind, ov_y, ov_x, extra = lavaan_vnames(lhs, op, rhs)
        ov = unique([*ov_ind, *ov_y, *ov_x, *extra, *covariates])
        eqs = unique([*lhs[op == "~"], *rhs[op == "~"]])
        return cls(lv, ov, covariates, ov_ind, eqs)

    def oriented(self, lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
        """A covariance as lavaan spells it: its two names in the order of
        ``(*lv, *ov)`` (``lav_partable_covariance_reorder``, applied by ``lavaanify``
        to the rows of a model, so to the fixed rows ``modindices()`` lists)."""
        order = {name: k for k, name in enumerate((*self.lv, *self.ov))}
        if op == "~~" and order.get(lhs, -1) > order.get(rhs, -1) >= 0:
            return rhs, op, lhs
        return lhs, op, rhs


def _pairs(names: tuple[str, ...]) -> list[tuple[str, str]]:
    """lavaan's lower-triangle order: ``(names[j], names[i])`` for ``i >= j``."""
    return [(names[j], names[i]) for j in range(len(names)) for i in range(j, len(names))]


def full_rows(names: VariableNames, meanstructure: bool) -> list[tuple[str, str, str]]:
    """Every row of lavaan's "full" parameter table of one group (``lav_partable_full``)."""
    rows = [(lv, "=~", ov) for lv in names.lv for ov in names.ov_nox if ov not in names.eqs]
    other = {v for v in names.ov if v not in names.ov_ind}
    rows += [(a, "~~", b) for a, b in _pairs(names.ov_nox) if a not in other and b not in other]
    rows += [(a, "~~", b) for a, b in _pairs(names.ov_x)]
    rows += [(a, "~~", b) for a, b in _pairs(names.lv)]
    rows += [(y, "~", x) for y in names.eqs for x in names.eqs
             if y != x and not (y in names.ov_ind and x in names.lv)]
    if meanstructure:
        rows += [(v, "~1", "") for v in (*names.ov, *names.lv)]
    return rows


def written_equalities(spec: ModelSpec | None) -> list[Statement]:
    """The ``==`` statements of a spec in the order written (lavaan's user ``==`` rows)."""
    if spec is None:
        return []
    return [s for s in spec.statements if s.op == "=="]


def constrained_labels(spec: ModelSpec | None) -> set[str]:
    """Labels named by the spec's ``==`` statements.

    The parameter table fixes the rows of ``b == 0.6`` (and of ``a`` with ``a == b``
    too); lavaan keeps them free parameters with ``==`` rows, so they are neither
    modification-index candidates nor fixed in a score test's unconstrained model."""
    return {name for s in written_equalities(spec)
            for name in (*parse_expression(s.lhs).names, *parse_expression(s.rhs).names)}


def _result_spec(result: Any) -> ModelSpec | None:
    spec = getattr(result, "spec", None)
    return spec if isinstance(spec, ModelSpec) else None


def candidate_rows(core: CoreModel, spec: ModelSpec | None = None) -> pd.DataFrame:
    """The candidates of a fit (module notes): ``lhs, op, rhs, group, row, value``.

    ``row`` is the position of a fixed row in ``core.layout.table`` (-1 for a
    new row); ``value`` the value the candidate starts from (its fixed value, or 0).
    Rows fixed by a written ``==`` (``b == 0.6``) are the model's parameters in lavaan,
    not candidates.
    """
    table = core.layout.table
    values = row_values(core)
    rows = parameter_rows(table)
    covariates = covariates_of(table)
    named = constrained_labels(spec)
    by_constraint = (table["label"].isin(named).to_numpy() if named and "label" in table
                     else np.zeros(len(table), dtype=bool))
    names_of = {g: VariableNames.of(rows[rows["group"] == g], covariates)
                for g in range(core.layout.n_groups)}
    out: list[tuple[str, str, str, int, int, float]] = []
    fixed = np.flatnonzero(table["op"].isin(PARAMETER_OPS) & (table["free"].astype(int) == 0)
                           & ~by_constraint)
    for r in _lavaan_row_order(table, fixed, names_of):
        g = int(table["group"].iloc[r]) if "group" in table else 0
        lhs, op, rhs = names_of[g].oriented(
            str(table["lhs"].iloc[r]), str(table["op"].iloc[r]),
            str(table["rhs"].iloc[r]) if table["op"].iloc[r] != "~1" else "")
        out.append((lhs, op, rhs, g, int(r), float(values[r])))
    for g in range(core.layout.n_groups):
        mine = rows[rows["group"] == g]
        present = {row_key(str(a), str(o), str(b) if o != "~1" else "")
                   for a, o, b in zip(mine["lhs"], mine["op"], mine["rhs"])}
        names = names_of[g]
        for lhs, op, rhs in full_rows(names, core.layout.meanstructure):
            if row_key(lhs, op, rhs) not in present:
                present.add(row_key(lhs, op, rhs))
                out.append((lhs, op, rhs, g, -1, 0.0))
    return pd.DataFrame(out, columns=["lhs", "op", "rhs", "group", "row", "value"])


def _lavaan_row_order(table: pd.DataFrame, fixed: np.ndarray,
                      names_of: dict[int, VariableNames]) -> np.ndarray:
    """The fixed rows ``fixed`` (positions in ``table``) in the order of lavaan's
    parameter table: as in ``table``, but the fixed latent means of a group (the
    ``~1`` rows of latent variables a mean structure adds) in the order of its latent
    variables, as ``lavaanify`` adds them (FIML tables may hold them in another order)."""
    out = fixed.copy()
    groups = table["group"].to_numpy(dtype=int) if "group" in table else np.zeros(len(table),
                                                                                   int)
    for g, names in names_of.items():
        rank = {name: k for k, name in enumerate(names.lv)}
        slots = [k for k, r in enumerate(fixed) if groups[r] == g
                 and table["op"].iloc[r] == "~1" and str(table["lhs"].iloc[r]) in rank]
        ordered = sorted((fixed[k] for k in slots), key=lambda r: rank[str(table["lhs"].iloc[r])])
        out[slots] = ordered
    return out


def extended_table(core: CoreModel, candidates: pd.DataFrame) -> pd.DataFrame:
    """The fit's table with every candidate free (numbers after the model's)."""
    table = model_rows(core)
    n_model = core.layout.n_free
    numbers = n_model + 1 + np.arange(len(candidates))
    fixed = candidates["row"].to_numpy() >= 0
    index = candidates["row"].to_numpy()[fixed]
    table.loc[index, "free"] = numbers[fixed]
    table.loc[index, "exo"] = 0
    new = candidates[~fixed]
    added = pd.DataFrame({"lhs": new["lhs"], "op": new["op"], "rhs": new["rhs"],
                          "group": new["group"], "free": numbers[~fixed],
                          "ustart": np.nan, "exo": 0})
    return pd.concat([table, added], ignore_index=True)


def _result_core(result: Any) -> CoreModel:
    from .ordinal_fit import refuse_least_squares

    refuse_least_squares(result, "this likelihood test (modification indices, score or "
                         "Wald test)")
    core = getattr(result, "core", None)
    if not isinstance(core, CoreModel):
        raise fail("result", "a FitResult or MultiGroupResult (with .core)", result)
    return core


def _group_labels(result: Any, core: CoreModel) -> tuple[str, ...] | None:
    """Group labels of a multi-group result, None for one group."""
    labels = getattr(result, "groups", None)
    if core.layout.n_groups > 1 and isinstance(labels, tuple):
        return tuple(str(label) for label in labels)
    return None


def modification_indices(result: Any, *, sort: bool = True, minimum: float | None = None,
                         na_remove: bool = True) -> pd.DataFrame:
    """Modification indices, expected parameter changes and standardized EPCs.

    lavaan's ``modindices(fit)`` (0.6-14; ``lav_modification.R``) for a
    :class:`~loyaltysem.estimate.results.FitResult` or a
    :class:`~loyaltysem.groups.results.MultiGroupResult` (ML or MLR: the
    indices are always the expected-information ML ones, as in lavaan).

    Parameters
    ----------
    result : FitResult or MultiGroupResult
    sort : bool, default True
        Largest MI first (lavaan: ``sort. = FALSE``); NaN rows last.
    minimum : float, optional
        Keep only rows with ``mi > minimum`` (lavaan's ``minimum.value``).
    na_remove : bool, default True
        Drop the candidates whose MI is not defined (lavaan's ``na.remove``).

    Returns
    -------
    pandas.DataFrame
        ``lhs, op, rhs, (group,) mi, epc, sepc_lv, sepc_all, sepc_nox``;
        ``group`` (the group label) only for multi-group fits.

    Notes
    -----
    See the module notes: ``MI_j = N g_j^2 / V_jj`` and ``EPC_j = -g_j / V_jj``
    (Sörbom 1989), ``V = I11 - I12 I22^-1 I21`` from the expected information
    of the model extended by every candidate; SEPCs as
    :func:`standardized_change` (Kaplan 1989; Chou & Bentler 1990).

    References
    ----------
    Sörbom, D. (1989). Model modification. Psychometrika, 54(3), 371-384.

    Examples
    --------
    >>> import loyaltysem as ls
    >>> result = ls.fit("models/hs_cfa.lav", "holzinger_swineford")
    >>> mi = ls.modification_indices(result)  # modindices(fit, sort. = TRUE)
    >>> mi.iloc[0][["lhs", "op", "rhs"]].tolist(), round(float(mi["mi"].iat[0]), 2)
    (['visual', '=~', 'x9'], 36.41)
    """
    core = _result_core(result)
    sort = check_bool("sort", sort)
    na_remove = check_bool("na_remove", na_remove)
    if minimum is not None and (isinstance(minimum, bool) or not isinstance(minimum, (int, float))
                                or not np.isfinite(minimum)):
        raise fail("minimum", "a finite number or None", minimum)
    table = _mi_table(core, _result_spec(result))
    labels = _group_labels(result, core)
    if labels is not None:
        table["group"] = [labels[int(g)] for g in table["group"]]
    else:
        table = table.drop(columns=["group"])
    if sort:
        table = table.sort_values("mi", ascending=False, kind="mergesort", na_position="last")
    if minimum is not None and minimum > 0:
        table = table[table["mi"].notna() & (table["mi"] > minimum)]
    if na_remove:
        table = table[table["mi"].notna()]
    return table.reset_index(drop=True)


def _mi_table(core: CoreModel, spec: ModelSpec | None = None) -> pd.DataFrame:
    """The unsorted table with 0-based ``group`` numbers (every candidate)."""
    candidates = candidate_rows(core, spec)
    columns = ["lhs", "op", "rhs", "group", "mi", "epc", "sepc_lv", "sepc_all", "sepc_nox"]
    if candidates.empty:
        return pd.DataFrame(columns=columns)
    n_model = core.layout.n_free
    covariates = covariates_of(core.layout.table)
    theta = np.concatenate([core.theta, candidates["value"].to_numpy(dtype=float)])
    extended = extend(core, extended_table(core, candidates), theta, n_model, covariates)
    info = extended.information
    i22 = info[:n_model, :n_model]
    i12 = info[n_model:, :n_model]
    v = np.diag(info[n_model:, n_model:]) - np.einsum(
        "ij,ji->i", i12, _model_inverse(core, spec, i22) @ i12.T)
    v = np.where(v < _EPS ** (1.0 / 3.0), np.nan, v)
    g = extended.gradient[n_model:]
    mi = extended.n_total * g * g / v
    epc = -g / v
    out = candidates[["lhs", "op", "rhs", "group"]].copy()
    out["mi"], out["epc"] = mi, epc
    model_rows = parameter_rows(core.layout.table)
    model_rows = model_rows[model_rows["free"].astype(int) > 0]
    values = row_values(core)[model_rows.index.to_numpy()]
    change = pd.DataFrame({"lhs": candidates["lhs"], "op": candidates["op"],
                           "rhs": candidates["rhs"], "group": candidates["group"],
                           "exo": [int(core.layout.table["exo"].iloc[r]) if r >= 0 and
                                   "exo" in core.layout.table else 0
                                   for r in candidates["row"]],
                           "est": candidates["value"], "epc": epc})
    model = pd.DataFrame({"lhs": model_rows["lhs"].astype(str), "op": model_rows["op"],
                          "rhs": model_rows["rhs"].astype(str), "group": model_rows["group"],
                          "exo": model_rows["exo"].astype(int), "est": values})
    sepc = standardized_change(core, change, model)
    for column in ("sepc_lv", "sepc_all", "sepc_nox"):
        out[column] = sepc[column].to_numpy()
    return out.reset_index(drop=True)[columns]


def _model_inverse(core: CoreModel, spec: ModelSpec | None, information: np.ndarray
                   ) -> np.ndarray:
    """``I22^-1`` of the module notes: with constraints the parameter table does not
    absorb (nonlinear or weighted ``==``, active ``<`` / ``>``), the inverse restricted to
    the null space of their Jacobian, ``Z (Z' I22 Z)^-1 Z'`` — the top-left block of
    the inverse of lavaan's augmented information (``lav_model_information_augment_invert``;
    :func:`.constraints.projected_inverse`)."""
    null_space = None
    if spec is not None and spec.constraints:
        null_space = Constraints.from_spec(spec, core.layout.table).null_space(core.theta)
    if null_space is None:
        return np.linalg.inv(information)
    return projected_inverse(information, null_space)[0]


def _group_scales(core: CoreModel, g: int) -> tuple[dict[str, float], dict[str, float]]:
    """Implied variances of the latent (ETA²) and observed (OV²) variables of group g."""
    functions = core.functions()
    implied = functions.implied(np.atleast_2d(core.theta), g)
    structure = core.layout.structure
    c = implied.c[0] if implied.c is not None else np.eye(implied.psi.shape[-1])
    inner = c @ implied.psi[0] @ c.T
    eta2 = {name: float(inner[structure.inner_index(name), structure.inner_index(name)])
            for name in structure.latent}
    ov2 = {name: float(implied.sigma[0][k, k]) for k, name in enumerate(structure.observed)}
    return eta2, ov2


def standardized_change(core: CoreModel, change: pd.DataFrame, model: pd.DataFrame
                        ) -> pd.DataFrame:
    """``sepc_lv, sepc_all, sepc_nox`` of expected parameter changes (cov.std = TRUE).

    Parameters
    ----------
    core : CoreModel
        The fitted model (its variances standardize).
    change : pandas.DataFrame
        ``lhs, op, rhs, group, exo, est, epc`` of the rows whose EPC is standardized.
    model : pandas.DataFrame
        ``lhs, op, rhs, group, exo, est`` of the other rows of lavaan's table (the
        model's free rows): their variance estimates scale covariances.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``change``.

    Notes
    -----
    lavaan 0.6-14 (``lav_standardize_lv``, ``lav_standardize_all(_nox)`` applied
    to |EPC| in ``modindices()``), with ETA the model-implied SD of a latent
    variable, OV of an observed one, RV the square root of |a (residual)
    variance row| — for a variance row that is not fixed.x its estimate, not
    its EPC:

    - sepc.lv: ``lv =~ y``: c·ETA(lv); ``~``: /ETA(lhs) if latent, ·ETA(rhs) if
      latent; latent variances /ETA²; covariances /RV for each latent side;
      latent means /ETA;
    - sepc.all: also ``=~``: /OV(y); ``~``: /OV(lhs), ·OV(rhs) for observed sides;
      observed variances /OV²; observed covariances /RV(lhs)/RV(rhs) (residual
      variances: Chou & Bentler 1990's completely standardized EPC uses
      residual scales for residual covariances); intercepts /OV;
    - sepc.nox: as sepc.all with the fixed.x covariates left unstandardized;
    - variance rows with |value| < sqrt(eps) get 0.

    References
    ----------
    Kaplan, D. (1989). Multivariate Behavioral Research, 24(3), 285-305.
    Chou, C.-P., & Bentler, P. M. (1990). Multivariate Behavioral Research,
    25(1), 115-136.
    """
    covariates = set(covariates_of(core.layout.table))
    latent = set(core.layout.structure.latent)
    epc = change["epc"].to_numpy(dtype=float)
    is_var = ((change["op"] == "~~") & (change["lhs"] == change["rhs"])).to_numpy()
    value = np.where(is_var & (change["exo"].to_numpy() == 0), change["est"].to_numpy(float), epc)
    small = is_var & (np.abs(value) < np.sqrt(_EPS))
    value = np.where(small, np.nan, value)
    size = np.abs(value)
    variances = pd.concat([model[["lhs", "op", "rhs", "group"]].assign(v=model["est"]),
                           change[["lhs", "op", "rhs", "group"]].assign(v=value)])
    variances = variances[(variances["op"] == "~~") & (variances["lhs"] == variances["rhs"])]
    out = np.full((len(change), 3), np.nan)
    scales = {g: _group_scales(core, g) for g in range(core.layout.n_groups)}
    for k, (lhs, op, rhs, g) in enumerate(zip(change["lhs"], change["op"], change["rhs"],
                                              change["group"])):
        mine = variances[variances["group"] == g]
        rv = {str(n): float(np.sqrt(abs(v))) for n, v in zip(mine["lhs"], mine["v"])}
        out[k] = _standardize_one(str(lhs), str(op), str(rhs), size[k], scales[int(g)], rv,
                                  latent, covariates)
    sepc = np.sign(epc)[:, None] * out
    sepc[small] = 0.0
    return pd.DataFrame(sepc, columns=["sepc_lv", "sepc_all", "sepc_nox"])


def _sd(variance: float | None, *, observed: bool = False) -> float:
    if variance is None or not np.isfinite(variance):
        return np.nan
    if observed and abs(variance) < _EPS:
        return np.nan
    return float(np.sqrt(variance)) if variance >= 0 else np.nan


def _standardize_one(lhs: str, op: str, rhs: str, size: float,
                     scales: tuple[dict[str, float], dict[str, float]], rv: dict[str, float],
                     latent: set[str], covariates: set[str]) -> tuple[float, float, float]:
    """``(lv, all, nox)`` of one |EPC| (see :func:`standardized_change`)."""
    eta2, ov2 = scales
    eta = {n: _sd(v) for n, v in eta2.items()}
    ov = {n: _sd(v, observed=True) for n, v in ov2.items()}
    nan = np.nan
    lv = size
    if op == "=~":
        lv = size * eta.get(lhs, nan) / (eta.get(rhs, nan) if rhs in latent else 1.0)
    elif op == "~":
        lv = size / (eta.get(lhs, nan) if lhs in latent else 1.0)
        lv = lv * (eta.get(rhs, nan) if rhs in latent else 1.0)
    elif op == "~~" and lhs == rhs and lhs in latent:
        lv = size / (eta.get(lhs, nan) ** 2)
    elif op == "~~" and lhs != rhs:
        lv = size / (rv.get(lhs, nan) if lhs in latent else 1.0)
        lv = lv / (rv.get(rhs, nan) if rhs in latent else 1.0)
    elif op == "~1" and lhs in latent:
        lv = size / eta.get(lhs, nan)
    result = []
    for keep_x in (False, True):
        def skip(name: str) -> bool:
            return name in latent or (keep_x and name in covariates)
        value = lv
        if op == "=~" and rhs not in latent:
            value = lv / ov.get(rhs, nan)
        elif op == "~":
            value = lv / (ov.get(lhs, nan) if lhs not in latent else 1.0)
            value = value * (ov.get(rhs, nan) if not skip(rhs) else 1.0)
        elif op == "~~" and lhs == rhs and not skip(lhs):
            variance = ov2.get(lhs, nan)
            value = lv / (variance if abs(variance) >= _EPS else nan)
        elif op == "~~" and lhs != rhs:
            value = lv / (rv.get(lhs, nan) if not skip(lhs) else 1.0)
            value = value / (rv.get(rhs, nan) if not skip(rhs) else 1.0)
        elif op == "~1" and not skip(lhs):
            value = lv / ov.get(lhs, nan)
        result.append(value)
    return (lv, result[0], result[1])


__all__ = ["MI_COLUMNS", "VariableNames", "candidate_rows", "full_rows", "modification_indices",
           "standardized_change"]
