"""The one table reader: encodings, separators and quoting from the data, workbooks, refusals."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from partnership_tools.kernel.errors import PlainError
from partnership_tools.kernel.tabular import (
    Table,
    TabularError,
    decode_bytes,
    detect_dialect,
    footer_start,
    has_data_rows,
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


# -- issue 9: every table a real tool or Excel writes ------------------------------------------
ACCENTS = "Nom;Commentaire\r\nRené;l’été – très bien\r\nZoë;déjà vu\r\n"


def test_windows_1252_accents_read_right_with_a_warning_naming_the_encoding(tmp_path):
    t = read_table(write(tmp_path, "fr.csv", ACCENTS.encode("cp1252")))
    assert t.encoding == "cp1252" and t.separator == ";"
    assert t.rows == (("Nom", "Commentaire"), ("René", "l’été – très bien"), ("Zoë", "déjà vu"))
    assert t.warnings == (
        "fr.csv is not UTF-8; it was read as Windows (cp1252) text: check accented letters.",
    )


def test_the_same_bytes_always_decode_the_same_way():
    raw = ACCENTS.encode("cp1252")
    assert {decode_bytes(raw, "fr.csv") for _ in range(3)} == {decode_bytes(raw, "fr.csv")}
    # "é" is byte 0xE9, the 21st byte: the first that is not UTF-8.
    assert decode_bytes(raw, "fr.csv").bad_byte == 21


def test_a_longer_western_file_stays_windows_1252():
    # On these 15 KB the library's own first guess is Baltic cp1257, which reads "très" as "trčs".
    raw = (ACCENTS * 300).encode("cp1252")
    decoded = decode_bytes(raw, "long.csv")
    assert decoded.encoding == "cp1252"
    assert decoded.text == ACCENTS * 300


def test_a_cyrillic_windows_file_is_left_to_the_library():
    text = "Имя;Группа\nИван;Совет\nОльга;Партнёры по здоровью\n"
    decoded = decode_bytes(text.encode("cp1251"), "ru.csv")
    assert (decoded.text, decoded.encoding) == (text, "cp1251")
    assert read_text_rows(decoded.text, "ru.csv").rows[2] == ("Ольга", "Партнёры по здоровью")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_excel_unicode_text_with_a_byte_order_mark_is_tab_separated(tmp_path, codec):
    bom = b"\xff\xfe" if codec.endswith("le") else b"\xfe\xff"
    text = "Rank, please\tGroup\r\nC>A>B\tCouncil – North\r\nB>A\tSanté\r\n"
    t = read_table(write(tmp_path, "unicode.txt", bom + text.encode(codec)))
    assert (t.encoding, t.separator, t.warnings) == ("utf-16", "\t", ())
    assert t.rows == (
        ("Rank, please", "Group"),
        ("C>A>B", "Council – North"),
        ("B>A", "Santé"),
    )


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_found_from_its_zero_bytes(tmp_path, codec):
    t = read_table(write(tmp_path, "nobom.txt", "a\tb\r\n1\té\r\n".encode(codec)))
    assert t.encoding == codec
    assert t.rows == (("a", "b"), ("1", "é"))
    assert len(t.warnings) == 1 and codec in t.warnings[0] and "nobom.txt" in t.warnings[0]


def test_bytes_that_are_text_in_no_encoding_name_the_file_and_the_byte(tmp_path):
    # a , b \n 1 , 0x81: 0x81 is byte 7 and is undefined in Windows-1252.
    with pytest.raises(TabularError) as err:
        read_table(write(tmp_path, "bad.csv", b"a,b\n1,\x81\n"))
    assert str(err.value) == (
        "bad.csv is neither UTF-8 nor Windows-1252 text (byte 7 cannot be read);"
        " save it as CSV UTF-8 and try again."
    )


def test_european_excel_semicolons_with_commas_in_header_and_decimal_commas():
    text = (
        '"Rank, please";"Group";"Weight"\r\n'
        "C>A>B;Council;1,5\r\nA>B>C;Health;2,25\r\nB>C>A;Council;0,5\r\n"
    )
    t = read_text_rows(text, "euro.csv")
    assert t.separator == ";"
    assert t.rows == (
        ("Rank, please", "Group", "Weight"),
        ("C>A>B", "Council", "1,5"),
        ("A>B>C", "Health", "2,25"),
        ("B>C>A", "Council", "0,5"),
    )


def test_forms_lists_of_equal_length_stay_inside_a_comma_file():
    text = "ID,Name,Rank these\n1,Ada,A;B;C;\n2,Bo,B;A;C;\n3,Cy,C;B;A;\n"
    assert detect_dialect(text).separator == ","


def test_quoted_separators_doubled_quotes_and_line_breaks():
    text = 'id,comment\r\n1,"she said ""yes, fine"""\r\n2,"two\r\nlines, here"\r\n3,end\r\n'
    t = read_text_rows(text, "q.csv")
    assert t.rows == (
        ("id", "comment"),
        ("1", 'she said "yes, fine"'),
        ("2", "two\r\nlines, here"),
        ("3", "end"),
    )
    assert t.lines == (1, 2, 3, 5)


def test_old_mac_line_endings_and_mixed_line_endings():
    mac = read_text_rows("a;b\r1;2\r3;4\r", "mac.csv")
    assert (mac.separator, mac.rows, mac.lines) == (
        ";",
        (("a", "b"), ("1", "2"), ("3", "4")),
        (1, 2, 3),
    )
    mixed = read_text_rows("a,b\r\n1,2\n3,4\r\n\r\n5,6\r", "mixed.csv")
    assert mixed.rows == (("a", "b"), ("1", "2"), ("3", "4"), ("5", "6"))
    assert mixed.lines == (1, 2, 3, 5)


def test_a_csv_footer_after_a_blank_line_is_set_aside():
    text = "name,group\nAda,Council\nBo,Health\n\nExported from Forms on 2024-05-01\n"
    t = read_text_rows(text, "f.csv")
    assert t.rows == (("name", "group"), ("Ada", "Council"), ("Bo", "Health"))
    assert (t.lines, t.footer_lines) == ((1, 2, 3), (5,))


def test_a_footer_word_row_needs_no_blank_line_and_blank_cells_are_blank():
    t = read_text_rows("name,group\nAda,Council\nTotal responses: 1,\n", "f.csv")
    assert (t.rows, t.footer_lines) == ((("name", "group"), ("Ada", "Council")), (3,))
    t = read_text_rows("name,group\nAda,Council\n,\nGenerated by Qualtrics\n", "f.csv")
    assert (t.rows, t.footer_lines) == ((("name", "group"), ("Ada", "Council")), (4,))


@pytest.mark.parametrize(
    "text",
    [
        "ranking\nA>B\n\nB>A\n",  # one column: never a footer
        "ranking,group\nA>B,Council\n\nB>A,\n",  # one word after the blank line
        "name,score\nAda,4\n\n5\n",  # a number
        "id,comment\n1,ok\n2,fine\nJust a remark here\n",  # no blank line, no footer word
        "id,comment\n1,ok\n\n,Exported on Monday\n",  # not in the first column
    ],
)
def test_genuine_last_data_rows_are_kept(text):
    t = read_text_rows(text, "keep.csv")
    assert t.footer_lines == ()
    assert len(t.rows) == len([line for line in text.splitlines() if line])


def test_footer_start_counts_wide_rows_above():
    wide = [("a", "b", "c"), ("1", "2", "3"), ("4", "5", "6")]
    assert footer_start([*wide, ("Total: 2",)]) == 3
    assert footer_start([*wide, (), ("Report run by Ana",), ("Source: Forms",)]) == 4
    narrow = [("a", "b"), ("x", ""), ("y", ""), ("Total: 2",)]
    assert footer_start(narrow) == 4  # the rows above are not wide


def test_header_only_files_are_read_and_have_no_data_rows(tmp_path):
    t = read_table(write(tmp_path, "form.csv", b"Name,Group,Rank these\r\n"))
    assert t.rows == (("Name", "Group", "Rank these"),) and t.lines == (1,)
    assert not has_data_rows(t)
    assert has_data_rows(read_text_rows("Name,Group\nAda,\n", "f.csv"))
    three = Table("q.csv", (("Q1",), ("Question",), ("{ImportId}",)), (1, 2, 3))
    assert has_data_rows(three) and not has_data_rows(three, header_rows=3)


def _merged_workbook(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "About"
    cover.append(["This workbook holds the answers"])
    ws = wb.create_sheet("Responses")
    ws.append(["ID", "Rank the options", None, None])
    ws.append([None, "Pool", "Separate", "Joint"])
    ws.append([1, 1, 2, 3])
    ws.append([2, 3, None, 1])
    ws.append(["Ana", None, None, None])  # a respondent who answered nothing: data
    ws.append([])
    ws.append(["Total responses: 3"])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:D1")
    ws.merge_cells("B4:C4")  # a merge in the data is left as it is
    path = tmp_path / "forms.xlsx"
    wb.save(path)
    return path


def test_xlsx_named_sheet_merged_header_filled_and_footer_set_aside(tmp_path):
    path = _merged_workbook(tmp_path)
    assert read_table(path).rows == (("This workbook holds the answers",),)
    t = read_table(path, sheet="Responses")
    assert t.rows == (
        ("ID", "Rank the options", "Rank the options", "Rank the options"),
        ("ID", "Pool", "Separate", "Joint"),
        ("1", "1", "2", "3"),
        ("2", "3", "", "1"),
        ("Ana",),
    )
    assert (t.lines, t.footer_lines) == ((1, 2, 3, 4, 5), (7,))
    assert t.warnings == ()


def test_xlsx_merged_header_filled_is_split_into_question_and_label(tmp_path):
    # the reader fills a merge across its span; split_header_rows reads the filled rows back
    # as one question over its labels (a merged cell), so nothing downstream sees a repeat
    from partnership_tools.kernel.headers import split_header_rows

    h = split_header_rows(read_table(_merged_workbook(tmp_path), sheet="Responses").rows)
    assert (h.style, h.rows) == ("spreadsheet", 2)
    assert h.texts() == [
        "ID",
        "Rank the options [Pool]",
        "Rank the options [Separate]",
        "Rank the options [Joint]",
    ]


def test_xlsx_title_merged_across_the_row_is_filled_and_kept(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Board vote, March"])
    ws.merge_cells("A1:C1")
    for row in (["Group", "Joint", "Lead"], ["Health", 1, 2], [], ["Total: 1"]):
        ws.append(row)
    path = tmp_path / "titled.xlsx"
    wb.save(path)
    t = read_table(path)
    assert t.rows == (("Board vote, March",) * 3, ("Group", "Joint", "Lead"), ("Health", "1", "2"))
    assert t.footer_lines == (5,)


def test_xlsx_lone_export_line_right_under_the_data_is_a_footer(tmp_path):
    path = _workbook(
        tmp_path,
        [["name", "group"], ["Ada", "Council"], ["Exported from Microsoft Forms on 2024-05-01"]],
    )
    t = read_table(path)
    assert (t.rows, t.footer_lines) == ((("name", "group"), ("Ada", "Council")), (3,))


def test_xlsx_header_only(tmp_path):
    t = read_table(_workbook(tmp_path, [["Name", "Group"]]))
    assert t.rows == (("Name", "Group"),) and not has_data_rows(t)
