"""A round's turnout as the projector shows it: ballots, web and paper apart, codes used of issued."""

from __future__ import annotations

import pytest

from partnership_tools.store import Store
from partnership_tools.vote.model import Ballot, Option


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.sqlite")
    yield s
    s.close()


def test_turnout_counts_by_source_and_codes(store):
    s = store.create_session("Where next?", threshold=0.6)
    store.add_options(s.id, [Option("A", "Alpha"), Option("B", "Beta")])
    codes = store.issue_codes(s.id, 4, seed=1)
    store.open_round(s.id, ["A", "B"])
    assert store.turnout(s.id, 1) == {
        "ballots": 0,
        "web": 0,
        "paper": 0,
        "import": 0,
        "codes_used": 0,
        "codes_issued": 4,
    }
    h = [store.code_hash(s.id, c) for c in codes]
    store.add_ballot(s.id, 1, Ballot(("A",), participant_hash=h[0]))
    store.add_ballot(s.id, 1, Ballot(("B",), participant_hash=h[1]))
    store.add_ballot(s.id, 1, Ballot(("A", "B"), participant_hash=h[0]))  # replaces the first
    store.add_ballot(s.id, 1, Ballot(("B", "A"), source="paper"))
    store.add_ballot(s.id, 1, Ballot(("B",), source="paper"))
    store.add_ballot(s.id, 1, Ballot(("A",), source="import"))
    # web: h0 (replaced, so once) and h1 = 2; paper 2; import 1; codes used: h0 and h1
    assert store.turnout(s.id, 1) == {
        "ballots": 5,
        "web": 2,
        "paper": 2,
        "import": 1,
        "codes_used": 2,
        "codes_issued": 4,
    }
    assert store.turnout(s.id, 1)["ballots"] == store.ballot_count(s.id, 1)
    assert store.turnout(s.id, 2)["ballots"] == 0  # no such round yet: nothing counted
