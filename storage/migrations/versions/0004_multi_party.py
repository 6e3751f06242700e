"""multi-party: engagement members, channel bindings, invitations; answers name their
dialog; a personal conversation is keyed by its person

- ``engagement_members``: owner / member / participant of an engagement.
- ``channel_bindings``: a channel bound to an engagement (commands there act on it).
- ``invitations``: who was invited to which interview, by whom, and how far they are.
- ``answers.dialog_id``: every answer row names its dialog (filled in from its run).
- A personal conversation (a DM) is keyed ``platform:workspace:@user`` instead of by
  its channel id, so a run or a message can be addressed to a person before the
  platform has told us the DM's channel (an invitation). Stored keys are rewritten.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _personal_key(conversation: dict[str, Any] | None) -> str | None:
    """The new key of a stored conversation, when it is a personal one."""
    if not isinstance(conversation, dict):
        return None
    user, thread = conversation.get("user"), conversation.get("thread")
    if not user or thread:
        return None
    return f"{conversation['platform']}:{conversation['workspace']}:@{user}"


def upgrade() -> None:
    op.create_table(
        "engagement_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_engagement_members_engagement_id_engagements"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_engagement_members_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["participants.id"],
            name=op.f("fk_engagement_members_added_by_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_members")),
        sa.UniqueConstraint(
            "engagement_id", "participant_id", name=op.f("uq_engagement_members_engagement_id")
        ),
    )
    op.create_index(
        op.f("ix_engagement_members_participant_id"), "engagement_members", ["participant_id"]
    )
    op.create_table(
        "channel_bindings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_key", sa.String(length=255), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("conversation", sa.JSON(), nullable=False),
        sa.Column("bound_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_channel_bindings_engagement_id_engagements"),
        ),
        sa.ForeignKeyConstraint(
            ["bound_by_id"],
            ["participants.id"],
            name=op.f("fk_channel_bindings_bound_by_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_bindings")),
        sa.UniqueConstraint("conversation_key", name=op.f("uq_channel_bindings_conversation_key")),
    )
    op.create_index(
        op.f("ix_channel_bindings_engagement_id"), "channel_bindings", ["engagement_id"]
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engagement_id", sa.Integer(), nullable=False),
        sa.Column("dialog_id", sa.String(length=64), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("nudges", sa.Integer(), nullable=False),
        sa.Column("next_nudge_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["engagements.id"],
            name=op.f("fk_invitations_engagement_id_engagements"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_invitations_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["participants.id"],
            name=op.f("fk_invitations_invited_by_id_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["dialog_runs.id"], name=op.f("fk_invitations_run_id_dialog_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
    )
    op.create_index(
        "ix_invitations_engagement_dialog", "invitations", ["engagement_id", "dialog_id"]
    )
    op.create_index("ix_invitations_next_nudge", "invitations", ["status", "next_nudge_at"])
    op.create_index(op.f("ix_invitations_participant_id"), "invitations", ["participant_id"])

    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dialog_id", sa.String(length=64), nullable=True))
    answers = sa.table(
        "answers", sa.column("run_id", sa.Integer()), sa.column("dialog_id", sa.String())
    )
    runs = sa.table(
        "dialog_runs",
        sa.column("id", sa.Integer()),
        sa.column("dialog_id", sa.String()),
        sa.column("conversation_key", sa.String()),
        sa.column("conversation", sa.JSON()),
    )
    op.execute(
        answers.update().values(
            dialog_id=sa.select(runs.c.dialog_id)
            .where(runs.c.id == answers.c.run_id)
            .scalar_subquery()
        )
    )
    _rekey_personal_conversations(runs)


def _rekey_personal_conversations(runs: Any) -> None:
    bind = op.get_bind()
    renamed: dict[str, str] = {}
    for run_id, key, conversation in bind.execute(
        sa.select(runs.c.id, runs.c.conversation_key, runs.c.conversation)
    ):
        new = _personal_key(conversation)
        if new is not None and new != key:
            renamed[key] = new
            bind.execute(runs.update().where(runs.c.id == run_id).values(conversation_key=new))
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer()),
        sa.column("conversation_key", sa.String()),
        sa.column("conversation", sa.JSON()),
    )
    for message_id, key, conversation in bind.execute(
        sa.select(outbox.c.id, outbox.c.conversation_key, outbox.c.conversation)
    ):
        new = _personal_key(conversation)
        if new is not None and new != key:
            renamed[key] = new
            bind.execute(
                outbox.update().where(outbox.c.id == message_id).values(conversation_key=new)
            )
    refs = sa.table(
        "conversation_refs",
        sa.column("id", sa.Integer()),
        sa.column("key", sa.String()),
        sa.column("platform", sa.String()),
        sa.column("workspace", sa.String()),
        sa.column("thread", sa.String()),
        sa.column("user_id", sa.String()),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    # Several stored references may be one person's (a DM and a not-yet-opened one):
    # the most recently updated keeps the new key, the others go.
    rows = bind.execute(
        sa.select(refs.c.id, refs.c.key, refs.c.platform, refs.c.workspace, refs.c.user_id)
        .where(refs.c.user_id.is_not(None), refs.c.thread.is_(None))
        .order_by(refs.c.updated_at.desc(), refs.c.id.desc())
    ).all()
    taken: set[str] = set()
    for ref_id, key, platform, workspace, user in rows:
        new = f"{platform}:{workspace}:@{user}"
        renamed.setdefault(key, new)
        if new in taken:
            bind.execute(refs.delete().where(refs.c.id == ref_id))
            continue
        taken.add(new)
        if new != key:
            bind.execute(refs.update().where(refs.c.id == ref_id).values(key=new))
    message_refs = sa.table("message_refs", sa.column("conversation_key", sa.String()))
    for old, new in renamed.items():
        bind.execute(
            message_refs.update()
            .where(message_refs.c.conversation_key == old)
            .values(conversation_key=new)
        )


def downgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_column("dialog_id")
    op.drop_table("invitations")
    op.drop_table("channel_bindings")
    op.drop_table("engagement_members")
