"""Peer timings for benchmarks/bench_pls.py: PyPI seminr 0.2.1 and plspm 0.5.7.

Run by bench_pls.py with the Python of a throwaway venv that has them (both are
GPL: never a dependency of loyaltysem)::

    python3 -m venv /tmp/plsref
    /tmp/plsref/bin/pip install seminr==0.2.1 plspm==0.5.7 'pandas<3' numpy scipy

Prints one JSON object of best-of-``repeat`` wall times in seconds.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
MODES = {"QUAL": ("B", [f"qual_{i}" for i in range(1, 9)]),
         "PERF": ("B", [f"perf_{i}" for i in range(1, 6)]),
         "CSOR": ("B", [f"csor_{i}" for i in range(1, 6)]),
         "ATTR": ("B", [f"attr_{i}" for i in range(1, 4)]),
         "COMP": ("A", ["comp_1", "comp_2", "comp_3"]),
         "LIKE": ("A", ["like_1", "like_2", "like_3"]),
         "CUSA": ("A", ["cusa"]),
         "CUSL": ("A", ["cusl_1", "cusl_2", "cusl_3"])}
PATHS = [(d, t) for d in ("QUAL", "PERF", "CSOR", "ATTR") for t in ("COMP", "LIKE")] + [
    ("COMP", "CUSA"), ("LIKE", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSL"), ("CUSA", "CUSL")]


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    n_boot = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    data = pd.read_csv(ROOT / "datasets" / "corp_rep" / "corp_rep.csv", na_values=[-99])
    items = [i for _, its in MODES.values() for i in its]
    data = data[items].astype(float)
    data = data.fillna(data.mean())
    import seminr as s

    mm = s.constructs(*[s.composite(name, its, s.mode_A if mode == "A" else s.mode_B)
                        for name, (mode, its) in MODES.items()])
    sm = s.relationships(*[s.paths(a, b) for a, b in PATHS])

    def seminr_fit():
        return s.estimate_pls(data, mm, sm)

    model = seminr_fit()
    out = {"seminr_fit": best(seminr_fit, 20),
           "seminr_boot": best(lambda: s.bootstrap_model(model, n_boot, seed=1), 1)}
    import plspm.config as c
    from plspm.mode import Mode
    from plspm.plspm import Plspm
    from plspm.scale import Scale
    from plspm.scheme import Scheme

    structure = c.Structure()
    for a, b in PATHS:
        structure.add_path([a], [b])
    config = c.Config(structure.path(), scaled=True, default_scale=Scale.NUM)
    for name, (mode, its) in MODES.items():
        config.add_lv(name, Mode.A if mode == "A" else Mode.B, *[c.MV(i) for i in its])
    out["plspm_fit"] = best(lambda: Plspm(data, config, Scheme.PATH), 20)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
