"""Repositories: every query the application makes, over a session the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import (
    Answer,
    ConversationReference,
    DialogRun,
    Engagement,
    InboundEvent,
    MessageRef,
    OutboxMessage,
    Participant,
)
from storage.types import utcnow


class ConcurrentUpdateError(RuntimeError):
    """Another process advanced the same dialog run first; the turn is retried."""


def _insert(session: Session, model: Any) -> Any:
    """An INSERT with ON CONFLICT for the session's database (imported when first used)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(model)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(model)


# --- participants ------------------------------------------------------------


def upsert_participant(
    session: Session,
    *,
    platform: str,
    workspace: str,
    user_id: str,
    display_name: str | None,
    timezone: str | None,
) -> Participant:
    """The participant for a platform identity, created on first sight.

    A changed display name or timezone is kept up to date."""
    query = select(Participant).where(
        Participant.platform == platform,
        Participant.workspace == workspace,
        Participant.user_id == user_id,
    )
    found = session.scalar(query)
    if found is None:
        now = utcnow()
        statement = _insert(session, Participant).values(
            platform=platform,
            workspace=workspace,
            user_id=user_id,
            display_name=display_name,
            timezone=timezone,
            created_at=now,
            updated_at=now,
        )
        # Two first messages at once (two replicas) insert once; both read the row.
        session.execute(statement.on_conflict_do_nothing())
        created = session.scalar(query)
        assert created is not None
        return created
    if display_name and found.display_name != display_name:
        found.display_name = display_name
    if timezone and found.timezone != timezone:
        found.timezone = timezone
    return found


# The statements of every turn, built once: a turn runs them and nothing else.
_RUNS = cast(Table, DialogRun.__table__)
_ANSWERS = cast(Table, Answer.__table__)
_SAVE_RUN = (
    update(_RUNS)
    .where(_RUNS.c.id == bindparam("b_id"), _RUNS.c.version == bindparam("b_version"))
    .values(
        state=bindparam("b_state"),
        current_step=bindparam("b_step"),
        status=bindparam("b_status"),
        version=bindparam("b_new_version"),
        updated_at=bindparam("b_now"),
        completed_at=bindparam("b_completed_at"),
        result=bindparam("b_result"),
    )
)
_SUPERSEDE = (
    update(_ANSWERS)
    .where(
        _ANSWERS.c.run_id == bindparam("b_run"),
        _ANSWERS.c.path == bindparam("b_path"),
        _ANSWERS.c.superseded_at.is_(None),
    )
    .values(superseded_at=bindparam("b_now"))
)
_INSERT_ANSWER = insert(_ANSWERS)
_ACTIVE_RUN = select(
    *(
        _RUNS.c[name]
        for name in (
            "id",
            "tenant",
            "dialog_id",
            "dialog_version",
            "participant_id",
            "engagement_id",
            "conversation_key",
            "conversation",
            "status",
            "state",
            "result",
            "version",
        )
    )
).where(
    _RUNS.c.participant_id == bindparam("b_participant"),
    _RUNS.c.conversation_key == bindparam("b_key"),
    _RUNS.c.status == "active",
)


# --- dialog runs and answers -------------------------------------------------


def active_run(session: Session, participant_id: int, conversation_key: str) -> DialogRun | None:
    """The person's active run in a conversation: every turn's one read, so Core, and only
    the columns a turn uses (a detached DialogRun; change it through this module)."""
    row = session.execute(
        _ACTIVE_RUN, {"b_participant": participant_id, "b_key": conversation_key}
    ).first()
    return DialogRun(**row._mapping) if row is not None else None


def link_run_engagement(session: Session, run_id: int, engagement_id: int) -> None:
    session.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(engagement_id=engagement_id))


def add_run(session: Session, run: DialogRun) -> DialogRun:
    session.add(run)
    session.flush()
    return run


def save_run(
    session: Session,
    run: DialogRun,
    *,
    state: dict[str, Any],
    current_step: str | None,
    status: str,
    result: dict[str, Any] | None = None,
    now: datetime,
) -> None:
    """Compare-and-set on ``version``: a run advanced elsewhere meanwhile raises."""
    outcome = session.execute(
        _SAVE_RUN,
        {
            "b_id": run.id,
            "b_version": run.version,
            "b_state": state,
            "b_step": current_step,
            "b_status": status,
            "b_new_version": run.version + 1,
            "b_now": now,
            "b_completed_at": now if status != "active" else None,
            "b_result": result if result is not None else run.result,
        },
    )
    if outcome.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentUpdateError(f"dialog run {run.id} changed meanwhile")


def record_answer(
    session: Session,
    *,
    run: DialogRun,
    path: str,
    raw_text: str,
    value: Any,
    skipped: bool,
    now: datetime,
    replaces: bool = True,
) -> None:
    """Store an answer; an earlier answer to the same path is kept as history.

    ``replaces=False`` says there is no earlier answer (the common case), which
    saves a statement on every turn."""
    if replaces:
        session.execute(_SUPERSEDE, {"b_run": run.id, "b_path": path, "b_now": now})
    session.execute(
        _INSERT_ANSWER,
        {
            "run_id": run.id,
            "participant_id": run.participant_id,
            "engagement_id": run.engagement_id,
            "path": path,
            "raw_text": raw_text,
            "value": value,
            "skipped": skipped,
            "answered_at": now,
            "superseded_at": None,
        },
    )


def clear_answers(session: Session, *, run: DialogRun, paths: Sequence[str], now: datetime) -> None:
    """Retire answers that no longer apply (a removed group item); they stay as history."""
    if not paths:
        return
    session.execute(
        update(Answer)
        .where(Answer.run_id == run.id, Answer.path.in_(paths), Answer.superseded_at.is_(None))
        .values(superseded_at=now)
        .execution_options(synchronize_session=False)
    )


def current_answers(session: Session, run_id: int) -> Sequence[Answer]:
    result = session.scalars(
        select(Answer)
        .where(Answer.run_id == run_id, Answer.superseded_at.is_(None))
        .order_by(Answer.id)
    )
    return result.all()


def answer_history(session: Session, run_id: int, path: str) -> Sequence[Answer]:
    result = session.scalars(
        select(Answer).where(Answer.run_id == run_id, Answer.path == path).order_by(Answer.id)
    )
    return result.all()


def get_run(session: Session, run_id: int) -> DialogRun | None:
    return session.get(DialogRun, run_id)


def runs_of(
    session: Session,
    *,
    tenant: str,
    participant_id: int | None = None,
    dialog_id: str | None = None,
) -> Sequence[DialogRun]:
    query: Select[DialogRun] = select(DialogRun).where(DialogRun.tenant == tenant)
    if participant_id is not None:
        query = query.where(DialogRun.participant_id == participant_id)
    if dialog_id is not None:
        query = query.where(DialogRun.dialog_id == dialog_id)
    result = session.scalars(query.order_by(DialogRun.id))
    return result.all()


# --- engagements -------------------------------------------------------------


def engagements(session: Session, tenant: str) -> Sequence[Engagement]:
    result = session.scalars(
        select(Engagement)
        .where(Engagement.tenant == tenant)
        .order_by(Engagement.created_at, Engagement.id)
    )
    return result.all()


def all_engagements(session: Session, tenant: str | None = None) -> Sequence[Engagement]:
    """Engagements in any workspace (or one), for the operator's CLI; the caller filters by name."""
    query = select(Engagement).order_by(Engagement.id)
    if tenant is not None:
        query = query.where(Engagement.tenant == tenant)
    return (session.scalars(query)).all()


def engagement_by_slug(session: Session, tenant: str, slug: str) -> Engagement | None:
    return session.scalar(
        select(Engagement).where(Engagement.tenant == tenant, Engagement.slug == slug)
    )


def add_engagement(session: Session, engagement: Engagement) -> Engagement:
    session.add(engagement)
    session.flush()
    return engagement


# --- conversation references ------------------------------------------------


def remember_conversation(
    session: Session,
    *,
    key: str,
    platform: str,
    workspace: str,
    channel: str,
    thread: str | None,
    user_id: str | None,
    data: dict[str, Any],
) -> None:
    values = {
        "key": key,
        "platform": platform,
        "workspace": workspace,
        "channel": channel,
        "thread": thread,
        "user_id": user_id,
        "data": data,
        "updated_at": utcnow(),
    }
    statement = _insert(session, ConversationReference).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["key"],
        set_={
            k: statement.excluded[k] for k in ("channel", "thread", "user_id", "data", "updated_at")
        },
    )
    session.execute(statement)


def conversation(session: Session, key: str) -> ConversationReference | None:
    return session.scalar(select(ConversationReference).where(ConversationReference.key == key))


def conversation_of_user(
    session: Session, *, platform: str, workspace: str, user_id: str
) -> ConversationReference | None:
    """The personal (DM) conversation with a user, for proactive messages."""
    return session.scalar(
        select(ConversationReference)
        .where(
            ConversationReference.platform == platform,
            ConversationReference.workspace == workspace,
            ConversationReference.user_id == user_id,
        )
        .order_by(ConversationReference.updated_at.desc())
        .limit(1)
    )


# --- inbound events (dedupe) and the outbox ---------------------------------


def record_inbound(
    session: Session, *, platform: str, event_id: str, payload: dict[str, Any]
) -> int | None:
    """Insert the event; None when this (platform, event_id) was recorded before."""
    try:
        with session.begin_nested():
            event = InboundEvent(
                platform=platform, event_id=event_id, payload=payload, received_at=utcnow()
            )
            session.add(event)
            session.flush()
    except IntegrityError:
        return None
    return event.id


def claim_inbound(session: Session, event_id: int) -> bool:
    """Take a pending event for processing; False when another worker has it."""
    outcome = session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == event_id, InboundEvent.status == "pending")
        .values(status="processing", attempts=InboundEvent.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return outcome.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def finish_inbound(session: Session, event_id: int, *, status: str = "done") -> None:
    session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == event_id)
        .values(status=status, processed_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def unfinished_inbound(session: Session, older_than: datetime) -> Sequence[InboundEvent]:
    """Events a crash left behind: pending, or stuck in processing since before ``older_than``."""
    result = session.scalars(
        select(InboundEvent)
        .where(
            or_(
                InboundEvent.status == "pending",
                and_(InboundEvent.status == "processing", InboundEvent.received_at < older_than),
            ),
            InboundEvent.attempts < 5,
        )
        .order_by(InboundEvent.id)
    )
    return result.all()


def release_inbound(session: Session, event_id: int) -> None:
    session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == event_id)
        .values(status="pending")
        .execution_options(synchronize_session=False)
    )


def add_outbox(
    session: Session,
    *,
    platform: str,
    conversation_key: str,
    conversation: dict[str, Any],
    payload: dict[str, Any],
) -> OutboxMessage:
    message = OutboxMessage(
        platform=platform,
        conversation_key=conversation_key,
        conversation=conversation,
        payload=payload,
        created_at=utcnow(),
    )
    session.add(message)
    session.flush()
    return message


def pending_outbox(
    session: Session,
    *,
    conversation_key: str | None = None,
    due_by: datetime | None = None,
    limit: int = 100,
) -> Sequence[OutboxMessage]:
    """Messages still to send, oldest first; ``due_by`` leaves out those waiting to retry."""
    query = select(OutboxMessage).where(OutboxMessage.status == "pending")
    if due_by is not None:
        query = query.where(
            or_(OutboxMessage.not_before.is_(None), OutboxMessage.not_before <= due_by)
        )
    if conversation_key is not None:
        query = query.where(OutboxMessage.conversation_key == conversation_key)
    result = session.scalars(query.order_by(OutboxMessage.id).limit(limit))
    return result.all()


def claim_outbox(session: Session, message_id: int) -> bool:
    """Take a pending message for sending; False when another worker has it."""
    outcome = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
        .values(status="sending")
        .execution_options(synchronize_session=False)
    )
    return outcome.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def stuck_outbox(session: Session, older_than: datetime) -> None:
    """Messages a crash left in "sending" go back to pending (sent at least once)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.created_at < older_than)
        .values(status="pending")
        .execution_options(synchronize_session=False)
    )


def mark_sent(session: Session, message_id: int, platform_message_id: str | None) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status="sent", sent_at=utcnow(), platform_message_id=platform_message_id)
        .execution_options(synchronize_session=False)
    )


def mark_retry(
    session: Session, message_id: int, *, not_before: datetime, error: str, give_up: bool
) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            status="failed" if give_up else "pending",
            attempts=OutboxMessage.attempts + 1,
            not_before=not_before,
            error=error[:2000],
        )
        .execution_options(synchronize_session=False)
    )


def remember_message(
    session: Session, *, conversation_key: str, prompt_key: str, platform_message_id: str
) -> None:
    statement = _insert(session, MessageRef).values(
        conversation_key=conversation_key,
        prompt_key=prompt_key,
        platform_message_id=platform_message_id,
        created_at=utcnow(),
    )
    session.execute(statement.on_conflict_do_nothing())


def message_for_prompt(session: Session, conversation_key: str, prompt_key: str) -> str | None:
    return session.scalar(
        select(MessageRef.platform_message_id).where(
            MessageRef.conversation_key == conversation_key, MessageRef.prompt_key == prompt_key
        )
    )
