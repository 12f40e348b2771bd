"""Figures (matplotlib only): path diagrams.

Functions take ``ax=None`` and return the matplotlib Figure, which the user
can restyle and save as PNG, SVG or PDF.
"""
from __future__ import annotations

from .path_diagram import path_diagram

__all__ = ["path_diagram"]
