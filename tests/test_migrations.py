"""Migrations that rewrite data: rows written by the previous release come out as the
new code reads them (on SQLite and on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy import text as sql

from storage.db import Database, _alembic_config
from storage.models import Answer, ConversationReference, DialogRun, MessageRef, OutboxMessage


def _migrate(connection: Any, step: Any, revision: str) -> None:
    config = _alembic_config(str(connection.engine.url))
    config.attributes["connection"] = connection
    step(config, revision)


async def test_0004_keys_a_dm_by_its_person_and_names_each_answers_dialog(
    database_url: str,
) -> None:
    from alembic import command

    db = Database.from_url(database_url)
    now = datetime.now(UTC)
    dm = '{"platform": "slack", "workspace": "T1", "channel": "D1", "user": "U1"}'
    thread = '{"platform": "slack", "workspace": "T1", "channel": "C1", "thread": "1.5"}'
    try:
        await db.upgrade()
        await db.run_connection(partial(_migrate, step=command.downgrade, revision="0003"))

        def old_rows(connection: Any) -> None:
            connection.execute(
                sql(
                    "INSERT INTO participants (platform, workspace, user_id, created_at, "
                    "updated_at) VALUES ('slack', 'T1', 'U1', :now, :now)"
                ),
                {"now": now},
            )
            for key, conversation in (("slack:T1:D1", dm), ("slack:T1:C1:1.5", thread)):
                connection.execute(
                    sql(
                        "INSERT INTO dialog_runs (tenant, dialog_id, dialog_version, "
                        "participant_id, conversation_key, conversation, status, state, "
                        "version, started_at, updated_at) VALUES ('slack:T1', "
                        "'qualification', 1, 1, :key, :conversation, 'active', '{}', 1, "
                        ":now, :now)"
                    ),
                    {"key": key, "conversation": conversation, "now": now},
                )
            connection.execute(
                sql(
                    "INSERT INTO answers (run_id, participant_id, path, raw_text, value, "
                    "skipped, answered_at) VALUES (1, 1, 'customer', 'Acme', '\"Acme\"', "
                    ":no, :now)"
                ),
                {"now": now, "no": False},
            )
            # The same person's DM stored twice: as opened (newer) and as not yet opened.
            for key, channel, at in (
                ("slack:T1:", "", now - timedelta(days=1)),
                ("slack:T1:D1", "D1", now),
            ):
                connection.execute(
                    sql(
                        "INSERT INTO conversation_refs (key, platform, workspace, channel, "
                        "user_id, data, updated_at) VALUES (:key, 'slack', 'T1', :channel, "
                        "'U1', '{}', :at)"
                    ),
                    {"key": key, "channel": channel, "at": at},
                )
            connection.execute(
                sql(
                    "INSERT INTO outbox (platform, conversation_key, conversation, payload, "
                    "status, attempts, created_at) VALUES ('slack', 'slack:T1:D1', :dm, '{}', "
                    "'pending', 0, :now)"
                ),
                {"dm": dm, "now": now},
            )
            connection.execute(
                sql(
                    "INSERT INTO message_refs (conversation_key, prompt_key, "
                    "platform_message_id, created_at) VALUES ('slack:T1:D1', 'k:1:customer', "
                    "'171.1', :now)"
                ),
                {"now": now},
            )

        await db.run_connection(old_rows)
        await db.run_connection(partial(_migrate, step=command.upgrade, revision="0004"))

        def read(session: Any) -> dict[str, Any]:
            return {
                "runs": sorted(session.scalars(select(DialogRun.conversation_key)).all()),
                "answers": session.scalars(select(Answer.dialog_id)).all(),
                "refs": session.execute(
                    select(ConversationReference.key, ConversationReference.channel)
                ).all(),
                "outbox": session.scalars(select(OutboxMessage.conversation_key)).all(),
                "messages": session.scalars(select(MessageRef.conversation_key)).all(),
            }

        found = await db.run(read)
    finally:
        await db.close()
    assert found["runs"] == ["slack:T1:@U1", "slack:T1:C1:1.5"]
    assert found["answers"] == ["qualification"]
    assert found["refs"] == [("slack:T1:@U1", "D1")]
    assert found["outbox"] == ["slack:T1:@U1"]
    assert found["messages"] == ["slack:T1:@U1"]


async def test_0007_gives_engagements_a_plan_and_an_override_and_takes_them_back(
    database_url: str,
) -> None:
    from alembic import command

    from storage.models import Engagement

    db = Database.from_url(database_url)
    now = datetime.now(UTC)
    try:
        await db.upgrade()
        await db.run_connection(partial(_migrate, step=command.downgrade, revision="0006"))

        def old_rows(connection: Any) -> None:
            connection.execute(
                sql(
                    "INSERT INTO participants (platform, workspace, user_id, created_at, "
                    "updated_at) VALUES ('console', 'local', 'sa', :now, :now)"
                ),
                {"now": now},
            )
            connection.execute(
                sql(
                    "INSERT INTO engagements (tenant, slug, name, customer, status, kind, "
                    "created_by_id, created_at) VALUES ('console:local', 'acme', 'Acme', "
                    "'Acme', 'active', 'delivery', 1, :now)"
                ),
                {"now": now},
            )

        await db.run_connection(old_rows)
        await db.run_connection(partial(_migrate, step=command.upgrade, revision="0007"))

        def read(session: Any) -> tuple[Any, Any]:
            # Only the columns 0007 adds: the model has columns of later revisions too.
            session.execute(
                update(Engagement).values(
                    plan={"readout_date": "2031-01-15"}, qualification_override="asked by the CIO"
                )
            )
            row = session.execute(select(Engagement.plan, Engagement.qualification_override)).one()
            return row.plan, row.qualification_override

        assert await db.run(read) == ({"readout_date": "2031-01-15"}, "asked by the CIO")
        await db.run_connection(partial(_migrate, step=command.downgrade, revision="0006"))

        def columns(connection: Any) -> set[str]:
            from sqlalchemy import inspect

            return {c["name"] for c in inspect(connection).get_columns("engagements")}

        left = await db.run_connection(columns)
        assert "plan" not in left and "qualification_override" not in left and "kind" in left
    finally:
        await db.close()


async def test_0011_schedules_go_down_and_up_again(database_url: str) -> None:
    """The schedule tables come and go with their migration (the lead re-chains it)."""
    from alembic import command
    from sqlalchemy import inspect

    db = Database.from_url(database_url)
    try:
        await db.upgrade()

        def tables(connection: Any) -> set[str]:
            return set(inspect(connection).get_table_names())

        assert {"schedules", "reminder_deliveries"} <= await db.run_connection(tables)
        await db.run_connection(partial(_migrate, step=command.downgrade, revision="0010"))
        assert not {"schedules", "reminder_deliveries"} & await db.run_connection(tables)
        await db.run_connection(partial(_migrate, step=command.upgrade, revision="0011"))
        assert {"schedules", "reminder_deliveries"} <= await db.run_connection(tables)
    finally:
        await db.close()
