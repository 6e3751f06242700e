"""Drive the assistant in-process, as any channel would, and read what it says."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from assistant.app import Assistant
from assistant.dispatch import Progress
from assistant.events import Action, ConversationRef, Inbound, Outbound, Person, Question
from assistant.service import SESSION_OPEN
from tests.scenario import Player


@dataclass
class Recorder:
    """An adapter that keeps what it is sent."""

    platform: str = "console"
    sent: list[tuple[ConversationRef, Outbound]] = field(default_factory=list)
    # Conversations (keys) another organisation reads: internal messages are withheld there.
    shared: set[str] = field(default_factory=set)

    async def shared_externally(self, to: ConversationRef) -> bool:
        return to.key in self.shared

    async def send(self, to: ConversationRef, message: Outbound, progress: Progress) -> str | None:
        self.sent.append((to, message))
        return f"m{len(self.sent)}"

    async def update(self, to: ConversationRef, message_id: str, message: Outbound) -> None:
        return None


class Chat(Player):
    """One person in one conversation."""

    def __init__(
        self,
        assistant: Assistant,
        user: str = "sa",
        *,
        workspace: str = "local",
        channel: str = "terminal",
        timezone: str | None = None,
        direct: bool = True,
        thread: str | None = None,
    ) -> None:
        self.assistant = assistant
        self.recorder = assistant.dispatcher.adapters.get("console")
        if not isinstance(self.recorder, Recorder):
            self.recorder = Recorder()
            assistant.dispatcher.register(self.recorder)
        self.person = Person(
            platform="console", workspace=workspace, user_id=user, name=user, timezone=timezone
        )
        # A DM with the assistant, as in `vsa chat`; direct=False is a shared channel.
        self.ref = ConversationRef(
            platform="console",
            workspace=workspace,
            channel=channel,
            thread=thread,
            user=user if direct else None,
        )
        self.direct = direct
        self.replies: list[Outbound] = []

    def _inbound(self, text: str = "", action: Action | None = None) -> Inbound:
        return Inbound(
            event_id=uuid.uuid4().hex,
            sender=self.person,
            conversation=self.ref,
            text=text,
            action=action,
            is_direct=self.direct,
        )

    async def _send(self, inbound: Inbound) -> list[Outbound]:
        assert isinstance(self.recorder, Recorder)
        before = len(self.recorder.sent)
        await self.assistant.dispatcher.handle(inbound)
        self.replies = [m for to, m in self.recorder.sent[before:] if to.key == self.ref.key]
        return self.replies

    async def say(self, text: str) -> list[Outbound]:
        return await self._send(self._inbound(text))

    async def click(self, value: str, question: Question | None = None) -> list[Outbound]:
        question = question or self.question
        assert question is not None, "no question to click on"
        assert value in [o.value for o in question.options], (value, question.options)
        return await self._send(
            self._inbound(action=Action(prompt_key=question.prompt_key, values=(value,)))
        )

    async def open(self) -> list[Outbound]:
        return await self._send(self._inbound(action=Action(prompt_key=SESSION_OPEN, values=())))

    @property
    def question(self) -> Question | None:
        assert isinstance(self.recorder, Recorder)
        for to, message in reversed(self.recorder.sent):
            if to.key == self.ref.key and message.question is not None:
                return message.question
        return None

    @property
    def text(self) -> str:
        """Everything in the last replies, as plain text."""
        return "\n".join(m.plain_text() for m in self.replies)
