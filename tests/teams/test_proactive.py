"""Proactive messages from stored conversation references, also after a restart."""

from __future__ import annotations

from functools import partial

from adapters.teams.testing import FakeConnector
from assistant.events import ConversationRef, Span, say, text
from assistant.settings import Settings
from storage import repositories as repo
from storage.models import ConversationReference
from tests.teams.conftest import (
    BOT_ID,
    CHANNEL,
    DANA,
    TENANT,
    TeamsUser,
    card_text,
    serving,
)


def ref_of(row: ConversationReference) -> ConversationRef:
    return ConversationRef(
        platform="teams",
        workspace=row.workspace,
        channel=row.channel,
        thread=row.thread,
        user=row.user_id,
        data=row.data,
    )


async def test_a_reminder_reaches_a_person_and_a_channel_after_a_restart(
    settings: Settings, connector: FakeConnector
) -> None:
    async with serving(settings, connector) as first:
        await TeamsUser(first).say("hi")
        await TeamsUser(
            first, conversation_id=f"{CHANNEL};messageid=1763890260456", channel=True
        ).say("hi")
    seen = len(connector.calls)

    # A new process on the same database: nothing in memory, only what was stored.
    async with serving(settings, connector) as second:
        person = await second.assistant.db.run(
            partial(repo.conversation_of_user, platform="teams", workspace=TENANT, user_id=DANA)
        )
        channel = await second.assistant.db.run(
            partial(repo.conversation, key=f"teams:{TENANT}:{CHANNEL}:1763890260456")
        )
        assert person is not None and channel is not None
        reminder = say(
            text("Reminder: ", Span(text="daily standup", style="bold"), " in 10 minutes")
        )
        await second.assistant.dispatcher.send(ref_of(person), reminder)
        # A channel-wide post: the channel without the thread.
        await second.assistant.dispatcher.send(
            ref_of(channel).model_copy(update={"thread": None}), reminder
        )
        calls = await connector.wait_for(seen + 2)

    to_person, to_channel = calls[-2:]
    assert to_person.conversation_id == "a:1personal-chat-with-dana"
    assert to_channel.conversation_id == CHANNEL
    for call in (to_person, to_channel):
        assert call.kind == "send" and call.card is not None
        assert "daily standup" in card_text(call.card)
        assert call.body["from"]["id"] == BOT_ID
        assert call.body["channelData"] == {"tenant": {"id": TENANT}}
        assert "Authorization" not in call.headers  # no app id: no token, as the Emulator
    assert to_person.body["recipient"]["id"] == DANA


async def test_a_person_without_a_chat_gets_one_opened(
    settings: Settings, connector: FakeConnector
) -> None:
    async with serving(settings, connector) as served:
        await TeamsUser(served).say("hi")
        known = await served.assistant.db.run(
            partial(repo.conversation_of_user, platform="teams", workspace=TENANT, user_id=DANA)
        )
        assert known is not None
        # Someone we have never talked to, reachable through the same service.
        invitee = ConversationRef(
            platform="teams",
            workspace=TENANT,
            channel="",
            user="29:1new-participant",
            data={k: known.data[k] for k in ("serviceUrl", "botId", "channelId")},
        )
        await served.assistant.dispatcher.send(
            invitee, say(text("You're invited to an interview."))
        )
        opened = await served.assistant.db.run(
            partial(
                repo.conversation_of_user,
                platform="teams",
                workspace=TENANT,
                user_id="29:1new-participant",
            )
        )
    (created,) = [c for c in connector.calls if c.kind == "create"]
    assert created.body["members"] == [{"id": "29:1new-participant"}]
    (invitation,) = connector.delivered("a:fake-personal-1")
    assert invitation.card is not None and "invited" in card_text(invitation.card)
    assert opened is not None and opened.channel == "a:fake-personal-1"
