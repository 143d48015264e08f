"""Faults of the SQLite backend for tests: every SQLite connection of this process made
read-only for a while (``PRAGMA query_only``, which refuses writes with SQLite's own "attempt to
write a readonly database", as a read-only file does; chmod cannot, the tests run as root).

The store pools its connections, and each server thread has a store of its own, so one
connection cannot be picked out: while :func:`read_only_sqlite` is active, every connection any
SQLAlchemy pool hands out gets ``query_only = 1`` (``switch.off()``: ``0`` again), and every
connection given back is writable again, so the pools hold no read-only connection once the block
ends. Not for PostgreSQL.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import Pool


class ReadOnly:
    """The switch :func:`read_only_sqlite` yields: ``on`` (the default) or ``off``."""

    def __init__(self) -> None:
        self.active = True

    def on(self) -> None:
        self.active = True

    def off(self) -> None:
        self.active = False

    def _checkout(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        if isinstance(dbapi_conn, sqlite3.Connection):
            dbapi_conn.execute(f"PRAGMA query_only = {1 if self.active else 0}")

    def _checkin(self, dbapi_conn: Any, _record: Any) -> None:
        if isinstance(dbapi_conn, sqlite3.Connection):
            dbapi_conn.execute("PRAGMA query_only = 0")


@contextlib.contextmanager
def read_only_sqlite() -> Iterator[ReadOnly]:
    """Every SQLite connection checked out of any pool in this process is read-only while the
    switch is on."""
    switch = ReadOnly()
    event.listen(Pool, "checkout", switch._checkout)
    event.listen(Pool, "checkin", switch._checkin)
    try:
        yield switch
    finally:
        event.remove(Pool, "checkout", switch._checkout)
        event.remove(Pool, "checkin", switch._checkin)
