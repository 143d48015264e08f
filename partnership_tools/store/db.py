"""The store's connection: one SQLite file shared by the CLI, every Voilà kernel and the server.

Many processes write at once (the participants' pages, a kernel per facilitator or projector
page), so the store runs SQLite in WAL mode with a generous busy timeout, and every write happens
inside a ``BEGIN IMMEDIATE`` transaction (:func:`transaction`).

The file is named by ``--db``, else by the ``PARTNERSHIP_TOOLS_DB`` environment variable, else
``$XDG_DATA_HOME/partnership-tools/partnership-tools.sqlite`` (``~/.local/share/...``).

>>> import tempfile, os
>>> conn = connect(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
>>> with transaction(conn):
...     _ = conn.execute("INSERT INTO sessions (id, question, threshold, created_at) VALUES ('s', 'Q', 0.7, 't')")
>>> conn.execute("SELECT question FROM sessions").fetchone()[0]
'Q'
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

ENV_DB = "PARTNERSHIP_TOOLS_DB"

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    threshold REAL NOT NULL,
    created_at TEXT NOT NULL,
    groups_json TEXT NOT NULL DEFAULT '[]',
    results_published INTEGER NOT NULL DEFAULT 0,
    uses_codes INTEGER NOT NULL DEFAULT 0,
    code_salt TEXT NOT NULL DEFAULT '',
    facilitator_key_hash TEXT NOT NULL DEFAULT '',
    settings_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS options (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    label TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    proposer TEXT NOT NULL DEFAULT '',
    amended_from TEXT,
    merged_from_json TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (session_id, id)
);
CREATE TABLE IF NOT EXISTS rounds (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    option_ids_json TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at TEXT,
    closed_at TEXT,
    PRIMARY KEY (session_id, number)
);
CREATE TABLE IF NOT EXISTS ballots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    round_number INTEGER NOT NULL,
    ranking_json TEXT NOT NULL,
    grp TEXT,
    participant_hash TEXT,
    submitted_at TEXT NOT NULL,
    shown_order_json TEXT NOT NULL DEFAULT '[]',
    source TEXT NOT NULL DEFAULT 'web',
    FOREIGN KEY (session_id, round_number) REFERENCES rounds(session_id, number) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ballots_round ON ballots(session_id, round_number);
CREATE UNIQUE INDEX IF NOT EXISTS ballots_one_per_code
    ON ballots(session_id, round_number, participant_hash) WHERE participant_hash IS NOT NULL;
CREATE TABLE IF NOT EXISTS codes (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    PRIMARY KEY (session_id, code_hash)
);
CREATE TABLE IF NOT EXISTS form_tokens (
    token TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    round_number INTEGER NOT NULL,
    shown_order_json TEXT NOT NULL DEFAULT '[]',
    issued_at TEXT NOT NULL,
    used_at TEXT
);
CREATE TABLE IF NOT EXISTS rate_buckets (
    key TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    updated REAL NOT NULL
);
"""

#: Columns and indexes added after the first release, added to older files on opening:
#: (table, column, SQL type and default).
MIGRATED_COLUMNS = (
    ("ballots", "browser_hash", "TEXT"),
    ("form_tokens", "browser_hash", "TEXT"),
    ("form_tokens", "ballot_id", "INTEGER"),
    ("form_tokens", "receipt", "TEXT"),
    ("form_tokens", "replaced", "INTEGER"),
)
MIGRATED_INDEXES = (
    "CREATE INDEX IF NOT EXISTS form_tokens_issued ON form_tokens(issued_at)",
    "CREATE INDEX IF NOT EXISTS form_tokens_browser ON form_tokens(browser_hash, issued_at)",
    "CREATE INDEX IF NOT EXISTS ballots_browser ON ballots(session_id, round_number, browser_hash)",
)


class StoreError(ValueError):
    """A request the store refuses, with one plain sentence saying why."""


class StoreUnavailable(StoreError):
    """The store file cannot be written (disk full, read-only file or folder, unopenable):
    nothing was written; the message says what is wrong in one sentence.

    >>> str(StoreUnavailable.from_sqlite(sqlite3.OperationalError("database or disk is full"), "s.db"))
    'The store s.db cannot be written because the disk is full; free some space and try again.'
    """

    @classmethod
    def from_sqlite(cls, exc: BaseException, path: object = "") -> StoreUnavailable:
        """The sentence for an SQLite error that means "cannot write here"."""
        where = f"The store {path}" if path else "The store"
        text = str(exc).lower()
        if "full" in text:
            why = "because the disk is full; free some space and try again."
        elif "readonly" in text or "read-only" in text or "read only" in text:
            why = "because its file or folder is read-only; check its permissions."
        elif "unable to open" in text:
            why = "because its file cannot be opened; check the path and its permissions."
        else:
            why = f"({text.rstrip('.')}); check the disk and the file's permissions."
        return cls(f"{where} cannot be written {why}")


#: SQLite messages that mean the file cannot be written (the disk, not the request, is at fault).
_UNWRITABLE = ("disk is full", "readonly", "read-only", "unable to open", "disk i/o error")


def is_unwritable(exc: BaseException) -> bool:
    """Whether an SQLite error means the store cannot be written (full disk, read-only, ...).

    >>> is_unwritable(sqlite3.OperationalError("attempt to write a readonly database"))
    True
    >>> is_unwritable(sqlite3.IntegrityError("UNIQUE constraint failed"))
    False
    """
    return isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and any(
        m in str(exc).lower() for m in _UNWRITABLE
    )


def default_db_path() -> Path:
    """Where the store lives when neither ``--db`` nor ``PARTNERSHIP_TOOLS_DB`` names a file."""
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "partnership-tools" / "partnership-tools.sqlite"


def connect(path: str | os.PathLike[str] | None = None) -> sqlite3.Connection:
    """Open the store file (created on first use) in WAL mode with the schema in place.

    Connections run in autocommit mode; use :func:`transaction` for atomic writes.
    A file that cannot be created, opened or written raises :class:`StoreUnavailable` with
    one sentence saying what is wrong.
    """
    p = Path(path).expanduser() if path else default_db_path()
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(
            f"The store {p} cannot be created because its folder cannot be made"
            f" ({(exc.strerror or str(exc)).lower()})."
        ) from None
    try:
        conn = sqlite3.connect(str(p), timeout=60, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 60000")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":  # pragma: no cover - only on filesystems without WAL
            raise StoreError(f"The store {p} could not switch to WAL mode.")
        conn.execute("PRAGMA synchronous = NORMAL")
        with transaction(conn):
            _create_schema(conn)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, StoreUnavailable):
            raise
        if "not a database" in str(exc).lower() or "malformed" in str(exc).lower():
            raise StoreUnavailable(
                f"The store {p} is not a Partnership Tools store (not an SQLite file)."
            ) from None
        raise StoreUnavailable.from_sqlite(exc, p) from None
    return conn


def _create_schema(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    have: dict[str, set[str]] = {}
    for table, column, sql_type in MIGRATED_COLUMNS:
        if table not in have:
            have[table] = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if column not in have[table]:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")
            have[table].add(column)
    for statement in MIGRATED_INDEXES:
        conn.execute(statement)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any error; inside a transaction that
    is already open, the work simply joins it.

    An SQLite error meaning the file cannot be written (full disk, read-only) is raised as
    :class:`StoreUnavailable`; the transaction is rolled back, so nothing is half-written.
    """
    if conn.in_transaction:
        yield conn
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.DatabaseError as exc:
        if is_unwritable(exc):
            raise StoreUnavailable.from_sqlite(exc, _file_of(conn)) from None
        raise
    try:
        yield conn
    except BaseException as exc:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.DatabaseError) and is_unwritable(exc):
            raise StoreUnavailable.from_sqlite(exc, _file_of(conn)) from None
        raise
    else:
        try:
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(sqlite3.Error):
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            if is_unwritable(exc):
                raise StoreUnavailable.from_sqlite(exc, _file_of(conn)) from None
            raise


def _file_of(conn: sqlite3.Connection) -> str:
    """The main database file of a connection ("" when it cannot be told)."""
    try:
        row = conn.execute("PRAGMA database_list").fetchone()
    except sqlite3.Error:
        return ""
    return str(row[2]) if row is not None else ""
