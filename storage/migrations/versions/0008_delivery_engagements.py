"""delivery engagements: their plan, the checklist, proofs of value

- ``engagements``: ``use_case``, ``sow_reference``, ``team`` (the roles and
  workstreams, JSON) and ``outcome`` (the opportunity: won / lost / open). NULL for
  the engagements set up before; they display as before.
- ``checklist_marks``: an item of the engagement's checklist marked done, by whom and
  when (undone keeps the row).
- ``povs`` and ``pov_changes``: an engagement's proof of value and its history.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("use_case", sa.String(40), nullable=True))
        batch_op.add_column(sa.Column("sow_reference", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("team", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(40), nullable=True))
    op.create_table(
        "checklist_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(64), nullable=False),
        sa.Column("done_by_id", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        _fk("checklist_marks", "engagement_id", "engagements"),
        _fk("checklist_marks", "done_by_id", "participants"),
        _fk("checklist_marks", "undone_by_id", "participants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_marks")),
    )
    op.create_index(op.f("ix_checklist_marks_engagement_id"), "checklist_marks", ["engagement_id"])
    op.create_table(
        "povs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("success_criteria", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("povs", "engagement_id", "engagements"),
        _fk("povs", "created_by_id", "participants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_povs")),
        sa.UniqueConstraint("engagement_id", name=op.f("uq_povs_engagement_id")),
    )
    op.create_table(
        "pov_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(40), nullable=False),
        sa.Column("old", sa.String(255), nullable=True),
        sa.Column("new", sa.String(255), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _fk("pov_changes", "engagement_id", "engagements"),
        _fk("pov_changes", "by_id", "participants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pov_changes")),
    )
    op.create_index(op.f("ix_pov_changes_engagement_id"), "pov_changes", ["engagement_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_pov_changes_engagement_id"), table_name="pov_changes")
    op.drop_table("pov_changes")
    op.drop_table("povs")
    op.drop_index(op.f("ix_checklist_marks_engagement_id"), table_name="checklist_marks")
    op.drop_table("checklist_marks")
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.drop_column("outcome")
        batch_op.drop_column("team")
        batch_op.drop_column("sow_reference")
        batch_op.drop_column("use_case")
