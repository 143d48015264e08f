"""Replay and verification: recorded results, digests, tampering, older schema versions."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from partnership_tools.cli.main import main
from partnership_tools.reports.replay import ReplayError, replay_file
from partnership_tools.vote.sessionfile import read_session_file, write_session
from partnership_tools.vote.verification import sha256_of

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "county_joint_working.json"
V1 = ROOT / "tests" / "data" / "session_v1.json"


def tamper(tmp_path, edit) -> Path:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    edit(data)
    p = tmp_path / "tampered.json"
    p.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return p


def test_every_sample_file_replays_clean():
    saved = [p for p in (ROOT / "sample_data").rglob("*.json")]
    assert saved, "sample_data should hold saved sessions"
    for p in saved:
        result = replay_file(p)
        assert result.verdict.ok, result.report_lines()


def test_digest_is_sha256_of_canonical_inputs():
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    expected = sha256_of({"session": data["session"], "settings": data["settings"]})
    assert data["digest"]["inputs"] == expected
    assert data["digest"]["results"] == sha256_of(data["results"])


def test_changed_ballot_is_caught(tmp_path, capsys):
    def edit(d):
        d["session"]["rounds"][1]["ballots"][0]["ranking"] = ["E", "A", "B", "F"]

    p = tamper(tmp_path, edit)
    result = replay_file(p)
    assert not result.verdict.ok
    failed = {c.part for c in result.verdict.checks if not c.ok}
    assert "inputs digest" in failed and "round 2" in failed
    assert "round 1" not in failed
    assert main(["replay", str(p)]) == 1
    assert "DIFFERS" in capsys.readouterr().out


def test_changed_result_is_caught(tmp_path):
    def edit(d):
        d["results"]["rounds"]["1"]["winners"] = ["A"]

    result = replay_file(tamper(tmp_path, edit))
    failed = {c.part: c.detail for c in result.verdict.checks if not c.ok}
    assert set(failed) == {"results digest", "round 1"}
    assert 'recorded as "A"' in failed["round 1"]


def test_edit_that_keeps_results_still_caught_by_digest(tmp_path):
    # Changing a submission time changes no count, but the inputs are no longer what was saved.
    def edit(d):
        d["session"]["rounds"][0]["ballots"][0]["submitted_at"] = "2030-01-01T00:00:00Z"

    result = replay_file(tamper(tmp_path, edit))
    assert [c.part for c in result.verdict.checks if not c.ok] == ["inputs digest"]


def test_older_schema_loads_through_migration(capsys):
    sf = read_session_file(V1)
    assert sf.migrated_from == 1
    assert sf.record["results"] is None
    result = replay_file(V1)
    assert not result.verdict.recorded
    assert main(["replay", str(V1)]) == 3
    assert "migration from schema_version 1" in capsys.readouterr().out


def test_migrated_file_saved_again_verifies(tmp_path):
    p = write_session(read_session_file(V1).session, tmp_path / "v2.json")
    assert json.loads(p.read_text())["schema_version"] == 2
    assert replay_file(p).verdict.ok


def test_future_schema_is_refused(tmp_path, capsys):
    p = tamper(tmp_path, lambda d: d.update(schema_version=99))
    assert main(["replay", str(p)]) == 2
    err = capsys.readouterr().err
    assert "schema_version 99" in err and "upgrade" in err


@pytest.mark.parametrize("content", ["not json", '{"kind": "something else"}'])
def test_foreign_files_are_refused(tmp_path, content):
    p = tmp_path / "x.json"
    p.write_text(content)
    with pytest.raises(ReplayError, match="Partnership Tools|neither"):
        replay_file(p)


def test_a_file_saved_under_the_earlier_rules_still_replays_clean():
    """The sample as saved before the strongest-parent comparison and the hiding of small
    groups in summaries (kept in tests/data): recounted by the rules its settings record."""
    from partnership_tools.vote.verification import OLD_COMPARISON, rules_of

    old = Path(__file__).resolve().parents[1] / "data" / "session_v2_sum_rule.json"
    data = json.loads(old.read_text(encoding="utf-8"))
    assert data["settings"]["comparison"] == OLD_COMPARISON
    assert rules_of(data["settings"]) == ("sum_of_parents", 1)
    result = replay_file(old)
    assert result.verdict.ok, result.report_lines()
    # the same file with its rule's words changed no longer matches its digest
    data["settings"]["comparison"] = "merged options compare with their strongest parent"
    edited = Path(tempfile.mkdtemp()) / "edited.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    assert not replay_file(edited).verdict.ok


def test_a_differing_round_names_the_option_and_shows_short_figures(tmp_path):
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    rnd = data["results"]["rounds"]["1"]
    last = rnd["options"][-1]  # the option shown last in the table, by id, not by place
    last["consensus"] = 0.123456789
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    bad = {c.part: c.detail for c in replay_file(edited).verdict.checks if not c.ok}
    assert f"options.{last['id']}.consensus was recorded as 0.123457" in bad["round 1"]
