"""Every CLI command against a battery of bad inputs: exit 2, one line, never a traceback.

Issue #10: "no CLI command prints a traceback on any input tried". Each case
runs a command in-process and checks that it ends with status 2 and exactly
one line on stderr that starts with ``error:`` and names the thing that is
wrong.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from loyaltysem.cli import main

from lavaan_reference import ROOT

HS = str(ROOT / "models/hs_cfa.lav")
HS_PATHS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nspeed ~ visual + textual\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    rng = np.random.default_rng(3)
    factors = rng.normal(size=(300, 3)) @ np.linalg.cholesky(
        [[1, .4, .3], [.4, 1, .5], [.3, .5, 1]]).T
    good = pd.DataFrame(np.repeat(factors, 3, axis=1) + 0.7 * rng.normal(size=(300, 9)),
                        columns=[f"x{k}" for k in range(1, 10)])
    good["school"] = np.repeat(["a", "b"], 150)
    paths = {"good": folder / "good.csv", "binary": folder / "binary.csv",
             "empty": folder / "empty.csv", "text": folder / "text.csv",
             "spec_binary": folder / "binary.lav", "spec_bad": folder / "bad.yaml",
             "missing": folder / "nowhere.csv", "paths": folder / "hs_paths.lav",
             "report": folder / "report.html", "nodir": folder / "no" / "such" / "out.txt",
             "groups": folder / "groups.csv"}
    good.to_csv(paths["good"], index=False)
    # grouping columns fit --group refuses: a group of 5 rows for 9 items, a single level
    good.assign(tiny=["a"] * 295 + ["b"] * 5, single="all").to_csv(paths["groups"], index=False)
    paths["binary"].write_bytes(bytes(range(256)) * 8)
    paths["empty"].write_text("")
    good.assign(x3="many").to_csv(paths["text"], index=False)
    paths["spec_binary"].write_bytes(b"\x00\x01\xfe\xff" * 50)
    paths["spec_bad"].write_text("constructs: {F1: {items: {a: 1}}}\n")
    paths["paths"].write_text(HS_PATHS)
    return {key: str(value) for key, value in paths.items()}


def _commands(files) -> dict[str, list[str]]:
    """Each command with valid arguments; cases below replace one of them."""
    data = ["--data", files["good"]]
    return {
        "fit": ["fit", HS, *data],
        "validate": ["validate", HS, *data, "--bootstrap", "0", "--no-method-factor"],
        "invariance": ["invariance", HS, *data, "--group", "school", "--steps", "configural"],
        "compare-paths": ["compare-paths", files["paths"], *data, "--group", "school"],
        "report": ["report", HS, *data, "--bootstrap", "0", "--out", files["report"]],
    }


CASES = {
    "spec missing": (lambda f: {HS: f["missing"]}, "not found"),
    "spec binary": (lambda f: {HS: f["spec_binary"]}, "binary"),
    "spec malformed": (lambda f: {HS: f["spec_bad"]}, "items must be text"),
    "data missing": (lambda f: {f["good"]: f["missing"]}, "nowhere.csv"),
    "data binary": (lambda f: {f["good"]: f["binary"]}, "binary.csv"),
    "data empty": (lambda f: {f["good"]: f["empty"]}, "empty.csv"),
    "data not numeric": (lambda f: {f["good"]: f["text"]}, "x3"),
}


def _replace(args: list[str], mapping: dict[str, str]) -> list[str]:
    if args[0] == "compare-paths" and HS in mapping:  # its spec is the one with paths
        mapping = {**mapping, args[1]: mapping[HS]}
    return [mapping.get(arg, arg) for arg in args]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("command", ["fit", "validate", "invariance", "compare-paths", "report"])
def test_bad_input_is_one_line_and_exit_2(files, command, case):
    mapping, fragment = CASES[case]
    args = _replace(_commands(files)[command], mapping(files))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, (args, result.output)
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["invariance", "compare-paths"])
def test_unknown_group_column(files, command):
    args = _replace(_commands(files)[command], {"school": "nope"})
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "nope" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("command", ["fit", "validate", "invariance", "compare-paths"])
def test_out_into_a_missing_folder(files, command):
    result = CliRunner().invoke(main, _commands(files)[command] + ["--out", files["nodir"]])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def _one_line_exit_2(args, fragment):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("group, fragment", [
    ("nope", "the data has no column 'nope' to define the groups"),
    ("tiny", "group 'b' of 'tiny' has 5 complete rows for 9 observed variables"),
    ("single", "column 'single' has 1 (every row is 'all')"),
], ids=["missing column", "group too small", "one level"])
def test_fit_group_refuses_a_bad_grouping_column(files, group, fragment):
    """``fit --group``: the column or the group that is wrong, in one line, exit 2."""
    _one_line_exit_2(["fit", HS, "--data", files["groups"], "--group", group], fragment)


def test_simulate_refuses_a_missing_folder_before_drawing(files):
    _one_line_exit_2(["simulate", "--n", "50", "--seed", "1", "--out", files["nodir"]],
                     "does not exist")


@pytest.mark.parametrize("args, fragment", [
    (["robust", "run", "{spec_binary}"], "binary file"),
    (["robust", "run", "{missing}"], "not found"),
    (["robust", "run", "{spec_bad}", "--dry-run"], "unknown key(s) ['constructs']"),
    (["robust", "summarize", "{nodir}"], "no results"),
    (["datasets", "--format", "xml"], "'xml' is not one of"),
])
def test_robust_and_other_commands(files, args, fragment):
    _one_line_exit_2([a.format(**files) for a in args], fragment)


def test_undeclared_codes_are_refused_and_allow_codes_keeps_them(files, tmp_path):
    """-99 left in a survey: every command refuses it with the fix; --allow-codes keeps it."""
    data = pd.read_csv(files["good"])
    data.loc[:14, "x3"] = -99
    path = tmp_path / "codes.csv"
    data.to_csv(path, index=False)
    for command, args in _commands(files).items():
        args = _replace(args, {files["good"]: str(path)})
        refused = CliRunner().invoke(main, args)
        assert refused.exit_code == 2, (command, refused.output)
        assert "column 'x3' holds -99 in 15 rows" in refused.stderr
        assert "--na-values -99" in refused.stderr
        if command in ("fit", "validate", "invariance"):
            kept = CliRunner().invoke(main, args + ["--allow-codes", "--format", "json"])
            assert kept.exit_code == 0, (command, kept.output)
    declared = CliRunner().invoke(main, ["fit", HS, "--data", str(path), "--na-values", "-99",
                                         "--format", "json"])
    assert declared.exit_code == 0
    assert json.loads(declared.stdout)["fit"]["nobs"] == 300 - 15  # the coded rows listwise
