"""The store's schema under Alembic, on both backends: what the migrations build is what
store/schema.py declares; a store made before Alembic (the release of 2026-12-02) opens, keeps
every row and is upgraded; a store from a newer release, a database that cannot be reached, a
refused password and a missing database each give one sentence naming the database."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from partnership_tools.store import Store, StoreUnavailable, open_database
from partnership_tools.store.db import (
    describe_target,
    forget_migrated,
    schema_head,
    schema_revision,
    shared_secret,
)
from partnership_tools.store.reviews import list_reviews, load_review
from partnership_tools.store.schema import metadata

OLD_STORE_SQL = Path(__file__).resolve().parents[1] / "data" / "store_before_alembic.sql"


def test_migrations_build_exactly_the_declared_schema(store_target):
    db = open_database(store_target)
    try:
        with db.read() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        assert schema_revision(db) == schema_head()
    finally:
        db.dispose()


def test_a_store_made_before_alembic_opens_with_every_row(tmp_path):
    path = tmp_path / "old.sqlite"
    raw = sqlite3.connect(path)
    raw.executescript(OLD_STORE_SQL.read_text(encoding="utf-8"))
    # What the old file holds, read with sqlite3 before the kit touches it.
    ballots_before = raw.execute("SELECT id, ranking_json FROM ballots ORDER BY id").fetchall()
    responses_before = raw.execute("SELECT COUNT(*) FROM review_responses").fetchone()[0]
    tables_before = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    raw.close()
    assert "alembic_version" not in tables_before and "review_drafts" not in tables_before
    assert len(ballots_before) == 60 and responses_before == 79

    store = Store(path)
    session = store.load_session("county-joint-working")
    assert sum(len(r.ballots) for r in session.rounds) == len(ballots_before)
    assert [b for _, b in store.ballots(session.id, 1)][0].ranking == tuple(
        __import__("json").loads(ballots_before[0][1])
    )
    assert store.code_count(session.id) == 3
    assert schema_revision(store.db) == schema_head()
    reviews = list_reviews(store.db)
    assert [r["id"] for r in reviews] == ["county-health-check-2024"]
    assert len(load_review(store.db, "county-health-check-2024").responses.frame) == 79
    # The new tables work in the upgraded file.
    assert shared_secret(store.db, "t") == shared_secret(store.db, "t")
    store.close()


def test_a_store_from_a_newer_release_is_refused_untouched(store_target):
    db = open_database(store_target)
    with db.write() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    db.dispose()
    forget_migrated(store_target)
    with pytest.raises(StoreUnavailable) as err:
        open_database(store_target)
    message = str(err.value)
    assert "newer release" in message and "9999_future" in message
    assert describe_target(store_target) in message
    assert "\n" not in message
    # Nothing was changed: the revision is still the newer one.
    engine = sa.create_engine(
        "sqlite:///" + store_target
        if "://" not in store_target
        else store_target.replace("postgresql://", "postgresql+psycopg://", 1)
    )
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == (
            "9999_future"
        )
    engine.dispose()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_postgres_that_cannot_be_reached_is_one_sentence():
    url = f"postgresql://pt:pt@127.0.0.1:{_closed_port()}/pt"
    with pytest.raises(StoreUnavailable) as err:
        Store(url).list_sessions()
    message = str(err.value)
    assert message.startswith(f"The store postgresql://pt@127.0.0.1:{url.split(':')[3]}")
    assert "cannot be reached" in message and "\n" not in message
    assert ":pt@" not in message  # the password is never shown


def test_postgres_wrong_password_is_one_sentence(postgres_role, fresh_postgres):
    name, url = postgres_role("right-password")
    wrong = url.replace(":right-password@", ":wrong@")
    assert wrong != url
    with pytest.raises(StoreUnavailable) as err:
        open_database(wrong)
    message = str(err.value)
    assert "refused the password" in message and "wrong" not in message
    assert name in message


def test_postgres_missing_database_is_one_sentence(postgres_url):
    url = postgres_url.rsplit("/", 1)[0] + "/no_such_database_here"
    with pytest.raises(StoreUnavailable) as err:
        open_database(url)
    assert "no such database" in str(err.value)
    assert "no_such_database_here" in str(err.value)


def test_another_kind_of_database_is_refused():
    from partnership_tools.store import StoreError

    with pytest.raises(StoreError, match="SQLite .* or PostgreSQL"):
        open_database("mysql://u:p@127.0.0.1/x")
