"""Prepared statements (storage.prepared) read and write exactly what SQLAlchemy would,
inside the caller's transaction, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from typing import Any

import pytest
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assistant.app import Assistant
from storage import repositories as repo
from storage.models import InboundEvent, Participant
from storage.prepared import Prepared
from tests.conftest import ON_POSTGRES

_INBOUND = InboundEvent.__table__
_ADD = Prepared(
    insert(_INBOUND).values(
        platform="test",
        event_id=bindparam("b_event"),
        payload=bindparam("b_payload", type_=_INBOUND.c.payload.type),
        status="pending",
        attempts=0,
        received_at=bindparam("b_at", type_=_INBOUND.c.received_at.type),
        processed_at=bindparam("b_done", type_=_INBOUND.c.processed_at.type),
    )
)
_READ = Prepared(
    select(_INBOUND.c.payload, _INBOUND.c.received_at, _INBOUND.c.processed_at).where(
        _INBOUND.c.event_id == bindparam("b_event")
    )
)
PAYLOAD: dict[str, Any] = {"text": "Acme <!channel> “quoted” ✓", "n": [1, 2.5, None], "ok": True}


async def test_a_row_written_by_a_prepared_statement_reads_back_as_the_orm_wrote_it(
    assistant: Assistant,
) -> None:
    at = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))

    def write(session: Session) -> None:
        _ADD.rowcount(session, {"b_event": "e1", "b_payload": PAYLOAD, "b_at": at, "b_done": None})
        session.add(
            InboundEvent(
                platform="test", event_id="e2", payload=PAYLOAD, status="pending", received_at=at
            )
        )

    await assistant.db.run(write)

    def read(session: Session) -> tuple[Any, ...]:
        orm = session.scalar(select(InboundEvent).where(InboundEvent.event_id == "e1"))
        assert orm is not None
        return (
            (orm.payload, orm.received_at, orm.processed_at),
            _READ.first(session, {"b_event": "e1"}),
            _READ.first(session, {"b_event": "e2"}),
        )

    through_orm, prepared_own, prepared_orms = await assistant.db.run(read)
    expected = (PAYLOAD, at.astimezone(UTC), None)
    assert through_orm == prepared_own == prepared_orms == expected
    assert prepared_own[1].tzinfo is not None and prepared_own[1].utcoffset() == timedelta(0)


async def test_a_driver_error_is_sqlalchemys_and_rolls_back_the_whole_transaction(
    assistant: Assistant,
) -> None:
    def twice(session: Session) -> None:
        values = {"b_payload": {}, "b_at": datetime.now(UTC), "b_done": None}
        _ADD.rowcount(session, {"b_event": "first", **values})
        _ADD.rowcount(session, {"b_event": "dup", **values})
        _ADD.rowcount(session, {"b_event": "dup", **values})

    with pytest.raises(IntegrityError):
        await assistant.db.run(twice)
    count = await assistant.db.run(
        lambda session: len(session.scalars(select(InboundEvent.id)).all())
    )
    assert count == 0


async def test_what_the_orm_holds_back_is_written_before_a_prepared_read(
    assistant: Assistant,
) -> None:
    def add_then_read(session: Session) -> Any:
        session.add(
            InboundEvent(
                platform="test",
                event_id="pending",
                payload={"a": 1},
                status="pending",
                received_at=datetime.now(UTC),
            )
        )
        return _READ.first(session, {"b_event": "pending"})

    row = await assistant.db.run(add_then_read)
    assert row is not None and row[0] == {"a": 1}


@pytest.mark.skipif(ON_POSTGRES, reason="a synchronous session on the SQLite file")
async def test_a_session_reused_after_commit_runs_on_its_new_transaction(
    assistant: Assistant,
) -> None:
    values = {"b_payload": {}, "b_at": datetime.now(UTC), "b_done": None}
    with Session(assistant.db.engine) as session:
        _ADD.rowcount(session, {"b_event": "one", **values})
        session.commit()
        _ADD.rowcount(session, {"b_event": "two", **values})
        session.rollback()
        _ADD.rowcount(session, {"b_event": "three", **values})
        session.commit()
    stored = await assistant.db.run(
        lambda s: sorted(s.scalars(select(InboundEvent.event_id)).all())
    )
    assert stored == ["one", "three"]


async def test_a_participant_is_created_once_and_keeps_the_latest_known_name(
    assistant: Assistant,
) -> None:
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    upsert = partial(repo.upsert_participant, platform="slack", workspace="T1", user_id="U1")

    async def stored() -> Participant:
        found = await assistant.db.run(lambda s: s.scalar(select(Participant)))
        assert found is not None
        return found

    first = await assistant.db.run(
        partial(upsert, display_name="Dana", timezone="Europe/Oslo", now=monday)
    )
    created = await stored()
    assert (first.display_name, first.timezone) == ("Dana", "Europe/Oslo")

    # Nothing new known: the same row, untouched.
    again = await assistant.db.run(
        partial(upsert, display_name=None, timezone="", now=monday + timedelta(hours=1))
    )
    assert again == first
    assert (await stored()).updated_at == created.updated_at

    renamed = await assistant.db.run(
        partial(upsert, display_name="Dana S.", timezone=None, now=monday + timedelta(hours=2))
    )
    assert renamed == (first.id, "Dana S.", "Europe/Oslo")
    after = await stored()
    assert after.updated_at == monday + timedelta(hours=2)
    assert after.created_at == created.created_at == monday

    count = await assistant.db.run(lambda s: len(s.scalars(select(Participant.id)).all()))
    assert count == 1


@pytest.mark.skipif(ON_POSTGRES, reason="reads SQLite's query plan")
async def test_every_turns_read_of_the_active_run_uses_the_index_on_active_runs(
    assistant: Assistant,
) -> None:
    """The read every turn makes finds the one active run by the partial unique index,
    not by scanning all of a person's past runs."""

    def plan(session: Session) -> str:
        connection = session.connection()
        compiled = repo._ACTIVE_RUN._compiled(connection.dialect)
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled.sql}", (1, "c"))
        return " ".join(str(row[-1]) for row in rows)

    assert "uq_dialog_runs_active" in await assistant.db.run(plan)
