"""Whole dialogs through Slack's surfaces: DM, /vsa, an app_mention thread."""

from __future__ import annotations

import json

from sqlalchemy import select

from adapters.slack.testing import block_actions_body
from storage.models import InboundEvent, Participant
from tests.scenario import (
    QUALIFIED,
    QUALIFIED_ANSWERS,
    QUALIFIED_HEADLINE,
    Type,
    latest_result,
    stored_answers,
)
from tests.slack.conftest import Served, SlackUser


def verdict_posted(user: SlackUser) -> bool:
    return any(QUALIFIED_HEADLINE in json.dumps(p.get("blocks")) for p in user.posts())


async def test_a_full_qualification_by_dm(served: Served) -> None:
    user = SlackUser(served)
    await user.play(QUALIFIED)

    assert await stored_answers(served.assistant.db) == QUALIFIED_ANSWERS
    assert (await latest_result(served.assistant.db))["verdict"] == "qualified"
    assert verdict_posted(user)
    # Clicked questions were updated to show the choice (no stale buttons).
    updates = served.fake.of("chat.update")
    assert updates and all(
        not any(b["type"] == "actions" for b in u.body["blocks"]) for u in updates
    )


async def test_a_full_qualification_through_the_slash_command(served: Served) -> None:
    user = SlackUser(served)
    first, *rest = QUALIFIED
    assert first.text == "qualify"  # type: ignore[union-attr]
    response = await user.command("qualify", from_channel="C0001")

    # Typed in a channel: the dialog moves to the user's DM, and only they are told so.
    assert response.status == 200
    await served.slack.drain()
    [note] = served.fake.of("chat.postEphemeral")
    assert note.body["channel"] == "C0001" and note.body["user"] == user.user
    assert "direct message" in note.body["text"]
    assert served.fake.of("conversations.open")
    await user.play(rest)

    assert await stored_answers(served.assistant.db) == QUALIFIED_ANSWERS
    assert verdict_posted(user)
    assert not served.fake.posts("C0001")  # the channel stays clean


async def test_a_full_qualification_in_an_app_mention_thread(served: Served) -> None:
    user = SlackUser(served, channel="C0001")
    first, *rest = QUALIFIED
    await user.mention(first.text)  # type: ignore[union-attr]
    assert user.thread is not None
    await user.play(rest)

    assert await stored_answers(served.assistant.db) == QUALIFIED_ANSWERS
    assert verdict_posted(user)
    # Every reply went into the thread of the mention, none to the channel itself.
    posts = served.fake.posts("C0001")
    assert posts and all(p.get("thread_ts") == user.thread for p in posts)


async def test_a_multiple_choice_is_picked_in_a_select_and_sent_with_done(served: Served) -> None:
    user = SlackUser(served)
    at = QUALIFIED.index(Type("1, 3"))
    await user.play(QUALIFIED[:at])
    message = user.posts()[-1]
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    select, done = actions["elements"]
    chosen = [o for o in select["options"] if o["value"] in ("source_control", "cd")]
    block_id = actions["block_id"]

    change = {
        "type": "multi_static_select",
        "action_id": select["action_id"],
        "block_id": block_id,
        "selected_options": chosen,
        "action_ts": "1.0",
    }
    await served.interact(block_actions_body(message, change))  # choosing: nothing happens
    await served.settle()
    assert user.posts()[-1] == message

    click = block_actions_body(
        message,
        {**done, "block_id": block_id, "action_ts": "2.0"},
    )
    click["state"] = {
        "values": {
            block_id: {
                select["action_id"]: {"type": "multi_static_select", "selected_options": chosen}
            }
        }
    }
    await served.interact(click)
    await served.settle()
    await user.play(QUALIFIED[at + 1 :])

    assert await stored_answers(served.assistant.db) == QUALIFIED_ANSWERS


async def test_people_chatting_in_the_thread_are_left_alone(served: Served) -> None:
    dana = SlackUser(served, channel="C0001")
    await dana.mention("qualify")
    before = len(served.fake.posts("C0001"))
    colleague = SlackUser(served, user="U0002", channel="C0001", thread=dana.thread)
    await colleague.say("good luck with Acme!")
    assert len(served.fake.posts("C0001")) == before
    # Nothing is kept of the bystander: not what they said, not who they are.
    stored = await served.assistant.db.run(
        lambda s: (
            json.dumps(s.scalars(select(InboundEvent.payload)).all()),
            s.scalars(select(Participant.user_id)).all(),
        )
    )
    assert "good luck" not in stored[0] and stored[1] == ["U0001"]
    # ...while the person being asked is answered, and anyone may still @mention us.
    await dana.say("Acme Corp")
    assert len(served.fake.posts("C0001")) == before + 1
    await colleague.mention("help")
    assert len(served.fake.posts("C0001")) == before + 2


async def test_done_with_nothing_selected_gets_an_answer(served: Served) -> None:
    user = SlackUser(served)
    at = QUALIFIED.index(Type("1, 3"))
    await user.play(QUALIFIED[:at])
    message = user.posts()[-1]
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    _select, done = actions["elements"]
    before = len(user.posts())

    click = block_actions_body(message, {**done, "block_id": actions["block_id"]})
    click["state"] = {"values": {}}  # nothing selected
    await served.interact(click)
    await served.settle()

    replies = json.dumps([post["blocks"] for post in user.posts()[before:]])
    assert "Nothing was picked. Choose at least one option" in replies
    assert "Which ones?" in replies  # asked again, to pick this time
    await user.play(QUALIFIED[at:])
    assert await stored_answers(served.assistant.db) == QUALIFIED_ANSWERS
