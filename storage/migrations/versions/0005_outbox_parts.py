"""outbox parts: which parts of a long message were posted, kept on its outbox row

A message too long for one post goes out in several. Which of them were posted was
kept in the process's memory, so a retry after a crash, or by another replica, posted
them again; ``outbox.parts_posted`` keeps their platform ids with the message.

Revision ID: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parts_posted", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("parts_posted")
