"""The notes under the CB-SEM report's tables (APA 7: "Note." with what a reader needs).

Every note opens with :func:`sample_note` (N, estimator and standard errors,
missing-data treatment) and adds what its table needs: the CI method (Wald,
delta method, percentile bootstrap with B and the seed), abbreviations and
the sources of the thresholds.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..estimate import FitResult
    from ..groups import InvarianceResult

#: the interval of every estimate in the estimates tables
WALD = "95% CIs: Wald, B ± 1.96 SE"
DELTA = "SEs and 95% CIs of indirect and total effects by the delta method (Sobel, 1982)"
STANDARDIZED = "B: unstandardized estimate; β: completely standardized estimate (std.all)"
STARS = "* p < .05, ** p < .01, *** p < .001; dashed: p ≥ .05"
#: the estimator names as a reader meets them
_ESTIMATORS = {"ML": "maximum likelihood (ML)",
               "MLR": "robust maximum likelihood (MLR: Huber–White SEs, Yuan–Bentler scaled χ²)",
               "MLM": "robust maximum likelihood (MLM: robust SEs, Satorra–Bentler scaled χ²)"}


def sample_note(result: FitResult, n_total: int) -> str:
    """``N = 336 of 344 rows (8 dropped: listwise deletion). Estimator: ML; SEs: standard.``"""
    if result.missing == "ml":
        missing = (f"missing data: full-information ML (incomplete rows kept; {result.n_dropped} "
                   "rows without any value dropped)")
    elif result.n_dropped:
        missing = f"missing data: listwise deletion ({result.n_dropped} rows dropped)"
    else:
        missing = "missing data: none (no row dropped)"
    estimator = _ESTIMATORS.get(result.estimator, result.estimator)
    return (f"N = {result.nobs} of {n_total} rows; {missing}. Estimator: {estimator}; "
            f"standard errors: {result.se_type}.")


def with_sample(sample: str, *parts: str) -> str:
    """The sample note followed by the table's own sentences."""
    def sentence(part: str) -> str:
        first = part[0].upper() if part[0].isascii() else part[0]  # not "α" → "Α"
        return first + part[1:].rstrip(".") + "."

    return " ".join([sample, *[sentence(p) for p in parts if p]])


def bootstrap_phrase(n_boot: int, seed: int | None) -> str:
    """``95% percentile bootstrap CIs (B = 500 resamples, seed = 1)`` or why there are none."""
    if n_boot <= 0:
        return "no bootstrap was run (--bootstrap 0): no CIs"
    seeded = f", seed = {seed}" if seed is not None else ", unseeded"
    return f"95% percentile bootstrap CIs in brackets (B = {n_boot} resamples{seeded})"


def htmt_note(sample: str, n_boot: int, seed: int | None) -> str:
    """HTMT: what is in the cells, the interval, the thresholds."""
    return with_sample(sample, "Heterotrait–monotrait ratios (HTMT; Henseler et al., 2015) "
                               "below the diagonal", bootstrap_phrase(n_boot, seed),
                       "HTMT below .85 (strict) or .90 (liberal) and an upper bound below 1 "
                       "support discriminant validity; —: undefined (single-item construct)")


def reliability_note(sample: str) -> str:
    """The measurement table's abbreviations."""
    return with_sample(sample, "α: Cronbach's alpha (raw); ρc: composite reliability "
                               "(Jöreskog, 1971) from the standardized loadings; ω: McDonald's "
                               "omega (semTools compRelSEM); AVE: average variance extracted "
                               "(Fornell & Larcker, 1981); —: not defined for a single-item "
                               "construct")


def ordinal_reliability_note(sample: str) -> str:
    """The measurement table's abbreviations for ordinal items (polychoric correlations)."""
    return with_sample(sample, "Ordinal items: statistics on the polychoric correlations. "
                               "Ordinal α: standardized alpha of the polychoric correlations "
                               "(Zumbo et al., 2007); categorical α: Cronbach's alpha of the "
                               "category codes; ρc: composite reliability from the "
                               "standardized loadings; categorical ω: reliability of the sum "
                               "score (Green & Yang, 2009; semTools compRelSEM); ω latent: "
                               "omega of the latent responses; AVE: average variance "
                               "extracted (Fornell & Larcker, 1981); —: not defined. With a "
                               "Scale column, α and ω are the ordinal α and categorical ω of "
                               "ordinal constructs, Cronbach's raw α and McDonald's ω "
                               "(semTools compRelSEM) of continuous ones")


def ordinal_htmt_note(sample: str, n_boot: int, seed: int | None) -> str:
    """HTMT of ordinal items: on the polychoric correlations (recomputed in every resample
    of the interval)."""
    return with_sample(sample, "Heterotrait–monotrait ratios (HTMT; Henseler et al., 2015) of "
                               "the polychoric correlations below the diagonal",
                       bootstrap_phrase(n_boot, seed)
                       + (" (polychoric correlations recomputed in every resample)"
                          if n_boot else ""),
                       "HTMT below .85 (strict) or .90 (liberal) and an upper bound below 1 "
                       "support discriminant validity; —: undefined (single-item construct)")


def estimates_note(sample: str, loadings: bool) -> str:
    """The loadings or structural paths table: B and β, the Wald interval."""
    fixed = "—: fixed parameter (the marker loading), no SE, z, p or CI" if loadings else ""
    return with_sample(sample, STANDARDIZED, WALD, fixed)


def fit_note(sample: str, result: FitResult) -> str:
    """The fit table: the χ² statistic, the RMSEA interval, the sources of the thresholds."""
    from .tables import reported_fit

    _, statistic, indices = reported_fit(result)
    return with_sample(sample, "RMSEA with its 90% CI", statistic, indices,
                       "thresholds: Hu & Bentler (1999) for CFI, TLI, RMSEA and SRMR; Kline "
                       "(2016) for χ²/df")


def invariance_note(sample: str, invariance: InvarianceResult) -> str:
    """The invariance ladder: the groups, what each step tests, the decision rule."""
    first = next(iter(invariance.fits.values()))
    groups = ", ".join(f"{first.group_title(g)} (n = {n})" for g, n in first.nobs.items())
    scaled = {"WLSMV": "χ²: the scaled-shifted statistics; Δχ²: Satorra's (2000) scaled-"
              "and-shifted difference (lavaan's lavTestLRT); CFI and RMSEA from the scaled "
              "statistics", "MLR": "χ²: the scaled statistics; Δχ²: the Satorra–Bentler "
              "(2001) scaled difference; CFI and RMSEA: the robust ones"}
    scaled["ULSMV"], scaled["MLM"] = scaled["WLSMV"], scaled["MLR"]
    identified = ("steps identified as Wu & Estabrook (2016)" if any(
        "Wu & Estabrook" in w for w in first.warnings) else "")
    return with_sample(sample, f"Groups of {first.group}: {groups}",
                       "each step adds its equality constraints to the previous one; Δχ² "
                       "against the previous step; a step is retained when CFI drops by at most "
                       ".010 (Cheung & Rensvold, 2002) and RMSEA rises by at most .015 "
                       "(Chen, 2007)", scaled.get(first.estimator, ""), identified)


__all__ = ["DELTA", "STANDARDIZED", "STARS", "WALD", "bootstrap_phrase", "estimates_note",
           "fit_note", "htmt_note", "invariance_note", "reliability_note", "sample_note",
           "with_sample"]
