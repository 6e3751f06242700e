"""`vsa serve`'s host: health, and the scheduler that sweeps the outbox."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from adapters.server import SCHEDULER_KEY, build_web_app
from assistant.app import Assistant
from assistant.dispatch import enqueue
from assistant.events import ConversationRef, Outbound, text
from tests.chat import Recorder


async def test_health_and_no_platform_endpoints_when_none_is_configured(
    assistant: Assistant,
) -> None:
    async with TestClient(TestServer(build_web_app(assistant))) as client:
        health = await client.get("/healthz")
        assert health.status == 200 and (await health.json()) == {"status": "ok"}
        assert (await client.post("/slack/events")).status == 404
        assert (await client.post("/api/messages")).status == 404


async def test_the_scheduler_runs_the_outbox_sweep_while_serving(assistant: Assistant) -> None:
    recorder = Recorder()
    assistant.dispatcher.register(recorder)
    ref = ConversationRef(platform="console", workspace="w", channel="c")
    # A message left in the outbox (its first delivery failed, its retry is due).
    await assistant.db.run(
        lambda s: enqueue(s, ref, Outbound(blocks=(text("late"),)), now=assistant.clock.now())
    )

    web_app = build_web_app(assistant)
    client: TestClient[Any, Any] = TestClient(TestServer(web_app))
    async with client:
        scheduler = web_app[SCHEDULER_KEY]
        assert scheduler.running
        job = scheduler.get_job("outbox-sweep")
        assert job is not None and job.next_run_time is not None
        recorder.sent.clear()  # start-up recovery may already have sent it
        await assistant.db.run(
            lambda s: enqueue(s, ref, Outbound(blocks=(text("later"),)), now=assistant.clock.now())
        )
        await job.func()  # what the scheduler calls every interval
        assert [m.plain_text() for _, m in recorder.sent] == ["later"]
    await asyncio.sleep(0)  # APScheduler stops on the loop's next turn
    assert not scheduler.running
