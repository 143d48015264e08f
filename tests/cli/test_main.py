"""The partnership-tools command: tally, export, import, with hand-worked expected figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from partnership_tools.cli.main import main
from partnership_tools.kernel.files import canonical_json

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "county_joint_working.json"

SMALL = """ranking,group
A>B>C>D,x
B>A,y
C>B>A,x
A>A,y
,x
Z>A,y
"""


def run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_tally_csv_json_by_hand(tmp_path, capsys):
    f = tmp_path / "b.csv"
    f.write_text(SMALL)
    code, out, err = run(["tally", str(f), "--options", "A,B,C,D", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    # Valid: rows 2-4. Row 5 ranks A twice, row 6 is blank, row 7 names Z.
    assert data["ballots"] == 3
    assert data["rejected"] == 2
    assert data["abstentions"] == 1
    # MBC (n = 4): A>B>C>D gives A4 B3 C2 D1; B>A gives B2 A1; C>B>A gives C3 B2 A1.
    # A = 4+1+1 = 6, B = 3+2+2 = 7, C = 2+3 = 5, D = 1.
    opts = {o["id"]: o for o in data["options"]}
    assert {k: v["mbc"] for k, v in opts.items()} == {"A": 6, "B": 7, "C": 5, "D": 1}
    assert [o["id"] for o in data["options"]] == ["B", "A", "C", "D"]
    assert opts["B"]["consensus"] == pytest.approx(7 / (3 * 4))
    # Classic Borda (n-k): A 3+2+1 = 6, B 2+3+2 = 7, C 1+3 = 4, D 0.
    assert {k: v["borda"] for k, v in opts.items()} == {"A": 6, "B": 7, "C": 4, "D": 0}
    assert {k: v["first_preferences"] for k, v in opts.items()} == {"A": 1, "B": 1, "C": 1, "D": 0}
    assert data["winners"] == ["B"]
    # B beats A (2-1), C (2-1) and D (3-0) head to head.
    assert data["pairwise"]["B"] == {"A": 2, "C": 2, "D": 3}
    assert data["pairwise"]["A"]["B"] == 1
    assert data["condorcet_winner"] == "B"
    assert {r["row"] for r in data["rejected_ballots"]} == {5, 7}


def test_tally_text_output_lists_rejections(tmp_path, capsys):
    f = tmp_path / "b.csv"
    f.write_text(SMALL)
    code, out, _ = run(["tally", str(f), "--options", "A,B,C,D"], capsys)
    assert code == 0
    assert "row 5" in out and "row 7" in out
    assert "Blank ballots" in out
    assert "MBC" in out


def test_tally_session_file_rounds(capsys):
    code, out, _ = run(["tally", str(SAMPLE), "--round", "1", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["round"] == 1
    assert len(data["options"]) == 5
    session = json.loads(SAMPLE.read_text())["session"]
    # Independent recount of round 1 straight from the file, in plain Python.
    r1 = session["rounds"][0]
    n = len(r1["option_ids"])
    points = dict.fromkeys(r1["option_ids"], 0)
    for b in r1["ballots"]:
        m = len(b["ranking"])
        for pos, o in enumerate(b["ranking"]):
            points[o] += m - pos
    assert {o["id"]: o["mbc"] for o in data["options"]} == points
    best = max(points.values())
    assert data["winners"] == [o for o in r1["option_ids"] if points[o] == best]
    top = data["options"][0]
    assert top["consensus"] == pytest.approx(points[top["id"]] / (len(r1["ballots"]) * n))


@pytest.mark.parametrize(
    "args, message",
    [
        (["tally", "missing.csv", "--options", "A,B"], "does not exist"),
        (["tally", "{sample}", "--round", "9"], "has no round 9"),
        (["tally", "{sample}", "--options", "A,B"], "are for ballot files"),
        (["tally", "{csv}"], "needs the list of options"),
        (["tally", "{csv}", "--options", "A,B,C,D", "--threshold", "3"], "--threshold"),
        (["tally", "{bad_json}"], "not valid JSON"),
    ],
)
def test_tally_unusable_input_is_one_sentence(tmp_path, capsys, args, message):
    csv = tmp_path / "b.csv"
    csv.write_text(SMALL)
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    args = [a.format(sample=SAMPLE, csv=csv, bad_json=bad) for a in args]
    code, out, err = run(args, capsys)
    assert code != 0
    assert message in err
    assert "Traceback" not in err
    assert err.count("\n") == 1


def test_export_import_round_trip(tmp_path, capsys):
    db = tmp_path / "s.sqlite"
    assert run(["import", str(SAMPLE), "--db", str(db)], capsys)[0] == 0
    code, _, err = run(["import", str(SAMPLE), "--db", str(db)], capsys)
    assert code == 2 and "--replace" in err
    out = tmp_path / "out.json"
    assert run(["export", "county-joint-working", "-o", str(out), "--db", str(db)], capsys)[0] == 0
    # the same bytes, plus the signature the export adds (the sample is unsigned)
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported.pop("signature")["algorithm"] == "ed25519"
    assert canonical_json(exported).encode("utf-8") == SAMPLE.read_bytes()
    code, _, err = run(["export", "nope", "-o", str(out), "--db", str(db)], capsys)
    assert code == 2 and "no session" in err


def test_console_script_exit_status():
    out = subprocess.run(
        [sys.executable, "-m", "partnership_tools", "tally", "nothing.json"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stderr.strip() == "partnership-tools: nothing.json does not exist."


def test_tally_json_lists_every_registered_rule(tmp_path, capsys):
    from partnership_tools.vote.rules import registered

    f = tmp_path / "b.csv"
    f.write_text(SMALL)

    def top_two(counts):  # ballots ranking the option first or second
        r = counts.ballots.ranks
        return ((r >= 1) & (r <= 2)).sum(axis=0)

    with registered("top_two", "Top two (toy)", top_two):
        code, out, err = run(["tally", str(f), "--options", "A,B,C,D", "--json"], capsys)
    assert code == 0, err
    rules = json.loads(out)["rules"]
    # Valid ballots A>B>C>D, B>A, C>B>A: top two A 2 (b1, b2), B 3, C 1 (b3), D 0.
    assert rules["top_two"] == {
        "title": "Top two (toy)",
        "scores": {"A": 2, "B": 3, "C": 1, "D": 0},
    }
    assert list(rules) == ["mbc", "borda", "first_preferences", "dowdall", "top_two"]
    assert rules["mbc"]["scores"] == {"A": 6, "B": 7, "C": 5, "D": 1}
    # Dowdall 1/k: A 1 + 1/2 + 1/3, B 1/2 + 1 + 1/2, C 1/3 + 1, D 1/4
    assert rules["dowdall"]["scores"] == pytest.approx(
        {"A": 11 / 6, "B": 2.0, "C": 4 / 3, "D": 0.25}
    )
    # without it, the rule is gone again
    code, out, _ = run(["tally", str(f), "--options", "A,B,C,D", "--json"], capsys)
    assert "top_two" not in json.loads(out)["rules"]


def test_import_refuses_a_file_that_does_not_replay_clean(tmp_path, capsys):
    """An edited file imported unchecked would come out of the next export signed with this
    partnership's key: import replays it first and refuses a difference."""
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    ballot = data["session"]["rounds"][0]["ballots"][0]
    ballot["ranking"] = list(reversed(ballot["ranking"]))  # one ballot changed by hand
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    db = tmp_path / "s.sqlite"
    code, out, err = run(["import", str(edited), "--db", str(db)], capsys)
    assert code == 2 and "does not replay clean" in err and "--accept-differences" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    code, listed, _ = run(["sessions", "--db", str(db)], capsys)
    assert code == 0 and "county-joint-working" not in listed  # nothing was stored
    code, out, _ = run(["import", str(edited), "--db", str(db), "--accept-differences"], capsys)
    assert code == 0 and "Imported session" in out
