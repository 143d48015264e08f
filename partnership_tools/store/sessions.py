"""The session store: the vote's tables (sessions, options, rounds, ballots, codes, one-time
form tokens), in the one store the CLI, every Voilà kernel and the participants' processes share.

The store is an SQLite file or a PostgreSQL database (:mod:`partnership_tools.store.db`); every
write runs in one serialised transaction (``store.db.write()``), every multi-query read on one
snapshot (``store.db.read()``), with the same SQL on both.

The store is named by ``--db``, else by the ``PARTNERSHIP_TOOLS_DB`` environment variable, else
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
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping, TextClause, text

from partnership_tools.kernel.clock import new_id, utc_now
from partnership_tools.store.db import (
    Database,
    StoreError,
    describe_target,
    normalise_target,
    open_database,
)
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
    """Sessions, rounds, ballots and participant codes in the store ``target`` names (a file
    path for SQLite, a ``postgresql://`` URL; see :func:`partnership_tools.store.db.open_database`).

    The database is opened (and its schema brought up to date) on first use; :attr:`db` is it.
    Raises :class:`~partnership_tools.store.db.StoreUnavailable` when it cannot be reached.
    """

    def __init__(self, target: str | os.PathLike[str] | None = None) -> None:
        #: What the store was opened with: an absolute file path or a database URL (which may
        #: hold a password: never show it; show :attr:`name`).
        self.target = normalise_target(target)
        self.path = self.target
        #: The file (SQLite) or the URL without its password (PostgreSQL), for messages.
        self.name = describe_target(self.target)
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(self.target)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None

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
        with self.db.write() as c:
            if c.execute(_q("SELECT 1 FROM sessions WHERE id = :id"), {"id": sid}).first():
                raise StoreError(f"A session with id {sid!r} already exists.")
            self._insert_session_row(c, session)
        return session

    @staticmethod
    def _insert_session_row(c: Connection, s: Session) -> None:
        c.execute(
            _q(
                "INSERT INTO sessions (id, question, threshold, created_at, groups_json,"
                " results_published, uses_codes, code_salt, facilitator_key_hash, settings_json)"
                " VALUES (:id, :question, :threshold, :created_at, :groups_json,"
                " :results_published, :uses_codes, :code_salt, :facilitator_key_hash,"
                " :settings_json)"
            ),
            {
                "id": s.id,
                "question": s.question,
                "threshold": s.threshold,
                "created_at": s.created_at,
                "groups_json": json.dumps(list(s.groups)),
                "results_published": int(s.results_published),
                "uses_codes": int(s.uses_codes),
                "code_salt": s.code_salt,
                "facilitator_key_hash": s.facilitator_key_hash,
                "settings_json": json.dumps(s.settings, sort_keys=True),
            },
        )

    def list_sessions(self, archived: bool | None = None) -> list[dict]:
        """Every session, newest first: id, question, created_at, rounds, ballots, archived_at
        (``None`` unless archived). ``archived=False`` lists only the sessions not archived,
        ``True`` only the archived ones, ``None`` (the default) all of them."""
        where = {
            None: "",
            False: " WHERE s.archived_at IS NULL",
            True: " WHERE s.archived_at IS NOT NULL",
        }
        with self.db.read() as c:
            rows = c.execute(
                _q(
                    "SELECT s.id, s.question, s.created_at, s.archived_at,"
                    " (SELECT COUNT(*) FROM rounds r WHERE r.session_id = s.id) AS rounds,"
                    " (SELECT COUNT(*) FROM ballots b WHERE b.session_id = s.id) AS ballots"
                    f" FROM sessions s{where[archived]} ORDER BY s.created_at DESC, s.id"
                )
            ).mappings()
            return [dict(r) for r in rows]

    def has_session(self, session_id: str) -> bool:
        with self.db.read() as c:
            return _exists(c, "SELECT 1 FROM sessions WHERE id = :s", s=session_id)

    def load_session(self, session_id: str, ballots: bool = True) -> Session:
        """The whole session, with every round's ballots in arrival order.

        ``ballots=False`` leaves the ballots out (cheap for a page that only needs the options).
        """
        args = {"s": session_id}
        with self.db.read() as c:
            row = c.execute(_q("SELECT * FROM sessions WHERE id = :s"), args).mappings().first()
            if row is None:
                raise StoreError(f"There is no session {session_id!r} in {self.name}.")
            option_rows = (
                c.execute(_q("SELECT * FROM options WHERE session_id = :s ORDER BY seq"), args)
                .mappings()
                .all()
            )
            by_round: dict[int, list[Ballot]] = {}
            if ballots:
                for b in c.execute(
                    _q("SELECT * FROM ballots WHERE session_id = :s ORDER BY id"), args
                ).mappings():
                    by_round.setdefault(b["round_number"], []).append(_ballot_from_row(b))
            round_rows = (
                c.execute(_q("SELECT * FROM rounds WHERE session_id = :s ORDER BY number"), args)
                .mappings()
                .all()
            )
        options = tuple(
            Option(
                id=o["id"],
                label=o["label"],
                description=o["description"],
                proposer=o["proposer"],
                amended_from=o["amended_from"],
                merged_from=tuple(json.loads(o["merged_from_json"])),
                reason=o["reason"] or "",
            )
            for o in option_rows
        )
        rounds = tuple(
            Round(
                number=r["number"],
                option_ids=tuple(json.loads(r["option_ids_json"])),
                status=r["status"],
                ballots=tuple(by_round.get(r["number"], ())),
                opened_at=r["opened_at"],
                closed_at=r["closed_at"],
            )
            for r in round_rows
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
        with self.db.write() as c:
            if _exists(c, "SELECT 1 FROM sessions WHERE id = :s", s=session.id):
                if not replace:
                    raise StoreError(
                        f"A session with id {session.id!r} already exists; import it with"
                        " --replace to overwrite it."
                    )
                self._delete_session_rows(c, session.id)
            self._insert_session_row(c, session)
            for seq, o in enumerate(session.options):
                self._insert_option(c, session.id, seq, o)
            for r in session.rounds:
                c.execute(
                    _q(
                        "INSERT INTO rounds (session_id, number, option_ids_json, status,"
                        " opened_at, closed_at) VALUES (:s, :n, :ids, :status, :o, :cl)"
                    ),
                    {
                        "s": session.id,
                        "n": r.number,
                        "ids": json.dumps(list(r.option_ids)),
                        "status": r.status,
                        "o": r.opened_at,
                        "cl": r.closed_at,
                    },
                )
                for b in r.ballots:
                    self._insert_ballot(c, session.id, r.number, b)

    @staticmethod
    def _delete_session_rows(c: Connection, session_id: str) -> None:
        for table, col in (
            ("ballots", "session_id"),
            ("codes", "session_id"),
            ("form_tokens", "session_id"),
            ("rounds", "session_id"),
            ("options", "session_id"),
            ("sessions", "id"),
        ):
            c.execute(_q(f"DELETE FROM {table} WHERE {col} = :s"), {"s": session_id})

    def delete_session(self, session_id: str) -> None:
        with self.db.write() as c:
            self._delete_session_rows(c, session_id)

    def check_facilitator_key(self, session_id: str, key: str) -> bool:
        """True when ``key`` is this session's facilitator key (or the session has none)."""
        with self.db.read() as c:
            row = c.execute(
                _q("SELECT facilitator_key_hash FROM sessions WHERE id = :s"), {"s": session_id}
            ).first()
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
        with self.db.write() as c:
            self._require_session(c, session_id)
            for name, value in fields.items():
                c.execute(
                    _q(f"UPDATE sessions SET {columns.get(name, name)} = :v WHERE id = :s"),
                    {"v": allowed[name](value), "s": session_id},
                )

    def set_published(self, session_id: str, published: bool) -> None:
        self.update_session(session_id, results_published=published)

    @staticmethod
    def _require_session(c: Connection, session_id: str) -> None:
        if not _exists(c, "SELECT 1 FROM sessions WHERE id = :s", s=session_id):
            raise StoreError(f"There is no session {session_id!r}.")

    # -- options ---------------------------------------------------------------------------
    @staticmethod
    def _insert_option(c: Connection, session_id: str, seq: int, o: Option) -> None:
        c.execute(
            _q(
                "INSERT INTO options (session_id, id, seq, label, description, proposer,"
                " amended_from, merged_from_json, reason) VALUES (:s, :id, :seq, :label,"
                " :description, :proposer, :amended_from, :merged_from_json, :reason)"
            ),
            {
                "s": session_id,
                "id": o.id,
                "seq": seq,
                "label": o.label,
                "description": o.description,
                "proposer": o.proposer,
                "amended_from": o.amended_from,
                "merged_from_json": json.dumps(list(o.merged_from)),
                "reason": o.reason,
            },
        )

    def add_options(self, session_id: str, options: Sequence[Option]) -> tuple[Option, ...]:
        """Add new options to a session (ids must be new; parents must exist)."""
        with self.db.write() as c:
            self._require_session(c, session_id)
            existing = set(_option_ids(c, session_id))
            seq = int(
                c.execute(
                    _q("SELECT COALESCE(MAX(seq), -1) + 1 FROM options WHERE session_id = :s"),
                    {"s": session_id},
                ).scalar_one()
            )
            for o in options:
                if o.id in existing:
                    raise StoreError(f"Option id {o.id!r} is already used in this session.")
                for p in o.parents:
                    if p not in existing:
                        raise StoreError(f"Option {o.id!r} names an unknown parent {p!r}.")
                self._insert_option(c, session_id, seq, o)
                existing.add(o.id)
                seq += 1
        return tuple(options)

    def next_option_id(self, session_id: str) -> str:
        """The next free single-letter id (A..Z), then A1, B1, ..."""
        with self.db.read() as c:
            used = set(_option_ids(c, session_id))
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
        with self.db.write() as c:
            self._require_session(c, session_id)
            known = set(_option_ids(c, session_id))
            unknown = [o for o in option_ids if o not in known]
            if unknown:
                raise StoreError(f"Unknown option(s) for this session: {', '.join(unknown)}.")
            if _exists(
                c, "SELECT 1 FROM rounds WHERE session_id = :s AND status = 'open'", s=session_id
            ):
                raise StoreError("Close the open round before opening another.")
            number = _last_round(c, session_id) + 1
            now = utc_now()
            c.execute(
                _q(
                    "INSERT INTO rounds (session_id, number, option_ids_json, status, opened_at)"
                    " VALUES (:s, :n, :ids, 'open', :now)"
                ),
                {"s": session_id, "n": number, "ids": json.dumps(list(option_ids)), "now": now},
            )
        return Round(number=number, option_ids=option_ids, status="open", opened_at=now)

    def close_round(self, session_id: str, number: int) -> None:
        """Close a round: from this moment no ballot for it is accepted."""
        with self.db.write() as c:
            row = c.execute(
                _q("SELECT status FROM rounds WHERE session_id = :s AND number = :n"),
                {"s": session_id, "n": number},
            ).first()
            if row is None:
                raise StoreError(f"This session has no round {number}.")
            if row[0] != "open":
                raise StoreError(f"Round {number} is not open.")
            c.execute(
                _q(
                    "UPDATE rounds SET status = 'closed', closed_at = :now"
                    " WHERE session_id = :s AND number = :n"
                ),
                {"now": utc_now(), "s": session_id, "n": number},
            )

    def round_status(self, session_id: str, number: int) -> str | None:
        with self.db.read() as c:
            return c.execute(
                _q("SELECT status FROM rounds WHERE session_id = :s AND number = :n"),
                {"s": session_id, "n": number},
            ).scalar()

    def open_round_of(self, session_id: str) -> Round | None:
        """The open round of a session (without ballots), or None."""
        with self.db.read() as c:
            row = (
                c.execute(
                    _q("SELECT * FROM rounds WHERE session_id = :s AND status = 'open'"),
                    {"s": session_id},
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        return Round(
            number=row["number"],
            option_ids=tuple(json.loads(row["option_ids_json"])),
            status="open",
            opened_at=row["opened_at"],
        )

    # -- ballots ---------------------------------------------------------------------------
    @staticmethod
    def _insert_ballot(c: Connection, session_id: str, number: int, b: Ballot) -> int:
        """Insert a ballot and return the id the database gave it (``RETURNING id``)."""
        return int(
            c.execute(
                _q(
                    "INSERT INTO ballots (session_id, round_number, ranking_json, grp,"
                    " participant_hash, submitted_at, shown_order_json, source) VALUES (:s, :n,"
                    " :ranking, :grp, :ph, :at, :shown, :source) RETURNING id"
                ),
                {
                    "s": session_id,
                    "n": number,
                    "ranking": json.dumps(list(b.ranking)),
                    "grp": b.group,
                    "ph": b.participant_hash,
                    "at": b.submitted_at,
                    "shown": json.dumps(list(b.shown_order)),
                    "source": b.source,
                },
            ).scalar_one()
        )

    def add_ballot(self, session_id: str, number: int, ballot: Ballot) -> BallotReceipt:
        """Store a ballot for an open round. The caller has validated the ranking.

        A ballot with a participant hash replaces that participant's earlier ballot in the round.
        """
        with self.db.write() as c:
            return self._accept_ballot(c, session_id, number, ballot)

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
        with self.db.write() as c:
            return [self._accept_ballot(c, session_id, number, b) for b in ballots]

    def _accept_ballot(
        self, c: Connection, session_id: str, number: int, ballot: Ballot
    ) -> BallotReceipt:
        """Checks and insert, inside the caller's write block. A ballot with a participant
        hash first deletes that participant's earlier ballot in the round; the unique index
        ``ballots_one_per_code`` guarantees at most one per code whatever else happens."""
        row = (
            c.execute(
                _q(
                    "SELECT status, option_ids_json FROM rounds"
                    " WHERE session_id = :s AND number = :n"
                ),
                {"s": session_id, "n": number},
            )
            .mappings()
            .first()
        )
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
            cur = c.execute(
                _q(
                    "DELETE FROM ballots WHERE session_id = :s AND round_number = :n"
                    " AND participant_hash = :ph"
                ),
                {"s": session_id, "n": number, "ph": ballot.participant_hash},
            )
            replaced = cur.rowcount > 0
        ballot_id = self._insert_ballot(c, session_id, number, ballot)
        receipt = receipt_code(session_id, number, ballot_id, ballot.ranking)
        return BallotReceipt(ballot_id, receipt, replaced)

    def remove_ballot(self, session_id: str, ballot_id: int) -> None:
        """Undo a ballot (e.g. a mistyped paper ballot) while its round is open."""
        with self.db.write() as c:
            row = (
                c.execute(
                    _q(
                        "SELECT b.round_number, r.status FROM ballots b JOIN rounds r"
                        " ON r.session_id = b.session_id AND r.number = b.round_number"
                        " WHERE b.session_id = :s AND b.id = :b"
                    ),
                    {"s": session_id, "b": ballot_id},
                )
                .mappings()
                .first()
            )
            if row is None:
                raise StoreError(f"There is no ballot {ballot_id} in this session.")
            if row["status"] != "open":
                raise StoreError("Ballots of a closed round cannot be removed.")
            c.execute(_q("DELETE FROM ballots WHERE id = :b"), {"b": ballot_id})

    def ballot_count(self, session_id: str, number: int) -> int:
        with self.db.read() as c:
            return int(
                c.execute(
                    _q("SELECT COUNT(*) FROM ballots WHERE session_id = :s AND round_number = :n"),
                    {"s": session_id, "n": number},
                ).scalar_one()
            )

    def ballots(self, session_id: str, number: int) -> list[tuple[int, Ballot]]:
        """The round's ballots with their store ids, in arrival order."""
        with self.db.read() as c:
            rows = (
                c.execute(
                    _q(
                        "SELECT * FROM ballots WHERE session_id = :s AND round_number = :n"
                        " ORDER BY id"
                    ),
                    {"s": session_id, "n": number},
                )
                .mappings()
                .all()
            )
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
        with self.db.write() as c:
            salt = c.execute(
                _q("SELECT code_salt FROM sessions WHERE id = :s"), {"s": session_id}
            ).first()
            if salt is None:
                raise StoreError(f"There is no session {session_id!r}.")
            codes: list[str] = []
            now = utc_now()
            insert = _q(
                "INSERT INTO codes (session_id, code_hash, issued_at) VALUES (:s, :h, :now)"
                " ON CONFLICT (session_id, code_hash) DO NOTHING"
            )
            while len(codes) < count:
                code = "".join(rng.choice(CODE_ALPHABET) for _ in range(8))
                h = hash_participant(code, salt[0])
                cur = c.execute(insert, {"s": session_id, "h": h, "now": now})
                if cur.rowcount:
                    codes.append(code)
            c.execute(_q("UPDATE sessions SET uses_codes = 1 WHERE id = :s"), {"s": session_id})
        return codes

    def code_hash(self, session_id: str, code: str) -> str | None:
        """The stored hash for a participant code, or None when the code was never issued."""
        with self.db.read() as c:
            salt = c.execute(
                _q("SELECT code_salt FROM sessions WHERE id = :s"), {"s": session_id}
            ).scalar()
            if salt is None:
                return None
            h = hash_participant(code, salt)
            ok = _exists(
                c,
                "SELECT 1 FROM codes WHERE session_id = :s AND code_hash = :h",
                s=session_id,
                h=h,
            )
        return h if ok else None

    def code_has_ballot(self, session_id: str, number: int, participant_hash: str) -> bool:
        """Whether this participant (by code hash) already has a ballot in the round."""
        with self.db.read() as c:
            return _exists(
                c,
                "SELECT 1 FROM ballots WHERE session_id = :s AND round_number = :n"
                " AND participant_hash = :ph",
                s=session_id,
                n=number,
                ph=participant_hash,
            )

    def code_count(self, session_id: str) -> int:
        with self.db.read() as c:
            return int(
                c.execute(
                    _q("SELECT COUNT(*) FROM codes WHERE session_id = :s"), {"s": session_id}
                ).scalar_one()
            )

    def turnout(self, session_id: str, number: int) -> dict[str, int]:
        """A round's turnout in three cheap queries (no ballot is loaded): ``ballots`` in all,
        ``web``, ``paper`` and ``import`` (by source), ``codes_used`` (distinct codes with a
        ballot in the round) and ``codes_issued`` (codes issued for the session)."""
        args = {"s": session_id, "n": number}
        out = {"ballots": 0, "web": 0, "paper": 0, "import": 0, "codes_used": 0}
        with self.db.read() as c:
            rows = c.execute(
                _q(
                    "SELECT source, COUNT(*) FROM ballots"
                    " WHERE session_id = :s AND round_number = :n GROUP BY source"
                ),
                args,
            ).all()
            for source, count in rows:
                out["ballots"] += int(count)
                key = source if source in ("web", "paper", "import") else "web"
                out[key] += int(count)
            out["codes_used"] = int(
                c.execute(
                    _q(
                        "SELECT COUNT(DISTINCT participant_hash) FROM ballots WHERE session_id"
                        " = :s AND round_number = :n AND participant_hash IS NOT NULL"
                    ),
                    args,
                ).scalar_one()
            )
            out["codes_issued"] = self.code_count(session_id)
        return out

    # -- editing options, undoing a merge or an amendment --------------------------------------
    @staticmethod
    def _option_rounds(c: Connection, session_id: str, option_id: str) -> list[int]:
        """The rounds whose ballot paper lists the option."""
        return [
            int(r["number"])
            for r in c.execute(
                _q(
                    "SELECT number, option_ids_json FROM rounds WHERE session_id = :s"
                    " ORDER BY number"
                ),
                {"s": session_id},
            ).mappings()
            if option_id in json.loads(r["option_ids_json"])
        ]

    @staticmethod
    def _option_children(c: Connection, session_id: str, option_id: str) -> list[str]:
        """The options that name this one as a parent (amended or merged from it)."""
        return [
            str(r["id"])
            for r in c.execute(
                _q(
                    "SELECT id, amended_from, merged_from_json FROM options WHERE session_id = :s"
                    " ORDER BY seq"
                ),
                {"s": session_id},
            ).mappings()
            if r["amended_from"] == option_id or option_id in json.loads(r["merged_from_json"])
        ]

    def _require_option(self, c: Connection, session_id: str, option_id: str) -> RowMapping:
        self._require_session(c, session_id)
        row = (
            c.execute(
                _q("SELECT * FROM options WHERE session_id = :s AND id = :o"),
                {"s": session_id, "o": option_id},
            )
            .mappings()
            .first()
        )
        if row is None:
            raise StoreError(f"There is no option {option_id!r} in this session.")
        return row

    def update_option(
        self,
        session_id: str,
        option_id: str,
        *,
        label: str | None = None,
        description: str | None = None,
        proposer: str | None = None,
        reason: str | None = None,
    ) -> Option:
        """Change an option's wording (``label``, ``description``) while no round has listed it
        yet, and who proposed it and why (``proposer``, ``reason``) at any time. A field left
        ``None`` keeps its value. Returns the option as stored.

        >>> import tempfile, os
        >>> store = Store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
        >>> s = store.create_session("Which way?")
        >>> _ = store.add_options(s.id, [Option("A", "Alpha"), Option("B", "Beta")])
        >>> store.update_option(s.id, "A", label="Alpha road", reason="cheaper").label
        'Alpha road'
        >>> _ = store.open_round(s.id, ["A", "B"])
        >>> store.update_option(s.id, "A", label="Other")
        Traceback (most recent call last):
        ...
        partnership_tools.store.db.StoreError: Option A was on the ballot paper of round 1, so its wording can no longer change; amend it instead.
        """
        with self.db.write() as c:
            row = self._require_option(c, session_id, option_id)
            new = Option(
                id=option_id,
                label=" ".join(label.split()) if label is not None else row["label"],
                description=description.strip() if description is not None else row["description"],
                proposer=" ".join(proposer.split()) if proposer is not None else row["proposer"],
                amended_from=row["amended_from"],
                merged_from=tuple(json.loads(row["merged_from_json"])),
                reason=reason.strip() if reason is not None else (row["reason"] or ""),
            )
            wording_changed = (new.label, new.description) != (row["label"], row["description"])
            rounds = self._option_rounds(c, session_id, option_id)
            if wording_changed and rounds:
                raise StoreError(
                    f"Option {option_id} was on the ballot paper of round {rounds[0]}, so its"
                    " wording can no longer change; amend it instead."
                )
            if wording_changed:
                for other in c.execute(
                    _q("SELECT id, label FROM options WHERE session_id = :s AND id <> :o"),
                    {"s": session_id, "o": option_id},
                ).mappings():
                    if " ".join(other["label"].split()).casefold() == new.label.casefold():
                        raise StoreError(
                            f"Option {other['id']} already reads {new.label!r}; choose other"
                            " wording."
                        )
            c.execute(
                _q(
                    "UPDATE options SET label = :label, description = :d, proposer = :p,"
                    " reason = :r WHERE session_id = :s AND id = :o"
                ),
                {
                    "label": new.label,
                    "d": new.description,
                    "p": new.proposer,
                    "r": new.reason,
                    "s": session_id,
                    "o": option_id,
                },
            )
        return new

    def delete_option(self, session_id: str, option_id: str) -> None:
        """Remove an option no round has listed and no other option was made from (a typo
        before the first round opens, say).

        >>> import tempfile, os
        >>> store = Store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
        >>> s = store.create_session("Which way?")
        >>> _ = store.add_options(s.id, [Option("A", "Alpha"), Option("B", "Beta")])
        >>> store.delete_option(s.id, "B")
        >>> [o.id for o in store.load_session(s.id).options]
        ['A']
        """
        with self.db.write() as c:
            self._require_option(c, session_id, option_id)
            rounds = self._option_rounds(c, session_id, option_id)
            if rounds:
                raise StoreError(
                    f"Option {option_id} was on the ballot paper of round {rounds[0]}, so it"
                    " stays in the record."
                )
            children = self._option_children(c, session_id, option_id)
            if children:
                raise StoreError(
                    f"Option {children[0]} was made from option {option_id}; undo that first."
                )
            c.execute(
                _q("DELETE FROM options WHERE session_id = :s AND id = :o"),
                {"s": session_id, "o": option_id},
            )

    def undo_option(self, session_id: str, option_id: str) -> int | None:
        """Undo a merge or an amendment: remove the new option ``option_id``, so its parents
        are current again.

        Allowed while no ballot has been cast on it: the option is on no round, or only on the
        latest round and that round has no ballots; that round is then withdrawn (deleted, with
        its unused ballot forms) and its number is returned, to be opened again. Refused for an
        original option, for an option something else was made from, and once ballots exist.

        >>> import tempfile, os
        >>> store = Store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
        >>> s = store.create_session("Which way?")
        >>> _ = store.add_options(s.id, [Option("A", "a"), Option("B", "b"), Option("C", "c")])
        >>> _ = store.add_options(s.id, [Option("D", "b and c", merged_from=("B", "C"))])
        >>> store.undo_option(s.id, "D") is None
        True
        >>> [o.id for o in store.load_session(s.id).options]
        ['A', 'B', 'C']
        """
        with self.db.write() as c:
            row = self._require_option(c, session_id, option_id)
            if not row["amended_from"] and not json.loads(row["merged_from_json"]):
                raise StoreError(
                    f"Option {option_id} was neither amended nor merged, so there is nothing to"
                    " undo."
                )
            children = self._option_children(c, session_id, option_id)
            if children:
                raise StoreError(
                    f"Option {children[0]} was made from option {option_id}; undo that first."
                )
            rounds = self._option_rounds(c, session_id, option_id)
            last = _last_round(c, session_id)
            withdrawn: int | None = None
            if rounds:
                if rounds != [last]:
                    raise StoreError(
                        f"Option {option_id} was voted on in round {rounds[0]}, so the change"
                        " stays in the record."
                    )
                if self.ballot_count(session_id, last):
                    raise StoreError(
                        f"Round {last} already has ballots for option {option_id}, so the change"
                        " can no longer be undone."
                    )
                withdrawn = int(last)
                for table in ("form_tokens", "rounds"):
                    col = "round_number" if table == "form_tokens" else "number"
                    c.execute(
                        _q(f"DELETE FROM {table} WHERE session_id = :s AND {col} = :n"),
                        {"s": session_id, "n": withdrawn},
                    )
            c.execute(
                _q("DELETE FROM options WHERE session_id = :s AND id = :o"),
                {"s": session_id, "o": option_id},
            )
        return withdrawn

    # -- follow-up meetings, archive -------------------------------------------------------------
    def copy_session(
        self, session_id: str, question: str | None = None, session_id_new: str | None = None
    ) -> Session:
        """Start a follow-up meeting: a new session with the same question (unless given),
        threshold, groups, settings and facilitator key, whose options are the ones that would
        be on the next ballot paper (every option still current), as new originals that keep
        their ids, wording, description, proposer and reason (so D stays D in the minutes). No
        rounds, ballots or codes are copied; a session that used codes asks for new ones.

        >>> import tempfile, os
        >>> store = Store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
        >>> s = store.create_session("Which way?", facilitator_key="k")
        >>> _ = store.add_options(s.id, [Option("A", "a"), Option("B", "b"), Option("C", "c")])
        >>> _ = store.add_options(s.id, [Option("D", "b and c", merged_from=("B", "C"))])
        >>> copy = store.copy_session(s.id)
        >>> [(o.id, o.label, o.merged_from) for o in copy.options]
        [('A', 'a', ()), ('D', 'b and c', ())]
        >>> store.check_facilitator_key(copy.id, "k"), copy.rounds
        (True, ())
        """
        old = self.load_session(session_id, ballots=False)
        superseded = {p for o in old.options for p in o.parents}
        voted = {oid for r in old.rounds for oid in r.option_ids}
        previous = list(old.rounds[-1].option_ids) if old.rounds else []
        keep = [oid for oid in previous if oid not in superseded]
        fresh = [o.id for o in old.options if o.id not in voted and o.id not in superseded]
        current = keep + [oid for oid in fresh if oid not in keep]
        options = tuple(
            Option(
                id=oid,
                label=old.option(oid).label,
                description=old.option(oid).description,
                proposer=old.option(oid).proposer,
                reason=old.option(oid).reason,
            )
            for oid in current
        )
        new = Session(
            id=session_id_new or new_id(),
            question=" ".join((question or old.question).split()),
            threshold=old.threshold,
            groups=old.groups,
            uses_codes=old.uses_codes,
            code_salt=secrets.token_hex(8),
            facilitator_key_hash=old.facilitator_key_hash,
            settings=dict(old.settings),
            options=options,
        )
        with self.db.write() as c:
            if _exists(c, "SELECT 1 FROM sessions WHERE id = :s", s=new.id):
                raise StoreError(f"A session with id {new.id!r} already exists.")
            self._insert_session_row(c, new)
            for seq, o in enumerate(new.options):
                self._insert_option(c, new.id, seq, o)
        return new

    def archive_session(self, session_id: str, archived: bool = True) -> None:
        """Archive a session (kept whole, left out of the facilitator's list until restored),
        or restore it with ``archived=False``.

        >>> import tempfile, os
        >>> store = Store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
        >>> s = store.create_session("Which way?")
        >>> store.archive_session(s.id)
        >>> store.list_sessions(archived=False), len(store.list_sessions(archived=True))
        ([], 1)
        """
        with self.db.write() as c:
            self._require_session(c, session_id)
            c.execute(
                _q("UPDATE sessions SET archived_at = :at WHERE id = :s"),
                {"at": utc_now() if archived else None, "s": session_id},
            )

    # -- receipts --------------------------------------------------------------------------------
    def round_receipts(self, session_id: str, number: int) -> list[dict]:
        """Every ballot of a round as ``{"receipt", "ranking", "source"}``, sorted by receipt
        (so the list shows nothing of the order ballots arrived in). A receipt is recomputed
        from the ballot as stored (:func:`receipt_code`): a ballot replaced by a later one with
        the same code is gone, and so is its receipt.

        >>> import tempfile, os
        >>> store = Store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
        >>> s = store.create_session("Which way?")
        >>> _ = store.add_options(s.id, [Option("A", "a"), Option("B", "b")])
        >>> _ = store.open_round(s.id, ["A", "B"])
        >>> r = store.add_ballot(s.id, 1, Ballot(("B", "A")))
        >>> store.round_receipts(s.id, 1) == [{"receipt": r.receipt, "ranking": ("B", "A"), "source": "web"}]
        True
        """
        out = [
            {
                "receipt": receipt_code(session_id, number, bid, b.ranking),
                "ranking": b.ranking,
                "source": b.source,
            }
            for bid, b in self.ballots(session_id, number)
        ]
        return sorted(out, key=lambda d: d["receipt"])

    def find_receipt(self, session_id: str, code: str) -> dict | None:
        """The ballot a receipt code stands for, as ``{"round", "receipt", "ranking",
        "source"}``, or None when no ballot of the session has it (mistyped, or replaced by a
        later ballot cast with the same participant code). Case, spaces and dashes are ignored.

        >>> import tempfile, os
        >>> store = Store(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
        >>> s = store.create_session("Which way?")
        >>> _ = store.add_options(s.id, [Option("A", "a"), Option("B", "b")])
        >>> _ = store.open_round(s.id, ["A", "B"])
        >>> r = store.add_ballot(s.id, 1, Ballot(("B", "A")))
        >>> store.find_receipt(s.id, r.receipt.lower())["ranking"]
        ('B', 'A')
        >>> store.find_receipt(s.id, "0000000000") is None
        True
        """
        wanted = normalise_receipt(code)
        if len(wanted) != RECEIPT_LENGTH:
            return None
        with self.db.read() as c:
            numbers = c.execute(
                _q("SELECT number FROM rounds WHERE session_id = :s ORDER BY number"),
                {"s": session_id},
            ).scalars()
            for number in list(numbers):
                for item in self.round_receipts(session_id, int(number)):
                    if item["receipt"] == wanted:
                        return {"round": int(number), **item}
        return None

    # -- one-time form tokens (CSRF and replay protection for the ballot page) ---------------
    def issue_form_token(self, session_id: str, number: int, shown_order: Sequence[str]) -> str:
        token = secrets.token_urlsafe(24)
        with self.db.write() as c:
            c.execute(
                _q(
                    "INSERT INTO form_tokens (token, session_id, round_number, shown_order_json,"
                    " issued_at) VALUES (:t, :s, :n, :shown, :now)"
                ),
                {
                    "t": token,
                    "s": session_id,
                    "n": number,
                    "shown": json.dumps(list(shown_order)),
                    "now": utc_now(),
                },
            )
        return token

    def peek_form_token(self, token: str) -> dict | None:
        """The token's row (session_id, round_number, shown_order, used_at), or None."""
        with self.db.read() as c:
            row = (
                c.execute(_q("SELECT * FROM form_tokens WHERE token = :t"), {"t": token})
                .mappings()
                .first()
            )
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
        with self.db.write() as c:
            row = (
                c.execute(_q("SELECT * FROM form_tokens WHERE token = :t"), {"t": token})
                .mappings()
                .first()
            )
            if row is None or row["session_id"] != session_id:
                raise StoreError("This ballot form is not valid for this session; reload the page.")
            if row["used_at"]:
                raise StoreError("This ballot form has already been submitted.")
            c.execute(
                _q("UPDATE form_tokens SET used_at = :now WHERE token = :t"),
                {"now": utc_now(), "t": token},
            )
            return self._accept_ballot(c, session_id, row["round_number"], ballot)


def _q(sql: str) -> TextClause:
    """An SQL statement with ``:name`` parameters, the same text on SQLite and PostgreSQL."""
    return text(sql)


def _exists(c: Connection, sql: str, **params: object) -> bool:
    """Whether ``sql`` (a ``SELECT 1 ...``) finds a row."""
    return c.execute(text(sql), params).first() is not None


def _option_ids(c: Connection, session_id: str) -> list[str]:
    return list(
        c.execute(text("SELECT id FROM options WHERE session_id = :s"), {"s": session_id}).scalars()
    )


def _last_round(c: Connection, session_id: str) -> int:
    return int(
        c.execute(
            text("SELECT COALESCE(MAX(number), 0) FROM rounds WHERE session_id = :s"),
            {"s": session_id},
        ).scalar_one()
    )


#: Characters in a ballot receipt (upper-case hexadecimal).
RECEIPT_LENGTH = 10


def receipt_code(session_id: str, number: int, ballot_id: int, ranking: Sequence[str]) -> str:
    """A ballot's receipt: the first 10 hex digits, upper case, of SHA-256 of
    ``session:round:ballot id:ranking`` (ids joined by ``>``). It changes with the ranking, so
    a receipt shown for a ballot proves which ranking was stored.

    >>> receipt_code("s", 1, 7, ("B", "A")) == hashlib.sha256(b"s:1:7:B>A").hexdigest()[:10].upper()
    True
    """
    text = f"{session_id}:{number}:{ballot_id}:{'>'.join(ranking)}"
    return hashlib.sha256(text.encode()).hexdigest()[:RECEIPT_LENGTH].upper()


def normalise_receipt(code: str) -> str:
    """A receipt as typed, made comparable: spaces and dashes dropped, upper case.

    >>> normalise_receipt(" 3fa9-c01 2bd ")
    '3FA9C012BD'
    """
    return "".join(ch for ch in str(code) if ch not in " -\t").upper()


def _ballot_from_row(b: RowMapping) -> Ballot:
    return Ballot(
        ranking=tuple(json.loads(b["ranking_json"])),
        group=b["grp"],
        participant_hash=b["participant_hash"],
        submitted_at=b["submitted_at"],
        shown_order=tuple(json.loads(b["shown_order_json"])),
        source=b["source"],
    )
