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
Resamples whose fit does not converge are left out (and counted).

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
from .draws import correlation_stack, resample_stack
from .model_fit import MEASURES, MODELS, implied_correlations, stack_distances
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
        Resamples left out (not converged), per model.
    seed : int or None
    table : pandas.DataFrame
        ``model, measure, value, hi95, hi99, pvalue``: the sample's distance, the
        95 % and 99 % quantiles of its bootstrap distribution under exact fit and the
        share of resamples at least as large.
    draws : pandas.DataFrame
        One row per resample, columns ``(model, measure)``; NaN where not converged.
    warnings : tuple of str
        A model whose implied matrix is not positive definite (not tested).
    """

    n_boot: int
    n_failed: dict[str, int]
    seed: int | None
    table: pd.DataFrame
    draws: pd.DataFrame = field(repr=False)
    warnings: tuple[str, ...] = ()

    def summary(self, digits: int = 3) -> Summary:
        """The warnings, the resamples and the table."""
        facts = {"resamples": self.n_boot, "seed": self.seed,
                 **{f"not converged ({m})": n for m, n in self.n_failed.items()},
                 "rule": "exact fit rejected at 5% when the value exceeds HI95"}
        return Summary("Bootstrap test of exact fit (Dijkstra & Henseler 2015)",
                       (("Warnings", list(self.warnings) or ["none"]), ("Bootstrap", facts),
                        ("Model fit", self.table)), digits)

    def to_dict(self) -> dict[str, Any]:
        """``n_boot, n_failed, seed, warnings, rows`` (the table's rows)."""
        from ..summary import json_records

        return {"n_boot": self.n_boot, "n_failed": dict(self.n_failed), "seed": self.seed,
                "warnings": list(self.warnings), "rows": json_records(self.table)}


def _transformed(result: PLSResult) -> tuple[list[np.ndarray | None], list[str]]:
    """Each model's data transformed to its implied correlations (None: not positive
    definite, with a warning)."""
    solution = result.solution
    implied = implied_correlations(solution.item_correlations[None], solution.loadings[None],
                                   solution.correlations[None], solution.paths[None],
                                   solution.layout)[0]
    data: list[np.ndarray | None] = []
    warnings: list[str] = []
    for model, sigma in zip(MODELS, implied):
        try:
            data.append(bollen_stine_transform(solution.values, sigma))
        except ArgumentError:
            data.append(None)
            warnings.append(f"the {model} model's implied correlation matrix is not positive "
                            "definite (smallest eigenvalue "
                            f"{np.linalg.eigvalsh(sigma).min():.3g}): its exact fit is not "
                            "tested")
    return data, warnings


def _evaluator(result: PLSResult, data: list[np.ndarray | None]) -> Any:
    """resample rows -> ((chunk, 2, 3) distances, (chunk, 2) converged)."""
    options, layout = result.options, result.solution.layout
    assert options is not None  # fit_pls sets them

    def evaluate(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        out = np.full((rows.shape[0], len(MODELS), len(MEASURES)), np.nan)
        converged = np.zeros((rows.shape[0], len(MODELS)), dtype=bool)
        for m, values in enumerate(data):
            if values is None:
                continue
            correlations = correlation_stack(values, rows)[0]
            fitted = fit_stack(slot_stack(correlations, layout), layout,
                               scheme=cast(Scheme, options.scheme),
                               consistent=options.consistent, tol=options.tol,
                               max_iter=options.max_iter)
            out[:, m] = stack_distances(correlations, fitted.loadings, fitted.correlations,
                                        fitted.paths, layout)[:, m]
            converged[:, m] = fitted.converged
        out[~converged] = np.nan
        return out, converged

    return evaluate


def _table(observed: np.ndarray, draws: np.ndarray) -> pd.DataFrame:
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
    check_int("n_boot", n_boot, low=2, high=MAX_BOOTSTRAP)
    check_seed("seed", seed)
    check_int("n_jobs", n_jobs, low=1, high=MAX_JOBS)
    check_bool("progress", progress)
    if result.fit_unavailable is not None:
        raise SpecificationError(result.fit_unavailable)
    data, warnings = _transformed(result)
    draws, converged = resample_stack(result.solution.values, n_boot,
                                      _evaluator(result, data), seed=seed, n_jobs=n_jobs,
                                      chunk=CHUNK, progress=progress,
                                      desc="test of exact fit")
    observed = result.model_fit.set_index("measure")[list(MODELS)].to_numpy().T
    frame = pd.DataFrame(draws.reshape(n_boot, -1), columns=pd.MultiIndex.from_product(
        [MODELS, MEASURES], names=["model", "measure"]))
    failed = {model: int((~converged[:, m]).sum()) for m, model in enumerate(MODELS)
              if data[m] is not None}
    return ExactFitTest(n_boot, failed, seed, _table(observed, draws), frame, tuple(warnings))
