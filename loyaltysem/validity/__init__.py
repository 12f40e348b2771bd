"""Measurement quality: reliability, validity, collinearity, common-method bias.

- :mod:`.reliability`: Cronbach's alpha (raw, standardized, Feldt CI), item statistics
- :mod:`.convergent`: composite reliability, omega, AVE (two definitions)
- :mod:`.discriminant`: HTMT, HTMT2 (+ bootstrap CIs), Fornell–Larcker, cross-loadings,
  Rönkkö & Cho severity classes
- :mod:`.ordinal_reliability`: ordinal items — categorical omega (Green & Yang 2009),
  item statistics of a polychoric matrix
- :mod:`.ordinal_report`: the report's tables for a fit of ordinal items
- :mod:`.collinearity`: structural VIF (latent and composite), Kock's full-collinearity VIF
- :mod:`.method_bias`: Harman's single-factor test, unmeasured latent method factor
- :mod:`.thresholds`: cited thresholds and verdicts
- :mod:`.report`: :func:`assess_measurement` → :class:`ValidityReport`
"""
from __future__ import annotations

from .report import ValidityReport, assess_measurement, measurement_model
from .thresholds import DEFAULT_THRESHOLDS

__all__ = ["DEFAULT_THRESHOLDS", "ValidityReport", "assess_measurement", "measurement_model"]
