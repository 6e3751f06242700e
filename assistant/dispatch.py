"""From a recorded inbound event to delivered messages, exactly once.

The flow every adapter uses (Slack, Teams and the console alike):

1. ``receive(inbound)`` records the event durably, deduplicated on the platform's
   event id, *before* the adapter acknowledges the platform (a crash after the
   ack loses nothing, a redelivery is recognised in the database on any replica);
2. ``process(event_id, inbound)`` runs the turn and writes its outbound messages
   to the outbox in the same transaction;
3. ``deliver(conversation_key)`` sends the outbox through the platform adapter,
   in order, one conversation at a time, and marks each message sent.

A platform that wants its answer at once (Slack within 3 seconds, Teams within 15)
calls ``accept(inbound)``: step 1 before it acknowledges, steps 2 and 3 in the
background, a bounded number of turns at a time. ``drain()`` waits for them (tests),
``close()`` gives them a while at shutdown, and ``recover()`` at start-up finishes
what a crash or a shutdown interrupted.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from sqlalchemy.orm import Session

from assistant import texts
from assistant.clock import Clock, SystemClock
from assistant.events import (
    Answered,
    ConversationRef,
    Image,
    Inbound,
    Outbound,
    Person,
    Platform,
    Span,
    text,
)
from storage import repositories as repo
from storage.db import AFTER_COMMIT, Database

log = logging.getLogger(__name__)

MAX_TURN_RETRIES = 3
MAX_DELIVERY_ATTEMPTS = 8
# A refused delivery is tried again no sooner than this (a platform's "Retry-After: 0"
# must not become a burst of retries that uses up every attempt at once).
MIN_RETRY_SECONDS = 1.0
STORED_REFS_CACHE_SIZE = 10_000
# Turns run after the ack, this many at a time: the database then always has room for
# the next event's record, which must be written before its ack.
MAX_TURNS_IN_FLIGHT = 32
# At shutdown, the turns under way get this long to finish; the rest are cancelled, and
# recover() at the next start finishes them.
SHUTDOWN_SECONDS = 10.0


class Progress:
    """How far the sending of one outbox message got: the platform ids of its parts
    posted so far (a message too long for one post goes out in several). They are kept
    on the outbox row, so a retry, by this process after a refusal or by another after
    a crash, posts only the rest."""

    def __init__(
        self,
        posted: Sequence[str | None] = (),
        save: Callable[[list[str | None]], Awaitable[None]] | None = None,
    ) -> None:
        self.posted: list[str | None] = list(posted)
        self._save = save

    async def part_posted(self, platform_id: str | None, *, more: bool) -> None:
        """One more part is out. When ``more`` parts follow, it is written to the outbox
        before the next is sent; the last one's is kept with the message's mark as sent
        (a one-post message costs no extra write)."""
        self.posted.append(platform_id)
        if more and self._save is not None:
            await self._save(list(self.posted))


class Adapter(Protocol):
    """What a platform adapter does for the assistant. Receiving is the adapter's own
    HTTP route (or terminal loop), which calls :meth:`Dispatcher.accept` (or
    :meth:`Dispatcher.handle`).

    An adapter that can reach only some conversations from this process (the terminal
    chat shows one person's messages) also has ``reaches(conversation_key) -> bool``;
    messages for the others stay in the outbox for the process that can.

    An adapter says whether a conversation is shared with another organisation now
    with ``async shared_externally(to) -> bool`` (a Slack Connect channel, a Teams
    conversation with guests or another tenant's members); an internal message is
    posted only where it says no. An adapter without it gets no internal message."""

    platform: Platform

    async def send(self, to: ConversationRef, message: Outbound, progress: Progress) -> str | None:
        """Post ``message``; return the platform's id for it (to update it later). In
        several posts, when it needs them: skip the ``progress.posted`` ones, and report
        each new one with ``progress.part_posted`` before posting the next."""

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


class Withheld(DeliveryError):
    """An internal message not posted: the conversation is shared with another
    organisation (given up at once; the turn service's ``withheld`` says what instead)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True)


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

    def withheld(self, session: Session, to: ConversationRef, message: Outbound) -> list[Outbound]:
        """An internal message withheld from a conversation shared with another
        organisation: what to send instead (each with ``to``), in the caller's
        transaction."""


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
    parts: tuple[str | None, ...] = ()  # platform ids of its parts posted already


class Dispatcher:
    def __init__(
        self,
        db: Database,
        handler: TurnHandler,
        adapters: Mapping[str, Adapter] | None = None,
        clock: Clock | None = None,
        *,
        max_turns: int = MAX_TURNS_IN_FLIGHT,
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
        # Work after the ack: turns, and deliveries they or a timer started.
        self._tasks: set[asyncio.Task[None]] = set()
        self._turns = asyncio.Semaphore(max_turns)
        self._closing = False

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

        # The platform waits for our ack. Each statement stands alone (the reference is
        # an upsert, the event ignores its duplicate), so each may commit by itself. (Run
        # again after a connection dropped mid-insert, it may find its own event: that
        # one stays pending, and the sweep runs its turn.)
        return await self.db.run(record, urgent=True, autocommit=True)

    def _stored(self, ref: ConversationRef) -> None:
        """The conversation reference is saved: later events need not save it again."""
        self._stored_refs[ref.key] = ref
        self._stored_refs.move_to_end(ref.key)
        if len(self._stored_refs) > STORED_REFS_CACHE_SIZE:
            self._stored_refs.popitem(last=False)

    async def accept(self, inbound: Inbound) -> bool:
        """Record the event durably, then run its turn in the background: call it before
        acknowledging the platform. False for a redelivery (recorded before: nothing to do).

        At most ``max_turns`` turns run at once (with their deliveries); the others wait,
        recorded. Once :meth:`close` began, an event is recorded and left for recover()."""
        event_id = await self.receive(inbound)
        if event_id is None:
            log.debug("event %s was recorded before: a redelivery, ignored", inbound.event_id)
            return False
        self.spawn(self._accepted(event_id, inbound), f"the turn of event {event_id}")
        return True

    async def _accepted(self, event_id: int, inbound: Inbound) -> None:
        try:
            async with self._turns:
                await self.process(event_id, inbound)
        except Exception:
            # process() apologises for a failed turn itself; this escaped it (delivering
            # the replies failed unexpectedly). They stay in the outbox for the sweep.
            await self._escaped(event_id, inbound)

    async def remember(self, ref: ConversationRef) -> None:
        """Store where a conversation is (a personal chat an adapter just opened), so the
        next send there finds it."""
        if self._stored_refs.get(ref.key) == ref:
            return

        def store(session: Session) -> None:
            store_conversation(session, ref, now=self.clock.now())
            session.info.setdefault(AFTER_COMMIT, []).append(partial(self._stored, ref))

        await self.db.run(store)

    async def send_once(
        self, place: ConversationRef, sender: Person, messages: Sequence[tuple[str, Outbound]]
    ) -> None:
        """Remember ``place``, and queue each message (to its ``to``, else ``place``)
        unless its once-only id was recorded before, all in one transaction; then deliver
        them in the background. A welcome redelivered, or repeated by a second update,
        greets nobody twice."""

        def queue(session: Session) -> list[str]:
            now = self.clock.now()
            store_conversation(session, place, now=now)
            keys: list[str] = []
            for once, message in messages:
                to = message.to or place
                record = Inbound(event_id=once, sender=sender, conversation=to, is_direct=False)
                recorded = record_event(session, record, now=now)
                if recorded is None:
                    continue
                repo.finish_inbound(session, recorded, now=now)
                enqueue(session, to, message, now=now)
                keys.append(to.key)
            return keys

        for key in dict.fromkeys(await self.db.run(queue)):
            self.spawn(self._deliver_quietly(key), "a delivery")

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
            # One turn of a conversation at a time, across processes (PostgreSQL).
            locked = repo.lock_conversation(session, key)
            now = self.clock.now()
            if not repo.claim_inbound(session, event_id, now=now):
                return [], set()  # another worker processed it
            elsewhere: set[str] = set()
            written: dict[int, tuple[ConversationRef, Outbound]] = {}
            replies = self.handler.turn(session, inbound)
            for message in replies:
                to = message.to or inbound.conversation
                written[enqueue(session, to, message, now=now)] = (to, message)
                if to.key != key:
                    elsewhere.add(to.key)
            if not replies and not inbound.addressed:
                # Said beside a dialog, not to us: keep what recognises a redelivery only.
                unsaid = inbound.model_copy(update={"text": "", "mentions": ()})
                repo.replace_inbound_payload(session, event_id, unsaid.model_dump(mode="json"))
            return self._claim(session, key, written, locked=locked), elsewhere

        for attempt in range(1, MAX_TURN_RETRIES + 1):
            try:
                return await self.db.run(turn)
            except repo.ConcurrentUpdateError:
                log.info("turn raced another worker; retrying (attempt %d)", attempt)
            except Exception:
                return await self._on_turn_error(event_id, inbound), set()
        log.error("event %s gave up after %d concurrent updates", event_id, MAX_TURN_RETRIES)
        return await self._on_turn_error(event_id, inbound), set()

    async def _on_turn_error(
        self, event_id: int, inbound: Inbound, *, mark_failed: bool = True
    ) -> list[_Claimed]:
        """The one turn-error hook: log with a reference (and the event id, never the
        payload: it holds answers), tell the person kindly; the apology is returned
        claimed, for the caller to send.

        The failed turn was rolled back, so every earlier answer is intact; its event is
        marked failed unless ``mark_failed`` is false (the turn itself was saved)."""
        reference = uuid.uuid4().hex[:8]
        log.exception("turn failed (reference %s, event %s)", reference, event_id)
        apology = Outbound(blocks=(text(texts.ERROR_APOLOGY.format(ref=reference)),))

        def fail(session: Session) -> list[_Claimed]:
            now = self.clock.now()
            if mark_failed:
                repo.finish_inbound(session, event_id, now=now, status="failed")
            to = inbound.conversation
            written = {enqueue(session, to, apology, now=now): (to, apology)}
            # The apology may pass a message whose send blew up (still held as being
            # sent): the person hears from us now, not when its claim runs out.
            return self._claim(session, to.key, written, overtake=True)

        return await self.db.run(fail)

    async def _escaped(self, event_id: int, inbound: Inbound) -> None:
        """What escaped process(): through the turn-error hook, which may fail too (the
        database is down: then the log says so, and the sweep retries the event)."""
        key = inbound.conversation.key
        try:
            claimed = await self._on_turn_error(event_id, inbound, mark_failed=False)
            async with self._lock(key):
                await self._send_claimed(key, claimed)
        except Exception:
            log.exception("could not tell the person that event %s failed", event_id)

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
        *,
        overtake: bool = False,
        locked: bool = False,
    ) -> list[_Claimed]:
        """Claim the conversation's due messages, with what sending them needs; those
        this transaction ``written`` are not read back. ``locked``: this transaction
        holds the conversation's lock already."""
        claimed = []
        for row in repo.claim_due(session, key, self.clock.now(), overtake=overtake, locked=locked):
            known = written.get(row.id) if written else None
            parts: tuple[str | None, ...] = ()
            if known is not None:
                to, message = known  # queued just now: nothing of it is posted
            else:
                conversation, payload = repo.outbox_message(session, row.id)
                to = ConversationRef.model_validate(conversation)
                message = Outbound.model_validate(payload)
                parts = tuple(repo.outbox_parts(session, row.id))
            claimed.append(_Claimed(row.id, row.attempts, to, message, row.earlier, parts))
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
                    if not isinstance(error, Withheld):
                        return  # keep the order: nothing after a failed message goes first
                    # Withheld: the rest goes on, the notice that replaces it included.
                    next_claim = await self.db.run(partial(self._claim, key=key))
                    break
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
            if isinstance(error, Withheld):
                instead = self.handler.withheld(session, item.to, item.message)
            else:
                instead = self.handler.undeliverable(session, item.to, item.message, str(error))
            for notice in instead:
                to = notice.to or item.to
                enqueue(session, to, notice, now=self.clock.now())
                told.append(to.key)
            return told

        told = await self.db.run(record)
        # A platform asking us to wait is routine under a burst; worth a line, not a warning.
        log.log(
            logging.INFO if error.rate_limited or isinstance(error, Withheld) else logging.WARNING,
            "delivery to %s failed (%s); %s",
            item.to.platform,
            error,
            "giving up" if give_up else f"retrying in {delay:.0f}s",
        )
        if not give_up and not self._closing:
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
        self.spawn(self._deliver_quietly(key), "a delivery again")

    async def _deliver_quietly(self, key: str) -> None:
        try:
            await self.deliver(key)
        except Exception:
            log.exception("delivering the outbox failed; the sweep tries again")

    # -- background work and shutdown ----------------------------------------------

    def spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Run ``work`` in the background, beside the turns: :meth:`drain` waits for it
        and :meth:`close` bounds it. A failure is logged as ``what`` failed (name no
        payload in it). Once closing, ``work`` is not started: the outbox and the
        recorded events keep what it would have done, for recover()."""
        if self._closing:
            work.close()
            return
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(partial(self._finished, what=what))

    def _finished(self, task: asyncio.Task[None], what: str) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", what, exc_info=task.exception())

    async def drain(self) -> None:
        """Wait until every turn accepted so far has run, with the deliveries it started
        (not for the timers of refused messages that are not due yet)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self, grace: float = SHUTDOWN_SECONDS) -> None:
        """Shut down: take no more background work, stop the timers of refused
        deliveries (the outbox keeps their messages), give the turns and deliveries
        under way ``grace`` seconds, then cancel the rest. Events accepted meanwhile
        stay recorded; recover() at the next start finishes them and what was cut off."""
        self._closing = True
        for pending in self._wakeups.values():
            pending.cancel()
        self._wakeups.clear()
        if not self._tasks:
            return
        _done, unfinished = await asyncio.wait(set(self._tasks), timeout=grace)
        if unfinished:
            log.warning(
                "%d turns or deliveries were still under way after %.0fs; cancelled, the "
                "next start finishes them",
                len(unfinished),
                grace,
            )
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)

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
        if message.internal:
            try:
                shared = await self._shared_externally(adapter, to)
            except DeliveryError as error:
                if not error.permanent:
                    raise  # the platform could not say now: the message waits
                # It never will (a scope the installation lacks, say): fail closed.
                log.warning("can't tell who reads a conversation (%s): internal withheld", error)
                shared = True
            if shared:
                raise Withheld("internal, and the conversation is shared with another organisation")
        if message.answered is not None and item.earlier is not None:
            try:
                await adapter.update(to, item.earlier, answered_message(message.answered))
            except DeliveryError as error:
                # The answer is recorded; a question left with its buttons is cosmetic.
                log.info("could not update the answered question: %s", error)
        if not message.blocks:
            return None
        if any(isinstance(block, Image) and block.png is None for block in message.blocks):
            from assistant.vsm_picture import draw_pictures  # matplotlib only when drawing

            message = await draw_pictures(message)
        return await adapter.send(to, message, Progress(item.parts, partial(self._parts, item.id)))

    @staticmethod
    async def _shared_externally(adapter: Adapter, to: ConversationRef) -> bool:
        """Whether another organisation reads ``to`` now, as the platform says at this
        moment (not when the message was written: a channel can become shared since).
        An adapter that can't tell is taken to say yes."""
        check = getattr(adapter, "shared_externally", None)
        if check is None:
            return True
        return bool(await check(to))

    async def _parts(self, message_id: int, posted: list[str | None]) -> None:
        await self.db.run(partial(repo.set_outbox_parts, message_id=message_id, parts=posted))

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

    async def abandon_claims(self, conversation_key: str) -> None:
        """Messages of a conversation only this process serves (the terminal chat's own
        person) that a killed predecessor was showing: they went with its terminal, and
        the conversation resumes where it was; they no longer hold it for their lease."""
        await self.db.run(lambda session: repo.abandon_sending(session, conversation_key))

    async def sweep(self) -> None:
        """The scheduler's periodic safety net: what recover() does at start-up, for
        work a crashed replica left and messages whose retry time has come."""
        try:
            await self.recover(pending_after=timedelta(seconds=30))
        except Exception:
            log.exception("the outbox sweep failed; the next one tries again")


def new_event_id() -> str:
    return uuid.uuid4().hex
