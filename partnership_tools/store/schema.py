"""Every table of the store, defined once (SQLAlchemy Core), for SQLite and PostgreSQL alike.

The tables are *created and changed* only by the Alembic migrations in
``partnership_tools/store/migrations/``; :data:`metadata` is what the newest migration leaves, and
``tests/store/test_migrations.py`` checks the two agree on both backends (Alembic's autogenerate
comparison finds no difference).

Conventions, the same on both backends: text is ``TEXT``; times are ISO 8601 UTC text
(:func:`partnership_tools.kernel.clock.utc_now`); booleans are integers 0/1; lists and records are
JSON text in ``*_json`` columns; ballots have an integer id the database assigns.

>>> sorted(metadata.tables)[:3]
['ballots', 'codes', 'form_tokens']
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)

metadata = MetaData()

# -- the vote ---------------------------------------------------------------------------------
sessions = Table(
    "sessions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("question", Text, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("groups_json", Text, nullable=False, server_default="[]"),
    Column("results_published", Integer, nullable=False, server_default="0"),
    Column("uses_codes", Integer, nullable=False, server_default="0"),
    Column("code_salt", Text, nullable=False, server_default=""),
    Column("facilitator_key_hash", Text, nullable=False, server_default=""),
    Column("settings_json", Text, nullable=False, server_default="{}"),
    Column("archived_at", Text),
)

options = Table(
    "options",
    metadata,
    Column(
        "session_id",
        Text,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("id", Text, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("label", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("proposer", Text, nullable=False, server_default=""),
    Column("amended_from", Text),
    Column("merged_from_json", Text, nullable=False, server_default="[]"),
    Column("reason", Text, nullable=False, server_default=""),
)

rounds = Table(
    "rounds",
    metadata,
    Column(
        "session_id",
        Text,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("number", Integer, primary_key=True),
    Column("option_ids_json", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("opened_at", Text),
    Column("closed_at", Text),
)

ballots = Table(
    "ballots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", Text, nullable=False),
    Column("round_number", Integer, nullable=False),
    Column("ranking_json", Text, nullable=False),
    Column("grp", Text),
    Column("participant_hash", Text),
    Column("submitted_at", Text, nullable=False),
    Column("shown_order_json", Text, nullable=False, server_default="[]"),
    Column("source", Text, nullable=False, server_default="web"),
    Column("browser_hash", Text),
    ForeignKeyConstraint(
        ["session_id", "round_number"],
        ["rounds.session_id", "rounds.number"],
        ondelete="CASCADE",
    ),
    sqlite_autoincrement=True,
)
Index("ballots_round", ballots.c.session_id, ballots.c.round_number)
#: One ballot per participant code per round, kept by the database itself (a unique index on
#: the rows that carry a code), so racing submissions of one code cannot both be stored.
Index(
    "ballots_one_per_code",
    ballots.c.session_id,
    ballots.c.round_number,
    ballots.c.participant_hash,
    unique=True,
    sqlite_where=text("participant_hash IS NOT NULL"),
    postgresql_where=text("participant_hash IS NOT NULL"),
)
Index("ballots_browser", ballots.c.session_id, ballots.c.round_number, ballots.c.browser_hash)

codes = Table(
    "codes",
    metadata,
    Column(
        "session_id",
        Text,
        ForeignKey("sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("code_hash", Text, primary_key=True),
    Column("issued_at", Text, nullable=False),
)

form_tokens = Table(
    "form_tokens",
    metadata,
    Column("token", Text, primary_key=True),
    Column("session_id", Text, nullable=False),
    Column("round_number", Integer, nullable=False),
    Column("shown_order_json", Text, nullable=False, server_default="[]"),
    Column("issued_at", Text, nullable=False),
    Column("used_at", Text),
    Column("browser_hash", Text),
    Column("ballot_id", Integer),
    Column("receipt", Text),
    Column("replaced", Integer),
)
Index("form_tokens_issued", form_tokens.c.issued_at)
Index("form_tokens_browser", form_tokens.c.browser_hash, form_tokens.c.issued_at)

rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("key", Text, primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated", Float, nullable=False),
)

#: Secrets every server process must share (the participants' pages' signing key): made once by
#: whichever process asks first, then read by all (:func:`partnership_tools.store.db.shared_secret`).
kit_secrets = Table(
    "kit_secrets",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", Text, nullable=False),
)

# -- the review -------------------------------------------------------------------------------
review_meta = Table(
    "review_meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

review_reviews = Table(
    "review_reviews",
    metadata,
    Column("id", Text, primary_key=True),
    Column("title", Text, nullable=False, server_default=""),
    Column("instrument_id", Text, nullable=False),
    Column("instrument_json", Text, nullable=False),
    Column("settings_json", Text, nullable=False, server_default="{}"),
    Column("notes", Text, nullable=False, server_default=""),
    Column("created_at", Text, nullable=False, server_default=""),
    Column("updated_at", Text, nullable=False, server_default=""),
    Column("archived_at", Text),
    Column("planned_waves_json", Text, nullable=False, server_default="[]"),
)


def _review_fk() -> Column:
    return Column(
        "review_id",
        Text,
        ForeignKey("review_reviews.id", ondelete="CASCADE"),
        primary_key=True,
    )


review_responses = Table(
    "review_responses",
    metadata,
    _review_fk(),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("wave", Text, nullable=False),
    Column("respondent_id", Text, nullable=False),
    Column("fields_json", Text, nullable=False, server_default="{}"),
    Column("answers_json", Text, nullable=False, server_default="{}"),
    Column("comments", Text, nullable=False, server_default=""),
    Column("source", Text, nullable=False, server_default=""),
)
Index("review_responses_by_wave", review_responses.c.review_id, review_responses.c.wave)

review_actions = Table(
    "review_actions",
    metadata,
    _review_fk(),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("dimension", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("owner", Text, nullable=False, server_default=""),
    Column("due", Text),
    Column("status", Text, nullable=False, server_default="open"),
)

review_form_waves = Table(
    "review_form_waves",
    metadata,
    _review_fk(),
    Column("wave", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="open"),
    Column("opened_at", Text, nullable=False),
    Column("closed_at", Text),
)

review_drafts = Table(
    "review_drafts",
    metadata,
    Column("code_hash", Text, primary_key=True),
    Column(
        "review_id",
        Text,
        ForeignKey("review_reviews.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("wave", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("fields_json", Text, nullable=False, server_default="{}"),
    Column("answers_json", Text, nullable=False, server_default="{}"),
    Column("comments", Text, nullable=False, server_default=""),
    Column("pages_json", Text, nullable=False, server_default="[]"),
    Column("submitted_at", Text),
    Column("receipt", Text),
    Column("respondent_id", Text),
)
Index("review_drafts_by_review", review_drafts.c.review_id, review_drafts.c.wave)

review_form_codes_required = Table(
    "review_form_codes_required",
    metadata,
    _review_fk(),
    Column("required", Integer, nullable=False, server_default="0"),
)

review_invite_codes = Table(
    "review_invite_codes",
    metadata,
    _review_fk(),
    Column("code_hash", Text, primary_key=True),
    Column("issued_at", Text, nullable=False),
    Column("draft_hash", Text),
    Column("used_at", Text),
)
