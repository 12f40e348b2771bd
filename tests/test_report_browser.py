"""The HTML report in a real headless Chromium: every section renders.

.ci/run installs Debian's chromium and sets LOYALTYSEM_REQUIRE_CHROMIUM=1, so
in CI a missing browser fails this test instead of skipping it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import warnings

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import loyaltysem as ls  # noqa: E402
from loyaltysem.report import build_report, write_report  # noqa: E402
from loyaltysem.report.document import SECTIONS  # noqa: E402

from lavaan_reference import ROOT  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def _require_browser():
    if CHROMIUM is None:
        if os.environ.get("LOYALTYSEM_REQUIRE_CHROMIUM"):
            pytest.fail("chromium is required here (LOYALTYSEM_REQUIRE_CHROMIUM) but not installed")
        pytest.skip("chromium not installed (Debian package 'chromium')")


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(ROOT / "models/loyalty_chain.yaml", "loyalty_chain")
    return write_report(build_report(result, n_boot=50), tmp_path_factory.mktemp("r") / "report.html")


def test_every_section_renders_in_chromium(report_file, tmp_path):
    _require_browser()
    profile = tmp_path / "profile"
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                          report_file.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for section in SECTIONS:
        assert f">{section}</h2>" in dom.stdout, section
    assert "<svg" in dom.stdout
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}",
                    "--window-size=1200,2400", report_file.as_uri()],
                   capture_output=True, text=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 20_000


def test_the_pls_report_beside_cb_sem_renders_in_chromium(tmp_path):
    """``method="both"``: every PLS-SEM section, the comparison and the diagram render."""
    from loyaltysem.report import make_report
    from loyaltysem.report.pls_document import COMPARISON_SECTION, PLS_SECTIONS

    _require_browser()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = make_report(ROOT / "models/corp_rep.yaml", "corp_rep", method="both",
                             na_values=[-99], missing="mean", n_boot=50)
    path = write_report(report, tmp_path / "both.html")
    dom = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                          "--dump-dom", path.as_uri()], capture_output=True, text=True,
                         timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for section in (*PLS_SECTIONS, COMPARISON_SECTION):
        assert f">{section}</h2>" in dom.stdout, section
    assert "<svg" in dom.stdout and "Why the estimates differ" in dom.stdout
