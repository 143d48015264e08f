"""Alembic's entry point for the store's migrations.

The kit runs them itself (:func:`partnership_tools.store.db.migrate`), handing over an open
connection inside its own serialised write transaction (``config.attributes["connection"]``), so
two processes opening a new store at once migrate it once. Offline (SQL script) mode is not used.
"""

from __future__ import annotations

from alembic import context

from partnership_tools.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs `alembic` by hand
    raise SystemExit("Run the store's migrations through partnership_tools.store.db.open_database.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
