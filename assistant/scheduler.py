"""The scheduler of `vsa serve`: APScheduler on the server's event loop.

It runs the outbox sweep (messages whose retry time has come, work a crashed
replica left) and queues what the clock says is due (interview nudges). The ceremony
reminders add their jobs to the same scheduler through :func:`build_scheduler`'s
result, so every timed thing lives in one place.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from assistant.dispatch import Dispatcher

if TYPE_CHECKING:
    from assistant.schedules import Schedules

log = logging.getLogger(__name__)

OUTBOX_SWEEP_SECONDS = 15
DUE_SECONDS = 300  # nudges are due by the hour; five minutes late is on time
# Ceremony reminders: one job claims whatever is due from the database, every this many
# seconds (schedules another process set up or changed), once at start-up (the catch-up
# after downtime), and on the dot of the next occurrence it knows of. One job for every
# schedule, not one per occurrence: 10,000 engagements cost one row read each per due
# occurrence, not 10,000 APScheduler jobs built at every start (and rebuilt on every
# change, in every process); the database decides who posts, not the job store.
REMINDER_TICK_SECONDS = 30
# Reminders queued by one tick are delivered this many conversations at a time: a burst
# due in the same minute (1,000 channels) goes out in seconds, while each platform's
# pacing and 429 handling (the adapters', the outbox's) keep it within their limits.
REMINDER_DELIVERIES_AT_ONCE = 16


async def post_reminders(dispatcher: Dispatcher, schedules: Schedules) -> datetime | None:
    """Claim what is due, a transaction per ``TICK_LIMIT`` schedules, and deliver each
    batch while the next is claimed; when the next occurrence is due."""
    gate = asyncio.Semaphore(REMINDER_DELIVERIES_AT_ONCE)
    deliveries: list[asyncio.Task[None]] = []

    async def deliver(key: str) -> None:
        async with gate:
            try:
                await dispatcher.deliver(key)
            except Exception:
                # Queued in the outbox: the sweep delivers it.
                log.exception("delivering a reminder failed; the outbox sweep retries it")

    following: datetime | None = None
    try:
        more = True
        while more:
            tick = await dispatcher.db.run(schedules.tick)
            deliveries += [asyncio.create_task(deliver(k)) for k in dict.fromkeys(tick.keys)]
            following, more = tick.next_due, tick.more
    except Exception:
        log.exception("claiming the due reminders failed; the next tick tries again")
    await asyncio.gather(*deliveries)
    return following


def build_scheduler(
    dispatcher: Dispatcher,
    *,
    sweep_seconds: float = OUTBOX_SWEEP_SECONDS,
    schedules: Schedules | None = None,
    reminder_seconds: float = REMINDER_TICK_SECONDS,
) -> Any:
    """An ``AsyncIOScheduler`` (not started) with the outbox sweep on it, and the
    ceremony reminders' tick when ``schedules`` are given (first run at start).

    Start it inside the running event loop; ``shutdown(wait=False)`` at clean-up."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        dispatcher.sweep,
        "interval",
        seconds=sweep_seconds,
        id="outbox-sweep",
        max_instances=1,  # a slow sweep is never run twice at once
        coalesce=True,  # after a pause (a suspended laptop), one sweep, not a burst
        replace_existing=True,
    )
    scheduler.add_job(
        dispatcher.run_due,
        "interval",
        seconds=DUE_SECONDS,
        id="due-messages",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
    if schedules is not None:

        async def reminders() -> None:
            following = await post_reminders(dispatcher, schedules)
            # The next occurrence known now fires on the dot (a one-off job), not at the
            # next periodic tick: a reminder due at 09:30 is posted at 09:30:00.
            if following is not None and following > datetime.now(UTC):
                scheduler.add_job(
                    reminders,
                    "date",
                    run_date=following,
                    id="ceremony-reminders-next",
                    replace_existing=True,
                    misfire_grace_time=None,
                )

        scheduler.add_job(
            reminders,
            "interval",
            seconds=reminder_seconds,
            next_run_time=datetime.now(UTC),  # at start-up: what was missed meanwhile
            id="ceremony-reminders",
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )
    return scheduler
