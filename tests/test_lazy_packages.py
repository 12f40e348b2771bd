"""The lazily loaded public names of loyaltysem.estimate and loyaltysem.effects
(loyaltysem._lazy): the same objects as the eager imports gave, whatever was
imported first. Each case runs in a fresh interpreter: import order matters."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize(("package", "name"), [
    ("loyaltysem.estimate", "compare"), ("loyaltysem.estimate", "score_test"),
    ("loyaltysem.estimate", "bollen_stine"), ("loyaltysem.effects", "bootstrap"),
])
def test_a_function_named_as_its_module_stays_the_function_after_the_module_is_imported(
        package, name):
    code = (f"import {package}.{name} as first\n"  # binds the submodule to the package
            f"from {package} import {name}\n"
            f"import {package} as p\n"
            f"import sys\n"
            f"print(callable({name}), {name}.__module__, getattr(p, {name!r}) is {name}, "
            f"sys.modules['{package}.{name}'].{name} is {name})")
    assert run(code) == f"True {package}.{name} True True"


def test_the_names_load_on_first_use_and_are_the_definitions():
    code = ("import sys, loyaltysem.estimate as e, loyaltysem.effects as f\n"
            "print('loyaltysem.estimate.compare' in sys.modules, "
            "'loyaltysem.effects.bootstrap' in sys.modules)\n"
            "from loyaltysem.estimate.modindices import modification_indices\n"
            "from loyaltysem.effects.hypotheses import HypothesisTable\n"
            "print(e.modification_indices is modification_indices, "
            "f.HypothesisTable is HypothesisTable, sorted(set(e.__all__) - set(dir(e))), "
            "sorted(set(f.__all__) - set(dir(f))))\n"
            "from loyaltysem.effects import *\n"
            "print(BootstrapResult.__module__, test_hypotheses.__module__)\n"
            "import loyaltysem as ls\n"
            "print(ls.compare.__module__, ls.wald_test.__module__)")
    assert run(code).splitlines() == [
        "False False", "True True [] []",
        "loyaltysem.effects.bootstrap loyaltysem.effects.hypotheses",
        "loyaltysem.estimate.compare loyaltysem.estimate.score_test"]


def test_an_unknown_name_is_an_attribute_error():
    import loyaltysem.effects
    import loyaltysem.estimate

    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        loyaltysem.estimate.no_such_name  # noqa: B018
    with pytest.raises(ImportError):
        from loyaltysem.effects import no_such_name  # noqa: F401
