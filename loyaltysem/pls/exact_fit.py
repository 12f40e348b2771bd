"""The bootstrap test of exact fit of a PLS-SEM model (Dijkstra & Henseler 2015).

Under the null hypothesis the population's item correlations are the model's implied
ones. The data are transformed so that their correlation matrix *is* the implied one,
``X S^-1/2 Sigma^1/2`` (Beran & Srivastava 1985; the transformation of the Bollen–Stine
bootstrap, :func:`loyaltysem.estimate.bollen_stine.bollen_stine_transform`), the
transformed rows are resampled, each resample is fitted with the original fit's options,
and its SRMR, d_ULS and d_G (:mod:`.model_fit`) make the reference distribution. The
saturated and the estimated model are each tested on their own transformed data (with
the same resampled rows). SmartPLS reports the 95 % and 99 % quantiles of the reference
distribution (``HI95``, ``HI99``): a distance above ``HI95`` rejects exact fit at the
5 % level; the p value is the share of resamples whose distance is at least the sample's.
Resamples whose refit does not converge or is inadmissible (:func:`.model_fit.admissible`,
as cSEM's ``testOMF(.handle_inadmissibles = "drop")``) are left out of all three
distances of their model, counted and reported.

References
----------
Beran, R., & Srivastava, M. S. (1985). Bootstrap tests and confidence regions for
functions of a covariance matrix. The Annals of Statistics, 13(1), 95-115.
Dijkstra, T. K., & Henseler, J. (2015). Consistent and asymptotically normal PLS
estimators for linear structural equations. Computational Statistics & Data Analysis,
81, 10-23.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from ..arguments import (MAX_BOOTSTRAP, MAX_JOBS, ArgumentError, check_bool, check_int,
                         check_seed, fail)
from ..estimate.bollen_stine import bollen_stine_transform
from ..exceptions import SpecificationError
from ..summary import Summary
from .algorithm import Scheme
from .draws import Evaluate, correlation_stack, resample_stack
from .model_fit import (MEASURES, MODELS, admissible, distances, implied_correlations,
                        solution_implied)
from .result import PLSResult
from .stack import fit_stack, slot_stack

#: resamples per stack (as the PLS bootstrap)
CHUNK = 200
#: the quantiles SmartPLS reports
QUANTILES = (0.95, 0.99)


@dataclass(frozen=True)
class ExactFitTest:
    """The bootstrap test of exact fit (:func:`exact_fit_test`).

    Attributes
    ----------
    n_boot : int
    n_failed : dict of str to int
        Resamples left out, per model: not converged or inadmissible (cSEM's
        ``verify()``: loadings or construct correlations beyond ±1, PLSc's ρA above 1,
        an implied matrix that is not positive definite), as cSEM's ``testOMF`` drops
        them.
    seed : int or None
    table : pandas.DataFrame
        ``model, measure, value, hi95, hi99, pvalue``: the sample's distance, the
        95 % and 99 % quantiles of its bootstrap distribution under exact fit and the
        share of resamples at least as large.
    draws : pandas.DataFrame
        One row per resample, columns ``(model, measure)``; NaN where not converged.
    warnings : tuple of str
        A model whose implied matrix is not positive definite (not tested); resamples
        left out.
    notes : tuple of str
        How to read the test (plain PLS of common factors).
    """

    n_boot: int
    n_failed: dict[str, int]
    seed: int | None
    table: pd.DataFrame
    draws: pd.DataFrame = field(repr=False)
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self, digits: int = 3) -> Summary:
        """The warnings, the resamples and the table."""
        facts = {"resamples": self.n_boot, "seed": self.seed,
                 **{f"left out ({m})": n for m, n in self.n_failed.items()},
                 "rule": "exact fit rejected at 5% when the value exceeds HI95"}
        sections: list[tuple[str, Any]] = [("Warnings", list(self.warnings) or ["none"]),
                                           ("Bootstrap", facts), ("Model fit", self.table)]
        if self.notes:
            sections.append(("Notes", list(self.notes)))
        return Summary("Bootstrap test of exact fit (Dijkstra & Henseler 2015)",
                       tuple(sections), digits)

    def to_dict(self) -> dict[str, Any]:
        """``n_boot, n_failed, seed, warnings, rows`` (the table's rows)."""
        from ..summary import json_records

        return {"n_boot": self.n_boot, "n_failed": dict(self.n_failed), "seed": self.seed,
                "warnings": list(self.warnings), "notes": list(self.notes),
                "rows": json_records(self.table)}


def _transformed(result: PLSResult) -> tuple[list[np.ndarray | None], list[str]]:
    """Each model's data transformed to its implied correlations (None: not positive
    definite, with a warning)."""
    solution = result.solution
    data: list[np.ndarray | None] = []
    warnings: list[str] = []
    for model, sigma in zip(MODELS, solution_implied(solution)):
        try:
            if not np.isfinite(sigma).all():
                raise ArgumentError("not finite")
            data.append(bollen_stine_transform(solution.values, sigma))
        except ArgumentError:
            data.append(None)
            smallest = (f"smallest eigenvalue {np.linalg.eigvalsh(sigma).min():.3g}"
                        if np.isfinite(sigma).all() else "it is not finite")
            warnings.append(f"the {model} model's implied correlation matrix is not positive "
                            f"definite ({smallest}): its exact fit is not tested")
    return data, warnings


def _evaluator(result: PLSResult, data: list[np.ndarray | None]) -> Evaluate:
    """The resamples' evaluation: rows (chunk, N) -> ((chunk, 2, 3) distances, NaN where
    left out, and (chunk, 2) admissible) of each model's refits on its transformed data."""
    options, layout = result.options, result.solution.layout
    assert options is not None  # fit_pls sets them (checked by exact_fit_test)

    def evaluate(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Refit every resample of a chunk to each model's data; its distances from the
        refit's own implied matrix of that model."""
        out = np.full((rows.shape[0], len(MODELS), len(MEASURES)), np.nan)
        kept = np.zeros((rows.shape[0], len(MODELS)), dtype=bool)
        for m, values in enumerate(data):
            if values is None:
                continue
            correlations = correlation_stack(values, rows)[0]
            fitted = fit_stack(slot_stack(correlations, layout), layout,
                               scheme=cast(Scheme, options.scheme),
                               consistent=options.consistent, tol=options.tol,
                               max_iter=options.max_iter)
            with np.errstate(invalid="ignore", divide="ignore"):
                implied = implied_correlations(correlations, fitted.loadings,
                                               fitted.correlations, fitted.paths, layout)[:, m]
            out[:, m] = distances(correlations, implied)
            kept[:, m] = admissible(fitted, implied, out[:, m], options.consistent)
        out[~kept] = np.nan
        return out, kept

    return evaluate


def _table(observed: np.ndarray, draws: np.ndarray) -> pd.DataFrame:
    """``model, measure, value, hi95, hi99, pvalue`` from the sample's (2, 3) distances and
    the resamples' (n_boot, 2, 3) (NaN: left out)."""
    rows = []
    for m, model in enumerate(MODELS):
        for k, measure in enumerate(MEASURES):
            kept = draws[:, m, k][np.isfinite(draws[:, m, k])]
            value = float(observed[m, k])
            hi = (np.quantile(kept, QUANTILES) if kept.size
                  else np.full(len(QUANTILES), np.nan))
            rows.append({"model": model, "measure": measure, "value": value,
                         "hi95": float(hi[0]), "hi99": float(hi[1]),
                         "pvalue": float(np.mean(kept >= value)) if kept.size else np.nan})
    return pd.DataFrame(rows, columns=["model", "measure", "value", "hi95", "hi99", "pvalue"])


def _left_out(failed: dict[str, int], n_boot: int) -> list[str]:
    """The warnings of resamples left out (all of them: the test is not defined)."""
    return [f"no admissible resample of the {model} model (all {n_boot} did not converge or "
            "were inadmissible): its exact fit is not tested" if count == n_boot else
            f"{count} of {n_boot} resamples of the {model} model did not converge or were "
            "inadmissible (loadings or correlations beyond ±1, implied matrix not positive "
            "definite); they are left out of HI95, HI99 and p"
            for model, count in failed.items() if count]


def _plain_pls_note(result: PLSResult) -> tuple[str, ...]:
    """The note that plain PLS loadings of common factors make the test reject too often."""
    layout = result.solution.layout
    multi_a = any(mode == "A" and len(layout.slots_of(k)) > 1
                  for k, mode in enumerate(layout.modes))
    if result.method == "PLSc" or not multi_a:
        return ()
    return ("plain PLS loadings of the Mode A (=~) blocks are inconsistent for common "
            "factors, so exact fit of their lambda_i lambda_j structure is rejected more "
            "often than the level says (Dijkstra & Henseler 2015); test PLSc "
            "(consistent=True, --consistent) or model the blocks as composites (<~)",)


def exact_fit_test(result: PLSResult, n_boot: int = 5000, *, seed: int | None = None,
                   n_jobs: int = 1, progress: bool = False) -> ExactFitTest:
    """Bootstrap test of exact fit of a PLS (or PLSc) fit (Dijkstra & Henseler 2015).

    Parameters
    ----------
    result : PLSResult
        From :func:`~loyaltysem.pls.fit_pls` (its options are repeated per resample).
    n_boot : int
        Resamples of each model's transformed data.
    seed : int, optional
        The same seed gives the same resamples on any number of workers.
    n_jobs : int
        Threads fitting chunks of resamples at once.
    progress : bool
        A progress bar with the time left (tqdm).

    Returns
    -------
    ExactFitTest
        SRMR, d_ULS and d_G of the saturated and the estimated model with their
        ``HI95``/``HI99`` quantiles and p values.

    Examples
    --------
    >>> from loyaltysem.pls import fit_pls, exact_fit_test
    >>> fit = fit_pls("models/corp_rep.yaml", "corp_rep")
    >>> test = exact_fit_test(fit, n_boot=200, seed=1)
    >>> list(test.table.columns)
    ['model', 'measure', 'value', 'hi95', 'hi99', 'pvalue']
    """
    if not isinstance(result, PLSResult) or result.options is None:
        raise fail("result", "a PLSResult (from fit_pls)", result)
    n_boot = check_int("n_boot", n_boot, low=2, high=MAX_BOOTSTRAP)
    seed = check_seed("seed", seed)
    n_jobs = check_int("n_jobs", n_jobs, low=1, high=MAX_JOBS)
    check_bool("progress", progress)
    if result.fit_unavailable is not None:
        raise SpecificationError(result.fit_unavailable)
    data, warnings = _transformed(result)
    draws, kept = resample_stack(result.solution.values, n_boot, _evaluator(result, data),
                                 seed=seed, n_jobs=n_jobs, chunk=CHUNK, progress=progress,
                                 desc="test of exact fit")
    observed = result.model_fit.set_index("measure")[list(MODELS)].to_numpy().T
    frame = pd.DataFrame(draws.reshape(n_boot, -1), columns=pd.MultiIndex.from_product(
        [MODELS, MEASURES], names=["model", "measure"]))
    failed = {model: int((~kept[:, m]).sum()) for m, model in enumerate(MODELS)
              if data[m] is not None}
    warnings += _left_out(failed, n_boot)
    return ExactFitTest(n_boot, failed, seed, _table(observed, draws), frame, tuple(warnings),
                        _plain_pls_note(result))
