"""The ``score`` command through the main CLI: the table, the JSON keys, and one plain sentence
with exit status 2 for unusable input."""

from __future__ import annotations

import argparse
import json

import openpyxl
import pytest

from partnership_tools.cli.main import main
from partnership_tools.cli.review import add_score_parser, run_score
from tests.conftest import SAMPLE

W1, W2 = str(SAMPLE / "ten_lessons_wave1.csv"), str(SAMPLE / "ten_lessons_wave2.csv")
KEYS = {
    "id",
    "title",
    "n",
    "respondents",
    "mean",
    "median",
    "sd",
    "pct_positive",
    "pct_negative",
    "dont_know",
    "not_applicable",
    "band",
    "met_minimum",
}


def run(capsys, *argv):
    code = main(["score", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_keys_per_dimension_and_group(capsys):
    code, out, err = run(capsys, W2, "--instrument", "ten_lessons", "--by", "level", "--json")
    assert code == 0
    data = json.loads(out)
    assert (
        data["wave"] == "phase two" and data["respondents"] == 39 and len(data["dimensions"]) == 10
    )
    for dim in data["dimensions"]:
        assert KEYS <= set(dim)
        assert [g["group"] for g in dim["groups"]] == [
            "Policy maker",
            "Manager",
            "Front-line worker",
            "Citizen or community activist",
        ]
        for g in dim["groups"]:
            assert {"n", "mean", "pct_positive", "dont_know", "band"} <= set(g)
    people = next(d for d in data["dimensions"] if d["id"] == "people")
    assert people["band"] == "concern"
    assert any(g["flagged"] for g in data["gaps"])


def test_json_marks_suppressed_groups(capsys, tmp_path):
    rows = (
        ["level,ud1,ud2,ud3"]
        + ["Manager,4,4,2"] * 6
        + ["Policy maker,5,5,1"] * 2
        + ["Front-line worker,2,2,4"] * 7
    )
    path = tmp_path / "small.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, str(path), "--instrument", "ten_lessons", "--by", "level", "--json")
    assert code == 0
    dim = json.loads(out)["dimensions"][0]
    groups = {g["group"]: g for g in dim["groups"]}
    assert groups["Policy maker"] == {"group": "Policy maker", "suppressed": True}
    assert groups["Manager"] == {
        "group": "Manager",
        "suppressed": True,
    }  # protects the policy makers
    # front-line: 2, 2 and 4 (reverse-worded: scores 2) -> mean 2.0 over 21 answers
    assert groups["Front-line worker"]["mean"] == 2.0 and groups["Front-line worker"]["n"] == 21
    # overall: (6 x (4 + 4 + 4) + 2 x (5 + 5 + 5) + 7 x 6) / 45 = (72 + 30 + 42) / 45 = 3.2
    assert dim["mean"] == 3.2 and dim["n"] == 45


def test_table_with_two_waves(capsys):
    code, out, err = run(capsys, W1, W2, "--instrument", "ten_lessons", "--by", "level")
    assert code == 0
    assert out.startswith(
        "Partnership health check (ten lessons) (version 1.0): phase two, 39 respondent(s)"
    )
    assert "Public and private conversations" in out and "Change" in out and "+0.97" in out
    assert "Mean by level" in out and "Gaps between groups" in out
    assert "columns not used: Timestamp" in err
    code, out, _ = run(
        capsys, W1, W2, "--instrument", "ten_lessons", "--wave", "phase one", "--json"
    )
    assert json.loads(out)["wave"] == "phase one"


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["missing.csv", "--instrument", "ten_lessons"], "There is no file 'missing.csv'."),
        ([W2, "--instrument", "nine_lessons"], "no shipped instrument is called 'nine_lessons'"),
        (
            [W2, "--instrument", "ten_lessons", "--by", "region"],
            "asks no respondent field 'region'",
        ),
        (
            [W2, "--instrument", "ten_lessons", "--wave", "phase nine"],
            "There is no wave 'phase nine'",
        ),
        ([W2, "--instrument", "ten_lessons", "--min-group-size", "0"], "minimum group size"),
    ],
)
def test_unusable_input_gives_exit_2_and_one_sentence(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and lines[0].startswith("partnership-tools: ")


def test_invalid_cells_reported_and_strict_fails(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("level,ud1\nManager,seven\n" + "Manager,4\n" * 5, encoding="utf-8")
    code, out, err = run(capsys, str(path), "--instrument", "ten_lessons")
    assert code == 0 and "row 2, column 'ud1'" in err and "left blank" in err
    code, out, err = run(capsys, str(path), "--instrument", "ten_lessons", "--strict")
    assert code == 2 and "1 cell(s) could not be read" in err.splitlines()[-1]


def test_parser_can_be_added_to_any_cli(capsys):
    parser = argparse.ArgumentParser()
    add_score_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["score", W2, "--instrument", "ten_lessons", "--json"])
    assert args.func is run_score
    assert run_score(args) == 0
    assert json.loads(capsys.readouterr().out)["instrument"]["id"] == "ten_lessons"


# -- real tool exports (issue 9) ----------------------------------------------------------------
COUNTY_YAML = """\
id: county
title: County check
version: "1.0"
citation: Test suite
licence: CC BY 4.0
scale:
  points:
    - {value: 1, label: Strongly disagree}
    - {value: 2, label: Disagree}
    - {value: 3, label: Neither agree nor disagree}
    - {value: 4, label: Agree}
    - {value: 5, label: Strongly agree}
  positive: [4, 5]
  negative: [1, 2]
bands: {strength: 4.0, discuss: 3.0}
respondent_fields:
  - {id: sector, label: "Which sector do you work in?", values: [Council, Health, Police]}
dimensions:
  - id: trust
    title: Trust
    min_valid_answers: 1
    items:
      - {id: t1, text: Partners do what they say they will do.}
      - {id: t2, text: Partners hold back information., reverse: true}
"""
# 2023: t1 5, 5, 4 and t2 1, 1, 2 (reversed: 5, 5, 4): trust = 28 / 6 = 4.6667
# 2024: t1 2, 2, 3 and t2 4, 4, 3 (reversed: 2, 2, 3): trust = 14 / 6 = 2.3333; change -2.3333
YEAR_ROWS = {
    "2023": ["Council,5,1", "Health,5,1", "Police,4,2"],
    "2024": ["Council,2,4", "Health,2,4", "Police,3,3"],
}


def county_files(tmp_path, stamps: bool = False):
    inst = tmp_path / "county.yaml"
    inst.write_text(COUNTY_YAML, encoding="utf-8")
    paths = {}
    for year, rows in YEAR_ROWS.items():
        folder = tmp_path / "surveys" / year / "export"
        folder.mkdir(parents=True)
        head = ("Timestamp," if stamps else "") + "Your sector,t1,t2"
        body = [(f"{year}-04-0{k + 1} 10:00," if stamps else "") + r for k, r in enumerate(rows)]
        paths[year] = folder / "responses.csv"
        paths[year].write_text("\n".join([head, *body]) + "\n", encoding="utf-8")
    return str(inst), paths


def test_same_file_name_in_two_folders_gives_two_waves_and_a_decline(capsys, tmp_path):
    inst, paths = county_files(tmp_path)
    code, out, err = run(
        capsys,
        str(paths["2023"]),
        str(paths["2024"]),
        "--instrument",
        inst,
        "--min-group-size",
        "1",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["waves"] == ["2023", "2024"] and data["wave"] == "2024"
    assert data["dimensions"][0]["mean"] == pytest.approx(14 / 6, abs=1e-12)
    (change,) = data["changes"]
    assert (change["before"], change["after"]) == ("2023", "2024")
    assert change["mean_before"] == pytest.approx(28 / 6, abs=1e-12)
    assert change["change"] == pytest.approx(14 / 6 - 28 / 6, abs=1e-12)
    notes = [n for rep in data["import"] for n in rep["notes"]]
    assert any("told apart by their folders" in n for n in notes)


def test_same_name_same_folder_told_apart_by_dates_or_stopped(capsys, tmp_path):
    inst, paths = county_files(tmp_path, stamps=True)
    # the 2024 download as an Excel file in the 2023 folder: same name, same folder
    wb = openpyxl.Workbook()
    for line in paths["2024"].read_text(encoding="utf-8").splitlines():
        wb.active.append(line.split(","))
    xlsx = paths["2023"].with_suffix(".xlsx")
    wb.save(xlsx)
    code, out, err = run(
        capsys,
        str(xlsx),
        str(paths["2023"]),
        "--instrument",
        inst,
        "--min-group-size",
        "1",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["waves"] == ["2023", "2024"]  # ordered by their dates, not as given
    assert data["changes"][0]["change"] == pytest.approx(14 / 6 - 28 / 6, abs=1e-12)
    notes = [n for rep in data["import"] for n in rep["notes"]]
    assert any("told apart by their dates" in n for n in notes)
    # without timestamps nothing tells them apart
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "r.csv").write_text("Your sector,t1,t2\nCouncil,5,1\n", encoding="utf-8")
    wb = openpyxl.Workbook()
    wb.active.append(["Your sector", "t1", "t2"])
    wb.active.append(["Council", 2, 4])
    wb.save(plain / "r.xlsx")
    a, b = str(plain / "r.csv"), str(plain / "r.xlsx")
    code, out, err = run(capsys, a, b, "--instrument", inst)
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert "would be one wave 'r'" in line and "--wave-of FILE=NAME" in line
    code, out, err = run(
        capsys,
        a,
        b,
        "--instrument",
        inst,
        "--wave-of",
        "r.xlsx=after",
        "--wave-of",
        f"{a}=before",
        "--min-group-size",
        "1",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    # before: t1 5, t2 1 -> 5 and 5: mean 5; after: t1 2, t2 4 -> 2: mean 2
    assert data["waves"] == ["before", "after"] and data["changes"][0]["change"] == -3.0


def test_header_only_file_exits_2_with_one_sentence(capsys, tmp_path):
    inst, _ = county_files(tmp_path)
    form = tmp_path / "form.csv"
    form.write_text("Timestamp,Which sector do you work in?,t1,t2\n", encoding="utf-8")
    code, out, err = run(capsys, str(form), "--instrument", inst, "--json")
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert "form.csv has a header but no responses" in line


def test_group_column_flag_and_import_report(capsys, tmp_path):
    inst, _ = county_files(tmp_path)
    path = tmp_path / "two.csv"
    path.write_text(
        "Home,Lead,t1,t2\nCouncil,Health,4,2\nHealth,Police,2,4\nCouncil,Police,5,1\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, str(path), "--instrument", inst, "--by", "sector")
    assert code == 2 and "'Home' and 'Lead'" in err and "--group-column" in err
    code, out, err = run(
        capsys,
        str(path),
        "--instrument",
        inst,
        "--by",
        "sector",
        "--group-column",
        "Home",
        "--min-group-size",
        "1",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    groups = {g["group"]: g["mean"] for g in data["dimensions"][0]["groups"]}
    # Council: t1 4, 5 and t2 2, 1 (reversed 4, 5): 4.5; Health: t1 2, t2 4 (reversed 2): 2.0
    assert groups == {"Council": 4.5, "Health": 2.0}
    (rep,) = data["import"]
    assert rep["kind"] == "responses" and rep["header_rows"] == [1]
    cols = {c["header"]: (c["use"], c["detail"]) for c in rep["columns"]}
    assert cols["Home"] == ("group", "sector, named with --group-column")
    assert cols["Lead"][0] == "set aside" and rep["set_aside"] == ["Lead"]
    code, out, err = run(
        capsys,
        str(path),
        "--instrument",
        inst,
        "--by",
        "sector",
        "--group-column",
        "2",
        "--min-group-size",
        "1",
    )
    assert code == 0 and "columns not used: Home." in err and "Column 3 't1'" not in err
    assert "Column 1 'Home': set aside (holds sector answers, but another column is used)." in err
    code, out, err = run(
        capsys,
        str(path),
        "--instrument",
        inst,
        "--by",
        "sector",
        "--group-column",
        "2",
        "--min-group-size",
        "1",
        "--verbose",
    )
    assert "Column 3 't1': item (t1)." in err


def test_json_carries_full_precision(tmp_path, capsys):
    """Issue 11: means in --json are not rounded (a mean of 1, 2, 2 is 5/3 to the last bit)."""
    from partnership_tools.kernel.resources import sample_dir

    files = sorted((sample_dir() / "review").glob("*.csv"))
    assert main(["score", *map(str, files), "--instrument", "ten_lessons", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    means = [d["mean"] for d in data["dimensions"] if d.get("mean") is not None]
    # at least one mean needs more than 4 decimals: full precision shows them all
    assert any(abs(m * 10_000 - round(m * 10_000)) > 1e-6 for m in means)
