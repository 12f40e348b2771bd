"""Whole-process speed: ``loyaltysem fit`` as a command against ``Rscript -e`` with lavaan.

Run by hand:  python3 benchmarks/bench_process.py [--reps 5] [--big-reps 3] [--rows 1000000]
Results go into benchmarks/README.md (never asserted in tests).

Each repetition starts a fresh process (wall clock from the parent, start-up,
imports, CSV reading, fit and printing included; interleaved, minima
reported) under ``/usr/bin/time -v`` for the peak resident memory (or, without
it, ``resource.getrusage(RUSAGE_CHILDREN)``, the largest child so far):

- ``loyaltysem fit models/hs_cfa.lav --data <csv>`` (the console script beside
  the running interpreter, not a pyenv shim; this checkout first on
  PYTHONPATH), with the environment as it is, with ``OPENBLAS_NUM_THREADS=1``,
  and with ``LOYALTYSEM_NO_CACHE=1`` (semopy builds the model structure in
  every process; otherwise the structure cache, a fresh folder under
  /tmp/loyaltysem_bench/, is filled by an untimed run first);
- ``Rscript -e`` reading the CSV with ``read.csv``, fitting the same model with
  lavaan's ``sem()`` and printing chi-square.

Data: 1,000 and 10^6 rows drawn (seed 20261202) from the model-implied
covariance matrix and the means of the Holzinger-Swineford fit, written to
/tmp/loyaltysem_bench/. Also prints the ``python -X importtime -m loyaltysem.cli
fit ...`` profile on the 1,000-row CSV with the structure cache filled (top 15
by cumulative time, best of 3 runs).

Before timing, the checkout is byte-compiled (``compileall``), as an installed
package is: with ``PYTHONDONTWRITEBYTECODE=1`` in the environment every run
would otherwise compile loyaltysem's sources again (about 0.15 s).
"""
from __future__ import annotations

import argparse
import compileall
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import loyaltysem as ls  # noqa: E402
from bench_floor import FloorModel, floor_fit  # noqa: E402

WORKDIR = Path("/tmp/loyaltysem_bench")
SEED = 20261202
MODEL = ROOT / "models" / "hs_cfa.lav"
TIME_V = "/usr/bin/time"


def hs_population() -> tuple[list[str], np.ndarray, np.ndarray]:
    spec = ls.load_spec(MODEL)
    data = ls.load_dataset("holzinger_swineford")[list(spec.observed_variables)].dropna()
    model = FloorModel(spec.parameter_table, spec.observed_variables)
    _, x, _ = floor_fit(model, data.to_numpy(dtype=float))
    return list(spec.observed_variables), data.mean().to_numpy(), model.sigma(x)


def write_csv(rows: int) -> Path:
    path = WORKDIR / f"hs_{rows}.csv"
    if path.exists():
        return path
    WORKDIR.mkdir(parents=True, exist_ok=True)
    names, mean, sigma = hs_population()
    draws = np.random.default_rng(SEED).multivariate_normal(mean, sigma, size=rows,
                                                            method="cholesky")
    pd.DataFrame(draws, columns=names).to_csv(path, index=False, float_format="%.5f")
    return path


def lavaan_command(csv: Path) -> list[str]:
    model = "\n".join(line for line in MODEL.read_text().splitlines()
                      if line.strip() and not line.lstrip().startswith("#"))
    code = ("suppressPackageStartupMessages(library(lavaan)); "
            f"d <- read.csv('{csv}'); "
            f"fit <- sem('{model}', data = d); "
            "cat(sprintf('chisq %.6f\\n', fitMeasures(fit, 'chisq')))")
    return ["Rscript", "-e", code]


def loyaltysem_command(csv: Path) -> list[str]:
    # the console script next to this interpreter: a version manager's shim on PATH
    # (pyenv: a bash script that runs `pyenv exec`) would add ~0.15 s that is not loyaltysem's
    beside = Path(sys.executable).parent / "loyaltysem"
    exe = str(beside) if beside.is_file() else shutil.which("loyaltysem")
    head = [exe] if exe else [sys.executable, "-m", "loyaltysem.cli"]
    return head + ["fit", str(MODEL), "--data", str(csv)]


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MiB, stdout) of one process."""
    use_time = os.path.exists(TIME_V)
    full = [TIME_V, "-v"] + command if use_time else command
    start = time.perf_counter()
    done = subprocess.run(full, capture_output=True, text=True, env=env, cwd="/tmp")
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr[-2000:]}")
    if use_time:
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        peak = int(match.group(1)) / 1024 if match else float("nan")
    else:  # the largest child so far: only a lower bound for later, smaller ones
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return wall, peak, done.stdout


def chisq_of(output: str) -> float:
    match = re.search(r"chi-?square\s+([0-9.]+)|chisq ([0-9.]+)", output)
    if not match:
        return float("nan")
    return float(match.group(1) or match.group(2))


def import_profile(csv: Path, env: dict[str, str], top: int = 15,
                   runs: int = 3) -> list[tuple[float, float, str]]:
    """Top imports of ``loyaltysem fit`` on ``csv`` by cumulative time (ms), best of ``runs``."""
    best: dict[str, tuple[float, float, int]] = {}
    order: list[str] = []
    command = [sys.executable, "-X", "importtime", "-m", "loyaltysem.cli", "fit", str(MODEL),
               "--data", str(csv)]
    for _ in range(runs):
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd="/tmp",
                              check=True)
        for line in done.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
            if not match:
                continue
            name, own, cumulative = match.group(4), int(match.group(1)), int(match.group(2))
            depth = len(match.group(3)) // 2
            if name not in best:
                order.append(name)
                best[name] = (own, cumulative, depth)
            else:
                best[name] = (min(best[name][0], own), min(best[name][1], cumulative), depth)
    ranked = sorted(order, key=lambda name: -best[name][1])[:top]
    return [(best[n][1] / 1000, best[n][0] / 1000, "  " * best[n][2] + n) for n in ranked]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="rounds on the 1,000-row CSV")
    parser.add_argument("--big-reps", type=int, default=3, help="rounds on the big CSV")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the big CSV")
    parser.add_argument("--skip-imports", action="store_true", help="no import profile")
    args = parser.parse_args(argv)

    compileall.compile_dir(ROOT / "loyaltysem", quiet=1)
    cache = WORKDIR / "structure_cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, LOYALTYSEM_CACHE_DIR=str(cache))
    env.pop("LOYALTYSEM_NO_CACHE", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env_one = dict(env, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    env_cold = dict(env, LOYALTYSEM_NO_CACHE="1")
    r_version = subprocess.run(["Rscript", "-e", "cat(R.version.string, 'lavaan', "
                                "as.character(packageVersion('lavaan')))"],
                               capture_output=True, text=True, check=True).stdout.strip()
    print(f"python {platform.python_version()}, loyaltysem {ls.__version__}, {r_version}; "
          f"{os.cpu_count()} cores; peak memory from "
          f"{'/usr/bin/time -v' if os.path.exists(TIME_V) else 'getrusage'}")
    engines = [("loyaltysem fit", loyaltysem_command, env),
               ("loyaltysem fit, OPENBLAS_NUM_THREADS=1", loyaltysem_command, env_one),
               ("loyaltysem fit, LOYALTYSEM_NO_CACHE=1", loyaltysem_command, env_cold),
               ("Rscript -e lavaan sem()", lavaan_command, env)]
    rows_out = []
    for rows, reps in ((1000, args.reps), (args.rows, args.big_reps)):
        csv = write_csv(rows)
        size = csv.stat().st_size / 2**20
        run_once(loyaltysem_command(csv), env)  # untimed: fills the structure cache
        times: dict[str, list[float]] = {name: [] for name, _, _ in engines}
        peaks: dict[str, list[float]] = {name: [] for name, _, _ in engines}
        chisq: dict[str, float] = {}
        for _ in range(reps):
            for name, command, environment in engines:
                wall, peak, out = run_once(command(csv), environment)
                times[name].append(wall)
                peaks[name].append(peak)
                chisq[name] = chisq_of(out)
        lavaan_best = min(times["Rscript -e lavaan sem()"])
        for name, _, _ in engines:
            rows_out.append(f"| {rows:,} ({size:.0f} MiB) | {name} | {min(times[name]):.2f} "
                            f"| {min(times[name]) / lavaan_best:.2f} | {max(peaks[name]):.0f} "
                            f"| {chisq[name]:.3f} |")
        print(f"rows {rows}: done", flush=True)
    print()
    print("| CSV rows | command | wall, best (s) | / Rscript | peak RSS (MiB) | chi-square |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows_out))
    if not args.skip_imports:
        print()
        print("`python -X importtime -m loyaltysem.cli fit models/hs_cfa.lav --data hs_1000.csv`"
              " (structure cached), top 15 cumulative, best of 3:")
        print()
        print("| cumulative (ms) | self (ms) | module |")
        print("|---|---|---|")
        for cumulative, own, name in import_profile(write_csv(1000), env):
            print(f"| {cumulative:.1f} | {own:.1f} | `{name}` |")


if __name__ == "__main__":
    main()
