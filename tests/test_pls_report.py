"""The PLS-SEM report (``--method pls``) and CB-SEM beside PLS-SEM (``--method both``)."""
from __future__ import annotations

import dataclasses
import html
import re
import shutil
import subprocess
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from click.testing import CliRunner  # noqa: E402

import loyaltysem as ls  # noqa: E402
from loyaltysem.cli import main  # noqa: E402
from loyaltysem.exceptions import ArgumentError  # noqa: E402
from loyaltysem.pls import bootstrap_pls, fit_pls  # noqa: E402
from loyaltysem.report import (PLSReport, build_pls_report, make_report,  # noqa: E402
                               render_report, write_report)
from loyaltysem.report.document import SECTIONS  # noqa: E402
from loyaltysem.report.pls_document import (COMPARISON_SECTION, NOT_CONVERGED,  # noqa: E402
                                            PLS_SECTIONS, pls_report_blocks)
from loyaltysem.report.tables import apa_number  # noqa: E402

from lavaan_reference import ROOT  # noqa: E402
from test_escaping import HOSTILE, LATEX_PAYLOAD, _Elements, _latex_problems  # noqa: E402
from test_escaping import _markdown_to_html as markdown_to_html  # noqa: E402

SIMPLE = ROOT / "models" / "corp_rep.yaml"
EXTENDED = ROOT / "models" / "corp_rep_extended.yaml"
BOOK = {"na_values": [-99], "missing": "mean"}   # Hair et al.'s numbers: mean replacement


def _apa(value: float) -> str:
    return apa_number(value, 3, bounded=True)


def _markdown_rows(text: str, caption: str) -> list[dict[str, str]]:
    """The rows of the Markdown table under ``*caption*`` as dicts."""
    block = text.split(f"*{caption}*", 1)[1].strip().split("\n\n", 1)[0]
    lines = [line for line in block.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]
    return [dict(zip(cells[0], row)) for row in cells[2:]]


@pytest.fixture(scope="module")
def fits():
    pls = fit_pls(SIMPLE, "corp_rep", **BOOK)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cb = ls.fit(SIMPLE, "corp_rep", na_values=[-99], emit_warnings=False)
    return pls, cb


@pytest.fixture(scope="module")
def both_report():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make_report(SIMPLE, "corp_rep", method="both", n_boot=100, seed=2, **BOOK)


# ------------------------------------------------------------------ files, formats, methods
def run_report(model, out, *options: str):
    return CliRunner().invoke(main, ["report", str(model), "--data", "corp_rep", "--na-values",
                                     "-99", "--out", str(out), *options])


@pytest.mark.parametrize("fmt", ["html", "md", "tex"])
@pytest.mark.parametrize("method", ["pls", "both"])
def test_report_files_for_each_format_and_method(tmp_path, method, fmt):
    out = tmp_path / f"report.{fmt}"
    run = run_report(SIMPLE, out, "--method", method, "--missing", "mean", "--bootstrap", "50")
    assert run.exit_code == 0, run.output
    assert "wrote" in run.stderr
    text = out.read_text(encoding="utf-8")
    for section in PLS_SECTIONS:
        assert section in text, section
    assert (COMPARISON_SECTION in text) == (method == "both")
    assert "Largest modification indices" not in text    # a CB-SEM section
    if fmt == "html":
        assert "<svg" in text and "Content-Security-Policy" in text
    if fmt == "tex":
        assert text.startswith(r"\documentclass") and text.rstrip().endswith(r"\end{document}")
        assert _latex_problems(text) == []


def test_default_method_is_still_cb(tmp_path):
    out = tmp_path / "report.md"
    run = run_report(SIMPLE, out, "--bootstrap", "0")
    assert run.exit_code == 0, run.output
    text = out.read_text()
    assert all(section in text for section in SECTIONS)
    assert "Outer model" not in text and COMPARISON_SECTION not in text


@pytest.mark.parametrize("options, message", [
    (["--method", "cb", "--missing", "mean"], "--method cb takes listwise or ml; got mean"),
    (["--method", "pls", "--missing", "ml"], "--method pls takes listwise or mean; got ml"),
    (["--method", "both", "--group", "servicetype"], "needs --method cb"),
    (["--method", "plsc"], "'plsc' is not one of 'cb', 'pls', 'both'"),
])
def test_bad_option_combinations_are_refused_before_any_fit(tmp_path, options, message):
    run = run_report(SIMPLE, tmp_path / "r.md", *options)
    assert run.exit_code == 2 and message in run.stderr, run.stderr
    assert not (tmp_path / "r.md").exists()


def test_python_api_checks_its_options():
    with pytest.raises(ArgumentError, match="method must be one of 'cb', 'pls', 'both'"):
        make_report(SIMPLE, "corp_rep", method="PLS")
    with pytest.raises(ArgumentError, match="missing must be 'listwise' or 'ml'"):
        make_report(SIMPLE, "corp_rep", method="cb", missing="mean")
    with pytest.raises(ArgumentError, match="group"):
        make_report(SIMPLE, "corp_rep", method="pls", group="servicetype")


# ------------------------------------------------------------------ PLS-SEM content
def test_pls_tables_hold_the_fits_numbers(tmp_path):
    result = fit_pls(SIMPLE, "corp_rep", **BOOK)
    result = result.with_bootstrap(bootstrap_pls(result, 100, seed=5))
    text = render_report(build_pls_report(result, data_source="corp_rep"), "md")
    paths = {row["Path"]: row for row in _markdown_rows(text, "Structural paths (standardized)")}
    for r in result.paths.itertuples(index=False):
        row = paths[f"{r[0]} → {r[1]}"]
        assert row["β"] == _apa(r.est) and row["SE"] == _apa(r.se)
        assert row["95% CI"] == f"[{_apa(r.ci_lower)}, {_apa(r.ci_upper)}]"
    assert paths["COMP → CUSA"]["β"] == ".162" and paths["CUSA → CUSL"]["β"] == ".504"
    r2 = {row["Construct"]: row["R²"] for row in _markdown_rows(text, "Explained variance")}
    assert r2 == {"CUSA": ".295", "CUSL": ".562"}
    quality = {row["Construct"]: row for row in _markdown_rows(
        text, "Internal consistency reliability and convergent validity (Mode A constructs)")}
    assert quality["COMP"]["ρA"] == _apa(result.constructs.set_index("construct").at["COMP",
                                                                                    "rho_a"])
    assert quality["CUSA"]["α"] == "—"
    f2 = {row["Path"]: row for row in _markdown_rows(text, "Cohen's f² (.02 small, .15 medium, "
                                                           ".35 large; Cohen 1988)")}
    assert f2["CUSA → CUSL"]["Size"] == "large" and f2["COMP → CUSL"]["Size"] == "none"
    assert "100 resamples (0 failed), seed 5" in text
    assert "replaced by the item means" in text          # the missing-data note


def test_without_bootstrap_there_are_no_intervals():
    text = render_report(build_pls_report(fit_pls(SIMPLE, "corp_rep", **BOOK)), "md")
    header = _markdown_rows(text, "Structural paths (standardized)")[0]
    assert list(header) == ["Path", "β", "VIF"]
    assert "none: no standard errors, p values or intervals" in text


def test_mode_b_report_shows_weights_and_outer_vif():
    result = fit_pls(EXTENDED, "corp_rep", **BOOK)
    text = render_report(build_pls_report(result), "md")
    outer = {row["Item"]: row for row in _markdown_rows(
        text, "Outer weights and loadings (standardized); VIF of Mode B items")}
    table = result.outer.set_index("item")
    vif = result.vif_outer.set_index("item")["vif"]
    assert outer["qual_6"]["Weight"] == _apa(table.at["qual_6", "weight"])
    assert outer["qual_6"]["VIF"] == f"{vif['qual_6']:.2f}" and outer["comp_1"]["VIF"] == "—"
    quality = {row["Construct"]: row for row in _markdown_rows(
        text, "Internal consistency reliability and convergent validity (Mode A constructs)")}
    assert quality["QUAL"]["Mode"] == "B" and quality["QUAL"]["AVE"] == "—"
    assert "Mode B composites: reliability and AVE do not apply" in text


def test_quality_checks_use_the_cited_thresholds_by_mode():
    from loyaltysem.report.pls_tables import quality_checks
    from loyaltysem.validity.thresholds import DEFAULT_THRESHOLDS

    result = fit_pls(EXTENDED, "corp_rep", **BOOK)
    checks = quality_checks(result)
    composites = ("QUAL", "PERF", "CSOR", "ATTR")
    htmt = checks[checks["Check"] == "htmt"]
    assert len(htmt) == 6 and not htmt["Target"].str.contains("|".join(composites)).any()
    outer_vif = checks[checks["Target"].str.endswith("(outer)")]
    assert len(outer_vif) == 21 and set(outer_vif["Verdict"]) == {"pass"}
    loadings = checks[checks["Check"] == "loading"]
    assert not loadings["Target"].str.contains("qual_|cusa").any() and len(loadings) == 9
    row = checks[(checks["Check"] == "htmt") & (checks["Target"] == "COMP – LIKE")].iloc[0]
    assert row["Source"] == DEFAULT_THRESHOLDS.at["htmt", "source"]
    assert row["Value"] == _apa(result.htmt.at["LIKE", "COMP"]) and row["Verdict"] == "pass"
    simple = quality_checks(fit_pls(SIMPLE, "corp_rep", **BOOK))
    assert set(simple["Verdict"]) == {"pass"}


def test_warnings_come_first_and_non_convergence_is_an_alert():
    result = fit_pls(EXTENDED, "corp_rep", max_iter=1, **BOOK)
    assert not result.converged
    for fmt in ("md", "html", "tex"):
        text = render_report(build_pls_report(result), fmt)
        alert = text.index(NOT_CONVERGED.split(":")[0])
        assert alert < text.index("Outer model") and alert < text.index("Structural model")


# ------------------------------------------------------------------ CB-SEM beside PLS-SEM
def test_both_table_holds_each_fits_estimates(both_report, fits):
    pls, cb = fits
    assert isinstance(both_report, PLSReport) and both_report.cb is not None
    text = render_report(both_report, "md")
    rows = {row["Path"]: row for row in _markdown_rows(
        text, "Structural paths: CB-SEM standardized estimates (std_all) beside PLS-SEM")}
    cb_paths = cb.paths.set_index(["rhs", "lhs"])
    assert len(rows) == len(pls.paths) == 5
    for a, b, est in zip(pls.paths["from"], pls.paths["to"], pls.paths["est"]):
        row = rows[f"{a} → {b}"]
        std_all = cb_paths.at[(a, b), "std_all"]
        assert row["CB-SEM β"] == _apa(std_all) and row["PLS β"] == _apa(est)
        assert row["PLS − CB-SEM"] == _apa(est - std_all)
    assert rows["COMP → CUSA"]["CB-SEM β"] == "-.016" and rows["COMP → CUSA"]["PLS β"] == ".162"
    assert rows["COMP → CUSA"]["PLS p"] != "—"       # bootstrapped
    loadings = {row["Item"]: row for row in _markdown_rows(
        text, "Loadings: CB-SEM standardized loadings beside PLS-SEM outer loadings")}
    cb_loadings = cb.loadings.set_index("rhs")["std_all"]
    assert loadings["comp_2"]["CB-SEM λ"] == _apa(cb_loadings["comp_2"])
    assert loadings["comp_2"]["PLS loading"] == _apa(pls.outer.set_index("item").at["comp_2",
                                                                                   "loading"])
    r2 = {row["Construct"]: row for row in _markdown_rows(text, "R² by both methods")}
    assert r2["CUSL"]["CB-SEM R²"] == _apa(cb.r2["CUSL"]) and r2["CUSL"]["PLS R²"] == ".562"


def test_both_explains_why_the_estimates_differ(both_report, fits):
    _, cb = fits
    text = render_report(both_report, "md")
    note = next(line for line in text.splitlines() if line.startswith("Why the estimates differ"))
    assert "common factor" in note and "composite" in note
    assert "COMP → CUSA -.016 vs .162" in note              # the sign that flips
    r = cb.latent_cor.at["COMP", "LIKE"]
    assert f"COMP and LIKE: {_apa(r)} as factors" in note
    assert f"CB-SEM used {cb.nobs} rows (listwise deletion), PLS-SEM 344 (mean replacement)" \
        in note
    assert "Consistent PLS" in note
    assert "CB-SEM: listwise deletion: 8 of 344 rows dropped" in text.split("## Model")[0]


def test_both_shows_pls_only_when_cb_sem_refuses_the_spec(tmp_path):
    out = tmp_path / "extended.html"
    run = run_report(EXTENDED, out, "--method", "both", "--missing", "mean", "--bootstrap", "0")
    assert run.exit_code == 0, run.output
    text = out.read_text()
    section = text.split(f"<h2>{COMPARISON_SECTION}</h2>", 1)[1].split("</section>", 1)[0]
    assert "CB-SEM does not estimate this model, so only the PLS-SEM estimates are shown" \
        in section and "composites" in section
    assert "<table" not in section
    assert text.index("CB-SEM did not estimate this model") < text.index("Outer model")


def test_build_pls_report_refuses_a_cb_fit_of_another_spec(fits):
    pls, _ = fits
    other = ls.fit(ROOT / "models" / "loyalty_chain.yaml", "loyalty_chain", emit_warnings=False)
    with pytest.raises(ArgumentError, match="same spec"):
        build_pls_report(pls, cb=other)


def test_write_report_takes_a_pls_report(tmp_path, fits):
    pls, _ = fits
    path = write_report(build_pls_report(pls), tmp_path / "r.tex")
    assert path.read_text().startswith(r"\documentclass")


# ------------------------------------------------------------------ hostile text and names
#: names the naming rule allows that are markup in Markdown (emphasis) or LaTeX (subscripts)
RENAME = {"QUAL": "_Q_", "COMP": "__COMP__", "LIKE": "L_i_ke", "qual_1": "_q_1_",
          "comp_1": "__c__", "like_1": "_l_"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A PLS report (``both``) whose every free text is hostile, with markup-like names."""
    tmp_path = tmp_path_factory.mktemp("hostile_pls")
    text = EXTENDED.read_text()
    for old, new in RENAME.items():
        text = re.sub(rf"\b{old}\b", new, text)
    spec = yaml.safe_load(text)
    spec["name"] = "extended " + HOSTILE
    spec["description"] = HOSTILE + "\n# a heading?\n```\n<script>alert(4)</script>"
    for construct in spec["constructs"].values():
        construct["description"] = HOSTILE
    spec_path = tmp_path / "hostile.yaml"
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    data = pd.read_csv(ROOT / "datasets/corp_rep/corp_rep.csv").rename(columns=RENAME)
    data_path = tmp_path / "<img src=x onerror=alert(5)> $x$ \\input{y}.csv"
    data.to_csv(data_path, index=False)
    result = fit_pls(spec_path, str(data_path), **BOOK)
    result = result.with_bootstrap(bootstrap_pls(result, 30, seed=1))
    result = dataclasses.replace(result, warnings=(*result.warnings, "warning " + HOSTILE),
                                 notes=(*result.notes, "note " + HOSTILE))
    report = build_pls_report(result, cb_refused="refused " + HOSTILE, data_source=str(data_path))
    return report, data_path


def test_hostile_markdown_passes_no_html_link_or_image(hostile):
    report, _ = hostile
    text = render_report(report, "md")
    rendered = markdown_to_html(text)
    for tag in ("<script", "<img", "<a ", "<h1>a heading"):
        assert tag not in rendered, tag
    # the only emphasis is ours: table and figure numbers, titles, "Note." and the figure
    # placeholder; no name or text turned into markup
    from loyaltysem.report.blocks import figure_placeholder, numbered

    captions = {"Note."}
    for _, items in numbered(pls_report_blocks(report)):
        for kind, value in items:
            if kind in ("table", "figure"):
                captions |= {value.label, value.title}
            if kind == "figure":
                captions.add(figure_placeholder(value))
    emphasis = re.findall(r"<(?:em|strong)>(.*?)</(?:em|strong)>", rendered, flags=re.S)
    plt.close("all")
    assert emphasis and set(emphasis) <= {html.escape(c, quote=False) for c in captions}, \
        set(emphasis) - captions
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    for name in ("_Q_", "__COMP__", "_q_1_", "__c__"):
        assert name in rendered, name                   # shown literally, not as emphasis
    for table in re.findall(r"<table>.*?</table>", rendered, flags=re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        assert len({len(re.findall(r"<t[hd][ >]", row)) for row in rows}) == 1


def test_hostile_html_escapes_every_text(hostile):
    report, data = hostile
    page = render_report(report, "html")
    parsed = _Elements()
    parsed.feed(page)
    assert not {"script", "img", "a"} & set(parsed.tags)
    assert not {"onerror", "onload", "href", "src"} & set(parsed.attributes)
    shown = "".join(parsed.text)
    assert LATEX_PAYLOAD in shown and "<script>alert(1)</script>" in shown and str(data) in shown
    assert "__COMP__" in shown and "_q_1_" in shown


def test_hostile_latex_has_no_live_command(hostile):
    report, _ = hostile
    tex = render_report(report, "tex")
    assert r"\input" not in tex and _latex_problems(tex) == []
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex
    assert r"\_\_COMP\_\_" in tex and r"\_q\_1\_" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_hostile_latex_compiles_and_runs_nothing(hostile, tmp_path):
    report, _ = hostile
    (tmp_path / "canary.tex").write_text("\\typeout{CANARY-RAN}\n")
    (tmp_path / "report.tex").write_text(render_report(report, "tex"), encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "-no-shell-escape", "report.tex"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    log = (tmp_path / "report.log").read_text(errors="replace")
    assert run.returncode == 0, log[-3000:]
    assert "CANARY-RAN" not in log.replace("\\typeout{CANARY-RAN}", "")
    assert "(/etc/passwd" not in log and "(./canary.tex" not in log


def test_hypotheses_section_gives_the_bootstrap_verdicts(tmp_path):
    out = tmp_path / "report.md"
    run = run_report(SIMPLE, out, "--method", "pls", "--missing", "mean", "--bootstrap", "200")
    assert run.exit_code == 0, run.output
    text = out.read_text(encoding="utf-8")
    section = text[text.index("Hypotheses"):text.index("Reliability and validity")]
    assert "H4: COMP → CUSL" in section and "not supported" in section
    assert "H6: LIKE → CUSA → CUSL" in section
