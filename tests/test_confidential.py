"""Internal stays internal, at the dispatcher: an internal message is posted only where
the adapter says, at that moment, that no other organisation reads; elsewhere one
neutral sentence is posted instead and the message goes privately to the engagement's
owners and members. An adapter that can't tell gets nothing internal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from assistant.app import Assistant
from assistant.dispatch import DeliveryError
from assistant.events import ConversationRef, Outbound, text
from storage.models import OutboxMessage
from tests.chat import Chat, Recorder
from tests.test_raid import sent_to, set_up_engagement

NOTES = "Retro (internal): the customer's PM slows every review"


@dataclass
class Unsure(Recorder):
    """A console adapter whose platform can't say who reads a conversation."""

    permanent: bool = True

    async def shared_externally(self, to: ConversationRef) -> bool:
        raise DeliveryError("conversations.info: missing_scope", permanent=self.permanent)


@dataclass
class Silent:
    """An adapter with no way to tell (no shared_externally at all)."""

    platform: str = "console"

    async def send(self, to: ConversationRef, message: Outbound, progress: object) -> str:
        assert not message.internal, "an internal message reached an adapter that can't tell"
        return "posted"

    async def update(self, to: ConversationRef, message_id: str, message: Outbound) -> None:
        return None


async def bound_channel(assistant: Assistant) -> tuple[Chat, Chat]:
    sa = Chat(assistant, "sa")
    await set_up_engagement(sa)
    channel = Chat(assistant, "sa", channel="acme-shared", direct=False)
    await channel.say("bind Acme VSA")
    return sa, channel


def internal_notes() -> Outbound:
    return Outbound(blocks=(text(NOTES),), internal=True)


async def test_a_shared_channel_gets_a_notice_and_the_team_gets_the_message(
    assistant: Assistant,
) -> None:
    sa, channel = await bound_channel(assistant)
    recorder = channel.recorder
    assert isinstance(recorder, Recorder)

    await assistant.dispatcher.send(channel.ref, internal_notes())
    await assistant.dispatcher.drain()
    assert NOTES in sent_to(channel)[-1].plain_text()  # ours alone: posted

    recorder.shared.add(channel.ref.key)
    before = len(sent_to(channel)), len(sent_to(sa))
    await assistant.dispatcher.send(channel.ref, internal_notes())
    await assistant.dispatcher.drain()
    [notice] = sent_to(channel)[before[0] :]
    assert notice.plain_text() == (
        "I didn't post something internal here because this conversation is shared with "
        "another organisation; I sent it privately to sa."
    )
    [private] = sent_to(sa)[before[1] :]
    assert NOTES in private.plain_text() and private.internal


async def test_an_adapter_that_cant_tell_gets_nothing_internal(assistant: Assistant) -> None:
    unsure = Unsure()
    assistant.dispatcher.register(unsure)  # type: ignore[arg-type]
    sa, channel = await bound_channel(assistant)

    # The platform will never say (a missing scope): withheld, and sent privately.
    await assistant.dispatcher.send(channel.ref, internal_notes())
    await assistant.dispatcher.drain()
    assert "I didn't post something internal here" in sent_to(channel)[-1].plain_text()
    assert all(NOTES not in m.plain_text() for m in sent_to(channel))
    # Its private copy meets the same platform: held back too, saying so.
    assert "I held back something internal meant for you" in sent_to(sa)[-1].plain_text()
    assert all(NOTES not in m.plain_text() for _to, m in unsure.sent)

    # The platform can't say now: the message waits in the outbox, posted nowhere.
    unsure.permanent = False
    before = len(unsure.sent)
    await assistant.dispatcher.send(channel.ref, internal_notes())
    assert len(unsure.sent) == before

    def pending(session: object) -> int:
        return len(
            session.scalars(  # type: ignore[attr-defined]
                select(OutboxMessage).where(OutboxMessage.status == "pending")
            ).all()
        )

    assert await assistant.db.run(pending) == 1


async def test_an_adapter_without_the_check_is_refused_internal_messages(
    assistant: Assistant,
) -> None:
    assistant.dispatcher.register(Silent())  # type: ignore[arg-type]
    ref = ConversationRef(platform="console", workspace="local", channel="elsewhere")
    await assistant.dispatcher.send(ref, internal_notes())
    await assistant.dispatcher.drain()

    def statuses(session: object) -> list[tuple[str, str | None]]:
        rows = session.execute(  # type: ignore[attr-defined]
            select(OutboxMessage.status, OutboxMessage.error).order_by(OutboxMessage.id)
        ).all()
        return [(row[0], row[1]) for row in rows]

    found = await assistant.db.run(statuses)
    assert found[0][0] == "failed" and "shared with another organisation" in str(found[0][1])
