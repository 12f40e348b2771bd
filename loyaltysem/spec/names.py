"""The one naming rule for every name that can enter a model.

Constructs, items, covariates, labels, defined effects and hypothesis ids are
written into the text handed to semopy, into lavaan syntax, into reports and
into figures. They are checked here, once, when a spec or a data header is
read; everything downstream trusts them.

The rule
--------
A name is 1 to :data:`MAX_NAME_LENGTH` characters of letters (any script),
decimal digits and ``_``, and does not start with a digit. It must be in
Unicode normal form NFKC (Python reads ``ﬁ`` as ``fi``; the name must already
be the plain form). Reserved and therefore refused: Python's keywords (``:=``
expressions are arithmetic over names), lavaan's modifier words ``NA``,
``NaN``, ``Inf``, ``TRUE``, ``FALSE``, ``NULL``, and names beginning with
``_lsp`` (loyaltysem's internal parameter names).

Everything else — spaces, dots, hyphens, quotes, parentheses, line breaks —
is refused with a message that names the offending name and proposes a
rename (:func:`suggest_name`).
"""
from __future__ import annotations

import keyword
import re
import unicodedata

#: The longest name accepted (lavaan has no limit; 100 keeps tables readable).
MAX_NAME_LENGTH = 100

#: Names that lavaan or Python read as something other than a name.
RESERVED = frozenset({"NA", "NaN", "Inf", "TRUE", "FALSE", "NULL"}) | frozenset(keyword.kwlist)

#: Prefix of loyaltysem's internal parameter names in the semopy description.
INTERNAL_PREFIX = "_lsp"

RULE = ("names are letters, digits and '_', not starting with a digit "
        f"(at most {MAX_NAME_LENGTH} characters)")


def _is_name_char(char: str) -> bool:
    return char == "_" or char.isalpha() or char.isdecimal()


def name_problem(name: object) -> str | None:
    """Say what is wrong with ``name`` under the naming rule, or None if it is valid.

    Parameters
    ----------
    name : object
        The candidate; anything but a ``str`` is refused.

    Returns
    -------
    str or None
        A short reason ("starts with a digit", "contains ' '", ...).

    Examples
    --------
    >>> name_problem("sat_1") is None
    True
    >>> name_problem("sat 1")
    "contains ' '"
    """
    if not isinstance(name, str):
        return f"is a {type(name).__name__}, not text"
    if not name:
        return "is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"is longer than {MAX_NAME_LENGTH} characters"
    bad = next((char for char in name if not _is_name_char(char)), None)
    if bad is not None:
        return f"contains {bad!r}"
    if name[0].isdecimal():
        return "starts with a digit"
    if unicodedata.normalize("NFKC", name) != name:
        return f"is not in plain (NFKC) form; write {unicodedata.normalize('NFKC', name)!r}"
    if name in RESERVED:
        return "is a reserved word"
    if name.startswith(INTERNAL_PREFIX):
        return f"starts with {INTERNAL_PREFIX!r}, which loyaltysem reserves for its own names"
    return None


def is_valid_name(name: object) -> bool:
    """Return True if ``name`` follows the naming rule (see the module docstring)."""
    return name_problem(name) is None


def suggest_name(name: object) -> str:
    """Propose a valid rename of ``name``: every other character becomes ``_``.

    Examples
    --------
    >>> suggest_name("sat.1")
    'sat_1'
    >>> suggest_name("1st item")
    'v1st_item'
    """
    text = unicodedata.normalize("NFKC", str(name))
    text = re.sub(r"_+", "_", "".join(c if _is_name_char(c) else "_" for c in text)).strip("_")
    text = text[:MAX_NAME_LENGTH - 1] or "v"
    if text[0].isdecimal() or text in RESERVED:
        text = "v" + text
    return text if is_valid_name(text) else "v"


def describe_bad_name(kind: str, name: object) -> str:
    """One-line message for a name that breaks the rule, with a proposed rename.

    Parameters
    ----------
    kind : str
        What the name is ("construct", "item", "label", "column", ...).
    name : object
        The offending name.
    """
    shown = repr(name) if len(repr(name)) <= 80 else repr(name)[:77] + "...'"
    return (f"bad {kind} name {shown}: it {name_problem(name)}; {RULE}; "
            f"rename it, e.g. to {suggest_name(name)!r}")


#: The largest model accepted: statements, constructs (latent variables) and observed
#: variables. The parameter table grows with the square of the variables (exogenous
#: constructs and covariates covary), so these bound the work of reading a spec: a
#: 32 KB spec of 1,000 constructs took 66 s before it could be refused.
MAX_STATEMENTS = 10_000
MAX_LATENT_VARIABLES = 100
MAX_OBSERVED_VARIABLES = 500

#: Longest free text accepted in a spec (a description, a model name).
MAX_TEXT_LENGTH = 10_000


def text_problem(text: object, *, multiline: bool) -> str | None:
    """Say what is wrong with a piece of free text (a name or description), or None.

    Free text is never written into the semopy model; it reaches reports and
    figures, which escape it. It may not hold control characters (other than
    line breaks and tabs where ``multiline``), and a one-line text (a model
    name, a hypothesis description) may not break lines, since lavaan syntax
    carries it in a ``#`` comment.
    """
    if not isinstance(text, str):
        return f"is a {type(text).__name__}, not text"
    if len(text) > MAX_TEXT_LENGTH:
        return f"is longer than {MAX_TEXT_LENGTH} characters"
    allowed = "\n\r\t" if multiline else "\t"
    bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp")
                and c not in allowed), None)
    if bad is not None:
        return (f"contains the control character {bad!r}"
                + ("" if multiline else "; keep it on one line"))
    return None
