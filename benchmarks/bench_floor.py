"""The floor: how fast can one ML fit be in plain numpy? loyaltysem and lavaan against it.

Run by hand:  python3 benchmarks/bench_floor.py [--reps 7] [--quick] [--timeout 600]
Results go into benchmarks/README.md (never asserted in tests).

The floor is a hand-written maximum-likelihood fit, the measuring stick of
issue #11: Sigma = Lambda (I - B)^-1 Psi (I - B)^-T Lambda' + Theta built
directly in numpy from the parameter table of ``loyaltysem.load_spec`` (columns
lhs, op, rhs, free, ustart), F = tr(S Sigma^-1) + log|Sigma| - log|S| - p with
its analytic gradient, minimised by scipy's BFGS from simple start values. It
uses no part of ``loyaltysem.estimate``: only ``load_spec`` /
``ModelSpec.from_lavaan``, ``load_dataset`` and, as the thing measured,
``loyaltysem.fit``.

In one run, with interleaved repetitions (every round times each engine once,
minima reported): the floor (covariance matrix, start values, BFGS; no
standard errors), a complete ``loyaltysem.fit``, lavaan's ``sem()`` timed by
``system.time`` inside one long-lived R process (``lavaan_server.R``, R's
start-up excluded) and semopy's default fit (skipped where one fit takes more
than ``SEMOPY_LIMIT`` seconds). numpy's BLAS runs on one thread unless
``--blas-threads`` says otherwise (lavaan's R uses the single-threaded
reference BLAS; on a shared 2-core machine OpenBLAS's second thread makes
small fits many times slower). Then full-information ML on psych's bfi with its
missing values (``missing="ml"``, ML and MLR) against lavaan's, each run in a
forked child process killed after ``--timeout`` seconds; ``--quick`` skips them.

Data: Holzinger-Swineford, corp_rep (-99 = missing, listwise), mobi (ECSI) as
shipped; psych's bfi exported by ``export_bfi.R`` to benchmarks/data/bfi.csv
on first use (not committed: psych is GPL); a seeded 10-factor, 40-item CFA
(N = 1,000) drawn here from a fixed population model.
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
from scipy import linalg, optimize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's loyaltysem, whatever is installed

import loyaltysem as ls  # noqa: E402
BFI_CSV = ROOT / "benchmarks" / "data" / "bfi.csv"
SEMOPY_LIMIT = 5.0  # seconds: semopy is timed only where its warm-up fit is quicker

BFI_SYNTAX = "\n".join(f"{factor} =~ " + " + ".join(f"{item}{k}" for k in range(1, 6))
                       for factor, item in [("Agree", "A"), ("Consc", "C"), ("Extra", "E"),
                                            ("Neuro", "N"), ("Open", "O")])

SYNTH_FACTORS, SYNTH_ITEMS, SYNTH_N, SYNTH_SEED = 10, 4, 1000, 20261202


# --------------------------------------------------------------------------- the floor

class FloorModel:
    """LISREL all-y model built from a lavaan parameter table, F_ML and its gradient."""

    def __init__(self, partable: pd.DataFrame, observed: tuple[str, ...]):
        table = partable[partable["op"].isin(["=~", "~", "~~"])]
        self.observed = list(observed)
        latents: list[str] = []
        for name in table.loc[table["op"] == "=~", "lhs"]:
            if name not in latents:
                latents.append(name)
        self.latents = latents
        p, m = len(self.observed), len(latents)
        obs_index = {name: i for i, name in enumerate(self.observed)}
        lat_index = {name: i for i, name in enumerate(latents)}
        indicated = set(table.loc[table["op"] == "=~", "rhs"])
        if set(self.observed) - indicated:
            raise NotImplementedError(f"observed variables outside the measurement model: "
                                      f"{sorted(set(self.observed) - indicated)}")
        self.n_free = int(table["free"].max())
        base = {"L": np.zeros((p, m)), "T": np.zeros((p, p)), "P": np.zeros((m, m)),
                "B": np.zeros((m, m))}
        slots: dict[str, tuple[list[int], list[int], list[int]]] = {k: ([], [], []) for k in base}
        self.start_kind: list[tuple[str, int, int]] = [("", 0, 0)] * self.n_free

        def place(matrix: str, i: int, j: int, free: int, value: float, symmetric: bool) -> None:
            cells = [(i, j), (j, i)] if symmetric and i != j else [(i, j)]
            for r, c in cells:
                if free > 0:
                    slots[matrix][0].append(r)
                    slots[matrix][1].append(c)
                    slots[matrix][2].append(free - 1)
                else:
                    base[matrix][r, c] = value
            if free > 0:
                self.start_kind[free - 1] = (matrix, i, j)

        for row in table.itertuples(index=False):
            free = int(row.free)
            value = 0.0 if np.isnan(row.ustart) else float(row.ustart)
            if row.op == "=~":
                place("L", obs_index[row.rhs], lat_index[row.lhs], free, value, False)
            elif row.op == "~":
                if row.lhs not in lat_index or row.rhs not in lat_index:
                    raise NotImplementedError("regressions on observed variables")
                place("B", lat_index[row.lhs], lat_index[row.rhs], free, value, False)
            elif row.lhs in obs_index and row.rhs in obs_index:
                place("T", obs_index[row.lhs], obs_index[row.rhs], free, value, True)
            elif row.lhs in lat_index and row.rhs in lat_index:
                place("P", lat_index[row.lhs], lat_index[row.rhs], free, value, True)
            else:
                raise NotImplementedError(f"covariance {row.lhs} ~~ {row.rhs}")
        self.base = base
        self.slots = {k: tuple(np.array(v, dtype=np.intp) for v in s) for k, s in slots.items()}
        self.gather = np.concatenate([self.slots[k][2] for k in ("L", "T", "P", "B")])
        self.has_b = len(self.slots["B"][2]) > 0 or bool(base["B"].any())
        self.eye_m = np.eye(m)
        self.eye_p = np.eye(p)

    def matrices(self, x: np.ndarray) -> dict[str, np.ndarray]:
        out = {}
        for key, matrix in self.base.items():
            rows, cols, index = self.slots[key]
            if len(index):
                matrix = matrix.copy()
                matrix[rows, cols] = x[index]
            out[key] = matrix
        return out

    def sigma(self, x: np.ndarray) -> np.ndarray:
        mats = self.matrices(x)
        la = mats["L"] @ np.linalg.inv(self.eye_m - mats["B"]) if self.has_b else mats["L"]
        return la @ mats["P"] @ la.T + mats["T"]

    def objective(self, x: np.ndarray, cov: np.ndarray, logdet_s: float) -> tuple[float, np.ndarray]:
        mats = self.matrices(x)
        lam, psi = mats["L"], mats["P"]
        if self.has_b:
            a = np.linalg.inv(self.eye_m - mats["B"])
            la = lam @ a
        else:
            a = None
            la = lam
        sigma = la @ psi @ la.T + mats["T"]
        try:
            chol = linalg.cho_factor(sigma, lower=True, check_finite=False)
        except linalg.LinAlgError:
            return np.inf, np.zeros_like(x)
        inv = linalg.cho_solve(chol, self.eye_p, check_finite=False)
        inv_s = inv @ cov
        f = (np.trace(inv_s) + 2.0 * np.log(np.diag(chol[0])).sum() - logdet_s - len(cov))
        w = inv - inv_s @ inv                      # dF/dSigma
        wla = w @ la
        g_psi = la.T @ wla                         # dF/dPsi (entry-wise)
        if a is None:
            g_lam = 2.0 * wla @ psi
            g_b = np.empty((0, 0))
        else:
            g_lam = 2.0 * wla @ psi @ a.T
            g_b = 2.0 * g_psi @ psi @ a.T
        parts = [g_lam[self.slots["L"][0], self.slots["L"][1]],
                 w[self.slots["T"][0], self.slots["T"][1]],
                 g_psi[self.slots["P"][0], self.slots["P"][1]]]
        if len(self.slots["B"][2]):
            parts.append(g_b[self.slots["B"][0], self.slots["B"][1]])
        grad = np.bincount(self.gather, weights=np.concatenate(parts), minlength=self.n_free)
        return float(f), grad

    def start(self, cov: np.ndarray) -> np.ndarray:
        """Start values: per factor, the first principal component of its block scaled to
        the fixed marker; residual variances the rest; factor covariances from the blocks."""
        lam0 = self.base["L"].copy()
        rows, cols, _ = self.slots["L"]
        lam0[rows, cols] = np.nan
        load = np.zeros_like(lam0)
        psi = np.zeros((len(self.latents),) * 2)
        for f in range(len(self.latents)):
            items = np.flatnonzero((lam0[:, f] != 0))
            block = cov[np.ix_(items, items)]
            values, vectors = np.linalg.eigh(block)
            vec = vectors[:, -1] * np.sqrt(max(values[-1], 1e-8))
            fixed = [k for k, i in enumerate(items) if not np.isnan(lam0[i, f])]
            if fixed:
                marker = fixed[0]
                scale = vec[marker] / lam0[items[marker], f]
                load[items, f] = vec / scale
                psi[f, f] = scale ** 2
            else:
                load[items, f] = vec
                psi[f, f] = 1.0
            for i in items:
                if not np.isnan(lam0[i, f]):
                    load[i, f] = lam0[i, f]
        for f in range(len(self.latents)):
            for g in range(f):
                a_items, b_items = np.flatnonzero(load[:, f]), np.flatnonzero(load[:, g])
                cross = cov[np.ix_(a_items, b_items)] / np.outer(load[a_items, f], load[b_items, g])
                psi[f, g] = psi[g, f] = float(np.mean(cross))
        implied = np.diag(load @ psi @ load.T)
        x = np.zeros(self.n_free)
        for k, (matrix, i, j) in enumerate(self.start_kind):
            if matrix == "L":
                x[k] = load[i, j]
            elif matrix == "P":
                x[k] = psi[i, j]
            elif matrix == "T":
                x[k] = max(cov[i, i] - implied[i], 0.1 * cov[i, i]) if i == j else 0.0
            # B: 0 (the factor variances above are then its residual variances)
        return x


def floor_fit(model: FloorModel, data: np.ndarray) -> tuple[float, np.ndarray, int]:
    """One complete floor fit: S (divisor N), start values, BFGS. Returns (chi-square, x, iterations)."""
    n = len(data)
    centred = data - data.mean(axis=0)
    cov = centred.T @ centred / n
    logdet_s = np.linalg.slogdet(cov)[1]
    x0 = model.start(cov)
    res = optimize.minimize(model.objective, x0, args=(cov, logdet_s), jac=True, method="BFGS",
                            options={"gtol": 1e-7, "maxiter": 5000})
    return n * res.fun, res.x, res.nit


# --------------------------------------------------------------------------- cases

@dataclass
class Case:
    name: str
    spec: object
    data: pd.DataFrame          # model columns; listwise complete unless missing == "ml"
    missing: str = "listwise"
    estimator: str = "ML"
    floor: bool = True
    times: dict[str, list[float]] = field(default_factory=dict)
    chisq: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def bfi_frame() -> pd.DataFrame:
    if not BFI_CSV.exists():
        subprocess.run(["Rscript", str(ROOT / "benchmarks" / "export_bfi.R"), str(BFI_CSV)],
                       check=True)
    return pd.read_csv(BFI_CSV)


def synthetic_cfa() -> tuple[str, pd.DataFrame]:
    """10 factors x 4 items, loadings .8/.7/.6/.5, factor correlations .2-.5, N = 1,000."""
    k, q = SYNTH_FACTORS, SYNTH_ITEMS
    lam = np.zeros((k * q, k))
    for f in range(k):
        lam[f * q:(f + 1) * q, f] = [0.8, 0.7, 0.6, 0.5]
    i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    phi = np.where(i == j, 1.0, 0.2 + 0.3 * ((i + j) % 4) / 3)
    theta = np.diag(1.0 - np.sum(lam ** 2, axis=1))
    sigma = lam @ phi @ lam.T + theta
    rng = np.random.default_rng(SYNTH_SEED)
    draws = rng.multivariate_normal(np.zeros(k * q), sigma, size=SYNTH_N, method="cholesky")
    names = [f"y{v + 1}" for v in range(k * q)]
    syntax = "\n".join(f"F{f + 1} =~ " + " + ".join(names[f * q:(f + 1) * q]) for f in range(k))
    return syntax, pd.DataFrame(draws, columns=names)


def complete(frame: pd.DataFrame, spec) -> pd.DataFrame:
    return frame[list(spec.observed_variables)].dropna().reset_index(drop=True)


def build_cases(quick: bool) -> list[Case]:
    cases = []
    for name, model_file, dataset in [("hs_cfa", "hs_cfa.lav", "holzinger_swineford"),
                                      ("corp_rep", "corp_rep.lav", "corp_rep"),
                                      ("ecsi", "ecsi.lav", "mobi")]:
        spec = ls.load_spec(ROOT / "models" / model_file)
        cases.append(Case(name, spec, complete(ls.load_dataset(dataset), spec)))
    bfi_spec = ls.ModelSpec.from_lavaan(BFI_SYNTAX, name="bfi_cfa")
    bfi = bfi_frame()
    cases.append(Case("bfi_cfa", bfi_spec, complete(bfi, bfi_spec)))
    syntax, frame = synthetic_cfa()
    synth_spec = ls.ModelSpec.from_lavaan(syntax, name="cfa_10x4")
    cases.append(Case("cfa_10x4", synth_spec, frame))
    if not quick:
        rows = bfi[list(bfi_spec.observed_variables)]
        rows = rows[rows.notna().any(axis=1)].reset_index(drop=True)
        cases.append(Case("bfi_cfa FIML", bfi_spec, rows, missing="ml", floor=False))
        cases.append(Case("bfi_cfa FIML+MLR", bfi_spec, rows, missing="ml", estimator="MLR",
                          floor=False))
    return cases


# --------------------------------------------------------------------------- engines

class Lavaan:
    def __init__(self, workdir: Path):
        self.proc = subprocess.Popen(["Rscript", str(ROOT / "benchmarks" / "lavaan_server.R")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     bufsize=1)
        self.version = self._read().removeprefix("ready ")
        self.workdir = workdir

    def _read(self) -> str:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the lavaan server stopped")
        return line.strip()

    def _send(self, *parts: str) -> str:
        self.proc.stdin.write("\t".join(parts) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def load(self, case: Case) -> None:
        slug = case.name.replace(" ", "_").replace("+", "_")
        model_file, data_file = self.workdir / f"{slug}.lav", self.workdir / f"{slug}.csv"
        model_file.write_text("\n".join(line for line in case.spec.to_lavaan().splitlines()
                                        if not line.startswith("#")) + "\n")
        case.data.to_csv(data_file, index=False, na_rep="NA")
        reply = self._send("load", case.name, str(model_file), str(data_file), case.missing,
                           case.estimator)
        assert reply == "loaded", reply

    def fit(self, case: Case, timeout: float) -> tuple[float, float]:
        reply = self._send("fit", case.name, str(timeout)).split()
        if reply[0] != "ok":
            raise RuntimeError(" ".join(reply))
        return float(reply[1]), float(reply[2])

    def close(self) -> None:
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=30)


def loyaltysem_fit(case: Case) -> float:
    result = ls.fit(case.spec, case.data, missing=case.missing, estimator=case.estimator,
                    emit_warnings=False)
    return float(result.fit_indices["chisq"])


def semopy_fitter(case: Case):
    import semopy

    syntax = "\n".join(line for line in case.spec.to_lavaan().splitlines()
                       if ":=" not in line and not line.startswith("#"))

    def run() -> float:
        model = semopy.Model(syntax)
        model.fit(case.data)
        return len(case.data) * float(model.last_result.fun)

    return run


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def _child(conn, case: Case) -> None:
    try:
        conn.send(("ok",) + timed(lambda: loyaltysem_fit(case)))
    except Exception as error:  # noqa: BLE001 - reported in the table
        conn.send(("error", repr(error)))


def loyaltysem_fit_with_timeout(case: Case, timeout: float) -> tuple[float, float] | None:
    """A slow fit in a forked child (killed after ``timeout`` s): (seconds, chisq) or None."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child, case))
    process.start()
    if not parent.poll(timeout):
        process.kill()
        process.join()
        return None
    message = parent.recv()
    process.join()
    if message[0] != "ok":
        raise RuntimeError(message[1])
    return message[1], message[2]


# --------------------------------------------------------------------------- main

def run(reps: int, quick: bool, timeout: float) -> None:
    logging.getLogger().setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    import semopy

    cases = build_cases(quick)
    with tempfile.TemporaryDirectory() as tmp:
        lavaan = Lavaan(Path(tmp))
        print(f"python {platform.python_version()}, numpy {np.__version__}, scipy "
              f"{scipy.__version__}, semopy {semopy.__version__}, {lavaan.version}; "
              f"{os.cpu_count()} cores; {reps} interleaved rounds, minima", flush=True)
        fast = [case for case in cases if case.missing == "listwise"]
        slow = [case for case in cases if case.missing != "listwise"]
        engines: dict[str, dict[str, object]] = {}
        for case in cases:
            lavaan.load(case)
        for case in fast:  # warm-up (first calls, caches), and semopy's quick-enough test
            model = FloorModel(case.spec.parameter_table, case.spec.observed_variables)
            data = case.data.to_numpy(dtype=float)
            fns = {"floor": lambda model=model, data=data: floor_fit(model, data)[0],
                   "loyaltysem": lambda case=case: loyaltysem_fit(case),
                   "lavaan": None}
            for name in ("floor", "loyaltysem"):
                fns[name]()
            semopy_run = semopy_fitter(case)
            seconds, value = timed(semopy_run)
            if seconds < SEMOPY_LIMIT:
                fns["semopy"] = semopy_run
            else:
                case.times["semopy"] = [seconds]
                case.chisq["semopy"] = value
                case.notes.append(f"semopy timed once ({seconds:.1f} s)")
            lavaan.fit(case, timeout)
            engines[case.name] = fns
        for _ in range(reps):
            for case in fast:
                for name, function in engines[case.name].items():
                    if name == "lavaan":
                        seconds, value = lavaan.fit(case, timeout)
                    else:
                        seconds, value = timed(function)
                    case.times.setdefault(name, []).append(seconds)
                    case.chisq[name] = value
        for case in slow:  # one of each, interleaved; too slow to repeat
            outcome = loyaltysem_fit_with_timeout(case, timeout)
            if outcome is None:
                case.notes.append(f"loyaltysem > {timeout:.0f} s (killed)")
            else:
                case.times["loyaltysem"] = [outcome[0]]
                case.chisq["loyaltysem"] = outcome[1]
            try:
                seconds, value = lavaan.fit(case, timeout)
                case.times["lavaan"] = [seconds]
                case.chisq["lavaan"] = value
            except RuntimeError as error:
                case.notes.append(f"lavaan: {error}")
        lavaan.close()
    report(cases)


def fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def report(cases: list[Case]) -> None:
    print()
    print("| model | N | p | free | floor (s) | loyaltysem (s) | lavaan (s) | semopy (s) "
          "| loyaltysem / floor | loyaltysem / lavaan | lavaan / floor "
          "| χ² lavaan | rel. diff floor | rel. diff loyaltysem | rel. diff semopy |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for case in cases:
        best = {name: min(values) for name, values in case.times.items()}
        ref = case.chisq.get("lavaan")

        def rel(name: str) -> str:
            if ref is None or name not in case.chisq:
                return "—"
            return f"{abs(case.chisq[name] - ref) / ref:.1e}"

        def ratio(a: str, b: str) -> str:
            return f"{best[a] / best[b]:.1f}" if a in best and b in best else "—"

        label = case.name + (f" ({case.data.notna().all(axis=1).mean():.0%} complete rows)"
                             if case.missing == "ml" else "")
        print(f"| {label} | {len(case.data)} | {len(case.spec.observed_variables)} "
              f"| {case.spec.n_free_parameters} | {fmt(best.get('floor'), 4)} "
              f"| {fmt(best.get('loyaltysem'))} | {fmt(best.get('lavaan'))} "
              f"| {fmt(best.get('semopy'))} | {ratio('loyaltysem', 'floor')} "
              f"| {ratio('loyaltysem', 'lavaan')} | {ratio('lavaan', 'floor')} | {fmt(ref)} "
              f"| {rel('floor')} | {rel('loyaltysem')} | {rel('semopy')} |")
    notes = [f"{case.name}: {note}" for case in cases for note in case.notes]
    if notes:
        print("\n" + "\n".join(notes))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--quick", action="store_true",
                        help="skip the full-information (FIML, FIML + MLR) fits on bfi")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds after which a slow fit is abandoned (default 600)")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="BLAS threads of numpy/scipy (threadpoolctl); 0: the library's "
                             "default. Default 1, as R's reference BLAS under lavaan")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_info, threadpool_limits

    limits = threadpool_limits(args.blas_threads) if args.blas_threads > 0 else None
    print("BLAS: " + ", ".join(f"{pool['internal_api']} {pool['num_threads']} thread(s)"
                               for pool in threadpool_info()))
    try:
        run(args.reps, args.quick, args.timeout)
    finally:
        if limits is not None:
            limits.restore_original_limits()


if __name__ == "__main__":
    sys.exit(main())
