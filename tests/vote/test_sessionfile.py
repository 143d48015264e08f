"""Session files: canonical, atomic, stable under re-export, with clear errors."""

from __future__ import annotations

import json
import os

import pytest

from partnership_tools.store import Store
from partnership_tools.vote.model import Ballot, Option, Round, Session
from partnership_tools.vote.sessionfile import (
    SCHEMA_VERSION,
    SessionFileError,
    read_session,
    session_to_json,
    write_session,
)


def sample() -> Session:
    return Session(
        id="s1",
        question="Which <b>route</b>? «ünïcode»",
        threshold=0.65,
        options=(
            Option("A", "<img src=x onerror=alert(1)>"),
            Option("B", "Beta"),
            Option("C", "Gamma"),
            Option("D", "Beta and Gamma", merged_from=("B", "C")),
        ),
        rounds=(
            Round(
                1,
                ("A", "B", "C"),
                "closed",
                (
                    Ballot(("B", "A"), group="G1", submitted_at="2026-01-01T10:00:00Z"),
                    Ballot(("C",), submitted_at="2026-01-01T10:01:00Z", source="paper"),
                ),
            ),
            Round(
                2, ("A", "D"), "open", (Ballot(("D", "A"), submitted_at="2026-01-01T11:00:00Z"),)
            ),
        ),
        groups=("G1", "G2"),
        created_at="2026-01-01T09:00:00Z",
    )


def test_export_import_export_is_byte_identical(tmp_path):
    s = sample()
    first = tmp_path / "one.json"
    write_session(s, first)
    store = Store(tmp_path / "db.sqlite")
    store.save_session(read_session(first))
    second = tmp_path / "two.json"
    write_session(store.load_session("s1"), second)
    assert first.read_bytes() == second.read_bytes()


def test_file_is_readable_json_with_schema_version(tmp_path):
    path = write_session(sample(), tmp_path / "s.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION
    assert len(data["digest"]["combined"]) == 64
    assert set(data["results"]["rounds"]) == {"1", "2"}
    assert data["session"]["options"][0]["label"] == "<img src=x onerror=alert(1)>"
    assert "«ünïcode»" in path.read_text(encoding="utf-8")  # human-readable, not \u-escaped


def test_newer_schema_is_refused_with_a_sentence(tmp_path):
    data = json.loads(session_to_json(sample()))
    data["schema_version"] = SCHEMA_VERSION + 1
    p = tmp_path / "future.json"
    p.write_text(json.dumps(data))
    with pytest.raises(SessionFileError, match="upgrade partnership-tools"):
        read_session(p)


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a Partnership Tools session file"),
        ('{"kind": "partnership-tools/session"}', "no schema_version"),
        (
            '{"kind": "partnership-tools/session", "schema_version": 1, "session": {"id": "x"}}',
            "invalid session",
        ),
    ],
)
def test_bad_files(tmp_path, content, message):
    p = tmp_path / "bad.json"
    p.write_text(content)
    with pytest.raises(SessionFileError, match=message) as info:
        read_session(p)
    assert str(p) in str(info.value)
    assert "Traceback" not in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(SessionFileError, match="does not exist"):
        read_session(tmp_path / "nope.json")


def test_atomic_write_keeps_old_file_when_serialising_fails(tmp_path, monkeypatch):
    p = tmp_path / "s.json"
    write_session(sample(), p)
    before = p.read_bytes()
    bad = sample().replace(settings={"x": float("nan")})  # NaN is not allowed in our JSON
    with pytest.raises(ValueError):
        write_session(bad, p)
    assert p.read_bytes() == before
    assert [f for f in os.listdir(tmp_path) if f.endswith(".tmp")] == []
