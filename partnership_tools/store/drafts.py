"""Drafts for the review form: one respondent's answers, resumable until submitted.

The review form (``/review-form/<review>``, see :mod:`partnership_tools.server.review_form`) takes
responses one respondent at a time. This module keeps its state in the store, next to the review
tables of :mod:`.reviews`, in tables of its own (defined in :mod:`partnership_tools.store.schema`,
made by the store's migrations):

``review_form_waves``
    One row per review: the wave the form takes responses for and whether it is ``open``.
    :func:`open_wave` opens a wave (closing any other of the same review), :func:`close_wave`
    closes it, :func:`form_wave` reads it. A review without a row is not taking responses.

``review_drafts``
    One row per respondent who started the form: the review, the wave, what they answered so far
    (item answers as scale values or the "don't know"/"not applicable" codes, respondent fields,
    a comment), and once submitted the time, the receipt code and the respondent id used in the
    review's responses. The *resume code* that finds a draft is shown to the respondent only; the
    table keeps its SHA-256, so reading the store does not let anyone resume someone's draft.

``review_form_codes_required`` and ``review_invite_codes``
    Optional invitation codes, one response per code (issue 12): :func:`issue_invite_codes` makes
    codes (only their hashes are kept) and turns them on (:func:`require_invite_codes` turns them
    on or off). With codes on, :func:`start_draft` needs an issued code not yet used, which then
    belongs to that draft, and :func:`submit_draft` spends it in the same transaction as the
    response is stored, so a code gives exactly one response.

Every function takes the store's :class:`~partnership_tools.store.db.Database` (SQLite or
PostgreSQL). :func:`submit_draft` moves a draft into the review's responses (appended, never
replacing) in one serialised write transaction, exactly once: a second submission of the same
draft raises :class:`AlreadySubmitted`, a draft whose wave has closed raises :class:`WaveClosed`.
After submission the draft's answers are cleared; only the receipt is kept.

>>> import os, tempfile
>>> from partnership_tools.review.instrument import load_instrument
>>> from partnership_tools.store.reviews import create_review, load_responses, open_review_store
>>> db = open_review_store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
>>> create_review(db, "spring", "Spring review", load_instrument("partnership_cycle"))
>>> open_wave(db, "spring", "phase one").wave
'phase one'
>>> draft, code = start_draft(db, "spring")
>>> _ = save_draft(db, "spring", code, answers={"de1": 4}, fields={"level": "Manager"})
>>> receipt = submit_draft(db, "spring", code)
>>> load_responses(db, "spring").frame[["wave", "level", "de1"]].values.tolist()
[['phase one', 'Manager', 4.0]]
>>> submit_draft(db, "spring", code)
Traceback (most recent call last):
...
partnership_tools.store.drafts.AlreadySubmitted: These answers were already submitted; they count once.
>>> db.dispose()
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from partnership_tools.kernel.clock import utc_now
from partnership_tools.review.instrument import Instrument
from partnership_tools.store.db import Database

__all__ = [
    "MAX_COMMENT_CHARS",
    "MAX_WAVE_CHARS",
    "AlreadySubmitted",
    "Draft",
    "DraftError",
    "FormProblem",
    "FormWave",
    "Receipt",
    "InviteCodeError",
    "WaveClosed",
    "codes_required",
    "invite_code_counts",
    "issue_invite_codes",
    "require_invite_codes",
    "answered_count",
    "check_answer",
    "check_field",
    "close_wave",
    "draft_counts",
    "form_wave",
    "load_draft",
    "missing_required",
    "normalise_code",
    "open_wave",
    "save_draft",
    "start_draft",
    "submit_draft",
]

#: The longest comment the form accepts (characters).
MAX_COMMENT_CHARS = 1500
#: The longest wave name.
MAX_WAVE_CHARS = 80
#: Letters of resume and receipt codes: no 0/O, 1/I/L, so they can be read aloud and typed back.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RESUME_CODE_LENGTH = 10  # 31**10, about 2**49
RECEIPT_CODE_LENGTH = 8


# -- errors ----------------------------------------------------------------------------------------
class DraftError(ValueError):
    """A draft request the store cannot satisfy, in one plain sentence."""


class WaveClosed(DraftError):
    """The review is not taking responses (no wave open, or not the draft's wave any more)."""


class InviteCodeError(DraftError):
    """An invitation code that is missing, unknown or already used for a response."""


class AlreadySubmitted(DraftError):
    """The draft was submitted before; ``receipt`` and ``submitted_at`` say when."""

    def __init__(self, receipt: str = "", submitted_at: str = "") -> None:
        super().__init__("These answers were already submitted; they count once.")
        self.receipt = receipt
        self.submitted_at = submitted_at


@dataclass(frozen=True)
class FormProblem:
    """One thing wrong with what a respondent sent: the form field it is about and why."""

    field: str
    message: str


# -- records -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FormWave:
    """The wave a review's form is for, and whether it is open."""

    review_id: str
    wave: str
    open: bool
    opened_at: str
    closed_at: str | None = None


@dataclass(frozen=True)
class Draft:
    """One respondent's answers so far. ``answers`` maps item ids to a scale value or a code;
    ``fields`` maps respondent field ids to their value; ``pages`` lists the pages saved."""

    review_id: str
    wave: str
    created_at: str
    updated_at: str
    answers: dict[str, int] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    comments: str = ""
    pages: tuple[str, ...] = ()
    submitted_at: str | None = None
    receipt: str | None = None

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


@dataclass(frozen=True)
class Receipt:
    """What a respondent is told after submitting."""

    code: str
    submitted_at: str
    wave: str
    answered: int


# -- helpers --------------------------------------------------------------------------------------
_now = utc_now


def _random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _grouped(code: str) -> str:
    half = (len(code) + 1) // 2
    return f"{code[:half]}-{code[half:]}"


def normalise_code(text: str) -> str:
    """A typed code in its stored form: capitals, no spaces or dashes.

    >>> normalise_code(" abcde-fghjk ")
    'ABCDEFGHJK'
    """
    return "".join(ch for ch in str(text).upper() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "replace")).hexdigest()


def _review_exists(conn: sa.Connection, review_id: str) -> bool:
    return (
        conn.execute(
            sa.text("SELECT 1 FROM review_reviews WHERE id = :id"), {"id": review_id}
        ).first()
        is not None
    )


# -- the wave the form is open for ---------------------------------------------------------------------
def _form_wave(conn: sa.Connection, review_id: str) -> FormWave | None:
    row = conn.execute(
        sa.text(
            "SELECT wave, status, opened_at, closed_at FROM review_form_waves WHERE review_id = :id"
        ),
        {"id": review_id},
    ).first()
    if row is None:
        return None
    wave, status, opened, closed = tuple(row)
    return FormWave(review_id, wave, status == "open", opened, closed)


def form_wave(db: Database, review_id: str) -> FormWave | None:
    """The review's form wave (open or closed), or None when the form was never opened."""
    with db.read() as conn:
        return _form_wave(conn, review_id)


def open_wave(db: Database, review_id: str, wave: str) -> FormWave:
    """Open the review's form for responses to ``wave`` (one wave at a time per review)."""
    wave = " ".join(str(wave or "").split())
    if not wave:
        raise DraftError("Name the wave the form is for, e.g. phase one.")
    if len(wave) > MAX_WAVE_CHARS:
        raise DraftError(f"A wave name can be at most {MAX_WAVE_CHARS} characters.")
    with db.write() as conn:
        if not _review_exists(conn, review_id):
            raise DraftError(f"There is no review {review_id!r} in the store.")
        conn.execute(
            sa.text(
                "INSERT INTO review_form_waves (review_id, wave, status, opened_at, closed_at)"
                " VALUES (:id, :wave, 'open', :t, NULL) ON CONFLICT (review_id) DO UPDATE SET"
                " wave = excluded.wave, status = 'open', opened_at = excluded.opened_at,"
                " closed_at = NULL"
            ),
            {"id": review_id, "wave": wave, "t": _now()},
        )
        state = _form_wave(conn, review_id)
    assert state is not None
    return state


def close_wave(db: Database, review_id: str) -> FormWave | None:
    """Stop taking responses; drafts of the wave can no longer be submitted."""
    with db.write() as conn:
        conn.execute(
            sa.text(
                "UPDATE review_form_waves SET status = 'closed', closed_at = :t"
                " WHERE review_id = :id AND status = 'open'"
            ),
            {"t": _now(), "id": review_id},
        )
        return _form_wave(conn, review_id)


def _require_open(conn: sa.Connection, review_id: str, wave: str | None = None) -> FormWave:
    state = _form_wave(conn, review_id)
    if state is None or not state.open:
        raise WaveClosed("This review is not taking responses at the moment.")
    if wave is not None and state.wave != wave:
        raise WaveClosed(
            f"Responses to {wave} have closed, so these answers can no longer be submitted."
        )
    return state


# -- drafts ------------------------------------------------------------------------------------------
def _draft_from(review_id: str, row: Any) -> Draft:
    (wave, created, updated, fields, answers, comments, pages, submitted, receipt) = tuple(row)
    return Draft(
        review_id=review_id,
        wave=wave,
        created_at=created,
        updated_at=updated,
        answers={str(k): int(v) for k, v in json.loads(answers).items()},
        fields={str(k): str(v) for k, v in json.loads(fields).items()},
        comments=comments or "",
        pages=tuple(json.loads(pages)),
        submitted_at=submitted,
        receipt=receipt,
    )


_DRAFT_COLUMNS = (
    "wave, created_at, updated_at, fields_json, answers_json, comments, pages_json, "
    "submitted_at, receipt"
)


# -- invitation codes (one response per code) --------------------------------------------------------
INVITE_CODE_LENGTH = 8


def require_invite_codes(db: Database, review_id: str, required: bool = True) -> None:
    """Turn the review's invitation codes on (each response needs an unused code) or off."""
    with db.write() as conn:
        if not _review_exists(conn, review_id):
            raise DraftError(f"There is no review {review_id!r} in the store.")
        conn.execute(
            sa.text(
                "INSERT INTO review_form_codes_required (review_id, required) VALUES (:id, :r)"
                " ON CONFLICT (review_id) DO UPDATE SET required = excluded.required"
            ),
            {"id": review_id, "r": int(bool(required))},
        )


def _codes_required(conn: sa.Connection, review_id: str) -> bool:
    value = conn.execute(
        sa.text("SELECT required FROM review_form_codes_required WHERE review_id = :id"),
        {"id": review_id},
    ).scalar()
    return bool(value)


def codes_required(db: Database, review_id: str) -> bool:
    """Whether the review's form asks for an invitation code (off unless turned on)."""
    with db.read() as conn:
        return _codes_required(conn, review_id)


def issue_invite_codes(
    db: Database, review_id: str, count: int, seed: int | None = None
) -> list[str]:
    """Make ``count`` new invitation codes (``ABCD-EFGH``, shown once; only hashes are kept) and
    turn the review's codes on. ``seed`` makes them reproducible (tests only); a code already
    issued for the review is drawn again, so ``count`` new ones are always made."""
    import random

    if not 1 <= count <= 10_000:
        raise DraftError("Issue between 1 and 10,000 invitation codes at a time.")
    rng = random.Random(seed) if seed is not None else secrets.SystemRandom()
    codes: list[str] = []
    insert = sa.text(
        "INSERT INTO review_invite_codes (review_id, code_hash, issued_at)"
        " VALUES (:id, :h, :t) ON CONFLICT (review_id, code_hash) DO NOTHING"
    )
    with db.write() as conn:
        if not _review_exists(conn, review_id):
            raise DraftError(f"There is no review {review_id!r} in the store.")
        now = _now()
        while len(codes) < count:
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))
            cur = conn.execute(insert, {"id": review_id, "h": _hash("invite:" + code), "t": now})
            if cur.rowcount:
                codes.append(_grouped(code))
        require_invite_codes(db, review_id, True)
    return codes


def invite_code_counts(db: Database, review_id: str) -> dict[str, int]:
    """``{"issued": n, "started": n, "used": n}`` for the review's invitation codes."""
    with db.read() as conn:
        row = conn.execute(
            sa.text(
                "SELECT COUNT(*), COUNT(draft_hash), COUNT(used_at) FROM review_invite_codes"
                " WHERE review_id = :id"
            ),
            {"id": review_id},
        ).one()
    return {"issued": int(row[0]), "started": int(row[1]), "used": int(row[2])}


def _invite_row(conn: sa.Connection, review_id: str, invite: str) -> Any:
    if not invite or not normalise_code(invite):
        raise InviteCodeError("Enter the invitation code you were given.")
    row = conn.execute(
        sa.text(
            "SELECT code_hash, draft_hash, used_at FROM review_invite_codes"
            " WHERE review_id = :id AND code_hash = :h"
        ),
        {"id": review_id, "h": _hash("invite:" + normalise_code(invite))},
    ).first()
    if row is None:
        raise InviteCodeError(
            "That invitation code is not one issued for this review; check it and try again."
        )
    if row[2]:
        raise InviteCodeError(
            "That invitation code has already been used for a response; each code counts once."
        )
    return row


def start_draft(db: Database, review_id: str, invite: str | None = None) -> tuple[Draft, str]:
    """Start a draft for the open wave; returns it with its resume code (``ABCDE-FGHJK``).

    The code is shown to the respondent once (and kept in their browser); only its hash is stored.
    When the review requires invitation codes, ``invite`` must be an issued code not yet used
    for a response (:class:`InviteCodeError` otherwise); the code then belongs to this draft
    (starting again with it moves it to the new draft, and the older one can no longer be
    submitted).
    """
    insert = sa.text(
        "INSERT INTO review_drafts (code_hash, review_id, wave, created_at, updated_at)"
        " VALUES (:h, :id, :wave, :t, :t) ON CONFLICT (code_hash) DO NOTHING"
    )
    with db.write() as conn:
        state = _require_open(conn, review_id)
        invite_row = (
            _invite_row(conn, review_id, invite or "") if _codes_required(conn, review_id) else None
        )
        now = _now()
        for _ in range(5):
            code = _random_code(RESUME_CODE_LENGTH)
            args = {"h": _hash(code), "id": review_id, "wave": state.wave, "t": now}
            if conn.execute(insert, args).rowcount == 1:
                break
        else:  # pragma: no cover - five 2**49 coincidences
            raise DraftError("A new form could not be started; please try again.")
        if invite_row is not None:
            conn.execute(
                sa.text(
                    "UPDATE review_invite_codes SET draft_hash = :d"
                    " WHERE review_id = :id AND code_hash = :h"
                ),
                {"d": _hash(code), "id": review_id, "h": invite_row[0]},
            )
    draft = Draft(review_id, state.wave, now, now)
    return draft, _grouped(code)


def _load_draft(conn: sa.Connection, review_id: str, code: str) -> Draft | None:
    if not normalise_code(code):
        return None
    row = conn.execute(
        sa.text(
            f"SELECT {_DRAFT_COLUMNS} FROM review_drafts WHERE code_hash = :h AND review_id = :id"
        ),
        {"h": _hash(code), "id": review_id},
    ).first()
    return None if row is None else _draft_from(review_id, row)


def load_draft(db: Database, review_id: str, code: str) -> Draft | None:
    """The draft with this resume code for this review, or None (unknown code, other review)."""
    with db.read() as conn:
        return _load_draft(conn, review_id, code)


def save_draft(
    db: Database,
    review_id: str,
    code: str,
    answers: Mapping[str, int | None] | None = None,
    fields: Mapping[str, str | None] | None = None,
    comments: str | None = None,
    page: str | None = None,
) -> Draft:
    """Merge answers into a draft: an item or field given as None is cleared; others are kept.

    Refuses a submitted draft (:class:`AlreadySubmitted`) and a draft whose wave has closed
    (:class:`WaveClosed`). The caller checks the values first (:func:`check_answer`).
    """
    with db.write() as conn:
        draft = _load_draft(conn, review_id, code)
        if draft is None:
            raise DraftError("There are no saved answers for that resume code.")
        if draft.submitted:
            raise AlreadySubmitted(draft.receipt or "", draft.submitted_at or "")
        _require_open(conn, review_id, draft.wave)
        new_answers = dict(draft.answers)
        for k, v in (answers or {}).items():
            if v is None:
                new_answers.pop(k, None)
            else:
                new_answers[k] = int(v)
        new_fields = dict(draft.fields)
        for k, text in (fields or {}).items():
            if text is None or not str(text).strip():
                new_fields.pop(k, None)
            else:
                new_fields[k] = str(text)
        new_comments = draft.comments if comments is None else str(comments).strip()
        pages = list(draft.pages)
        if page is not None and page not in pages:
            pages.append(page)
        now = _now()
        conn.execute(
            sa.text(
                "UPDATE review_drafts SET answers_json = :a, fields_json = :f, comments = :c,"
                " pages_json = :p, updated_at = :t WHERE code_hash = :h"
            ),
            {
                "a": json.dumps(new_answers, sort_keys=True),
                "f": json.dumps(new_fields, sort_keys=True),
                "c": new_comments,
                "p": json.dumps(pages),
                "t": now,
                "h": _hash(code),
            },
        )
    return Draft(
        review_id,
        draft.wave,
        draft.created_at,
        now,
        new_answers,
        new_fields,
        new_comments,
        tuple(pages),
    )


def submit_draft(
    db: Database, review_id: str, code: str, instrument: Instrument | None = None
) -> Receipt:
    """Append the draft to the review's responses for its wave, once, and return the receipt.

    Raises :class:`AlreadySubmitted` for a second submission, :class:`WaveClosed` when the wave is
    no longer open and :class:`DraftError` when a required respondent field is missing.
    """
    from partnership_tools.review.responses import FORM_SOURCE, Responses
    from partnership_tools.store.reviews import load_instrument_of, save_responses

    with db.write() as conn:
        draft = _load_draft(conn, review_id, code)
        if draft is None:
            raise DraftError("There are no saved answers for that resume code.")
        if draft.submitted:
            raise AlreadySubmitted(draft.receipt or "", draft.submitted_at or "")
        _require_open(conn, review_id, draft.wave)
        if _codes_required(conn, review_id):
            # One response per code: the code must still belong to this draft and be unused,
            # checked and spent inside this transaction (no read-then-write race).
            spent = conn.execute(
                sa.text(
                    "UPDATE review_invite_codes SET used_at = :t WHERE review_id = :id"
                    " AND draft_hash = :h AND used_at IS NULL"
                ),
                {"t": _now(), "id": review_id, "h": _hash(code)},
            ).rowcount
            if spent != 1:
                raise InviteCodeError(
                    "The invitation code these answers were started with has already been used"
                    " for a response (or was used to start another form), so they were not"
                    " submitted."
                )
        inst = instrument or load_instrument_of(db, review_id)
        missing = missing_required(inst, draft.fields)
        if missing:
            raise DraftError(missing[0].message)
        respondent_id = "web-" + secrets.token_hex(5)
        record: dict[str, Any] = {
            "respondent_id": respondent_id,
            "wave": draft.wave,
            "comments": draft.comments,
            "source": FORM_SOURCE,
        }
        record.update({k: v for k, v in draft.fields.items() if k in inst.field_ids})
        record.update({k: v for k, v in draft.answers.items() if k in inst.item_ids})
        responses = Responses.from_records(inst, [record])
        save_responses(db, review_id, responses, replace_waves=False)
        receipt = _grouped(_random_code(RECEIPT_CODE_LENGTH))
        now = _now()
        conn.execute(
            sa.text(
                "UPDATE review_drafts SET submitted_at = :t, receipt = :r, respondent_id = :rid,"
                " answers_json = '{}', fields_json = '{}', comments = '', updated_at = :t"
                " WHERE code_hash = :h"
            ),
            {"t": now, "r": receipt, "rid": respondent_id, "h": _hash(code)},
        )
    return Receipt(receipt, now, draft.wave, len(draft.answers))


def draft_counts(db: Database, review_id: str, wave: str | None = None) -> dict[str, int]:
    """``{"started": n, "submitted": n}`` for the review (and wave, if given)."""
    sql = "SELECT COUNT(*), COUNT(submitted_at) FROM review_drafts WHERE review_id = :id"
    args: dict[str, Any] = {"id": review_id}
    if wave is not None:
        sql += " AND wave = :wave"
        args["wave"] = wave
    with db.read() as conn:
        started, submitted = tuple(conn.execute(sa.text(sql), args).one())
    return {"started": int(started), "submitted": int(submitted)}


# -- checking what was sent against the instrument -------------------------------------------------
def check_answer(instrument: Instrument, item_id: str, raw: str) -> int | None:
    """The answer a form sent for an item as a value or code (None when blank).

    Raises :class:`DraftError` naming the statement when the item is not in the instrument or
    the value is neither on the scale nor a "don't know"/"not applicable" code.

    >>> from partnership_tools.review.instrument import load_instrument
    >>> inst = load_instrument("ten_lessons")
    >>> check_answer(inst, "ud1", "4"), check_answer(inst, "ud1", "8"), check_answer(inst, "ud1", "")
    (4, 8, None)
    >>> check_answer(inst, "ud1", "7")
    Traceback (most recent call last):
    ...
    partnership_tools.store.drafts.DraftError: The answer to “I understand the pressures that the other partner organisations are under.” is not one of the choices; choose one of them.
    """
    try:
        item = instrument.item(item_id)
    except KeyError:
        raise DraftError("The form named a statement that is not in this review.") from None
    text = str(raw).strip()
    if not text:
        return None
    allowed = set(instrument.scale.values) | set(instrument.scale.codes)
    if text.isdigit() and int(text) in allowed:
        return int(text)
    raise DraftError(f"The answer to “{item.text}” is not one of the choices; choose one of them.")


def check_field(instrument: Instrument, field_id: str, raw: str) -> str | None:
    """The value a form sent for a respondent field (None when blank); :class:`DraftError`
    for an unknown field or a value not among the field's choices."""
    try:
        fld = instrument.field(field_id)
    except KeyError:
        raise DraftError(
            "The form named a question about you that this review does not ask."
        ) from None
    text = " ".join(str(raw).split())
    if not text:
        return None
    if len(text) > 200:
        raise DraftError(f"The answer to “{fld.label}” is too long; shorten it.")
    value = fld.canonical(text)
    if value is None:
        raise DraftError(
            f"The answer to “{fld.label}” is not one of the choices; choose one of them."
        )
    return value


def missing_required(instrument: Instrument, fields: Mapping[str, str]) -> list[FormProblem]:
    """A problem for each required respondent field without an answer."""
    return [
        FormProblem(
            f"field-{f.id}",
            f"Choose an answer to “{f.label}”: it is needed to count your response.",
        )
        for f in instrument.respondent_fields
        if f.required and not str(fields.get(f.id) or "").strip()
    ]


def answered_count(draft: Draft, item_ids: Iterable[str]) -> int:
    """How many of ``item_ids`` the draft answers."""
    return sum(1 for i in item_ids if i in draft.answers)
