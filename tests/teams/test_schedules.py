"""The async standup through Teams' real /api/messages and the fake Bot Connector: the
day's message in the engagement's channel, the questions in each member's personal
chat (created for them), the digest as a reply in the day's thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from adapters.teams.testing import FakeConnector
from assistant.clock import FixedClock
from assistant.scheduler import post_reminders
from assistant.settings import Settings
from storage.models import OutboxMessage, ReminderDelivery
from tests.teams.conftest import CHANNEL, Served, TeamsUser, card_text, serving
from tests.teams.test_interviews import LEE, SAM, chat_of, set_up_and_bind

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def clocked(
    settings: Settings, connector: FakeConnector
) -> AsyncIterator[tuple[Served, FixedClock]]:
    clock = FixedClock(NOW)
    async with serving(settings, connector, clock) as served:
        yield served, clock


async def tick(served: Served) -> None:
    await post_reminders(served.assistant.dispatcher, served.assistant.service.schedules)
    await served.settle()


def channel_cards(served: Served) -> list[tuple[str | None, str, str | None]]:
    """(conversation id, text, activity id) of what was posted to the channel or its threads."""
    found = []
    for call in served.connector.delivered():
        if call.conversation_id and call.conversation_id.startswith(CHANNEL) and call.card:
            found.append((call.conversation_id, card_text(call.card), call.activity_id))
    return found


async def test_the_async_standup_on_teams_from_chats_to_the_digest_thread(
    clocked: tuple[Served, FixedClock],
) -> None:
    served, clock = clocked
    _sa, in_channel = await set_up_and_bind(served)
    await in_channel.say("schedule")
    # In the thread it was asked in (a channel mention is a thread in Teams); Teams told
    # us no timezone, so it is asked.
    await in_channel.say("London")
    await in_channel.click("mon_fri")
    await in_channel.click("all")
    await in_channel.say("09:30")
    await in_channel.say("11:00")
    assert "Schedule set: Acme VSA" in in_channel.new_text()
    await in_channel.say(
        "schedule team <at>Lee Adama</at> <at>Sam Carter</at>", mentioning=[LEE, SAM]
    )
    assert "Added to Acme VSA's team" in in_channel.new_text()

    clock._now = datetime(2027, 1, 11, 9, 30, tzinfo=UTC)
    await tick(served)
    [(where, parent, _)] = [c for c in channel_cards(served) if "Standup —" in c[1]]
    assert "Standup — 11 Jan 2027" in parent
    assert where == CHANNEL  # a new post at the channel's top level
    lee = TeamsUser(served, user_id=LEE[0], name=LEE[1], conversation_id=chat_of(served, LEE[0]))
    sam = TeamsUser(served, user_id=SAM[0], name=SAM[1], conversation_id=chat_of(served, SAM[0]))
    assert "Time for today's standup" in card_text(lee.cards()[-1])
    await lee.click("answer")
    await lee.say("Pipeline")
    await lee.say("Staging")
    await lee.say("none")
    await sam.click("skip")

    clock._now = datetime(2027, 1, 11, 11, 0, tzinfo=UTC)
    await tick(served)
    # The day's message's id, as the Bot Connector gave it (kept on its outbox row).
    parent_id = await served.assistant.db.run(
        lambda session: session.scalar(
            select(OutboxMessage.platform_message_id)
            .join(ReminderDelivery, ReminderDelivery.outbox_id == OutboxMessage.id)
            .where(ReminderDelivery.ceremony == "daily_standup")
        )
    )
    [(where, digest, _)] = [c for c in channel_cards(served) if "Standup digest" in c[1]]
    assert parent_id and where == f"{CHANNEL};messageid={parent_id}"
    assert "Lee Adama" in digest and "Yesterday: Pipeline" in digest
    assert "Blockers" not in digest  # "none" is no blocker
    assert "Skipped: Sam Carter" in digest
    assert "Not answered yet: Dana Scully" in digest
