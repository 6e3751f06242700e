"""`vsa serve`: one aiohttp server for every configured platform, plus the scheduler.

Adapters are listed here explicitly (no plugin discovery). Each platform package
exposes ``mount(web_app, assistant) -> None``, which adds its routes, registers
its :class:`assistant.dispatch.Adapter` with the dispatcher and hooks its own
start-up and clean-up. An unconfigured platform mounts nothing, so its endpoint
answers 404.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from assistant.app import Assistant
from assistant.scheduler import build_scheduler
from assistant.settings import Settings

log = logging.getLogger(__name__)

ASSISTANT_KEY: web.AppKey[Assistant] = web.AppKey("assistant", Assistant)
SCHEDULER_KEY: web.AppKey[Any] = web.AppKey("scheduler", object)


class ConfigurationError(RuntimeError):
    """A platform is configured in a way we refuse to serve (the message says how to fix it)."""


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_web_app(assistant: Assistant) -> web.Application:
    settings = assistant.settings
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[ASSISTANT_KEY] = assistant
    web_app.router.add_get("/healthz", healthz)

    platforms: list[str] = []
    if settings.slack_enabled:
        from adapters.slack import mount as mount_slack

        mount_slack(web_app, assistant)
        platforms.append("Slack")
    if settings.teams_enabled:
        from adapters.teams import mount as mount_teams

        mount_teams(web_app, assistant)
        platforms.append("Teams")

    async def recover(_: web.Application) -> None:
        await assistant.dispatcher.recover()

    async def finish_turns(_: web.Application) -> None:
        # Before the platforms' clean-up closes their HTTP clients: the turns under way
        # still deliver their replies.
        await assistant.dispatcher.close()

    async def scheduler(app: web.Application) -> AsyncIterator[None]:
        # The scheduler's hook: the outbox sweep, nudges and the ceremony reminders.
        running = build_scheduler(assistant.dispatcher, schedules=assistant.service.schedules)
        running.start()
        app[SCHEDULER_KEY] = running
        yield
        running.shutdown(wait=False)

    web_app.on_startup.append(recover)
    web_app.on_shutdown.append(finish_turns)
    web_app.cleanup_ctx.append(scheduler)
    log.info("platforms on: %s", ", ".join(platforms) if platforms else "none (only /healthz)")
    return web_app


async def create_app(settings: Settings) -> web.Application:
    """Start the assistant (database, dialogs) and build the web app around it."""
    assistant = await Assistant.start(settings)
    web_app = build_web_app(assistant)

    async def close(_: web.Application) -> None:
        await assistant.close()

    web_app.on_cleanup.append(close)
    return web_app


def run(settings: Settings) -> None:
    async def started() -> web.Application:
        served = await create_app(settings)
        served[ASSISTANT_KEY].ready_to_serve()
        return served

    web.run_app(started(), port=settings.PORT, print=None)
