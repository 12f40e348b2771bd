"""Multi-group models and measurement invariance.

- :func:`fit_groups` — one model fitted to several groups at once, with
  lavaan's ``group`` / ``group.equal`` conventions (:mod:`.layout`,
  :mod:`.engine`, :mod:`.fit`);
- :func:`invariance_ladder` — configural, metric, scalar and strict
  invariance with chi-square difference tests and changes in CFI/RMSEA
  (:mod:`.invariance`);
- :func:`compare_paths` — does each structural path differ across groups
  (chi-square difference and Wald tests; :mod:`.path_comparison`).
"""
from .fit import fit_groups
from .invariance import InvarianceResult, invariance_ladder
from .path_comparison import PathComparison, compare_paths
from .results import MultiGroupResult

__all__ = ["InvarianceResult", "MultiGroupResult", "PathComparison", "compare_paths",
           "fit_groups", "invariance_ladder"]
