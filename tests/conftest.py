"""Fixtures for the review tests: a tiny instrument whose figures are easy to work out by hand,
the shipped ten-lessons instrument and the sample responses; PostgreSQL for the store tests
(``postgres_url``, ``fresh_postgres``, ``store_target``, ``postgres_role``; see tests/pg.py)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from partnership_tools.review import Instrument, Responses, load_instrument, read_responses
from tests import pg

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "review"

TINY = {
    "id": "tiny",
    "title": "Tiny check",
    "version": "0.1",
    "citation": "Test suite",
    "licence": "CC BY 4.0",
    "gap_threshold": 1.0,
    "coverage_field": "level",
    "scale": {
        "points": [
            {"value": 1, "label": "Strongly disagree"},
            {"value": 2, "label": "Disagree"},
            {"value": 3, "label": "Neither agree nor disagree"},
            {"value": 4, "label": "Agree"},
            {"value": 5, "label": "Strongly agree"},
        ],
        "positive": [4, 5],
        "negative": [1, 2],
        "dont_know": {"code": 8, "label": "Don't know", "aliases": ["DK"]},
        "not_applicable": {"code": 9, "label": "Not applicable", "aliases": ["N/A"]},
    },
    "bands": {"strength": 4.0, "discuss": 3.0},
    "respondent_fields": [
        {"id": "level", "label": "Level", "required": True, "values": ["P", "M", "F", "C"]},
        {"id": "partner_type", "label": "Partner type", "values": ["Statutory", "Voluntary"]},
    ],
    "dimensions": [
        {
            "id": "A",
            "title": "Alpha",
            "min_valid_answers": 3,
            "items": [
                {"id": "a1", "text": "Alpha one is true."},
                {"id": "a2", "text": "Alpha two is false.", "reverse": True},
            ],
        },
        {
            "id": "B",
            "title": "Beta",
            "min_valid_answers": 2,
            "items": [{"id": "b1", "text": "Beta holds."}],
        },
    ],
}


def tiny_dict() -> dict:
    """A fresh copy of the tiny instrument's data, safe to change."""
    return copy.deepcopy(TINY)


@pytest.fixture(autouse=True)
def _signing_key_dir(tmp_path_factory, monkeypatch):
    """Every test signs saved files with a key of its own, in a temporary folder (never the
    user's key in ~/.local/share/partnership-tools/keys), and trusts no other keys."""
    folder = tmp_path_factory.mktemp("signing-keys")
    monkeypatch.setenv("PT_SIGNING_KEY_DIR", str(folder))
    monkeypatch.delenv("PT_TRUSTED_KEYS_DIR", raising=False)
    monkeypatch.delenv("PT_SIGNER_NAME", raising=False)
    return folder


@pytest.fixture(scope="session")
def tiny() -> Instrument:
    return Instrument.from_dict(tiny_dict())


@pytest.fixture(scope="session")
def ten() -> Instrument:
    return load_instrument("ten_lessons")


@pytest.fixture(scope="session")
def sample(ten) -> Responses:
    parts = [read_responses(SAMPLE / f"ten_lessons_wave{i}.csv", ten).responses for i in (1, 2)]
    return Responses.combine(parts)


def records(level_answers: list[tuple[str | None, dict]], wave: str = "w1") -> list[dict]:
    """Records for Responses.from_records: (level, answers) pairs."""
    return [{"wave": wave, "level": lev, **ans} for lev, ans in level_answers]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The admin URL of a PostgreSQL server on loopback for this session (tests/pg.py says where
    it comes from); a private cluster started for the session is stopped at its end. No server
    at all fails the test with one sentence (never a skip)."""
    problem = ""
    try:
        url, cluster = pg.resolve_postgres_url()
    except pg.PostgresUnavailable as exc:
        problem = str(exc)
    if problem:
        pytest.fail(problem, pytrace=False)
    try:
        yield url
    finally:
        if cluster is not None:
            cluster.stop()


@pytest.fixture
def fresh_postgres(postgres_url: str) -> Iterator[str]:
    """The URL of a brand-new, empty database on the test server; dropped after the test (any
    connection still open to it is ended first)."""
    url = pg.create_database(postgres_url)
    try:
        yield url
    finally:
        pg.drop_database(postgres_url, pg.database_of(url))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store target for each backend: an SQLite file path in tmp_path (not made yet) or the URL
    of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite")
    return str(request.getfixturevalue("fresh_postgres"))


@pytest.fixture
def postgres_role(postgres_url: str) -> Iterator[Callable[[str], tuple[str, str]]]:
    """A maker of login roles with a known password: ``make(password)`` returns
    ``(name, url)``, the URL logging in as the new role to the server's admin database. The roles
    are dropped after the test."""
    made: list[str] = []

    def make(password: str) -> tuple[str, str]:
        name = f"pt_role_{uuid.uuid4().hex[:12]}"
        made.append(name)
        return name, pg.make_role(postgres_url, name, password)

    yield make
    for name in made:
        pg.drop_role(postgres_url, name)
