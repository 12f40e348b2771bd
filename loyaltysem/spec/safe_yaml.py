"""Reading spec and study files as hostile input: bounded, text only, plain YAML.

A spec or a study config may come from anyone (a shared survey project, a
download). Before anything is parsed:

- the file must exist, be a regular file and hold at most
  :data:`MAX_FILE_BYTES`;
- it must be UTF-8 text (a byte-order mark is accepted) without NUL bytes;
- YAML is read with PyYAML's safe loader (no Python objects), refusing
  aliases (``*name``: the "billion laughs" expansion), duplicate keys, keys
  that are not plain scalars, and nesting deeper than :data:`MAX_DEPTH`.

Every violation is a :class:`~loyaltysem.exceptions.SpecificationError` that
names the file (and the line where there is one) and never quotes the file's
content beyond the offending name.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from ..exceptions import SpecificationError

#: Largest spec or study file read (bytes).
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of YAML collections accepted.
MAX_DEPTH = 20


@functools.cache
def _loader() -> Any:
    """PyYAML's safe loader without aliases, duplicate or complex keys, or deep nesting
    (a class built on first use: PyYAML is imported only when YAML is read)."""
    import yaml

    class SafeSpecLoader(yaml.SafeLoader):
        """PyYAML's safe loader without aliases, duplicate or complex keys, or deep nesting."""

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise SpecificationError(
                    "YAML aliases (*name) are not allowed: write the value out where it is used",
                    line=event.start_mark.line + 1)
            self._depth = getattr(self, "_depth", 0) + 1
            try:
                if self._depth > MAX_DEPTH:
                    event = self.peek_event()
                    raise SpecificationError(
                        f"the YAML is nested more than {MAX_DEPTH} levels deep",
                        line=event.start_mark.line + 1)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: dict[object, int] = {}
            for key_node, _ in node.value:
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):
                    raise SpecificationError("a key must be a plain name or number, not a list or "
                                             "mapping (a YAML '?' complex key)", line=line)
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    raise SpecificationError(f"a key must be a plain name, got a "
                                             f"{type(key).__name__}", line=line)
                if key in seen:
                    shown = repr(key) if len(repr(key)) <= 60 else repr(key)[:57] + "...'"
                    raise SpecificationError(
                        f"duplicate name {shown} (also at line {seen[key]}): each construct, key "
                        "and hypothesis id may appear only once", line=line)
                seen[key] = line
            return super().construct_mapping(node, deep=deep)

    return SafeSpecLoader


def read_text_file(path: str | os.PathLike[str], kind: str) -> str:
    """Read a spec or study file as bounded UTF-8 text.

    Parameters
    ----------
    path : str or path-like
    kind : str
        What the file is, for messages ("spec file", "study file").

    Raises
    ------
    SpecificationError
        Not a path, missing, not a regular file, too large, binary, or not UTF-8.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise SpecificationError(f"the {kind} must be given as a path (str or pathlib.Path), "
                                 f"got {type(path).__name__}")
    file = Path(path)
    if not file.is_file():
        raise SpecificationError(f"{kind} {str(file)!r} not found; give the path to an "
                                 "existing file")
    size = file.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SpecificationError(f"{kind} {str(file)!r} has {size:,} bytes, more than the "
                                 f"{MAX_FILE_BYTES:,} a {kind} may have (larger than the limit)")
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise SpecificationError(f"cannot read {kind} {str(file)!r}: {error.strerror}") from error
    if b"\x00" in raw:
        raise SpecificationError(f"{kind} {str(file)!r} is a binary file (it holds NUL bytes), "
                                 "not text; give a YAML or lavaan text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SpecificationError(
            f"{kind} {str(file)!r} is not UTF-8 text (byte {raw[error.start]:#04x} at position "
            f"{error.start}); save it as UTF-8") from error


def load_yaml(text: str, *, source: str | None = None) -> Any:
    """Parse YAML text under the rules of the module docstring.

    Raises
    ------
    SpecificationError
        With the file name and line, for any YAML error or forbidden construct.
    """
    import yaml

    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 (a SafeLoader)
    except SpecificationError as error:
        message = str(error).split(": ", 1)[1] if error.line is not None else str(error)
        raise SpecificationError(message, source=source, line=error.line) from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        problem = getattr(error, "problem", None) or "cannot parse it"
        raise SpecificationError(f"not valid YAML: {problem}", source=source,
                                 line=line) from error
    except RecursionError as error:
        raise SpecificationError(f"the YAML is nested too deeply (more than {MAX_DEPTH} "
                                 "levels)", source=source) from error
