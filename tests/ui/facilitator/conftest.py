"""Fixtures for the facilitator's panels, each tested alone against a temporary store."""

from __future__ import annotations

import pytest

from partnership_tools.store import Store
from partnership_tools.ui.facilitator.console import Console
from partnership_tools.vote.model import Ballot, Option


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.sqlite")
    yield s
    s.close()


@pytest.fixture
def console(store, tmp_path, monkeypatch):
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path / "downloads"))
    return Console(store=store, base_url="http://example.test")


def make_session(store, labels=("Alpha", "Beta", "Gamma"), groups=(), uses_codes=False):
    """A session with options A, B, C, … (key ``sesame``)."""
    s = store.create_session(
        "Where should the hub go?",
        threshold=0.6,
        groups=list(groups),
        facilitator_key="sesame",
        uses_codes=uses_codes,
    )
    ids = "ABCDEFGH"
    store.add_options(s.id, [Option(ids[i], label) for i, label in enumerate(labels)])
    return store.load_session(s.id)


def closed_round(store, session_id, option_ids, rankings):
    """Open a round with these options, store these ballots, close it; returns its number."""
    rnd = store.open_round(session_id, option_ids)
    for ranking in rankings:
        store.add_ballot(session_id, rnd.number, Ballot(ranking=tuple(ranking)))
    store.close_round(session_id, rnd.number)
    return rnd.number


def unlock(console, session_id, *panels):
    """Open the session as the app does, with ``console.refresh`` refreshing ``panels``."""
    console.session_id = session_id

    def refresh():
        console.session = console.store.load_session(session_id)
        for panel in panels:
            panel.refresh(console.session)

    console.refresh = refresh
    refresh()
