"""The scheduler of `vsa serve`: APScheduler on the server's event loop.

It runs the outbox sweep (messages whose retry time has come, work a crashed
replica left) and queues what the clock says is due (interview nudges). The ceremony
reminders add their jobs to the same scheduler through :func:`build_scheduler`'s
result, so every timed thing lives in one place.
"""

from __future__ import annotations

from typing import Any

from assistant.dispatch import Dispatcher

OUTBOX_SWEEP_SECONDS = 15
DUE_SECONDS = 300  # nudges are due by the hour; five minutes late is on time


def build_scheduler(dispatcher: Dispatcher, *, sweep_seconds: float = OUTBOX_SWEEP_SECONDS) -> Any:
    """An ``AsyncIOScheduler`` (not started) with the outbox sweep on it.

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
    return scheduler
