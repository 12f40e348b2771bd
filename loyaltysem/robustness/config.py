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
ordered: true                    # optional: ordinal items (true: all; or a list) for
                                 # estimators WLSMV, ULSMV, DWLS, WLS, ULS
```

With ``estimators: [WLSMV]`` (or ULSMV, DWLS, WLS, ULS) the items are ordinal,
as declared by ``ordered:`` here or by the model (YAML ``ordered:``, lavaan syntax
``# @ordered``): every task is its own ordinal fit (thresholds and polychoric
correlations of its rows, :mod:`.ordinal`); the likelihood estimators of the same
study treat the items as continuous. A simulation with these estimators needs
``likert_points`` (the simulated responses discretized at fixed thresholds).

``method: pls`` runs the study by PLS-SEM (:func:`loyaltysem.pls.fit_pls`):
``estimators: [PLS, PLSc]`` (default ``[PLS]``), ``missing: listwise`` or
``mean`` (mean replacement); every variant, sample and group works as above.

A Monte Carlo power study replaces ``data`` by a population:

```yaml
simulation:
  population: loyalty_chain      # a population of loyaltysem.data.synthetic
  sample_sizes: [100, 200, 500, 1000]
  replications: 200
  likert_points: null            # or 7: discretized items
```

Every field is checked here, once, before anything is allocated: types,
known values and the sizes below (:data:`LIMITS`). The ``name`` is one
folder name (letters, digits, ``_``, ``-``, ``.``; no path separators, no
``..``): the store lives in ``results/<name>`` beside the study file.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any


from ..exceptions import SpecificationError
from ..spec.names import text_problem
from ..spec.safe_yaml import MAX_FILE_BYTES, load_yaml, read_text_file

_KEYS = {"name", "seed", "model", "data", "na_values", "variants", "estimators", "samples", "groups",
         "simulation", "missing", "method", "ordered"}
POPULATIONS = ("loyalty_chain",)
ESTIMATORS = ("ML", "MLR", "MLM")
#: the estimators of ordinal items (lavaan's least-squares family, WLSMV first)
ORDINAL_ESTIMATORS = ("WLSMV", "ULSMV", "DWLS", "WLS", "ULS")
#: ``method: pls``: the estimators are PLS-SEM and consistent PLS (loyaltysem.pls)
PLS_ESTIMATORS = ("PLS", "PLSc")
#: the missing-data options of each method
MISSING = {"cb": ("listwise", "ml"), "pls": ("listwise", "mean")}

#: Upper bounds of the sizes a study may ask for (checked before any allocation).
LIMITS = {
    "bootstrap": 100_000,        # resamples of one {bootstrap: B} entry
    "replications": 100_000,     # of a subsample entry or of a simulation
    "subsample": 10_000_000,     # a subsample size (rows)
    "sample_sizes": 100_000,     # rows of one simulated sample
    "likert_points": 101,
    "variants": 100,
    "na_values": 100,
    "tasks": 500_000,            # tasks of the whole plan
    "study_file_bytes": MAX_FILE_BYTES,  # the limit of spec.safe_yaml
    "model_file_bytes": 10_000_000,
}
_NAME = re.compile(r"\w[\w.-]{0,99}")
_PATH_VARIANT = re.compile(r"\s*(\w+)\s*->\s*(\w+)\s*")


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
    method: str = "cb"
    ordered: bool | tuple[str, ...] | None = None

    @cached_property  # read and hashed once: workers key their cache on it for every chunk
    def digest(self) -> str:
        """A hash of everything that defines the plan (refuses resuming a changed study)."""
        try:
            model = Path(self.model).read_bytes().decode("utf-8", errors="surrogateescape")
        except OSError as error:
            raise SpecificationError(f"cannot read the model file {str(self.model)!r} "
                                     f"({error.strerror}); check the study's model:") from None
        payload = json.dumps({"seed": self.seed, "model": model,
                              "data": self.data, "na_values": list(self.na_values),
                              "variants": list(map(str, self.variants)),
                              "estimators": list(self.estimators),
                              "samples": list(map(str, self.samples)), "groups": self.groups,
                              "simulation": self.simulation,
                              **({"missing": self.missing} if self.missing != "listwise" else {}),
                              **({"method": self.method} if self.method != "cb" else {}),
                              **({"ordered": True if self.ordered is True else
                                  list(self.ordered)} if isinstance(self.ordered, tuple)
                                 or self.ordered is True else {})},
                             sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _show(value: Any) -> str:
    """A value as a message shows it: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fail(path: Path, message: str) -> SpecificationError:
    return SpecificationError(message, source=str(path))


def _read_yaml(path: Path) -> dict[str, Any]:
    """The study file's top-level mapping (size, encoding and YAML checked by
    :mod:`loyaltysem.spec.safe_yaml`, the one reader of untrusted YAML)."""
    data = load_yaml(read_text_file(path, "study file"), source=str(path))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _fail(path, f"the study file must be a mapping of keys ({sorted(_KEYS)}); "
                          f"got a {type(data).__name__}")
    bad_keys = [key for key in data if not isinstance(key, str)]
    if bad_keys:
        raise _fail(path, f"keys must be text; got {_show(bad_keys[0])}; "
                          f"known keys: {sorted(_KEYS)}")
    return data


def _integer(path: Path, name: str, value: Any, low: int, high: int) -> int:
    """``value`` as an int in ``[low, high]`` (bool and float refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, f"{name} must be a whole number between {low:,} and {high:,}; "
                          f"got {_show(value)}")
    if not low <= value <= high:
        raise _fail(path, f"{name} = {value:,} is outside the limit {low:,}..{high:,}; "
                          f"use at most {high:,} (split a larger study into several)")
    return value


def _text(path: Path, name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, f"{name} must be a non-empty text; got {_show(value)}")
    if text_problem(value, multiline=False):  # spec.names: the one rule for free text
        raise _fail(path, f"{name} must be one line of text without control characters")
    return value


def _as_list(path: Path, name: str, value: Any, example: str) -> list:
    if isinstance(value, (str, int, float, dict)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not value:
        raise _fail(path, f"{name} must be a non-empty list, e.g. {name}: {example}; "
                          f"got {_show(value)}")
    return value


def _name(path: Path, raw: dict[str, Any]) -> str:
    name = raw.get("name", path.stem)
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        raise _fail(path, f"name {_show(name)} must be one folder name of letters, digits, "
                          "'_', '-' "
                          "or '.' (no path separators, no '..', at most 100 characters), "
                          "e.g. name: corp_rep_robustness; use --out to choose another folder")
    return name


def _file(path: Path, key: str, value: Any) -> Path:
    """A file named in the study, relative to the study file; checked to exist."""
    text = _text(path, key, value)
    resolved = (path.parent / text).resolve()
    if not resolved.is_file():
        raise _fail(path, f"{key} file {str(resolved)!r} not found; {key}: is relative to "
                          "the study file")
    if resolved.stat().st_size > LIMITS["model_file_bytes"]:
        raise _fail(path, f"{key} file {str(resolved)!r} is larger than "
                          f"{LIMITS['model_file_bytes']:,} bytes; name a model specification")
    return resolved


def _variants(path: Path, value: Any) -> tuple:
    variants = _as_list(path, "variants", value, "[baseline, drop_each_item]")
    if len(variants) > LIMITS["variants"]:
        raise _fail(path, f"{len(variants)} variants is more than the limit "
                          f"{LIMITS['variants']}; split the study")
    hint = ("use baseline, drop_each_item, {add_path: 'A -> B'}, {remove_path: 'A -> B'} "
            "or {spec: file}")
    out: list = []
    for variant in variants:
        if variant in ("baseline", "drop_each_item"):
            out.append(variant)
            continue
        if not isinstance(variant, dict) or len(variant) != 1 or not isinstance(
                next(iter(variant)), str):
            raise _fail(path, f"unknown variant {_show(variant)}; {hint}")
        (kind, target), = variant.items()
        if kind in ("add_path", "remove_path"):
            if not isinstance(target, str) or not _PATH_VARIANT.fullmatch(target):
                raise _fail(path, f"{kind} must be a path 'A -> B' between two construct "
                                  f"names; got {_show(target)}")
            out.append({kind: target})
        elif kind == "spec":
            out.append({"spec": str(_file(path, "variant spec", target))})
        else:
            raise _fail(path, f"unknown variant {_show(variant)}; {hint}")
    return tuple(out)


def _estimators(path: Path, value: Any, method: str = "cb") -> tuple:
    estimators = _as_list(path, "estimators", value, "[ML, MLR]")
    known = PLS_ESTIMATORS if method == "pls" else ESTIMATORS + ORDINAL_ESTIMATORS
    bad = [e for e in estimators if e not in known]
    if bad:
        listed = ", ".join(known[:-1]) + f" or {known[-1]}"
        raise _fail(path, f"unknown estimator(s) {_show(bad)}; use {listed}"
                    + (" (method: pls)" if method == "pls" else ""))
    if len(set(estimators)) != len(estimators):
        raise _fail(path, f"estimators {_show(estimators)} lists one twice; name each once")
    return tuple(estimators)


def _sample(path: Path, sample: Any) -> Any:
    """One entry of ``samples``, checked (kinds, keys, types and sizes)."""
    hint = "use full, {bootstrap: B}, jackknife or {subsample: [n, ...], replications: R}"
    if sample in ("full", "jackknife"):
        return sample
    if not isinstance(sample, dict) or not sample:
        raise _fail(path, f"unknown sample kind {_show(sample)}; {hint}")
    if "bootstrap" in sample:
        if set(sample) != {"bootstrap"}:
            raise _fail(path, "a bootstrap sample takes only 'bootstrap: B'; "
                              f"got {_show(sample)}")
        _integer(path, "samples: bootstrap", sample["bootstrap"], 1, LIMITS["bootstrap"])
        return dict(sample)
    if "subsample" in sample:
        extra = set(sample) - {"subsample", "replications"}
        if extra:
            raise _fail(path, f"unknown key(s) {sorted(map(str, extra))} in a subsample; "
                              "use subsample: [n, ...] and replications: R")
        sizes = sample["subsample"] if isinstance(sample["subsample"], list) else [
            sample["subsample"]]
        if not sizes:
            raise _fail(path, "subsample needs at least one size, e.g. subsample: [100, 200]")
        for size in sizes:
            _integer(path, "samples: subsample size", size, 2, LIMITS["subsample"])
        _integer(path, "samples: replications", sample.get("replications", 20), 1,
                 LIMITS["replications"])
        return dict(sample)
    raise _fail(path, f"unknown sample kind {_show(sample)}; {hint}")


def _simulation(path: Path, value: Any) -> dict:
    if not isinstance(value, dict) or value.get("population") not in POPULATIONS:
        raise _fail(path, f"simulation needs a population, one of {POPULATIONS}")
    extra = set(value) - {"population", "sample_sizes", "replications", "likert_points"}
    if extra:
        raise _fail(path, f"unknown key(s) {sorted(map(str, extra))} in simulation; use "
                          "population, sample_sizes, replications, likert_points")
    sizes = value.get("sample_sizes")
    if not isinstance(sizes, list) or not sizes:
        raise _fail(path, "simulation needs sample_sizes, e.g. [100, 200, 500]")
    for size in sizes:
        _integer(path, "simulation: sample_sizes", size, 10, LIMITS["sample_sizes"])
    _integer(path, "simulation: replications", value.get("replications", 200), 1,
             LIMITS["replications"])
    if value.get("likert_points") is not None:
        _integer(path, "simulation: likert_points", value["likert_points"], 2,
                 LIMITS["likert_points"])
    return dict(value)


def _ordered(path: Path, value: Any) -> bool | tuple[str, ...] | None:
    """``ordered:``: true (all items), false/absent (None), or a list of item names."""
    if value is None or value is False:
        return None
    if value is True:
        return True
    names = _as_list(path, "ordered", value, "true or [item_1, item_2]")
    return tuple(_text(path, "ordered", name) for name in names)


def _check_ordinal(path: Path, method: str, estimators: tuple, missing: str,
                   simulation: dict | None, ordered: Any) -> None:
    """Refuse what ordinal studies do not support (one line with the fix)."""
    ordinal = [e for e in estimators if e in ORDINAL_ESTIMATORS]
    if method == "pls" and ordered:
        raise _fail(path, "ordered: is for the ordinal estimators of method cb (WLSMV, ULSMV, "
                          "DWLS, WLS, ULS); PLS-SEM treats the items as continuous: remove "
                          "ordered: or use method: cb")
    if not ordinal:
        return
    if missing != "listwise":
        raise _fail(path, f"missing: {missing} is full-information ML; the ordinal estimator(s) "
                          f"{', '.join(ordinal)} fit the complete cases: use missing: listwise, "
                          "or run them in a study of their own")
    if simulation is not None and simulation.get("likert_points") is None:
        raise _fail(path, f"the ordinal estimator(s) {', '.join(ordinal)} need ordinal data: "
                          "set simulation: likert_points (e.g. 5) to discretize the simulated "
                          "responses")


def _na_values(path: Path, value: Any) -> tuple:
    if value is None:
        return ()
    codes = _as_list(path, "na_values", value, "[-99]")
    if len(codes) > LIMITS["na_values"]:
        raise _fail(path, f"{len(codes)} na_values is more than the limit {LIMITS['na_values']}")
    for code in codes:
        if isinstance(code, bool) or not isinstance(code, (int, float, str)):
            raise _fail(path, f"na_values holds {_show(code)}; list numbers or texts, "
                              "e.g. [-99, NA]")
    return tuple(codes)


def load_study(path: str | Path) -> StudyConfig:
    """Read and check a study YAML file.

    Raises
    ------
    SpecificationError
        Anything wrong in the file: encoding, YAML, unknown keys, wrong types,
        unknown estimators, variants or sample kinds, sizes beyond :data:`LIMITS`,
        a missing model or data file. One line, naming the field and the fix.
    """
    path = Path(path)
    raw = _read_yaml(path)
    unknown = set(raw) - _KEYS
    if unknown:
        raise _fail(path, f"unknown key(s) {_show(sorted(unknown))}; known: {sorted(_KEYS)}")
    simulation = None if raw.get("simulation") is None else _simulation(path, raw["simulation"])
    for key in ("model",) if simulation else ("model", "data"):
        if key not in raw:
            raise _fail(path, f"the study needs '{key}'")
    model = _file(path, "model", raw["model"])
    data = ""
    if raw.get("data") is not None:
        data = _text(path, "data", raw["data"] if not isinstance(raw["data"], (int, float))
                     else str(raw["data"]))
        if (path.parent / data).is_file():
            data = str((path.parent / data).resolve())
    method = raw.get("method", "cb")
    if method not in MISSING:
        raise _fail(path, f"method must be 'cb' (covariance-based SEM) or 'pls' (PLS-SEM); "
                          f"got {_show(method)}")
    missing = raw.get("missing", "listwise")
    if missing not in MISSING[method]:
        raise _fail(path, f"missing must be " + " or ".join(map(repr, MISSING[method]))
                    + f" with method {method}; got {_show(missing)}")
    groups = raw.get("groups")
    if groups is not None:
        groups = _text(path, "groups", groups)
    entries = _as_list(path, "samples", raw.get("samples", ["full"]), "[full, {bootstrap: 200}]")
    samples = tuple(_sample(path, s) for s in entries)
    seed = _integer(path, "seed", raw.get("seed", 1), 0, 2**63 - 1)
    estimators = _estimators(path, raw.get("estimators", ["PLS"] if method == "pls" else ["ML"]),
                             method)
    ordered = _ordered(path, raw.get("ordered"))
    _check_ordinal(path, method, estimators, missing, simulation, ordered)
    return StudyConfig(name=_name(path, raw), seed=seed, model=model, data=data,
                       na_values=_na_values(path, raw.get("na_values")),
                       variants=_variants(path, raw.get("variants", ["baseline"])),
                       estimators=estimators,
                       samples=samples if simulation is None else ("simulate",),
                       groups=groups, simulation=simulation, source=path, missing=missing,
                       method=method, ordered=ordered)
