"""Tenants never mix; a failed turn is logged with an id and the person is told kindly."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import Engagement, Participant
from tests.scenario import DELIVERY_PLAN
from tests.teams.conftest import DANA, OTHER_TENANT, TENANT, Served, TeamsUser

ENGAGEMENT = ("Globex", "Globex pilot", "2031-02-03", "2", "6", *DELIVERY_PLAN)


async def test_a_tenant_never_sees_another_tenants_engagements(served: Served) -> None:
    a = TeamsUser(served)
    # The same Teams user id and chat id arriving from another tenant is someone else.
    b = TeamsUser(served, tenant=OTHER_TENANT, conversation_id="a:1personal-chat-in-tenant-b")
    await a.say("new engagement")
    for answer in ENGAGEMENT:
        await a.say(answer)
    await a.say("engagements")
    assert "Globex pilot" in a.text()

    await b.say("engagements")
    await b.say("engagement globex pilot")
    assert "Globex" not in b.text()

    engagements = await served.assistant.db.run(lambda s: s.scalars(select(Engagement)).all())
    people = await served.assistant.db.run(lambda s: s.scalars(select(Participant)).all())
    assert [e.tenant for e in engagements] == [f"teams:{TENANT}"]
    assert sorted((p.workspace, p.user_id) for p in people) == sorted(
        [(TENANT, DANA), (OTHER_TENANT, DANA)]
    )


async def test_a_failing_turn_is_logged_with_an_id_and_the_person_told(
    served: Served, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> list[object]:
        raise RuntimeError("engine bug")

    monkeypatch.setattr(served.assistant.service, "turn", broken)
    dana = TeamsUser(served)
    assert await dana.say("my secret answer") == 202

    assert len(served.connector.delivered()) == 1
    shown = dana.text()
    assert "something went wrong" in shown
    found = re.search(r"reference (\w+)", shown)
    assert found is not None, shown
    reference = found[1]
    failure = next(r for r in caplog.records if reference in r.getMessage())
    assert failure.levelno == logging.ERROR and failure.exc_info is not None
    assert all("my secret answer" not in r.getMessage() for r in caplog.records)


async def test_a_turn_that_cannot_be_recorded_is_answered_and_redelivered(
    served: Served, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def database_down(*_: object) -> int:
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(served.assistant.dispatcher, "receive", database_down)
    response = await served.post(TeamsUser(served).message("qualify"))
    assert response.status == 500  # nothing recorded: the Bot Framework may try again
    await served.settle()
    (notice,) = served.connector.calls
    assert notice.kind == "reply"  # straight back through the turn's own connector
    assert any("turn failed [ref" in r.getMessage() for r in caplog.records)


async def test_a_failure_after_the_turn_is_told_through_the_one_turn_error_hook(
    served: Served, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    send = served.adapter.send
    tries: list[object] = []

    async def broken_once(*args: Any) -> str | None:
        tries.append(args)
        if len(tries) == 1:
            raise RuntimeError("adapter bug")
        return await send(*args)

    monkeypatch.setattr(served.adapter, "send", broken_once)
    dana = TeamsUser(served)
    assert await dana.say("my secret answer") == 202

    shown = dana.text()
    assert "something went wrong" in shown
    found = re.search(r"reference (\w+)", shown)
    assert found is not None, shown
    failure = next(r for r in caplog.records if found[1] in r.getMessage())
    assert failure.levelno == logging.ERROR and failure.exc_info is not None
    assert all("my secret answer" not in r.getMessage() for r in caplog.records)
