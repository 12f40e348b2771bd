"""loyaltysem: structural equation models of customer loyalty.

The flow of one analysis::

    from loyaltysem import fit, load_dataset, load_spec
    spec = load_spec("models/corp_rep.yaml")
    result = fit(spec, load_dataset("corp_rep"))
    print(result.summary())

The public names are loaded on first use (PEP 562), so ``import loyaltysem``
(and the command line's start-up) does not import pandas, scipy or semopy
until a command needs them.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .data import list_datasets, load_codebook, load_dataset
    from .estimate.bollen_stine import bollen_stine
    from .estimate.compare import compare
    from .estimate.fit import fit
    from .estimate.modindices import modification_indices
    from .estimate.results import FitResult
    from .estimate.score_test import score_test, wald_test
    from .spec import ModelSpec, list_models, load_spec

__version__ = "0.1.0"
__all__ = ["FitResult", "ModelSpec", "bollen_stine", "compare", "fit", "list_datasets",
           "list_models", "load_codebook", "load_dataset", "load_spec", "modification_indices",
           "score_test", "wald_test", "__version__"]

#: public name -> the subpackage that defines it
_LAZY_NAMES = {"FitResult": "estimate", "fit": "estimate", "list_datasets": "data",
               "load_codebook": "data", "load_dataset": "data", "ModelSpec": "spec",
               "load_spec": "spec", "list_models": "spec", "modification_indices": "estimate", "score_test": "estimate",
               "wald_test": "estimate", "compare": "estimate", "bollen_stine": "estimate"}
#: subpackages reachable as attributes after ``import loyaltysem`` (as when they were eager)
_SUBPACKAGES = frozenset({"data", "effects", "estimate", "groups", "plot", "report",
                          "robustness", "spec", "validity"})


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _SUBPACKAGES)
