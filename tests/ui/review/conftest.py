"""Fixtures for the review app's panels, each driven alone: the sample review (``ten`` and
``sample`` from tests/conftest.py) scored into a fresh :class:`ReviewState` with its own store."""

from __future__ import annotations

from pathlib import Path

import pytest

from partnership_tools.review.actions import ActionPlan
from partnership_tools.review.scoring import score_review
from partnership_tools.review.settings import ReviewSettings
from partnership_tools.store.drafts import ensure_drafts_schema
from partnership_tools.store.reviews import create_review, open_review_store
from partnership_tools.ui.common import Feedback
from partnership_tools.ui.review.state import ReviewState


@pytest.fixture
def conn(tmp_path):
    c = open_review_store(tmp_path / "store.sqlite")
    ensure_drafts_schema(c)
    yield c
    c.close()


@pytest.fixture
def feedback():
    return Feedback()


@pytest.fixture
def downloads(tmp_path, monkeypatch):
    out = tmp_path / "downloads"
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(out))
    return out


def score(state: ReviewState, **settings) -> ReviewState:
    """Score the state's responses with ``settings`` (a ReviewSettings' fields) into it."""
    state.result = score_review(state.responses, state.instrument, ReviewSettings(**settings))
    return state


@pytest.fixture
def empty(conn, tmp_path, ten):
    """The instrument chosen, no responses yet."""
    return ReviewState(
        conn=conn, db_path=tmp_path / "store.sqlite", instrument=ten, plan=ActionPlan()
    )


@pytest.fixture
def state(empty, sample):
    """The sample review scored by level (79 responses, phase two in focus)."""
    empty.responses = sample
    empty.source = "the sample responses"
    return score(empty, by="level")


def store_it(state: ReviewState, rid: str = "spring") -> str:
    """Save the state's instrument as a review in its store, and say it is stored."""
    create_review(state.conn, rid, f"Review {rid}", state.instrument, ReviewSettings(by="level"))
    state.review_id = rid
    return rid


SAMPLE_WAVE1 = (
    Path(__file__).resolve().parents[3] / "sample_data" / "review" / "ten_lessons_wave1.csv"
)
