"""The one table reader: encodings, separators and quoting from the data, workbooks, refusals."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from partnership_tools.kernel.errors import PlainError
from partnership_tools.kernel.tabular import (
    TabularError,
    decode_bytes,
    detect_dialect,
    read_table,
    read_text_rows,
)

ROWS = (("name", "score"), ("Zoë", "4"), ("Ana", "5"))


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        ("name,score\nZoë,4\nAna,5\n".encode(), "utf-8"),
        ("\ufeffname,score\nZoë,4\nAna,5\n".encode(), "utf-8-sig"),
        ("name\tscore\r\nZoë\t4\r\nAna\t5\r\n".encode("utf-16"), "utf-16"),  # Excel "Unicode text"
        ("name;score\nZoë;4\nAna;5\n".encode("utf-16-be").join([b"\xfe\xff", b""]), "utf-16"),
        ("name|score\nZoë|4\nAna|5\n".encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_are_detected(tmp_path, encoded, encoding):
    table = read_table(write(tmp_path, "t.csv", encoded))
    assert table.rows == ROWS
    assert table.encoding == encoding
    assert bool(table.warnings) == (encoding == "cp1252")


def test_windows_1252_reports_the_first_byte_that_is_not_utf8():
    decoded = decode_bytes("ab,Café\n".encode("cp1252"), "x.csv")
    assert (decoded.text, decoded.bad_byte) == ("ab,Café\n", 7)


def test_bytes_that_are_no_known_encoding_are_refused_naming_the_file():
    with pytest.raises(
        TabularError, match=r"^x\.csv is neither UTF-8 nor Windows-1252 text \(byte 2"
    ):
        decode_bytes(b"a\x81b", "x.csv")


def test_semicolon_file_whose_header_contains_a_comma():
    text = "Name, in full;score;note\nSmith, Jo;4;ok\nDoe, Al;5;fine, thanks\n"
    t = read_text_rows(text, "semi.csv")
    assert t.separator == ";"
    assert t.rows[0] == ("Name, in full", "score", "note")
    assert t.rows[2] == ("Doe, Al", "5", "fine, thanks")


def test_comma_file_with_semicolon_lists_in_its_cells():
    # Microsoft Forms writes ranking answers as "A;B;C;" inside a comma-separated file.
    text = "ID,Rank these\n1,Pool budgets;Stay separate;\n2,Stay separate;Pool budgets;\n"
    assert detect_dialect(text).separator == ","


def test_separator_is_decided_by_the_data_not_the_header_alone():
    # The header has one comma and one tab; only tabs split every row the same way.
    text = "a,b\tc\n1\t2\n3\t4\n5\t6,7\n"
    assert detect_dialect(text).separator == "\t"


def test_quoted_cells_keep_separators_and_line_breaks():
    text = 'id,comment\n1,"one, two"\n2,"line\nbreak"\n3,x\n'
    t = read_text_rows(text, "q.csv")
    assert t.rows[1:] == (("1", "one, two"), ("2", "line\nbreak"), ("3", "x"))
    assert t.lines == (1, 2, 3, 5)


def test_single_quotes_are_detected_when_double_quotes_are_not_used():
    t = read_text_rows("a;b\n'x;y';2\n", "s.csv")
    assert t.quotechar == "'" and t.rows[1] == ("x;y", "2")


def test_pipe_separated_and_tsv_suffix(tmp_path):
    assert read_text_rows("a|b\n1|2\n", "p.txt").rows == (("a", "b"), ("1", "2"))
    # A .tsv is split at tabs even when commas would split as well.
    t = read_table(write(tmp_path, "t.tsv", b"a,x\tb\n1,y\t2\n"))
    assert t.separator == "\t" and t.rows == (("a,x", "b"), ("1,y", "2"))


def test_blank_lines_give_no_row_but_keep_line_numbers():
    t = read_text_rows("a,b\n\n1,2\n\n\n3,4\n", "b.csv")
    assert t.rows == (("a", "b"), ("1", "2"), ("3", "4"))
    assert t.lines == (1, 3, 6)


@pytest.mark.parametrize("content", [b"", b"\n \r\n  \n"])
def test_an_empty_file_is_refused_in_one_sentence(tmp_path, content):
    with pytest.raises(TabularError) as err:
        read_table(write(tmp_path, "empty.csv", content))
    assert str(err.value) == "empty.csv is empty."
    assert isinstance(err.value, PlainError) and isinstance(err.value, ValueError)


def test_missing_file_and_unclosed_quote(tmp_path):
    with pytest.raises(TabularError, match="There is no file"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(TabularError, match=r"^u\.csv, line 2: a quoted cell is never closed\.$"):
        read_text_rows('a,b\n"open,1\n2,3\n', "u.csv")


def _workbook(tmp_path: Path, rows: list[list[object]], name: str = "w.xlsx") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Answers"
    for r in rows:
        ws.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


def _set_dimension(path: Path, ref: str) -> None:
    """Rewrite the sheet's <dimension ref=...> as some exporters get it wrong."""
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml, n = re.subn(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), parts[sheet])
    assert n == 1
    parts[sheet] = xml
    with zipfile.ZipFile(path, "w") as zf:
        for filename, data in parts.items():
            zf.writestr(filename, data)


@pytest.mark.parametrize("false_dimension", ["A1:A1", "A1:J40"])
def test_xlsx_with_a_false_dimension_reads_what_it_holds(tmp_path, false_dimension):
    path = _workbook(tmp_path, [["name", "score", "when"], ["Zoë", 4, None], ["Ana", 4.5, True]])
    _set_dimension(path, false_dimension)
    t = read_table(path)
    assert t.separator is None
    assert t.rows == (("name", "score", "when"), ("Zoë", "4"), ("Ana", "4.5", "TRUE"))
    assert t.lines == (1, 2, 3)


def test_xlsx_sheet_by_name_and_unknown_sheet(tmp_path):
    path = _workbook(tmp_path, [["a"], ["1"]])
    assert read_table(path, sheet="Answers").rows == (("a",), ("1",))
    with pytest.raises(
        TabularError, match=r"^w\.xlsx has no sheet 'Nope'; its sheets are: Answers\.$"
    ):
        read_table(path, sheet="Nope")


def test_oversize_workbook_is_refused_before_parsing(tmp_path):
    path = _workbook(tmp_path, [["x" * 50] * 20] * 20)
    with zipfile.ZipFile(path) as zf:
        size = sum(i.file_size for i in zf.infolist())
    assert read_table(path, max_bytes=size).rows[0][0] == "x" * 50
    with pytest.raises(TabularError) as err:
        read_table(path, max_bytes=size - 1)
    msg = str(err.value)
    assert msg.startswith("w.xlsx would take") and "over the limit" in msg and msg.endswith(".")


def test_not_a_workbook_and_old_xls(tmp_path):
    with pytest.raises(TabularError, match="could not be opened as an Excel workbook"):
        read_table(write(tmp_path, "b.xlsx", b"not a zip"))
    with pytest.raises(TabularError, match=r"old \.xls format"):
        read_table(write(tmp_path, "o.csv", b"\xd0\xcf\x11\xe0rest"))
