"""Fixtures for the review app's panels, each driven alone: the sample review (``ten`` and
``sample`` from tests/conftest.py) scored into a fresh :class:`ReviewState` with its own store."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from partnership_tools.review.actions import ActionPlan
from partnership_tools.review.scoring import score_review
from partnership_tools.review.settings import ReviewSettings
from partnership_tools.store.reviews import create_review, open_review_store
from partnership_tools.ui.common import Feedback
from partnership_tools.ui.review.state import ReviewState


@pytest.fixture
def db(tmp_path):
    d = open_review_store(tmp_path / "store.sqlite")
    yield d
    d.dispose()


def all_text(db) -> str:
    """Every value in every table of the store, as one text (to check what it keeps)."""
    parts = []
    with db.read() as c:
        for table in sa.inspect(c).get_table_names():
            for row in c.execute(sa.text(f"SELECT * FROM {table}")).all():
                parts.extend(str(v) for v in row)
    return "\n".join(parts)


def count(db, sql: str) -> int:
    """The one number ``sql`` selects from the store."""
    with db.read() as c:
        return int(c.execute(sa.text(sql)).scalar_one())


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
def empty(db, tmp_path, ten):
    """The instrument chosen, no responses yet."""
    return ReviewState(db=db, db_path=tmp_path / "store.sqlite", instrument=ten, plan=ActionPlan())


@pytest.fixture
def state(empty, sample):
    """The sample review scored by level (79 responses, phase two in focus)."""
    empty.responses = sample
    empty.source = "the sample responses"
    return score(empty, by="level")


def store_it(state: ReviewState, rid: str = "spring") -> str:
    """Save the state's instrument as a review in its store, and say it is stored."""
    create_review(state.db, rid, f"Review {rid}", state.instrument, ReviewSettings(by="level"))
    state.review_id = rid
    return rid


SAMPLE_WAVE1 = (
    Path(__file__).resolve().parents[3] / "sample_data" / "review" / "ten_lessons_wave1.csv"
)
