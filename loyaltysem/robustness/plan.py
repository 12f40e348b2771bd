"""From a study config to a plan: a list of tasks, each with its own seed.

A task's seed is derived from the study seed and the task's key (a stable
string such as ``variant=drop comp_1|estimator=MLR|group=2|sample=bootstrap 17``)
through ``numpy.random.SeedSequence``: it does not depend on the order of
the plan, on the executor or on the number of workers.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import LoyaltySemError, SpecificationError
from ..spec import ModelSpec, load_spec
from ..spec.statements import Statement
from .config import LIMITS, StudyConfig


@dataclass(frozen=True)
class Task:
    """One refit of the study."""

    key: str
    variant: str
    estimator: str
    group: str
    sample: str
    index: int
    size: int | None
    seed: int

    @property
    def condition(self) -> tuple[str, str, str]:
        """``(variant, estimator, group)``: tasks of a condition share a full-sample fit."""
        return (self.variant, self.estimator, self.group)


def task_seed(study_seed: int, key: str) -> int:
    """A 63-bit seed from the study seed and the task key (order-independent)."""
    digest = int(hashlib.sha256(key.encode()).hexdigest()[:15], 16)
    return int(np.random.SeedSequence([study_seed, digest]).generate_state(1, np.uint64)[0] >> 1)


def load_model_file(path: str, what: str = "model") -> ModelSpec:
    """Load a model named by a study; errors name the file but never echo its content.

    A study file can point ``model:`` at any file; its error must not show
    the other file's lines (they may be private). The direct command shows
    the detailed message for one's own file.
    """
    try:
        return load_spec(path)
    except (LoyaltySemError, ValueError, OSError, RecursionError, MemoryError) as error:
        line = getattr(error, "line", None)
        where = f" (line {line})" if line else ""
        raise SpecificationError(
            f"the study's {what} file {str(path)!r} is not a valid model specification{where}; "
            f"see the details with: loyaltysem fit {path} --data <data>") from None


def _path_ends(spec: ModelSpec, text: str) -> tuple[str, str]:
    """``"A -> B"`` → ``(A, B)``, both variables of the model."""
    a, b = [part.strip() for part in text.split("->")]
    known = set(spec.constructs) | set(spec.observed_variables)
    for name in (a, b):
        if name not in known:
            raise SpecificationError(f"variant path {text!r}: {name!r} is not a construct or "
                                     "variable of the model; name one of the model's constructs")
    return a, b


def model_variants(spec: ModelSpec, variants) -> dict[str, ModelSpec]:
    """Name → ModelSpec for every requested variant."""
    out: dict[str, ModelSpec] = {}
    for variant in variants:
        if variant == "baseline":
            out["baseline"] = spec
        elif variant == "drop_each_item":
            for construct in spec.constructs.values():
                if len(construct.items) < 3 or set(construct.items) & set(spec.roles.latent):
                    continue  # keep at least two items per construct; items, not constructs
                for item in construct.items:
                    kept = tuple(s for s in spec.statements
                                 if not (s.rhs == item or (s.op == "~~" and item in (s.lhs, s.rhs))))
                    out[f"drop {item}"] = ModelSpec(kept, name=f"{spec.name} without {item}",
                                                    hypotheses=spec.hypotheses,
                                                    composites=spec.composites)
        elif isinstance(variant, dict) and "remove_path" in variant:
            a, b = _path_ends(spec, str(variant["remove_path"]))
            kept = tuple(s for s in spec.statements if not (s.op == "~" and s.lhs == b and s.rhs == a))
            hypotheses = tuple(h for h in spec.hypotheses if (a, b) not in zip(h.chain, h.chain[1:]))
            out[f"remove {a} -> {b}"] = ModelSpec(kept, name=spec.name, hypotheses=hypotheses,
                                                  composites=spec.composites)
        elif isinstance(variant, dict) and "add_path" in variant:
            a, b = _path_ends(spec, str(variant["add_path"]))
            out[f"add {a} -> {b}"] = ModelSpec(spec.statements + (Statement(b, "~", a),),
                                               name=spec.name, hypotheses=spec.hypotheses,
                                               composites=spec.composites)
        elif isinstance(variant, dict) and "spec" in variant:
            other = load_model_file(variant["spec"], "variant spec")
            out[f"spec {other.name}"] = other
        else:
            raise SpecificationError(f"unknown variant {variant!r}; use baseline, drop_each_item, "
                             "{add_path: 'A -> B'}, {remove_path: 'A -> B'} or {spec: file}")
    return out


def _group_levels(config: StudyConfig, data: pd.DataFrame) -> list[str]:
    """``["all"]`` and, with ``groups:``, every level of the group column."""
    groups = ["all"]
    if config.groups:
        if config.groups not in data.columns:
            raise SpecificationError(
                f"groups column {config.groups!r} is not in the data ({data.shape[1]} columns); "
                "set groups: to one of the data's column names or remove it",
                source=str(config.source) if config.source else None)
        levels = [str(level) for level in sorted(data[config.groups].dropna().unique())]
        if any(set(level) & set("|=\n\r\x00") for level in levels):
            raise SpecificationError(
                f"a level of the groups column {config.groups!r} holds '|', '=' or a line "
                "break, which task keys cannot carry; recode the column's values",
                source=str(config.source) if config.source else None)
        groups += levels
    return groups


def _sample_entries(sample, n: int) -> list[tuple[int, int | None]]:
    """``(index, size)`` of the tasks of one ``samples:`` entry for a group of ``n`` rows."""
    kind = sample if isinstance(sample, str) else next(iter(sample))
    if kind == "full":
        return [(0, None)]
    if kind == "bootstrap":
        return [(b, None) for b in range(int(sample["bootstrap"]))]
    if kind == "jackknife":
        return [(i, None) for i in range(n)]
    sizes = sample["subsample"] if isinstance(sample["subsample"], list) else [sample["subsample"]]
    reps = int(sample.get("replications", 20))
    return [(r, int(size)) for size in sizes for r in range(reps)]


def _entry_count(sample, n: int) -> int:
    kind = sample if isinstance(sample, str) else next(iter(sample))
    if kind == "full":
        return 1
    if kind == "bootstrap":
        return int(sample["bootstrap"])
    if kind == "jackknife":
        return n
    sizes = sample["subsample"] if isinstance(sample["subsample"], list) else [sample["subsample"]]
    return len(sizes) * int(sample.get("replications", 20))


def count_tasks(config: StudyConfig, data: pd.DataFrame, variants: dict[str, ModelSpec]) -> int:
    """The number of tasks :func:`make_plan` would make, computed without making them.

    Raises
    ------
    SpecificationError
        If it exceeds ``LIMITS["tasks"]`` (checked before any task is allocated).
    """
    if config.simulation is not None:
        settings = config.simulation
        total = (len(variants) * len(config.estimators) * len(settings["sample_sizes"])
                 * int(settings.get("replications", 200)))
    else:
        groups = _group_levels(config, data)
        sizes = [len(data) if g == "all" else int((data[config.groups].astype(str) == g).sum())
                 for g in groups]
        per_estimator = sum(_entry_count(s, n) for n in sizes for s in config.samples)
        total = len(variants) * len(config.estimators) * per_estimator
    if total > LIMITS["tasks"]:
        raise SpecificationError(
            f"the plan has {total:,} tasks, more than the limit of {LIMITS['tasks']:,} tasks; "
            "use fewer variants, estimators, groups or resamples, or split the study",
            source=str(config.source) if config.source else None)
    return total


def make_plan(config: StudyConfig, data: pd.DataFrame, variants: dict[str, ModelSpec]) -> list[Task]:
    """Every task of the study, in a stable order (its size checked first)."""
    count_tasks(config, data, variants)
    tasks: list[Task] = []
    if config.simulation is not None:
        for variant in variants:
            for estimator in config.estimators:
                for size in config.simulation["sample_sizes"]:
                    for r in range(int(config.simulation.get("replications", 200))):
                        label = f"simulate {int(size)}"
                        key = (f"variant={variant}|estimator={estimator}|group=all|"
                               f"sample={label}|index={r}")
                        tasks.append(Task(key, variant, estimator, "all", label, r, int(size),
                                          task_seed(config.seed, key)))
        return tasks
    groups = _group_levels(config, data)
    for variant in variants:
        for estimator in config.estimators:
            for group in groups:
                n = len(data) if group == "all" else int((data[config.groups].astype(str) == group).sum())
                for sample in config.samples:
                    kind = sample if isinstance(sample, str) else next(iter(sample))
                    for index, size in _sample_entries(sample, n):
                        label = kind if kind in ("full", "jackknife", "bootstrap") else f"subsample {size}"
                        key = (f"variant={variant}|estimator={estimator}|group={group}|"
                               f"sample={label}|index={index}")
                        tasks.append(Task(key, variant, estimator, group, label, index, size,
                                          task_seed(config.seed, key)))
    return tasks
