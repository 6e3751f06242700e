"""Repositories: every query the application makes, over a session the caller commits.

Every statement runs through SQLAlchemy's public API, in the session's transaction, so
SQLAlchemy's events see each one (metrics and tracing hook there). The statements every
turn makes are module constants with named parameters: SQLAlchemy's compiled cache (the
engine's own, keyed by each statement's memoized cache key) compiles each once per
database; nothing here keeps compiled statements of its own.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    CursorResult,
    Executable,
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from storage.models import (
    Answer,
    ChannelBinding,
    ChecklistMark,
    ConversationReference,
    DialogRun,
    Engagement,
    EngagementMember,
    FlowItem,
    FlowTransition,
    InboundEvent,
    Invitation,
    MessageRef,
    OutboxMessage,
    Participant,
    PovChange,
    ProofOfValue,
    RaidChange,
    RaidItem,
    ReminderDelivery,
    Retro,
    RetroAction,
    RetroItem,
    RetroMember,
    RetroVote,
    Schedule,
)
from storage.types import JSONText


class ConcurrentUpdateError(RuntimeError):
    """Another process advanced the same dialog run first; the turn is retried."""


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _insert(session: Session, model: Any) -> Any:
    """An INSERT with ON CONFLICT for the session's database (imported when first used)."""
    return _insert_for(_dialect(session), model)


def _insert_for(dialect: str, model: Any) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(model)
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(model)


def _execute(
    session: Session, statement: Executable, params: dict[str, Any]
) -> CursorResult[*tuple[Any, ...]]:
    """Run one of this module's Core statements in the session's transaction, on its
    connection: ``Connection.execute``, as ``Session.execute`` would after its ORM
    handling, which these statements have no use for (a fifth of what each costs)."""
    return session.connection().execute(statement, params)


_PARTICIPANTS = cast(Table, Participant.__table__)
_RUNS = cast(Table, DialogRun.__table__)
_ANSWERS = cast(Table, Answer.__table__)
_INBOUND = cast(Table, InboundEvent.__table__)
_OUTBOX = cast(Table, OutboxMessage.__table__)
_MESSAGE_REFS = cast(Table, MessageRef.__table__)


def _values(table: Table, *names: str) -> dict[str, BindParameter[Any]]:
    """Each named column bound to a parameter of the same name."""
    return {name: bindparam(name, type_=table.c[name].type) for name in names}


class _OnConflict(NamedTuple):
    """The hot statements spelled differently per database (INSERT ... ON CONFLICT)."""

    upsert_participant: Executable
    record_inbound: Executable
    remember_message: Executable


@cache
def _on_conflict(dialect: str) -> _OnConflict:
    """Built on first use for each database (importing the PostgreSQL dialect costs
    `vsa chat` start-up time it has no use for). One entry per dialect, immutable, never
    stale: a constant, not a cache of data; compiled forms live in SQLAlchemy's cache."""
    participant = _insert_for(dialect, _PARTICIPANTS).values(
        platform=bindparam("platform"),
        workspace=bindparam("workspace"),
        user_id=bindparam("user_id"),
        **_values(_PARTICIPANTS, "display_name", "timezone"),
        created_at=bindparam("now", type_=_PARTICIPANTS.c.created_at.type),
        updated_at=bindparam("now", type_=_PARTICIPANTS.c.updated_at.type),
    )
    new = participant.excluded
    changed = [
        and_(new[name].is_not(None), new[name].is_distinct_from(_PARTICIPANTS.c[name]))
        for name in ("display_name", "timezone")
    ]
    upsert_participant = participant.on_conflict_do_update(
        index_elements=["platform", "workspace", "user_id"],
        set_={
            # A name or timezone is only ever replaced by a new one, never by "unknown".
            "display_name": func.coalesce(new.display_name, _PARTICIPANTS.c.display_name),
            "timezone": func.coalesce(new.timezone, _PARTICIPANTS.c.timezone),
            "updated_at": case((or_(*changed), new.updated_at), else_=_PARTICIPANTS.c.updated_at),
        },
    ).returning(_PARTICIPANTS.c.id, _PARTICIPANTS.c.display_name, _PARTICIPANTS.c.timezone)
    record_inbound = (
        _insert_for(dialect, _INBOUND)
        .values(
            **_values(_INBOUND, "platform", "event_id", "received_at"),
            payload=bindparam("payload_json", type_=JSONText()),  # serialized by the caller
            status="pending",
            attempts=0,
        )
        .on_conflict_do_nothing()
        .returning(_INBOUND.c.id)
    )
    remember_message = (
        _insert_for(dialect, _MESSAGE_REFS)
        .values(_values(_MESSAGE_REFS, *_MESSAGE_REF_COLUMNS))
        .on_conflict_do_nothing()
    )
    return _OnConflict(upsert_participant, record_inbound, remember_message)


_MESSAGE_REF_COLUMNS = ("conversation_key", "prompt_key", "platform_message_id", "created_at")


# --- participants ------------------------------------------------------------


class ParticipantRow(NamedTuple):
    id: int
    display_name: str | None
    timezone: str | None


def upsert_participant(
    session: Session,
    *,
    platform: str,
    workspace: str,
    user_id: str,
    display_name: str | None,
    timezone: str | None,
    now: datetime,
) -> ParticipantRow:
    """The participant for a platform identity, created on first sight, in one statement
    (two first messages at once, even on two replicas, make one row).

    A changed display name or timezone is kept up to date."""
    row = _execute(
        session,
        _on_conflict(_dialect(session)).upsert_participant,
        {
            "platform": platform,
            "workspace": workspace,
            "user_id": user_id,
            "display_name": display_name or None,
            "timezone": timezone or None,
            "now": now,
        },
    ).one()
    return ParticipantRow(*row)


# --- the statements of every turn ----------------------------------------------


class RunRow(NamedTuple):
    """What a turn reads and writes of a dialog run (a plain row: no ORM instance)."""

    id: int
    tenant: str
    dialog_id: str
    dialog_version: int
    participant_id: int
    engagement_id: int | None
    conversation_key: str
    conversation: dict[str, Any]
    status: str
    state: dict[str, Any]
    result: dict[str, Any] | None
    version: int

    @classmethod
    def of(cls, run: DialogRun) -> RunRow:
        return cls(*(getattr(run, name) for name in cls._fields))


_ACTIVE_RUN = select(*(_RUNS.c[name] for name in RunRow._fields)).where(
    _RUNS.c.participant_id == bindparam("participant_id"),
    _RUNS.c.conversation_key == bindparam("conversation_key"),
    # A literal, not a parameter: only then can the planner use the partial unique
    # index on active runs (SQLite's and PostgreSQL's generic plans both need it).
    _RUNS.c.status == literal_column("'active'"),
)
_START_RUN = (
    insert(_RUNS)
    .values(
        version=1,
        current_step=null(),
        result=null(),
        completed_at=null(),
        state=bindparam("state_json", type_=JSONText()),
        **_values(
            _RUNS,
            "tenant",
            "dialog_id",
            "dialog_version",
            "participant_id",
            "conversation_key",
            "conversation",
            "started_at",
            "updated_at",
            "status",
            "engagement_id",
        ),
    )
    .returning(_RUNS.c.id)
)
_SAVE_RUN = (
    update(_RUNS)
    .where(_RUNS.c.id == bindparam("run_id"), _RUNS.c.version == bindparam("old_version"))
    .values(
        state=bindparam("state_json", type_=JSONText()),
        # No result yet is SQL NULL, not JSON null (as when the run was started).
        result=bindparam("result", type_=JSON(none_as_null=True)),
        **_values(_RUNS, "current_step", "status", "version", "updated_at", "completed_at"),
    )
)
_SUPERSEDE = (
    update(_ANSWERS)
    .where(
        _ANSWERS.c.run_id == bindparam("run"),
        _ANSWERS.c.path == bindparam("answer_path"),
        _ANSWERS.c.superseded_at.is_(None),
    )
    .values(superseded_at=bindparam("now", type_=_ANSWERS.c.superseded_at.type))
)
_INSERT_ANSWER = insert(_ANSWERS).values(
    _values(
        _ANSWERS,
        "run_id",
        "participant_id",
        "engagement_id",
        "dialog_id",
        "path",
        "raw_text",
        "value",
        "skipped",
        "answered_at",
    )
)


# --- dialog runs and answers -------------------------------------------------


def active_run(session: Session, participant_id: int, conversation_key: str) -> RunRow | None:
    """The person's active run in a conversation: every turn's one read, of only the
    columns a turn uses (change it through this module)."""
    row = _execute(
        session,
        _ACTIVE_RUN,
        {"participant_id": participant_id, "conversation_key": conversation_key},
    ).one_or_none()
    return RunRow._make(row) if row is not None else None


def in_dialog(
    session: Session, platform: str, workspace: str, user_id: str, conversation_key: str
) -> bool:
    """Whether this platform identity has an active run in the conversation (a person
    never seen is not stored by asking)."""
    query = (
        select(DialogRun.id)
        .join(Participant, DialogRun.participant_id == Participant.id)
        .where(
            Participant.platform == platform,
            Participant.workspace == workspace,
            Participant.user_id == user_id,
            DialogRun.conversation_key == conversation_key,
            DialogRun.status == "active",
        )
        .limit(1)
    )
    return session.scalar(query) is not None


def link_run_engagement(session: Session, run_id: int, engagement_id: int) -> None:
    session.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(engagement_id=engagement_id))


def start_run(
    session: Session,
    *,
    tenant: str,
    dialog_id: str,
    dialog_version: int,
    participant_id: int,
    conversation_key: str,
    conversation: dict[str, Any],
    state_json: str,
    now: datetime,
    status: str = "active",
    engagement_id: int | None = None,
) -> RunRow:
    """A new run, active unless said otherwise (the engine state as JSON text). A person
    with an active run in the conversation already (another replica started one) is a
    ConcurrentUpdateError."""
    values = {
        "status": status,
        "engagement_id": engagement_id,
        "tenant": tenant,
        "dialog_id": dialog_id,
        "dialog_version": dialog_version,
        "participant_id": participant_id,
        "conversation_key": conversation_key,
        "conversation": conversation,
        "state_json": state_json,
        "started_at": now,
        "updated_at": now,
    }
    try:
        run_id = _execute(session, _START_RUN, values).scalar_one()
    except IntegrityError as error:
        raise ConcurrentUpdateError("a dialog started concurrently") from error
    state = json.loads(state_json)
    return RunRow(
        run_id, tenant, dialog_id, dialog_version, participant_id, engagement_id,
        conversation_key, conversation, status, state, None, 1,
    )  # fmt: skip


def save_run(
    session: Session,
    run: RunRow,
    *,
    state_json: str,
    current_step: str | None,
    status: str,
    result: dict[str, Any] | None = None,
    now: datetime,
) -> None:
    """Save the engine state (``state_json``, as JSON text) with a compare-and-set on
    ``version``: a run advanced elsewhere meanwhile raises."""
    changed = _execute(
        session,
        _SAVE_RUN,
        {
            "run_id": run.id,
            "old_version": run.version,
            "state_json": state_json,
            "current_step": current_step,
            "status": status,
            "version": run.version + 1,
            "updated_at": now,
            "completed_at": now if status != "active" else None,
            "result": result if result is not None else run.result,
        },
    ).rowcount
    if changed != 1:
        raise ConcurrentUpdateError(f"dialog run {run.id} changed meanwhile")


def record_answer(
    session: Session,
    *,
    run: RunRow,
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
        _execute(session, _SUPERSEDE, {"run": run.id, "answer_path": path, "now": now})
    _execute(
        session,
        _INSERT_ANSWER,
        {
            "run_id": run.id,
            "participant_id": run.participant_id,
            "engagement_id": run.engagement_id,
            "dialog_id": run.dialog_id,
            "path": path,
            "raw_text": raw_text,
            "value": value,
            "skipped": skipped,
            "answered_at": now,
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
    now: datetime,
) -> None:
    values = {
        "key": key,
        "platform": platform,
        "workspace": workspace,
        "channel": channel,
        "thread": thread,
        "user_id": user_id,
        "data": data,
        "updated_at": now,
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

_UTC = _OUTBOX.c.created_at.type  # the UTC datetime type of every timestamp column
_CLAIM_INBOUND = (
    update(_INBOUND)
    .where(_INBOUND.c.id == bindparam("inbound_id"), _INBOUND.c.status == "pending")
    .values(
        status="done",
        processed_at=bindparam("now", type_=_UTC),
        attempts=_INBOUND.c.attempts + 1,
    )
)
_FINISH_INBOUND = (
    update(_INBOUND)
    .where(_INBOUND.c.id == bindparam("inbound_id"))
    .values(_values(_INBOUND, "status", "processed_at"))
)
_ADD_OUTBOX = (
    insert(_OUTBOX)
    .values(
        status="pending",
        attempts=0,
        # JSON the caller serialized already (pydantic does it several times faster).
        conversation=bindparam("conversation_json", type_=JSONText()),
        payload=bindparam("payload_json", type_=JSONText()),
        **_values(_OUTBOX, "platform", "conversation_key", "created_at"),
    )
    .returning(_OUTBOX.c.id)
)
_OUTBOX_MESSAGE = select(_OUTBOX.c.conversation, _OUTBOX.c.payload).where(
    _OUTBOX.c.id == bindparam("message_id")
)


_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("message_id"))
    .values(status="sent", **_values(_OUTBOX, "sent_at", "platform_message_id"))
)


def _claim_due(*, unless_sending: bool) -> Executable:
    """Claim a conversation's next pending messages in one statement, in order, up to the
    first that waits for a retry (nothing overtakes it); ``unless_sending``: none while
    another worker is posting one of its messages (claimed since ``lease_start``).

    It returns each claimed message with the platform id of the question it answers
    (the question is updated to show the answer), read in the same statement."""
    due, waiting, sending = (_OUTBOX.alias(name) for name in ("due", "waiting", "sending"))
    first = (
        select(due.c.id)
        .where(
            due.c.conversation_key == bindparam("key"),
            due.c.status == "pending",
            ~exists().where(
                waiting.c.conversation_key == bindparam("key"),
                waiting.c.status == "pending",
                waiting.c.not_before > bindparam("now", type_=_UTC),
                waiting.c.id <= due.c.id,
            ),
        )
        .order_by(due.c.id)
        .limit(bindparam("limit"))
    )
    claim = update(_OUTBOX).where(_OUTBOX.c.id.in_(first), _OUTBOX.c.status == "pending")
    if unless_sending:
        claim = claim.where(
            ~exists().where(
                sending.c.conversation_key == bindparam("key"),
                sending.c.status == "sending",
                sending.c.claimed_at >= bindparam("lease_start", type_=_UTC),
            )
        )
    answered = _OUTBOX.c.payload[("answered", "prompt_key")].as_string()
    earlier = (
        select(_MESSAGE_REFS.c.platform_message_id)
        .where(
            # The key as a parameter: SQLite's RETURNING names the updated table's
            # columns unqualified, where the subquery's own columns would shadow them.
            _MESSAGE_REFS.c.conversation_key == bindparam("key"),
            _MESSAGE_REFS.c.prompt_key == answered,
        )
        .scalar_subquery()
    )
    return claim.values(status="sending", claimed_at=bindparam("now", type_=_UTC)).returning(
        _OUTBOX.c.id, _OUTBOX.c.attempts, earlier
    )


_CLAIM_DUE = _claim_due(unless_sending=False)
_CLAIM_DUE_UNLESS_SENDING = _claim_due(unless_sending=True)


def record_inbound(
    session: Session, *, platform: str, event_id: str, payload_json: str, now: datetime
) -> int | None:
    """Insert the event (``payload_json``: the Inbound as JSON text); None when this
    (platform, event_id) was recorded before."""
    found = _execute(
        session,
        _on_conflict(_dialect(session)).record_inbound,
        {
            "platform": platform,
            "event_id": event_id,
            "payload_json": payload_json,
            "received_at": now,
        },
    ).scalar_one_or_none()
    return cast(int | None, found)


def claim_inbound(session: Session, event_id: int, *, now: datetime) -> bool:
    """Take a pending event for its turn, marked done in the same statement (the turn is
    one transaction: if it fails, the mark is rolled back with it); False when another
    worker has it or had it."""
    return _execute(session, _CLAIM_INBOUND, {"inbound_id": event_id, "now": now}).rowcount == 1


def finish_inbound(session: Session, event_id: int, *, now: datetime, status: str = "done") -> None:
    _execute(
        session, _FINISH_INBOUND, {"inbound_id": event_id, "status": status, "processed_at": now}
    )


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


def replace_inbound_payload(session: Session, event_id: int, payload: dict[str, Any]) -> None:
    """Keep less of an event than was recorded (what was said, once it proved not for us)."""
    session.execute(
        update(InboundEvent)
        .where(InboundEvent.id == event_id)
        .values(payload=payload)
        .execution_options(synchronize_session=False)
    )


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
    conversation_json: str,
    payload_json: str,
    now: datetime,
) -> int:
    """Queue a message (the conversation and the message as JSON text); its outbox id."""
    found = _execute(
        session,
        _ADD_OUTBOX,
        {
            "platform": platform,
            "conversation_key": conversation_key,
            "conversation_json": conversation_json,
            "payload_json": payload_json,
            "created_at": now,
        },
    ).scalar_one()
    return int(found)


def outbox_message(session: Session, message_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A queued message's conversation and payload."""
    conversation, payload = _execute(session, _OUTBOX_MESSAGE, {"message_id": message_id}).one()
    return conversation, payload


def outbox_parts(session: Session, message_id: int) -> list[str | None]:
    """The platform ids of a queued message's parts posted so far (none: empty)."""
    parts = session.scalar(select(OutboxMessage.parts_posted).where(OutboxMessage.id == message_id))
    return list(parts or ())


def set_outbox_parts(session: Session, message_id: int, parts: Sequence[str | None]) -> None:
    """Record which parts of a message are posted, before its next part is sent."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(parts_posted=list(parts))
        .execution_options(synchronize_session=False)
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


class DueMessage(NamedTuple):
    id: int
    attempts: int
    earlier: str | None  # platform id of the question the message answers, when it does


# A claimed message not marked sent within this long belongs to a worker that died:
# stuck_outbox gives it back, and it no longer holds its conversation.
CLAIM_LEASE = timedelta(minutes=2)


# A constant, like the other statements of every turn: built and given its cache key once.
_LOCK = select(func.pg_advisory_xact_lock(bindparam("lock_key", type_=BigInteger())))


def lock_conversation(session: Session, conversation_key: str) -> bool:
    """Hold one conversation until the transaction ends, across processes: its turns
    run one at a time and its messages are claimed in order. PostgreSQL: a
    transaction-scoped advisory lock on the key's 64-bit hash; True. SQLite (one
    process serves a conversation, one transaction at a time): nothing to take; False."""
    if _dialect(session) != "postgresql":
        return False
    digest = hashlib.blake2b(conversation_key.encode(), digest_size=8).digest()
    _execute(session, _LOCK, {"lock_key": int.from_bytes(digest, "big", signed=True)})
    return True


def claim_due(
    session: Session,
    conversation_key: str,
    now: datetime,
    limit: int = 50,
    *,
    overtake: bool = False,
    locked: bool = False,
) -> list[DueMessage]:
    """Take a conversation's next messages for sending, in order: the pending ones up to
    the first that waits for a retry (nothing overtakes it). Rows another worker holds
    are left to it (on PostgreSQL the lock makes a concurrent claimer wait, then skip
    them); one a crashed worker held comes back through :func:`stuck_outbox`.
    ``overtake`` claims even while a message of the conversation is being sent;
    ``locked`` says this transaction holds the conversation's lock already."""
    locked = locked or lock_conversation(session, conversation_key)
    # While another worker posts this conversation's earlier messages, nothing is
    # claimed: it claims these too once its last is marked sent (under this same lock),
    # so nothing posted here can overtake what it is posting.
    statement = _CLAIM_DUE_UNLESS_SENDING if locked and not overtake else _CLAIM_DUE
    params = {"key": conversation_key, "now": now, "limit": limit}
    if statement is _CLAIM_DUE_UNLESS_SENDING:
        params["lease_start"] = now - CLAIM_LEASE
    rows = _execute(session, statement, params)
    return sorted(map(DueMessage._make, rows))  # RETURNING promises no order


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


def abandon_sending(session: Session, conversation_key: str) -> None:
    """A conversation's messages held as being sent by a process that is gone, given up
    (its caller knows they went with it)."""
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.conversation_key == conversation_key,
            OutboxMessage.status == "sending",
        )
        .values(status="failed", claimed_at=None, error="abandoned: its terminal closed")
        .execution_options(synchronize_session=False)
    )


def mark_sent(
    session: Session, message_id: int, platform_message_id: str | None, *, now: datetime
) -> None:
    _execute(
        session,
        _MARK_SENT,
        {"message_id": message_id, "platform_message_id": platform_message_id, "sent_at": now},
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
    session: Session,
    *,
    conversation_key: str,
    prompt_key: str,
    platform_message_id: str,
    now: datetime,
) -> None:
    _execute(
        session,
        _on_conflict(_dialect(session)).remember_message,
        {
            "conversation_key": conversation_key,
            "prompt_key": prompt_key,
            "platform_message_id": platform_message_id,
            "created_at": now,
        },
    )


# --- engagements: members, channels, invitations -------------------------------


def engagement(session: Session, engagement_id: int) -> Engagement | None:
    return session.get(Engagement, engagement_id)


def find_engagement(session: Session, tenant: str, name: str) -> Engagement | None:
    """An engagement of the workspace by its name or slug, as a person would type it."""
    wanted = " ".join(re.findall(r"[a-z0-9]+", name.lower()))
    for found in engagements(session, tenant):
        for candidate in (found.name, found.slug):
            if " ".join(re.findall(r"[a-z0-9]+", candidate.lower())) == wanted:
                return found
    return None


def role_in(session: Session, engagement_id: int, participant_id: int) -> str | None:
    return session.scalar(
        select(EngagementMember.role).where(
            EngagementMember.engagement_id == engagement_id,
            EngagementMember.participant_id == participant_id,
        )
    )


def add_member(
    session: Session,
    *,
    engagement_id: int,
    participant_id: int,
    role: str,
    added_by_id: int | None,
    now: datetime,
) -> None:
    """Give a person a role in an engagement; a role they hold already is never lowered
    (an owner invited to an interview stays an owner)."""
    statement = _insert(session, EngagementMember).values(
        engagement_id=engagement_id,
        participant_id=participant_id,
        role=role,
        added_by_id=added_by_id,
        created_at=now,
    )
    rank = case(
        (EngagementMember.role == "owner", 3),
        (EngagementMember.role == "member", 2),
        else_=1,
    )
    new_rank = {"owner": 3, "member": 2}.get(role, 1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["engagement_id", "participant_id"],
            set_={"role": case((rank < new_rank, role), else_=EngagementMember.role)},
        )
    )


def engagements_of(session: Session, participant_id: int) -> Sequence[tuple[Engagement, str]]:
    """The active engagements a person has a role in, with the role."""
    rows = session.execute(
        select(Engagement, EngagementMember.role)
        .join(EngagementMember, EngagementMember.engagement_id == Engagement.id)
        .where(EngagementMember.participant_id == participant_id, Engagement.status == "active")
        .order_by(Engagement.id)
    )
    return [(row[0], row[1]) for row in rows]


def bound_engagement(session: Session, conversation_key: str) -> Engagement | None:
    return session.scalar(
        select(Engagement)
        .join(ChannelBinding, ChannelBinding.engagement_id == Engagement.id)
        .where(ChannelBinding.conversation_key == conversation_key)
    )


def bind_channel(
    session: Session,
    *,
    conversation_key: str,
    conversation: dict[str, Any],
    engagement_id: int,
    bound_by_id: int,
    now: datetime,
) -> None:
    """Bind a channel to an engagement (a channel bound before is bound anew)."""
    statement = _insert(session, ChannelBinding).values(
        conversation_key=conversation_key,
        conversation=conversation,
        engagement_id=engagement_id,
        bound_by_id=bound_by_id,
        created_at=now,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["conversation_key"],
            set_={
                "engagement_id": statement.excluded.engagement_id,
                "conversation": statement.excluded.conversation,
                "bound_by_id": statement.excluded.bound_by_id,
                "created_at": statement.excluded.created_at,
            },
        )
    )


def participant(session: Session, participant_id: int) -> Participant | None:
    return session.get(Participant, participant_id)


def participants_by_name(
    session: Session, platform: str, workspace: str, name: str
) -> Sequence[Participant]:
    """People of a workspace whose user id or display name is ``name`` (the terminal
    chat names people instead of mentioning them)."""
    wanted = name.strip().lower()
    return session.scalars(
        select(Participant).where(
            Participant.platform == platform,
            Participant.workspace == workspace,
            or_(
                func.lower(Participant.user_id) == wanted,
                func.lower(Participant.display_name) == wanted,
            ),
        )
    ).all()


def add_invitation(session: Session, invitation: Invitation) -> Invitation:
    session.add(invitation)
    session.flush()
    return invitation


def invitations(
    session: Session,
    engagement_id: int,
    *,
    dialog_id: str | None = None,
    participant_id: int | None = None,
) -> Sequence[tuple[Invitation, Participant, DialogRun | None]]:
    """An engagement's invitations, oldest first, with the invited person and their run."""
    query = (
        select(Invitation, Participant, DialogRun)
        .join(Participant, Participant.id == Invitation.participant_id)
        .outerjoin(DialogRun, DialogRun.id == Invitation.run_id)
        .where(Invitation.engagement_id == engagement_id)
        .order_by(Invitation.id)
    )
    if dialog_id is not None:
        query = query.where(Invitation.dialog_id == dialog_id)
    if participant_id is not None:
        query = query.where(Invitation.participant_id == participant_id)
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


def invitation_of_run(session: Session, run_id: int) -> Invitation | None:
    return session.scalar(select(Invitation).where(Invitation.run_id == run_id))


def get_invitation(session: Session, invitation_id: int) -> Invitation | None:
    return session.get(Invitation, invitation_id)


def due_nudges(session: Session, now: datetime, limit: int = 500) -> Sequence[Invitation]:
    """Open invitations whose next nudge is due."""
    return session.scalars(
        select(Invitation)
        .where(
            Invitation.status.in_(("invited", "started")),
            Invitation.next_nudge_at.is_not(None),
            Invitation.next_nudge_at <= now,
        )
        .order_by(Invitation.next_nudge_at)
        .limit(limit)
    ).all()


def paused_runs(
    session: Session, participant_id: int, conversation_key: str
) -> Sequence[DialogRun]:
    return session.scalars(
        select(DialogRun)
        .where(
            DialogRun.participant_id == participant_id,
            DialogRun.conversation_key == conversation_key,
            DialogRun.status == "paused",
        )
        .order_by(DialogRun.id)
    ).all()


def set_run_status(session: Session, run_id: int, status: str, *, now: datetime) -> None:
    session.execute(
        update(DialogRun)
        .where(DialogRun.id == run_id)
        .values(status=status, updated_at=now, version=DialogRun.version + 1)
        .execution_options(synchronize_session=False)
    )


def current_answers_of(
    session: Session, *, engagement_id: int, participant_id: int
) -> Sequence[Answer]:
    """A person's current answers in an engagement (every dialog), oldest first."""
    return session.scalars(
        select(Answer)
        .where(
            Answer.engagement_id == engagement_id,
            Answer.participant_id == participant_id,
            Answer.superseded_at.is_(None),
        )
        .order_by(Answer.id)
    ).all()


def set_timezone(session: Session, participant_id: int, timezone: str) -> None:
    session.execute(
        update(Participant)
        .where(Participant.id == participant_id)
        .values(timezone=timezone)
        .execution_options(synchronize_session=False)
    )


def last_finished_run(
    session: Session, participant_id: int, conversation_key: str
) -> DialogRun | None:
    """The person's latest completed or cancelled run in a conversation."""
    return session.scalar(
        select(DialogRun)
        .where(
            DialogRun.participant_id == participant_id,
            DialogRun.conversation_key == conversation_key,
            DialogRun.status.in_(("completed", "cancelled")),
        )
        .order_by(DialogRun.id.desc())
        .limit(1)
    )


def last_completed_run_of(
    session: Session, participant_id: int, conversation_key: str, dialog_id: str
) -> DialogRun | None:
    """The person's latest completed run of one dialog in a conversation."""
    return session.scalar(
        select(DialogRun)
        .where(
            DialogRun.participant_id == participant_id,
            DialogRun.conversation_key == conversation_key,
            DialogRun.dialog_id == dialog_id,
            DialogRun.status == "completed",
        )
        .order_by(DialogRun.id.desc())
        .limit(1)
    )


# --- delivery engagements: channel, checklist, proofs of value -----------------------


def channel_of(session: Session, engagement_id: int) -> ChannelBinding | None:
    """The channel bound to an engagement most recently, if any."""
    return session.scalar(
        select(ChannelBinding)
        .where(ChannelBinding.engagement_id == engagement_id)
        .order_by(ChannelBinding.created_at.desc(), ChannelBinding.id.desc())
        .limit(1)
    )


def checklist_marks(
    session: Session, engagement_id: int
) -> Sequence[tuple[ChecklistMark, Participant]]:
    """The items of an engagement's checklist marked done (not undone), with who did."""
    rows = session.execute(
        select(ChecklistMark, Participant)
        .join(Participant, Participant.id == ChecklistMark.done_by_id)
        .where(ChecklistMark.engagement_id == engagement_id, ChecklistMark.undone_at.is_(None))
        .order_by(ChecklistMark.id)
    )
    return [(row[0], row[1]) for row in rows]


# --- the RAID log ----------------------------------------------------------------------

NUMBER_ATTEMPTS = 5


def add_numbered(session: Session, item: RaidItem | FlowItem) -> None:
    """Store a new RAID or flow item as the next number of its engagement (what people
    type: ``raid close 3``). Two people adding at once on PostgreSQL may take the same
    number: the later one takes the next (a savepoint, so nothing else of the turn is
    undone)."""
    model = type(item)
    for _attempt in range(NUMBER_ATTEMPTS):
        highest = session.scalar(
            select(func.max(model.number)).where(model.engagement_id == item.engagement_id)
        )
        item.number = (highest or 0) + 1
        try:
            with session.begin_nested():
                session.add(item)
                session.flush()
            return
        except IntegrityError:
            continue
    raise ConcurrentUpdateError(f"could not number a new {model.__tablename__} row")


def add_raid_item(session: Session, item: RaidItem) -> RaidItem:
    add_numbered(session, item)
    return item


def raid_item(session: Session, engagement_id: int, number: int) -> RaidItem | None:
    """An engagement's item by its number."""
    return session.scalar(
        select(RaidItem).where(RaidItem.engagement_id == engagement_id, RaidItem.number == number)
    )


def open_raid_items(
    session: Session, engagement_id: int, *, internal: bool = True
) -> Sequence[RaidItem]:
    """An engagement's open RAID items, by number; without the internal ones unless
    ``internal`` (what the findings and the iteration review read)."""
    query = select(RaidItem).where(
        RaidItem.engagement_id == engagement_id, RaidItem.status == "open"
    )
    if not internal:
        query = query.where(RaidItem.internal.is_(False))
    return session.scalars(query.order_by(RaidItem.number)).all()


def add_raid_change(
    session: Session,
    *,
    item_id: int,
    participant_id: int,
    field: str,
    old_value: str | None,
    new_value: str | None,
    now: datetime,
    note: str | None = None,
) -> None:
    session.add(
        RaidChange(
            item_id=item_id,
            participant_id=participant_id,
            field=field,
            old_value=old_value,
            new_value=new_value,
            note=note,
            changed_at=now,
        )
    )


def raid_history(session: Session, item_id: int) -> Sequence[tuple[RaidChange, Participant]]:
    """An item's changes, oldest first, each with who made it."""
    rows = session.execute(
        select(RaidChange, Participant)
        .join(Participant, Participant.id == RaidChange.participant_id)
        .where(RaidChange.item_id == item_id)
        .order_by(RaidChange.id)
    )
    return [(row[0], row[1]) for row in rows]


def add_checklist_mark(session: Session, mark: ChecklistMark) -> ChecklistMark:
    session.add(mark)
    session.flush()
    return mark


def pov_of(session: Session, engagement_id: int) -> ProofOfValue | None:
    return session.scalar(select(ProofOfValue).where(ProofOfValue.engagement_id == engagement_id))


def add_pov(session: Session, pov: ProofOfValue) -> ProofOfValue:
    session.add(pov)
    session.flush()
    return pov


def add_pov_change(session: Session, change: PovChange) -> None:
    session.add(change)


def pov_changes(session: Session, engagement_id: int) -> Sequence[tuple[PovChange, Participant]]:
    """The history of an engagement's proof of value and outcome, oldest first."""
    rows = session.execute(
        select(PovChange, Participant)
        .join(Participant, Participant.id == PovChange.by_id)
        .where(PovChange.engagement_id == engagement_id)
        .order_by(PovChange.at, PovChange.id)
    )
    return [(row[0], row[1]) for row in rows]


def opportunities(
    session: Session, tenant: str | None = None
) -> Sequence[tuple[Engagement, ProofOfValue | None]]:
    """Every engagement (an opportunity) with its proof of value, if it had one."""
    statement = select(Engagement, ProofOfValue).outerjoin(
        ProofOfValue, ProofOfValue.engagement_id == Engagement.id
    )
    if tenant is not None:
        statement = statement.where(Engagement.tenant == tenant)
    rows = session.execute(statement.order_by(Engagement.tenant, Engagement.id))
    return [(row[0], row[1]) for row in rows]


def overdue_raid_items(session: Session, before: date, limit: int = 500) -> Sequence[RaidItem]:
    """Open items due before ``before`` and not reminded of on or after it (the owner's
    own today decides, see :func:`claim_raid_reminder`)."""
    return session.scalars(
        select(RaidItem)
        .where(
            RaidItem.status == "open",
            RaidItem.due_date.is_not(None),
            RaidItem.due_date < before,
            or_(RaidItem.last_reminded_on.is_(None), RaidItem.last_reminded_on < before),
        )
        # The least recently reminded first: those reminded today (by their owner's
        # date) stay candidates in other timezones, and must not crowd out the rest.
        .order_by(RaidItem.last_reminded_on.asc().nulls_first(), RaidItem.due_date, RaidItem.id)
        .limit(limit)
    ).all()


def claim_raid_reminder(session: Session, item_id: int, today: date) -> bool:
    """Take today's overdue reminder of an item; False when it was taken already (by
    another process: on PostgreSQL the second UPDATE waits for the first to commit,
    then finds the row reminded)."""
    result = session.execute(
        update(RaidItem)
        .where(
            RaidItem.id == item_id,
            RaidItem.status == "open",
            or_(RaidItem.last_reminded_on.is_(None), RaidItem.last_reminded_on < today),
        )
        .values(last_reminded_on=today)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def engagement_team(session: Session, engagement_id: int) -> Sequence[Participant]:
    """The engagement's owners and members (our side: who may see what is internal)."""
    return session.scalars(
        select(Participant)
        .join(EngagementMember, EngagementMember.participant_id == Participant.id)
        .where(
            EngagementMember.engagement_id == engagement_id,
            EngagementMember.role.in_(("owner", "member")),
        )
        .order_by(Participant.id)
    ).all()


# -- retrospectives ----------------------------------------------------------------


def engagement_people(session: Session, engagement_id: int) -> Sequence[tuple[Participant, str]]:
    """Everyone with a role in an engagement, with the role, in the order they joined."""
    rows = session.execute(
        select(Participant, EngagementMember.role)
        .join(EngagementMember, EngagementMember.participant_id == Participant.id)
        .where(EngagementMember.engagement_id == engagement_id)
        .order_by(EngagementMember.id)
    )
    return [(row[0], row[1]) for row in rows]


def add_retro(session: Session, retro: Retro) -> Retro:
    session.add(retro)
    session.flush()
    return retro


def get_retro(session: Session, retro_id: int, *, lock: bool = False) -> Retro | None:
    """A retro; ``lock`` holds its row until the transaction ends (PostgreSQL), so two
    members finishing at once both add to its pool."""
    if not lock:
        return session.get(Retro, retro_id)
    return session.scalar(
        select(Retro)
        .where(Retro.id == retro_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def retros_of(session: Session, engagement_id: int) -> Sequence[Retro]:
    """An engagement's retrospectives, oldest first."""
    return session.scalars(
        select(Retro).where(Retro.engagement_id == engagement_id).order_by(Retro.id)
    ).all()


def add_retro_member(session: Session, member: RetroMember) -> RetroMember:
    session.add(member)
    session.flush()
    return member


def retro_members(session: Session, retro_id: int) -> Sequence[tuple[RetroMember, Participant]]:
    rows = session.execute(
        select(RetroMember, Participant)
        .join(Participant, Participant.id == RetroMember.participant_id)
        .where(RetroMember.retro_id == retro_id)
        .order_by(RetroMember.id)
    )
    return [(row[0], row[1]) for row in rows]


def retro_member_of_run(session: Session, run_id: int) -> RetroMember | None:
    return session.scalar(select(RetroMember).where(RetroMember.run_id == run_id))


def add_retro_item(session: Session, item: RetroItem) -> None:
    session.add(item)


def retro_items(session: Session, retro_id: int) -> Sequence[RetroItem]:
    return session.scalars(
        select(RetroItem).where(RetroItem.retro_id == retro_id).order_by(RetroItem.number)
    ).all()


def retro_votes(session: Session, retro_id: int) -> Sequence[RetroVote]:
    return session.scalars(
        select(RetroVote).where(RetroVote.retro_id == retro_id).order_by(RetroVote.id)
    ).all()


def add_vote(session: Session, vote: RetroVote) -> None:
    session.add(vote)
    session.flush()


def remove_vote(session: Session, vote: RetroVote) -> None:
    session.delete(vote)
    session.flush()


def merge_retro_items(session: Session, keep: RetroItem, merged: Sequence[RetroItem]) -> None:
    """Fold duplicate items into ``keep``: their votes and actions move to it (a person
    who voted for more than one of them keeps one vote), then they are deleted."""
    ids = {item.id for item in merged}
    votes = session.scalars(
        select(RetroVote)
        .where(RetroVote.item_id.in_({keep.id, *ids}))
        .order_by(RetroVote.item_id != keep.id, RetroVote.id)
    ).all()
    voters: set[int] = set()
    for vote in votes:
        if vote.participant_id in voters:
            session.delete(vote)
        else:
            voters.add(vote.participant_id)
            vote.item_id = keep.id
    for action in session.scalars(select(RetroAction).where(RetroAction.item_id.in_(ids))):
        action.item_id = keep.id
    session.flush()  # nothing points at the merged items before they go
    for item in merged:
        session.delete(item)
    session.flush()


def add_retro_action(session: Session, action: RetroAction) -> RetroAction:
    session.add(action)
    session.flush()
    return action


def retro_actions(session: Session, retro_id: int) -> Sequence[RetroAction]:
    return session.scalars(
        select(RetroAction).where(RetroAction.retro_id == retro_id).order_by(RetroAction.id)
    ).all()


class OpenWork(NamedTuple):
    """An engagement's open work as the customer may read it, with its owners' names."""

    items: Sequence[RaidItem]
    actions: Sequence[RetroAction]
    names: dict[int, str]  # participant id -> the name to show


def open_work(session: Session, engagement_id: int) -> OpenWork:
    """The open RAID items that are not internal and the open actions of retrospectives
    that are not internal (what the readout and the iteration review show, where the
    customer reads), each list in the order it was recorded."""
    items = open_raid_items(session, engagement_id, internal=False)
    actions = session.scalars(
        select(RetroAction)
        .join(Retro, Retro.id == RetroAction.retro_id)
        .where(
            RetroAction.engagement_id == engagement_id,
            RetroAction.status == "open",
            Retro.kind != "internal",
        )
        .order_by(RetroAction.id)
    ).all()
    ids = {i.owner_id for i in items if i.owner_id} | {a.owner_id for a in actions}
    people = session.scalars(select(Participant).where(Participant.id.in_(ids))) if ids else ()
    return OpenWork(items, actions, {p.id: p.display_name or p.user_id for p in people})


def open_actions(
    session: Session, engagement_id: int, kind: str | None = None
) -> Sequence[RetroAction]:
    """An engagement's retrospective actions still open (for its findings), oldest
    first; those of one kind of retro (customer, in_project, internal...) when given."""
    statement = select(RetroAction).where(
        RetroAction.engagement_id == engagement_id, RetroAction.status == "open"
    )
    if kind is not None:
        statement = statement.join(Retro, Retro.id == RetroAction.retro_id).where(
            Retro.kind == kind
        )
    return session.scalars(statement.order_by(RetroAction.id)).all()


def actions_reviewed_in(session: Session, retro: Retro) -> Sequence[RetroAction]:
    """The actions of earlier retros of the same kind that a retro reviews, as first
    listed: those still open and those decided since it started."""
    return session.scalars(
        select(RetroAction)
        .join(Retro, Retro.id == RetroAction.retro_id)
        .where(
            RetroAction.engagement_id == retro.engagement_id,
            RetroAction.retro_id != retro.id,
            Retro.kind == retro.kind,
            or_(RetroAction.status == "open", RetroAction.decided_at >= retro.created_at),
        )
        .order_by(RetroAction.id)
    ).all()


def forget_run_answers(session: Session, run_id: int) -> None:
    """Delete every answer row of a run, history included (an anonymous retro's items,
    once they are kept where nothing names their author)."""
    session.execute(
        delete(Answer).where(Answer.run_id == run_id).execution_options(synchronize_session=False)
    )


def inbound_since(session: Session, platform: str, since: datetime) -> Sequence[InboundEvent]:
    return session.scalars(
        select(InboundEvent)
        .where(InboundEvent.platform == platform, InboundEvent.received_at >= since)
        .order_by(InboundEvent.id)
    ).all()


def blank_outbox(session: Session, conversation_key: str, since: datetime) -> None:
    """Forget what was sent to a conversation since ``since`` (delivered or given up:
    nothing will read it again)."""
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.conversation_key == conversation_key,
            OutboxMessage.created_at >= since,
            OutboxMessage.status.in_(("sent", "failed")),
        )
        .values(payload={"blocks": []})
        .execution_options(synchronize_session=False)
    )


# --- ceremony schedules --------------------------------------------------------


def schedule_of(session: Session, engagement_id: int) -> Schedule | None:
    return session.scalar(select(Schedule).where(Schedule.engagement_id == engagement_id))


def save_schedule(session: Session, schedule: Schedule) -> Schedule:
    session.add(schedule)
    session.flush()
    return schedule


def due_schedules(session: Session, now: datetime, limit: int) -> Sequence[Schedule]:
    """Active schedules with an occurrence due by ``now``. On PostgreSQL each is locked
    for this transaction, and those another scheduler holds are skipped (it is posting
    them): two schedulers share the work instead of queueing behind each other."""
    query = (
        select(Schedule)
        .where(Schedule.status == "active", Schedule.next_due_at <= now)
        .order_by(Schedule.next_due_at, Schedule.id)
        .limit(limit)
    )
    if _dialect(session) == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).all()


def next_due(session: Session) -> datetime | None:
    """When the earliest occurrence of any active schedule is due (indexed)."""
    found: datetime | None = session.scalar(
        select(func.min(Schedule.next_due_at)).where(Schedule.status == "active")
    )
    return found.replace(tzinfo=UTC) if found is not None and found.tzinfo is None else found


_REMINDERS = cast(Table, ReminderDelivery.__table__)
_SCHEDULES = cast(Table, Schedule.__table__)


@cache
def _claim_reminder(dialect: str) -> Executable:
    """The claim's INSERT ... ON CONFLICT DO NOTHING, built once per database (a burst
    claims a thousand at once; like :func:`_on_conflict`, a constant)."""
    statement: Executable = (
        _insert_for(dialect, _REMINDERS)
        .values(
            _values(
                _REMINDERS,
                "schedule_id",
                "ceremony",
                "fire_at",
                "local_date",
                "status",
                "created_at",
            )
        )
        .on_conflict_do_nothing(index_elements=["schedule_id", "ceremony", "fire_at"])
        .returning(_REMINDERS.c.id)
    )
    return statement


def claim_reminder(
    session: Session,
    *,
    schedule_id: int,
    ceremony: str,
    fire_at: datetime,
    local_date: date,
    status: str,
    now: datetime,
) -> int | None:
    """Record one occurrence of a schedule's ceremony, once: its id, or None when it was
    recorded before (another scheduler posted it, or this one did)."""
    claimed: int | None = _execute(
        session,
        _claim_reminder(_dialect(session)),
        {
            "schedule_id": schedule_id,
            "ceremony": ceremony,
            "fire_at": fire_at,
            "local_date": local_date,
            "status": status,
            "created_at": now,
        },
    ).scalar()
    return claimed


def set_reminder_outbox(session: Session, delivery_id: int, outbox_id: int) -> None:
    session.connection().execute(
        update(_REMINDERS).where(_REMINDERS.c.id == delivery_id).values(outbox_id=outbox_id)
    )


def reminder_places(
    session: Session, engagement_ids: Sequence[int]
) -> dict[int, tuple[Engagement, dict[str, Any] | None]]:
    """For each engagement: it, and where its reminders go (the channel most recently
    bound to it, else the conversation it was set up in), in two queries for all."""
    if not engagement_ids:
        return {}
    found = session.scalars(select(Engagement).where(Engagement.id.in_(engagement_ids))).all()
    places: dict[int, tuple[Engagement, dict[str, Any] | None]] = {
        e.id: (e, e.conversation) for e in found
    }
    bindings = session.execute(
        select(ChannelBinding.engagement_id, ChannelBinding.conversation)
        .where(ChannelBinding.engagement_id.in_(engagement_ids))
        .order_by(ChannelBinding.created_at, ChannelBinding.id)
    )
    for engagement_id, conversation in bindings:  # the latest binding wins
        places[engagement_id] = (places[engagement_id][0], conversation)
    return places


def mark_schedules_checked(
    session: Session, checked: Sequence[tuple[int, datetime | None]], now: datetime
) -> None:
    """Every occurrence of these schedules up to ``now`` is handled; each with when its
    next one is due. One statement for all."""
    if not checked:
        return
    session.connection().execute(
        update(_SCHEDULES)
        .where(_SCHEDULES.c.id == bindparam("schedule_id"))
        .values(checked_until=bindparam("now"), next_due_at=bindparam("next_due"))
        .execution_options(synchronize_session=False),
        [{"schedule_id": i, "now": now, "next_due": following} for i, following in checked],
    )


def reminder_deliveries(
    session: Session, schedule_id: int, *, status: str | None = None, since: datetime | None = None
) -> Sequence[ReminderDelivery]:
    query = select(ReminderDelivery).where(ReminderDelivery.schedule_id == schedule_id)
    if status is not None:
        query = query.where(ReminderDelivery.status == status)
    if since is not None:
        query = query.where(ReminderDelivery.fire_at >= since)
    return session.scalars(query.order_by(ReminderDelivery.fire_at)).all()


def reminder_on(
    session: Session, schedule_id: int, ceremony: str, local_date: date
) -> ReminderDelivery | None:
    return session.scalar(
        select(ReminderDelivery).where(
            ReminderDelivery.schedule_id == schedule_id,
            ReminderDelivery.ceremony == ceremony,
            ReminderDelivery.local_date == local_date,
        )
    )


def sent_message_id(session: Session, outbox_id: int) -> str | None:
    """The platform's id of an outbox message once it was posted (None before)."""
    return session.scalar(
        select(OutboxMessage.platform_message_id).where(
            OutboxMessage.id == outbox_id, OutboxMessage.status == "sent"
        )
    )


def members_with_role(
    session: Session, engagement_id: int, roles: Sequence[str]
) -> Sequence[Participant]:
    """The engagement's people holding one of ``roles``, in the order they joined."""
    return session.scalars(
        select(Participant)
        .join(EngagementMember, EngagementMember.participant_id == Participant.id)
        .where(EngagementMember.engagement_id == engagement_id, EngagementMember.role.in_(roles))
        .order_by(EngagementMember.id)
    ).all()


def engagement_runs(
    session: Session, engagement_id: int, dialog_id: str, since: datetime
) -> Sequence[DialogRun]:
    """The engagement's runs of a dialog started since ``since``, oldest first."""
    return session.scalars(
        select(DialogRun)
        .where(
            DialogRun.engagement_id == engagement_id,
            DialogRun.dialog_id == dialog_id,
            DialogRun.started_at >= since,
        )
        .order_by(DialogRun.id)
    ).all()


class FinishedRun(NamedTuple):
    """A finished interview's current answers, as the findings read them."""

    run_id: int
    dialog_id: str
    participant_id: int
    name: str  # the participant's display name, else their platform id
    answers: dict[str, tuple[Any, bool]]  # path -> (value, skipped)


def finished_runs(
    session: Session, engagement_id: int, dialog_ids: Sequence[str], also_run: int | None = None
) -> Iterator[FinishedRun]:
    """Every completed run of these dialogs in an engagement (and ``also_run``, one
    completing in this transaction) with its current answers, in run order.

    The database folds each run's answers into one JSON object (``path -> [value,
    skipped]``), so a run is one row: a large engagement has hundreds of thousands of
    answers, and reading them as rows cost three times the CPU (each row through the
    driver, SQLAlchemy's result processing and its own ``json.loads``). A run has one
    current answer per path (an edit supersedes the earlier one)."""
    finished = DialogRun.status == "completed"
    if also_run is not None:
        finished = or_(finished, DialogRun.id == also_run)
    if _dialect(session) == "postgresql":
        pair = func.json_build_array(Answer.value, Answer.skipped)
        folded = func.json_object_agg(Answer.path, pair)
    else:  # SQLite's JSON functions (built in since 3.38)
        pair = func.json_array(func.json(Answer.value), Answer.skipped)
        folded = func.json_group_object(Answer.path, pair)
    # Core execution: plain rows, without the ORM's per-row loading.
    rows = session.connection().execute(
        select(
            DialogRun.id,
            DialogRun.dialog_id,
            DialogRun.participant_id,
            Participant.display_name,
            Participant.user_id,
            type_coerce(folded, JSON),
        )
        .join(Answer, Answer.run_id == DialogRun.id)
        .join(Participant, Participant.id == DialogRun.participant_id)
        .where(
            DialogRun.engagement_id == engagement_id,
            DialogRun.dialog_id.in_(list(dialog_ids)),
            finished,
            Answer.superseded_at.is_(None),
        )
        .group_by(
            DialogRun.id,
            DialogRun.dialog_id,
            DialogRun.participant_id,
            Participant.display_name,
            Participant.user_id,
        )
        .order_by(DialogRun.id)
        .execution_options(yield_per=100)
    )
    for run, dialog, who, display, user, answers in rows:
        yield FinishedRun(
            run,
            dialog,
            who,
            display or user,
            {path: (value, bool(skipped)) for path, (value, skipped) in answers.items()},
        )


def open_runs_count(
    session: Session, engagement_id: int, dialog_ids: Sequence[str]
) -> dict[str, int]:
    """How many runs of each dialog are still under way (active or paused) in an engagement."""
    rows = session.execute(
        select(DialogRun.dialog_id, func.count())
        .where(
            DialogRun.engagement_id == engagement_id,
            DialogRun.dialog_id.in_(list(dialog_ids)),
            DialogRun.status.in_(("active", "paused")),
        )
        .group_by(DialogRun.dialog_id)
    )
    return {dialog: int(count) for dialog, count in rows}


# --- flow items ------------------------------------------------------------------------


def add_flow_item(session: Session, item: FlowItem, by_id: int, now: datetime) -> FlowItem:
    """Store a new flow item as the next number of its engagement, with its first
    transition (recorded: None -> new)."""
    add_numbered(session, item)
    add_flow_transition(session, item, by_id, item.state, now, old_state=None)
    return item


def add_flow_transition(
    session: Session,
    item: FlowItem,
    by_id: int,
    new_state: str,
    now: datetime,
    *,
    old_state: str | None,
) -> None:
    """Move an item to ``new_state`` (recording who did it, when)."""
    item.state = new_state
    item.updated_at = now
    session.add(
        FlowTransition(
            item_id=item.id, participant_id=by_id, old_state=old_state, new_state=new_state, at=now
        )
    )


def rename_flow_item(
    session: Session, item: FlowItem, by_id: int, title: str, now: datetime
) -> None:
    """Give an item a new title (recording the old one, who renamed it, when)."""
    old = item.title
    item.title = title
    item.updated_at = now
    session.add(
        FlowTransition(
            item_id=item.id,
            participant_id=by_id,
            old_state=item.state,
            new_state=item.state,
            at=now,
            old_title=old,
            new_title=title,
        )
    )


def flow_item(session: Session, engagement_id: int, number: int) -> FlowItem | None:
    """An engagement's flow item by its number."""
    return session.scalar(
        select(FlowItem).where(FlowItem.engagement_id == engagement_id, FlowItem.number == number)
    )


def flow_items(session: Session, engagement_id: int) -> Sequence[FlowItem]:
    """An engagement's flow items but the removed ones, by number."""
    return session.scalars(
        select(FlowItem)
        .where(FlowItem.engagement_id == engagement_id, FlowItem.state != "removed")
        .order_by(FlowItem.number)
    ).all()


def flow_transitions(session: Session, engagement_id: int) -> Sequence[FlowTransition]:
    """Every change of an engagement's flow items but the removed ones, in the order they
    happened."""
    return session.scalars(
        select(FlowTransition)
        .join(FlowItem, FlowItem.id == FlowTransition.item_id)
        .where(
            FlowItem.engagement_id == engagement_id,
            FlowItem.state != "removed",
        )
        .order_by(FlowTransition.at, FlowTransition.id)
    ).all()


def flow_item_history(
    session: Session, item_id: int
) -> Sequence[tuple[FlowTransition, Participant]]:
    """One flow item's changes (its states and renames), in the order they happened, each
    with who made it."""
    rows = session.execute(
        select(FlowTransition, Participant)
        .join(Participant, Participant.id == FlowTransition.participant_id)
        .where(FlowTransition.item_id == item_id)
        .order_by(FlowTransition.at, FlowTransition.id)
    )
    return [(row[0], row[1]) for row in rows]
