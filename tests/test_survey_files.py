"""Survey files as researchers have them (issue #13, point 2).

Each fixture is written here, at test time, with the format's own writer
(pyreadstat, openpyxl through pandas) or as the literal text a spreadsheet or
survey platform writes; the values read are compared with the values written,
spelled out in the test, not with another read of the same file.
"""
from __future__ import annotations

import importlib.util
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from loyaltysem.cli import main
from loyaltysem.data import file_codebook, prepare_survey, read_table
from loyaltysem.exceptions import DataError, MissingValueWarning

from lavaan_reference import ROOT

pyreadstat = pytest.importorskip("pyreadstat")

LIKERT = {1.0: "Strongly disagree", 2.0: "Disagree", 3.0: "Neither agree nor disagree",
          4.0: "Agree", 5.0: "Strongly agree", -99.0: "No answer"}
HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None


def _survey() -> pd.DataFrame:
    return pd.DataFrame({"sat_1": [1.0, 5.0, -99.0, 4.0, 98.0],
                         "sat_2": [2.0, 3.0, 3.0, -99.0, 1.0],
                         "group": ["a", "b", "a", "b", "a"]})


def _write_sav(path, frame=None, **extra):
    pyreadstat.write_sav(
        _survey() if frame is None else frame, str(path),
        column_labels={"sat_1": "I am satisfied with the company.",
                       "sat_2": "The company meets my expectations."},
        variable_value_labels={"sat_1": LIKERT, "sat_2": LIKERT},
        missing_ranges={"sat_1": [-99.0, {"lo": 97.0, "hi": 99.0}], "sat_2": [-99.0]},
        **extra)


# --- SPSS and Stata -------------------------------------------------------------------------

def test_sav_codes_user_missing_labels_and_wording(tmp_path):
    path = tmp_path / "survey.sav"
    _write_sav(path)
    with pytest.warns(MissingValueWarning, match="3 SPSS user-defined missing values read as "
                                                 r"missing \(sat_1: 2, sat_2: 1\)"):
        frame = read_table(path)
    np.testing.assert_array_equal(frame["sat_1"], [1.0, 5.0, np.nan, 4.0, np.nan])
    np.testing.assert_array_equal(frame["sat_2"], [2.0, 3.0, 3.0, np.nan, 1.0])
    assert frame["group"].tolist() == ["a", "b", "a", "b", "a"]
    assert frame.attrs["value_labels"]["sat_1"][4.0] == "Agree"
    assert frame.attrs["item_wording"] == {"sat_1": "I am satisfied with the company.",
                                           "sat_2": "The company meets my expectations."}
    assert frame.attrs["source_format"] == "SPSS (.sav)"
    codebook = file_codebook(frame).set_index("variable")
    assert codebook.loc["sat_2", "wording"] == "The company meets my expectations."
    assert codebook.loc["sat_1", "value_labels"].startswith("1 = Strongly disagree; 2 = Disagree")
    assert codebook.loc["group", "wording"] == ""


def test_zsav_and_por(tmp_path):
    zsav, por = tmp_path / "survey.zsav", tmp_path / "survey.por"
    _write_sav(zsav, compress=True)
    pyreadstat.write_por(_survey()[["sat_1", "sat_2"]], str(por))
    with pytest.warns(MissingValueWarning):
        compressed = read_table(zsav)
    np.testing.assert_array_equal(compressed["sat_1"], [1.0, 5.0, np.nan, 4.0, np.nan])
    portable = read_table(por, na_values=-99)
    assert list(portable.columns) == ["sat_1", "sat_2"]  # the portable format upper-cases
    np.testing.assert_array_equal(portable["sat_2"], [2.0, 3.0, 3.0, np.nan, 1.0])
    assert any("lower-cased" in note for note in portable.attrs["read_notes"])


def test_dta_codes_labels_and_letter_missing_values(tmp_path):
    path = tmp_path / "survey.dta"
    written = pd.DataFrame({"loy_1": [1.0, 2.0, "a", 5.0], "loy_2": [3.0, 3.0, 4.0, 1.0]},
                           dtype=object)
    pyreadstat.write_dta(written, str(path), missing_user_values={"loy_1": ["a"]},
                         column_labels=["I will buy again.", "I would recommend it."],
                         variable_value_labels={"loy_1": {1: "Never", 5: "Always"}})
    with pytest.warns(MissingValueWarning, match=r"1 Stata user-defined .*loy_1: 1"):
        frame = read_table(path)
    np.testing.assert_array_equal(frame["loy_1"].astype(float), [1.0, 2.0, np.nan, 5.0])
    np.testing.assert_array_equal(frame["loy_2"], [3.0, 3.0, 4.0, 1.0])
    assert frame.attrs["value_labels"]["loy_1"] == {1: "Never", 5: "Always"}
    assert frame.attrs["item_wording"]["loy_2"] == "I would recommend it."


def test_user_missing_note_reaches_the_survey(tmp_path):
    path = tmp_path / "survey.sav"
    rows = pd.DataFrame({"sat_1": [1.0, 2.0, 3.0, 4.0, -99.0, 2.0, 5.0, 1.0],
                         "sat_2": [2.0, 2.0, 4.0, 5.0, 1.0, 3.0, 4.0, 1.0]})
    _write_sav(path, rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        survey = prepare_survey(read_table(path), ["sat_1", "sat_2"])
    assert survey.n == 7
    assert "user-defined missing values read as missing (sat_1: 1)" in survey.notes[0]


# --- Excel and Parquet ----------------------------------------------------------------------

def test_xlsx_first_sheet_by_default_and_by_name(tmp_path):
    path = tmp_path / "survey.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"sat_1": [1, 4, 7], "sat_2": [2.5, 3.0, None]}).to_excel(
            writer, sheet_name="data", index=False)
        pd.DataFrame({"variable": ["sat_1"], "wording": ["Satisfied"]}).to_excel(
            writer, sheet_name="codebook", index=False)
    frame = read_table(path)
    np.testing.assert_array_equal(frame["sat_1"], [1, 4, 7])
    np.testing.assert_array_equal(frame["sat_2"], [2.5, 3.0, np.nan])
    assert "read sheet 'data', one of 2" in frame.attrs["read_notes"][0]
    assert read_table(path, sheet="codebook")["wording"].tolist() == ["Satisfied"]
    with pytest.raises(DataError, match="no sheet 'answers'; its sheets: 'data', 'codebook'"):
        read_table(path, sheet="answers")


def test_xlsx_qualtrics_export(tmp_path):
    path = tmp_path / "qualtrics.xlsx"
    pd.DataFrame({"ResponseId": ["Response ID", '{"ImportId":"_recordId"}', "R_1", "R_2"],
                  "sat_1": ["How satisfied are you?", '{"ImportId":"QID1"}', 5, 3]}).to_excel(
        path, index=False)
    frame = read_table(path)
    np.testing.assert_array_equal(frame["sat_1"], [5.0, 3.0])
    assert frame.attrs["item_wording"]["sat_1"] == "How satisfied are you?"


@pytest.mark.skipif(not HAS_PYARROW, reason="pyarrow is not installed")
def test_parquet(tmp_path):
    path = tmp_path / "survey.parquet"
    pd.DataFrame({"sat_1": [1.0, 2.0, -99.0]}).to_parquet(path)
    np.testing.assert_array_equal(read_table(path, na_values=-99)["sat_1"], [1.0, 2.0, np.nan])


@pytest.mark.skipif(HAS_PYARROW, reason="pyarrow is installed")
def test_parquet_without_pyarrow_names_the_install(tmp_path):
    path = tmp_path / "survey.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 32 + b"PAR1")
    with pytest.raises(DataError, match="needs pyarrow: pip install pyarrow"):
        read_table(path)


# --- delimited text -------------------------------------------------------------------------

def test_semicolon_and_decimal_comma(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("sat_1;sat_2;weight\n5;3;1,25\n4;-99;0,75\n", encoding="utf-8")
    frame = read_table(path, na_values=-99)
    assert list(frame.columns) == ["sat_1", "sat_2", "weight"]
    np.testing.assert_array_equal(frame["weight"], [1.25, 0.75])
    np.testing.assert_array_equal(frame["sat_2"], [3.0, np.nan])
    assert any("decimal commas" in note for note in frame.attrs["read_notes"])


def test_tab_delimited(tmp_path):
    path = tmp_path / "survey.tsv"
    path.write_text("sat_1\tsat_2\n1\t2\n3\t4\n", encoding="utf-8")
    frame = read_table(path)
    np.testing.assert_array_equal(frame.to_numpy(), [[1, 2], [3, 4]])


def test_cp1252_headers(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes("qualité,zufriedenheit_ä,grün\n1,2,3\n4,5,6\n".encode("cp1252"))
    frame = read_table(path)
    assert list(frame.columns) == ["qualité", "zufriedenheit_ä", "grün"]
    np.testing.assert_array_equal(frame.to_numpy(), [[1, 2, 3], [4, 5, 6]])
    assert "read as Windows-1252 (cp1252) text" in frame.attrs["read_notes"][0]


def test_excel_unicode_text_is_utf16_tab_delimited(tmp_path):
    path = tmp_path / "survey.txt"
    path.write_bytes("qualité\tsat_2\r\n1,5\t2\r\n3\t4\r\n".encode("utf-16"))
    frame = read_table(path)
    assert list(frame.columns) == ["qualité", "sat_2"]
    np.testing.assert_array_equal(frame.to_numpy(), [[1.5, 2], [3, 4]])
    assert "UTF-16" in frame.attrs["read_notes"][0]


def test_a_file_that_turns_cp1252_after_the_sample(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes(b"name,b\n" + b"plain,1\n" * 20000 + "café,2\n".encode("cp1252"))
    frame = read_table(path)
    assert frame["name"].iloc[-1] == "café"
    assert frame.shape == (20001, 2)
    assert "read as Windows-1252 (cp1252) text" in frame.attrs["read_notes"][0]


def test_utf8_with_bom_says_nothing(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes("\ufeffqualité,b\n1,2\n".encode("utf-8"))
    frame = read_table(path)
    assert list(frame.columns) == ["qualité", "b"]
    assert frame.attrs["read_notes"] == []


QUALTRICS = (
    'StartDate,ResponseId,sat_1,sat_2\n'
    '"Start Date","Response ID","How much do you agree: sat_1 - The service is good",'
    '"How much do you agree: sat_2 - I am satisfied"\n'
    '"{""ImportId"":""startDate"",""timeZone"":""America/Denver""}",'
    '"{""ImportId"":""_recordId""}","{""ImportId"":""QID1_1""}","{""ImportId"":""QID1_2""}"\n'
    '2026-01-05 10:00:00,R_1,5,4\n'
    '2026-01-05 10:03:00,R_2,2,-99\n'
)


def test_qualtrics_export(tmp_path):
    path = tmp_path / "qualtrics.csv"
    path.write_text(QUALTRICS, encoding="utf-8")
    frame = read_table(path, na_values=-99)
    assert frame.shape == (2, 4)
    np.testing.assert_array_equal(frame["sat_1"], [5.0, 2.0])
    np.testing.assert_array_equal(frame["sat_2"], [4.0, np.nan])
    assert frame.attrs["item_wording"]["sat_2"] == "How much do you agree: sat_2 - I am satisfied"
    assert "Qualtrics export: its 2 extra header rows dropped" in frame.attrs["read_notes"][-1]


def test_limesurvey_export(tmp_path):
    path = tmp_path / "results-survey123.csv"
    path.write_text('"id. Response ID","submitdate. Date submitted","lastpage. Last page",'
                    '"startlanguage. Start language","sat1. How satisfied are you?"\n'
                    '1,"2026-01-05 10:00:00",2,"en",5\n2,"2026-01-05 10:02:00",2,"en",3\n',
                    encoding="utf-8")
    frame = read_table(path)
    assert list(frame.columns) == ["id", "submitdate", "lastpage", "startlanguage", "sat1"]
    np.testing.assert_array_equal(frame["sat1"], [5, 3])
    assert frame.attrs["item_wording"]["sat1"] == "How satisfied are you?"


def test_limesurvey_second_header_row(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("id,submitdate,lastpage,sat1\nResponse ID,Date submitted,Last page,"
                    "How satisfied are you?\n1,2026-01-05,2,5\n2,2026-01-06,2,3\n",
                    encoding="utf-8")
    frame = read_table(path)
    np.testing.assert_array_equal(frame["sat1"], [5, 3])
    assert frame.attrs["item_wording"]["sat1"] == "How satisfied are you?"


def test_limesurvey_columns_with_plain_headers_are_left_alone(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("id,submitdate,lastpage,sat1\n1,2026-01-05,2,5\n", encoding="utf-8")
    frame = read_table(path)
    assert list(frame.columns) == ["id", "submitdate", "lastpage", "sat1"]
    assert frame.attrs["read_notes"] == [] and "item_wording" not in frame.attrs


def test_a_plain_csv_is_read_as_before(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1.5,2\n3.5,-99\n")
    frame = read_table(path, na_values=-99)
    np.testing.assert_array_equal(frame.to_numpy(), [[1.5, 2.0], [3.5, np.nan]])
    assert frame.attrs["read_notes"] == []


# --- Likert labels --------------------------------------------------------------------------

def _likert_text() -> pd.DataFrame:
    return pd.DataFrame({"sat_1": ["Agree", "Strongly agree", "disagree ", None, "Agree"],
                         "sat_2": ["Disagree", "Agree", "Agree", "Strongly disagree",
                                   "Strongly agree"]})


def test_likert_text_without_a_mapping_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "likert.csv"
    _likert_text().to_csv(path, index=False)
    with pytest.raises(DataError) as caught:
        prepare_survey(read_table(path), ["sat_1", "sat_2"])
    message = str(caught.value)
    assert "column 'sat_1' holds answer labels" in message
    assert "'Agree', 'Strongly agree', 'disagree'" in message
    assert "value labels" in message and "codebook mapping" in message


def test_likert_text_through_a_codebook_mapping(tmp_path):
    path = tmp_path / "likert.csv"
    _likert_text().to_csv(path, index=False)
    frame = read_table(path, value_labels=LIKERT)
    np.testing.assert_array_equal(frame["sat_1"], [4.0, 5.0, 2.0, np.nan, 4.0])
    np.testing.assert_array_equal(frame["sat_2"], [2.0, 4.0, 4.0, 1.0, 5.0])
    only_first = read_table(path, value_labels={"sat_1": LIKERT})
    assert only_first["sat_2"].tolist()[0] == "Disagree"


def test_likert_text_through_the_files_value_labels(tmp_path):
    """A frame as pd.read_spss gives it (labels), mapped by the .sav's own value labels."""
    path = tmp_path / "survey.sav"
    _write_sav(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        labels = read_table(path).attrs["value_labels"]
    as_labels = pd.DataFrame({"sat_1": pd.Categorical(["Agree", "Strongly disagree", None]),
                              "sat_2": ["No answer", "Disagree", "Strongly agree"]})
    frame = read_table(as_labels, value_labels=labels, na_values=-99)
    np.testing.assert_array_equal(frame["sat_1"], [4.0, 1.0, np.nan])
    np.testing.assert_array_equal(frame["sat_2"], [np.nan, 2.0, 5.0])


def test_labels_the_mapping_lacks_are_named(tmp_path):
    frame = pd.DataFrame({"sat_1": ["Agree", "Totally agree"]})
    with pytest.raises(DataError, match=r"column 'sat_1' holds labels that its value labels "
                                        r"lack: 'Totally agree'; add them to the mapping"):
        read_table(frame, value_labels={"sat_1": LIKERT})


def test_a_text_column_that_is_not_likert_keeps_the_old_message():
    with pytest.raises(DataError, match="column 'x' is not numeric"):
        prepare_survey(pd.DataFrame({"x": ["many", "few", "some"], "y": [1.0, 2, 3]}),
                       ["x", "y"])


# --- files that cannot be read --------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "fragments"), [
    ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ["old Excel format (.xls)",
                                                      "save it as .xlsx"]),
    ("survey.ods", b"PK\x03\x04", ["OpenDocument", "save it as .xlsx or CSV"]),
    ("survey.sav", b"not an spss file at all" * 5, ["as a SPSS (.sav) file",
                                                     "save it again from SPSS"]),
    ("survey.dta", b"\x00garbage" * 20, ["as a Stata (.dta) file", "save it again from Stata"]),
    ("survey.xlsx", b"PK\x03\x04 broken zip", ["as an Excel workbook",
                                              "save it again as .xlsx"]),
    ("survey.csv", b"$FL2@(#) IBM SPSS STATISTICS\x00\x00\x00", ["binary file, not text",
                                                                 "extension .sav"]),
    ("survey.bin", b"\x00\x01\x02\x03" * 10, ["extension '.bin' is not a format",
                                             "export the data"]),
    ("survey.csv.gz", b"not gzip", ["as compressed CSV", "damaged"]),
])
def test_unreadable_files_name_the_format_and_the_fix(tmp_path, name, content, fragments):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as caught:
        read_table(path)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_compressed_csv(tmp_path):
    import gzip

    path = tmp_path / "survey.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("a;b\n1,5;2\n2,5;3\n")
    np.testing.assert_array_equal(read_table(path)["a"], [1.5, 2.5])


@pytest.mark.parametrize("target", ["directory", "missing.sav", "missing.xlsx"])
def test_paths_that_are_not_files(tmp_path, target):
    path = tmp_path / target
    if target == "directory":
        path.mkdir()
    with pytest.raises(DataError, match="not found"):
        read_table(path)


# --- end to end: the command line -----------------------------------------------------------

def _corp_rep() -> pd.DataFrame:
    return pd.read_csv(ROOT / "datasets/corp_rep/corp_rep.csv")  # -99 = missing


def _fit_json(*args):
    result = CliRunner().invoke(main, ["fit", str(ROOT / "models/corp_rep.yaml"), *args,
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _same_estimates(first, second):
    assert [(r["lhs"], r["op"], r["rhs"]) for r in first["estimates"]] == \
        [(r["lhs"], r["op"], r["rhs"]) for r in second["estimates"]]
    for one, other in zip(first["estimates"], second["estimates"]):
        for key in ("est", "se", "std_all"):
            # the same numbers in another container: equal but for the last bits
            assert one[key] == pytest.approx(other[key], rel=1e-10, abs=1e-12), (one, key)
    for key in ("chisq", "df", "cfi", "rmsea", "srmr", "loglik"):
        assert first["fit"][key] == pytest.approx(second["fit"][key], rel=1e-10)


@pytest.fixture(scope="module")
def from_csv():
    return _fit_json("--data", str(ROOT / "datasets/corp_rep/corp_rep.csv"), "--na-values", "-99")


def test_fit_on_sav_equals_fit_on_csv(tmp_path, from_csv):
    """The .sav declares -99 as user-missing: no --na-values needed."""
    path = tmp_path / "corp_rep.sav"
    data = _corp_rep().astype(float)
    pyreadstat.write_sav(data, str(path),
                         missing_ranges={c: [-99.0] for c in data.columns})
    from_sav = _fit_json("--data", str(path))
    _same_estimates(from_sav, from_csv)
    assert from_sav["fit"]["nobs"] == from_csv["fit"]["nobs"] == 336
    assert any("SPSS user-defined missing values read as missing" in w
               for w in from_sav["warnings"])


def test_fit_on_xlsx_equals_fit_on_csv(tmp_path, from_csv):
    path = tmp_path / "corp_rep.xlsx"
    _corp_rep().to_excel(path, index=False)
    _same_estimates(_fit_json("--data", str(path), "--na-values", "-99"), from_csv)


@pytest.mark.parametrize(("name", "content", "fragment"), [
    ("survey.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "save it as .xlsx"),
    ("survey.sav", b"garbage" * 20, "save it again from SPSS"),
    ("likert.csv", None, "column 'comp_1' holds answer labels"),
])
def test_the_cli_exits_2_with_the_fix(tmp_path, name, content, fragment):
    path = tmp_path / name
    if content is None:  # corp_rep with one item's answers as their labels
        data = _corp_rep()
        data["comp_1"] = data["comp_1"].map(lambda v: "Agree" if v > 4 else "Disagree")
        data.to_csv(path, index=False)
    else:
        path.write_bytes(content)
    result = CliRunner().invoke(main, ["fit", str(ROOT / "models/corp_rep.yaml"),
                                       "--data", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and fragment in result.stderr, result.stderr
    assert "Traceback" not in result.output
