"""Build hook: copy the shipped datasets/ and models/ into the wheel.

The repository keeps them at the top level; a wheel carries them as package
data under ``loyaltysem/_shipped/`` (found by :mod:`loyaltysem.shipped`).
An editable install reads them from the checkout, so nothing is copied then.
All metadata lives in pyproject.toml.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("datasets", "models")
IGNORED = shutil.ignore_patterns("results", "__pycache__", "*.pyc", "*.sqlite*", "*.lock")


class BuildPyWithShipped(build_py):
    """``build_py`` that also copies datasets/ and models/ into loyaltysem/_shipped/."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "loyaltysem" / "_shipped"
        for folder in SHIPPED:
            destination = target / folder
            if destination.exists():
                shutil.rmtree(destination)
            shutil.copytree(root / folder, destination, ignore=IGNORED)


setup(cmdclass={"build_py": BuildPyWithShipped})
