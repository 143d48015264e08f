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
from partnership_tools.review.reviewfile import REVIEW_INPUT_KEYS, REVIEW_SCHEMA_VERSION
from partnership_tools.vote.verification import sha256_of
from tests.conftest import SAMPLE

SAVED = SAMPLE / "ten_lessons_review.json"


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
    assert result.kit_version and result.migrated_from is None
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
    assert made == {k: v for k, v in saved.items() if k != "kit_version"}
    assert len(saved["action_plan"]["items"]) >= 5


def test_digest_is_sha256_of_canonical_inputs_and_result(saved):
    assert saved["schema_version"] == REVIEW_SCHEMA_VERSION
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
        for row in d["result"]["dimensions"]:
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
