"""The store's facilitator tools: edit, delete and undo options, copy and archive sessions,
receipts looked up and listed, and old store files gaining the new columns."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
import sqlalchemy as sa

from partnership_tools.store import Store, StoreError
from partnership_tools.store.sessions import normalise_receipt, receipt_code
from partnership_tools.vote.model import Ballot, Option, hash_participant


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.sqlite")
    yield s
    s.close()


def make_session(store, **kw):
    s = store.create_session("Where next?", threshold=0.6, facilitator_key="sesame", **kw)
    store.add_options(
        s.id,
        [Option("A", "Alpha"), Option("B", "Beta"), Option("C", "Gamma"), Option("D", "Delta")],
    )
    return s


# -- editing and deleting options -----------------------------------------------------------------
def test_update_option_before_any_round_and_who_proposed_it(store):
    s = make_session(store)
    new = store.update_option(
        s.id,
        "B",
        label="  Beta   road ",
        description=" by the river ",
        proposer=" Ana  Ruiz ",
        reason="  cheapest to run  ",
    )
    assert (new.label, new.description, new.proposer, new.reason) == (
        "Beta road",
        "by the river",
        "Ana Ruiz",
        "cheapest to run",
    )
    assert store.load_session(s.id).option("B") == new
    # A field left out keeps its value.
    assert store.update_option(s.id, "B", reason="cheaper").label == "Beta road"


def test_wording_is_locked_once_on_a_ballot_paper_but_the_reason_is_not(store):
    s = make_session(store)
    store.open_round(s.id, ["A", "B"])
    with pytest.raises(StoreError, match="was on the ballot paper of round 1"):
        store.update_option(s.id, "A", label="Other")
    assert store.update_option(s.id, "A", proposer="Health board").proposer == "Health board"
    # An option not yet voted on can still be reworded.
    assert store.update_option(s.id, "C", label="Gamma two").label == "Gamma two"


def test_update_option_refuses_a_label_another_option_has(store):
    s = make_session(store)
    with pytest.raises(StoreError, match="Option A already reads 'alpha'"):
        store.update_option(s.id, "B", label="alpha")
    with pytest.raises(StoreError, match="no option 'Z'"):
        store.update_option(s.id, "Z", label="x")


def test_delete_option_only_before_it_is_voted_on_or_built_on(store):
    s = make_session(store)
    store.add_options(s.id, [Option("E", "B and C", merged_from=("B", "C"))])
    with pytest.raises(StoreError, match="Option E was made from option B; undo that first."):
        store.delete_option(s.id, "B")
    store.delete_option(s.id, "D")
    store.open_round(s.id, ["A", "E"])
    with pytest.raises(StoreError, match="ballot paper of round 1, so it stays"):
        store.delete_option(s.id, "A")
    assert [o.id for o in store.load_session(s.id).options] == ["A", "B", "C", "E"]
    # New options after a delete still come after the old ones.
    store.add_options(s.id, [Option("F", "Phi")])
    assert [o.id for o in store.load_session(s.id).options] == ["A", "B", "C", "E", "F"]


# -- undoing a merge or an amendment ----------------------------------------------------------
def test_undo_a_merge_before_the_next_round(store):
    s = make_session(store)
    store.open_round(s.id, ["A", "B", "C", "D"])
    store.add_ballot(s.id, 1, Ballot(("A", "B")))
    store.close_round(s.id, 1)
    store.add_options(s.id, [Option("E", "B and C", merged_from=("B", "C"))])
    assert store.undo_option(s.id, "E") is None
    assert [o.id for o in store.load_session(s.id).options] == ["A", "B", "C", "D"]


def test_undo_withdraws_a_next_round_that_has_no_ballots(store):
    s = make_session(store)
    store.open_round(s.id, ["A", "B", "C", "D"])
    store.add_ballot(s.id, 1, Ballot(("A", "B")))
    store.close_round(s.id, 1)
    store.add_options(s.id, [Option("E", "Alpha again", amended_from="A")])
    store.open_round(s.id, ["B", "C", "D", "E"])
    token = store.issue_form_token(s.id, 2, ["B", "C", "D", "E"])
    assert store.undo_option(s.id, "E") == 2
    session = store.load_session(s.id)
    assert [r.number for r in session.rounds] == [1]
    assert "E" not in {o.id for o in session.options}
    assert store.peek_form_token(token) is None  # the withdrawn round's forms are void
    assert len(session.round(1).ballots) == 1  # round 1 untouched
    # The next round opened again takes number 2.
    assert store.open_round(s.id, ["A", "B"]).number == 2


def test_undo_is_refused_once_ballots_exist_or_for_an_original(store):
    s = make_session(store)
    store.add_options(s.id, [Option("E", "Alpha again", amended_from="A")])
    with pytest.raises(StoreError, match="Option A was neither amended nor merged"):
        store.undo_option(s.id, "A")
    store.open_round(s.id, ["B", "E"])
    store.add_ballot(s.id, 1, Ballot(("E",)))
    with pytest.raises(StoreError, match="Round 1 already has ballots for option E"):
        store.undo_option(s.id, "E")
    store.close_round(s.id, 1)
    store.open_round(s.id, ["B", "E"])
    with pytest.raises(StoreError, match="voted on in round 1, so the change stays"):
        store.undo_option(s.id, "E")


def test_undo_the_newest_change_first(store):
    s = make_session(store)
    store.add_options(s.id, [Option("E", "Alpha 2", amended_from="A")])
    store.add_options(s.id, [Option("F", "Alpha 3", amended_from="E")])
    with pytest.raises(StoreError, match="Option F was made from option E; undo that first."):
        store.undo_option(s.id, "E")
    store.undo_option(s.id, "F")
    store.undo_option(s.id, "E")
    assert [o.id for o in store.load_session(s.id).options] == ["A", "B", "C", "D"]


# -- copying and archiving sessions -----------------------------------------------------------
def test_copy_carries_the_current_options_and_no_ballots(store):
    s = make_session(store, groups=["Staff", "Residents"], uses_codes=True, settings={"x": 1})
    store.update_option(s.id, "D", proposer="Ana", reason="low cost")
    store.open_round(s.id, ["A", "B", "C", "D"])
    store.add_ballot(s.id, 1, Ballot(("A",)))
    store.close_round(s.id, 1)
    store.issue_codes(s.id, 3, seed=1)
    store.add_options(s.id, [Option("E", "Beta and Gamma", merged_from=("B", "C"))])
    copy = store.copy_session(s.id, question="  Where next   year? ")
    again = store.load_session(copy.id)
    assert again == copy
    # Round 1 listed A B C D; B and C were merged into E: the next paper is A, D, E, ids kept.
    assert [(o.id, o.label) for o in copy.options] == [
        ("A", "Alpha"),
        ("D", "Delta"),
        ("E", "Beta and Gamma"),
    ]
    assert all(not o.parents for o in copy.options)
    assert (copy.options[1].proposer, copy.options[1].reason) == ("Ana", "low cost")
    assert copy.question == "Where next year?"
    assert (copy.threshold, copy.groups, copy.uses_codes, copy.settings) == (
        0.6,
        ("Staff", "Residents"),
        True,
        {"x": 1},
    )
    assert copy.rounds == () and store.code_count(copy.id) == 0
    assert copy.code_salt != store.load_session(s.id).code_salt
    assert store.check_facilitator_key(copy.id, "sesame")
    assert not store.check_facilitator_key(copy.id, "other")
    # The original is unchanged.
    assert len(store.load_session(s.id).options) == 5


def test_copy_keeps_the_ids_and_details_of_later_options(store):
    s = make_session(store)  # A B C D
    store.open_round(s.id, ["A", "B", "C", "D"])
    store.close_round(s.id, 1)
    store.add_options(
        s.id,
        [
            Option("E", "Alpha, costed", "with the quote", "Ben", amended_from="A", reason="price"),
            Option("F", "Beta or Gamma", "either site", "Cy", merged_from=("B", "C"), reason=""),
            Option("G", "Epsilon", "a new site", "Di", reason="nearer the station"),
        ],
    )
    # Round 1 listed A B C D; A became E, B and C became F, G is new: the next paper is D E F G.
    copy = store.load_session(store.copy_session(s.id).id)
    assert [
        (o.id, o.label, o.description, o.proposer, o.reason, o.parents) for o in copy.options
    ] == [
        ("D", "Delta", "", "", "", ()),
        ("E", "Alpha, costed", "with the quote", "Ben", "price", ()),
        ("F", "Beta or Gamma", "either site", "Cy", "", ()),
        ("G", "Epsilon", "a new site", "Di", "nearer the station", ()),
    ]
    # A new option in the copy takes a letter none of the carried ones uses.
    assert store.next_option_id(copy.id) not in {"D", "E", "F", "G"}
    store.open_round(copy.id, ["D", "G"])  # the kept ids are the copy's own options


def test_archive_hides_and_restores(store):
    a = make_session(store)
    b = store.create_session("Second")
    store.archive_session(a.id)
    assert [r["id"] for r in store.list_sessions(archived=False)] == [b.id]
    assert [r["id"] for r in store.list_sessions(archived=True)] == [a.id]
    assert {r["id"] for r in store.list_sessions()} == {a.id, b.id}  # all, as before
    assert store.load_session(a.id).options  # kept whole
    store.archive_session(a.id, archived=False)
    assert {r["id"] for r in store.list_sessions(archived=False)} == {a.id, b.id}
    with pytest.raises(StoreError, match="There is no session 'nope'"):
        store.archive_session("nope")


# -- receipts ---------------------------------------------------------------------------------------
def test_receipt_is_the_hash_of_the_stored_ballot(store):
    s = make_session(store)
    store.open_round(s.id, ["A", "B", "C"])
    r = store.add_ballot(s.id, 1, Ballot(("C", "A")))
    text = f"{s.id}:1:{r.ballot_id}:C>A".encode()
    assert r.receipt == hashlib.sha256(text).hexdigest()[:10].upper()
    assert receipt_code(s.id, 1, r.ballot_id, ("C", "A")) == r.receipt


def test_find_receipt_and_the_list(store):
    s = make_session(store, uses_codes=True)
    store.open_round(s.id, ["A", "B", "C"])
    first = store.add_ballot(s.id, 1, Ballot(("B",)))
    paper = store.add_ballot(s.id, 1, Ballot(("A", "C"), source="paper"))
    found = store.find_receipt(s.id, "  " + first.receipt.lower()[:4] + "-" + first.receipt[4:])
    assert found == {"round": 1, "receipt": first.receipt, "ranking": ("B",), "source": "web"}
    assert store.find_receipt(s.id, "0" * 10) is None
    assert store.find_receipt(s.id, "short") is None
    listed = store.round_receipts(s.id, 1)
    assert sorted(d["receipt"] for d in listed) == [d["receipt"] for d in listed]  # sorted
    assert {d["receipt"]: d["ranking"] for d in listed} == {
        first.receipt: ("B",),
        paper.receipt: ("A", "C"),
    }


def test_a_replaced_ballot_loses_its_receipt(store):
    s = make_session(store, uses_codes=True)
    (code,) = store.issue_codes(s.id, 1, seed=3)
    h = hash_participant(code, store.load_session(s.id).code_salt)
    store.open_round(s.id, ["A", "B"])
    old = store.add_ballot(s.id, 1, Ballot(("A", "B"), participant_hash=h))
    new = store.add_ballot(s.id, 1, Ballot(("B", "A"), participant_hash=h))
    assert new.replaced and new.receipt != old.receipt
    assert store.find_receipt(s.id, old.receipt) is None
    assert store.find_receipt(s.id, new.receipt)["ranking"] == ("B", "A")


def test_normalise_receipt():
    assert normalise_receipt(" ab-cd ef\t12 ") == "ABCDEF12"


# -- old store files ------------------------------------------------------------------------------
def test_an_old_store_file_gains_the_new_columns(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE sessions (id TEXT PRIMARY KEY, question TEXT NOT NULL,
            threshold REAL NOT NULL, created_at TEXT NOT NULL,
            groups_json TEXT NOT NULL DEFAULT '[]', results_published INTEGER NOT NULL DEFAULT 0,
            uses_codes INTEGER NOT NULL DEFAULT 0, code_salt TEXT NOT NULL DEFAULT '',
            facilitator_key_hash TEXT NOT NULL DEFAULT '', settings_json TEXT NOT NULL DEFAULT '{}');
        CREATE TABLE options (session_id TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,
            label TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
            proposer TEXT NOT NULL DEFAULT '', amended_from TEXT,
            merged_from_json TEXT NOT NULL DEFAULT '[]', PRIMARY KEY (session_id, id));
        INSERT INTO sessions (id, question, threshold, created_at) VALUES ('old', 'Q?', 0.7, 't');
        INSERT INTO options (session_id, id, seq, label) VALUES ('old', 'A', 0, 'Alpha');
        INSERT INTO options (session_id, id, seq, label) VALUES ('old', 'B', 1, 'Beta');
        """
    )
    conn.close()
    store = Store(path)
    s = store.load_session("old")
    assert [(o.id, o.reason) for o in s.options] == [("A", ""), ("B", "")]
    assert store.list_sessions()[0]["archived_at"] is None
    store.update_option("old", "A", reason="why not")
    assert store.load_session("old").option("A").reason == "why not"
    store.close()
    # A second opening finds the columns there and adds nothing.
    again = Store(path)
    assert again.load_session("old").option("A").reason == "why not"
    cols = [c["name"] for c in sa.inspect(again.db.engine).get_columns("options")]
    assert cols.count("reason") == 1
    again.close()


def test_session_file_without_reasons_reads_and_digests_as_before(store):
    """A session saved before options had a reason keeps the same bytes, so its digest holds."""
    from partnership_tools.vote.sessionfile import session_from_json, session_to_json

    s = make_session(store)
    text = session_to_json(store.load_session(s.id))
    assert '"reason"' not in text
    assert session_to_json(session_from_json(text)) == text
    store.update_option(s.id, "A", reason="cheaper")
    with_reason = session_to_json(store.load_session(s.id))
    data = json.loads(with_reason)
    assert data["session"]["options"][0]["reason"] == "cheaper"
    assert "reason" not in data["session"]["options"][1]
    assert session_from_json(with_reason).option("A").reason == "cheaper"
