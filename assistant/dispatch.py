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
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from sqlalchemy.orm import Session

from assistant import texts
from assistant.clock import Clock, SystemClock
from assistant.events import Answered, ConversationRef, Inbound, Outbound, Platform, Span, text
from storage import repositories as repo
from storage.db import AFTER_COMMIT, Database

log = logging.getLogger(__name__)

MAX_TURN_RETRIES = 3
MAX_DELIVERY_ATTEMPTS = 8
# A refused delivery is tried again no sooner than this (a platform's "Retry-After: 0"
# must not become a burst of retries that uses up every attempt at once).
MIN_RETRY_SECONDS = 1.0
STORED_REFS_CACHE_SIZE = 10_000


class Adapter(Protocol):
    """What a platform adapter does for the assistant. Receiving is the adapter's own
    HTTP route (or terminal loop), which calls :meth:`Dispatcher.receive`.

    An adapter that can reach only some conversations from this process (the terminal
    chat shows one person's messages) also has ``reaches(conversation_key) -> bool``;
    messages for the others stay in the outbox for the process that can."""

    platform: Platform

    async def send(self, to: ConversationRef, message: Outbound) -> str | None:
        """Post ``message``; return the platform's id for it (to update it later)."""

    async def update(self, to: ConversationRef, message_id: str, message: Outbound) -> None:
        """Replace an earlier message (a question, once answered)."""


class DeliveryError(Exception):
    """Raised by an adapter when a send failed after its own retries.

    ``retry_after`` (seconds) asks for another try later; ``permanent`` gives up
    (the channel is gone, the bot was removed); ``rate_limited`` says the platform
    only asked us to wait (a 429), which never uses up the message's attempts."""

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        rate_limited: bool = False,
    ):
        super().__init__(reason)
        self.retry_after = retry_after
        self.permanent = permanent
        self.rate_limited = rate_limited


class TurnHandler(Protocol):
    def turn(self, session: Session, inbound: Inbound) -> list[Outbound]:
        """One turn inside the caller's transaction (no I/O other than the session)."""

    def undeliverable(
        self, session: Session, to: ConversationRef, message: Outbound, reason: str
    ) -> list[Outbound]:
        """A message the platform refused for good: what to send instead (each with
        ``to``), in the caller's transaction."""

    def due(self, session: Session) -> list[Outbound]:
        """Messages the clock says are due now (nudges), each with ``to``."""


def store_conversation(session: Session, ref: ConversationRef, *, now: datetime) -> None:
    """Keep where a conversation is, for proactive sends after any restart."""
    repo.remember_conversation(
        session,
        key=ref.key,
        platform=ref.platform,
        workspace=ref.workspace,
        channel=ref.channel,
        thread=ref.thread,
        user_id=ref.user,
        data=ref.data,
        now=now,
    )


def enqueue(session: Session, to: ConversationRef, message: Outbound, *, now: datetime) -> int:
    """Queue a message in the outbox, in the caller's transaction; its outbox id."""
    return repo.add_outbox(
        session,
        platform=to.platform,
        conversation_key=to.key,
        conversation_json=to.model_dump_json(),
        payload_json=message.model_dump_json(exclude={"to"}),
        now=now,
    )


def record_event(session: Session, inbound: Inbound, *, now: datetime) -> int | None:
    """Record an inbound event once; None when it was recorded before."""
    return repo.record_inbound(
        session,
        platform=inbound.conversation.platform,
        event_id=inbound.event_id,
        payload_json=inbound.model_dump_json(),
        now=now,
    )


def answered_message(answered: Answered) -> Outbound:
    """What a question message becomes once answered: the question, then the choice."""
    return Outbound(
        blocks=(
            text(Span(text=answered.question, style="bold")),
            text("✓ ", Span(text=answered.answer)),
        )
    )


@dataclass(frozen=True)
class _Claimed:
    """An outbox message taken for sending, with what sending it needs."""

    id: int
    attempts: int
    to: ConversationRef
    message: Outbound
    earlier: str | None  # platform id of the question the message's answer updates


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
        # Conversation references known to be stored as they are: not written again.
        self._stored_refs: OrderedDict[str, ConversationRef] = OrderedDict()
        # A conversation whose delivery was refused for now is delivered again when its
        # message is due: one timer per conversation, then its delivery.
        self._wakeups: dict[str, asyncio.TimerHandle] = {}
        self._redeliveries: set[asyncio.Task[None]] = set()

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
        ref = inbound.conversation

        def record(session: Session) -> int | None:
            now = self.clock.now()
            if self._stored_refs.get(ref.key) != ref:
                store_conversation(session, ref, now=now)
                session.info.setdefault(AFTER_COMMIT, []).append(partial(self._stored, ref))
            return record_event(session, inbound, now=now)

        return await self.db.run(record, urgent=True)  # the platform waits for our ack

    def _stored(self, ref: ConversationRef) -> None:
        """The conversation reference is saved: later events need not save it again."""
        self._stored_refs[ref.key] = ref
        self._stored_refs.move_to_end(ref.key)
        if len(self._stored_refs) > STORED_REFS_CACHE_SIZE:
            self._stored_refs.popitem(last=False)

    # -- 2. process ------------------------------------------------------------

    async def process(self, event_id: int, inbound: Inbound) -> None:
        """Run the turn for a recorded event and deliver what it says."""
        key = inbound.conversation.key
        async with self._lock(key):
            claimed, elsewhere = await self._run_turn(event_id, inbound)
            await self._send_claimed(key, claimed)
        for other in elsewhere:  # messages for other conversations (an invitation)
            await self.deliver(other)

    async def handle(self, inbound: Inbound) -> bool:
        """Record, process and deliver in one call. False for a duplicate."""
        event_id = await self.receive(inbound)
        if event_id is None:
            return False
        await self.process(event_id, inbound)
        return True

    async def _run_turn(self, event_id: int, inbound: Inbound) -> tuple[list[_Claimed], set[str]]:
        """One transaction: the turn, its replies queued, the event done, and the
        conversation's replies claimed for sending right away."""
        key = inbound.conversation.key

        def turn(session: Session) -> tuple[list[_Claimed], set[str]]:
            if not repo.claim_inbound(session, event_id):
                return [], set()  # another worker processed it
            elsewhere: set[str] = set()
            written: dict[int, tuple[ConversationRef, Outbound]] = {}
            now = self.clock.now()
            for message in self.handler.turn(session, inbound):
                to = message.to or inbound.conversation
                written[enqueue(session, to, message, now=now)] = (to, message)
                if to.key != key:
                    elsewhere.add(to.key)
            repo.finish_inbound(session, event_id, now=now)
            return self._claim(session, key, written), elsewhere

        for attempt in range(1, MAX_TURN_RETRIES + 1):
            try:
                return await self.db.run(turn)
            except repo.ConcurrentUpdateError:
                log.info("turn raced another worker; retrying (attempt %d)", attempt)
            except Exception:
                return await self._on_turn_error(event_id, inbound), set()
        log.error("event %s gave up after %d concurrent updates", event_id, MAX_TURN_RETRIES)
        return await self._on_turn_error(event_id, inbound), set()

    async def _on_turn_error(self, event_id: int, inbound: Inbound) -> list[_Claimed]:
        """The one turn-error hook: log with a reference, tell the person kindly.

        The failed turn was rolled back, so every earlier answer is intact."""
        reference = uuid.uuid4().hex[:8]
        log.exception("turn failed (reference %s, event %s)", reference, event_id)
        apology = Outbound(blocks=(text(texts.ERROR_APOLOGY.format(ref=reference)),))

        def fail(session: Session) -> list[_Claimed]:
            now = self.clock.now()
            repo.finish_inbound(session, event_id, now=now, status="failed")
            to = inbound.conversation
            written = {enqueue(session, to, apology, now=now): (to, apology)}
            return self._claim(session, to.key, written)

        return await self.db.run(fail)

    # -- 3. deliver ------------------------------------------------------------

    async def send(self, to: ConversationRef, message: Outbound) -> None:
        """A proactive message (reminder, invitation): queued durably, then delivered."""
        await self.db.run(lambda session: enqueue(session, to, message, now=self.clock.now()))
        await self.deliver(to.key)

    async def deliver(self, conversation_key: str | None = None) -> None:
        """Send what is due in the outbox (all conversations when no key is given)."""
        if conversation_key is not None:
            keys = [conversation_key]
        else:
            rows = await self.db.run(partial(repo.pending_outbox, due_by=self.clock.now()))
            keys = list(dict.fromkeys(row.conversation_key for row in rows))
        for key in keys:
            if not self._reaches(key):
                continue
            async with self._lock(key):
                claimed = await self.db.run(partial(self._claim, key=key))
                await self._send_claimed(key, claimed)

    def _reaches(self, key: str) -> bool:
        adapter = self.adapters.get(key.split(":", 1)[0])
        reaches = getattr(adapter, "reaches", None)
        return reaches is None or bool(reaches(key))

    async def run_due(self) -> None:
        """The scheduler's hook: queue what the clock says is due (nudges), deliver it."""
        try:
            keys = await self.db.run(self._queue_due)
            for key in dict.fromkeys(keys):
                await self.deliver(key)
        except Exception:
            log.exception("queueing due messages failed; the next run tries again")

    def _queue_due(self, session: Session) -> list[str]:
        now = self.clock.now()
        keys = []
        for message in self.handler.due(session):
            assert message.to is not None, "a due message says where it goes"
            enqueue(session, message.to, message, now=now)
            keys.append(message.to.key)
        return keys

    def _claim(
        self,
        session: Session,
        key: str,
        written: Mapping[int, tuple[ConversationRef, Outbound]] | None = None,
    ) -> list[_Claimed]:
        """Claim the conversation's due messages, with what sending them needs; those
        this transaction ``written`` are not read back."""
        claimed = []
        for row in repo.claim_due(session, key, self.clock.now()):
            known = written.get(row.id) if written else None
            if known is not None:
                to, message = known
            else:
                conversation, payload = repo.outbox_message(session, row.id)
                to = ConversationRef.model_validate(conversation)
                message = Outbound.model_validate(payload)
            earlier = None
            if message.answered is not None:
                earlier = repo.message_for_prompt(session, key, message.answered.prompt_key)
            claimed.append(_Claimed(row.id, row.attempts, to, message, earlier))
        return claimed

    async def _send_claimed(self, key: str, claimed: list[_Claimed]) -> None:
        """Send claimed messages in order, each marked sent as soon as it is; the last
        mark also claims whatever became due meanwhile (another worker's turn)."""
        while claimed:
            next_claim: list[_Claimed] = []
            for position, item in enumerate(claimed):
                try:
                    message_id = await self._send_one(item)
                except DeliveryError as error:
                    await self._failed(key, item, error, later=claimed[position + 1 :])
                    return  # keep the order: nothing after a failed message goes first
                last = position == len(claimed) - 1
                next_claim = await self.db.run(
                    partial(self._sent, key=key, item=item, message_id=message_id, claim=last)
                )
            claimed = next_claim

    async def _failed(
        self, key: str, item: _Claimed, error: DeliveryError, later: list[_Claimed]
    ) -> None:
        # Rate limits are waited out however long they last: 500 invitations at once
        # wait minutes for Slack's conversations.open (Tier 3), and each is refused many
        # times on the way; that is no reason to give one up.
        give_up = error.permanent or (
            not error.rate_limited and item.attempts + 1 >= MAX_DELIVERY_ATTEMPTS
        )
        delay = error.retry_after if error.retry_after is not None else 2 ** min(item.attempts, 8)
        delay = max(delay, MIN_RETRY_SECONDS)
        not_before = self.clock.now() + timedelta(seconds=delay)

        def record(session: Session) -> list[str]:
            repo.mark_retry(
                session, item.id, not_before=not_before, error=str(error), give_up=give_up
            )
            repo.release_outbox(session, [other.id for other in later])
            if not give_up:
                return []
            # Refused for good (a guest, another organisation): whoever waits on the
            # message is told, in the same transaction as the message is given up.
            told = []
            for notice in self.handler.undeliverable(session, item.to, item.message, str(error)):
                to = notice.to or item.to
                enqueue(session, to, notice, now=self.clock.now())
                told.append(to.key)
            return told

        told = await self.db.run(record)
        log.warning(
            "delivery to %s failed (%s); %s",
            item.to.platform,
            error,
            "giving up" if give_up else f"retrying in {delay:.0f}s",
        )
        if not give_up:
            self._deliver_later(key, delay)
        for other in dict.fromkeys(told):
            if other != key:
                self._spawn_delivery(other)

    def _deliver_later(self, key: str, delay: float) -> None:
        """Deliver the conversation's outbox again once its message is due (the periodic
        sweep stays the safety net, for a process that stopped meanwhile)."""
        loop = asyncio.get_running_loop()
        when = loop.time() + delay + 0.05  # just after not_before
        pending = self._wakeups.get(key)
        if pending is not None:
            if pending.when() <= when:
                return
            pending.cancel()
        self._wakeups[key] = loop.call_at(when, self._wake, key)

    def _wake(self, key: str) -> None:
        self._wakeups.pop(key, None)
        self._spawn_delivery(key)

    def _spawn_delivery(self, key: str) -> None:
        task = asyncio.get_running_loop().create_task(self._redeliver(key))
        self._redeliveries.add(task)
        task.add_done_callback(self._redeliveries.discard)

    async def _redeliver(self, key: str) -> None:
        try:
            await self.deliver(key)
        except Exception:
            log.exception("delivering the outbox again failed; the sweep tries again")

    async def drain(self) -> None:
        """Wait for the deliveries again that are under way (not for the timers of those
        whose messages are not due yet)."""
        while self._redeliveries:
            await asyncio.gather(*list(self._redeliveries), return_exceptions=True)

    async def close(self) -> None:
        """Stop the timers of refused deliveries (the outbox keeps their messages for the
        next start) and wait for the deliveries already under way."""
        for pending in self._wakeups.values():
            pending.cancel()
        self._wakeups.clear()
        await self.drain()

    def _sent(
        self, session: Session, key: str, item: _Claimed, message_id: str | None, claim: bool
    ) -> list[_Claimed]:
        now = self.clock.now()
        repo.mark_sent(session, item.id, message_id, now=now)
        question = item.message.question
        if question is not None and message_id is not None:
            repo.remember_message(
                session,
                conversation_key=key,
                prompt_key=question.prompt_key,
                platform_message_id=message_id,
                now=now,
            )
        return self._claim(session, key) if claim else []

    async def _send_one(self, item: _Claimed) -> str | None:
        to, message = item.to, item.message
        adapter = self.adapters.get(to.platform)
        if adapter is None:
            raise DeliveryError(f"no {to.platform} adapter is configured", retry_after=60)
        if message.answered is not None and item.earlier is not None:
            try:
                await adapter.update(to, item.earlier, answered_message(message.answered))
            except DeliveryError as error:
                # The answer is recorded; a question left with its buttons is cosmetic.
                log.info("could not update the answered question: %s", error)
        if not message.blocks:
            return None
        return await adapter.send(to, message)

    # -- recovery ----------------------------------------------------------------

    async def recover(
        self,
        stale_after: timedelta = timedelta(minutes=2),
        pending_after: timedelta = timedelta(0),
    ) -> None:
        """Finish what a crash interrupted: unprocessed events, undelivered messages.

        ``pending_after`` leaves alone events recorded that recently (the worker that
        recorded them is about to process them)."""
        now = self.clock.now()
        cutoff = now - stale_after

        def unfinished(session: Session) -> list[tuple[int, dict[str, Any]]]:
            events = repo.unfinished_inbound(session, cutoff, pending_before=now - pending_after)
            for event in events:
                if event.status == "processing":
                    repo.release_inbound(session, event.id)
            repo.stuck_outbox(session, cutoff)
            return [(event.id, event.payload) for event in events]

        for event_id, payload in await self.db.run(unfinished):
            log.info("resuming unprocessed event %s", event_id)
            await self.process(event_id, Inbound.model_validate(payload))
        await self.deliver()

    async def sweep(self) -> None:
        """The scheduler's periodic safety net: what recover() does at start-up, for
        work a crashed replica left and messages whose retry time has come."""
        try:
            await self.recover(pending_after=timedelta(seconds=30))
        except Exception:
            log.exception("the outbox sweep failed; the next one tries again")


def new_event_id() -> str:
    return uuid.uuid4().hex
