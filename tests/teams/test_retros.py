"""Retrospectives through Teams' real /api/messages: `retro` in the engagement's channel,
items in each member's personal chat, votes on cards, actions whose owners hear in
their chat, the next retro reviewing the actions first; and an item full of Markdown,
HTML and mentions is shown as typed."""

from __future__ import annotations

from typing import Any

from tests.teams.conftest import DANA, Served, TeamsUser, card_text
from tests.teams.test_interviews import LEE, SAM, THREAD, chat_of, set_up_and_bind
from tests.test_retros import every_row, give_items

DANA_SELF = (DANA, "Dana Scully")
HOSTILE = "**bold** [click](https://evil.example) <b>html</b> # heading"


def markdown_read(cards: list[dict[str, Any]]) -> str:
    """What Teams reads as Markdown in cards: TextBlock texts and facts (a TextRun and a
    button title are shown literally)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(str(node.get("text")))
            if node.get("type") == "FactSet":
                found.extend(f"{f['title']} {f['value']}" for f in node["facts"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(cards)
    return "\n".join(found)


async def test_a_customer_retro_on_teams_from_items_to_votes_to_actions_and_the_next(
    served: Served,
) -> None:
    sa, in_channel = await set_up_and_bind(served)
    await in_channel.say(
        "retro customer <at>Lee Adama</at> <at>Sam Carter</at>", mentioning=[LEE, SAM]
    )
    assert "started a customer retrospective of" in in_channel.new_text()
    lee = TeamsUser(served, user_id=LEE[0], name=LEE[1], conversation_id=chat_of(served, LEE[0]))
    sam = TeamsUser(served, user_id=SAM[0], name=SAM[1], conversation_id=chat_of(served, SAM[0]))
    assert "started a customer retrospective of" in card_text(lee.cards()[0])

    await give_items(lee, ["Pairing on the API"], ["Flaky staging"], [])
    await give_items(sam, [HOSTILE], ["Flaky staging too"], ["Mob on bugs"])
    await give_items(sa, [], [], ["Shorter standups"])
    assert "Everyone has sent their items" in card_text(sa.cards()[-1])

    await in_channel.say("retro close")
    posted = in_channel.new_text()
    for heading in ("What went well", "What did not go well", "What to try next"):
        assert heading in posted
    assert HOSTILE in posted  # shown as typed, in text runs
    read = markdown_read(in_channel.cards())
    assert "<b>" not in read and "](https://evil" not in read and "**bold" not in read

    # Votes on the cards, by Lee and Sam in the channel thread.
    lee_here = TeamsUser(served, user_id=LEE[0], name=LEE[1], conversation_id=THREAD, channel=True)
    sam_here = TeamsUser(served, user_id=SAM[0], name=SAM[1], conversation_id=THREAD, channel=True)
    await lee_here.click("item-3")  # Flaky staging
    await sam_here.click("item-3")
    await sam_here.click("item-1")
    assert "Your votes (2 of 3)" in card_text(sam_here.cards()[-1])
    await in_channel.say("retro vote close")
    result = in_channel.new_text()
    assert "2 votes — #3 Flaky staging" in result

    await in_channel.say(
        "retro action 3 Fix staging monitoring <at>Lee Adama</at> by 2027-01-15", mentioning=[LEE]
    )
    assert "Action: Fix staging monitoring — Lee Adama, due Fri 15 Jan 2027" in (
        in_channel.new_text()
    )
    assert "You own an action from the retrospective of" in card_text(lee.cards()[-1])
    await in_channel.say("retro finish")
    recap = in_channel.new_text()
    assert "Recap — customer retrospective of Acme VSA" in recap
    assert "Fix staging monitoring — Lee Adama" in recap

    # The next retro starts with the review, on cards.
    await in_channel.say("retro customer <at>Lee Adama</at>", mentioning=[LEE])
    assert "reviews the open actions of the last one" in in_channel.new_text()
    await in_channel.click("done-1")
    told = in_channel.new_text()
    assert "Fix staging monitoring: Done (decided by Dana Scully)" in told
    assert "started a customer retrospective of" in told


async def test_an_anonymous_retro_on_teams_stores_nothing_that_names_the_author(
    served: Served,
) -> None:
    _sa, in_channel = await set_up_and_bind(served)
    await in_channel.say(
        "retro customer anonymous <at>Lee Adama</at> <at>Sam Carter</at>", mentioning=[LEE, SAM]
    )
    lee = TeamsUser(served, user_id=LEE[0], name=LEE[1], conversation_id=chat_of(served, LEE[0]))
    sam = TeamsUser(served, user_id=SAM[0], name=SAM[1], conversation_id=chat_of(served, SAM[0]))
    await give_items(lee, ["Secret-well-lee"], [], ["Secret-try-lee"])
    await sam.click("start")
    await sam.say("Secret-well-sam")
    await in_channel.say("retro close")
    posted = in_channel.new_text()
    assert "Secret-well-lee" in posted and "Secret-well-sam" in posted

    rows = await served.assistant.db.run(every_row)
    assert {table for table, row in rows if "Secret-" in row} <= {"retro_items", "outbox"}
    for table, row in rows:
        if table == "outbox" and "Secret-" in row:
            assert "delivery-channel" in row and LEE[0] not in row and SAM[0] not in row


async def test_the_end_of_project_retro_on_teams_warns_about_the_pm_and_recaps(
    served: Served,
) -> None:
    _sa, in_channel = await set_up_and_bind(served)
    await in_channel.say("retro end-of-project <at>Lee Adama</at>", mentioning=[LEE])
    assert "Who facilitates" in in_channel.new_text()
    await in_channel.say("retro facilitator me <at>Dana Scully</at>", mentioning=[DANA_SELF])
    assert "Dana Scully is the project's own PM" in in_channel.new_text()
    await in_channel.say("retro go ahead")
    assert "asked Lee Adama privately" in in_channel.new_text()
    lee = TeamsUser(served, user_id=LEE[0], name=LEE[1], conversation_id=chat_of(served, LEE[0]))
    await give_items(lee, ["Great rapport"], ["Scope creep"], [])
    await in_channel.say("retro close")
    await in_channel.say("retro vote close")
    await in_channel.say(
        "retro action 2 Fixed-scope SOW <at>Lee Adama</at> by 2027-01-31", mentioning=[LEE]
    )
    await in_channel.say("retro finish")
    recap = in_channel.new_text()
    assert "Recap — end-of-project retrospective of Acme VSA" in recap
    assert "Facilitated by Dana Scully" in recap and "Fixed-scope SOW — Lee Adama" in recap
