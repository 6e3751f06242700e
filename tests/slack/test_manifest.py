"""manifest.yaml asks for what the code handles, and nothing the code doesn't use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from adapters.slack import oauth
from adapters.slack.testing import (
    command_fields,
    form_request,
    home_opened_body,
    json_request,
    mention_body,
    message_body,
)
from tests.slack.conftest import Served

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yaml"


def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return loaded


def test_bot_scopes_match_the_oauth_install() -> None:
    assert sorted(manifest()["oauth_config"]["scopes"]["bot"]) == sorted(oauth.BOT_SCOPES)


async def test_every_subscribed_event_is_acknowledged(served: Served) -> None:
    """Bolt answers 404 to what no listener handles; Slack would retry it and then
    turn the subscription off."""
    settings = manifest()["settings"]
    for name in settings["event_subscriptions"]["bot_events"]:
        if name.startswith("message."):
            kind = name.removeprefix("message.")
            channel_type = {"channels": "channel", "groups": "group", "im": "im"}[kind]
            channel = {"channel": "C0001", "group": "G0001", "im": "D0001"}[channel_type]
            body = message_body("hello", channel=channel, channel_type=channel_type)
        elif name == "app_mention":
            body = mention_body("<@UBOT> help")
        elif name == "app_home_opened":
            body = home_opened_body()
        else:
            body = message_body("x")
            body["event"] = {"type": name, "event_ts": "1.0"}
            if name == "tokens_revoked":
                body["event"]["tokens"] = {"bot": ["UBOT"]}
        response = await served.post(*json_request(body))
        assert response.status == 200, name
    await served.settle()


async def test_the_command_and_interactivity_share_the_events_url(served: Served) -> None:
    urls = {
        manifest()["settings"]["event_subscriptions"]["request_url"],
        manifest()["settings"]["interactivity"]["request_url"],
        *(c["url"] for c in manifest()["features"]["slash_commands"]),
    }
    assert {u.endswith("/slack/events") for u in urls} == {True}
    assert [c["command"] for c in manifest()["features"]["slash_commands"]] == ["/vsa"]
    assert manifest()["features"]["app_home"]["home_tab_enabled"] is True
    response = await served.post(*form_request(command_fields("help")))
    assert response.status == 200
    await served.settle()
