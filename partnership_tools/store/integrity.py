"""Integrity of web ballots: the ballot mode, one ballot per browser, retried forms counted once,
rate limits, signs of stuffing and ballots set aside.

**Ballot modes** (a session setting, ``settings["ballot_mode"]``; :func:`ballot_mode`):

* ``open``: every cast counts; nothing ties a ballot to a person or a browser.
* ``browser`` (the default): a long-lived cookie identifies the browser (only a salted hash of
  its random id is stored, :func:`browser_hash`); a second ballot from the same browser in the
  same round replaces the first, as a second ballot with the same code does.
* ``codes``: a one-time code per participant; a second ballot with the same code replaces the
  first (``Session.uses_codes``; issuing codes switches the session to it).

**A retried form counts once.** Each ballot form carries a one-time token; casting with it
records the ballot id and receipt on the token in the same transaction
(:func:`cast_with_token`), so a resubmission of the same form returns the ORIGINAL receipt.
Replacement (by code or browser) happens in the same serialised write transaction as the insert
(:meth:`~partnership_tools.store.db.Database.write`: ``BEGIN IMMEDIATE`` on SQLite, an advisory
lock on PostgreSQL, so racing submissions from any number of processes queue), and a submission
that was told "this replaces ballot X" (or "no earlier ballot") is refused when another ballot
took that place meanwhile, so two racing submissions never leave a receipt shown for a ballot that
is already gone. The database's unique index ``ballots_one_per_code`` is the final guard: should
two ballots with one code ever reach it at once, the second is refused with the same sentence
(:class:`Conflict`) and nothing of it is stored.

**Rate limits** (:func:`take_token`): a token bucket per key kept in the store (table
``rate_buckets``), so every process serving the same store shares it; rows idle long enough to
be full again are purged on write, so the table stays bounded by the active keys.

**Set aside** (:func:`set_aside`): a suspect ballot leaves the ballots table (so no count sees
it) and is kept, with who set it aside, when and why, in the session's settings
(``settings["set_aside"]``), which travel in the saved session file.

>>> import tempfile, os
>>> from partnership_tools.store import Store
>>> from partnership_tools.vote.model import Ballot, Option
>>> store = Store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
>>> s = store.create_session("Which way?")
>>> _ = store.add_options(s.id, [Option("A", "a"), Option("B", "b")])
>>> _ = store.open_round(s.id, ["A", "B"])
>>> t = issue_form_token(store, s.id, 1, ["A", "B"], browser="b1")
>>> first = cast_with_token(store, t, s.id, Ballot(("A",)), browser="b1")
>>> again = cast_with_token(store, t, s.id, Ballot(("A",)), browser="b1")
>>> (again.receipt == first.receipt, again.repeated, store.ballot_count(s.id, 1))
(True, True, 1)
>>> store.close()
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from partnership_tools.kernel.clock import utc_now
from partnership_tools.store.db import StoreError
from partnership_tools.store.sessions import BallotReceipt, Store
from partnership_tools.vote.model import Ballot, Session

#: The ballot modes, least guarded first.
BALLOT_MODES = ("open", "browser", "codes")
#: The mode of a session whose settings say nothing (and that uses no codes).
DEFAULT_BALLOT_MODE = "browser"
#: Where the mode lives in ``Session.settings``.
MODE_SETTING = "ballot_mode"
#: Where set-aside ballots live in ``Session.settings``.
SET_ASIDE_SETTING = "set_aside"

#: Form tokens are kept a day, then purged; at most this many unused ones per browser and in
#: all are kept (the oldest unused go first).
FORM_TOKEN_MAX_AGE = timedelta(days=1)
FORM_TOKENS_PER_BROWSER = 20
MAX_FORM_TOKENS = 50_000

#: The unique index that keeps one ballot per participant code per round
#: (:mod:`partnership_tools.store.schema`).
ONE_PER_CODE_INDEX = "ballots_one_per_code"


def ballot_mode(session: Session) -> str:
    """The session's ballot mode: ``codes`` when it uses codes, else its ``ballot_mode``
    setting, else :data:`DEFAULT_BALLOT_MODE`.

    >>> ballot_mode(Session(id="s", question="q"))
    'browser'
    >>> ballot_mode(Session(id="s", question="q", settings={"ballot_mode": "open"}))
    'open'
    >>> ballot_mode(Session(id="s", question="q", uses_codes=True))
    'codes'
    """
    if session.uses_codes:
        return "codes"
    mode = session.settings.get(MODE_SETTING) if isinstance(session.settings, dict) else None
    if mode in ("open", "browser"):
        return str(mode)
    return DEFAULT_BALLOT_MODE


def set_ballot_mode(store: Store, session_id: str, mode: str) -> None:
    """Choose a session's ballot mode (``open``, ``browser`` or ``codes``); ``codes`` turns the
    session's codes on, the other two turn them off (issued codes stay stored)."""
    if mode not in BALLOT_MODES:
        raise StoreError(f"The ballot mode must be one of {', '.join(BALLOT_MODES)}, not {mode!r}.")
    with store.db.write() as conn:
        settings = _settings(conn, session_id)
        if mode != "codes":
            settings[MODE_SETTING] = mode
        store.update_session(session_id, settings=settings, uses_codes=mode == "codes")


def browser_hash(browser_id: str, salt: str) -> str:
    """What the store keeps of a browser's cookie: SHA-256 of ``"browser:" + salt + ":" + id``.

    >>> browser_hash("abc", "s") == hashlib.sha256(b"browser:s:abc").hexdigest()
    True
    """
    return hashlib.sha256(f"browser:{salt}:{browser_id}".encode()).hexdigest()


def _settings(conn: sa.Connection, session_id: str) -> dict[str, Any]:
    raw = conn.execute(
        sa.text("SELECT settings_json FROM sessions WHERE id = :sid"), {"sid": session_id}
    ).first()
    if raw is None:
        raise StoreError(f"There is no session {session_id!r}.")
    try:
        value = json.loads(raw[0] or "{}")
    except ValueError:
        value = {}
    return value if isinstance(value, dict) else {}


# -- form tokens -----------------------------------------------------------------------------
def _ago(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def purge_form_tokens(
    store: Store,
    browser: str | None = None,
    per_browser: int = FORM_TOKENS_PER_BROWSER,
    limit: int = MAX_FORM_TOKENS,
    keep: str | None = None,
) -> int:
    """Delete form tokens issued more than a day ago, a browser's unused tokens beyond its
    ``per_browser`` newest, and the oldest tokens beyond ``limit`` in all (unused ones first);
    returns how many went. The token ``keep`` (the one just issued) never goes. Newest and
    oldest are by issue time (to the second), ties broken by the token's text. Runs inside the
    caller's write block when there is one."""
    keep = keep or ""
    gone = 0
    with store.db.write() as conn:
        gone += conn.execute(
            sa.text("DELETE FROM form_tokens WHERE issued_at < :cutoff AND token <> :keep"),
            {"cutoff": _ago(FORM_TOKEN_MAX_AGE), "keep": keep},
        ).rowcount
        if browser:
            gone += conn.execute(
                sa.text(
                    "DELETE FROM form_tokens WHERE browser_hash = :b AND used_at IS NULL"
                    " AND token <> :keep AND token NOT IN"
                    " (SELECT token FROM form_tokens WHERE browser_hash = :b AND used_at IS NULL"
                    "  ORDER BY (CASE WHEN token = :keep THEN 1 ELSE 0 END) DESC,"
                    "  issued_at DESC, token DESC LIMIT :n)"
                ),
                {"b": browser, "keep": keep, "n": max(per_browser, 1)},
            ).rowcount
        total = int(conn.execute(sa.text("SELECT COUNT(*) FROM form_tokens")).scalar_one())
        if total > limit:
            gone += conn.execute(
                sa.text(
                    "DELETE FROM form_tokens WHERE token IN (SELECT token FROM form_tokens"
                    " WHERE token <> :keep"
                    " ORDER BY (CASE WHEN used_at IS NULL THEN 0 ELSE 1 END), issued_at, token"
                    " LIMIT :n)"
                ),
                {"keep": keep, "n": total - limit},
            ).rowcount
    return gone


def issue_form_token(
    store: Store,
    session_id: str,
    number: int,
    shown_order: Sequence[str],
    browser: str | None = None,
    per_browser: int = FORM_TOKENS_PER_BROWSER,
    limit: int = MAX_FORM_TOKENS,
) -> str:
    """A new one-time form token for a ballot page (recording the order the options were shown
    in and the browser's hash), after purging old ones (:func:`purge_form_tokens`), in one
    write block: the table never holds more than ``limit`` tokens, and the new one is kept."""
    token = secrets.token_urlsafe(24)
    with store.db.write() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO form_tokens (token, session_id, round_number, shown_order_json,"
                " issued_at, browser_hash) VALUES (:t, :sid, :n, :order, :at, :b)"
            ),
            {
                "t": token,
                "sid": session_id,
                "n": number,
                "order": json.dumps(list(shown_order)),
                "at": utc_now(),
                "b": browser,
            },
        )
        purge_form_tokens(store, browser, per_browser, max(limit, 1), keep=token)
    return token


# -- casting -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CastResult(BallotReceipt):
    """A stored ballot's receipt; ``repeated`` when the form had already been cast (the
    ORIGINAL receipt is returned and nothing new is stored); ``ballot`` is the stored ballot."""

    repeated: bool = False
    ballot: Ballot | None = None
    round_number: int = 0


class Conflict(StoreError):
    """Another ballot took this code's or browser's place after the voter checked their vote."""


class FormUsed(StoreError):
    """The form was cast before, but the ballot cast with it is gone (replaced or set aside)."""


#: ``expect`` meaning "do not check what the ballot replaces".
ANY = "any"


def conflict(by_code: bool) -> Conflict:
    """The refusal for a ballot whose code's (or browser's) place another ballot took first.

    >>> print(conflict(True))  # doctest: +ELLIPSIS
    Another ballot was cast from this code while you were checking yours, so yours was not ...
    """
    return Conflict(
        "Another ballot was cast from this "
        + ("code" if by_code else "browser")
        + " while you were checking yours, so yours was not stored; reload the page"
        " to see where things stand and vote again if you wish."
    )


def is_one_per_code_violation(exc: BaseException) -> bool:
    """Whether a database error is the unique index ``ballots_one_per_code`` refusing a second
    ballot with one code in one round (PostgreSQL names the index; SQLite names its columns).

    >>> import sqlite3
    >>> err = sqlite3.IntegrityError("UNIQUE constraint failed: ballots.session_id,"
    ...     " ballots.round_number, ballots.participant_hash")
    >>> is_one_per_code_violation(sa.exc.IntegrityError("INSERT", {}, err))
    True
    >>> is_one_per_code_violation(sa.exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError(
    ...     "FOREIGN KEY constraint failed")))
    False
    """
    if not isinstance(exc, sa.exc.IntegrityError):
        return False
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None) == ONE_PER_CODE_INDEX:
        return True
    text = str(orig)
    return ONE_PER_CODE_INDEX in text or "ballots.participant_hash" in text


def holder_ballot(
    store: Store, session_id: str, number: int, code_hash: str | None, browser: str | None
) -> int | None:
    """The id of the ballot a new one would replace (by code when given, else by browser, its
    latest). Inside a write block of this thread it reads within that block."""
    if code_hash:
        query = (
            "SELECT id FROM ballots WHERE session_id = :sid AND round_number = :n"
            " AND participant_hash = :key ORDER BY id DESC"
        )
        key = code_hash
    elif browser:
        query = (
            "SELECT id FROM ballots WHERE session_id = :sid AND round_number = :n"
            " AND browser_hash = :key ORDER BY id DESC"
        )
        key = browser
    else:
        return None
    with store.db.read() as conn:
        found = conn.execute(sa.text(query), {"sid": session_id, "n": number, "key": key}).first()
    return int(found[0]) if found else None


def cast_with_token(
    store: Store,
    token: str,
    session_id: str,
    ballot: Ballot,
    browser: str | None = None,
    replace_browser: bool = False,
    expect: int | None | str = ANY,
) -> CastResult:
    """Use a one-time form token and store the ballot, in ONE serialised write transaction.

    * The token already cast: the ORIGINAL receipt (``repeated=True``), nothing stored; when
      that ballot is gone since (replaced or set aside), :class:`FormUsed`.
    * ``replace_browser`` (one ballot per browser): the browser's earlier ballot in the round is
      deleted in the same transaction; a ballot with a code hash replaces that code's.
    * ``expect``: the ballot id the voter was told this one replaces (``None``: none); when
      another ballot holds that place now, :class:`Conflict` and nothing changes. ``ANY``
      skips the check.
    * Should the database's one-ballot-per-code index refuse the insert (two writers racing
      past the serialisation), :class:`Conflict` too, and nothing of this submission is kept.
    """
    try:
        with store.db.write() as conn:
            return _cast(conn, store, token, session_id, ballot, browser, replace_browser, expect)
    except sa.exc.IntegrityError as exc:
        if is_one_per_code_violation(exc):
            raise conflict(bool(ballot.participant_hash)) from None
        raise


def _cast(
    conn: sa.Connection,
    store: Store,
    token: str,
    session_id: str,
    ballot: Ballot,
    browser: str | None,
    replace_browser: bool,
    expect: int | None | str,
) -> CastResult:
    row = (
        conn.execute(sa.text("SELECT * FROM form_tokens WHERE token = :t"), {"t": token})
        .mappings()
        .first()
    )
    if row is None or row["session_id"] != session_id:
        raise StoreError("This ballot form is not valid for this session; reload the page.")
    number = int(row["round_number"])
    if row["used_at"]:
        return _repeat(conn, session_id, number, row)
    by_browser = browser if (replace_browser and not ballot.participant_hash) else None
    if expect != ANY:
        holder = holder_ballot(store, session_id, number, ballot.participant_hash, by_browser)
        if holder != expect:
            raise conflict(bool(ballot.participant_hash))
    replaced = False
    if by_browser:
        replaced = (
            conn.execute(
                sa.text(
                    "DELETE FROM ballots WHERE session_id = :sid AND round_number = :n"
                    " AND browser_hash = :b"
                ),
                {"sid": session_id, "n": number, "b": by_browser},
            ).rowcount
            > 0
        )
    receipt = store._accept_ballot(conn, session_id, number, ballot)
    conn.execute(
        sa.text("UPDATE ballots SET browser_hash = :b WHERE id = :id"),
        {"b": browser, "id": receipt.ballot_id},
    )
    replaced = replaced or receipt.replaced
    conn.execute(
        sa.text(
            "UPDATE form_tokens SET used_at = :at, ballot_id = :id, receipt = :r, replaced = :rep"
            " WHERE token = :t"
        ),
        {
            "at": utc_now(),
            "id": receipt.ballot_id,
            "r": receipt.receipt,
            "rep": int(replaced),
            "t": token,
        },
    )
    return CastResult(receipt.ballot_id, receipt.receipt, replaced, False, ballot, number)


def _repeat(conn: sa.Connection, session_id: str, number: int, row: Any) -> CastResult:
    from partnership_tools.store.sessions import _ballot_from_row

    bid = row["ballot_id"]
    brow = (
        conn.execute(
            sa.text("SELECT * FROM ballots WHERE id = :id AND session_id = :sid"),
            {"id": bid, "sid": session_id},
        )
        .mappings()
        .first()
        if bid is not None
        else None
    )
    if brow is None:
        raise FormUsed(
            "This ballot form was already used to cast a vote, and that ballot has since been"
            " replaced by a later one or set aside by the facilitator; only the latest counts."
        )
    return CastResult(
        int(bid), str(row["receipt"]), bool(row["replaced"]), True, _ballot_from_row(brow), number
    )


def repeat_receipt(store: Store, token: str, session_id: str) -> CastResult:
    """The ORIGINAL receipt of a form already cast (:class:`FormUsed` when its ballot is gone,
    :class:`StoreError` when the token was never cast or is not this session's)."""
    with store.db.read() as conn:
        row = (
            conn.execute(sa.text("SELECT * FROM form_tokens WHERE token = :t"), {"t": token})
            .mappings()
            .first()
        )
        if row is None or row["session_id"] != session_id or not row["used_at"]:
            raise StoreError("This ballot form is not valid for this session; reload the page.")
        return _repeat(conn, session_id, int(row["round_number"]), row)


# -- rate limits -------------------------------------------------------------------------------
#: Rows of ``rate_buckets`` idle longer than this are dropped (their bucket is full again).
RATE_ROW_IDLE_SECONDS = 600.0


@dataclass(frozen=True)
class Bucket:
    """A token bucket: ``capacity`` requests at once, refilled at ``per_second``.

    >>> Bucket(10, 0.5).wait(0.0)
    2.0
    """

    capacity: float
    per_second: float

    def wait(self, tokens: float) -> float:
        """Seconds until one token is available when ``tokens`` are left."""
        return max(0.0, (1.0 - tokens) / self.per_second)


def take_token(store: Store, key: str, bucket: Bucket, now: float | None = None) -> float:
    """Take one token from ``key``'s bucket: 0.0 when allowed, else the seconds to wait
    (nothing taken). Kept in the store so every process serving it shares the limit: the read,
    the refill and the take are one serialised write block, so racing requests from any number
    of processes each see the bucket the one before left. Rows that would be full again are
    purged on each write (bounded by the keys active lately).

    tokens = min(capacity, tokens + elapsed x per_second); allowed when tokens >= 1.
    """
    now = time.time() if now is None else now
    with store.db.write() as conn:
        row = (
            conn.execute(
                sa.text("SELECT tokens, updated FROM rate_buckets WHERE key = :k"), {"k": key}
            )
            .mappings()
            .first()
        )
        if row is None:
            tokens = bucket.capacity
        else:
            elapsed = max(0.0, now - float(row["updated"]))
            tokens = min(bucket.capacity, float(row["tokens"]) + elapsed * bucket.per_second)
        if tokens < 1.0:
            conn.execute(
                sa.text("UPDATE rate_buckets SET tokens = :t, updated = :u WHERE key = :k"),
                {"t": tokens, "u": now, "k": key},
            )
            return bucket.wait(tokens)
        conn.execute(
            sa.text(
                "INSERT INTO rate_buckets (key, tokens, updated) VALUES (:k, :t, :u)"
                " ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens,"
                " updated = excluded.updated"
            ),
            {"k": key, "t": tokens - 1.0, "u": now},
        )
        # drop buckets idle long enough to be full again (any bucket refilling within 10 min)
        idle = max(bucket.capacity / bucket.per_second, RATE_ROW_IDLE_SECONDS)
        conn.execute(sa.text("DELETE FROM rate_buckets WHERE updated < :cut"), {"cut": now - idle})
        return 0.0


# -- signs of stuffing -------------------------------------------------------------------------
def ballots_per_minute(store: Store, session_id: str, number: int) -> list[dict[str, Any]]:
    """A round's counted ballots per minute of arrival: ``[{"minute": "YYYY-MM-DDTHH:MM",
    "ballots": n}]`` in time order (minutes without ballots left out)."""
    with store.db.read() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT substr(submitted_at, 1, 16) AS minute, COUNT(*) AS n FROM ballots"
                " WHERE session_id = :sid AND round_number = :n"
                " GROUP BY substr(submitted_at, 1, 16) ORDER BY minute"
            ),
            {"sid": session_id, "n": number},
        ).all()
    return [{"minute": r[0], "ballots": int(r[1])} for r in rows]


def ballots_per_browser(store: Store, session_id: str, number: int) -> list[dict[str, Any]]:
    """A round's counted web ballots per browser, most first (then the earliest first ballot,
    then the hash): ``[{"browser": first 8 hex digits of its hash, "ballots": n, "first": time,
    "last": time, "ballot_ids": [...]}]``. Ballots without a browser (paper, imported, older
    stores) are left out."""
    with store.db.read() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT browser_hash, id, submitted_at FROM ballots"
                " WHERE session_id = :sid AND round_number = :n AND browser_hash IS NOT NULL"
                " ORDER BY id"
            ),
            {"sid": session_id, "n": number},
        ).all()
    groups: dict[str, dict[str, Any]] = {}
    for bhash, bid, at in rows:
        g = groups.setdefault(str(bhash), {"ids": [], "first": at, "last": at})
        g["ids"].append(int(bid))
        g["first"] = min(g["first"], at)
        g["last"] = max(g["last"], at)
    order = sorted(groups.items(), key=lambda kv: (-len(kv[1]["ids"]), kv[1]["first"], kv[0]))
    return [
        {
            "browser": bhash[:8],
            "ballots": len(g["ids"]),
            "first": g["first"],
            "last": g["last"],
            "ballot_ids": sorted(g["ids"]),
        }
        for bhash, g in order
    ]


def stuffing_signs(store: Store, session_id: str, number: int) -> dict[str, Any]:
    """Both tables for the facilitator's panel, plus the busiest minute and browser."""
    per_minute = ballots_per_minute(store, session_id, number)
    per_browser = ballots_per_browser(store, session_id, number)
    return {
        "per_minute": per_minute,
        "per_browser": per_browser,
        "busiest_minute": max((m["ballots"] for m in per_minute), default=0),
        "most_from_one_browser": max((b["ballots"] for b in per_browser), default=0),
    }


# -- setting ballots aside -----------------------------------------------------------------------
def set_aside(store: Store, session_id: str, ballot_ids: Sequence[int], by: str, why: str) -> int:
    """Take suspect ballots out of the count, keeping each (with ``by``, ``at`` and ``why``) in
    ``settings["set_aside"]``, which the saved session file carries. Returns how many were set
    aside. Refuses a blank ``by`` or ``why`` and ballot ids not in the session; all in one write
    block (all set aside, or none)."""
    from partnership_tools.store.sessions import _ballot_from_row, receipt_code

    by, why = str(by).strip(), str(why).strip()
    if not by or not why:
        raise StoreError("Say who is setting these ballots aside and why.")
    ids = sorted({int(i) for i in ballot_ids})
    with store.db.write() as conn:
        settings = _settings(conn, session_id)
        kept = list(settings.get(SET_ASIDE_SETTING) or [])
        rows = []
        for bid in ids:
            row = (
                conn.execute(
                    sa.text("SELECT * FROM ballots WHERE id = :id AND session_id = :sid"),
                    {"id": bid, "sid": session_id},
                )
                .mappings()
                .first()
            )
            if row is None:
                raise StoreError(f"There is no ballot {bid} in this session.")
            rows.append(row)
        at = utc_now()
        for row in rows:
            number = int(row["round_number"])
            kept.append(
                {
                    "round": number,
                    "ballot_id": int(row["id"]),
                    "receipt": receipt_code(
                        session_id, number, int(row["id"]), tuple(json.loads(row["ranking_json"]))
                    ),
                    "ballot": _ballot_from_row(row).to_dict(),
                    "by": by,
                    "at": at,
                    "why": why,
                }
            )
            conn.execute(sa.text("DELETE FROM ballots WHERE id = :id"), {"id": int(row["id"])})
        settings[SET_ASIDE_SETTING] = kept
        store.update_session(session_id, settings=settings)
    return len(rows)


def set_aside_ballots(store: Store, session_id: str) -> list[dict[str, Any]]:
    """The ballots set aside in a session, as recorded (round, ballot, by, at, why)."""
    with store.db.read() as conn:
        return list(_settings(conn, session_id).get(SET_ASIDE_SETTING) or [])
