"""The shipped datasets and models: found by name in a checkout and in an installed wheel."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from click.testing import CliRunner

import loyaltysem as ls
from loyaltysem.cli import main
from loyaltysem.exceptions import SpecificationError
from loyaltysem.spec.shipped_models import list_models, model_names, shipped_model_path

ROOT = Path(__file__).resolve().parents[1]


def test_every_model_file_of_the_checkout_is_listed():
    on_disk = sorted(p.name for p in (ROOT / "models").iterdir()
                     if p.suffix in (".yaml", ".lav"))
    assert model_names() == on_disk
    assert list(list_models()["file"]) == on_disk


@pytest.mark.parametrize("name, file", [("hs_cfa", "hs_cfa.lav"), ("corp_rep", "corp_rep.yaml"),
                                        ("corp_rep.lav", "corp_rep.lav"), ("ecsi", "ecsi.yaml")])
def test_a_shipped_model_is_found_by_stem_or_file_name(name, file):
    assert shipped_model_path(name) == ROOT / "models" / file


@pytest.mark.parametrize("name", ["../models/hs_cfa.lav", "/etc/passwd", "studies",
                                  "hs_cfa.lav\x00", "*", ""])
def test_a_hostile_name_finds_no_model(name):
    assert shipped_model_path(name) is None


def test_load_spec_takes_a_shipped_name_and_a_file_in_the_folder_wins(tmp_path, monkeypatch):
    assert ls.load_spec("hs_cfa").constructs["visual"].items == ("x1", "x2", "x3")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hs_cfa").write_text("speed =~ x7 + x8 + x9")
    assert list(ls.load_spec("hs_cfa").constructs) == ["speed"]


def test_an_unknown_bare_name_lists_the_shipped_models():
    with pytest.raises(SpecificationError, match="not a shipped model; shipped models: acsi"):
        ls.load_spec("no_such_model")


def test_cli_models_lists_names_that_fit_takes():
    runner = CliRunner()
    listing = runner.invoke(main, ["models", "--format", "json"])
    assert listing.exit_code == 0
    names = [row["name"] for row in json.loads(listing.output)]
    assert "loyalty_chain" in names and "corp_rep.lav" in names
    bad = runner.invoke(main, ["fit", "no_such_model", "--data", "corp_rep"])
    assert bad.exit_code == 2 and "shipped models:" in bad.output


def test_datasets_name_their_default_model_as_a_shipped_name():
    table = ls.list_datasets()
    for model in table["default_model"]:
        assert shipped_model_path(model) is not None, model


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory) -> Path:
    """A venv with the wheel built from this checkout (dependencies from the system)."""
    work = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                            "-w", str(work / "dist"), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next((work / "dist").glob("loyaltysem-*.whl"))
    venv.create(work / "venv", system_site_packages=True, with_pip=True)
    python = work / "venv" / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps",
                              str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-2000:]
    _shadow_editable_install(python)
    return python


def _shadow_editable_install(python: Path) -> None:
    """Keep an editable install of this checkout (``pip install -e .``, as CI makes) out of
    the venv: its .pth in the system site-packages imports a finder module that maps
    ``loyaltysem`` to the checkout ahead of the venv's wheel. A module of the same name in
    the venv's site-packages (searched first) whose ``install()`` does nothing stops it."""
    import sysconfig

    venv_site = subprocess.run([str(python), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip()
    system_site = Path(sysconfig.get_paths()["purelib"])
    for finder in system_site.glob("__editable___loyaltysem*_finder.py"):
        (Path(venv_site) / finder.name).write_text(
            '"""Stands in for the editable install\'s finder (tests/test_shipped.py)."""\n'
            "def install():\n    pass\n")


def _run_installed(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "LOYALTYSEM_DATASETS")}
    return subprocess.run([str(python), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_an_installed_wheel_ships_datasets_and_models(installed_wheel, tmp_path):
    probe = _run_installed(installed_wheel, tmp_path, "-c",
                           "import json, loyaltysem as ls; "
                           "print(json.dumps([ls.__file__, len(ls.load_dataset('corp_rep')), "
                           "list(ls.list_datasets()['name']), list(ls.list_models()['name'])]))")
    assert probe.returncode == 0, probe.stderr[-2000:]
    module, rows, datasets, models = json.loads(probe.stdout)
    assert str(installed_wheel.parents[1]) in module  # the wheel, not this checkout
    assert rows == 344
    assert datasets == ls.list_datasets()["name"].tolist()
    assert models == list_models()["name"].tolist()
    cli = installed_wheel.parent / "loyaltysem"
    fitted = _run_installed(installed_wheel, tmp_path, str(cli), "fit", "hs_cfa", "--data",
                            "holzinger_swineford", "--format", "json")
    assert fitted.returncode == 0, fitted.stderr[-2000:]
    # lavaan prints 85.306 for this model (its summary rounds to three decimals)
    assert json.loads(fitted.stdout)["fit"]["chisq"] == pytest.approx(85.306, abs=5e-4)
    assert list(tmp_path.iterdir()) == []  # nothing written into the folder it ran in
