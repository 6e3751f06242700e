"""conversationUpdate: greet once, briefly, with how to start; never run a dialog turn."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from storage.models import ConversationReference, DialogRun
from tests.teams.conftest import DANA, Served, TeamsUser, card_text

TEAM = "19:contoso-delivery-team-000000000000@thread.tacv2"
WALTER = "29:1Walter-Skinner-teams-user-id-00000000000000000000000000000000000000000000"


def update(served: Served, name: str, conversation_id: str, activity_id: str) -> dict[str, Any]:
    activity = TeamsUser(served, conversation_id=conversation_id)._base(name)
    activity["id"] = activity_id
    return activity


async def test_bot_added_to_a_team_greets_the_channel_once(served: Served) -> None:
    added = update(served, "bot_added_to_team", TEAM, "f:1")
    assert await served.activity(added) == 200
    assert await served.activity(added) == 200  # redelivered
    again = update(served, "bot_added_to_team", TEAM, "f:2")  # removed and added again
    assert await served.activity(again) == 200

    (greeting,) = served.connector.delivered()
    assert greeting.conversation_id == TEAM
    assert greeting.card is not None
    shown = card_text(greeting.card)
    assert "Value Stream Assistant" in shown and "qualify" in shown and "help" in shown
    runs = await served.assistant.db.run(
        lambda session: session.scalar(select(func.count()).select_from(DialogRun))
    )
    assert runs == 0
    team = await served.assistant.db.run(
        lambda session: session.scalar(
            select(ConversationReference).where(ConversationReference.channel == TEAM)
        )
    )
    # The team's channel is remembered: reminders can be posted there later.
    assert team is not None and team.data["teamId"] == TEAM


async def test_installing_the_app_personally_greets_once(served: Served) -> None:
    chat = "a:1personal-chat-with-dana"
    await served.activity(update(served, "personal_install", chat, "f:10"))
    await served.activity(update(served, "personal_install", chat, "f:11"))
    (greeting,) = served.connector.delivered(chat)
    assert greeting.card is not None
    assert "Say qualify to qualify an opportunity" in card_text(greeting.card)
    # A personal greeting is addressed to the person.
    assert greeting.body["recipient"]["id"] == DANA


async def test_a_new_team_member_is_welcomed_in_a_personal_chat_once(served: Served) -> None:
    await served.activity(update(served, "member_added_to_team", TEAM, "f:20"))
    await served.activity(update(served, "member_added_to_team", TEAM, "f:21"))

    (created,) = [c for c in served.connector.calls if c.kind == "create"]
    assert created.body["members"] == [{"id": WALTER}]
    assert created.body["channelData"] == {"tenant": {"id": "11111111-aaaa-4bbb-8ccc-000000000001"}}
    (welcome,) = served.connector.delivered()
    assert welcome.conversation_id == "a:fake-personal-1"
    assert served.connector.delivered(TEAM) == []  # the channel was not spammed
    personal = await served.assistant.db.run(
        lambda session: session.scalar(
            select(ConversationReference).where(ConversationReference.user_id == WALTER)
        )
    )
    assert personal is not None and personal.channel == "a:fake-personal-1"
