"""Inviting many people at once, against Slack's rate tiers: how long until every
invitation is delivered, how many were delivered twice, and what it costs in memory.

Run it as ``.venv/bin/python bench/interviews.py`` from the repo root. The real
``vsa serve`` web app (the Slack adapter, its outbox, its scheduler's sweep) runs in a
process of its own against a fake Slack Web API on a local port that enforces Slack's
rate tiers and answers ``429`` with ``Retry-After`` (whole seconds) when over them:

* ``conversations.open`` — Tier 3: ``--open-per-minute`` (50) a minute, bursts of
  ``--open-burst`` (50); every invitee is new to the bot, so each invitation opens a DM;
* ``chat.postMessage`` — one a second per channel, bursts of 3 (our ChannelPacer
  keeps to it);
* every method together — ``--workspace-per-minute`` (1,200) a minute per workspace,
  bursts of 100.

An SA sets up an engagement in a DM with signed ``message.im`` events (the
``new engagement`` dialog), then sends signed ``/vsa interview idea-to-production
<@U…> …`` slash commands, ``--batch`` people each, ``--participants`` (500) in all.
The server's own retries (the dispatcher's timers, the outbox sweep every 15 s) do
the rest; the bench waits until every invitee's DM got its invitation.

``--time-scale`` (default 5) runs the rate tiers that many times faster, and the
channel pacing with them, so a run takes about two minutes instead of ten; the
real-time equivalent is printed beside the measured wall time. Retry-After stays in
whole seconds (at least 1), as Slack sends it and slack-sdk reads it.

Peak memory is the server process's ``ru_maxrss`` (resource.getrusage), which
includes the interpreter and libraries.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.slack.testing import (  # noqa: E402
    Call,
    FakeSlack,
    command_fields,
    form_request,
    message_body,
    signed,
)
from bench import postgres  # noqa: E402
from bench.slack_http import SECRET, serve_assistant, stop_assistant  # noqa: E402
from tests.scenario import DELIVERY_PLAN  # noqa: E402

SA_USER = "USA000001"
SA_CHANNEL = "DSA000001"
ENGAGEMENT_ANSWERS = ("new engagement", "Acme", "Acme VSA", "2027-01-11", "2", "6", *DELIVERY_PLAN)


# --- the server, in a process of its own -----------------------------------------------


async def run_server(fake_url: str, database_url: str, time_scale: float, conn: Any) -> None:
    from adapters.slack import delivery

    delivery.POST_INTERVAL = 1.0 / time_scale
    assistant, _app, runner, port = await serve_assistant(fake_url, database_url)
    conn.send(port)
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # "stop"
    conn.send(await stop_assistant(assistant, runner))


def server_process(fake_url: str, database_url: str, time_scale: float, conn: Any) -> None:
    asyncio.run(run_server(fake_url, database_url, time_scale, conn))


class Server:
    def __init__(self, fake_url: str, database_url: str, time_scale: float) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=server_process, args=(fake_url, database_url, time_scale, child)
        )

    async def start(self) -> str:
        self.process.start()
        port = await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)
        return f"http://127.0.0.1:{port}/slack/events"

    async def stop(self) -> tuple[dict[str, int], int]:
        self.conn.send("stop")
        result = await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)
        self.process.join(30)
        return result  # type: ignore[no-any-return]


# --- the run ------------------------------------------------------------------------------


@dataclass
class Outcome:
    database: str
    invited: int
    delivered: int = 0
    wall: float = 0.0
    duplicates: int = 0
    posts_per_user: Counter[int] = field(default_factory=Counter)
    limited: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    outbox: dict[str, int] = field(default_factory=dict)
    maxrss_mib: float = 0.0
    acks_ms: list[float] = field(default_factory=list)


async def post(session: aiohttp.ClientSession, url: str, body: str, content_type: str) -> float:
    headers = {"Content-Type": content_type, **signed(SECRET, body)}
    started = time.perf_counter()
    async with session.post(url, data=body.encode(), headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
    return time.perf_counter() - started


def is_invitation(body: dict[str, Any]) -> bool:
    return "invited you" in json.dumps(body.get("blocks") or body.get("text") or "")


async def run(database_url: str, label: str, args: argparse.Namespace) -> Outcome:
    scale = args.time_scale
    tag = uuid.uuid4().hex[:4].upper()  # fresh people on a database that is reused
    users = [f"U{tag}{n:05d}" for n in range(args.participants)]
    fake = await FakeSlack().start()
    fake.rate_limit(
        "conversations.open", args.open_per_minute, burst=args.open_burst, time_scale=scale
    )
    fake.rate_limit("chat.postMessage", 60, burst=3, per="channel", time_scale=scale)
    fake.rate_limit("*", args.workspace_per_minute, burst=100, time_scale=scale)

    outcome = Outcome(label, len(users))
    invitations: Counter[str] = Counter()
    last_invitation = 0.0
    everyone = asyncio.Event()
    channels = {"D" + user[1:]: user for user in users}

    def on_call(call: Call) -> None:
        nonlocal last_invitation
        outcome.calls[call.method] += 1
        body = call.body
        if call.method != "chat.postMessage" or not body.get("_ok"):
            return
        user = channels.get(str(body.get("channel")))
        if user is not None and is_invitation(body):
            invitations[user] += 1
            last_invitation = time.perf_counter()
            if len(invitations) == len(users):
                everyone.set()

    fake.listeners.append(on_call)
    server = Server(fake.url, database_url, scale)
    try:
        url = await server.start()
        async with aiohttp.ClientSession() as session:
            # The SA sets up the engagement in their DM, waiting for each reply.
            for typed in ENGAGEMENT_ANSWERS:
                seen = len(fake.posts(SA_CHANNEL))
                body = message_body(typed, user=SA_USER, channel=SA_CHANNEL)
                await post(session, url, json.dumps(body), "application/json")
                await fake.wait_until(lambda seen=seen: len(fake.posts(SA_CHANNEL)) > seen, 30)
            await asyncio.sleep(0.5)  # the dialog's last messages
            if "Engagement set up" not in json.dumps(fake.posts(SA_CHANNEL)):
                raise RuntimeError("the engagement was not set up")

            started = time.perf_counter()
            for first in range(0, len(users), args.batch):
                mentions = " ".join(f"<@{u}>" for u in users[first : first + args.batch])
                fields = command_fields(
                    f"interview idea-to-production {mentions}", user=SA_USER, channel=SA_CHANNEL
                )
                outcome.acks_ms.append(await post(session, url, *form_request(fields)) * 1000)

            async def progress() -> None:
                while True:
                    await asyncio.sleep(10)
                    print(
                        f"  {time.perf_counter() - started:5.0f} s: {len(invitations)} delivered, "
                        f"429s {dict(fake.limited)}, calls {dict(outcome.calls)}",
                        file=sys.stderr,
                    )

            watching = asyncio.create_task(progress()) if args.progress else None
            with contextlib.suppress(TimeoutError):  # reported as fewer delivered
                await asyncio.wait_for(everyone.wait(), args.timeout)
            if watching is not None:
                watching.cancel()
            outcome.wall = (last_invitation or time.perf_counter()) - started
            await asyncio.sleep(args.grace)  # late duplicates would show up here
    finally:
        outcome.outbox, maxrss = await server.stop()
        await fake.close()
    outcome.delivered = len(invitations)
    outcome.duplicates = sum(1 for n in invitations.values() if n > 1)
    outcome.posts_per_user = Counter(invitations.values())
    outcome.limited = fake.limited
    outcome.maxrss_mib = maxrss / 1024
    return outcome


def report(outcome: Outcome, args: argparse.Namespace) -> None:
    scale = args.time_scale
    limited = ", ".join(f"{m} {n}" for m, n in sorted(outcome.limited.items())) or "none"
    acks = sorted(outcome.acks_ms)
    print(
        f"{outcome.database:<10} delivered {outcome.delivered:>4}/{outcome.invited}  "
        f"last invitation after {outcome.wall:>6.1f} s "
        f"(x{scale:g} = {outcome.wall * scale:>6.0f} s at Slack's real rates)  "
        f"twice: {outcome.duplicates}  "
        f"peak RSS {outcome.maxrss_mib:>5.0f} MiB"
    )
    print(
        f"{'':<10} 429s answered: {limited}; calls: "
        + ", ".join(f"{m} {n}" for m, n in sorted(outcome.calls.items()))
    )
    print(
        f"{'':<10} invitation posts per person: {dict(sorted(outcome.posts_per_user.items()))}; "
        f"outbox at the end: {outcome.outbox}; slash command ack "
        f"p50 {acks[len(acks) // 2]:.0f} ms, max {acks[-1]:.0f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--batch", type=int, default=50, help="people per /vsa interview")
    parser.add_argument("--time-scale", type=float, default=5.0)
    parser.add_argument("--open-per-minute", type=float, default=50.0)
    parser.add_argument("--open-burst", type=int, default=50)
    parser.add_argument("--workspace-per-minute", type=float, default=1200.0)
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after (s)")
    parser.add_argument("--grace", type=float, default=5.0, help="watch for duplicates (s)")
    parser.add_argument("--database-url", default=None, help="default: SQLite (+ PostgreSQL)")
    parser.add_argument("--progress", action="store_true", help="counts every 10 s, on stderr")
    args = parser.parse_args()

    print(
        f"{args.participants} invitations, /vsa interview slash commands of {args.batch} "
        f"mentions each over signed HTTP; fake Slack: conversations.open "
        f"{args.open_per_minute:g}/min (burst {args.open_burst}), chat.postMessage 1/s per "
        f"channel (burst 3), {args.workspace_per_minute:g}/min per workspace (burst 100); "
        f"time scale x{args.time_scale:g} (tiers and pacing {args.time_scale:g}x faster, "
        f"Retry-After in whole seconds >= 1)"
    )
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            label = "SQLite" if args.database_url.startswith("sqlite") else "PostgreSQL"
            outcomes.append(await run(args.database_url, label, args))
        else:
            outcomes.append(await run(f"sqlite:///{tmp}/bench.db", "SQLite", args))
            server = await asyncio.to_thread(postgres.server)
            if server is not None:
                async with postgres.scratch(server, "bench_interviews") as url:
                    outcomes.append(await run(url, "PostgreSQL", args))
            else:
                print("(no PostgreSQL: set DATABASE_URL or run one on 127.0.0.1:5432)")
    for outcome in outcomes:
        report(outcome, args)


if __name__ == "__main__":
    asyncio.run(main())
