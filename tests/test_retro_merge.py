"""Merging duplicate retrospective items while people vote: ``retro merge 2 3`` keeps
#2 (its text names #3's), #3 leaves the list and the ranking, and its votes count for
#2, once a person, so whoever voted for both has a vote back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.events import Question
from assistant.settings import Settings
from storage.models import RetroItem
from tests.chat import Chat, Recorder
from tests.test_retros import TUESDAY, bound_channel, give_items, in_room


@pytest.fixture
async def assistant(settings: Settings) -> AsyncIterator[Assistant]:
    started = await Assistant.start(settings, clock=FixedClock(TUESDAY))
    yield started
    await started.close()


async def posted_items(assistant: Assistant) -> dict[str, int]:
    """Each item's number, by its text."""
    rows = await assistant.db.run(lambda s: s.scalars(select(RetroItem)).all())
    return {i.text: i.number for i in rows}


def vote_buttons(room: Chat, question: str) -> Question:
    """The buttons posted in the channel to vote on one question's items."""
    assert isinstance(room.recorder, Recorder)
    return next(
        m.question
        for to, m in room.recorder.sent
        if to.key == room.ref.key and m.question and m.question.prompt_key.endswith(question)
    )


async def voting_on_duplicates(assistant: Assistant) -> tuple[Chat, dict[str, int]]:
    """A retro of two votes each where dana and lee both said staging is flaky, posted."""
    room = await bound_channel(assistant)
    await room.say("retro customer 2 votes dana lee")
    await give_items(Chat(assistant, "dana"), ["Fast reviews"], ["Flaky staging"], [])
    await give_items(Chat(assistant, "lee"), [], ["staging is flaky"], ["Mob on bugs"])
    await room.say("retro close")
    return room, await posted_items(assistant)


async def test_merged_duplicates_rank_as_one_item_with_their_votes_counted_once_a_person(
    assistant: Assistant,
) -> None:
    room, number = await voting_on_duplicates(assistant)
    flaky, same, reviews, mob = (
        number["Flaky staging"],
        number["staging is flaky"],
        number["Fast reviews"],
        number["Mob on bugs"],
    )
    dana, lee = in_room(assistant, "dana"), in_room(assistant, "lee")
    await dana.say(f"retro vote {flaky} {same}")
    await lee.say(f"retro vote {same} {reviews}")
    await room.say(f"retro vote {flaky}")
    # Dana has used both her votes.
    await dana.click(f"item-{mob}", room.question)
    assert "You have 2 votes and used them all" in dana.text

    await lee.say(f"retro merge {flaky} {same}")
    assert "Only sa, who facilitates this retrospective, can do that" in lee.text
    await room.say(f"retro merge {flaky} {same}")
    assert room.text == (
        f"sa merged #{same} into #{flaky}, Flaky staging (also: staging is flaky): "
        f"their votes count for #{flaky} now, once a person."
    )

    # Dana voted for both: she counts once, and has a vote back to give.
    await dana.say("retro vote")
    assert dana.text == (f"Your votes (1 of 2): #{flaky} Flaky staging (also: staging is flaky).")
    await dana.click(f"item-{mob}", room.question)
    assert "Your votes (2 of 2)" in dana.text and f"#{mob} Mob on bugs" in dana.text
    # The button of the merged item, posted before, says where its votes went.
    not_well = vote_buttons(room, "not_well")
    await lee.click(f"item-{same}", not_well)
    assert lee.text == f"#{same} was merged into another item: vote for that one."

    await room.say("retro vote close")
    ranked = [line for line in room.text.splitlines() if " — #" in line]
    assert ranked == [
        f"• 3 votes — #{flaky} Flaky staging (also: staging is flaky) (What did not go well)",
        f"• 1 vote — #{reviews} Fast reviews (What went well)",
        f"• 1 vote — #{mob} Mob on bugs (What to try next)",
    ]
    await room.say(f"retro merge {reviews} {mob}")
    assert room.text == "The vote is closed and its ranking posted: items can't be merged now."
    await room.say("retro finish")
    assert "Flaky staging (also: staging is flaky) (3 votes)" in room.text
    assert room.text.count("staging is flaky") == 1


async def test_items_of_different_questions_unknown_numbers_and_one_number_are_not_merged(
    assistant: Assistant,
) -> None:
    room, number = await voting_on_duplicates(assistant)
    reviews, flaky = number["Fast reviews"], number["Flaky staging"]
    await room.say(f"retro merge {reviews} {flaky}")
    assert room.text == (
        f"#{reviews} and #{flaky} answer different questions (What went well and What did "
        "not go well): only items under the same question can be merged."
    )
    await room.say(f"retro merge {flaky} 9")
    assert room.text == "There is no item #9 in this retrospective (numbers 1 to 4)."
    await room.say(f"retro merge {flaky}")
    assert "Which items are the same? Say retro merge and their numbers" in room.text
    assert await posted_items(assistant) == number  # nothing changed


async def test_items_are_merged_only_once_they_are_posted(assistant: Assistant) -> None:
    room = await bound_channel(assistant)
    await room.say("retro customer dana")
    await room.say("retro merge 1 2")
    assert room.text == ("Items can be merged once retro close has posted them (collecting items).")
