"""Issue #10: non-convergence, Heywood cases and non-PD matrices are reported first.

In every report format the admissibility problems open the document, in a
box that says the solution is not admissible, before any table; every
summary (text, Markdown, HTML, LaTeX) shows its warnings before its tables.
"""
from __future__ import annotations

import dataclasses
import warnings

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

import loyaltysem as ls  # noqa: E402
from loyaltysem.cli import main  # noqa: E402
from loyaltysem.estimate.admissibility import Problem  # noqa: E402
from loyaltysem.exceptions import (ConvergenceWarning, HeywoodCaseWarning,  # noqa: E402
                                   NotPositiveDefiniteWarning)
from loyaltysem.report import build_report, render_report  # noqa: E402
from loyaltysem.report.document import NOT_ADMISSIBLE  # noqa: E402

from lavaan_reference import ROOT  # noqa: E402

PROBLEMS = (
    Problem(ConvergenceWarning, "the optimiser stopped after 10000 iterations"),
    Problem(HeywoodCaseWarning, "Heywood case: the standardized loading of sat_3 on SAT is 1.265"),
    Problem(NotPositiveDefiniteWarning, "the latent covariance matrix is not positive definite"),
)
#: the first table of each format
FIRST_TABLE = {"html": "<table", "md": "| ", "tex": r"\begin{longtable}"}


@pytest.fixture(scope="module")
def inadmissible():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(ROOT / "models/loyalty_chain.yaml", "loyalty_chain", emit_warnings=False)
    messages = tuple(p.message for p in PROBLEMS)
    return dataclasses.replace(result, converged=False, problems=PROBLEMS,
                               warnings=("12 of 512 rows dropped (listwise)", *messages))


@pytest.mark.parametrize("fmt", ["html", "md", "tex"])
def test_admissibility_problems_open_every_report_format(inadmissible, fmt):
    text = render_report(build_report(inadmissible, n_boot=0), fmt)
    first_table = text.index(FIRST_TABLE[fmt])
    box = text.index(NOT_ADMISSIBLE)
    assert box < text.index("Model") < first_table
    for problem in PROBLEMS:
        position = text.index(problem.message.split(":")[0].replace("_", r"\_")
                              if fmt == "tex" else problem.message.split(":")[0])
        assert box < position < first_table, problem.message
    assert text.index("12 of 512 rows dropped") < first_table
    if fmt == "html":
        assert "class='alert' role='alert'" in text
    if fmt == "md":
        assert "> **⚠ " + NOT_ADMISSIBLE in text
    if fmt == "tex":
        assert r"\fbox" in text and text.index(r"\fbox") < first_table


@pytest.mark.parametrize("fmt", ["html", "md", "tex"])
def test_an_admissible_solution_gets_no_alarm(fmt):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(ROOT / "models/loyalty_chain.yaml", "loyalty_chain", emit_warnings=False)
    assert result.admissible
    text = render_report(build_report(result, n_boot=0), fmt)
    assert NOT_ADMISSIBLE not in text and "inadmissible solution" not in text
    assert text.index("Warnings") < text.index("Model")


@pytest.mark.parametrize("method", ["as_text", "as_markdown", "as_html", "as_latex"])
def test_summary_shows_warnings_before_any_table(inadmissible, method):
    text = getattr(inadmissible.summary(), method)()
    heywood = PROBLEMS[1].message.split(":")[0]
    assert text.index(heywood) < text.index("Fit") < text.index("Structural paths")
    assert text.index("Warnings") < text.index("Model")


def test_summary_keeps_an_empty_warnings_section_at_the_end():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(ROOT / "models/loyalty_chain.yaml", "loyalty_chain", emit_warnings=False)
    summary = result.summary()
    assert summary.ordered_sections()[-1] == ("Warnings", ["none"])
    text = summary.as_text()
    assert text.index("Structural paths") < text.index("Warnings")


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_fit_output_leads_with_its_warnings(fmt):
    """corp_rep drops 8 rows: the note comes before the fit table in every format."""
    run = CliRunner().invoke(main, ["fit", str(ROOT / "models/corp_rep.yaml"), "--data",
                                    "corp_rep", "--format", fmt])
    assert run.exit_code == 0, run.output
    text = run.stdout
    assert text.index("rows dropped") < text.index("Fit") < text.index("Measurement model")


def test_fit_json_leads_with_convergence_and_warnings():
    import json

    run = CliRunner().invoke(main, ["fit", str(ROOT / "models/corp_rep.yaml"), "--data",
                                    "corp_rep", "--format", "json"])
    assert run.exit_code == 0, run.output
    keys = list(json.loads(run.stdout))
    assert keys[:2] == ["converged", "warnings"] and keys.index("warnings") < keys.index("fit")


@pytest.mark.parametrize("fmt", ["html", "md", "tex"])
def test_measurement_verdicts_of_an_inadmissible_solution_say_so(inadmissible, fmt):
    from loyaltysem.report.document import FROM_INADMISSIBLE

    text = render_report(build_report(inadmissible, n_boot=0), fmt)
    measurement = text.index("Measurement quality", text.index("Data"))
    assert text.index(FROM_INADMISSIBLE.split(" (")[0], measurement) < text.index("Model fit",
                                                                                 measurement)


def test_a_real_inadmissible_fit_opens_its_report_and_cli_outputs(tmp_path):
    """ECSI on mobi: standardized paths > 1 (Heywood), latent correlations ~.99."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(ROOT / "models/ecsi.yaml", "mobi", emit_warnings=False)
    assert not result.admissible
    heywood = next(p.message for p in result.problems if p.category is HeywoodCaseWarning)
    text = render_report(build_report(result, n_boot=0), "md")
    first = heywood.split(" ~ ")[0]  # "standardized path Value"
    assert text.index(NOT_ADMISSIBLE) < text.index(first) < text.index(FIRST_TABLE["md"])
    out = tmp_path / "ecsi.md"
    run = CliRunner().invoke(main, ["fit", str(ROOT / "models/ecsi.yaml"), "--data", "mobi",
                                    "--format", "markdown", "--out", str(out)])
    assert run.exit_code == 0, run.output
    text = out.read_text()
    assert text.index("### Warnings") < text.index("### Fit")
    assert "exceeds 1" in text[:text.index("### Fit")]


def test_any_admissibility_section_leads_a_summary():
    """The validity report's "Admissibility" section (and "Warnings") come before tables."""
    import pandas as pd

    from loyaltysem.summary import LEADING_SECTIONS, Summary

    assert {"Warnings", "Admissibility"} <= set(LEADING_SECTIONS)
    table = pd.DataFrame({"construct": ["SAT"], "cr": [0.9]})
    summary = Summary("Measurement quality", (("Reliability", table),
                                              ("Admissibility", ["Heywood case in the CFA"])))
    for text in (summary.as_text(), summary.as_markdown(), summary.as_html(), summary.as_latex()):
        assert text.index("Heywood case") < text.index("Reliability")
    quiet = Summary("t", (("Reliability", table), ("Admissibility", ["none"])))
    assert [h for h, _ in quiet.ordered_sections()] == ["Reliability", "Admissibility"]


def test_emit_warnings_false_silences_the_missing_value_warning_too():
    """#13: emit_warnings=False also holds for the rows listwise deletion drops (they stay
    in result.warnings)."""
    import warnings as _warnings

    from loyaltysem import fit, load_dataset
    from loyaltysem.exceptions import MissingValueWarning

    data = load_dataset("corp_rep")
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")
        result = fit("corp_rep", data, na_values=[-99], emit_warnings=False)
    assert not [w for w in caught if issubclass(w.category, MissingValueWarning)]
    assert any("listwise deletion" in w for w in result.warnings)


def test_hypotheses_judged_on_an_inadmissible_solution_are_starred_with_the_reason():
    """#13: ECSI on mobi (standardized paths above 1): 'supported*', and the note says why."""
    import warnings as _warnings

    from loyaltysem import fit, load_dataset
    from loyaltysem.effects import test_hypotheses

    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        result = fit("ecsi", load_dataset("mobi"))
    assert not result.admissible
    table = test_hypotheses(result)
    assert all(v.endswith("*") for v in table.table["verdict"])
    assert table.table.set_index("id").at["H1", "verdict"] == "supported*"
    assert any(n.startswith("* judged on an inadmissible solution: standardized path")
               for n in table.notes)
    admissible = test_hypotheses(fit("corp_rep", load_dataset("corp_rep"), na_values=[-99],
                                     emit_warnings=False))
    assert not any(v.endswith("*") for v in admissible.table["verdict"])
