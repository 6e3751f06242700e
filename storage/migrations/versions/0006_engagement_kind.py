"""engagement kind: a value stream assessment or a delivery engagement

A value stream assessment (a lightweight exercise of the account team) and a delivery
engagement (iterations and ceremonies) are different things (DESIGN.md §1.1, §1.3).
Every engagement recorded so far was set up by the delivery dialog.

Revision ID: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(40), nullable=False, server_default="delivery")
        )


def downgrade() -> None:
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.drop_column("kind")
