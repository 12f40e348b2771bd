"""Time one ML fit per shipped model: loyaltysem vs semopy's defaults.

Run by hand:  python3 benchmarks/bench_fit.py
Results go into benchmarks/README.md (never asserted in tests).
"""
from __future__ import annotations

import logging
import platform
import time
import warnings

import numpy as np

import loyaltysem as ls
from loyaltysem.data import prepare_survey

MODELS = [("hs_cfa.lav", "holzinger_swineford"), ("poldem.lav", "political_democracy"),
          ("corp_rep.lav", "corp_rep"), ("ecsi.lav", "mobi")]
REPEATS = 5


def best_of(function, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return min(times), value


def main() -> None:
    import semopy

    logging.getLogger().setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    print(f"python {platform.python_version()}, semopy {semopy.__version__}, numpy {np.__version__}")
    print("| model | N | loyaltysem fit (s) | loyaltysem chi-square | semopy fit (s) | semopy chi-square (N F) |")
    print("|---|---|---|---|---|---|")
    for model_file, dataset in MODELS:
        spec = ls.load_spec(f"models/{model_file}")
        survey = prepare_survey(ls.load_dataset(dataset), spec.observed_variables)
        ours_time, ours = best_of(lambda: ls.fit(spec, survey.data, emit_warnings=False))
        syntax = "\n".join(line for line in spec.to_lavaan().splitlines()
                           if ":=" not in line and not line.startswith("#"))

        def semopy_fit():
            model = semopy.Model(syntax)
            model.fit(survey.data)
            return model

        semopy_time, model = best_of(semopy_fit)
        semopy_chisq = survey.n * model.last_result.fun
        print(f"| {spec.name} | {survey.n} | {ours_time:.3f} | {ours.fit_indices['chisq']:.3f} "
              f"| {semopy_time:.3f} | {semopy_chisq:.3f} |")


if __name__ == "__main__":
    main()
