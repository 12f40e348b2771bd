"""Regenerate datasets/loyalty_chain/loyalty_chain.csv.

Usage (from the repository root)::

    PYTHONPATH=. python3 datasets/loyalty_chain/make_data.py

The data are drawn by :func:`loyaltysem.data.synthetic.make_loyalty_chain_survey`
with its defaults (n = 500, seed = 20240501, 7-point Likert responses), so
running this script again reproduces the file byte for byte.
"""
from __future__ import annotations

from pathlib import Path

from loyaltysem.data.synthetic import (
    LIKERT_RULE,
    loyalty_chain_population,
    make_loyalty_chain_survey,
)

N = 500
SEED = 20240501
LIKERT_POINTS = 7
OUT = Path(__file__).resolve().parent / "loyalty_chain.csv"


def main() -> None:
    """Write the CSV and print a short summary."""
    data = make_loyalty_chain_survey(n=N, seed=SEED, likert_points=LIKERT_POINTS)
    data.to_csv(OUT, index=False)

    pop = loyalty_chain_population()
    print(f"wrote {OUT} ({data.shape[0]} rows x {data.shape[1]} columns)")
    print(f"seed {SEED}, {LIKERT_POINTS}-point items; rule: {LIKERT_RULE}")
    print()
    summary = data.describe().T[["mean", "std", "min", "max"]]
    summary["skew"] = data.skew()
    print(summary.round(2).to_string())
    print()
    print("population R^2:", pop.r_squared().round(4).to_dict())
    chain = ["SAT", "TRU", "VAL", "LOY"]
    print(
        "serial indirect SAT->TRU->VAL->LOY: "
        f"standardized {pop.indirect_effect(chain, standardized=True):.6f}, "
        f"marker metric {pop.indirect_effect(chain, standardized=False):.6f}"
    )


if __name__ == "__main__":
    main()
