"""Ceremony reminders at scale: 10,000 engagements' schedules in the database, 1,000 of
them due in the same minute, posted through a fake Slack Web API that enforces Slack's
rate limits. How long the server takes to start, its peak memory, how long until the
burst is out, and whether anything was posted twice or lost.

Run it as ``.venv/bin/python bench/reminders.py`` from the repo root. The database is
seeded directly (``--engagements`` engagements, each bound to a channel of its own
with a schedule; ``--due`` of them have a reminder at the due minute, the rest later
in the day). Then the real ``vsa serve`` web app (the Slack adapter, its outbox, the
scheduler with its reminders job) starts in a process of its own against the fake,
which answers ``429`` with ``Retry-After`` over:

* ``chat.postMessage`` — one a second per channel, bursts of 3;
* every method together — ``--workspace-per-minute`` (1,200) a minute per workspace
  token, bursts of 100 (as ``bench/interviews.py``): all the channels are in one
  workspace, the worst case.

Rates are Slack's real ones (no time scale): the target is every reminder posted within
60 s of its minute, none twice. Start-up is from the server process's first line to its
web app and scheduler running (with the start-up catch-up tick); peak memory is the
server process's ``ru_maxrss``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.slack.testing import Call, FakeSlack  # noqa: E402
from bench import postgres  # noqa: E402
from bench.slack_http import serve_assistant, stop_assistant  # noqa: E402

TEAM = "T0001"
MARK = "Weekly status — "  # the reminders' heading


# --- seeding ------------------------------------------------------------------------------


def seed(session: Any, engagements: int, due: int, due_at: datetime) -> None:
    """Engagements, channel bindings and schedules, in bulk. Each schedule runs one
    ceremony, a weekly status on the due day's weekday (1-week iterations; Iteration 1
    began that day): ``due`` of them at the due minute, the rest six hours later."""
    from sqlalchemy import insert

    from assistant.occurrences import Plan
    from storage.models import ChannelBinding, Engagement, Participant, Schedule

    now = datetime.now(UTC)
    today = due_at.date()
    start = today - timedelta(days=7)
    later = (due_at + timedelta(hours=6)).strftime("%H:%M")

    def plan_row(at: str) -> dict[str, Any]:
        ceremonies = {"iteration_review": {"time": at, "every": "week"}}
        plan = Plan(
            timezone="UTC",
            start=start,
            iteration_weeks=1,
            iterations=10,
            ceremonies=ceremonies,
            workdays=frozenset({today.weekday()}),
        )
        following = plan.next_after(now)
        return {
            "timezone": "UTC",
            "workdays": [today.weekday()],
            "start_date": start,
            "iteration_weeks": 1,
            "iterations": 10,
            "ceremonies": ceremonies,
            "holidays": [],
            "skipped": [],
            "status": "active",
            "checked_until": now,
            "next_due_at": following.at if following else None,
            "created_at": now,
            "updated_at": now,
        }

    burst, rest = plan_row(due_at.strftime("%H:%M")), plan_row(later)
    assert burst["next_due_at"] == due_at, (burst["next_due_at"], due_at)
    owner = session.execute(
        insert(Participant).returning(Participant.id),
        [
            {
                "platform": "slack",
                "workspace": TEAM,
                "user_id": "USA0001",
                "display_name": "sa",
                "created_at": now,
                "updated_at": now,
            }
        ],
    ).scalar_one()
    for first in range(0, engagements, 2000):
        numbers = range(first, min(first + 2000, engagements))
        session.execute(
            insert(Engagement),
            [
                {
                    "id": n + 1,
                    "tenant": f"slack:{TEAM}",
                    "slug": f"e{n}",
                    "name": f"Engagement {n}",
                    "customer": f"Customer {n}",
                    "kind": "delivery",
                    "status": "active",
                    "start_date": start,
                    "iterations": 10,
                    "iteration_weeks": 1,
                    "created_by_id": owner,
                    "created_at": now,
                }
                for n in numbers
            ],
        )
        session.execute(
            insert(ChannelBinding),
            [
                {
                    "conversation_key": f"slack:{TEAM}:{channel(n)}",
                    "engagement_id": n + 1,
                    "conversation": {"platform": "slack", "workspace": TEAM, "channel": channel(n)},
                    "bound_by_id": owner,
                    "created_at": now,
                }
                for n in numbers
            ],
        )
        session.execute(
            insert(Schedule),
            [
                {"engagement_id": n + 1, "created_by_id": owner, **(burst if n < due else rest)}
                for n in numbers
            ],
        )


def channel(n: int) -> str:
    return f"C{n:06d}"


# --- the server, in a process of its own -----------------------------------------------------


async def run_server(fake_url: str, database_url: str, conn: Any) -> None:
    began = time.perf_counter()
    # Serving starts the scheduler: its first tick runs now.
    assistant, _app, runner, _port = await serve_assistant(fake_url, database_url)
    started = time.perf_counter() - began
    # What one tick costs with nothing due among all the schedules.
    tick_began = time.perf_counter()
    await assistant.db.run(assistant.service.schedules.tick)
    idle_tick = time.perf_counter() - tick_began
    conn.send((started, idle_tick))
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "stop"
    conn.send(await stop_assistant(assistant, runner))


def server_process(fake_url: str, database_url: str, conn: Any) -> None:
    asyncio.run(run_server(fake_url, database_url, conn))


# --- the run ------------------------------------------------------------------------------


@dataclass
class Outcome:
    database: str
    engagements: int
    due: int
    seed_s: float = 0.0
    startup_s: float = 0.0
    idle_tick_ms: float = 0.0
    delivered: int = 0
    duplicates: int = 0
    first_after_s: float = 0.0
    last_after_s: float = 0.0
    maxrss_mib: float = 0.0
    limited: Counter[str] = field(default_factory=Counter)
    outbox: dict[str, int] = field(default_factory=dict)


async def run(database_url: str, label: str, args: argparse.Namespace) -> Outcome:
    from storage.db import Database

    outcome = Outcome(label, args.engagements, args.due)
    # The due minute: far enough ahead for the seeding and the start-up to finish.
    ahead = datetime.now(UTC) + timedelta(seconds=args.lead)
    due_at = ahead.replace(second=0, microsecond=0) + timedelta(minutes=1)
    seeding = time.perf_counter()
    db = Database.from_url(database_url)
    await db.upgrade()
    await db.run(lambda session: seed(session, args.engagements, args.due, due_at))
    await db.close()
    outcome.seed_s = time.perf_counter() - seeding

    fake = await FakeSlack().start()
    fake.rate_limit("chat.postMessage", 60, burst=3, per="channel")
    fake.rate_limit("*", args.workspace_per_minute, burst=100)
    posts: Counter[str] = Counter()
    times: list[float] = []
    everyone = asyncio.Event()

    def on_call(call: Call) -> None:
        body = call.body
        if call.method != "chat.postMessage" or not body.get("_ok"):
            return
        if MARK in str(body.get("text")):
            posts[str(body.get("channel"))] += 1
            times.append(time.time())
            if len(posts) >= args.due:
                everyone.set()

    fake.listeners.append(on_call)
    context = multiprocessing.get_context("spawn")
    conn, child = context.Pipe()
    process = context.Process(target=server_process, args=(fake.url, database_url, child))
    loop = asyncio.get_running_loop()
    try:
        process.start()
        started, idle_tick = await loop.run_in_executor(None, conn.recv)
        outcome.startup_s, outcome.idle_tick_ms = started, idle_tick * 1000
        if datetime.now(UTC) >= due_at:
            print("  (the due minute passed during start-up: --lead is too short)", file=sys.stderr)
        wait = (due_at - datetime.now(UTC)).total_seconds() + args.timeout
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(everyone.wait(), max(wait, 1))
        await asyncio.sleep(args.grace)  # late duplicates would show up here
        conn.send("stop")
        outcome.outbox, maxrss = await loop.run_in_executor(None, conn.recv)
        process.join(30)
    finally:
        if process.is_alive():
            process.kill()
        await fake.close()
    outcome.delivered = len(posts)
    outcome.duplicates = sum(1 for n in posts.values() if n > 1)
    if times:
        outcome.first_after_s = min(times) - due_at.timestamp()
        outcome.last_after_s = max(times) - due_at.timestamp()
    outcome.limited = fake.limited
    outcome.maxrss_mib = maxrss / 1024
    return outcome


def report(outcome: Outcome) -> None:
    limited = ", ".join(f"{m} {n}" for m, n in sorted(outcome.limited.items())) or "none"
    print(
        f"{outcome.database:<10} {outcome.engagements} schedules (seeded in "
        f"{outcome.seed_s:.1f} s): start-up {outcome.startup_s:.2f} s, a tick with nothing "
        f"due {outcome.idle_tick_ms:.0f} ms, peak RSS {outcome.maxrss_mib:.0f} MiB"
    )
    print(
        f"{'':<10} burst: delivered {outcome.delivered}/{outcome.due}, twice: "
        f"{outcome.duplicates}; first {outcome.first_after_s:.1f} s, last "
        f"{outcome.last_after_s:.1f} s after the due minute; 429s answered: {limited}; "
        f"outbox at the end: {outcome.outbox}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engagements", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=1_000, help="reminders due in one minute")
    parser.add_argument("--workspace-per-minute", type=float, default=1200.0)
    parser.add_argument("--lead", type=float, default=20.0, help="seconds to seed and start")
    parser.add_argument("--timeout", type=float, default=180.0, help="after the due minute (s)")
    parser.add_argument("--grace", type=float, default=5.0, help="watch for duplicates (s)")
    parser.add_argument("--database-url", default=None, help="default: SQLite (+ PostgreSQL)")
    args = parser.parse_args()

    print(
        f"{args.engagements} engagements' schedules, {args.due} reminders due in the same "
        f"minute, one per channel; fake Slack: chat.postMessage 1/s per channel (burst 3), "
        f"{args.workspace_per_minute:g}/min per workspace (burst 100), real time"
    )
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            label = "SQLite" if args.database_url.startswith("sqlite") else "PostgreSQL"
            outcomes.append(await run(args.database_url, label, args))
        else:
            outcomes.append(await run(f"sqlite:///{tmp}/bench.db", "SQLite", args))
            server = await asyncio.to_thread(postgres.server)
            if server is None:
                print("(no PostgreSQL: set DATABASE_URL or run one on 127.0.0.1:5432)")
            else:
                async with postgres.scratch(server, "bench_reminders") as url:
                    outcomes.append(await run(url, "PostgreSQL", args))
    for outcome in outcomes:
        report(outcome)


if __name__ == "__main__":
    asyncio.run(main())
