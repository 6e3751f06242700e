"""The schema. Every change here comes with an Alembic migration in storage/migrations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime, created, int_pk, str40, str64, str255, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Participant(Base):
    """A person as a platform knows them. (platform, workspace, user_id) is unique."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)

    id: Mapped[int_pk]
    platform: Mapped[str40]
    workspace: Mapped[str255]
    user_id: Mapped[str255]
    display_name: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[created]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Engagement(Base):
    """A customer engagement. ``tenant`` (platform:workspace) keeps workspaces apart."""

    __tablename__ = "engagements"
    __table_args__ = (UniqueConstraint("tenant", "slug"),)

    id: Mapped[int_pk]
    tenant: Mapped[str255]
    slug: Mapped[str255]
    name: Mapped[str255]
    customer: Mapped[str255]
    # "assessment" (a value stream assessment) or "delivery" (iterations and ceremonies)
    kind: Mapped[str40] = mapped_column(default="delivery", server_default="delivery")
    status: Mapped[str40] = mapped_column(default="active")
    start_date: Mapped[date | None] = mapped_column(Date())
    iterations: Mapped[int | None] = mapped_column(Integer())
    iteration_weeks: Mapped[int | None] = mapped_column(Integer())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    # A soft link (no foreign key): engagements and runs would otherwise reference each other.
    qualification_run_id: Mapped[int | None] = mapped_column(Integer())
    # Why it was started from an opportunity that was not qualified (an override), if so.
    qualification_override: Mapped[str | None] = mapped_column(Text())
    # An assessment's plan as education and commitment agreed it (assistant/assessments.py).
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    conversation: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    created_at: Mapped[created]
    # A delivery engagement's plan (DESIGN.md §1.3); NULL for engagements set up before
    # it was asked. use_case: "tool_adoption" or "devsecops_transformation".
    use_case: Mapped[str | None] = mapped_column(String(40))
    sow_reference: Mapped[str | None] = mapped_column(String(255))
    # Its roles, as the dialog's person answers ({"name", "user_id", "platform"}):
    # {"project_manager": p, "pse": p | None, "ta": p | None,
    #  "workstreams": [{"name": str, "dri": p}]}
    team: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    # The opportunity's outcome: "won", "lost" or "open" (NULL: not recorded, so open).
    outcome: Mapped[str | None] = mapped_column(String(40))


class EngagementMember(Base):
    """A person's role in an engagement: ``owner`` (runs it: the SA who set it up),
    ``member`` (the delivery team) or ``participant`` (invited to answer)."""

    __tablename__ = "engagement_members"
    __table_args__ = (UniqueConstraint("engagement_id", "participant_id"),)

    id: Mapped[int_pk]
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    role: Mapped[str40]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    created_at: Mapped[created]


class ChannelBinding(Base):
    """A channel (Slack channel, Teams channel or group chat) bound to an engagement:
    commands typed there act on it."""

    __tablename__ = "channel_bindings"
    __table_args__ = (UniqueConstraint("conversation_key"),)

    id: Mapped[int_pk]
    conversation_key: Mapped[str255]
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"), index=True)
    conversation: Mapped[dict[str, Any]] = mapped_column(JSON())
    bound_by_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    created_at: Mapped[created]


class Invitation(Base):
    """A person invited to a dialog (an interview) for an engagement, by someone.

    ``status``: invited -> started -> completed, or withdrawn / unreachable (the
    platform would not let us message them)."""

    __tablename__ = "invitations"
    __table_args__ = (
        Index("ix_invitations_engagement_dialog", "engagement_id", "dialog_id"),
        Index("ix_invitations_next_nudge", "status", "next_nudge_at"),
    )

    id: Mapped[int_pk]
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"))
    dialog_id: Mapped[str64]
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("dialog_runs.id"))
    status: Mapped[str40] = mapped_column(default="invited")
    nudges: Mapped[int] = mapped_column(Integer(), default=0)
    next_nudge_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[created]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DialogRun(Base):
    """One person's walk through one dialog in one conversation.

    ``status``: active (the one run that takes the person's messages there), paused
    (waiting: an invitation not started yet, or one put aside), completed, cancelled.
    ``state`` is the engine's versioned JSON state; ``version`` guards against two
    replicas advancing the same run at once (compare-and-set on update).
    """

    __tablename__ = "dialog_runs"
    __table_args__ = (
        # One active dialog per person per conversation.
        Index(
            "uq_dialog_runs_active",
            "participant_id",
            "conversation_key",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_dialog_runs_tenant_dialog", "tenant", "dialog_id"),
    )

    id: Mapped[int_pk]
    tenant: Mapped[str255]
    dialog_id: Mapped[str64]
    dialog_version: Mapped[int] = mapped_column(Integer())
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    engagement_id: Mapped[int | None] = mapped_column(ForeignKey("engagements.id"), index=True)
    conversation_key: Mapped[str255]
    conversation: Mapped[dict[str, Any]] = mapped_column(JSON())
    status: Mapped[str40] = mapped_column(default="active")
    current_step: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[dict[str, Any]] = mapped_column(JSON())
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    version: Mapped[int] = mapped_column(Integer(), default=1)
    started_at: Mapped[created]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Answer(Base):
    """Every answer ever given. An edit supersedes the earlier row and keeps it (history)."""

    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_run_path", "run_id", "path"),)

    id: Mapped[int_pk]
    run_id: Mapped[int] = mapped_column(ForeignKey("dialog_runs.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    engagement_id: Mapped[int | None] = mapped_column(ForeignKey("engagements.id"), index=True)
    dialog_id: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str255]  # step id, or "group[0].step" inside a repeatable group
    raw_text: Mapped[str] = mapped_column(Text())
    value: Mapped[Any] = mapped_column(JSON())
    skipped: Mapped[bool] = mapped_column(default=False)
    answered_at: Mapped[created]
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ConversationReference(Base):
    """Where to reach a conversation or a person later (reminders, invitations)."""

    __tablename__ = "conversation_refs"
    __table_args__ = (UniqueConstraint("key"),)

    id: Mapped[int_pk]
    key: Mapped[str255]  # "platform:workspace:channel[:thread]" or "...:user:<id>" for a DM
    platform: Mapped[str40]
    workspace: Mapped[str255]
    channel: Mapped[str255]
    thread: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class InboundEvent(Base):
    """An event recorded before it is acknowledged; (platform, event_id) makes it once-only."""

    __tablename__ = "inbound_events"
    __table_args__ = (
        UniqueConstraint("platform", "event_id"),
        Index("ix_inbound_events_status", "status"),
    )

    id: Mapped[int_pk]
    platform: Mapped[str40]
    event_id: Mapped[str255]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON())  # the Inbound, as JSON
    status: Mapped[str40] = mapped_column(default="pending")  # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    received_at: Mapped[created]
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """An outbound message written in the same transaction as the turn that produced it,
    then delivered and marked sent: nothing is lost to a crash, nothing posted twice."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status", "status"),
        Index("ix_outbox_conversation", "conversation_key", "status"),
    )

    id: Mapped[int_pk]
    platform: Mapped[str40]
    conversation_key: Mapped[str255]
    conversation: Mapped[dict[str, Any]] = mapped_column(JSON())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON())  # the Outbound, as JSON
    # pending -> sending (claimed by a worker) -> sent | failed
    status: Mapped[str40] = mapped_column(default="pending")
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    platform_message_id: Mapped[str | None] = mapped_column(String(255))
    # The platform ids of the parts of a long message posted so far (several posts, in
    # order): a retry, in any process, posts only the rest. NULL: none yet.
    parts_posted: Mapped[list[str | None] | None] = mapped_column(JSON(none_as_null=True))
    error: Mapped[str | None] = mapped_column(Text())
    created_at: Mapped[created]
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MessageRef(Base):
    """The platform id of a question we posted, so the answer can update it."""

    __tablename__ = "message_refs"
    __table_args__ = (UniqueConstraint("conversation_key", "prompt_key"),)

    id: Mapped[int_pk]
    conversation_key: Mapped[str255]
    prompt_key: Mapped[str255]
    platform_message_id: Mapped[str255]
    created_at: Mapped[created]


class ChecklistMark(Base):
    """One item of an engagement's checklist marked done: by whom and when. Undoing
    keeps the row (``undone_at``), so the checklist has its history."""

    __tablename__ = "checklist_marks"

    id: Mapped[int_pk]
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"), index=True)
    item: Mapped[str64]  # an item's key in dialogs/methodology/delivery.yaml
    done_by_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime())
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProofOfValue(Base):
    """An engagement's proof of value (the opportunity's technical evaluation)."""

    __tablename__ = "povs"
    __table_args__ = (UniqueConstraint("engagement_id"),)

    id: Mapped[int_pk]
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"))
    # not_started | planning | in_progress | completed | cancelled
    status: Mapped[str40]
    start_date: Mapped[date | None] = mapped_column(Date())
    end_date: Mapped[date | None] = mapped_column(Date())
    success_criteria: Mapped[str | None] = mapped_column(Text())
    notes: Mapped[str | None] = mapped_column(Text())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    created_at: Mapped[created]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PovChange(Base):
    """The history of a proof of value and of its opportunity's outcome: what changed,
    from what to what, by whom, when."""

    __tablename__ = "pov_changes"

    id: Mapped[int_pk]
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"), index=True)
    what: Mapped[str40]  # "status", "outcome" or "plan" (dates, criteria, notes)
    old: Mapped[str | None] = mapped_column(String(255))
    new: Mapped[str | None] = mapped_column(String(255))
    by_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class RaidItem(Base):
    """A risk, assumption, issue or dependency of an engagement (its RAID log).

    ``number`` counts within the engagement (what people type: ``raid close 3``).
    ``internal`` items are for our side only: never shown to the engagement's
    participants nor posted where another organisation reads. ``owner_id`` is the
    person when known, ``owner_name`` as it was typed. ``last_reminded_on`` (the
    owner's date) makes the overdue reminder once a day, across processes."""

    __tablename__ = "raid_items"
    __table_args__ = (
        UniqueConstraint("engagement_id", "number"),
        Index("ix_raid_items_status_due", "status", "due_date"),
    )

    id: Mapped[int_pk]
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"))
    number: Mapped[int] = mapped_column(Integer())
    kind: Mapped[str40]  # risk | assumption | issue | dependency
    title: Mapped[str255]
    description: Mapped[str | None] = mapped_column(Text())
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    owner_name: Mapped[str | None] = mapped_column(String(255))
    impact: Mapped[str40]  # low | medium | high
    likelihood: Mapped[str | None] = mapped_column(String(40))  # risks only
    mitigation: Mapped[str | None] = mapped_column(Text())
    due_date: Mapped[date | None] = mapped_column(Date())
    internal: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str40] = mapped_column(default="open")  # open | closed
    created_by_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    created_at: Mapped[created]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_reminded_on: Mapped[date | None] = mapped_column(Date())


class RaidChange(Base):
    """One change to a RAID item: who changed which field, from what to what, when
    (``field`` is ``created`` for the item's creation, ``status`` for closing it)."""

    __tablename__ = "raid_changes"

    id: Mapped[int_pk]
    item_id: Mapped[int] = mapped_column(ForeignKey("raid_items.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    field: Mapped[str40]
    old_value: Mapped[str | None] = mapped_column(Text())
    new_value: Mapped[str | None] = mapped_column(Text())
    note: Mapped[str | None] = mapped_column(Text())
    changed_at: Mapped[created]


class Retro(Base):
    """A retrospective of an engagement: ``kind`` customer / in_project / internal /
    end_of_project; ``status`` reviewing (the last one's open actions first), choosing
    (an end-of-project retro waits for its facilitator), collecting, voting, actions,
    closed. ``pool``: the items of an anonymous retro until collection closes, in no
    one's order (nothing links them to whoever wrote them)."""

    __tablename__ = "retros"

    id: Mapped[int_pk]
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"), index=True)
    kind: Mapped[str40]
    anonymous: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str40]
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    started_by_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    votes_each: Mapped[int] = mapped_column(Integer(), default=3)
    conversation: Mapped[dict[str, Any]] = mapped_column(JSON())  # where it is run
    pool: Mapped[list[Any]] = mapped_column(JSON(), default=list)
    created_at: Mapped[created]
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RetroMember(Base):
    """A person asked for items in a retrospective (who took part, never what they wrote)."""

    __tablename__ = "retro_members"
    __table_args__ = (UniqueConstraint("retro_id", "participant_id"),)

    id: Mapped[int_pk]
    retro_id: Mapped[int] = mapped_column(ForeignKey("retros.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("dialog_runs.id"))
    status: Mapped[str40] = mapped_column(default="invited")  # invited | done | closed
    created_at: Mapped[created]


class RetroItem(Base):
    """One thing said in a retrospective, under one question (``went_well``,
    ``not_well``, ``try_next``); ``number`` is how people vote for it. ``author_id``
    and ``created_at`` stay empty in an anonymous retro."""

    __tablename__ = "retro_items"

    id: Mapped[int_pk]
    retro_id: Mapped[int] = mapped_column(ForeignKey("retros.id"), index=True)
    question: Mapped[str40]
    number: Mapped[int] = mapped_column(Integer())
    text: Mapped[str] = mapped_column(Text())
    author_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RetroVote(Base):
    """A person's vote for an item (one each per item; ``Retro.votes_each`` in all)."""

    __tablename__ = "retro_votes"
    __table_args__ = (UniqueConstraint("item_id", "participant_id"),)

    id: Mapped[int_pk]
    retro_id: Mapped[int] = mapped_column(ForeignKey("retros.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("retro_items.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    created_at: Mapped[created]


class RetroAction(Base):
    """An action agreed in a retrospective: what, who owns it, by when. ``status`` open,
    done, carried (a new open row in the next retro continues it) or dropped; who
    decided that at the next retro, and when."""

    __tablename__ = "retro_actions"
    __table_args__ = (Index("ix_retro_actions_engagement_status", "engagement_id", "status"),)

    id: Mapped[int_pk]
    retro_id: Mapped[int] = mapped_column(ForeignKey("retros.id"))
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("retro_items.id"))
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("retro_actions.id"))
    text: Mapped[str] = mapped_column(Text())
    owner_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    due_date: Mapped[date | None] = mapped_column(Date())
    status: Mapped[str40] = mapped_column(default="open")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    created_at: Mapped[created]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Schedule(Base):
    """An engagement's ceremony schedule, in the team's timezone (one per engagement).

    ``ceremonies``: each enabled ceremony with its local time, e.g.
    ``{"iteration_planning": {"time": "10:00"}, "iteration_review": {"time": "14:00",
    "every": "week"}, "daily_standup": {"time": "09:30", "cutoff": "11:00"}}``.
    ``workdays`` are ISO weekday numbers less one (0 = Monday); ``holidays`` ISO dates;
    ``skipped`` one occurrence each, ``"<ceremony>@<ISO date>"``.
    ``status``: active, paused or cancelled. ``checked_until``: every occurrence up to
    then was handled (posted, or recorded as missed); ``next_due_at``: the first one
    after it, which the scheduler's tick looks for (indexed)."""

    __tablename__ = "schedules"
    __table_args__ = (
        UniqueConstraint("engagement_id"),
        Index("ix_schedules_status_next_due_at", "status", "next_due_at"),
    )

    id: Mapped[int_pk]
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"))
    timezone: Mapped[str64]
    workdays: Mapped[list[int]] = mapped_column(JSON())
    start_date: Mapped[date] = mapped_column(Date())  # Iteration 0 starts
    iteration_weeks: Mapped[int] = mapped_column(Integer())
    iterations: Mapped[int] = mapped_column(Integer())  # planned, after Iteration 0
    ceremonies: Mapped[dict[str, Any]] = mapped_column(JSON())
    holidays: Mapped[list[str]] = mapped_column(JSON(), default=list)
    skipped: Mapped[list[str]] = mapped_column(JSON(), default=list)
    status: Mapped[str40] = mapped_column(default="active")
    checked_until: Mapped[datetime] = mapped_column(UTCDateTime())
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    created_at: Mapped[created]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ReminderDelivery(Base):
    """One occurrence of a schedule's ceremony, claimed once: the unique key (schedule,
    ceremony, fire time) is inserted in the same transaction as the reminder's outbox
    message, so among any number of schedulers one posts it and the rest find it taken.

    ``status``: posted (queued in the outbox, ``outbox_id``), missed (found after its
    grace period: every process was down), coalesced (an earlier one of the same
    ceremony, when a later one was posted instead)."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        UniqueConstraint("schedule_id", "ceremony", "fire_at"),
        Index("ix_reminder_deliveries_schedule_status", "schedule_id", "status"),
    )

    id: Mapped[int_pk]
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"))
    ceremony: Mapped[str40]
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime())
    local_date: Mapped[date] = mapped_column(Date())
    status: Mapped[str40]
    outbox_id: Mapped[int | None] = mapped_column(Integer())
    created_at: Mapped[created]


class FlowItem(Base):
    """A flow item of an engagement: a feature, defect, risk or debt the team works on
    (DESIGN.md §1.2). ``number`` counts within the engagement (what people type:
    ``flow done 3``). ``state`` is new (recorded, not started), active, waiting (blocked),
    done, or removed (recorded by mistake: kept with its history, so its number is never
    taken again, but out of the lists and the metrics); every change of it is a
    :class:`FlowTransition`, from which the flow metrics are computed."""

    __tablename__ = "flow_items"
    __table_args__ = (UniqueConstraint("engagement_id", "number"),)

    id: Mapped[int_pk]
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"))
    number: Mapped[int] = mapped_column(Integer())
    kind: Mapped[str40]  # feature | defect | risk | debt
    title: Mapped[str255]
    # new | active | waiting | done | removed
    state: Mapped[str40] = mapped_column(default="new")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    created_at: Mapped[created]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FlowTransition(Base):
    """One change of a flow item: who moved it from what state to what, when
    (``old_state`` is None when the item was recorded); or, with ``old_title`` and
    ``new_title``, who renamed it, when (its state then stays as it was)."""

    __tablename__ = "flow_transitions"

    id: Mapped[int_pk]
    item_id: Mapped[int] = mapped_column(ForeignKey("flow_items.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    old_state: Mapped[str | None] = mapped_column(String(40))
    new_state: Mapped[str40]
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    old_title: Mapped[str | None] = mapped_column(String(255))
    new_title: Mapped[str | None] = mapped_column(String(255))
