"""``retro nudge``: while a retrospective collects items, whoever may close collection
reminds privately, with the invitation again, the members who have not sent theirs — in
an anonymous retro everyone, "if you haven't yet", as nobody is told who has."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.settings import Settings
from tests.chat import Chat
from tests.test_interview_flow import sent_to, text_to
from tests.test_retros import bound_channel, give_items, in_room


@pytest.fixture
async def assistant(settings: Settings) -> AsyncIterator[Assistant]:
    started = await Assistant.start(
        settings, clock=FixedClock(datetime(2026, 12, 1, 9, tzinfo=UTC))
    )
    yield started
    await started.close()


async def test_a_nudge_reminds_only_those_who_have_not_sent_their_items(
    assistant: Assistant,
) -> None:
    room = await bound_channel(assistant)
    await room.say("retro in-project dana lee")
    sa, dana, lee = Chat(assistant, "sa"), Chat(assistant, "dana"), Chat(assistant, "lee")
    await give_items(dana, ["Pairing on the API"], [], [])
    dana_had, sa_had, lee_had = len(sent_to(dana)), len(sent_to(sa)), len(sent_to(lee))

    # In the channel: how many, not who.
    await room.say("retro nudge")
    assert "Reminded 1 person privately to send their items for Acme VSA's retrospective" in (
        room.text
    )
    assert "lee" not in room.text
    assert len(sent_to(dana)) == dana_had  # she has sent hers
    assert len(sent_to(sa)) == sa_had  # the one asking is not reminded
    [reminder] = sent_to(lee)[lee_had:]
    said = reminder.plain_text()
    assert said.startswith("Reminder: sa is still waiting for your items.")
    assert "sa started an in-project retrospective of Acme VSA (Acme)" in said
    assert "shared with your name" in said
    assert reminder.question is not None
    assert [o.label for o in reminder.question.options] == ["Start", "Not now"]

    # In a DM, the facilitator hears who.
    await sa.say("retro nudge")
    assert "Reminded lee privately to send their items for Acme VSA's retrospective" in sa.text

    # The reminder's Start button asks for the items; then nobody is left to nudge.
    await lee.click("start", reminder.question)
    await lee.say("Fast reviews")
    await lee.say("no")
    await lee.say("skip")
    await lee.say("skip")
    assert "Your 1 item for the retrospective of Acme VSA" in lee.text
    lee_had = len(sent_to(lee))
    await room.say("retro nudge")
    assert "Nobody to nudge: everyone else still taking part in the retrospective of" in (room.text)
    assert "retro close posts them for voting" in room.text
    assert len(sent_to(lee)) == lee_had

    # Only whoever may close collection may nudge.
    dana_room = in_room(assistant, "dana")
    await dana_room.say("retro nudge")
    assert "Only sa, who facilitates this retrospective, can do that" in dana_room.text
    assert len(sent_to(lee)) == lee_had


async def test_an_anonymous_retro_reminds_everyone_if_they_have_not_yet(
    assistant: Assistant,
) -> None:
    room = await bound_channel(assistant)
    await room.say("retro in-project anonymous dana lee")
    dana, lee = Chat(assistant, "dana"), Chat(assistant, "lee")
    await give_items(dana, ["Pairing on the API"], [], [])
    dana_had, lee_had = len(sent_to(dana)), len(sent_to(lee))

    await room.say("retro nudge")
    assert "Reminded everyone else taking part (2 people) privately" in room.text
    assert "is anonymous, so I don't say who has" in room.text
    for person, had in ((dana, dana_had), (lee, lee_had)):
        [reminder] = sent_to(person)[had:]
        said = reminder.plain_text()
        assert said.startswith("Reminder, if you haven't yet: send your items for the")
        assert "nobody — the owners included — can see who wrote what" in said
    # Dana has sent hers: no Start button that could only say so; Lee's starts his.
    assert sent_to(dana)[-1].question is None
    await lee.click("start", sent_to(lee)[-1].question)
    assert "What went well" in lee.text


async def test_nothing_to_nudge_without_a_retro_collecting_items(assistant: Assistant) -> None:
    room = await bound_channel(assistant)
    await room.say("retro nudge")
    assert "There is no retrospective of Acme VSA under way" in room.text

    await room.say("retro in-project dana")
    dana = Chat(assistant, "dana")
    await give_items(dana, ["Pairing on the API"], [], [])
    await room.say("retro close")
    dana_had = len(sent_to(dana))
    await room.say("retro nudge")
    assert (
        "Nobody to nudge: the retrospective of Acme VSA is not collecting items now (voting)"
        in room.text
    )
    assert len(sent_to(dana)) == dana_had
    assert "Reminder" not in text_to(dana)
