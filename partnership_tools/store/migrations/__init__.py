"""Alembic migrations of the store (both SQLite and PostgreSQL); run by
:func:`partnership_tools.store.db.open_database`, never by hand."""
