"""flow items renamed: the old and new title in their history

- ``flow_transitions``: ``old_title`` and ``new_title``, set on the row that says who
  renamed an item, when (its state stays as it was). NULL on every state change, so
  the rows written before read as before.

A removed flow item needs no column: its state is ``removed``.

Downgrading drops the renames from the history (the item keeps its new title): without
their titles they would read as state changes that change nothing. Removed items stay
as they are (their rows are the evidence); the release before this one doesn't know the
state, so downgrade only with none removed.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("flow_transitions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("old_title", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("new_title", sa.String(255), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM flow_transitions WHERE new_title IS NOT NULL")
    with op.batch_alter_table("flow_transitions", schema=None) as batch_op:
        batch_op.drop_column("new_title")
        batch_op.drop_column("old_title")
