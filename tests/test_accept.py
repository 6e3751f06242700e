"""Accepting an event: recorded before the ack, its turn in the background, a bounded
number at a time, finished or handed to the next start at shutdown."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.app import Assistant
from assistant.dispatch import Dispatcher, Progress
from assistant.events import ConversationRef, Inbound, Outbound, Person
from assistant.settings import Settings
from storage.models import InboundEvent, OutboxMessage
from tests.chat import Recorder


def said(text: str, channel: str = "c", event_id: str | None = None) -> Inbound:
    return Inbound(
        event_id=event_id or uuid.uuid4().hex,
        sender=Person(platform="console", workspace="w", user_id=f"u-{channel}"),
        conversation=ConversationRef(
            platform="console", workspace="w", channel=channel, user=f"u-{channel}"
        ),
        text=text,
    )


class Gate(Recorder):
    """Holds every send until opened; counts the sends waiting at once."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = asyncio.Event()
        self.waiting = 0
        self.most = 0
        self._changed = asyncio.Event()

    async def send(self, to: ConversationRef, message: Outbound, progress: Progress) -> str | None:
        self.waiting += 1
        self.most = max(self.most, self.waiting)
        self._changed.set()
        try:
            await self.opened.wait()
        finally:
            self.waiting -= 1
        return await super().send(to, message, progress)

    async def until_waiting(self, count: int) -> None:
        async def reached() -> None:
            while self.waiting < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(reached(), 10)


async def statuses(assistant: Assistant) -> tuple[list[str], list[str]]:
    def read(session: Session) -> tuple[list[str], list[str]]:
        events = list(session.scalars(select(InboundEvent.status).order_by(InboundEvent.id)))
        outbox = list(session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))
        return events, outbox

    return await assistant.db.run(read)


@pytest.fixture
async def gated(assistant: Assistant) -> AsyncIterator[tuple[Dispatcher, Gate]]:
    """The assistant's database and turns, behind a dispatcher running two turns at once."""
    gate = Gate()
    dispatcher = Dispatcher(assistant.db, assistant.service, {"console": gate}, max_turns=2)
    yield dispatcher, gate
    gate.opened.set()
    await dispatcher.close()


async def test_accept_records_the_event_then_runs_its_turn_in_the_background(
    assistant: Assistant, gated: tuple[Dispatcher, Gate]
) -> None:
    dispatcher, gate = gated
    assert await dispatcher.accept(said("qualify", event_id="evt-1")) is True
    # Returned before the reply went out: the adapter acknowledges now.
    assert gate.sent == []
    (event,), _ = await statuses(assistant)
    assert event in ("pending", "processing", "done")

    assert await dispatcher.accept(said("qualify", event_id="evt-1")) is False  # redelivered
    gate.opened.set()
    await dispatcher.drain()
    assert len(gate.sent) == 1
    assert await statuses(assistant) == (["done"], ["sent"])


async def test_turns_run_a_bounded_number_at_a_time_and_recording_never_waits(
    assistant: Assistant, gated: tuple[Dispatcher, Gate]
) -> None:
    dispatcher, gate = gated
    for n in range(6):  # six conversations: nothing orders them but the bound
        assert await dispatcher.accept(said("qualify", channel=f"c{n}")) is True
    events, _ = await statuses(assistant)
    assert len(events) == 6  # every event recorded while the turns wait

    await gate.until_waiting(2)
    await asyncio.sleep(0.1)  # nothing else starts while two are under way
    assert gate.most == 2
    gate.opened.set()
    await dispatcher.drain()
    assert len(gate.sent) == 6
    assert await statuses(assistant) == (["done"] * 6, ["sent"] * 6)


async def test_shutdown_waits_a_while_then_the_next_start_finishes_the_rest(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    first = await Assistant.start(settings)
    gate = Gate()  # never opens: a platform that hangs
    first.dispatcher.register(gate)
    await first.dispatcher.accept(said("qualify", channel="hung"))
    await gate.until_waiting(1)

    await first.dispatcher.close(grace=0.05)
    assert "still under way" in caplog.text
    # Accepted during shutdown: recorded (the platform gets its ack), not run here.
    assert await first.dispatcher.accept(said("qualify", channel="late")) is True
    await first.db.close()

    second = await Assistant.start(settings)
    try:
        recorder = Recorder()
        second.dispatcher.register(recorder)
        await second.dispatcher.recover(stale_after=timedelta(0))
        assert sorted(to.channel for to, _ in recorder.sent) == ["hung", "late"]
        assert await statuses(second) == (["done", "done"], ["sent", "sent"])
    finally:
        await second.close()


class BrokenOnce(Recorder):
    """A platform adapter with a bug: its first send raises something unexpected."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = True

    async def send(self, to: ConversationRef, message: Outbound, progress: Progress) -> str | None:
        if self.broken:
            self.broken = False
            raise RuntimeError("adapter bug")
        return await super().send(to, message, progress)


async def test_a_failure_after_the_turn_goes_to_the_turn_error_hook(
    assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    broken = BrokenOnce()
    assistant.dispatcher.register(broken)
    await assistant.dispatcher.accept(said("my secret answer"))
    await assistant.dispatcher.drain()

    ((_, apology),) = broken.sent
    assert "something went wrong" in apology.plain_text()
    reference = apology.plain_text().split("(reference ", 1)[1].split(")", 1)[0]
    failure = next(r for r in caplog.records if reference in r.getMessage())
    assert failure.levelno == logging.ERROR and failure.exc_info is not None
    assert "event 1" in failure.getMessage()
    assert "my secret answer" not in caplog.text
    # The turn was saved; its replies (perhaps posted: the adapter did not say) wait
    # for the sweep, in their order, and each is sent once then.
    events, outbox = await statuses(assistant)
    replies = len(outbox) - 1
    assert events == ["done"] and outbox == ["sending"] * replies + ["sent"]
    await assistant.dispatcher.recover(stale_after=timedelta(0))
    assert len(broken.sent) == 1 + replies
    assert await statuses(assistant) == (["done"], ["sent"] * (1 + replies))
