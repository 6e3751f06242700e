"""From a recorded inbound event to delivered messages, exactly once.

The flow every adapter uses (Slack, Teams and the console alike):

1. ``receive(inbound)`` records the event durably, deduplicated on the platform's
   event id, *before* the adapter acknowledges the platform (a crash after the
   ack loses nothing, a redelivery is recognised in the database on any replica);
2. ``process(event_id, inbound)`` runs the turn and writes its outbound messages
   to the outbox in the same transaction;
3. ``deliver(conversation_key)`` sends the outbox through the platform adapter,
   in order, one conversation at a time, and marks each message sent.

``recover()`` at start-up finishes what a crash interrupted.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import Any, Protocol

from sqlalchemy.orm import Session

from assistant import texts
from assistant.clock import Clock, SystemClock
from assistant.events import Answered, ConversationRef, Inbound, Outbound, Platform, Span, text
from storage import repositories as repo
from storage.db import Database

log = logging.getLogger(__name__)

MAX_TURN_RETRIES = 3
MAX_DELIVERY_ATTEMPTS = 8


class Adapter(Protocol):
    """What a platform adapter does for the assistant. Receiving is the adapter's own
    HTTP route (or terminal loop), which calls :meth:`Dispatcher.receive`."""

    platform: Platform

    async def send(self, to: ConversationRef, message: Outbound) -> str | None:
        """Post ``message``; return the platform's id for it (to update it later)."""

    async def update(self, to: ConversationRef, message_id: str, message: Outbound) -> None:
        """Replace an earlier message (a question, once answered)."""


class DeliveryError(Exception):
    """Raised by an adapter when a send failed after its own retries.

    ``retry_after`` (seconds) asks for another try later; ``permanent`` gives up
    (the channel is gone, the bot was removed)."""

    def __init__(self, reason: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(reason)
        self.retry_after = retry_after
        self.permanent = permanent


class TurnHandler(Protocol):
    def turn(self, session: Session, inbound: Inbound) -> list[Outbound]:
        """One turn inside the caller's transaction (no I/O other than the session)."""


def answered_message(answered: Answered) -> Outbound:
    """What a question message becomes once answered: the question, then the choice."""
    return Outbound(
        blocks=(
            text(Span(text=answered.question, style="bold")),
            text("✓ ", Span(text=answered.answer)),
        )
    )


class Dispatcher:
    def __init__(
        self,
        db: Database,
        handler: TurnHandler,
        adapters: Mapping[str, Adapter] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.db = db
        self.handler = handler
        self.adapters: dict[str, Adapter] = dict(adapters or {})
        self.clock = clock or SystemClock()
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def register(self, adapter: Adapter) -> None:
        self.adapters[adapter.platform] = adapter

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    # -- 1. record -------------------------------------------------------------

    async def receive(self, inbound: Inbound) -> int | None:
        """Record the event durably. None when it was seen before (a redelivery)."""

        def record(session: Session) -> int | None:
            self._remember(session, inbound.conversation)
            return repo.record_inbound(
                session,
                platform=inbound.conversation.platform,
                event_id=inbound.event_id,
                payload=inbound.model_dump(mode="json"),
            )

        return await self.db.run(record)

    @staticmethod
    def _remember(session: Session, ref: ConversationRef) -> None:
        repo.remember_conversation(
            session,
            key=ref.key,
            platform=ref.platform,
            workspace=ref.workspace,
            channel=ref.channel,
            thread=ref.thread,
            user_id=ref.user,
            data=ref.data,
        )

    # -- 2. process ------------------------------------------------------------

    async def process(self, event_id: int, inbound: Inbound) -> None:
        """Run the turn for a recorded event and deliver what it says."""
        key = inbound.conversation.key
        async with self._lock(key):
            await self._run_turn(event_id, inbound)
            await self._deliver(key)

    async def handle(self, inbound: Inbound) -> bool:
        """Record, process and deliver in one call. False for a duplicate."""
        event_id = await self.receive(inbound)
        if event_id is None:
            return False
        await self.process(event_id, inbound)
        return True

    async def _run_turn(self, event_id: int, inbound: Inbound) -> None:
        def turn(session: Session) -> None:
            if not repo.claim_inbound(session, event_id):
                return  # another worker processed it
            for message in self.handler.turn(session, inbound):
                self._enqueue(session, message.to or inbound.conversation, message)
            repo.finish_inbound(session, event_id)

        for attempt in range(1, MAX_TURN_RETRIES + 1):
            try:
                await self.db.run(turn)  # one transaction: the turn, its replies, done
                return
            except repo.ConcurrentUpdateError:
                log.info("turn raced another worker; retrying (attempt %d)", attempt)
            except Exception:
                await self._on_turn_error(event_id, inbound)
                return
        log.error("event %s gave up after %d concurrent updates", event_id, MAX_TURN_RETRIES)
        await self._on_turn_error(event_id, inbound)

    async def _on_turn_error(self, event_id: int, inbound: Inbound) -> None:
        """The one turn-error hook: log with a reference, tell the person kindly.

        The failed turn was rolled back, so every earlier answer is intact."""
        reference = uuid.uuid4().hex[:8]
        log.exception("turn failed (reference %s, event %s)", reference, event_id)
        apology = Outbound(blocks=(text(texts.ERROR_APOLOGY.format(ref=reference)),))

        def fail(session: Session) -> None:
            repo.finish_inbound(session, event_id, status="failed")
            self._enqueue(session, inbound.conversation, apology)

        await self.db.run(fail)

    @staticmethod
    def _enqueue(session: Session, to: ConversationRef, message: Outbound) -> None:
        repo.add_outbox(
            session,
            platform=to.platform,
            conversation_key=to.key,
            conversation=to.model_dump(mode="json"),
            payload=message.model_dump(mode="json", exclude={"to"}),
        )

    # -- 3. deliver ------------------------------------------------------------

    async def send(self, to: ConversationRef, message: Outbound) -> None:
        """A proactive message (reminder, invitation): queued durably, then delivered."""
        await self.db.run(lambda session: self._enqueue(session, to, message))
        async with self._lock(to.key):
            await self._deliver(to.key)

    async def deliver(self, conversation_key: str | None = None) -> None:
        """Send what is due in the outbox (all conversations when no key is given)."""
        if conversation_key is not None:
            async with self._lock(conversation_key):
                await self._deliver(conversation_key)
            return
        now = self.clock.now()
        rows = await self.db.run(partial(repo.pending_outbox, due_by=now))
        keys = list(dict.fromkeys(row.conversation_key for row in rows))
        for key in keys:
            async with self._lock(key):
                await self._deliver(key)

    async def _deliver(self, key: str) -> None:
        rows = await self.db.run(partial(repo.pending_outbox, conversation_key=key))
        for row in rows:
            if row.not_before is not None and row.not_before > self.clock.now():
                # Keep the conversation's order: nothing overtakes a message waiting to retry.
                return
            if not await self.db.run(partial(repo.claim_outbox, message_id=row.id)):
                continue
            to = ConversationRef.model_validate(row.conversation)
            message = Outbound.model_validate(row.payload)
            try:
                message_id = await self._send_one(to, message)
            except DeliveryError as error:
                give_up = error.permanent or row.attempts + 1 >= MAX_DELIVERY_ATTEMPTS
                delay = (
                    error.retry_after
                    if error.retry_after is not None
                    else 2 ** min(row.attempts, 8)
                )
                not_before = self.clock.now() + timedelta(seconds=delay)
                await self.db.run(
                    partial(
                        repo.mark_retry,
                        message_id=row.id,
                        not_before=not_before,
                        error=str(error),
                        give_up=give_up,
                    )
                )
                log.warning(
                    "delivery to %s failed (%s); %s",
                    to.platform,
                    error,
                    "giving up" if give_up else f"retrying in {delay:.0f}s",
                )
                # Keep the conversation's order: nothing after a failed message goes first.
                return
            await self.db.run(
                partial(self._sent, row_id=row.id, key=key, message=message, message_id=message_id)
            )

    @staticmethod
    def _sent(
        session: Session, row_id: int, key: str, message: Outbound, message_id: str | None
    ) -> None:
        repo.mark_sent(session, row_id, message_id)
        question = message.question
        if question is not None and message_id is not None:
            repo.remember_message(
                session,
                conversation_key=key,
                prompt_key=question.prompt_key,
                platform_message_id=message_id,
            )

    async def _send_one(self, to: ConversationRef, message: Outbound) -> str | None:
        adapter = self.adapters.get(to.platform)
        if adapter is None:
            raise DeliveryError(f"no {to.platform} adapter is configured", retry_after=60)
        answered = message.answered
        if answered is not None:
            earlier = await self.db.run(
                lambda session: repo.message_for_prompt(session, to.key, answered.prompt_key)
            )
            if earlier is not None:
                try:
                    await adapter.update(to, earlier, answered_message(answered))
                except DeliveryError as error:
                    # The answer is recorded; a question left with its buttons is cosmetic.
                    log.info("could not update the answered question: %s", error)
        if not message.blocks:
            return None
        return await adapter.send(to, message)

    # -- recovery ----------------------------------------------------------------

    async def recover(self, stale_after: timedelta = timedelta(minutes=2)) -> None:
        """Finish what a crash interrupted: unprocessed events, undelivered messages."""
        cutoff = self.clock.now() - stale_after

        def unfinished(session: Session) -> list[tuple[int, dict[str, Any]]]:
            events = repo.unfinished_inbound(session, cutoff)
            for event in events:
                if event.status == "processing":
                    repo.release_inbound(session, event.id)
            repo.stuck_outbox(session, cutoff)
            return [(event.id, event.payload) for event in events]

        for event_id, payload in await self.db.run(unfinished):
            log.info("resuming unprocessed event %s", event_id)
            await self.process(event_id, Inbound.model_validate(payload))
        await self.deliver()


def new_event_id() -> str:
    return uuid.uuid4().hex
