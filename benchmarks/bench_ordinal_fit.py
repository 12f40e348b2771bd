"""Whole WLSMV fits of ordinal items: loyaltysem against lavaan, side by side in one run.

Run by hand:  python3 benchmarks/bench_ordinal_fit.py [--reps 5] [--quick]
Results go into benchmarks/README.md (never asserted in tests).

Issue #14 point 6. Each case is a complete fit, estimator WLSMV on both sides (thresholds,
polychoric correlations, NACOV, DWLS estimation, robust SEs, the scaled-shifted test and
the fit measures):

- corp_rep 3-factor CFA (9 items, N = 336; tests/reference/ordinal/data/corp_rep.csv):
  ``loyaltysem.fit(model, data, ordered=True)`` against ``sem(model, data, ordered =
  TRUE)``;
- corp_rep 5-factor CFA (17 items, N = 336; tests/reference/ordinal/data/cfa5.csv, the
  case of tests/test_ordinal_fit.py), the same calls;
- two groups (corp_rep by servicetype, 8 items without empty categories in either group;
  tests/reference/ordinal/data/groups.csv), equal thresholds and loadings:
  ``fit_groups(model, data, "servicetype", ordered=True, group_equal=["thresholds",
  "loadings"], estimator="WLSMV")`` against ``cfa(model, data, ordered = TRUE, group =
  "servicetype", group.equal = c("thresholds", "loadings"))``;
- the ordinal invariance ladder on the same data, configural -> thresholds -> metric as
  Wu & Estabrook (2016) identify them: ``invariance_ladder(model, data, "servicetype",
  ordered=True, steps=["configural", "thresholds", "metric"])`` (three fits and the
  scaled-shifted differences) against three ``cfa(<syntax>, ordered = ..., group =
  "servicetype")`` fits and ``lavTestLRT`` of them. semTools' ``measEq.syntax`` writes
  lavaan's three models once, before the timings (it is not timed: in lavaan's favour);
- psych's bfi 5-factor CFA (25 items, N = 2,436 complete cases; benchmarks/data/bfi.csv
  written by ``export_bfi.R``, not committed: psych is GPL), as the first two.
  ``--quick`` leaves it out and runs 2 rounds.

lavaan runs in one long-lived ``Rscript`` started here and driven through stdin; each fit
is timed by ``system.time`` inside R (R's start-up and the data's loading excluded).
numpy's BLAS on one thread (R's reference BLAS is single-threaded). After one warm-up
call of each, the repetitions are interleaved (every round times each case on both
sides); the table gives the minima and the ratio of the minima, with the chi-squares (the
ladder: the scaled-shifted differences) of both sides beside.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import loyaltysem as ls  # noqa: E402
from loyaltysem.groups import fit_groups, invariance_ladder  # noqa: E402

DATA = ROOT / "tests" / "reference" / "ordinal" / "data"
BFI_CSV = ROOT / "benchmarks" / "data" / "bfi.csv"
BFI = "\n".join(f"{f} =~ " + " + ".join(f"{i}{k}" for k in range(1, 6))
                for f, i in [("Agree", "A"), ("Consc", "C"), ("Extra", "E"), ("Neuro", "N"),
                             ("Open", "O")])
CFA3 = ("COMP =~ comp_1 + comp_2 + comp_3\nLIKE =~ like_1 + like_2 + like_3\n"
        "CUSL =~ cusl_1 + cusl_2 + cusl_3")
CFA5 = CFA3 + ("\nATTR =~ attr_1 + attr_2 + attr_3\n"
               "CSOR =~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5")
GROUPS = ("COMP =~ comp_1 + comp_3\nLIKE =~ like_1 + like_2 + like_3\n"
          "CUSL =~ cusl_1 + cusl_2 + cusl_3")
GROUP_EQUAL = ("thresholds", "loadings")
LADDER = ("configural", "thresholds", "metric")
LADDER_EQUAL = {"configural": "configural", "thresholds": "thresholds",
                "metric": "thresholds,loadings"}

# One R process; commands on stdin, one a line, tab-separated:
#   load <name> <kind> <model file> <data csv> [group] [group.equal, comma-separated]
#   fit <name>   ->  "ok <seconds> <json of the statistics>" or "error <message>"
#   quit
# kind: single (sem, ordered = TRUE), groups (cfa with group and group.equal), ladder
# (measEq.syntax at load time, Wu & Estabrook; timed: the three cfa() and lavTestLRT).
R_SERVER = r"""
suppressPackageStartupMessages({ library(lavaan); library(jsonlite) })
con <- file("stdin"); open(con)
reply <- function(...) { cat(..., "\n", sep = ""); flush(stdout()) }
reply("ready lavaan ", as.character(packageVersion("lavaan")), ", ", R.version.string)
cases <- list()
run <- function(case) {
  if (case$kind == "single") {
    fit <- sem(case$model, data = case$data, ordered = TRUE)
    list(chisq = fitMeasures(fit, "chisq")[[1]],
         chisq_scaled = fitMeasures(fit, "chisq.scaled")[[1]])
  } else if (case$kind == "groups") {
    fit <- cfa(case$model, data = case$data, ordered = TRUE, group = case$group,
               group.equal = case$equal)
    list(chisq = fitMeasures(fit, "chisq")[[1]],
         chisq_scaled = fitMeasures(fit, "chisq.scaled")[[1]])
  } else {
    fits <- lapply(case$syntax, function(s) cfa(s, data = case$data, ordered = case$items,
                                                group = case$group))
    test <- do.call(lavTestLRT, unname(fits))
    list(chisq = fitMeasures(fits[[length(fits)]], "chisq")[[1]],
         chisq_diff = test[["Chisq diff"]][-1])
  }
}
repeat {
  line <- readLines(con, n = 1)
  if (length(line) == 0) break
  parts <- strsplit(line, "\t", fixed = TRUE)[[1]]
  if (parts[1] == "quit") break
  out <- tryCatch({
    if (parts[1] == "load") {
      case <- list(kind = parts[3], model = paste(readLines(parts[4]), collapse = "\n"))
      case$data <- read.csv(parts[5])
      case$items <- lavNames(lavaanify(case$model), "ov")
      case$data <- na.omit(case$data[, c(if (length(parts) >= 6) parts[6], case$items)])
      if (length(parts) >= 6) case$group <- parts[6]
      if (length(parts) >= 7) case$equal <- strsplit(parts[7], ";", fixed = TRUE)[[1]]
      if (case$kind == "ladder") {
        suppressPackageStartupMessages(library(semTools))
        case$syntax <- lapply(case$equal, function(eq) as.character(measEq.syntax(
          case$model, data = case$data, ordered = case$items, parameterization = "delta",
          ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = case$group,
          group.equal = strsplit(eq, ",", fixed = TRUE)[[1]])))
      }
      cases[[parts[2]]] <- case
      "loaded"
    } else if (parts[1] == "fit") {
      value <- NULL
      seconds <- system.time(value <- run(cases[[parts[2]]]))[["elapsed"]]
      paste("ok", sprintf("%.6f", seconds), toJSON(value, digits = NA, auto_unbox = TRUE))
    } else paste("error unknown command", parts[1])
  }, error = function(e) paste("error", gsub("[\r\n]", " ", conditionMessage(e))))
  reply(out)
}
"""


@dataclass
class Case:
    name: str
    kind: str  # single, groups, ladder
    model: str
    csv: Path
    group: str | None = None
    equal: tuple[str, ...] = ()
    ours: Callable[[], dict[str, Any]] | None = None
    times: dict[str, list[float]] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)


class Lavaan:
    def __init__(self, workdir: Path):
        script = workdir / "server.R"
        script.write_text(R_SERVER)
        self.workdir = workdir
        self.proc = subprocess.Popen(["Rscript", str(script)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.version = self._read().removeprefix("ready ")

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
        model_file = self.workdir / f"{len(list(self.workdir.iterdir()))}.lav"
        model_file.write_text(case.model + "\n")
        extra = [case.group] if case.group else []
        if case.equal:
            extra.append(";".join(case.equal))
        reply = self._send("load", case.name, case.kind, str(model_file), str(case.csv),
                           *extra)
        if reply != "loaded":
            raise RuntimeError(reply)

    def fit(self, case: Case) -> tuple[float, dict[str, Any]]:
        reply = self._send("fit", case.name)
        if not reply.startswith("ok "):
            raise RuntimeError(reply)
        _, seconds, payload = reply.split(" ", 2)
        return float(seconds), json.loads(payload)

    def close(self) -> None:
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=60)


def frame(case: Case) -> pd.DataFrame:
    spec = ls.ModelSpec.from_lavaan(case.model, name="bench")
    columns = ([case.group] if case.group else []) + list(spec.observed_variables)
    return pd.read_csv(case.csv)[columns].dropna().reset_index(drop=True)


def loyaltysem_side(case: Case) -> Callable[[], dict[str, Any]]:
    """The call timed on loyaltysem's side (spec and data prepared outside the timing, as
    lavaan's are loaded before its)."""
    spec = ls.ModelSpec.from_lavaan(case.model, name="bench")
    data = frame(case)
    if case.kind == "single":
        def run() -> dict[str, Any]:
            result = ls.fit(spec, data, ordered=True, emit_warnings=False)
            return {"chisq": float(result.fit_indices["chisq"]),
                    "chisq_scaled": float(result.fit_indices["chisq_scaled"])}
    elif case.kind == "groups":
        def run() -> dict[str, Any]:
            result = fit_groups(spec, data, case.group, ordered=True,
                                group_equal=list(case.equal), estimator="WLSMV",
                                emit_warnings=False)
            return {"chisq": float(result.fit_indices["chisq"]),
                    "chisq_scaled": float(result.fit_indices["chisq_scaled"])}
    else:
        def run() -> dict[str, Any]:
            result = invariance_ladder(spec, data, case.group, ordered=True,
                                       steps=list(LADDER))
            table = result.table
            return {"chisq": float(table["chisq"].iloc[-1]),
                    "chisq_diff": [float(v) for v in table["chisq_diff"].iloc[1:]]}
    return run


def timed(function: Callable[[], dict[str, Any]]) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def build_cases(quick: bool) -> list[Case]:
    cases = [
        Case("corp_rep CFA, 3 factors, 9 items, N = 336", "single", CFA3, DATA / "corp_rep.csv"),
        Case("corp_rep CFA, 5 factors, 17 items, N = 336", "single", CFA5, DATA / "cfa5.csv"),
        Case("2 groups (servicetype), equal thresholds + loadings, 8 items, N = 336",
             "groups", GROUPS, DATA / "groups.csv", "servicetype", GROUP_EQUAL),
        Case("invariance ladder: configural, thresholds, metric (3 fits + LRT)", "ladder",
             GROUPS, DATA / "groups.csv", "servicetype",
             tuple(LADDER_EQUAL[s] for s in LADDER)),
    ]
    if not quick:
        if not BFI_CSV.exists():
            subprocess.run(["Rscript", str(ROOT / "benchmarks" / "export_bfi.R"),
                            str(BFI_CSV)], check=True)
        cases.append(Case("bfi CFA, 5 factors, 25 items, N = 2,436", "single", BFI, BFI_CSV))
    return cases


def run(reps: int, quick: bool) -> list[Case]:
    warnings.simplefilter("ignore")
    cases = build_cases(quick)
    with tempfile.TemporaryDirectory() as tmp:
        lavaan = Lavaan(Path(tmp))
        print(f"python {platform.python_version()}, numpy {np.__version__}, {lavaan.version}; "
              f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; {reps} interleaved "
              "rounds, minima", flush=True)
        for case in cases:
            lavaan.load(case)
            case.ours = loyaltysem_side(case)
            case.ours()  # warm-up: imports, first calls
            lavaan.fit(case)
        for _ in range(reps):
            for case in cases:
                assert case.ours is not None
                for side, call in (("loyaltysem", lambda: timed(case.ours)),
                                   ("lavaan", lambda: lavaan.fit(case))):
                    seconds, value = call()
                    case.times.setdefault(side, []).append(seconds)
                    case.values[side] = value
        lavaan.close()
    return cases


def _statistic(case: Case, side: str) -> str:
    value = case.values[side]
    if "chisq_diff" in value:
        diffs = value["chisq_diff"]
        return "/".join(f"{v:.4f}" for v in (diffs if isinstance(diffs, list) else [diffs]))
    return f"{value['chisq']:.4f} ({value['chisq_scaled']:.4f})"


def report(cases: list[Case]) -> None:
    print("| case | loyaltysem (s) | lavaan (s) | lavaan / loyaltysem | chi-square, scaled "
          "(ladder: scaled-shifted differences): ours | lavaan |")
    print("|---|---|---|---|---|---|")
    for case in cases:
        a, b = min(case.times["loyaltysem"]), min(case.times["lavaan"])
        print(f"| {case.name} | {a:.3f} | {b:.3f} | {b / a:.1f} | {_statistic(case, 'loyaltysem')}"
              f" | {_statistic(case, 'lavaan')} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=None,
                        help="interleaved rounds (default 5; --quick: 2)")
    parser.add_argument("--quick", action="store_true",
                        help="leave out the bfi case and run 2 rounds")
    args = parser.parse_args(argv)
    reps = args.reps if args.reps is not None else (2 if args.quick else 5)
    report(run(reps, args.quick))


if __name__ == "__main__":
    main()
