"""Study configs: every bad field is one line and exit 2; sizes bounded before allocation; paths.

Issue #10, points 2, 4 and 6 (the study side).
"""
from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from loyaltysem.cli import main
from loyaltysem.exceptions import SpecificationError
from loyaltysem.robustness import describe_plan, load_study
from loyaltysem.robustness.runner import default_directory

from lavaan_reference import ROOT

MODEL = ROOT / "models/corp_rep.yaml"
BASE = textwrap.dedent(f"""
    name: tiny
    seed: 7
    model: {MODEL}
    data: corp_rep
    na_values: [-99]
    variants: [baseline]
    estimators: [ML]
    samples: [full, {{bootstrap: 3}}]
""")


def write(tmp_path: Path, text: str, name: str = "study.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def replace(field: str, value: str) -> str:
    """BASE with the line of ``field`` replaced (or added) by ``field: value``."""
    lines = [line for line in BASE.splitlines() if not line.startswith(f"{field}:")]
    return "\n".join(lines + [f"{field}: {value}", ""])


def dry_run(path: Path):
    """``robust run --dry-run``: (exit code, stderr) — checked to be one line, no traceback."""
    result = CliRunner().invoke(main, ["robust", "run", str(path), "--dry-run"])
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stderr


def assert_one_line_error(path: Path, *needles: str) -> str:
    code, stderr = dry_run(path)
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# --- point 2: bounded sizes, checked before allocation, also under --dry-run -------------

@pytest.mark.parametrize("field, value, needles", [
    ("samples", "[{bootstrap: 100000000}]", ["samples: bootstrap", "100,000,000", "100,000"]),
    ("samples", "[{subsample: [100], replications: 100000000}]",
     ["samples: replications", "100,000"]),
    ("samples", "[{subsample: [1000000000000]}]", ["subsample size", "10,000,000"]),
    ("samples", "[{bootstrap: 0}]", ["samples: bootstrap", "1..100,000"]),
    ("samples", "[{bootstrap: -5}]", ["samples: bootstrap"]),
])
def test_huge_sizes_are_refused_at_once_even_in_a_dry_run(tmp_path, field, value, needles):
    path = write(tmp_path, replace(field, value))
    start = time.perf_counter()
    with pytest.raises(SpecificationError) as caught:
        load_study(path)
    assert time.perf_counter() - start < 1.0
    for needle in needles:
        assert needle in str(caught.value)
    assert "use at most" in str(caught.value) or "between" in str(caught.value) \
        or "limit" in str(caught.value)
    start = time.perf_counter()
    assert_one_line_error(path, *needles)
    assert time.perf_counter() - start < 5.0


@pytest.mark.parametrize("simulation, needles", [
    ("{population: loyalty_chain, sample_sizes: [1000000000]}",
     ["simulation: sample_sizes", "100,000"]),
    ("{population: loyalty_chain, sample_sizes: [100], replications: 1000000000}",
     ["simulation: replications", "100,000"]),
    ("{population: loyalty_chain, sample_sizes: [100], likert_points: 100000}",
     ["likert_points"]),
    ("{population: loyalty_chain, sample_sizes: [100], extra: 1}", ["unknown key", "extra"]),
])
def test_simulation_sizes_are_bounded(tmp_path, simulation, needles):
    text = f"name: power\nseed: 1\nmodel: {ROOT / 'models/loyalty_chain.yaml'}\n" \
           f"simulation: {simulation}\n"
    assert_one_line_error(write(tmp_path, text), *needles)


def test_the_total_number_of_tasks_is_bounded_before_the_plan_is_made(tmp_path):
    """10 variants x 100,000 resamples: each field within its limit, the total not."""
    path = write(tmp_path, replace("samples", "[{bootstrap: 100000}]")
                 .replace("variants: [baseline]", "variants: [baseline, drop_each_item]"))
    start = time.perf_counter()
    with pytest.raises(SpecificationError, match=r"1,000,000 tasks.*limit of 500,000 tasks"):
        describe_plan(path)
    assert time.perf_counter() - start < 5.0   # model and data are read; no task is allocated


# --- point 4: the store stays under the output folder; no file content echoed -----------

@pytest.mark.parametrize("name", ["../../../../escaped_study", "/tmp/anywhere", "a/b", "a\\b",
                                  "..", ".hidden", "", "x" * 101, "a\nb"])
def test_names_that_are_not_one_folder_name_are_refused(tmp_path, name):
    import json

    path = write(tmp_path, replace("name", json.dumps(name)))
    with pytest.raises(SpecificationError, match="one folder name"):
        load_study(path)
    assert_one_line_error(path, "name", "one folder name")


def test_the_default_store_is_under_results_beside_the_study(tmp_path):
    config = load_study(write(tmp_path, replace("name", "corp-rep_v1.2")))
    assert default_directory(config) == (tmp_path / "results" / "corp-rep_v1.2").resolve()


def test_errors_never_echo_the_content_of_a_model_or_data_file(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET password=hunter2 -> x\nmore TOPSECRET lines\n")
    csv = tmp_path / "secret.csv"
    csv.write_text("TOPSECRET_a,TOPSECRET_b\n1,2\n3,4\n")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"TOPSECRET\xff\xfe\x00\x01" * 50)
    for text in (replace("model", str(secret)), replace("data", str(csv)),
                 replace("data", str(garbage))):
        line = assert_one_line_error(write(tmp_path, text))
        assert "TOPSECRET" not in line and "hunter2" not in line, line
    line = assert_one_line_error(write(tmp_path, replace("data", str(csv))), "lacks")
    assert "comp_1" in line                    # names from the model, never from the file


# --- point 6: every error in a study config is one line and exit 2 ----------------------

@pytest.mark.parametrize("field, value, needles", [
    ("variants", "[foo]", ["unknown variant", "'foo'", "drop_each_item"]),
    ("variants", "5", ["unknown variant"]),
    ("variants", "[{add_path: 'A B'}]", ["add_path", "'A -> B'"]),
    ("variants", "[{add_path: 'COMP -> NOPE'}]", ["'NOPE'", "not a construct"]),
    ("variants", "[{spec: missing.yaml}]", ["not found"]),
    ("variants", "[[1, 2]]", ["unknown variant"]),
    ("seed", "abc", ["seed", "'abc'", "whole number"]),
    ("seed", "1.5", ["seed"]),
    ("seed", "true", ["seed"]),
    ("seed", "-1", ["seed", "0"]),
    ("seed", "99999999999999999999999", ["seed"]),
    ("name", "5", ["name"]),
    ("name", "[a]", ["name"]),
    ("model", "5", ["model"]),
    ("model", "[a]", ["model"]),
    ("model", "nowhere.yaml", ["model file", "not found"]),
    ("data", "[x]", ["data"]),
    ("data", "no_such_dataset", ["data"]),
    ("na_values", "{a: 1}", ["na_values"]),
    ("na_values", "[[1]]", ["na_values"]),
    ("estimators", "5", ["estimator"]),
    ("estimators", "[GLS]", ["unknown estimator", "ML, MLR, MLM, WLSMV", "WLS or ULS"]),
    ("estimators", "[ML, ML]", ["twice"]),
    ("estimators", "[]", ["estimators", "non-empty"]),
    ("samples", "5", ["sample"]),
    ("samples", "[{bootstrap: abc}]", ["bootstrap", "whole number"]),
    ("samples", "[{bootstrap: true}]", ["bootstrap"]),
    ("samples", "[{bootstrap: 3, extra: 1}]", ["bootstrap"]),
    ("samples", "[{subsample: abc}]", ["subsample"]),
    ("samples", "[{subsample: []}]", ["subsample"]),
    ("samples", "[{subsample: [100], replications: x}]", ["replications"]),
    ("samples", "[{jack: 1}]", ["unknown sample kind"]),
    ("groups", "[a]", ["groups"]),
    ("groups", "no_such_column", ["groups column", "no_such_column", "column names"]),
    ("missing", "5", ["missing"]),
    ("missing", "pairwise", ["missing must be"]),
    ("simulation", "5", ["simulation"]),
    ("simulation", "{population: loyalty_chain, sample_sizes: abc}", ["sample_sizes"]),
    ("repetitions", "3", ["unknown key", "repetitions"]),
])
def test_every_bad_field_is_one_line_and_exit_2(tmp_path, field, value, needles):
    assert_one_line_error(write(tmp_path, replace(field, value)), *needles)


@pytest.mark.parametrize("content, needles", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\xfd", ["binary file"]),
    (b"name: caf\xe9\n", ["not UTF-8"]),
    (b"name: a\x00b\n", ["NUL"]),
    (b"- a\n- b\n", ["mapping"]),
    (b"just text", ["mapping"]),
    (b"name: [unclosed\n", ["not valid YAML", "line"]),
    (b"? [a, b]\n: 1\n", ["key"]),
    (b"? ?\n", []),
    (b"1: a\n", ["keys must be text"]),
    (b"a: &x [1, 2]\nb: *x\n", ["aliases"]),
])
def test_garbage_and_odd_yaml_are_one_line(tmp_path, content, needles):
    path = tmp_path / "study"
    path.write_bytes(content)
    assert_one_line_error(path, *needles)


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]"
              for i in range(1, 10)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    start = time.perf_counter()
    with pytest.raises(SpecificationError, match="aliases"):
        load_study(path)
    assert time.perf_counter() - start < 1.0


def test_missing_and_unreadable_study_files(tmp_path):
    assert_one_line_error(tmp_path / "none.yaml", "not found")
    big = tmp_path / "big.yaml"
    big.write_text("name: x\n" + "#" * 1_100_000 + "\n")
    assert_one_line_error(big, "larger than")


def test_a_valid_study_still_loads(tmp_path):
    config = load_study(write(tmp_path, BASE))
    assert (config.name, config.seed, config.estimators) == ("tiny", 7, ("ML",))
    assert describe_plan(write(tmp_path, BASE))["tasks"].sum() == 4


def test_group_levels_that_would_break_task_keys_are_refused(tmp_path):
    from loyaltysem.data.registry import load_dataset

    frame = load_dataset("corp_rep")
    frame["provider"] = ["a|b" if i % 2 else "c=d" for i in range(len(frame))]
    frame.to_csv(tmp_path / "survey.csv", index=False)
    text = replace("data", "survey.csv") + "groups: provider\n"
    assert_one_line_error(write(tmp_path, text), "groups column 'provider'", "recode")


def test_run_arguments_and_an_unreachable_scheduler_are_one_line(tmp_path):
    from loyaltysem.robustness import run_study

    path = write(tmp_path, BASE)
    for n_jobs in (0, -1, 10**6, 1.5, True):
        with pytest.raises(SpecificationError, match="n_jobs must be"):
            run_study(path, tmp_path / "d", n_jobs=n_jobs, progress=False)
    with pytest.raises(SpecificationError, match="limit must be"):
        run_study(path, tmp_path / "d", limit=-3, progress=False)
    result = CliRunner().invoke(main, ["robust", "run", str(path), "--out", str(tmp_path / "d"),
                                       "--scheduler", "garbage://x", "--no-progress"])
    assert result.exit_code == 2 and "Traceback" not in result.output + result.stderr
    assert result.stderr.count("\n") == 1 and "cannot reach the dask scheduler" in result.stderr


@pytest.mark.parametrize("control", ["\r", "\x1b", "\u2028", "\t\x07"])
def test_text_fields_refuse_every_control_character(tmp_path, control):
    """data:/groups: text follows spec.names.text_problem (only \\x00 and \\n were refused)."""
    import json

    study = write(tmp_path, replace("data", json.dumps(f"corp{control}rep")))
    with pytest.raises(SpecificationError, match="one line of text without control"):
        load_study(study)
