"""Reviews in the store: waves planned, the schema of an older store brought up to date, archive,
restore, delete (every table under the review's id), response counts read at the time the list is
shown, and one response per draft or invitation code under racing submissions. The store tests
run on both backends (``store_target``: an SQLite file and a fresh PostgreSQL database); the ones
that build an older release's SQLite file run on SQLite."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
import sqlalchemy as sa

from partnership_tools.review.actions import ActionItem, ActionPlan
from partnership_tools.review.instrument import load_instrument
from partnership_tools.review.responses import Responses
from partnership_tools.server.review_form import read_context
from partnership_tools.store.db import schema_head, schema_revision
from partnership_tools.store.drafts import (
    AlreadySubmitted,
    InviteCodeError,
    invite_code_counts,
    issue_invite_codes,
    open_wave,
    save_draft,
    start_draft,
    submit_draft,
)
from partnership_tools.store.reviews import (
    ReviewStoreError,
    add_responses,
    archive_review,
    create_review,
    delete_review,
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

#: review_reviews as the first release of the review store (version 1) made it.
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
def db(store_target):
    d = open_review_store(store_target)
    yield d
    d.dispose()


class FakeStore:
    """What the form's handlers read the store from."""

    def __init__(self, db):
        self.db = db


def count(db, sql: str, **params) -> int:
    with db.read() as c:
        return int(c.execute(sa.text(sql), params).scalar_one())


def submit(db, review_id: str, n: int, level: str = "Manager") -> None:
    """``n`` answers through the store functions the participants' form uses."""
    for i in range(n):
        _, code = start_draft(db, review_id)
        save_draft(db, review_id, code, answers={"ud1": 1 + i % 5}, fields={"level": level})
        submit_draft(db, review_id, code)


def test_a_new_review_is_empty_with_its_waves_planned(db, ten):
    create_review(db, "spring", "Spring review", ten, planned_waves="baseline, one year on")
    assert load_planned_waves(db, "spring") == ("baseline", "one year on")
    assert load_responses(db, "spring").n == 0
    assert count(db, "SELECT COUNT(*) FROM review_responses") == 0
    [row] = list_reviews(db)
    assert (row["id"], row["title"], row["responses"], row["waves"]) == (
        "spring",
        "Spring review",
        0,
        0,
    )
    with pytest.raises(ReviewStoreError, match="already a review 'spring'"):
        create_review(db, "spring", "Again", ten)
    # replacing without naming waves keeps them; naming them replaces them
    created = load_review(db, "spring").created_at
    create_review(db, "spring", "Spring", ten, replace=True)
    assert load_planned_waves(db, "spring") == ("baseline", "one year on")
    assert load_review(db, "spring").created_at == created  # kept when not given
    create_review(db, "spring", "Spring", ten, replace=True, planned_waves=["wave A"])
    assert load_planned_waves(db, "spring") == ("wave A",)
    create_review(db, "spring", "Spring", ten, replace=True, created_at="2024-05-01T00:00:00Z")
    assert load_review(db, "spring").created_at == "2024-05-01T00:00:00Z"


def test_the_list_is_ordered_by_creation_then_id(db, ten):
    create_review(db, "b", "B", ten, created_at="2025-01-01T00:00:00Z")
    create_review(db, "a", "A", ten, created_at="2025-01-01T00:00:00Z")
    create_review(db, "c", "C", ten, created_at="2024-12-31T00:00:00Z")
    assert [r["id"] for r in list_reviews(db)] == ["c", "a", "b"]


def test_a_store_of_the_previous_schema_opens_and_gains_the_columns(tmp_path, ten):
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(V1_REVIEWS)
    old.execute(
        "INSERT INTO review_reviews (id, title, instrument_id, instrument_json, created_at) "
        "VALUES ('old', 'Old review', 'ten_lessons', ?, '2024-01-01T00:00:00Z')",
        (json.dumps(ten.to_dict()),),
    )
    old.commit()
    old.close()

    db = open_review_store(path)
    inspector = sa.inspect(db.engine)
    columns = {c["name"] for c in inspector.get_columns("review_reviews")}
    assert {"archived_at", "planned_waves_json"} <= columns
    assert "source" in {c["name"] for c in inspector.get_columns("review_responses")}
    assert schema_revision(db) == schema_head()
    assert [r["id"] for r in list_reviews(db)] == ["old"]  # not archived
    assert load_review(db, "old").title == "Old review"
    assert load_planned_waves(db, "old") == ()
    archive_review(db, "old")
    assert list_reviews(db) == [] and is_archived(db, "old")
    db.dispose()
    again = open_review_store(path)  # opening again changes nothing
    assert is_archived(again, "old") and schema_revision(again) == schema_head()
    again.dispose()


def test_archive_hides_keeps_closes_the_form_and_restores(db, ten):
    create_review(db, "a", "A", ten)
    create_review(db, "b", "B", ten)
    open_wave(db, "a", "phase one")
    submit(db, "a", 2)
    archive_review(db, "a")
    assert [r["id"] for r in list_reviews(db)] == ["b"]
    [arch] = list_reviews(db, archived=True)
    assert arch["id"] == "a" and arch["responses"] == 2 and arch["archived_at"]
    assert load_responses(db, "a").n == 2  # kept
    ctx = read_context(FakeStore(db), "a")
    assert ctx is not None and not ctx.is_open  # "this review is closed"
    restore_review(db, "a")
    assert [r["id"] for r in list_reviews(db)] == ["a", "b"] and not is_archived(db, "a")
    with pytest.raises(ReviewStoreError, match="no review 'nope'"):
        archive_review(db, "nope")


def test_delete_removes_the_rows_of_every_table(db, ten):
    create_review(db, "gone", "Gone", ten, planned_waves=["w1"])
    create_review(db, "kept", "Kept", ten)
    for rid in ("gone", "kept"):
        open_wave(db, rid, "w1")
        submit(db, rid, 3)
        issue_invite_codes(db, rid, 2, seed=1)  # codes, and codes turned on
        (code,) = issue_invite_codes(db, rid, 1, seed=2)
        start_draft(db, rid, code)  # one unfinished
        save_action_plan(db, rid, ActionPlan((ActionItem("people", "Agree a budget"),)))
    before = stored_rows(db, "gone")
    assert before["review_responses"] == 3 and before["review_actions"] == 1
    assert before["review_drafts"] == 4 and before["review_form_waves"] == 1
    assert before["review_invite_codes"] == 3 and before["review_form_codes_required"] == 1
    assert before["review_reviews"] == 1

    delete_review(db, "gone")

    tables = sa.inspect(db.engine).get_table_names()
    for table in (
        "review_responses",
        "review_actions",
        "review_drafts",
        "review_form_waves",
        "review_invite_codes",
        "review_form_codes_required",
    ):
        assert table in tables
        gone = count(db, f"SELECT COUNT(*) FROM {table} WHERE review_id = 'gone'")
        kept = count(db, f"SELECT COUNT(*) FROM {table} WHERE review_id = 'kept'")
        assert gone == 0, table
        assert kept >= 1, table
    assert count(db, "SELECT COUNT(*) FROM review_reviews WHERE id = 'gone'") == 0
    assert read_context(FakeStore(db), "gone") is None  # the form answers 404
    assert [r["id"] for r in list_reviews(db)] == ["kept"]
    with pytest.raises(ReviewStoreError, match="no review 'gone'"):
        delete_review(db, "gone")


def test_the_list_counts_responses_when_it_is_read(db, ten):
    create_review(db, "live", "Live", ten)
    open_wave(db, "live", "phase one")
    assert list_reviews(db)[0]["responses"] == 0
    submit(db, "live", 5)
    assert list_reviews(db)[0]["responses"] == 5
    assert list_reviews(db)[0]["waves"] == 1


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
        (json.dumps(ten.to_dict()),),
    )
    old.executescript(V2_RESPONSES)
    old.commit()
    old.close()
    db = open_review_store(path)
    got = load_responses(db, "old")
    assert list(got.frame["respondent_id"]) == ["a", "b"]
    assert list(got.frame["source"]) == ["", ""]
    assert list(got.frame["ud1"]) == [4.0, 2.0] and list(got.frame["comments"]) == ["", "hi"]
    # the migrated store takes responses with a source
    paper = Responses.from_records(ten, [{"ud1": 5}]).with_source("file: p.csv")
    assert add_responses(db, "old", paper, wave="one") == 1
    assert list(load_responses(db, "old").frame["source"]) == ["", "", "file: p.csv"]
    db.dispose()


def test_form_responses_are_stored_as_from_the_form(db, ten):
    create_review(db, "f", "F", ten)
    open_wave(db, "f", "phase one")
    submit(db, "f", 2)
    got = load_responses(db, "f").frame
    assert list(got["source"]) == ["form", "form"]
    assert all(str(r).startswith("web-") for r in got["respondent_id"])


def test_adding_responses_never_replaces_the_stored_ones(db, ten):
    create_review(db, "mix", "Mix", ten)
    open_wave(db, "mix", "phase one")
    submit(db, "mix", 5)
    paper = Responses.from_records(
        ten, [{"respondent_id": f"P{i}", "ud1": 3, "wave": "elsewhere"} for i in range(3)]
    ).with_source("file: paper.csv")
    assert add_responses(db, "mix", paper, wave="phase one") == 3
    got = load_responses(db, "mix").frame
    assert len(got) == 8
    assert list(got["source"]) == ["form"] * 5 + ["file: paper.csv"] * 3
    assert set(got["wave"]) == {"phase one"}
    assert list(got["respondent_id"][5:]) == ["P0", "P1", "P2"]
    assert list_reviews(db)[0]["responses"] == 8
    with pytest.raises(ReviewStoreError, match="no responses to add"):
        add_responses(db, "mix", Responses.from_records(ten, []))
    assert load_responses(db, "mix").n == 8


def test_a_failed_addition_adds_nothing(db, ten):
    create_review(db, "t", "T", ten)
    save_responses(db, "t", Responses.from_records(ten, [{"ud1": 1, "source": "form"}]))
    bad = Responses(
        ten.id,
        Responses.from_records(ten, [{"ud1": 2}, {"ud1": 3}]).frame.assign(ud2=[1.0, 7.0]),
        ten.item_ids,
        ten.field_ids,
    )
    with pytest.raises(ValueError, match="neither on the scale nor a code"):
        add_responses(db, "t", bad, wave="w")
    assert load_responses(db, "t").n == 1


def race(n: int, work) -> list[object]:
    """Run ``work(i)`` on ``n`` threads started together; each result or the exception raised."""
    barrier = threading.Barrier(n)
    out: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait(timeout=60)
        try:
            out[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - the race's loser is what is being checked
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return out


def test_racing_submissions_of_one_draft_store_it_once(db, ten):
    create_review(db, "race", "Race", ten)
    open_wave(db, "race", "w")
    _, code = start_draft(db, "race")
    save_draft(db, "race", code, answers={"ud1": 4}, fields={"level": "Manager"})
    results = race(6, lambda _i: submit_draft(db, "race", code))
    receipts = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(receipts) == 1
    assert len(refused) == 5 and all(isinstance(r, AlreadySubmitted) for r in refused)
    assert {r.receipt for r in refused} == {receipts[0].code}
    assert count(db, "SELECT COUNT(*) FROM review_responses WHERE review_id = 'race'") == 1
    assert list(load_responses(db, "race").frame["ud1"]) == [4.0]


def test_one_invitation_code_gives_one_response_under_a_race(db, ten):
    """Two drafts started with the same code (the second takes it over), submitted at once:
    only the draft holding the code counts, and the code is spent once."""
    create_review(db, "inv", "Invites", ten)
    open_wave(db, "inv", "w")
    (code,) = issue_invite_codes(db, "inv", 1, seed=7)
    drafts = []
    for _ in range(2):
        _, resume = start_draft(db, "inv", code)
        save_draft(db, "inv", resume, fields={"level": "Manager"})
        drafts.append(resume)
    results = race(2, lambda i: submit_draft(db, "inv", drafts[i]))
    assert isinstance(results[0], InviteCodeError)  # the code moved to the second draft
    assert not isinstance(results[1], Exception)
    assert invite_code_counts(db, "inv") == {"issued": 1, "started": 1, "used": 1}
    assert load_responses(db, "inv").n == 1
    with pytest.raises(InviteCodeError, match="already been used"):
        start_draft(db, "inv", code)


def test_codes_issued_again_with_the_same_seed_are_new_ones(db, ten):
    """A code drawn that the review already has is drawn again (the insert does nothing), so
    each call adds as many new codes as asked."""
    create_review(db, "s", "S", ten)
    first = issue_invite_codes(db, "s", 3, seed=11)
    second = issue_invite_codes(db, "s", 3, seed=11)
    assert len(set(first)) == 3 and len(set(second)) == 3 and not set(first) & set(second)
    assert invite_code_counts(db, "s") == {"issued": 6, "started": 0, "used": 0}
