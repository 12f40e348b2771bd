"""Where the shipped datasets and models live, in a checkout and in an installed wheel.

A source checkout (or an editable install) keeps them at the top of the
repository (``datasets/``, ``models/``). A built wheel carries copies of both
folders as package data under ``loyaltysem/_shipped/`` (``setup.py`` copies
them at build time), found here through :mod:`importlib.resources`.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

Kind = Literal["datasets", "models"]


def shipped_dir(kind: Kind) -> Path:
    """The folder of the shipped ``datasets`` or ``models``.

    The wheel's package data first (``loyaltysem/_shipped/<kind>``), then the
    source checkout's top-level folder. The folder may not exist (a package
    built without them); callers list it as empty then.
    """
    packaged = Path(str(resources.files("loyaltysem"))) / "_shipped" / kind
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[1] / kind
