"""The ``score`` command through the main CLI: the table, the JSON keys, and one plain sentence
with exit status 2 for unusable input."""

from __future__ import annotations

import argparse
import json

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
