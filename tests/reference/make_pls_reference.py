"""PLS-SEM reference values from two independent implementations.

Writes ``tests/reference/pls/<case>.json``: the same PLS path models estimated
by the PyPI packages ``seminr`` 0.2.1 (a Python port of R's seminr) and
``plspm`` 0.5.7 (a Python port of R's plspm). Both are GPL: they are used at
test-data generation time only, installed in a throwaway venv, never imported
by loyaltysem or its tests. Run from the repository root:

    python3 -m venv /tmp/plsref
    /tmp/plsref/bin/pip install seminr==0.2.1 plspm==0.5.7 'pandas<3' numpy scipy pyyaml
    /tmp/plsref/bin/python tests/reference/make_pls_reference.py

(about a minute; f-squared re-estimates the model once per path). The output
does not depend on the machine: no timings, no random numbers; the iteration
counts are those of the deterministic algorithms.

seminr options
    ``estimate_pls(data, mm, sm, inner_weights=path_weighting | path_factorial,
    missing=mean_replacement | na_omit, max_it=1000, stop_criterion=13)``:
    converged when sum |w_new - w_old| over all outer weights < 1e-13
    (seminr's default is ``stop_criterion=7``, i.e. 1e-7, ``max_it=300``; the
    iteration count at that default is recorded as ``iterations_default``).
    Composites are ``composite(name, items, mode_A | mode_B)``; the PLSc
    cases declare every Mode A construct with ``reflective()``, which makes
    seminr apply Dijkstra & Henseler's (2015) consistency correction
    (``model_consistent``: rho_A-disattenuated construct correlations, OLS paths
    and R^2 on them, loadings ``w * sqrt(rho_A) / (w'w)``). seminr has no
    centroid scheme: for the two centroid cases the second source is seminr's
    algorithm given a centroid inner-weights function written in this script
    (``centroid_for_seminr``), stored under ``seminr_custom_centroid``, not
    ``seminr``. The tables come from seminr's own functions:
    ``reliability_table`` (alpha, rhoA, rhoC, AVE), ``htmt``, ``cross_loadings``,
    ``descriptives(...).correlations.constructs``, ``pls_antecedent_vifs``,
    ``item_vifs``, ``model_fsquares``, ``total_effects``.

plspm options
    ``Config(path, scaled=True, default_scale=Scale.NUM)`` -- with
    ``default_scale=None`` plspm's "metric" branch divides ALL items by one
    pooled standard deviation instead of standardizing each item, which is not
    the PLS-SEM of seminr/SmartPLS; ``Scale.NUM`` standardizes each item (its
    "nonmetric" algorithm with linear quantification).
    ``Plspm(data, config, Scheme.PATH | CENTROID | FACTORIAL, iterations=1000,
    tolerance=1e-24)``: converged when sum over cases and constructs of
    (|y_old| - |y_new|)^2 < 1e-24, i.e. a change of the score vectors of about
    1e-12 in Euclidean norm (plspm's default: tolerance 1e-6, 100 iterations).
    plspm does not expose its iteration count; this script counts the calls of
    its ``_NonmetricWeights.iterate`` (a wrapper that only counts). plspm's NUM
    branch treats missing cells by its own pairwise scheme, not by mean
    replacement, so for ``missing == "mean"`` plspm is given the model's items
    with each NaN replaced by its column's mean over all rows (exactly what
    seminr's ``mean_replacement`` does before estimating). plspm has no PLSc,
    HTMT, VIFs, f-squared, rho_A or composite reliability from PLS loadings
    (its Dillon-Goldstein rho comes from the first principal component; kept
    as ``dg_rho_pca``).

R seminr and cSEM (the R packages) are not available here: Debian has no
r-cran-seminr or r-cran-csem and CRAN is unreachable. The Python seminr port
reproduces R seminr's own regression-test fixtures (published.json) to 1e-15
at the same (default) stop criterion.

After writing the cases the script compares them with published.json (values
read from Hair et al.'s 2021 workbook companion page and from R seminr's test
fixtures) and prints the differences.

JSON layout: see tests/reference/README.md ("PLS-SEM reference").
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "reference" / "pls"

SEMINR_STOP = 13  # sum |dw| < 1e-13
SEMINR_MAX_IT = 1000
SEMINR_DEFAULT_STOP = 7
SEMINR_DEFAULT_MAX_IT = 300
PLSPM_TOL = 1e-24
PLSPM_MAX_IT = 1000
PLSPM_DEFAULT_TOL = 1e-6
PLSPM_DEFAULT_MAX_IT = 100

# ---------------------------------------------------------------------------
# models

CORP_SIMPLE = {
    "COMP": ("A", ["comp_1", "comp_2", "comp_3"]),
    "LIKE": ("A", ["like_1", "like_2", "like_3"]),
    "CUSA": ("A", ["cusa"]),
    "CUSL": ("A", ["cusl_1", "cusl_2", "cusl_3"]),
}
CORP_SIMPLE_PATHS = [
    ("COMP", "CUSA"), ("LIKE", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSL"), ("CUSA", "CUSL"),
]
CORP_EXTENDED = {
    "QUAL": ("B", [f"qual_{i}" for i in range(1, 9)]),
    "PERF": ("B", [f"perf_{i}" for i in range(1, 6)]),
    "CSOR": ("B", [f"csor_{i}" for i in range(1, 6)]),
    "ATTR": ("B", [f"attr_{i}" for i in range(1, 4)]),
    **CORP_SIMPLE,
}
CORP_EXTENDED_PATHS = [
    (a, b) for b in ("COMP", "LIKE") for a in ("QUAL", "PERF", "CSOR", "ATTR")
] + [(a, b) for b in ("CUSA", "CUSL") for a in ("COMP", "LIKE")] + [("CUSA", "CUSL")]

ECSI = {
    "Image": ("A", [f"IMAG{i}" for i in range(1, 6)]),
    "Expectation": ("A", [f"CUEX{i}" for i in range(1, 4)]),
    "Quality": ("A", [f"PERQ{i}" for i in range(1, 8)]),
    "Value": ("A", ["PERV1", "PERV2"]),
    "Satisfaction": ("A", ["CUSA1", "CUSA2", "CUSA3"]),
    "Complaints": ("A", ["CUSCO"]),
    "Loyalty": ("A", ["CUSL1", "CUSL2", "CUSL3"]),
}
ECSI_PATHS = [
    ("Image", "Expectation"), ("Expectation", "Quality"), ("Expectation", "Value"),
    ("Quality", "Value"), ("Image", "Satisfaction"), ("Expectation", "Satisfaction"),
    ("Quality", "Satisfaction"), ("Value", "Satisfaction"), ("Satisfaction", "Complaints"),
    ("Image", "Loyalty"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty"),
]
# the "unseen-like" case: endogenous Mode B blocks (Satisfaction, Loyalty) and an
# exogenous Mode B block (Image) among Mode A blocks
ECSI_MIXED = dict(ECSI)
for _name in ("Image", "Satisfaction", "Loyalty"):
    ECSI_MIXED[_name] = ("B", ECSI[_name][1])

# R seminr's own PLSc regression-test model (its fixtures are in published.json)
MOBI_SAT = {k: ECSI[k] for k in ("Image", "Expectation", "Value", "Satisfaction")}
MOBI_SAT_PATHS = [("Image", "Satisfaction"), ("Expectation", "Satisfaction"), ("Value", "Satisfaction")]


def case(name, data, constructs, paths, missing="mean", scheme="path", consistent=False, notes=""):
    return {
        "case": name, "data": data, "missing": missing, "scheme": scheme,
        "consistent": consistent, "constructs": constructs, "paths": paths, "case_notes": notes,
    }


CASES = [
    case("corp_rep_simple", "corp_rep", CORP_SIMPLE, CORP_SIMPLE_PATHS),
    case("corp_rep_simple_listwise", "corp_rep", CORP_SIMPLE, CORP_SIMPLE_PATHS, missing="listwise",
         notes="rows with any NaN among the model's 10 items dropped before estimation"),
    case("corp_rep_simple_factorial", "corp_rep", CORP_SIMPLE, CORP_SIMPLE_PATHS, scheme="factorial"),
    case("corp_rep_simple_centroid", "corp_rep", CORP_SIMPLE, CORP_SIMPLE_PATHS, scheme="centroid",
         notes="seminr (Python 0.2.1, like R seminr) has no centroid scheme: plspm is the "
               "only tool that offers it; the second source seminr_custom_centroid is seminr's "
               "algorithm with a centroid inner-weights function written in the script"),
    case("corp_rep_extended", "corp_rep", CORP_EXTENDED, CORP_EXTENDED_PATHS),
    case("ecsi", "mobi", ECSI, ECSI_PATHS),
    case("ecsi_factorial", "mobi", ECSI, ECSI_PATHS, scheme="factorial"),
    case("ecsi_centroid", "mobi", ECSI, ECSI_PATHS, scheme="centroid",
         notes="seminr (Python 0.2.1, like R seminr) has no centroid scheme: plspm is the "
               "only tool that offers it; the second source seminr_custom_centroid is seminr's "
               "algorithm with a centroid inner-weights function written in the script"),
    case("ecsi_mixed", "mobi", ECSI_MIXED, ECSI_PATHS,
         notes="unseen-like case: Image, Satisfaction and Loyalty Mode B (formative composites, "
               "two of them endogenous), the other blocks Mode A, path scheme"),
    case("corp_rep_simple_plsc", "corp_rep", CORP_SIMPLE, CORP_SIMPLE_PATHS, consistent=True,
         notes="PLSc: seminr only (plspm has no consistent PLS); every construct declared "
               "reflective(), CUSA single-item so rho_A = 1 and it is not corrected"),
    case("corp_rep_extended_plsc", "corp_rep", CORP_EXTENDED, CORP_EXTENDED_PATHS, consistent=True,
         notes="PLSc: seminr only; Mode A blocks reflective() (corrected), Mode B blocks stay "
               "composites (rho_A = 1, not corrected)"),
    case("ecsi_plsc", "mobi", ECSI, ECSI_PATHS, consistent=True,
         notes="PLSc: seminr only (plspm has no consistent PLS); every construct declared "
               "reflective(), Complaints single-item so rho_A = 1"),
    case("mobi_sat_plsc_factorial", "mobi", MOBI_SAT, MOBI_SAT_PATHS, scheme="factorial",
         consistent=True,
         notes="PLSc: seminr only; the model of R seminr's PLSc regression test (reflective "
               "Image, Expectation, Value -> Satisfaction, path_factorial), whose R fixture "
               "values (default stop criterion) are in published.json"),
]

# ---------------------------------------------------------------------------
# helpers


def load(data):
    if data == "corp_rep":
        return pd.read_csv(ROOT / "datasets" / "corp_rep" / "corp_rep.csv", na_values=[-99])
    return pd.read_csv(ROOT / "datasets" / "mobi" / "mobi.csv")


def num(x):
    x = float(x)
    return None if math.isnan(x) else x


def model_items(spec):
    return [i for _, items in spec["constructs"].values() for i in items]


def reachable(paths):
    """Ordered (from, to) pairs joined by a directed route (which total effects exist)."""
    succ = {}
    for a, b in paths:
        succ.setdefault(a, []).append(b)
    names = list(dict.fromkeys([c for p in paths for c in p]))
    out = []
    for a in names:
        seen, stack = [], list(succ.get(a, []))
        while stack:
            b = stack.pop(0)
            if b not in seen:
                seen.append(b)
                stack.extend(succ.get(b, []))
        out.extend((a, b) for b in names if b in seen)
    return out


def by_from(pairs, value):
    out = {}
    for a, b in pairs:
        out.setdefault(a, {})[b] = num(value(a, b))
    return out


# ---------------------------------------------------------------------------
# seminr


def centroid_for_seminr(sm_matrix, construct_scores, dependant, paths_matrix):
    """Centroid inner weights, sign(cor) on (P + P'), in seminr's InnerWeightsFn shape.

    seminr has no centroid scheme; this one-line function (written here, the
    analogue of seminr's own ``path_factorial``) is handed to seminr's
    ``estimate_pls`` so that plspm's centroid results get a second, mostly
    independent check. Its output is stored as source ``seminr_custom_centroid``.
    """
    from seminr.math import stats
    from seminr.math.named_matrix import NamedMatrix

    names = paths_matrix.rows
    cors = stats.col_cor(construct_scores.values, construct_scores.values)
    mask = paths_matrix.values + paths_matrix.values.T
    return NamedMatrix(names, names, np.ascontiguousarray(np.sign(cors) * mask))


def run_seminr(spec, data):
    import seminr as s
    from seminr.bootstrap import total_effects
    from seminr.evaluate import descriptives, constructs_in_model

    cons = spec["constructs"]
    entries = []
    for name, (mode, items) in cons.items():
        if spec["consistent"] and mode == "A":
            entries.append(s.reflective(name, items))
        else:
            entries.append(s.composite(name, items, s.mode_A if mode == "A" else s.mode_B))
    mm = s.constructs(*entries)
    sm = s.relationships(*[s.paths(a, b) for a, b in spec["paths"]])
    scheme = {"path": s.path_weighting, "factorial": s.path_factorial,
              "centroid": centroid_for_seminr}[spec["scheme"]]
    missing = s.mean_replacement if spec["missing"] == "mean" else s.na_omit

    def fit(stop, max_it):
        return s.estimate_pls(data, mm, sm, inner_weights=scheme, missing=missing,
                              max_it=max_it, stop_criterion=stop)

    m = fit(SEMINR_STOP, SEMINR_MAX_IT)
    m_default = fit(SEMINR_DEFAULT_STOP, SEMINR_DEFAULT_MAX_IT)
    if m.iterations >= SEMINR_MAX_IT:
        raise RuntimeError(f"seminr did not converge in {spec['case']}")

    names = list(cons)
    mc = constructs_in_model(m)
    out = {}
    out["outer_weights"] = {c: {i: num(m.outer_weights.get(i, c)) for i in cons[c][1]} for c in names}
    out["outer_loadings"] = {c: {i: num(m.outer_loadings.get(i, c)) for i in cons[c][1]} for c in names}
    out["paths"] = by_from(spec["paths"], lambda a, b: m.path_coef.get(a, b))
    endo = list(dict.fromkeys(b for _, b in spec["paths"]))
    out["r2"] = {c: num(m.r_squared.get("Rsq", c)) for c in endo}
    out["r2_adj"] = {c: num(m.r_squared.get("AdjRsq", c)) for c in endo}
    rel = s.reliability_table(m)
    for key, col in (("rho_a", "rhoA"), ("rho_c", "rhoC"), ("ave", "AVE"), ("alpha", "alpha")):
        out[key] = {c: num(rel.get(c, col)) for c in names}
    h = s.htmt(m)  # upper triangle [i, j], i < j, in construct order
    hn = list(h.rows)
    out["htmt"] = {hn[j]: {hn[i]: num(h.values[i, j]) for i in range(j)} for j in range(1, len(hn))}
    cl = s.cross_loadings(m, mc)
    out["cross_loadings"] = {i: {c: num(cl.get(i, c)) for c in names} for i in cl.rows}
    cc = descriptives(m).correlations.constructs
    out["construct_correlations"] = {a: {b: num(cc.get(a, b)) for b in names} for a in names}
    out["vif_inner"] = {to: {fr: num(v) for fr, v in d.items()}
                        for to, d in s.pls_antecedent_vifs(m, mc).items()}
    out["vif_outer"] = {c: {i: num(v) for i, v in d.items()} for c, d in s.item_vifs(m, mc).items()}
    f2 = s.model_fsquares(m)
    out["f2"] = by_from(spec["paths"], lambda a, b: f2.get(a, b))
    te = total_effects(m.path_coef)
    out["total_effects"] = by_from(reachable(spec["paths"]), lambda a, b: te.get(a, b))
    out["iterations"] = int(m.iterations)
    out["iterations_default"] = int(m_default.iterations)
    out["n"] = int(m.data.values.shape[0])
    sc = m.construct_scores
    out["scores_head"] = {c: [num(v) for v in sc.column(c)[:5]] for c in names}
    notes = [
        f"stop_criterion={SEMINR_STOP} (sum |dw| < 1e-{SEMINR_STOP}), max_it={SEMINR_MAX_IT}; "
        f"iterations = seminr's reported count (0-based index of the last pass, so passes = "
        f"iterations + 1); iterations_default at stop_criterion={SEMINR_DEFAULT_STOP}, "
        f"max_it={SEMINR_DEFAULT_MAX_IT}.",
        "Items standardized with the N-1 SD; construct scores have sample variance 1 (N-1 divisor); "
        "weights scaled so that each score has N-1 variance 1.",
        "alpha: seminr's cronbachs_alpha, the standardized alpha from the item correlation matrix "
        "(k/(k-1))(1 - k/sum(R)); single-item constructs get 1.",
        "rho_c and ave from the (for PLSc: consistent) loadings, also for Mode B blocks (as seminr "
        "reports them); single-item constructs get 1/1; rho_a = 1 for Mode B and single-item blocks.",
        "htmt: seminr's htmt (absolute item correlations), stored as {later: {earlier: v}} in "
        "construct order; single-item monotrait = 1.",
        "vif_inner: diagonal of the inverse antecedent score-correlation matrix; null (NaN in seminr) "
        "for a construct with a single antecedent.",
        "f2: seminr's model_fsquares, (R2_incl - R2_excl)/(1 - R2_incl), each excl from a full "
        "re-estimation without that path.",
        "construct_correlations: correlations of the construct scores (descriptives()); for PLSc these "
        "are the composite correlations, not the disattenuated ones used for the paths.",
    ]
    if spec["consistent"]:
        notes.append("PLSc (reflective() constructs): paths, r2, r2_adj and outer_loadings are the "
                     "consistent ones; outer_weights, scores, cross_loadings, htmt are the ordinary "
                     "PLS ones (PLSc leaves them unchanged).")
    if spec["missing"] == "mean":
        notes.append("missing = mean_replacement (seminr's default) over the model's items.")
    else:
        notes.append("rows with NaN dropped before estimation (na_omit gives the same).")
    out["notes"] = " ".join(notes)
    return out


# ---------------------------------------------------------------------------
# plspm

_PLSPM_COUNT = {"n": 0}


def _install_plspm_counter():
    import plspm.weights as pw

    original = pw._NonmetricWeights.iterate
    if getattr(original, "_counting", False):
        return

    def iterate(self, scheme):
        _PLSPM_COUNT["n"] += 1
        return original(self, scheme)

    iterate._counting = True
    pw._NonmetricWeights.iterate = iterate


def run_plspm(spec, data):
    import plspm.config as c
    from plspm.mode import Mode
    from plspm.plspm import Plspm
    from plspm.scale import Scale
    from plspm.scheme import Scheme

    _install_plspm_counter()
    cons = spec["constructs"]
    items = model_items(spec)
    d = data[items].astype(float)
    if spec["missing"] == "mean":
        d = d.fillna(d.mean())
    assert not d.isna().any().any()

    def fit(tol, max_it):
        st = c.Structure()
        for a, b in spec["paths"]:
            st.add_path([a], [b])
        cfg = c.Config(st.path(), scaled=True, default_scale=Scale.NUM)
        for name, (mode, its) in cons.items():
            cfg.add_lv(name, Mode.A if mode == "A" else Mode.B, *[c.MV(i) for i in its])
        scheme = {"path": Scheme.PATH, "factorial": Scheme.FACTORIAL,
                  "centroid": Scheme.CENTROID}[spec["scheme"]]
        _PLSPM_COUNT["n"] = 0
        p = Plspm(d, cfg, scheme, iterations=max_it, tolerance=tol)
        return p, _PLSPM_COUNT["n"]

    p, iters = fit(PLSPM_TOL, PLSPM_MAX_IT)
    try:
        _, iters_default = fit(PLSPM_DEFAULT_TOL, PLSPM_DEFAULT_MAX_IT)
    except Exception:  # noqa: BLE001 - plspm raises a bare Exception when it does not converge
        iters_default = None

    names = list(cons)
    om = p.outer_model()
    pc = p.path_coefficients()  # rows = to, columns = from
    ins = p.inner_summary()
    uni = p.unidimensionality()
    cl = p.crossloadings()
    eff = p.effects()
    out = {}
    out["outer_weights"] = {k: {i: num(om.loc[i, "weight"]) for i in cons[k][1]} for k in names}
    out["outer_loadings"] = {k: {i: num(om.loc[i, "loading"]) for i in cons[k][1]} for k in names}
    out["paths"] = by_from(spec["paths"], lambda a, b: pc.loc[b, a])
    endo = list(dict.fromkeys(b for _, b in spec["paths"]))
    out["r2"] = {k: num(ins.loc[k, "r_squared"]) for k in endo}
    out["r2_adj"] = {k: num(ins.loc[k, "r_squared_adj"]) for k in endo}
    out["ave"] = {k: num(ins.loc[k, "ave"]) for k in names if cons[k][0] == "A"}
    out["alpha"] = {k: num(uni.loc[k, "cronbach_alpha"]) for k in names
                    if cons[k][0] == "A" and len(cons[k][1]) > 1}
    out["dg_rho_pca"] = {k: num(uni.loc[k, "dillon_goldstein_rho"]) for k in names
                         if cons[k][0] == "A" and len(cons[k][1]) > 1}
    out["cross_loadings"] = {i: {k: num(cl.loc[i, k]) for k in names} for i in items}
    total = {(r["from"], r["to"]): r["total"] for _, r in eff.iterrows()}
    out["total_effects"] = by_from(reachable(spec["paths"]), lambda a, b: total[(a, b)])
    out["iterations"] = int(iters)
    out["iterations_default"] = None if iters_default is None else int(iters_default)
    out["n"] = int(d.shape[0])
    sc = p.scores()
    out["scores_head"] = {k: [num(v) for v in sc[k].values[:5]] for k in names}
    notes = [
        f"Config(scaled=True, default_scale=Scale.NUM); Plspm(tolerance={PLSPM_TOL!r}, "
        f"iterations={PLSPM_MAX_IT}); convergence on sum (|y_old| - |y_new|)^2 of the scores. "
        f"iterations = calls of plspm's iterate() (counted by a wrapper; plspm does not report it); "
        f"iterations_default at plspm's defaults (tolerance {PLSPM_DEFAULT_TOL}, "
        f"{PLSPM_DEFAULT_MAX_IT} iterations).",
        "Items standardized with the population SD (N divisor): construct scores have variance 1 "
        "with divisor N, i.e. they are seminr's N-1 scores times sqrt(N/(N-1)); the outer weights "
        "are the same numbers as seminr's (both the items and the scores carry the factor).",
        "alpha: plspm's unidimensionality() Cronbach alpha, from the standardized items (same "
        "formula as seminr's), floored at 0, only for Mode A blocks with 2+ items (NaN otherwise: "
        "omitted).",
        "ave: plspm's inner_summary() AVE, Mode A blocks only (single items give 1).",
        "dg_rho_pca: plspm's Dillon-Goldstein rho, computed from the loadings on the block's FIRST "
        "PRINCIPAL COMPONENT, not from the PLS loadings: not the same as rho_c.",
        "cross_loadings: item-score correlations; total_effects: plspm's effects() 'total'.",
        "No PLSc, HTMT, rho_A, PLS-loading rho_c, VIFs or f2 in plspm.",
    ]
    if spec["missing"] == "mean":
        notes.append("Given the model's items mean-imputed by this script (column means over all "
                     "rows), because plspm's NUM branch would otherwise use its own missing-data "
                     "treatment; this equals seminr's mean_replacement.")
    out["notes"] = " ".join(notes)
    return out


# ---------------------------------------------------------------------------
# comparison


def flatten(x, prefix=()):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from flatten(v, prefix + (k,))
    elif isinstance(x, list):
        for k, v in enumerate(x):
            yield from flatten(v, prefix + (k,))
    else:
        yield prefix, x


def max_abs_difference(a, b, n):
    out = {}
    skip = {"iterations", "iterations_default", "notes", "n"}
    for table in a:
        if table in skip or table not in b:
            continue
        fa, fb = dict(flatten(a[table])), dict(flatten(b[table]))
        diffs = [abs(fa[k] - fb[k]) for k in fa if k in fb
                 and fa[k] is not None and fb[k] is not None]
        if not diffs:
            continue
        if table == "scores_head":
            # plspm's scores have N-divisor variance 1: put them on seminr's N-1 scale
            factor = math.sqrt((n - 1) / n)
            out["scores_head_raw"] = max(diffs)
            diffs = [abs(fa[k] - fb[k] * factor) for k in fa if k in fb]
        out[table] = max(diffs)
    return out


def compare_published():
    """Print how the written cases compare with tests/reference/pls/published.json."""
    path = OUT / "published.json"
    if not path.exists():
        return
    published = json.loads(path.read_text())
    print("published values (published.json) against seminr's tight-criterion values:")
    for name, src in published["sources"].items():
        tol = 0.5 * 10.0 ** -src["decimals"] + 1e-12
        if src["decimals"] >= 10:
            # full-precision R seminr fixtures, stopped at seminr's default 1e-7 criterion
            tol = 1e-6
        for case_name, tables in src["cases"].items():
            out_path = OUT / f"{case_name}.json"
            if not out_path.exists():
                continue
            ours = json.loads(out_path.read_text())["sources"]
            ours = ours.get("seminr") or next(iter(ours.values()))
            for table, values in tables.items():
                if table == "what":
                    continue
                if table == "iterations":
                    print(f"  {name}/{case_name}/iterations: published {values}, "
                          f"seminr default criterion {ours['iterations_default']}")
                    continue
                mine = ours.get("ave") if table == "fl_sqrt_ave" else ours.get(table)
                if mine is None:
                    continue
                fa = dict(flatten(mine))
                diffs = []
                for key, v in flatten(values):
                    m = fa.get(key)
                    if m is None:
                        continue
                    if table == "fl_sqrt_ave":
                        m = math.sqrt(m)
                    diffs.append(abs(m - v))
                if diffs:
                    worst = max(diffs)
                    flag = "ok" if worst <= tol else "DIFFERS"
                    print(f"  {name}/{case_name}/{table}: {len(diffs)} values, "
                          f"max |diff| {worst:.3g} ({flag}, tolerance {tol:.3g})")


SCORES_NOTE = ("max_abs_difference.scores_head is after multiplying plspm's scores by sqrt((N-1)/N) "
               "(scores_head_raw: before)")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[1:])
    for spec in CASES:
        if only and spec["case"] not in only:
            continue
        raw = load(spec["data"])
        data = raw
        if spec["missing"] == "listwise":
            data = raw.loc[~raw[model_items(spec)].isna().any(axis=1)].reset_index(drop=True)
        sources = {}
        if spec["scheme"] != "centroid":
            sources["seminr"] = run_seminr(spec, data)
        else:
            sources["seminr_custom_centroid"] = run_seminr(spec, data)
            sources["seminr_custom_centroid"]["notes"] += (
                " NOT a seminr feature: seminr has no centroid scheme; the inner weights are "
                "sign(cor) on (P + P') from centroid_for_seminr() in make_pls_reference.py, "
                "passed as estimate_pls(inner_weights=...); everything else is seminr's.")
        if not spec["consistent"]:
            sources["plspm"] = run_plspm(spec, data)
        ns = {v.pop("n") for v in sources.values()}
        assert len(ns) == 1, ns
        n = ns.pop()
        diff = {}
        if len(sources) == 2:
            first = next(iter(sources.values()))
            diff = max_abs_difference(first, sources["plspm"], n)
        doc = {
            "case": spec["case"], "data": spec["data"], "missing": spec["missing"],
            "scheme": spec["scheme"], "consistent": spec["consistent"], "n": n,
            "model": {
                "constructs": {k: {"mode": m, "items": list(i)}
                               for k, (m, i) in spec["constructs"].items()},
                "paths": [list(p) for p in spec["paths"]],
            },
            "sources": sources,
            "max_abs_difference": diff,
            "versions": {k: importlib.metadata.version(k)
                         for k in ("seminr", "plspm", "numpy", "pandas", "scipy", "statsmodels")},
            "stop_criteria": {
                "seminr": f"sum |dw| < 1e-{SEMINR_STOP}, max_it {SEMINR_MAX_IT}",
                "plspm": f"sum (|y_old| - |y_new|)^2 < {PLSPM_TOL!r}, max {PLSPM_MAX_IT} iterations",
            },
            "notes": "; ".join(x for x in (spec["case_notes"], SCORES_NOTE if len(sources) == 2 else "")
                               if x),
        }
        path = OUT / f"{spec['case']}.json"
        path.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n")
        print(f"{spec['case']:28s} n={n} " + " ".join(
            f"{k}={v['iterations']}/{v['iterations_default']}" for k, v in sources.items()))
        for k, v in diff.items():
            print(f"    {k:24s} {v:.3g}")
    compare_published()


if __name__ == "__main__":
    main()
