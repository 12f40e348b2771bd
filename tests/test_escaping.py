"""Issue #10, point 3: hostile text from a spec or a data file in every output format.

Names are restricted to letters, digits and ``_`` by the spec, but the model
name, descriptions, hypothesis descriptions, dataset paths, group values and
warnings are free text: each format must show them as text, never as markup,
a LaTeX command, a link or mathtext.
"""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
import warnings
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from click.testing import CliRunner  # noqa: E402

import loyaltysem as ls  # noqa: E402
from loyaltysem import escaping  # noqa: E402
from loyaltysem.cli import main  # noqa: E402
from loyaltysem.report import build_report, render, render_report  # noqa: E402
from loyaltysem.summary import Summary  # noqa: E402

from lavaan_reference import ROOT  # noqa: E402

LATEX_PAYLOAD = r"a\end{verbatim}\input{/etc/passwd}\begin{verbatim}"
HOSTILE = (LATEX_PAYLOAD + r" <script>alert(1)</script> <img src=x onerror=alert(2)>"
           r" [click](javascript:alert(3)) ![i](http://evil.example/x.png) a|b"
           r" $\alpha$ ``` --> &amp; ^^5c %x _y_ **z** https://evil.example www.evil.example"
           r" \input{canary} \typeout{CANARY-RAN}")
#: every command the .tex report itself writes; anything else came from the text
OUR_LATEX_COMMANDS = {
    "documentclass", "usepackage", "begin", "end", "section", "subsection", "textbackslash",
    "textasciicircum", "textasciitilde", "textless", "textgreater", "textbar",
    "toprule", "midrule", "bottomrule", "caption", "centering", "item", "ttfamily", "small",
    "noindent", "fbox", "parbox", "dimexpr", "linewidth", "fboxsep", "relax", "textbf",
    "Delta", "chi", "beta", "alpha", "omega", "rho", "leq", "geq", "rightarrow", "leftarrow",
    "pm", "surd", "times", "lambda",
    # the numbered APA tables (longtable), their notes, the figures and the wrapping model code
    "par", "medskip", "nopagebreak", "textit", "endhead", "includegraphics", "textheight",
    "hangindent", "hangafter", "allowbreak",
}
OUR_ENVIRONMENTS = {"document", "itemize", "tabular", "table", "flushleft", "longtable"}


def _hostile_spec(tmp_path):
    spec = yaml.safe_load((ROOT / "models/loyalty_chain.yaml").read_text())
    spec["name"] = "chain " + HOSTILE
    spec["description"] = HOSTILE + "\n# a heading?\n```\n<script>alert(4)</script>"
    spec["constructs"]["SAT"]["description"] = HOSTILE
    for hypothesis in spec["hypotheses"]:
        hypothesis["description"] = HOSTILE
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A report whose every free text is hostile, and a data path holding markup."""
    tmp_path = tmp_path_factory.mktemp("hostile")
    spec = _hostile_spec(tmp_path)
    data = tmp_path / "<img src=x onerror=alert(5)> $x$ \\input{y}.csv"
    shutil.copy(ROOT / "datasets/loyalty_chain/loyalty_chain.csv", data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(spec, str(data), emit_warnings=False)
    result = dataclasses.replace(result, warnings=(*result.warnings, "warning " + HOSTILE))
    return build_report(result, n_boot=0, seed=1, data_source=str(data)), spec, data


def _latex_problems(tex: str) -> list[str]:
    commands = set(re.findall(r"\\([A-Za-z]+)", tex))
    environments = set(re.findall(r"\\(?:begin|end)\{([^}]*)\}", tex))
    return sorted((commands - OUR_LATEX_COMMANDS) | (environments - OUR_ENVIRONMENTS))


def test_latex_escaper_leaves_no_command_group_or_math():
    text = escaping.latex(HOSTILE + "\nnext line")
    assert _latex_problems(text) == []
    assert "\n" not in text and "^^" not in text
    # every remaining brace, dollar and backslash is ours: drop our commands, nothing active is left
    stripped = re.sub(r"\\(textbackslash|textasciicircum|textasciitilde|textless|textgreater|"
                      r"textbar)\{\}|\\[{}$&#_%]|\{\[\}|\{\]\}", "", text)
    assert not re.search(r"[\\{}$&#_%^~]", stripped), stripped


def test_latex_escaper_typesets_the_statistics_symbols_as_one_formula():
    assert escaping.latex("Δχ² (Δdf)") == r"$\Delta\chi^2$ ($\Delta$df)"
    assert escaping.latex("αβ") == r"$\alpha\beta$"   # never $$ (display math)
    assert escaping.latex("ρc — x") == r"$\rho_c$ --- x"


@pytest.mark.parametrize("text, expected", [
    ("<script>alert(1)</script>", "&lt;script>alert(1)&lt;/script>"),
    ("[a](javascript:x)", r"[a\](javascript:x)"),
    ("![i](http://e/x.png)", r"![i\](http\://e/x.png)"),
    ("[x]: http://e", r"[x\]: http\://e"),
    ("SAT -> TRU, p < .001, [0.1, 0.2]", "SAT -> TRU, p < .001, [0.1, 0.2]"),
    ("&amp; & <b>", "&amp;amp; & &lt;b>"),
    ("a|b\nc", r"a\|b c"),
    ("- item", r"\- item"),
    ("1. first", r"1\. first"),
    ("sat_1 **b** _c_", r"sat_1 \*\*b\*\* \_c\_"),
    ("__COMP__ a__b_ L_i_ke", r"\_\_COMP\_\_ a\_\_b\_ L_i_ke"),
    ("-0.23", "-0.23"),
    ("see www.evil.example or a@b.example", r"see www\.evil.example or a\@b.example"),
    ("> quote", r"\> quote"),
    ("Grant-White (N = 145)", "Grant-White (N = 145)"),
])
def test_markdown_escaper(text, expected):
    assert escaping.markdown(text) == expected


def _markdown_to_html(text: str) -> str:
    """CommonMark + GFM tables, strikethrough and autolinks (markdown-it-py, a test dependency).

    Autolinks as GFM §6.9 has them: ``www.`` or a scheme, and e-mail addresses;
    a bare ``example.com`` is not a link on GitHub, so linkify's fuzzy links are off.
    """
    import markdown_it

    parser = markdown_it.MarkdownIt("gfm-like")  # tables, strikethrough, autolinks (linkify)
    parser.linkify.set({"fuzzy_link": False})
    return parser.render(text)


def test_markdown_report_passes_no_html_link_or_image(hostile):
    report, _, _ = hostile
    text = render_report(report, "md")
    fence = re.search(r"^(`{3,})text$", text, flags=re.M).group(1)
    outside = re.sub(rf"^{fence}text$.*?^{fence}$", "", text, flags=re.S | re.M)
    assert "<script" not in outside and "<img" not in outside, outside
    assert not re.search(r"(?<!\\)\]\(javascript", outside)
    rendered = _markdown_to_html(text)
    for tag in ("<script", "<img", "<a ", "<h1>a heading"):
        assert tag not in rendered, tag
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered     # shown as text
    # the table pipes in a hostile cell do not add columns
    for table in re.findall(r"<table>.*?</table>", rendered, flags=re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        widths = {len(re.findall(r"<t[hd][ >]", row)) for row in rows}
        assert len(widths) == 1, widths


def test_markdown_code_fence_cannot_be_closed_by_the_model_text(hostile):
    report, _, _ = hostile
    rendered = _markdown_to_html(render_report(report, "md"))
    assert "<script" not in rendered and "<h1>a heading" not in rendered


def test_latex_report_has_no_live_command_from_the_spec(hostile):
    report, _, _ = hostile
    tex = render_report(report, "tex")
    assert r"\input" not in tex and "verbatim" not in tex.replace(r"\{verbatim\}", "")
    assert _latex_problems(tex) == []
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex          # shown, not run


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]

    def handle_data(self, data):
        self.text.append(data)


def test_html_report_escapes_every_text(hostile):
    report, _, data = hostile
    page = render_report(report, "html")
    parsed = _Elements()
    parsed.feed(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags and "a" not in parsed.tags
    assert not {"onerror", "onload", "href", "src"} & set(parsed.attributes)
    assert "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none';" in page
    text = "".join(parsed.text)
    assert LATEX_PAYLOAD in text and "<script>alert(1)</script>" in text and str(data) in text


@pytest.mark.parametrize("fonttype", ["none", "path"])
def test_svg_text_is_escaped_xml_and_no_mathtext(hostile, fonttype):
    import io

    import matplotlib.pyplot as plt

    from loyaltysem.plot import forest_plot, path_diagram

    report, _, _ = hostile
    table = pd.DataFrame({"effect": ["<script>alert(1)</script>", r"$\alpha$ --> x", "a & b"],
                          "est": [0.1, 0.2, 0.3], "ci_lower": [0, 0.1, 0.2],
                          "ci_upper": [0.2, 0.3, 0.4]})
    figures = [forest_plot(table, title=HOSTILE), path_diagram(report.result, hypotheses=True)]
    assert all(not t.get_parse_math() for t in figures[1].axes[0].texts)
    for figure in figures:
        buffer = io.StringIO()
        with matplotlib.rc_context({"svg.fonttype": fonttype}):
            figure.savefig(buffer, format="svg")
        plt.close(figure)
        svg = buffer.getvalue()
        root = ET.fromstring(svg)          # well-formed XML: markup in labels is escaped
        tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
        assert "script" not in tags and "foreignObject" not in tags
        assert "<script" not in svg
        if fonttype == "none" and figure is figures[0]:
            texts = "".join(root.itertext())
            assert "<script>alert(1)</script>" in texts and r"$\alpha$ --> x" in texts


def test_json_output_keeps_hostile_text_exact(hostile, tmp_path):
    _, spec, data = hostile
    run = CliRunner().invoke(main, ["fit", str(spec), "--data", str(data), "--format", "json"])
    assert run.exit_code == 0, run.output
    payload = json.loads(run.stdout)
    assert payload["model"] == "chain " + HOSTILE


def _hostile_summary() -> Summary:
    table = pd.DataFrame({"name <b>|x": [HOSTILE], "value": [1.5]})
    return Summary("title " + HOSTILE, (("Table", table), ("Key values", {HOSTILE: HOSTILE}),
                                         ("Notes", [HOSTILE])))


def test_summary_markdown_is_escaped():
    text = _hostile_summary().as_markdown()
    rendered = _markdown_to_html(text)
    for tag in ("<script", "<img", "<a ", "<strong>", "<em>"):
        assert tag not in rendered, tag
    rows = re.findall(r"^\|.*\|$", text, flags=re.M)
    assert {row.count(" | ") for row in rows[:3]} == {1}   # the hostile pipes are escaped


def test_summary_latex_html_and_text_are_escaped():
    summary = _hostile_summary()
    assert _latex_problems(summary.as_latex()) == []
    assert "\n" not in summary.as_latex().splitlines()[0]     # the title comment stays one line
    parsed = _Elements()
    parsed.feed(summary.as_html())
    assert "script" not in parsed.tags and "img" not in parsed.tags and "b" not in parsed.tags
    terminal = Summary("t \x1b[2J\x1b]0;owned\x07", (("Notes", ["a\x1b[31mred"]),)).as_text()
    assert "\x1b" not in terminal and "\x07" not in terminal


def test_every_table_format_escapes_cells():
    table = pd.DataFrame({"<th>": [HOSTILE]})
    assert "<script" not in render(table, "html") and "<th>&lt;th&gt;</th>" in render(table, "html")
    assert _latex_problems(render(table, "latex", caption=HOSTILE)) == []
    assert "<script" not in render(table, "markdown", caption=HOSTILE)


def test_group_values_are_checked_then_escaped_in_the_invariance_section(tmp_path):
    """Hostile group values are refused at the edge; the values the rule admits (with '_',
    '-' and spaces, which LaTeX and Markdown treat specially) are escaped in every format."""
    from loyaltysem.exceptions import DataError
    from loyaltysem.groups import invariance_ladder

    frame = ls.load_dataset("holzinger_swineford")
    spec = ls.load_spec(ROOT / "models/hs_cfa.lav")
    hostile = frame.assign(school=frame["school"].map(
        {"Pasteur": "<script>alert(6)</script> \\input{x}", "Grant-White": "$x$ [l](javascript:y)"}))
    with pytest.raises(DataError, match="group column 'school'"):
        invariance_ladder(spec, hostile, "school", steps=["configural"])
    frame["school"] = frame["school"].map({"Pasteur": "Pasteur_school A", "Grant-White": "Grant-White"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(spec, frame.drop(columns=["school"]), emit_warnings=False)
        ladder = invariance_ladder(spec, frame, "school", steps=["configural", "metric"])
    report = build_report(result, n_boot=0, invariance=ladder)
    tex = render_report(report, "tex")
    assert _latex_problems(tex) == [] and "Pasteur\\_school A" in tex
    assert "Pasteur_school A" in render_report(report, "html")
    rendered = _markdown_to_html(render_report(report, "md"))
    assert "Pasteur_school A" in rendered and "Pasteur\\_school" not in rendered


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_report_and_summary_compile_and_run_nothing(hostile, tmp_path):
    """The hostile .tex compiles (pdflatex, no shell escape) and reads no file from the text."""
    import subprocess

    report, _, _ = hostile
    (tmp_path / "canary.tex").write_text("\\typeout{CANARY-RAN}\n")
    summary = ("\\documentclass{article}\\usepackage{booktabs}\\usepackage[T1]{fontenc}"
               "\\begin{document}\n" + report.result.summary().as_latex() + "\n\\end{document}\n")
    for name, text in (("report.tex", render_report(report, "tex")), ("summary.tex", summary)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                              "-no-shell-escape", name], cwd=tmp_path, capture_output=True,
                             text=True, timeout=120)
        log = (tmp_path / name).with_suffix(".log").read_text(errors="replace")
        assert run.returncode == 0, log[-3000:]
        assert "CANARY-RAN" not in log.replace("\\typeout{CANARY-RAN}", "")
        assert "(/etc/passwd" not in log and "(./canary.tex" not in log


#: the characters that matter in some format, mixed with letters so that words form
_ALPHABET = list("\\{}$&#^_~%<>|[]()!*`'\"=:/@.-+ \n\r\tab1") + ["<script>", "-->", "](", "^^",
                                                                 "://", "www.", "&amp;"]


def _hostile_texts():
    from hypothesis import strategies as st

    return st.lists(st.sampled_from(_ALPHABET), max_size=40).map("".join)


def test_latex_escaper_on_generated_text():
    from hypothesis import given, settings

    @settings(max_examples=400, deadline=None)
    @given(_hostile_texts())
    def check(text):
        out = escaping.latex(text)
        assert _latex_problems(out) == [] and "\n" not in out
        unescaped = re.sub(r"\\[{}$&#_%]", "", out)
        assert unescaped.count("{") == unescaped.count("}")     # groups balanced: nothing open
        assert unescaped.count("$") % 2 == 0                   # math closed

    check()


def test_markdown_escaper_on_generated_text():
    from hypothesis import given, settings


    @settings(max_examples=400, deadline=None)
    @given(_hostile_texts())
    def check(text):
        for line_start in (True, False):
            out = escaping.markdown(text, line_start=line_start)
            page = "- " + out if line_start else f"| a |\n| --- |\n| {out} |"
            rendered = _markdown_to_html(page)
            tags = set(re.findall(r"<([a-z0-9]+)", rendered))
            allowed = {"ul", "li", "p"} if line_start else {"table", "thead", "tbody", "tr",
                                                             "th", "td"}
            assert tags <= allowed, (text, out, rendered)

    check()


def test_markdown_fence_holds_any_text():
    from hypothesis import given, settings


    @settings(max_examples=300, deadline=None)
    @given(_hostile_texts())
    def check(text):
        fence = escaping.markdown_fence(text)
        rendered = _markdown_to_html(f"{fence}text\n{escaping.plain(text)}\n{fence}\n")
        assert set(re.findall(r"<([a-z0-9]+)", rendered)) <= {"pre", "code"}, rendered

    check()
