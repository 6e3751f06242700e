"""flow items (features, defects, risks, debts) and their state changes

- ``flow_items``: one row per item (numbered within its engagement), its kind, title
  and current state (new, active, waiting, done).
- ``flow_transitions``: who moved an item from which state to which, when; the flow
  metrics are computed from them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flow_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_flow_items_engagement_id_engagements"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["participants.id"],
            name=op.f("fk_flow_items_created_by_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_items")),
        sa.UniqueConstraint("engagement_id", "number", name=op.f("uq_flow_items_engagement_id")),
    )
    op.create_table(
        "flow_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("old_state", sa.String(length=40), nullable=True),
        sa.Column("new_state", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["flow_items.id"], name=op.f("fk_flow_transitions_item_id_flow_items")
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_flow_transitions_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_transitions")),
    )
    op.create_index(op.f("ix_flow_transitions_item_id"), "flow_transitions", ["item_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_flow_transitions_item_id"), table_name="flow_transitions")
    op.drop_table("flow_transitions")
    op.drop_table("flow_items")
