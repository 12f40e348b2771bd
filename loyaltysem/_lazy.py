"""Public names of a package loaded on first use (PEP 562).

``loyaltysem.estimate`` and ``loyaltysem.effects`` list functions a plain
``loyaltysem fit`` never calls (the bootstrap, modification indices, score
and Wald tests, model comparison): importing their modules when the package
is imported costs every fit's start-up about 15 ms. :func:`lazy_names` makes
them attributes that import their module when first used.

A function named like its own module (``estimate.compare.compare``,
``effects.bootstrap.bootstrap``) needs more: importing the submodule makes
the import system bind it to the package under that name, after which
``from loyaltysem.estimate import compare`` would give the module. Such names
are properties of the package's module class (a documented use of
``module.__class__`` assignment), whose getter always returns the function
and whose setter ignores the binding (the submodule stays in ``sys.modules``)
— what the eager ``from .compare import compare`` gave.
"""
from __future__ import annotations

import importlib
import sys
import types
from typing import Any


def _function_property(package: str, name: str) -> property:
    def get(self: types.ModuleType) -> Any:
        return getattr(importlib.import_module(f"{package}.{name}"), name)

    def ignore(self: types.ModuleType, value: Any) -> None:
        """The import system binding the submodule ``name``: the function stays."""

    return property(get, ignore, doc=f"{package}.{name}.{name} (loaded on first use)")


def lazy_names(package: str, names: dict[str, str]) -> None:
    """Make ``names`` (public name -> the submodule of ``package`` defining it)
    attributes of the package that import their submodule on first use."""
    module = sys.modules[package]

    def __getattr__(name: str) -> Any:
        if name in names:
            value = getattr(importlib.import_module(f"{package}.{names[name]}"), name)
            module.__dict__[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(module.__dict__) | set(names))

    setattr(module, "__getattr__", __getattr__)
    setattr(module, "__dir__", __dir__)
    shadowed = {name: _function_property(package, name) for name, sub in names.items()
                if name == sub}
    if shadowed:
        module.__class__ = type("LazyPackage", (types.ModuleType,), shadowed)
