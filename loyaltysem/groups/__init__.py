"""Multi-group models and measurement invariance.

- :func:`fit_groups` — one model fitted to several groups at once, with
  lavaan's ``group`` / ``group.equal`` conventions (:mod:`.layout`,
  :mod:`.engine`, :mod:`.fit`);
- :func:`invariance_ladder` — configural, metric, scalar and strict
  invariance with chi-square difference tests and changes in CFI/RMSEA
  (:mod:`.invariance`).
"""
from .fit import fit_groups
from .invariance import InvarianceResult, invariance_ladder
from .results import MultiGroupResult

__all__ = ["InvarianceResult", "MultiGroupResult", "fit_groups", "invariance_ladder"]
