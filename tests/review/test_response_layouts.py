"""Response files laid out the way the survey tools export them: header rows, bookkeeping
columns, the stakeholder question under its own wording, free text, and files with no answers.
Every expected code below is worked out by hand from the scale (1 = Strongly disagree ...
5 = Strongly agree, 8 = Don't know, 9 = Not applicable)."""

from __future__ import annotations

import math

import openpyxl
import pytest

from partnership_tools.review import Instrument, ResponseFileError, read_responses
from partnership_tools.review.response_layouts import recognise_columns

COUNTY = {
    "id": "county",
    "title": "County check",
    "version": "1.0",
    "citation": "Test suite",
    "licence": "CC BY 4.0",
    "scale": {
        "points": [
            {"value": 1, "label": "Strongly disagree"},
            {"value": 2, "label": "Disagree"},
            {"value": 3, "label": "Neither agree nor disagree", "aliases": ["Neutral"]},
            {"value": 4, "label": "Agree"},
            {"value": 5, "label": "Strongly agree"},
        ],
        "positive": [4, 5],
        "negative": [1, 2],
        "dont_know": {"code": 8, "label": "Don't know"},
        "not_applicable": {"code": 9, "label": "Not applicable", "aliases": ["N/A"]},
    },
    "bands": {"strength": 4.0, "discuss": 3.0},
    "respondent_fields": [
        {
            "id": "sector",
            "label": "Which sector do you work in?",
            "values": ["Council", "Health", "Police", "Voluntary sector", "Resident"],
        }
    ],
    "dimensions": [
        {
            "id": "trust",
            "title": "Trust",
            "min_valid_answers": 1,
            "items": [
                {"id": "t1", "text": "Partners do what they say they will do."},
                {
                    "id": "t2",
                    "text": "Partners hold back information that others need.",
                    "reverse": True,
                },
            ],
        },
        {
            "id": "purpose",
            "title": "Shared purpose",
            "min_valid_answers": 1,
            "items": [
                {"id": "p1", "text": "We agree on what the partnership is for."},
                {"id": "p2", "text": "Our joint plans are clear to every partner's staff."},
            ],
        },
    ],
}
ITEMS = ["t1", "t2", "p1", "p2"]


@pytest.fixture(scope="module")
def county() -> Instrument:
    return Instrument.from_dict(COUNTY)


def write(tmp_path, text: str, name: str = "r.csv") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def codes(imp, row: int) -> list[float | None]:
    vals = imp.responses.frame[ITEMS].iloc[row].tolist()
    return [None if math.isnan(v) else v for v in vals]


def uses(imp) -> dict[str, tuple[str, str]]:
    return {c.header: (c.use, c.detail) for c in imp.report.columns}


Q = "How far do you agree with each statement?"
QUALTRICS = (
    "StartDate,EndDate,Status,Progress,Finished,ResponseId,Q1,Q2_1,Q2_2,Q2_3,Q2_4,Q3\n"
    f"Start Date,End Date,Response Type,Progress,Finished,Response ID,Which sector do you work in?,"
    f"{Q} - Partners do what they say they will do,"
    f"{Q} - PARTNERS hold back  information that others need.,"
    f"{Q} - We agree on what the partnership is for.,"
    f"{Q} - Our joint plans are clear to every partner\u2019s staff.,Anything to add?\n"
    + ",".join(f'"{{""ImportId"":""{k}""}}"' for k in range(12))
    + "\n"
    "2023-03-01 10:00:00,2023-03-01 10:05:00,0,100,1,R_a,Council,Strongly agree,Disagree,Agree,"
    "Don\u2019t know,The partnership board should meet in the evenings\n"
    "2023-03-02 10:00:00,2023-03-02 10:05:00,0,100,1,R_b,health ,Neutral,N/A,Strongly-Disagree,"
    "Agree,Too many acronyms in every single paper\n"
)


def test_qualtrics_three_header_rows_statements_after_the_dash(tmp_path, county):
    imp = read_responses(write(tmp_path, QUALTRICS), county)
    assert imp.missing_items == () and imp.invalid_cells == ()
    # Strongly agree 5, Disagree 2, Agree 4, Don't know 8 / Neutral 3, N/A 9, Strongly disagree 1, Agree 4
    assert codes(imp, 0) == [5.0, 2.0, 4.0, 8.0] and codes(imp, 1) == [3.0, 9.0, 1.0, 4.0]
    f = imp.responses.frame
    assert f["sector"].tolist() == ["Council", "Health"]
    assert f["respondent_id"].tolist() == ["R_a", "R_b"]
    assert f["comments"].tolist()[1] == "Too many acronyms in every single paper"
    rep = imp.report
    assert (rep.kind, rep.format, rep.layout, rep.header_rows) == (
        "responses",
        "csv",
        "qualtrics",
        (1, 2, 3),
    )
    u = uses(imp)
    assert u["Start Date"] == ("bookkeeping", "timestamp")
    assert u["Response Type"] == ("bookkeeping", "progress")
    assert u["Response ID"] == ("respondent id", "respondent_id")
    assert u["Which sector do you work in?"] == ("field", "sector")
    assert u[f"{Q} - Partners do what they say they will do"] == ("item", "t1")
    assert u["Anything to add?"][0] == "comment"
    assert rep.to_dict()["set_aside"] == [
        "Start Date",
        "End Date",
        "Response Type",
        "Progress",
        "Finished",
    ]
    assert (imp.first_date, imp.last_date) == ("2023-03-01", "2023-03-02")


def test_qualtrics_legacy_two_header_rows(tmp_path, county):
    text = (
        "ResponseID,ResponseSet,StartDate,EndDate,Finished,Q1,Q2_1,Q2_2,Q2_3,Q2_4\n"
        "ResponseID,ResponseSet,StartDate,EndDate,Finished,Which sector do you work in,"
        f"{Q} - Partners do what they say they will do.,{Q} - Partners hold back information that"
        f" others need.,{Q} - We agree on what the partnership is for.,{Q} - Our joint plans are"
        " clear to every partner's staff.\n"
        "R_1,Default,2022-05-01 09:00:00,2022-05-01 09:10:00,1,Police,4,4,5,1\n"
    )
    imp = read_responses(write(tmp_path, text), county)
    assert imp.report.layout == "qualtrics" and imp.report.header_rows == (1, 2)
    assert codes(imp, 0) == [4.0, 4.0, 5.0, 1.0]
    assert imp.responses.frame["sector"].tolist() == ["Police"]
    # not an answer: set aside as the bookkeeping it is (a Qualtrics response set)
    assert uses(imp)["ResponseSet"] == ("bookkeeping", "collector id")


def test_title_row_above_a_merged_question_header(tmp_path, county):
    # a sheet saved as CSV: a title, the question written once over its statements, the
    # statements below it, the sector header on the second row only; three header rows
    text = (
        "County partnership check - typed up,,,,\n"
        f",{Q},,,\n"
        "Which sector do you work in,Partners do what they say they will do.,Partners hold back"
        " information that others need.,We agree on what the partnership is for.,Our joint"
        " plans are clear to every partner's staff.\n"
        "Police,4,2,5,8\n"
        "Health,Agree,Disagree,Strongly disagree,9\n"
    )
    imp = read_responses(write(tmp_path, text), county)
    assert imp.report.header_rows == (1, 2, 3)
    assert codes(imp, 0) == [4.0, 2.0, 5.0, 8.0]
    assert codes(imp, 1) == [4.0, 2.0, 1.0, 9.0]
    assert imp.responses.frame["sector"].tolist() == ["Police", "Health"]
    assert [u[0] for u in uses(imp).values()] == ["field", "item", "item", "item", "item"]


SM = (
    "Respondent ID,Collector ID,Start Date,End Date,IP Address,Email Address,What is your sector?,"
    "How far do you agree?,,,,Any other thoughts?\n"
    ",,,,,,Response,Partners do what they say they will do,Partners hold back information that"
    " others need,We agree on what the partnership is for,Our joint plans are clear to every"
    " partner's staff,Open-Ended Response\n"
    "1001,55,03/13/2024 10:00:00 AM,03/13/2024 10:04:00 AM,10.0.0.1,a@x.org,Council,"
    "Strongly agree,Disagree,Agree,Agree,The meetings are much better this year\n"
    "1002,55,03/14/2024 10:00:00 AM,03/14/2024 10:04:00 AM,10.0.0.2,b@x.org,Voluntary  Sector,"
    "Agree,Agree,Disagree,Don't know,We were not invited to the summer workshop\n"
    "1003,55,03/15/2024 10:00:00 AM,03/15/2024 10:04:00 AM,10.0.0.3,c@x.org,Police,"
    "Strongly disagree,Strongly agree,Neither agree nor disagree,Not applicable,\n"
)


def test_surveymonkey_matrix_two_header_rows(tmp_path, county):
    imp = read_responses(write(tmp_path, SM), county)
    assert imp.report.layout == "surveymonkey" and imp.report.header_rows == (1, 2)
    assert codes(imp, 0) == [5.0, 2.0, 4.0, 4.0]
    assert codes(imp, 1) == [4.0, 4.0, 2.0, 8.0]
    assert codes(imp, 2) == [1.0, 5.0, 3.0, 9.0]
    f = imp.responses.frame
    # the stakeholder question is under its own wording: found by its answers
    assert f["sector"].tolist() == ["Council", "Voluntary sector", "Police"]
    assert f["respondent_id"].tolist() == ["1001", "1002", "1003"]
    assert f["comments"].tolist()[:2] == [
        "The meetings are much better this year",
        "We were not invited to the summer workshop",
    ]
    u = uses(imp)
    assert u["What is your sector?"] == ("field", "sector, by its values")
    assert u["Any other thoughts?"] == ("comment", "comments, free text")
    assert {k for k, v in u.items() if v[0] == "bookkeeping"} == {
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
    }
    assert (imp.first_date, imp.last_date) == ("2024-03-13", "2024-03-15")


def test_google_grid_with_form_questions(tmp_path, county):
    g = "Please rate"
    text = (
        "Timestamp,Email address,Which part of the partnership do you speak for?,"
        f'{g} [Partners do what they say they will  do],"{g} [partners hold back information,'
        f' that others need]",{g} [We agree on what the partnership is for.],'
        f"{g} [Our joint plans are clear to every partner\u2019s staff],Do you consent?,"
        "Anything else the facilitator should know?\n"
        "2024/05/01 9:02:11 AM GMT+1,a@x.org,Council,Agree,Agree,Agree,Agree,Yes,\n"
        "2024/05/01 9:05:40 AM GMT+1,b@x.org,RESIDENT,Disagree,Strongly agree,Agree,Disagree,Yes,"
        '"More notice of meetings, please"\n'
        ",,,,,,,,\n"
    )
    imp = read_responses(write(tmp_path, text), county)
    assert imp.report.layout == "google forms"
    # the comma inside the header and the extra space do not hide t2 and t1
    assert codes(imp, 0) == [4.0, 4.0, 4.0, 4.0] and codes(imp, 1) == [2.0, 5.0, 4.0, 2.0]
    assert imp.responses.frame["sector"].tolist() == ["Council", "Resident"]
    u = uses(imp)
    assert u["Do you consent?"][0] == "set aside"
    assert u["Anything else the facilitator should know?"][0] == "comment"
    assert imp.report.blank_rows == (4,) and imp.responses.n == 2


def test_excel_qualtrics_with_numbers_and_a_footer(tmp_path, county):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["StartDate", "EndDate", "ResponseId", "Q1", "Q2_1", "Q2_2", "Q2_3", "Q2_4"])
    ws.append(
        ["Start Date", "End Date", "Response ID", "Which sector do you work in?"]
        + [f"{Q} - {it['text']}" for d in COUNTY["dimensions"] for it in d["items"]]
    )
    ws.append(['{"ImportId":"x"}'] * 8)
    ws.append(["2024-01-01 10:00", "2024-01-01 10:05", "R_1", "Health", 5, 4, 3, 2])
    ws.append(["2024-01-02 10:00", "2024-01-02 10:05", "R_2", "Police", 1, "Agree", 8, 9])
    ws.append([])
    ws.append(["Exported from Qualtrics on 3 January 2024"])
    path = tmp_path / "export.xlsx"
    wb.save(path)
    imp = read_responses(path, county)
    assert imp.report.format == "xlsx" and imp.report.layout == "qualtrics"
    assert imp.report.header_rows == (1, 2, 3) and imp.report.footer_lines == (7,)
    assert codes(imp, 0) == [5.0, 4.0, 3.0, 2.0] and codes(imp, 1) == [1.0, 4.0, 8.0, 9.0]
    assert imp.responses.n == 2


def test_the_group_found_by_values_two_candidates_stop_and_group_column_settles(tmp_path, county):
    text = "Home sector,Lead sector,t1\nCouncil,Health,4\nPolice,Council,5\n"
    path = write(tmp_path, text)
    with pytest.raises(ResponseFileError) as err:
        read_responses(path, county)
    msg = str(err.value)
    assert "'Home sector' and 'Lead sector'" in msg and "--group-column" in msg
    assert "\n" not in msg
    by_name = read_responses(path, county, group_column="lead  SECTOR", group_field="sector")
    assert by_name.responses.frame["sector"].tolist() == ["Health", "Council"]
    assert uses(by_name)["Lead sector"] == ("group", "sector, named with --group-column")
    by_number = read_responses(path, county, group_column="1")
    assert by_number.responses.frame["sector"].tolist() == ["Council", "Police"]
    with pytest.raises(ResponseFileError, match="has no column 'Region'"):
        read_responses(path, county, group_column="Region")


def test_free_text_is_kept_as_a_comment_whatever_its_header(tmp_path, county):
    text = (
        "t1,Notes from the meeting,Rating given,Office\n"
        "4,The chair summarised every action clearly,Agree,Leeds\n"
        "2,Two partners left before the vote was taken,Disagree,Leeds\n"
    )
    imp = read_responses(write(tmp_path, text), county)
    assert imp.responses.frame["comments"].tolist() == [
        "The chair summarised every action clearly",
        "Two partners left before the vote was taken",
    ]
    u = uses(imp)
    # answer labels are no comment; a short repeated value is no free text
    assert u["Rating given"][0] == "set aside" and u["Office"][0] == "set aside"
    assert imp.unmatched_columns == ("Rating given", "Office")


@pytest.mark.parametrize(
    "text",
    [
        "t1,sector\n",
        "t1,sector\n,\n\n",
        QUALTRICS.split("2023-03-01")[0],
        SM.split("1001")[0],
    ],
)
def test_a_header_without_responses_is_refused(tmp_path, county, text):
    with pytest.raises(ResponseFileError) as err:
        read_responses(write(tmp_path, text, "form.csv"), county)
    msg = str(err.value)
    assert msg.startswith("form.csv has a header but no responses") and "\n" not in msg


def test_a_wave_column_follows_its_dates_not_row_order(tmp_path, county):
    text = (
        "Timestamp,wave,t1\n"
        "2024-03-01 10:00,spring review,2\n"
        "2023-09-01 10:00,autumn review,5\n"
        "2024-03-02 10:00,spring review,3\n"
    )
    imp = read_responses(write(tmp_path, text), county)
    assert imp.responses.waves == ("autumn review", "spring review")
    f = imp.responses.frame
    assert f.loc[f["wave"] == "spring review", "t1"].tolist() == [2.0, 3.0]
    assert any("autumn review (from 2023-09-01)" in n for n in imp.report.notes)
    plain = "wave,t1\nspring,2\nautumn,5\n"
    assert read_responses(write(tmp_path, plain, "p.csv"), county).responses.waves == (
        "spring",
        "autumn",
    )


def test_recognise_columns_prefers_wording_to_a_tool_code(county):
    rows = [
        ["ResponseId", "StartDate", "t2", "Q9"],
        ["Response ID", "Start Date", "Partners do what they say they will do", "Q9"],
        ["R_1", "2024-01-01", "4", "x"],
    ]
    lay = recognise_columns(rows, county)
    assert [(r.use, r.target) for r in lay.roles][2] == ("item", "t1")


def test_an_item_is_matched_by_the_tools_code_when_the_wording_differs(county):
    rows = [
        ["ResponseId", "StartDate", "t1", "p1"],
        ["Response ID", "Start Date", "Partners keep promises (reworded)", "Other text"],
        ["R_1", "2024-01-01", "4", "2"],
    ]
    lay = recognise_columns(rows, county)
    assert [(r.use, r.target) for r in lay.roles][2:] == [("item", "t1"), ("item", "p1")]
