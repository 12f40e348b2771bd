"""PLS-SEM speed: loyaltysem beside PyPI seminr 0.2.1 and plspm 0.5.7, in one run.

    python3 benchmarks/bench_pls.py [--peer-python /tmp/plsref/bin/python] [--boot 5000]

The extended corporate-reputation model (8 constructs, 31 items, four Mode B
blocks; corp_rep data, mean replacement). loyaltysem: best of 50 for a complete
``fit_pls`` on a DataFrame (edge checks included) and for the estimation alone
(``fit_stack`` on the item correlations), and the bootstrap on 1 and 2 threads.
The peers run in their own venv (bench_pls_peers.py). Prints a Markdown table
for benchmarks/README.md, with the ratios peer / loyaltysem.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from loyaltysem import load_dataset
from loyaltysem.pls import bootstrap_pls, fit_pls
from loyaltysem.pls.data import pls_data
from loyaltysem.pls.layout import pls_layout
from loyaltysem.pls.stack import fit_stack, slot_stack
from loyaltysem.spec import load_spec

HERE = Path(__file__).resolve().parent


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def ours(n_boot: int) -> dict[str, float]:
    spec = load_spec("corp_rep_extended")
    data = load_dataset("corp_rep")
    layout = pls_layout(spec)
    prepared = pls_data(spec, layout, data, missing="mean", na_values=None, allow_codes=False)
    slots = slot_stack(prepared.correlations()[None], layout)
    result = fit_pls(spec, data, missing="mean")
    return {
        "fit": best(lambda: fit_pls(spec, data, missing="mean"), 50),
        "estimation": best(lambda: fit_stack(slots, layout, scheme="path", consistent=False,
                                             tol=1e-7, max_iter=3000), 50),
        "boot_1": best(lambda: bootstrap_pls(result, n_boot, seed=1), 2),
        "boot_2": best(lambda: bootstrap_pls(result, n_boot, seed=1, n_jobs=2), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer-python", default="/tmp/plsref/bin/python")
    parser.add_argument("--boot", type=int, default=5000)
    args = parser.parse_args()
    mine = ours(args.boot)
    peers: dict[str, float] = {}
    if Path(args.peer_python).exists():
        run = subprocess.run([args.peer_python, str(HERE / "bench_pls_peers.py"), "1000"],
                             capture_output=True, text=True, check=True)
        peers = json.loads(run.stdout.strip().splitlines()[-1])
    else:
        print(f"(no peer Python at {args.peer_python}: loyaltysem only)", file=sys.stderr)
    boot_scale = args.boot / 1000    # the peers bootstrap 1,000 resamples
    rows = [("one fit (edge checks included)", mine["fit"], "seminr_fit", 1.0),
            ("one fit (estimation only)", mine["estimation"], "seminr_fit", 1.0),
            (f"{args.boot:,} resamples, 1 thread", mine["boot_1"], "seminr_boot", boot_scale),
            (f"{args.boot:,} resamples, 2 threads", mine["boot_2"], "seminr_boot", boot_scale)]
    print("| task | loyaltysem (s) | seminr 0.2.1 (s) | seminr / loyaltysem | plspm 0.5.7 fit (s) |")
    print("|---|---|---|---|---|")
    for task, seconds, peer, scale in rows:
        peer_time = peers.get(peer, float("nan")) * scale
        plspm = peers.get("plspm_fit", float("nan")) if "fit" in task else float("nan")
        print(f"| {task} | {seconds:.4f} | {peer_time:.3f} | {peer_time / seconds:.0f} | "
              f"{plspm:.3f} |")
    if "seminr_boot" in peers:
        print(f"\nseminr's bootstrap ran 1,000 resamples ({peers['seminr_boot']:.2f} s), "
              f"scaled by {boot_scale:g} to {args.boot:,}.")


if __name__ == "__main__":
    main()
