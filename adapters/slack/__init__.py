"""Slack: Bolt's AsyncApp on the project's aiohttp server, Block Kit out.

The only package that imports slack_bolt or slack_sdk. ``mount`` is what
``adapters.server`` calls when Slack is configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

    from assistant.app import Assistant


def mount(web_app: web.Application, assistant: Assistant) -> None:
    """Add the Slack routes to ``web_app`` and register the Slack adapter."""
    from adapters.slack.app import mount as _mount

    _mount(web_app, assistant)


__all__ = ["mount"]
