"""Redraw the path-diagram screenshots of docs/img (run from the checkout's root):
``PYTHONPATH=. MPLBACKEND=Agg python3 docs/img/make_path_diagrams.py``."""
from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import loyaltysem as ls  # noqa: E402
from loyaltysem.plot import path_diagram  # noqa: E402

HERE = Path(__file__).resolve().parent
#: screenshot name -> (shipped model, shipped dataset, formats)
SHOTS = {"loyalty_chain_path_diagram": ("loyalty_chain", "loyalty_chain", ("png", "svg")),
         "corp_rep_path_diagram": ("corp_rep", "corp_rep", ("png", "svg")),
         "ecsi_path_diagram": ("ecsi", "mobi", ("png",))}


def main() -> None:
    for name, (model, data, formats) in SHOTS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = ls.fit(model, ls.load_dataset(data), emit_warnings=False)
        figure = path_diagram(result, hypotheses=True)
        for suffix in formats:
            figure.savefig(HERE / f"{name}.{suffix}", dpi=110,
                           metadata={"Date": None} if suffix == "svg" else None)
        width, height = figure.get_size_inches()
        print(f"{name}: {width:.1f} x {height:.1f} in")


if __name__ == "__main__":
    main()
