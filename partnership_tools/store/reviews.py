"""Reviews in the SQLite store: the instrument (a full copy), settings, responses and action plan.

The tables are the review's own (``review_reviews``, ``review_responses``, ``review_actions``),
created by :func:`ensure_review_schema` with ``CREATE TABLE IF NOT EXISTS`` on any connection:
the shared store from :func:`open_review_store` (``partnership_tools.store.sessions.connect``) or a plain
``sqlite3`` connection. Every write runs in one ``BEGIN IMMEDIATE`` transaction.

>>> import sqlite3
>>> from partnership_tools.review.instrument import load_instrument
>>> conn = sqlite3.connect(":memory:")
>>> ensure_review_schema(conn)
>>> inst = load_instrument("partnership_cycle")
>>> create_review(conn, "spring", "Spring review", inst)
>>> save_action_plan(conn, "spring", ActionPlan((ActionItem("evaluation", "Agree three measures"),)))
>>> load_action_plan(conn, "spring").items[0].action
'Agree three measures'

A new review can name the waves it plans; archiving hides it from :func:`list_reviews` (kept,
restorable) and :func:`delete_review` removes everything stored under its id:

>>> create_review(conn, "autumn", "Autumn review", inst, planned_waves=("baseline", "one year on"))
>>> load_planned_waves(conn, "autumn")
('baseline', 'one year on')
>>> archive_review(conn, "autumn")
>>> [r["id"] for r in list_reviews(conn)], [r["id"] for r in list_reviews(conn, archived=True)]
(['spring'], ['autumn'])
>>> restore_review(conn, "autumn")
>>> delete_review(conn, "autumn")
>>> [r["id"] for r in list_reviews(conn)]
['spring']
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from partnership_tools.kernel.clock import utc_now
from partnership_tools.review.actions import ActionItem, ActionPlan
from partnership_tools.review.instrument import Instrument
from partnership_tools.review.responses import Responses
from partnership_tools.review.reviewfile import Review
from partnership_tools.review.settings import ReviewSettings
from partnership_tools.store.db import transaction

__all__ = [
    "ReviewStoreError",
    "add_responses",
    "archive_review",
    "clean_planned_waves",
    "create_review",
    "delete_review",
    "ensure_review_schema",
    "is_archived",
    "list_reviews",
    "load_action_plan",
    "load_instrument_of",
    "load_planned_waves",
    "load_responses",
    "load_review",
    "load_settings",
    "open_review_store",
    "restore_review",
    "save_action_plan",
    "save_responses",
    "save_review",
    "save_settings",
    "stored_rows",
]

#: 2 added ``review_reviews.archived_at`` and ``review_reviews.planned_waves_json``; 3 added
#: ``review_responses.source`` (where each response came from: ``"form"``, ``"file: <name>"``,
#: ``""`` for responses stored before) (:func:`ensure_review_schema` adds them to a store made
#: before).
REVIEW_STORE_VERSION = 3

#: The columns of ``review_reviews`` added after version 1, with their definitions (added by
#: ``ALTER TABLE``).
ADDED_COLUMNS = (
    ("archived_at", "TEXT"),
    ("planned_waves_json", "TEXT NOT NULL DEFAULT '[]'"),
)
#: Every column added after version 1, as ``(table, column, definition)``.
ADDED_TABLE_COLUMNS = (
    *(("review_reviews", name, definition) for name, definition in ADDED_COLUMNS),
    ("review_responses", "source", "TEXT NOT NULL DEFAULT ''"),
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS review_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS review_reviews (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    instrument_id TEXT NOT NULL,
    instrument_json TEXT NOT NULL,
    settings_json TEXT NOT NULL DEFAULT '{}',
    notes TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL DEFAULT '',
    archived_at TEXT,
    planned_waves_json TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS review_responses (
    review_id TEXT NOT NULL REFERENCES review_reviews(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    wave TEXT NOT NULL,
    respondent_id TEXT NOT NULL,
    fields_json TEXT NOT NULL DEFAULT '{}',
    answers_json TEXT NOT NULL DEFAULT '{}',
    comments TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (review_id, seq)
);
CREATE INDEX IF NOT EXISTS review_responses_by_wave ON review_responses (review_id, wave);
CREATE TABLE IF NOT EXISTS review_actions (
    review_id TEXT NOT NULL REFERENCES review_reviews(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    dimension TEXT NOT NULL,
    action TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    due TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    PRIMARY KEY (review_id, seq)
)
"""


class ReviewStoreError(ValueError):
    """A request about a review the store cannot satisfy, in one plain sentence."""


_now = utc_now


_write = transaction  # one BEGIN IMMEDIATE transaction, or join the caller's


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [tuple(r)[1] for r in conn.execute(f"PRAGMA table_info({table})").fetchall()]


def ensure_review_schema(conn: sqlite3.Connection) -> None:
    """Create the review tables if they are missing, and bring a store made by an earlier
    version up to :data:`REVIEW_STORE_VERSION` (the columns of :data:`ADDED_TABLE_COLUMNS`);
    safe to call every time."""
    with _write(conn):
        for statement in SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        for table, name, definition in ADDED_TABLE_COLUMNS:
            if name not in _columns(conn, table):
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")
        conn.execute(
            "INSERT INTO review_meta (key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (str(REVIEW_STORE_VERSION),),
        )


def open_review_store(path: str | os.PathLike[str] | None = None) -> sqlite3.Connection:
    """Open the shared store (``partnership_tools.store.sessions.connect``) with the review tables in place."""
    from partnership_tools.store.db import connect

    conn = connect(path)
    ensure_review_schema(conn)
    return conn


def clean_planned_waves(waves: Sequence[str] | str) -> tuple[str, ...]:
    """The waves planned, each with its spaces tidied, blanks and repeats dropped; a string is
    split at commas and semicolons.

    >>> clean_planned_waves("baseline,  one   year on; baseline, ")
    ('baseline', 'one year on')
    """
    parts = waves.replace(";", ",").split(",") if isinstance(waves, str) else list(waves)
    tidy = (" ".join(str(w).split()) for w in parts)
    return tuple(dict.fromkeys(w for w in tidy if w))


def _row(conn: sqlite3.Connection, review_id: str) -> tuple[Any, ...]:
    cur = conn.execute(
        "SELECT id, title, instrument_json, settings_json, notes, created_at FROM review_reviews WHERE id = ?",
        (review_id,),
    )
    row = cur.fetchone()
    if row is None:
        raise ReviewStoreError(f"There is no review {review_id!r} in the store.")
    return tuple(row)


def create_review(
    conn: sqlite3.Connection,
    review_id: str,
    title: str,
    instrument: Instrument,
    settings: ReviewSettings | None = None,
    notes: str = "",
    replace: bool = False,
    created_at: str | None = None,
    planned_waves: Sequence[str] | None = None,
) -> None:
    """Add a review (keeping a full copy of its instrument); refuses an existing id unless
    ``replace``. ``planned_waves`` (e.g. ``("baseline", "one year on")``) are kept with it; when
    replacing, None keeps the waves planned before."""
    if not str(review_id).strip():
        raise ReviewStoreError("A review needs a non-empty id.")
    now = _now()
    created = created_at or now
    planned = (
        json.dumps(list(clean_planned_waves(planned_waves))) if planned_waves is not None else None
    )
    with _write(conn):
        exists = conn.execute("SELECT 1 FROM review_reviews WHERE id = ?", (review_id,)).fetchone()
        if exists and not replace:
            raise ReviewStoreError(f"There is already a review {review_id!r} in the store.")
        if exists:
            conn.execute(
                "UPDATE review_reviews SET title = ?, instrument_id = ?, instrument_json = ?, settings_json = ?, "
                "notes = ?, updated_at = ?, created_at = COALESCE(?, created_at), "
                "planned_waves_json = COALESCE(?, planned_waves_json) WHERE id = ?",
                (
                    title,
                    instrument.id,
                    json.dumps(instrument.to_dict()),
                    json.dumps((settings or ReviewSettings()).to_dict()),
                    notes,
                    now,
                    created_at,
                    planned,
                    review_id,
                ),
            )
        else:
            conn.execute(
                "INSERT INTO review_reviews (id, title, instrument_id, instrument_json, settings_json, notes, "
                "created_at, updated_at, planned_waves_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    review_id,
                    title,
                    instrument.id,
                    json.dumps(instrument.to_dict()),
                    json.dumps((settings or ReviewSettings()).to_dict()),
                    notes,
                    created,
                    now,
                    planned or "[]",
                ),
            )


def list_reviews(conn: sqlite3.Connection, archived: bool = False) -> list[dict[str, Any]]:
    """The reviews not archived (``archived=True``: only the archived ones), each as ``id, title,
    instrument_id, created_at, updated_at, responses, waves`` (and ``archived_at`` for archived
    ones), counted from the store now: call it again to see responses added since."""
    rows = conn.execute(
        "SELECT r.id, r.title, r.instrument_id, r.created_at, r.updated_at, "
        "(SELECT COUNT(*) FROM review_responses x WHERE x.review_id = r.id), "
        "(SELECT COUNT(DISTINCT wave) FROM review_responses x WHERE x.review_id = r.id), "
        "r.archived_at FROM review_reviews r "
        f"WHERE r.archived_at IS {'NOT ' if archived else ''}NULL ORDER BY r.created_at, r.id"
    ).fetchall()
    keys = ("id", "title", "instrument_id", "created_at", "updated_at", "responses", "waves")
    out = []
    for r in rows:
        d = dict(zip(keys, tuple(r)[:-1], strict=True))
        if archived:
            d["archived_at"] = tuple(r)[-1]
        out.append(d)
    return out


def _tables_with_review_id(conn: sqlite3.Connection) -> list[str]:
    """Every table (the review's own, the form's drafts and waves, any added later) that keeps
    rows under a review's id, in a ``review_id`` column."""
    names = [
        tuple(r)[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        ).fetchall()
    ]
    return [n for n in names if "review_id" in _columns(conn, n)]


def _close_form(conn: sqlite3.Connection, review_id: str) -> None:
    if "review_form_waves" in _tables_with_review_id(conn):
        conn.execute(
            "UPDATE review_form_waves SET status = 'closed', closed_at = ? "
            "WHERE review_id = ? AND status = 'open'",
            (_now(), review_id),
        )


def archive_review(conn: sqlite3.Connection, review_id: str) -> None:
    """Hide a review from :func:`list_reviews` (everything is kept; :func:`restore_review` brings
    it back) and close its response form."""
    with _write(conn):
        _row(conn, review_id)
        conn.execute(
            "UPDATE review_reviews SET archived_at = COALESCE(archived_at, ?) WHERE id = ?",
            (_now(), review_id),
        )
        _close_form(conn, review_id)


def restore_review(conn: sqlite3.Connection, review_id: str) -> None:
    """Show an archived review in :func:`list_reviews` again (its form stays closed)."""
    with _write(conn):
        _row(conn, review_id)
        conn.execute("UPDATE review_reviews SET archived_at = NULL WHERE id = ?", (review_id,))


def is_archived(conn: sqlite3.Connection, review_id: str) -> bool:
    """Whether the review is archived."""
    _row(conn, review_id)
    row = conn.execute("SELECT archived_at FROM review_reviews WHERE id = ?", (review_id,))
    return tuple(row.fetchone())[0] is not None


def delete_review(conn: sqlite3.Connection, review_id: str) -> None:
    """Remove a review and everything stored under its id: responses, action plan, settings,
    the form's waves and drafts (every table with a ``review_id`` column), then the review."""
    with _write(conn):
        _row(conn, review_id)
        for table in _tables_with_review_id(conn):
            conn.execute(f"DELETE FROM {table} WHERE review_id = ?", (review_id,))
        conn.execute("DELETE FROM review_reviews WHERE id = ?", (review_id,))


def stored_rows(conn: sqlite3.Connection, review_id: str) -> dict[str, int]:
    """How many rows each table keeps under the review's id (``review_reviews`` counts the
    review itself): what :func:`delete_review` would remove."""
    out = {
        t: int(
            conn.execute(f"SELECT COUNT(*) FROM {t} WHERE review_id = ?", (review_id,)).fetchone()[
                0
            ]
        )
        for t in _tables_with_review_id(conn)
    }
    out["review_reviews"] = int(
        conn.execute("SELECT COUNT(*) FROM review_reviews WHERE id = ?", (review_id,)).fetchone()[0]
    )
    return out


def load_planned_waves(conn: sqlite3.Connection, review_id: str) -> tuple[str, ...]:
    """The waves planned when the review was made (``()`` when none were named)."""
    _row(conn, review_id)
    row = conn.execute(
        "SELECT planned_waves_json FROM review_reviews WHERE id = ?", (review_id,)
    ).fetchone()
    return clean_planned_waves(json.loads(tuple(row)[0] or "[]"))


def load_instrument_of(conn: sqlite3.Connection, review_id: str) -> Instrument:
    """The copy of the instrument stored with the review."""
    return Instrument.from_dict(
        json.loads(_row(conn, review_id)[2]), source=f"review {review_id!r} in the store"
    )


def save_settings(conn: sqlite3.Connection, review_id: str, settings: ReviewSettings) -> None:
    with _write(conn):
        _row(conn, review_id)
        conn.execute(
            "UPDATE review_reviews SET settings_json = ?, updated_at = ? WHERE id = ?",
            (json.dumps(settings.to_dict()), _now(), review_id),
        )


def load_settings(conn: sqlite3.Connection, review_id: str) -> ReviewSettings:
    """A stored review's settings; one stored before the disclosure rule was recorded gets
    today's (``linked``): live data is always protected by the current rule."""
    d = json.loads(_row(conn, review_id)[3] or "{}")
    d.setdefault("disclosure", "linked")
    return ReviewSettings.from_dict(d)


def _clean(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v


def save_responses(
    conn: sqlite3.Connection, review_id: str, responses: Responses, replace_waves: bool = True
) -> int:
    """Store responses for a review. With ``replace_waves`` (the default) the stored responses of the
    waves being saved are replaced first, so saving wave two keeps wave one. Returns the rows stored."""
    inst = load_instrument_of(conn, review_id)
    responses.check(inst)
    f = responses.frame
    items = f[list(responses.item_ids)].to_numpy(dtype=float)
    rows = []
    with _write(conn):
        if replace_waves:
            for w in responses.waves:
                conn.execute(
                    "DELETE FROM review_responses WHERE review_id = ? AND wave = ?", (review_id, w)
                )
        start = conn.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM review_responses WHERE review_id = ?", (review_id,)
        ).fetchone()[0]
        fields = (
            f[list(responses.field_ids)].astype(object).to_numpy()
            if responses.field_ids
            else np.empty((len(f), 0))
        )
        for i, (rid, wave, comments, source) in enumerate(
            zip(f["respondent_id"], f["wave"], f["comments"], f["source"], strict=True)
        ):
            answers = {
                iid: (None if np.isnan(v) else int(v))
                for iid, v in zip(responses.item_ids, items[i], strict=True)
            }
            flds = {fid: _clean(v) for fid, v in zip(responses.field_ids, fields[i], strict=True)}
            rows.append(
                (
                    review_id,
                    start + i + 1,
                    wave,
                    rid,
                    json.dumps(flds),
                    json.dumps(answers),
                    comments or "",
                    source or "",
                )
            )
        conn.executemany(
            "INSERT INTO review_responses (review_id, seq, wave, respondent_id, fields_json, "
            "answers_json, comments, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("UPDATE review_reviews SET updated_at = ? WHERE id = ?", (_now(), review_id))
    return len(rows)


def add_responses(
    conn: sqlite3.Connection, review_id: str, responses: Responses, wave: str | None = None
) -> int:
    """Add responses to a review beside the ones stored (the form's included), never replacing
    any: ``wave`` (when given) puts every one of them in that wave. One transaction; returns the
    rows added. Raises :class:`ReviewStoreError` when there is nothing to add.

    >>> import sqlite3
    >>> from partnership_tools.review.instrument import load_instrument
    >>> conn = sqlite3.connect(":memory:")
    >>> ensure_review_schema(conn)
    >>> inst = load_instrument("ten_lessons")
    >>> create_review(conn, "r", "R", inst)
    >>> online = Responses.from_records(inst, [{"ud1": 4, "wave": "one", "source": "form"}])
    >>> save_responses(conn, "r", online)
    1
    >>> paper = Responses.from_records(inst, [{"ud1": 2}, {"ud1": 3}]).with_source("file: p.csv")
    >>> add_responses(conn, "r", paper, wave="one")
    2
    >>> got = load_responses(conn, "r").frame
    >>> list(got["wave"]), list(got["source"])
    (['one', 'one', 'one'], ['form', 'file: p.csv', 'file: p.csv'])
    """
    if responses.n == 0:
        raise ReviewStoreError("There are no responses to add.")
    if wave is not None:
        wave = " ".join(str(wave).split())
        if not wave:
            raise ReviewStoreError("Name the wave the responses are added to.")
        responses = responses.in_wave(wave)
    return save_responses(conn, review_id, responses, replace_waves=False)


def load_responses(
    conn: sqlite3.Connection, review_id: str, waves: list[str] | None = None
) -> Responses:
    """The stored responses of a review (optionally only some waves), in the order they were saved."""
    inst = load_instrument_of(conn, review_id)
    rows = conn.execute(
        "SELECT wave, respondent_id, fields_json, answers_json, comments, source "
        "FROM review_responses WHERE review_id = ? ORDER BY seq",
        (review_id,),
    ).fetchall()
    recs = []
    for wave, rid, fields, answers, comments, source in (tuple(r) for r in rows):
        if waves and wave not in waves:
            continue
        recs.append(
            {
                "respondent_id": rid,
                "wave": wave,
                "fields": json.loads(fields),
                "answers": json.loads(answers),
                "comments": comments,
                "source": source or "",
            }
        )
    return Responses.from_dict(
        {
            "instrument_id": inst.id,
            "item_ids": list(inst.item_ids),
            "field_ids": list(inst.field_ids),
            "rows": recs,
        }
    )


def save_action_plan(conn: sqlite3.Connection, review_id: str, plan: ActionPlan) -> None:
    """Replace the review's action plan (checked against the review's instrument)."""
    plan.check(load_instrument_of(conn, review_id))
    with _write(conn):
        conn.execute("DELETE FROM review_actions WHERE review_id = ?", (review_id,))
        conn.executemany(
            "INSERT INTO review_actions (review_id, seq, dimension, action, owner, due, status) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (review_id, i + 1, a.dimension, a.action, a.owner, a.due, a.status)
                for i, a in enumerate(plan.items)
            ],
        )
        conn.execute("UPDATE review_reviews SET updated_at = ? WHERE id = ?", (_now(), review_id))


def load_action_plan(conn: sqlite3.Connection, review_id: str) -> ActionPlan:
    _row(conn, review_id)
    rows = conn.execute(
        "SELECT dimension, action, owner, due, status FROM review_actions WHERE review_id = ? ORDER BY seq",
        (review_id,),
    ).fetchall()
    return ActionPlan(tuple(ActionItem(*tuple(r)) for r in rows))


def save_review(conn: sqlite3.Connection, review: Review) -> None:
    """Store a whole review (e.g. one read from a review file), replacing any with the same id."""
    with _write(conn):
        create_review(
            conn,
            review.id,
            review.title,
            review.instrument,
            review.settings,
            review.notes,
            replace=True,
            created_at=review.created_at or None,
        )
        conn.execute("DELETE FROM review_responses WHERE review_id = ?", (review.id,))
        save_responses(conn, review.id, review.responses, replace_waves=False)
        save_action_plan(conn, review.id, review.action_plan)


def load_review(conn: sqlite3.Connection, review_id: str) -> Review:
    """Everything stored for one review, as a :class:`~.reviewfile.Review`."""
    rid, title, _, _, notes, created = _row(conn, review_id)
    return Review(
        id=rid,
        title=title,
        instrument=load_instrument_of(conn, review_id),
        responses=load_responses(conn, review_id),
        settings=load_settings(conn, review_id),
        action_plan=load_action_plan(conn, review_id),
        created_at=created,
        notes=notes,
    )
