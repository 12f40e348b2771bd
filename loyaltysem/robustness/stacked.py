"""Robustness tasks refitted as stacks on the one core.

Tasks of one condition (variant × estimator × group) that resample the
condition's rows (bootstrap, subsample, jackknife) differ only in their
sample. A chunk of them is refitted at once, as the bootstrap does
(:mod:`loyaltysem.effects.bootstrap`):

1. every task draws its rows from its own seed exactly as the per-task path
   (:func:`resample_rows`), and its moments are computed from its own rows as
   the per-task fit computes them, then stacked (``summary_moments``);
2. :func:`~loyaltysem.estimate.optimizer.batched_bfgs` refits the stack from
   the full-sample estimates with the inverse Hessian ``(2 I)^-1`` (when the
   full-sample fit converged; otherwise every sample starts with the per-task
   fit's runs from its estimates); the samples it does not converge on
   (improper resamples of small groups) go through the per-task fit's runs —
   scoring from the warm start, from the start values, from the bounded
   warm-up — as stacks (:func:`~loyaltysem.estimate.estimation.minimize_stack`),
   which also tell the refits that do not converge at all (recorded "not
   converged" with the per-task fit's message); Newton steps on the observed
   information (``MLFunctions.observed_informations``, closed form) then bring every converged refit to ``max |dF/dtheta|`` below the per-task
   path's 1e-9, so both paths reach the same optimum;
3. the recorded statistics of every task — estimates, standard errors (ML:
   expected information; MLR: the sandwich), z-based p-values and intervals,
   ``std_all``, χ², CFI, RMSEA, SRMR and the admissibility messages — come
   from the stack's arrays, with the core's formulas.

A task goes to the per-task path (``fit`` on its rows, which gives its exact
outcome, error message included) when its sample fails a conservative
screen of the edge checks (too few rows, a (nearly) constant item, scales
far apart, a covariance that is not clearly positive definite), when a
Newton step fails or when an information matrix is singular.
Which conditions stack at all is :func:`stackable`.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..distributions import norm_sf
from ..estimate import FitResult
from ..estimate import fit_indices as fi
from ..estimate.admissibility import (NEAR_SINGULAR_CORRELATION, check_admissibility,
                                      convergence_problem)
from ..estimate.assemble import Z975
from ..estimate.defined import DefinedParameters
from ..estimate.ml import MLFunctions
from ..estimate.moments import summary_moments
from ..estimate.estimation import minimize_stack
from ..estimate.optimizer import batched_bfgs
from ..effects.statistics import StatisticsPlan
from .plan import Task
from .stacked_core import defined_jacobian, score_crossproduct

#: Sample kinds refitted in stacks.
STACKED_SAMPLES = ("bootstrap", "jackknife", "subsample")
#: The per-task path's convergence: ``max |dF/dtheta|`` below this.
GTOL = 1e-9
_NEWTON_STEPS = 4
_EIGEN_TOLERANCE = 1e-8  # admissibility's


def resample_rows(task: Task, n: int) -> np.ndarray:
    """The rows of a resampling task, from its own seed (the per-task path's draw)."""
    rng = np.random.default_rng(task.seed)
    if task.sample == "bootstrap":
        return rng.integers(0, n, n)
    if task.sample == "jackknife":
        return np.delete(np.arange(n), task.index % n)
    return np.sort(rng.choice(n, size=min(task.size or n, n), replace=False))


def stackable(task: Task, full: FitResult) -> bool:
    """Whether ``task`` is refitted in a stack: ML or MLR, a resample of complete data,
    one group, no mean structure, covariates, interactions or constraints (the
    full-sample fit need not have converged: its estimates are the warm start)."""
    spec = full.spec
    return (task.estimator in ("ML", "MLR") and task.sample.split()[0] in STACKED_SAMPLES
            and full.missing == "listwise" and full.core is not None
            and np.isfinite(full.core.theta).all() and len(full.core.groups) == 1
            and not full.core.layout.meanstructure
            and not spec.roles.ov_x and not spec.interactions and not spec.constraints)


def _screen(values: np.ndarray, cov: np.ndarray) -> bool:
    """A conservative screen of the edge checks a per-task fit would run on a sample."""
    n, p = values.shape
    if n <= p + 1:
        return False
    spread = values.max(axis=0) - values.min(axis=0)
    sd = np.sqrt(np.diag(cov))
    scale = np.maximum(np.abs(values.mean(axis=0)), 1.0)
    if np.any(spread <= 0) or np.any(sd <= 1e-3 * scale) or np.any(sd < 1e-2):
        return False
    if sd.max() > 100.0 * sd.min():
        return False
    eigenvalues = np.linalg.eigvalsh(cov)
    return bool(eigenvalues.min() > 1e-6 * max(eigenvalues.max(), 1.0))


class StackedRefitter:
    """Refit the resampling tasks of one condition in stacks (module notes).

    Parameters
    ----------
    full : FitResult
        The condition's full-sample fit (see :func:`stackable`).
    """

    def __init__(self, full: FitResult):
        assert full.core is not None  # stackable() checked it
        self.full = full
        self.estimator = full.estimator
        self.layout = full.core.layout
        self.table = self.layout.table
        self.order = list(self.layout.structure.observed)
        self.values = full.data[self.order].to_numpy(dtype=float)
        self.theta_hat = full.core.theta
        self.inverse_hessian = self._bfgs_metric(full)
        self.latent = list(full.spec.roles.latent)
        self.plan = StatisticsPlan(self.table, self.layout, self.latent, [])
        self.defined = DefinedParameters(self.table)
        self.df = int(full.fit_indices["df"])
        self.baseline_df = int(full.fit_indices["baseline_df"])
        self._compile_rows()

    @staticmethod
    def _bfgs_metric(full: FitResult) -> np.ndarray | None:
        """``(2 I)^-1`` at the full-sample estimates, for BFGS from them; None when the
        full-sample fit did not converge (or its information is singular): its resamples
        then start with the per-task fit's runs from its estimates, as ``fit`` would."""
        assert full.core is not None
        if not full.converged:
            return None
        try:
            return np.linalg.inv(2.0 * full.core.functions().information(full.core.theta))
        except np.linalg.LinAlgError:
            return None

    def _compile_rows(self) -> None:
        """Index arrays of the table: recorded rows, standardization, admissibility."""
        table = self.table
        op = table["op"].to_numpy()
        lhs, rhs = table["lhs"].tolist(), table["rhs"].tolist()
        names = self.order + self.latent
        position = {name: i for i, name in enumerate(names)}
        self.lhs_index = np.array([position.get(v, 0) for v in lhs], dtype=int)
        self.rhs_index = np.array([position.get(v, 0) if o != ":=" else 0
                                   for v, o in zip(rhs, op)], dtype=int)
        self.op = op
        self.is_variance = (op == "~~") & (np.array(lhs) == np.array(rhs))
        self.is_covariance = (op == "~~") & ~self.is_variance
        variance_row = {lhs[i]: i for i in np.flatnonzero(self.is_variance)}
        self.cov_lhs_var = np.array([variance_row.get(v, 0) for v in lhs], dtype=int)
        self.cov_rhs_var = np.array([variance_row.get(v, 0) for v in rhs], dtype=int)
        self.recorded = np.flatnonzero(np.isin(op, ["~", ":="]))
        self.names = [f"{lhs[i]} :=" if op[i] == ":=" else f"{lhs[i]} ~ {rhs[i]}"
                      for i in self.recorded]
        free = table["free"].to_numpy()
        self.free_rows = np.flatnonzero(free > 0)
        self.free_index = free[self.free_rows] - 1
        self.defined_rows = np.flatnonzero(op == ":=")
        labels = table["label"].fillna("").tolist()
        first: dict[str, int] = {}
        for i, label in enumerate(labels):
            if label and op[i] != ":=" and label not in first:
                first[label] = i
        self.label_rows = first
        self.frame = table[["lhs", "op", "rhs"]].reset_index(drop=True)
        pairs = [(self.order.index(lhs[i]), self.order.index(rhs[i]), i)
                 for i in np.flatnonzero(op == "~~") if lhs[i] in self.order
                 and rhs[i] in self.order]
        self.residual_pairs = np.array(pairs, dtype=int).reshape(-1, 3)

    # ------------------------------------------------------------------ refit
    def run(self, tasks: Sequence[Task]) -> tuple[list[dict[str, Any]], list[Task]]:
        """Records of the tasks refitted here and the tasks left to the per-task path."""
        samples, kept, rest = [], [], []
        for task in tasks:
            cases = self.values[resample_rows(task, self.values.shape[0])]
            mean = cases.mean(axis=0)
            centred = cases - mean
            cov = centred.T @ centred / cases.shape[0]
            if _screen(cases, cov):
                samples.append((cases, mean, cov))
                kept.append(task)
            else:
                rest.append(task)
        if not kept:
            return [], rest
        functions = MLFunctions(self.layout, [summary_moments(
            np.array([s[2] for s in samples]), np.array([s[1] for s in samples]),
            np.array([float(s[0].shape[0]) for s in samples]))])
        theta, converged, failed, fun, messages = self._refit(functions)
        fitted = np.flatnonzero(converged)
        vcov, eigenvalues, usable = self._inference(functions, theta[fitted], fitted,
                                                    [samples[k][0] for k in fitted])
        good = fitted[usable]
        records = self._records(functions, theta[good], good, fun[good], vcov[usable],
                                eigenvalues[usable], [kept[k] for k in good])
        records += [{"task": kept[k].key, "status": "not converged",
                     "message": convergence_problem(messages[k]).message, "payload": []}
                    for k in np.flatnonzero(failed)]
        return records, rest + [kept[k] for k in fitted[~usable]] \
            + [kept[k] for k in np.flatnonzero(~converged & ~failed)]

    def _refit(self, functions: MLFunctions
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """BFGS from the full-sample estimates; the samples it leaves, by the per-task
        fit's runs (:func:`~loyaltysem.estimate.estimation.minimize_stack`); then Newton
        steps to ``max |g| < GTOL``.

        Returns ``theta`` (S, q), masks of the converged refits and of those the
        per-task fit's runs give up (not converged), ``F`` (S,) and, for the latter,
        the optimizer's message ("" for the others). The rest (a Newton step that
        fails) is left to the per-task path.
        """
        size = functions.size
        theta = np.repeat(self.theta_hat[None], size, axis=0)
        ok = np.zeros(size, dtype=bool)
        if self.inverse_hessian is not None:
            found = batched_bfgs(lambda index, x, gradient: functions.evaluate(x, gradient,
                                                                               index),
                                 theta, self.inverse_hessian)
            theta, ok = found.x.copy(), found.converged.copy()
        failed = np.zeros(size, dtype=bool)
        messages = [""] * size
        rest = np.flatnonzero(~ok)
        if rest.size:
            runs = minimize_stack(functions, self.theta_hat, rest, gtol=GTOL)
            theta[rest], ok[rest], failed[rest] = runs.x, runs.converged, ~runs.converged
            for k, converged, message in zip(rest, runs.converged, runs.messages):
                messages[k] = "" if converged else message
        f, g = functions.evaluate(theta, True, np.arange(size))
        assert g is not None
        for _ in range(_NEWTON_STEPS):
            todo = np.flatnonzero(ok & ~(np.abs(g).max(axis=1) < GTOL))
            if not todo.size:
                break
            hessian = 2.0 * functions.observed_informations(theta[todo], todo)
            try:
                step = np.linalg.solve(hessian, g[todo][:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                ok[todo] = False
                break
            candidate = theta[todo] - step
            f_new, g_new = functions.evaluate(candidate, True, todo)
            assert g_new is not None
            better = np.isfinite(f_new) & (f_new <= f[todo] + 1e-12 * (1.0 + np.abs(f[todo])))
            moved = todo[better]
            theta[moved], f[moved], g[moved] = candidate[better], f_new[better], g_new[better]
            ok[todo[~better]] = False
        ok &= np.abs(g).max(axis=1) < GTOL
        return theta, ok, failed, f, messages

    def _inference(self, functions: MLFunctions, theta: np.ndarray, index: np.ndarray,
                   cases: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``vcov`` (S, q, q), information eigenvalues (S, q) and a mask of usable ones,
        for the rows of ``theta`` on the samples ``index``."""
        n = functions.n_total[index]
        if self.estimator == "ML":
            information = n[:, None, None] * functions.scoring_terms(
                theta, index, gradient=False)[1]
            eigenvalues = np.linalg.eigvalsh(information)
            ok = eigenvalues.min(axis=1) > eigenvalues.max(axis=1) * 1e-10
            return _safe_inverse(information, ok), eigenvalues, ok
        observed = functions.observed_informations(theta, index)
        eigenvalues = np.linalg.eigvalsh(n[:, None, None] * observed)
        ok = eigenvalues.min(axis=1) > eigenvalues.max(axis=1) * 1e-10
        observed_inv = _safe_inverse(observed, ok)
        b0 = np.zeros_like(observed)
        sizes = np.array([c.shape[0] for c in cases])
        for size_n in np.unique(sizes):  # equal sample sizes share one stacked product
            members = np.flatnonzero(sizes == size_n)
            implied, cells, _ = functions.cells(theta[members], 0, index[members])
            b0[members] = score_crossproduct(np.array([cases[k] for k in members]),
                                             implied.sigma, cells)
        vcov = np.matmul(np.matmul(observed_inv, b0), observed_inv) / n[:, None, None]
        return vcov, eigenvalues, ok

    # --------------------------------------------------------------- records
    def _records(self, functions: MLFunctions, theta: np.ndarray, index: np.ndarray,
                 fun: np.ndarray, vcov: np.ndarray, eigenvalues: np.ndarray,
                 tasks: list[Task]) -> list[dict[str, Any]]:
        """One record per task, as the per-task path's ``_records``."""
        if not tasks:
            return []
        est = self.plan.compute_many(theta, functions, index)[:, :len(self.table)]
        se = self._standard_errors(theta, vcov)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, est / se, np.nan)
        pvalue = 2.0 * norm_sf(np.abs(z))
        implied = functions.implied(theta, 0, index)
        inner = implied.psi if implied.c is None else np.matmul(
            np.matmul(implied.c, implied.psi), implied.c.transpose(0, 2, 1))
        latent_index = self.plan.latent_index
        latent_cov = inner[:, latent_index][:, :, latent_index]
        std_all = self._standardized(est, implied.sigma, latent_cov)
        cov = functions.groups[0].cov[index]
        n = functions.n_total[index]
        out = []
        for k, task in enumerate(tasks):
            rows = [{"statistic": name, "est": float(est[k, i]), "se": float(se[k, i]),
                     "pvalue": float(pvalue[k, i]), "ci_lower": float(est[k, i] - Z975 * se[k, i]),
                     "ci_upper": float(est[k, i] + Z975 * se[k, i]),
                     "std_all": float(std_all[k, i])}
                    for name, i in zip(self.names, self.recorded)]
            rows.append(self._fit_record(cov[k], implied.sigma[k], int(n[k]), float(fun[k])))
            message = self._message(est[k], std_all[k], latent_cov[k], eigenvalues[k])
            out.append({"task": task.key, "status": "ok", "message": message, "payload": rows})
        return out

    def _standard_errors(self, theta: np.ndarray, vcov: np.ndarray) -> np.ndarray:
        """Per row of the table: ``sqrt(diag(V))`` of free rows, delta method of ``:=``."""
        se = np.zeros((theta.shape[0], len(self.table)))
        diagonal = np.sqrt(np.clip(np.diagonal(vcov, axis1=1, axis2=2), 0, None))
        se[:, self.free_rows] = diagonal[:, self.free_index]
        if self.defined_rows.size:
            jac = defined_jacobian(self.defined, theta)
            covariance = np.matmul(np.matmul(jac, vcov), jac.transpose(0, 2, 1))
            se[:, self.defined_rows] = np.sqrt(np.clip(
                np.diagonal(covariance, axis1=1, axis2=2), 0, None))
        return se

    def _standardized(self, est: np.ndarray, sigma: np.ndarray,
                      latent_cov: np.ndarray) -> np.ndarray:
        """``std_all`` of every row (:func:`loyaltysem.estimate.standardize.standardize`)."""
        total = np.concatenate([np.diagonal(sigma, axis1=1, axis2=2),
                                np.diagonal(latent_cov, axis1=1, axis2=2)], axis=1)
        std = np.full(est.shape, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            sd = np.sqrt(total)
            sd_lhs, sd_rhs = sd[:, self.lhs_index], sd[:, self.rhs_index]
            loading, regression = self.op == "=~", self.op == "~"
            std[:, loading] = (est * sd_lhs / sd_rhs)[:, loading]
            std[:, regression] = (est * sd_rhs / sd_lhs)[:, regression]
            std[:, self.is_variance] = (est / total[:, self.lhs_index])[:, self.is_variance]
            scale = np.sqrt(np.abs(est[:, self.cov_lhs_var]) * np.abs(est[:, self.cov_rhs_var]))
            std[:, self.is_covariance] = (est / scale)[:, self.is_covariance]
            if self.defined_rows.size:
                scope = {label: std[:, i] for label, i in self.label_rows.items()}
                for i, expression in zip(self.defined_rows, self.defined._expressions):
                    std[:, i] = np.broadcast_to(expression.evaluate(scope), (est.shape[0],))
                    scope[self.table["lhs"].iat[i]] = std[:, i]
        return std

    def _fit_record(self, s: np.ndarray, sigma: np.ndarray, n: int, fun: float
                    ) -> dict[str, Any]:
        chisq = n * fun
        baseline = fi.independence_chisq(s, n, [])
        return {"statistic": "fit", "chisq": float(chisq),
                "cfi": float(fi.cfi(chisq, self.df, baseline, self.baseline_df)),
                "rmsea": float(fi.rmsea(chisq, self.df, n)), "srmr": float(fi.srmr(s, sigma))}

    def _message(self, est: np.ndarray, std_all: np.ndarray, latent_cov: np.ndarray,
                 eigenvalues: np.ndarray) -> str:
        """The first two admissibility messages, as the per-task fit gives them."""
        directed = (self.op == "=~") | (self.op == "~") | self.is_covariance
        flagged = bool(np.any(est[self.is_variance] < 0)
                       or np.any(np.abs(np.nan_to_num(std_all[directed])) > 1))
        if self.latent and not flagged:
            values = np.linalg.eigvalsh(latent_cov)
            sd = np.sqrt(np.abs(np.diag(latent_cov)))
            with np.errstate(divide="ignore", invalid="ignore"):
                r = latent_cov / np.outer(sd, sd)
            off = r[~np.eye(len(sd), dtype=bool)]
            flagged = bool(values.min() <= _EIGEN_TOLERANCE * max(1.0, abs(values).max())
                           or np.any(np.abs(np.nan_to_num(off)) >= NEAR_SINGULAR_CORRELATION))
        if not flagged and self.residual_pairs.size:
            flagged = bool(np.linalg.eigvalsh(self._residual(est)).min()
                           < -_EIGEN_TOLERANCE)
        if not flagged:
            return ""
        estimates = self.frame.assign(est=est, std_all=std_all)
        latent = pd.DataFrame(latent_cov, index=self.latent, columns=self.latent)
        kept = self.order
        residual = pd.DataFrame(self._residual(est), index=kept, columns=kept)
        problems = check_admissibility(estimates, latent, residual, converged=True,
                                       optimizer_message="",
                                       information_eigenvalues=eigenvalues)
        return "; ".join([p.message for p in problems][:2])

    def _residual(self, est: np.ndarray) -> np.ndarray:
        p = len(self.order)
        residual = np.zeros((p, p))
        a, b, row = self.residual_pairs.T
        residual[a, b] = est[row]
        residual[b, a] = est[row]
        return residual


def _safe_inverse(matrices: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Inverses of a stack (NaN where ``ok`` is False or a matrix is singular)."""
    out = np.full(matrices.shape, np.nan)
    for k in np.flatnonzero(ok):
        try:
            out[k] = np.linalg.inv(matrices[k])
        except np.linalg.LinAlgError:
            ok[k] = False
    return out


__all__ = ["STACKED_SAMPLES", "StackedRefitter", "resample_rows", "stackable"]
