"""The Python examples of docs/*.md run as written (as tests/test_readme.py does for README.md)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCKS = [(path.name, index, block) for path in sorted(DOCS.glob("*.md"))
          for index, block in enumerate(re.findall(r"```python\n(.*?)```", path.read_text(),
                                                   flags=re.S))]


@pytest.mark.parametrize("name, index, block", BLOCKS, ids=[f"{n}:{i}" for n, i, _ in BLOCKS])
def test_python_blocks_of_the_docs_run(name, index, block, monkeypatch):
    monkeypatch.chdir(DOCS.parent)   # the examples name files relative to the checkout
    exec(compile(block, f"docs/{name} block {index}", "exec"), {"__name__": "__docs__"})
