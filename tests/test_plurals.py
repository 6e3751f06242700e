"""Counts read as English: "1 participant", "2 participants", "1 vote" — never
"participant(s)" — in the findings summary and the retrospective's vote and recap."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.texts import plural
from tests.chat import Chat
from tests.scenario import DELIVERY_PLAN
from tests.test_interview_flow import set_up_engagement
from tests.test_retros import bound_channel, give_items, in_room
from tests.test_summary_flow import DANA, SAM, answer_by_path, start

TUESDAY = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("count", "words", "expected"),
    [
        (1, ("participant",), "1 participant"),
        (0, ("participant",), "0 participants"),
        (2, ("participant",), "2 participants"),
        (1, ("person", "people"), "1 person"),
        (2, ("person", "people"), "2 people"),
        (1200, ("participant",), "1,200 participants"),
    ],
)
def test_plural_says_one_thing_or_many(count: int, words: tuple[str, ...], expected: str) -> None:
    assert plural(count, *words) == expected


async def test_an_engagement_of_one_week_iterations_says_one_week(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await sa.say("new engagement")
    for answer in ("Acme", "Acme VSA", "2027-01-11"):
        await sa.say(answer)
    await sa.click("1")
    await sa.say("6")
    for answer in DELIVERY_PLAN:
        await sa.say(answer)
    assert "Iterations: 6 × 1 week after Iteration 0" in sa.text
    await sa.say("engagement Acme VSA")
    assert "6 × 1 week" in sa.text and "(s)" not in sa.text


async def test_the_findings_count_one_participant_then_two(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    await sa.say("interview idea-to-production dana and sam")
    dana, sam = Chat(assistant, "dana"), Chat(assistant, "sam")
    await start(dana)
    await answer_by_path(dana, DANA)
    await start(sam)  # midway: not counted yet

    await sa.say("summary")
    said = sa.text
    assert "Based on the finished interviews of 1 participant: dana." in said
    assert "1 interview still under way is not counted yet." in said
    assert "From 1 participant. Each key shows" in said
    assert "(s)" not in said

    await answer_by_path(sam, SAM)
    await sa.say("summary")
    said = sa.text
    assert "Based on the finished interviews of 2 participants: dana, sam." in said
    assert "still under way" not in said
    assert "From 2 participants. Each key shows" in said
    assert "(s)" not in said


async def test_a_retro_with_one_item_and_one_vote_says_so(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, _clock = clocked
    room = await bound_channel(assistant)
    await room.say("retro customer dana")
    dana, sa = Chat(assistant, "dana"), Chat(assistant, "sa")
    await give_items(dana, [], ["Flaky staging"], [])
    assert "Your 1 item for the retrospective of Acme VSA is in." in dana.text
    await give_items(sa, ["Fast reviews"], ["Too many meetings"], [])
    assert "Your 2 items for the retrospective of Acme VSA are in." in sa.text

    await room.say("retro close")
    assert "#1 Fast reviews" in room.text and "#2 Flaky staging" in room.text
    await in_room(assistant, "dana").say("retro vote 2 1")
    await room.say("retro vote 2")
    await room.say("retro vote close")
    result = room.text
    assert "2 votes — #2 Flaky staging" in result
    assert "1 vote — #1 Fast reviews" in result
    assert "(s)" not in result

    await room.say("retro finish")
    recap = room.text
    assert "Flaky staging (2 votes)" in recap and "Fast reviews (1 vote)" in recap
