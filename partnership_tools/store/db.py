"""The store's database: an SQLite file (the embedded default) or a PostgreSQL database, through
SQLAlchemy Core, with its schema kept by Alembic (``partnership_tools/store/migrations/``).

Which database: ``--db``, else the ``PARTNERSHIP_TOOLS_DB`` environment variable, else
``$XDG_DATA_HOME/partnership-tools/partnership-tools.sqlite`` (``~/.local/share/...``). A value
that is a URL (``postgresql://user:password@host:5432/dbname``) names a PostgreSQL database (the
psycopg 3 driver); anything else is a file path and names an SQLite file.

Many processes write at once (the participants' pages, possibly as several processes, a kernel per
facilitator or projector page, the command line), so every write runs in one *serialised*
transaction (:meth:`Database.write`): ``BEGIN IMMEDIATE`` on SQLite (WAL mode, generous busy
timeout), and on PostgreSQL a transaction that first takes one transaction-level advisory lock.
Reads (:meth:`Database.read`) see one consistent snapshot and never wait for writers. The
guarantees that matter most are also kept by the database itself: one ballot per participant code
per round is a unique index (:mod:`partnership_tools.store.schema`), not a read-then-write.

Opening a store brings its schema up to date (Alembic ``upgrade head``) inside that serialised
transaction, so two processes opening a new store at once create it once. A store made by a newer
release, a database that cannot be reached and a refused password each raise
:class:`StoreUnavailable` with one sentence naming the database and what to do.

>>> import tempfile, os, sqlalchemy as sa
>>> db = open_database(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
>>> with db.write() as conn:
...     _ = conn.execute(sa.text("INSERT INTO sessions (id, question, threshold, created_at)"
...                              " VALUES ('s', 'Q', 0.7, 't')"))
>>> with db.read() as conn:
...     conn.execute(sa.text("SELECT question FROM sessions")).scalar_one()
'Q'
>>> db.dispose()
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url

ENV_DB = "PARTNERSHIP_TOOLS_DB"

#: The advisory lock every PostgreSQL write transaction takes first (a fixed 32-bit key), so
#: writers queue exactly as SQLite's ``BEGIN IMMEDIATE`` makes them queue.
WRITE_LOCK_KEY = zlib.crc32(b"partnership-tools:store-write")

#: Seconds a PostgreSQL connection attempt may take before the store is reported unreachable.
CONNECT_TIMEOUT = 10


class StoreError(ValueError):
    """A request the store refuses, with one plain sentence saying why."""


class StoreUnavailable(StoreError):
    """The store cannot be reached, opened or written (disk full, read-only file, database down,
    password refused, schema from a newer release): nothing was written; the message says what is
    wrong and what to do, in one sentence.

    >>> str(StoreUnavailable.from_sqlite(sqlite3.OperationalError("database or disk is full"), "s.db"))
    'The store s.db cannot be written because the disk is full; free some space and try again.'
    """

    @classmethod
    def from_sqlite(cls, exc: BaseException, path: object = "") -> StoreUnavailable:
        """The sentence for an SQLite error that means "cannot write here"."""
        where = f"The store {path}" if path else "The store"
        text = str(_original(exc)).lower()
        if "full" in text:
            why = "because the disk is full; free some space and try again."
        elif "readonly" in text or "read-only" in text or "read only" in text:
            why = "because its file or folder is read-only; check its permissions."
        elif "unable to open" in text:
            why = "because its file cannot be opened; check the path and its permissions."
        else:
            why = f"({text.rstrip('.')}); check the disk and the file's permissions."
        return cls(f"{where} cannot be written {why}")

    @classmethod
    def from_postgres(cls, exc: BaseException, name: object = "") -> StoreUnavailable:
        """The sentence for a PostgreSQL connection failure.

        >>> str(StoreUnavailable.from_postgres(OSError('password authentication failed for user "pt"'),
        ...                                    "postgresql://pt@db:5432/pt"))  # doctest: +NORMALIZE_WHITESPACE
        'The store postgresql://pt@db:5432/pt refused the password for its user; check the user name
        and password in --db (or PARTNERSHIP_TOOLS_DB).'
        """
        where = f"The store {name}" if name else "The store"
        text = " ".join(str(_original(exc)).split())
        low = text.lower()
        if "password" in low and ("authentication failed" in low or "no password" in low):
            return cls(
                f"{where} refused the password for its user; check the user name and password"
                " in --db (or PARTNERSHIP_TOOLS_DB)."
            )
        if "does not exist" in low and "database" in low:
            return cls(
                f"{where} has no such database on that server; create it (createdb) or"
                " correct the database name in --db."
            )
        if "role" in low and "does not exist" in low:
            return cls(
                f"{where} has no such user on that server; create the role or correct the user"
                " name in --db."
            )
        if "no pg_hba.conf entry" in low:
            return cls(
                f"{where} does not accept connections from this machine (no pg_hba.conf entry);"
                " ask its administrator to allow it."
            )
        if any(
            m in low for m in ("refused", "timeout", "timed out", "could not translate", "resolve")
        ):
            return cls(
                f"{where} cannot be reached (nothing answered at that address); check that"
                " PostgreSQL is running there and that the host and port in --db are right."
            )
        if "read-only" in low or "read only" in low:
            return cls(f"{where} is read-only (a standby server?); point --db at the primary.")
        if "no space" in low or "disk full" in low:
            return cls(f"{where} cannot be written because its disk is full; free some space.")
        return cls(
            f"{where} cannot be used ({text.rstrip('.')}); check that PostgreSQL is running"
            " and the address in --db is right."
        )


def _original(exc: BaseException) -> BaseException:
    """The driver's own exception inside an SQLAlchemy wrapper."""
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, BaseException) else exc


#: SQLite messages that mean the file cannot be written (the disk, not the request, is at fault).
_UNWRITABLE = ("disk is full", "readonly", "read-only", "unable to open", "disk i/o error")


def is_unwritable(exc: BaseException) -> bool:
    """Whether a database error means the store cannot be written (full disk, read-only, ...).

    >>> is_unwritable(sqlite3.OperationalError("attempt to write a readonly database"))
    True
    >>> is_unwritable(sqlite3.IntegrityError("UNIQUE constraint failed"))
    False
    """
    orig = _original(exc)
    if not isinstance(orig, sqlite3.OperationalError | sqlite3.DatabaseError):
        return False
    if isinstance(orig, sqlite3.IntegrityError):
        return False
    return any(m in str(orig).lower() for m in _UNWRITABLE)


# -- naming the database -----------------------------------------------------------------------
def default_db_path() -> Path:
    """Where the store lives when neither ``--db`` nor ``PARTNERSHIP_TOOLS_DB`` names one
    (a path; when the variable holds a database URL, see :func:`default_target`)."""
    env = os.environ.get(ENV_DB)
    if env and not is_database_url(env):
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "partnership-tools" / "partnership-tools.sqlite"


def default_target() -> str:
    """``PARTNERSHIP_TOOLS_DB`` (a path or URL), else the default SQLite file."""
    env = os.environ.get(ENV_DB)
    return normalise_target(env) if env else str(default_db_path().expanduser().absolute())


def is_database_url(target: object) -> bool:
    """Whether ``target`` is a database URL rather than a file path.

    >>> is_database_url("postgresql://pt@localhost/pt"), is_database_url("/srv/pt/store.sqlite")
    (True, False)
    """
    return isinstance(target, str) and "://" in target


def normalise_target(target: str | os.PathLike[str] | None) -> str:
    """The store a ``--db`` value names, written one way: an absolute file path for SQLite (an
    ``sqlite:///`` URL becomes its path), the URL itself for PostgreSQL.

    Raises :class:`StoreError` for a URL of any other kind of database.

    >>> normalise_target("postgres://pt:x@db/pt")
    'postgresql://pt:x@db/pt'
    >>> normalise_target("sqlite:////srv/pt/s.sqlite")
    '/srv/pt/s.sqlite'
    """
    if target is None or str(target) == "":
        return default_target()
    text = os.fspath(target)
    if not is_database_url(text):
        return str(Path(text).expanduser().absolute())
    try:
        url = make_url(text)
    except sa.exc.ArgumentError:
        raise StoreError(f"The database address {text!r} is not a valid URL.") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise StoreError(
                "The store must be a file; an in-memory SQLite database is not shared."
            )
        return str(Path(url.database).expanduser().absolute())
    if backend in ("postgresql", "postgres"):
        scheme, rest = text.split("://", 1)
        return "postgresql://" + rest if scheme in ("postgres", "postgresql") else text
    raise StoreError(
        f"The database address {describe_target(text)} is for {backend}; the store runs on"
        " SQLite (a file path) or PostgreSQL (postgresql://...)."
    )


def describe_target(target: str | os.PathLike[str] | None) -> str:
    """The store's name for messages: the file path, or the URL without its password.

    >>> describe_target("postgresql://pt:secret@127.0.0.1:5432/pt")
    'postgresql://pt@127.0.0.1:5432/pt'
    """
    text = os.fspath(target) if target is not None else default_target()
    if not is_database_url(text):
        return text
    try:
        url = make_url(text)
    except sa.exc.ArgumentError:
        return "(an invalid database address)"
    shown = URL.create(url.get_backend_name(), url.username, None, url.host, url.port, url.database)
    return shown.render_as_string(hide_password=False)


def _engine_url(target: str) -> URL:
    url = make_url(target)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    return url


# -- the database ------------------------------------------------------------------------------
class Database:
    """One store: its engine, and serialised write / snapshot read blocks.

    ``target``: a file path (SQLite) or a ``postgresql://`` URL (see :func:`normalise_target`).
    Use :func:`open_database`, which also brings the schema up to date.
    """

    def __init__(self, target: str | os.PathLike[str] | None = None) -> None:
        self.target = normalise_target(target)
        self.name = describe_target(self.target)
        self.path: Path | None = None if is_database_url(self.target) else Path(self.target)
        self.dialect = "sqlite" if self.path is not None else "postgresql"
        self._local = threading.local()
        if self.path is not None:
            self.engine = _sqlite_engine(self.path)
        else:
            self.engine = sa.create_engine(
                _engine_url(self.target),
                pool_pre_ping=True,
                pool_size=4,
                max_overflow=16,
                pool_timeout=60,
                connect_args={
                    "connect_timeout": CONNECT_TIMEOUT,
                    "application_name": "partnership-tools",
                },
            )

    def __repr__(self) -> str:
        return f"Database({self.name!r})"

    # -- blocks ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A read-only block on one consistent snapshot (a deferred transaction on SQLite,
        ``REPEATABLE READ`` on PostgreSQL). Inside an open block of this thread, joins it."""
        open_block = getattr(self._local, "block", None)
        if open_block is not None:
            yield open_block[0]
            return
        with self._block("read") as conn:
            yield conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One serialised write transaction: committed when the block ends, rolled back (nothing
        half-written) on any error. Inside an open write block of this thread, joins it.

        Raises :class:`StoreUnavailable` when the store cannot be reached or written, and
        ``RuntimeError`` when called inside a :meth:`read` block (a programming error: start the
        write block first)."""
        open_block = getattr(self._local, "block", None)
        if open_block is not None:
            if open_block[1] != "write":
                raise RuntimeError("A store write cannot start inside a read block; write first.")
            yield open_block[0]
            return
        with self._block("write") as conn:
            yield conn

    @contextlib.contextmanager
    def _block(self, kind: str) -> Iterator[sa.Connection]:
        try:
            conn = self.engine.connect()
        except sa.exc.DBAPIError as exc:
            raise self.unavailable(exc) from None
        try:
            if self.dialect == "sqlite":
                conn = conn.execution_options(
                    pt_begin="BEGIN IMMEDIATE" if kind == "write" else "BEGIN"
                )
            elif kind == "read":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            try:
                trans = conn.begin()
                if kind == "write" and self.dialect == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY})
            except sa.exc.DBAPIError as exc:
                raise self.unavailable(exc) from None
            self._local.block = (conn, kind)
            try:
                yield conn
            except BaseException as exc:
                self._local.block = None
                with contextlib.suppress(sa.exc.SQLAlchemyError):
                    trans.rollback()
                if isinstance(exc, sa.exc.DBAPIError) and self._is_unavailable(exc):
                    raise self.unavailable(exc) from None
                raise
            self._local.block = None
            try:
                trans.commit()
            except sa.exc.DBAPIError as exc:
                with contextlib.suppress(sa.exc.SQLAlchemyError):
                    trans.rollback()
                if self._is_unavailable(exc):
                    raise self.unavailable(exc) from None
                raise
        finally:
            self._local.block = None
            conn.close()

    def in_block(self) -> bool:
        """Whether this thread has a read or write block open on this store."""
        return getattr(self._local, "block", None) is not None

    # -- errors ----------------------------------------------------------------------------
    def _is_unavailable(self, exc: sa.exc.DBAPIError) -> bool:
        if self.dialect == "sqlite":
            return is_unwritable(exc)
        return bool(exc.connection_invalidated) or isinstance(exc, sa.exc.OperationalError)

    def unavailable(self, exc: BaseException) -> StoreUnavailable:
        """The one-sentence :class:`StoreUnavailable` for a driver error on this store."""
        if isinstance(exc, StoreUnavailable):
            return exc
        if self.dialect == "sqlite":
            text = str(_original(exc)).lower()
            if "not a database" in text or "malformed" in text or "file is encrypted" in text:
                return StoreUnavailable(
                    f"The store {self.name} is not a Partnership Tools store (not an SQLite file)."
                )
            return StoreUnavailable.from_sqlite(exc, self.name)
        return StoreUnavailable.from_postgres(exc, self.name)

    def dispose(self) -> None:
        """Close every pooled connection (the store stays usable: new ones open on demand)."""
        self.engine.dispose()


def _sqlite_engine(path: Path) -> sa.Engine:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(
            f"The store {path} cannot be created because its folder cannot be made"
            f" ({(exc.strerror or str(exc)).lower()})."
        ) from None
    engine = sa.create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": 60, "check_same_thread": False},
        pool_size=2,
        max_overflow=14,
        pool_timeout=60,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below, not the sqlite3 module, start transactions.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute("PRAGMA busy_timeout = 60000")
            cur.execute("PRAGMA foreign_keys = ON")
            mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # pragma: no cover - filesystems without WAL
                raise StoreError(f"The store {path} could not switch to WAL mode.")
            cur.execute("PRAGMA synchronous = NORMAL")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get("pt_begin", "BEGIN"))

    return engine


# -- the schema --------------------------------------------------------------------------------
MIGRATIONS = Path(__file__).with_name("migrations")


@functools.lru_cache(maxsize=1)
def _scripts() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS))


def schema_head() -> str:
    """The newest schema revision this release knows (Alembic's head).

    >>> schema_head() >= "0001"
    True
    """
    return str(_scripts().get_current_head())


def schema_revision(db: Database) -> str | None:
    """The schema revision a store is at (``None`` for a new one or one made before Alembic)."""
    from alembic.runtime.migration import MigrationContext

    with db.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(db: Database) -> None:
    """Bring the store's schema to :func:`schema_head` (Alembic ``upgrade head``) inside one
    serialised write transaction. Raises :class:`StoreUnavailable` for a store made by a newer
    release (a revision this release does not know), leaving it untouched."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    head = schema_head()
    with db.write() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return
        if current is not None:
            try:
                _scripts().get_revision(current)
                known = True
            except Exception:
                known = False
            if not known:
                raise StoreUnavailable(
                    f"The store {db.name} was made by a newer release of Partnership Tools"
                    f" (schema {current}; this release knows up to {head}); upgrade the kit"
                    " (pip install -U partnership-tools) to open it."
                )
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


_migrated: set[str] = set()
_migrated_lock = threading.Lock()


def open_database(target: str | os.PathLike[str] | None = None) -> Database:
    """Open the store ``target`` names (created on first use) with its schema up to date.

    Raises :class:`StoreUnavailable` (one sentence) when it cannot be reached, opened or written,
    or was made by a newer release; :class:`StoreError` for an address of another kind of
    database.
    """
    db = Database(target)
    if db.target in _migrated:
        return db
    try:
        migrate(db)
    except sa.exc.DBAPIError as exc:
        db.dispose()
        raise db.unavailable(exc) from None
    except BaseException:
        db.dispose()
        raise
    with _migrated_lock:
        if db.path is None or db.path.exists():
            _migrated.add(db.target)
    return db


def forget_migrated(target: str | os.PathLike[str]) -> None:
    """Check the schema again the next time ``target`` is opened in this process (a test that
    replaces a store file under the same name calls this)."""
    with _migrated_lock:
        _migrated.discard(normalise_target(target))


# -- shared secrets ----------------------------------------------------------------------------
def shared_secret(db: Database, name: str, nbytes: int = 32) -> bytes:
    """The secret ``name`` every process of this store shares (made on first use by whichever
    process asks first; every later caller, in any process, gets the same bytes).

    >>> import tempfile, os
    >>> db = open_database(os.path.join(tempfile.mkdtemp(), "s.sqlite"))
    >>> shared_secret(db, "x") == shared_secret(open_database(db.target), "x")
    True
    >>> db.dispose()
    """
    from partnership_tools.kernel.clock import utc_now

    query = sa.text("SELECT value FROM kit_secrets WHERE name = :n")
    with db.read() as conn:
        value = conn.execute(query, {"n": name}).scalar()
    if value is None:
        with db.write() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO kit_secrets (name, value, created_at) VALUES (:n, :v, :t)"
                    " ON CONFLICT (name) DO NOTHING"
                ),
                {"n": name, "v": secrets.token_hex(nbytes), "t": utc_now()},
            )
            value = conn.execute(query, {"n": name}).scalar_one()
    return bytes.fromhex(str(value))
