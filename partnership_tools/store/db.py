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
"""


class StoreError(ValueError):
    """A request the store refuses, with one plain sentence saying why."""


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
    """
    p = Path(path).expanduser() if path else default_db_path()
    p.parent.mkdir(parents=True, exist_ok=True)
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
    return conn


def _create_schema(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any error; inside a transaction that
    is already open, the work simply joins it."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
