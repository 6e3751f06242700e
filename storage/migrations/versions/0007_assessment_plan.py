"""assessment plan: what education and commitment agreed, and a qualification override

A value stream assessment records its plan (the workflows, who takes part in each,
the facilitated session and interview dates, the estimated duration, the readout
date, what the customer was shown and asked) as one JSON document, and, when it was
started from an opportunity that was not qualified, the reason given (DESIGN.md §1.1).

Revision ID: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("qualification_override", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("engagements", schema=None) as batch_op:
        batch_op.drop_column("qualification_override")
        batch_op.drop_column("plan")
