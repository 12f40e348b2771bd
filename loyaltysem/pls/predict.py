"""PLSpredict: cross-validated out-of-sample predictions of a PLS path model.

The rows are split into ``k`` folds (``repetitions`` times, each time at
random); for every fold the model is estimated on the other folds (the
training rows, standardized with *their* means and standard deviations) and
the held-out rows' indicators of the endogenous constructs are predicted from
the training estimates. The ``k`` training fits of a repetition are one stack
of correlation matrices, fitted at once (:func:`~loyaltysem.pls.stack.fit_stack`);
the linear-model benchmark comes from the same stack of covariance matrices.

References
----------
Shmueli, G., Ray, S., Velasquez Estrada, J. M., & Chatla, S. B. (2016). The
elephant in the room: Predictive performance of PLS models. Journal of Business
Research, 69(10), 4552-4564 (the procedure; the earliest-antecedent prediction).
Shmueli, G., Sarstedt, M., Hair, J. F., Cheah, J.-H., Ting, H., Vaithilingam, S.,
& Ringle, C. M. (2019). Predictive model assessment in PLS-SEM: guidelines for
using PLSpredict. European Journal of Marketing, 53(11), 2322-2347 (k = 10 folds,
repetitions, Q²predict, the LM benchmark on all exogenous indicators, the
"none / low / medium / high predictive power" rule).
Danks, N. P., & Ray, S. (2018). Predictions from partial least squares models. In
Applying partial least squares in tourism and hospitality research (pp. 35-52).
Emerald (the direct-antecedent prediction, seminr's default).
Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2022). A primer on
partial least squares structural equation modeling (3rd ed.). Sage, ch. 6.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..arguments import check_choice, check_int, check_seed, fail
from ..data.checks import NaValues
from ..exceptions import DataError, SpecificationError
from ..spec import ModelSpec, as_spec
from ..summary import Summary
from .algorithm import Scheme
from .data import PLSMissing, pls_items
from .fit import DEFAULT_MAX_ITER, DEFAULT_TOL, _checked_options
from .layout import PLSLayout, pls_layout
from .stack import fit_stack, slot_stack

Technique = Literal["direct", "earliest"]
Benchmark = Literal["exogenous", "antecedents"]
TECHNIQUES: tuple[str, ...] = ("direct", "earliest")
BENCHMARKS: tuple[str, ...] = ("exogenous", "antecedents")
MAX_REPETITIONS = 10_000


@dataclass(frozen=True)
class PredictionPlan:
    """Which indicators are predicted and from what.

    Attributes
    ----------
    slots : ndarray of int
        The slots of the endogenous constructs (one predicted indicator each).
    targets : ndarray of int
        Their item indices.
    constructs : ndarray of int
        Their construct indices.
    predictors : tuple of ndarray
        For each predicted indicator, the item indices of its LM benchmark's regressors.
    exogenous : ndarray of bool (K,)
        Constructs without incoming paths.
    """

    slots: np.ndarray
    targets: np.ndarray
    constructs: np.ndarray
    predictors: tuple[np.ndarray, ...]
    exogenous: np.ndarray


def prediction_plan(layout: PLSLayout, benchmark: str) -> PredictionPlan:
    """The endogenous indicators and the regressors of their LM benchmark.

    ``benchmark="exogenous"``: every indicator of every exogenous construct
    (Shmueli et al. 2019; SmartPLS); ``"antecedents"``: the indicators of the
    construct's direct antecedents (seminr's LM benchmark with ``predict_DA``).

    Raises
    ------
    SpecificationError
        A model without endogenous constructs.
    """
    endogenous = [k for k, _ in layout.predecessors]
    if not endogenous:
        raise SpecificationError("PLSpredict predicts the indicators of endogenous constructs; "
                                 "this model has none: add a path")
    exogenous = np.asarray(~layout.path_matrix.any(axis=0))
    slots = np.concatenate([layout.slots_of(k) for k in endogenous])
    targets = layout.slot_item[slots]
    constructs = layout.slot_construct[slots]
    antecedents = dict(layout.predecessors)

    def items_of(group: np.ndarray, construct: int) -> np.ndarray:
        """The items of the group's constructs, less the predicted construct's own."""
        found = np.unique(layout.slot_item[np.isin(layout.slot_construct, group)])
        return found[~np.isin(found, layout.slot_item[layout.slots_of(construct)])]

    sources = {k: np.flatnonzero(exogenous) if benchmark == "exogenous" else antecedents[k]
               for k in np.unique(constructs)}
    predictors = tuple(items_of(sources[k], k) for k in constructs)
    return PredictionPlan(slots, targets, constructs, predictors, exogenous)


def fold_assignments(n: int, folds: int, repetitions: int, seed: int | None) -> np.ndarray:
    """(repetitions, n) fold labels: each repetition a random split into ``folds``
    blocks whose sizes differ by at most one.

    Repetition ``r`` draws its permutation from its own generator, spawned from
    ``np.random.SeedSequence(seed)``, so it does not depend on how many
    repetitions are asked for.
    """
    children = np.random.SeedSequence(seed).spawn(repetitions)
    blocks = np.arange(n) * folds // n
    labels = np.empty((repetitions, n), dtype=int)
    for r, child in enumerate(children):
        order = np.random.default_rng(child).permutation(n)
        labels[r, order] = blocks
    return labels


def construct_predictions(scores: np.ndarray, paths: np.ndarray, exogenous: np.ndarray,
                          technique: str) -> np.ndarray:
    """Predicted construct scores (stack, N, K) from the holdout's scores (stack, N, K).

    ``"direct"``: each endogenous construct from the scores of its direct
    antecedents, ``Ŷ = Y B`` (Danks & Ray 2018; seminr's ``predict_DA``);
    ``"earliest"``: from the exogenous scores through the whole model,
    ``Ŷ = Y_exo (I − B)^-1`` (Shmueli et al. 2016; seminr's ``predict_EA``).
    Exogenous constructs keep their scores.
    """
    if technique == "direct":
        predicted = scores @ paths
        predicted[..., exogenous] = scores[..., exogenous]
        return predicted
    total = np.linalg.inv(np.eye(paths.shape[-1]) - paths)
    return (scores * exogenous) @ total


@dataclass(frozen=True)
class FoldMoments:
    """Training means, SDs, covariances and correlations of the k folds (stack axis 0)."""

    means: np.ndarray
    sds: np.ndarray
    covariances: np.ndarray
    correlations: np.ndarray


def fold_moments(values: np.ndarray, train: np.ndarray) -> FoldMoments:
    """Moments of the training rows of each fold (divisor n − 1), from one centred matrix."""
    center = values.mean(axis=0)
    centred = values - center
    weights = train.astype(float)
    n_train = weights.sum(axis=1)
    shifted = weights @ centred / n_train[:, None]
    cross = (centred.T[None] * weights[:, None, :]) @ centred                 # (k, I, I)
    covariances = (cross - n_train[:, None, None] * shifted[:, :, None] * shifted[:, None, :]) / (
        n_train - 1)[:, None, None]
    sds = np.sqrt(np.diagonal(covariances, axis1=1, axis2=2))
    correlations = covariances / (sds[:, :, None] * sds[:, None, :])
    return FoldMoments(shifted + center, sds, covariances, correlations)


@dataclass(frozen=True)
class RepetitionPredictions:
    """Holdout predictions of one repetition (N, indicators) and its unconverged fits."""

    pls: np.ndarray
    lm: np.ndarray
    naive: np.ndarray
    unconverged: int


def predict_repetition(values: np.ndarray, labels: np.ndarray, layout: PLSLayout,
                       plan: PredictionPlan, *, technique: str, scheme: Scheme, tol: float,
                       max_iter: int, consistent: bool = False) -> RepetitionPredictions:
    """Fit the k training sets at once and predict every row from the fit without it
    (PLSc: the consistent paths and loadings applied to the PLS scores, as seminr)."""
    folds = int(labels.max()) + 1
    holdout = labels[None, :] == np.arange(folds)[:, None]            # (k, N)
    moments = fold_moments(values, ~holdout)
    fitted = fit_stack(slot_stack(moments.correlations, layout), layout, scheme=scheme,
                       consistent=consistent, tol=tol, max_iter=max_iter)
    standardized = (values[None] - moments.means[:, None, :]) / moments.sds[:, None, :]
    scores = standardized[:, :, layout.slot_item] @ fitted.weights    # (k, N, K)
    predicted = construct_predictions(scores, fitted.paths, plan.exogenous, technique)
    items = predicted[:, :, plan.constructs] * fitted.loadings[:, None, plan.slots]
    means, sds = moments.means[:, None, plan.targets], moments.sds[:, None, plan.targets]
    lm = np.empty_like(items)
    for j, (target, regressors) in enumerate(zip(plan.targets, plan.predictors)):
        beta = np.linalg.solve(moments.covariances[:, regressors[:, None], regressors[None, :]],
                               moments.covariances[:, regressors, target][..., None])
        deviations = values[None][:, :, regressors] - moments.means[:, None, regressors]
        lm[:, :, j] = moments.means[:, None, target] + (deviations @ beta)[..., 0]
    mask = holdout[:, :, None]
    pick = lambda array: (mask * array).sum(axis=0)  # noqa: E731 -- each row from its own fold
    return RepetitionPredictions(pick(items * sds + means), pick(lm),
                                 pick(np.broadcast_to(means, items.shape)),
                                 int((~fitted.converged).sum()))


def _checked_folds(fold_ids: Any, n: int) -> np.ndarray:
    """User fold labels as a (repetitions, n) int array with labels 0..k-1, each used."""
    labels = np.asarray(fold_ids)
    if labels.ndim == 1:
        labels = labels[None, :]
    if (labels.ndim != 2 or labels.shape[1] != n or labels.size == 0
            or not np.issubdtype(labels.dtype, np.integer)):
        raise fail("fold_ids", f"integer fold labels, one per row used ({n}), or one such row "
                   "per repetition", fold_ids)
    k = int(labels.max()) + 1
    if labels.min() < 0 or any(np.unique(row).size != k for row in labels):
        raise fail("fold_ids", f"labels 0, 1, ..., k - 1 with every label used in every "
                   "repetition", fold_ids)
    return labels.astype(int)


def _checked_sizes(labels: np.ndarray, plan: PredictionPlan, n_items: int) -> None:
    """Refuse folds too small to hold out or to train on, before any fitting."""
    n = labels.shape[1]
    k = int(labels.max()) + 1
    smallest = min(int(np.bincount(row).min()) for row in labels)
    largest = max(int(np.bincount(row).max()) for row in labels)
    if smallest < 2:
        raise DataError(f"PLSpredict with {k} folds of {n} rows leaves a fold of {smallest} "
                        f"row(s); every fold needs at least 2: use at most {n // 2} folds")
    needed = max(n_items, max(p.size for p in plan.predictors) + 2)
    if n - largest < needed:
        raise DataError(f"PLSpredict with {k} folds of {n} rows trains on {n - largest} rows, "
                        f"fewer than the {needed} the model's {n_items} items (and the LM "
                        "benchmark's regressors) need: use fewer folds or more data")


def _constant_in_training(values: np.ndarray, labels: np.ndarray, items: tuple[str, ...]
                          ) -> None:
    for r, row in enumerate(labels):
        for f in range(int(row.max()) + 1):
            spread = np.ptp(values[row != f], axis=0)
            if (spread == 0).any():
                item = items[int(np.flatnonzero(spread == 0)[0])]
                raise DataError(f"item {item} is constant in the training rows of fold {f + 1} "
                                f"(repetition {r + 1}); PLS needs its variance: use fewer folds, "
                                "another seed, or drop the item")


def _check_predict_options(folds: Any, repetitions: Any, seed: Any, technique: Any,
                           benchmark: Any) -> None:
    check_int("folds", folds, low=2)
    check_int("repetitions", repetitions, low=1, high=MAX_REPETITIONS)
    check_seed("seed", seed)
    check_choice("technique", technique, TECHNIQUES)
    check_choice("benchmark", benchmark, BENCHMARKS)


def predict_pls(spec: ModelSpec | str | Path, data: pd.DataFrame | str | Path, *,
                folds: int = 10, repetitions: int = 10, seed: int | None = None,
                technique: Technique = "direct", benchmark: Benchmark = "exogenous",
                fold_ids: Any = None, scheme: Scheme = "path", missing: PLSMissing = "listwise",
                na_values: NaValues = None, allow_codes: bool = False,
                tol: float = DEFAULT_TOL, max_iter: int = DEFAULT_MAX_ITER,
                consistent: bool = False) -> "PLSPredictResult":
    """PLSpredict: k-fold cross-validated predictions of the endogenous indicators.

    Parameters
    ----------
    spec, data
        As :func:`~loyaltysem.pls.fit_pls`; ``data`` on the items' own scale.
    folds : int
        k (Shmueli et al. 2019 and SmartPLS: 10).
    repetitions : int
        Random splits into k folds (SmartPLS: 10). Each case's predictions are
        averaged over the repetitions before the errors are computed (R seminr's
        ``predict_pls(reps=)``).
    seed : int, optional
        Repetition r's split comes from the r-th generator spawned from
        ``np.random.SeedSequence(seed)``.
    technique : {"direct", "earliest"}
        Direct antecedents (seminr's default ``predict_DA``; Danks & Ray 2018) or
        earliest antecedents (``predict_EA``; Shmueli et al. 2016).
    benchmark : {"exogenous", "antecedents"}
        The LM benchmark's regressors: all indicators of the exogenous constructs
        (Shmueli et al. 2019, SmartPLS) or those of the construct's direct
        antecedents (seminr with ``predict_DA``).
    fold_ids : array of int, optional
        Fixed fold labels 0..k−1, one per row used ((N,) or (repetitions, N));
        ``folds``, ``repetitions`` and ``seed`` are then ignored.
    scheme, missing, na_values, allow_codes, tol, max_iter
        As :func:`~loyaltysem.pls.fit_pls`. With ``missing="mean"`` the holes are
        filled once, with the full-sample means, before the folds are drawn (as
        SmartPLS and seminr do).
    consistent : bool
        PLSc training fits (Dijkstra & Henseler 2015): each holdout row's PLS scores
        ``Z W`` predicted by the consistent path coefficients and its indicators by
        the consistent loadings, as seminr's ``predict_pls`` of a model with
        ``reflective()`` constructs.

    Returns
    -------
    PLSPredictResult

    Raises
    ------
    ArgumentError, SpecificationError
        Bad options; a model PLS-SEM cannot estimate.
    DataError
        Bad data (as :func:`~loyaltysem.pls.fit_pls`), a fold of fewer than 2
        rows, training sets smaller than the number of items, an item constant
        in a training set.

    Notes
    -----
    A training fit standardizes the training rows (divisor n − 1); the holdout
    rows are standardized with the training means and SDs, their scores
    ``Y = Z W`` predicted by the inner model (:func:`construct_predictions`),
    and indicator j of construct k predicted as ``ŷ_j = λ_j Ŷ_k`` and put back
    on the item's scale with the training mean and SD. The LM benchmark is the
    OLS regression (with intercept) of each indicator on the benchmark's
    regressors in the training rows, from the training covariance matrix.

    Examples
    --------
    >>> from loyaltysem.pls import predict_pls
    >>> pred = predict_pls("corp_rep", "corp_rep", missing="mean", seed=1)
    >>> pred.metrics.columns[:5].tolist()
    ['construct', 'item', 'rmse', 'mae', 'q2_predict']
    >>> # seminr: predict_pls(model, technique = predict_DA, noFolds = 10, reps = 10)
    """
    scheme, missing = _checked_options(scheme, consistent, missing, allow_codes, tol, max_iter)
    if fold_ids is None:
        _check_predict_options(folds, repetitions, seed, technique, benchmark)
    else:
        _check_predict_options(2, 1, None, technique, benchmark)
    model = as_spec(spec)
    layout = pls_layout(model)
    plan = prediction_plan(layout, benchmark)
    prepared = pls_items(model, layout, data, missing=missing, na_values=na_values,
                         allow_codes=allow_codes)
    n = prepared.values.shape[0]
    if fold_ids is None:
        if n < 2 * folds:
            raise DataError(f"PLSpredict with {folds} folds needs at least {2 * folds} rows "
                            f"(2 per fold); {n} are left: use at most {n // 2} folds")
        labels = fold_assignments(n, folds, repetitions, seed)
    else:
        labels, seed = _checked_folds(fold_ids, n), None
    _checked_sizes(labels, plan, len(layout.items))
    _constant_in_training(prepared.values, labels, layout.items)
    runs = [predict_repetition(prepared.values, row, layout, plan, technique=technique,
                               scheme=scheme, tol=tol, max_iter=max_iter,
                               consistent=consistent) for row in labels]
    failed = sum(run.unconverged for run in runs)
    found = () if not failed else (
        f"{failed} of {labels.size // n * (int(labels.max()) + 1)} training fits did not "
        f"converge in {max_iter} iterations; their predictions are used as they are",)
    return PLSPredictResult(
        spec=model, method="PLSc" if consistent else "PLS", n=n,
        folds=int(labels.max()) + 1, repetitions=labels.shape[0], seed=seed,
        technique=technique, benchmark=benchmark, missing=missing,
        items=tuple(layout.items[i] for i in plan.targets),
        constructs=tuple(layout.constructs[k] for k in plan.constructs),
        actual=prepared.values[:, plan.targets],
        pls=np.mean([run.pls for run in runs], axis=0),
        lm=np.mean([run.lm for run in runs], axis=0),
        naive=np.mean([run.naive for run in runs], axis=0),
        fold_ids=labels, index=prepared.index, warnings=found, notes=prepared.notes)


def error_metrics(actual: np.ndarray, predicted: np.ndarray, naive: np.ndarray
                  ) -> dict[str, np.ndarray]:
    """RMSE, MAE and Q²predict ``1 − Σ(y − ŷ)² / Σ(y − ȳ_train)²`` per column
    (Shmueli et al. 2019; Hair et al. 2022, ch. 6)."""
    error = actual - predicted
    with np.errstate(divide="ignore", invalid="ignore"):
        q2 = 1 - (error ** 2).sum(axis=0) / ((actual - naive) ** 2).sum(axis=0)
    return {"rmse": np.sqrt((error ** 2).mean(axis=0)), "mae": np.abs(error).mean(axis=0),
            "q2_predict": q2}


def predictive_power(pls_errors: np.ndarray, lm_errors: np.ndarray, q2: np.ndarray) -> str:
    """Shmueli et al.'s (2019) verdict from the indicators' PLS and LM errors.

    ``"none"`` if some Q²predict ≤ 0 or no indicator has a smaller PLS error than
    LM; ``"low"`` if a minority has; ``"medium"`` if a majority has; ``"high"``
    if all have.
    """
    if not (q2 > 0).all():
        return "none"
    better = int((pls_errors < lm_errors).sum())
    if better == 0:
        return "none"
    if better == pls_errors.size:
        return "high"
    return "medium" if better > pls_errors.size / 2 else "low"


@dataclass(frozen=True)
class PLSPredictResult:
    """Cross-validated predictions of a PLS path model (:func:`predict_pls`).

    Attributes
    ----------
    spec : ModelSpec
    method : {"PLS", "PLSc"}
    n : int
        Rows used.
    folds, repetitions : int
    seed : int or None
    technique : {"direct", "earliest"}
    benchmark : {"exogenous", "antecedents"}
    missing : {"listwise", "mean"}
    items, constructs : tuple of str
        The predicted indicators and their (endogenous) constructs.
    actual, pls, lm, naive : ndarray (N, indicators)
        The indicators, their PLS and LM predictions and the training means
        (the naive / indicator-average prediction), each averaged over the
        repetitions per case.
    fold_ids : ndarray (repetitions, N)
        Every row's fold in every repetition.
    index : pandas.Index
        The rows used.
    warnings, notes : tuple of str
    """

    spec: ModelSpec
    method: str
    n: int
    folds: int
    repetitions: int
    seed: int | None
    technique: str
    benchmark: str
    missing: str
    items: tuple[str, ...]
    constructs: tuple[str, ...]
    actual: np.ndarray = field(repr=False)
    pls: np.ndarray = field(repr=False)
    lm: np.ndarray = field(repr=False)
    naive: np.ndarray = field(repr=False)
    fold_ids: np.ndarray = field(repr=False)
    index: pd.Index = field(repr=False)
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @cached_property
    def metrics(self) -> pd.DataFrame:
        """``construct, item, rmse, mae, q2_predict, lm_rmse, lm_mae, lm_q2_predict``."""
        pls = error_metrics(self.actual, self.pls, self.naive)
        lm = error_metrics(self.actual, self.lm, self.naive)
        return pd.DataFrame({"construct": list(self.constructs), "item": list(self.items),
                             **pls, **{f"lm_{key}": value for key, value in lm.items()}})

    @cached_property
    def predictions(self) -> pd.DataFrame:
        """``row, construct, item, actual, pls, lm, naive``: one row per case and indicator."""
        shape = self.actual.shape
        return pd.DataFrame({
            "row": np.repeat(np.asarray(self.index), shape[1]),
            "construct": np.tile(np.array(self.constructs, dtype=object), shape[0]),
            "item": np.tile(np.array(self.items, dtype=object), shape[0]),
            "actual": self.actual.ravel(), "pls": self.pls.ravel(), "lm": self.lm.ravel(),
            "naive": self.naive.ravel()})

    def predictive_power(self, metric: Literal["rmse", "mae"] = "rmse") -> str:
        """Shmueli et al.'s (2019) verdict: none, low, medium or high (see
        :func:`predictive_power`); MAE if the errors are highly skewed."""
        check_choice("metric", metric, ("rmse", "mae"))
        table = self.metrics
        return predictive_power(table[metric].to_numpy(), table[f"lm_{metric}"].to_numpy(),
                                table["q2_predict"].to_numpy())

    @cached_property
    def cvpat(self) -> pd.DataFrame:
        """CVPAT of the PLS predictions against the IA and LM benchmarks (see
        :func:`loyaltysem.pls.cvpat.cvpat`, one-sided)."""
        from .cvpat import cvpat

        return cvpat(self)

    def summary(self, digits: int = 3) -> Summary:
        """Warnings, design, per-indicator errors, the verdict and CVPAT."""
        design = {"model": self.spec.name, "method": self.method, "observations": self.n,
                  "folds": self.folds,
                  "repetitions": self.repetitions,
                  "seed": "fixed folds" if self.seed is None else self.seed,
                  "prediction": f"{self.technique} antecedents",
                  "LM benchmark regressors": f"indicators of the {self.benchmark} constructs",
                  "missing data": "mean replacement" if self.missing == "mean"
                  else "listwise deletion",
                  "predictive power (RMSE, Shmueli et al. 2019)": self.predictive_power()}
        sections: list[tuple[str, Any]] = [
            ("Warnings", list(self.warnings) or ["none"]), ("PLSpredict", design),
            ("Indicators", self.metrics), ("CVPAT", self.cvpat)]
        if self.notes:
            sections.append(("Notes", list(self.notes)))
        return Summary(f"PLSpredict: {self.spec.name}", tuple(sections), digits)

    def to_dict(self) -> dict[str, Any]:
        """JSON: the settings, the metrics per indicator, the verdict and CVPAT."""
        from ..summary import json_records as rows

        return {"method": self.method, "folds": self.folds, "repetitions": self.repetitions,
                "seed": self.seed,
                "technique": self.technique, "benchmark": self.benchmark, "n": self.n,
                "warnings": list(self.warnings), "predictive_power": self.predictive_power(),
                "metrics": rows(self.metrics.reset_index()) if self.metrics.index.name
                else rows(self.metrics), "cvpat": rows(self.cvpat)}

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
