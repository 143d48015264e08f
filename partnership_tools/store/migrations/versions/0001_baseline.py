"""Baseline: the store as it stood in December 2026, before Alembic kept its migrations.

A brand-new store gets every table here. A store made by an earlier release (an SQLite file whose
tables were created and widened by the kit's own ``CREATE TABLE IF NOT EXISTS`` / ``ALTER TABLE``
code, with no ``alembic_version`` table) keeps its tables and rows: each table that exists only
gains the columns it lacks (all of them nullable or with a default, as those releases added them),
and the indexes are created if missing. After this revision every store has the same schema.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _table(name: str, *items: Any, **kw: Any) -> None:
    """Create table ``name``, or, when an earlier release already made it, add what it lacks."""
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table(name):
        op.create_table(name, *items, **kw)
        return
    have = {c["name"] for c in inspector.get_columns(name)}
    for item in items:
        if isinstance(item, sa.Column) and item.name not in have:
            op.add_column(name, item._copy())


def upgrade() -> None:
    _table(
        "form_tokens",
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("session_id", sa.Text(), nullable=False),
        sa.Column("round_number", sa.Integer(), nullable=False),
        sa.Column("shown_order_json", sa.Text(), server_default="[]", nullable=False),
        sa.Column("issued_at", sa.Text(), nullable=False),
        sa.Column("used_at", sa.Text(), nullable=True),
        sa.Column("browser_hash", sa.Text(), nullable=True),
        sa.Column("ballot_id", sa.Integer(), nullable=True),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.Column("replaced", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("token"),
    )
    op.create_index(
        "form_tokens_browser",
        "form_tokens",
        ["browser_hash", "issued_at"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        "form_tokens_issued", "form_tokens", ["issued_at"], unique=False, if_not_exists=True
    )

    _table(
        "kit_secrets",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    _table(
        "rate_buckets",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    _table(
        "review_meta",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    _table(
        "review_reviews",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("instrument_id", sa.Text(), nullable=False),
        sa.Column("instrument_json", sa.Text(), nullable=False),
        sa.Column("settings_json", sa.Text(), server_default="{}", nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.Text(), server_default="", nullable=False),
        sa.Column("updated_at", sa.Text(), server_default="", nullable=False),
        sa.Column("archived_at", sa.Text(), nullable=True),
        sa.Column("planned_waves_json", sa.Text(), server_default="[]", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    _table(
        "sessions",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("groups_json", sa.Text(), server_default="[]", nullable=False),
        sa.Column("results_published", sa.Integer(), server_default="0", nullable=False),
        sa.Column("uses_codes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("code_salt", sa.Text(), server_default="", nullable=False),
        sa.Column("facilitator_key_hash", sa.Text(), server_default="", nullable=False),
        sa.Column("settings_json", sa.Text(), server_default="{}", nullable=False),
        sa.Column("archived_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    _table(
        "codes",
        sa.Column("session_id", sa.Text(), nullable=False),
        sa.Column("code_hash", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "code_hash"),
    )
    _table(
        "options",
        sa.Column("session_id", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("proposer", sa.Text(), server_default="", nullable=False),
        sa.Column("amended_from", sa.Text(), nullable=True),
        sa.Column("merged_from_json", sa.Text(), server_default="[]", nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "id"),
    )
    _table(
        "review_actions",
        sa.Column("review_id", sa.Text(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("dimension", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), server_default="", nullable=False),
        sa.Column("due", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review_reviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("review_id", "seq"),
    )
    _table(
        "review_drafts",
        sa.Column("code_hash", sa.Text(), nullable=False),
        sa.Column("review_id", sa.Text(), nullable=False),
        sa.Column("wave", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.Column("fields_json", sa.Text(), server_default="{}", nullable=False),
        sa.Column("answers_json", sa.Text(), server_default="{}", nullable=False),
        sa.Column("comments", sa.Text(), server_default="", nullable=False),
        sa.Column("pages_json", sa.Text(), server_default="[]", nullable=False),
        sa.Column("submitted_at", sa.Text(), nullable=True),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.Column("respondent_id", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["review_reviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    op.create_index(
        "review_drafts_by_review",
        "review_drafts",
        ["review_id", "wave"],
        unique=False,
        if_not_exists=True,
    )

    _table(
        "review_form_codes_required",
        sa.Column("review_id", sa.Text(), nullable=False),
        sa.Column("required", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review_reviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("review_id"),
    )
    _table(
        "review_form_waves",
        sa.Column("review_id", sa.Text(), nullable=False),
        sa.Column("wave", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("opened_at", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["review_reviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("review_id"),
    )
    _table(
        "review_invite_codes",
        sa.Column("review_id", sa.Text(), nullable=False),
        sa.Column("code_hash", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.Text(), nullable=False),
        sa.Column("draft_hash", sa.Text(), nullable=True),
        sa.Column("used_at", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["review_reviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("review_id", "code_hash"),
    )
    _table(
        "review_responses",
        sa.Column("review_id", sa.Text(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("wave", sa.Text(), nullable=False),
        sa.Column("respondent_id", sa.Text(), nullable=False),
        sa.Column("fields_json", sa.Text(), server_default="{}", nullable=False),
        sa.Column("answers_json", sa.Text(), server_default="{}", nullable=False),
        sa.Column("comments", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["review_id"], ["review_reviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("review_id", "seq"),
    )
    op.create_index(
        "review_responses_by_wave",
        "review_responses",
        ["review_id", "wave"],
        unique=False,
        if_not_exists=True,
    )

    _table(
        "rounds",
        sa.Column("session_id", sa.Text(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("option_ids_json", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "number"),
    )
    _table(
        "ballots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.Text(), nullable=False),
        sa.Column("round_number", sa.Integer(), nullable=False),
        sa.Column("ranking_json", sa.Text(), nullable=False),
        sa.Column("grp", sa.Text(), nullable=True),
        sa.Column("participant_hash", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.Text(), nullable=False),
        sa.Column("shown_order_json", sa.Text(), server_default="[]", nullable=False),
        sa.Column("source", sa.Text(), server_default="web", nullable=False),
        sa.Column("browser_hash", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id", "round_number"],
            ["rounds.session_id", "rounds.number"],
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ballots_browser",
        "ballots",
        ["session_id", "round_number", "browser_hash"],
        unique=False,
        if_not_exists=True,
    )
    op.create_index(
        "ballots_one_per_code",
        "ballots",
        ["session_id", "round_number", "participant_hash"],
        unique=True,
        sqlite_where=sa.text("participant_hash IS NOT NULL"),
        postgresql_where=sa.text("participant_hash IS NOT NULL"),
        if_not_exists=True,
    )
    op.create_index(
        "ballots_round", "ballots", ["session_id", "round_number"], unique=False, if_not_exists=True
    )


def downgrade() -> None:
    op.drop_index("ballots_round", table_name="ballots")
    op.drop_index("ballots_one_per_code", table_name="ballots")
    op.drop_index("ballots_browser", table_name="ballots")
    op.drop_table("ballots")
    op.drop_table("rounds")
    op.drop_index("review_responses_by_wave", table_name="review_responses")
    op.drop_table("review_responses")
    op.drop_table("review_invite_codes")
    op.drop_table("review_form_waves")
    op.drop_table("review_form_codes_required")
    op.drop_index("review_drafts_by_review", table_name="review_drafts")
    op.drop_table("review_drafts")
    op.drop_table("review_actions")
    op.drop_table("options")
    op.drop_table("codes")
    op.drop_table("sessions")
    op.drop_table("review_reviews")
    op.drop_table("review_meta")
    op.drop_table("rate_buckets")
    op.drop_table("kit_secrets")
    op.drop_index("form_tokens_issued", table_name="form_tokens")
    op.drop_index("form_tokens_browser", table_name="form_tokens")
    op.drop_table("form_tokens")
