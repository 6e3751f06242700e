"""run result: "no result yet" is SQL NULL

Saving a run used to write the JSON text null into ``dialog_runs.result`` while it had
no result; new writes store SQL NULL. This turns the old rows into SQL NULL as well, so
``WHERE result IS NULL`` finds every run without a result.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RUNS = sa.table("dialog_runs", sa.column("result", sa.JSON()))


def upgrade() -> None:
    op.execute(
        _RUNS.update().where(sa.cast(_RUNS.c.result, sa.Text()) == "null").values(result=sa.null())
    )


def downgrade() -> None:
    pass  # SQL NULL reads back as "no result" either way
