"""The field cases: files laid out exactly as real tools export them (Google Forms, Microsoft
Forms, SurveyMonkey, PrefLib, Qualtrics), read with the plain command a user types, each
compared with its right result worked out outside the kit (``expected.txt`` and ``check.json``
beside each file, copied from the project's shared cases).

Each case stands for a whole kind of file; tests/vote/test_layouts.py and
tests/review/test_response_layouts.py hold more files of each kind.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from partnership_tools.cli.main import main

CASES = Path(__file__).resolve().parent.parent / "data" / "import_cases"
NAMES = sorted(p.name for p in CASES.iterdir() if (p / "check.json").exists())


def norm(s: object) -> str:
    t = unicodedata.normalize("NFKC", str(s)).casefold().replace("\u2019", "'")
    return re.sub(r"\s+", " ", t).strip()


def run(args: list[str], folder: Path, monkeypatch, capsys) -> dict:
    monkeypatch.chdir(folder)
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def check_tally(out: dict, e: dict) -> None:
    assert out["ballots"] == e["ballots"]
    for key in ("rejected", "abstentions"):
        if key in e:
            assert out[key] == e[key], key
    got = {norm(o["label"]): o for o in out["options"]}
    assert len(out["options"]) == len(e["options"])
    label_of = {o["id"]: norm(o["label"]) for o in out["options"]}
    for w in e["options"]:
        g = got[norm(w["label"])]
        assert (g["mbc"], g["borda"], g["first_preferences"]) == (
            w["mbc"],
            w["borda"],
            w["first_preferences"],
        ), w["label"]
        assert g["consensus"] == pytest.approx(w["consensus"], abs=1e-3)
    if "winners" in e:
        assert sorted(label_of[x] for x in out["winners"]) == sorted(norm(x) for x in e["winners"])
    if "condorcet_winner" in e:
        assert label_of[out["condorcet_winner"]] == norm(e["condorcet_winner"])
    if "groups" in e:
        groups = {norm(g["group"]): g for g in out["groups"] if g["ballots"]}
        assert set(groups) == {norm(n) for n in e["groups"]}
        for name, w in e["groups"].items():
            g = groups[norm(name)]
            assert g["ballots"] == w["ballots"], name
            mbc = {label_of[k]: v for k, v in g["mbc"].items()}
            for lab, points in w["mbc"].items():
                assert mbc[norm(lab)] == points, (name, lab)


def check_score(out: dict, e: dict) -> None:
    got = {d["id"]: d for d in out["dimensions"]}
    for dim, w in e["dimensions"].items():
        g = got[dim]
        assert not g.get("suppressed")
        assert g["n"] == w["n"]
        assert g["mean"] == pytest.approx(w["mean"], abs=5e-4)
        assert g["pct_positive"] == pytest.approx(w["pct_positive"], abs=1e-2)
        assert (g["dont_know"], g["not_applicable"]) == (w["dont_know"], w["not_applicable"])
        groups = {norm(x["group"]): x for x in g.get("groups") or []}
        for name, wg in (w.get("groups") or {}).items():
            x = groups[norm(name)]
            assert not x.get("suppressed"), name
            assert x["mean"] == pytest.approx(wg["mean"], abs=5e-4), name


@pytest.mark.parametrize("name", NAMES)
def test_field_case_reads_right_with_the_plain_command(name, monkeypatch, capsys):
    check = json.loads((CASES / name / "check.json").read_text(encoding="utf-8"))
    for args in check["runs"]:
        out = run(list(args), CASES / name, monkeypatch, capsys)
        if check["kind"] == "tally":
            check_tally(out, check["expect"])
        else:
            check_score(out, check["expect"])
        # every import says what it read and what it set aside
        reports = out["import"] if isinstance(out["import"], list) else [out["import"]]
        assert reports and all(r["layout"] for r in reports)
        # a table's report names every column and what it was used as
        assert all(r["columns"] for r in reports if r["format"] in ("csv", "xlsx"))


def test_there_are_cases_of_both_halves():
    kinds = {json.loads((CASES / n / "check.json").read_text())["kind"] for n in NAMES}
    assert kinds == {"tally", "score"} and len(NAMES) >= 5
