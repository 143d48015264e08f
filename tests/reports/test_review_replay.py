"""Replay of saved reviews: recorded scores and digests, tampering, older schema versions."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from partnership_tools.cli.main import main
from partnership_tools.reports.replay import ReplayError, replay_file
from partnership_tools.reports.review_replay import replay_review_file
from partnership_tools.review import read_review, write_review
from partnership_tools.review.reviewfile import (
    PIECE_PART,
    REVIEW_INPUT_KEYS,
    REVIEW_SCHEMA_VERSION,
    record_result,
)
from partnership_tools.vote.verification import sha256_of
from tests.conftest import SAMPLE

SAVED = SAMPLE / "ten_lessons_review.json"
#: A tiny review saved by the kit before the compact record (schema_version 2, issue 11).
OLD_V2 = Path(__file__).resolve().parents[1] / "data" / "review_v2.json"


@pytest.fixture(scope="module")
def saved() -> dict:
    return json.loads(SAVED.read_text(encoding="utf-8"))


def tampered(tmp_path: Path, data: dict, edit) -> Path:
    copy = json.loads(json.dumps(data))
    edit(copy)
    p = tmp_path / "tampered.json"
    p.write_text(json.dumps(copy, indent=2), encoding="utf-8")
    return p


def failed(result) -> dict[str, str]:
    return {c.part: c.detail for c in result.verdict.checks if not c.ok}


def test_saved_sample_replays_clean(capsys):
    result = replay_file(SAVED)
    assert result.kind == "review" and result.verdict.ok, result.report_lines()
    assert result.title == "County partnership health check 2024"
    assert result.kit_version
    # the sample may predate the compact record (schema_version 3): then it is read through the migration
    version = json.loads(SAVED.read_text(encoding="utf-8"))["schema_version"]
    assert result.migrated_from == (None if version == REVIEW_SCHEMA_VERSION else version)
    parts = [c.part for c in result.verdict.checks]
    assert parts[:2] == ["inputs digest", "results digest"]
    # one line per dimension and wave, then the rest of the result
    assert "dimension understanding, wave phase one" in parts
    assert "dimension leadership, wave phase two" in parts
    assert sum(p.startswith("dimension ") for p in parts) == 2 * 10
    assert "change from wave phase one to wave phase two" in parts
    assert main(["replay", str(SAVED)]) == 0
    out = capsys.readouterr().out
    assert "MATCH     dimension power, wave phase two" in out
    assert "every recorded result matches" in out


def test_saved_sample_is_made_by_its_script(tmp_path, saved):
    spec = importlib.util.spec_from_file_location(
        "make_saved_review", SAMPLE / "make_saved_review.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    made = json.loads(mod.write_all(tmp_path).read_text(encoding="utf-8"))
    # the kit version is not an input: a new release need not rewrite the sample
    made.pop("kit_version")
    if saved["schema_version"] == REVIEW_SCHEMA_VERSION:
        assert made == {k: v for k, v in saved.items() if k != "kit_version"}
    else:  # a sample saved before the compact record: same inputs, the same figures recorded
        assert saved["schema_version"] == 2 and made["schema_version"] == REVIEW_SCHEMA_VERSION
        assert {k: made[k] for k in REVIEW_INPUT_KEYS} == {k: saved[k] for k in REVIEW_INPUT_KEYS}
        assert made["digest"]["inputs"] == saved["digest"]["inputs"]
        assert made["result"] == record_result(saved["result"])
        assert made["digest"]["results"] == sha256_of(record_result(saved["result"]))
    assert len(saved["action_plan"]["items"]) >= 5


def test_digest_is_sha256_of_canonical_inputs_and_result(saved, tmp_path):
    assert saved["schema_version"] in (2, REVIEW_SCHEMA_VERSION)
    again = write_review(read_review(SAVED).with_result(), tmp_path / "again.json")
    current = json.loads(again.read_text(encoding="utf-8"))
    assert current["schema_version"] == REVIEW_SCHEMA_VERSION
    assert current["digest"]["inputs"] == sha256_of({k: current[k] for k in REVIEW_INPUT_KEYS})
    assert current["digest"]["results"] == sha256_of(current["result"])
    assert saved["digest"]["algorithm"] == "sha256"
    assert saved["digest"]["inputs"] == sha256_of({k: saved[k] for k in REVIEW_INPUT_KEYS})
    assert saved["digest"]["results"] == sha256_of(saved["result"])
    assert saved["digest"]["combined"] == sha256_of(
        {"inputs": saved["digest"]["inputs"], "results": saved["digest"]["results"]}
    )


def _first_answered(data: dict, item: str, wave: str) -> dict:
    for row in data["responses"]["rows"]:
        if row["wave"] == wave and row["answers"].get(item) in (1, 2, 3, 4):
            return row
    raise AssertionError("no answer to change")


def test_changed_response_is_caught(tmp_path, saved, capsys):
    def edit(d):
        row = _first_answered(d, "tr1", "phase two")  # a trust item, second wave
        row["answers"]["tr1"] = 5 if row["answers"]["tr1"] != 5 else 1

    p = tampered(tmp_path, saved, edit)
    result = replay_file(p)
    assert not result.verdict.ok and result.verdict.recorded
    bad = failed(result)
    assert "inputs digest" in bad and "dimension trust, wave phase two" in bad
    assert "results digest" not in bad
    assert "dimension trust, wave phase one" not in bad
    assert "dimension power, wave phase two" not in bad
    assert "was recorded as" in bad["dimension trust, wave phase two"]
    assert main(["replay", str(p)]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS   dimension trust, wave phase two" in out and "DIFFERENCES FOUND" in out


def test_changed_result_is_caught(tmp_path, saved):
    def edit(d):
        table = d["result"]["dimensions"]
        if isinstance(table, dict):  # the compact record: columns, then one JSON row each
            cols = table["columns"]
            for i, text in enumerate(table["rows"]):
                row = dict(zip(cols, json.loads(text), strict=True))
                if (row["wave"], row["dimension"], row["overall"]) == ("phase two", "power", True):
                    row["mean"], row["band"] = 4.2, "strength"
                    table["rows"][i] = json.dumps([row[c] for c in cols])
            return
        for row in table:
            if (row["wave"], row["dimension"], row["overall"]) == ("phase two", "power", True):
                row["mean"] = 4.2
                row["band"] = "strength"

    result = replay_file(tampered(tmp_path, saved, edit))
    bad = failed(result)
    assert set(bad) == {"results digest", "dimension power, wave phase two"}
    assert (
        "All respondents: mean was recorded as 4.2 but recomputes as 2.89"
        in bad["dimension power, wave phase two"]
    )


def test_changed_action_plan_is_caught_by_the_digest(tmp_path, saved):
    # The scores do not depend on the action plan, but it is an input saved with them.
    def edit(d):
        d["action_plan"]["items"][0]["owner"] = "Nobody in particular"

    result = replay_file(tampered(tmp_path, saved, edit))
    assert list(failed(result)) == ["inputs digest"]


def test_changed_settings_are_caught(tmp_path, saved):
    def edit(d):
        d["settings"]["min_group_size"] = 12  # hides the policy makers

    bad = failed(replay_file(tampered(tmp_path, saved, edit)))
    assert "inputs digest" in bad and "dimension power, wave phase one" in bad
    assert "Policy maker" in bad["dimension power, wave phase one"]


def _as_version_1(d: dict) -> None:
    """What a review file looked like before results and digests were recorded."""
    for key in ("result", "digest", "kit_version"):
        d.pop(key)
    d["schema_version"] = 1


def test_older_schema_loads_through_migration(tmp_path, saved, capsys):
    p = tampered(tmp_path, saved, _as_version_1)
    data = json.loads(p.read_text())
    assert data["schema_version"] == 1 and "digest" not in data and "result" not in data
    result = replay_review_file(p)
    assert result.migrated_from == 1 and not result.verdict.recorded
    assert main(["replay", str(p)]) == 3
    out = capsys.readouterr().out
    assert "migration from schema_version 1" in out and "records no results" in out
    # read, recorded and saved again, it is a current file that verifies
    again = write_review(read_review(p).with_result(), tmp_path / "again.json")
    assert json.loads(again.read_text())["schema_version"] == REVIEW_SCHEMA_VERSION
    assert replay_file(again).verdict.ok


def test_version_1_file_with_a_result_but_no_digest(tmp_path, saved):
    def edit(d):
        for k in ("digest", "kit_version"):
            d.pop(k)
        d["schema_version"] = 1

    result = replay_file(tampered(tmp_path, saved, edit))
    assert result.migrated_from == 1 and result.verdict.recorded and not result.verdict.ok
    bad = failed(result)
    assert list(bad) == ["digest"] and "no digest" in bad["digest"]


def test_future_schema_is_refused(tmp_path, saved, capsys):
    p = tampered(tmp_path, saved, lambda d: d.update(schema_version=REVIEW_SCHEMA_VERSION + 7))
    with pytest.raises(ReplayError, match="upgrade partnership-tools"):
        replay_file(p)
    assert main(["replay", str(p)]) == 2
    err = capsys.readouterr().err
    assert f"version {REVIEW_SCHEMA_VERSION + 7}" in err and f"up to {REVIEW_SCHEMA_VERSION}" in err


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d.update(schema_version="two"), "which no version"),
        (lambda d: d.pop("instrument"), "the key 'instrument' is missing"),
        (lambda d: d["responses"].update(rows="x"), "not a usable review file"),
    ],
)
def test_broken_review_files_are_refused_in_one_sentence(tmp_path, saved, edit, words):
    with pytest.raises(ReplayError, match=words):
        replay_file(tampered(tmp_path, saved, edit))


def test_json_output(capsys):
    assert main(["replay", str(SAVED), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "review" and out["verdict"]["ok"] is True
    assert {"part": "dimension people, wave phase one", "ok": True, "detail": ""} in out["verdict"][
        "checks"
    ]


# -- the compact record (schema_version 3) and the files saved before it -----------------------
def test_file_saved_in_schema_version_2_still_replays(tmp_path, capsys):
    data = json.loads(OLD_V2.read_text(encoding="utf-8"))
    assert data["schema_version"] == 2 and len(data["result"]["distribution"]) == 168
    result = replay_file(OLD_V2)
    assert result.verdict.ok and result.migrated_from == 2, result.report_lines()
    assert [c.part for c in result.verdict.checks][:4] == [
        "inputs digest",
        "results digest",
        "dimension A, wave w1",
        "dimension B, wave w1",
    ]
    assert main(["replay", str(OLD_V2)]) == 0
    assert "migration from schema_version 2" in capsys.readouterr().out
    # its whole result is still compared whole: a distribution count edited is caught
    data["result"]["distribution"][0]["count"] += 1
    bad = failed(replay_file(tampered(tmp_path, data, lambda d: None)))
    assert set(bad) == {"results digest", "dimension A, wave w1"}
    # read and saved again it is a compact current file, the same review, and it verifies
    review = read_review(OLD_V2)
    again = write_review(review.with_result(), tmp_path / "again.json")
    new = json.loads(again.read_text(encoding="utf-8"))
    assert new["schema_version"] == REVIEW_SCHEMA_VERSION and new["result"]["layout"] == "figures"
    assert new["digest"]["inputs"] == json.loads(OLD_V2.read_text())["digest"]["inputs"]
    assert again.stat().st_size * 3 < OLD_V2.stat().st_size
    assert replay_file(again).verdict.ok


@pytest.fixture(scope="module")
def current(ten, tmp_path_factory) -> Path:
    """A 100-respondent review saved in the current (compact) format."""
    from tests.review.test_reviewfile_storage import generated_review

    review = generated_review(ten, 100).with_result()
    return write_review(review, tmp_path_factory.mktemp("current") / "current.json")


def _edit_row(table: dict, match: dict, change: dict) -> None:
    """Change the values of the first recorded row whose columns hold ``match``."""
    cols = table["columns"]
    for i, text in enumerate(table["rows"]):
        row = dict(zip(cols, json.loads(text), strict=True))
        if all(row[k] == v for k, v in match.items()):
            row.update(change)
            table["rows"][i] = json.dumps([row[c] for c in cols])
            return
    raise AssertionError(f"no recorded row with {match}")


def test_current_file_replays_clean(current, capsys):
    result = replay_file(current)
    assert result.verdict.ok and result.migrated_from is None, result.report_lines()
    parts = [c.part for c in result.verdict.checks]
    assert sum(p.startswith("dimension ") for p in parts) == 2 * 10
    assert main(["replay", str(current)]) == 0
    assert "MATCH     dimension power, wave phase two" in capsys.readouterr().out


def test_edited_figure_in_current_file_differs(tmp_path, current, capsys):
    data = json.loads(current.read_text(encoding="utf-8"))

    def edit(d):
        _edit_row(
            d["result"]["dimensions"],
            {"wave": "phase two", "dimension": "power", "overall": True},
            {"mean": 4.2, "band": "strength"},
        )

    p = tampered(tmp_path, data, edit)
    bad = failed(replay_file(p))
    assert set(bad) == {"signature", "results digest", "dimension power, wave phase two"}
    assert bad["signature"].endswith("the file was changed after it was signed")
    detail = bad["dimension power, wave phase two"]
    assert detail.startswith("All respondents: mean was recorded as 4.2 but recomputes as ")
    assert 'band was recorded as "strength"' in detail
    assert main(["replay", str(p)]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS   dimension power, wave phase two" in out and "DIFFERENCES FOUND" in out


def test_edited_item_figure_and_piece_digest_differ(tmp_path, current):
    data = json.loads(current.read_text(encoding="utf-8"))

    def edit(d):
        _edit_row(d["result"]["items"], {"wave": "phase one", "item": "tr1"}, {"n": 1})
        d["result"]["pieces"][0]["sha256"] = "0" * 64  # phase one, the first dimension

    bad = failed(replay_file(tampered(tmp_path, data, edit)))
    first = data["result"]["pieces"][0]["dimension"]
    assert set(bad) == {
        "signature",
        "results digest",
        "dimension trust, wave phase one",
        f"dimension {first}, wave phase one",
    }
    assert "n was recorded as 1 but recomputes as" in bad["dimension trust, wave phase one"]
    assert bad[f"dimension {first}, wave phase one"].startswith(f"{PIECE_PART}: sha256")


def test_what_is_not_recorded_is_still_checked_by_the_piece_digests(tmp_path, current):
    """A statement's text is neither a recorded figure nor in any score; with the inputs digest
    forged to match, only the digests of the two pieces holding that statement catch it."""
    data = json.loads(current.read_text(encoding="utf-8"))

    def edit(d):
        d["instrument"]["dimensions"][1]["items"][0]["text"] = "Something else entirely."
        d["digest"]["inputs"] = sha256_of({k: d[k] for k in REVIEW_INPUT_KEYS})
        d["digest"]["combined"] = sha256_of(
            {"inputs": d["digest"]["inputs"], "results": d["digest"]["results"]}
        )

    dim = data["instrument"]["dimensions"][1]["id"]
    bad = failed(replay_file(tampered(tmp_path, data, edit)))
    # the signature catches it too; without it, only the piece digests would
    assert bad.pop("signature").endswith("the file was changed after it was signed")
    assert set(bad) == {f"dimension {dim}, wave phase one", f"dimension {dim}, wave phase two"}
    assert all(detail.startswith(PIECE_PART) for detail in bad.values())


def test_broken_recorded_row_is_one_sentence(tmp_path, current):
    data = json.loads(current.read_text(encoding="utf-8"))
    p = tampered(tmp_path, data, lambda d: d["result"]["gaps"]["rows"].__setitem__(0, "[1, 2]"))
    bad = failed(replay_file(p))
    assert set(bad) == {"signature", "results digest", "recorded result"}
    assert (
        bad["recorded result"]
        == "it cannot be read: a recorded row does not hold 10 values: [1, 2]"
    )
    assert main(["replay", str(p)]) == 1


def test_a_review_file_whose_recorded_result_was_removed_differs(tmp_path, saved):
    assert saved["digest"]["results"]  # the sample records its result and its digest

    def edit(d):
        del d["result"]

    result = replay_file(tampered(tmp_path, saved, edit))
    assert result.verdict.recorded and not result.verdict.ok
    assert "they have been removed" in failed(result)["recorded results"]
    assert main(["replay", str(tmp_path / "tampered.json")]) == 1
