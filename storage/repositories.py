"""Repositories: every query the application makes, over a session the caller commits."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, and_, bindparam, insert, or_, select, update
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
    return _insert_for(session.get_bind().dialect.name, model)


def _insert_for(dialect: str, model: Any) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(model)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(model)


@functools.cache
def _record_inbound_statement(dialect: str) -> Any:
    """Built once per database kind: statement building costs more than running it."""
    return (
        _insert_for(dialect, _INBOUND)
        .values(
            platform=bindparam("b_platform"),
            event_id=bindparam("b_event_id"),
            payload=bindparam("b_payload"),
            received_at=bindparam("b_now"),
            status="pending",
            attempts=0,
        )
        .on_conflict_do_nothing()
        .returning(_INBOUND.c.id)
    )


@functools.cache
def _remember_message_statement(dialect: str) -> Any:
    return (
        _insert_for(dialect, _MESSAGE_REFS)
        .values(
            conversation_key=bindparam("b_key"),
            prompt_key=bindparam("b_prompt"),
            platform_message_id=bindparam("b_message"),
            created_at=bindparam("b_now"),
        )
        .on_conflict_do_nothing()
    )


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
_INBOUND = cast(Table, InboundEvent.__table__)
_OUTBOX = cast(Table, OutboxMessage.__table__)
_MESSAGE_REFS = cast(Table, MessageRef.__table__)
_CLAIM_INBOUND = (
    update(_INBOUND)
    .where(_INBOUND.c.id == bindparam("b_id"), _INBOUND.c.status == "pending")
    .values(status="processing", attempts=_INBOUND.c.attempts + 1)
)
_FINISH_INBOUND = (
    update(_INBOUND)
    .where(_INBOUND.c.id == bindparam("b_id"))
    .values(status=bindparam("b_status"), processed_at=bindparam("b_now"))
)
_ADD_OUTBOX = insert(_OUTBOX)
_DUE_OUTBOX = (
    select(
        _OUTBOX.c.id,
        _OUTBOX.c.attempts,
        _OUTBOX.c.not_before,
        _OUTBOX.c.conversation,
        _OUTBOX.c.payload,
    )
    .where(_OUTBOX.c.conversation_key == bindparam("b_key"), _OUTBOX.c.status == "pending")
    .order_by(_OUTBOX.c.id)
    .limit(bindparam("b_limit"))
    .with_for_update()
)
_CLAIM_OUTBOX = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("b_ids", expanding=True)))
    .values(status="sending", claimed_at=bindparam("b_now"))
)
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("b_id"))
    .values(status="sent", sent_at=bindparam("b_now"), platform_message_id=bindparam("b_message"))
)
_MESSAGE_FOR_PROMPT = select(_MESSAGE_REFS.c.platform_message_id).where(
    _MESSAGE_REFS.c.conversation_key == bindparam("b_key"),
    _MESSAGE_REFS.c.prompt_key == bindparam("b_prompt"),
)
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
    dialect = session.get_bind().dialect.name
    return session.scalar(  # type: ignore[no-any-return]
        _record_inbound_statement(dialect),
        {"b_platform": platform, "b_event_id": event_id, "b_payload": payload, "b_now": utcnow()},
    )


def claim_inbound(session: Session, event_id: int) -> bool:
    """Take a pending event for processing; False when another worker has it."""
    outcome = session.execute(_CLAIM_INBOUND, {"b_id": event_id})
    return outcome.rowcount == 1  # type: ignore[attr-defined, no-any-return]


def finish_inbound(session: Session, event_id: int, *, status: str = "done") -> None:
    session.execute(_FINISH_INBOUND, {"b_id": event_id, "b_status": status, "b_now": utcnow()})


def unfinished_inbound(
    session: Session, older_than: datetime, *, pending_before: datetime | None = None
) -> Sequence[InboundEvent]:
    """Events a crash left behind: pending (recorded before ``pending_before``, when
    given), or stuck in processing since before ``older_than``."""
    pending = InboundEvent.status == "pending"
    if pending_before is not None:
        pending = and_(pending, InboundEvent.received_at < pending_before)
    result = session.scalars(
        select(InboundEvent)
        .where(
            or_(
                pending,
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
) -> None:
    session.execute(
        _ADD_OUTBOX,
        {
            "platform": platform,
            "conversation_key": conversation_key,
            "conversation": conversation,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "created_at": utcnow(),
        },
    )


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


def claim_due(session: Session, conversation_key: str, now: datetime, limit: int = 50) -> list[Any]:
    """Take a conversation's next messages for sending, in order: the pending ones up to
    the first that waits for a retry (nothing overtakes it). Rows another worker holds
    are left to it (on PostgreSQL the lock makes a concurrent claimer wait, then skip
    them); one a crashed worker held comes back through :func:`stuck_outbox`.

    Rows carry ``id``, ``attempts``, ``conversation`` and ``payload``."""
    rows = session.execute(_DUE_OUTBOX, {"b_key": conversation_key, "b_limit": limit}).all()
    claimed: list[Any] = []
    for row in rows:
        if row.not_before is not None and row.not_before > now:
            break
        claimed.append(row)
    if claimed:
        session.execute(_CLAIM_OUTBOX, {"b_ids": [row.id for row in claimed], "b_now": now})
    return claimed


def release_outbox(session: Session, message_ids: Sequence[int]) -> None:
    """Give claimed messages back (an earlier one failed; they keep their turn)."""
    if message_ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids), OutboxMessage.status == "sending")
            .values(status="pending", claimed_at=None)
            .execution_options(synchronize_session=False)
        )


def stuck_outbox(session: Session, older_than: datetime) -> None:
    """Messages a crashed worker left in "sending" go back to pending (sent at most once
    more: the crash may have come between the send and its mark)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < older_than)
        .values(status="pending", claimed_at=None)
        .execution_options(synchronize_session=False)
    )


def mark_sent(session: Session, message_id: int, platform_message_id: str | None) -> None:
    session.execute(
        _MARK_SENT, {"b_id": message_id, "b_message": platform_message_id, "b_now": utcnow()}
    )


def mark_retry(
    session: Session, message_id: int, *, not_before: datetime, error: str, give_up: bool
) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            status="failed" if give_up else "pending",
            claimed_at=None,
            attempts=OutboxMessage.attempts + 1,
            not_before=not_before,
            error=error[:2000],
        )
        .execution_options(synchronize_session=False)
    )


def remember_message(
    session: Session, *, conversation_key: str, prompt_key: str, platform_message_id: str
) -> None:
    session.execute(
        _remember_message_statement(session.get_bind().dialect.name),
        {
            "b_key": conversation_key,
            "b_prompt": prompt_key,
            "b_message": platform_message_id,
            "b_now": utcnow(),
        },
    )


def message_for_prompt(session: Session, conversation_key: str, prompt_key: str) -> str | None:
    return session.scalar(_MESSAGE_FOR_PROMPT, {"b_key": conversation_key, "b_prompt": prompt_key})
