"""The session store: one SQLite file shared by the CLI, every Voilà kernel and the ballot server.

Many processes write at once (the ballot server, a kernel per facilitator or projector page), so
the store runs SQLite in WAL mode with a generous busy timeout, and every write happens inside a
``BEGIN IMMEDIATE`` transaction.

The file is named by ``--db``, else by the ``PARTNERSHIP_TOOLS_DB`` environment variable, else
``$XDG_DATA_HOME/partnership-tools/partnership-tools.sqlite`` (``~/.local/share/...``).

>>> import tempfile, os
>>> store = Store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
>>> s = store.create_session("Which way?", threshold=0.6, facilitator_key="k")
>>> _ = store.add_options(s.id, [Option("A", "Alpha"), Option("B", "Beta")])
>>> r = store.open_round(s.id, ["A", "B"])
>>> store.add_ballot(s.id, r.number, Ballot(("B", "A"))).replaced
False
>>> store.load_session(s.id).rounds[0].rankings
[('B', 'A')]
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from partnership_tools.kernel.clock import new_id, utc_now
from partnership_tools.store.db import StoreError, connect, default_db_path, transaction
from partnership_tools.store.tokens import CODE_ALPHABET, hash_key, verify_key
from partnership_tools.vote.model import (
    Ballot,
    Option,
    Round,
    Session,
    hash_participant,
)
from partnership_tools.vote.records import from_record, to_record


@dataclass(frozen=True)
class BallotReceipt:
    """What the store says after accepting a ballot."""

    ballot_id: int
    receipt: str
    replaced: bool

    def to_dict(self) -> dict:
        """``{"ballot_id", "receipt", "replaced"}``, through the kit's converter.

        >>> BallotReceipt.from_dict(BallotReceipt(3, "K7Q2", False).to_dict())
        BallotReceipt(ballot_id=3, receipt='K7Q2', replaced=False)
        """
        return to_record(self)

    @classmethod
    def from_dict(cls, d: dict) -> BallotReceipt:
        return from_record(cls, d)


class Store:
    """Sessions, rounds, ballots and participant codes in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path).expanduser() if path else default_db_path()
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = connect(self.path)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- sessions --------------------------------------------------------------------------
    def create_session(
        self,
        question: str,
        threshold: float = 0.7,
        groups: Sequence[str] = (),
        facilitator_key: str | None = None,
        uses_codes: bool = False,
        session_id: str | None = None,
        settings: dict | None = None,
    ) -> Session:
        """Create a session; its id is a short slug unless given."""
        sid = session_id or new_id()
        session = Session(
            id=sid,
            question=question.strip(),
            threshold=float(threshold),
            groups=tuple(g.strip() for g in groups if g.strip()),
            uses_codes=uses_codes,
            code_salt=secrets.token_hex(8),
            facilitator_key_hash=hash_key(facilitator_key) if facilitator_key else "",
            settings=settings or {},
        )
        with transaction(self.conn):
            if self.conn.execute("SELECT 1 FROM sessions WHERE id=?", (sid,)).fetchone():
                raise StoreError(f"A session with id {sid!r} already exists.")
            self._insert_session_row(session)
        return session

    def _insert_session_row(self, s: Session) -> None:
        self.conn.execute(
            "INSERT INTO sessions (id, question, threshold, created_at, groups_json,"
            " results_published, uses_codes, code_salt, facilitator_key_hash, settings_json)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                s.id,
                s.question,
                s.threshold,
                s.created_at,
                json.dumps(list(s.groups)),
                int(s.results_published),
                int(s.uses_codes),
                s.code_salt,
                s.facilitator_key_hash,
                json.dumps(s.settings, sort_keys=True),
            ),
        )

    def list_sessions(self) -> list[dict]:
        """Every session, newest first: id, question, created_at, rounds, ballots."""
        rows = self.conn.execute(
            "SELECT s.id, s.question, s.created_at,"
            " (SELECT COUNT(*) FROM rounds r WHERE r.session_id = s.id) AS rounds,"
            " (SELECT COUNT(*) FROM ballots b WHERE b.session_id = s.id) AS ballots"
            " FROM sessions s ORDER BY s.created_at DESC, s.id"
        ).fetchall()
        return [dict(r) for r in rows]

    def has_session(self, session_id: str) -> bool:
        return bool(
            self.conn.execute("SELECT 1 FROM sessions WHERE id=?", (session_id,)).fetchone()
        )

    def load_session(self, session_id: str, ballots: bool = True) -> Session:
        """The whole session, with every round's ballots in arrival order.

        ``ballots=False`` leaves the ballots out (cheap for a page that only needs the options).
        """
        c = self.conn
        row = c.execute("SELECT * FROM sessions WHERE id=?", (session_id,)).fetchone()
        if row is None:
            raise StoreError(f"There is no session {session_id!r} in {self.path}.")
        options = tuple(
            Option(
                id=o["id"],
                label=o["label"],
                description=o["description"],
                proposer=o["proposer"],
                amended_from=o["amended_from"],
                merged_from=tuple(json.loads(o["merged_from_json"])),
            )
            for o in c.execute(
                "SELECT * FROM options WHERE session_id=? ORDER BY seq", (session_id,)
            )
        )
        by_round: dict[int, list[Ballot]] = {}
        if ballots:
            for b in c.execute(
                "SELECT * FROM ballots WHERE session_id=? ORDER BY id", (session_id,)
            ).fetchall():
                by_round.setdefault(b["round_number"], []).append(_ballot_from_row(b))
        rounds = tuple(
            Round(
                number=r["number"],
                option_ids=tuple(json.loads(r["option_ids_json"])),
                status=r["status"],
                ballots=tuple(by_round.get(r["number"], ())),
                opened_at=r["opened_at"],
                closed_at=r["closed_at"],
            )
            for r in c.execute(
                "SELECT * FROM rounds WHERE session_id=? ORDER BY number", (session_id,)
            )
        )
        return Session(
            id=row["id"],
            question=row["question"],
            threshold=row["threshold"],
            created_at=row["created_at"],
            groups=tuple(json.loads(row["groups_json"])),
            results_published=bool(row["results_published"]),
            uses_codes=bool(row["uses_codes"]),
            code_salt=row["code_salt"],
            facilitator_key_hash=row["facilitator_key_hash"],
            settings=json.loads(row["settings_json"]),
            options=options,
            rounds=rounds,
        )

    def save_session(self, session: Session, replace: bool = False) -> None:
        """Write a whole session (e.g. from an imported file) in one transaction."""
        with transaction(self.conn):
            if self.conn.execute("SELECT 1 FROM sessions WHERE id=?", (session.id,)).fetchone():
                if not replace:
                    raise StoreError(
                        f"A session with id {session.id!r} already exists; import it with"
                        " --replace to overwrite it."
                    )
                self.conn.execute("DELETE FROM ballots WHERE session_id=?", (session.id,))
                self.conn.execute("DELETE FROM codes WHERE session_id=?", (session.id,))
                self.conn.execute("DELETE FROM rounds WHERE session_id=?", (session.id,))
                self.conn.execute("DELETE FROM options WHERE session_id=?", (session.id,))
                self.conn.execute("DELETE FROM sessions WHERE id=?", (session.id,))
            self._insert_session_row(session)
            for seq, o in enumerate(session.options):
                self._insert_option(session.id, seq, o)
            for r in session.rounds:
                self.conn.execute(
                    "INSERT INTO rounds (session_id, number, option_ids_json, status, opened_at,"
                    " closed_at) VALUES (?,?,?,?,?,?)",
                    (
                        session.id,
                        r.number,
                        json.dumps(list(r.option_ids)),
                        r.status,
                        r.opened_at,
                        r.closed_at,
                    ),
                )
                for b in r.ballots:
                    self._insert_ballot(session.id, r.number, b)

    def delete_session(self, session_id: str) -> None:
        with transaction(self.conn):
            for table, col in (
                ("ballots", "session_id"),
                ("codes", "session_id"),
                ("form_tokens", "session_id"),
                ("rounds", "session_id"),
                ("options", "session_id"),
                ("sessions", "id"),
            ):
                self.conn.execute(f"DELETE FROM {table} WHERE {col}=?", (session_id,))

    def check_facilitator_key(self, session_id: str, key: str) -> bool:
        """True when ``key`` is this session's facilitator key (or the session has none)."""
        row = self.conn.execute(
            "SELECT facilitator_key_hash FROM sessions WHERE id=?", (session_id,)
        ).fetchone()
        if row is None:
            return False
        if not row[0]:
            return True
        return verify_key(key or "", row[0])

    def update_session(self, session_id: str, **fields) -> None:
        """Change ``question``, ``threshold``, ``groups``, ``results_published``, ``uses_codes``
        or ``settings``."""
        allowed = {
            "question": lambda v: str(v),
            "threshold": lambda v: float(v),
            "groups": lambda v: json.dumps([str(g) for g in v]),
            "results_published": lambda v: int(bool(v)),
            "uses_codes": lambda v: int(bool(v)),
            "settings": lambda v: json.dumps(v, sort_keys=True),
        }
        columns = {"groups": "groups_json", "settings": "settings_json"}
        for name in fields:
            if name not in allowed:
                raise StoreError(f"A session has no setting called {name!r}.")
        if "threshold" in fields and not 0 < float(fields["threshold"]) <= 1:
            raise StoreError("The consensus threshold must be greater than 0 and at most 1.")
        with transaction(self.conn):
            self._require_session(session_id)
            for name, value in fields.items():
                self.conn.execute(
                    f"UPDATE sessions SET {columns.get(name, name)}=? WHERE id=?",
                    (allowed[name](value), session_id),
                )

    def set_published(self, session_id: str, published: bool) -> None:
        self.update_session(session_id, results_published=published)

    def _require_session(self, session_id: str) -> None:
        if not self.conn.execute("SELECT 1 FROM sessions WHERE id=?", (session_id,)).fetchone():
            raise StoreError(f"There is no session {session_id!r}.")

    # -- options ---------------------------------------------------------------------------
    def _insert_option(self, session_id: str, seq: int, o: Option) -> None:
        self.conn.execute(
            "INSERT INTO options (session_id, id, seq, label, description, proposer,"
            " amended_from, merged_from_json) VALUES (?,?,?,?,?,?,?,?)",
            (
                session_id,
                o.id,
                seq,
                o.label,
                o.description,
                o.proposer,
                o.amended_from,
                json.dumps(list(o.merged_from)),
            ),
        )

    def add_options(self, session_id: str, options: Sequence[Option]) -> tuple[Option, ...]:
        """Add new options to a session (ids must be new; parents must exist)."""
        with transaction(self.conn):
            self._require_session(session_id)
            existing = {
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM options WHERE session_id=?", (session_id,)
                )
            }
            seq = len(existing)
            for o in options:
                if o.id in existing:
                    raise StoreError(f"Option id {o.id!r} is already used in this session.")
                for p in o.parents:
                    if p not in existing:
                        raise StoreError(f"Option {o.id!r} names an unknown parent {p!r}.")
                self._insert_option(session_id, seq, o)
                existing.add(o.id)
                seq += 1
        return tuple(options)

    def next_option_id(self, session_id: str) -> str:
        """The next free single-letter id (A..Z), then A1, B1, ..."""
        used = {
            r[0]
            for r in self.conn.execute("SELECT id FROM options WHERE session_id=?", (session_id,))
        }
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        suffix = ""
        n = 0
        while True:
            for ch in letters:
                if ch + suffix not in used:
                    return ch + suffix
            n += 1
            suffix = str(n)

    # -- rounds ----------------------------------------------------------------------------
    def open_round(self, session_id: str, option_ids: Sequence[str]) -> Round:
        """Start the next round with this option list; any open round must be closed first."""
        option_ids = tuple(option_ids)
        if len(option_ids) < 2:
            raise StoreError("A round needs at least two options.")
        if len(set(option_ids)) != len(option_ids):
            raise StoreError("The round's option list names an option twice.")
        with transaction(self.conn):
            self._require_session(session_id)
            known = {
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM options WHERE session_id=?", (session_id,)
                )
            }
            unknown = [o for o in option_ids if o not in known]
            if unknown:
                raise StoreError(f"Unknown option(s) for this session: {', '.join(unknown)}.")
            if self.conn.execute(
                "SELECT 1 FROM rounds WHERE session_id=? AND status='open'", (session_id,)
            ).fetchone():
                raise StoreError("Close the open round before opening another.")
            last = self.conn.execute(
                "SELECT COALESCE(MAX(number), 0) FROM rounds WHERE session_id=?", (session_id,)
            ).fetchone()[0]
            number = last + 1
            now = utc_now()
            self.conn.execute(
                "INSERT INTO rounds (session_id, number, option_ids_json, status, opened_at)"
                " VALUES (?,?,?,?,?)",
                (session_id, number, json.dumps(list(option_ids)), "open", now),
            )
        return Round(number=number, option_ids=option_ids, status="open", opened_at=now)

    def close_round(self, session_id: str, number: int) -> None:
        """Close a round: from this moment no ballot for it is accepted."""
        with transaction(self.conn):
            row = self.conn.execute(
                "SELECT status FROM rounds WHERE session_id=? AND number=?", (session_id, number)
            ).fetchone()
            if row is None:
                raise StoreError(f"This session has no round {number}.")
            if row[0] != "open":
                raise StoreError(f"Round {number} is not open.")
            self.conn.execute(
                "UPDATE rounds SET status='closed', closed_at=? WHERE session_id=? AND number=?",
                (utc_now(), session_id, number),
            )

    def round_status(self, session_id: str, number: int) -> str | None:
        row = self.conn.execute(
            "SELECT status FROM rounds WHERE session_id=? AND number=?", (session_id, number)
        ).fetchone()
        return row[0] if row else None

    def open_round_of(self, session_id: str) -> Round | None:
        """The open round of a session (without ballots), or None."""
        row = self.conn.execute(
            "SELECT * FROM rounds WHERE session_id=? AND status='open'", (session_id,)
        ).fetchone()
        if row is None:
            return None
        return Round(
            number=row["number"],
            option_ids=tuple(json.loads(row["option_ids_json"])),
            status="open",
            opened_at=row["opened_at"],
        )

    # -- ballots ---------------------------------------------------------------------------
    def _insert_ballot(self, session_id: str, number: int, b: Ballot) -> int:
        cur = self.conn.execute(
            "INSERT INTO ballots (session_id, round_number, ranking_json, grp, participant_hash,"
            " submitted_at, shown_order_json, source) VALUES (?,?,?,?,?,?,?,?)",
            (
                session_id,
                number,
                json.dumps(list(b.ranking)),
                b.group,
                b.participant_hash,
                b.submitted_at,
                json.dumps(list(b.shown_order)),
                b.source,
            ),
        )
        assert cur.lastrowid is not None  # an INSERT always sets it
        return int(cur.lastrowid)

    def add_ballot(self, session_id: str, number: int, ballot: Ballot) -> BallotReceipt:
        """Store a ballot for an open round. The caller has validated the ranking.

        A ballot with a participant hash replaces that participant's earlier ballot in the round.
        """
        with transaction(self.conn):
            return self._accept_ballot(session_id, number, ballot)

    def add_ballots(
        self, session_id: str, number: int, ballots: Sequence[Ballot]
    ) -> list[BallotReceipt]:
        """Store many ballots for an open round in ONE transaction: all of them, or (on any
        error, e.g. an option not in the round) none. Each is checked as :meth:`add_ballot` does.

        >>> import tempfile, os
        >>> store = Store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
        >>> s = store.create_session("Which way?", facilitator_key="k")
        >>> _ = store.add_options(s.id, [Option("A", "Alpha"), Option("B", "Beta")])
        >>> r = store.open_round(s.id, ["A", "B"])
        >>> len(store.add_ballots(s.id, 1, [Ballot(("A",)), Ballot(("B", "A"))]))
        2
        >>> store.add_ballots(s.id, 1, [Ballot(("A",)), Ballot(("Z",))])
        Traceback (most recent call last):
        ...
        partnership_tools.store.db.StoreError: The ballot names option(s) not in round 1: Z.
        >>> store.ballot_count(s.id, 1)
        2
        """
        with transaction(self.conn):
            return [self._accept_ballot(session_id, number, b) for b in ballots]

    def _accept_ballot(self, session_id: str, number: int, ballot: Ballot) -> BallotReceipt:
        """Checks and insert, inside the caller's transaction."""
        row = self.conn.execute(
            "SELECT status, option_ids_json FROM rounds WHERE session_id=? AND number=?",
            (session_id, number),
        ).fetchone()
        if row is None:
            raise StoreError(f"This session has no round {number}.")
        if row["status"] != "open":
            raise StoreError(f"Round {number} has closed; no more ballots are accepted.")
        allowed = set(json.loads(row["option_ids_json"]))
        unknown = [o for o in ballot.ranking if o not in allowed]
        if unknown:
            raise StoreError(
                f"The ballot names option(s) not in round {number}: {', '.join(unknown)}."
            )
        replaced = False
        if ballot.participant_hash:
            cur = self.conn.execute(
                "DELETE FROM ballots WHERE session_id=? AND round_number=? AND participant_hash=?",
                (session_id, number, ballot.participant_hash),
            )
            replaced = cur.rowcount > 0
        ballot_id = self._insert_ballot(session_id, number, ballot)
        receipt = (
            hashlib.sha256(f"{session_id}:{number}:{ballot_id}:{'>'.join(ballot.ranking)}".encode())
            .hexdigest()[:10]
            .upper()
        )
        return BallotReceipt(ballot_id, receipt, replaced)

    def remove_ballot(self, session_id: str, ballot_id: int) -> None:
        """Undo a ballot (e.g. a mistyped paper ballot) while its round is open."""
        with transaction(self.conn):
            row = self.conn.execute(
                "SELECT b.round_number, r.status FROM ballots b JOIN rounds r"
                " ON r.session_id=b.session_id AND r.number=b.round_number"
                " WHERE b.session_id=? AND b.id=?",
                (session_id, ballot_id),
            ).fetchone()
            if row is None:
                raise StoreError(f"There is no ballot {ballot_id} in this session.")
            if row["status"] != "open":
                raise StoreError("Ballots of a closed round cannot be removed.")
            self.conn.execute("DELETE FROM ballots WHERE id=?", (ballot_id,))

    def ballot_count(self, session_id: str, number: int) -> int:
        return int(
            self.conn.execute(
                "SELECT COUNT(*) FROM ballots WHERE session_id=? AND round_number=?",
                (session_id, number),
            ).fetchone()[0]
        )

    def ballots(self, session_id: str, number: int) -> list[tuple[int, Ballot]]:
        """The round's ballots with their store ids, in arrival order."""
        rows = self.conn.execute(
            "SELECT * FROM ballots WHERE session_id=? AND round_number=? ORDER BY id",
            (session_id, number),
        ).fetchall()
        return [(int(r["id"]), _ballot_from_row(r)) for r in rows]

    # -- participant codes -----------------------------------------------------------------
    def issue_codes(self, session_id: str, count: int, seed: int | None = None) -> list[str]:
        """Make ``count`` new one-time codes (8 characters, printed once; only hashes are kept).

        With ``seed`` the codes are reproducible (for tests); otherwise they come from
        :mod:`secrets`.
        """
        import random

        if not 1 <= count <= 10_000:
            raise StoreError("Issue between 1 and 10,000 codes at a time.")
        rng = random.Random(seed) if seed is not None else secrets.SystemRandom()
        with transaction(self.conn):
            row = self.conn.execute(
                "SELECT code_salt FROM sessions WHERE id=?", (session_id,)
            ).fetchone()
            if row is None:
                raise StoreError(f"There is no session {session_id!r}.")
            salt = row[0]
            codes: list[str] = []
            now = utc_now()
            while len(codes) < count:
                code = "".join(rng.choice(CODE_ALPHABET) for _ in range(8))
                h = hash_participant(code, salt)
                cur = self.conn.execute(
                    "INSERT OR IGNORE INTO codes (session_id, code_hash, issued_at) VALUES (?,?,?)",
                    (session_id, h, now),
                )
                if cur.rowcount:
                    codes.append(code)
            self.conn.execute("UPDATE sessions SET uses_codes=1 WHERE id=?", (session_id,))
        return codes

    def code_hash(self, session_id: str, code: str) -> str | None:
        """The stored hash for a participant code, or None when the code was never issued."""
        row = self.conn.execute(
            "SELECT code_salt FROM sessions WHERE id=?", (session_id,)
        ).fetchone()
        if row is None:
            return None
        h = hash_participant(code, row[0])
        ok = self.conn.execute(
            "SELECT 1 FROM codes WHERE session_id=? AND code_hash=?", (session_id, h)
        ).fetchone()
        return h if ok else None

    def code_has_ballot(self, session_id: str, number: int, participant_hash: str) -> bool:
        """Whether this participant (by code hash) already has a ballot in the round."""
        row = self.conn.execute(
            "SELECT 1 FROM ballots WHERE session_id=? AND round_number=? AND participant_hash=?",
            (session_id, number, participant_hash),
        ).fetchone()
        return row is not None

    def code_count(self, session_id: str) -> int:
        return int(
            self.conn.execute(
                "SELECT COUNT(*) FROM codes WHERE session_id=?", (session_id,)
            ).fetchone()[0]
        )

    # -- one-time form tokens (CSRF and replay protection for the ballot page) ---------------
    def issue_form_token(self, session_id: str, number: int, shown_order: Sequence[str]) -> str:
        token = secrets.token_urlsafe(24)
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO form_tokens (token, session_id, round_number, shown_order_json,"
                " issued_at) VALUES (?,?,?,?,?)",
                (token, session_id, number, json.dumps(list(shown_order)), utc_now()),
            )
        return token

    def peek_form_token(self, token: str) -> dict | None:
        """The token's row (session_id, round_number, shown_order, used_at), or None."""
        row = self.conn.execute("SELECT * FROM form_tokens WHERE token=?", (token,)).fetchone()
        if row is None:
            return None
        d = dict(row)
        d["shown_order"] = tuple(json.loads(d.pop("shown_order_json")))
        return d

    def submit_with_token(self, token: str, session_id: str, ballot: Ballot) -> BallotReceipt:
        """Use a one-time form token and store the ballot in the same transaction.

        Refuses an unknown token, a token for another session, a token already used (a replayed
        submission) and a token whose round is no longer open.
        """
        with transaction(self.conn):
            row = self.conn.execute("SELECT * FROM form_tokens WHERE token=?", (token,)).fetchone()
            if row is None or row["session_id"] != session_id:
                raise StoreError("This ballot form is not valid for this session; reload the page.")
            if row["used_at"]:
                raise StoreError("This ballot form has already been submitted.")
            self.conn.execute("UPDATE form_tokens SET used_at=? WHERE token=?", (utc_now(), token))
            return self._accept_ballot(session_id, row["round_number"], ballot)


def _ballot_from_row(b: sqlite3.Row) -> Ballot:
    return Ballot(
        ranking=tuple(json.loads(b["ranking_json"])),
        group=b["grp"],
        participant_hash=b["participant_hash"],
        submitted_at=b["submitted_at"],
        shown_order=tuple(json.loads(b["shown_order_json"])),
        source=b["source"],
    )
