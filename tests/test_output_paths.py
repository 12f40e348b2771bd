"""Issue #10, points 6 and 8: ``--out`` is checked before any work, never overwrites an input.

Every refusal is exit status 2 with one line on stderr that names the file
and the fix, never a traceback.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from loyaltysem.cli import main
from loyaltysem.exceptions import OutputError
from loyaltysem.output import check_output_path, same_file, write_text_file

from lavaan_reference import ROOT

SPEC = ROOT / "models/loyalty_chain.yaml"
CSV = ROOT / "datasets/loyalty_chain/loyalty_chain.csv"


def _refused(args: list[str], *needles: str) -> str:
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 2, (args, run.output)
    message = run.stderr.strip()
    assert "Traceback" not in run.output and len(message.splitlines()) == 1, message
    assert message.startswith("error: "), message
    for needle in needles:
        assert needle in message, (needle, message)
    return message


@pytest.fixture
def inputs(tmp_path):
    """A copy of the spec and of the data, so that a failed refusal cannot damage the repo."""
    spec, data = tmp_path / "model.yaml", tmp_path / "survey.csv"
    shutil.copy(SPEC, spec)
    shutil.copy(CSV, data)
    return spec, data


def test_report_into_a_missing_folder_is_one_line(tmp_path, inputs):
    spec, data = inputs
    out = tmp_path / "no" / "such" / "folder" / "r.html"
    _refused(["report", str(spec), "--data", str(data), "--out", str(out)],
             "does not exist", "create it first")
    assert not out.parent.exists()


@pytest.mark.parametrize("name", ["r.doc", "r.pdf", "r", "r.HTML.bak"])
def test_report_refuses_an_unknown_extension(tmp_path, inputs, name):
    spec, data = inputs
    out = tmp_path / name
    message = _refused(["report", str(spec), "--data", str(data), "--out", str(out)],
                       ".html", ".md", ".tex", "--format")
    assert name in message
    assert not out.exists()


@pytest.mark.parametrize("command", ["fit", "validate", "report"])
def test_out_refuses_to_overwrite_the_spec(inputs, command):
    spec, data = inputs
    before = spec.read_bytes()
    extra = ["--format", "html"] if command == "report" else []
    extra += ["--bootstrap", "0"] if command in ("validate", "report") else []
    _refused([command, str(spec), "--data", str(data), "--out", str(spec), *extra],
             "the spec file", "choose another --out")
    assert spec.read_bytes() == before


@pytest.mark.parametrize("command", ["fit", "validate", "report"])
def test_out_refuses_to_overwrite_the_data(inputs, command):
    spec, data = inputs
    before = data.read_bytes()
    extra = ["--format", "md"] if command == "report" else []
    extra += ["--bootstrap", "0"] if command in ("validate", "report") else []
    _refused([command, str(spec), "--data", str(data), "--out", str(data), *extra],
             "the data file")
    assert data.read_bytes() == before


def test_out_sees_through_relative_paths_symlinks_and_hard_links(tmp_path, inputs, monkeypatch):
    spec, data = inputs
    monkeypatch.chdir(tmp_path)
    os.symlink(spec, tmp_path / "link.yaml")
    os.link(data, tmp_path / "hard.csv")
    (tmp_path / "sub").mkdir()
    for out, what in ((Path("sub/../model.yaml"), "the spec file"),
                      (tmp_path / "link.yaml", "the spec file"),
                      (tmp_path / "hard.csv", "the data file")):
        _refused(["fit", "model.yaml", "--data", "survey.csv", "--out", str(out)], what)
    assert same_file(tmp_path / "hard.csv", data) and not same_file(spec, data)


def test_out_onto_a_directory_or_under_a_file(tmp_path, inputs):
    spec, data = inputs
    _refused(["fit", str(spec), "--data", str(data), "--out", str(tmp_path)], "directory")
    _refused(["fit", str(spec), "--data", str(data), "--out", str(spec / "x.txt")],
             "is a file, not a folder")
    with pytest.raises(OutputError, match="it is a directory"):
        check_output_path(tmp_path)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_one_line(inputs):
    spec, data = inputs
    _refused(["fit", str(spec), "--data", str(data), "--out", "/dev/full"],
             "/dev/full", "No space left on device")


def test_permission_denied_is_one_line(tmp_path, inputs, monkeypatch):
    """Running as root ignores file modes: the refusal of the system is simulated."""
    spec, data = inputs

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_text", denied)
    monkeypatch.setattr(Path, "write_bytes", denied)
    _refused(["fit", str(spec), "--data", str(data), "--out", str(tmp_path / "out.txt")],
             "Permission denied", "out.txt")
    with pytest.raises(OutputError, match="Permission denied"):
        write_text_file(tmp_path / "x.md", "text")


def test_report_writes_the_format_asked_for(tmp_path, inputs):
    spec, data = inputs
    out = tmp_path / "report.txt"
    run = CliRunner().invoke(main, ["report", str(spec), "--data", str(data), "--out", str(out),
                                    "--format", "md", "--bootstrap", "0"])
    assert run.exit_code == 0, run.output
    assert out.read_text().startswith("# loyaltysem report: loyalty_chain")


def test_write_report_refuses_an_unknown_suffix_before_rendering(tmp_path):
    from loyaltysem.report import write_report
    from loyaltysem.report.document import report_format

    with pytest.raises(OutputError, match=r"'\.odt'.*\.html, \.htm, \.md, \.markdown, \.tex, "
                                          r"\.docx"):
        write_report(None, tmp_path / "r.odt")  # type: ignore[arg-type]
    assert not (tmp_path / "r.odt").exists()
    assert report_format("r.TEX") == "tex" and report_format("r.docx", "html") == "html"
    assert report_format("r.DOCX") == "docx"
    with pytest.raises(OutputError, match="use one of html, md, tex, docx"):
        report_format("r.html", "odt")


def test_out_is_refused_before_the_work(inputs, monkeypatch):
    """A bad --out is reported before the model is fitted (not after minutes of bootstrap)."""
    import loyaltysem.estimate

    spec, data = inputs

    def fail(*args, **kwargs):
        raise AssertionError("fit ran before --out was checked")

    monkeypatch.setattr(loyaltysem.estimate, "fit", fail)
    for command in ("fit", "validate", "report"):
        out = str(spec) if command != "report" else str(spec.with_suffix(".odt"))
        _refused([command, str(spec), "--data", str(data), "--out", out])


def test_a_name_too_long_is_one_short_line(tmp_path, inputs):
    spec, data = inputs
    message = _refused(["fit", str(spec), "--data", str(data), "--out",
                        str(tmp_path / ("a" * 300 + ".txt"))], "File name too long")
    assert len(message) < 250
