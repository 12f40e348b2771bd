"""Study configuration: one YAML file that crosses variants, estimators, samples and groups.

```yaml
name: corp_rep_robustness
seed: 20261123
model: ../corp_rep.yaml          # relative to this file
data: corp_rep                   # dataset name or CSV path (relative to this file)
na_values: [-99]
variants: [baseline, drop_each_item]   # or {add_path: "A -> B"}, {remove_path: "A -> B"}, {spec: other.yaml}
estimators: [ML, MLR]
samples:
  - full
  - {bootstrap: 200}
  - jackknife
  - {subsample: [100, 200], replications: 20}
groups: serviceprovider          # optional: also each level of this column
missing: listwise                # or ml: full-information ML (every fit of the study)
```

A Monte Carlo power study replaces ``data`` by a population:

```yaml
simulation:
  population: loyalty_chain      # a population of loyaltysem.data.synthetic
  sample_sizes: [100, 200, 500, 1000]
  replications: 200
  likert_points: null            # or 7: discretized items
```
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..exceptions import SpecificationError

_KEYS = {"name", "seed", "model", "data", "na_values", "variants", "estimators", "samples", "groups",
         "simulation", "missing"}
POPULATIONS = ("loyalty_chain",)


@dataclass(frozen=True)
class StudyConfig:
    """A parsed study file (see the module docstring for the format)."""

    name: str
    seed: int
    model: Path
    data: str
    na_values: tuple = ()
    variants: tuple = ("baseline",)
    estimators: tuple = ("ML",)
    samples: tuple = ("full",)
    groups: str | None = None
    simulation: dict | None = None
    source: Path | None = field(default=None, compare=False)
    missing: str = "listwise"

    @property
    def digest(self) -> str:
        """A hash of everything that defines the plan (refuses resuming a changed study)."""
        payload = json.dumps({"seed": self.seed, "model": Path(self.model).read_text(),
                              "data": self.data, "na_values": list(self.na_values),
                              "variants": list(map(str, self.variants)),
                              "estimators": list(self.estimators),
                              "samples": list(map(str, self.samples)), "groups": self.groups,
                              "simulation": self.simulation,
                              **({"missing": self.missing} if self.missing != "listwise" else {})},
                             sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def load_study(path: str | Path) -> StudyConfig:
    """Read and check a study YAML file.

    Raises
    ------
    SpecificationError
        Unknown keys, a missing model file, unknown estimators or sample kinds.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecificationError(f"study file {str(path)!r} not found")
    try:
        raw: dict[str, Any] = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise SpecificationError(f"not valid YAML: {error}", source=str(path)) from error
    unknown = set(raw) - _KEYS
    if unknown:
        raise SpecificationError(f"unknown key(s) {sorted(unknown)}; known: {sorted(_KEYS)}",
                                 source=str(path))
    simulation = raw.get("simulation")
    for key in ("model",) if simulation else ("model", "data"):
        if key not in raw:
            raise SpecificationError(f"the study needs '{key}'", source=str(path))
    if simulation is not None:
        if not isinstance(simulation, dict) or simulation.get("population") not in POPULATIONS:
            raise SpecificationError(f"simulation needs a population, one of {POPULATIONS}",
                                     source=str(path))
        if not simulation.get("sample_sizes"):
            raise SpecificationError("simulation needs sample_sizes, e.g. [100, 200, 500]",
                                     source=str(path))
    model = (path.parent / raw["model"]).resolve()
    if not model.is_file():
        raise SpecificationError(f"model file {str(model)!r} not found", source=str(path))
    data = str(raw.get("data", ""))
    if data and (path.parent / data).is_file():
        data = str((path.parent / data).resolve())
    estimators = tuple(raw.get("estimators", ["ML"]))
    bad = [e for e in estimators if e not in ("ML", "MLR", "MLM")]
    if bad:
        raise SpecificationError(f"unknown estimator(s) {bad}; use ML, MLR or MLM", source=str(path))
    missing = str(raw.get("missing", "listwise"))
    if missing not in ("listwise", "ml"):
        raise SpecificationError(f"missing must be 'listwise' or 'ml'; got {missing!r}",
                                 source=str(path))
    samples = tuple(raw.get("samples", ["full"]))
    for sample in samples:
        kind = sample if isinstance(sample, str) else next(iter(sample), None)
        if kind not in ("full", "bootstrap", "jackknife", "subsample"):
            raise SpecificationError(f"unknown sample kind {sample!r}; use full, "
                                     "{bootstrap: B}, jackknife or {subsample: [n, ...]}",
                                     source=str(path))
    return StudyConfig(name=str(raw.get("name", path.stem)), seed=int(raw.get("seed", 1)),
                       model=model, data=data, na_values=tuple(raw.get("na_values") or ()),
                       variants=tuple(raw.get("variants", ["baseline"])), estimators=estimators,
                       samples=samples if simulation is None else ("simulate",),
                       groups=raw.get("groups"), simulation=simulation, source=path,
                       missing=missing)
