"""Storage and the exactly-once flow, on SQLite and (with DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from functools import partial

import pytest
from sqlalchemy import event, func, inspect, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from assistant.app import Assistant
from assistant.clock import FixedClock
from assistant.dispatch import MAX_DELIVERY_ATTEMPTS, DeliveryError, Progress, enqueue
from assistant.events import ConversationRef, Inbound, Outbound, Person, text
from assistant.settings import Settings
from storage import db as db_module
from storage import repositories as repo
from storage.db import AFTER_COMMIT, DatabaseError, head_revision
from storage.models import DialogRun, InboundEvent, OutboxMessage, Participant
from tests.chat import Chat, Recorder
from tests.conftest import ON_POSTGRES, make_settings


async def test_the_schema_is_at_the_head_revision(assistant: Assistant) -> None:
    assert await assistant.db.revision() == head_revision()


async def test_datetimes_come_back_as_utc(assistant: Assistant) -> None:
    at = datetime(2026, 11, 23, 14, 0, tzinfo=timezone(timedelta(hours=5)))
    person = await assistant.db.run(
        partial(
            repo.upsert_participant,
            platform="console",
            workspace="w",
            user_id="u",
            display_name="U",
            timezone=None,
            now=at,
        )
    )
    stored = await assistant.db.run(lambda s: s.get(Participant, person.id))
    assert stored is not None and stored.created_at.tzinfo is not None
    assert stored.created_at.utcoffset() == timedelta(0)
    assert stored.created_at == at


async def test_only_one_active_run_per_person_and_conversation(assistant: Assistant) -> None:
    """Another replica started a run in this conversation between our read and our
    insert: the database refuses the second, the start is a ConcurrentUpdateError (the
    dispatcher retries the turn, which then finds that run), and the run already there
    is untouched."""
    chat = Chat(assistant)
    await chat.say("qualify")
    run = await assistant.db.run(lambda s: s.scalar(select(DialogRun)))
    assert run is not None

    def start_again(session: Session) -> None:
        repo.start_run(
            session,
            tenant=run.tenant,
            dialog_id="engagement",
            dialog_version=1,
            participant_id=run.participant_id,
            conversation_key=run.conversation_key,
            conversation=run.conversation,
            state_json="{}",
            now=datetime.now(UTC),
        )

    with pytest.raises(repo.ConcurrentUpdateError):
        await assistant.db.run(start_again)
    runs = await assistant.db.run(lambda s: s.scalars(select(DialogRun)).all())
    assert [(r.id, r.dialog_id, r.state) for r in runs] == [(run.id, "qualification", run.state)]


def inbound(text_: str, event_id: str | None = None) -> Inbound:
    return Inbound(
        event_id=event_id or uuid.uuid4().hex,
        sender=Person(platform="console", workspace="w", user_id="u"),
        conversation=ConversationRef(platform="console", workspace="w", channel="c"),
        text=text_,
    )


async def test_a_redelivered_event_is_processed_once(assistant: Assistant) -> None:
    recorder = Recorder()
    assistant.dispatcher.register(recorder)
    assert await assistant.dispatcher.handle(inbound("qualify", "evt-1")) is True
    for _ in range(3):
        assert await assistant.dispatcher.handle(inbound("qualify", "evt-1")) is False
    questions = [m for _, m in recorder.sent if m.question is not None]
    assert len(questions) == 1
    runs = await assistant.db.run(lambda s: s.scalar(select(func.count()).select_from(DialogRun)))
    assert runs == 1


class Flaky(Recorder):
    """Fails the first ``failures`` sends like a rate-limited platform."""

    def __init__(self, failures: int, retry_after: float = 30) -> None:
        super().__init__()
        self.failures = failures
        self.retry_after = retry_after
        self.tries = 0

    async def send(self, to: ConversationRef, message: Outbound, progress: Progress) -> str | None:
        self.tries += 1
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryError("429 Too Many Requests", retry_after=self.retry_after)
        return await super().send(to, message, progress)


@pytest.fixture
async def clocked(settings: Settings) -> AsyncIterator[tuple[Assistant, FixedClock]]:
    """An assistant whose clock the test moves."""
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assistant = await Assistant.start(settings, clock=clock)
    yield assistant, clock
    await assistant.close()


async def test_a_failed_delivery_stays_queued_and_keeps_the_order(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    flaky = Flaky(failures=1)
    assistant.dispatcher.register(flaky)
    ref = ConversationRef(platform="console", workspace="w", channel="c")
    await assistant.dispatcher.send(ref, Outbound(blocks=(text("first"),)))
    await assistant.dispatcher.send(ref, Outbound(blocks=(text("second"),)))
    assert flaky.sent == []  # the first failed; the second waits behind it
    await assistant.dispatcher.deliver()
    assert flaky.sent == []  # not before Retry-After
    clock.advance(seconds=31)
    await assistant.dispatcher.deliver()
    assert [m.plain_text() for _, m in flaky.sent] == ["first", "second"]
    await assistant.dispatcher.deliver()
    assert len(flaky.sent) == 2  # nothing is sent twice
    statuses = await assistant.db.run(lambda s: s.scalars(select(OutboxMessage.status)).all())
    assert statuses == ["sent", "sent"]


async def test_a_refused_message_goes_out_by_itself_once_due(assistant: Assistant) -> None:
    """Refused for a second (a platform's Retry-After): delivered then, without waiting
    for the periodic sweep, and exactly once."""
    flaky = Flaky(failures=1, retry_after=1)
    assistant.dispatcher.register(flaky)
    ref = ConversationRef(platform="console", workspace="w", channel="c")
    await assistant.dispatcher.send(ref, Outbound(blocks=(text("hello"),)))
    assert flaky.sent == []

    for _ in range(60):
        await asyncio.sleep(0.05)
        if flaky.sent:
            break
    await assistant.dispatcher.drain()
    assert [m.plain_text() for _, m in flaky.sent] == ["hello"]
    statuses = await assistant.db.run(lambda s: s.scalars(select(OutboxMessage.status)).all())
    assert statuses == ["sent"]


async def test_retry_after_zero_is_not_a_burst_that_uses_up_every_attempt(
    assistant: Assistant,
) -> None:
    flaky = Flaky(failures=100, retry_after=0)
    assistant.dispatcher.register(flaky)
    ref = ConversationRef(platform="console", workspace="w", channel="c")
    await assistant.dispatcher.send(ref, Outbound(blocks=(text("hello"),)))
    await asyncio.sleep(0.5)

    assert flaky.tries == 1  # the next try waits a second at least
    row = await assistant.db.run(lambda s: s.scalar(select(OutboxMessage)))
    assert row is not None and row.status == "pending" and row.attempts == 1


async def test_an_event_recorded_before_a_crash_is_processed_at_start(database_url: str) -> None:
    settings = make_settings(database_url)
    first = await Assistant.start(settings)
    event_id = await first.dispatcher.receive(inbound("qualify"))
    assert event_id is not None
    await first.close()  # "crash" after the ack, before processing

    second = await Assistant.start(settings)
    try:
        recorder = Recorder()
        second.dispatcher.register(recorder)
        await second.dispatcher.recover()
        assert any(m.question is not None for _, m in recorder.sent)
        event = await second.db.run(lambda s: s.get(InboundEvent, event_id))
        assert event is not None and event.status == "done"
    finally:
        await second.close()


async def test_a_turn_that_fails_apologises_and_keeps_earlier_answers(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = Chat(assistant)
    await chat.say("qualify")
    await chat.say("Acme")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(repo, "record_answer", broken)
    await chat.say("yes")
    assert "Sorry — something went wrong on my side" in chat.text
    monkeypatch.undo()
    await chat.say("yes")
    assert chat.question is not None and "technical discovery" in chat.question.text
    from tests.scenario import stored_answers

    assert await stored_answers(assistant.db) == {"customer": "Acme", "opportunity_discovery": True}


def _add_participant(session, user_id: str) -> int:  # type: ignore[no-untyped-def]
    person = repo.upsert_participant(
        session,
        platform="console",
        workspace="w",
        user_id=user_id,
        display_name=user_id,
        timezone=None,
        now=datetime.now(UTC),
    )
    return person.id


async def test_one_failing_transaction_among_concurrent_ones_loses_only_its_own_work(
    assistant: Assistant,
) -> None:
    def failing(session) -> int:  # type: ignore[no-untyped-def]
        _add_participant(session, "doomed")
        raise RuntimeError("this transaction fails")

    jobs = [partial(_add_participant, user_id=f"u{n}") for n in range(20)]
    jobs.insert(7, failing)
    results = await asyncio.gather(*(assistant.db.run(job) for job in jobs), return_exceptions=True)

    assert isinstance(results[7], RuntimeError)
    ids = [result for n, result in enumerate(results) if n != 7]
    assert all(isinstance(found, int) for found in ids)
    stored = await assistant.db.run(lambda s: set(s.scalars(select(Participant.user_id)).all()))
    assert stored == {f"u{n}" for n in range(20)}


async def test_after_commit_work_runs_only_for_committed_transactions(
    assistant: Assistant,
) -> None:
    seen: list[str] = []

    def with_callback(session, name: str, fail: bool) -> None:  # type: ignore[no-untyped-def]
        _add_participant(session, name)
        session.info.setdefault(AFTER_COMMIT, []).append(partial(seen.append, name))
        if fail:
            raise RuntimeError("rolled back")

    outcomes = await asyncio.gather(
        assistant.db.run(partial(with_callback, name="kept", fail=False)),
        assistant.db.run(partial(with_callback, name="lost", fail=True)),
        assistant.db.run(partial(with_callback, name="also kept", fail=False)),
        return_exceptions=True,
    )

    assert isinstance(outcomes[1], RuntimeError)
    assert sorted(seen) == ["also kept", "kept"]


async def test_a_failed_transaction_leaves_nothing_for_the_next_one(
    assistant: Assistant,
) -> None:
    """One after the other (the SQLite writer reuses its session between transactions):
    a rolled-back transaction's after-commit work never runs, not even when the next
    transaction commits, and rows a transaction returns are detached from it."""
    seen: list[str] = []

    def failing(session: Session) -> None:
        session.info.setdefault(AFTER_COMMIT, []).append(partial(seen.append, "lost"))
        _add_participant(session, "lost")
        raise RuntimeError("rolled back")

    def fine(session: Session) -> Participant | None:
        session.info.setdefault(AFTER_COMMIT, []).append(partial(seen.append, "kept"))
        _add_participant(session, "kept")
        return session.scalar(select(Participant))

    with pytest.raises(RuntimeError):
        await assistant.db.run(failing)
    row = await assistant.db.run(fine)

    assert seen == ["kept"]
    assert row is not None and row.user_id == "kept" and inspect(row).detached


@pytest.mark.skipif(ON_POSTGRES, reason="group commit is the SQLite writer's")
async def test_concurrent_transactions_on_sqlite_share_commits(assistant: Assistant) -> None:
    commits: list[int] = []
    event.listen(assistant.db.engine, "commit", lambda _connection: commits.append(1))

    await asyncio.gather(
        *(assistant.db.run(partial(_add_participant, user_id=f"u{n}")) for n in range(50))
    )

    count = await assistant.db.run(lambda s: s.scalar(select(func.count(Participant.id))))
    assert count == 50
    assert len(commits) < 25  # each commit (one fsync) covered several transactions


async def test_messages_after_a_failed_one_wait_and_then_go_out_in_order(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """A turn's replies are claimed together; when the first fails, the rest wait for it."""
    assistant, clock = clocked
    flaky = Flaky(failures=1)
    assistant.dispatcher.register(flaky)
    ref = ConversationRef(platform="console", workspace="w", channel="c")

    def queue_three(session) -> None:  # type: ignore[no-untyped-def]
        for word in ("one", "two", "three"):
            enqueue(session, ref, Outbound(blocks=(text(word),)), now=clock.now())

    await assistant.db.run(queue_three)
    await assistant.dispatcher.deliver(ref.key)
    assert flaky.sent == []
    statuses = await assistant.db.run(
        lambda s: s.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)).all()
    )
    assert statuses == ["pending", "pending", "pending"]  # none left claimed

    clock.advance(seconds=31)
    await assistant.dispatcher.sweep()
    assert [m.plain_text() for _, m in flaky.sent] == ["one", "two", "three"]


async def test_a_message_a_crashed_worker_held_is_sent_by_the_sweep(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    assistant, clock = clocked
    recorder = Recorder()
    assistant.dispatcher.register(recorder)
    ref = ConversationRef(platform="console", workspace="w", channel="c")

    def crashed_worker(session) -> None:  # type: ignore[no-untyped-def]
        enqueue(session, ref, Outbound(blocks=(text("held"),)), now=clock.now())
        repo.claim_due(session, ref.key, clock.now())  # ...and it died before sending

    await assistant.db.run(crashed_worker)
    await assistant.dispatcher.sweep()
    assert recorder.sent == []  # it may still be sending: not yet

    clock.advance(seconds=121)
    await assistant.dispatcher.sweep()
    assert [m.plain_text() for _, m in recorder.sent] == ["held"]


async def test_a_changed_conversation_reference_is_stored_again(assistant: Assistant) -> None:
    """Teams may move a conversation to another serviceUrl: proactive sends must follow."""
    person = Person(platform="console", workspace="w", user_id="u")

    async def event_from(service_url: str) -> None:
        ref = ConversationRef(
            platform="console", workspace="w", channel="c", data={"serviceUrl": service_url}
        )
        inbound = Inbound(event_id=uuid.uuid4().hex, sender=person, conversation=ref, text="hi")
        await assistant.dispatcher.receive(inbound)

    await event_from("https://smba.example/one/")
    await event_from("https://smba.example/one/")
    await event_from("https://smba.example/two/")
    stored = await assistant.db.run(lambda s: repo.conversation(s, "console:w:c"))
    assert stored is not None and stored.data == {"serviceUrl": "https://smba.example/two/"}


async def test_the_sweep_leaves_a_just_recorded_event_to_its_worker(assistant: Assistant) -> None:
    recorder = Recorder()
    assistant.dispatcher.register(recorder)
    event_id = await assistant.dispatcher.receive(inbound("qualify"))
    assert event_id is not None

    await assistant.dispatcher.sweep()  # the worker that recorded it is about to process it
    event = await assistant.db.run(lambda s: s.get(InboundEvent, event_id))
    assert event is not None and event.status == "pending"
    assert recorder.sent == []

    await assistant.dispatcher.recover()  # at start-up nobody else will: process it
    event = await assistant.db.run(lambda s: s.get(InboundEvent, event_id))
    assert event is not None and event.status == "done"
    assert any(m.question is not None for _, m in recorder.sent)


async def test_the_sweep_reads_the_times_the_dispatcher_wrote_by_its_own_clock(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """Rows are stamped by the dispatcher's clock, the one the sweep compares with: an
    event nobody processed waits its 30 seconds of that clock, whatever the wall says
    (the test clock is hours behind it)."""
    assistant, clock = clocked
    recorder = Recorder()
    assistant.dispatcher.register(recorder)
    event_id = await assistant.dispatcher.receive(inbound("qualify"))
    stored = await assistant.db.run(lambda s: s.get(InboundEvent, event_id))
    assert stored is not None and stored.received_at == clock.now()

    clock.advance(seconds=20)
    await assistant.dispatcher.sweep()
    assert recorder.sent == []

    clock.advance(seconds=11)
    await assistant.dispatcher.sweep()
    assert any(m.question is not None for _, m in recorder.sent)
    done = await assistant.db.run(lambda s: s.get(InboundEvent, event_id))
    assert done is not None and done.status == "done" and done.processed_at == clock.now()


async def test_a_failing_after_commit_callback_neither_fails_nor_repeats_the_work(
    assistant: Assistant,
) -> None:
    def with_bad_callback(session, name: str) -> int:  # type: ignore[no-untyped-def]
        session.info.setdefault(AFTER_COMMIT, []).append(lambda: 1 / 0)
        return _add_participant(session, name)

    ids = await asyncio.gather(
        *(assistant.db.run(partial(with_bad_callback, name=f"u{n}")) for n in range(5))
    )

    assert len(set(ids)) == 5
    count = await assistant.db.run(lambda s: s.scalar(select(func.count(Participant.id))))
    assert count == 5


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write lock")
async def test_work_waits_for_a_lock_another_process_holds_and_the_loop_keeps_serving(
    assistant: Assistant,
) -> None:
    """A second `vsa` on the same file holds the write lock: our work waits for it,
    and meanwhile the assistant keeps answering (it does not sleep inside SQLite)."""
    other = sqlite3.connect(str(assistant.db.url.database), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    work = asyncio.ensure_future(assistant.db.run(partial(_add_participant, user_id="waited")))

    started = time.perf_counter()
    for _ in range(20):
        await asyncio.sleep(0.005)
    served_for = time.perf_counter() - started

    assert not work.done()
    assert served_for < 1.0  # twenty turns of the loop, not one held up by the lock
    other.execute("COMMIT")
    other.close()
    assert isinstance(await work, int)
    stored = await assistant.db.run(lambda s: s.scalars(select(Participant.user_id)).all())
    assert stored == ["waited"]


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write lock")
async def test_work_fails_clearly_when_the_lock_is_never_released_and_later_work_runs(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "LOCK_WAIT", 0.2)
    other = sqlite3.connect(str(assistant.db.url.database), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    with pytest.raises(OperationalError, match="database is locked"):
        await assistant.db.run(partial(_add_participant, user_id="never"))

    other.execute("ROLLBACK")
    other.close()
    assert isinstance(await assistant.db.run(partial(_add_participant, user_id="later")), int)
    stored = await assistant.db.run(lambda s: s.scalars(select(Participant.user_id)).all())
    assert stored == ["later"]


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's own queue of work")
async def test_closing_finishes_the_work_already_waiting(settings: Settings) -> None:
    assistant = await Assistant.start(settings)
    waiting = [
        asyncio.ensure_future(assistant.db.run(partial(_add_participant, user_id=f"u{n}")))
        for n in range(5)
    ]
    await asyncio.sleep(0)  # submitted, not yet run
    await assistant.close()

    assert all(isinstance(work.result(), int) for work in waiting)
    with pytest.raises(DatabaseError, match="closed"):
        await assistant.db.run(lambda s: None)


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's own queue of work")
async def test_urgent_work_goes_ahead_of_turns_already_waiting(assistant: Assistant) -> None:
    """Recording an event Slack waits to see acknowledged does not queue behind other
    people's turns."""
    order: list[str] = []

    def work(session: Session, name: str) -> None:
        order.append(name)

    waiting = [assistant.db.run(partial(work, name=f"turn {n}")) for n in range(20)]
    urgent = assistant.db.run(partial(work, name="record"), urgent=True)
    await asyncio.gather(*waiting, urgent)

    assert order[0] == "record"
    assert order[1:] == [f"turn {n}" for n in range(20)]


async def test_a_run_in_progress_has_no_result_and_a_finished_one_has_it(
    assistant: Assistant,
) -> None:
    """ "No result yet" is SQL NULL (what a report's `WHERE result IS NULL` expects), not
    the JSON text null."""
    from tests.scenario import QUALIFIED, Click, Type

    chat = Chat(assistant)
    await chat.say("qualify")
    await chat.say("Acme")

    def without_result(session: Session) -> int:
        return int(session.scalar(select(func.count()).where(DialogRun.result.is_(None))) or 0)

    assert await assistant.db.run(without_result) == 1
    for step in QUALIFIED[2:]:
        if isinstance(step, Type):
            await chat.say(step.text)
        else:
            assert isinstance(step, Click)
            await chat.click(step.value)
    assert await assistant.db.run(without_result) == 0
    run = await assistant.db.run(lambda s: s.scalar(select(DialogRun)))
    assert run is not None and run.status == "completed" and run.result


async def test_an_upgrade_turns_an_old_json_null_result_into_sql_null(database_url: str) -> None:
    """Rows saved before "no result" was SQL NULL (the JSON text null) are mended by the
    migration, and a run's real result is left as it was."""
    from alembic import command
    from sqlalchemy import text as sql

    from storage.db import Database, _alembic_config

    def migrate(connection, step, revision: str) -> None:  # type: ignore[no-untyped-def]
        config = _alembic_config(str(connection.engine.url))
        config.attributes["connection"] = connection
        step(config, revision)

    db = Database.from_url(database_url)
    try:
        await db.upgrade()
        await db.run_connection(partial(migrate, step=command.downgrade, revision="0002"))

        def old_rows(connection) -> None:  # type: ignore[no-untyped-def]
            connection.execute(
                sql(
                    "INSERT INTO participants (platform, workspace, user_id, created_at, "
                    "updated_at) VALUES ('console', 'w', 'u', :now, :now)"
                ),
                {"now": datetime.now(UTC)},
            )
            for n, result in enumerate(["null", '{"qualified": true}']):
                connection.execute(
                    sql(
                        "INSERT INTO dialog_runs (tenant, dialog_id, dialog_version, "
                        "participant_id, conversation_key, conversation, status, state, "
                        "result, version, started_at, updated_at) VALUES ('console:w', "
                        "'qualification', 1, 1, :key, '{}', 'completed', '{}', :result, 1, "
                        ":now, :now)"
                    ),
                    {"key": f"c{n}", "result": result, "now": datetime.now(UTC)},
                )

        await db.run_connection(old_rows)
        await db.run_connection(partial(migrate, step=command.upgrade, revision="0003"))
        rows = await db.run(
            lambda s: s.execute(select(DialogRun.conversation_key, DialogRun.result)).all()
        )
        nulls = await db.run(
            lambda s: s.scalar(select(func.count()).where(DialogRun.result.is_(None)))
        )
    finally:
        await db.close()
    assert sorted(rows) == [("c0", None), ("c1", {"qualified": True})]
    assert nulls == 1


async def test_a_rate_limited_message_is_never_given_up(
    clocked: tuple[Assistant, FixedClock],
) -> None:
    """Refused with 429 more times than a message has attempts (500 invitations waiting
    for Slack's Tier 3): still delivered once the platform lets it through."""
    assistant, clock = clocked
    tries = 3 * MAX_DELIVERY_ATTEMPTS

    class Limited(Flaky):
        async def send(
            self, to: ConversationRef, message: Outbound, progress: Progress
        ) -> str | None:
            self.tries += 1
            if self.failures > 0:
                self.failures -= 1
                raise DeliveryError("429", retry_after=1, rate_limited=True)
            return await Recorder.send(self, to, message, progress)

    limited = Limited(failures=tries)
    assistant.dispatcher.register(limited)
    ref = ConversationRef(platform="console", workspace="w", channel="c")
    await assistant.dispatcher.send(ref, Outbound(blocks=(text("invitation"),)))
    for _ in range(tries):
        clock.advance(seconds=2)
        await assistant.dispatcher.deliver()
    assert [m.plain_text() for _, m in limited.sent] == ["invitation"]
    statuses = await assistant.db.run(lambda s: s.scalars(select(OutboxMessage.status)).all())
    assert statuses == ["sent"]
