"""The store on both backends (an SQLite file, a PostgreSQL database): sessions, rounds, ballots,
codes, form tokens, and concurrent writers."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3

import pytest
import sqlalchemy as sa

from partnership_tools.store import (
    Store,
    StoreError,
    default_db_path,
    open_database,
)
from partnership_tools.store.tokens import hash_key, verify_key
from partnership_tools.vote.model import Ballot, Option, hash_participant


@pytest.fixture
def store(store_target):
    s = Store(store_target)
    yield s
    s.close()


def make_session(store, **kw):
    s = store.create_session("Where next?", threshold=0.6, facilitator_key="sesame", **kw)
    store.add_options(s.id, [Option("A", "Alpha"), Option("B", "Beta"), Option("C", "Gamma")])
    return s


def test_wal_mode_and_schema(tmp_path):
    db = open_database(tmp_path / "x.sqlite")
    db.dispose()
    conn = sqlite3.connect(tmp_path / "x.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "options", "rounds", "ballots", "codes", "form_tokens"} <= tables


def test_schema_on_both_backends(store_target):
    db = open_database(store_target)
    tables = set(sa.inspect(db.engine).get_table_names())
    db.dispose()
    assert {"sessions", "options", "rounds", "ballots", "codes", "form_tokens"} <= tables
    assert {"review_reviews", "review_drafts", "kit_secrets", "alembic_version"} <= tables


def test_default_path_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PARTNERSHIP_TOOLS_DB", str(tmp_path / "named.sqlite"))
    assert default_db_path() == tmp_path / "named.sqlite"
    monkeypatch.delenv("PARTNERSHIP_TOOLS_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "partnership-tools" / "partnership-tools.sqlite"


def test_session_round_trip_through_store(store, tmp_path):
    s = make_session(store, groups=["Managers", "Citizens"])
    r = store.open_round(s.id, ["A", "B", "C"])
    assert r.number == 1
    store.add_ballot(s.id, 1, Ballot(("B", "A"), group="Managers"))
    store.add_ballot(s.id, 1, Ballot(("C",), group="Citizens", source="paper"))
    store.close_round(s.id, 1)
    loaded = store.load_session(s.id)
    assert loaded.question == "Where next?"
    assert loaded.threshold == 0.6
    assert loaded.groups == ("Managers", "Citizens")
    assert [o.id for o in loaded.options] == ["A", "B", "C"]
    assert loaded.rounds[0].status == "closed"
    assert loaded.rounds[0].rankings == [("B", "A"), ("C",)]
    assert loaded.rounds[0].ballots[1].source == "paper"
    # saving the loaded session into a second store gives the same session back
    other = Store(tmp_path / "other.sqlite")
    other.save_session(loaded)
    assert other.load_session(s.id) == loaded


def test_closed_round_refuses_ballots(store):
    s = make_session(store)
    store.open_round(s.id, ["A", "B"])
    store.close_round(s.id, 1)
    with pytest.raises(StoreError, match="closed"):
        store.add_ballot(s.id, 1, Ballot(("A",)))
    assert store.ballot_count(s.id, 1) == 0


def test_ballot_for_option_outside_round_is_refused(store):
    s = make_session(store)
    store.open_round(s.id, ["A", "B"])
    with pytest.raises(StoreError, match="not in round 1"):
        store.add_ballot(s.id, 1, Ballot(("C", "A")))


def test_only_one_open_round_and_numbering(store):
    s = make_session(store)
    store.open_round(s.id, ["A", "B", "C"])
    with pytest.raises(StoreError, match="Close the open round"):
        store.open_round(s.id, ["A", "B"])
    store.close_round(s.id, 1)
    assert store.open_round(s.id, ["A", "B"]).number == 2
    with pytest.raises(StoreError, match="at least two"):
        store.open_round(s.id, ["A"])


def test_lineage_parents_must_exist(store):
    s = make_session(store)
    store.add_options(s.id, [Option("D", "Alpha and Beta", merged_from=("A", "B"))])
    with pytest.raises(StoreError, match="unknown parent"):
        store.add_options(s.id, [Option("E", "x", amended_from="Z")])
    with pytest.raises(StoreError, match="already used"):
        store.add_options(s.id, [Option("A", "again")])
    assert store.load_session(s.id).ancestors("D") == ("A", "B")
    assert store.next_option_id(s.id) == "E"


def test_facilitator_key(store):
    s = make_session(store)
    assert store.check_facilitator_key(s.id, "sesame")
    assert not store.check_facilitator_key(s.id, "wrong")
    assert not store.check_facilitator_key("nope", "sesame")
    h = hash_key("k", salt="fixed")
    assert verify_key("k", h) and not verify_key("K", h)
    assert "k" not in h.split("$")[-1]


def test_codes_are_hashed_and_one_ballot_per_code(store):
    s = make_session(store)
    codes = store.issue_codes(s.id, 5, seed=1)
    assert len(set(codes)) == 5
    with store.db.read() as conn:
        raw = conn.execute(sa.text("SELECT code_hash FROM codes")).all()
    assert all(r[0] not in codes for r in raw)  # never stored in clear
    salt = store.load_session(s.id).code_salt
    assert store.code_hash(s.id, codes[0]) == hash_participant(codes[0], salt)
    assert store.code_hash(s.id, "NOTACODE") is None
    store.open_round(s.id, ["A", "B", "C"])
    h = store.code_hash(s.id, codes[0])
    first = store.add_ballot(s.id, 1, Ballot(("A",), participant_hash=h))
    second = store.add_ballot(s.id, 1, Ballot(("B", "C"), participant_hash=h))
    assert not first.replaced and second.replaced
    assert store.load_session(s.id).rounds[0].rankings == [("B", "C")]


def test_form_token_is_single_use(store):
    s = make_session(store)
    store.open_round(s.id, ["A", "B", "C"])
    token = store.issue_form_token(s.id, 1, ["C", "A", "B"])
    store.submit_with_token(token, s.id, Ballot(("A",), shown_order=("C", "A", "B")))
    with pytest.raises(StoreError, match="already been submitted"):
        store.submit_with_token(token, s.id, Ballot(("B",)))
    with pytest.raises(StoreError, match="not valid"):
        store.submit_with_token("forged", s.id, Ballot(("B",)))
    late = store.issue_form_token(s.id, 1, ["A", "B", "C"])
    store.close_round(s.id, 1)
    with pytest.raises(StoreError, match="closed"):
        store.submit_with_token(late, s.id, Ballot(("B",)))
    assert store.ballot_count(s.id, 1) == 1


def test_remove_ballot_only_while_open(store):
    s = make_session(store)
    store.open_round(s.id, ["A", "B"])
    r = store.add_ballot(s.id, 1, Ballot(("A",), source="paper"))
    store.remove_ballot(s.id, r.ballot_id)
    assert store.ballot_count(s.id, 1) == 0
    r = store.add_ballot(s.id, 1, Ballot(("B",)))
    store.close_round(s.id, 1)
    with pytest.raises(StoreError, match="closed round"):
        store.remove_ballot(s.id, r.ballot_id)


def test_duplicate_session_id_and_import_replace(store):
    s = make_session(store)
    with pytest.raises(StoreError, match="already exists"):
        store.create_session("Again", session_id=s.id)
    loaded = store.load_session(s.id)
    with pytest.raises(StoreError, match="--replace"):
        store.save_session(loaded)
    store.save_session(loaded.replace(question="Changed?"), replace=True)
    assert store.load_session(s.id).question == "Changed?"


def test_update_session_validates(store):
    s = make_session(store)
    store.update_session(s.id, results_published=True, threshold=0.8)
    got = store.load_session(s.id)
    assert got.results_published and got.threshold == 0.8
    with pytest.raises(StoreError, match="no setting"):
        store.update_session(s.id, colour="red")
    with pytest.raises(StoreError, match="threshold"):
        store.update_session(s.id, threshold=1.5)


def _writer(db: str, session_id: str, worker: int, count: int) -> None:
    store = Store(db)
    for k in range(count):
        ranking = ("A", "B", "C") if (worker + k) % 2 else ("C", "B")
        store.add_ballot(
            session_id, 1, Ballot(ranking, group=f"w{worker}", source=f"w{worker}-{k}")
        )
    store.close()


def test_twenty_processes_lose_no_ballot(store_target):
    db = store_target
    store = Store(db)
    s = make_session(store)
    store.open_round(s.id, ["A", "B", "C"])
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(db, s.id, w, 50)) for w in range(20)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 20
    with store.db.read() as conn:
        rows = conn.execute(sa.text("SELECT source FROM ballots")).all()
    sources = sorted(r[0] for r in rows)
    expected = sorted(f"w{w}-{k}" for w in range(20) for k in range(50))
    assert sources == expected  # all 1,000, each exactly once


def test_add_ballots_stores_all_or_none(store):
    s = make_session(store)
    rnd = store.open_round(s.id, ["A", "B"])
    good = [Ballot(("A", "B"), group="x", source="import"), Ballot(("B",), source="import")]
    receipts = store.add_ballots(s.id, rnd.number, good)
    assert [r.replaced for r in receipts] == [False, False]
    assert [b.ranking for _i, b in store.ballots(s.id, rnd.number)] == [("A", "B"), ("B",)]
    # One bad ballot anywhere and none of the batch is stored.
    with pytest.raises(StoreError):
        store.add_ballots(s.id, rnd.number, [Ballot(("A",)), Ballot(("A", "Q"))])
    assert store.ballot_count(s.id, rnd.number) == 2
    store.close_round(s.id, rnd.number)
    with pytest.raises(StoreError):
        store.add_ballots(s.id, rnd.number, [Ballot(("A",))])
    assert store.ballot_count(s.id, rnd.number) == 2
