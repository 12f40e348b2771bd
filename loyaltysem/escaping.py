"""Escaping of free text (names, descriptions, warnings) for each output format.

Every piece of text that comes from a spec or a data file goes through one of
these functions before it is written into a LaTeX, Markdown or HTML document:
a model's description, a dataset's path or a group value must never become
markup, a command or a link.

* :func:`latex` leaves no active character (``\\ { } $ & # ^ _ ~ %``), so no
  command, group or math can start from the text; ``^^`` (TeX's hex input) is
  disarmed with ``^``; line breaks become spaces.
* :func:`markdown` writes raw HTML (``<tag``, ``&entity;``) as entities and
  backslash-escapes the Markdown metacharacters (emphasis, links, images,
  code, table pipes, autolinks); line breaks become spaces, so text cannot
  start a block.
* :func:`markdown_fence` picks a code fence no line of the text can close.
* :func:`plain` removes control characters (terminal escape sequences).

References
----------
CommonMark Spec 0.31, §2.4 Backslash escapes (any ASCII punctuation);
GitHub Flavored Markdown, §6.9 Autolinks (extension).
"""
from __future__ import annotations

import html
import re

__all__ = ["html_text", "latex", "markdown", "markdown_fence", "plain"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\r\n\f\v\u2028\u2029\x85]+")

_LATEX_CHARS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", "[": "{[}", "]": "{]}",
    "—": "---", "–": "--",
}
#: symbols of the statistics tables, typeset as math (a run of them is one formula)
_LATEX_MATH = {
    "Δχ²": r"\Delta\chi^2", "χ²": r"\chi^2", "ρc": r"\rho_c", "R²": r"R^2", "Δ": r"\Delta",
    "χ": r"\chi", "β": r"\beta", "α": r"\alpha", "ω": r"\omega", "ρ": r"\rho",
    "λ": r"\lambda",
    "≤": r"\leq", "≥": r"\geq", "→": r"\rightarrow", "←": r"\leftarrow", "±": r"\pm",
    "²": r"^2", "√": r"\surd", "×": r"\times", "−": "-",
}
_LATEX_MATH_RUN = re.compile("(?:" + "|".join(re.escape(k) for k in sorted(
    _LATEX_MATH, key=len, reverse=True)) + ")+")
_LATEX_MATH_TOKEN = re.compile("|".join(re.escape(k) for k in sorted(
    _LATEX_MATH, key=len, reverse=True)))

_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*|~@$])")
_MARKDOWN_BLOCK_START = re.compile(r"^(\s*)(>|[#+=-](?=[\s#+=-]|$))|^(\s*\d+)([.)])(?=\s|$)")


def _one_line(text: object) -> str:
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", str(text)))


def plain(text: object) -> str:
    """Text for a terminal: control characters (ANSI escape sequences) removed.

    Line breaks and tabs are kept.
    """
    return _CONTROL.sub("", str(text))


def latex(text: object) -> str:
    """Text safe anywhere in a LaTeX document body (no command can start from it).

    Parameters
    ----------
    text : object
        Converted with ``str``.

    Returns
    -------
    str
        The text on one line, every active character written as a command
        (``\\textbackslash{}``, ``\\{``, ...); the Greek letters and relations of
        the statistics tables as inline math (``$\\chi^2$``).

    Examples
    --------
    >>> latex(r"a\\end{verbatim}\\input{/etc/passwd}")
    'a\\\\textbackslash{}end\\\\{verbatim\\\\}\\\\textbackslash{}input\\\\{/etc/passwd\\\\}'
    """
    out = []
    position = 0
    line = _one_line(text)
    for match in _LATEX_MATH_RUN.finditer(line):
        out.append(_latex_chars(line[position:match.start()]))
        symbols = "".join(_LATEX_MATH[t] for t in _LATEX_MATH_TOKEN.findall(match.group()))
        out.append(f"${symbols}$")
        position = match.end()
    out.append(_latex_chars(line[position:]))
    return "".join(out)


def _latex_chars(text: str) -> str:
    return "".join(_LATEX_CHARS.get(c, c) for c in text)


def markdown(text: object, *, line_start: bool = True) -> str:
    """Text safe in Markdown prose and in a table cell (GitHub-flavoured).

    What could become markup is escaped, and only that, so that the raw file
    stays readable: ``<`` before a letter, ``/``, ``!`` or ``?`` (raw HTML and
    autolinks) and ``&`` before an entity become entities; the characters of
    emphasis, code spans, strikethrough and table pipes are backslash-escaped,
    as is ``]`` before ``(``, ``[`` or ``:`` (no link, image or link
    definition); ``://``, ``www.`` and ``@`` are broken so no autolink forms;
    line breaks become spaces.

    Parameters
    ----------
    text : object
        Converted with ``str``.
    line_start : bool
        The text may start a line (a list item, a paragraph): a leading ``#``,
        ``>``, ``-``, ``+``, ``=`` or ``1.`` is escaped too. Not needed in a table
        cell. Leading and trailing spaces are dropped (no indented code block).

    Examples
    --------
    >>> markdown("<img src=x onerror=alert(1)> [a](b) 5 < 6")
    '&lt;img src=x onerror=alert(1)> [a\\\\](b) 5 < 6'
    """
    line = _MARKDOWN_PUNCTUATION.sub(r"\\\1", _one_line(text).strip())
    # "_" opens or closes emphasis unless it sits between two letters or digits (CommonMark
    # §6.2: intraword "_" is inert); "__x__" and "a__b_" are escaped throughout
    line = re.sub(r"(?<![^\W_])_|_(?![^\W_])", r"\\_", line)
    line = re.sub(r"\](?=[(\[:])", r"\\]", line)
    if line_start:
        line = _MARKDOWN_BLOCK_START.sub(
            lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(2) else
            f"{m.group(3)}\\{m.group(4)}", line)
    line = re.sub(r"&(?=#?\w+;)", "&amp;", line)
    line = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", line).replace("://", "\\://")
    return re.sub(r"(?i)\b(www)\.", r"\1\\.", line)


def markdown_fence(text: str) -> str:
    """A backtick fence longer than any run of backticks in ``text`` (CommonMark §4.5)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def html_text(text: object) -> str:
    """Text safe in HTML content and quoted attributes (``&``, ``<``, ``>``, quotes)."""
    return html.escape(plain(str(text)), quote=True)
