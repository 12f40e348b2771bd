"""Fuzz the study reader: any study file loads and plans, or is a SpecificationError, fast.

Study files built from valid fields mixed with values of every YAML type
(structured), and byte-level mutations of a valid study file. The contract:
``load_study`` + ``describe_plan`` either succeed or raise
:class:`~loyaltysem.exceptions.SpecificationError` with a one-line message,
within a second; nothing else escapes.
"""
from __future__ import annotations

import time

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyaltysem.exceptions import SpecificationError
from loyaltysem.robustness import describe_plan, load_study

from lavaan_reference import ROOT

VALID = {"name": "fuzz", "seed": 7, "model": str(ROOT / "models/corp_rep.yaml"),
         "data": "corp_rep", "na_values": [-99], "variants": ["baseline"], "estimators": ["ML"],
         "samples": ["full", {"bootstrap": 2}], "groups": "servicetype", "missing": "listwise"}
SIMULATION = {"population": "loyalty_chain", "sample_sizes": [50], "replications": 2}

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=True), st.text(max_size=12),
                    st.sampled_from(["ML", "MLR", "full", "jackknife", "baseline",
                                     "drop_each_item", "servicetype", "corp_rep", "..", "/",
                                     "COMP -> CUSA", "ml", "listwise"]))
fields = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["bootstrap", "subsample", "replications", "add_path",
                                     "remove_path", "spec", "population", "sample_sizes",
                                     "likert_points", "x"]), inner, max_size=3)), max_leaves=6)
keys = st.sampled_from(sorted(VALID) + ["simulation", "unknown"])


def check(path) -> None:
    start = time.perf_counter()
    try:
        load_study(path)
        describe_plan(path)
    except SpecificationError as error:
        assert "\n" not in str(error), str(error)
    assert time.perf_counter() - start < 1.0


SETTINGS = settings(max_examples=400, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@SETTINGS
@given(changes=st.dictionaries(keys, fields, min_size=1, max_size=3),
       simulate=st.booleans())
def test_structured_study_files(tmp_path, changes, simulate):
    study = {**VALID, **({"simulation": SIMULATION} if simulate else {}), **changes}
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(study, allow_unicode=True))
    check(path)


@SETTINGS
@given(cuts=st.lists(st.tuples(st.integers(0, 400), st.binary(max_size=4)), min_size=1,
                     max_size=4))
def test_mutated_study_files(tmp_path, cuts):
    raw = bytearray(yaml.safe_dump(VALID).encode())
    for position, insert in cuts:
        position %= len(raw) + 1
        raw[position:position + len(insert)] = insert
    path = tmp_path / "study.yaml"
    path.write_bytes(bytes(raw))
    check(path)
