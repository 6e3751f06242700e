"""RAID log: an engagement's risks, assumptions, issues and dependencies, with history

- ``raid_items``: one row per item (numbered within its engagement), its owner, impact,
  likelihood (risks), mitigation, due date, whether it is internal, its status, and
  the owner's date it was last reminded of being overdue.
- ``raid_changes``: who changed what of an item, from what to what, when.

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "raid_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("owner_name", sa.String(length=255), nullable=True),
        sa.Column("impact", sa.String(length=40), nullable=False),
        sa.Column("likelihood", sa.String(length=40), nullable=True),
        sa.Column("mitigation", sa.Text(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_reminded_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_raid_items_engagement_id_engagements"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["participants.id"], name=op.f("fk_raid_items_owner_id_participants")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["participants.id"],
            name=op.f("fk_raid_items_created_by_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raid_items")),
        sa.UniqueConstraint("engagement_id", "number", name=op.f("uq_raid_items_engagement_id")),
    )
    op.create_index("ix_raid_items_status_due", "raid_items", ["status", "due_date"])
    op.create_table(
        "raid_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["raid_items.id"], name=op.f("fk_raid_changes_item_id_raid_items")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_raid_changes_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raid_changes")),
    )
    op.create_index(op.f("ix_raid_changes_item_id"), "raid_changes", ["item_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_raid_changes_item_id"), table_name="raid_changes")
    op.drop_table("raid_changes")
    op.drop_index("ix_raid_items_status_due", table_name="raid_items")
    op.drop_table("raid_items")
