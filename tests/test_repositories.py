"""Repositories on SQLite and PostgreSQL: every statement goes through SQLAlchemy (its
events see each one), and the hot statements keep their rules."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from assistant.app import Assistant
from storage import repositories as repo
from storage.models import Participant
from tests.chat import Chat
from tests.conftest import ON_POSTGRES

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _words(statement: str, count: int = 3) -> str:
    """The first words of a statement (its kind and table), as a key to compare by."""
    return " ".join(statement.split()[:count])


async def test_sqlalchemys_events_see_every_statement_of_a_turn(assistant: Assistant) -> None:
    """What metrics and tracing hook on (the engine's cursor events) sees the whole turn:
    the event recorded, the run read, the answer stored, the run saved, the reply queued,
    claimed and marked sent. On SQLite, it is everything the driver ran."""
    chat = Chat(assistant)
    await chat.say("qualify")

    seen: list[str] = []
    ran: list[str] = []

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    def trace_driver(session: Session, on: bool) -> None:
        driver = session.connection().connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        driver.set_trace_callback(ran.append if on else None)

    if not ON_POSTGRES:
        await assistant.db.run(partial(trace_driver, on=True))
    event.listen(assistant.db.engine, "before_cursor_execute", on_statement)
    try:
        await chat.say("Acme")
    finally:
        event.remove(assistant.db.engine, "before_cursor_execute", on_statement)
        if not ON_POSTGRES:
            await assistant.db.run(partial(trace_driver, on=False))

    assert "Acme" in repr(chat.replies)  # the turn ran: the answer is echoed
    kinds = Counter(_words(statement) for statement in seen)
    assert kinds["INSERT INTO inbound_events"] == 1  # recorded
    assert kinds["UPDATE inbound_events SET"] >= 1  # taken for its turn, done
    assert any(
        s.startswith("SELECT dialog_runs.id") and "status = 'active'" in s for s in seen
    )  # the run's one read
    assert kinds["INSERT INTO answers"] == 1
    assert kinds["UPDATE dialog_runs SET"] == 1  # the run saved
    assert kinds["INSERT INTO outbox"] >= 1
    assert kinds["UPDATE outbox SET"] >= 2  # claimed, marked sent
    if not ON_POSTGRES:
        # Everything SQLite ran but transaction control (db.py begins and commits on the
        # driver, as SQLAlchemy's pysqlite dialect itself does).
        control = ("BEGIN", "COMMIT", "ROLLBACK")
        statements = [s for s in ran if not s.startswith(control)]
        assert Counter(_words(s) for s in statements) == kinds


@pytest.mark.skipif(ON_POSTGRES, reason="reads SQLite's query plan")
async def test_every_turns_read_of_the_active_run_uses_the_index_on_active_runs(
    assistant: Assistant,
) -> None:
    """The read every turn makes, as the turn makes it, finds the one active run by the
    partial unique index, not by scanning all of a person's past runs."""
    chat = Chat(assistant)
    await chat.say("qualify")
    reads: list[tuple[str, Any]] = []

    def on_statement(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("SELECT dialog_runs.id"):
            reads.append((statement, parameters))

    event.listen(assistant.db.engine, "before_cursor_execute", on_statement)
    try:
        await chat.say("Acme")
    finally:
        event.remove(assistant.db.engine, "before_cursor_execute", on_statement)
    assert len(reads) == 1
    statement, parameters = reads[0]

    def plan(session: Session) -> str:
        rows = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return " ".join(str(row[-1]) for row in rows)

    assert "USING INDEX uq_dialog_runs_active" in await assistant.db.run(plan)


async def test_a_participant_is_created_once_and_keeps_the_latest_known_name(
    assistant: Assistant,
) -> None:
    upsert = partial(repo.upsert_participant, platform="slack", workspace="T1", user_id="U1")

    async def stored() -> Participant:
        found = await assistant.db.run(lambda s: s.scalar(select(Participant)))
        assert found is not None
        return found

    first = await assistant.db.run(
        partial(upsert, display_name="Dana", timezone="Europe/Oslo", now=MONDAY)
    )
    created = await stored()
    assert (first.display_name, first.timezone) == ("Dana", "Europe/Oslo")

    # Nothing new known: the same row, untouched.
    again = await assistant.db.run(
        partial(upsert, display_name=None, timezone="", now=MONDAY + timedelta(hours=1))
    )
    assert again == first
    assert (await stored()).updated_at == created.updated_at

    renamed = await assistant.db.run(
        partial(upsert, display_name="Dana S.", timezone=None, now=MONDAY + timedelta(hours=2))
    )
    assert renamed == (first.id, "Dana S.", "Europe/Oslo")
    after = await stored()
    assert after.updated_at == MONDAY + timedelta(hours=2)
    assert after.created_at == created.created_at == MONDAY

    count = await assistant.db.run(lambda s: len(s.scalars(select(Participant.id)).all()))
    assert count == 1
