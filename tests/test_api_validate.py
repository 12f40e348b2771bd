"""``validate`` / ``assess_measurement`` on an inadmissible solution (issue #10, point 7):
the admissibility problems come first in every output format, and a check computed from
an inadmissible solution is "not interpretable", never "pass".

The Heywood case is built, not found: two factors, A (a1, a2) and B (b1, b2, b3), with
correlations chosen so that the ML solution has lambda(a1)^2 = r(a1,a2) r(a1,b) / r(a2,b)
= .5 x .5 / .2 = 1.25 standardized, i.e. a loading of 1.118 and a negative residual
variance of a1. The data reproduce the correlation matrix exactly (whitened normal draws),
so the numbers do not depend on the draw.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import loyaltysem as ls
from loyaltysem.cli import main
from loyaltysem.validity import assess_measurement
from loyaltysem.validity.report import NOT_INTERPRETABLE

from lavaan_reference import ROOT

MODEL = "A =~ a1 + a2\nB =~ b1 + b2 + b3\n"
HEYWOOD_LOADING = "standardized loading A =~ a1 = 1.118 exceeds 1 in absolute value"


def heywood_data(n: int = 300) -> pd.DataFrame:
    """Data whose sample correlation matrix is exactly the Heywood-case matrix."""
    r = np.zeros((5, 5))
    r[0, 1] = 0.5
    r[0, 2:] = 0.5
    r[1, 2:] = 0.2
    r[2, 3] = r[2, 4] = r[3, 4] = 0.6
    r = r + r.T + np.eye(5)
    z = np.random.default_rng(0).standard_normal((n, 5))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False, bias=True))).T
    x = z @ np.linalg.cholesky(r).T
    return pd.DataFrame(1.2 * x + 4.0, columns=["a1", "a2", "b1", "b2", "b3"])


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("heywood")
    spec, data = folder / "heywood.lav", folder / "heywood.csv"
    spec.write_text(MODEL)
    heywood_data().to_csv(data, index=False)
    return spec, data


@pytest.fixture(scope="module")
def report():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ls.fit(MODEL, heywood_data(), emit_warnings=False)
        return assess_measurement(result, n_boot=20)


def _verdict(report, check: str, target: str) -> str:
    rows = report.checks[(report.checks["check"] == check) & (report.checks["target"] == target)]
    return str(rows["verdict"].iat[0])


def test_the_constructed_data_give_a_heywood_case(report):
    loading = report.items.set_index("item").at["a1", "std_loading"]
    assert loading == pytest.approx(np.sqrt(1.25), rel=1e-4)   # closed form, iterative fit
    assert not report.fit.admissible and not report.admissible


def test_the_report_lists_each_problem_with_the_checks_it_affects(report):
    table = report.admissibility
    assert list(table.columns) == ["model", "kind", "message", "affects"]
    row = table[table["message"] == HEYWOOD_LOADING].iloc[0]
    assert row["kind"] == "HeywoodCaseWarning"
    assert row["model"] == "structural model and CFA (all constructs correlated)"
    assert set(row["affects"].split(", ")) == {"loading", "cr", "omega", "ave",
                                               "fornell_larcker", "vif", "latent_correlation_ci"}
    assert any(m.startswith("negative residual variance of a1") for m in table["message"])


def test_checks_from_an_inadmissible_solution_are_not_interpretable(report):
    for check, target in (("cr", "A"), ("ave", "A"), ("omega", "A"), ("loading", "A =~ a1"),
                          ("fornell_larcker", "A"), ("latent_correlation_ci", "A - B")):
        assert _verdict(report, check, target) == NOT_INTERPRETABLE, (check, target)
    # the value is still shown: CR .817 computed from the 1.118 loading
    cr = report.checks.query("check == 'cr' and target == 'A'")["value"].iat[0]
    assert cr == pytest.approx(0.8167, abs=1e-3)
    # checks on the data alone keep their verdicts
    assert _verdict(report, "alpha", "A") == "fail"     # alpha = .667
    assert _verdict(report, "htmt", "A - B") == "pass"
    assert "pass" not in set(report.not_interpretable["verdict"])
    assert report.failed["check"].tolist() == ["alpha"]


def test_an_admissible_solution_keeps_its_verdicts():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        good = assess_measurement(ROOT / "models/hs_cfa.lav", "holzinger_swineford", n_boot=0,
                                  method_factor=False)
    assert good.admissible and good.admissibility.empty and good.not_interpretable.empty
    payload = good.to_dict()
    assert payload["admissible"] is True and payload["admissibility"] == []


def _validate(files, *options: str):
    spec, data = files
    return CliRunner().invoke(main, ["validate", str(spec), "--data", str(data), "--bootstrap",
                                     "20", "--no-method-factor", *options])


def test_validate_text_starts_with_the_admissibility_problems(files):
    result = _validate(files)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert HEYWOOD_LOADING in text                       # in the output, not only on stderr
    assert text.index("Admissibility") < text.index("Reliability and convergent validity")
    assert text.index(HEYWOOD_LOADING) < text.index("Checks")
    assert NOT_INTERPRETABLE in text


def test_validate_json_opens_with_the_problems_and_their_checks(files):
    result = _validate(files, "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert list(payload)[:4] == ["converged", "admissible", "admissibility", "warnings"]
    assert payload["converged"] is True and payload["admissible"] is False
    assert any(HEYWOOD_LOADING in w for w in payload["warnings"])
    problem = next(p for p in payload["admissibility"] if p["message"] == HEYWOOD_LOADING)
    assert "cr" in problem["affects"].split(", ")
    verdicts = {(c["check"], c["target"]): c["verdict"] for c in payload["checks"]}
    assert verdicts[("cr", "A")] == NOT_INTERPRETABLE
    assert verdicts[("loading", "A =~ a1")] == NOT_INTERPRETABLE
    # the two latent correlations of a pair are labelled with the model they come from
    assert payload["fornell_larcker"]["source"] == "structural model"
    assert payload["latent_correlation_cis"]["source"] == "CFA (all constructs correlated)"


def test_validate_markdown_and_out_carry_the_problems(files, tmp_path):
    result = _validate(files, "--format", "markdown")
    assert result.exit_code == 0, result.output
    markdown = result.stdout
    assert markdown.index("Admissibility") < markdown.index("Reliability")
    assert "exceeds 1 in absolute value" in markdown and "not interpretable" in markdown
    out = tmp_path / "validity.json"
    result = _validate(files, "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    assert written["admissible"] is False
    assert any(HEYWOOD_LOADING in w for w in written["warnings"])


@pytest.mark.parametrize(("command", "value"), [
    (["validate", str(ROOT / "models/hs_cfa.lav"), "--data", "holzinger_swineford"], "-1"),
    (["validate", str(ROOT / "models/hs_cfa.lav"), "--data", "holzinger_swineford"],
     "4294967296"),
    (["simulate", "--n", "10", "--out", "x.csv"], "-1"),
])
def test_a_negative_or_too_large_seed_is_one_line_and_exit_2(command, value):
    result = CliRunner().invoke(main, [*command, "--seed", value])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith(f"error: Invalid value for '--seed': {value} is not in the "
                               "range 0<=x<=4294967295")


@pytest.mark.parametrize(("command", "message"), [
    (["validate", str(ROOT / "models/hs_cfa.lav"), "--data", "holzinger_swineford",
      "--bootstrap", "1000000000"],
     "error: Invalid value for '--bootstrap': 1000000000 is not in the range 0<=x<=100000"),
    (["simulate", "--n", "1000000000000", "--seed", "1", "--out", "x.csv"],
     "error: Invalid value for '--n': 1000000000000 is not in the range 1<=x<=1000000"),
    (["simulate", "--n", "10", "--seed", "1", "--likert", "1000000", "--out", "x.csv"],
     "error: Invalid value for '--likert': 1000000 is not in the range 2<=x<=101"),
])
def test_sizes_are_bounded_before_any_work(command, message):
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(message)


def test_the_construct_table_says_its_cr_and_ave_are_not_interpretable(report):
    from loyaltysem.validity.report import INADMISSIBLE_NOTE

    assert set(report.constructs["note"]) == {INADMISSIBLE_NOTE}
