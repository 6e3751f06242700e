"""Throttling and failures of the Bot Connector: nothing lost, nothing sent twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select

from adapters.teams.delivery import Pacer, PacingDelay, parse_retry_after
from adapters.teams.render import render_parts
from adapters.teams.testing import FakeConnector, Reply, throttled
from assistant.clock import FixedClock
from assistant.events import ConversationRef, say, text
from assistant.settings import Settings
from storage import repositories as repo
from storage.models import OutboxMessage
from tests.scenario import QUALIFIED, QUALIFIED_ANSWERS, stored_answers
from tests.teams.conftest import (
    DANA,
    TENANT,
    NoSleep,
    Served,
    TeamsUser,
    card_text,
    serving,
)


async def outbox(served: Served) -> list[OutboxMessage]:
    return await served.assistant.db.run(
        lambda session: list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    )


def waits(served: Served) -> list[float]:
    sleep = served.adapter.sleep
    assert isinstance(sleep, NoSleep)
    return sleep.waits


async def test_a_429_storm_through_a_whole_dialog(served: Served) -> None:
    dana = TeamsUser(served)
    for step in QUALIFIED:
        # Every turn's first two calls are throttled, with and without Retry-After.
        served.connector.script(*throttled("0"), *throttled(None))
        await dana.play([step])
    assert served.connector.scripted == 0

    assert await stored_answers(served.assistant.db) == QUALIFIED_ANSWERS
    rows = await outbox(served)
    assert rows and all(row.status == "sent" for row in rows)
    # Each message was posted exactly once: one accepted send per outbox row (none is
    # long enough to be split), and every accepted activity has its own id.
    posted = [row for row in rows if row.payload["blocks"]]  # not just an answer's update
    assert len(served.connector.delivered()) == len(posted)
    assert len({row.platform_message_id for row in posted}) == len(posted)
    assert len([c for c in served.connector.calls if c.status == 429]) == 2 * len(QUALIFIED)


async def test_retry_after_is_honoured(served: Served) -> None:
    served.connector.script(*throttled("3"), Reply(412), Reply(502))
    await TeamsUser(served).say("hi")
    assert waits(served)[0] == 3.0  # the 429's Retry-After
    assert len(waits(served)) == 3  # then backoff for the 412 and the 502
    assert waits(served)[1] < waits(served)[2]  # exponential
    # The fourth try got through, and nothing was posted twice.
    rows = await outbox(served)
    assert all(row.status == "sent" for row in rows)
    assert len(served.connector.delivered()) == len(rows)


async def test_when_retries_run_out_the_outbox_keeps_the_messages(served: Served) -> None:
    served.connector.script(*throttled("1", count=4))  # every try of the first delivery
    assert await TeamsUser(served).say("hi") == 202  # answered with two messages

    assert served.connector.delivered() == []
    first, second = await outbox(served)
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.error is not None and "429" in first.error
    assert (second.status, second.attempts) == ("pending", 0)  # never overtakes the first
    assert waits(served) == [1.0, 1.0, 1.0]

    # Once due again, the outbox hands them back; each is posted exactly once, in order.
    await served.connector.wait_for(2, lambda c: c.ok and c.kind == "send")
    await served.settle()
    first, second = await outbox(served)
    assert (first.status, second.status) == ("sent", "sent")
    sent_ids = [c.conversation_id for c in served.connector.delivered()]
    assert len(sent_ids) == 2
    assert int(first.platform_message_id or 0) < int(second.platform_message_id or 0)


async def test_a_removed_bot_gives_up_at_once(served: Served) -> None:
    served.connector.script(Reply(403, {"error": {"code": "BotNotInConversationRoster"}}))
    await TeamsUser(served).say("qualify")
    (row,) = await outbox(served)
    assert row.status == "failed"
    assert waits(served) == []
    assert len(served.connector.calls) == 1


async def test_pacing_keeps_teams_limits_per_conversation() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(clock=lambda: now[0], sleep=sleep, max_wait=60)
    times: list[float] = []
    for _ in range(70):
        await pacer.acquire("conversation")
        times.append(now[0])
    await pacer.acquire("another conversation")  # has its own budget
    assert now[0] == times[-1]

    def most_in(window: float) -> int:
        return max(sum(1 for t in times if start <= t < start + window) for start in times)

    assert most_in(1.0) <= 7
    assert most_in(2.0) <= 8
    assert most_in(30.0) <= 60
    assert slept  # it did have to wait

    # A wait longer than the inline limit goes back to the outbox instead.
    impatient = Pacer(clock=lambda: now[0], sleep=sleep, max_wait=5)
    for _ in range(60):
        impatient._sent.setdefault("busy", __import__("collections").deque()).append(now[0])
    with pytest.raises(PacingDelay) as raised:
        await impatient.acquire("busy")
    assert raised.value.wait == pytest.approx(30.0)


def test_retry_after_formats() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0


async def test_updates_are_retried_by_us_not_by_the_http_stack(served: Served) -> None:
    dana = TeamsUser(served)
    await dana.say("qualify")
    await dana.say("Acme")
    before = len(served.connector.updates())
    served.connector.script(Reply(502, kinds=frozenset({"update"})))
    await dana.click("yes")
    puts = [c.status for c in served.connector.calls if c.kind == "update"]
    assert puts[-2:] == [502, 200]
    assert len(served.connector.updates()) == before + 1
    assert len(waits(served)) == 1  # our backoff, once


async def test_a_long_message_cut_off_by_a_429_is_finished_by_the_next_process_once_each(
    settings: Settings, connector: FakeConnector
) -> None:
    """Three activities; Teams throttles the second for two minutes. This process stops,
    and the next one (a restart, or another replica) posts what is left: each once."""
    long = say(*(text(f"Part {n}: " + "x" * 11_000) for n in range(3)))
    assert len(render_parts(long)) == 3
    async with serving(settings, connector) as first:
        await TeamsUser(first).say("hi")
        person = await first.assistant.db.run(
            partial(repo.conversation_of_user, platform="teams", workspace=TENANT, user_id=DANA)
        )
        assert person is not None
        to = ConversationRef(
            platform="teams",
            workspace=person.workspace,
            channel=person.channel,
            user=person.user_id,
            data=person.data,
        )
        before = len(connector.delivered())
        connector.script(Reply(201, {"id": "part-1"}), *throttled("120"))
        await first.assistant.dispatcher.send(to, long)
        (row,) = [r for r in await outbox(first) if r.status != "sent"]
        assert row.status == "pending" and row.parts_posted == ["part-1"]

    # Nothing in memory: only the outbox row says how far the message got.
    later = FixedClock(datetime.now(UTC) + timedelta(minutes=3))
    async with serving(settings, connector, clock=later) as second:  # recover() at start-up
        posted = connector.delivered()[before:]
        shown = [card_text(call.card) for call in posted if call.card is not None]
        assert len(posted) == len(shown) == 3
        for n in range(3):
            assert sum(f"Part {n}:" in card for card in shown) == 1
        rows = await outbox(second)
        assert all(r.status == "sent" for r in rows)
        assert rows[-1].platform_message_id not in (None, "part-1")  # the last activity's
