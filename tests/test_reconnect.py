"""PostgreSQL connections that drop: the pool pings nothing before a checkout (it would
cost every transaction three round trips), so a transaction whose pooled connection
proves dropped runs once more on a new one, and nothing is lost or done twice."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from assistant.app import Assistant
from storage.db import Database
from storage.models import InboundEvent, OutboxMessage
from tests.chat import Chat
from tests.conftest import ON_POSTGRES, _admin_url

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's server connections")


async def _drop_connections(db: Database) -> int:
    """End every server connection to the test database (as a server restart would)."""
    import asyncpg

    connection = await asyncpg.connect(_admin_url())
    try:
        rows = await connection.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            db.url.database,
        )
    finally:
        await connection.close()
    await asyncio.sleep(0.05)  # the server closes them
    return len(rows)


async def test_a_turn_after_the_server_dropped_every_connection_is_answered_once(
    assistant: Assistant,
) -> None:
    chat = Chat(assistant)
    await chat.say("qualify")
    assert chat.question is not None
    assert await _drop_connections(assistant.db) >= 1

    replies = await chat.say("Acme")

    assert replies, "the turn after the drop was answered"
    events, messages = await assistant.db.run(
        lambda s: (
            s.scalar(select(func.count()).select_from(InboundEvent)),
            s.scalar(select(func.count()).select_from(OutboxMessage)),
        )
    )
    assert events == 2
    assert messages == len(chat.recorder.sent)  # type: ignore[union-attr]


async def test_a_connection_dropped_twice_in_a_row_is_reported(assistant: Assistant) -> None:
    """Once is a stale connection; a drop on the new one too is an outage: the caller
    gets the error (and, from the dispatcher, the person an apology), and the work ran
    no more than twice."""
    runs: list[int] = []

    def doomed(session: Session) -> None:
        runs.append(1)
        session.execute(select(func.pg_terminate_backend(func.pg_backend_pid())))

    with pytest.raises(DBAPIError) as raised:
        await assistant.db.run(doomed)
    assert raised.value.connection_invalidated
    assert len(runs) == 2
    assert await assistant.db.run(lambda s: s.scalar(select(func.count(InboundEvent.id)))) == 0


async def test_work_that_fails_for_another_reason_is_not_run_again(assistant: Assistant) -> None:
    runs: list[int] = []

    def division(session: Session) -> None:
        runs.append(1)
        session.execute(select(func.div(1, 0)))

    with pytest.raises(DBAPIError) as raised:
        await assistant.db.run(division)
    assert not raised.value.connection_invalidated
    assert len(runs) == 1


async def test_a_migration_check_after_a_drop_runs_on_a_new_connection(
    assistant: Assistant,
) -> None:
    await _drop_connections(assistant.db)
    assert await assistant.db.is_current()
    assert await assistant.db.run_connection(lambda c: c.execute(select(1)).scalar_one()) == 1
