"""Microsoft Teams: botbuilder's CloudAdapter on ``POST /api/messages``.

botbuilder (the Bot Framework SDK, being retired in favour of the Microsoft 365 Agents
SDK) is imported only inside this package, and only when Teams is mounted: importing
``adapters.teams`` (for ``vsa teams package``) stays cheap.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from assistant.app import Assistant

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"


def mount(web_app: web.Application, assistant: Assistant) -> None:
    """Add ``POST /api/messages`` and register the Teams adapter with the dispatcher.

    Fails closed: without ``MICROSOFT_APP_ID`` the endpoint cannot check Bot Framework
    tokens, which is only acceptable for the Bot Framework Emulator on a developer's
    machine, never with ``ENVIRONMENT=production``.
    """
    from adapters.server import ConfigurationError
    from adapters.teams.adapter import TEAMS_ADAPTER, TeamsAdapter, TeamsConfigurationError

    settings = assistant.settings
    if not settings.MICROSOFT_APP_ID:
        if settings.ENVIRONMENT == "production":
            raise ConfigurationError(
                "Teams is enabled (TEAMS_ENABLED=true) but MICROSOFT_APP_ID is empty, so "
                f"{MESSAGES_PATH} could not check Bot Framework tokens. Set MICROSOFT_APP_ID "
                "and MICROSOFT_APP_PASSWORD from the Azure Bot registration, or unset "
                "TEAMS_ENABLED."
            )
        log.warning(
            "Teams: MICROSOFT_APP_ID is empty, so %s accepts activities WITHOUT "
            "authentication (for the Bot Framework Emulator only). Never expose it like this.",
            MESSAGES_PATH,
        )
    try:
        adapter = TeamsAdapter(
            settings, assistant.dispatcher, working=assistant.service.working_note
        )
    except TeamsConfigurationError as error:
        raise ConfigurationError(f"Teams: {error}") from error
    assistant.dispatcher.register(adapter)
    web_app[TEAMS_ADAPTER] = adapter
    web_app.router.add_post(MESSAGES_PATH, adapter.on_messages)

    async def close(_: web.Application) -> None:
        await adapter.close()

    web_app.on_cleanup.append(close)
