"""Importing responses: numbers or labels, columns by id or wording, every invalid cell reported
(row, column, value, why) and left blank, never zero; unreadable files give one plain sentence."""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest

from partnership_tools.review import (
    DEFAULT_WAVE,
    InvalidCell,
    ResponseFileError,
    Responses,
    read_responses,
)
from tests.conftest import SAMPLE


def write(tmp_path, text: str, name: str = "r.csv", encoding: str = "utf-8") -> str:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return str(p)


def test_sample_wave_one_form_export(ten):
    imp = read_responses(SAMPLE / "ten_lessons_wave1.csv", ten)
    r = imp.responses
    assert r.n == 40 and r.waves == ("phase one",)
    assert len(imp.matched) == 30 and set(imp.matched.values()) == set(ten.item_ids)
    assert imp.unmatched_columns == ("Timestamp",)
    assert imp.invalid_cells == () and imp.missing_items == ()
    assert set(r.frame["level"]) == set(ten.field("level").values)
    assert (r.frame["comments"] != "").sum() == 6
    assert r.frame[list(ten.item_ids)].isna().to_numpy().sum() > 0  # a few blanks
    assert (r.frame[list(ten.item_ids)] == 8).to_numpy().sum() > 0  # some don't knows


def test_sample_wave_two_numbers(ten):
    imp = read_responses(SAMPLE / "ten_lessons_wave2.csv", ten)
    assert imp.ok and imp.responses.n == 39 and imp.responses.waves == ("phase two",)
    assert imp.matched_fields == {
        "respondent_id": "respondent_id",
        "wave": "wave",
        "level": "level",
        "partner_type": "partner_type",
        "comments": "comments",
    }
    assert imp.responses.frame["respondent_id"].iloc[0] == "P2-001"


def test_labels_and_numbers_give_the_same_codes(tmp_path, tiny):
    by_number = write(tmp_path, "level,a1,a2,b1\nP,5,1,8\nM,3,9,\n", "n.csv")
    by_label = write(
        tmp_path,
        "Level,Alpha one is true.,alpha TWO is false,Beta holds\n"
        "p,Strongly agree,strongly disagree,Don’t know\nM,Neither agree nor disagree,N/A,\n",
        "l.csv",
    )
    a = read_responses(by_number, tiny, wave="w").responses
    b = read_responses(by_label, tiny, wave="w").responses
    cols = ["level", "a1", "a2", "b1"]
    assert a.frame[cols].equals(b.frame[cols])
    assert a.frame["a1"].tolist() == [5.0, 3.0]
    assert math.isnan(a.frame.loc[1, "b1"])


def test_every_invalid_cell_is_reported_and_left_blank(tmp_path, tiny):
    text = (
        "respondent_id,level,a1,a2,b1\n"
        "r1,P,7,2,4\n"  # 7: out of range
        "r2,M,Somewhat agree,2,4\n"  # unknown label
        "r3,F,4 or 5,2,4\n"  # not a number
        "r4,C,3.5,-1,0\n"  # not on the scale (x3)
        "r5,Chief,4,?,4\n"  # level not allowed; a symbol
        "r6,,5 - Strongly agree,4 - Strongly agree,4\n"  # required level blank; number and label disagree
    )
    imp = read_responses(write(tmp_path, text), tiny, wave="w")
    got = [(c.row, c.column, c.value, c.kind) for c in imp.invalid_cells]
    assert got == [
        (2, "a1", "7", "out_of_range"),
        (3, "a1", "Somewhat agree", "unknown_label"),
        (4, "a1", "4 or 5", "not_a_number"),
        (5, "a1", "3.5", "out_of_range"),
        (5, "a2", "-1", "out_of_range"),
        (5, "b1", "0", "out_of_range"),
        (6, "level", "Chief", "not_allowed"),
        (6, "a2", "?", "not_a_number"),
        (7, "level", "", "required"),
        (7, "a2", "4 - Strongly agree", "unknown_label"),
    ]
    by_row = {c.row: c for c in imp.invalid_cells}
    assert (
        "7 is not on the scale (1 to 5)" in by_row[2].why and '8 = "Don\'t know"' in by_row[2].why
    )
    assert "Strongly disagree" in by_row[3].why  # lists the labels it knows
    assert "disagree" in imp.invalid_cells[-1].why
    f = imp.responses.frame
    # bad cells become missing, never zero; good cells in the same rows are kept
    assert f["a1"].isna().tolist() == [True, True, True, True, False, False]
    assert f["a1"].iloc[5] == 5.0 and (f[["a1", "a2", "b1"]] == 0).to_numpy().sum() == 0
    assert f["b1"].tolist()[:3] == [4.0, 4.0, 4.0]
    assert f["level"].isna().tolist() == [False, False, False, False, True, True]
    assert not imp.ok
    assert "left blank" in imp.summary()
    assert list(imp.invalid_frame().columns) == ["row", "column", "value", "why", "kind"]


def test_columns_matched_by_id_or_wording_and_unmatched_reported(tmp_path, tiny):
    text = (
        "Timestamp,Email,Q1. Alpha one is true.,Rate these [Alpha two is false.],B1,LEVEL,Any other comments?\n"
        "2024-01-01,a@b,4,2,5,P,Fine\n"
    )
    imp = read_responses(write(tmp_path, text), tiny)
    assert imp.matched == {
        "Q1. Alpha one is true.": "a1",
        "Rate these [Alpha two is false.]": "a2",
        "B1": "b1",
    }
    assert imp.matched_fields == {"LEVEL": "level", "Any other comments?": "comments"}
    assert imp.unmatched_columns == ("Timestamp", "Email")
    assert imp.responses.frame["comments"].tolist() == ["Fine"]
    assert imp.responses.waves == (DEFAULT_WAVE,)


def test_duplicate_columns_and_missing_items(tmp_path, tiny):
    imp = read_responses(write(tmp_path, "a1,A1,level\n4,5,P\n"), tiny)
    assert imp.unmatched_columns == ("A1",)
    assert any("both match a1" in w for w in imp.warnings)
    assert imp.missing_items == ("a2", "b1")
    assert imp.responses.frame["a2"].isna().all()


def test_bom_semicolons_and_windows_text(tmp_path, tiny):
    bom = read_responses(write(tmp_path, "\ufeffa1,level\n4,P\n", "bom.csv"), tiny)
    assert bom.matched == {"a1": "a1"}
    semi = read_responses(write(tmp_path, "a1;b1;level\n4;5;P\n", "semi.csv"), tiny)
    assert semi.responses.frame[["a1", "b1"]].iloc[0].tolist() == [4.0, 5.0]
    cp = read_responses(write(tmp_path, "a1,level,comments\n4,P,Café\n", "cp.csv", "cp1252"), tiny)
    assert cp.responses.frame["comments"].iloc[0] == "Café"
    assert any("cp1252" in w for w in cp.warnings)


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(tmp_path, tiny):
    imp = read_responses(write(tmp_path, "a1,level\n4,P\n,\n\n9x,M\n"), tiny)
    assert imp.responses.n == 2 and imp.dropped_blank_rows == 2
    assert imp.invalid_cells[0].row == 5


def test_wave_argument_column_and_default(tmp_path, tiny):
    path = write(tmp_path, "wave,a1,level\none,4,P\n,5,M\n")
    imp = read_responses(path, tiny)
    assert imp.responses.frame["wave"].tolist() == ["one", DEFAULT_WAVE]
    assert imp.invalid_cells == (
        InvalidCell(3, "wave", "", f"blank wave; put in {DEFAULT_WAVE!r}", "required"),
    )
    forced = read_responses(path, tiny, wave="two")
    assert forced.responses.waves == ("two",)
    assert any("overridden" in w for w in forced.warnings)


def test_excel_numbers_labels_and_row_numbers(tmp_path, tiny):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Respondent ID", "Level", "a1", "a2", "b1"])
    ws.append(["x1", "P", 4, 2.0, "Strongly agree"])
    ws.append(["x2", "M", 11, "Agree", None])
    path = tmp_path / "r.xlsx"
    wb.save(path)
    imp = read_responses(path, tiny, wave="w")
    f = imp.responses.frame
    assert f["respondent_id"].tolist() == ["x1", "x2"]
    assert f[["a1", "a2", "b1"]].iloc[0].tolist() == [4.0, 2.0, 5.0]
    assert f["a2"].iloc[1] == 4.0 and math.isnan(f["b1"].iloc[1])
    assert [(c.row, c.column, c.value) for c in imp.invalid_cells] == [(3, "a1", "11")]


def test_excel_sheet_by_name_and_unknown_sheet(tmp_path, tiny):
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    ws = wb.create_sheet("Answers")
    ws.append(["a1", "level"])
    ws.append([5, "P"])
    path = tmp_path / "r.xlsx"
    wb.save(path)
    assert read_responses(path, tiny, sheet="Answers").responses.frame["a1"].tolist() == [5.0]
    with pytest.raises(
        ResponseFileError, match="has no sheet 'Nope'; its sheets are: Cover, Answers"
    ):
        read_responses(path, tiny, sheet="Nope")


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("missing.csv", None, "There is no file"),
        ("empty.csv", b"", "is empty"),
        ("blank.csv", b"\n\n  \n", "is empty"),
        ("nothing.csv", b"a,b\n,\n", "None of the 2 columns"),
        ("ragged.csv", b"a1,level\n4,P\n5,M,extra\n", "line 3 has 3 cells but earlier rows have 2"),
        ("binary.csv", b"\x00\x01\x02a1,level", "binary file"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "old .xls format"),
        ("report.pdf", b"%PDF-1.4", "is a .pdf file"),
        ("broken.xlsx", b"not a zip at all", "could not be opened as an Excel workbook"),
    ],
)
def test_unusable_files_give_one_plain_sentence(tmp_path, tiny, name, content, words):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ResponseFileError) as err:
        read_responses(path, tiny)
    msg = str(err.value)
    assert words in msg
    assert msg.endswith(".") and "\n" not in msg and "Traceback" not in msg


def test_folder_is_not_a_file(tmp_path, tiny):
    with pytest.raises(ResponseFileError, match="is a folder"):
        read_responses(tmp_path, tiny)


def test_instrument_by_id(tmp_path):
    imp = read_responses(write(tmp_path, "ud1,level\nAgree,Manager\n"), "ten_lessons")
    assert imp.responses.instrument_id == "ten_lessons"


def test_responses_round_trip_combine_and_long(tiny):
    r1 = Responses.from_records(
        tiny, [{"wave": "1", "level": "P", "a1": "Agree", "b1": 8, "comments": "ok"}]
    )
    r2 = Responses.from_records(tiny, [{"wave": "2", "level": None, "a2": 5}])
    both = Responses.combine([r1, r2])
    assert both.waves == ("1", "2") and both.n == 2
    assert Responses.from_dict(both.to_dict()).equals(both)
    d = both.to_dict()["rows"]
    assert d[0]["answers"] == {"a1": 4, "a2": None, "b1": 8} and d[1]["fields"]["level"] is None
    long = both.to_long()
    assert long[["wave", "item", "value"]].values.tolist() == [
        ["1", "a1", 4.0],
        ["1", "b1", 8.0],
        ["2", "a2", 5.0],
    ]
    assert both.for_wave("2").n == 1
    with pytest.raises(ValueError, match="no wave '3'"):
        both.for_wave("3")


def test_from_records_and_from_frame_refuse_bad_values(tiny):
    with pytest.raises(ValueError, match="Record 1, item a1: 7 is not on the scale"):
        Responses.from_records(tiny, [{"a1": 7}])
    with pytest.raises(ValueError, match="not an allowed answer for level"):
        Responses.from_records(tiny, [{"level": "Chief"}])
    with pytest.raises(ValueError, match="Unknown key"):
        Responses.from_records(tiny, [{"zz": 1}])
    frame = pd.DataFrame({"a1": [4.0, 6.0], "level": ["P", "M"]})
    with pytest.raises(ValueError, match="e.g. 6 for item a1 in row 2"):
        Responses.from_frame(frame, tiny)
    ok = Responses.from_frame(pd.DataFrame({"a1": [4, np.nan], "level": ["P", None]}), tiny)
    assert ok.frame["a1"].dtype == np.float64 and ok.frame["wave"].tolist() == [DEFAULT_WAVE] * 2


def test_source_is_kept_and_written_only_when_known(tiny, tmp_path):
    from partnership_tools.review.responses import FORM_SOURCE, file_source

    plain = Responses.from_records(tiny, [{"a1": 1}, {"a1": 2}])
    assert list(plain.frame.columns)[-2:] == ["comments", "source"]
    assert list(plain.frame["source"]) == ["", ""]
    rows = plain.to_dict()["rows"]
    assert all("source" not in r for r in rows)  # files without sources are written as before
    mixed = Responses.combine(
        [plain.with_source(FORM_SOURCE), plain.with_source(file_source("/x/p.csv"))]
    )
    assert list(mixed.frame["source"]) == ["form", "form", "file: p.csv", "file: p.csv"]
    data = mixed.to_dict()
    assert [r.get("source") for r in data["rows"]] == ["form", "form", "file: p.csv", "file: p.csv"]
    assert Responses.from_dict(data).equals(mixed)
    assert not Responses.from_dict(plain.to_dict()).equals(mixed.for_wave(DEFAULT_WAVE))
    # an imported file leaves it to the caller to say where the responses came from
    imp = read_responses(write(tmp_path, "a1\n1\n"), tiny)
    assert list(imp.responses.frame["source"]) == [""]
    assert list(imp.responses.in_wave("w2").frame["wave"]) == ["w2"]


def test_a_saved_review_with_sources_replays_and_a_changed_source_is_caught(ten, tmp_path):
    import json

    from partnership_tools.reports.replay import replay_file
    from partnership_tools.review import read_review, write_review
    from partnership_tools.review.reviewfile import Review

    online = Responses.from_records(ten, [{"ud1": 4, "level": "Manager"}] * 3).with_source("form")
    paper = Responses.from_records(ten, [{"ud1": 2, "level": "Manager"}] * 2).with_source(
        "file: paper.csv"
    )
    rv = Review("mix", "Mixed", ten, Responses.combine([online, paper])).with_result()
    p = write_review(rv, tmp_path / "mix.json")
    again = read_review(p)
    assert list(again.responses.frame["source"]) == ["form"] * 3 + ["file: paper.csv"] * 2
    assert replay_file(p).verdict.ok
    data = json.loads(p.read_text())
    data["responses"]["rows"][0]["source"] = "file: other.csv"
    p.write_text(json.dumps(data))
    assert not replay_file(p).verdict.ok  # the source is one of the inputs the digest covers
