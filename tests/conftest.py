"""Fixtures for the review tests: a tiny instrument whose figures are easy to work out by hand,
the shipped ten-lessons instrument and the sample responses."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from partnership_tools.review import Instrument, Responses, load_instrument, read_responses

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
