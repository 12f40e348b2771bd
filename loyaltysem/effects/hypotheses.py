"""HypothesisTable: every hypothesis of the spec, tested, with a verdict.

Verdict rule (one rule for every interval method): a hypothesis is
**supported** when its interval (95% by default) excludes zero on the expected side,
**opposite sign** when the interval excludes zero on the other side, and
**not supported** when the interval contains zero. The p-value shown is the
two-sided normal-theory (delta-method or bootstrap-SE) p-value.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..arguments import check_choice, fail
from ..distributions import norm_ppf, norm_sf
from ..estimate import FitResult
from ..exceptions import ArgumentError
from ..summary import Summary, json_value
from .bootstrap import BootstrapResult
from .delta import effects_table
from .montecarlo import check_monte_carlo_arguments, monte_carlo_intervals
from .paths import Effect

IntervalMethod = Literal["delta", "percentile", "bca", "montecarlo"]
#: the values of ``interval``
INTERVAL_METHODS = ("delta", "percentile", "bca", "montecarlo")


def verdict(lower: float, upper: float, sign: str) -> str:
    """``supported`` / ``opposite sign`` / ``not supported`` from an interval."""
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return "not tested"
    if lower > 0:
        return "supported" if sign == "+" else "opposite sign"
    if upper < 0:
        return "supported" if sign == "-" else "opposite sign"
    return "not supported"


@dataclass(frozen=True, eq=False)
class HypothesisTable:
    """Hypotheses with estimates, intervals, p-values and verdicts.

    Attributes
    ----------
    table : pandas.DataFrame
        ``id, hypothesis, kind, expected_sign, est, std_est, se, ci_lower,
        ci_upper, pvalue, verdict, description``.
    interval : str
        The interval method.
    notes : tuple of str
    level : float
        The confidence level of the intervals.
    """

    table: pd.DataFrame
    interval: str
    notes: tuple[str, ...] = ()
    level: float = 0.95

    def summary(self, digits: int = 3) -> Summary:
        """The table and its notes."""
        return Summary(f"Hypotheses ({self.interval} {self.level:.0%} intervals)",
                       (("Hypotheses", self.table.drop(columns=["description"])),
                        ("Notes", list(self.notes) or ["none"])), digits=digits)

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_records(self) -> list[dict[str, Any]]:
        """Rows as JSON-ready dicts (NaN → None)."""
        return [{k: json_value(v) for k, v in row.items()}
                for row in self.table.to_dict(orient="records")]


def _check_arguments(result: Any, interval: Any, boot: Any, n_draws: Any, seed: Any,
                     level: Any) -> None:
    """Refuse a bad argument of :func:`test_hypotheses` before any computation."""
    check_monte_carlo_arguments(result, n_draws, seed, level)
    check_choice("interval", interval, INTERVAL_METHODS)
    if boot is not None and not isinstance(boot, BootstrapResult):
        raise fail("boot", "None or a BootstrapResult (from bootstrap(result, ...))", boot)
    if interval in ("percentile", "bca") and boot is None:
        raise ArgumentError(f"interval={interval!r} needs a bootstrap: pass "
                            "boot=bootstrap(result, ...)")
    if interval == "bca" and getattr(boot, "jackknife", None) is None:
        raise ArgumentError("interval='bca' needs the jackknife: pass "
                            "boot=bootstrap(result, ..., bca=True)")


def test_hypotheses(result: FitResult, *, interval: IntervalMethod = "delta",
                    boot: BootstrapResult | None = None, n_draws: int = 20000,
                    seed: int | None = None, level: float = 0.95) -> HypothesisTable:
    """Test every hypothesis of ``result.spec``.

    Parameters
    ----------
    result : FitResult
    interval : {"delta", "percentile", "bca", "montecarlo"}
        ``delta``: estimate ± z·SE (delta method); ``percentile``/``bca``:
        from ``boot``; ``montecarlo``: Preacher & Selig (2012) with
        ``n_draws`` draws.
    boot : BootstrapResult, optional
        Required for ``percentile`` and ``bca``.
    n_draws, seed : int
        Monte Carlo draws (2 to :data:`~loyaltysem.arguments.MAX_DRAWS`) and
        seed (0 to 2**32 - 1).
    level : float
        Confidence level of the intervals, strictly between 0 and 1.

    Returns
    -------
    HypothesisTable

    Raises
    ------
    ArgumentError
        For an argument of the wrong value or type, before any computation.
    """
    _check_arguments(result, interval, boot, n_draws, seed, level)
    spec = result.spec
    effects = [Effect(h.chain[0], h.chain[-1], "direct" if len(h.chain) == 2 else "indirect",
                      (tuple(h.chain),)) for h in spec.hypotheses if h.effect is None]
    table = effects_table(result, effects) if effects else pd.DataFrame()
    defined = result.defined.set_index("lhs") if len(result.defined) else pd.DataFrame()
    mc = monte_carlo_intervals(result, n_draws=n_draws, seed=seed, level=level,
                               effects=effects) if interval == "montecarlo" else None
    boot_intervals = boot.interval("percentile" if interval == "percentile" else "bca", level) \
        if boot is not None and interval in ("percentile", "bca") else None
    z = float(norm_ppf(0.5 + level / 2))
    rows = []
    position = 0
    for hypothesis in spec.hypotheses:
        if hypothesis.effect is None:
            row = table.iloc[position]
            position += 1
            est, se, std = row["est"], row["se"], row["std_all"]
            key = f"effect: {row['effect']}"
            text = row["effect"]
        else:
            est = defined.at[hypothesis.effect, "est"]
            se = defined.at[hypothesis.effect, "se"]
            std = defined.at[hypothesis.effect, "std_all"]
            key = f"{hypothesis.effect} :="
            text = f"{hypothesis.effect} := {spec.defined_effects[hypothesis.effect]}"
        if boot is not None and boot_intervals is not None:
            se = float(boot.se[key])
            lower, upper = boot_intervals.loc[key, ["lower", "upper"]]
        elif mc is not None:
            lower, upper = mc.loc[key, ["lower", "upper"]]
        else:
            lower, upper = est - z * se, est + z * se
        pvalue = 2 * norm_sf(abs(est / se)) if se > 0 else np.nan
        rows.append({"id": hypothesis.id, "hypothesis": text, "kind": hypothesis.kind,
                     "expected_sign": hypothesis.sign, "est": est, "std_est": std, "se": se,
                     "ci_lower": lower, "ci_upper": upper, "pvalue": pvalue,
                     "verdict": verdict(lower, upper, hypothesis.sign),
                     "description": hypothesis.description})
    notes = []
    if boot is not None:
        notes.append(boot.summary_line())
    if not result.admissible:
        notes.append("the solution is not admissible (see the fit warnings): interpret with care")
    columns = ["id", "hypothesis", "kind", "expected_sign", "est", "std_est", "se", "ci_lower",
               "ci_upper", "pvalue", "verdict", "description"]
    return HypothesisTable(pd.DataFrame(rows, columns=columns), interval, tuple(notes),
                           float(level))
