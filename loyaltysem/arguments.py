"""Checks of the arguments of public functions, run before any work.

Every check raises :class:`~loyaltysem.exceptions.ArgumentError` (a
``ValueError`` and a ``TypeError``) with one message shape, as
scikit-learn's parameter validation::

    n_boot must be an integer in [1, 100000]; got 1000000000.0

Sizes that allocate memory (resamples, Monte Carlo draws) are bounded here,
so that a huge value is refused before allocation, with the limit named.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

from .exceptions import ArgumentError

if TYPE_CHECKING:
    import numpy as np

#: The most bootstrap resamples a call may ask for (HTMT and model bootstraps).
MAX_BOOTSTRAP = 100_000
#: The most Monte Carlo draws a call may ask for (semTools' default is 20,000).
MAX_DRAWS = 1_000_000
#: The most workers a call may ask for.
MAX_JOBS = 1024
#: Seeds of numpy's generators: 0 to 2**32 - 1.
MAX_SEED = 2**32 - 1
#: The most respondents a simulated survey may have (``loyaltysem simulate --n``).
MAX_SIMULATED_ROWS = 1_000_000
#: The most points of a simulated Likert scale.
MAX_LIKERT_POINTS = 101


def shown(value: Any) -> str:
    """The value as a message shows it: its repr (shortened), and its type if not obvious."""
    if type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        value = value.item()   # np.int64(0) is shown as 0
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    if isinstance(value, (bool, int, float, str)) or value is None:
        return text
    return f"{text} ({type(value).__name__})"


def fail(name: str, expected: str, value: Any) -> ArgumentError:
    """The error ``"<name> must be <expected>; got <value>"`` (to raise)."""
    return ArgumentError(f"{name} must be {expected}; got {shown(value)}")


def check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices`` (exact, case-sensitive), else an ArgumentError."""
    if isinstance(value, str) and value in choices:
        return value
    listed = ", ".join(repr(c) for c in choices)
    expected = f"one of {listed}" if len(choices) > 2 else " or ".join(repr(c) for c in choices)
    hint = ""
    if isinstance(value, str):
        folded = [c for c in choices if c.lower() == value.lower()]
        if folded:
            hint = f" (did you mean {folded[0]!r}?)"
    raise ArgumentError(f"{name} must be {expected}; got {shown(value)}{hint}")


def check_int(name: str, value: Any, *, low: int, high: int | None = None) -> int:
    """``value`` as an int if it is an integer in ``[low, high]`` (bool and float refused)."""
    expected = f"an integer in [{low}, {high}]" if high is not None else f"an integer >= {low}"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise fail(name, expected, value)
    number = int(value)
    if number < low or (high is not None and number > high):
        raise fail(name, expected, value)
    return number


def check_seed(name: str, value: Any) -> int | None:
    """``None`` or an integer seed in ``[0, 2**32 - 1]``."""
    if value is None:
        return None
    return check_int(name, value, low=0, high=MAX_SEED)


def check_bool(name: str, value: Any) -> bool:
    """``value`` if it is ``True`` or ``False`` (numpy booleans accepted)."""
    import numpy as np

    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise fail(name, "True or False", value)


def check_probability(name: str, value: Any, what: str = "a number") -> float:
    """``value`` as a float strictly between 0 and 1 (a confidence level, an alpha)."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < float(value) < 1:
        raise fail(name, f"{what} strictly between 0 and 1", value)
    return float(value)


def check_names(name: str, value: Any, choices: Sequence[str] | None = None) -> tuple[str, ...]:
    """A sequence of strings (a single string is one name), each in ``choices`` if given."""
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable) or isinstance(value, (bytes, dict)):
        raise fail(name, "a list of strings", value)
    names = tuple(value)
    bad = [v for v in names if not isinstance(v, str)]
    if bad:
        raise fail(name, "a list of strings", bad[0])
    if choices is not None:
        unknown = [v for v in names if v not in choices]
        if unknown:
            import difflib

            close = difflib.get_close_matches(unknown[0], list(choices), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ArgumentError(f"{name} must be a list of any of "
                                + ", ".join(repr(c) for c in choices)
                                + f"; got {shown(unknown[0])}{hint}")
    return names


def check_start(value: Any, n_free: int) -> np.ndarray | None:
    """``None``, or start values as a finite float vector of ``n_free`` values."""
    import numpy as np

    if value is None:
        return None
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise fail("start", f"a vector of {n_free} finite numbers (one per free parameter)",
                   value) from None
    if array.ndim != 1 or array.size != n_free:
        raise ArgumentError(f"start must be a vector of {n_free} finite numbers (one per free "
                            f"parameter, e.g. a previous fit's theta); got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise ArgumentError(f"start must be a vector of {n_free} finite numbers; got "
                            f"{array[bad]} at position {bad}")
    return array


def check_finite_number(name: str, value: Any) -> float:
    """``value`` as a finite float."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise fail(name, "a finite number", value)
    return float(value)


__all__ = ["MAX_BOOTSTRAP", "MAX_DRAWS", "MAX_JOBS", "MAX_LIKERT_POINTS", "MAX_SEED",
           "MAX_SIMULATED_ROWS", "check_bool", "check_choice",
           "check_finite_number", "check_int", "check_names", "check_probability",
           "check_seed", "check_start", "fail", "shown"]
