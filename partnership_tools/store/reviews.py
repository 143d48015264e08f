"""Reviews in the store: the instrument (a full copy), settings, responses and action plan.

The tables are the review's own (``review_reviews``, ``review_responses``, ``review_actions``,
defined in :mod:`partnership_tools.store.schema` and made by the store's migrations), in the
same store as the votes: an SQLite file or a PostgreSQL database (:func:`open_review_store`).
Every function takes the store's :class:`~partnership_tools.store.db.Database`; every write
runs in one serialised transaction (:meth:`~partnership_tools.store.db.Database.write`), joined
when the caller already has one open.

>>> import os, tempfile
>>> from partnership_tools.review.instrument import load_instrument
>>> db = open_review_store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
>>> inst = load_instrument("partnership_cycle")
>>> create_review(db, "spring", "Spring review", inst)
>>> save_action_plan(db, "spring", ActionPlan((ActionItem("evaluation", "Agree three measures"),)))
>>> load_action_plan(db, "spring").items[0].action
'Agree three measures'

A new review can name the waves it plans; archiving hides it from :func:`list_reviews` (kept,
restorable) and :func:`delete_review` removes everything stored under its id:

>>> create_review(db, "autumn", "Autumn review", inst, planned_waves=("baseline", "one year on"))
>>> load_planned_waves(db, "autumn")
('baseline', 'one year on')
>>> archive_review(db, "autumn")
>>> [r["id"] for r in list_reviews(db)], [r["id"] for r in list_reviews(db, archived=True)]
(['spring'], ['autumn'])
>>> restore_review(db, "autumn")
>>> delete_review(db, "autumn")
>>> [r["id"] for r in list_reviews(db)]
['spring']
>>> db.dispose()
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from partnership_tools.kernel.clock import utc_now
from partnership_tools.review.actions import ActionItem, ActionPlan
from partnership_tools.review.instrument import Instrument
from partnership_tools.review.responses import Responses
from partnership_tools.review.reviewfile import Review
from partnership_tools.review.settings import ReviewSettings
from partnership_tools.store.db import Database, open_database
from partnership_tools.store.schema import metadata

__all__ = [
    "ReviewStoreError",
    "add_responses",
    "archive_review",
    "clean_planned_waves",
    "create_review",
    "delete_review",
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


class ReviewStoreError(ValueError):
    """A request about a review the store cannot satisfy, in one plain sentence."""


_now = utc_now


def open_review_store(target: str | os.PathLike[str] | None = None) -> Database:
    """Open the shared store (a file path or ``postgresql://`` URL; default
    ``$PARTNERSHIP_TOOLS_DB``) with every table, the review ones included, in place
    (:func:`~partnership_tools.store.db.open_database`)."""
    return open_database(target)


def clean_planned_waves(waves: Sequence[str] | str) -> tuple[str, ...]:
    """The waves planned, each with its spaces tidied, blanks and repeats dropped; a string is
    split at commas and semicolons.

    >>> clean_planned_waves("baseline,  one   year on; baseline, ")
    ('baseline', 'one year on')
    """
    parts = waves.replace(";", ",").split(",") if isinstance(waves, str) else list(waves)
    tidy = (" ".join(str(w).split()) for w in parts)
    return tuple(dict.fromkeys(w for w in tidy if w))


def _row(conn: sa.Connection, review_id: str) -> tuple[Any, ...]:
    row = conn.execute(
        sa.text(
            "SELECT id, title, instrument_json, settings_json, notes, created_at"
            " FROM review_reviews WHERE id = :id"
        ),
        {"id": review_id},
    ).first()
    if row is None:
        raise ReviewStoreError(f"There is no review {review_id!r} in the store.")
    return tuple(row)


def create_review(
    db: Database,
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
    replacing, None keeps the waves planned before (and ``created_at`` None keeps the time the
    review was first made)."""
    if not str(review_id).strip():
        raise ReviewStoreError("A review needs a non-empty id.")
    now = _now()
    planned = (
        json.dumps(list(clean_planned_waves(planned_waves))) if planned_waves is not None else None
    )
    values: dict[str, Any] = {
        "id": review_id,
        "title": title,
        "instrument_id": instrument.id,
        "instrument_json": json.dumps(instrument.to_dict()),
        "settings_json": json.dumps((settings or ReviewSettings()).to_dict()),
        "notes": notes,
        "updated_at": now,
    }
    with db.write() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM review_reviews WHERE id = :id"), {"id": review_id}
        ).first()
        if exists and not replace:
            raise ReviewStoreError(f"There is already a review {review_id!r} in the store.")
        if exists:
            if created_at is not None:
                values["created_at"] = created_at
            if planned is not None:
                values["planned_waves_json"] = planned
            sets = ", ".join(f"{k} = :{k}" for k in values if k != "id")
            conn.execute(sa.text(f"UPDATE review_reviews SET {sets} WHERE id = :id"), values)
        else:
            values["created_at"] = created_at or now
            values["planned_waves_json"] = planned or "[]"
            conn.execute(
                sa.text(
                    f"INSERT INTO review_reviews ({', '.join(values)})"
                    f" VALUES ({', '.join(':' + k for k in values)})"
                ),
                values,
            )


def list_reviews(db: Database, archived: bool = False) -> list[dict[str, Any]]:
    """The reviews not archived (``archived=True``: only the archived ones), each as ``id, title,
    instrument_id, created_at, updated_at, responses, waves`` (and ``archived_at`` for archived
    ones), counted from the store now: call it again to see responses added since. Ordered by
    the time each was made, then id."""
    with db.read() as conn:
        rows = (
            conn.execute(
                sa.text(
                    "SELECT r.id, r.title, r.instrument_id, r.created_at, r.updated_at,"
                    " (SELECT COUNT(*) FROM review_responses x WHERE x.review_id = r.id) AS responses,"
                    " (SELECT COUNT(DISTINCT x.wave) FROM review_responses x"
                    " WHERE x.review_id = r.id) AS waves,"
                    " r.archived_at FROM review_reviews r"
                    f" WHERE r.archived_at IS {'NOT ' if archived else ''}NULL"
                    " ORDER BY r.created_at, r.id"
                )
            )
            .mappings()
            .all()
        )
    keys = ("id", "title", "instrument_id", "created_at", "updated_at", "responses", "waves")
    out = []
    for r in rows:
        d: dict[str, Any] = {k: r[k] for k in keys}
        d["responses"], d["waves"] = int(d["responses"]), int(d["waves"])
        if archived:
            d["archived_at"] = r["archived_at"]
        out.append(d)
    return out


def _tables_with_review_id() -> list[str]:
    """Every table (the review's own, the form's drafts, waves and codes, any added later) that
    keeps rows under a review's id, in a ``review_id`` column (from the store's schema)."""
    return sorted(name for name, t in metadata.tables.items() if "review_id" in t.c)


def _close_form(conn: sa.Connection, review_id: str) -> None:
    conn.execute(
        sa.text(
            "UPDATE review_form_waves SET status = 'closed', closed_at = :t"
            " WHERE review_id = :id AND status = 'open'"
        ),
        {"t": _now(), "id": review_id},
    )


def archive_review(db: Database, review_id: str) -> None:
    """Hide a review from :func:`list_reviews` (everything is kept; :func:`restore_review` brings
    it back) and close its response form."""
    with db.write() as conn:
        _row(conn, review_id)
        conn.execute(
            sa.text(
                "UPDATE review_reviews SET archived_at = COALESCE(archived_at, :t) WHERE id = :id"
            ),
            {"t": _now(), "id": review_id},
        )
        _close_form(conn, review_id)


def restore_review(db: Database, review_id: str) -> None:
    """Show an archived review in :func:`list_reviews` again (its form stays closed)."""
    with db.write() as conn:
        _row(conn, review_id)
        conn.execute(
            sa.text("UPDATE review_reviews SET archived_at = NULL WHERE id = :id"),
            {"id": review_id},
        )


def is_archived(db: Database, review_id: str) -> bool:
    """Whether the review is archived."""
    with db.read() as conn:
        _row(conn, review_id)
        at = conn.execute(
            sa.text("SELECT archived_at FROM review_reviews WHERE id = :id"), {"id": review_id}
        ).scalar()
    return at is not None


def delete_review(db: Database, review_id: str) -> None:
    """Remove a review and everything stored under its id: responses, action plan, settings,
    the form's waves, drafts and invitation codes (every table with a ``review_id`` column),
    then the review."""
    with db.write() as conn:
        _row(conn, review_id)
        for table in _tables_with_review_id():
            conn.execute(sa.text(f"DELETE FROM {table} WHERE review_id = :id"), {"id": review_id})
        conn.execute(sa.text("DELETE FROM review_reviews WHERE id = :id"), {"id": review_id})


def stored_rows(db: Database, review_id: str) -> dict[str, int]:
    """How many rows each table keeps under the review's id (``review_reviews`` counts the
    review itself): what :func:`delete_review` would remove."""
    with db.read() as conn:
        out = {
            t: int(
                conn.execute(
                    sa.text(f"SELECT COUNT(*) FROM {t} WHERE review_id = :id"), {"id": review_id}
                ).scalar_one()
            )
            for t in _tables_with_review_id()
        }
        out["review_reviews"] = int(
            conn.execute(
                sa.text("SELECT COUNT(*) FROM review_reviews WHERE id = :id"), {"id": review_id}
            ).scalar_one()
        )
    return out


def load_planned_waves(db: Database, review_id: str) -> tuple[str, ...]:
    """The waves planned when the review was made (``()`` when none were named)."""
    with db.read() as conn:
        _row(conn, review_id)
        text = conn.execute(
            sa.text("SELECT planned_waves_json FROM review_reviews WHERE id = :id"),
            {"id": review_id},
        ).scalar()
    return clean_planned_waves(json.loads(text or "[]"))


def _instrument(conn: sa.Connection, review_id: str) -> Instrument:
    return Instrument.from_dict(
        json.loads(_row(conn, review_id)[2]), source=f"review {review_id!r} in the store"
    )


def load_instrument_of(db: Database, review_id: str) -> Instrument:
    """The copy of the instrument stored with the review."""
    with db.read() as conn:
        return _instrument(conn, review_id)


def save_settings(db: Database, review_id: str, settings: ReviewSettings) -> None:
    """Replace the review's settings."""
    with db.write() as conn:
        _row(conn, review_id)
        conn.execute(
            sa.text("UPDATE review_reviews SET settings_json = :s, updated_at = :t WHERE id = :id"),
            {"s": json.dumps(settings.to_dict()), "t": _now(), "id": review_id},
        )


def load_settings(db: Database, review_id: str) -> ReviewSettings:
    """A stored review's settings; one stored before the disclosure rule was recorded gets
    today's (``linked``): live data is always protected by the current rule."""
    with db.read() as conn:
        d = json.loads(_row(conn, review_id)[3] or "{}")
    d.setdefault("disclosure", "linked")
    return ReviewSettings.from_dict(d)


def _clean(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v


def save_responses(
    db: Database, review_id: str, responses: Responses, replace_waves: bool = True
) -> int:
    """Store responses for a review. With ``replace_waves`` (the default) the stored responses of the
    waves being saved are replaced first, so saving wave two keeps wave one. New responses are
    numbered after the highest number stored (``seq``), in one transaction. Returns the rows
    stored."""
    f = responses.frame
    items = f[list(responses.item_ids)].to_numpy(dtype=float)
    fields = (
        f[list(responses.field_ids)].astype(object).to_numpy()
        if responses.field_ids
        else np.empty((len(f), 0))
    )
    rows = []
    with db.write() as conn:
        responses.check(_instrument(conn, review_id))
        if replace_waves:
            for w in responses.waves:
                conn.execute(
                    sa.text("DELETE FROM review_responses WHERE review_id = :id AND wave = :w"),
                    {"id": review_id, "w": w},
                )
        start = int(
            conn.execute(
                sa.text("SELECT COALESCE(MAX(seq), 0) FROM review_responses WHERE review_id = :id"),
                {"id": review_id},
            ).scalar_one()
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
                {
                    "review_id": review_id,
                    "seq": start + i + 1,
                    "wave": wave,
                    "respondent_id": rid,
                    "fields_json": json.dumps(flds),
                    "answers_json": json.dumps(answers),
                    "comments": comments or "",
                    "source": source or "",
                }
            )
        if rows:
            conn.execute(
                sa.text(
                    "INSERT INTO review_responses (review_id, seq, wave, respondent_id, fields_json,"
                    " answers_json, comments, source) VALUES (:review_id, :seq, :wave,"
                    " :respondent_id, :fields_json, :answers_json, :comments, :source)"
                ),
                rows,
            )
        conn.execute(
            sa.text("UPDATE review_reviews SET updated_at = :t WHERE id = :id"),
            {"t": _now(), "id": review_id},
        )
    return len(rows)


def add_responses(
    db: Database, review_id: str, responses: Responses, wave: str | None = None
) -> int:
    """Add responses to a review beside the ones stored (the form's included), never replacing
    any: ``wave`` (when given) puts every one of them in that wave. One transaction; returns the
    rows added. Raises :class:`ReviewStoreError` when there is nothing to add.

    >>> import os, tempfile
    >>> from partnership_tools.review.instrument import load_instrument
    >>> db = open_review_store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
    >>> inst = load_instrument("ten_lessons")
    >>> create_review(db, "r", "R", inst)
    >>> online = Responses.from_records(inst, [{"ud1": 4, "wave": "one", "source": "form"}])
    >>> save_responses(db, "r", online)
    1
    >>> paper = Responses.from_records(inst, [{"ud1": 2}, {"ud1": 3}]).with_source("file: p.csv")
    >>> add_responses(db, "r", paper, wave="one")
    2
    >>> got = load_responses(db, "r").frame
    >>> list(got["wave"]), list(got["source"])
    (['one', 'one', 'one'], ['form', 'file: p.csv', 'file: p.csv'])
    >>> db.dispose()
    """
    if responses.n == 0:
        raise ReviewStoreError("There are no responses to add.")
    if wave is not None:
        wave = " ".join(str(wave).split())
        if not wave:
            raise ReviewStoreError("Name the wave the responses are added to.")
        responses = responses.in_wave(wave)
    return save_responses(db, review_id, responses, replace_waves=False)


def load_responses(db: Database, review_id: str, waves: list[str] | None = None) -> Responses:
    """The stored responses of a review (optionally only some waves), in the order they were saved."""
    with db.read() as conn:
        inst = _instrument(conn, review_id)
        rows = conn.execute(
            sa.text(
                "SELECT wave, respondent_id, fields_json, answers_json, comments, source"
                " FROM review_responses WHERE review_id = :id ORDER BY seq"
            ),
            {"id": review_id},
        ).all()
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


def save_action_plan(db: Database, review_id: str, plan: ActionPlan) -> None:
    """Replace the review's action plan (checked against the review's instrument)."""
    with db.write() as conn:
        plan.check(_instrument(conn, review_id))
        conn.execute(sa.text("DELETE FROM review_actions WHERE review_id = :id"), {"id": review_id})
        if plan.items:
            conn.execute(
                sa.text(
                    "INSERT INTO review_actions (review_id, seq, dimension, action, owner, due,"
                    " status) VALUES (:review_id, :seq, :dimension, :action, :owner, :due, :status)"
                ),
                [
                    {
                        "review_id": review_id,
                        "seq": i + 1,
                        "dimension": a.dimension,
                        "action": a.action,
                        "owner": a.owner,
                        "due": a.due,
                        "status": a.status,
                    }
                    for i, a in enumerate(plan.items)
                ],
            )
        conn.execute(
            sa.text("UPDATE review_reviews SET updated_at = :t WHERE id = :id"),
            {"t": _now(), "id": review_id},
        )


def load_action_plan(db: Database, review_id: str) -> ActionPlan:
    """The review's action plan, in the order it was saved."""
    with db.read() as conn:
        _row(conn, review_id)
        rows = conn.execute(
            sa.text(
                "SELECT dimension, action, owner, due, status FROM review_actions"
                " WHERE review_id = :id ORDER BY seq"
            ),
            {"id": review_id},
        ).all()
    return ActionPlan(tuple(ActionItem(*tuple(r)) for r in rows))


def save_review(db: Database, review: Review) -> None:
    """Store a whole review (e.g. one read from a review file), replacing any with the same id,
    in one transaction."""
    with db.write() as conn:
        create_review(
            db,
            review.id,
            review.title,
            review.instrument,
            review.settings,
            review.notes,
            replace=True,
            created_at=review.created_at or None,
        )
        conn.execute(
            sa.text("DELETE FROM review_responses WHERE review_id = :id"), {"id": review.id}
        )
        save_responses(db, review.id, review.responses, replace_waves=False)
        save_action_plan(db, review.id, review.action_plan)


def load_review(db: Database, review_id: str) -> Review:
    """Everything stored for one review (one snapshot), as a :class:`~.reviewfile.Review`."""
    with db.read() as conn:
        rid, title, _, _, notes, created = _row(conn, review_id)
        return Review(
            id=rid,
            title=title,
            instrument=_instrument(conn, review_id),
            responses=load_responses(db, review_id),
            settings=load_settings(db, review_id),
            action_plan=load_action_plan(db, review_id),
            created_at=created,
            notes=notes,
        )
