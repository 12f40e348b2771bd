"""Models beyond the shipped ones that path diagrams are tested on (#13): a random
12-construct structural model and a five-factor CFA with 25 items (the size of the
psych bfi Big Five model), both on simulated data."""
from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np

import loyaltysem as ls
from loyaltysem.data.synthetic import PopulationModel, simulate_survey


def _fit(syntax: str, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ls.fit(syntax, data, emit_warnings=False)


@lru_cache(maxsize=None)
def twelve_constructs():
    """A random layered model of 12 constructs with 3 items each (two predictors per
    construct after the first three), N = 800."""
    rng = np.random.default_rng(4)
    names = [f"C{i:02d}" for i in range(12)]
    loadings = {c: {f"{c.lower()}_{j}": 0.75 for j in range(1, 4)} for c in names}
    paths = {}
    for i, target in enumerate(names[3:], start=3):
        for source in rng.choice(names[:i], size=2, replace=False):
            paths[(str(source), target)] = 0.2
    data = simulate_survey(PopulationModel(loadings=loadings, paths=paths), 800, seed=1)
    syntax = "\n".join(f"{c} =~ " + " + ".join(items) for c, items in loadings.items())
    syntax += "\n" + "\n".join(f"{b} ~ {a}" for a, b in paths)
    return _fit(syntax, data)


@lru_cache(maxsize=None)
def big_five():
    """Five correlated factors (O, C, E, A, N) with five items each, as psych's bfi: ten
    factor covariances, N = 600."""
    names = ["O", "C", "E", "A", "N"]
    loadings = {c: {f"{c}{j}": 0.7 for j in range(1, 6)} for c in names}
    correlations = {(a, b): 0.3 for i, a in enumerate(names) for b in names[i + 1:]}
    population = PopulationModel(loadings=loadings, paths={},
                                 exogenous_correlations=correlations)
    data = simulate_survey(population, 600, seed=2)
    syntax = "\n".join(f"{c} =~ " + " + ".join(items) for c, items in loadings.items())
    return _fit(syntax, data)
