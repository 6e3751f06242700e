"""retrospectives: retros, who takes part, their items, votes and actions

- ``retros``: a retrospective of an engagement (kind, anonymous, facilitator, status);
  ``pool`` holds an anonymous retro's items until collection closes.
- ``retro_members``: who was asked for items (never what they wrote).
- ``retro_items``: what was said, by question; no author in an anonymous retro.
- ``retro_votes``: one person's vote for one item.
- ``retro_actions``: actions with owner and due date; done / carried / dropped at the
  next retro, with who decided.

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "retros",
        _id(),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("votes_each", sa.Integer(), nullable=False),
        sa.Column("conversation", sa.JSON(), nullable=False),
        sa.Column("pool", sa.JSON(), nullable=False),
        _when("created_at"),
        _when("closed_at", nullable=True),
        _fk("retros", "engagement_id", "engagements"),
        _fk("retros", "facilitator_id", "participants"),
        _fk("retros", "started_by_id", "participants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retros")),
    )
    op.create_index(op.f("ix_retros_engagement_id"), "retros", ["engagement_id"])
    op.create_table(
        "retro_members",
        _id(),
        sa.Column("retro_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        _when("created_at"),
        _fk("retro_members", "retro_id", "retros"),
        _fk("retro_members", "participant_id", "participants"),
        _fk("retro_members", "run_id", "dialog_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_members")),
        sa.UniqueConstraint("retro_id", "participant_id", name=op.f("uq_retro_members_retro_id")),
    )
    op.create_index(op.f("ix_retro_members_retro_id"), "retro_members", ["retro_id"])
    op.create_table(
        "retro_items",
        _id(),
        sa.Column("retro_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        _when("created_at", nullable=True),
        _fk("retro_items", "retro_id", "retros"),
        _fk("retro_items", "author_id", "participants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_items")),
    )
    op.create_index(op.f("ix_retro_items_retro_id"), "retro_items", ["retro_id"])
    op.create_table(
        "retro_votes",
        _id(),
        sa.Column("retro_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        _when("created_at"),
        _fk("retro_votes", "retro_id", "retros"),
        _fk("retro_votes", "item_id", "retro_items"),
        _fk("retro_votes", "participant_id", "participants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_votes")),
        sa.UniqueConstraint("item_id", "participant_id", name=op.f("uq_retro_votes_item_id")),
    )
    op.create_index(op.f("ix_retro_votes_retro_id"), "retro_votes", ["retro_id"])
    op.create_table(
        "retro_actions",
        _id(),
        sa.Column("retro_id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("carried_from_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _when("created_at"),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        _when("decided_at", nullable=True),
        _fk("retro_actions", "retro_id", "retros"),
        _fk("retro_actions", "engagement_id", "engagements"),
        _fk("retro_actions", "item_id", "retro_items"),
        _fk("retro_actions", "carried_from_id", "retro_actions"),
        _fk("retro_actions", "owner_id", "participants"),
        _fk("retro_actions", "created_by_id", "participants"),
        _fk("retro_actions", "decided_by_id", "participants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retro_actions")),
    )
    op.create_index(
        "ix_retro_actions_engagement_status", "retro_actions", ["engagement_id", "status"]
    )


def downgrade() -> None:
    op.drop_table("retro_actions")
    op.drop_table("retro_votes")
    op.drop_table("retro_items")
    op.drop_table("retro_members")
    op.drop_table("retros")
