"""Issue #13, "output a researcher pastes": numbered APA tables with notes, one number format,
R² and residual variances, HTMT with its intervals, readable verdicts, group names from the
value labels, the diagram in every format, model code that does not overflow."""
from __future__ import annotations

import re
import shutil
import subprocess
import warnings

import matplotlib

matplotlib.use("Agg")

import docx  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import loyaltysem as ls  # noqa: E402
from loyaltysem.apa import apa_number  # noqa: E402
from loyaltysem.report import build_report, make_report, render_report, write_report  # noqa: E402
from loyaltysem.report.blocks import ReportTable, numbered  # noqa: E402
from loyaltysem.report.document import report_blocks  # noqa: E402
from loyaltysem.validity.thresholds import CHECK_LABELS, check_sentence, readable_checks  # noqa: E402

from lavaan_reference import ROOT  # noqa: E402

N_BOOT = 30
#: columns (and fit-table rows) that hold statistics bounded by 1: no leading zero (APA 7)
BOUNDED_COLUMNS = {"β", "α", "ρc", "ω", "AVE", "R²", "Std. residual variance", "SEPC (std.all)",
                   "p", "CFI", "RMSEA", "ΔCFI", "ΔRMSEA"}
BOUNDED_FIT_ROWS = {"CFI", "TLI", "RMSEA", "SRMR"}
#: columns of unbounded statistics: a leading zero
UNBOUNDED_COLUMNS = {"B", "SE", "z", "MI", "EPC", "χ²"}
LEADING_ZERO = re.compile(r"(?<![\d.])-?0\.\d")
NO_LEADING_ZERO = re.compile(r"(?<![\d.])-?\.\d")


def _fit(model: str, data: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ls.fit(ROOT / "models" / model, data, emit_warnings=False)


@pytest.fixture(scope="module")
def corp_rep():
    return build_report(_fit("corp_rep.yaml", "corp_rep"), n_boot=N_BOOT, seed=1)


@pytest.fixture(scope="module")
def ecsi():
    return build_report(_fit("ecsi.yaml", "mobi"), n_boot=N_BOOT, seed=1)


def _tables(report) -> list[ReportTable]:
    import matplotlib.pyplot as plt

    tables = [value for _, items in numbered(report_blocks(report)) for kind, value in items
              if kind == "table"]
    plt.close("all")
    return tables


def _table(report, title: str) -> pd.DataFrame:
    return next(t.frame for t in _tables(report) if t.title == title)


def test_every_table_is_numbered_titled_and_has_a_note(corp_rep):
    tables = _tables(corp_rep)
    assert [t.label for t in tables] == [f"Table {i}" for i in range(1, len(tables) + 1)]
    assert tables[0].title == "Constructs of the model"        # a note, but no statistics
    for table in tables[1:]:
        assert table.title and table.note.startswith("N = 336 of 344 rows; missing data: "
                                                     "listwise deletion (8 rows dropped)")
        assert "Estimator: maximum likelihood (ML)" in table.note
    notes = {t.title: t.note for t in tables}
    assert "95% CIs: Wald" in notes["Structural paths"]
    assert "delta method" in notes["Direct, indirect and total effects"]
    assert "delta method" in notes["Hypothesis tests"]
    assert (f"95% percentile bootstrap CIs in brackets (B = {N_BOOT} resamples, seed = 1)"
            in notes["Discriminant validity: HTMT"])


@pytest.mark.parametrize("fmt, label, note, figures", [
    ("md", r"^\*\*Table (\d+)\*\*$", "*Note.* N = 336", 0),
    ("html", r"<strong>Table (\d+)</strong>", "<em>Note.</em> N = 336", 1),
    ("tex", r"\\textbf\{Table (\d+)\}", r"\textit{Note.} N = 336", 0),
])
def test_tables_are_numbered_in_order_in_every_format(corp_rep, fmt, label, note, figures):
    """Every table but the constructs' has a note; so has the figure where it is drawn (.md
    and .tex draw it beside the file that write_report writes)."""
    text = render_report(corp_rep, fmt)
    numbers = [int(n) for n in re.findall(label, text, flags=re.M)]
    assert numbers == list(range(1, len(_tables(corp_rep)) + 1))
    assert text.count(note) == len(numbers) - 1 + figures


def test_a_word_report_has_the_numbers_titles_and_notes(tmp_path):
    out = tmp_path / "r.docx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_report(make_report(ROOT / "models/corp_rep.yaml", "corp_rep", n_boot=0), out)
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    labels = [p for p in paragraphs if re.fullmatch(r"Table \d+", p)]
    assert labels == [f"Table {i}" for i in range(1, len(labels) + 1)] and len(labels) >= 10
    notes = [p for p in paragraphs if p.startswith("Note. N = 336")]
    assert len(notes) == len(labels)             # every table but the constructs, the figure
    assert any("No bootstrap was run (--bootstrap 0): no CIs" in p for p in notes)
    assert paragraphs[paragraphs.index("Table 1") + 1] == "Constructs of the model"
    from docx.oxml.ns import qn

    for table in docx.Document(str(out)).tables:     # APA rules: top, under the head, bottom
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        values = {child.tag.split("}")[1]: child.get(qn("w:val")) for child in borders}
        assert values == {"top": "single", "bottom": "single", "left": "nil", "right": "nil",
                          "insideH": "nil", "insideV": "nil"}
        head = table.rows[0].cells[0]._tc.tcPr.find(qn("w:tcBorders"))
        assert head.find(qn("w:bottom")).get(qn("w:val")) == "single"


@pytest.mark.parametrize("which", ["corp_rep", "ecsi"])
def test_one_number_format_in_every_table(request, which):
    """APA 7: no leading zero for statistics bounded by 1, a leading zero for the others; one
    arrow symbol."""
    report = request.getfixturevalue(which)
    for table in _tables(report):
        frame = table.frame
        for column in frame.columns:
            for cell in frame[column].astype(str):
                assert "->" not in cell, (table.title, cell)
                if column in BOUNDED_COLUMNS or table.title.startswith("Discriminant validity"):
                    assert not LEADING_ZERO.search(cell), (table.title, column, cell)
                if column in UNBOUNDED_COLUMNS or column.startswith("B ("):
                    assert not NO_LEADING_ZERO.search(cell), (table.title, column, cell)
        if table.title == "Fit statistics":
            for row in frame.itertuples(index=False):
                if row.Statistic in BOUNDED_FIT_ROWS:
                    assert not LEADING_ZERO.search(row.Value), row


def test_fixed_parameters_are_blank(corp_rep):
    loadings = _table(corp_rep, "Factor loadings").set_index("Path")
    assert loadings.loc["COMP → comp_1", ["SE", "z", "p", "95% CI"]].tolist() == ["—"] * 4
    assert loadings.at["COMP → comp_2", "SE"] == "0.09"


def test_r2_and_residual_variances(corp_rep):
    result = corp_rep.result
    r2 = _table(corp_rep, "Explained variance (R²)").set_index("Outcome")
    assert list(r2.index) == ["CUSA", "CUSL"]
    assert r2.at["CUSL", "R²"] == apa_number(result.r2["CUSL"], bounded=True) == ".68"
    assert r2.at["CUSL", "Predictors"] == "COMP, LIKE, CUSA"
    residuals = _table(corp_rep, "Residual variances").set_index("Variable")
    assert residuals.at["CUSL", "Kind"] == "construct (disturbance)"
    for item in ("comp_1", "cusl_2"):
        assert residuals.at[item, "Std. residual variance"] == apa_number(
            1 - result.r2[item], bounded=True)
    assert residuals.at["cusa", "SE"] == "—"           # fixed to 0 in the spec


def test_htmt_is_a_lower_triangle_with_intervals(corp_rep):
    matrix = _table(corp_rep, "Discriminant validity: HTMT").set_index("Construct")
    assert list(matrix.columns) == ["1", "2", "3"]
    cell = matrix.at["2. LIKE", "1"]
    assert re.fullmatch(r"\.\d\d \[\.\d\d, \.\d\d\]", cell), cell
    validity = corp_rep.validity
    assert cell.startswith(apa_number(validity.htmt.at["LIKE", "COMP"], bounded=True) + " [")
    assert matrix.at["1. COMP", "1"] == "—" and matrix.at["1. COMP", "2"] == ""
    assert matrix.at["3. CUSA", "1"] == "—"               # single item: undefined
    without = build_report(corp_rep.result, n_boot=0)
    plain = _table(without, "Discriminant validity: HTMT").set_index("Construct")
    assert re.fullmatch(r"\.\d\d", plain.at["2. LIKE", "1"])


def test_a_check_reads_as_a_sentence():
    row = {"check": "htmt_ci_upper", "target": "Image - Quality", "value": 1.006,
           "threshold": "< 1", "verdict": "fail", "source": "Henseler"}
    assert check_sentence(row) == ("HTMT upper 95% bound, Image–Quality: 1.006 ≥ 1 (Henseler et "
                                   "al., 2015): discriminant validity not established")
    row = {"check": "alpha", "target": "COMP", "value": 0.776, "threshold": ">= 0.7",
           "verdict": "pass", "source": ""}
    assert check_sentence(row) == ("Cronbach's α, COMP: .776 ≥ .70 (Nunnally & Bernstein, "
                                   "1994): reliable")


def test_every_check_key_has_a_readable_name():
    from loyaltysem.validity.thresholds import DEFAULT_THRESHOLDS

    assert set(DEFAULT_THRESHOLDS.index) <= set(CHECK_LABELS)


def test_report_verdicts_are_readable_and_grouped_per_criterion(ecsi):
    table = _table(ecsi, "Measurement checks not passed")
    text = table.to_string()
    for key in CHECK_LABELS:
        assert f" {key} " not in f" {text} ", key
    assert "(fail)" not in text and not set(table["Verdict"]) & {"fail", "warn", "pass"}
    named = [c for c in table["Criterion"] if c]
    assert len(named) == len(set(named))                  # each criterion named once
    assert named[0] == "Cronbach's α" and "HTMT upper 95% bound" in named
    assert len(table) < 30                               # not ~50 bullets
    upper = table[table["Target"] == "Quality–Satisfaction"]
    assert "discriminant validity not established" in set(upper["Verdict"])
    markdown = render_report(ecsi, "md")
    assert "htmt_ci_upper" not in markdown and "fornell_larcker" not in markdown


def test_the_two_latent_correlations_are_explained(ecsi):
    note = next(t.note for t in _tables(ecsi) if t.title == "Measurement checks not passed")
    assert "Fornell–Larcker compares √AVE with the latent correlations of the structural" in note
    assert re.search(r"differ most for \w+–\w+: \.\d{3} in the structural model, \.\d{3} in "
                     r"the CFA", note)


def test_readable_checks_keep_the_values_of_the_raw_checks(ecsi):
    checks = ecsi.validity.checks
    table = readable_checks(checks)
    assert len(table) == len(checks)
    row = checks[checks["check"] == "vif"].iloc[0]
    shown = table[table["Target"] == row["target"].replace(" -> ", " → ")].iloc[0]
    assert shown["Value"] == apa_number(row["value"], 3) and shown["Threshold"] == "< 3.30"


@pytest.fixture(scope="module")
def labelled_sav(tmp_path_factory):
    """Holzinger–Swineford as an SPSS file whose school codes carry value labels."""
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = ls.load_dataset("holzinger_swineford")
    frame = frame[[f"x{i}" for i in range(1, 10)] + ["school"]].assign(
        school=frame["school"].map({"Pasteur": 1.0, "Grant-White": 2.0}))
    path = tmp_path_factory.mktemp("sav") / "hs.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={
        "school": {1.0: "Pasteur school", 2.0: "Grant-White (GW)"}})
    return path


def test_groups_are_named_by_the_value_labels(labelled_sav):
    from loyaltysem.groups import invariance_ladder

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ladder = invariance_ladder(ls.load_spec("hs_cfa"), str(labelled_sav), "school",
                                   steps=["configural", "metric"])
    fit = next(iter(ladder.fits.values()))
    assert dict(fit.nobs) == {"1": 156, "2": 145}   # the codes stay the keys
    assert fit.group_names == {"1": "Pasteur school", "2": "Grant-White (GW)"}


def test_a_report_names_the_groups_by_their_labels(labelled_sav, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = make_report("hs_cfa", str(labelled_sav), group="school", n_boot=0)
    text = render_report(report, "md")
    assert "Pasteur school (N = 156)" in text and r"Grant-White (GW) (n = 145)" in text
    assert "1 (N = " not in text and "2 (N = " not in text


def test_labels_that_would_merge_two_groups_keep_the_codes():
    from loyaltysem.data.checks import group_labels, group_names

    column = pd.Series([1, 2, 1], name="g")
    column.attrs["value_labels"] = {"g": {1: "same", 2: "same"}}
    assert group_labels(column, "g").tolist() == ["1", "2", "1"]
    assert group_names(column, "g") == {}
    column.attrs["value_labels"] = {"g": {1: "<b>one</b>", 2: "two"}}
    assert group_labels(column, "g").tolist() == ["1", "2", "1"]
    assert group_names(column, "g") == {"1": "<b>one</b>", "2": "two"}  # escaped by writers


def test_markdown_and_latex_reports_link_the_diagram_beside_them(corp_rep, tmp_path):
    markdown = write_report(corp_rep, tmp_path / "my report $(x).md")
    text = markdown.read_text()
    link = re.search(r"!\[Figure 1\]\(([^)]+)\)", text).group(1)
    assert link == "my-report-x-figure1.png" and (tmp_path / link).read_bytes()[:4] == b"\x89PNG"
    tex = write_report(corp_rep, tmp_path / "paper.tex").read_text()
    assert r"\includegraphics[width=\linewidth,height=0.8\textheight,keepaspectratio]" \
           r"{paper-figure1.pdf}" in tex
    assert (tmp_path / "paper-figure1.pdf").read_bytes()[:4] == b"%PDF"
    assert "Figure 1" in render_report(corp_rep, "md")   # without a file: named, not drawn


def test_the_model_code_wraps(corp_rep):
    page = render_report(corp_rep, "html")
    assert re.search(r"pre \{[^}]*white-space: pre-wrap", page)
    tex = render_report(corp_rep, "tex")
    code = tex[tex.index(r"\begin{flushleft}\ttfamily"):tex.index(r"\end{flushleft}")]
    assert r"\hangindent=2em" in code and r"\\" not in code   # paragraphs that wrap, no \\


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_the_latex_report_compiles_without_overfull_lines(tmp_path, ecsi):
    out = write_report(ecsi, tmp_path / "ecsi.tex")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "-no-shell-escape", out.name], cwd=tmp_path, capture_output=True,
                         text=True, timeout=180)
    log = out.with_suffix(".log").read_text(errors="replace")
    assert run.returncode == 0, log[-3000:]
    too_wide = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide", log)]
    assert all(w < 2 for w in too_wide), too_wide
    assert "paper-figure1.pdf" not in log and "ecsi-figure1.pdf" in log


def test_validate_prints_readable_checks_in_one_number_format():
    from click.testing import CliRunner

    from loyaltysem.cli import main

    run = CliRunner().invoke(main, ["validate", str(ROOT / "models/corp_rep.yaml"), "--data",
                                    "corp_rep", "--bootstrap", "0", "--no-method-factor",
                                    "--format", "markdown"])
    assert run.exit_code == 0, run.output
    checks = run.stdout[run.stdout.index("## Checks"):]
    rows = [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
            for line in checks.splitlines()
            if line.startswith("| ")][2:]
    by_name = {label.criterion: label for label in CHECK_LABELS.values()}
    criterion = None
    for row in rows:
        criterion = row[0].replace("\\", "") or criterion
        value = row[2]
        if by_name[criterion].bounded:
            assert not LEADING_ZERO.search(value), row
        else:
            assert not NO_LEADING_ZERO.search(value), row
    assert len(rows) > 20 and "=~" not in checks and "Standardized loading" in checks


def test_codebook_labels_given_to_read_table_name_the_groups():
    from loyaltysem.data.survey import read_table
    from loyaltysem.groups import invariance_ladder

    frame = ls.load_dataset("holzinger_swineford").assign(
        school=lambda f: f["school"].map({"Pasteur": 1, "Grant-White": 2}))
    labelled = read_table(frame, value_labels={"school": {1: "Pasteur", 2: "Grant-White"}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ladder = invariance_ladder(ls.load_spec("hs_cfa"), labelled, "school",
                                   steps=["configural"])
    fit = next(iter(ladder.fits.values()))
    assert list(fit.nobs.index) == ["1", "2"]
    assert [fit.group_title(g) for g in fit.groups] == ["Pasteur", "Grant-White"]


def test_the_pls_report_prints_readable_verdicts(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = make_report("ecsi", "mobi", method="pls", n_boot=0)
    text = render_report(report, "md")
    checks = text[text.index("Checks not passed"):]
    checks = checks[:checks.index("## ")]
    assert "Standardized loading" in checks and "weak indicator" in checks
    assert not re.search(r"\| (fail|warn|loading|htmt) \|", checks) and ">=" not in checks


def test_the_pls_report_has_the_model_fit_table():
    """SRMR (APA: bounded, no leading zero), d_ULS and d_G of both models, cSEM's
    conventions (values: tests/test_pls_model_fit.py); with the test, its HI95/HI99."""
    from loyaltysem.pls import exact_fit_test
    from loyaltysem.report.pls_tables import model_fit_table

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = make_report("ecsi", "mobi", method="pls", n_boot=0)
    text = render_report(report, "md")
    assert "| Measure | Saturated | Estimated |" in text
    fit = report.result.model_fit.set_index("measure")
    assert f"| SRMR | {fit.loc['srmr', 'saturated']:.3f}".replace("0.", ".", 1) in text
    assert f"| d_ULS | {fit.loc['d_uls', 'saturated']:.3f}" in text
    tested = report.result.with_exact_fit(exact_fit_test(report.result, 20, seed=1))
    assert list(model_fit_table(tested).columns) == [
        "Measure", "Saturated", "Saturated HI95", "Saturated HI99", "Estimated",
        "Estimated HI95", "Estimated HI99"]


def test_every_pls_table_is_numbered_with_a_note():
    import matplotlib.pyplot as plt

    from loyaltysem.report.pls_document import pls_report_blocks

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = make_report("corp_rep", "corp_rep", method="pls", na_values=[-99],
                             missing="mean", n_boot=20)
    tables = [v for _, items in numbered(pls_report_blocks(report)) for k, v in items
              if k == "table"]
    plt.close("all")
    assert [t.label for t in tables] == [f"Table {i}" for i in range(1, len(tables) + 1)]
    assert all(t.note.startswith("N = 344 of 344 rows; missing data: mean replacement. "
                                 "Method: PLS, path weighting scheme; 95% percentile bootstrap "
                                 "CIs (B = 20 resamples, seed = 1)") for t in tables)


def test_a_figure_file_never_overwrites_an_input(tmp_path):
    """The figure beside a .md report is checked as --out is: a link to the spec is refused."""
    from click.testing import CliRunner

    from loyaltysem.cli import main

    spec = tmp_path / "model.yaml"
    spec.write_text((ROOT / "models/corp_rep.yaml").read_text())
    (tmp_path / "r-figure1.png").symlink_to(spec)
    run = CliRunner().invoke(main, ["report", str(spec), "--data", "corp_rep", "--out",
                                    str(tmp_path / "r.md"), "--bootstrap", "0"])
    assert run.exit_code == 2 and "the spec file" in run.stderr, run.output
    assert spec.read_text() == (ROOT / "models/corp_rep.yaml").read_text()
