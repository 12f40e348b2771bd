"""HypothesisTable: every hypothesis of the spec, tested, with a verdict.

Verdict rule (one rule for every interval method): a hypothesis is
**supported** when its interval (95% by default) excludes zero on the expected side,
**opposite sign** when the interval excludes zero on the other side, and
**not supported** when the interval contains zero. The p-value shown is the
two-sided normal-theory (delta-method or bootstrap-SE) p-value.

A multi-group fit (:class:`~loyaltysem.groups.MultiGroupResult`) is tested **per group**
and **between groups**: every path or indirect-chain hypothesis gets one row per group
(``group`` the group; the effect from that group's coefficients) and one row per pair of
groups ``g < h`` (``group`` ``"g - h"``, ``kind`` ``"difference"``: the effect in g minus
the effect in h, whose verdict is **differs** when its interval excludes zero and **does
not differ** otherwise); a hypothesis on a ``:=`` effect, which spans the groups, gets one
row with ``group`` ``""`` (as the fit's ``:=`` rows). The SEs are delta-method SEs from the
fit's covariance of all groups' parameters (:mod:`.group_effects`), lavaan's
``parameterEstimates()`` SEs of ``ind1 := a1*b1``, ``diff := ind1 - ind2`` with
``c(a1, a2)*`` labels; Monte Carlo intervals draw from the same covariance, bootstrap
intervals come from :func:`~loyaltysem.effects.bootstrap` of the multi-group fit
(resampled within groups).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..arguments import MAX_DRAWS, check_choice, check_int, check_probability, check_seed, fail
from ..distributions import norm_ppf, norm_sf
from ..estimate import FitResult
from ..exceptions import ArgumentError
from ..summary import Summary, json_value
from .bootstrap import BootstrapResult, _multigroup_result
from .delta import effects_table
from .group_effects import difference_name, group_effects_table, group_monte_carlo_intervals
from .montecarlo import check_monte_carlo_arguments, monte_carlo_intervals
from .paths import Effect

if TYPE_CHECKING:
    from ..groups.results import MultiGroupResult

IntervalMethod = Literal["delta", "percentile", "bca", "montecarlo"]
#: the values of ``interval``
INTERVAL_METHODS = ("delta", "percentile", "bca", "montecarlo")


def verdict(lower: float, upper: float, sign: str) -> str:
    """``supported`` / ``opposite sign`` / ``not supported`` from an interval; for a
    difference between groups (``sign`` ``""``) ``differs`` / ``does not differ``."""
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return "not tested"
    if sign == "":
        return "differs" if lower > 0 or upper < 0 else "does not differ"
    if lower > 0:
        return "supported" if sign == "+" else "opposite sign"
    if upper < 0:
        return "supported" if sign == "-" else "opposite sign"
    return "not supported"


def starred(judged: str, admissible: bool) -> str:
    """A verdict reached on an inadmissible solution, marked ``*`` (``supported*``)."""
    return judged if admissible or judged == "not tested" else f"{judged}*"


def inadmissible_note(result: Any) -> str:
    """The note a starred verdict refers to: why the solution is not admissible."""
    reasons = [str(getattr(p, "message", p)) for p in getattr(result, "problems", ())]
    if not getattr(result, "converged", True):
        reasons.insert(0, "the optimizer did not converge")
    reason = reasons[0] if reasons else "see the fit warnings"
    more = f" (and {len(reasons) - 1} more problems)" if len(reasons) > 1 else ""
    return (f"* judged on an inadmissible solution: {reason}{more}; the verdicts may not be "
            "interpretable")


@dataclass(frozen=True, eq=False)
class HypothesisTable:
    """Hypotheses with estimates, intervals, p-values and verdicts.

    Attributes
    ----------
    table : pandas.DataFrame
        ``id, hypothesis, kind, expected_sign, est, std_est, se, ci_lower,
        ci_upper, pvalue, verdict, description``; for a multi-group fit ``group``
        after ``id`` (the group, ``"g - h"`` for a difference between groups, whose
        ``kind`` is ``"difference"`` and ``expected_sign`` ``""``; ``""`` for a
        ``:=`` effect; see the module notes).
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``hypotheses`` (:meth:`to_records`), ``interval``, ``level``,
        ``notes``."""
        return {"hypotheses": self.to_records(), "interval": self.interval,
                "level": self.level, "notes": list(self.notes)}


def _check_arguments(result: Any, interval: Any, boot: Any, n_draws: Any, seed: Any,
                     level: Any) -> None:
    """Refuse a bad argument of :func:`test_hypotheses` before any computation."""
    multigroup = isinstance(result, _multigroup_result())
    if multigroup:
        check_int("n_draws", n_draws, low=2, high=MAX_DRAWS)
        check_seed("seed", seed)
        check_probability("level", level, "a confidence level")
    elif not isinstance(result, FitResult):
        raise fail("result", "a FitResult (from loyaltysem.fit) or a MultiGroupResult (from "
                   "loyaltysem.groups.fit_groups)", result)
    else:
        check_monte_carlo_arguments(result, n_draws, seed, level)
    check_choice("interval", interval, INTERVAL_METHODS)
    if boot is not None and not isinstance(boot, BootstrapResult):
        raise fail("boot", "None or a BootstrapResult (from bootstrap(result, ...))", boot)
    if boot is not None:
        sizes = boot.group_sizes
        if multigroup and (sizes is None or [str(g) for g in sizes.index]
                           != [str(g) for g in result.groups]):
            raise ArgumentError(
                "boot must be the bootstrap of this multi-group fit (groups "
                + ", ".join(map(str, result.groups)) + "); got the bootstrap of "
                + ("a single-group fit" if sizes is None else "the groups "
                   + ", ".join(map(str, sizes.index))) + ": pass boot=bootstrap(result, ...)")
        if not multigroup and sizes is not None:
            raise ArgumentError("boot must be the bootstrap of this single-group fit; got the "
                                "bootstrap of a multi-group fit (groups "
                                + ", ".join(map(str, sizes.index)) + ")")
    if interval in ("percentile", "bca") and boot is None:
        raise ArgumentError(f"interval={interval!r} needs a bootstrap: pass "
                            "boot=bootstrap(result, ...)")
    if interval == "bca" and getattr(boot, "jackknife", None) is None:
        raise ArgumentError("interval='bca' needs the jackknife: pass "
                            "boot=bootstrap(result, ..., bca=True)")


def test_hypotheses(result: FitResult | MultiGroupResult, *, interval: IntervalMethod = "delta",
                    boot: BootstrapResult | None = None, n_draws: int = 20000,
                    seed: int | None = None, level: float = 0.95) -> HypothesisTable:
    """Test every hypothesis of ``result.spec``.

    Parameters
    ----------
    result : FitResult or MultiGroupResult
        A multi-group fit is tested per group and between groups (module notes).
    interval : {"delta", "percentile", "bca", "montecarlo"}
        ``delta``: estimate ± z·SE (delta method); ``percentile``/``bca``:
        from ``boot``; ``montecarlo``: Preacher & Selig (2012) with
        ``n_draws`` draws.
    boot : BootstrapResult, optional
        Required for ``percentile`` and ``bca``: the bootstrap of ``result`` (of a
        multi-group fit: ``bootstrap(result, ...)`` with its default effects, or effects
        that include every hypothesis' chain).
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
        For an argument of the wrong value or type, before any computation (a
        bootstrap of another fit among them).

    Examples
    --------
    lavaan's ``sem(model, data, group = "school")`` with ``textual ~ c(a1, a2)*visual``,
    ``speed ~ c(b1, b2)*textual``, ``ind1 := a1*b1``, ``ind2 := a2*b2``,
    ``diff := ind1 - ind2``, for a hypothesis ``visual -> textual -> speed``:

    >>> fit = fit_groups("model.lav", "holzinger_swineford", "school")  # doctest: +SKIP
    >>> test_hypotheses(fit).table[["id", "group", "est", "se", "verdict"]]  # doctest: +SKIP
    """
    _check_arguments(result, interval, boot, n_draws, seed, level)
    if not isinstance(result, FitResult):  # a MultiGroupResult (checked above)
        return _test_group_hypotheses(result, interval, boot, n_draws, seed, level)
    spec = result.spec
    effects = _hypothesis_effects(spec)
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
                     "verdict": starred(verdict(lower, upper, hypothesis.sign),
                                        result.admissible),
                     "description": hypothesis.description})
    notes = []
    if boot is not None:
        notes.append(boot.summary_line())
    if not result.admissible:
        notes.append(inadmissible_note(result))
    columns = ["id", "hypothesis", "kind", "expected_sign", "est", "std_est", "se", "ci_lower",
               "ci_upper", "pvalue", "verdict", "description"]
    return HypothesisTable(pd.DataFrame(rows, columns=columns), interval, tuple(notes),
                           float(level))


def _chain_effect(chain: tuple[str, ...]) -> Effect:
    """The direct (two names) or specific indirect effect along ``chain``."""
    return Effect(chain[0], chain[-1], "direct" if len(chain) == 2 else "indirect",
                  (tuple(chain),))


def _hypothesis_effects(spec: Any) -> list[Effect]:
    """The effect of every path or chain hypothesis of ``spec`` (in order)."""
    return [_chain_effect(h.chain) for h in spec.hypotheses if h.effect is None]


def _test_group_hypotheses(result: MultiGroupResult, interval: str,
                           boot: BootstrapResult | None, n_draws: int, seed: int | None,
                           level: float) -> HypothesisTable:
    """:func:`test_hypotheses` of a multi-group fit (module notes)."""
    spec = result.spec
    effects = list(dict.fromkeys(_hypothesis_effects(spec)))
    table = group_effects_table(result, effects, level) if effects else pd.DataFrame()
    defined = result.estimates[result.estimates["op"] == ":="].set_index("lhs")
    intervals: pd.DataFrame | None = None
    if interval == "montecarlo":
        intervals = group_monte_carlo_intervals(result, effects, n_draws=n_draws, seed=seed,
                                                level=level)
    elif boot is not None and interval in ("percentile", "bca"):
        intervals = boot.interval(interval, level)
    labels = [str(g) for g in result.groups]
    pairs = [(g, h) for i, g in enumerate(labels) for h in labels[i + 1:]]
    admissible = bool(getattr(result, "admissible", result.converged))
    rows = []
    for hypothesis in spec.hypotheses:
        if hypothesis.effect is not None:
            name = hypothesis.effect
            text = f"{name} := {spec.defined_effects[name]}"
            cases: list[tuple[str, str, str, str, float, float, float]] = [
                ("", hypothesis.kind, hypothesis.sign, f"{name} :=",
                      float(defined.at[name, "est"]), float(defined.at[name, "se"]), np.nan)]
        else:
            effect = _chain_effect(hypothesis.chain)
            text = effect.label
            keys: list[tuple[str, str, str, str]] = [
                (g, hypothesis.kind, hypothesis.sign, f"{g}: effect: {effect.label}")
                for g in labels]
            keys += [(f"{g} - {h}", "difference", "", difference_name(g, h, effect))
                     for g, h in pairs]
            cases = [(group, kind, sign, key, float(table.at[key, "est"]),
                      float(table.at[key, "se"]), float(table.at[key, "std_all"]))
                     for group, kind, sign, key in keys]
        for group, kind, sign, key, est, se, std in cases:
            if boot is not None and intervals is not None:
                if key not in intervals.index:
                    raise ArgumentError(f"boot has no draws of {key!r}: bootstrap the fit with "
                                        "its default effects (bootstrap(result, ...))")
                se = float(boot.se[key])
            if intervals is not None:
                lower, upper = (float(v) for v in intervals.loc[key, ["lower", "upper"]])
            else:
                z = float(norm_ppf(0.5 + level / 2))
                lower, upper = est - z * se, est + z * se
            rows.append({"id": hypothesis.id, "group": group, "hypothesis": text, "kind": kind,
                         "expected_sign": sign, "est": est, "std_est": std, "se": se,
                         "ci_lower": lower, "ci_upper": upper,
                         "pvalue": 2 * norm_sf(abs(est / se)) if se > 0 else np.nan,
                         "verdict": starred(verdict(lower, upper, sign), admissible),
                         "description": hypothesis.description})
    notes = [f"groups ({result.group}): " + ", ".join(f"{result.group_title(g)} (N = {n})"
                                                     for g, n in result.nobs.items()),
             "rows 'g - h': the effect in group g minus the effect in group h (delta-method "
             "SE from the covariance of all groups' estimates); verdict 'differs' when the "
             "interval excludes 0"]
    if boot is not None:
        notes.append(boot.summary_line())
    if not admissible:
        notes.append(inadmissible_note(result))
    notes += [w for w in result.warnings if "labels written once" in w]
    columns = ["id", "group", "hypothesis", "kind", "expected_sign", "est", "std_est", "se",
               "ci_lower", "ci_upper", "pvalue", "verdict", "description"]
    return HypothesisTable(pd.DataFrame(rows, columns=columns), interval, tuple(notes),
                           float(level))
