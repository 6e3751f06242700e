"""`vsa serve`'s host: health, and the scheduler that sweeps the outbox."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import ASSISTANT_KEY, SCHEDULER_KEY, build_web_app, run
from assistant.app import Assistant
from assistant.dispatch import enqueue
from assistant.events import ConversationRef, Outbound, text
from assistant.settings import Settings
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


def test_vsa_serve_readies_the_assistant_before_taking_traffic(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the first summaries would stop everyone for (loading Jinja2 and the
    templates) is done at start-up, and start-up's objects are out of the garbage
    collector's sight, so its full collections stay short while serving."""
    seen: dict[str, Any] = {}

    def run_app(app: Any, **_: Any) -> None:
        async def start_and_stop() -> None:
            web_app = await app
            assistant = web_app[ASSISTANT_KEY]
            env = assistant.service.summaries.env
            seen["compiled"] = {template.name for template in env.cache.values()}
            seen["wanted"] = {d.summary_template for d in assistant.catalog.dialogs.values()}
            seen["frozen"] = gc.get_freeze_count()
            await assistant.close()

        asyncio.run(start_and_stop())

    monkeypatch.setattr(web, "run_app", run_app)
    try:
        run(settings)
    finally:
        gc.unfreeze()
    assert seen["wanted"] and seen["compiled"] >= seen["wanted"]
    assert seen["frozen"] > 1000
