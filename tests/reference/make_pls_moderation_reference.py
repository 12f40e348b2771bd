"""Reference values of a PLS-SEM moderation (two-stage) from PyPI seminr 0.2.1.

Run in a throwaway venv (seminr is GPL: test-time only, never a dependency)::

    python3 -m venv /tmp/plsref
    /tmp/plsref/bin/pip install seminr==0.2.1 'pandas<3' numpy scipy
    /tmp/plsref/bin/python tests/reference/make_pls_moderation_reference.py

Writes tests/reference/pls/moderation_two_stage.json and
moderation_product_indicator.json and moderation_orthogonal.json: Hair et al.'s (2017, ch. 8) moderation of
CUSA -> CUSL by switching costs (SC) on the corp_rep data, mean replacement, path
weighting, ``interaction_term(iv="CUSA", moderator="SC", method=two_stage)`` and
``method=product_indicator`` and ``method=orthogonal``, stop criterion 1e-13 (sum of the weights' changes).
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
CONSTRUCTS = {"COMP": ["comp_1", "comp_2", "comp_3"], "LIKE": ["like_1", "like_2", "like_3"],
              "CUSA": ["cusa"], "SC": ["switch_1", "switch_2", "switch_3", "switch_4"],
              "CUSL": ["cusl_1", "cusl_2", "cusl_3"]}
PATHS = [("COMP", "CUSA"), ("LIKE", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSL"),
         ("CUSA", "CUSL"), ("SC", "CUSL"), ("CUSA*SC", "CUSL")]


def main() -> None:
    import seminr as s   # here, not at the top: pytest collects this file for doctests

    for case, method in (("moderation_two_stage", s.two_stage),
                         ("moderation_product_indicator", s.product_indicator),
                         ("moderation_orthogonal", s.orthogonal)):
        write_case(s, case, method)


def write_case(s, case: str, method) -> None:
    data = pd.read_csv(ROOT / "datasets" / "corp_rep" / "corp_rep.csv", na_values=[-99])
    mm = s.constructs(*[s.composite(name, items) for name, items in CONSTRUCTS.items()],
                      s.interaction_term(iv="CUSA", moderator="SC", method=method))
    sm = s.relationships(s.paths(["COMP", "LIKE"], "CUSA"),
                         s.paths(["COMP", "LIKE", "CUSA", "SC", "CUSA*SC"], "CUSL"))
    model = s.estimate_pls(data, mm, sm, stop_criterion=13, max_it=1000)
    paths = {f"{a} -> {b}": float(model.path_coef.get(a, b)) for a, b in PATHS}
    r2 = {c: float(model.r_squared.get("Rsq", c)) for c in ("CUSA", "CUSL")}
    out = {"case": case, "data": "corp_rep", "missing": "mean",
           "source": f"seminr 0.2.1 (PyPI), interaction_term(method={case.split('_', 1)[1]})",
           "model": {"constructs": CONSTRUCTS, "interaction": ["CUSA", "SC"],
                     "paths": [list(p) for p in PATHS]},
           "paths": paths, "r2": r2}
    target = ROOT / "tests" / "reference" / "pls" / f"{case}.json"
    target.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
