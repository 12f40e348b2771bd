"""Synthetic loyalty-chain surveys drawn from a known population model.

Simulated data with known "true" parameters let the toolkit check that an
estimator recovers what was put in (bias, coverage of confidence intervals,
power for indirect effects). This module is self-contained: it needs only
numpy and pandas.

A population is a recursive (acyclic) structural equation model written in
*standardized* form: every latent construct and every item has variance 1,
each item loads on exactly one construct with a standardized loading
``0 < lambda < 1`` and has residual variance ``theta = 1 - lambda**2``, and
each endogenous construct has a disturbance whose variance is whatever is
left after its predictors have explained their share. Item residuals are
mutually uncorrelated and uncorrelated with the constructs; disturbances are
mutually uncorrelated.

The loyalty-chain population
----------------------------
:func:`loyalty_chain_population` is the population behind
``datasets/loyalty_chain``: satisfaction (SAT) builds trust (TRU), trust and
satisfaction drive perceived value (VAL), and all three drive loyalty (LOY).

=========  =========  =====================================================
path       standard.  comment
=========  =========  =====================================================
SAT -> TRU   0.60     satisfaction as the main antecedent of trust
TRU -> VAL   0.45     trust raises perceived value
SAT -> VAL   0.20     direct effect of satisfaction on value
VAL -> LOY   0.40     value as the strongest proximal driver of loyalty
SAT -> LOY   0.25     direct effect of satisfaction on loyalty
TRU -> LOY   0.15     direct effect of trust on loyalty
=========  =========  =====================================================

Implied R-squared: TRU 0.360, VAL 0.3505, LOY 0.4524. The standardized
serial indirect effect SAT -> TRU -> VAL -> LOY is
``0.60 * 0.45 * 0.40 = 0.108``; in the marker-variable metric (first loading
of each construct fixed to 1, lavaan's default) it is
``0.108 * 0.88 / 0.85 = 0.111812`` (rounded), because the marker metric rescales each
construct by the standardized loading of its first item.

=========  ======  ==================================================
construct  item    standardized loading (theta = 1 - lambda**2)
=========  ======  ==================================================
SAT        sat_1   0.85  (marker)
SAT        sat_2   0.82
SAT        sat_3   0.78
SAT        sat_4   0.74
TRU        tru_1   0.86  (marker)
TRU        tru_2   0.81
TRU        tru_3   0.76
VAL        val_1   0.84  (marker)
VAL        val_2   0.80
VAL        val_3   0.72
LOY        loy_1   0.88  (marker)
LOY        loy_2   0.83
LOY        loy_3   0.77
LOY        loy_4   0.70
=========  ======  ==================================================

All loadings lie between 0.70 and 0.88, i.e. at or above the ~0.708
threshold that Hair, Hult, Ringle and Sarstedt recommend for reflective
indicators; the implied composite reliabilities (rho_C) are SAT 0.875,
TRU 0.852, VAL 0.831 and LOY 0.874.

The numbers are *chosen*, not estimated from any one study. They are meant
to be of the order of magnitude reported in the satisfaction-trust-value-
loyalty literature, which this chain paraphrases, e.g.

* Morgan, R. M., & Hunt, S. D. (1994). The commitment-trust theory of
  relationship marketing. *Journal of Marketing*, 58(3), 20-38.
* Garbarino, E., & Johnson, M. S. (1999). The different roles of
  satisfaction, trust, and commitment in customer relationships.
  *Journal of Marketing*, 63(2), 70-87.
* Sirdeshmukh, D., Singh, J., & Sabol, B. (2002). Consumer trust, value, and
  loyalty in relational exchanges. *Journal of Marketing*, 66(1), 15-37.
* Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., & Bryant, B. E.
  (1996). The American Customer Satisfaction Index: Nature, purpose, and
  findings. *Journal of Marketing*, 60(4), 7-18.
* Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2017).
  *A Primer on Partial Least Squares Structural Equation Modeling
  (PLS-SEM)* (2nd ed.). Thousand Oaks, CA: Sage.

Likert responses
----------------
With ``likert_points=k`` every continuous item ``x`` (mean 0, variance 1) is
mapped to an integer response by the fixed rule::

    y = clip(round(c + s * x), 1, k),   c = (k + 1) / 2 + 0.5,   s = k / 5.5

so the centre of the response distribution sits half a scale point above the
scale midpoint (responses lean to the favourable end, as is usual in
satisfaction surveys) and the scale spans about +/-2.75 SD. Clipping then
piles a little extra mass into the top category: for k = 7 the population
item mean is about 4.49 (midpoint 4) and the skewness about -0.1, i.e. a
slight ceiling with a longer tail towards the unfavourable end. The true parameters returned
by :meth:`PopulationModel.true_parameters` always refer to the *continuous*
latent responses; discretization and clipping attenuate the item correlations
slightly (see Rhemtulla, Brosseau-Liard & Savalei, 2012, *Psychological
Methods*, 17(3), 354-373, on treating 5-7 category items as continuous), so
estimates from Likert data are expected to be a little below the true
loadings.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "PopulationModel",
    "simulate_survey",
    "loyalty_chain_population",
    "make_loyalty_chain_survey",
    "LIKERT_RULE",
]

#: Human-readable statement of the discretization rule used by
#: :func:`simulate_survey`.
LIKERT_RULE = "y = clip(round(c + s*x), 1, k) with c = (k+1)/2 + 0.5 and s = k/5.5"

_TOL = 1e-12


def _is_real(value: Any) -> bool:
    """Return True for a finite real number that is not a bool."""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{what} names must be non-empty strings, got {name!r}")
    return name


@dataclass(frozen=True)
class PopulationModel:
    """A recursive structural equation model in standardized form.

    Parameters
    ----------
    loadings : Mapping[str, Mapping[str, float]]
        Construct -> (item -> standardized loading). Each loading must lie in
        the open interval (0, 1); the item's residual variance is
        ``1 - loading**2``. Each item belongs to exactly one construct. The
        order of constructs and items here fixes the column order of
        simulated data and of :meth:`item_covariance`.
    paths : Mapping[tuple[str, str], float]
        ``(from, to)`` -> standardized path coefficient. The graph of paths
        must be acyclic (a recursive model).
    exogenous_correlations : Mapping[tuple[str, str], float], optional
        Correlations between pairs of exogenous constructs (constructs that
        no path points to). Pairs not given are uncorrelated.

    Raises
    ------
    ValueError
        If a path names an unknown construct, the paths contain a cycle, a
        loading is not in (0, 1), an item appears under two constructs, a
        correlation is not in (-1, 1) or concerns an endogenous construct,
        the exogenous correlation matrix is not positive definite, or a
        construct's predictors would explain a variance of 1 or more (so its
        disturbance variance would not be positive).

    Notes
    -----
    Latent variances are all 1. For an endogenous construct ``j`` with
    coefficients ``b`` on its predictors ``P``, the disturbance variance is
    ``psi_j = 1 - b' Phi[P, P] b`` where ``Phi`` is the latent correlation
    matrix; constructs are processed in causal order so ``Phi[P, P]`` is known
    when ``j`` is reached.

    Examples
    --------
    >>> pop = PopulationModel(
    ...     loadings={"X": {"x1": 0.8, "x2": 0.7}, "Y": {"y1": 0.9, "y2": 0.8}},
    ...     paths={("X", "Y"): 0.5},
    ... )
    >>> pop.constructs
    ('X', 'Y')
    >>> round(float(pop.residual_variances()["Y"]), 2)
    0.75
    """

    loadings: Mapping[str, Mapping[str, float]]
    paths: Mapping[tuple[str, str], float]
    exogenous_correlations: Mapping[tuple[str, str], float] = field(default_factory=dict)
    _order: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _phi: Any = field(init=False, repr=False, compare=False)
    _psi: Any = field(init=False, repr=False, compare=False)

    # ------------------------------------------------------------------ #
    # validation
    # ------------------------------------------------------------------ #
    def __post_init__(self) -> None:
        loadings = self._validate_loadings(self.loadings)
        constructs = list(loadings)
        paths = self._validate_paths(self.paths, set(constructs))
        order = self._causal_order(constructs, paths)
        endogenous = {to for (_, to) in paths}
        correlations = self._validate_correlations(
            self.exogenous_correlations, set(constructs), endogenous
        )

        # freeze copies so later mutation of the caller's dicts has no effect
        object.__setattr__(
            self,
            "loadings",
            MappingProxyType({c: MappingProxyType(dict(items)) for c, items in loadings.items()}),
        )
        object.__setattr__(self, "paths", MappingProxyType(dict(paths)))
        object.__setattr__(self, "exogenous_correlations", MappingProxyType(dict(correlations)))
        object.__setattr__(self, "_order", tuple(order))

        phi, psi = self._solve_latent(order, paths, correlations, endogenous)
        object.__setattr__(self, "_phi", phi)
        object.__setattr__(self, "_psi", psi)

    @staticmethod
    def _validate_loadings(loadings: Any) -> dict[str, dict[str, float]]:
        if not isinstance(loadings, Mapping) or len(loadings) == 0:
            raise ValueError("loadings must be a non-empty mapping construct -> {item: loading}")
        out: dict[str, dict[str, float]] = {}
        owner: dict[str, str] = {}
        for construct, items in loadings.items():
            _check_name(construct, "construct")
            if not isinstance(items, Mapping) or len(items) == 0:
                raise ValueError(
                    f"construct {construct!r} needs a non-empty mapping item -> loading"
                )
            out[construct] = {}
            for item, value in items.items():
                _check_name(item, "item")
                if item in owner:
                    raise ValueError(
                        f"item {item!r} is listed under both {owner[item]!r} and "
                        f"{construct!r}; each item must measure exactly one construct"
                    )
                if not _is_real(value) or not 0.0 < float(value) < 1.0:
                    raise ValueError(
                        f"loading of item {item!r} on construct {construct!r} is {value!r}; "
                        "standardized loadings must lie strictly between 0 and 1"
                    )
                owner[item] = construct
                out[construct][item] = float(value)
        clash = sorted(set(owner) & set(out))
        if clash:
            raise ValueError(f"names used both as construct and item: {clash}")
        return out

    @staticmethod
    def _validate_paths(paths: Any, constructs: set[str]) -> dict[tuple[str, str], float]:
        if not isinstance(paths, Mapping):
            raise ValueError("paths must be a mapping (from, to) -> coefficient")
        out: dict[tuple[str, str], float] = {}
        for key, value in paths.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise ValueError(f"path keys must be (from, to) tuples, got {key!r}")
            source, target = key
            for end in (source, target):
                if end not in constructs:
                    raise ValueError(
                        f"path {source!r} -> {target!r} names unknown construct {end!r}; "
                        f"known constructs: {sorted(constructs)}"
                    )
            if source == target:
                raise ValueError(
                    f"path {source!r} -> {target!r} is a cycle (a construct cannot "
                    "predict itself); the model must be recursive"
                )
            if not _is_real(value):
                raise ValueError(
                    f"path {source!r} -> {target!r} has coefficient {value!r}; "
                    "it must be a finite number"
                )
            out[(source, target)] = float(value)
        return out

    @staticmethod
    def _causal_order(
        constructs: list[str], paths: Mapping[tuple[str, str], float]
    ) -> list[str]:
        """Kahn's algorithm, stable w.r.t. the order of ``loadings``.

        All exogenous constructs come first (they are the initial sources).
        """
        indegree = {c: 0 for c in constructs}
        children: dict[str, list[str]] = {c: [] for c in constructs}
        for source, target in paths:
            indegree[target] += 1
            children[source].append(target)
        rank = {c: i for i, c in enumerate(constructs)}
        queue = [c for c in constructs if indegree[c] == 0]
        order: list[str] = []
        while queue:
            node = queue.pop(0)
            order.append(node)
            for child in sorted(children[node], key=rank.__getitem__):
                indegree[child] -= 1
                if indegree[child] == 0:
                    queue.append(child)
        if len(order) < len(constructs):
            stuck = [c for c in constructs if c not in order]
            raise ValueError(
                "the paths contain a cycle involving constructs "
                f"{stuck}; the population model must be recursive (acyclic)"
            )
        return order

    @staticmethod
    def _validate_correlations(
        correlations: Any, constructs: set[str], endogenous: set[str]
    ) -> dict[tuple[str, str], float]:
        if correlations is None:
            return {}
        if not isinstance(correlations, Mapping):
            raise ValueError("exogenous_correlations must be a mapping (a, b) -> correlation")
        out: dict[tuple[str, str], float] = {}
        for key, value in correlations.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise ValueError(
                    f"exogenous_correlations keys must be (a, b) tuples, got {key!r}"
                )
            a, b = key
            for end in (a, b):
                if end not in constructs:
                    raise ValueError(
                        f"exogenous correlation {a!r} ~~ {b!r} names unknown construct {end!r}"
                    )
                if end in endogenous:
                    raise ValueError(
                        f"exogenous correlation {a!r} ~~ {b!r}: {end!r} is endogenous "
                        "(a path points to it); only exogenous constructs may correlate"
                    )
            if a == b:
                raise ValueError(
                    f"exogenous correlation {a!r} ~~ {b!r}: latent variances are fixed to 1"
                )
            if (b, a) in out:
                raise ValueError(f"exogenous correlation {a!r} ~~ {b!r} is given twice")
            if not _is_real(value) or not -1.0 < float(value) < 1.0:
                raise ValueError(
                    f"exogenous correlation {a!r} ~~ {b!r} is {value!r}; "
                    "it must lie strictly between -1 and 1"
                )
            out[(a, b)] = float(value)
        return out

    @staticmethod
    def _solve_latent(
        order: Sequence[str],
        paths: Mapping[tuple[str, str], float],
        correlations: Mapping[tuple[str, str], float],
        endogenous: set[str],
    ) -> tuple[np.ndarray, np.ndarray]:
        k = len(order)
        pos = {c: i for i, c in enumerate(order)}
        phi = np.zeros((k, k))
        psi = np.ones(k)
        exogenous = [c for c in order if c not in endogenous]
        for c in exogenous:
            phi[pos[c], pos[c]] = 1.0
        for (a, b), r in correlations.items():
            phi[pos[a], pos[b]] = phi[pos[b], pos[a]] = r
        if exogenous:
            idx = [pos[c] for c in exogenous]
            eig = np.linalg.eigvalsh(phi[np.ix_(idx, idx)])
            if eig.min() <= _TOL:
                raise ValueError(
                    "the exogenous correlations among "
                    f"{exogenous} do not form a positive definite matrix "
                    f"(smallest eigenvalue {eig.min():.4g})"
                )
        for c in order:
            if c not in endogenous:
                continue
            j = pos[c]
            preds = [(pos[s], coef) for (s, t), coef in paths.items() if t == c]
            pidx = np.array([i for i, _ in preds])
            bvec = np.array([coef for _, coef in preds])
            # all predictors precede j in causal order, so phi[pidx, :j] is known
            cov_with_earlier = bvec @ phi[np.ix_(pidx, np.arange(j))]
            phi[j, :j] = cov_with_earlier
            phi[:j, j] = cov_with_earlier
            explained = float(bvec @ phi[np.ix_(pidx, pidx)] @ bvec)
            residual = 1.0 - explained
            if residual <= _TOL:
                named = ", ".join(f"{order[i]} -> {c} = {coef:g}" for i, coef in preds)
                raise ValueError(
                    f"construct {c!r}: its predictors would explain a variance of "
                    f"{explained:.4f} (>= 1), so its residual (disturbance) variance "
                    f"{residual:.4f} is not positive; reduce the paths {named}"
                )
            phi[j, j] = 1.0
            psi[j] = residual
        return phi, psi

    # ------------------------------------------------------------------ #
    # structure
    # ------------------------------------------------------------------ #
    @property
    def constructs(self) -> tuple[str, ...]:
        """Constructs in causal order (exogenous first; stable w.r.t. ``loadings``)."""
        return self._order

    @property
    def items(self) -> tuple[str, ...]:
        """All items, in the order of ``loadings``."""
        return tuple(item for block in self.loadings.values() for item in block)

    @property
    def exogenous(self) -> tuple[str, ...]:
        """Constructs that no path points to, in causal order."""
        targets = {t for (_, t) in self.paths}
        return tuple(c for c in self._order if c not in targets)

    @property
    def endogenous(self) -> tuple[str, ...]:
        """Constructs that at least one path points to, in causal order."""
        targets = {t for (_, t) in self.paths}
        return tuple(c for c in self._order if c in targets)

    def marker(self, construct: str) -> str:
        """Return the marker (first) item of ``construct``.

        Parameters
        ----------
        construct : str
            A construct of the model.

        Returns
        -------
        str
            The first item listed under ``construct`` in ``loadings``.
        """
        if construct not in self.loadings:
            raise ValueError(f"unknown construct {construct!r}; known: {list(self.loadings)}")
        return next(iter(self.loadings[construct]))

    # ------------------------------------------------------------------ #
    # implied moments
    # ------------------------------------------------------------------ #
    def latent_covariance(self) -> pd.DataFrame:
        """Model-implied latent covariance (= correlation) matrix.

        Returns
        -------
        pandas.DataFrame
            Square matrix indexed by :attr:`constructs` (causal order), with
            unit diagonal.
        """
        return pd.DataFrame(self._phi.copy(), index=list(self._order), columns=list(self._order))

    def residual_variances(self) -> pd.Series:
        """Disturbance variances of the constructs in the standardized metric.

        Returns
        -------
        pandas.Series
            Indexed by :attr:`constructs`. For an endogenous construct this is
            ``1 - R^2``; for an exogenous construct it is its variance, 1.
        """
        return pd.Series(self._psi.copy(), index=list(self._order), name="residual_variance")

    def r_squared(self) -> pd.Series:
        """Proportion of variance of each endogenous construct explained by its predictors.

        Returns
        -------
        pandas.Series
            Indexed by :attr:`endogenous`.
        """
        psi = self.residual_variances()
        return (1.0 - psi[list(self.endogenous)]).rename("r_squared")

    def _lambda(self) -> np.ndarray:
        pos = {c: i for i, c in enumerate(self._order)}
        items = self.items
        lam = np.zeros((len(items), len(self._order)))
        row = 0
        for construct, block in self.loadings.items():
            for value in block.values():
                lam[row, pos[construct]] = value
                row += 1
        return lam

    def item_covariance(self) -> pd.DataFrame:
        """Model-implied covariance matrix of the items.

        Returns
        -------
        pandas.DataFrame
            ``Lambda Phi Lambda' + Theta`` with ``theta = 1 - lambda**2``, indexed
            by :attr:`items`; every item has variance 1, so this is also the
            implied correlation matrix.
        """
        lam = self._lambda()
        sigma = lam @ self._phi @ lam.T
        theta = 1.0 - np.square(lam.sum(axis=1))
        sigma[np.diag_indices_from(sigma)] += theta
        items = list(self.items)
        return pd.DataFrame(sigma, index=items, columns=items)

    # ------------------------------------------------------------------ #
    # true parameters
    # ------------------------------------------------------------------ #
    def _scale(self, marker: bool) -> dict[str, float]:
        """SD of each construct in the requested metric."""
        if not marker:
            return {c: 1.0 for c in self._order}
        return {c: float(self.loadings[c][self.marker(c)]) for c in self._order}

    def true_parameters(self, marker: bool = True) -> pd.DataFrame:
        """Population values of every free (and marker) parameter in lavaan notation.

        Parameters
        ----------
        marker : bool, default True
            If True, use lavaan's default marker-variable parametrization: the
            first loading of each construct is fixed to 1, so the construct
            takes the scale of its marker item (its SD is the marker's
            standardized loading ``m``). Loadings become ``lambda / m``, paths
            ``b * m_to / m_from``, latent (residual) variances ``m**2 * psi``
            and exogenous covariances ``m_a * m_b * r``. Item residual
            variances are unchanged. If False, return the standardized values
            (lavaan's ``std.all``).

        Returns
        -------
        pandas.DataFrame
            Columns ``lhs, op, rhs, est``. Rows: loadings (``=~``, marker row
            included with est 1 when ``marker``), regressions (``~``, lhs is the
            outcome), exogenous covariances (``~~``), item residual variances
            (``item ~~ item``) and latent (residual) variances
            (``construct ~~ construct``).
        """
        scale = self._scale(marker)
        psi = self.residual_variances()
        rows: list[tuple[str, str, str, float]] = []
        for construct in self._order:
            m = scale[construct]
            for item, value in self.loadings[construct].items():
                rows.append((construct, "=~", item, value / m))
        for construct in self._order:
            for (source, target), coef in self.paths.items():
                if target == construct:
                    rows.append((target, "~", source, coef * scale[target] / scale[source]))
        pos = {c: i for i, c in enumerate(self._order)}
        for (a, b), r in sorted(
            self.exogenous_correlations.items(), key=lambda kv: (pos[kv[0][0]], pos[kv[0][1]])
        ):
            rows.append((a, "~~", b, r * scale[a] * scale[b]))
        for item, value in ((i, v) for block in self.loadings.values() for i, v in block.items()):
            rows.append((item, "~~", item, 1.0 - value**2))
        for construct in self._order:
            rows.append((construct, "~~", construct, float(psi[construct]) * scale[construct] ** 2))
        return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "est"])

    def indirect_effect(self, path: Sequence[str], standardized: bool = False) -> float:
        """Product of the path coefficients along a chain of constructs.

        Parameters
        ----------
        path : sequence of str
            Constructs in causal order, e.g. ``["SAT", "TRU", "VAL", "LOY"]``;
            every consecutive pair must be a direct path of the model. A
            two-element sequence returns the direct path.
        standardized : bool, default False
            If False, coefficients are in the marker-variable metric (as in
            :meth:`true_parameters` with ``marker=True``, and as lavaan
            reports unstandardized estimates); if True, standardized.

        Returns
        -------
        float
            The specific (serial) indirect effect along ``path``.

        Raises
        ------
        ValueError
            If ``path`` has fewer than two constructs, names an unknown
            construct, or contains a pair that is not a direct path.
        """
        if isinstance(path, str) or len(path) < 2:
            raise ValueError(
                f"path must be a sequence of at least two constructs, got {path!r}"
            )
        for c in path:
            if c not in self.loadings:
                raise ValueError(f"unknown construct {c!r} in path {list(path)}")
        scale = self._scale(not standardized)
        effect = 1.0
        for source, target in zip(path[:-1], path[1:]):
            if (source, target) not in self.paths:
                raise ValueError(
                    f"{source!r} -> {target!r} is not a direct path of the model, "
                    f"so {list(path)} is not a chain of paths"
                )
            effect *= self.paths[(source, target)] * scale[target] / scale[source]
        return effect


def _check_likert(likert_points: Any, scale_center: Any) -> tuple[int, float] | None:
    if likert_points is None:
        if scale_center is not None:
            raise ValueError("scale_center is only used together with likert_points")
        return None
    if isinstance(likert_points, bool) or not isinstance(likert_points, numbers.Integral):
        raise ValueError(f"likert_points must be an integer >= 2 or None, got {likert_points!r}")
    k = int(likert_points)
    if k < 2:
        raise ValueError(f"likert_points must be an integer >= 2 or None, got {likert_points!r}")
    if scale_center is None:
        center = (k + 1) / 2 + 0.5
    else:
        if not _is_real(scale_center) or not 1.0 <= float(scale_center) <= k:
            raise ValueError(
                f"scale_center must be a number between 1 and {k}, got {scale_center!r}"
            )
        center = float(scale_center)
    return k, center


def simulate_survey(
    population: PopulationModel,
    n: int,
    *,
    seed: int | None,
    likert_points: int | None = None,
    scale_center: float | None = None,
) -> pd.DataFrame:
    """Draw a survey sample from a population model.

    Parameters
    ----------
    population : PopulationModel
        The population whose implied item covariance is sampled.
    n : int
        Number of respondents (rows), at least 1.
    seed : int or None
        Seed for :func:`numpy.random.default_rng`; the same seed gives the
        same data. ``None`` draws fresh entropy (not reproducible).
    likert_points : int, optional
        If given (``k >= 2``), map each continuous item ``x`` to an integer
        response ``clip(round(c + s*x), 1, k)`` with ``s = k / 5.5`` and
        ``c = scale_center`` (default ``(k + 1)/2 + 0.5``). If None, return
        the continuous (mean 0, variance 1) responses.
    scale_center : float, optional
        Override of ``c`` in the Likert rule; must lie in ``[1, k]``. Only
        allowed together with ``likert_points``.

    Returns
    -------
    pandas.DataFrame
        ``n`` rows; one column per item in the order of
        ``population.loadings``. Integer dtype with ``likert_points``, float
        otherwise.

    Raises
    ------
    ValueError
        If ``n`` is not a positive integer, ``likert_points`` is not an
        integer >= 2, or ``scale_center`` is out of range or given without
        ``likert_points``.

    Notes
    -----
    Draws are ``Z L'`` with ``Z`` standard normal (``n x p``, drawn row by row
    from ``default_rng(seed)``) and ``L`` the Cholesky factor of
    :meth:`PopulationModel.item_covariance`, so the continuous data follow
    the multivariate normal implied by the population exactly. True
    parameters refer to these continuous responses: discretization to a
    Likert scale attenuates correlations slightly.
    """
    if not isinstance(population, PopulationModel):
        raise ValueError(
            f"population must be a PopulationModel, got {type(population).__name__}"
        )
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    likert = _check_likert(likert_points, scale_center)
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or int(seed) < 0
    ):
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")

    sigma = population.item_covariance()
    chol = np.linalg.cholesky(sigma.to_numpy())
    rng = np.random.default_rng(None if seed is None else int(seed))
    z = rng.standard_normal((int(n), chol.shape[0]))
    x = z @ chol.T
    if likert is not None:
        k, center = likert
        y = np.clip(np.rint(center + (k / 5.5) * x), 1, k).astype(np.int64)
        return pd.DataFrame(y, columns=sigma.columns)
    return pd.DataFrame(x, columns=sigma.columns)


def loyalty_chain_population() -> PopulationModel:
    """The documented loyalty-chain population (SAT -> TRU -> VAL -> LOY).

    Returns
    -------
    PopulationModel
        Satisfaction (``sat_1``-``sat_4``), trust (``tru_1``-``tru_3``),
        perceived value (``val_1``-``val_3``) and loyalty (``loy_1``-``loy_4``)
        with the standardized paths and loadings tabulated in the module
        docstring.

    Examples
    --------
    >>> pop = loyalty_chain_population()
    >>> round(pop.indirect_effect(["SAT", "TRU", "VAL", "LOY"], standardized=True), 3)
    0.108
    """
    return PopulationModel(
        loadings={
            "SAT": {"sat_1": 0.85, "sat_2": 0.82, "sat_3": 0.78, "sat_4": 0.74},
            "TRU": {"tru_1": 0.86, "tru_2": 0.81, "tru_3": 0.76},
            "VAL": {"val_1": 0.84, "val_2": 0.80, "val_3": 0.72},
            "LOY": {"loy_1": 0.88, "loy_2": 0.83, "loy_3": 0.77, "loy_4": 0.70},
        },
        paths={
            ("SAT", "TRU"): 0.60,
            ("TRU", "VAL"): 0.45,
            ("SAT", "VAL"): 0.20,
            ("VAL", "LOY"): 0.40,
            ("SAT", "LOY"): 0.25,
            ("TRU", "LOY"): 0.15,
        },
    )


def make_loyalty_chain_survey(
    n: int = 500, seed: int | None = 20240501, likert_points: int | None = 7
) -> pd.DataFrame:
    """Simulate the loyalty-chain survey shipped as ``datasets/loyalty_chain``.

    Parameters
    ----------
    n : int, default 500
        Number of respondents.
    seed : int or None, default 20240501
        Seed for :func:`numpy.random.default_rng`.
    likert_points : int or None, default 7
        Number of response categories; None for continuous responses.

    Returns
    -------
    pandas.DataFrame
        Columns ``sat_1..sat_4, tru_1..tru_3, val_1..val_3, loy_1..loy_4``.

    See Also
    --------
    loyalty_chain_population, simulate_survey
    """
    return simulate_survey(
        loyalty_chain_population(), n, seed=seed, likert_points=likert_points
    )
