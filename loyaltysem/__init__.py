"""loyaltysem: structural equation models of customer loyalty.

The flow of one analysis::

    from loyaltysem import fit, load_dataset, load_spec
    spec = load_spec("models/corp_rep.yaml")
    result = fit(spec, load_dataset("corp_rep"))
    print(result.summary())
"""
from __future__ import annotations

from .data import list_datasets, load_codebook, load_dataset
from .estimate import FitResult, fit
from .spec import ModelSpec, load_spec

__version__ = "0.1.0"
__all__ = ["FitResult", "ModelSpec", "fit", "list_datasets", "load_codebook", "load_dataset",
           "load_spec", "__version__"]
