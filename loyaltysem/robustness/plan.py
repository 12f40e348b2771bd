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

from ..spec import ModelSpec, load_spec
from ..spec.statements import Statement
from .config import StudyConfig


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
                                                    hypotheses=spec.hypotheses)
        elif isinstance(variant, dict) and "remove_path" in variant:
            a, b = [p.strip() for p in str(variant["remove_path"]).split("->")]
            kept = tuple(s for s in spec.statements if not (s.op == "~" and s.lhs == b and s.rhs == a))
            hypotheses = tuple(h for h in spec.hypotheses if (a, b) not in zip(h.chain, h.chain[1:]))
            out[f"remove {a} -> {b}"] = ModelSpec(kept, name=spec.name, hypotheses=hypotheses)
        elif isinstance(variant, dict) and "add_path" in variant:
            a, b = [p.strip() for p in str(variant["add_path"]).split("->")]
            out[f"add {a} -> {b}"] = ModelSpec(spec.statements + (Statement(b, "~", a),),
                                               name=spec.name, hypotheses=spec.hypotheses)
        elif isinstance(variant, dict) and "spec" in variant:
            other = load_spec(variant["spec"])
            out[f"spec {other.name}"] = other
        else:
            raise ValueError(f"unknown variant {variant!r}; use baseline, drop_each_item, "
                             "{add_path: 'A -> B'}, {remove_path: 'A -> B'} or {spec: file}")
    return out


def make_plan(config: StudyConfig, data: pd.DataFrame, variants: dict[str, ModelSpec]) -> list[Task]:
    """Every task of the study, in a stable order."""
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
    groups = ["all"]
    if config.groups:
        if config.groups not in data.columns:
            raise ValueError(f"groups column {config.groups!r} is not in the data")
        groups += [str(level) for level in sorted(data[config.groups].dropna().unique())]
    for variant in variants:
        for estimator in config.estimators:
            for group in groups:
                n = len(data) if group == "all" else int((data[config.groups].astype(str) == group).sum())
                for sample in config.samples:
                    kind = sample if isinstance(sample, str) else next(iter(sample))
                    entries: list[tuple[int, int | None]]
                    if kind == "full":
                        entries = [(0, None)]
                    elif kind == "bootstrap":
                        entries = [(b, None) for b in range(int(sample["bootstrap"]))]
                    elif kind == "jackknife":
                        entries = [(i, None) for i in range(n)]
                    else:
                        sizes = sample["subsample"]
                        sizes = sizes if isinstance(sizes, list) else [sizes]
                        reps = int(sample.get("replications", 20))
                        entries = [(r, int(size)) for size in sizes for r in range(reps)]
                    for index, size in entries:
                        label = kind if kind in ("full", "jackknife", "bootstrap") else f"subsample {size}"
                        key = (f"variant={variant}|estimator={estimator}|group={group}|"
                               f"sample={label}|index={index}")
                        tasks.append(Task(key, variant, estimator, group, label, index, size,
                                          task_seed(config.seed, key)))
    return tasks
