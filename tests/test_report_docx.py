"""Word reports (.docx): the same sections as the other formats, numbered tables, a figure,
warnings first, hostile text kept as text."""
from __future__ import annotations

import warnings

import docx
import pytest
from click.testing import CliRunner

from loyaltysem import load_dataset
from loyaltysem.cli import main
from loyaltysem.report import make_report, write_report
from loyaltysem.report.document import SECTIONS
from loyaltysem.report.pls_document import PLS_SECTIONS


def _headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == "Heading 1"]


@pytest.mark.parametrize("method, sections", [("cb", SECTIONS), ("pls", PLS_SECTIONS)])
def test_a_word_report_has_every_section_numbered_tables_and_the_diagram(tmp_path, method,
                                                                          sections):
    out = tmp_path / "report.docx"
    options = ["--na-values", "-99"] + (["--missing", "mean", "--bootstrap", "50"]
                                        if method == "pls" else ["--bootstrap", "50"])
    run = CliRunner().invoke(main, ["report", "corp_rep", "--data", "corp_rep", "--out",
                                    str(out), "--method", method, *options])
    assert run.exit_code == 0, run.output
    document = docx.Document(str(out))
    headings = _headings(document)
    assert headings[0] == "Warnings"
    assert [h for h in headings if h in sections] == [s for s in sections if s in headings]
    labels = [p.text for p in document.paragraphs if p.text.startswith("Table ")]
    assert labels == [f"Table {i}" for i in range(1, len(document.tables) + 1)]
    assert len(document.tables) >= 5 and len(document.inline_shapes) == 1   # the diagram
    if method == "pls":
        paths = next(t for t in document.tables if t.rows[0].cells[0].text == "Path")
        assert any("COMP" in row.cells[0].text for row in paths.rows[1:])


def test_hostile_text_is_written_as_text(tmp_path):
    spec = tmp_path / "m.yaml"
    spec.write_text('name: "<w:p>&amp; ]]>"\n'
                    "constructs:\n  COMP: {items: [comp_1, comp_2, comp_3], description: "
                    "'</w:t><w:t>x'}\n  LIKE: [like_1, like_2, like_3]\npaths: [COMP -> LIKE]\n")
    out = tmp_path / "r.docx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = make_report(spec, load_dataset("corp_rep"), na_values=[-99], n_boot=0)
    write_report(report, out)
    document = docx.Document(str(out))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert "<w:p>&amp; ]]>" in text            # the model name, as text
    assert "COMP =~ comp_1" in text
