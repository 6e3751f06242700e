"""Two server processes on one PostgreSQL (two assistants, each with its own connection
pool): events of the same conversations arrive at both, interleaved and at once. Every
answer is stored once and each conversation's replies go out in the order its turns
produced them."""

from __future__ import annotations

import asyncio
import random
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from assistant.app import Assistant
from assistant.dispatch import Progress
from assistant.events import ConversationRef, Inbound, Outbound, Person
from assistant.settings import Settings
from storage.models import Answer, OutboxMessage
from storage.repositories import claim_due
from tests.chat import Recorder
from tests.conftest import ON_POSTGRES

ANSWERS = ["Acme", "yes", "yes", "2500", "yes", "yes", "Dana, VP", "no"]


class SlowRecorder(Recorder):
    """Sends take a while, some longer than others, so deliveries of the two processes
    overlap and a later message could overtake an earlier one."""

    async def send(self, to: ConversationRef, message: Outbound, progress: Progress) -> str | None:
        await asyncio.sleep(random.uniform(0, 0.03))
        return await super().send(to, message, progress)


@pytest.fixture
async def two(settings: Settings) -> AsyncIterator[tuple[Assistant, Assistant, Recorder]]:
    first = await Assistant.start(settings)
    second = await Assistant.start(settings, migrate=False)
    sent = SlowRecorder()
    first.dispatcher.register(sent)
    second.dispatcher.register(sent)
    yield first, second, sent
    await first.close()
    await second.close()


def said(user: str, text: str) -> Inbound:
    return Inbound(
        event_id=uuid.uuid4().hex,
        sender=Person(platform="console", workspace="w", user_id=user, name=user),
        conversation=ConversationRef(platform="console", workspace="w", channel="t", user=user),
        text=text,
    )


@pytest.mark.skipif(not ON_POSTGRES, reason="two processes share a PostgreSQL server")
async def test_two_processes_keep_each_conversation_in_order(
    two: tuple[Assistant, Assistant, Recorder],
) -> None:
    first, second, sent = two
    users = [f"u{n}" for n in range(4)]

    async def converse(user: str) -> None:
        await first.dispatcher.handle(said(user, "qualify"))
        # Each answer twice at once, once to each process (a double submit meeting a
        # redelivery that went to the other replica): both turns run, one after the other.
        for answer in ANSWERS:
            await asyncio.gather(
                first.dispatcher.handle(said(user, answer)),
                second.dispatcher.handle(said(user, answer)),
            )

    await asyncio.gather(*(converse(user) for user in users))
    await first.dispatcher.drain()
    await second.dispatcher.drain()

    for user in users:
        positions = [
            int(found[1])
            for to, message in sent.sent
            if to.user == user and message.question is not None
            for found in [re.match(r"Question (\d+) of", message.question.position or "")]
            if found
        ]
        assert positions == sorted(positions), (user, positions)
        assert len(positions) >= len(ANSWERS)

    def counts(session):  # type: ignore[no-untyped-def]
        answers = session.execute(
            select(Answer.participant_id, Answer.path, func.count())
            .where(Answer.superseded_at.is_(None))
            .group_by(Answer.participant_id, Answer.path)
        ).all()
        pending = session.scalar(select(func.count()).where(OutboxMessage.status != "sent"))
        return answers, pending

    answers, pending = await first.db.run(counts)
    assert answers and all(count == 1 for _p, _path, count in answers)
    assert pending == 0


@pytest.mark.skipif(not ON_POSTGRES, reason="on SQLite one process serves a conversation")
async def test_a_conversation_being_posted_elsewhere_is_not_claimed_here(
    assistant: Assistant,
) -> None:
    """The claim rule: while another worker posts a conversation's message, its later
    ones wait for that worker (or for its lease to run out)."""
    now = datetime.now(UTC)
    to = ConversationRef(platform="console", workspace="w", channel="t", user="u")

    def queue(session):  # type: ignore[no-untyped-def]
        from assistant.dispatch import enqueue

        for n in range(3):
            enqueue(session, to, Outbound(), now=now + timedelta(milliseconds=n))

    await assistant.db.run(queue)
    first = await assistant.db.run(lambda s: claim_due(s, to.key, now, limit=1))
    assert len(first) == 1
    assert await assistant.db.run(lambda s: claim_due(s, to.key, now)) == []
    # A worker that died: after the lease, its conversation is free again.
    later = now + timedelta(minutes=3)
    again = await assistant.db.run(lambda s: claim_due(s, to.key, later))
    assert [m.id for m in again] == [first[0].id + 1, first[0].id + 2]
