"""Reviews in the store: waves planned, the schema migration, archive, restore, delete (every
table under the review's id), and response counts read at the time the list is shown."""

from __future__ import annotations

import sqlite3

import pytest

from partnership_tools.review.actions import ActionItem, ActionPlan
from partnership_tools.review.instrument import load_instrument
from partnership_tools.review.responses import Responses
from partnership_tools.server.review_form import read_context
from partnership_tools.store.drafts import (
    ensure_drafts_schema,
    open_wave,
    save_draft,
    start_draft,
    submit_draft,
)
from partnership_tools.store.reviews import (
    REVIEW_STORE_VERSION,
    ReviewStoreError,
    add_responses,
    archive_review,
    create_review,
    delete_review,
    ensure_review_schema,
    is_archived,
    list_reviews,
    load_planned_waves,
    load_responses,
    load_review,
    open_review_store,
    restore_review,
    save_action_plan,
    save_responses,
    stored_rows,
)

#: review_reviews as the previous store version (1) made it.
V1_REVIEWS = """
CREATE TABLE review_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE review_reviews (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    instrument_id TEXT NOT NULL,
    instrument_json TEXT NOT NULL,
    settings_json TEXT NOT NULL DEFAULT '{}',
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL DEFAULT ''
);
INSERT INTO review_meta VALUES ('schema_version', '1');
"""


@pytest.fixture
def ten():
    return load_instrument("ten_lessons")


@pytest.fixture
def conn(tmp_path):
    c = open_review_store(tmp_path / "store.sqlite")
    ensure_drafts_schema(c)
    yield c
    c.close()


class FakeStore:
    """What the form's handlers read the connection from."""

    def __init__(self, conn):
        self.conn = conn


def submit(conn, review_id: str, n: int, level: str = "Manager") -> None:
    """``n`` answers through the store functions the participants' form uses."""
    for i in range(n):
        _, code = start_draft(conn, review_id)
        save_draft(conn, review_id, code, answers={"ud1": 1 + i % 5}, fields={"level": level})
        submit_draft(conn, review_id, code)


def test_a_new_review_is_empty_with_its_waves_planned(conn, ten):
    create_review(conn, "spring", "Spring review", ten, planned_waves="baseline, one year on")
    assert load_planned_waves(conn, "spring") == ("baseline", "one year on")
    assert load_responses(conn, "spring").n == 0
    assert conn.execute("SELECT COUNT(*) FROM review_responses").fetchone()[0] == 0
    [row] = list_reviews(conn)
    assert (row["id"], row["title"], row["responses"], row["waves"]) == (
        "spring",
        "Spring review",
        0,
        0,
    )
    # replacing without naming waves keeps them; naming them replaces them
    create_review(conn, "spring", "Spring", ten, replace=True)
    assert load_planned_waves(conn, "spring") == ("baseline", "one year on")
    create_review(conn, "spring", "Spring", ten, replace=True, planned_waves=["wave A"])
    assert load_planned_waves(conn, "spring") == ("wave A",)


def test_a_store_of_the_previous_schema_opens_and_gains_the_columns(tmp_path, ten):
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(V1_REVIEWS)
    old.execute(
        "INSERT INTO review_reviews (id, title, instrument_id, instrument_json, created_at) "
        "VALUES ('old', 'Old review', 'ten_lessons', ?, '2024-01-01T00:00:00Z')",
        (__import__("json").dumps(ten.to_dict()),),
    )
    old.commit()
    old.close()

    conn = open_review_store(path)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(review_reviews)")]
    assert "archived_at" in columns and "planned_waves_json" in columns
    version = conn.execute("SELECT value FROM review_meta WHERE key = 'schema_version'")
    assert version.fetchone()[0] == str(REVIEW_STORE_VERSION) == "3"
    assert "source" in [r[1] for r in conn.execute("PRAGMA table_info(review_responses)")]
    assert [r["id"] for r in list_reviews(conn)] == ["old"]  # not archived
    assert load_review(conn, "old").title == "Old review"
    assert load_planned_waves(conn, "old") == ()
    ensure_review_schema(conn)  # again: nothing to add
    archive_review(conn, "old")
    assert list_reviews(conn) == [] and is_archived(conn, "old")
    conn.close()


def test_archive_hides_keeps_closes_the_form_and_restores(conn, ten):
    create_review(conn, "a", "A", ten)
    create_review(conn, "b", "B", ten)
    open_wave(conn, "a", "phase one")
    submit(conn, "a", 2)
    archive_review(conn, "a")
    assert [r["id"] for r in list_reviews(conn)] == ["b"]
    [arch] = list_reviews(conn, archived=True)
    assert arch["id"] == "a" and arch["responses"] == 2 and arch["archived_at"]
    assert load_responses(conn, "a").n == 2  # kept
    ctx = read_context(FakeStore(conn), "a")
    assert ctx is not None and not ctx.is_open  # "this review is closed"
    restore_review(conn, "a")
    assert [r["id"] for r in list_reviews(conn)] == ["a", "b"] and not is_archived(conn, "a")
    with pytest.raises(ReviewStoreError, match="no review 'nope'"):
        archive_review(conn, "nope")


def test_delete_removes_the_rows_of_every_table(conn, ten):
    create_review(conn, "gone", "Gone", ten, planned_waves=["w1"])
    create_review(conn, "kept", "Kept", ten)
    for rid in ("gone", "kept"):
        open_wave(conn, rid, "w1")
        submit(conn, rid, 3)
        start_draft(conn, rid)  # one unfinished
        save_action_plan(conn, rid, ActionPlan((ActionItem("people", "Agree a budget"),)))
    before = stored_rows(conn, "gone")
    assert before["review_responses"] == 3 and before["review_actions"] == 1
    assert before["review_drafts"] >= 1 and before["review_form_waves"] == 1

    delete_review(conn, "gone")

    tables = [
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    ]
    for table in ("review_responses", "review_actions", "review_drafts", "review_form_waves"):
        assert table in tables
        gone = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE review_id = 'gone'")
        kept = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE review_id = 'kept'")
        assert gone.fetchone()[0] == 0, table
        assert kept.fetchone()[0] >= 1, table
    assert conn.execute("SELECT COUNT(*) FROM review_reviews WHERE id = 'gone'").fetchone()[0] == 0
    assert read_context(FakeStore(conn), "gone") is None  # the form answers 404
    assert [r["id"] for r in list_reviews(conn)] == ["kept"]
    with pytest.raises(ReviewStoreError, match="no review 'gone'"):
        delete_review(conn, "gone")


def test_the_list_counts_responses_when_it_is_read(conn, ten):
    create_review(conn, "live", "Live", ten)
    open_wave(conn, "live", "phase one")
    assert list_reviews(conn)[0]["responses"] == 0
    submit(conn, "live", 5)
    assert list_reviews(conn)[0]["responses"] == 5
    assert list_reviews(conn)[0]["waves"] == 1


#: review_responses as store version 2 made it (no ``source`` column), with two responses.
V2_RESPONSES = """
CREATE TABLE review_responses (
    review_id TEXT NOT NULL REFERENCES review_reviews(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    wave TEXT NOT NULL,
    respondent_id TEXT NOT NULL,
    fields_json TEXT NOT NULL DEFAULT '{}',
    answers_json TEXT NOT NULL DEFAULT '{}',
    comments TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (review_id, seq)
);
INSERT INTO review_responses VALUES ('old', 1, 'one', 'a', '{}', '{"ud1": 4}', '');
INSERT INTO review_responses VALUES ('old', 2, 'one', 'b', '{}', '{"ud1": 2}', 'hi');
UPDATE review_meta SET value = '2' WHERE key = 'schema_version';
"""


def test_a_version_2_store_keeps_its_responses_with_no_source(tmp_path, ten):
    path = tmp_path / "v2.sqlite"
    old = sqlite3.connect(path)
    old.executescript(V1_REVIEWS)
    old.execute(
        "INSERT INTO review_reviews (id, title, instrument_id, instrument_json) "
        "VALUES ('old', 'Old', 'ten_lessons', ?)",
        (__import__("json").dumps(ten.to_dict()),),
    )
    old.executescript(V2_RESPONSES)
    old.commit()
    old.close()
    conn = open_review_store(path)
    got = load_responses(conn, "old")
    assert list(got.frame["respondent_id"]) == ["a", "b"]
    assert list(got.frame["source"]) == ["", ""]
    assert list(got.frame["ud1"]) == [4.0, 2.0] and list(got.frame["comments"]) == ["", "hi"]
    # the migrated store takes responses with a source
    paper = Responses.from_records(ten, [{"ud1": 5}]).with_source("file: p.csv")
    assert add_responses(conn, "old", paper, wave="one") == 1
    assert list(load_responses(conn, "old").frame["source"]) == ["", "", "file: p.csv"]
    conn.close()


def test_form_responses_are_stored_as_from_the_form(conn, ten):
    create_review(conn, "f", "F", ten)
    open_wave(conn, "f", "phase one")
    submit(conn, "f", 2)
    got = load_responses(conn, "f").frame
    assert list(got["source"]) == ["form", "form"]
    assert all(str(r).startswith("web-") for r in got["respondent_id"])


def test_adding_responses_never_replaces_the_stored_ones(conn, ten):
    create_review(conn, "mix", "Mix", ten)
    open_wave(conn, "mix", "phase one")
    submit(conn, "mix", 5)
    paper = Responses.from_records(
        ten, [{"respondent_id": f"P{i}", "ud1": 3, "wave": "elsewhere"} for i in range(3)]
    ).with_source("file: paper.csv")
    assert add_responses(conn, "mix", paper, wave="phase one") == 3
    got = load_responses(conn, "mix").frame
    assert len(got) == 8
    assert list(got["source"]) == ["form"] * 5 + ["file: paper.csv"] * 3
    assert set(got["wave"]) == {"phase one"}
    assert list(got["respondent_id"][5:]) == ["P0", "P1", "P2"]
    assert list_reviews(conn)[0]["responses"] == 8
    with pytest.raises(ReviewStoreError, match="no responses to add"):
        add_responses(conn, "mix", Responses.from_records(ten, []))
    assert load_responses(conn, "mix").n == 8


def test_a_failed_addition_adds_nothing(conn, ten):
    create_review(conn, "t", "T", ten)
    save_responses(conn, "t", Responses.from_records(ten, [{"ud1": 1, "source": "form"}]))
    bad = Responses(
        ten.id,
        Responses.from_records(ten, [{"ud1": 2}, {"ud1": 3}]).frame.assign(ud2=[1.0, 7.0]),
        ten.item_ids,
        ten.field_ids,
    )
    with pytest.raises(ValueError, match="neither on the scale nor a code"):
        add_responses(conn, "t", bad, wave="w")
    assert load_responses(conn, "t").n == 1
