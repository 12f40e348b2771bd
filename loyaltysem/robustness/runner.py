"""Run a study: chunks of tasks in worker processes, results stored as chunks finish.

Each worker keeps the full-sample fit of every condition (variant ×
estimator × group) it meets and warm-starts the resample fits of that
condition from it. A chunk holds up to ``chunk_size`` tasks of one condition;
its ML and MLR resamples of complete data are refitted as one stack on the
core (:mod:`.stacked`), every other task (full samples, simulations, MLM,
full-information fits, and any resample the stack hands back) by its own
``fit``. The tasks of an ordinal estimator (WLSMV, ULSMV, DWLS, WLS, ULS) are each
their own ordinal fit, with the thresholds and polychoric correlations of their rows
(:mod:`.ordinal`). Every fit runs with one BLAS thread and a stacked refit's arithmetic
does not depend on the other members of its stack, so a task's numbers depend
only on its seed and condition — not on the worker, the executor, the number
of workers or the chunk size. A chunk's rows are written in one transaction.
"""
from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..data.registry import resolve_data
from ..estimate import FitResult, fit
from ..estimate.fit import Estimator
from ..exceptions import LoyaltySemError, SpecificationError
from ..frame_rows import table_rows
from ..spec import ModelSpec
from .config import PLS_ESTIMATORS, StudyConfig, load_study
from .ordinal import check_ordinal_plan, is_ordinal_estimator, lost_category, ordered_argument
from .plan import Task, load_model_file, make_plan, model_variants
from .stacked import STACKED_SAMPLES, StackedRefitter, resample_rows, stackable
from .store import ResultStore, forget_inherited_locks

#: Tasks per chunk (one stack, one Dask task, one store transaction): 200 holds a
#: condition's 200 bootstrap resamples in one stack (corp_rep_robustness: 117 -> 105
#: CPU-s against 100, from one tail of the stacked runs per condition instead of two).
CHUNK = 200


@dataclass(frozen=True)
class StudyContext:
    """What every worker needs: the specs of the variants and the data."""

    config: StudyConfig
    variants: dict[str, ModelSpec]
    data: pd.DataFrame
    #: the model's declared ordinal items (:mod:`.ordinal`; variants do not carry them)
    declared: frozenset[str] = field(default_factory=frozenset)


def _load_data(config: StudyConfig) -> pd.DataFrame:
    """The study's data; errors name the source but never echo the file's content."""
    try:
        data = resolve_data(config.data, na_values=list(config.na_values) or None)
        if config.na_values:
            from ..data.survey import read_table

            data = read_table(data, na_values=list(config.na_values))
        return data
    except (LoyaltySemError, ValueError, OSError, UnicodeError, MemoryError) as error:
        if not Path(config.data).is_file():   # a dataset name: the message shows only names
            raise SpecificationError(f"the study's data: {str(error).splitlines()[0][:300]}",
                                     source=str(config.source)) from None
        raise SpecificationError(
            f"the study's data file {config.data!r} cannot be read as survey data "
            f"({type(error).__name__}); see the details with: loyaltysem fit <model> "
            f"--data {config.data}", source=str(config.source)) from None


def prepare(config: StudyConfig) -> tuple[StudyContext, list[Task]]:
    """Load the model and data of a study and make its plan (its size checked first)."""
    spec = load_model_file(str(config.model))
    check_ordinal_plan(config, spec)
    variants = model_variants(spec, config.variants)
    data = pd.DataFrame() if config.simulation is not None else _load_data(config)
    if config.simulation is None:
        needed = dict.fromkeys(v for spec in variants.values() for v in spec.observed_variables)
        absent = [name for name in needed if name not in data.columns]
        if absent:   # names from the model only: the data file's header is never echoed
            raise SpecificationError(
                f"the study's data {config.data!r} lacks the model's variable(s) "
                f"{absent[:10]}{' ...' if len(absent) > 10 else ''}; point data: at the "
                "survey that holds them", source=str(config.source))
    return (StudyContext(config, variants, data, frozenset(spec.ordered)),
            make_plan(config, data, variants))


def _hypothesis_records(result: FitResult) -> list[dict[str, Any]]:
    from ..effects import test_hypotheses

    if not result.spec.hypotheses:
        return []
    table = test_hypotheses(result).table
    return [{"statistic": f"hypothesis {row.id}", "est": float(row.est), "se": float(row.se),
             "pvalue": float(row.pvalue), "ci_lower": float(row.ci_lower),
             "ci_upper": float(row.ci_upper), "std_all": float(row.std_est),
             "supported": float(row.verdict.rstrip("*") == "supported")}
            for row in table.itertuples()]


def _records(result: FitResult) -> list[dict[str, Any]]:
    rows = result.estimates[result.estimates["op"].isin(["~", ":="])]
    records = [{"statistic": f"{r.lhs} :=" if r.op == ":=" else f"{r.lhs} ~ {r.rhs}",
                "est": float(r.est), "se": float(r.se), "pvalue": float(r.pvalue),
                "ci_lower": float(r.ci_lower), "ci_upper": float(r.ci_upper),
                "std_all": float(r.std_all)} for r in table_rows(rows)]
    fit_indices = result.fit_indices
    records.append({"statistic": "fit", "chisq": float(fit_indices["chisq"]),
                    "cfi": float(fit_indices["cfi"]), "rmsea": float(fit_indices["rmsea"]),
                    "srmr": float(fit_indices["srmr"])})
    if is_ordinal_estimator(str(result.estimator)):  # lavaan's scaled measures of WLSMV...
        records[-1].update({name: float(fit_indices[name]) for name in
                            ("chisq_scaled", "cfi_scaled", "rmsea_scaled")
                            if name in fit_indices.index})
    return records


def _pls_records(result: Any) -> list[dict[str, Any]]:
    """A PLS fit's paths (``to ~ from``, standardized: ``std_all`` = ``est``), defined
    effects, R² (no SEs: a PLS fit has none without its own bootstrap) and its model fit
    (:mod:`loyaltysem.pls.model_fit`)."""
    records = [{"statistic": f"{row[1]} ~ {row[0]}", "est": float(row.est),
                "std_all": float(row.est)} for row in result.paths.itertuples(index=False)]
    records += [{"statistic": f"{row.name} :=", "est": float(row.est), "std_all": float(row.est)}
                for row in result.defined.itertuples(index=False)]
    records += [{"statistic": f"r2 {name}", "est": float(value)}
                for name, value in result.r2.items()]
    if result.fit_unavailable is None:  # SRMR, d_ULS, d_G (estimated model; SRMR saturated)
        fit = result.model_fit.set_index("measure")
        records.append({"statistic": "fit", **{m: float(fit.loc[m, "estimated"])
                                               for m in ("srmr", "d_uls", "d_g")},
                        "srmr_saturated": float(fit.loc["srmr", "saturated"])})
    return records


def _pls_outcome(task: Task, result: Any) -> dict[str, Any]:
    if not result.converged:
        return {"task": task.key, "status": "not converged",
                "message": result.warnings[0], "payload": []}
    return {"task": task.key, "status": "ok", "message": "; ".join(result.warnings[:2]),
            "payload": _pls_records(result)}


def _not_converged(task: Task, result: FitResult) -> dict[str, Any]:
    """The record of a fit that did not converge: the optimizer's reason, no statistics
    (a solution that is not an optimum has no estimates to summarize)."""
    message = next((p.message for p in result.problems if p.kind == "ConvergenceWarning"),
                   "the optimiser did not converge")
    return {"task": task.key, "status": "not converged", "message": message, "payload": []}


class _Worker:
    def __init__(self, context: StudyContext):
        self.context = context
        self.missing = cast(Any, context.config.missing)
        self.full: dict[tuple[str, str, str], FitResult] = {}
        self.refitters: dict[tuple[str, str, str], StackedRefitter] = {}

    def group_data(self, group: str) -> pd.DataFrame:
        data = self.context.data
        if group == "all":
            return data.reset_index(drop=True)
        column = self.context.config.groups
        return data[data[column].astype(str) == group].reset_index(drop=True)

    def full_fit(self, task: Task) -> Any:
        """The condition's full-sample fit (a FitResult, or a PLSResult for PLS/PLSc)."""
        if task.condition not in self.full:
            spec = self.context.variants[task.variant]
            data = self.group_data(task.group)
            if task.estimator in PLS_ESTIMATORS:
                self.full[task.condition] = self.pls_fit(task, data)
            else:
                self.full[task.condition] = fit(spec, data,
                                                estimator=cast(Estimator, task.estimator),
                                                missing=self.missing, emit_warnings=False,
                                                ordered=self.ordered(task))
        return self.full[task.condition]

    def ordered(self, task: Task) -> bool | list[str] | None:
        """``fit``'s ``ordered=`` for the task (:func:`.ordinal.ordered_argument`)."""
        context = self.context
        return ordered_argument(context.config, context.declared,
                                context.variants[task.variant], task.estimator)

    def pls_fit(self, task: Task, data: pd.DataFrame, **options: Any) -> Any:
        from ..pls import fit_pls

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # reported in the records, not per task
            return fit_pls(self.context.variants[task.variant], data,
                           consistent=task.estimator == "PLSc",
                           missing=cast(Any, options.pop("missing", self.missing)), **options)

    def run_pls(self, task: Task) -> dict[str, Any]:
        """A PLS task: a simulated sample, the full sample, or a resample of the standardized
        (and, with mean replacement, imputed) items of the condition's full fit."""
        if task.sample.startswith("simulate"):
            return _pls_outcome(task, self.pls_fit(task, self.simulated_data(task)))
        full = self.full_fit(task)
        if task.sample == "full":
            return _pls_outcome(task, full)
        items = full.items_frame()
        rows = resample_rows(task, len(items))
        return _pls_outcome(task, self.pls_fit(task, items.iloc[rows].reset_index(drop=True),
                                               missing="listwise", allow_codes=True))

    def simulated_data(self, task: Task) -> pd.DataFrame:
        from ..data.synthetic import loyalty_chain_population, simulate_survey

        settings = self.context.config.simulation or {}
        population = {"loyalty_chain": loyalty_chain_population}[settings["population"]]()
        return simulate_survey(population, int(task.size or 0), seed=task.seed,
                               likert_points=settings.get("likert_points"))

    def simulate(self, task: Task) -> FitResult:
        return fit(self.context.variants[task.variant], self.simulated_data(task),
                   estimator=cast(Estimator, task.estimator), emit_warnings=False,
                   ordered=self.ordered(task))

    def run(self, task: Task) -> dict[str, Any]:
        try:
            if task.estimator in PLS_ESTIMATORS:
                return self.run_pls(task)
            if task.sample.startswith("simulate"):
                result = self.simulate(task)
                if not result.converged:
                    return _not_converged(task, result)
                return {"task": task.key, "status": "ok", "message": "",
                        "payload": _records(result) + _hypothesis_records(result)}
            full = self.full_fit(task)
            if task.sample == "full":
                result = full
            else:
                data = full.data  # the rows of the condition (complete cases, or all with 'ml')
                rows = resample_rows(task, len(data))
                if is_ordinal_estimator(task.estimator):
                    return self.run_ordinal_resample(task, data, rows)
                # the condition's data passed the edge checks in the full fit; a resample
                # is refitted as it is (allow_codes: a rare answer is no code in a resample)
                result = fit(full.spec, data.iloc[rows].reset_index(drop=True),
                             estimator=cast(Estimator, task.estimator), start=full.theta,
                             missing=self.missing, emit_warnings=False, allow_codes=True,
                             ordered=self.ordered(task))
            if not result.converged:
                return _not_converged(task, result)
            return {"task": task.key, "status": "ok", "message": "; ".join(result.warnings[:2]),
                    "payload": _records(result)}
        except (LoyaltySemError, np.linalg.LinAlgError, ValueError) as error:
            return {"task": task.key, "status": "error", "message": str(error), "payload": []}
        except Exception as error:  # noqa: BLE001 - one failed fit must not end the study
            return {"task": task.key, "status": "error",
                    "message": f"{type(error).__name__}: {error}", "payload": []}


    def run_ordinal_resample(self, task: Task, data: pd.DataFrame,
                             rows: np.ndarray) -> dict[str, Any]:
        """A resample of an ordinal condition (:mod:`.ordinal`): its own thresholds and
        polychorics from the variant's spec; it fails when it loses a category."""
        ordered = self.ordered(task)
        lost = lost_category(data, rows, ordered)
        if lost is not None:
            return {"task": task.key, "status": "error", "message": lost, "payload": []}
        result = fit(self.context.variants[task.variant],
                     data.iloc[rows].reset_index(drop=True),
                     estimator=cast(Estimator, task.estimator), emit_warnings=False,
                     allow_codes=True, ordered=ordered)
        if not result.converged:
            return _not_converged(task, result)
        return {"task": task.key, "status": "ok", "message": "; ".join(result.warnings[:2]),
                "payload": _records(result)}

    def run_stacked(self, tasks: Sequence[Task]) -> tuple[list[dict[str, Any]], list[Task]]:
        """Refit the stackable tasks of one condition as a stack; return the rest."""
        if not tasks:
            return [], []
        try:
            full = self.full_fit(tasks[0])
        except Exception:  # noqa: BLE001 - the per-task path reports the error per task
            return [], list(tasks)
        if not stackable(tasks[0], full):
            return [], list(tasks)
        try:
            if tasks[0].condition not in self.refitters:
                self.refitters[tasks[0].condition] = StackedRefitter(full)
            return self.refitters[tasks[0].condition].run(tasks)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            return [], list(tasks)  # the per-task path gives each task's own outcome

    def run_chunk(self, tasks: Sequence[Task], stacked: bool = True) -> list[dict[str, Any]]:
        """Records of a chunk, in the chunk's order (stacks per condition, then per task)."""
        records: dict[str, dict[str, Any]] = {}
        single: list[Task] = list(tasks)
        if stacked:
            by_condition: dict[tuple[str, str, str], list[Task]] = {}
            for task in tasks:
                by_condition.setdefault(task.condition, []).append(task)
            single = []
            for group in by_condition.values():
                resamples = [t for t in group if t.sample.split()[0] in STACKED_SAMPLES]
                done, rest = self.run_stacked(resamples)
                records.update((record["task"], record) for record in done)
                single += [t for t in group if t.sample.split()[0] not in STACKED_SAMPLES]
                single += rest
        for task in single:
            records[task.key] = self.run(task)
        return [records[task.key] for task in tasks]


def _run_chunk(context: StudyContext, tasks: Sequence[Task],
               stacked: bool = True) -> list[dict[str, Any]]:
    warnings.simplefilter("ignore")
    worker = _worker_for(context)
    with threadpool_limits(limits=1):
        return worker.run_chunk(tasks, stacked)


_WORKERS: dict[str, _Worker] = {}


def _worker_for(context: StudyContext) -> _Worker:
    key = context.config.digest
    if key not in _WORKERS:
        _WORKERS.clear()
        _WORKERS[key] = _Worker(context)
    return _WORKERS[key]


def _watch_parent() -> None:
    """In a worker: exit as soon as the process that started it is gone (e.g. ``kill -9``).

    A worker blocked on its task queue would otherwise live on, re-parented to
    PID 1; a daemon thread polls the parent pid twice a second.
    """
    forget_inherited_locks()
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="loyaltysem-parent-watch", daemon=True).start()


def default_directory(config: StudyConfig) -> Path:
    """``<study file folder>/results/<study name>`` (the name is one folder name)."""
    base = (config.source.parent if config.source else Path.cwd()).resolve() / "results"
    directory = (base / config.name).resolve()
    if directory.parent != base:
        raise SpecificationError(f"name {config.name!r} would put the store outside "
                                 f"{str(base)!r}; use a plain folder name",
                                 source=str(config.source) if config.source else None)
    return directory


@dataclass(frozen=True)
class RunSummary:
    """What one call of :func:`run_study` did."""

    directory: Path
    planned: int
    already_done: int
    executed: int
    repaired: int = 0


def run_study(study: str | Path | StudyConfig, directory: str | Path | None = None, *,
              n_jobs: int = 1, force: bool = False, progress: bool = True,
              limit: int | None = None, scheduler: str | None = None,
              retry_errors: bool = False, stacked: bool = True,
              chunk_size: int = CHUNK) -> RunSummary:
    """Run (or resume) a robustness study.

    Parameters
    ----------
    study : path or StudyConfig
    directory : path, optional
        Where ``results.sqlite`` lives (default :func:`default_directory`).
    n_jobs : int
        Local worker processes (1: in this process). Results do not depend on it.
    force : bool
        Start over when the directory holds results of a changed config.
    progress : bool
        Show a progress bar with ETA.
    limit : int, optional
        Run at most this many of the remaining tasks (for trials).
    scheduler : str, optional
        Address of a dask.distributed scheduler (``tcp://host:port``): the
        same tasks run on its workers instead of local processes.
    retry_errors : bool
        Run again the tasks stored with status ``error`` (e.g. after a fix).
    stacked : bool
        Refit the ML/MLR resamples of complete data as stacks on the core
        (:mod:`.stacked`); False: every task by its own ``fit`` (the same
        numbers to the optimizer's tolerance, ~1e-6, about 50 times slower).
    chunk_size : int
        Tasks per chunk (a stack, a worker's unit of work, one store
        transaction; a chunk never mixes conditions). Results do not depend on it;
        an interrupted run loses at most the chunks that were running.
    """
    from tqdm.auto import tqdm

    _check_run_arguments(n_jobs, limit)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or not 1 <= chunk_size <= 10_000:
        raise SpecificationError(f"chunk_size must be a whole number from 1 to 10000; got "
                                 f"{chunk_size!r:.40}")
    config = study if isinstance(study, StudyConfig) else load_study(study)
    directory = Path(directory) if directory is not None else default_directory(config)
    context, tasks = prepare(config)
    store = ResultStore(directory, config.digest, force=force, study=config.source)
    try:
        done = store.done(include_errors=not retry_errors)
        todo = [t for t in tasks if t.key not in done]
        todo.sort(key=lambda t: (t.condition, t.key))
        if limit is not None:
            todo = todo[:limit]
        chunks = make_chunks(todo, chunk_size)
        bar = tqdm(total=len(todo), desc=config.name, unit="task", disable=not progress)
        try:
            _execute(context, chunks, store, bar, n_jobs=n_jobs, scheduler=scheduler,
                     stacked=stacked)
        finally:
            bar.close()
    finally:
        store.close()
    return RunSummary(directory, len(tasks), len(done), len(todo), store.repaired)


def make_chunks(tasks: Sequence[Task], size: int) -> list[list[Task]]:
    """Consecutive runs of at most ``size`` tasks of one condition (``tasks`` sorted by it).

    A rerun forms its chunks from the tasks still to do, so a resumed study
    stacks the same tasks differently; results do not depend on it.
    """
    chunks: list[list[Task]] = []
    for task in tasks:
        if chunks and len(chunks[-1]) < size and chunks[-1][0].condition == task.condition:
            chunks[-1].append(task)
        else:
            chunks.append([task])
    return chunks


MAX_JOBS = 256


def _check_run_arguments(n_jobs: Any, limit: Any) -> None:
    """``n_jobs`` in 1..MAX_JOBS and ``limit`` None or >= 0, else a SpecificationError."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or not 1 <= n_jobs <= MAX_JOBS:
        raise SpecificationError(f"n_jobs must be a whole number from 1 to {MAX_JOBS}; got "
                                 f"{n_jobs!r:.40}; use about the number of cores")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise SpecificationError(f"limit must be None or a whole number >= 0; got {limit!r:.40}")


def _dask_client(scheduler: str) -> Any:
    """A client of the dask scheduler; a missing package or an unreachable address is one line."""
    try:
        from distributed import Client
    except ImportError:
        raise LoyaltySemError("--scheduler needs dask.distributed: pip install "
                              "'loyaltysem[dask]'") from None
    try:
        return Client(scheduler, timeout=30)
    except (OSError, ValueError, TypeError, TimeoutError) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0][:200]
        raise LoyaltySemError(f"cannot reach the dask scheduler {scheduler!r:.100}: {reason}; "
                              "start it or check the address (tcp://host:port)") from None


def _execute(context: StudyContext, chunks: list[list[Task]], store: ResultStore, bar: Any, *,
             n_jobs: int, scheduler: str | None, stacked: bool = True) -> None:
    """Run the chunks (here, in local workers or on dask) and store each as it finishes."""
    if scheduler is not None:
        from distributed import as_completed as dask_completed

        with _dask_client(scheduler) as client:
            shared = client.scatter(context, broadcast=True)
            futures = [client.submit(_run_chunk, shared, chunk, stacked, pure=False)
                       for chunk in chunks]
            for future in dask_completed(futures):
                records = future.result()
                store.write(records)
                bar.update(len(records))
    elif n_jobs == 1:
        for chunk in chunks:
            store.write(_run_chunk(context, chunk, stacked))
            bar.update(len(chunk))
    else:
        pool = ProcessPoolExecutor(max_workers=n_jobs, initializer=_watch_parent)
        try:
            pending: list[Future] = [pool.submit(_run_chunk, context, chunk, stacked)
                                    for chunk in chunks]
            for future in as_completed(pending):
                try:
                    records = future.result()
                except BrokenProcessPool:
                    raise LoyaltySemError(
                        "a worker process ended abruptly (out of memory or killed); the finished "
                        "tasks are stored: rerun to resume, perhaps with fewer --jobs") from None
                store.write(records)
                bar.update(len(records))
        finally:   # on a store fault: drop the queued chunks instead of running them all
            pool.shutdown(wait=True, cancel_futures=True)


def describe_plan(study: str | Path) -> pd.DataFrame:
    """Counts of tasks by variant, estimator, group and sample (``--dry-run``)."""
    config = load_study(study)
    _, tasks = prepare(config)
    frame = pd.DataFrame([{"variant": t.variant, "estimator": t.estimator, "group": t.group,
                           "sample": t.sample} for t in tasks])
    return frame.value_counts().rename("tasks").reset_index()
