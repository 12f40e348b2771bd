"""Effects along the chain: direct, indirect, total; intervals; hypothesis tests.

- :mod:`.paths`: enumerate effects from the structural model
- :mod:`.delta`: effects with delta-method SEs (unstandardized, standardized)
- :mod:`.bootstrap`: the bootstrap engine (parallel, seeded, warm-started)
- :mod:`.intervals`: percentile, BCa, Monte Carlo draws
- :mod:`.montecarlo`: Monte Carlo intervals (Preacher & Selig 2012)
- :mod:`.group_effects`: a multi-group fit's effects per group and between groups
- :mod:`.hypotheses`: :func:`test_hypotheses` → :class:`HypothesisTable` (single- and
  multi-group fits)
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

if TYPE_CHECKING:
    from .bootstrap import BootstrapResult, bootstrap
    from .delta import effects_table
    from .hypotheses import HypothesisTable, test_hypotheses
    from .montecarlo import monte_carlo_intervals
    from .paths import Effect, enumerate_effects

__all__ = ["BootstrapResult", "Effect", "HypothesisTable", "bootstrap", "effects_table",
           "enumerate_effects", "monte_carlo_intervals", "test_hypotheses"]

# loaded on first use (loyaltysem._lazy): a fit without a bootstrap never imports it
lazy_names(__name__, {"BootstrapResult": "bootstrap", "bootstrap": "bootstrap",
                      "effects_table": "delta", "HypothesisTable": "hypotheses",
                      "test_hypotheses": "hypotheses", "monte_carlo_intervals": "montecarlo",
                      "Effect": "paths", "enumerate_effects": "paths"})
