"""Slack over HTTP: what a full turn costs next to a bare Bolt app that only acks.

Run it as ``.venv/bin/python bench/slack_http.py``. Both servers listen on a real
TCP port and receive correctly signed Events API requests (``message.im``), with
``--participants`` people (50 by default) talking at once:

* **bare ack** — a Bolt ``AsyncApp`` whose listener only calls ``ack()``; latency
  is the HTTP round trip.
* **ack + 2 API calls** — the same bare Bolt app, whose listener also makes the two
  Web API calls a turn makes (``chat.update`` of the answered question,
  ``chat.postMessage`` of the next), through the same slack-sdk client; latency runs
  until the post reaches the fake API. What the libraries alone cost per turn.
* **full turn** — the real ``vsa serve`` web app: verify, record the event, ack,
  advance the participant's qualification dialog, store the answer, post the next
  question to the fake Slack Web API. Latency runs from sending the event until
  the next question reaches the fake API; each participant answers as soon as
  their next question arrives.

The full turn runs three times: at saturation, everyone answering the instant their
question arrives, with the channel pacing shrunk to nothing (what the pipeline itself
costs; latency there is mostly queueing, for the bare ack too); at a human pace
(each participant takes ``--think`` seconds on average to answer, so the latency is
what a person waits); and with Slack's real pacing of about one post per second per
channel.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.server import build_web_app  # noqa: E402
from adapters.slack import delivery  # noqa: E402
from adapters.slack.app import SLACK_APP_KEY  # noqa: E402
from adapters.slack.testing import (  # noqa: E402
    Call,
    FakeSlack,
    find_control,
    message_body,
    signed,
)
from assistant.app import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from tests.scenario import QUALIFIED, Click  # noqa: E402

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"{self.name:<28} {len(self.latencies):>6} events  {self.rate:>8.1f} events/s  "
            f"p50 {self.pct(0.50):>7.1f} ms  p99 {self.pct(0.99):>7.1f} ms  "
            f"mean {statistics.fmean(self.latencies) * 1000:>7.1f} ms"
        )


async def serve(web_app: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, int(port)


async def serve_assistant(
    fake_url: str, database_url: str
) -> tuple[Assistant, web.Application, web.AppRunner, int]:
    """The real ``vsa serve`` web app against the fake Slack API, listening on a free
    port (and its scheduler started): the assistant, the app, its runner and the port."""
    settings = Settings(
        _env_file=None,
        DATABASE_URL=database_url,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_API_URL=fake_url,
    )
    assistant = await Assistant.start(settings)
    web_app = build_web_app(assistant)
    assistant.ready_to_serve()  # as `vsa serve` does once started
    runner, port = await serve(web_app)
    return assistant, web_app, runner, port


async def stop_assistant(assistant: Assistant, runner: web.AppRunner) -> tuple[dict[str, int], int]:
    """Stops what :func:`serve_assistant` started: the outbox's messages by status at the
    end, and the process's peak RSS in KiB."""
    from sqlalchemy import func, select

    from storage.models import OutboxMessage

    def outbox(session: Any) -> dict[str, int]:
        rows = session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return {str(status): int(count) for status, count in rows}

    statuses = await assistant.db.run(outbox)
    await runner.cleanup()
    await assistant.close()
    return statuses, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


async def post_event(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> None:
    raw = json.dumps(body)
    headers = {"Content-Type": "application/json", **signed(SECRET, raw)}
    async with session.post(url, data=raw.encode(), headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")


# --- the servers, each in a process of its own (the load and the fake Slack API run in
# --- this one, so they don't take the server's CPU) -------------------------------------


NEXT_QUESTION: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Question 3 of 16* · Next?"}},
    {
        "type": "actions",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": t}, "value": t.lower()}
            for t in ("Yes", "No")
        ],
    },
]


def bare_bolt_app(fake_url: str, post: bool = False) -> web.Application:
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(signing_secret=SECRET, client=AsyncWebClient(token=TOKEN, base_url=fake_url))

    @bolt.event("message")
    async def on_message(ack: Any, event: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        if post:
            channel = event["channel"]
            await client.chat_update(channel=channel, ts="1.000001", text="✓ Yes")
            await client.chat_postMessage(channel=channel, text="Next?", blocks=NEXT_QUESTION)

    async def endpoint(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", endpoint)
    return web_app


async def run_server(
    kind: str, fake_url: str, database_url: str, interval: float, conn: Any
) -> None:
    assistant = None
    if kind in ("bare", "bare+api"):
        web_app = bare_bolt_app(fake_url, post=kind == "bare+api")
        gc.collect()  # the same quiet heap as the assistant's (below)
        gc.freeze()
        runner, port = await serve(web_app)
    else:
        delivery.POST_INTERVAL = interval
        assistant, web_app, runner, port = await serve_assistant(fake_url, database_url)
    conn.send(port)
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, conn.recv) != "stop":
        if assistant is not None:
            await web_app[SLACK_APP_KEY].drain()
        conn.send("drained")
    await runner.cleanup()
    if assistant is not None:
        await assistant.close()
    conn.send("stopped")


def server_process(kind: str, fake_url: str, database_url: str, interval: float, conn: Any) -> None:
    asyncio.run(run_server(kind, fake_url, database_url, interval, conn))


class Server:
    """A server in a child process; ``url`` is its /slack/events."""

    def __init__(self, kind: str, fake_url: str, database_url: str = "", interval: float = 0.0):
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=server_process, args=(kind, fake_url, database_url, interval, child)
        )

    async def __aenter__(self) -> str:
        self.process.start()
        port = await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)
        return f"http://127.0.0.1:{port}/slack/events"

    async def drain(self) -> None:
        self.conn.send("drain")
        await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)

    async def __aexit__(self, *_: object) -> None:
        self.conn.send("stop")
        await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)
        self.process.join(10)


async def bare_ack(participants: int, events_each: int) -> Result:
    fake = await FakeSlack().start()
    result = Result("bare Bolt ack")
    try:
        async with (
            Server("bare", fake.url) as url,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
        ):
            await post_event(session, url, message_body("warm-up"))

            async def person(n: int) -> None:
                for i in range(events_each):
                    body = message_body(f"answer {i}", user=f"U{n:05d}", channel=f"D{n:05d}")
                    started = time.perf_counter()
                    await post_event(session, url, body)
                    result.latencies.append(time.perf_counter() - started)

            started = time.perf_counter()
            await asyncio.gather(*(person(n) for n in range(participants)))
            result.wall = time.perf_counter() - started
    finally:
        await fake.close()
    return result


async def ack_and_post(participants: int, events_each: int) -> Result:
    """The bare app making a turn's two API calls; each waits for its post."""
    fake = await FakeSlack().start()
    result = Result("ack + 2 API calls")
    waiting: dict[str, asyncio.Future[float]] = {}

    def on_call(call: Call) -> None:
        wanted = waiting.get(str(call.body.get("channel")))
        if call.method == "chat.postMessage" and wanted is not None and not wanted.done():
            wanted.set_result(time.perf_counter())

    fake.listeners.append(on_call)
    try:
        async with (
            Server("bare+api", fake.url) as url,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
        ):

            async def person(n: int, events: int, measured: bool) -> None:
                for i in range(events):
                    channel = f"D{n:05d}"
                    waiting[channel] = asyncio.get_running_loop().create_future()
                    body = message_body(f"answer {i}", user=f"U{n:05d}", channel=channel)
                    started = time.perf_counter()
                    await post_event(session, url, body)
                    finished = await asyncio.wait_for(waiting[channel], 60)
                    if measured:
                        result.latencies.append(finished - started)

            await asyncio.gather(*(person(n, 1, False) for n in range(participants)))  # warm-up
            started = time.perf_counter()
            await asyncio.gather(*(person(n, events_each, True) for n in range(participants)))
            result.wall = time.perf_counter() - started
    finally:
        await fake.close()
    return result


def answers_for(step: Any, last_post: dict[str, Any] | None) -> str:
    """What a participant types for a scenario step (a click's option label)."""
    if isinstance(step, Click):
        assert last_post is not None
        control = find_control(last_post, step.value)
        assert control is not None, step
        return str(control[1].get("text", {}).get("text") or step.value)
    return str(step.text)


async def full_turn(
    database_url: str, participants: int, name: str, interval: float, think: float = 0.0
) -> tuple[Result, Result, int]:
    fake = await FakeSlack().start()
    posted: dict[str, list[dict[str, Any]]] = defaultdict(list)
    waiting: dict[str, tuple[int, asyncio.Future[float]]] = {}

    def on_call(call: Call) -> None:
        if call.method != "chat.postMessage" or not call.body.get("_ok"):
            return
        channel = str(call.body.get("channel"))
        posted[channel].append(call.body)
        wanted = waiting.get(channel)
        if wanted is not None and len(posted[channel]) >= wanted[0] and not wanted[1].done():
            wanted[1].set_result(time.perf_counter())

    fake.listeners.append(on_call)
    result = Result(name)
    acks = Result("  its ack (HTTP round trip)")
    server = Server("full", fake.url, database_url, interval)
    try:
        async with (
            server as url,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
        ):

            async def person(n: int) -> None:
                user, channel = f"U{n:05d}", f"D{n:05d}"
                pause = random.Random(n)
                for step in QUALIFIED:
                    if think:  # reading the question and typing take a person a while
                        await asyncio.sleep(pause.expovariate(1 / think))
                    last = posted[channel][-1] if posted[channel] else None
                    typed = answers_for(step, last)
                    future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
                    waiting[channel] = (len(posted[channel]) + 1, future)
                    started = time.perf_counter()
                    await post_event(session, url, message_body(typed, user=user, channel=channel))
                    acks.latencies.append(time.perf_counter() - started)
                    finished = await asyncio.wait_for(future, 120)
                    result.latencies.append(finished - started)

            started = time.perf_counter()
            await asyncio.gather(*(person(n) for n in range(participants)))
            result.wall = acks.wall = time.perf_counter() - started
            await server.drain()
    finally:
        await fake.close()
    return result, acks, sum(len(v) for v in posted.values())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--skip-paced", action="store_true", help="skip the run with real pacing")
    parser.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="mean seconds a participant takes to answer, for the run at a human pace",
    )
    args = parser.parse_args()

    turns = len(QUALIFIED)
    with tempfile.TemporaryDirectory() as tmp:
        bare = await bare_ack(args.participants, turns)
        libraries = await ack_and_post(args.participants, turns)
        db = args.database_url or f"sqlite:///{tmp}/bench.db"
        full, acks, posts = await full_turn(db, args.participants, "full turn (pacing off)", 0.0)
        db3 = args.database_url or f"sqlite:///{tmp}/bench-human.db"
        human, _, _ = await full_turn(
            db3, args.participants, f"full turn (think ~{args.think:g}s)", 0.0, args.think
        )
        paced = None
        if not args.skip_paced:
            db2 = args.database_url or f"sqlite:///{tmp}/bench-paced.db"
            paced, _, _ = await full_turn(db2, args.participants, "full turn (Slack pacing)", 1.0)

    database = args.database_url or "SQLite file (synchronous=FULL)"
    print(
        f"{args.participants} concurrent participants, {turns} DM events each; database: {database}"
    )
    print(bare.line())
    print(libraries.line())
    print(full.line())
    print(acks.line())
    print(human.line())
    if paced is not None:
        print(paced.line())
    print(f"next-question posts seen: {posts} for {len(full.latencies)} events")
    print(
        f"full turn / bare ack: p50 {full.pct(0.5) / bare.pct(0.5):.1f}x, "
        f"p99 {full.pct(0.99) / bare.pct(0.99):.1f}x, "
        f"cost per event (1/throughput) {bare.rate / full.rate:.1f}x; "
        f"the two API calls alone cost {bare.rate / libraries.rate:.1f}x the bare ack, "
        f"the full turn {libraries.rate / full.rate:.1f}x the ack with those calls"
    )
    within = bare.rate / full.rate <= 3
    print(
        f"targets: full turn costs <= 3x the bare ack (1/throughput at saturation): "
        f"{'met' if within else 'NOT met'}; p99 < 50 ms with {args.participants} participants "
        f"at a human pace: {'met' if human.pct(0.99) < 50 else 'NOT met'} "
        f"(at saturation, when everyone answers instantly: {full.pct(0.99):.0f} ms)"
    )


if __name__ == "__main__":
    asyncio.run(main())
