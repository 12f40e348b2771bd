"""Tables, figures and the report, on every shipped model."""
from __future__ import annotations

import re
import warnings

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

import loyaltysem as ls  # noqa: E402
from loyaltysem.cli import main  # noqa: E402
from loyaltysem.plot import forest_plot, loadings_plot, residual_heatmap  # noqa: E402
from loyaltysem.report import (build_report, estimates_table, fit_table, render,  # noqa: E402
                               render_report)
from loyaltysem.report.document import SECTIONS  # noqa: E402
from loyaltysem.report.tables import apa_number, apa_p  # noqa: E402

from lavaan_reference import ROOT, SHIPPED  # noqa: E402



@pytest.fixture(scope="module", params=SHIPPED, ids=[m for m, _ in SHIPPED])
def analysis(request):
    model, data = request.param
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(ROOT / "models" / model, data, emit_warnings=False)
        return build_report(result, n_boot=20, seed=1)


def test_apa_formatting():
    assert apa_p(0.0004) == "< .001" and apa_p(0.0312) == ".031"
    assert apa_number(0.456, bounded=True) == ".46" and apa_number(-0.456, bounded=True) == "-.46"
    assert apa_number(1.456) == "1.46"


@pytest.mark.parametrize("fmt, marker", [("markdown", "| Statistic |"), ("html", "<table"),
                                         ("latex", r"\toprule")])
def test_every_table_renders_in_every_format(analysis, fmt, marker):
    table = render(fit_table(analysis.result), fmt)
    assert marker in table
    if fmt == "latex":
        assert r"\bottomrule" in table and "CFI" in table
    render(estimates_table(analysis.result, "=~"), fmt)


def test_fit_table_reports_thresholds(analysis):
    table = fit_table(analysis.result).set_index("Statistic")
    assert table.at["CFI", "Threshold"] == "≥ .95"
    cfi = analysis.result.fit_indices["cfi"]
    assert table.at["CFI", "Verdict"] == ("met" if cfi >= 0.95 else "not met")


@pytest.mark.parametrize("fmt", ["html", "md", "tex"])
def test_report_has_every_section(analysis, fmt):
    text = render_report(analysis, fmt)
    for section in SECTIONS:
        assert section in text
    if fmt == "html":
        assert "<svg" in text and not re.search(r"(src|href)=[\"']https?://", text)
        assert not re.search(r"<(link|script)[^>]+(src|href)=", text)  # no external assets


def test_figures_render(analysis):
    result = analysis.result
    for fig in (residual_heatmap(result), loadings_plot(result),
                forest_plot(analysis.effects if len(analysis.effects) else
                            result.loadings.assign(effect=result.loadings["rhs"]))):
        assert fig.axes
    import matplotlib.pyplot as plt
    plt.close("all")


def run_report(model: str, data: str, out, *options: str):
    """``loyaltysem report models/<model> --data <data> --out <out> <options>``, in-process."""
    return CliRunner().invoke(main, ["report", str(ROOT / "models" / model), "--data", data,
                                     "--out", str(out), *options])


def test_report_cli(tmp_path):
    out = tmp_path / "report.html"
    result = run_report("corp_rep.yaml", "corp_rep", out, "--bootstrap", "20")
    assert result.exit_code == 0, result.output
    assert "Hypotheses" in out.read_text()
    bad = run_report("corp_rep.yaml", "mobi", out)
    assert bad.exit_code == 2 and "no column" in bad.stderr


def test_report_with_an_invariance_section(tmp_path):
    """``--group``: the invariance ladder in the report, numbers as in the ladder itself."""
    from loyaltysem.report.document import INVARIANCE_SECTION

    out = tmp_path / "report.md"
    run = run_report("hs_cfa.lav", "holzinger_swineford", out, "--group", "school",
                     "--bootstrap", "0")
    assert run.exit_code == 0, run.output
    text = out.read_text()
    assert INVARIANCE_SECTION in text and "Grant-White (N = 145)" in text
    assert "| scalar | loadings, intercepts | 164.10 | 60 |" in text
    assert "invariance retained up to: metric" in text
    bad = run_report("hs_cfa.lav", "holzinger_swineford", out, "--group", "schol")
    assert bad.exit_code == 2 and "did you mean 'school'" in bad.stderr


def test_report_with_groups_compares_the_paths(tmp_path):
    out = tmp_path / "report.tex"
    run = run_report("corp_rep.yaml", "corp_rep", out, "--group", "servicetype",
                     "--bootstrap", "0")
    assert run.exit_code == 0, run.output
    text = out.read_text()
    assert "Structural paths across groups" in text
    assert r"$\Delta\chi^2$ ($\Delta$df)" in text and "COMP -> CUSL" in text.replace(
        r"$\rightarrow$", "->")
